//! A workspace whose private endpoints the input leaves open (an Azure ML CLI spec, which has
//! no field for them; a Terraform module not installed). Configure a private endpoint, Enable
//! public access: "It enables public access only to the workspace, in addition to the private
//! access through any private endpoints." So "open to every network" (SEC001) holds whatever
//! endpoints there are and stays decided, while "no private endpoint: nothing reaches it"
//! (WS004) and "nothing about it is private" (SEC016) rest on their absence and are undecided.

use moat_engine::{Engine, Verdict};
use moat_model::{Address, Kind, Unknown};
use moat_rules::{Context, Finding, all};

fn run(yaml: &str, open: bool) -> (Vec<Finding>, Verdict) {
    let mut t = moat_ingest::parse_native_str("t.yaml", yaml).expect("topology");
    if open {
        t.unknowns.push(Unknown {
            resource: "workspace/ws".into(),
            field: "private_endpoints".into(),
            reason: "made apart from the file".into(),
            at: t.workspaces[0].at.clone(),
        });
    }
    let e = Engine::for_topology(&t, None).unwrap();
    let cx = Context::new(&e);
    let mut v = Vec::new();
    for r in all()
        .into_iter()
        .filter(|r| ["SEC001", "SEC002", "SEC016", "WS004"].contains(&r.doc().code))
    {
        r.check(&cx, &mut v);
    }
    let q = moat_engine::trace::Query {
        from: Address::Internet,
        to: Address::resource(Kind::Workspace, "ws"),
        protocol: moat_packets::Protocol::TCP,
        port: 443,
    };
    let verdict = moat_engine::trace::trace(&e, &q).expect("a trace").verdict;
    (v, verdict)
}

fn on<'a>(v: &'a [Finding], code: &str) -> Option<&'a Finding> {
    v.iter()
        .find(|f| f.code == code && f.resource == "workspace/ws")
}

#[test]
fn only_what_rests_on_absent_private_endpoints_is_undecided() {
    let public = "workspaces: [{ name: ws }]";
    let (v, verdict) = run(public, true);
    let sec001 = on(&v, "SEC001").expect("SEC001");
    assert!(sec001.decided(), "{sec001:#?}");
    assert!(
        sec001
            .message
            .contains("with or without the private endpoints"),
        "{}",
        sec001.message
    );
    // Nothing private about it rests on the endpoints it lacks.
    let sec016 = on(&v, "SEC016").expect("SEC016");
    assert!(!sec016.decided(), "{sec016:#?}");
    // From the internet, public DNS answers the public address with or without a private
    // endpoint: allowed, decided.
    assert_eq!(verdict, Verdict::Allowed);
    // Declared absent: the same finding, decided, saying there is none.
    let (v, _) = run(public, false);
    let sec001 = on(&v, "SEC001").expect("SEC001");
    assert!(sec001.decided() && sec001.message.contains("has no private endpoint"));
    assert!(on(&v, "SEC016").expect("SEC016").decided());
    // Declared present: the other finding (SEC002), not SEC001.
    let (v, _) = run(
        "workspaces: [{ name: ws }]
private_endpoints: [{ name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace }]
virtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: pe, address_prefixes: [10.0.3.0/24] }] }]",
        true,
    );
    assert!(
        on(&v, "SEC001").is_none() && on(&v, "SEC002").is_some(),
        "{v:#?}"
    );

    // Public access Disabled: "nothing reaches it" rests on the endpoints it lacks.
    let closed = "workspaces: [{ name: ws, public_network_access: Disabled }]";
    let (v, verdict) = run(closed, true);
    let ws004 = on(&v, "WS004").expect("WS004");
    assert!(!ws004.decided(), "{ws004:#?}");
    assert!(
        ws004
            .needs
            .iter()
            .any(|n| n.starts_with("private endpoints of workspace/ws")),
        "{:?}",
        ws004.needs
    );
    // The internet has no private endpoint to take: denied either way.
    assert_eq!(verdict, Verdict::Denied);
    let (v, _) = run(closed, false);
    assert!(on(&v, "WS004").expect("WS004").decided());
}
