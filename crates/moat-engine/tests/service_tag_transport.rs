//! A managed network service tag rule whose protocol or ports the input leaves unknown. Azure
//! documents no default for either (ARM's `ServiceTagDestination` leaves `protocol` and
//! `portRanges` optional without one; azurerm marks both Required), so such a rule is not "any
//! protocol, any port": a flow to its tag is allowed by it only where every protocol and port
//! set it may have allows the flow, refused by it only where none does, and unknown otherwise.

use moat_engine::{Code, Engine, Query, Trace, Verdict};
use moat_model::Address;
use moat_packets::Protocol;

fn workspace(destination: &str) -> String {
    format!(
        r#"
region: eastus
workspaces:
  - name: ws
    managed_network:
      isolation_mode: AllowOnlyApprovedOutbound
      outbound_rules:
        - {{ name: df, type: ServiceTag, destination: {destination} }}
computes:
  - {{ name: cpu-cluster, workspace: ws, type: AmlCompute, enable_node_public_ip: false }}
"#
    )
}

fn to_tag(destination: &str, protocol: Protocol, port: u16) -> Trace {
    let t = moat_ingest::parse_native_str("t.yaml", &workspace(destination))
        .unwrap_or_else(|d| panic!("{d:#?}"));
    let e = Engine::for_topology(&t, None).unwrap();
    let q = Query {
        from: "compute/cpu-cluster".parse::<Address>().unwrap(),
        to: "tag:DataFactory".parse::<Address>().unwrap(),
        protocol,
        port,
    };
    moat_engine::trace::trace(&e, &q).unwrap()
}

fn undecided_by_the_rule(t: &Trace, open: &str) {
    assert_eq!(t.verdict, Verdict::Unknown, "{t:#?}");
    assert_eq!(t.blocked_by().map(|h| h.code), Some(Code::MvnUndecided));
    assert!(
        t.missing
            .iter()
            .any(|m| m.contains("service tag rule df") && m.contains(open)),
        "{:?}",
        t.missing
    );
}

#[test]
fn an_unknown_protocol_and_ports_leave_the_flow_unknown() {
    let t = to_tag(
        "{ service_tag: DataFactory, protocol: unknown, port_ranges: unknown }",
        Protocol::TCP,
        443,
    );
    undecided_by_the_rule(&t, "protocol and port ranges");
}

#[test]
fn known_parts_still_decide_where_every_unknown_value_agrees() {
    // TCP with unknown ports never carries UDP.
    let t = to_tag(
        "{ service_tag: DataFactory, protocol: TCP, port_ranges: unknown }",
        Protocol::UDP,
        53,
    );
    assert_eq!(t.verdict, Verdict::Denied, "{t:#?}");
    assert_eq!(t.blocked_by().map(|h| h.code), Some(Code::MvnNotApproved));
    // TCP on port 443 may or may not be among the unknown ports.
    let t = to_tag(
        "{ service_tag: DataFactory, protocol: TCP, port_ranges: unknown }",
        Protocol::TCP,
        443,
    );
    undecided_by_the_rule(&t, "port ranges");
    // Port 443 only: 8080 is refused whatever the protocol; 443 depends on it.
    let ports = "{ service_tag: DataFactory, protocol: unknown, port_ranges: [443] }";
    assert_eq!(to_tag(ports, Protocol::TCP, 8080).verdict, Verdict::Denied);
    undecided_by_the_rule(&to_tag(ports, Protocol::TCP, 443), "protocol");
    // Both known: decided.
    let known = "{ service_tag: DataFactory, protocol: TCP, port_ranges: [443] }";
    assert_eq!(to_tag(known, Protocol::TCP, 443).verdict, Verdict::Allowed);
}

#[test]
fn the_native_format_keeps_its_any_default() {
    // moat's own format documents `*` for a left-out protocol and ports.
    let t = to_tag("{ service_tag: DataFactory }", Protocol::UDP, 9000);
    assert_eq!(t.verdict, Verdict::Allowed, "{t:#?}");
}
