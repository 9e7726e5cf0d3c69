//! Endpoints without a static address. The documents: "Dynamic: Azure assigns the next
//! available unassigned or unreserved IP address in the subnet's address range." (Microsoft
//! Learn, "Configure virtual networks", private IP address assignment). Which address is next
//! depends on what already holds addresses in the subnet and on the order resources are
//! deployed in, neither of which a template gives: the address is one of the subnet's free
//! addresses. A decision that holds for all of them is decided; one that does not names the
//! address as what is missing.

use moat_engine::{Code, Engine, Query, Trace, Verdict};
use moat_model::Address;
use moat_packets::Protocol;

/// A compute in `training` reaching the workspace through private endpoint `ws-pe` in `pe`
/// (10.0.3.0/24), whose NSG applies to endpoints. `{ws_ip}` is the endpoint's address field,
/// `{rules}` the NSG's inbound rules, `{more}` other endpoints of the subnet.
const BASE: &str = r#"
region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled, workspace_id: 11111111-2222-3333-4444-555555555555 }
computes:
  - { name: cpu, workspace: ws, type: AmlCompute, subnet: vnet/training }
virtual_networks:
  - name: vnet
    address_space: [10.0.0.0/16]
    subnets:
      - { name: training, address_prefixes: [10.0.1.0/24], route_table: rt }
      - { name: pe, address_prefixes: [10.0.3.0/24], network_security_group: pe-nsg,
          private_endpoint_network_policies: Enabled }
route_tables:
  - name: rt
    routes: [{ROUTES}]
network_security_groups:
  - name: pe-nsg
    rules: [{RULES}]
private_endpoints:
  - { name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace,{WS_IP}
      dns_zone_group: [privatelink.api.azureml.ms] }{MORE}
storage_accounts: [{ name: st }]
private_dns_zones:
  - { name: privatelink.api.azureml.ms, vnet_links: [vnet] }
"#;

/// The address the first endpoint of 10.0.3.0/24 gets when it is deployed into an empty
/// subnet: the first after the four Azure reserves.
const FIRST: &str = "10.0.3.4";

fn topology(ws_ip: &str, rules: &str, routes: &str, more: &str) -> String {
    BASE.replace("{WS_IP}", ws_ip)
        .replace("{RULES}", rules)
        .replace("{ROUTES}", routes)
        .replace("{MORE}", more)
}

fn trace(yaml: &str) -> Trace {
    let t = match moat_ingest::parse_native_str("t.yaml", yaml) {
        Ok(t) => t,
        Err(d) => panic!("bad test topology: {d:#?}"),
    };
    let e = Engine::for_topology(&t, None).unwrap();
    let q = Query {
        from: "compute/cpu".parse::<Address>().unwrap(),
        to: "workspace/ws".parse::<Address>().unwrap(),
        protocol: Protocol::TCP,
        port: 443,
    };
    moat_engine::trace::trace(&e, &q).unwrap()
}

fn deny_first() -> String {
    format!(
        "{{ name: deny-one, priority: 100, direction: Inbound, access: Deny, protocol: Tcp, source: '*', destination: {FIRST}/32, destination_ports: '443' }}"
    )
}

fn blocked(t: &Trace) -> Code {
    t.blocked_by().map(|h| h.code).expect("a stopping hop")
}

#[test]
fn a_rule_on_one_address_of_the_subnet_leaves_the_endpoint_undecided() {
    // Deployed into an empty subnet the endpoint gets 10.0.3.4 and the rule denies the flow;
    // deployed after another resource took 10.0.3.4, it gets another address and passes.
    let t = trace(&topology("", &deny_first(), "", ""));
    assert_eq!(t.verdict, Verdict::Unknown, "{t:#?}");
    assert_eq!(blocked(&t), Code::NsgUndecided);
    assert!(
        t.missing
            .iter()
            .any(|m| m.contains("the address Azure assigns private endpoint ws-pe")),
        "{:?}",
        t.missing
    );
}

#[test]
fn an_allow_on_one_address_before_a_deny_leaves_it_undecided() {
    // Allowed only if the endpoint gets 10.0.3.4, which nothing in the input ensures.
    let rules = format!(
        "{{ name: allow-one, priority: 100, direction: Inbound, access: Allow, protocol: Tcp, source: '*', destination: {FIRST}/32, destination_ports: '443' }}, \
         {{ name: deny-rest, priority: 200, direction: Inbound, access: Deny, protocol: '*', source: '*', destination: '*', destination_ports: '*' }}"
    );
    let t = trace(&topology("", &rules, "", ""));
    assert_eq!(t.verdict, Verdict::Unknown, "{t:#?}");
    assert_eq!(blocked(&t), Code::NsgUndecided);
}

#[test]
fn a_rule_on_the_subnet_prefix_decides_whatever_the_address() {
    let rules = "{ name: deny-pe, priority: 100, direction: Inbound, access: Deny, protocol: Tcp, source: '*', destination: 10.0.3.0/24, destination_ports: '443' }";
    let t = trace(&topology("", rules, "", ""));
    assert_eq!(t.verdict, Verdict::Denied, "{t:#?}");
    assert_eq!(blocked(&t), Code::NsgInboundDeny);
    let rules = "{ name: allow-vnet, priority: 100, direction: Inbound, access: Allow, protocol: Tcp, source: VirtualNetwork, destination: VirtualNetwork, destination_ports: '443' }";
    let t = trace(&topology("", rules, "", ""));
    assert_eq!(t.verdict, Verdict::Allowed, "{t:#?}");
}

#[test]
fn a_static_address_stays_exact() {
    let ip = format!(" ip_address: {FIRST},");
    let t = trace(&topology(&ip, &deny_first(), "", ""));
    assert_eq!(t.verdict, Verdict::Denied, "{t:#?}");
    assert_eq!(blocked(&t), Code::NsgInboundDeny);
}

#[test]
fn another_endpoints_static_address_is_never_assigned() {
    // "Static: You select and assign any unassigned or unreserved IP address": the address
    // another endpoint holds is not among those Azure may assign, so the rule on it never
    // applies to ws-pe.
    let more = format!(
        "\n  - {{ name: st-pe, subnet: vnet/pe, target: storage/st, group_id: blob, ip_address: {FIRST} }}"
    );
    let t = trace(&topology("", &deny_first(), "", &more));
    assert_eq!(t.verdict, Verdict::Allowed, "{t:#?}");
}

#[test]
fn a_route_for_one_address_of_the_subnet_leaves_the_path_undecided() {
    let routes = format!("{{ name: drop-one, address_prefix: {FIRST}/32, next_hop_type: None }}");
    let t = trace(&topology("", "", &routes, ""));
    assert_eq!(t.verdict, Verdict::Unknown, "{t:#?}");
    assert_eq!(blocked(&t), Code::RouteUndecided);
    let ip = format!(" ip_address: {FIRST},");
    let t = trace(&topology(&ip, "", &routes, ""));
    assert_eq!(t.verdict, Verdict::Denied, "{t:#?}");
}

#[test]
fn the_destination_address_is_never_one_picked_from_the_subnet() {
    let t = trace(&topology("", "", "", ""));
    assert_eq!(t.verdict, Verdict::Allowed, "{t:#?}");
    let text = format!("{t:?}");
    assert!(!text.contains(FIRST), "{text}");
    let h = t
        .hops
        .iter()
        .find(|h| h.code == Code::DestAddress)
        .expect("a destination address hop");
    assert!(
        h.detail.contains("an address of 10.0.3.0/24"),
        "{}",
        h.detail
    );
}

#[test]
fn a_record_naming_a_free_address_may_be_the_endpoints() {
    // A hand-written record that points at 10.0.3.4 while ws-pe has no static address: the
    // record is the endpoint's only if Azure gives it that address.
    let yaml = topology("", "", "", "").replace(
        "  - { name: privatelink.api.azureml.ms, vnet_links: [vnet] }",
        "  - { name: privatelink.api.azureml.ms, vnet_links: [vnet] }\n  - name: contoso.internal\n    vnet_links: [vnet]\n    records: [{ name: api, type: A, values: [10.0.3.4] }]",
    );
    let t = moat_ingest::parse_native_str("t.yaml", &yaml).unwrap();
    let e = Engine::for_topology(&t, None).unwrap();
    let q = Query {
        from: "compute/cpu".parse::<Address>().unwrap(),
        to: "fqdn:api.contoso.internal".parse::<Address>().unwrap(),
        protocol: Protocol::TCP,
        port: 443,
    };
    let t = moat_engine::trace::trace(&e, &q).unwrap();
    assert_eq!(t.verdict, Verdict::Unknown, "{t:#?}");
    assert_eq!(blocked(&t), Code::DestMayBeAssigned);
}

#[test]
fn a_subnet_without_a_free_address_for_each_endpoint_is_full() {
    // A /29 holds eight addresses, five of them reserved: three endpoints fit, not four.
    let pe = |i: u32| {
        format!("\n  - {{ name: pe{i}, subnet: vnet/small, target: storage/st, group_id: blob }}")
    };
    let small = |n: u32| {
        topology("", "", "", &(0..n).map(pe).collect::<String>()).replace(
            "      - { name: training,",
            "      - { name: small, address_prefixes: [10.0.4.0/29] }\n      - { name: training,",
        )
    };
    assert!(moat_ingest::parse_native_str("t.yaml", &small(3)).is_ok());
    let err = moat_ingest::parse_native_str("t.yaml", &small(4)).expect_err("subnet full");
    let text = format!("{err:?}");
    assert!(text.contains("subnet-full"), "{text}");
    assert!(
        text.contains("3 free address(es) for the 4 endpoints"),
        "{text}"
    );
}

/// The compute's VNet uses a DNS server at 10.0.2.4, where a private resolver's inbound
/// endpoint sits (`{IP}`: its address field).
const RESOLVER: &str = r#"
region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled, workspace_id: 11111111-2222-3333-4444-555555555555 }
computes:
  - { name: cpu, workspace: ws, type: AmlCompute, subnet: vnet/training }
virtual_networks:
  - name: vnet
    address_space: [10.0.0.0/16]
    dns_servers: [10.0.2.4]
    subnets:
      - { name: training, address_prefixes: [10.0.1.0/24] }
      - { name: dns-inbound, address_prefixes: [10.0.2.0/28], delegations: [Microsoft.Network/dnsResolvers] }
      - { name: pe, address_prefixes: [10.0.3.0/24] }
dns_resolvers:
  - name: resolver
    vnet: vnet
    inbound_endpoints:
      - { name: inbound, subnet: vnet/dns-inbound{IP} }
private_endpoints:
  - { name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace, ip_address: 10.0.3.4,
      dns_zone_group: [privatelink.api.azureml.ms] }
private_dns_zones:
  - { name: privatelink.api.azureml.ms, vnet_links: [vnet] }
"#;

#[test]
fn a_dns_server_address_is_a_resolver_only_if_azure_gives_it_that_address() {
    let t = trace(&RESOLVER.replace("{IP}", ", ip_address: 10.0.2.4"));
    assert_eq!(t.verdict, Verdict::Allowed, "{t:#?}");
    assert!(t.hops.iter().any(|h| h.code == Code::DnsResolverInbound));
    // Without a static address, 10.0.2.4 is the endpoint's only if Azure gives it that one.
    let t = trace(&RESOLVER.replace("{IP}", ""));
    assert_eq!(t.verdict, Verdict::Unknown, "{t:#?}");
    assert_eq!(blocked(&t), Code::DnsUnknown);
    assert!(
        t.missing
            .iter()
            .any(|m| m.contains("inbound endpoint inbound of DNS resolver resolver")),
        "{:?}",
        t.missing
    );
}

/// Two VMs in one subnet, neither with a static address; only the jump box's NIC is in the
/// application security group the endpoint subnet's NSG admits.
const ASG: &str = r#"
region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled, workspace_id: 11111111-2222-3333-4444-555555555555 }
virtual_networks:
  - name: vnet
    address_space: [10.0.0.0/16]
    subnets:
      - { name: clients, address_prefixes: [10.0.5.0/24], network_security_group: clients-nsg }
      - { name: pe, address_prefixes: [10.0.3.0/24], network_security_group: pe-nsg,
          private_endpoint_network_policies: Enabled }
application_security_groups: [{ name: admins }]
network_security_groups:
  - name: clients-nsg
    rules:
      - { name: to-admins, priority: 100, direction: Inbound, access: Allow, protocol: Tcp,
          source: '*', destination_asgs: [admins], destination_ports: '443' }
      - { name: deny-rest, priority: 200, direction: Inbound, access: Deny, protocol: '*',
          source: '*', destination: '*', destination_ports: '*' }
  - name: pe-nsg
    rules:
      - { name: admins-in, priority: 100, direction: Inbound, access: Allow, protocol: Tcp,
          source_asgs: [admins], destination: '*', destination_ports: '443' }
      - { name: deny-rest, priority: 200, direction: Inbound, access: Deny, protocol: '*',
          source: '*', destination: '*', destination_ports: '*' }
virtual_machines:
  - { name: jumpbox, network_interfaces: [jumpbox-nic] }
  - { name: other, network_interfaces: [other-nic] }
network_interfaces:
  - { name: jumpbox-nic, subnet: vnet/clients, application_security_groups: [admins] }
  - { name: other-nic, subnet: vnet/clients }
private_endpoints:
  - { name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace,
      dns_zone_group: [privatelink.api.azureml.ms] }
private_dns_zones:
  - { name: privatelink.api.azureml.ms, vnet_links: [vnet] }
"#;

#[test]
fn a_nic_is_in_its_application_security_groups_whatever_address_it_gets() {
    // "Application security groups enable you to configure network security as a natural
    // extension of an application's structure, allowing you to group virtual machines and
    // define network security policies based on those groups": membership is the NIC's, so
    // an address Azure assigns, shared as a possibility with every endpoint of the subnet,
    // does not blur who is in the group.
    let t = moat_ingest::parse_native_str("t.yaml", ASG).unwrap();
    let e = Engine::for_topology(&t, None).unwrap();
    let run_to = |from: &str, to: &str| {
        let q = Query {
            from: from.parse::<Address>().unwrap(),
            to: to.parse::<Address>().unwrap(),
            protocol: Protocol::TCP,
            port: 443,
        };
        moat_engine::trace::trace(&e, &q).unwrap()
    };
    let run = |from: &str| run_to(from, "workspace/ws");
    let member = run("vm/jumpbox");
    assert_eq!(member.verdict, Verdict::Allowed, "{member:#?}");
    let outsider = run("vm/other");
    assert_eq!(outsider.verdict, Verdict::Denied, "{outsider:#?}");
    assert_eq!(blocked(&outsider), Code::NsgInboundDeny);
    // At the destination too: both NICs may have any free address of the subnet.
    let to_member = run_to("vm/other", "vm/jumpbox");
    assert_eq!(to_member.verdict, Verdict::Allowed, "{to_member:#?}");
    let to_outsider = run_to("vm/jumpbox", "vm/other");
    assert_eq!(to_outsider.verdict, Verdict::Denied, "{to_outsider:#?}");
}

/// A compute's nodes get their addresses as endpoints without a static one do: a flow to a
/// node of `cpu` is to one of the free addresses of `training`, whose NSG has `{RULES}`.
const NODES: &str = r#"
region: eastus
workspaces:
  - { name: ws }
computes:
  - { name: cpu, workspace: ws, type: AmlCompute, subnet: vnet/training }
virtual_networks:
  - name: vnet
    address_space: [10.0.0.0/16]
    subnets:
      - { name: clients, address_prefixes: [10.0.5.0/24] }
      - { name: training, address_prefixes: [10.0.1.0/24], network_security_group: training-nsg }
network_security_groups:
  - name: training-nsg
    rules: [{RULES}]
"#;

#[test]
fn a_node_of_a_compute_is_at_any_free_address_of_its_subnet() {
    let run = |rules: &str| {
        let t = moat_ingest::parse_native_str("t.yaml", &NODES.replace("{RULES}", rules)).unwrap();
        let e = Engine::for_topology(&t, None).unwrap();
        let q = Query {
            from: "subnet/vnet/clients".parse::<Address>().unwrap(),
            to: "compute/cpu".parse::<Address>().unwrap(),
            protocol: Protocol::TCP,
            port: 443,
        };
        moat_engine::trace::trace(&e, &q).unwrap()
    };
    let one = run(
        "{ name: deny-one, priority: 100, direction: Inbound, access: Deny, protocol: Tcp, source: '*', destination: 10.0.1.4/32, destination_ports: '443' }",
    );
    assert_eq!(one.verdict, Verdict::Unknown, "{one:#?}");
    assert_eq!(blocked(&one), Code::NsgUndecided);
    let all = run(
        "{ name: deny-all, priority: 100, direction: Inbound, access: Deny, protocol: Tcp, source: '*', destination: 10.0.1.0/24, destination_ports: '443' }",
    );
    assert_eq!(all.verdict, Verdict::Denied, "{all:#?}");
    assert!(
        all.fix
            .as_deref()
            .is_some_and(|f| f.contains("to 10.0.1.0/24")),
        "{:?}",
        all.fix
    );
    assert_eq!(run("").verdict, Verdict::Allowed);
}
