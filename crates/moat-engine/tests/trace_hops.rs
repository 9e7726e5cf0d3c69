//! Each hop of the path engine, stating the Azure behaviour it models (seed or doc cited).

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

fn blocked(t: &Trace) -> Code {
    t.blocked_by()
        .map(|h| h.code)
        .expect("the trace stops at a hop")
}

/// A workspace behind a private endpoint, a VNet with a client VM, zones linked.
const BASE: &str = r#"
region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled, storage_account: st }
storage_accounts:
  - { name: st, public_network_access: Disabled }
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
  - { name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace, ip_address: 10.0.3.4,
      dns_zone_group: [privatelink.api.azureml.ms] }
  - { name: st-pe, subnet: vnet/pe, target: storage/st, group_id: blob, ip_address: 10.0.3.5,
      dns_zone_group: [privatelink.blob.core.windows.net] }
private_dns_zones:
  - { name: privatelink.api.azureml.ms, vnet_links: [vnet] }
  - { name: privatelink.blob.core.windows.net, vnet_links: [vnet] }
"#;

#[test]
fn private_endpoint_with_linked_zone_is_reached_privately() {
    // Seed 003: a linked privatelink.api.azureml.ms zone answers the workspace name with the
    // endpoint's address; the trace shows the CNAME chain.
    let t = trace(BASE, "vm/jumpbox", "workspace/ws");
    assert_eq!(t.verdict, Verdict::Allowed, "{t:#?}");
    let codes: Vec<Code> = t.hops.iter().map(|h| h.code).collect();
    assert!(
        codes.contains(&Code::DnsCnamePrivatelink)
            && codes.contains(&Code::DnsPrivateZone)
            && codes.contains(&Code::PeApproved),
        "{codes:?}"
    );
}

#[test]
fn unlinked_zone_sends_clients_to_the_public_endpoint_which_is_disabled() {
    // Facts §2.3: private zone records are only returned to VNets linked to the zone; the public
    // answer leads to a workspace whose public network access is Disabled.
    let yaml = BASE.replace(
        "{ name: privatelink.api.azureml.ms, vnet_links: [vnet] }",
        "{ name: privatelink.api.azureml.ms }",
    );
    let t = trace(&yaml, "vm/jumpbox", "workspace/ws");
    assert_eq!(t.verdict, Verdict::Denied);
    assert_eq!(blocked(&t), Code::RfPublicDisabled);
}

#[test]
fn linked_zone_without_record_is_nxdomain() {
    // A linked privatelink zone without the endpoint's record answers NXDOMAIN (facts §6.102).
    let yaml = BASE.replace(
        "dns_zone_group: [privatelink.api.azureml.ms] }",
        "dns_zone_group: [] }",
    );
    let t = trace(&yaml, "vm/jumpbox", "workspace/ws");
    assert_eq!(t.verdict, Verdict::Denied);
    assert_eq!(blocked(&t), Code::DnsNxdomain);
    assert!(
        t.fix
            .as_deref()
            .unwrap()
            .contains("privatelink.api.azureml.ms")
    );
}

#[test]
fn pending_connection_blocks() {
    // Seed 003: only an approved private endpoint connection carries traffic.
    let yaml = BASE.replace(
        "ip_address: 10.0.3.4,",
        "ip_address: 10.0.3.4, connection_state: Pending,",
    );
    let t = trace(&yaml, "vm/jumpbox", "workspace/ws");
    assert_eq!(blocked(&t), Code::PeNotApproved);
}

#[test]
fn nsg_deny_names_the_rule_and_the_fix() {
    let yaml = format!(
        "{BASE}network_security_groups:\n  - name: nsg\n    rules:\n      - {{ name: NoPE, priority: 200, direction: Outbound, access: Deny, destination: 10.0.3.0/24 }}\n"
    )
    .replace("{ name: clients, address_prefixes: [10.0.1.0/24] }", "{ name: clients, address_prefixes: [10.0.1.0/24], network_security_group: nsg }");
    let t = trace(&yaml, "vm/jumpbox", "workspace/ws");
    assert_eq!(t.verdict, Verdict::Denied);
    assert_eq!(blocked(&t), Code::NsgOutboundDeny);
    let b = t.blocked_by().unwrap().clone();
    assert!(
        b.detail.contains("rule NoPE (priority 200)"),
        "{}",
        b.detail
    );
    assert!(b.at.is_some(), "the blocking rule points into the file");
    assert!(t.fix.unwrap().contains("priority below 200"));
}

#[test]
fn endpoint_subnet_nsg_applies_only_with_network_policies() {
    // Facts §1.9 / issue: NSGs on a private endpoint's subnet apply only when private endpoint
    // network policies are enabled.
    let nsg = "network_security_groups:\n  - name: pe-nsg\n    rules:\n      - { name: DenyIn, priority: 100, direction: Inbound, access: Deny }\n";
    let off = format!("{BASE}{nsg}").replace(
        "{ name: pe, address_prefixes: [10.0.3.0/24] }",
        "{ name: pe, address_prefixes: [10.0.3.0/24], network_security_group: pe-nsg }",
    );
    assert_eq!(
        trace(&off, "vm/jumpbox", "workspace/ws").verdict,
        Verdict::Allowed
    );
    let on = off.replace(
        "network_security_group: pe-nsg }",
        "network_security_group: pe-nsg, private_endpoint_network_policies: Enabled }",
    );
    let t = trace(&on, "vm/jumpbox", "workspace/ws");
    assert_eq!(blocked(&t), Code::NsgInboundDeny);
}

#[test]
fn peering_is_not_transitive() {
    // Seed 004 / issue: traffic crosses one peering, never two.
    let yaml = r#"
region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled }
virtual_networks:
  - name: a
    address_space: [10.1.0.0/16]
    subnets: [{ name: s, address_prefixes: [10.1.0.0/24] }]
    peerings: [{ remote_vnet: hub }]
  - name: hub
    address_space: [10.0.0.0/16]
    subnets: [{ name: s, address_prefixes: [10.0.0.0/24] }]
    peerings: [{ remote_vnet: a }, { remote_vnet: b }]
  - name: b
    address_space: [10.2.0.0/16]
    subnets: [{ name: pe, address_prefixes: [10.2.0.0/24] }]
    peerings: [{ remote_vnet: hub }]
private_endpoints:
  - { name: ws-pe, subnet: b/pe, target: workspace/ws, group_id: amlworkspace, ip_address: 10.2.0.4 }
"#;
    let t = trace(yaml, "subnet/hub/s", "ip:10.2.0.4");
    assert_eq!(t.verdict, Verdict::Allowed, "one peering: {t:#?}");
    let t = trace(yaml, "subnet/a/s", "ip:10.2.0.4");
    assert_eq!(t.verdict, Verdict::Denied);
    assert_eq!(blocked(&t), Code::PeeringNotTransitive);
    assert!(t.fix.unwrap().contains("firewall in the hub"));
}

#[test]
fn private_subnet_has_no_internet() {
    // Facts §3.4: no-public-IP compute has no internet without NAT or a firewall.
    let yaml = r#"
region: eastus
virtual_networks:
  - name: v
    address_space: [10.0.0.0/16]
    subnets: [{ name: s, address_prefixes: [10.0.0.0/24], default_outbound_access: false }]
"#;
    let t = trace(yaml, "subnet/v/s", "fqdn:pypi.org");
    assert_eq!(blocked(&t), Code::EgressNone);
    let nat = yaml.replace(
        "default_outbound_access: false }",
        "default_outbound_access: false, nat_gateway: nat }",
    ) + "nat_gateways: [{ name: nat, public_ips: [pip] }]\npublic_ips: [{ name: pip, ip_address: 20.1.2.3 }]\n";
    let t = trace(&nat, "subnet/v/s", "fqdn:pypi.org");
    assert_eq!(t.verdict, Verdict::Allowed);
    assert!(t.hops.iter().any(|h| h.detail.contains("20.1.2.3")));
}

#[test]
fn storage_ip_rules_see_the_nat_address() {
    // IP rules are checked against the source's public (SNAT) address, for a storage account
    // in another region (in its own region they do not apply, below).
    let yaml = r#"
region: eastus
storage_accounts:
  - name: st
    region: westus
    network_rules: { default_action: Deny, ip_rules: [20.1.2.3] }
virtual_networks:
  - name: v
    address_space: [10.0.0.0/16]
    subnets: [{ name: s, address_prefixes: [10.0.0.0/24], nat_gateway: nat }]
nat_gateways: [{ name: nat, public_ips: [pip] }]
public_ips: [{ name: pip, ip_address: 20.1.2.3 }]
"#;
    assert_eq!(
        trace(yaml, "subnet/v/s", "storage/st").verdict,
        Verdict::Allowed
    );
    let other = yaml.replace("ip_rules: [20.1.2.3]", "ip_rules: [20.9.9.9]");
    let t = trace(&other, "subnet/v/s", "storage/st");
    assert_eq!(blocked(&t), Code::RfIpNotAllowed);
    let unknown_ip = yaml.replace("ip_address: 20.1.2.3 }", "}");
    let t = trace(&unknown_ip, "subnet/v/s", "storage/st");
    assert_eq!(
        t.verdict,
        Verdict::Unknown,
        "an address assigned at deployment cannot be checked"
    );
    assert!(!t.missing.is_empty());
    // Azure Storage network security limitations: "IP network rules have no effect on
    // requests that originate from the same Azure region as the storage account" (§6.35).
    let same_region = yaml.replace("    region: westus\n", "");
    let t = trace(&same_region, "subnet/v/s", "storage/st");
    assert_eq!(blocked(&t), Code::RfSameRegion);
}

#[test]
fn service_endpoint_and_vnet_rule() {
    // VNet rules admit a subnet that reaches storage through its service endpoint.
    let yaml = r#"
region: eastus
storage_accounts:
  - name: st
    network_rules: { default_action: Deny, virtual_network_rules: [v/s] }
virtual_networks:
  - name: v
    address_space: [10.0.0.0/16]
    subnets: [{ name: s, address_prefixes: [10.0.0.0/24], service_endpoints: [Microsoft.Storage] }, { name: o, address_prefixes: [10.0.1.0/24], service_endpoints: [Microsoft.Storage] }]
"#;
    let t = trace(yaml, "subnet/v/s", "storage/st");
    assert_eq!(t.verdict, Verdict::Allowed, "{t:#?}");
    assert!(t.hops.iter().any(|h| h.code == Code::RouteServiceEndpoint));
    assert!(t.hops.iter().any(|h| h.code == Code::RfVnetRule));
    let t = trace(yaml, "subnet/v/o", "storage/st");
    assert_eq!(blocked(&t), Code::RfNoVnetRule);
}

#[test]
fn resource_instance_rule_admits_the_registry_back_end() {
    // Seed 000: sharing to a registry needs a resource instance rule naming the registry.
    let yaml = r#"
region: eastus
registries: [{ name: contosoreg }]
storage_accounts:
  - name: st
    network_rules:
      default_action: Deny
      bypass: [None]
      resource_access_rules: [{ resource_type: Microsoft.MachineLearningServices/registries, name: contosoreg }]
  - name: other
    network_rules: { default_action: Deny, bypass: [None] }
"#;
    assert_eq!(
        trace(yaml, "registry/contosoreg", "storage/st").verdict,
        Verdict::Allowed
    );
    let t = trace(yaml, "registry/contosoreg", "storage/other");
    assert_eq!(blocked(&t), Code::RfServiceDenied);
}

#[test]
fn custom_dns_without_forwarder_resolves_publicly() {
    // Seed 004 / facts §2.3: a custom DNS server must forward privatelink zones to Azure DNS.
    let yaml = format!("{BASE}dns_servers:\n  - {{ name: dns, address: 10.0.1.10 }}\n").replace(
        "    address_space: [10.0.0.0/16]\n",
        "    address_space: [10.0.0.0/16]\n    dns_servers: [10.0.1.10]\n",
    );
    let t = trace(&yaml, "vm/jumpbox", "workspace/ws");
    assert_eq!(t.verdict, Verdict::Denied);
    assert!(t.hops.iter().any(|h| h.code == Code::DnsRecursive));
    assert_eq!(blocked(&t), Code::RfPublicDisabled);
    let fwd = yaml.replace("{ name: dns, address: 10.0.1.10 }", "{ name: dns, address: 10.0.1.10, forwarders: [{ zone: api.azureml.ms, to: [168.63.129.16] }] }");
    assert_eq!(
        trace(&fwd, "vm/jumpbox", "workspace/ws").verdict,
        Verdict::Allowed
    );
}

#[test]
fn undescribed_dns_server_is_unknown_not_allowed() {
    // a DNS server whose forwarding is not described makes the answer unknown.
    let yaml = BASE.replace(
        "    address_space: [10.0.0.0/16]\n",
        "    address_space: [10.0.0.0/16]\n    dns_servers: [10.0.1.99]\n",
    );
    let t = trace(&yaml, "vm/jumpbox", "workspace/ws");
    assert_eq!(t.verdict, Verdict::Unknown);
    assert_eq!(blocked(&t), Code::DnsUnknown);
    assert!(t.missing[0].contains("10.0.1.99"));
}

#[test]
fn firewall_application_rules_and_implicit_deny() {
    // Facts §1.9 and Azure Firewall rule processing: network rules, then application rules by
    // FQDN, then deny.
    let yaml = r#"
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
firewalls:
  - name: fw
    vnet: hub
    private_ip_address: 10.100.0.4
    public_ips: [fw-pip]
    application_rule_collections:
      - name: pkgs
        priority: 100
        action: Allow
        rules: [{ name: pypi, source_addresses: [10.0.0.0/16], protocols: ["Https:443"], target_fqdns: [pypi.org, "*.pythonhosted.org"] }]
public_ips: [{ name: fw-pip, ip_address: 20.5.5.5 }]
"#;
    let t = trace(yaml, "subnet/spoke/s", "fqdn:files.pythonhosted.org");
    assert_eq!(t.verdict, Verdict::Allowed, "{t:#?}");
    assert!(t.hops.iter().any(|h| h.code == Code::FwApplicationAllow));
    assert!(
        t.hops.iter().any(|h| h.detail.contains("20.5.5.5")),
        "SNAT to the firewall's public IP"
    );
    let t = trace(yaml, "subnet/spoke/s", "fqdn:github.com");
    assert_eq!(blocked(&t), Code::FwImplicitDeny);
    assert!(t.fix.unwrap().contains("application rule for github.com"));
}

#[test]
fn public_cidr_rules_are_unknown_against_symbolic_service_endpoints() {
    // without the service tags file, a rule written with a public CIDR
    // cannot be compared with a storage account's address: unknown, never a guessed allow.
    let yaml = r#"
region: eastus
storage_accounts: [{ name: st }]
virtual_networks:
  - name: v
    address_space: [10.0.0.0/16]
    subnets: [{ name: s, address_prefixes: [10.0.0.0/24], network_security_group: nsg }]
network_security_groups:
  - name: nsg
    rules:
      - { name: DenySome, priority: 100, direction: Outbound, access: Deny, destination: 20.0.0.0/8 }
"#;
    let t = trace(yaml, "subnet/v/s", "storage/st");
    assert_eq!(t.verdict, Verdict::Unknown, "{t:#?}");
    assert_eq!(blocked(&t), Code::NsgUndecided);
    assert!(t.missing[0].contains("--service-tags"));
}

#[test]
fn managed_network_approved_outbound() {
    // Seed 004 / facts §5: AllowOnlyApprovedOutbound permits required rules and user rules only.
    let yaml = r#"
region: eastus
workspaces:
  - name: ws
    storage_account: st
    managed_network:
      isolation_mode: AllowOnlyApprovedOutbound
      outbound_rules:
        - { name: pypi, type: FQDN, destination: pypi.org }
computes:
  - { name: cpu-cluster, workspace: ws, type: AmlCompute, enable_node_public_ip: false }
storage_accounts: [{ name: st, public_network_access: Disabled }]
"#;
    assert_eq!(
        trace(yaml, "compute/cpu-cluster", "fqdn:pypi.org").verdict,
        Verdict::Allowed
    );
    assert_eq!(
        blocked(&trace(yaml, "compute/cpu-cluster", "fqdn:github.com")),
        Code::MvnNotApproved
    );
    let t = trace(yaml, "compute/cpu-cluster", "storage/st");
    assert_eq!(
        t.verdict,
        Verdict::Allowed,
        "required private endpoint rule to the default storage: {t:#?}"
    );
    assert!(t.hops.iter().any(|h| h.code == Code::MvnPrivateEndpoint));
    assert_eq!(
        trace_with(
            yaml,
            "compute/cpu-cluster",
            "tag:AzureMachineLearning",
            Protocol::UDP,
            5831
        )
        .verdict,
        Verdict::Allowed
    );
    let internet = yaml.replace("AllowOnlyApprovedOutbound", "AllowInternetOutbound");
    assert_eq!(
        trace(&internet, "compute/cpu-cluster", "fqdn:github.com").verdict,
        Verdict::Allowed
    );
}

#[test]
fn no_hop_is_decided_without_a_path() {
    // never "allowed" without a complete path — every allowed trace ends in a
    // destination, private endpoint, resource firewall or managed-network hop that passed.
    for (from, to) in [("vm/jumpbox", "workspace/ws"), ("vm/jumpbox", "storage/st")] {
        let t = trace(BASE, from, to);
        assert_eq!(t.verdict, Verdict::Allowed);
        assert!(
            t.hops
                .iter()
                .all(|h| h.decision != HopDecision::Block && h.decision != HopDecision::Unknown)
        );
        let last = t.hops.last().unwrap();
        assert!(
            matches!(
                last.step,
                Step::PrivateEndpoint
                    | Step::Destination
                    | Step::ResourceFirewall
                    | Step::ManagedNetwork
            ),
            "{last:?}"
        );
    }
}

#[test]
fn gateway_transit_brings_on_premises_into_a_spoke() {
    // seed 002: on-premises clients reach a spoke through the hub's VPN
    // gateway only when the spoke uses the remote gateway and the hub allows transit.
    let yaml = r#"
region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled }
virtual_networks:
  - name: hub
    address_space: [10.100.0.0/16]
    subnets: [{ name: GatewaySubnet, address_prefixes: [10.100.255.0/27] }]
    peerings: [{ remote_vnet: spoke, allow_gateway_transit: true }]
  - name: spoke
    address_space: [10.0.0.0/16]
    subnets: [{ name: pe, address_prefixes: [10.0.3.0/24] }]
    peerings: [{ remote_vnet: hub, use_remote_gateways: true }]
virtual_network_gateways: [{ name: gw, vnet: hub, gateway_type: Vpn }]
local_network_gateways: [{ name: office, address_prefixes: [192.168.0.0/16] }]
connections: [{ name: s2s, connection_type: IPsec, virtual_network_gateway: gw, local_network_gateway: office }]
private_endpoints:
  - { name: ws-pe, subnet: spoke/pe, target: workspace/ws, group_id: amlworkspace, ip_address: 10.0.3.4 }
"#;
    let t = trace(yaml, "ip:192.168.1.10", "ip:10.0.3.4");
    assert_eq!(t.verdict, Verdict::Allowed, "{t:#?}");
    assert!(t.hops.iter().any(|h| h.code == Code::OnpremTransit));
    let no_transit = yaml.replace("use_remote_gateways: true", "use_remote_gateways: false");
    assert_eq!(
        blocked(&trace(&no_transit, "ip:192.168.1.10", "ip:10.0.3.4")),
        Code::OnpremNoTransit
    );
}

#[test]
fn legacy_deployment_egress() {
    // Facts §8 (legacy isolation): with egress disabled a deployment reaches only the
    // workspace's associated resources; with egress enabled, only public ones.
    let yaml = r#"
region: eastus
workspaces:
  - { name: ws, storage_account: st }
storage_accounts: [{ name: st }, { name: other }]
online_endpoints:
  - name: score
    workspace: ws
    deployments: [{ name: blue, egress_public_network_access: Disabled }]
"#;
    assert_eq!(
        trace(yaml, "online-endpoint/score", "storage/st").verdict,
        Verdict::Allowed
    );
    assert_eq!(
        blocked(&trace(yaml, "online-endpoint/score", "storage/other")),
        Code::LegacyNotAssociated
    );
}

#[test]
fn infrastructure_sources_reach_computes_through_inbound_rules() {
    // Seed 002: a no-public-IP compute needs AzureLoadBalancer -> VirtualNetwork on 44224.
    let yaml = r#"
region: eastus
workspaces: [{ name: ws }]
computes:
  - { name: cpu, workspace: ws, type: AmlCompute, subnet: v/s, enable_node_public_ip: false }
virtual_networks:
  - name: v
    address_space: [10.0.0.0/16]
    subnets: [{ name: s, address_prefixes: [10.0.1.0/24], network_security_group: nsg }]
network_security_groups:
  - name: nsg
    rules:
      - { name: NoLb, priority: 100, direction: Inbound, access: Deny, source: AzureLoadBalancer }
"#;
    let t = trace(yaml, "tag:AzureLoadBalancer", "compute/cpu");
    assert_eq!(blocked(&t), Code::NsgInboundDeny);
    let ok = yaml.replace(
        "access: Deny, source: AzureLoadBalancer",
        "access: Deny, source: Internet",
    );
    assert_eq!(
        trace(&ok, "tag:AzureLoadBalancer", "compute/cpu").verdict,
        Verdict::Allowed
    );
}

#[test]
fn service_tags_file_decides_cidr_rules() {
    // with Azure's service tags file, a rule written with a CIDR is decided
    // against the real prefixes of the destination's tag.
    let path = std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/ServiceTags_Public.json"
    ));
    let yaml = r#"
region: eastus
storage_accounts: [{ name: st }]
virtual_networks:
  - name: v
    address_space: [10.0.0.0/16]
    subnets: [{ name: s, address_prefixes: [10.0.0.0/24], network_security_group: nsg }]
network_security_groups:
  - name: nsg
    rules:
      - { name: DenyPrivate, priority: 100, direction: Outbound, access: Deny, destination: 172.16.0.0/12 }
      - { name: DenyAllPublic, priority: 200, direction: Outbound, access: Deny, destination: 0.0.0.0/1 }
      - { name: DenyRest, priority: 210, direction: Outbound, access: Deny, destination: 128.0.0.0/1 }
"#;
    let t = moat_ingest::parse_native_str("t.yaml", yaml).unwrap();
    let symbolic = Engine::for_topology(&t, None).unwrap();
    let q = Query {
        from: "subnet/v/s".parse().unwrap(),
        to: "storage/st".parse().unwrap(),
        protocol: Protocol::TCP,
        port: 443,
    };
    let without = moat_engine::trace::trace(&symbolic, &q).unwrap();
    assert_eq!(
        without.verdict,
        Verdict::Unknown,
        "a public CIDR against a symbolic endpoint"
    );
    let with_file = Engine::for_topology(&t, Some(path)).unwrap();
    let with = moat_engine::trace::trace(&with_file, &q).unwrap();
    assert_eq!(with.verdict, Verdict::Denied, "{with:#?}");
    assert_eq!(blocked(&with), Code::NsgOutboundDeny);
}

#[test]
fn a_public_path_to_a_resource_secured_by_a_perimeter_is_unknown() {
    // Private Link, "Transition to a network security perimeter": with public network access
    // SecuredByPerimeter, the perimeter's access rules decide public access ("Enforced: the
    // resource obeys only network security perimeter access rules"; "Learning": they decide,
    // then the resource's own firewall). The model has no perimeters: the public path is
    // unknown, not allowed as if the account took public traffic. A private endpoint is not a
    // public path, and still reaches it.
    let secured = BASE.replace(
        "{ name: st, public_network_access: Disabled }",
        "{ name: st, public_network_access: SecuredByPerimeter }",
    );
    let t = trace(&secured, "vm/jumpbox", "storage/st:blob");
    assert_eq!(t.verdict, Verdict::Allowed, "{t:#?}");
    assert!(t.hops.iter().any(|h| h.code == Code::PeApproved));
    let public = secured.replace(
        "{ name: privatelink.blob.core.windows.net, vnet_links: [vnet] }",
        "{ name: privatelink.blob.core.windows.net }",
    );
    let t = trace(&public, "vm/jumpbox", "storage/st:blob");
    assert_eq!(t.verdict, Verdict::Unknown, "{t:#?}");
    let hop = t
        .hops
        .iter()
        .find(|h| h.code == Code::RfPerimeter)
        .expect("the resource firewall hop");
    assert_eq!(hop.decision, HopDecision::Unknown);
    assert!(
        t.missing
            .iter()
            .any(|m| m.contains("network security perimeter")),
        "{:?}",
        t.missing
    );
}

#[test]
fn public_scoring_in_a_workspace_secured_by_a_perimeter_is_unknown() {
    // Managed online endpoints take public scoring requests only as their workspace admits
    // public traffic (an endpoint of a workspace with public access Disabled rejects them). A
    // workspace SecuredByPerimeter admits what its perimeter's access rules allow ("Enforced:
    // the resource obeys only network security perimeter access rules", Private Link,
    // "Transition to a network security perimeter"): the public request is unknown, not
    // allowed as if the workspace were open.
    let yaml = "workspaces: [{ name: ws, public_network_access: SecuredByPerimeter }]
online_endpoints: [{ name: score, workspace: ws, public_network_access: Enabled }]
clients: [{ name: alice, location: internet }]
";
    let t = trace(yaml, "client/alice", "online-endpoint/score");
    assert_eq!(t.verdict, Verdict::Unknown, "{t:#?}");
    assert!(t.hops.iter().any(|h| h.code == Code::RfPerimeter), "{t:#?}");
    assert!(
        t.missing
            .iter()
            .any(|m| m.contains("network security perimeter workspace ws")),
        "{:?}",
        t.missing
    );
    let open = trace(
        &yaml.replace("SecuredByPerimeter", "Enabled"),
        "client/alice",
        "online-endpoint/score",
    );
    assert_eq!(open.verdict, Verdict::Allowed, "{open:#?}");
    let closed = trace(
        &yaml.replace("SecuredByPerimeter", "Disabled"),
        "client/alice",
        "online-endpoint/score",
    );
    assert_eq!(blocked(&closed), Code::RfWorkspacePrivate);
}
