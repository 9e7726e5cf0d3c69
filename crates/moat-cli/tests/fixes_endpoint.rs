//! Fixes that add a private endpoint, read back: the endpoint (with its DNS zone group, and the
//! zone and VNet link where the input lacks them) written into the input as the snippet says,
//! `moat check` no longer reports the finding, and reports no error it did not report before.

mod readback;

use readback::bicep::assert_bicep;
use readback::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

/// The errors of a `moat check` result, as (code, resource).
fn errors(v: &Value) -> BTreeSet<(String, String)> {
    findings(v)
        .iter()
        .filter(|f| f["severity"] == "error")
        .map(key)
        .collect()
}

/// The snippets in `form` of a finding.
fn snippets<'a>(f: &'a Value, form: &str) -> Vec<&'a Value> {
    f["fix_code"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["input"] == form)
        .collect()
}

/// `moat check` on the input in `dir`; the findings of `code` carry a snippet in `form`, one
/// at least with an edit (an endpoint two findings need is written by the first one's); the
/// edits applied, `moat check` again: none of those findings is left, and every error is one
/// reported before. Returns the findings of `code` before the fix.
fn fixed(dir: &Path, input: &str, code: &str, form: &str) -> Vec<Value> {
    let before = check(dir, input, &[]);
    let selected = check(dir, input, &["--select", code]);
    let mine = findings(&selected).clone();
    assert!(!mine.is_empty(), "{form}: no {code}:\n{before:#}");
    for f in &mine {
        assert!(
            !snippets(f, form).is_empty(),
            "{form}: {code} has no snippet:\n{f:#}"
        );
    }
    let applied = apply_edits(dir, &selected);
    assert!(
        !applied.is_empty(),
        "{form}: {code} has no edit:\n{selected:#}"
    );
    let after = check(dir, input, &[]);
    let left: BTreeSet<(String, String)> = findings(&after).iter().map(key).collect();
    for f in &mine {
        let k = key(f);
        assert!(
            !left.contains(&k),
            "{form}: {k:?} is still reported:\n{after:#}"
        );
    }
    let new: Vec<_> = errors(&after)
        .difference(&errors(&before))
        .cloned()
        .collect();
    assert!(new.is_empty(), "{form}: new errors {new:?}:\n{after:#}");
    mine
}

/// The text of the first snippet in `form` of a finding.
fn text_of(f: &Value, form: &str) -> String {
    snippets(f, form)[0]["text"].as_str().unwrap().to_string()
}

/// A native input of `tests/data/fixes/endpoint`, written as `topology.yaml` in a scratch
/// directory.
fn data(name: &str) -> std::path::PathBuf {
    let dir = scratch(&format!("endpoint-{name}"));
    std::fs::copy(
        root().join(format!(
            "crates/moat-cli/tests/data/fixes/endpoint/{name}.yaml"
        )),
        dir.join("topology.yaml"),
    )
    .unwrap();
    dir
}

/// Cuts `text` from the line that opens the item holding `inside` to the line that opens the
/// item holding `next` (both JSON objects of a template's `resources`).
fn cut_arm(text: &str, inside: &str, next: &str) -> String {
    let at = |s: &str| {
        let i = text.find(s).unwrap_or_else(|| panic!("{s}"));
        text[..i].rfind("\n    {\n").unwrap()
    };
    let (i, j) = (at(inside), at(next));
    format!("{}{}", &text[..i], &text[j..])
}

/// The private endpoint example in one form without the key vault's private endpoint (and, with
/// `zone`, without the vault's privatelink zone): the vault, closed to the public, is out of
/// reach of the workspace endpoint's subnet (KV001).
fn without_vault_endpoint(form: &str, zone: bool, dir: &Path) {
    let from = root().join("examples/workspace-private-endpoint");
    match form {
        "native" => {
            let mut text = std::fs::read_to_string(from.join("topology.yaml")).unwrap();
            let mut cut = vec![
                "  - { name: wskv-pe, subnet: vnet/pe, target: keyvault/wskv, group_id: vault,\n      dns_zone_group: [privatelink.vaultcore.azure.net] }\n",
            ];
            if zone {
                cut.push("  - { name: privatelink.vaultcore.azure.net, vnet_links: [vnet] }\n");
            }
            for c in cut {
                assert!(text.contains(c), "{c}");
                text = text.replacen(c, "", 1);
            }
            std::fs::write(dir.join("topology.yaml"), text).unwrap();
        }
        "terraform" => {
            copy_dir(&from.join("terraform"), dir);
            let mut text = std::fs::read_to_string(dir.join("main.tf")).unwrap();
            let i = text
                .find("resource \"azurerm_private_endpoint\" \"key_vault\"")
                .unwrap();
            let j = text
                .find("resource \"azurerm_private_endpoint\" \"acr\"")
                .unwrap();
            text = format!("{}{}", &text[..i], &text[j..]);
            if zone {
                let c = "    vault     = \"privatelink.vaultcore.azure.net\"\n";
                assert!(text.contains(c));
                text = text.replacen(c, "", 1);
            }
            std::fs::write(dir.join("main.tf"), text).unwrap();
        }
        _ => {
            copy_dir(&from.join("arm"), dir);
            let text = std::fs::read_to_string(dir.join("azuredeploy.json")).unwrap();
            let text = cut_arm(&text, "\"name\": \"wskv-pe\",", "\"name\": \"wsacr-pe\",");
            assert!(!zone, "the template's zones are one copy loop");
            std::fs::write(dir.join("azuredeploy.json"), text).unwrap();
        }
    }
}

#[test]
fn a_vault_endpoint_removes_kv001_in_every_language() {
    // Secure Azure Key Vault: "the key vault must be in the same network as the workspace's
    // private endpoint", through a private endpoint (group vault, zone
    // privatelink.vaultcore.azure.net). The fix puts it beside the workspace's endpoint, in
    // subnet vnet/pe, with the zone group naming the zone the example links to the VNet.
    for (form, input) in [
        ("native", "topology.yaml"),
        ("terraform", "."),
        ("arm", "."),
    ] {
        let dir = scratch(&format!("kv001-{form}"));
        without_vault_endpoint(form, false, &dir);
        let f = fixed(&dir, input, "KV001", form);
        assert_eq!(f.len(), 1, "{form}");
        let text = snippets(&f[0], form)[0]["text"]
            .as_str()
            .unwrap()
            .to_string();
        match form {
            "native" => assert_eq!(
                text,
                "private_endpoints:\n  - { name: wskv-vault-pe, subnet: vnet/pe, target: keyvault/wskv, group_id: vault, dns_zone_group: [privatelink.vaultcore.azure.net] }\n"
            ),
            "terraform" => assert_eq!(
                text,
                "resource \"azurerm_private_endpoint\" \"wskv_vault_pe\" {
  name                = \"wskv-vault-pe\"
  location            = azurerm_virtual_network.vnet.location
  resource_group_name = azurerm_virtual_network.vnet.resource_group_name
  subnet_id           = azurerm_subnet.pe.id

  private_service_connection {
    name                           = \"wskv-vault-pe\"
    private_connection_resource_id = azurerm_key_vault.ws.id
    subresource_names              = [\"vault\"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = \"default\"
    private_dns_zone_ids = [azurerm_private_dns_zone.zone[\"vault\"].id]
  }
}
"
            ),
            _ => {
                let arm: Value = serde_json::from_str(&text).unwrap();
                assert_eq!(arm[0]["type"], "Microsoft.Network/privateEndpoints");
                assert_eq!(
                    arm[0]["properties"]["subnet"]["id"],
                    "[resourceId('Microsoft.Network/virtualNetworks/subnets', parameters('vnetName'), 'pe')]"
                );
                assert_eq!(
                    arm[0]["properties"]["privateLinkServiceConnections"][0]["properties"],
                    serde_json::json!({
                        "privateLinkServiceId": "[resourceId('Microsoft.KeyVault/vaults', parameters('keyVaultName'))]",
                        "groupIds": ["vault"]
                    })
                );
                assert_eq!(
                    arm[1]["properties"]["privateDnsZoneConfigs"][0]["properties"]["privateDnsZoneId"],
                    "[resourceId('Microsoft.Network/privateDnsZones', 'privatelink.vaultcore.azure.net')]"
                );
                assert_eq!(arm.as_array().unwrap().len(), 2);
                // The same two resources in Bicep, the zone group a child of the endpoint.
                let bicep = text_of(&f[0], "bicep");
                let declarations: Vec<&str> = bicep.split("\n\n").collect();
                assert_eq!(declarations.len(), 2, "{bicep}");
                declarations.iter().for_each(|d| assert_bicep(d));
                assert!(
                    declarations[1].starts_with(
                        "resource wskvVaultPeDefault 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2023-09-01' = {\n  parent: wskvVaultPe\n  name: 'default'\n"
                    ),
                    "{bicep}"
                );
                assert!(
                    declarations[0].contains(
                        "      privateLinkServiceId: resourceId('Microsoft.KeyVault/vaults', keyVaultName)\n"
                    ),
                    "{bicep}"
                );
            }
        }
    }
}

#[test]
fn a_missing_zone_is_created_and_linked_with_the_endpoint() {
    // Private endpoint DNS: the endpoint's zone group writes its record into the privatelink
    // zone, which answers the VNet once linked to it. Without the zone, the fix creates it and
    // links it to the endpoint's VNet.
    for (form, input) in [("native", "topology.yaml"), ("terraform", ".")] {
        let dir = scratch(&format!("kv001-zone-{form}"));
        without_vault_endpoint(form, true, &dir);
        let f = fixed(&dir, input, "KV001", form);
        let text = snippets(&f[0], form)[0]["text"]
            .as_str()
            .unwrap()
            .to_string();
        if form == "native" {
            assert_eq!(
                text,
                "private_endpoints:
  - { name: wskv-vault-pe, subnet: vnet/pe, target: keyvault/wskv, group_id: vault, dns_zone_group: [privatelink.vaultcore.azure.net] }
private_dns_zones:
  - { name: privatelink.vaultcore.azure.net, vnet_links: [vnet] }
"
            );
        } else {
            let tail = "  private_dns_zone_group {
    name                 = \"default\"
    private_dns_zone_ids = [azurerm_private_dns_zone.privatelink_vaultcore_azure_net.id]
  }
}

resource \"azurerm_private_dns_zone\" \"privatelink_vaultcore_azure_net\" {
  name                = \"privatelink.vaultcore.azure.net\"
  resource_group_name = azurerm_virtual_network.vnet.resource_group_name
}

resource \"azurerm_private_dns_zone_virtual_network_link\" \"privatelink_vaultcore_azure_net_vnet\" {
  name                  = \"vnet\"
  resource_group_name   = azurerm_private_dns_zone.privatelink_vaultcore_azure_net.resource_group_name
  private_dns_zone_name = azurerm_private_dns_zone.privatelink_vaultcore_azure_net.name
  virtual_network_id    = azurerm_virtual_network.vnet.id
  registration_enabled  = false
}
";
            assert!(text.ends_with(tail), "{text}");
        }
    }
}

#[test]
fn text_shows_the_endpoint_in_the_input_language() {
    let dir = scratch("kv001-text");
    without_vault_endpoint("native", true, &dir);
    let o = moat_in(&dir, &["check", "topology.yaml", "--select", "KV001"]);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "topology.yaml:39:5: error[KV001] keyvault/wskv: key vault wskv from subnet vnet/pe (workspace
    private endpoint ws-pe) is blocked (keyvault wskv: public network access is Disabled)
  fix: create a private endpoint to key vault wskv in the source's VNet
  as native:
    private_endpoints:
      - { name: wskv-vault-pe, subnet: vnet/pe, target: keyvault/wskv, group_id: vault, dns_zone_group: [privatelink.vaultcore.azure.net] }
    private_dns_zones:
      - { name: privatelink.vaultcore.azure.net, vnet_links: [vnet] }
1 error, 0 warnings, 0 info
"
    );
}

#[test]
fn storage_endpoints_remove_st003_st009_and_st002() {
    // Secure Azure storage accounts: each storage service has its own private endpoint; blob
    // and file are needed, queue and table for batch deployments (ST003). Network isolation
    // limitations: the default storage in the workspace endpoint's VNet (ST009). Use studio in
    // a virtual network: the storage endpoint in the VNet studio users come through (ST002).
    let f = fixed(&data("st003"), "topology.yaml", "ST003", "native");
    let groups: Vec<String> = f
        .iter()
        .flat_map(|f| f["changes"].as_array().unwrap())
        .map(|c| format!("{} {}", c["group_id"], c["subnet"]))
        .collect();
    assert_eq!(
        groups,
        [
            "\"file\" \"vnet/pe\"",
            "\"queue\" \"vnet/pe\"",
            "\"table\" \"vnet/pe\""
        ]
    );
    let f = fixed(&data("st009"), "topology.yaml", "ST009", "native");
    let texts: Vec<&str> = snippets(&f[0], "native")
        .iter()
        .map(|s| s["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        [
            "private_endpoints:
  - { name: st-blob-pe, subnet: ml-vnet/pe, target: storage/st, group_id: blob, dns_zone_group: [privatelink.blob.core.windows.net] }
private_dns_zones:
  - { name: privatelink.blob.core.windows.net, vnet_links: [ml-vnet] }
",
            "private_endpoints:
  - { name: st-file-pe, subnet: ml-vnet/pe, target: storage/st, group_id: file, dns_zone_group: [privatelink.file.core.windows.net] }
private_dns_zones:
  - { name: privatelink.file.core.windows.net, vnet_links: [ml-vnet] }
"
        ]
    );
    // Each VNet keeps its own copy of the zones: the endpoints in the clients' VNet write into
    // that VNet's copy.
    let f = fixed(&data("st002"), "topology.yaml", "ST002", "native");
    assert_eq!(
        text_of(&f[0], "native"),
        "private_endpoints:\n  - { name: st-blob-pe, subnet: client-vnet/pe, target: storage/st, group_id: blob, dns_zone_group: [rg-client/privatelink.blob.core.windows.net] }\n"
    );
}

#[test]
fn a_file_endpoint_removes_st003_in_terraform() {
    // The private endpoint example without its storage account's file endpoint: the fix is
    // the file endpoint beside the blob one, in the zone the example declares.
    let from = root().join("examples/workspace-private-endpoint/terraform");
    let dir = scratch("st003-terraform");
    copy_dir(&from, &dir);
    let text = std::fs::read_to_string(dir.join("main.tf")).unwrap();
    let i = text
        .find("resource \"azurerm_private_endpoint\" \"storage_file\"")
        .unwrap();
    let j = text
        .find("resource \"azurerm_private_endpoint\" \"key_vault\"")
        .unwrap();
    std::fs::write(dir.join("main.tf"), format!("{}{}", &text[..i], &text[j..])).unwrap();
    let f = fixed(&dir, ".", "ST003", "terraform");
    let text = text_of(&f[0], "terraform");
    assert!(
        text.contains("    private_connection_resource_id = azurerm_storage_account.ws.id\n    subresource_names              = [\"file\"]\n")
            && text.contains("    private_dns_zone_ids = [azurerm_private_dns_zone.zone[\"file\"].id]\n"),
        "{text}"
    );
}

#[test]
fn workspace_endpoints_remove_ws013_and_cmp008() {
    // Serverless compute without public IP and a workspace IP allow list: the remedy is a
    // private endpoint to the workspace in the serverless compute's VNet (WS013). Compute
    // with no public IP: the workspace needs a private endpoint its VNet reaches (CMP008).
    // Without zones, both privatelink zones of the workspace are created and linked.
    let f = fixed(&data("ws013"), "topology.yaml", "WS013", "native");
    assert_eq!(
        text_of(&f[0], "native"),
        "private_endpoints:
  - { name: ws-amlworkspace-pe, subnet: vnet/training, target: workspace/ws, group_id: amlworkspace, dns_zone_group: [privatelink.api.azureml.ms, privatelink.notebooks.azure.net] }
private_dns_zones:
  - { name: privatelink.api.azureml.ms, vnet_links: [vnet] }
  - { name: privatelink.notebooks.azure.net, vnet_links: [vnet] }
"
    );
    // Two computes of one subnet need one endpoint: the first finding's edit writes it.
    let f = fixed(&data("cmp008"), "topology.yaml", "CMP008", "native");
    assert_eq!(f.len(), 2);
    let edits: Vec<usize> = f
        .iter()
        .map(|f| {
            snippets(f, "native")[0]["edits"]
                .as_array()
                .map_or(0, Vec::len)
        })
        .collect();
    assert_eq!(edits, [1, 0]);
    // In a template, beside the workspace, in the subnet that holds the VNet's other
    // endpoints (not the computes' own).
    let dir = scratch("cmp008-arm");
    let from = root().join("examples/workspace-private-endpoint/arm");
    copy_dir(&from, &dir);
    let text = std::fs::read_to_string(dir.join("azuredeploy.json")).unwrap();
    let text = cut_arm(
        &text,
        "\"name\": \"ws-pe\",",
        "\"name\": \"wsstorage-blob-pe\",",
    );
    std::fs::write(dir.join("azuredeploy.json"), text).unwrap();
    let f = fixed(&dir, ".", "CMP008", "arm");
    let arm: Value = serde_json::from_str(&text_of(&f[0], "arm")).unwrap();
    assert_eq!(
        arm[0]["properties"]["subnet"]["id"],
        "[resourceId('Microsoft.Network/virtualNetworks/subnets', parameters('vnetName'), 'pe')]"
    );
    let zones: Vec<&Value> = arm[1]["properties"]["privateDnsZoneConfigs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["properties"]["privateDnsZoneId"])
        .collect();
    assert_eq!(
        zones,
        [
            "[resourceId('Microsoft.Network/privateDnsZones', 'privatelink.api.azureml.ms')]",
            "[resourceId('Microsoft.Network/privateDnsZones', 'privatelink.notebooks.azure.net')]"
        ]
    );
    let bicep = text_of(&f[0], "bicep");
    bicep.split("\n\n").for_each(assert_bicep);
}

/// The private registry example without the private endpoint `cut` of one part of the registry.
fn registry_without(part: &str) -> std::path::PathBuf {
    let text =
        std::fs::read_to_string(root().join("examples/private-registry/topology.yaml")).unwrap();
    let cut = match part {
        "storage" => {
            "  - { name: contosoreg-storage-pe, subnet: vnet/pe, target: \"registry/contosoreg:storage\", group_id: blob,\n      ip_address: 10.0.3.10, dns_zone_group: [privatelink.blob.core.windows.net] }\n"
        }
        _ => {
            "  - { name: contosoreg-acr-pe, subnet: vnet/pe, target: \"registry/contosoreg:acr\", group_id: registry,\n      ip_address: 10.0.3.11, dns_zone_group: [privatelink.azurecr.io] }\n"
        }
    };
    assert!(text.contains(cut), "{cut}");
    let dir = scratch(&format!("registry-{part}"));
    std::fs::write(dir.join("topology.yaml"), text.replacen(cut, "", 1)).unwrap();
    dir
}

#[test]
fn registry_part_endpoints_remove_reg001_reg002_and_reg012() {
    // Use assets from registry in workspace: private endpoints for the registry, its storage
    // (blob) and its container registry (registry), in the subnet of the workspace's endpoint.
    let f = fixed(
        &registry_without("storage"),
        "topology.yaml",
        "REG001",
        "native",
    );
    assert_eq!(
        text_of(&f[0], "native"),
        "private_endpoints:\n  - { name: contosoreg-storage-pe, subnet: vnet/pe, target: \"registry/contosoreg:storage\", group_id: blob, dns_zone_group: [privatelink.blob.core.windows.net] }\n"
    );
    let f = fixed(
        &registry_without("acr"),
        "topology.yaml",
        "REG002",
        "native",
    );
    assert_eq!(
        text_of(&f[0], "native"),
        "private_endpoints:\n  - { name: contosoreg-acr-pe, subnet: vnet/pe, target: \"registry/contosoreg:acr\", group_id: registry, dns_zone_group: [privatelink.azurecr.io] }\n"
    );
    let f = fixed(
        &registry_without("storage"),
        "topology.yaml",
        "REG012",
        "native",
    );
    assert_eq!(f[0]["changes"][0]["target"], "registry/contosoreg:storage");
}

/// The private endpoint example as read from Azure, without the key vault's endpoint (and,
/// with `zone`, without the vault's zone and its link).
fn live_without_vault_endpoint(zone: bool) -> Value {
    let dir = scratch(&format!("live-kv001-{zone}"));
    copy_dir(
        &root().join("examples/workspace-private-endpoint/live"),
        &dir,
    );
    let file = dir.join("resources.json");
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let items = v["data"].as_array_mut().unwrap();
    let before = items.len();
    items.retain(|r| {
        let id = r["id"].as_str().unwrap();
        !(id.contains("/privateEndpoints/wskv-pe")
            || zone && id.contains("/privateDnsZones/privatelink.vaultcore.azure.net"))
    });
    assert!(items.len() < before);
    std::fs::write(&file, v.to_string()).unwrap();
    check(&dir, ".", &["--select", "KV001"])
}

#[test]
fn a_live_export_gets_the_endpoint_commands() {
    // Read from Azure, the endpoint is made with az: the endpoint in the subnet and on the
    // resource named by their ids, then its zone group; a zone the export lacks is created and
    // linked first.
    let sub = "/subscriptions/6d1f0c3e-2b7a-4c59-9e41-8f0a7b3c2d15/resourceGroups/rg-ml/providers";
    let v = live_without_vault_endpoint(false);
    assert_eq!(
        text_of(&findings(&v)[0], "az"),
        format!(
            "az network private-endpoint create --resource-group rg-ml --name wskv-vault-pe --subnet {sub}/Microsoft.Network/virtualNetworks/vnet/subnets/pe --private-connection-resource-id {sub}/Microsoft.KeyVault/vaults/wskv --group-id vault --connection-name wskv-vault-pe
az network private-endpoint dns-zone-group create --resource-group rg-ml --endpoint-name wskv-vault-pe --name default --private-dns-zone {sub}/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net --zone-name privatelink-vaultcore-azure-net
"
        )
    );
    let v = live_without_vault_endpoint(true);
    let az = text_of(&findings(&v)[0], "az");
    let lines: Vec<&str> = az.lines().collect();
    assert_eq!(
        lines[..2],
        [
            "az network private-dns zone create --resource-group rg-ml --name privatelink.vaultcore.azure.net",
            &format!(
                "az network private-dns link vnet create --resource-group rg-ml --zone-name privatelink.vaultcore.azure.net --name vnet --virtual-network {sub}/Microsoft.Network/virtualNetworks/vnet --registration-enabled false"
            ),
        ]
    );
    assert!(
        lines[3].ends_with(" --private-dns-zone privatelink.vaultcore.azure.net --zone-name privatelink-vaultcore-azure-net"),
        "{az}"
    );
}

#[test]
fn sarif_carries_the_endpoint_as_a_fix() {
    // SARIF: the endpoint's edit as one fix (its replacements: the endpoint appended to
    // private_endpoints, the zone to private_dns_zones), the snippet in the result's fixCode.
    let dir = scratch("kv001-sarif");
    without_vault_endpoint("native", true, &dir);
    let o = moat_in(
        &dir,
        &[
            "check",
            "topology.yaml",
            "--select",
            "KV001",
            "--format",
            "sarif",
        ],
    );
    let sarif: Value = serde_json::from_slice(&o.stdout).unwrap();
    let r = &sarif["runs"][0]["results"][0];
    assert_eq!(r["ruleId"], "KV001");
    let fixes = r["fixes"].as_array().unwrap();
    assert_eq!(fixes.len(), 1, "{r:#}");
    let change = &fixes[0]["artifactChanges"][0];
    assert_eq!(change["artifactLocation"]["uri"], "topology.yaml");
    let inserted: Vec<&str> = change["replacements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["insertedContent"]["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        inserted,
        [
            "\n  - { name: wskv-vault-pe, subnet: vnet/pe, target: keyvault/wskv, group_id: vault, dns_zone_group: [privatelink.vaultcore.azure.net] }",
            "\n  - { name: privatelink.vaultcore.azure.net, vnet_links: [vnet] }"
        ]
    );
    assert_eq!(r["properties"]["fixCode"][0]["input"], "native");
}
