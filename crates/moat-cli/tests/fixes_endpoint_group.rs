//! PE007's fix read back: the private endpoint to a registry's storage recreated for blob, its
//! zone group naming the blob zone instead of the file zone, in the native format, Terraform
//! and an ARM template.

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
        "arm" => {
            copy_dir(&from.join("arm"), &dir);
            arm_file_endpoint(&dir.join("azuredeploy.json"));
            return (dir, ".");
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

/// The template's endpoint to the registry's storage (one of a copy loop) written as a
/// resource of its own, for file, with its zone group naming the file zone.
fn arm_file_endpoint(path: &std::path::Path) {
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let pes = v["variables"]["privateEndpoints"].as_array_mut().unwrap();
    let i = pes
        .iter()
        .position(|p| p["name"] == "contosoreg-storage-pe")
        .unwrap();
    let pe = pes.remove(i);
    let resources = v["resources"].as_array_mut().unwrap();
    resources.push(serde_json::json!({
        "type": "Microsoft.Network/privateEndpoints",
        "apiVersion": "2023-09-01",
        "name": "contosoreg-storage-pe",
        "location": "[parameters('location')]",
        "dependsOn": ["[resourceId('Microsoft.Network/virtualNetworks', parameters('vnetName'))]"],
        "properties": {
            "subnet": { "id": "[variables('peSubnetId')]" },
            "privateLinkServiceConnections": [{
                "name": "contosoreg-storage-pe",
                "properties": { "privateLinkServiceId": pe["target"], "groupIds": ["file"] }
            }]
        }
    }));
    resources.push(serde_json::json!({
        "type": "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
        "apiVersion": "2023-09-01",
        "name": "contosoreg-storage-pe/default",
        "dependsOn": ["[resourceId('Microsoft.Network/privateEndpoints', 'contosoreg-storage-pe')]", "zones"],
        "properties": { "privateDnsZoneConfigs": [{
            "name": "file",
            "properties": { "privateDnsZoneId": "[resourceId('Microsoft.Network/privateDnsZones', variables('zoneFile'))]" }
        }] }
    }));
    std::fs::write(path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
}

#[test]
fn a_registry_storage_endpoint_for_blob_removes_pe007_in_arm() {
    // The same in a template: the connection's groupIds, and the zone group's config for the
    // blob zone in place of the file zone's; Bicep beside each.
    let (dir, input) = file_endpoint("arm");
    let f = fixed_in(&dir, input, "PE007", "arm");
    assert_eq!(f.len(), 1);
    let arm: Vec<serde_json::Value> = snippets(&f[0], "arm")
        .iter()
        .map(|s| serde_json::from_str(s["text"].as_str().unwrap()).unwrap())
        .collect();
    assert_eq!(
        arm[0]["properties"]["privateLinkServiceConnections"][0]["properties"]["groupIds"],
        serde_json::json!(["blob"])
    );
    let configs = &arm[1][0]["properties"]["privateDnsZoneConfigs"];
    assert_eq!(configs.as_array().unwrap().len(), 1, "{configs}");
    assert_eq!(
        configs[0]["properties"]["privateDnsZoneId"],
        "[resourceId('Microsoft.Network/privateDnsZones', 'privatelink.blob.core.windows.net')]"
    );
    let bicep = snippets(&f[0], "bicep");
    assert_eq!(bicep.len(), 2);
    for b in bicep {
        b["text"]
            .as_str()
            .unwrap()
            .split("\n\n")
            .for_each(readback::bicep::assert_bicep);
    }
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
