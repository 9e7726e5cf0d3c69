//! Documented scenarios, each checked against the sentence of the documents it comes from; each
//! test asserts the hop that decides.

use moat_engine::{Code, Step};
use moat_engine::{Engine, HopDecision, Query, Trace, Verdict};
use moat_model::Address;
use moat_packets::Protocol;

fn run(yaml: &str, from: &str, to: &str, strict: bool) -> Trace {
    let t = match moat_ingest::parse_native_str("t.yaml", yaml) {
        Ok(t) => t,
        Err(d) => panic!("bad test topology: {d:#?}"),
    };
    let e = Engine::for_topology(&t, None).unwrap().with_strict(strict);
    let q = Query {
        from: from.parse::<Address>().unwrap(),
        to: to.parse::<Address>().unwrap(),
        protocol: Protocol::TCP,
        port: 443,
    };
    moat_engine::trace::trace(&e, &q).unwrap()
}

fn trace(yaml: &str, from: &str, to: &str) -> Trace {
    run(yaml, from, to, false)
}

fn blocked(t: &Trace) -> Code {
    t.blocked_by()
        .map(|h| h.code)
        .expect("the trace stops at a hop")
}

fn hop(t: &Trace, code: Code) -> &moat_engine::Hop {
    t.hops
        .iter()
        .find(|h| h.code == code)
        .unwrap_or_else(|| panic!("no {code} hop in {t:#?}"))
}

/// A hub with Azure Firewall allowing pypi.org, a spoke whose DNS server is a VM in the hub
/// that the deployment does not describe (facts §2.3: "Forward these zones from the in-VNet
/// DNS server to 168.63.129.16").
const HUB_SPOKE_UNDESCRIBED_DNS: &str = r#"
region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled, workspace_id: 11111111-2222-3333-4444-555555555555 }
virtual_networks:
  - name: hub
    address_space: [10.100.0.0/16]
    subnets:
      - { name: AzureFirewallSubnet, address_prefixes: [10.100.0.0/26] }
      - { name: dns, address_prefixes: [10.100.1.0/24] }
    peerings: [{ remote_vnet: spoke, allow_forwarded_traffic: true }]
  - name: spoke
    address_space: [10.0.0.0/16]
    dns_servers: [10.100.1.4]
    subnets:
      - { name: training, address_prefixes: [10.0.1.0/24], route_table: rt }
      - { name: pe, address_prefixes: [10.0.3.0/24] }
    peerings: [{ remote_vnet: hub, allow_forwarded_traffic: true }]
route_tables:
  - name: rt
    routes: [{ name: default, address_prefix: 0.0.0.0/0, next_hop_type: VirtualAppliance, next_hop_ip_address: 10.100.0.4 }]
firewalls:
  - name: fw
    vnet: hub
    private_ip_address: 10.100.0.4
    public_ips: [fw-pip]
    application_rule_collections:
      - name: packages
        priority: 100
        action: Allow
        rules: [{ name: pypi, source_addresses: ["10.0.0.0/16"], protocols: ["Https:443"], target_fqdns: [pypi.org] }]
public_ips: [{ name: fw-pip, ip_address: 20.0.0.1 }]
private_endpoints:
  - { name: ws-pe, subnet: spoke/pe, target: workspace/ws, group_id: amlworkspace, ip_address: 10.0.3.4,
      dns_zone_group: [privatelink.api.azureml.ms] }
private_dns_zones:
  - { name: privatelink.api.azureml.ms, vnet_links: [hub, spoke] }
"#;

#[test]
fn undescribed_dns_server_answers_public_names_under_an_assumption() {
    // Facts §2.3 asks a custom DNS server to forward the privatelink zones; any recursive
    // resolver answers public names publicly, so pypi.org through the hub firewall that allows
    // it is allowed, with the assumption shown as its own hop.
    let t = trace(
        HUB_SPOKE_UNDESCRIBED_DNS,
        "subnet/spoke/training",
        "fqdn:pypi.org",
    );
    assert_eq!(t.verdict, Verdict::Allowed, "{t:#?}");
    let assumed = hop(&t, Code::DnsAssumedRecursive);
    assert_eq!(assumed.decision, HopDecision::Assumed);
    assert!(assumed.element.contains("10.100.1.4"));
    assert!(
        t.assumptions.iter().any(|a| a.contains("10.100.1.4")),
        "{:?}",
        t.assumptions
    );
}

#[test]
fn strict_turns_the_dns_assumption_into_unknown() {
    // `--strict`: nothing the model does not describe is taken for granted.
    let t = run(
        HUB_SPOKE_UNDESCRIBED_DNS,
        "subnet/spoke/training",
        "fqdn:pypi.org",
        true,
    );
    assert_eq!(t.verdict, Verdict::Unknown, "{t:#?}");
    assert_eq!(blocked(&t), Code::DnsAssumedRecursive);
    assert!(t.missing.iter().any(|m| m.contains("10.100.1.4")));
}

#[test]
fn undescribed_dns_server_leaves_privatelink_names_unknown() {
    // Facts §2.3: private zone records are only returned to queries that go through
    // 168.63.129.16; whether an undescribed server forwards api.azureml.ms there is unknown.
    let t = trace(
        HUB_SPOKE_UNDESCRIBED_DNS,
        "subnet/spoke/training",
        "workspace/ws",
    );
    assert_eq!(t.verdict, Verdict::Unknown, "{t:#?}");
    assert_eq!(blocked(&t), Code::DnsUnknown);
    assert!(t.missing.iter().any(|m| m.contains("api.azureml.ms")));
    assert!(!t.hops.iter().any(|h| h.decision == HopDecision::Assumed));
}

/// A workspace private endpoint in a hub, a client VM in a peered spoke with the
/// privatelink.api.azureml.ms zone linked, and an online endpoint whose public network access
/// is disabled.
const ENDPOINT_SCORING: &str = r#"
region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled, workspace_id: 11111111-2222-3333-4444-555555555555 }
online_endpoints:
  - { name: score, workspace: ws, public_network_access: Disabled }
virtual_networks:
  - name: hub
    address_space: [10.100.0.0/16]
    subnets: [{ name: pe, address_prefixes: [10.100.3.0/24] }]
    peerings: [{ remote_vnet: spoke }]
  - name: spoke
    address_space: [10.0.0.0/16]
    subnets: [{ name: clients, address_prefixes: [10.0.1.0/24] }]
    peerings: [{ remote_vnet: hub }]
virtual_machines:
  - { name: analyst, network_interfaces: [nic] }
network_interfaces:
  - { name: nic, subnet: spoke/clients, private_ip_address: 10.0.1.4 }
private_endpoints:
  - { name: ws-pe, subnet: hub/pe, target: workspace/ws, group_id: amlworkspace, ip_address: 10.100.3.4,
      dns_zone_group: [privatelink.api.azureml.ms] }
private_dns_zones:
  - { name: privatelink.api.azureml.ms, vnet_links: [spoke] }
"#;

#[test]
fn online_endpoint_is_scored_through_the_workspace_private_endpoint() {
    // Seed 004 "Managed online endpoints" and facts §2.2/§8: scoring enters through the
    // workspace private endpoint; <endpoint>.<region>.inference.ml.azure.com CNAMEs to the
    // wildcard *.<guid>.inference.<region> record in privatelink.api.azureml.ms.
    let t = trace(ENDPOINT_SCORING, "vm/analyst", "online-endpoint/score");
    assert_eq!(t.verdict, Verdict::Allowed, "{t:#?}");
    let cname = hop(&t, Code::DnsCnamePrivatelink);
    assert!(
        cname.detail.contains(
            "score.11111111-2222-3333-4444-555555555555.inference.eastus.privatelink.api.azureml.ms"
        ),
        "{}",
        cname.detail
    );
    let zone = hop(&t, Code::DnsPrivateZone);
    assert!(zone.detail.contains("10.100.3.4"), "{}", zone.detail);
    assert!(hop(&t, Code::PeApproved).element.contains("ws-pe"));
}

#[test]
fn online_endpoint_without_the_zone_link_goes_public_and_is_refused() {
    // Facts §8: endpoint public_network_access=disabled -> only via the workspace PE.
    let yaml = ENDPOINT_SCORING.replace("vnet_links: [spoke]", "vnet_links: []");
    let t = trace(&yaml, "vm/analyst", "online-endpoint/score");
    assert_eq!(t.verdict, Verdict::Denied, "{t:#?}");
    assert_eq!(t.blocked_by().unwrap().step, Step::ResourceFirewall);
}

/// A hub workspace behind a private endpoint and a project under it; a jump box in the VNet
/// with the zone linked.
const HUB_AND_PROJECT: &str = r#"
region: eastus
workspaces:
  - { name: hub, kind: Hub, public_network_access: Disabled, workspace_id: aaaaaaaa-0000-0000-0000-000000000001 }
  - { name: project, kind: Project, hub: hub, public_network_access: Disabled, workspace_id: bbbbbbbb-0000-0000-0000-000000000002 }
virtual_networks:
  - name: vnet
    address_space: [10.0.0.0/16]
    subnets:
      - { name: clients, address_prefixes: [10.0.1.0/24] }
      - { name: pe, address_prefixes: [10.0.3.0/24] }
virtual_machines:
  - { name: jumpbox, network_interfaces: [nic] }
network_interfaces:
  - { name: nic, subnet: vnet/clients, private_ip_address: 10.0.1.4 }
private_endpoints:
  - { name: hub-pe, subnet: vnet/pe, target: workspace/hub, group_id: amlworkspace, ip_address: 10.0.3.4,
      dns_zone_group: [privatelink.api.azureml.ms] }
private_dns_zones:
  - { name: privatelink.api.azureml.ms, vnet_links: [vnet] }
"#;

#[test]
fn project_is_reached_through_its_hubs_private_endpoint() {
    // Facts §6 item 99: "projects inherit the hub FQDNs"; the project shares the hub's private
    // endpoint, so the jump box reaches it through hub-pe.
    let t = trace(HUB_AND_PROJECT, "vm/jumpbox", "workspace/project");
    assert_eq!(t.verdict, Verdict::Allowed, "{t:#?}");
    assert!(
        hop(&t, Code::DnsCnamePrivatelink)
            .detail
            .contains("aaaaaaaa-0000-0000-0000-000000000001.workspace.eastus")
    );
    assert!(hop(&t, Code::PeApproved).element.contains("hub-pe"));
}

#[test]
fn project_public_access_is_its_hubs() {
    // Facts §6 item 99: a project under a private hub is private whatever its own setting says.
    let yaml = HUB_AND_PROJECT
        .replace("vnet_links: [vnet]", "vnet_links: []")
        .replace(
            "hub: hub, public_network_access: Disabled",
            "hub: hub, public_network_access: Enabled",
        );
    let t = trace(&yaml, "vm/jumpbox", "workspace/project");
    assert_eq!(t.verdict, Verdict::Denied, "{t:#?}");
    assert_eq!(blocked(&t), Code::RfPublicDisabled);
    assert!(
        t.blocked_by()
            .unwrap()
            .clone()
            .element
            .contains("workspace hub")
    );
}

/// An on-premises site behind a site-to-site VPN to the VNet holding the workspace private
/// endpoint; its DNS server is described.
const ONPREM_SITE: &str = r#"
region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled, workspace_id: 11111111-2222-3333-4444-555555555555 }
virtual_networks:
  - name: vnet
    address_space: [10.0.0.0/16]
    subnets:
      - { name: GatewaySubnet, address_prefixes: [10.0.255.0/27] }
      - { name: dns, address_prefixes: [10.0.2.0/24] }
      - { name: pe, address_prefixes: [10.0.3.0/24] }
virtual_network_gateways: [{ name: gw, vnet: vnet, gateway_type: Vpn }]
local_network_gateways: [{ name: office, address_prefixes: [192.168.0.0/16] }]
connections: [{ name: s2s, connection_type: IPsec, virtual_network_gateway: gw, local_network_gateway: office }]
dns_servers:
  - { name: onprem-dns, address: 192.168.0.53, forwarders: [{ zone: api.azureml.ms, to: [10.0.2.4] }] }
  - { name: vnet-dns, address: 10.0.2.4, forwarders: [{ zone: api.azureml.ms, to: [168.63.129.16] }] }
private_endpoints:
  - { name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace, ip_address: 10.0.3.4,
      dns_zone_group: [privatelink.api.azureml.ms] }
private_dns_zones:
  - { name: privatelink.api.azureml.ms, vnet_links: [vnet] }
"#;

#[test]
fn onprem_site_resolves_through_its_forwarders_and_enters_through_the_gateway() {
    // Facts §2.3: "On-premises DNS forwards to the in-VNet DNS server", which forwards to
    // 168.63.129.16; seed 002: on-premises clients connect over a VPN gateway.
    let t = trace(ONPREM_SITE, "ip:192.168.10.25", "workspace/ws");
    assert_eq!(t.verdict, Verdict::Allowed, "{t:#?}");
    assert!(hop(&t, Code::DnsForward).element.contains("onprem-dns"));
    assert_eq!(hop(&t, Code::OnpremGateway).decision, HopDecision::Pass);
}

#[test]
fn onprem_dns_without_forwarder_answers_publicly() {
    // Facts §2.3: without the conditional forwarder, the on-premises server resolves the
    // workspace name on the internet and gets its public endpoint, which is Disabled.
    let yaml = ONPREM_SITE.replace(
        "{ name: onprem-dns, address: 192.168.0.53, forwarders: [{ zone: api.azureml.ms, to: [10.0.2.4] }] }",
        "{ name: onprem-dns, address: 192.168.0.53 }",
    );
    let t = trace(&yaml, "ip:192.168.10.25", "workspace/ws");
    assert_eq!(t.verdict, Verdict::Denied, "{t:#?}");
    assert_eq!(blocked(&t), Code::RfPublicDisabled);
    assert!(hop(&t, Code::DnsRecursive).element.contains("onprem-dns"));
}

#[test]
fn onprem_site_without_described_dns_is_unknown() {
    // The site's DNS is not in the model: privatelink resolution through it is unknown.
    let yaml = ONPREM_SITE.replace(
        "  - { name: onprem-dns, address: 192.168.0.53, forwarders: [{ zone: api.azureml.ms, to: [10.0.2.4] }] }\n",
        "",
    );
    let t = trace(&yaml, "ip:192.168.10.25", "workspace/ws");
    assert_eq!(t.verdict, Verdict::Unknown, "{t:#?}");
    assert_eq!(blocked(&t), Code::DnsUnknown);
}

/// A workspace sharing to a registry from storage whose firewall rules the input leaves open
/// (a value read from Azure when Terraform plans), with public network access `PNA`.
const SHARE_FROM_OPEN_RULES: &str = r#"
region: eastus
workspaces:
  - { name: ws, storage_account: st, shares_to: [{ registry: contosoreg }] }
registries:
  - { name: contosoreg }
storage_accounts:
  - { name: st, public_network_access: PNA, network_rules: { default_action: Deny } }
virtual_networks:
  - name: vnet
    address_space: [10.0.0.0/16]
    subnets: [{ name: s, address_prefixes: [10.0.1.0/24] }]
unknowns:
  - { resource: storage/st, field: network_rules, reason: "tenant id read from Azure at plan time" }
"#;

#[test]
fn share_from_storage_with_public_access_disabled_is_blocked_whatever_its_rules() {
    // Facts §6 item 89 (seed "Network isolation with registries"): "Sharing an asset from a
    // secure WS whose storage PNA is disabled is blocked". Public access Disabled decides
    // alone: the rules the input leaves open cannot change it.
    let y = SHARE_FROM_OPEN_RULES.replace("PNA", "Disabled");
    let t = trace(&y, "registry/contosoreg", "storage/st:blob");
    assert_eq!(t.verdict, Verdict::Denied, "{t:#?}");
    assert_eq!(blocked(&t), Code::RfPublicDisabled);
    assert!(t.missing.is_empty(), "{:?}", t.missing);
    // A client of the subnet meets the same setting (facts: "Disabled" = all public
    // rejected).
    let t = trace(&y, "subnet/vnet/s", "storage/st:blob");
    assert_eq!(t.verdict, Verdict::Denied, "{t:#?}");
    assert_eq!(blocked(&t), Code::RfPublicDisabled);
}

#[test]
fn share_through_selected_networks_with_open_rules_is_unknown() {
    // Item 89's fix is "Enabled from selected virtual networks and IP addresses" with a
    // resource instance rule naming the registry: whether the open rules hold it is unknown.
    let y = SHARE_FROM_OPEN_RULES.replace("PNA", "Enabled");
    let t = trace(&y, "registry/contosoreg", "storage/st:blob");
    assert_eq!(t.verdict, Verdict::Unknown, "{t:#?}");
    assert!(
        t.missing.iter().any(|m| m.contains("network_rules")),
        "{:?}",
        t.missing
    );
}

/// A subnet whose NSG denies all outbound at priority 150; rule `later` has a destination the
/// input leaves open, at priority `PRIO`.
const NSG_WITH_OPEN_RULE: &str = r#"
region: eastus
virtual_networks:
  - name: vnet
    address_space: [10.0.0.0/16]
    subnets: [{ name: s, address_prefixes: [10.0.1.0/24], network_security_group: n }]
network_security_groups:
  - name: n
    rules:
      - { name: deny-all, priority: 150, direction: Outbound, access: Deny }
      - { name: later, priority: PRIO, direction: Outbound, access: Allow, destination: [20.1.2.0/24] }
unknowns:
  - { resource: nsg/n, field: rules/later, reason: "destination read from a parameter" }
"#;

#[test]
fn an_open_nsg_rule_after_the_deciding_rule_does_not_make_it_unknown() {
    // Network security groups, "Security rules": "Once traffic matches a rule, processing
    // stops." A rule after the one that decides is never reached, whatever its values.
    let t = trace(
        &NSG_WITH_OPEN_RULE.replace("PRIO", "200"),
        "subnet/vnet/s",
        "ip:20.1.2.3",
    );
    assert_eq!(t.verdict, Verdict::Denied, "{t:#?}");
    assert_eq!(blocked(&t), Code::NsgOutboundDeny);
    assert!(t.missing.is_empty(), "{:?}", t.missing);
    // Before it, the open rule may decide first: unknown.
    let t = trace(
        &NSG_WITH_OPEN_RULE.replace("PRIO", "120"),
        "subnet/vnet/s",
        "ip:20.1.2.3",
    );
    assert_eq!(t.verdict, Verdict::Unknown, "{t:#?}");
}

#[test]
fn a_vm_whose_network_interfaces_are_left_open_is_an_unknown_source() {
    // "Unknown is never absent": a VM whose interfaces are a parameter without value sits in
    // a subnet the input does not say; its flows are unknown, not an error and not decided from
    // the interfaces the input does give.
    let yaml = r#"
workspaces: [{ name: ws, public_network_access: Enabled }]
virtual_machines: [{ name: jump, network_interfaces: [] }]
clients: [{ name: analyst, location: vm/jump, operations: [studio.open] }]
virtual_networks:
  - { name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: s, address_prefixes: [10.0.1.0/24] }] }
unknowns:
  - { resource: vm/jump, field: network_interfaces, reason: "parameter `nics` has no value" }
"#;
    for from in ["vm/jump", "client/analyst"] {
        let t = trace(yaml, from, "workspace/ws");
        assert_eq!(t.verdict, Verdict::Unknown, "{from}");
        assert_eq!(blocked(&t), Code::SourceOpen);
        assert!(
            t.missing
                .iter()
                .any(|m| m.contains("network_interfaces of vm/jump")),
            "{:?}",
            t.missing
        );
    }
}

#[test]
fn a_vm_whose_network_interfaces_are_left_open_is_an_unknown_destination() {
    // Facts: Azure Machine Learning reaches an attached VM over SSH at the address of its
    // network interface; with the interfaces a parameter without value, that address, its
    // subnet and the NSGs on the way are unknown: the flow is unknown, not an error.
    let yaml = r#"
workspaces: [{ name: ws }]
virtual_machines: [{ name: dsvm, network_interfaces: [], attached_to: ws }]
virtual_networks:
  - { name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: s, address_prefixes: [10.0.1.0/24] }] }
unknowns:
  - { resource: vm/dsvm, field: network_interfaces, reason: "parameter `nics` has no value" }
"#;
    let t = trace(yaml, "tag:AzureMachineLearning", "vm/dsvm");
    assert_eq!(t.verdict, Verdict::Unknown);
    assert_eq!(blocked(&t), Code::DestOpen);
    assert!(
        t.missing
            .iter()
            .any(|m| m.contains("network_interfaces of vm/dsvm")),
        "{:?}",
        t.missing
    );
}
