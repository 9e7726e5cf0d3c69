//! The sweep decides some pairs without a trace: what the source's NSG surely denies, and what
//! routing alone drops (the source's route goes to the internet or nowhere, or to a firewall
//! whose own routes do). Its verdicts must still be exactly the traces' verdicts ("the
//! verdicts are therefore exactly the traces' verdicts; only the number of traces changes").
//! Checked on every bundled example and on route changes that reach each of those shortcuts:
//! a spoke's route to the firewall, the internet or nowhere, and routes of the firewall's own
//! subnet that drop some endpoints.

use moat_engine::trace::{Query, trace};
use moat_engine::{Engine, sweep};
use moat_model::Topology;
use moat_packets::Protocol;
use serde_json::{Value, json};
use std::path::Path;

fn examples() -> Vec<(String, Value)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut out: Vec<(String, Value)> = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(|d| {
            let dir = d.ok()?.path();
            let p = dir.join("topology.yaml");
            p.exists().then_some((dir, p))
        })
        .map(|(dir, p)| {
            let t = moat_ingest::load(&p, None).unwrap().topology;
            let name = dir.file_name().unwrap().to_string_lossy().to_string();
            (name, serde_json::to_value(&t).unwrap())
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(out.len() >= 5, "the examples are found");
    out
}

/// Each user route's next hop set to `hop` (a virtual appliance at the first firewall's
/// address, the internet, or none).
fn every_route(v: &Value, hop: &str) -> Option<Value> {
    let mut v = v.clone();
    let fw = v["firewalls"]
        .as_array()?
        .first()?
        .get("private_ip_address")?
        .clone();
    for t in v.get_mut("route_tables")?.as_array_mut()? {
        for r in t.get_mut("routes")?.as_array_mut()? {
            r["next_hop_type"] = json!(hop);
            match hop {
                "VirtualAppliance" => r["next_hop_ip_address"] = fw.clone(),
                _ => drop(r.as_object_mut()?.remove("next_hop_ip_address")),
            }
        }
    }
    Some(v)
}

/// Every private endpoint without an address given a static one in its subnet (the sweep
/// decides by address only where the address is known).
fn static_addresses(v: &Value) -> Option<Value> {
    let mut v = v.clone();
    let prefix = |v: &Value, at: &str| -> Option<ipnet::Ipv4Net> {
        let (vnet, subnet) = at.split_once('/')?;
        let n = v["virtual_networks"]
            .as_array()?
            .iter()
            .find(|n| n["name"] == vnet)?;
        let s = n["subnets"]
            .as_array()?
            .iter()
            .find(|s| s["name"] == subnet)?;
        s["address_prefixes"]
            .as_array()?
            .first()?
            .as_str()?
            .parse()
            .ok()
    };
    let mut given = 0;
    let n = v["private_endpoints"].as_array()?.len();
    for i in 0..n {
        let pe = &v["private_endpoints"][i];
        if pe.get("ip_address").is_some_and(|a| !a.is_null()) {
            continue;
        }
        let Some(net) = prefix(&v, pe["subnet"].as_str()?) else {
            continue;
        };
        // Azure keeps the first four addresses of a subnet.
        let ip = std::net::Ipv4Addr::from(u32::from(net.network()) + 10 + i as u32);
        v["private_endpoints"][i]["ip_address"] = json!(ip.to_string());
        given += 1;
    }
    (given > 0).then_some(v)
}

/// Every route table given a host route to each private endpoint's address, through the
/// first firewall, to the internet or to nowhere in turn (Azure prefers the longest prefix,
/// so these win over the VNet's own routes).
fn endpoint_routes(v: &Value) -> Option<Value> {
    let mut v = v.clone();
    let fw = v["firewalls"]
        .as_array()?
        .first()?
        .get("private_ip_address")?
        .clone();
    let ips: Vec<String> = v["private_endpoints"]
        .as_array()?
        .iter()
        .filter_map(|p| p.get("ip_address")?.as_str().map(str::to_string))
        .collect();
    let tables = v.get_mut("route_tables")?.as_array_mut()?;
    if tables.is_empty() || ips.is_empty() {
        return None;
    }
    for t in tables {
        let routes = t.get_mut("routes")?.as_array_mut()?;
        for (i, ip) in ips.iter().enumerate() {
            let mut r = json!({"name": format!("pe-{i}"), "address_prefix": format!("{ip}/32")});
            match i % 3 {
                0 | 1 => {
                    r["next_hop_type"] = json!("VirtualAppliance");
                    r["next_hop_ip_address"] = fw.clone();
                }
                _ => r["next_hop_type"] = json!("None"),
            }
            routes.push(r);
        }
    }
    // The firewall lets the endpoints' traffic through, so what reaches it is not denied there
    // anyway: a verdict taken without a trace must be the one the trace gives past it.
    if let Some(c) = v["firewall_policies"]
        .get_mut(0)
        .and_then(|p| p["rule_collection_groups"].get_mut(0))
        .and_then(|g| g["network_rule_collections"].get_mut(0))
        .and_then(|c| c["rules"].as_array_mut())
        && let Some(first) = c.first().cloned()
    {
        let mut r = first;
        r["name"] = json!("to-endpoints");
        r["source_addresses"] = json!(["*"]);
        r["destination_addresses"] = json!(ips);
        c.insert(0, r);
    }
    Some(v)
}

/// Every NSG given an outbound rule denying HTTPS to one endpoint's address in three, ahead of
/// its other rules: endpoints of one subnet that a rule tells apart.
fn nsg_denies_some(v: &Value) -> Option<Value> {
    let mut v = v.clone();
    let ips: Vec<String> = v["private_endpoints"]
        .as_array()?
        .iter()
        .filter_map(|p| p.get("ip_address")?.as_str().map(|ip| format!("{ip}/32")))
        .step_by(3)
        .collect();
    let mut added = 0;
    for n in v.get_mut("network_security_groups")?.as_array_mut()? {
        let rules = n.get_mut("rules")?.as_array_mut()?;
        let Some(mut r) = rules.first().cloned() else {
            continue;
        };
        r["name"] = json!("deny-some-endpoints");
        r["priority"] = json!(101);
        r["direction"] = json!("Outbound");
        r["access"] = json!("Deny");
        r["protocol"] = json!("Tcp");
        r["source"] = json!(["*"]);
        r["destination"] = json!(ips);
        r["destination_ports"] = json!(["443"]);
        rules.insert(0, r);
        added += 1;
    }
    (added > 0 && !ips.is_empty()).then_some(v)
}

/// The firewall's own subnet given a route table that drops every other private endpoint
/// address (to nowhere or the internet, alternately), the rest left to the system routes.
fn firewall_subnet_drops(v: &Value) -> Option<Value> {
    let mut v = v.clone();
    let fw_vnet = v["firewalls"].as_array()?.first()?.get("vnet")?.clone();
    let routes: Vec<Value> = v["private_endpoints"]
        .as_array()?
        .iter()
        .filter_map(|p| p.get("ip_address")?.as_str().map(str::to_string))
        .enumerate()
        .filter(|(i, _)| i % 2 == 0)
        .map(|(i, ip)| {
            let hop = if i % 4 == 0 { "None" } else { "Internet" };
            json!({"name": format!("drop-{i}"), "address_prefix": format!("{ip}/32"), "next_hop_type": hop})
        })
        .collect();
    if routes.is_empty() {
        return None;
    }
    v["route_tables"]
        .as_array_mut()?
        .push(json!({"name": "fw-subnet-rt", "routes": routes}));
    let vnet = v["virtual_networks"]
        .as_array_mut()?
        .iter_mut()
        .find(|n| n["name"] == fw_vnet)?;
    let subnet = vnet["subnets"]
        .as_array_mut()?
        .iter_mut()
        .find(|s| s["name"] == "AzureFirewallSubnet")?;
    subnet["route_table"] = json!("fw-subnet-rt");
    Some(v)
}

/// Every swept pair's verdict against the trace of the same question; the number compared.
fn agree(what: &str, t: &Topology) -> usize {
    let e = Engine::for_topology(t, None).unwrap();
    let sources = sweep::compute_subnets(&e);
    let tags = moat_engine::engine::tag_names(t);
    let mut n = 0;
    sweep::sweep(&e, &sources, &tags, |s, to, v| {
        let q = Query {
            from: moat_engine::trace::subnet_address(s),
            to: to.clone(),
            protocol: Protocol::TCP,
            port: 443,
        };
        let traced = trace(&e, &q).map(|t| t.verdict).unwrap_or(v);
        assert_eq!(v, traced, "{what}: {s} -> {to}");
        n += 1;
    });
    n
}

#[test]
fn swept_verdicts_are_the_traces_verdicts_under_route_changes() {
    let mut compared = 0;
    let mut firewall_cases = 0;
    let mut nsg_cases = 0;
    for (name, v) in examples() {
        let mut cases = vec![(name.clone(), v.clone())];
        for hop in ["VirtualAppliance", "Internet", "None"] {
            if let Some(x) = every_route(&v, hop) {
                cases.push((format!("{name}, every route to {hop}"), x));
            }
        }
        let fixed = static_addresses(&v).unwrap_or_else(|| v.clone());
        if let Some(x) = static_addresses(&v) {
            cases.push((format!("{name}, static endpoint addresses"), x));
        }
        if let Some(x) = nsg_denies_some(&fixed) {
            cases.push((format!("{name}, NSG rules deny some endpoints"), x));
            nsg_cases += 1;
        }
        if let Some(x) = endpoint_routes(&fixed) {
            cases.push((format!("{name}, host routes to the endpoints"), x.clone()));
            if let Some(y) = firewall_subnet_drops(&x) {
                cases.push((format!("{name}, firewall subnet drops endpoints"), y));
                firewall_cases += 1;
            }
        }
        for (what, x) in cases {
            let t: Topology = serde_json::from_value(x).unwrap();
            compared += agree(&what, &t);
        }
    }
    assert!(nsg_cases >= 1, "an example has an NSG");
    assert!(
        firewall_cases >= 1,
        "an example has a firewall to route through"
    );
    assert!(compared > 400, "{compared} pairs compared");
}

/// A service tag is one destination however many rules write it: seed "Secure an Azure
/// Machine Learning workspace with virtual networks" has the NSG allow "source of
/// VirtualNetwork ... to destination of VirtualNetwork", one tag written twice in one rule and
/// again in each NSG. The tags a sweep asks about are each named once, so a sweep reports one verdict
/// per source and tag, and what the tags are does not change (the set stays the same).
#[test]
fn each_tag_a_deployment_writes_is_swept_once() {
    let mut repeated = 0;
    for (name, v) in examples() {
        let t: Topology = serde_json::from_value(v).unwrap();
        let tags = moat_engine::engine::tag_names(&t);
        let mut unique = tags.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(tags.len(), unique.len(), "{name}: {tags:?}");
        // How often the rules write each tag, to know the examples test a repeated one.
        let written = t
            .network_security_groups
            .iter()
            .flat_map(|n| &n.rules)
            .flat_map(|r| r.source.iter().chain(&r.destination))
            .filter(
                |p| matches!(p, moat_model::values::AddressPrefix::Tag(x) if x == "VirtualNetwork"),
            )
            .count();
        if written > 1 {
            repeated += 1;
            assert!(
                tags.iter().any(|x| x == "VirtualNetwork"),
                "{name}: {tags:?}"
            );
        }
        let e = Engine::for_topology(&t, None).unwrap();
        let sources = sweep::compute_subnets(&e);
        let mut pairs = std::collections::BTreeMap::new();
        sweep::sweep(&e, &sources, &tags, |s, to, _| {
            if matches!(to, moat_model::Address::Tag(_)) {
                *pairs.entry((s.to_string(), to.to_string())).or_insert(0) += 1;
            }
        });
        let twice: Vec<_> = pairs.iter().filter(|(_, n)| **n > 1).collect();
        assert!(twice.is_empty(), "{name}: swept more than once: {twice:?}");
    }
    assert!(
        repeated >= 1,
        "an example writes VirtualNetwork in several rules"
    );
}

/// The tags a deployment sends to are those [`moat_engine::engine::tag_names`] lists from the
/// destination side: a tag written only as a rule's source (`AzureMachineLearning` in the
/// inbound rule seed "Secure an Azure Machine Learning workspace with virtual networks"
/// documents) is no destination; one written as both is.
#[test]
fn destination_tags_are_the_written_tags_of_the_destination_side() {
    let yaml = r#"
network_security_groups:
  - name: n
    rules:
      - { name: aml-in, priority: 100, direction: Inbound, access: Allow, source: AzureMachineLearning, destination_ports: 44224 }
      - { name: storage, priority: 110, direction: Outbound, access: Allow, source: VirtualNetwork, destination: Storage.EastUS }
      - { name: vnet, priority: 120, direction: Outbound, access: Allow, source: VirtualNetwork, destination: VirtualNetwork }
"#;
    let t = moat_ingest::parse_native_str("t.yaml", yaml).unwrap();
    let all = moat_engine::engine::tag_names(&t);
    assert_eq!(
        all,
        ["AzureMachineLearning", "VirtualNetwork", "Storage.EastUS"]
    );
    let to = moat_engine::engine::destination_tag_names(&t);
    assert_eq!(to, ["Storage.EastUS", "VirtualNetwork"]);
}
