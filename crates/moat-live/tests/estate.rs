//! Deployed estates as the export tools write them (`tests/data`), read and analysed: each test
//! names the Azure behaviour or documented sentence it checks.
//!
//! - `hub-spoke`: a workspace in a custom spoke VNet behind a hub firewall. `resources.json` is
//!   one `az graph query -o json` page; `children.json` is `az resource show --ids ... -o json`
//!   of what Resource Graph does not return (the policy's rule collection group, the endpoints'
//!   zone groups, the zones' A record sets).
//! - `managed-network`: a workspace with a managed VNet (approved outbound only, its required
//!   rules as Azure adds them) and a client VNet's endpoint, plus one outbound rule as
//!   `az resource show` writes the child resource.
//! - `group-export`: `az group export --include-parameter-default-value` of a storage account and
//!   its private endpoint.

use moat_doc::Limits;
use moat_engine::trace::trace;
use moat_engine::{Code, Engine, Query, Verdict};
use moat_model::{Address, Open, Topology};
use moat_packets::Protocol;
use std::path::{Path, PathBuf};

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(rel)
}

fn load(files: &[&str]) -> moat_doc::Loaded {
    let paths: Vec<PathBuf> = files.iter().map(|f| data(f)).collect();
    moat_live::load(&paths, "estate", Limits::default()).unwrap_or_else(|e| {
        panic!(
            "{:#?}",
            e.diagnostics
                .iter()
                .map(|d| format!("{}:{}: {}", d.location.file, d.location.line, d.message))
                .collect::<Vec<_>>()
        )
    })
}

fn full() -> Topology {
    load(&["hub-spoke/resources.json", "hub-spoke/children.json"]).topology
}

fn graph_only() -> Topology {
    load(&["hub-spoke/resources.json"]).topology
}

fn flow(t: &Topology, from: &str, to: &str, proto: Protocol, port: u16) -> moat_engine::Trace {
    let e = Engine::for_topology(t, None).unwrap();
    let q = Query {
        from: from.parse::<Address>().unwrap(),
        to: to.parse::<Address>().unwrap(),
        protocol: proto,
        port,
    };
    trace(&e, &q).unwrap()
}

fn codes(tr: &moat_engine::Trace) -> Vec<Code> {
    tr.hops.iter().map(|h| h.code).collect()
}

fn findings(t: &Topology, code: &str) -> Vec<moat_rules::Finding> {
    let e = Engine::for_topology(t, None).unwrap();
    let cx = moat_rules::Context::new(&e);
    let mut v = Vec::new();
    moat_rules::by_code(code).unwrap().check(&cx, &mut v);
    v
}

/// Resource Graph's `resources` table holds `microsoft.network/firewallpolicies` but not their
/// rule collection groups; a deployed policy lists its groups by id in
/// `properties.ruleCollectionGroups`. Azure Firewall denies what no rule allows, so a policy
/// read without its listed group would deny everything: the group is open instead, and a flow
/// through the firewall undecided.
#[test]
fn a_policy_group_the_export_does_not_hold_is_open_not_absent() {
    let t = graph_only();
    let p = &t.firewall_policies[0];
    let g = &p.rule_collection_groups[0];
    assert_eq!((g.name.as_str(), g.priority), ("aml-egress", Open::Unknown));
    let u = t
        .unknowns
        .iter()
        .find(|u| u.resource == "firewall-policy/hub-fw-policy")
        .unwrap_or_else(|| panic!("{:#?}", t.unknowns));
    assert_eq!(u.field, "rule_collection_groups/aml-egress");
    assert!(u.reason.contains("az resource show --ids"), "{}", u.reason);
    let tr = flow(
        &t,
        "compute/cpu-cluster",
        "fqdn:pypi.org",
        Protocol::TCP,
        443,
    );
    assert_eq!(tr.verdict, Verdict::Unknown, "{:#?}", codes(&tr));
    // With the group exported, its rules decide: allowed by the application rule, and a name no
    // rule allows is denied.
    let t = full();
    assert!(
        t.unknowns
            .iter()
            .all(|u| u.resource != "firewall-policy/hub-fw-policy")
    );
    let tr = flow(
        &t,
        "compute/cpu-cluster",
        "fqdn:pypi.org",
        Protocol::TCP,
        443,
    );
    assert_eq!(tr.verdict, Verdict::Allowed);
    assert!(codes(&tr).contains(&Code::FwApplicationAllow));
    let tr = flow(
        &t,
        "compute/cpu-cluster",
        "fqdn:repo.anaconda.com",
        Protocol::TCP,
        443,
    );
    assert_eq!(tr.verdict, Verdict::Denied);
    assert!(codes(&tr).contains(&Code::FwImplicitDeny));
}

/// A deployed private DNS zone counts its record sets in `properties.numberOfRecordSets`, its
/// SOA record set included; Resource Graph returns the zone but not its record sets, nor the
/// endpoints' zone groups that write them. "The record set is missing" is then not what the
/// export says: the answer is unknown. With the record sets exported, the names resolve to the
/// endpoints.
#[test]
fn a_zone_holding_record_sets_the_export_does_not_give_answers_unknown() {
    let t = graph_only();
    let u = t
        .unknowns
        .iter()
        .find(|u| u.resource == "private-dns-zone/privatelink.vaultcore.azure.net")
        .unwrap_or_else(|| panic!("{:#?}", t.unknowns));
    assert_eq!(u.field, "records");
    assert!(u.reason.contains("2 record sets"), "{}", u.reason);
    let tr = flow(
        &t,
        "compute/cpu-cluster",
        "keyvault/ws-secure-kv",
        Protocol::TCP,
        443,
    );
    assert_eq!(tr.verdict, Verdict::Unknown);
    assert!(
        codes(&tr).contains(&Code::DnsRecordOpen),
        "{:?}",
        codes(&tr)
    );
    // PE001 (no zone group writes the endpoint's record) is undecided, not an error.
    let f = findings(&t, "PE001");
    assert!(!f.is_empty());
    assert!(
        f.iter()
            .all(|f| f.severity == moat_rules::Severity::Warning),
        "{f:#?}"
    );
    let t = full();
    assert!(
        t.unknowns.iter().all(|u| u.field != "records"),
        "{:#?}",
        t.unknowns
    );
    let tr = flow(
        &t,
        "compute/cpu-cluster",
        "keyvault/ws-secure-kv",
        Protocol::TCP,
        443,
    );
    assert_eq!(tr.verdict, Verdict::Allowed, "{:?}", codes(&tr));
    assert!(codes(&tr).contains(&Code::DnsPrivateZone));
    assert!(findings(&t, "PE001").is_empty());
}

/// "A private endpoint is a network interface that uses a private IP address from your virtual
/// network": a deployed endpoint's interface (`properties.privateEndpoint`) holds its
/// addresses, one per member of the target (the workspace's API, notebooks and inference hosts;
/// a container registry's data endpoint and registry). They are the endpoint's, never a host of
/// their own, and the names the zone gives them resolve to the endpoint.
#[test]
fn an_endpoint_has_the_addresses_of_its_network_interface() {
    let t = full();
    assert!(
        t.network_interfaces.is_empty(),
        "{:#?}",
        t.network_interfaces
    );
    let pe = |n: &str| t.private_endpoints.iter().find(|p| p.name == n).unwrap();
    let ws = pe("ws-secure-pe");
    assert_eq!(ws.ip_address, Some("10.20.2.4".parse().unwrap()));
    let members: Vec<String> = ws.member_addresses.iter().map(|i| i.to_string()).collect();
    assert_eq!(members, ["10.20.2.5", "10.20.2.6"]);
    let acr = pe("wssecureacr-pe");
    assert_eq!(acr.ip_address, Some("10.20.2.10".parse().unwrap()));
    // The registry's login server record is the second address of its endpoint.
    let tr = flow(
        &t,
        "compute/cpu-cluster",
        "acr/wssecureacr",
        Protocol::TCP,
        443,
    );
    assert_eq!(tr.verdict, Verdict::Allowed, "{:?}", codes(&tr));
    assert!(tr.hops.iter().any(|h| h.code == Code::PeApproved));
    let tr = flow(
        &t,
        "compute/ci-dev",
        "workspace/ws-secure:notebooks",
        Protocol::TCP,
        443,
    );
    assert_eq!(tr.verdict, Verdict::Allowed, "{:?}", codes(&tr));
    // No record of the zones is taken for another endpoint's, or for a free address.
    assert!(findings(&t, "DNS001").is_empty());
    assert!(findings(&t, "PE005").is_empty());
}

/// A deployed workspace reports the GUID Azure gave it (`properties.workspaceId`), which its
/// host names carry (`<workspace GUID>.workspace.<region>.api.azureml.ms`): the names the zones
/// hold are the workspace's.
#[test]
fn the_workspace_guid_is_the_one_azure_reports() {
    let t = full();
    assert_eq!(
        t.workspaces[0].workspace_id.as_deref(),
        Some("7d4f1c2e-8a3b-4e6d-9f05-b1c2d3e4f5a6")
    );
    let tr = flow(
        &t,
        "compute/ci-dev",
        "workspace/ws-secure",
        Protocol::TCP,
        443,
    );
    assert_eq!(tr.verdict, Verdict::Allowed, "{:?}", codes(&tr));
    assert!(findings(&t, "PE003").is_empty());
}

/// A deployed endpoint without a zone group reports its addresses with the names they serve
/// (`customDnsConfigs`); `az group export` keeps them in the template it writes.
#[test]
fn custom_dns_configs_give_the_addresses_of_an_endpoint() {
    let t = load(&[
        "managed-network/resources.json",
        "managed-network/outbound-rules.json",
    ])
    .topology;
    let pe = &t.private_endpoints[0];
    assert_eq!(pe.ip_address, Some("10.50.1.4".parse().unwrap()));
    assert_eq!(pe.member_addresses.len(), 2);
    let opts = moat_arm::ArmOptions::default();
    let text = std::fs::read_to_string(data("group-export/rg.json")).unwrap();
    let l = moat_arm::load_str("rg.json", &text, &opts).unwrap_or_else(|e| panic!("{e:?}"));
    let t = l.topology;
    assert_eq!(
        t.private_endpoints[0].ip_address,
        Some("10.60.1.4".parse().unwrap())
    );
    // The zone's two record sets are its SOA and the endpoint's A record: all known.
    assert!(
        t.unknowns.iter().all(|u| u.field != "records"),
        "{:#?}",
        t.unknowns
    );
    let tr = flow(
        &t,
        "subnet/data-vnet/endpoints",
        "storage/dataexport01:blob",
        Protocol::TCP,
        443,
    );
    assert_eq!(tr.verdict, Verdict::Allowed, "{:?}", codes(&tr));
}

/// The managed network of a deployed workspace reports its state in
/// `managedNetwork.status.status` (`Active` once provisioned, `Inactive` before): MVN006
/// ("provision the managed network before creating deployments") is decided by it.
#[test]
fn the_managed_network_state_is_the_one_azure_reports() {
    let t = load(&[
        "managed-network/resources.json",
        "managed-network/outbound-rules.json",
    ])
    .topology;
    let w = &t.workspaces[0];
    assert_eq!(w.managed_network.provisioned, Some(true));
    assert!(findings(&t, "MVN006").is_empty());
    let text = std::fs::read_to_string(data("managed-network/resources.json"))
        .unwrap()
        .replace("\"status\": \"Active\"", "\"status\": \"Inactive\"");
    let t = moat_live::load_str("estate.json", &text, Limits::default())
        .unwrap()
        .topology;
    assert_eq!(t.workspaces[0].managed_network.provisioned, Some(false));
    let f = findings(&t, "MVN006");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, moat_rules::Severity::Error);
}

/// `az resource list` leaves properties out: a zone and a policy listed so hold records and
/// rule collection groups no one knows of. Both stay open, never read as none.
#[test]
fn listed_without_properties_a_zone_and_a_policy_stay_open() {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(data("hub-spoke/resources.json")).unwrap())
            .unwrap();
    let rows: Vec<serde_json::Value> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .cloned()
        .map(|mut r| {
            let ty = r["type"].as_str().unwrap().to_string();
            if ty == "microsoft.network/privatednszones"
                || ty == "microsoft.network/firewallpolicies"
            {
                r["properties"] = serde_json::Value::Null;
            }
            r
        })
        .collect();
    let text = serde_json::to_string(&rows).unwrap();
    let t = moat_live::load_str("list.json", &text, Limits::default())
        .unwrap()
        .topology;
    let open: Vec<(&str, &str)> = t
        .unknowns
        .iter()
        .filter(|u| u.reason == moat_live::NO_PROPERTIES)
        .map(|u| (u.resource.as_str(), u.field.as_str()))
        .collect();
    assert!(
        open.contains(&(
            "firewall-policy/hub-fw-policy",
            "rule_collection_groups/(groups unknown)"
        )),
        "{open:?}"
    );
    assert!(
        open.contains(&("private-dns-zone/privatelink.azurecr.io", "records")),
        "{open:?}"
    );
    let tr = flow(
        &t,
        "compute/cpu-cluster",
        "fqdn:pypi.org",
        Protocol::TCP,
        443,
    );
    assert_eq!(tr.verdict, Verdict::Unknown);
}

/// "When `page-1.json` ends with a `skip_token` other than `null`, fetch the next page ...
/// a resource found on two pages is read once" (README): the estate split in two pages that
/// overlap reads as the estate in one.
#[test]
fn two_overlapping_pages_read_as_one_estate() {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(data("hub-spoke/resources.json")).unwrap())
            .unwrap();
    let rows = v["data"].as_array().unwrap();
    let page = |rows: &[serde_json::Value], token: Option<&str>| {
        serde_json::to_string_pretty(&serde_json::json!({
            "count": rows.len(), "data": rows, "skip_token": token,
            "total_records": v["data"].as_array().unwrap().len()
        }))
        .unwrap()
    };
    let dir = std::env::temp_dir().join(format!("moat-live-estate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let half = rows.len() / 2;
    std::fs::write(
        dir.join("page-1.json"),
        page(&rows[..half + 3], Some("ewogICIkaWQiOiAiMSIK")),
    )
    .unwrap();
    std::fs::write(dir.join("page-2.json"), page(&rows[half..], None)).unwrap();
    let paged = moat_live::load(
        &[
            dir.join("page-1.json"),
            dir.join("page-2.json"),
            data("hub-spoke/children.json"),
        ],
        "estate",
        Limits::default(),
    )
    .unwrap();
    // The first page alone holds fewer resources than the query matched (`total_records`):
    // the estate is incomplete, and says so where the page is.
    let first = moat_live::load(&[dir.join("page-1.json")], "estate", Limits::default()).unwrap();
    std::fs::remove_dir_all(&dir).ok();
    let w: Vec<_> = first
        .warnings
        .iter()
        .filter(|w| w.code == "incomplete-export")
        .collect();
    assert_eq!(w.len(), 1, "{:#?}", first.warnings);
    assert!(w[0].location.file.ends_with("page-1.json"));
    assert!(
        w[0].message
            .contains(&format!("holds {} of the {}", half + 3, rows.len())),
        "{}",
        w[0].message
    );
    assert!(paged.warnings.iter().all(|w| w.code != "incomplete-export"));
    let dups = paged
        .warnings
        .iter()
        .filter(|w| w.code == "duplicate-resource")
        .count();
    assert_eq!(dups, 3, "{:#?}", paged.warnings);
    let one = full();
    let mut a = serde_json::to_value(&paged.topology).unwrap();
    let mut b = serde_json::to_value(&one).unwrap();
    // Locations differ (two files against one); everything else is the same estate.
    strip_locations(&mut a);
    strip_locations(&mut b);
    assert_eq!(a, b);
}

fn strip_locations(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            m.remove("$at");
            m.remove("at");
            m.remove("reason");
            for x in m.values_mut() {
                strip_locations(x);
            }
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(strip_locations),
        _ => {}
    }
}

/// A deployed workspace lists the private endpoints connected to it, each with its subnet
/// (`privateEndpointConnections[].properties.privateEndpoint.subnetArmId`): an endpoint the
/// export does not hold (one in a client VNet exported apart) is still the workspace's, so
/// WS004 ("public network access Disabled and no private endpoint: nothing reaches it") does
/// not hold.
#[test]
fn the_endpoints_a_workspace_lists_are_its_own_outside_the_export() {
    let mut v: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(data("managed-network/resources.json")).unwrap(),
    )
    .unwrap();
    let rows = v["data"].as_array_mut().unwrap();
    rows.retain(|r| r["type"] != "microsoft.network/privateendpoints");
    let t = moat_live::load_str("estate.json", &v.to_string(), Limits::default())
        .unwrap()
        .topology;
    assert_eq!(t.private_endpoints.len(), 1, "{:#?}", t.private_endpoints);
    let pe = &t.private_endpoints[0];
    assert_eq!(
        (pe.name.as_str(), pe.subnet.as_str(), pe.target.to_string()),
        (
            "ws-managed-pe",
            "client-vnet/clients",
            "workspace/ws-managed".to_string()
        )
    );
    assert_eq!(
        pe.connection_state,
        moat_model::enums::ConnectionState::Approved
    );
    assert!(findings(&t, "WS004").is_empty());
    // Held by the export, the endpoint is read once, from its own row.
    let t = load(&["managed-network/resources.json"]).topology;
    assert_eq!(t.private_endpoints.len(), 1);
    assert_eq!(
        t.private_endpoints[0].ip_address,
        Some("10.50.1.4".parse().unwrap())
    );
}

/// A deployed peering reports `peeringState` (`Initiated`, `Connected`, `Disconnected`): the
/// peering is established only once both sides are `Connected`. A side left `Disconnected` (its
/// remote VNet deleted and created again) carries no traffic, so the spoke's default route to
/// the hub firewall leads nowhere.
#[test]
fn a_peering_not_connected_carries_no_traffic() {
    let text = std::fs::read_to_string(data("hub-spoke/resources.json"))
        .unwrap()
        .replacen(
            "\"peeringState\": \"Connected\"",
            "\"peeringState\": \"Disconnected\"",
            1,
        );
    let dir = std::env::temp_dir().join(format!("moat-live-peering-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("resources.json"), text).unwrap();
    // With the rule collection group, so that only the peering decides.
    let l = moat_live::load(
        &[dir.join("resources.json"), data("hub-spoke/children.json")],
        "estate",
        Limits::default(),
    )
    .unwrap();
    std::fs::remove_dir_all(&dir).ok();
    assert!(
        l.warnings
            .iter()
            .any(|w| w.message.contains("is Disconnected")),
        "{:#?}",
        l.warnings
    );
    let t = &l.topology;
    let hub = t
        .virtual_networks
        .iter()
        .find(|v| v.name == "hub-vnet")
        .unwrap();
    assert!(hub.peerings.is_empty());
    let tr = flow(
        t,
        "compute/cpu-cluster",
        "fqdn:pypi.org",
        Protocol::TCP,
        443,
    );
    assert_eq!(tr.verdict, Verdict::Denied, "{:?}", codes(&tr));
    assert!(
        codes(&tr).contains(&Code::ApplianceUnreachable),
        "{:?}",
        codes(&tr)
    );
}

/// A deployed Azure ML registry lists its endpoints in `registryPrivateEndpointConnections`
/// (`privateEndpointConnections` with API 2023-04-01), each with `privateEndpoint.subnetArmId`
/// and `registryPrivateLinkServiceConnectionState`: an endpoint the export does not hold is
/// the registry's `amlregistry` endpoint in that subnet.
#[test]
fn the_endpoints_a_registry_lists_are_its_own_outside_the_export() {
    let sub = "/subscriptions/0b7c4e2a-91d3-4f6e-8a25-3c9d7e1f4b60/resourceGroups";
    let reg =
        format!("{sub}/rg-reg/providers/Microsoft.MachineLearningServices/registries/sharedreg");
    let vnet = format!("{sub}/rg-net/providers/Microsoft.Network/virtualNetworks/clients-vnet");
    let text = serde_json::json!([
        {"id": vnet, "name": "clients-vnet", "type": "Microsoft.Network/virtualNetworks",
         "location": "eastus", "properties": {
            "addressSpace": {"addressPrefixes": ["10.70.0.0/16"]},
            "subnets": [{"name": "pe", "id": format!("{vnet}/subnets/pe"),
                         "properties": {"addressPrefix": "10.70.1.0/24"}}]}},
        {"id": reg, "name": "sharedreg", "type": "Microsoft.MachineLearningServices/registries",
         "location": "eastus", "properties": {
            "publicNetworkAccess": "Disabled", "regionDetails": [{"location": "eastus"}],
            "registryPrivateEndpointConnections": [{
                "id": format!("{reg}/privateEndpointConnections/sharedreg-pe"),
                "location": "eastus",
                "properties": {
                    "groupIds": ["amlregistry"],
                    "privateEndpoint": {
                        "id": format!("{sub}/rg-net/providers/Microsoft.Network/privateEndpoints/sharedreg-pe"),
                        "subnetArmId": format!("{vnet}/subnets/pe")},
                    "provisioningState": "Succeeded",
                    "registryPrivateLinkServiceConnectionState": {
                        "status": "Approved", "description": "", "actionsRequired": "None"}}}]}}
    ])
    .to_string();
    let t = moat_live::load_str("estate.json", &text, Limits::default())
        .unwrap()
        .topology;
    let pe = &t.private_endpoints[0];
    assert_eq!(
        (pe.name.as_str(), pe.subnet.as_str(), pe.group_id.as_str()),
        ("sharedreg-pe", "clients-vnet/pe", "amlregistry")
    );
    assert_eq!(pe.target.to_string(), "registry/sharedreg");
    assert_eq!(
        pe.connection_state,
        moat_model::enums::ConnectionState::Approved
    );
}

/// Azure Private Link's manual approval: a connection stays pending until the owner of the
/// target approves it. A template's manual connection is pending when deployed; a deployed endpoint reports the
/// state its connection reached (`manualPrivateLinkServiceConnections[].properties
/// .privateLinkServiceConnectionState.status`), which decides whether it carries traffic.
#[test]
fn a_manual_connection_has_the_state_azure_reports() {
    let with_status = |status: &str| {
        let mut v: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(data("hub-spoke/resources.json")).unwrap(),
        )
        .unwrap();
        for r in v["data"].as_array_mut().unwrap() {
            if r["name"] == "wssecurestore-blob-pe" {
                let p = &mut r["properties"];
                let mut conns = p["privateLinkServiceConnections"].take();
                conns[0]["properties"]["privateLinkServiceConnectionState"]["status"] =
                    status.into();
                p["manualPrivateLinkServiceConnections"] = conns;
                p["privateLinkServiceConnections"] = serde_json::json!([]);
            }
        }
        let dir =
            std::env::temp_dir().join(format!("moat-live-manual-{status}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("resources.json"), v.to_string()).unwrap();
        let l = moat_live::load(
            &[dir.join("resources.json"), data("hub-spoke/children.json")],
            "estate",
            Limits::default(),
        )
        .unwrap();
        std::fs::remove_dir_all(&dir).ok();
        l.topology
    };
    use moat_model::enums::ConnectionState;
    let state = |t: &Topology| {
        t.private_endpoints
            .iter()
            .find(|p| p.name == "wssecurestore-blob-pe")
            .unwrap()
            .connection_state
    };
    let t = with_status("Approved");
    assert_eq!(state(&t), ConnectionState::Approved);
    let tr = flow(
        &t,
        "compute/cpu-cluster",
        "storage/wssecurestore:blob",
        Protocol::TCP,
        443,
    );
    assert_eq!(tr.verdict, Verdict::Allowed, "{:?}", codes(&tr));
    let t = with_status("Pending");
    assert_eq!(state(&t), ConnectionState::Pending);
    let tr = flow(
        &t,
        "compute/cpu-cluster",
        "storage/wssecurestore:blob",
        Protocol::TCP,
        443,
    );
    assert_eq!(tr.verdict, Verdict::Denied, "{:?}", codes(&tr));
}

/// The rows of `managed-network/resources.json` as `az resource list` writes them: the
/// properties of every resource for which `listed` says so are null.
fn listed(listed: impl Fn(&str) -> bool) -> Topology {
    let v: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(data("managed-network/resources.json")).unwrap(),
    )
    .unwrap();
    let rows: Vec<serde_json::Value> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .cloned()
        .map(|mut r| {
            if listed(&r["type"].as_str().unwrap().to_ascii_lowercase()) {
                r["properties"] = serde_json::Value::Null;
            }
            r
        })
        .collect();
    let text = serde_json::to_string(&rows).unwrap();
    moat_live::load_str("list.json", &text, Limits::default())
        .unwrap()
        .topology
}

/// INV001's findings on `t` and on each of `variants` (hand-made: the combinations of a
/// whole listing are many).
fn inv001(t: &Topology, variants: &[moat_model::presence::Variant]) -> Vec<moat_rules::Finding> {
    let e = Engine::for_topology(t, None).unwrap();
    let cx = moat_rules::Context::new(&e);
    let sel = moat_rules::check::Selection {
        select: vec!["INV001".into()],
        ignore: Vec::new(),
    };
    moat_rules::check::run_variants(&cx, variants, &sel)
}

/// `t` with the isolation mode of its workspace read as AllowOnlyApprovedOutbound, as the
/// analysis of that value of an open mode reads it; `keep_open` keeps the unknown (a whole
/// block left open stays open) or drops it (a parameter given that value).
fn approved_only(t: &Topology, keep_open: bool) -> moat_model::presence::Variant {
    let mut v = t.clone();
    v.workspaces[0].managed_network.isolation_mode =
        moat_model::enums::IsolationMode::AllowOnlyApprovedOutbound;
    if !keep_open {
        v.unknowns.retain(|u| u.resource != "workspace/ws-managed");
    }
    moat_model::presence::Variant {
        topology: v,
        absent: Vec::new(),
        dependents: 0,
        reason: None,
        choices: Vec::new(),
        unexplored: None,
    }
}

/// README, "Built-in invariants": "A deployment that declares the intent of exfiltration
/// protection — a workspace managed network in AllowOnlyApprovedOutbound mode ... — gets the
/// invariants ... places without the intent keep the EXF probes." A workspace listed by
/// `az resource list` declares no isolation mode: its mode is unknown, and analysed in each
/// value it may take, but reading it as AllowOnlyApprovedOutbound declares no built-in
/// invariant, so INV001 reports none (the place keeps the EXF probes of places without the
/// intent). Where the workspace's properties are exported and declare the mode, the
/// invariants are its own, and proven.
#[test]
fn a_listed_workspace_declares_no_built_in_invariant() {
    let t = listed(|_| true);
    assert!(
        t.unknowns
            .iter()
            .any(|u| u.resource == "workspace/ws-managed" && u.field == "managed_network"),
        "{:#?}",
        t.unknowns
    );
    let open = approved_only(&t, true);
    assert!(moat_exfil::invariant::declared_places(&open.topology).is_empty());
    let f = inv001(&t, &[open, approved_only(&t, false)]);
    assert!(f.is_empty(), "{f:#?}");
    // The workspace exported with its properties (AllowOnlyApprovedOutbound), the rest listed.
    let t = listed(|ty| ty != "microsoft.machinelearningservices/workspaces");
    assert_eq!(
        moat_exfil::invariant::declared_places(&t),
        [(
            "managed-network/ws-managed".to_string(),
            "list.json:1:2".to_string()
        )]
    );
    let e = Engine::for_topology(&t, None).unwrap();
    let cx = moat_rules::Context::new(&e);
    let proven: Vec<&str> = cx
        .proofs()
        .iter()
        .map(|p| p.invariant.name.as_str())
        .collect();
    assert_eq!(
        proven,
        [
            "exfiltration-protection/storage-outside",
            "exfiltration-protection/frontdoor",
            "exfiltration-protection/internet"
        ]
    );
}
