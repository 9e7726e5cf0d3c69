//! Private DNS zones the export names but does not hold.
//!
//! "Naming rules and restrictions for Azure resources": a private DNS zone's name is unique
//! within its resource group, so `privatelink.blob.core.windows.net` in two resource groups
//! (or two subscriptions) is two zones. "Azure Private Endpoint DNS configuration": a VNet
//! resolves a name through the private DNS zones linked to it, and only those.

use moat_doc::Limits;
use moat_engine::trace::trace;
use moat_engine::{Code, Engine, Query, Verdict};
use moat_model::Address;
use moat_packets::Protocol;

const SUB: &str = "/subscriptions/9a4e1c7b-3d2f-4b68-8e05-c1f7a2d9b346";
const OTHER_SUB: &str = "/subscriptions/e2b7d4a1-6c3f-4e90-b8d5-0f1a9c3e7b24";
const ZONE: &str = "privatelink.blob.core.windows.net";

/// A spoke VNet, a storage account and its blob endpoint as Resource Graph rows; the
/// endpoint's zone group writes into the zone of `written`, and the only VNet link is the
/// child row of the zone of `linked`: neither zone is in the export.
fn estate(linked: &str, written: &str) -> String {
    let vnet =
        format!("{SUB}/resourceGroups/rg-spoke/providers/Microsoft.Network/virtualNetworks/spoke");
    let stor =
        format!("{SUB}/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/stblob");
    let pe = format!(
        "{SUB}/resourceGroups/rg-spoke/providers/Microsoft.Network/privateEndpoints/stblob-pe"
    );
    let zone = |scope: &str| format!("{scope}/providers/Microsoft.Network/privateDnsZones/{ZONE}");
    let rows = serde_json::json!([
        {"id": vnet, "name": "spoke", "type": "microsoft.network/virtualnetworks",
         "location": "eastus", "resourceGroup": "rg-spoke",
         "properties": {"addressSpace": {"addressPrefixes": ["10.40.0.0/16"]},
             "subnets": [{"id": format!("{vnet}/subnets/pe"), "name": "pe",
                          "properties": {"addressPrefix": "10.40.1.0/24"}},
                         {"id": format!("{vnet}/subnets/work"), "name": "work",
                          "properties": {"addressPrefix": "10.40.2.0/24"}}]}},
        {"id": stor, "name": "stblob", "type": "microsoft.storage/storageaccounts",
         "kind": "StorageV2", "location": "eastus", "resourceGroup": "rg-data",
         "sku": {"name": "Standard_LRS"},
         "properties": {"publicNetworkAccess": "Disabled"}},
        {"id": pe, "name": "stblob-pe", "type": "microsoft.network/privateendpoints",
         "location": "eastus", "resourceGroup": "rg-spoke",
         "properties": {"subnet": {"id": format!("{vnet}/subnets/pe")},
             "customDnsConfigs": [{"fqdn": "stblob.blob.core.windows.net", "ipAddresses": ["10.40.1.4"]}],
             "privateLinkServiceConnections": [{"name": "blob", "properties": {
                 "privateLinkServiceId": stor, "groupIds": ["blob"],
                 "privateLinkServiceConnectionState": {"status": "Approved"}}}]}},
        {"id": format!("{pe}/privateDnsZoneGroups/default"), "name": "default",
         "type": "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
         "properties": {"privateDnsZoneConfigs": [{"name": "blob",
             "properties": {"privateDnsZoneId": zone(written)}}]}},
        {"id": format!("{}/virtualNetworkLinks/spoke-link", zone(linked)), "name": "spoke-link",
         "type": "microsoft.network/privatednszones/virtualnetworklinks", "location": "global",
         "properties": {"virtualNetwork": {"id": vnet}, "registrationEnabled": false}}
    ]);
    serde_json::to_string_pretty(&rows).unwrap()
}

fn blob_from_work(text: &str) -> (moat_model::Topology, moat_engine::Trace) {
    let t = moat_live::load_str("estate.json", text, Limits::default())
        .unwrap_or_else(|e| panic!("{:#?}", e.diagnostics))
        .topology;
    let e = Engine::for_topology(&t, None).unwrap();
    let q = Query {
        from: "subnet/spoke/work".parse::<Address>().unwrap(),
        to: "storage/stblob:blob".parse::<Address>().unwrap(),
        protocol: Protocol::TCP,
        port: 443,
    };
    let tr = trace(&e, &q).unwrap();
    (t, tr)
}

fn codes(tr: &moat_engine::Trace) -> Vec<Code> {
    tr.hops.iter().map(|h| h.code).collect()
}

/// The spoke is linked to the zone of `rg-dns-a`; the endpoint writes its record into the
/// zone of one name in `rg-dns-b`. The spoke resolves through `rg-dns-a`'s zone alone, whose
/// records the export does not give: the answer is unknown, never the endpoint's address
/// from the other zone. With both in one group, the record is in the linked zone.
#[test]
fn a_zone_of_one_name_in_another_group_gives_the_vnet_no_records() {
    let a = format!("{SUB}/resourceGroups/rg-dns-a");
    let b = format!("{SUB}/resourceGroups/rg-dns-b");
    let (t, tr) = blob_from_work(&estate(&a, &b));
    let mut zones: Vec<(String, Vec<String>)> = t
        .private_dns_zones
        .iter()
        .map(|z| (z.key(), z.vnet_links.clone()))
        .collect();
    zones.sort();
    assert_eq!(
        zones,
        [
            (format!("rg-dns-a/{ZONE}"), vec!["spoke".to_string()]),
            (format!("rg-dns-b/{ZONE}"), Vec::new()),
        ]
    );
    assert_eq!(tr.verdict, Verdict::Unknown, "{:?}", codes(&tr));
    assert!(
        codes(&tr).contains(&Code::DnsRecordOpen),
        "{:?}",
        codes(&tr)
    );
    assert!(!codes(&tr).contains(&Code::PeApproved), "{:?}", codes(&tr));
    assert!(
        tr.hops
            .iter()
            .any(|h| h.detail.contains(&format!("linked zone rg-dns-a/{ZONE}"))),
        "{:#?}",
        tr.hops
    );
    // The same group: the linked zone holds the endpoint's record.
    let (_, tr) = blob_from_work(&estate(&a, &a));
    assert!(codes(&tr).contains(&Code::PeApproved), "{:?}", codes(&tr));
}

/// Two subscriptions each with a resource group `rg-dns` hold two zones of one name.
#[test]
fn a_zone_of_one_name_in_another_subscription_gives_the_vnet_no_records() {
    let a = format!("{SUB}/resourceGroups/rg-dns");
    let b = format!("{OTHER_SUB}/resourceGroups/rg-dns");
    let (t, tr) = blob_from_work(&estate(&a, &b));
    assert_eq!(t.private_dns_zones.len(), 2);
    assert_eq!(tr.verdict, Verdict::Unknown, "{:?}", codes(&tr));
    assert!(!codes(&tr).contains(&Code::PeApproved), "{:?}", codes(&tr));
}

/// The same two zones held by the export (a Resource Graph query over both subscriptions):
/// each keeps its own link; the spoke resolves through the one linked to it, which holds no
/// record for the account (its one record set is its SOA).
#[test]
fn exported_zones_of_one_name_in_two_subscriptions_keep_their_own_links() {
    let a = format!("{SUB}/resourceGroups/rg-dns");
    let b = format!("{OTHER_SUB}/resourceGroups/rg-dns");
    let mut rows: Vec<serde_json::Value> = serde_json::from_str(&estate(&a, &b)).unwrap();
    for scope in [&a, &b] {
        rows.push(serde_json::json!({
            "id": format!("{scope}/providers/Microsoft.Network/privateDnsZones/{ZONE}"),
            "name": ZONE, "type": "microsoft.network/privatednszones", "location": "global",
            "resourceGroup": "rg-dns",
            "properties": {"numberOfRecordSets": 1, "numberOfVirtualNetworkLinks": 1}
        }));
    }
    let (t, tr) = blob_from_work(&serde_json::to_string(&rows).unwrap());
    let mut zones: Vec<(String, Vec<String>)> = t
        .private_dns_zones
        .iter()
        .map(|z| (z.key(), z.vnet_links.clone()))
        .collect();
    zones.sort();
    let other = OTHER_SUB.trim_start_matches("/subscriptions/");
    let sub = SUB.trim_start_matches("/subscriptions/");
    assert_eq!(
        zones,
        [
            (format!("rg-dns@{sub}/{ZONE}"), vec!["spoke".to_string()]),
            (format!("rg-dns@{other}/{ZONE}"), Vec::new()),
        ]
    );
    assert!(!codes(&tr).contains(&Code::PeApproved), "{:?}", codes(&tr));
    assert_ne!(tr.verdict, Verdict::Allowed, "{:?}", codes(&tr));
}
