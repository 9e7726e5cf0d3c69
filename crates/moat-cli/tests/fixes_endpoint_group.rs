//! PE007's fix read back: the private endpoint to a registry's storage recreated for blob, its
//! zone group naming the blob zone instead of the file zone, in the native format and
//! Terraform.

mod readback;

use readback::fixed::{fixed_in, snippets};
use readback::*;

/// The private registry example in `form`, the endpoint to the registry's storage made a file
/// endpoint (writing into the file zone).
fn file_endpoint(form: &str) -> (std::path::PathBuf, &'static str) {
    let dir = scratch(&format!("pe007-{form}"));
    let from = root().join("examples/private-registry");
    let (file, input, cuts): (&str, &str, Vec<(&str, &str)>) = match form {
        "native" => {
            std::fs::copy(from.join("topology.yaml"), dir.join("topology.yaml")).unwrap();
            (
                "topology.yaml",
                "topology.yaml",
                vec![(
                    "target: \"registry/contosoreg:storage\", group_id: blob,\n      ip_address: 10.0.3.10, dns_zone_group: [privatelink.blob.core.windows.net] }",
                    "target: \"registry/contosoreg:storage\", group_id: file,\n      ip_address: 10.0.3.10, dns_zone_group: [privatelink.file.core.windows.net] }",
                )],
            )
        }
        _ => {
            copy_dir(&from.join("terraform"), &dir);
            (
                "main.tf",
                ".",
                vec![
                    (
                        "    private_connection_resource_id = data.azurerm_storage_account.registry.id\n    subresource_names              = [\"blob\"]",
                        "    private_connection_resource_id = data.azurerm_storage_account.registry.id\n    subresource_names              = [\"file\"]",
                    ),
                    (
                        "contosoreg-storage-pe-ip\"\n    private_ip_address = \"10.0.3.10\"\n    subresource_name   = \"blob\"\n    member_name        = \"blob\"\n  }\n\n  private_dns_zone_group {\n    name                 = \"default\"\n    private_dns_zone_ids = [azurerm_private_dns_zone.zone[\"blob\"].id]",
                        "contosoreg-storage-pe-ip\"\n    private_ip_address = \"10.0.3.10\"\n    subresource_name   = \"file\"\n    member_name        = \"file\"\n  }\n\n  private_dns_zone_group {\n    name                 = \"default\"\n    private_dns_zone_ids = [azurerm_private_dns_zone.zone[\"file\"].id]",
                    ),
                ],
            )
        }
    };
    let path = dir.join(file);
    let mut text = std::fs::read_to_string(&path).unwrap();
    for (a, b) in cuts {
        assert!(text.contains(a), "{form}: {a}");
        text = text.replacen(a, b, 1);
    }
    std::fs::write(&path, text).unwrap();
    (dir, input)
}

#[test]
fn a_registry_storage_endpoint_for_blob_removes_pe007() {
    // Network isolation with registries, "How to create a private endpoint for the Azure
    // Storage Account", step 4: the sub-resource is blob. The fix recreates the endpoint for
    // blob and names the blob zone in its group.
    for form in ["native", "terraform"] {
        let (dir, input) = file_endpoint(form);
        let f = fixed_in(&dir, input, "PE007", form);
        assert_eq!(f.len(), 1, "{form}");
        let texts: Vec<&str> = snippets(&f[0], form)
            .iter()
            .map(|s| s["text"].as_str().unwrap())
            .collect();
        match form {
            "native" => assert_eq!(
                texts,
                [
                    "private_endpoints:\n  - name: contosoreg-storage-pe\n    group_id: blob\n",
                    "private_endpoints:\n  - name: contosoreg-storage-pe\n    dns_zone_group: [privatelink.blob.core.windows.net]\n"
                ]
            ),
            _ => assert_eq!(
                texts,
                [
                    "resource \"azurerm_private_endpoint\" \"registry_storage\" {\n  private_service_connection {\n    subresource_names = [\"blob\"]\n  }\n  ip_configuration {\n    subresource_name = \"blob\"\n    member_name = \"blob\"\n  }\n}\n",
                    "# azurerm_private_endpoint.registry_storage, in its private_dns_zone_group\nprivate_dns_zone_ids = [azurerm_private_dns_zone.zone[\"blob\"].id]\n"
                ]
            ),
        }
    }
}
