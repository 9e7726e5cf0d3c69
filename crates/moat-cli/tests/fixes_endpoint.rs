//! Fixes that add a private endpoint, read back: the endpoint (with its DNS zone group, and the
//! zone and VNet link where the input lacks them) written into the input as the snippet says,
//! `moat check` no longer reports the finding, and reports no error it did not report before.

mod readback;

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

/// `moat check` on the input in `dir`; every finding of `code` carries a snippet in `form` with
/// an edit; the edits applied, `moat check` again: none of those findings is left, and every
/// error is one reported before. Returns the findings of `code` before the fix.
fn fixed(dir: &Path, input: &str, code: &str, form: &str) -> Vec<Value> {
    let before = check(dir, input, &[]);
    let mine: Vec<Value> = findings(&before)
        .iter()
        .filter(|f| f["code"] == code)
        .cloned()
        .collect();
    assert!(!mine.is_empty(), "{form}: no {code}:\n{before:#}");
    for f in &mine {
        let s = snippets(f, form);
        assert!(
            s.iter()
                .any(|s| s["edits"].as_array().is_some_and(|e| !e.is_empty())),
            "{form}: {code} has no edit:\n{f:#}"
        );
    }
    let applied = apply_edits(dir, &serde_json::json!({ "findings": mine }));
    assert!(!applied.is_empty());
    let after = check(dir, input, &[]);
    let left: BTreeSet<(String, String)> = findings(&after).iter().map(key).collect();
    for k in &applied {
        assert!(
            !left.contains(k),
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
