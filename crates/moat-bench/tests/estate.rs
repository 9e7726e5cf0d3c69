//! The generated estate is a valid topology, and its sweep agrees with tracing every pair.

use moat_bench::{Spec, estate};
use moat_engine::trace::{Query, Verdict, trace};
use moat_engine::{Engine, sweep};
use moat_model::Address;
use moat_packets::Protocol;

#[test]
fn small_estate_loads_and_sweeps_like_exhaustive_traces() {
    let t = moat_ingest::parse_native_str("estate.yaml", &estate(Spec::small()))
        .unwrap_or_else(|d| panic!("{:#?}", &d[..d.len().min(3)]));
    assert_eq!(t.virtual_networks.len(), 8);
    assert_eq!(t.private_endpoints.len(), 24);
    let e = Engine::for_topology(&t, None).unwrap();
    let sources = sweep::compute_subnets(&e);
    let tags = vec!["AzureMachineLearning".to_string()];
    let m = sweep::matrix(&e, &sources, &tags);
    // Trace every pair one by one: the sweep must give the same totals.
    let (mut allowed, mut denied, mut unknown) = (0, 0, 0);
    for s in &sources {
        let (v, sn) = s.split_once('/').unwrap();
        let from = Address::Subnet {
            vnet: v.into(),
            subnet: sn.into(),
        };
        let tos = t
            .private_endpoints
            .iter()
            .map(|p| Address::Ip(p.ip_address.unwrap()))
            .chain(tags.iter().map(|x| Address::Tag(x.clone())));
        for to in tos {
            match trace(
                &e,
                &Query {
                    from: from.clone(),
                    to,
                    protocol: Protocol::TCP,
                    port: 443,
                },
            )
            .unwrap()
            .verdict
            {
                Verdict::Allowed => allowed += 1,
                Verdict::Denied => denied += 1,
                Verdict::Unknown => unknown += 1,
            }
        }
    }
    assert_eq!((m.allowed, m.denied, m.unknown), (allowed, denied, unknown));
    assert!(m.traces < m.pairs, "grouping and pruning saved traces");
}
