//! The egress, address, exfiltration and monitoring rules (OUT, NET, EXF, MON): for
//! each, a minimal topology that triggers it and a close one that does not. Path rules are
//! checked for the trace they carry and the hop that decided it.

mod infra_support;

use infra_support::*;

// ---------------------------------------------------------------------------------------------
// OUT: required outbound

#[test]
fn out001_nsg_denies_one_required_tag() {
    // Seed 002: Entra ID on TCP 80 and 443 is required outbound.
    none(CMP_BASE, "OUT001");
    let t = edit(
        CMP_BASE,
        "    rules: []",
        "    rules:\n      - { name: no-entra, priority: 100, direction: Outbound, access: Deny, destination: AzureActiveDirectory }",
    );
    let v = findings(&t, "OUT001");
    assert_eq!(v.len(), 2, "{v:#?}");
    for (f, port) in v.iter().zip(["tcp/80", "tcp/443"]) {
        assert_eq!(f.severity, Severity::Error);
        assert_eq!(f.resource, "subnet/vnet/training");
        assert_eq!(blocked(f), Code::NsgOutboundDeny);
        assert!(
            f.message
                .contains(&format!("tag:AzureActiveDirectory {port}")),
            "{}",
            f.message
        );
        assert!(
            f.fix.contains("service tag AzureActiveDirectory"),
            "{}",
            f.fix
        );
    }
}

#[test]
fn out001_situational_requirements() {
    // 18881 only with compute instances; Key Vault only with hbi_workspace (facts §3.1-§3.2).
    let t = edit(
        CMP_BASE,
        "    rules: []",
        "    rules:\n      - { name: aml-443-only, priority: 100, direction: Outbound, access: Allow, protocol: Tcp, destination: AzureMachineLearning, destination_ports: 443 }\n      - { name: no-aml, priority: 110, direction: Outbound, access: Deny, destination: AzureMachineLearning }\n      - { name: no-kv, priority: 120, direction: Outbound, access: Deny, destination: AzureKeyVault.EastUS }",
    );
    // The cluster lacks UDP 5831 only.
    let f = one(&t, "OUT001", Severity::Error);
    assert!(f.message.contains("udp/5831"), "{}", f.message);
    // A compute instance also needs 18881.
    let ci = edit(
        &t,
        "type: AmlCompute, vm_size: Standard_DS3_v2, max_nodes: 4",
        "type: ComputeInstance, vm_size: Standard_DS3_v2",
    );
    let v = findings(&ci, "OUT001");
    assert_eq!(v.len(), 2, "{v:#?}");
    assert!(v[1].message.contains("tcp/18881"), "{}", v[1].message);
    // An hbi workspace needs the Batch key vault.
    let hbi = edit(
        &t,
        "public_network_access: Disabled }",
        "public_network_access: Disabled, hbi_workspace: true }",
    );
    let v = findings(&hbi, "OUT001");
    assert_eq!(v.len(), 2, "{v:#?}");
    assert!(
        v[1].message.contains("AzureKeyVault.EastUS"),
        "{}",
        v[1].message
    );
}

/// A spoke routed through a hub firewall whose network rules allow the required tags of seed
/// 002, and whose application rules replace Front Door by FQDNs (facts §7).
const OUT_FW: &str = r#"
region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled }
computes:
  - { name: cpu, workspace: ws, type: AmlCompute, max_nodes: 4, subnet: spoke/training, enable_node_public_ip: false }
virtual_networks:
  - name: hub
    address_space: [10.100.0.0/16]
    subnets:
      - { name: AzureFirewallSubnet, address_prefixes: [10.100.0.0/26] }
    peerings: [{ remote_vnet: spoke, allow_forwarded_traffic: true }]
  - name: spoke
    address_space: [10.0.0.0/16]
    subnets:
      - { name: training, address_prefixes: [10.0.1.0/24], route_table: rt }
    peerings: [{ remote_vnet: hub, allow_forwarded_traffic: true }]
route_tables:
  - name: rt
    routes:
      - { name: default, address_prefix: 0.0.0.0/0, next_hop_type: VirtualAppliance, next_hop_ip_address: 10.100.0.4 }
firewalls:
  - name: fw
    vnet: hub
    private_ip_address: 10.100.0.4
    public_ips: [fw-pip]
    network_rule_collections:
      - name: required
        priority: 100
        action: Allow
        rules:
          - { name: entra, protocols: [TCP], source_addresses: [10.0.0.0/16], destination_addresses: [AzureActiveDirectory], destination_ports: [80, 443] }
          - { name: aml, protocols: [TCP], source_addresses: [10.0.0.0/16], destination_addresses: [AzureMachineLearning], destination_ports: [443] }
          - { name: aml-udp, protocols: [UDP], source_addresses: [10.0.0.0/16], destination_addresses: [AzureMachineLearning], destination_ports: [5831] }
          - { name: batch, protocols: [Any], source_addresses: [10.0.0.0/16], destination_addresses: [BatchNodeManagement.EastUS], destination_ports: [443] }
          - { name: arm, protocols: [TCP], source_addresses: [10.0.0.0/16], destination_addresses: [AzureResourceManager], destination_ports: [443] }
          - { name: storage, protocols: [TCP], source_addresses: [10.0.0.0/16], destination_addresses: [Storage.EastUS], destination_ports: [443] }
          - { name: mcr, protocols: [TCP], source_addresses: [10.0.0.0/16], destination_addresses: [MicrosoftContainerRegistry, AzureFrontDoor.FirstParty], destination_ports: [443] }
    application_rule_collections:
      - name: frontdoor-by-name
        priority: 200
        action: Allow
        rules:
          - { name: studio, source_addresses: [10.0.0.0/16], protocols: ["Https:443"], target_fqdns: [ml.azure.com, automlresources-prod-d0eaehh7g8andvav.b02.azurefd.net] }
public_ips:
  - { name: fw-pip, ip_address: 20.1.2.3 }
"#;

#[test]
fn out001_front_door_by_fqdn_is_accepted() {
    // Facts §7: the AzureFrontDoor.Frontend tag may be replaced by ml.azure.com and the AutoML
    // host on the firewall. The tag is then not reported as missing: at most the AutoML host is
    // undecided (a warning), because the model does not know which service tag serves it.
    for f in findings(OUT_FW, "OUT001") {
        assert_eq!(f.severity, Severity::Warning, "{}", f.message);
        assert!(f.message.contains("automlresources-prod"), "{}", f.message);
        assert_eq!(
            f.trace.as_ref().unwrap().verdict,
            moat_engine::Verdict::Unknown
        );
    }
    // Without the application rule for the studio host, the tag itself is missing.
    let errors = |t: &str| -> Vec<Finding> {
        findings(t, "OUT001")
            .into_iter()
            .filter(|f| f.severity == Severity::Error)
            .collect()
    };
    let t = edit(
        OUT_FW,
        "target_fqdns: [ml.azure.com, automlresources-prod-d0eaehh7g8andvav.b02.azurefd.net]",
        "target_fqdns: [automlresources-prod-d0eaehh7g8andvav.b02.azurefd.net]",
    );
    let v = errors(&t);
    assert_eq!(v.len(), 1, "{v:#?}");
    assert_eq!(v[0].resource, "subnet/spoke/training");
    assert!(
        v[0].message.contains("tag:AzureFrontDoor.Frontend tcp/443"),
        "{}",
        v[0].message
    );
    assert_eq!(blocked(&v[0]), Code::FwImplicitDeny);
    assert!(errors(OUT_FW).is_empty());
    // Without ARM on the firewall.
    let t = edit(
        OUT_FW,
        "          - { name: arm, protocols: [TCP], source_addresses: [10.0.0.0/16], destination_addresses: [AzureResourceManager], destination_ports: [443] }\n",
        "",
    );
    let v = errors(&t);
    assert_eq!(v.len(), 1, "{v:#?}");
    assert!(
        v[0].message.contains("AzureResourceManager"),
        "{}",
        v[0].message
    );
    assert_eq!(
        v[0].fix,
        "allow tcp/443 to service tag AzureResourceManager on firewall fw"
    );
}

#[test]
fn out002_package_hosts_unreachable() {
    // Seed 002: pip and conda hosts for computes that install packages.
    let t = edit(
        CMP_BASE,
        "enable_node_public_ip: false }",
        "enable_node_public_ip: false, uses: [install-packages] }",
    );
    none(&t, "OUT002");
    let closed = edit(&t, "nat_gateway: nat }", "default_outbound_access: false }");
    let f = one(&closed, "OUT002", Severity::Warning);
    assert_eq!(f.resource, "subnet/vnet/training");
    assert_eq!(blocked(&f), Code::EgressNone);
    assert!(
        f.message.contains("pypi.org") && f.message.contains("*.anaconda.org"),
        "{}",
        f.message
    );
    // Through the firewall without package rules; with the rules, nothing.
    let fw = edit(
        OUT_FW,
        "enable_node_public_ip: false }",
        "enable_node_public_ip: false, uses: [install-packages] }",
    );
    assert_eq!(
        blocked(&one(&fw, "OUT002", Severity::Warning)),
        Code::FwImplicitDeny
    );
    let fw_ok = edit(
        &fw,
        "target_fqdns: [ml.azure.com,",
        "target_fqdns: [pypi.org, \"*.pythonhosted.org\", anaconda.com, \"*.anaconda.com\", \"*.anaconda.org\", ml.azure.com,",
    );
    none(&fw_ok, "OUT002");
    // Computes that declare no package installs are not concerned.
    none(&edit(&closed, ", uses: [install-packages]", ""), "OUT002");
}

#[test]
fn out003_vscode_hosts_unreachable() {
    // Seed 002: VS Code server and extension hosts for compute instances used from VS Code.
    let t = edit(
        CMP_BASE,
        "type: AmlCompute, vm_size: Standard_DS3_v2, max_nodes: 4, subnet: vnet/training, enable_node_public_ip: false }",
        "type: ComputeInstance, subnet: vnet/training, enable_node_public_ip: false, uses: [vscode] }",
    );
    none(&t, "OUT003");
    let closed = edit(&t, "nat_gateway: nat }", "default_outbound_access: false }");
    let f = one(&closed, "OUT003", Severity::Info);
    assert_eq!(f.resource, "subnet/vnet/training");
    assert_eq!(blocked(&f), Code::EgressNone);
    assert!(
        f.message.contains("update.code.visualstudio.com"),
        "{}",
        f.message
    );
}

#[test]
fn out004_public_ip_compute_behind_hub_firewall() {
    // Seed 004: with public-IP computes in a hub-spoke design, inbound from AzureMachineLearning
    // needs a UDR that skips the firewall.
    none(OUT_FW, "OUT004");
    let public = edit(
        OUT_FW,
        "enable_node_public_ip: false",
        "enable_node_public_ip: true",
    );
    let f = one(&public, "OUT004", Severity::Warning);
    assert_eq!(f.resource, "subnet/spoke/training");
    assert!(
        f.message.contains("through the appliance at 10.100.0.4"),
        "{}",
        f.message
    );
    // The documented UDRs bypass the firewall: still a warning, now about the bypass.
    let bypass = edit(
        &public,
        "      - { name: default, address_prefix: 0.0.0.0/0, next_hop_type: VirtualAppliance, next_hop_ip_address: 10.100.0.4 }\n",
        "      - { name: default, address_prefix: 0.0.0.0/0, next_hop_type: VirtualAppliance, next_hop_ip_address: 10.100.0.4 }\n      - { name: aml, address_prefix: AzureMachineLearning, next_hop_type: Internet }\n      - { name: batch, address_prefix: BatchNodeManagement.EastUS, next_hop_type: Internet }\n",
    );
    let f = one(&bypass, "OUT004", Severity::Warning);
    assert!(
        f.message.contains("around the firewall") && f.message.contains("route aml of rt"),
        "{}",
        f.message
    );
    // Configure inbound and outbound network traffic: routes written for one region's
    // addresses leave the paired region's through the firewall; they "must cover the
    // primary and secondary regions" (§6.60).
    let one_region = edit(
        &public,
        "      - { name: default, address_prefix: 0.0.0.0/0, next_hop_type: VirtualAppliance, next_hop_ip_address: 10.100.0.4 }\n",
        "      - { name: default, address_prefix: 0.0.0.0/0, next_hop_type: VirtualAppliance, next_hop_ip_address: 10.100.0.4 }\n      - { name: aml-eastus, address_prefix: AzureMachineLearning.EastUS, next_hop_type: Internet }\n      - { name: batch, address_prefix: BatchNodeManagement.EastUS, next_hop_type: Internet }\n",
    );
    let f = one(&one_region, "OUT004", Severity::Warning);
    assert!(
        f.message.contains("only part of AzureMachineLearning")
            && f.message.contains("route aml-eastus of rt"),
        "{}",
        f.message
    );
    // Without a firewall on the way there is nothing to bypass.
    none(
        &edit(
            CMP_BASE,
            "enable_node_public_ip: false",
            "enable_node_public_ip: true",
        ),
        "OUT004",
    );
}

// ---------------------------------------------------------------------------------------------
// NET: address planning and topology

#[test]
fn net001_docker_bridge_range() {
    // Seed 002: do not use 172.17.0.0/16.
    let t = r#"
virtual_networks:
  - name: vnet
    address_space: [172.16.0.0/12]
    subnets:
      - { name: training, address_prefixes: [172.17.1.0/24] }
"#;
    let f = one(t, "NET001", Severity::Warning);
    assert_eq!(f.resource, "vnet/vnet");
    assert!(f.message.contains("training"), "{}", f.message);
    none(
        &edit(t, "[172.17.1.0/24]", "[172.18.1.0/24]").replace("172.16.0.0/12", "172.18.0.0/16"),
        "NET001",
    );
}

#[test]
fn net002_overlapping_peers_and_on_premises() {
    // Seed 002: plan addresses so the VNet does not collide with what it connects to.
    let t = r#"
virtual_networks:
  - name: hub
    address_space: [10.0.0.0/16]
    subnets:
      - { name: GatewaySubnet, address_prefixes: [10.0.255.0/27] }
    peerings: [{ remote_vnet: spoke }]
  - name: spoke
    address_space: [10.1.0.0/16]
    peerings: [{ remote_vnet: hub }]
virtual_network_gateways:
  - { name: gw, vnet: hub, gateway_type: Vpn }
local_network_gateways:
  - { name: office, address_prefixes: [192.168.0.0/16] }
connections:
  - { name: s2s, connection_type: IPsec, virtual_network_gateway: gw, local_network_gateway: office }
"#;
    none(t, "NET002");
    let f = one(
        &edit(
            t,
            "address_space: [10.1.0.0/16]",
            "address_space: [10.0.128.0/17]",
        ),
        "NET002",
        Severity::Error,
    );
    assert_eq!(f.resource, "vnet/hub");
    assert!(f.message.contains("hub and spoke"), "{}", f.message);
    let onprem = edit(
        t,
        "address_prefixes: [192.168.0.0/16]",
        "address_prefixes: [10.0.0.0/8]",
    );
    let v = findings(&onprem, "NET002");
    // The hub's gateway, and the spoke does not use it: only the hub collides.
    assert_eq!(v.len(), 1, "{v:#?}");
    assert!(v[0].message.contains("gateway gw"), "{}", v[0].message);
}

/// Two spokes peered only with a hub: computes in one, the workspace's private endpoint in the
/// other (seed 004, hub-spoke).
const NET_SPOKES: &str = r#"
region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled }
computes:
  - { name: cpu, workspace: ws, type: AmlCompute, max_nodes: 2, subnet: spoke-a/training, enable_node_public_ip: false }
virtual_networks:
  - name: hub
    address_space: [10.100.0.0/16]
    peerings: [{ remote_vnet: spoke-a }, { remote_vnet: spoke-b }]
  - name: spoke-a
    address_space: [10.1.0.0/16]
    subnets:
      - { name: training, address_prefixes: [10.1.1.0/24], nat_gateway: nat }
    peerings: [{ remote_vnet: hub }]
  - name: spoke-b
    address_space: [10.2.0.0/16]
    subnets:
      - { name: pe, address_prefixes: [10.2.3.0/24] }
    peerings: [{ remote_vnet: hub }]
nat_gateways:
  - { name: nat }
private_endpoints:
  - { name: ws-pe, subnet: spoke-b/pe, target: workspace/ws, group_id: amlworkspace, dns_zone_group: [privatelink.api.azureml.ms] }
private_dns_zones:
  - { name: privatelink.api.azureml.ms, vnet_links: [spoke-a, spoke-b] }
"#;

#[test]
fn net003_spoke_to_spoke_needs_the_hub() {
    // Peering is not transitive: spoke-a reaches spoke-b's endpoint only through the hub.
    let f = one(NET_SPOKES, "NET003", Severity::Error);
    assert_eq!(f.resource, "vnet/spoke-a");
    assert_eq!(blocked(&f), Code::PeeringNotTransitive);
    assert!(
        f.message
            .contains("two peerings away from VNet spoke-a, across hub"),
        "{}",
        f.message
    );
    // Peering the spokes directly.
    let direct = edit(
        NET_SPOKES,
        "    peerings: [{ remote_vnet: hub }]\n  - name: spoke-b",
        "    peerings: [{ remote_vnet: hub }, { remote_vnet: spoke-b }]\n  - name: spoke-b",
    );
    let direct = edit(
        &direct,
        "      - { name: pe, address_prefixes: [10.2.3.0/24] }\n    peerings: [{ remote_vnet: hub }]",
        "      - { name: pe, address_prefixes: [10.2.3.0/24] }\n    peerings: [{ remote_vnet: hub }, { remote_vnet: spoke-a }]",
    );
    none(&direct, "NET003");
    // Without a hub between them the failure is not a transitivity problem.
    let no_hub = edit(
        NET_SPOKES,
        "    peerings: [{ remote_vnet: spoke-a }, { remote_vnet: spoke-b }]\n",
        "",
    );
    none(&no_hub, "NET003");
}

/// On premises behind the hub's VPN gateway; the workspace's private endpoint in a spoke.
const NET_ONPREM: &str = r#"
region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled }
virtual_networks:
  - name: hub
    address_space: [10.100.0.0/16]
    subnets:
      - { name: dns, address_prefixes: [10.100.1.0/24] }
      - { name: GatewaySubnet, address_prefixes: [10.100.255.0/27] }
    peerings: [{ remote_vnet: spoke, allow_gateway_transit: true }]
  - name: spoke
    address_space: [10.0.0.0/16]
    subnets:
      - { name: pe, address_prefixes: [10.0.3.0/24] }
    peerings: [{ remote_vnet: hub }]
virtual_network_gateways:
  - { name: gw, vnet: hub, gateway_type: Vpn }
local_network_gateways:
  - { name: office, address_prefixes: [192.168.0.0/16] }
connections:
  - { name: s2s, connection_type: IPsec, virtual_network_gateway: gw, local_network_gateway: office }
virtual_machines:
  - { name: dns-vm, network_interfaces: [dns-nic] }
network_interfaces:
  - { name: dns-nic, subnet: hub/dns, private_ip_address: 10.100.1.4 }
dns_servers:
  - { name: hub-dns, address: 10.100.1.4, forwarders: [{ zone: api.azureml.ms, to: [168.63.129.16] }] }
  - { name: onprem-dns, address: 192.168.0.53, forwarders: [{ zone: api.azureml.ms, to: [10.100.1.4] }] }
private_endpoints:
  - { name: ws-pe, subnet: spoke/pe, target: workspace/ws, group_id: amlworkspace, dns_zone_group: [privatelink.api.azureml.ms] }
private_dns_zones:
  - { name: privatelink.api.azureml.ms, vnet_links: [hub] }
clients:
  - { name: office, location: onprem, address: 192.168.10.25, dns_servers: [192.168.0.53], operations: [sdk.connect] }
"#;

#[test]
fn net003_on_premises_needs_gateway_transit() {
    // On-premises traffic enters the hub; a spoke is reached only if it uses the hub's gateway.
    let f = one(NET_ONPREM, "NET003", Severity::Error);
    assert_eq!(f.resource, "vnet/spoke");
    assert_eq!(blocked(&f), Code::OnpremNoTransit);
    assert!(
        f.message.contains("does not use the gateway"),
        "{}",
        f.message
    );
    let transit = edit(
        NET_ONPREM,
        "    peerings: [{ remote_vnet: hub }]",
        "    peerings: [{ remote_vnet: hub, use_remote_gateways: true }]",
    );
    none(&transit, "NET003");
}

#[test]
fn net004_resources_in_another_region() {
    // Seed 004: put all resources in the same region.
    let t = r#"
region: eastus
workspaces:
  - { name: ws, storage_account: st }
storage_accounts:
  - { name: st, region: westeurope }
"#;
    let f = one(t, "NET004", Severity::Warning);
    assert_eq!(f.resource, "workspace/ws");
    assert!(
        f.message.contains("storage st (westeurope)"),
        "{}",
        f.message
    );
    none(&edit(t, "region: westeurope", "region: eastus"), "NET004");
}

#[test]
fn net004_application_insights_elsewhere_is_not_a_network_concern() {
    // Seed 002, "Required public internet access": Application Insights is reached through
    // "AzureMonitor | Used to log monitoring and metrics to App Insights and Azure Monitor",
    // a tag without the ".region" of Storage.region: the network needs the same rule whatever
    // its region. Azure's workspace quickstart puts it in a neighbouring region where the
    // workspace's has none (westcentralus -> southcentralus).
    let t = r#"
region: westcentralus
workspaces:
  - { name: ws, storage_account: st, application_insights: ai }
storage_accounts:
  - { name: st }
application_insights:
  - { name: ai, region: southcentralus }
"#;
    none(t, "NET004");
    // The storage account in that region is still reported.
    let f = one(
        &edit(
            t,
            "  - { name: st }",
            "  - { name: st, region: southcentralus }",
        ),
        "NET004",
        Severity::Warning,
    );
    assert!(
        f.message.contains("storage st (southcentralus)")
            && !f.message.contains("Application Insights"),
        "{}",
        f.message
    );
}

// ---------------------------------------------------------------------------------------------
// EXF: data exfiltration

#[test]
fn exf001_storage_open_without_service_endpoint_policy() {
    // Seed 004: Storage outbound is read/write; without a service endpoint policy any account
    // of the region is reachable.
    let t = edit(
        CMP_BASE,
        "    rules: []",
        "    rules:\n      - { name: storage, priority: 100, direction: Outbound, access: Allow, protocol: Tcp, destination: Storage.EastUS, destination_ports: 443 }\n      - { name: no-internet, priority: 200, direction: Outbound, access: Deny, destination: Internet }",
    );
    let f = one(&t, "EXF001", Severity::Warning);
    assert_eq!(f.resource, "subnet/vnet/training");
    let tr = f.trace.as_ref().expect("trace");
    assert_eq!(tr.verdict, moat_engine::Verdict::Allowed);
    assert!(
        tr.hops
            .iter()
            .any(|h| h.code == Code::NsgOutboundAllow && h.detail.contains("storage"))
    );
    // The exfiltration-prevention design: a Microsoft.Storage service endpoint with a policy
    // listing the workspace's account and the Azure ML alias stops foreign accounts.
    let sep = edit(
        &t,
        "{ name: training, address_prefixes: [10.0.1.0/24], network_security_group: nsg, nat_gateway: nat }",
        "{ name: training, address_prefixes: [10.0.1.0/24], network_security_group: nsg, nat_gateway: nat, service_endpoints: [Microsoft.Storage], service_endpoint_policies: [sep] }",
    );
    let sep = format!(
        "{sep}service_endpoint_policies:\n  - name: sep\n    definitions:\n      - {{ name: ws, service_resources: [st] }}\n      - {{ name: aml, service: Global, service_resources: [/services/Azure/MachineLearning] }}\nstorage_accounts:\n  - {{ name: st }}\n"
    );
    none(&sep, "EXF001");
    // A subnet that cannot reach Storage at all.
    none(
        &edit(
            &t,
            "access: Allow, protocol: Tcp, destination: Storage.EastUS",
            "access: Deny, protocol: Tcp, destination: Storage.EastUS",
        ),
        "EXF001",
    );
}

#[test]
fn exf002_front_door_tag_open() {
    // Seed 004: AzureFrontDoor.Frontend is read/write outbound.
    let f = one(CMP_BASE, "EXF002", Severity::Warning);
    assert_eq!(f.resource, "subnet/vnet/training");
    assert_eq!(
        f.trace.as_ref().unwrap().verdict,
        moat_engine::Verdict::Allowed
    );
    let closed = edit(
        CMP_BASE,
        "    rules: []",
        "    rules:\n      - { name: no-frontdoor, priority: 100, direction: Outbound, access: Deny, destination: AzureFrontDoor.Frontend }",
    );
    none(&closed, "EXF002");
    // The firewall of OUT_FW allows ml.azure.com by name only: the tag is closed.
    none(OUT_FW, "EXF002");
}

#[test]
fn exf003_internet_open() {
    // Seed 004: a NAT gateway without a firewall lets computes reach any host.
    let f = one(CMP_BASE, "EXF003", Severity::Warning);
    assert_eq!(f.resource, "subnet/vnet/training");
    assert!(
        f.trace
            .as_ref()
            .unwrap()
            .hops
            .iter()
            .any(|h| h.code == Code::EgressSnat)
    );
    none(
        &edit(
            CMP_BASE,
            "nat_gateway: nat }",
            "default_outbound_access: false }",
        ),
        "EXF003",
    );
    none(OUT_FW, "EXF003");
    // An allow-internet-outbound managed network is open by design.
    let managed = r#"
region: eastus
workspaces:
  - { name: ws, managed_network: { isolation_mode: AllowInternetOutbound } }
computes:
  - { name: cpu, workspace: ws, type: AmlCompute, enable_node_public_ip: false }
"#;
    assert_eq!(
        one(managed, "EXF003", Severity::Warning).resource,
        "workspace/ws"
    );
    none(
        &edit(
            managed,
            "AllowInternetOutbound",
            "AllowOnlyApprovedOutbound",
        ),
        "EXF003",
    );
    // Facts §6 item 99, "Hub/project workspaces: projects inherit the hub FQDNs": a project's
    // compute runs in its hub's managed network, open by the hub's mode whatever the
    // project's own (default) settings say. Before, the compute was read as one outside any
    // network, and EXF003 said nothing when the hub had no compute of its own.
    let project = r#"
region: eastus
workspaces:
  - { name: hub, kind: hub, managed_network: { isolation_mode: AllowInternetOutbound } }
  - { name: proj, kind: project, hub: hub }
computes:
  - { name: cpu, workspace: proj, type: AmlCompute, enable_node_public_ip: false }
"#;
    let f = one(project, "EXF003", Severity::Warning);
    assert_eq!(f.resource, "workspace/hub");
    assert!(
        f.message.contains("managed network of workspace hub"),
        "{}",
        f.message
    );
    none(
        &edit(
            project,
            "AllowInternetOutbound",
            "AllowOnlyApprovedOutbound",
        ),
        "EXF003",
    );
}

#[test]
fn exf001_to_exf003_give_way_to_the_built_in_invariants_where_protection_is_declared() {
    // Issue 14 / seed 004, "Data exfiltration prevention": "a service endpoint and service
    // endpoint policy are in place to prevent data exfiltration" on the training subnet
    // declares the intent. There the built-in invariants prove storage outside the deployment,
    // Front Door and the internet over every packet (INV001); the single-probe rules, which
    // would report the same flows again, stay silent. A NAT gateway leaves Front Door and the
    // internet open: one finding per cause, each from INV001.
    let declared = edit(
        CMP_BASE,
        "{ name: training, address_prefixes: [10.0.1.0/24], network_security_group: nsg, nat_gateway: nat }",
        "{ name: training, address_prefixes: [10.0.1.0/24], network_security_group: nsg, nat_gateway: nat, service_endpoints: [Microsoft.Storage], service_endpoint_policies: [sep] }",
    );
    let declared = format!(
        "{declared}service_endpoint_policies:\n  - name: sep\n    definitions:\n      - {{ name: aml, service: Global, service_resources: [/services/Azure/MachineLearning] }}\n"
    );
    for code in ["EXF001", "EXF002", "EXF003"] {
        none(&declared, code);
    }
    let inv = findings(&declared, "INV001");
    let names: Vec<&str> = inv
        .iter()
        .filter(|f| f.resource == "subnet/vnet/training")
        .map(|f| f.message.split('`').nth(1).expect("the invariant's name"))
        .collect();
    assert_eq!(
        names,
        [
            "exfiltration-protection/frontdoor",
            "exfiltration-protection/internet"
        ],
        "{inv:#?}"
    );
    assert!(inv.iter().all(|f| f.trace.is_some()));
    // Without the declared intent, the single-probe rules report the same subnet, and no
    // built-in invariant runs.
    one(CMP_BASE, "EXF002", Severity::Warning);
    one(CMP_BASE, "EXF003", Severity::Warning);
    none(CMP_BASE, "INV001");
}

#[test]
fn exf004_registry_resource_instance_on_workspace_storage() {
    // Seed 000: sharing to a registry needs the registry as a resource instance of the storage.
    let t = r#"
region: eastus
workspaces:
  - { name: ws, storage_account: st }
registries:
  - { name: contosoreg }
storage_accounts:
  - name: st
    network_rules:
      default_action: Deny
      resource_access_rules:
        - { resource_type: Microsoft.MachineLearningServices/workspaces, name: ws }
        - { resource_type: Microsoft.MachineLearningServices/registries, name: contosoreg }
"#;
    let f = one(t, "EXF004", Severity::Info);
    assert_eq!(f.resource, "storage/st");
    assert!(
        f.message.contains("registry contosoreg (public)"),
        "{}",
        f.message
    );
    none(
        &edit(
            t,
            "        - { resource_type: Microsoft.MachineLearningServices/registries, name: contosoreg }\n",
            "",
        ),
        "EXF004",
    );
}

// ---------------------------------------------------------------------------------------------
// MON: Azure Monitor

#[test]
fn mon001_private_only_scope() {
    // Seed 002: Azure Monitor private link must use the Open mode.
    let t = r#"
monitor_private_link_scopes:
  - { name: ampls, ingestion_access_mode: PrivateOnly, query_access_mode: Open }
"#;
    let f = one(t, "MON001", Severity::Error);
    assert_eq!(f.resource, "ampls/ampls");
    assert!(f.message.contains("ingestion"), "{}", f.message);
    none(
        &edit(
            t,
            "ingestion_access_mode: PrivateOnly",
            "ingestion_access_mode: Open",
        ),
        "MON001",
    );
}

#[test]
fn exf003_public_ip_compute_in_a_private_subnet() {
    // A private subnet (no NAT, default outbound access off) closes the cluster's way out, but a
    // compute instance with a node public IP in the same subnet still leaves directly: one
    // finding for the subnet.
    let t = edit(
        CMP_BASE,
        "nat_gateway: nat }",
        "default_outbound_access: false }",
    );
    none(&t, "EXF003");
    let mixed = edit(
        &t,
        "computes:\n",
        "computes:\n  - { name: ci, workspace: ws, type: ComputeInstance, subnet: vnet/training }\n",
    );
    let f = one(&mixed, "EXF003", Severity::Warning);
    assert_eq!(f.resource, "subnet/vnet/training");
    assert!(f.message.contains("(ci)"), "{}", f.message);
}

#[test]
fn path_findings_point_into_the_file() {
    // Every finding of these rules names where its subject is written.
    let t = edit(
        CMP_BASE,
        "enable_node_public_ip: false",
        "enable_node_public_ip: true",
    );
    for code in ["CMP002", "CMP004", "EXF001", "EXF002", "EXF003"] {
        for f in findings(&t, code) {
            let at =
                f.at.as_ref()
                    .unwrap_or_else(|| panic!("{code}: no location"));
            assert_eq!(at.file, "t.yaml");
            assert!(at.line > 0, "{code}");
        }
    }
}

#[test]
fn seed_scenario_secure_workspace_with_public_registry_outbound() {
    // Seeds 000/002: a secure workspace whose computes use a public registry opens the required
    // service tags and the registry's four tags on the NSG and denies the rest of the internet.
    // The required outbound is complete; Storage.<region> and Front Door stay open (the seeds
    // flag both as read/write outbound); arbitrary hosts are closed.
    let nsg = r#"    rules:
      - { name: entra, priority: 100, direction: Outbound, access: Allow, protocol: Tcp, destination: AzureActiveDirectory, destination_ports: [80, 443] }
      - { name: aml, priority: 110, direction: Outbound, access: Allow, protocol: Tcp, destination: AzureMachineLearning, destination_ports: [443, 18881] }
      - { name: aml-udp, priority: 120, direction: Outbound, access: Allow, protocol: Udp, destination: AzureMachineLearning, destination_ports: 5831 }
      - { name: batch, priority: 130, direction: Outbound, access: Allow, destination: BatchNodeManagement.EastUS, destination_ports: 443 }
      - { name: arm, priority: 140, direction: Outbound, access: Allow, protocol: Tcp, destination: AzureResourceManager, destination_ports: 443 }
      - { name: storage, priority: 150, direction: Outbound, access: Allow, protocol: Tcp, destination: Storage.EastUS, destination_ports: 443 }
      - { name: frontdoor, priority: 160, direction: Outbound, access: Allow, protocol: Tcp, destination: [AzureFrontDoor.Frontend, AzureFrontDoor.FirstParty], destination_ports: 443 }
      - { name: mcr, priority: 170, direction: Outbound, access: Allow, protocol: Tcp, destination: MicrosoftContainerRegistry.EastUS, destination_ports: 443 }
      - { name: acr, priority: 180, direction: Outbound, access: Allow, protocol: Tcp, destination: AzureContainerRegistry.EastUS, destination_ports: 443 }
      - { name: no-internet, priority: 4000, direction: Outbound, access: Deny, destination: Internet }"#;
    let t = edit(CMP_BASE, "    rules: []", nsg);
    none(&t, "OUT001");
    let f = one(&t, "EXF001", Severity::Warning);
    assert!(
        f.trace
            .as_ref()
            .unwrap()
            .hops
            .iter()
            .any(|h| h.detail.contains("rule storage"))
    );
    one(&t, "EXF002", Severity::Warning);
    none(&t, "EXF003");
    // Dropping the Storage tag closes the exfiltration path and breaks the requirement.
    let no_storage = edit(
        &t,
        "access: Allow, protocol: Tcp, destination: Storage.EastUS",
        "access: Deny, protocol: Tcp, destination: Storage.EastUS",
    );
    none(&no_storage, "EXF001");
    let f = one(&no_storage, "OUT001", Severity::Error);
    assert!(f.message.contains("Storage.EastUS"), "{}", f.message);
    assert_eq!(blocked(&f), Code::NsgOutboundDeny);
}
