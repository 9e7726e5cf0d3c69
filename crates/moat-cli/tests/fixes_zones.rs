//! Fixes that link a private DNS zone to a VNet, read back in every language, and as an `az`
//! command for a live export.

mod readback;

use readback::inputs::*;
use readback::*;
use serde_json::Value;
use std::collections::BTreeSet;

#[test]
fn a_live_export_gets_the_zone_link_command() {
    // Read from Azure, the link is made with the az command; the VNet is named by its id, as
    // it may sit in another resource group than the zone.
    let dir = scratch("live-dns006");
    copy_dir(&root().join("examples/exfiltration-prevention/live"), &dir);
    let file = dir.join("resources.json");
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let items = v["data"].as_array_mut().expect("a Resource Graph result");
    let before = items.len();
    items.retain(|r| {
        !(r["type"]
            .as_str()
            .unwrap()
            .eq_ignore_ascii_case("microsoft.network/privatednszones/virtualnetworklinks")
            && r["name"].as_str().unwrap().contains("hub"))
    });
    assert!(items.len() < before, "the hub links are exported");
    std::fs::write(&file, v.to_string()).unwrap();
    let out = check(&dir, ".", &["--select", "DNS006"]);
    let az: Vec<&str> = findings(&out)
        .iter()
        .flat_map(|f| f["fix_code"].as_array().into_iter().flatten())
        .filter(|s| s["input"] == "az")
        .filter_map(|s| s["text"].as_str())
        .collect();
    assert!(!az.is_empty(), "{out:#}");
    for cmd in az {
        assert!(
            cmd.starts_with("az network private-dns link vnet create --resource-group rg-ml --zone-name privatelink.")
                && cmd.contains("--virtual-network /subscriptions/")
                && cmd.contains("/virtualNetworks/hub-vnet --registration-enabled false"),
            "{cmd}"
        );
    }
}

#[test]
fn zone_links_remove_dns006_in_every_language() {
    // Private endpoint DNS, hub and spoke: the zone is linked to every VNet with clients. The
    // fix adds the link, and the finding is gone once the edit is applied.
    for (form, input) in [
        ("native", "topology.yaml"),
        ("terraform", "."),
        ("arm", "."),
    ] {
        let fixed = read_back(|d| without_hub_links(form, d), input, &["DNS006"]);
        assert_eq!(
            fixed,
            BTreeSet::from(["DNS006".to_string()]),
            "{form}: DNS006 has an edit that removes it"
        );
    }
}

/// A template whose zone and its link to the hub are declared in a nested deployment to
/// resource group `dns-rg` (default, outer expression scope), the VNets in the template's own;
/// with `hoisted`, the zone and its link moved to the template's own resources.
fn nested_zone(dir: &std::path::Path, hoisted: bool) {
    let from = root().join("crates/moat-cli/tests/data/fixes/nested-zone/azuredeploy.json");
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(from).unwrap()).unwrap();
    if hoisted {
        let resources = v["resources"].as_array_mut().unwrap();
        let at = resources
            .iter()
            .position(|r| r["type"] == "Microsoft.Resources/deployments")
            .unwrap();
        let dep = resources.remove(at);
        let inner = dep["properties"]["template"]["resources"]
            .as_array()
            .unwrap();
        resources.extend(inner.iter().cloned());
        let text = v.to_string().replace(
            "[resourceId('dns-rg', 'Microsoft.Network/privateDnsZones'",
            "[resourceId('Microsoft.Network/privateDnsZones'",
        );
        v = serde_json::from_str(&text).unwrap();
    }
    std::fs::write(dir.join("azuredeploy.json"), v.to_string()).unwrap();
}

#[test]
fn a_zone_of_a_nested_deployment_gets_no_template_link() {
    // Private DNS zone values: the zone must be linked to the VNet whose clients resolve the
    // names. A link written after a zone that a nested deployment puts in another resource
    // group would name, with resourceId(), resources of the wrong resource group; the fix
    // there stays prose, while a zone of the template's own resources gets the link resource.
    for hoisted in [false, true] {
        let dir = scratch(&format!("nested-zone-{hoisted}"));
        nested_zone(&dir, hoisted);
        let out = check(&dir, "azuredeploy.json", &["--select", "DNS006"]);
        let f = findings(&out);
        assert_eq!(f.len(), 1, "{out:#}");
        let inputs: BTreeSet<&str> = f[0]["fix_code"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s["input"].as_str())
            .collect();
        assert_eq!(inputs.contains("arm"), hoisted, "{out:#}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
