//! Fixes that change a private endpoint's DNS zone group (PE001, DNS003, DNS004, DNS005), read
//! back in the native format, Terraform and an ARM template: the edits applied, the finding is
//! gone and no new error appears; and as `az` commands for a live export.

mod readback;

use readback::bicep::assert_bicep;
use readback::fixed::{fixed_in, snippets};
use readback::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

const EXAMPLE: &str = "examples/workspace-private-endpoint";

/// The example in `form` copied to a scratch directory, with each `(from, to)` replaced once
/// in its main file. Returns the directory and the input to check.
fn example(name: &str, form: &str, cuts: &[(&str, &str)]) -> (PathBuf, &'static str) {
    let dir = scratch(&format!("zg-{name}-{form}"));
    let from = root().join(EXAMPLE);
    let (file, input) = match form {
        "native" => {
            std::fs::copy(from.join("topology.yaml"), dir.join("topology.yaml")).unwrap();
            ("topology.yaml", "topology.yaml")
        }
        "terraform" => {
            copy_dir(&from.join("terraform"), &dir);
            ("main.tf", ".")
        }
        _ => {
            copy_dir(&from.join("arm"), &dir);
            ("azuredeploy.json", ".")
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

fn text_of(f: &Value, form: &str) -> String {
    snippets(f, form)[0]["text"].as_str().unwrap().to_string()
}

/// The workspace endpoint's zone group without the notebooks zone (and, with `zone`, the
/// input without that zone at all).
fn without_notebooks(form: &str, zone: bool) -> Vec<(&'static str, &'static str)> {
    match (form, zone) {
        ("native", false) => vec![(
            "dns_zone_group: [privatelink.api.azureml.ms, privatelink.notebooks.azure.net]",
            "dns_zone_group: [privatelink.api.azureml.ms]",
        )],
        ("native", true) => vec![
            (
                "dns_zone_group: [privatelink.api.azureml.ms, privatelink.notebooks.azure.net]",
                "dns_zone_group: [privatelink.api.azureml.ms]",
            ),
            (
                "  - { name: privatelink.notebooks.azure.net, vnet_links: [vnet] }\n",
                "",
            ),
        ],
        ("terraform", false) => vec![(
            "      azurerm_private_dns_zone.zone[\"notebooks\"].id,\n",
            "",
        )],
        ("terraform", true) => vec![
            (
                "      azurerm_private_dns_zone.zone[\"notebooks\"].id,\n",
                "",
            ),
            ("    notebooks = \"privatelink.notebooks.azure.net\"\n", ""),
        ],
        (_, false) => vec![(
            ",\n          {\n            \"name\": \"notebooks\",\n            \"properties\": { \"privateDnsZoneId\": \"[resourceId('Microsoft.Network/privateDnsZones', variables('privateDnsZones')[1])]\" }\n          }",
            "",
        )],
        // The template's zones are one copy loop: the notebooks zone becomes another one.
        (_, true) => vec![
            (
                ",\n          {\n            \"name\": \"notebooks\",\n            \"properties\": { \"privateDnsZoneId\": \"[resourceId('Microsoft.Network/privateDnsZones', variables('privateDnsZones')[1])]\" }\n          }",
                "",
            ),
            (
                "\"privatelink.notebooks.azure.net\",",
                "\"privatelink.contoso.example\",",
            ),
        ],
    }
}

#[test]
fn the_missing_zone_in_the_group_removes_pe001_in_every_language() {
    // Create a workspace that uses a private endpoint: the workspace's endpoint names
    // privatelink.api.azureml.ms and privatelink.notebooks.azure.net in its zone group. Without
    // the notebooks zone, the notebooks name resolves publicly from the VNet; the fix adds the
    // zone to the group (the zone is there and linked).
    for form in ["native", "terraform", "arm"] {
        let (dir, input) = example("pe001", form, &without_notebooks(form, false));
        let f = fixed_in(&dir, input, "PE001", form);
        assert_eq!(f.len(), 1, "{form}");
        let text = text_of(&f[0], form);
        match form {
            "native" => assert_eq!(
                text,
                "private_endpoints:\n  - name: ws-pe\n    dns_zone_group: [privatelink.api.azureml.ms, privatelink.notebooks.azure.net]\n"
            ),
            "terraform" => assert_eq!(
                text,
                "# azurerm_private_endpoint.ws, in its private_dns_zone_group\nprivate_dns_zone_ids = [\n  azurerm_private_dns_zone.zone[\"api\"].id,\n  azurerm_private_dns_zone.zone[\"notebooks\"].id,\n]\n"
            ),
            _ => {
                let arm: Value = serde_json::from_str(&text).unwrap();
                let configs = &arm[0]["properties"]["privateDnsZoneConfigs"];
                assert_eq!(configs.as_array().unwrap().len(), 2, "{text}");
                assert_eq!(configs[1]["name"], "privatelink-notebooks-azure-net");
                text_of(&f[0], "bicep").split("\n\n").for_each(assert_bicep);
            }
        }
    }
}

#[test]
fn a_zone_the_input_lacks_is_created_and_linked_for_pe001() {
    // The same, without the notebooks zone in the input: the zone is created, linked to the
    // endpoint's VNet without auto-registration, and named in the group.
    for form in ["native", "terraform", "arm"] {
        let (dir, input) = example("pe001-zone", form, &without_notebooks(form, true));
        let f = fixed_in(&dir, input, "PE001", form);
        let text = text_of(&f[0], form);
        match form {
            "native" => assert!(
                text.ends_with(
                    "private_dns_zones:\n  - { name: privatelink.notebooks.azure.net, vnet_links: [vnet] }\n"
                ),
                "{text}"
            ),
            "terraform" => {
                assert!(
                    text.contains("resource \"azurerm_private_dns_zone\" \"privatelink_notebooks_azure_net\"")
                        && text.contains("azurerm_private_dns_zone.privatelink_notebooks_azure_net.id,")
                        && text.contains("registration_enabled  = false"),
                    "{text}"
                );
            }
            _ => {
                let arm: Value = serde_json::from_str(&text).unwrap();
                let types: Vec<&str> = arm
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r["type"].as_str().unwrap())
                    .collect();
                assert_eq!(
                    types,
                    [
                        "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
                        "Microsoft.Network/privateDnsZones",
                        "Microsoft.Network/privateDnsZones/virtualNetworkLinks"
                    ]
                );
                text_of(&f[0], "bicep").split("\n\n").for_each(assert_bicep);
            }
        }
    }
}

#[test]
fn another_services_zone_is_replaced_for_dns003_in_every_language() {
    // Private DNS zone values: one zone per service. A vault endpoint whose group names the
    // blob zone: the fix removes it and names the vault's zone (there, and linked).
    for form in ["native", "terraform", "arm"] {
        let cuts: Vec<(&str, &str)> = match form {
            "native" => vec![(
                "group_id: vault,\n      dns_zone_group: [privatelink.vaultcore.azure.net]",
                "group_id: vault,\n      dns_zone_group: [privatelink.blob.core.windows.net]",
            )],
            "terraform" => vec![(
                "private_dns_zone_ids = [azurerm_private_dns_zone.zone[\"vault\"].id]",
                "private_dns_zone_ids = [azurerm_private_dns_zone.zone[\"blob\"].id]",
            )],
            _ => vec![(
                "\"name\": \"vault\",\n            \"properties\": { \"privateDnsZoneId\": \"[resourceId('Microsoft.Network/privateDnsZones', variables('privateDnsZones')[4])]\" }",
                "\"name\": \"vault\",\n            \"properties\": { \"privateDnsZoneId\": \"[resourceId('Microsoft.Network/privateDnsZones', variables('privateDnsZones')[2])]\" }",
            )],
        };
        let (dir, input) = example("dns003", form, &cuts);
        let f = fixed_in(&dir, input, "DNS003", form);
        assert_eq!(f.len(), 1, "{form}");
        let text = text_of(&f[0], form);
        match form {
            "native" => assert_eq!(
                text,
                "private_endpoints:\n  - name: wskv-pe\n    dns_zone_group: [privatelink.vaultcore.azure.net]\n"
            ),
            "terraform" => assert_eq!(
                text,
                "# azurerm_private_endpoint.key_vault, in its private_dns_zone_group\nprivate_dns_zone_ids = [azurerm_private_dns_zone.zone[\"vault\"].id]\n"
            ),
            _ => {
                let arm: Value = serde_json::from_str(&text).unwrap();
                let configs = arm[0]["properties"]["privateDnsZoneConfigs"]
                    .as_array()
                    .unwrap();
                assert_eq!(configs.len(), 1, "{text}");
                assert_eq!(
                    configs[0]["properties"]["privateDnsZoneId"],
                    "[resourceId('Microsoft.Network/privateDnsZones', 'privatelink.vaultcore.azure.net')]"
                );
            }
        }
    }
}

#[test]
fn a_zone_outside_privatelink_is_replaced_for_dns004() {
    // Private DNS zone values: automatic DNS configuration applies to the privatelink zone
    // only. A vault endpoint writing into vaultcore.azure.net, a zone linked to its own VNet
    // alone: the fix names privatelink.vaultcore.azure.net instead.
    for form in ["native", "terraform", "arm"] {
        let cuts: Vec<(&str, &str)> = match form {
            "native" => vec![
                (
                    "group_id: vault,\n      dns_zone_group: [privatelink.vaultcore.azure.net]",
                    "group_id: vault,\n      dns_zone_group: [vaultcore.azure.net]",
                ),
                (
                    "private_dns_zones:\n",
                    "private_dns_zones:\n  - { name: vaultcore.azure.net, vnet_links: [vnet] }\n",
                ),
            ],
            "terraform" => vec![
                (
                    "private_dns_zone_ids = [azurerm_private_dns_zone.zone[\"vault\"].id]",
                    "private_dns_zone_ids = [azurerm_private_dns_zone.zone[\"plain\"].id]",
                ),
                (
                    "    acr       = \"privatelink.azurecr.io\"\n",
                    "    acr       = \"privatelink.azurecr.io\"\n    plain     = \"vaultcore.azure.net\"\n",
                ),
            ],
            _ => vec![
                (
                    "variables('privateDnsZones')[4])]\" }\n          }",
                    "variables('privateDnsZones')[6])]\" }\n          }",
                ),
                (
                    "      \"privatelink.azurecr.io\"\n",
                    "      \"privatelink.azurecr.io\",\n      \"vaultcore.azure.net\"\n",
                ),
            ],
        };
        let (dir, input) = example("dns004", form, &cuts);
        let f = fixed_in(&dir, input, "DNS004", form);
        assert_eq!(f.len(), 1, "{form}");
        let text = text_of(&f[0], form);
        assert!(
            text.contains("privatelink.vaultcore.azure.net") || text.contains("zone[\"vault\"]"),
            "{form}: {text}"
        );
        assert!(!text.contains("\"plain\""), "{form}: {text}");
    }
}

#[test]
fn a_zone_group_of_six_keeps_its_own_zones_for_dns005() {
    // Azure Private Link limits: at most 5 private DNS zones in a zone group. The workspace
    // endpoint's group names all six zones of the example; the fix keeps the two of its
    // sub-resource.
    for form in ["native", "terraform"] {
        let cuts: Vec<(&str, &str)> = match form {
            "native" => vec![(
                "dns_zone_group: [privatelink.api.azureml.ms, privatelink.notebooks.azure.net]",
                "dns_zone_group: [privatelink.api.azureml.ms, privatelink.notebooks.azure.net,\n        privatelink.blob.core.windows.net, privatelink.file.core.windows.net,\n        privatelink.vaultcore.azure.net, privatelink.azurecr.io]",
            )],
            _ => vec![(
                "      azurerm_private_dns_zone.zone[\"notebooks\"].id,\n",
                "      azurerm_private_dns_zone.zone[\"notebooks\"].id,\n      azurerm_private_dns_zone.zone[\"blob\"].id,\n      azurerm_private_dns_zone.zone[\"file\"].id,\n      azurerm_private_dns_zone.zone[\"vault\"].id,\n      azurerm_private_dns_zone.zone[\"acr\"].id,\n",
            )],
        };
        let (dir, input) = example("dns005", form, &cuts);
        let f = fixed_in(&dir, input, "DNS005", form);
        let text = text_of(&f[0], form);
        match form {
            "native" => assert_eq!(
                text,
                "private_endpoints:\n  - name: ws-pe\n    dns_zone_group: [privatelink.api.azureml.ms, privatelink.notebooks.azure.net]\n"
            ),
            _ => assert_eq!(
                text,
                "# azurerm_private_endpoint.ws, in its private_dns_zone_group\nprivate_dns_zone_ids = [\n  azurerm_private_dns_zone.zone[\"api\"].id,\n  azurerm_private_dns_zone.zone[\"notebooks\"].id,\n]\n"
            ),
        }
    }
}

/// The live export of the example with the notebooks zone left out of the workspace
/// endpoint's zone group.
fn live_without_notebooks(dir: &Path) {
    copy_dir(&root().join(EXAMPLE).join("live"), dir);
    let file = dir.join("resources.json");
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let group = v["data"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| {
            r["id"]
                .as_str()
                .unwrap()
                .ends_with("privateEndpoints/ws-pe/privateDnsZoneGroups/default")
        })
        .expect("the workspace endpoint's zone group is exported");
    let configs = group["properties"]["privateDnsZoneConfigs"]
        .as_array_mut()
        .unwrap();
    configs.retain(|c| c["name"] != "notebooks");
    std::fs::write(&file, v.to_string()).unwrap();
}

#[test]
fn a_live_export_gets_the_zone_group_command() {
    // Read from Azure, the zone is added to the endpoint's group (`default`, as exported) with
    // the az command, naming the zone by its id.
    let dir = scratch("zg-live-pe001");
    live_without_notebooks(&dir);
    let out = check(&dir, ".", &["--select", "PE001"]);
    let f = findings(&out);
    assert_eq!(f.len(), 1, "{out:#}");
    let az = text_of(&f[0], "az");
    assert!(
        az.starts_with("az network private-endpoint dns-zone-group add --resource-group rg-ml --endpoint-name ws-pe --name default --private-dns-zone /subscriptions/")
            && az.ends_with("/privateDnsZones/privatelink.notebooks.azure.net --zone-name privatelink-notebooks-azure-net\n"),
        "{az}"
    );
}
