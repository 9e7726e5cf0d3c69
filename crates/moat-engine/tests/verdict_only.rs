//! The sweeps ask for verdicts only (`trace::verdict`): the walk is the same as `trace`'s,
//! without the words of its hops. Every verdict must be the one the full trace gives, or a
//! sweep would report a flow that the trace of the same pair contradicts.

use moat_engine::trace::{Query, trace, verdict};
use moat_engine::{Engine, sweep};
use moat_model::address::{Address, Kind};
use moat_packets::Protocol;
use std::path::Path;

/// Every source the engine can place in an example (compute subnets, computes, VMs, AKS
/// clusters, clients, the internet) to every destination it names (private endpoint
/// addresses, resources, service tags, the internet), on TCP 443 and UDP 53.
#[test]
fn verdicts_are_the_traces_verdicts_on_every_example() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut examples: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(|d| {
            let p = d.ok()?.path().join("topology.yaml");
            p.exists().then_some(p)
        })
        .collect();
    examples.sort();
    assert!(examples.len() >= 5, "the examples are found");
    let mut compared = 0;
    for path in examples {
        let loaded = moat_ingest::load(&path, None).unwrap();
        let t = &loaded.topology;
        let e = Engine::for_topology(t, None).unwrap();
        let mut from: Vec<Address> = sweep::compute_subnets(&e)
            .iter()
            .map(|s| moat_engine::trace::subnet_address(s))
            .collect();
        from.extend(
            t.computes
                .iter()
                .map(|c| Address::resource(Kind::Compute, &c.name)),
        );
        from.extend(
            t.aks_clusters
                .iter()
                .map(|a| Address::resource(Kind::Aks, &a.name)),
        );
        from.extend(
            t.virtual_machines
                .iter()
                .map(|v| Address::resource(Kind::Vm, &v.name)),
        );
        from.extend(
            t.clients
                .iter()
                .map(|c| Address::resource(Kind::Client, &c.name)),
        );
        from.push(Address::Internet);
        let mut to: Vec<Address> = t
            .private_endpoints
            .iter()
            .filter_map(|p| p.ip_address.map(Address::Ip))
            .collect();
        to.extend(t.private_endpoints.iter().map(|p| p.target.clone()));
        to.extend(
            t.workspaces
                .iter()
                .map(|w| Address::resource(Kind::Workspace, &w.name)),
        );
        to.extend(t.storage_accounts.iter().flat_map(|s| {
            ["blob", "file"].map(|x| Address::resource(Kind::Storage, &s.name).with_sub(x))
        }));
        to.extend(
            t.key_vaults
                .iter()
                .map(|k| Address::resource(Kind::Keyvault, &k.name)),
        );
        to.extend(
            moat_engine::engine::tag_names(t)
                .into_iter()
                .map(Address::Tag),
        );
        to.push(Address::Internet);
        for f in &from {
            for d in &to {
                for (protocol, port) in [(Protocol::TCP, 443), (Protocol::UDP, 53)] {
                    let q = Query {
                        from: f.clone(),
                        to: d.clone(),
                        protocol,
                        port,
                    };
                    let full = trace(&e, &q).map(|t| t.verdict);
                    assert_eq!(
                        verdict(&e, &q),
                        full,
                        "{}: {f} -> {d} {protocol}/{port}",
                        path.display()
                    );
                    compared += 1;
                }
            }
        }
    }
    assert!(compared > 1000, "{compared} pairs compared");
}
