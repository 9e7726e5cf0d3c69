//! Azure Firewall scenarios, each written from the Azure Firewall documentation it cites.

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
        .find(|h| h.step == "firewall")
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
    assert_eq!(h.code, "FW_NETWORK_ALLOW");
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
    assert_eq!(h.code, "FW_UNDECIDED");
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
    assert_eq!(h.code, "FW_UNDECIDED");
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
    assert_eq!(h.code, "FW_APPLICATION_ALLOW");
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
