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
