//! Resources as the Azure CLI's `az network` commands print them (`tests/data/cli-network`):
//! `az network vnet list`, `nsg list`, `route-table list`, `private-endpoint list`,
//! `private-dns zone list`, `private-dns link vnet list` and `private-dns record-set list`
//! write each resource's properties beside its `id` and `type`, with no `properties` key, and
//! the sub-resources in them (subnets, security rules, routes, connections) the same way; the
//! CLI adds `resourceGroup` to every object with an `id`, and older versions write unset
//! values as `null`. The same resources read from a Resource Graph page
//! (`graph-vnet.json`, `graph-storage.json`) have their properties under `properties`.

use moat_doc::Limits;
use moat_engine::trace::trace;
use moat_engine::{Code, Engine, Query, Verdict};
use moat_model::{Address, Topology};
use moat_packets::Protocol;
use std::path::{Path, PathBuf};

fn load(files: &[&str]) -> Topology {
    let paths: Vec<PathBuf> = files
        .iter()
        .map(|f| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/data/cli-network")
                .join(f)
        })
        .collect();
    moat_live::load(&paths, "estate", Limits::default())
        .unwrap_or_else(|e| panic!("{:#?}", e.diagnostics))
        .topology
}

fn flow(t: &Topology, from: &str, to: &str, port: u16) -> moat_engine::Trace {
    let e = Engine::for_topology(t, None).unwrap();
    let q = Query {
        from: from.parse::<Address>().unwrap(),
        to: to.parse::<Address>().unwrap(),
        protocol: Protocol::TCP,
        port,
    };
    trace(&e, &q).unwrap()
}

fn codes(tr: &moat_engine::Trace) -> Vec<Code> {
    tr.hops.iter().map(|h| h.code).collect()
}

/// "Security rules in network security groups enable you to filter the type of network
/// traffic that can flow in and out of virtual network subnets": the NSG's own outbound deny
/// to `Internet` (priority 100) comes before the default `AllowInternetOutBound` (65001). Read
/// from `az network nsg list`, the rule decides; an NSG whose properties are unknown cannot.
#[test]
fn an_nsg_as_az_network_nsg_list_prints_it_decides_the_flow() {
    let t = load(&["graph-vnet.json", "graph-storage.json", "nsg-list.json"]);
    let nsg = &t.network_security_groups[0];
    assert!(
        t.unknowns.iter().all(|u| u.resource != "nsg/ml-nsg"),
        "{:#?}",
        t.unknowns
    );
    assert_eq!(nsg.rules.len(), 1, "{:#?}", nsg.rules);
    assert_eq!(nsg.rules[0].name, "deny-internet-out");
    let tr = flow(&t, "subnet/spoke/ml", "internet", 443);
    assert_eq!(tr.verdict, Verdict::Denied, "{:?}", codes(&tr));
    assert!(
        codes(&tr).contains(&Code::NsgOutboundDeny),
        "{:?}",
        codes(&tr)
    );
    // A row of `az resource list` (no properties, only what `$expand` adds) stays unknown.
    let listed = r#"[{"id": "/subscriptions/3f6a9c2e-5b1d-4e87-a0c4-7d2e9b1f6a38/resourceGroups/rg-net/providers/Microsoft.Network/networkSecurityGroups/ml-nsg",
        "name": "ml-nsg", "type": "Microsoft.Network/networkSecurityGroups", "location": "eastus",
        "resourceGroup": "rg-net", "tags": {}, "provisioningState": "Succeeded",
        "createdTime": "2024-03-01T10:00:00Z", "changedTime": "2024-03-01T10:05:00Z"}]"#;
    let dir = std::env::temp_dir().join(format!("moat-live-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("listed.json"), listed).unwrap();
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/cli-network");
    let t = moat_live::load(
        &[base.join("graph-vnet.json"), dir.join("listed.json")],
        "estate",
        Limits::default(),
    )
    .unwrap()
    .topology;
    std::fs::remove_dir_all(&dir).ok();
    assert!(
        t.unknowns.iter().any(|u| u.resource == "nsg/ml-nsg"),
        "{:#?}",
        t.unknowns
    );
    let tr = flow(&t, "subnet/spoke/ml", "internet", 443);
    assert_eq!(tr.verdict, Verdict::Unknown, "{:?}", codes(&tr));
}

/// "None: Traffic routed to the None next hop type is dropped": a route of next hop `None`
/// read from `az network route-table list` (an older CLI that writes unset values `null`)
/// drops what it matches.
#[test]
fn a_route_table_as_az_network_route_table_list_prints_it_drops_what_it_matches() {
    let t = load(&[
        "graph-vnet.json",
        "graph-storage.json",
        "nsg-list.json",
        "route-table-list.json",
    ]);
    assert_eq!(t.route_tables[0].routes.len(), 1);
    let tr = flow(&t, "subnet/spoke/ml", "ip:10.99.0.5", 443);
    assert_eq!(tr.verdict, Verdict::Denied, "{:?}", codes(&tr));
    assert!(codes(&tr).contains(&Code::RouteDrop), "{:?}", codes(&tr));
}

/// "Private endpoints ... use a private IP address from your virtual network", and a VNet
/// linked to the `privatelink.blob.core.windows.net` zone resolves the account's name to the
/// zone's A record. Every network resource here is read from `az network` output, the VNet
/// from `az network vnet list` with its subnets flattened too: the account's blob endpoint is
/// reached through the endpoint.
#[test]
fn an_estate_in_az_network_output_resolves_and_reaches_the_endpoint() {
    let t = load(&[
        "vnet-list.json",
        "graph-storage.json",
        "nsg-list.json",
        "route-table-list.json",
        "private-endpoint-list.json",
        "private-dns-zone-list.json",
        "private-dns-link-list.json",
        "private-dns-record-set-list.json",
    ]);
    let v = &t.virtual_networks[0];
    let subnets: Vec<_> = v
        .subnets
        .iter()
        .map(|s| {
            (
                s.name.as_str(),
                s.network_security_group.clone(),
                s.route_table.clone(),
            )
        })
        .collect();
    assert_eq!(subnets.len(), 2, "{subnets:?}");
    let tr = flow(&t, "subnet/spoke/ml", "storage/stdata:blob", 443);
    assert_eq!(tr.verdict, Verdict::Allowed, "{:?}", codes(&tr));
    assert!(codes(&tr).contains(&Code::PeApproved), "{:?}", codes(&tr));
    // The same VNet read from Resource Graph gives the same subnets.
    let g = load(&[
        "graph-vnet.json",
        "graph-storage.json",
        "nsg-list.json",
        "route-table-list.json",
        "private-endpoint-list.json",
        "private-dns-zone-list.json",
        "private-dns-link-list.json",
        "private-dns-record-set-list.json",
    ]);
    let gs: Vec<_> = g.virtual_networks[0]
        .subnets
        .iter()
        .map(|s| {
            (
                s.name.as_str(),
                s.network_security_group.clone(),
                s.route_table.clone(),
            )
        })
        .collect();
    assert_eq!(subnets, gs);
    assert!(
        t.unknowns.is_empty() && g.unknowns.is_empty(),
        "{:#?}\n{:#?}",
        t.unknowns,
        g.unknowns
    );
}
