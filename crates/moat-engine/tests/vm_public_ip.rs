//! The internet reaching a VM through the public IP address of its network interface.
//!
//! Azure's public IP addresses documentation: a Standard SKU address has a "secure by default
//! model and be closed to inbound traffic when used as a frontend", traffic admitted only by a
//! network security group; a Basic SKU address is "open by default", network security groups
//! "recommended but optional".
//! The prerequisites template of the network-restricted workspace quickstart gives its jump box
//! a Basic public IP and no network security group.

use moat_engine::{Code, Engine, HopDecision, Query, Trace, Verdict};
use moat_packets::Protocol;

/// A VM whose network interface has public IP `jump-ip` of SKU `sku` (none: not written), in
/// a subnet with an NSG admitting RDP from 203.0.113.0/24 when `nsg`.
fn topology(sku: Option<&str>, nsg: bool) -> String {
    let sku = sku.map(|s| format!(", sku: {s}")).unwrap_or_default();
    let (subnet_nsg, nsgs) = if nsg {
        (
            ", network_security_group: jump-nsg",
            r#"
network_security_groups:
  - name: jump-nsg
    rules:
      - { name: rdp, priority: 100, direction: Inbound, access: Allow, protocol: Tcp, source: 203.0.113.0/24, destination_ports: 3389 }
"#,
        )
    } else {
        ("", "")
    };
    format!(
        r#"
region: eastus
virtual_networks:
  - name: core
    address_space: [10.1.0.0/16]
    subnets: [{{ name: default, address_prefixes: [10.1.0.0/24]{subnet_nsg} }}]
public_ips:
  - {{ name: jump-ip{sku} }}
network_interfaces:
  - {{ name: jump-nic, subnet: core/default, public_ip: jump-ip }}
virtual_machines:
  - {{ name: jump, network_interfaces: [jump-nic] }}
{nsgs}"#
    )
}

fn rdp(yaml: &str, from: &str) -> Trace {
    let t = moat_ingest::parse_native_str("t.yaml", yaml).unwrap_or_else(|e| panic!("{e:#?}"));
    let e = Engine::for_topology(&t, None).unwrap();
    let q = Query {
        from: from.parse().unwrap(),
        to: "vm/jump".parse().unwrap(),
        protocol: Protocol::TCP,
        port: 3389,
    };
    moat_engine::trace::trace(&e, &q).unwrap()
}

fn decisive(t: &Trace) -> Code {
    t.hops
        .iter()
        .rfind(|h| h.decision != HopDecision::Pass && h.decision != HopDecision::Info)
        .map(|h| h.code)
        .unwrap_or(Code::DestReached)
}

#[test]
fn a_basic_public_ip_without_nsg_admits_the_internet() {
    let t = rdp(&topology(Some("Basic"), false), "internet");
    assert_eq!(t.verdict, Verdict::Allowed, "{t:#?}");
    assert!(
        t.hops.iter().any(|h| h.code == Code::PublicIpInbound),
        "{t:#?}"
    );
}

#[test]
fn a_standard_public_ip_without_nsg_is_closed() {
    let t = rdp(&topology(Some("Standard"), false), "internet");
    assert_eq!(t.verdict, Verdict::Denied, "{t:#?}");
    assert_eq!(decisive(&t), Code::PublicIpClosed);
}

#[test]
fn an_unwritten_sku_without_nsg_is_undecided() {
    let t = rdp(&topology(None, false), "internet");
    assert_eq!(t.verdict, Verdict::Unknown, "{t:#?}");
    assert_eq!(decisive(&t), Code::PublicIpSkuOpen);
}

#[test]
fn behind_an_nsg_its_rules_decide_whatever_the_sku() {
    for sku in [Some("Standard"), Some("Basic"), None] {
        let yaml = topology(sku, true);
        // The NSG admits RDP from 203.0.113.0/24 only; its default rules deny the rest.
        let t = rdp(&yaml, "ip:203.0.113.7");
        assert_eq!(t.verdict, Verdict::Allowed, "{sku:?}: {t:#?}");
        let t = rdp(&yaml, "ip:198.51.100.9");
        assert_eq!(t.verdict, Verdict::Denied, "{sku:?}: {t:#?}");
    }
}
