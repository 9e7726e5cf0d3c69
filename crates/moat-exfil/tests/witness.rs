//! Properties of the map: every witness, traced alone, gives the verdict it stands for; and
//! every packet of a class gets its class's verdict (so one trace per class is exact).

use moat_engine::trace::Query;
use moat_engine::{Engine, Verdict};
use moat_exfil::map::map;
use moat_exfil::{ExfilMap, Oracle, Prepared};
use moat_packets::Protocol;
use proptest::prelude::*;
use std::path::Path;

fn examples() -> Vec<(String, moat_model::Topology)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut out = Vec::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path().join("topology.yaml");
        if p.exists() {
            let t = moat_ingest::load(&p, None).unwrap().topology;
            out.push((p.display().to_string(), t));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Checks every witness of a map against a fresh trace of its flow.
fn witnesses_hold(t: &moat_model::Topology, label: &str) -> usize {
    let base = Engine::for_topology(t, None).unwrap();
    let p = Prepared::new(t);
    let e = base.variant(&p.topology);
    let o = Oracle::new(&e, &p.variants, p.stand_ins.clone());
    let m: ExfilMap = map(&o);
    // A second oracle, with nothing cached: each witness is traced alone.
    let fresh = Oracle::new(&e, &p.variants, p.stand_ins.clone());
    let mut n = 0;
    for pl in &m.places {
        for r in &pl.destinations {
            let Some(w) = &r.reach.witness else { continue };
            let alone = fresh.verdict(&w.query);
            let downgraded = w
                .trace
                .missing
                .iter()
                .any(|m| m.contains("leave through their own public IPs"));
            if !downgraded {
                assert_eq!(
                    alone, w.verdict,
                    "{label}: {} -> {} ({} {}/{})",
                    pl.place, r.dest.label, w.from, w.protocol, w.port
                );
            }
            // The witness shows the row's verdict.
            assert_eq!(w.verdict, r.reach.verdict, "{label}: {}", r.dest.label);
            n += 1;
        }
    }
    n
}

#[test]
fn every_witness_traced_alone_gives_its_verdict() {
    let mut total = 0;
    for (label, t) in examples() {
        total += witnesses_hold(&t, &label);
    }
    assert!(total > 100, "only {total} witnesses");
}

fn exfiltration_prevention() -> moat_model::Topology {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/exfiltration-prevention/topology.yaml");
    moat_ingest::load(&p, None).unwrap().topology
}

const DESTINATIONS: &[&str] = &[
    "Internet",
    "Storage.EastUS",
    "AzureFrontDoor.Frontend",
    "AzureMachineLearning",
    "0.0.0.0/0",
    "20.0.0.0/8",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// With one more outbound NSG rule on the training subnet (any priority, ports, protocol,
    /// action and destination), every packet the map calls allowed is allowed when traced
    /// alone, and every packet it calls denied is denied.
    #[test]
    fn classes_are_exact(
        priority in 100u32..4000,
        lo in 1u16..2000,
        width in 0u16..600,
        tcp in any::<bool>(),
        allow in any::<bool>(),
        dest in 0usize..DESTINATIONS.len(),
        probes in proptest::collection::vec((0u8..3, 1u16..3000), 6),
    ) {
        let mut t = exfiltration_prevention();
        let rule = serde_json::json!({
            "name": "extra", "priority": priority, "direction": "Outbound",
            "access": if allow { "Allow" } else { "Deny" },
            "protocol": if tcp { "Tcp" } else { "Udp" },
            "destination": [DESTINATIONS[dest]],
            "destination_ports": [format!("{lo}-{}", lo.saturating_add(width))],
        });
        let nsg = t.network_security_groups.iter_mut().find(|n| n.name == "training-nsg").unwrap();
        nsg.rules.push(serde_json::from_value(rule).unwrap());
        let base = Engine::for_topology(&t, None).unwrap();
        let p = Prepared::new(&t);
        let e = base.variant(&p.topology);
        let o = Oracle::new(&e, &p.variants, p.stand_ins.clone());
        let m = map(&o);
        let fresh = Oracle::new(&e, &p.variants, p.stand_ins.clone());
        let place = m.places.iter().find(|p| p.place == "subnet/spoke-vnet/training").unwrap();
        for r in &place.destinations {
            let Some(w) = &r.reach.witness else { continue };
            for &(proto, port) in &probes {
                let protocol = [Protocol::TCP, Protocol::UDP, Protocol::ICMP][proto as usize];
                let q = Query { from: w.query.from.clone(), to: w.query.to.clone(), protocol, port };
                let v = fresh.verdict(&q);
                if r.reach.allowed_set.contains(protocol, port) {
                    prop_assert_eq!(v, Verdict::Allowed, "{} {}/{}", r.dest.label, protocol, port);
                } else if !r.reach.unknown_set.contains(protocol, port) {
                    prop_assert_eq!(v, Verdict::Denied, "{} {}/{}", r.dest.label, protocol, port);
                }
            }
        }
    }
}
