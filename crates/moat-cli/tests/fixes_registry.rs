//! Fixes of the registry rules (and EXF010's endpoints), read back: the endpoint to the
//! storage account or container registry Azure creates for a registry (named by the registry's
//! managed resource group, which the model learns from the endpoint to the other part) in a
//! template, in Terraform and from Azure; a registry endpoint moved to the workspace endpoint's
//! subnet; the registry's parts closed; the registry's zone linked. Written into the input as
//! the snippet says, `moat check` no longer reports the finding, and reports no error it did not
//! report before.

mod readback;

use readback::bicep::assert_bicep;
use readback::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const GROUP: &str = "azureml-rg-contosoreg_5c0d7e2a-41b9-4f63-8e1d-a27c93b6f054";

fn errors(v: &Value) -> BTreeSet<(String, String)> {
    findings(v)
        .iter()
        .filter(|f| f["severity"] == "error")
        .map(key)
        .collect()
}

fn texts(f: &Value, form: &str) -> Vec<String> {
    f["fix_code"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["input"] == form)
        .map(|s| s["text"].as_str().unwrap().to_string())
        .collect()
}

/// The findings of `code` carry a snippet in `form`; their edits applied, none of them is left
/// and no new error appears. Returns the findings before the fix.
fn fixed(dir: &Path, code: &str, form: &str) -> Vec<Value> {
    let input = input_of(dir);
    let before = check(dir, input, &[]);
    let selected = check(dir, input, &["--select", code]);
    let mine = findings(&selected).clone();
    assert!(!mine.is_empty(), "{form}: no {code}:\n{before:#}");
    for f in &mine {
        assert!(!texts(f, form).is_empty(), "{form}: no snippet:\n{f:#}");
    }
    assert!(!apply_edits(dir, &selected).is_empty(), "{form}: no edit");
    let after = check(dir, input, &[]);
    let left: BTreeSet<_> = findings(&after).iter().map(key).collect();
    for f in &mine {
        assert!(
            !left.contains(&key(f)),
            "{form}: still reported:\n{after:#}"
        );
    }
    let new: Vec<_> = errors(&after)
        .difference(&errors(&before))
        .cloned()
        .collect();
    assert!(new.is_empty(), "{form}: new errors {new:?}:\n{after:#}");
    mine
}

/// The native topology in `dir`, or the directory (a template, a configuration, an export).
fn input_of(dir: &Path) -> &'static str {
    if dir.join("topology.yaml").exists() {
        "topology.yaml"
    } else {
        "."
    }
}

/// The private registry example in `form` without the endpoint to one part of the registry.
fn without(form: &str, part: &str) -> PathBuf {
    let from = root().join("examples/private-registry").join(form);
    let dir = scratch(&format!("registry-{form}-{part}"));
    copy_dir(&from, &dir);
    let cut = |file: &str, start: &str, end: &str| {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        let i = text.find(start).unwrap_or_else(|| panic!("{start}"));
        let j = i + text[i..].find(end).unwrap_or_else(|| panic!("{end}"));
        std::fs::write(dir.join(file), format!("{}{}", &text[..i], &text[j..])).unwrap();
    };
    match (form, part) {
        ("terraform", "storage") => cut(
            "main.tf",
            "resource \"azurerm_private_endpoint\" \"registry_storage\"",
            "resource \"azurerm_private_endpoint\" \"registry_acr\"",
        ),
        ("terraform", _) => cut(
            "main.tf",
            "resource \"azurerm_private_endpoint\" \"registry_acr\"",
            "# ---- the jump box",
        ),
        ("arm", "storage") => cut(
            "azuredeploy.json",
            "      {\n        \"name\": \"contosoreg-storage-pe\",",
            "      {\n        \"name\": \"contosoreg-acr-pe\",",
        ),
        ("arm", "none") => {}
        ("arm", _) => cut(
            "azuredeploy.json",
            ",\n      {\n        \"name\": \"contosoreg-acr-pe\",",
            "\n    ]\n  },\n  \"resources\"",
        ),
        _ => {
            let file = dir.join("resources.json");
            let mut v: Value =
                serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
            let items = v["data"].as_array_mut().unwrap();
            let before = items.len();
            items.retain(|r| {
                !r["id"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("/privateEndpoints/contosoreg-{part}-pe"))
            });
            assert!(items.len() < before);
            std::fs::write(&file, v.to_string()).unwrap();
        }
    }
    dir
}

#[test]
fn a_registry_part_endpoint_removes_reg001_and_reg002_in_a_template() {
    // Use assets from registry in workspace: private endpoints to the registry's storage
    // (blob) and container registry (registry) in the workspace endpoint's subnet. The
    // storage account and container registry are in the registry's managed resource group
    // azureml-rg-<registry>_<GUID>, which the template's endpoint to the other part names.
    for (code, part, ty, name, group_id) in [
        (
            "REG001",
            "storage",
            "Microsoft.Storage/storageAccounts",
            "contosoregsa",
            "blob",
        ),
        (
            "REG002",
            "acr",
            "Microsoft.ContainerRegistry/registries",
            "contosoregacr",
            "registry",
        ),
    ] {
        let f = fixed(&without("arm", part), code, "arm");
        let arm: Value = serde_json::from_str(&texts(&f[0], "arm")[0]).unwrap();
        assert_eq!(
            arm[0]["properties"]["privateLinkServiceConnections"][0]["properties"],
            serde_json::json!({
                "privateLinkServiceId": format!("[resourceId('{GROUP}', '{ty}', '{name}')]"),
                "groupIds": [group_id]
            })
        );
        // Deployed once the registry (which creates its parts) is.
        assert_eq!(
            arm[0]["dependsOn"][0],
            "[resourceId('Microsoft.MachineLearningServices/registries', parameters('registryName'))]"
        );
        let bicep = &texts(&f[0], "bicep")[0];
        bicep.split("\n\n").for_each(assert_bicep);
        assert!(
            bicep.contains(&format!(
                "privateLinkServiceId: resourceId('{GROUP}', '{ty}', '{name}')\n"
            )),
            "{bicep}"
        );
    }
}

#[test]
fn a_registry_part_endpoint_removes_reg001_and_reg002_in_terraform() {
    // The part read by a data source in the managed group, after the registry.
    for (code, part, data, name) in [
        (
            "REG001",
            "storage",
            "azurerm_storage_account",
            "contosoregsa",
        ),
        (
            "REG002",
            "acr",
            "azurerm_container_registry",
            "contosoregacr",
        ),
    ] {
        let f = fixed(&without("terraform", part), code, "terraform");
        let text = &texts(&f[0], "terraform")[0];
        assert!(
            text.starts_with(&format!(
                "data \"{data}\" \"contosoreg_{part}\" {{
  name                = \"{name}\"
  resource_group_name = \"{GROUP}\"
  depends_on          = [azapi_resource.registry]
}}
"
            )),
            "{text}"
        );
        assert!(
            text.contains(&format!(
                "    private_connection_resource_id = data.{data}.contosoreg_{part}.id\n"
            )),
            "{text}"
        );
    }
}

#[test]
fn a_live_export_gets_the_registry_part_endpoint_command() {
    // Read from Azure: the part named by its id in the registry's subscription and managed
    // group.
    let sub = "/subscriptions/6d1f0c3e-2b7a-4c59-9e41-8f0a7b3c2d15";
    let v = check(&without("live", "acr"), ".", &["--select", "REG002"]);
    let az = &texts(&findings(&v)[0], "az")[0];
    assert!(
        az.contains(&format!(
            " --private-connection-resource-id {sub}/resourceGroups/{GROUP}/providers/Microsoft.ContainerRegistry/registries/contosoregacr --group-id registry "
        )),
        "{az}"
    );
}

#[test]
fn without_the_managed_group_no_snippet_names_the_part() {
    // With both endpoints to the parts gone, nothing names the managed group's GUID: the fix
    // stays in words.
    let dir = without("arm", "storage");
    let text = std::fs::read_to_string(dir.join("azuredeploy.json")).unwrap();
    let i = text
        .find(",\n      {\n        \"name\": \"contosoreg-acr-pe\",")
        .unwrap();
    let j = i + text[i..].find("\n    ]\n  },\n  \"resources\"").unwrap();
    std::fs::write(
        dir.join("azuredeploy.json"),
        format!("{}{}", &text[..i], &text[j..]),
    )
    .unwrap();
    let v = check(&dir, ".", &["--select", "REG001"]);
    assert!(!findings(&v).is_empty());
    for f in findings(&v) {
        assert!(texts(f, "arm").is_empty(), "{f:#}");
    }
}

/// The private registry example in `form` with the registry's endpoint in subnet `jumpbox`
/// and no fixed address (Azure allocates one).
fn registry_endpoint_elsewhere(form: &str) -> PathBuf {
    let from = root().join("examples/private-registry");
    let dir = scratch(&format!("reg015-{form}"));
    let (file, from_text, to_text) = match form {
        "native" => (
            "topology.yaml",
            "  - { name: contosoreg-pe, subnet: vnet/pe, target: registry/contosoreg, group_id: amlregistry, ip_address: 10.0.3.9,",
            "  - { name: contosoreg-pe, subnet: vnet/jumpbox, target: registry/contosoreg, group_id: amlregistry,",
        ),
        _ => {
            copy_dir(&from.join("terraform"), &dir);
            (
                "main.tf",
                "  subnet_id           = azurerm_subnet.pe.id

  private_service_connection {
    name                           = \"contosoreg-pe\"
    private_connection_resource_id = azapi_resource.registry.id
    subresource_names              = [\"amlregistry\"]
    is_manual_connection           = false
  }

  ip_configuration {
    name               = \"contosoreg-pe-ip\"
    private_ip_address = \"10.0.3.9\"
    subresource_name   = \"amlregistry\"
    member_name        = \"default\"
  }
",
                "  subnet_id           = azurerm_subnet.jumpbox.id

  private_service_connection {
    name                           = \"contosoreg-pe\"
    private_connection_resource_id = azapi_resource.registry.id
    subresource_names              = [\"amlregistry\"]
    is_manual_connection           = false
  }
",
            )
        }
    };
    let path = if form == "native" {
        from.join(file)
    } else {
        dir.join(file)
    };
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from_text), "{from_text}");
    std::fs::write(dir.join(file), text.replacen(from_text, to_text, 1)).unwrap();
    dir
}

#[test]
fn moving_the_registry_endpoint_removes_reg015() {
    // Use assets from registry in workspace: the registry's private endpoints in the same
    // subnet as the workspace's. The endpoint goes to the workspace endpoint's subnet vnet/pe.
    for (form, expected) in [
        (
            "native",
            "private_endpoints:\n  - name: contosoreg-pe\n    subnet: vnet/pe\n",
        ),
        (
            "terraform",
            "resource \"azurerm_private_endpoint\" \"registry\" {\n  subnet_id = azurerm_subnet.pe.id\n}\n",
        ),
    ] {
        let f = fixed(&registry_endpoint_elsewhere(form), "REG015", form);
        assert_eq!(f.len(), 1, "{form}");
        assert_eq!(texts(&f[0], form), [expected], "{form}");
    }
}

#[test]
fn an_endpoint_with_a_fixed_address_is_not_moved() {
    // Its address belongs to the subnet it is in; the one it takes in the workspace endpoint's
    // subnet is the user's to choose.
    let dir = scratch("reg015-fixed-address");
    let text =
        std::fs::read_to_string(root().join("examples/private-registry/topology.yaml")).unwrap();
    let text = text.replacen(
        "{ name: contosoreg-pe, subnet: vnet/pe,",
        "{ name: contosoreg-pe, subnet: vnet/jumpbox,",
        1,
    );
    let text = text.replacen("ip_address: 10.0.3.9,", "ip_address: 10.0.5.9,", 1);
    std::fs::write(dir.join("topology.yaml"), text).unwrap();
    let v = check(&dir, "topology.yaml", &["--select", "REG015"]);
    assert_eq!(findings(&v).len(), 1, "{v:#}");
    assert!(findings(&v)[0].get("fix_code").is_none(), "{v:#}");
}

#[test]
fn closing_the_registry_parts_removes_reg003() {
    // How to create a private endpoint, step 8: with the registry's public access disabled,
    // confirm the storage and ACR have public network access disabled as well.
    let dir = scratch("reg003-native");
    let text =
        std::fs::read_to_string(root().join("examples/private-registry/topology.yaml")).unwrap();
    let text = text
        .replacen(
            "storage: { public_network_access: Disabled }",
            "storage: { public_network_access: Enabled }",
            1,
        )
        .replacen(
            "acr: { public_network_access: Disabled, sku: Premium }",
            "acr: { sku: Premium }",
            1,
        );
    std::fs::write(dir.join("topology.yaml"), text).unwrap();
    let f = fixed(&dir, "REG003", "native");
    let all: Vec<String> = f.iter().flat_map(|f| texts(f, "native")).collect();
    assert_eq!(
        all,
        [
            "registries:\n  - name: contosoreg\n    acr:\n      public_network_access: Disabled\n",
            "registries:\n  - name: contosoreg\n    storage:\n      public_network_access: Disabled\n"
        ]
    );
}

#[test]
fn the_registry_parts_are_closed_with_az_in_their_managed_group() {
    // Read from Azure, deployed by a template or by Terraform, the parts are Azure's: changed
    // with az, in the managed group the endpoints to them name. The side file records what
    // Azure holds: with the settings the commands make written there, REG003 is gone.
    for form in ["arm", "terraform"] {
        let dir = scratch(&format!("reg003-{form}"));
        copy_dir(&root().join("examples/private-registry").join(form), &dir);
        let intent = std::fs::read_to_string(dir.join("intent.yaml")).unwrap();
        let open = intent
            .replacen(
                "storage: { public_network_access: Disabled }",
                "storage: { public_network_access: Enabled }",
                1,
            )
            .replacen(
                "acr: { public_network_access: Disabled }",
                "acr: { public_network_access: Enabled }",
                1,
            );
        assert_ne!(intent, open);
        std::fs::write(dir.join("intent.yaml"), open).unwrap();
        let before = check(&dir, ".", &[]);
        let v = check(&dir, ".", &["--select", "REG003"]);
        let all: Vec<String> = findings(&v).iter().flat_map(|f| texts(f, "az")).collect();
        assert_eq!(
            all,
            [
                format!(
                    "az acr update --name contosoregacr --resource-group {GROUP} --public-network-enabled false\n"
                ),
                format!(
                    "az storage account update --name contosoregsa --resource-group {GROUP} --public-network-access Disabled\n"
                )
            ],
            "{form}"
        );
        for f in findings(&v) {
            assert!(texts(f, form).is_empty(), "{form}: {f:#}");
        }
        // What the two commands make true, as the side file says it.
        std::fs::write(dir.join("intent.yaml"), &intent).unwrap();
        let after = check(&dir, ".", &[]);
        assert!(
            findings(&after).iter().all(|f| f["code"] != "REG003"),
            "{form}: {after:#}"
        );
        let new: Vec<_> = errors(&after)
            .difference(&errors(&before))
            .cloned()
            .collect();
        assert!(new.is_empty(), "{form}: new errors {new:?}");
    }
}

#[test]
fn linking_the_api_zone_removes_reg011() {
    // How to find the registry's fully qualified domain name: DNS must resolve
    // <registry-guid>.registry.<region>.privatelink.api.azureml.ms, which only the
    // privatelink.api.azureml.ms zone answers. The zone the registry endpoint's zone group
    // names, not linked to the compute's VNet, is linked.
    let dir = scratch("reg011-native");
    let text =
        std::fs::read_to_string(root().join("examples/private-registry/topology.yaml")).unwrap();
    let cut = "  - { name: privatelink.api.azureml.ms, vnet_links: [vnet] }";
    assert!(text.contains(cut));
    let text = text.replacen(
        cut,
        "  - { name: privatelink.api.azureml.ms, vnet_links: [] }",
        1,
    );
    std::fs::write(dir.join("topology.yaml"), text).unwrap();
    let f = fixed(&dir, "REG011", "native");
    assert_eq!(
        f[0]["changes"][0],
        serde_json::json!({
            "kind": "link-zone",
            "zone": "privatelink.api.azureml.ms",
            "resource_group": null,
            "vnet": "vnet"
        })
    );
}

#[test]
fn a_custom_dns_server_keeps_reg011_in_words() {
    // A custom DNS server needs a forwarder to 168.63.129.16, which is the server's to
    // configure: no link is proposed.
    let dir = scratch("reg011-custom-dns");
    let text =
        std::fs::read_to_string(root().join("examples/private-registry/topology.yaml")).unwrap();
    let text = text.replacen(
        "  - { name: privatelink.api.azureml.ms, vnet_links: [vnet] }",
        "  - { name: privatelink.api.azureml.ms, vnet_links: [] }",
        1,
    );
    let vnet = "  - name: vnet\n";
    assert!(text.contains(vnet));
    let text = text.replacen(vnet, "  - name: vnet\n    dns_servers: [10.0.5.4]\n", 1);
    std::fs::write(dir.join("topology.yaml"), text).unwrap();
    let v = check(&dir, "topology.yaml", &["--select", "REG011"]);
    assert!(!findings(&v).is_empty(), "{v:#}");
    for f in findings(&v) {
        assert!(f.get("changes").is_none(), "{f:#}");
    }
}

#[test]
fn the_workspace_and_storage_endpoints_remove_exf010() {
    // Data exfiltration prevention, prerequisites: with a service endpoint policy on the
    // compute subnet, the workspace and its default storage (blob, file) are reached through
    // private endpoints. The exfiltration example without them gets the three, in the subnet
    // that holds the VNet's other endpoints.
    let dir = scratch("exf010-native");
    let mut text =
        std::fs::read_to_string(root().join("examples/exfiltration-prevention/topology.yaml"))
            .unwrap();
    for cut in [
        "  - { name: ws-pe, subnet: spoke-vnet/pe, target: workspace/ws, group_id: amlworkspace,\n      dns_zone_group: [privatelink.api.azureml.ms, privatelink.notebooks.azure.net] }\n",
        "  - { name: wsstorage-blob-pe, subnet: spoke-vnet/pe, target: storage/wsstorage, group_id: blob,\n      dns_zone_group: [privatelink.blob.core.windows.net] }\n",
        "  - { name: wsstorage-file-pe, subnet: spoke-vnet/pe, target: storage/wsstorage, group_id: file,\n      dns_zone_group: [privatelink.file.core.windows.net] }\n",
    ] {
        assert!(text.contains(cut), "{cut}");
        text = text.replacen(cut, "", 1);
    }
    std::fs::write(dir.join("topology.yaml"), text).unwrap();
    let f = fixed(&dir, "EXF010", "native");
    let placed: Vec<String> = f[0]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| format!("{} {} {}", c["target"], c["group_id"], c["subnet"]))
        .collect();
    assert_eq!(
        placed,
        [
            "\"workspace/ws\" \"amlworkspace\" \"spoke-vnet/pe\"",
            "\"storage/wsstorage\" \"blob\" \"spoke-vnet/pe\"",
            "\"storage/wsstorage\" \"file\" \"spoke-vnet/pe\""
        ]
    );
}

#[test]
fn the_policy_in_its_vnet_region_removes_exf007() {
    // Service endpoint policies: a policy applies only to subnets of VNets in its own region.
    // The exfiltration example's policy created in westus goes to eastus, the spoke VNet's
    // region: in the native entry, and as the policy's location in Terraform (the VNet's, by
    // reference) and in the template (as the template writes the VNet's).
    let from = root().join("examples/exfiltration-prevention");
    for (form, file, written, moved, expected) in [
        (
            "native",
            "topology.yaml",
            "  - name: aml-storage-policy\n",
            "  - name: aml-storage-policy\n    region: westus\n",
            "service_endpoint_policies:\n  - name: aml-storage-policy\n    region: eastus\n",
        ),
        (
            "terraform",
            "main.tf",
            "  name                = \"aml-storage-policy\"\n  location            = azurerm_resource_group.rg.location\n",
            "  name                = \"aml-storage-policy\"\n  location            = \"westus\"\n",
            "resource \"azurerm_subnet_service_endpoint_storage_policy\" \"aml\" {\n  location = azurerm_virtual_network.spoke.location\n}\n",
        ),
        (
            "arm",
            "azuredeploy.json",
            "      \"name\": \"aml-storage-policy\",\n      \"location\": \"[parameters('location')]\",\n",
            "      \"name\": \"aml-storage-policy\",\n      \"location\": \"westus\",\n",
            "{\n  \"type\": \"Microsoft.Network/serviceEndpointPolicies\",\n  \"name\": \"aml-storage-policy\",\n  \"location\": \"[parameters('location')]\"\n}\n",
        ),
    ] {
        let dir = scratch(&format!("exf007-{form}"));
        let text = if form == "native" {
            std::fs::read_to_string(from.join(file)).unwrap()
        } else {
            copy_dir(&from.join(form), &dir);
            std::fs::read_to_string(dir.join(file)).unwrap()
        };
        assert!(text.contains(written), "{form}: {written}");
        std::fs::write(dir.join(file), text.replacen(written, moved, 1)).unwrap();
        let f = fixed(&dir, "EXF007", form);
        assert_eq!(texts(&f[0], form), [expected], "{form}");
    }
}

#[test]
fn an_endpoint_block_of_several_instances_is_not_moved() {
    // A block with `count` places every instance: editing its subnet would move them all.
    let dir = registry_endpoint_elsewhere("terraform");
    let text = std::fs::read_to_string(dir.join("main.tf")).unwrap();
    let head = "resource \"azurerm_private_endpoint\" \"registry\" {\n";
    assert!(text.contains(head));
    let text = text.replacen(head, &format!("{head}  count               = 1\n"), 1);
    std::fs::write(dir.join("main.tf"), text).unwrap();
    let v = check(&dir, ".", &["--select", "REG015"]);
    assert_eq!(findings(&v).len(), 1, "{v:#}");
    assert!(texts(&findings(&v)[0], "terraform").is_empty(), "{v:#}");
}

#[test]
fn the_registry_user_role_removes_reg008() {
    // Network isolation with registries: the identity that creates assets in a registry needs
    // AzureML Registry User, Owner or Contributor on it; the fix assigns the first, the least
    // of the three. Appended to the topology's role assignments, or written where it has none.
    let from =
        std::fs::read_to_string(root().join("examples/private-registry/topology.yaml")).unwrap();
    let line =
        "  - { principal: datasci, role: AzureML Registry User, scope: registry/contosoreg }\n";
    assert!(from.contains(line));
    for (name, text) in [
        (
            "reader",
            from.replacen(
                line,
                "  - { principal: datasci, role: Reader, scope: registry/contosoreg }\n",
                1,
            ),
        ),
        (
            "none",
            from.replacen(&format!("role_assignments:\n{line}"), "", 1),
        ),
    ] {
        let dir = scratch(&format!("reg008-{name}"));
        std::fs::write(dir.join("topology.yaml"), text).unwrap();
        let f = fixed(&dir, "REG008", "native");
        assert_eq!(
            texts(&f[0], "native"),
            [
                "role_assignments:\n  - { principal: datasci, role: \"AzureML Registry User\", scope: registry/contosoreg }\n"
            ],
            "{name}"
        );
    }
}

#[test]
fn a_template_gets_no_role_assignment() {
    // The template names a principal by object id, which the side file's name is not.
    let dir = without("arm", "none");
    let intent = std::fs::read_to_string(dir.join("intent.yaml")).unwrap();
    let role = "role: AzureML Registry User";
    assert!(intent.contains(role));
    std::fs::write(
        dir.join("intent.yaml"),
        intent.replacen(role, "role: Reader", 1),
    )
    .unwrap();
    let v = check(&dir, ".", &["--select", "REG008"]);
    assert!(!findings(&v).is_empty(), "{v:#}");
    for f in findings(&v) {
        assert!(f.get("fix_code").is_none(), "{f:#}");
    }
}

#[test]
fn the_registry_instance_rule_removes_reg005() {
    // Share assets from workspace to registry: the workspace storage, limited to selected
    // networks, admits the registry by a resource instance rule of type
    // Microsoft.MachineLearningServices/registries naming it. The example without that rule
    // gets it back, after the rules the account keeps.
    let from = root().join("examples/private-registry");
    let native_rule = "        - resource_type: Microsoft.MachineLearningServices/registries\n          name: contosoreg\n";
    let arm_rule = ",\n            {\n              \"tenantId\": \"[subscription().tenantId]\",\n              \"resourceId\": \"[resourceId('Microsoft.MachineLearningServices/registries', parameters('registryName'))]\"\n            }";
    let tf_rule = "  private_link_access {\n    endpoint_resource_id = azapi_resource.registry.id\n    endpoint_tenant_id   = data.azurerm_client_config.current.tenant_id\n  }\n";
    for (form, file, cut) in [
        ("native", "topology.yaml", native_rule),
        ("arm", "azuredeploy.json", arm_rule),
        ("terraform", "main.tf", tf_rule),
    ] {
        let dir = scratch(&format!("reg005-{form}"));
        let text = if form == "native" {
            std::fs::read_to_string(from.join(file)).unwrap()
        } else {
            copy_dir(&from.join(form), &dir);
            std::fs::read_to_string(dir.join(file)).unwrap()
        };
        assert!(text.contains(cut), "{form}");
        std::fs::write(dir.join(file), text.replacen(cut, "", 1)).unwrap();
        let f = fixed(&dir, "REG005", form);
        let text = &texts(&f[0], form)[0];
        if form == "native" {
            assert_eq!(
                text,
                "storage_accounts:
  - name: wsstorage
    network_rules:
      resource_access_rules:
        - { resource_type: Microsoft.MachineLearningServices/workspaces, name: ws }
        - { resource_type: Microsoft.MachineLearningServices/registries, name: contosoreg }
"
            );
        } else if form == "terraform" {
            assert_eq!(
                text,
                "resource \"azurerm_storage_account_network_rules\" \"ws\" {
  private_link_access {
    endpoint_resource_id = azapi_resource.registry.id
  }
}
"
            );
        } else {
            let v: Value = serde_json::from_str(text).unwrap();
            assert_eq!(
                v["properties"]["networkAcls"]["resourceAccessRules"][1],
                serde_json::json!({
                    "tenantId": "[subscription().tenantId]",
                    "resourceId": "[resourceId('Microsoft.MachineLearningServices/registries', parameters('registryName'))]"
                })
            );
        }
    }
}

#[test]
fn a_closed_storage_account_is_not_opened_for_reg005() {
    // Public access Disabled: opening the account would admit its other rules too, which is
    // the user's to weigh. The fix stays in words.
    let dir = scratch("reg005-closed");
    let text =
        std::fs::read_to_string(root().join("examples/private-registry/topology.yaml")).unwrap();
    let open = "  - name: wsstorage\n    public_network_access: Enabled\n";
    assert!(text.contains(open));
    let text = text.replacen(
        open,
        "  - name: wsstorage\n    public_network_access: Disabled\n",
        1,
    );
    std::fs::write(dir.join("topology.yaml"), text).unwrap();
    let v = check(&dir, "topology.yaml", &["--select", "REG005"]);
    assert!(!findings(&v).is_empty(), "{v:#}");
    for f in findings(&v) {
        assert!(f.get("changes").is_none(), "{f:#}");
    }
}

#[test]
fn a_live_export_gets_the_registry_instance_rule_command() {
    // Read from Azure: the rule added with `az storage account network-rule add`, which keeps
    // the account's other rules, the registry by its id in the export.
    let dir = scratch("reg005-live");
    copy_dir(&root().join("examples/private-registry/live"), &dir);
    let file = dir.join("resources.json");
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let sub = "/subscriptions/6d1f0c3e-2b7a-4c59-9e41-8f0a7b3c2d15/resourceGroups/rg-ml";
    let registry =
        format!("{sub}/providers/Microsoft.MachineLearningServices/registries/contosoreg");
    let account = v["data"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r["id"] == format!("{sub}/providers/Microsoft.Storage/storageAccounts/wsstorage"))
        .unwrap();
    let rules = account["properties"]["networkAcls"]["resourceAccessRules"]
        .as_array_mut()
        .unwrap();
    let before = rules.len();
    rules.retain(|r| r["resourceId"] != registry.as_str());
    assert_eq!(rules.len(), before - 1);
    std::fs::write(&file, v.to_string()).unwrap();
    let v = check(&dir, ".", &["--select", "REG005"]);
    assert_eq!(findings(&v).len(), 1, "{v:#}");
    assert_eq!(
        texts(&findings(&v)[0], "az"),
        [format!(
            "az storage account network-rule add --resource-group rg-ml --account-name wsstorage --resource-id {registry} --tenant-id \"$(az account show --query tenantId --output tsv)\"\n"
        )]
    );
}

/// The object id the tests give the data scientist, as a template names a principal.
const DATASCI: &str = "0f3c2a1b-7d4e-4f6a-9b8c-1e2d3c4b5a69";

/// The private registry example in `form` with the data scientist named by object id and the
/// side file's role assignment on the registry gone.
fn without_registry_role(form: &str) -> PathBuf {
    let dir = scratch(&format!("reg008-{form}"));
    copy_dir(&root().join("examples/private-registry").join(form), &dir);
    let intent = std::fs::read_to_string(dir.join("intent.yaml")).unwrap();
    let role = "\nrole_assignments:\n  - { principal: datasci, role: AzureML Registry User, scope: registry/contosoreg }\n";
    let client = "  - name: datasci\n";
    assert!(intent.contains(role) && intent.contains(client), "{form}");
    let intent = intent.replacen(role, "\n", 1).replacen(
        client,
        &format!("{client}    principal: {DATASCI}\n"),
        1,
    );
    std::fs::write(dir.join("intent.yaml"), intent).unwrap();
    dir
}

#[test]
fn the_registry_user_role_removes_reg008_in_terraform_and_a_template() {
    // Network isolation with registries: the identity that creates assets in a registry needs
    // AzureML Registry User, Owner or Contributor on it. Named by object id, it gets the first
    // as an azurerm_role_assignment after the registry's block, or a role assignment extending
    // the registry in the template (the role by its built-in definition id).
    let f = fixed(&without_registry_role("terraform"), "REG008", "terraform");
    assert_eq!(
        texts(&f[0], "terraform"),
        [format!(
            "resource \"azurerm_role_assignment\" \"azureml_registry_user_0f3c2a1b\" {{
  scope                = azapi_resource.registry.id
  role_definition_name = \"AzureML Registry User\"
  principal_id         = \"{DATASCI}\"
}}
"
        )]
    );
    let f = fixed(&without_registry_role("arm"), "REG008", "arm");
    let id =
        "resourceId('Microsoft.MachineLearningServices/registries', parameters('registryName'))";
    let arm: Value = serde_json::from_str(&texts(&f[0], "arm")[0]).unwrap();
    assert_eq!(
        arm,
        serde_json::json!({
            "type": "Microsoft.Authorization/roleAssignments",
            "apiVersion": "2022-04-01",
            "name": format!("[guid({id}, '{DATASCI}', '1823dd4f-9b8c-4ab6-ab4e-7397a3684615')]"),
            "scope": "[format('Microsoft.MachineLearningServices/registries/{0}', parameters('registryName'))]",
            "dependsOn": [format!("[{id}]")],
            "properties": {
                "roleDefinitionId": "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '1823dd4f-9b8c-4ab6-ab4e-7397a3684615')]",
                "principalId": DATASCI
            }
        })
    );
    let bicep = &texts(&f[0], "bicep")[0];
    bicep.split("\n\n").for_each(assert_bicep);
    assert!(bicep.contains("  scope: contosoregScope\n"), "{bicep}");
}

#[test]
fn a_live_export_gets_the_role_assignment_command() {
    // Read from Azure: `az role assignment create` on the registry's id, the principal by its
    // object id.
    let v = check(&without_registry_role("live"), ".", &["--select", "REG008"]);
    assert_eq!(findings(&v).len(), 1, "{v:#}");
    assert_eq!(
        texts(&findings(&v)[0], "az"),
        [format!(
            "az role assignment create --assignee-object-id {DATASCI} --role \"AzureML Registry User\" --scope /subscriptions/6d1f0c3e-2b7a-4c59-9e41-8f0a7b3c2d15/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/registries/contosoreg\n"
        )]
    );
}

#[test]
fn linking_the_api_zone_removes_reg011_in_terraform_and_a_template() {
    // The same fix where the zones' links are written in a loop: the api zone's link left out
    // of the loop, the link is added beside the zone, naming its instance.
    let from = root().join("examples/private-registry");
    for (form, file, old, new) in [
        (
            "terraform",
            "main.tf",
            "resource \"azurerm_private_dns_zone_virtual_network_link\" \"vnet\" {\n  for_each              = local.private_dns_zones\n",
            "resource \"azurerm_private_dns_zone_virtual_network_link\" \"vnet\" {\n  for_each              = { for k, v in local.private_dns_zones : k => v if k != \"api\" }\n",
        ),
        (
            "arm",
            "azuredeploy.json",
            "\"name\": \"[format('{0}/{1}-link', variables('privateDnsZones')[copyIndex()], parameters('vnetName'))]\",\n      \"location\": \"global\",\n      \"copy\": { \"name\": \"zoneLinks\", \"count\": \"[length(variables('privateDnsZones'))]\" },",
            "\"name\": \"[format('{0}/{1}-link', variables('privateDnsZones')[copyIndex(1)], parameters('vnetName'))]\",\n      \"location\": \"global\",\n      \"copy\": { \"name\": \"zoneLinks\", \"count\": \"[sub(length(variables('privateDnsZones')), 1)]\" },",
        ),
    ] {
        let dir = scratch(&format!("reg011-{form}"));
        copy_dir(&from.join(form), &dir);
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        assert!(text.contains(old), "{form}");
        std::fs::write(dir.join(file), text.replacen(old, new, 1)).unwrap();
        let f = fixed(&dir, "REG011", form);
        assert_eq!(
            f[0]["changes"][0]["zone"], "privatelink.api.azureml.ms",
            "{form}"
        );
        let text = &texts(&f[0], form)[0];
        if form == "terraform" {
            assert!(
                text.contains(
                    "  private_dns_zone_name = azurerm_private_dns_zone.zone[\"api\"].name\n"
                ),
                "{text}"
            );
        } else {
            let v: Value = serde_json::from_str(text).unwrap();
            assert_eq!(
                v["name"],
                "[format('{0}/{1}', 'privatelink.api.azureml.ms', parameters('vnetName'))]"
            );
        }
    }
}

#[test]
fn the_workspace_and_storage_endpoints_remove_exf010_in_terraform_and_a_template() {
    // The same fix where the endpoints are written in a loop over a list of them: the three
    // left out of the list, each is added as a resource of its own, in the subnet of the
    // others.
    let from = root().join("examples/exfiltration-prevention");
    for (form, file, cuts) in [
        (
            "terraform",
            "main.tf",
            &[
                "    \"ws-pe\"             = { target = azapi_resource.ws.id, group = \"amlworkspace\", zones = [\"api\", \"notebooks\"] }\n",
                "    \"wsstorage-blob-pe\" = { target = azurerm_storage_account.ws.id, group = \"blob\", zones = [\"blob\"] }\n",
                "    \"wsstorage-file-pe\" = { target = azurerm_storage_account.ws.id, group = \"file\", zones = [\"file\"] }\n",
            ][..],
        ),
        (
            "arm",
            "azuredeploy.json",
            &[
                "      {\n        \"name\": \"ws-pe\",\n        \"target\": \"[resourceId('Microsoft.MachineLearningServices/workspaces', parameters('workspaceName'))]\",\n        \"groupId\": \"amlworkspace\",\n        \"zones\": [\"privatelink.api.azureml.ms\", \"privatelink.notebooks.azure.net\"]\n      },\n",
                "      {\n        \"name\": \"wsstorage-blob-pe\",\n        \"target\": \"[resourceId('Microsoft.Storage/storageAccounts', parameters('storageAccountName'))]\",\n        \"groupId\": \"blob\",\n        \"zones\": [\"privatelink.blob.core.windows.net\"]\n      },\n",
                "      {\n        \"name\": \"wsstorage-file-pe\",\n        \"target\": \"[resourceId('Microsoft.Storage/storageAccounts', parameters('storageAccountName'))]\",\n        \"groupId\": \"file\",\n        \"zones\": [\"privatelink.file.core.windows.net\"]\n      },\n",
            ][..],
        ),
    ] {
        let dir = scratch(&format!("exf010-{form}"));
        copy_dir(&from.join(form), &dir);
        let mut text = std::fs::read_to_string(dir.join(file)).unwrap();
        for cut in cuts {
            assert!(text.contains(cut), "{form}: {cut}");
            text = text.replacen(cut, "", 1);
        }
        std::fs::write(dir.join(file), text).unwrap();
        let f = fixed(&dir, "EXF010", form);
        let placed: Vec<String> = f[0]["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| format!("{} {} {}", c["name"], c["group_id"], c["subnet"]))
            .collect();
        assert_eq!(
            placed,
            [
                "\"ws-amlworkspace-pe\" \"amlworkspace\" \"spoke-vnet/pe\"",
                "\"wsstorage-blob-pe\" \"blob\" \"spoke-vnet/pe\"",
                "\"wsstorage-file-pe\" \"file\" \"spoke-vnet/pe\""
            ],
            "{form}"
        );
        assert_eq!(texts(&f[0], form).len(), 3, "{form}");
    }
}
