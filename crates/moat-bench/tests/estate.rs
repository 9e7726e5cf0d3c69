//! The generated estate is a valid topology, and its sweep agrees with tracing every pair.

use moat_bench::{Spec, estate};
use moat_engine::trace::{Query, trace};
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
    let mut swept = Vec::new();
    let m = sweep::sweep(&e, &sources, &tags, |s, to, v| {
        swept.push((s.to_string(), to.clone(), v));
    });
    // Trace every pair one by one: the sweep must give each pair the trace's verdict.
    let mut traced = Vec::new();
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
            let q = Query {
                from: from.clone(),
                to: to.clone(),
                protocol: Protocol::TCP,
                port: 443,
            };
            traced.push((s.clone(), to, trace(&e, &q).unwrap().verdict));
        }
    }
    let key = |p: &(String, Address, _)| (p.0.clone(), p.1.to_string());
    swept.sort_by_key(key);
    traced.sort_by_key(key);
    assert_eq!(swept.len(), traced.len(), "every pair once");
    for (a, b) in swept.iter().zip(&traced) {
        assert_eq!(
            a, b,
            "the sweep and the trace disagree on {} -> {}",
            b.0, b.1
        );
    }
    assert_eq!(m.pairs as usize, traced.len());
    assert_eq!(m.allowed + m.denied + m.unknown, m.pairs);
    // The small estate has both outcomes, so agreement is not agreement on one verdict.
    assert!(m.allowed > 0 && m.denied > 0, "{m:?}");
    assert!(m.traces < m.pairs, "grouping and pruning saved traces");
}

#[test]
fn every_item_of_the_estate_parses_alone_as_in_the_whole_file() {
    // The fixes parse the resources they edit alone, from the skeleton the reader keeps: each
    // must be the node the whole file's parse gives, positions included.
    use moat_doc::{Limits, SourceFile, tree};
    let file = SourceFile::new("estate.yaml", estate(Spec::small()));
    let mut whole = Vec::new();
    let skeleton = tree::parse_items(&file, Limits::default(), &mut |_, _, item| {
        whole.push(item);
        None
    })
    .unwrap();
    let spans: Vec<moat_doc::Span> = skeleton
        .entries()
        .iter()
        .flat_map(|(_, v)| v.items().iter().map(|i| i.span))
        .collect();
    assert!(whole.len() > 50, "{} items", whole.len());
    let alone = tree::parse_spans(&file, &spans, Limits::default()).expect("parsed alone");
    assert!(alone == whole, "an item parsed alone differs");
}
