//! A workspace whose region the input leaves open (an ARM `location` parameter without a
//! value): only what depends on the region is undecided.
//!
//! The documents make a few things regional: the required outbound rule of a managed network
//! in "allow only approved outbound" mode is "`BatchNodeManagement.<region>`" (facts §3.6, the
//! workspace's region), FQDNs such as "`<region>.tundra.azureml.ms`" and
//! "`*.<region>.batch.azure.com`" name it, and service tags are scoped by it. What a managed
//! network reaches through its private endpoints does not: "Private endpoints ... are created
//! for the workspace's default storage account, key vault and container registry" in the
//! managed virtual network (seed 004, "Managed virtual network isolation"), whatever its
//! region. The fixture is `examples/managed-network-approved-outbound` with its `location`
//! parameter left without a default: the same paths are traced with the region open, in
//! eastus and in westeurope. A path the open region decides must be decided alike in every
//! region: a wrong "allowed" is the worst bug.

use moat_engine::intent::Intent;
use moat_engine::ops::{Filter, evaluate};
use moat_engine::trace::{Query, trace};
use moat_engine::{Engine, Verdict};
use moat_model::Topology;
use moat_packets::Protocol;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/open_region/azuredeploy.json")
}

fn load(location: Option<&str>) -> Topology {
    let mut opts = moat_ingest::Options::default();
    if let Some(l) = location {
        opts.parameter_values.push(("location".into(), l.into()));
    }
    opts.overlays.push(data().with_file_name("intent.yaml"));
    moat_ingest::load_opts(&data(), &opts)
        .unwrap_or_else(|e| panic!("{:#?}", e.diagnostics))
        .topology
}

/// Every flow of every operation: (operation, purpose, destination) -> verdict, with what an
/// unknown one needs. A destination named after the region (`eastus.api.azureml.ms`,
/// `BatchNodeManagement.EastUS`) is keyed as the open region names it
/// (`unknown.api.azureml.ms`, `BatchNodeManagement`).
fn flows(
    t: &Topology,
    region: Option<&str>,
) -> BTreeMap<(String, String, String), (Verdict, Vec<String>)> {
    let e = Engine::for_topology(t, None).expect("engine");
    let key = |to: String| match region {
        None => to,
        Some(r) => {
            let (scheme, name) = to.split_once(':').unwrap_or(("", &to));
            let labels: Vec<&str> = name
                .split('.')
                .map(|l| {
                    if l.eq_ignore_ascii_case(r) {
                        "unknown"
                    } else {
                        l
                    }
                })
                .collect();
            let name = labels.join(".");
            match name.strip_suffix(".unknown") {
                Some(tag) if scheme == "tag" => format!("tag:{tag}"),
                _ if scheme.is_empty() => name,
                _ => format!("{scheme}:{name}"),
            }
        }
    };
    let mut out = BTreeMap::new();
    for r in evaluate(&e, &Intent::of(t), &Filter::default()) {
        for f in r.flows {
            out.insert(
                (
                    r.op.to_string(),
                    f.purpose.clone(),
                    key(f.trace.to.to_string()),
                ),
                (f.verdict, f.trace.missing.clone()),
            );
        }
    }
    out
}

fn trace_to(t: &Topology, to: &str, protocol: Protocol, port: u16) -> moat_engine::Trace {
    let e = Engine::for_topology(t, None).expect("engine");
    let q = Query {
        from: "compute/cpu-cluster".parse().unwrap(),
        to: to.parse().unwrap(),
        protocol,
        port,
    };
    trace(&e, &q).expect("a trace")
}

#[test]
fn paths_through_the_managed_private_endpoints_are_decided_whatever_the_region() {
    let open = flows(&load(None), None);
    let by_region: Vec<_> = ["eastus", "westeurope"]
        .iter()
        .map(|r| flows(&load(Some(r)), Some(r)))
        .collect();
    // Flows are named by destination; in a known region a regional tag carries its region.
    let regional = |k: &(String, String, String)| k.2.starts_with("tag:BatchNodeManagement");
    let mut decided = 0;
    for (k, (v, missing)) in &open {
        if *v == Verdict::Unknown {
            continue;
        }
        decided += 1;
        assert!(!regional(k), "{k:?} is decided: {v:?}");
        for (i, f) in by_region.iter().enumerate() {
            let (w, _) = f
                .get(k)
                .unwrap_or_else(|| panic!("{k:?} is not a flow in region {i}"));
            assert_eq!(v, w, "{k:?}: open region decides {v:?}, region {i} {w:?}");
        }
        assert!(missing.is_empty(), "{k:?}: {missing:?}");
    }
    // The workspace, its storage (blob and file), key vault and container registry, through
    // the required private endpoint rules, and the registry through the user's: decided.
    for to in [
        "workspace/ws",
        "storage/wsstorage:blob",
        "storage/wsstorage:file",
        "keyvault/wskv",
        "acr/wsacr",
        "registry/contosoreg",
    ] {
        assert!(
            open.iter()
                .any(|(k, (v, _))| k.2 == to && *v == Verdict::Allowed),
            "{to}: {:#?}",
            open.iter().filter(|(k, _)| k.2 == to).collect::<Vec<_>>()
        );
    }
    assert!(decided >= 10, "{decided} decided of {}", open.len());
    // The Batch tag of the workspace's region: what the required rule allows depends on it.
    let (k, (v, missing)) = open
        .iter()
        .find(|(k, _)| regional(k))
        .expect("a flow to the Batch tag");
    assert_eq!(*v, Verdict::Unknown, "{k:?}");
    assert!(
        missing
            .iter()
            .any(|m| m.starts_with("region of workspace/ws")),
        "{missing:?}"
    );
}

/// The required rule allows the Batch tag of the workspace's region alone: with the region
/// open, a destination in one region's tag is reached only if that is the workspace's.
#[test]
fn another_regions_batch_tag_is_never_allowed_on_an_open_region() {
    let open = trace_to(
        &load(None),
        "tag:BatchNodeManagement.WestEurope",
        Protocol::TCP,
        443,
    );
    assert_eq!(open.verdict, Verdict::Unknown, "{open:#?}");
    let east = trace_to(
        &load(Some("eastus")),
        "tag:BatchNodeManagement.WestEurope",
        Protocol::TCP,
        443,
    );
    assert_ne!(east.verdict, Verdict::Allowed, "{east:#?}");
}

/// A container registry's data endpoint is "`<acr>.<region>.data.azurecr.io`" (facts §4, ACR
/// records). An FQDN rule naming one region (`*.eastus.data.azurecr.io`) allows the data
/// endpoint of the workspace's region only if that region is eastus: with the region open
/// (the host built with the open label), undecided; in eastus, allowed.
#[test]
fn a_regional_fqdn_rule_leaves_the_regional_host_undecided() {
    let text = std::fs::read_to_string(data()).unwrap().replace(
        "\"destination\": \"pypi.org\"",
        "\"destination\": \"*.eastus.data.azurecr.io\"",
    );
    let dir = std::env::temp_dir().join(format!("moat-open-region-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("azuredeploy.json");
    std::fs::write(&p, text).unwrap();
    let t = moat_ingest::load_opts(&p, &moat_ingest::Options::default())
        .unwrap_or_else(|e| panic!("{:#?}", e.diagnostics))
        .topology;
    let mut east = moat_ingest::Options::default();
    east.parameter_values
        .push(("location".into(), "eastus".into()));
    let t_east = moat_ingest::load_opts(&p, &east)
        .unwrap_or_else(|e| panic!("{:#?}", e.diagnostics))
        .topology;
    let _ = std::fs::remove_dir_all(&dir);
    let host = |region: &str| format!("fqdn:contoso.{region}.data.azurecr.io");
    // The label host names carry for a region the input leaves open.
    let tr = trace_to(&t, &host("unknown"), Protocol::TCP, 443);
    assert_eq!(tr.verdict, Verdict::Unknown, "{tr:#?}");
    assert!(
        tr.missing
            .iter()
            .any(|m| m.starts_with("region of workspace/ws")),
        "{:?}",
        tr.missing
    );
    let tr = trace_to(&t_east, &host("eastus"), Protocol::TCP, 443);
    assert_eq!(tr.verdict, Verdict::Allowed, "{tr:#?}");
}

/// The laptop reaches the private registry through the registry's private endpoint in the
/// client VNet ("Create a private endpoint to the registry, storage and ACR from the VNet of
/// the workspace", seed 000): the DNS record, the endpoint's connection and its target decide,
/// and none of them depends on a region. With the region open the path is decided, as in
/// every region.
#[test]
fn a_client_reaches_the_private_registry_whatever_the_region() {
    let client_to = |t: &Topology, to: &str| {
        let e = Engine::for_topology(t, None).expect("engine");
        let q = Query {
            from: "client/laptop".parse().unwrap(),
            to: to.parse().unwrap(),
            protocol: Protocol::TCP,
            port: 443,
        };
        trace(&e, &q).expect("a trace")
    };
    for to in ["registry/contosoreg", "registry/contosoreg:storage"] {
        let open = client_to(&load(None), to);
        assert_eq!(open.verdict, Verdict::Allowed, "{open:#?}");
        assert!(open.missing.is_empty(), "{:?}", open.missing);
        for region in ["eastus", "westeurope"] {
            let known = client_to(&load(Some(region)), to);
            assert_eq!(known.verdict, open.verdict, "{region}: {known:#?}");
        }
    }
}

/// "For the Region field, select the same region as your Azure Virtual Network" (seed 000,
/// "How to create a private endpoint"): an endpoint's region is its VNet's. With the VNet's
/// region given and the endpoints' left open, the endpoints' is the VNet's, not unknown.
#[test]
fn an_endpoint_whose_region_is_open_is_in_its_vnets_region() {
    let text = std::fs::read_to_string(data()).unwrap().replacen(
        "\"name\": \"client-vnet\",\n      \"location\": \"[parameters('location')]\",",
        "\"name\": \"client-vnet\",\n      \"location\": \"westeurope\",",
        1,
    );
    let dir = std::env::temp_dir().join(format!("moat-open-pe-region-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("azuredeploy.json");
    std::fs::write(&p, text).unwrap();
    let t = moat_ingest::load_opts(&p, &moat_ingest::Options::default())
        .unwrap_or_else(|e| panic!("{:#?}", e.diagnostics))
        .topology;
    let _ = std::fs::remove_dir_all(&dir);
    assert!(!t.private_endpoints.is_empty());
    for pe in &t.private_endpoints {
        assert_eq!(pe.region.as_deref(), Some("westeurope"), "{}", pe.name);
        let resource = format!("private-endpoint/{}", pe.name);
        assert!(t.is_unknown(&resource, "region").is_none(), "{resource}");
    }
    // The workspace's region, which nothing gives, stays open.
    assert!(t.is_unknown("workspace/ws", "region").is_some());
}
