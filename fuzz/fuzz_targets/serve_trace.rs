//! Any trace question asked of a stored deployment through `moat serve` (the explorer's form
//! and `/api/v1/snapshots/{id}/trace`: from, to, port, protocol) is answered with a trace or
//! refused with a 400 saying which field is wrong, never a panic. The first byte chooses the
//! deployment; the rest gives the fields one a line.
#![no_main]

use moat_serve::api::{TraceQuery, traced};

const DEPLOYMENTS: [&str; 3] = [
    include_str!("../../examples/hub-spoke-firewall/topology.yaml"),
    include_str!("../../examples/isolated-aks/topology.yaml"),
    include_str!("../../examples/managed-network-approved-outbound/topology.yaml"),
];

type Deployment = (&'static moat_model::Topology, moat_engine::Engine<'static>);

thread_local! {
    static READ: Vec<Deployment> = DEPLOYMENTS
        .iter()
        .map(|text| {
            let t = moat_ingest::parse_native_str("topology.yaml", text)
                .expect("a bundled example reads");
            let t: &'static moat_model::Topology = Box::leak(Box::new(t));
            let engine = moat_engine::Engine::for_topology(t, None).expect("an engine");
            (t, engine)
        })
        .collect();
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let [which, rest @ ..] = data else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let mut fields = text.split('\n').map(str::to_string);
    let q = TraceQuery {
        from: fields.next(),
        to: fields.next(),
        port: fields.next(),
        protocol: fields.next(),
    };
    READ.with(|read| {
        let (t, engine) = &read[*which as usize % read.len()];
        let answer = q.question(t).and_then(|query| traced(engine, t, &query));
        match answer {
            Ok(json) => assert!(
                serde_json::from_str::<serde_json::Value>(&json).is_ok(),
                "a trace that is not JSON"
            ),
            Err(e) => {
                assert_eq!(e.status.as_u16(), 400, "{}", e.message);
                assert!(!e.message.is_empty(), "a refusal without a reason");
            }
        }
    });
});
