//! Azure Firewall scenarios, each written from the Azure Firewall documentation it cites.

use moat_engine::{Code, Step};
use moat_engine::{Engine, HopDecision, Query, Trace, Verdict};
use moat_model::Address;
use moat_packets::Protocol;

fn trace_with(yaml: &str, from: &str, to: &str, protocol: Protocol, port: u16) -> Trace {
    let t = match moat_ingest::parse_native_str("t.yaml", yaml) {
        Ok(t) => t,
        Err(d) => panic!("bad test topology: {d:#?}"),
    };
    let e = Engine::for_topology(&t, None).unwrap();
    let q = Query {
        from: from.parse::<Address>().unwrap(),
        to: to.parse::<Address>().unwrap(),
        protocol,
        port,
    };
    moat_engine::trace::trace(&e, &q).unwrap()
}

fn trace(yaml: &str, from: &str, to: &str) -> Trace {
    trace_with(yaml, from, to, Protocol::TCP, 443)
}

/// The firewall hop of a trace.
fn firewall_hop(t: &Trace) -> &moat_engine::Hop {
    t.hops
        .iter()
        .find(|h| h.step == Step::Firewall)
        .unwrap_or_else(|| panic!("no firewall hop: {t:#?}"))
}

/// A spoke whose default route goes to a hub firewall; `RULES` is replaced per test.
const HUB: &str = r#"
region: eastus
virtual_networks:
  - name: hub
    address_space: [10.100.0.0/16]
    subnets: [{ name: AzureFirewallSubnet, address_prefixes: [10.100.0.0/26] }]
    peerings: [{ remote_vnet: spoke, allow_forwarded_traffic: true }]
  - name: spoke
    address_space: [10.0.0.0/16]
    subnets: [{ name: s, address_prefixes: [10.0.1.0/24], route_table: rt }]
    peerings: [{ remote_vnet: hub, allow_forwarded_traffic: true }]
route_tables:
  - name: rt
    routes: [{ name: default, address_prefix: 0.0.0.0/0, next_hop_type: VirtualAppliance, next_hop_ip_address: 10.100.0.4 }]
storage_accounts:
  - { name: st }
firewalls:
  - name: fw
    vnet: hub
    private_ip_address: 10.100.0.4
    public_ips: [fw-pip]
RULES
public_ips: [{ name: fw-pip, ip_address: 20.5.5.5 }]
"#;

fn hub(rules: &str) -> String {
    HUB.replace("RULES\n", rules)
}

/// A network rule to a public range: without Azure's service tags file moat cannot tell
/// whether the storage account's public address lies in it.
const UNDECIDABLE: &str = "{ name: range, source_addresses: [10.0.0.0/16], destination_addresses: [20.0.0.0/8], destination_ports: [\"443\"], protocols: [TCP] }";

#[test]
fn undecidable_rule_before_an_allow_in_an_allow_collection_is_decided() {
    // Azure Firewall rule processing: "The rules are terminating, so rule processing stops on
    // a match." If the undecidable rule matches the flow is allowed (its collection allows);
    // if it does not, the next collection's rule allows it: every value gives "allowed".
    let rules = format!(
        r#"    network_rule_collections:
      - {{ name: maybe, priority: 100, action: Allow, rules: [{UNDECIDABLE}] }}
      - name: web
        priority: 200
        action: Allow
        rules: [{{ name: any443, source_addresses: [10.0.0.0/16], destination_addresses: ["*"], destination_ports: ["443"], protocols: [TCP] }}]
"#
    );
    let t = trace(&hub(&rules), "subnet/spoke/s", "storage/st");
    let h = firewall_hop(&t);
    assert_eq!(h.decision, HopDecision::Pass, "{t:#?}");
    assert_eq!(h.code, Code::FwNetworkAllow);
    assert!(
        h.detail.contains("web/any443"),
        "the sure rule decides: {h:?}"
    );
}

#[test]
fn undecidable_deny_rule_before_an_allow_stays_unknown() {
    // The same rule in a Deny collection: if it matches the flow is denied, if not the next
    // rule allows it. The two values give different answers, so the answer is unknown.
    let rules = format!(
        r#"    network_rule_collections:
      - {{ name: maybe, priority: 100, action: Deny, rules: [{UNDECIDABLE}] }}
      - name: web
        priority: 200
        action: Allow
        rules: [{{ name: any443, source_addresses: [10.0.0.0/16], destination_addresses: ["*"], destination_ports: ["443"], protocols: [TCP] }}]
"#
    );
    let t = trace(&hub(&rules), "subnet/spoke/s", "storage/st");
    assert_eq!(t.verdict, Verdict::Unknown, "{t:#?}");
    let h = firewall_hop(&t);
    assert_eq!(h.code, Code::FwUndecided);
    assert!(h.detail.contains("maybe/range"), "{h:?}");
}

#[test]
fn undecidable_deny_rule_with_nothing_after_it_denies() {
    // "Azure Firewall denies all traffic by default, until rules are manually configured to
    // allow traffic": whether or not the Deny rule matches, nothing allows the flow.
    let rules = format!(
        r#"    network_rule_collections:
      - {{ name: maybe, priority: 100, action: Deny, rules: [{UNDECIDABLE}] }}
"#
    );
    let t = trace(&hub(&rules), "subnet/spoke/s", "storage/st");
    assert_eq!(t.verdict, Verdict::Denied, "{t:#?}");
    assert_eq!(firewall_hop(&t).decision, HopDecision::Block);
}

/// Application rules with an FQDN tag first; `EXTRA` adds collections after it.
fn tagged(action: &str, extra: &str) -> String {
    hub(&format!(
        r#"    application_rule_collections:
      - name: updates
        priority: 100
        action: {action}
        rules: [{{ name: wu, source_addresses: [10.0.0.0/16], protocols: ["Https:443"], fqdn_tags: [WindowsUpdate] }}]
{extra}"#
    ))
}

#[test]
fn fqdn_tag_alone_leaves_a_name_unknown() {
    // Azure Firewall FQDN tags: "An FQDN tag represents a group of fully qualified domain
    // names (FQDNs) associated with well known Microsoft services." Microsoft maintains the
    // names; the model does not hold them, so a name may or may not be in the tag.
    let t = trace(
        &tagged("Allow", ""),
        "subnet/spoke/s",
        "fqdn:download.windowsupdate.com",
    );
    assert_eq!(t.verdict, Verdict::Unknown, "{t:#?}");
    let h = firewall_hop(&t);
    assert_eq!(h.code, Code::FwUndecided);
    assert!(h.detail.contains("updates/wu"), "{h:?}");
}

#[test]
fn fqdn_tag_before_an_allow_of_the_same_name_is_decided() {
    // Whether or not the tag holds the name, the flow is allowed: by the tag's rule, or by
    // the next collection's rule naming the host.
    let extra = r#"      - name: named
        priority: 200
        action: Allow
        rules: [{ name: wu-hosts, source_addresses: [10.0.0.0/16], protocols: ["Https:443"], target_fqdns: ["*.windowsupdate.com"] }]
"#;
    let t = trace(
        &tagged("Allow", extra),
        "subnet/spoke/s",
        "fqdn:download.windowsupdate.com",
    );
    let h = firewall_hop(&t);
    assert_eq!(h.decision, HopDecision::Pass, "{t:#?}");
    assert_eq!(h.code, Code::FwApplicationAllow);
    assert!(h.detail.contains("named/wu-hosts"), "{h:?}");
}

#[test]
fn fqdn_tag_in_a_deny_collection_denies_either_way() {
    // A Deny rule with a tag, then the default deny: denied whether or not the tag holds the
    // name.
    let t = trace(
        &tagged("Deny", ""),
        "subnet/spoke/s",
        "fqdn:download.windowsupdate.com",
    );
    assert_eq!(t.verdict, Verdict::Denied, "{t:#?}");
    assert_eq!(firewall_hop(&t).decision, HopDecision::Block);
}

/// An application rule allowing the AKS FQDN tag from the spoke.
fn aks_tag() -> String {
    hub(r#"    application_rule_collections:
      - name: aks
        priority: 100
        action: Allow
        rules: [{ name: aks, source_addresses: [10.0.0.0/16], protocols: ["Https:443"], fqdn_tags: [AzureKubernetesService] }]
"#)
}

#[test]
fn aks_fqdn_tag_allows_the_names_it_is_documented_to_hold() {
    // "Control egress traffic using Azure Firewall in AKS": "The FQDN tag contains all the
    // FQDNs listed in outbound network and FQDN rules for AKS clusters" — mcr.microsoft.com
    // and the cluster's API server among them.
    for host in ["mcr.microsoft.com", "aks-1.hcp.eastus.azmk8s.io"] {
        let t = trace(&aks_tag(), "subnet/spoke/s", &format!("fqdn:{host}"));
        let h = firewall_hop(&t);
        assert_eq!(h.decision, HopDecision::Pass, "{host}: {t:#?}");
        assert_eq!(h.code, Code::FwApplicationAllow);
        assert!(h.detail.contains("aks/aks"), "{h:?}");
    }
}

#[test]
fn aks_fqdn_tag_leaves_other_names_unknown() {
    // Azure Firewall, "FQDN tags overview": "you can't ... specify which FQDNs are included
    // within a tag. Microsoft manages the FQDNs". A name the documents do not place in the
    // tag may or may not be in it.
    let t = trace(&aks_tag(), "subnet/spoke/s", "fqdn:pypi.org");
    assert_eq!(t.verdict, Verdict::Unknown, "{t:#?}");
    assert_eq!(firewall_hop(&t).code, Code::FwUndecided);
}

/// A web server in a spoke, published through the hub firewall's public address 20.5.5.5 on
/// port 443 by a DNAT rule to 10.0.2.4:8080. `NETWORK` adds network rules, `NSG` the web
/// subnet's NSG.
const PUBLISHED: &str = r#"
region: eastus
virtual_networks:
  - name: hub
    address_space: [10.100.0.0/16]
    subnets: [{ name: AzureFirewallSubnet, address_prefixes: [10.100.0.0/26] }]
    peerings: [{ remote_vnet: spoke, allow_forwarded_traffic: true }]
  - name: spoke
    address_space: [10.0.0.0/16]
    subnets: [{ name: web, address_prefixes: [10.0.2.0/24] NSG}]
    peerings: [{ remote_vnet: hub, allow_forwarded_traffic: true }]
virtual_machines:
  - { name: web, network_interfaces: [web-nic] }
network_interfaces:
  - { name: web-nic, subnet: spoke/web, private_ip_address: 10.0.2.4 }
firewalls:
  - name: fw
    vnet: hub
    private_ip_address: 10.100.0.4
    public_ips: [fw-pip]
    nat_rule_collections:
      - name: inbound
        priority: 100
        rules:
          - { name: web, protocols: [TCP], source_addresses: [SOURCES], destination_addresses: [20.5.5.5], destination_ports: ["443"], translated_address: 10.0.2.4, translated_port: 8080 }
NETWORK
public_ips: [{ name: fw-pip, ip_address: 20.5.5.5 }]
"#;

fn published(sources: &str, network: &str, nsg: &str) -> String {
    PUBLISHED
        .replace("SOURCES", sources)
        .replace("NETWORK\n", network)
        .replace(" NSG}", nsg)
}

/// Network rules that deny everything, were they to see the packet.
const DENY_ALL: &str = r#"    network_rule_collections:
      - name: nothing
        priority: 100
        action: Deny
        rules: [{ name: all, source_addresses: ["*"], destination_addresses: ["*"], destination_ports: ["*"], protocols: [Any] }]
"#;

#[test]
fn dnat_sends_internet_traffic_to_the_translated_address_before_network_rules() {
    // Azure Firewall rule processing logic: "NAT rules are applied in priority before network
    // rules. If a match is found, the traffic is translated according to the DNAT rule and
    // allowed by the firewall." A network rule denying everything therefore never sees it.
    let t = trace(
        &published("\"*\"", DENY_ALL, " }"),
        "internet",
        "ip:20.5.5.5",
    );
    assert_eq!(t.verdict, Verdict::Allowed, "{t:#?}");
    let h = firewall_hop(&t);
    assert_eq!(h.code, Code::FwDnat);
    assert!(
        h.detail.contains("10.0.2.4")
            && h.detail.contains("8080")
            && h.detail.contains("inbound/web"),
        "{h:?}"
    );
    assert!(
        !t.hops.iter().any(|h| h.code == Code::FwNetworkDeny),
        "network rules are not processed after a DNAT match"
    );
}

#[test]
fn dnat_translated_traffic_is_subject_to_the_path_beyond() {
    // The translated packet goes on to 10.0.2.4:8080 and meets the web subnet's NSG; DNAT
    // allows it through the firewall only. The NSG denies port 8080 inbound.
    let nsg = r#"network_security_groups:
  - name: web-nsg
    rules:
      - { name: No8080, priority: 100, direction: Inbound, access: Deny, protocol: Tcp, destination_ports: ["8080"] }
"#;
    let yaml = format!(
        "{}{nsg}",
        published("\"*\"", "", ", network_security_group: web-nsg }")
    );
    let t = trace(&yaml, "internet", "ip:20.5.5.5");
    assert_eq!(t.verdict, Verdict::Denied, "{t:#?}");
    assert_eq!(firewall_hop(&t).code, Code::FwDnat);
    let b = t.blocked_by().unwrap();
    assert_eq!(b.code, Code::NsgInboundDeny, "{b:?}");
    assert!(b.detail.contains("No8080"), "{b:?}");
}

#[test]
fn no_dnat_rule_for_the_port_is_denied() {
    // "Azure Firewall denies all traffic by default, until rules are manually configured to
    // allow traffic": nothing translates port 22 on the public address.
    let t = trace_with(
        &published("\"*\"", "", " }"),
        "internet",
        "ip:20.5.5.5",
        Protocol::TCP,
        22,
    );
    assert_eq!(t.verdict, Verdict::Denied, "{t:#?}");
    assert_eq!(t.blocked_by().unwrap().code, Code::FwDnatNoRule);
}

#[test]
fn dnat_rule_for_some_sources_leaves_an_unknown_internet_source_undecided() {
    // A DNAT rule limited to 203.0.113.0/24: whether an arbitrary internet host is in it is
    // not known, and the answers differ (translated, or denied by default).
    let t = trace(
        &published("203.0.113.0/24", "", " }"),
        "internet",
        "ip:20.5.5.5",
    );
    assert_eq!(t.verdict, Verdict::Unknown, "{t:#?}");
    let h = firewall_hop(&t);
    assert_eq!(h.code, Code::FwUndecided);
    assert!(h.detail.contains("inbound/web"), "{h:?}");
}

/// The hub firewall with policy `pol` whose rule collection groups are `GROUPS`.
fn with_policy(groups: &str) -> String {
    hub(&format!(
        "    firewall_policy: pol\nfirewall_policies:\n  - name: pol\n    rule_collection_groups:\n{groups}"
    ))
}

/// A network rule collection of one rule for the spoke to any address on TCP 443.
fn any443(name: &str, priority: &str, action: &str) -> String {
    format!(
        "          - {{ name: {name}, priority: {priority}, action: {action}, rules: [{{ name: r, source_addresses: [10.0.0.0/16], destination_addresses: [\"*\"], destination_ports: [\"443\"], protocols: [TCP] }}] }}\n"
    )
}

#[test]
fn open_collection_priority_orders_it_within_its_group_only() {
    // Azure Firewall rule processing: rules are processed by rule collection group priority,
    // then by rule collection priority within the group; "the rules are terminating". A
    // collection whose priority is open may sit anywhere in group `late` (200), which comes
    // after group `early` (100) in every case: `early` denies first.
    let groups = format!(
        "      - name: early\n        priority: 100\n        network_rule_collections:\n{}      - name: late\n        priority: 200\n        network_rule_collections:\n{}",
        any443("deny", "100", "Deny"),
        any443("anywhere", "unknown", "Allow"),
    );
    let t = trace(&with_policy(&groups), "subnet/spoke/s", "storage/st");
    assert_eq!(t.verdict, Verdict::Denied, "{t:#?}");
    let h = firewall_hop(&t);
    assert_eq!(h.code, Code::FwNetworkDeny);
    assert!(h.detail.contains("deny/r"), "{h:?}");
}

#[test]
fn open_group_priority_may_come_before_the_deciding_group() {
    // The group holding the Deny has an open priority: it may come before or after the group
    // that allows, and the two orders give different answers. Never a wrong "allowed".
    let groups = format!(
        "      - name: maybe\n        priority: unknown\n        network_rule_collections:\n{}      - name: web\n        priority: 200\n        network_rule_collections:\n{}",
        any443("deny", "100", "Deny"),
        any443("allow", "100", "Allow"),
    );
    let t = trace(&with_policy(&groups), "subnet/spoke/s", "storage/st");
    assert_eq!(t.verdict, Verdict::Unknown, "{t:#?}");
    let h = firewall_hop(&t);
    assert_eq!(h.code, Code::FwUndecided);
    assert!(h.detail.contains("deny/r"), "{h:?}");
}

/// Application rules: a collection for `names` whose action is `action`, then one allowing
/// pypi.org.
fn app_then_pypi(names: &str, action: &str) -> String {
    hub(&format!(
        r#"    dns_proxy: true
    application_rule_collections:
      - name: first
        priority: 100
        action: {action}
        rules: [{{ name: r, source_addresses: [10.0.0.0/16], protocols: ["Https:443"], target_fqdns: [{names}] }}]
      - name: pypi
        priority: 200
        action: Allow
        rules: [{{ name: r, source_addresses: [10.0.0.0/16], protocols: ["Https:443"], target_fqdns: [pypi.org] }}]
"#
    ))
}

#[test]
fn open_application_collection_action_decides_both_ways() {
    // A collection's action applies to each of its rules, and rules are terminating: the
    // first collection, naming pypi.org, may allow or deny it before the second allows it.
    let t = trace(
        &app_then_pypi("pypi.org", "unknown"),
        "subnet/spoke/s",
        "fqdn:pypi.org",
    );
    assert_eq!(t.verdict, Verdict::Unknown, "{t:#?}");
    let h = firewall_hop(&t);
    assert_eq!(h.code, Code::FwUndecided);
    assert!(h.detail.contains("first/r"), "{h:?}");
    // The same open collection naming other hosts only: pypi.org is decided by the second.
    let t = trace(
        &app_then_pypi("\"*.example.com\"", "unknown"),
        "subnet/spoke/s",
        "fqdn:pypi.org",
    );
    let h = firewall_hop(&t);
    assert_eq!(h.decision, HopDecision::Pass, "{t:#?}");
    assert_eq!(h.code, Code::FwApplicationAllow);
    assert!(h.detail.contains("pypi/r"), "{h:?}");
}

#[test]
fn a_peering_without_a_name_is_told_by_its_two_ends() {
    // Azure Firewall in a hub: a spoke's traffic forwarded by the hub's firewall reaches
    // another spoke only where that spoke's peering to the hub allows forwarded traffic
    // ("Allow forwarded traffic", virtual network peering settings). The peering's name is
    // optional in the model; the hop that passes it must still say which peering it read.
    let yaml = hub(
        r#"    network_rule_collections:
      - name: east-west
        priority: 100
        action: Allow
        rules: [{ name: spokes, source_addresses: [10.0.0.0/16], destination_addresses: [10.2.0.0/16], destination_ports: ["443"], protocols: [TCP] }]
"#,
    )
    .replace(
        "    peerings: [{ remote_vnet: spoke, allow_forwarded_traffic: true }]\n",
        "    peerings: [{ remote_vnet: spoke, allow_forwarded_traffic: true }, { remote_vnet: spoke2, allow_forwarded_traffic: true }]\n",
    )
    .replace(
        "route_tables:\n",
        "  - name: spoke2\n    address_space: [10.2.0.0/16]\n    subnets: [{ name: t, address_prefixes: [10.2.0.0/24] }]\n    peerings: [PEERING]\nroute_tables:\n",
    );
    let peering = |t: &Trace| {
        t.hops
            .iter()
            .find(|h| h.code == Code::PeeringForwardedOk)
            .unwrap_or_else(|| panic!("no peering hop: {t:#?}"))
            .detail
            .to_string()
    };
    let unnamed = yaml.replace(
        "PEERING",
        "{ remote_vnet: hub, allow_forwarded_traffic: true }",
    );
    let t = trace(&unnamed, "subnet/spoke/s", "ip:10.2.0.4");
    assert_eq!(t.verdict, Verdict::Allowed, "{t:#?}");
    assert_eq!(
        peering(&t),
        "the peering from spoke2 to hub allows forwarded traffic"
    );
    let named = yaml.replace(
        "PEERING",
        "{ name: to-hub, remote_vnet: hub, allow_forwarded_traffic: true }",
    );
    let t = trace(&named, "subnet/spoke/s", "ip:10.2.0.4");
    assert_eq!(
        peering(&t),
        "peering to-hub of spoke2 allows forwarded traffic"
    );
}
