//! Several DNS servers: a VNet's list, a firewall's. A VM is given every server of its VNet
//! and asks another when one does not answer, in an order of its operating system's; Azure
//! Firewall's DNS settings say "If you configure multiple DNS servers, the server used is
//! chosen randomly". Any of them may answer a query, so a name resolves as it does only when
//! every one of them gives the same answer; otherwise the flow is unknown, never the first
//! server's answer taken for all.

use moat_engine::{Code, Engine, Query, Trace, Verdict};
use moat_model::Address;
use moat_packets::Protocol;

/// A workspace reached through its private endpoint from `vnet/training`; the VNet's DNS
/// servers are `{servers}`, and `dns-a` (10.0.2.4) and `dns-b` (10.0.2.5) forward the zones
/// their lines say (facts §2.3: "Forward these zones from the in-VNet DNS server to
/// 168.63.129.16").
fn yaml(servers: &str, a: &str, b: &str, firewall: &str) -> String {
    format!(
        r#"
region: eastus
workspaces:
  - {{ name: ws, public_network_access: Disabled, workspace_id: 11111111-2222-3333-4444-555555555555 }}
virtual_networks:
  - name: vnet
    address_space: [10.0.0.0/16]
    dns_servers: {servers}
    subnets:
      - {{ name: AzureFirewallSubnet, address_prefixes: [10.0.0.0/26] }}
      - {{ name: dns, address_prefixes: [10.0.2.0/24] }}
      - {{ name: training, address_prefixes: [10.0.1.0/24] }}
      - {{ name: pe, address_prefixes: [10.0.3.0/24] }}
dns_servers:
  - {{ name: dns-a, address: 10.0.2.4{a} }}
  - {{ name: dns-b, address: 10.0.2.5{b} }}
private_endpoints:
  - {{ name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace, ip_address: 10.0.3.4,
      dns_zone_group: [privatelink.api.azureml.ms] }}
private_dns_zones:
  - {{ name: privatelink.api.azureml.ms, vnet_links: [vnet] }}
{firewall}
"#
    )
}

/// The conditional forwarder of the workspace's API zone to Azure DNS.
const FORWARDS: &str = ", forwarders: [{ zone: api.azureml.ms, to: [168.63.129.16] }]";

fn trace(yaml: &str) -> Trace {
    let t = moat_ingest::parse_native_str("t.yaml", yaml)
        .unwrap_or_else(|d| panic!("bad test topology: {d:#?}"));
    let e = Engine::for_topology(&t, None).unwrap();
    let q = Query {
        from: "subnet/vnet/training".parse::<Address>().unwrap(),
        to: "workspace/ws".parse::<Address>().unwrap(),
        protocol: Protocol::TCP,
        port: 443,
    };
    moat_engine::trace::trace(&e, &q).unwrap()
}

#[test]
fn vnet_servers_that_all_forward_decide_the_answer() {
    let t = trace(&yaml("[10.0.2.4, 10.0.2.5]", FORWARDS, FORWARDS, ""));
    assert_eq!(t.verdict, Verdict::Allowed, "{t:#?}");
}

#[test]
fn a_vnet_server_that_does_not_forward_leaves_the_answer_unknown() {
    // Seed "Plan for network isolation": "If you have your own DNS server ... you need to
    // create a conditional forwarder in your DNS server", which "sends DNS requests to the
    // Azure DNS for all private link enabled PaaS services". The second server has none: it answers the workspace's public endpoint, which is disabled.
    // Whichever server a VM asks decides: unknown, in either order of the list.
    for servers in ["[10.0.2.4, 10.0.2.5]", "[10.0.2.5, 10.0.2.4]"] {
        let t = trace(&yaml(servers, FORWARDS, "", ""));
        assert_eq!(t.verdict, Verdict::Unknown, "{servers}: {t:#?}");
        let h = t
            .hops
            .iter()
            .find(|h| h.code == Code::DnsServersDisagree)
            .unwrap_or_else(|| panic!("{servers}: {t:#?}"));
        assert!(h.detail.contains("10.0.2.5"), "{h:?}");
    }
}

#[test]
fn azure_dns_after_a_forwarding_server_gives_the_same_answer() {
    // Facts §2.3: "With VPN gateway plus custom DNS IPs on the VNet, also add 168.63.129.16 to
    // the VNet DNS server list." A server that forwards the zone to Azure DNS and Azure DNS
    // itself answer alike: decided. Without the forwarder, they differ: unknown.
    let t = trace(&yaml("[10.0.2.4, 168.63.129.16]", FORWARDS, "", ""));
    assert_eq!(t.verdict, Verdict::Allowed, "{t:#?}");
    let t = trace(&yaml("[10.0.2.4, 168.63.129.16]", "", "", ""));
    assert_eq!(t.verdict, Verdict::Unknown, "{t:#?}");
}

/// The VNet's DNS server is the firewall's DNS proxy, which forwards to `servers`.
fn through_firewall(servers: &str, b: &str) -> String {
    yaml(
        "[10.0.0.4]",
        FORWARDS,
        b,
        &format!(
            "firewalls:\n  - {{ name: fw, vnet: vnet, private_ip_address: 10.0.0.4, dns_proxy: true, dns_servers: {servers} }}"
        ),
    )
}

#[test]
fn firewall_dns_servers_are_any_of_them() {
    // Azure Firewall DNS settings: "If you configure multiple DNS servers, the server used is
    // chosen randomly." Both forward: decided. One does not: unknown.
    let t = trace(&through_firewall("[10.0.2.4, 10.0.2.5]", FORWARDS));
    assert_eq!(t.verdict, Verdict::Allowed, "{t:#?}");
    let t = trace(&through_firewall("[10.0.2.4, 10.0.2.5]", ""));
    assert_eq!(t.verdict, Verdict::Unknown, "{t:#?}");
    assert!(
        t.hops.iter().any(|h| h.code == Code::DnsServersDisagree),
        "{t:#?}"
    );
    // One server: its answer, as before.
    let t = trace(&through_firewall("[10.0.2.4]", ""));
    assert_eq!(t.verdict, Verdict::Allowed, "{t:#?}");
}
