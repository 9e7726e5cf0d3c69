//! The private endpoint, DNS, storage and key vault rules: for each, a minimal deployment that
//! triggers it and a close one that does not, plus the scenarios of the seed documents for
//! these areas; and the examples, on which none of the rules of both files reports an error.

mod core_support;

use core_support::*;

// ---------------------------------------------------------------------------------------------
// PE

#[test]
fn pe001_endpoint_without_zone_group_or_zone() {
    let yaml = with(
        BASE,
        "ip_address: 10.0.3.4, dns_zone_group: [privatelink.api.azureml.ms, privatelink.notebooks.azure.net] }",
        "ip_address: 10.0.3.4 }",
    );
    // The zones are still linked, but without the zone group they hold no record.
    let f = one("PE001", &yaml, Severity::Error, "private-endpoint/ws-pe");
    assert_eq!(blocked(&f), Code::DnsNxdomain);
    // Without the zones at all, the name leads to the public endpoint, which is closed.
    let no_zones: String = yaml
        .lines()
        .filter(|l| {
            !l.contains("name: privatelink.api.azureml.ms")
                && !l.contains("name: privatelink.notebooks.azure.net")
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let f = one(
        "PE001",
        &no_zones,
        Severity::Error,
        "private-endpoint/ws-pe",
    );
    assert_eq!(blocked(&f), Code::RfPublicDisabled);
    none("PE001", BASE);
}

/// An endpoint in a VNet the input refers to but does not declare (an existing VNet named by
/// id), without a zone group: what that VNet's DNS answers is unknown ("no custom DNS
/// answering it" cannot be decided), and the message names that resolver in a sentence that
/// reads.
#[test]
fn pe001_endpoint_in_an_undeclared_vnet_names_its_dns() {
    let mut t = topology(&with(
        BASE,
        "ip_address: 10.0.3.4, dns_zone_group: [privatelink.api.azureml.ms, privatelink.notebooks.azure.net] }",
        "ip_address: 10.0.3.4 }",
    ));
    t.virtual_networks[0].external = true;
    let e = Engine::for_topology(&t, None).unwrap();
    let cx = Context::new(&e);
    let mut v = Vec::new();
    by_code("PE001").unwrap().check(&cx, &mut v);
    let f = v
        .iter()
        .find(|f| f.resource == "private-endpoint/ws-pe")
        .unwrap_or_else(|| panic!("{v:#?}"));
    assert_eq!(f.severity, Severity::Warning, "{f:#?}");
    assert!(
        f.message
            .contains("from the DNS of VNet vnet (not declared by the input), "),
        "{}",
        f.message
    );
    assert!(!f.message.contains(",,"), "{}", f.message);
}

#[test]
fn pe001_records_written_by_hand_resolve_the_endpoint() {
    // "nor custom DNS resolving it": records written into the linked zones do the zone
    // group's work.
    let yaml = with(
        BASE,
        "ip_address: 10.0.3.4, dns_zone_group: [privatelink.api.azureml.ms, privatelink.notebooks.azure.net] }",
        "ip_address: 10.0.3.4 }",
    );
    let t = topology(BASE);
    let guid = t.workspaces[0].workspace_id.clone().unwrap();
    let nb = moat_net::names::workspace_notebooks("ws", &guid, "eastus").record;
    let yaml = with(
        &yaml,
        "  - { name: privatelink.api.azureml.ms, vnet_links: [vnet] }\n  - { name: privatelink.notebooks.azure.net, vnet_links: [vnet] }",
        &format!(
            "  - {{ name: privatelink.api.azureml.ms, vnet_links: [vnet], records: [{{ name: {guid}.workspace.eastus, values: [10.0.3.4] }}] }}\n  - {{ name: privatelink.notebooks.azure.net, vnet_links: [vnet], records: [{{ name: {nb}, values: [10.0.3.4] }}] }}"
        ),
    );
    none("PE001", &yaml);
}

#[test]
fn pe003_adding_an_endpoint_breaks_computes_outside_its_vnet() {
    // Seed 003: "If you have any existing compute targets associated with this workspace, and
    // they are not behind the same virtual network tha the private endpoint is created in,
    // they will not work."
    let yaml = with(
        BASE,
        "virtual_machines:",
        "  - name: other\n    address_space: [10.9.0.0/16]\n    subnets:\n      - { name: training, address_prefixes: [10.9.1.0/24] }\nvirtual_machines:",
    );
    let yaml = with(
        &yaml,
        "subnet: vnet/training, enable",
        "subnet: other/training, enable",
    );
    let f = one("PE003", &yaml, Severity::Error, "compute/cpu-cluster");
    assert_eq!(blocked(&f), Code::RfPublicDisabled);
    none("PE003", BASE);
    // A compute outside any VNet cannot reach a private workspace either.
    let novnet = with(BASE, "subnet: vnet/training, enable", "enable");
    let f = one("PE003", &novnet, Severity::Error, "compute/cpu-cluster");
    assert_eq!(blocked(&f), Code::RfPublicDisabled);
}

const MULTI_PE: &str = r#"
region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled, storage_account: st }
storage_accounts:
  - { name: st, public_network_access: Disabled }
virtual_networks:
  - { name: vnet-a, address_space: [10.1.0.0/16], subnets: [{ name: pe, address_prefixes: [10.1.3.0/24] }] }
  - { name: vnet-b, address_space: [10.2.0.0/16], subnets: [{ name: pe, address_prefixes: [10.2.3.0/24] }] }
  - { name: services, address_space: [10.3.0.0/16], subnets: [{ name: pe, address_prefixes: [10.3.3.0/24] }] }
private_endpoints:
  - { name: ws-pe-a, subnet: vnet-a/pe, target: workspace/ws, group_id: amlworkspace }
  - { name: ws-pe-b, subnet: vnet-b/pe, target: workspace/ws, group_id: amlworkspace }
  - { name: st-pe, subnet: services/pe, target: storage/st, group_id: blob }
"#;

#[test]
fn pe004_one_workspace_endpoint_must_sit_beside_the_dependencies() {
    // Seed 003: with several endpoints, one must be in the VNet of the dependency services.
    one("PE004", MULTI_PE, Severity::Error, "workspace/ws");
    none(
        "PE004",
        &with(
            MULTI_PE,
            "subnet: vnet-b/pe, target: workspace/ws",
            "subnet: services/pe, target: workspace/ws",
        ),
    );
    // One endpoint only: the rule is about several.
    let single: String = MULTI_PE
        .lines()
        .filter(|l| !l.contains("ws-pe-b"))
        .map(|l| format!("{l}\n"))
        .collect();
    none("PE004", &single);
}

#[test]
fn pe004_adds_the_workspace_endpoint_in_the_one_vnet_of_the_dependencies() {
    // The fix: a workspace endpoint in the VNet that holds the dependencies' endpoints, in the
    // subnet that holds them, its zones created and linked (the model has none).
    let f = one("PE004", MULTI_PE, Severity::Error, "workspace/ws");
    let [
        moat_rules::change::Change::AddPrivateEndpoint {
            target,
            subnet,
            zones,
            ..
        },
    ] = f.changes.as_slice()
    else {
        panic!("{:?}", f.changes);
    };
    assert_eq!(
        (target.as_str(), subnet.as_str()),
        ("workspace/ws", "services/pe")
    );
    assert!(zones.iter().all(|z| z.create && z.link), "{zones:?}");
    // The storage's endpoints in two VNets: which one serves the workspace is the user's to
    // say, and the fix stays in words.
    let two = MULTI_PE.replace(
        "  - { name: st-pe, subnet: services/pe, target: storage/st, group_id: blob }\n",
        "  - { name: st-pe, subnet: services/pe, target: storage/st, group_id: blob }\n  - { name: st-pe-2, subnet: vnet-c/pe, target: storage/st, group_id: blob }\n",
    );
    let two = two.replace(
        "virtual_networks:\n",
        "virtual_networks:\n  - { name: vnet-c, address_space: [10.4.0.0/16], subnets: [{ name: pe, address_prefixes: [10.4.3.0/24] }] }\n",
    );
    assert_ne!(two, MULTI_PE);
    let f = one("PE004", &two, Severity::Error, "workspace/ws");
    assert!(f.changes.is_empty(), "{:?}", f.changes);
}

/// Seed 003, "Scenario: Isolated clients", before step 2: the client VNet holds only a
/// workspace endpoint; the dependencies' endpoints are in the workload VNet.
const ISOLATED: &str = r#"
region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled, storage_account: st, container_registry: wsacr }
storage_accounts:
  - { name: st, public_network_access: Disabled }
container_registries:
  - { name: wsacr, sku: Premium, public_network_access: Disabled }
virtual_networks:
  - name: workload
    address_space: [10.0.0.0/16]
    subnets:
      - { name: pe, address_prefixes: [10.0.3.0/24] }
  - name: client-vnet
    address_space: [10.1.0.0/16]
    subnets:
      - { name: clients, address_prefixes: [10.1.1.0/24] }
      - { name: pe, address_prefixes: [10.1.3.0/24] }
virtual_machines:
  - { name: jumpbox, network_interfaces: [jumpbox-nic] }
network_interfaces:
  - { name: jumpbox-nic, subnet: client-vnet/clients }
private_endpoints:
  - { name: ws-pe, subnet: workload/pe, target: workspace/ws, group_id: amlworkspace, dns_zone_group: [work/privatelink.api.azureml.ms, work/privatelink.notebooks.azure.net] }
  - { name: st-blob, subnet: workload/pe, target: storage/st, group_id: blob, dns_zone_group: [work/privatelink.blob.core.windows.net] }
  - { name: st-file, subnet: workload/pe, target: storage/st, group_id: file, dns_zone_group: [work/privatelink.file.core.windows.net] }
  - { name: acr-pe, subnet: workload/pe, target: acr/wsacr, group_id: registry, dns_zone_group: [work/privatelink.azurecr.io] }
  - { name: client-ws-pe, subnet: client-vnet/pe, target: workspace/ws, group_id: amlworkspace, dns_zone_group: [cli/privatelink.api.azureml.ms, cli/privatelink.notebooks.azure.net] }
private_dns_zones:
  - { name: privatelink.api.azureml.ms, resource_group: work, vnet_links: [workload] }
  - { name: privatelink.notebooks.azure.net, resource_group: work, vnet_links: [workload] }
  - { name: privatelink.blob.core.windows.net, resource_group: work, vnet_links: [workload] }
  - { name: privatelink.file.core.windows.net, resource_group: work, vnet_links: [workload] }
  - { name: privatelink.azurecr.io, resource_group: work, vnet_links: [workload] }
  - { name: privatelink.api.azureml.ms, resource_group: cli, vnet_links: [client-vnet] }
  - { name: privatelink.notebooks.azure.net, resource_group: cli, vnet_links: [client-vnet] }
clients:
  - { name: datasci, location: vm/jumpbox, operations: [studio.open, studio.data] }
"#;

/// Step 2 of the scenario: the dependencies' endpoints in the client VNet as well.
fn isolated_complete() -> String {
    let y = with(
        ISOLATED,
        "private_dns_zones:",
        "  - { name: client-st-blob, subnet: client-vnet/pe, target: storage/st, group_id: blob, dns_zone_group: [cli/privatelink.blob.core.windows.net] }\n  - { name: client-st-file, subnet: client-vnet/pe, target: storage/st, group_id: file, dns_zone_group: [cli/privatelink.file.core.windows.net] }\n  - { name: client-acr-pe, subnet: client-vnet/pe, target: acr/wsacr, group_id: registry, dns_zone_group: [cli/privatelink.azurecr.io] }\nprivate_dns_zones:",
    );
    with(
        &y,
        "clients:",
        "  - { name: privatelink.blob.core.windows.net, resource_group: cli, vnet_links: [client-vnet] }\n  - { name: privatelink.file.core.windows.net, resource_group: cli, vnet_links: [client-vnet] }\n  - { name: privatelink.azurecr.io, resource_group: cli, vnet_links: [client-vnet] }\nclients:",
    )
}

#[test]
fn pe005_client_vnet_must_reach_the_dependencies() {
    // Seed 003: "Each VNet that contains a private endpoint for the workspace must also be able
    // to access the Azure Storage Account, Azure Key Vault, and Azure Container Registry."
    let v = check("PE005", ISOLATED);
    let mut what: Vec<(&str, Severity, String, Code)> = v
        .iter()
        .map(|f| {
            let to = f
                .trace
                .as_ref()
                .map(|t| t.to.to_string())
                .unwrap_or_default();
            (f.resource.as_str(), f.severity, to, blocked(f))
        })
        .collect();
    what.sort();
    let what: Vec<(&str, Severity, &str, Code)> = what
        .iter()
        .map(|(r, s, t, c)| (*r, *s, t.as_str(), *c))
        .collect();
    assert_eq!(
        what,
        vec![
            (
                "vnet/client-vnet",
                Severity::Error,
                "acr/wsacr",
                Code::RfPublicDisabled
            ),
            (
                "vnet/client-vnet",
                Severity::Error,
                "storage/st:blob",
                Code::RfPublicDisabled
            ),
            (
                "vnet/client-vnet",
                Severity::Error,
                "storage/st:file",
                Code::RfPublicDisabled
            ),
        ]
    );
    none("PE005", &isolated_complete());
}

#[test]
fn pe005_managed_network_client_vnet_needs_the_storage_only() {
    // Facts §5.8: with a managed network the computes reach the dependencies from the managed
    // network; studio clients need the storage in their VNet.
    let managed = with(
        &isolated_complete(),
        "container_registry: wsacr }",
        "container_registry: wsacr, managed_network: { isolation_mode: AllowInternetOutbound } }",
    );
    let no_acr: String = managed
        .lines()
        .filter(|l| !l.contains("client-acr-pe"))
        .map(|l| format!("{l}\n"))
        .collect();
    none("PE005", &no_acr);
    let no_blob: String = managed
        .lines()
        .filter(|l| !l.contains("client-st-blob"))
        .map(|l| format!("{l}\n"))
        .collect();
    // The blob zone is still linked to the client VNet, now without a record.
    let f = one("PE005", &no_blob, Severity::Error, "vnet/client-vnet");
    assert_eq!(blocked(&f), Code::DnsNxdomain);
}

#[test]
fn pe006_endpoint_in_another_region_than_its_vnet() {
    let yaml = with(
        BASE,
        "{ name: kv-pe, subnet: vnet/pe,",
        "{ name: kv-pe, region: westeurope, subnet: vnet/pe,",
    );
    one("PE006", &yaml, Severity::Error, "private-endpoint/kv-pe");
    none("PE006", BASE);
}

#[test]
fn pe007_registry_storage_endpoint_must_be_blob() {
    let yaml = with(
        &private_registry(),
        "target: \"registry/contosoreg:storage\", group_id: blob",
        "target: \"registry/contosoreg:storage\", group_id: file",
    );
    one(
        "PE007",
        &yaml,
        Severity::Error,
        "private-endpoint/reg-st-pe",
    );
    none("PE007", &private_registry());
    // The same in a managed network's outbound rule.
    let managed = r#"
region: eastus
registries: [{ name: contosoreg }]
workspaces:
  - name: ws
    managed_network:
      isolation_mode: AllowOnlyApprovedOutbound
      outbound_rules:
        - { name: reg-st, type: PrivateEndpoint, destination: { service_resource: "registry/contosoreg:storage", subresource_target: dfs } }
"#;
    one("PE007", managed, Severity::Error, "workspace/ws");
    none(
        "PE007",
        &managed.replace("subresource_target: dfs", "subresource_target: blob"),
    );
}

// ---------------------------------------------------------------------------------------------
// DNS

const CUSTOM_DNS: &str = r#"
region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled }
virtual_networks:
  - name: vnet
    address_space: [10.0.0.0/16]
    dns_servers: [10.0.0.4]
    subnets:
      - { name: dns, address_prefixes: [10.0.0.0/24] }
      - { name: pe, address_prefixes: [10.0.3.0/24] }
dns_servers:
  - name: dns
    address: 10.0.0.4
private_endpoints:
  - { name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace, dns_zone_group: [privatelink.api.azureml.ms, privatelink.notebooks.azure.net] }
private_dns_zones:
  - { name: privatelink.api.azureml.ms, vnet_links: [vnet] }
  - { name: privatelink.notebooks.azure.net, vnet_links: [vnet] }
"#;

#[test]
fn dns001_custom_dns_server_without_conditional_forwarders() {
    // Seed 004 / facts §2.3: the custom DNS server must forward the zones to 168.63.129.16.
    let v = check("DNS001", CUSTOM_DNS);
    assert_eq!(v.len(), 2, "{v:#?}");
    for f in &v {
        assert_eq!((f.code, f.severity), ("DNS001", Severity::Error));
        assert_eq!(f.resource, "vnet/vnet");
        assert_eq!(blocked(f), Code::RfPublicDisabled);
    }
    let forwarded = with(
        CUSTOM_DNS,
        "    address: 10.0.0.4\n",
        "    address: 10.0.0.4\n    forwarders:\n      - { zone: api.azureml.ms, to: [168.63.129.16] }\n      - { zone: notebooks.azure.net, to: [168.63.129.16] }\n",
    );
    none("DNS001", &forwarded);
    // One zone forwarded, the other not.
    let half = with(
        CUSTOM_DNS,
        "    address: 10.0.0.4\n",
        "    address: 10.0.0.4\n    forwarders:\n      - { zone: api.azureml.ms, to: [168.63.129.16] }\n",
    );
    let f = one("DNS001", &half, Severity::Error, "vnet/vnet");
    assert!(f.message.contains("notebooks.azure.net"), "{f:#?}");
}

#[test]
fn dns001_undescribed_dns_server_is_a_warning() {
    let yaml = with(
        CUSTOM_DNS,
        "dns_servers:\n  - name: dns\n    address: 10.0.0.4\n",
        "",
    );
    let v = check("DNS001", &yaml);
    assert!(!v.is_empty());
    assert!(v.iter().all(|f| f.severity == Severity::Warning), "{v:#?}");
}

/// A VM is given every DNS server of its VNet and asks the next when one does not answer: a
/// second server without the forwarders answers some queries publicly. Seed 004: "If you
/// have your own DNS server ... you need to create a conditional forwarder in your DNS
/// server"; each server of the list is one.
#[test]
fn dns001_every_server_of_the_list_must_forward() {
    let forwarded = with(
        CUSTOM_DNS,
        "    address: 10.0.0.4\n",
        "    address: 10.0.0.4\n    forwarders:\n      - { zone: api.azureml.ms, to: [168.63.129.16] }\n      - { zone: notebooks.azure.net, to: [168.63.129.16] }\n  - name: dns2\n    address: 10.0.0.5\n",
    );
    let two = with(
        &forwarded,
        "dns_servers: [10.0.0.4]",
        "dns_servers: [10.0.0.4, 10.0.0.5]",
    );
    none("DNS001", &forwarded);
    let v = check("DNS001", &two);
    assert_eq!(v.len(), 2, "one per zone: {v:#?}");
    for f in &v {
        assert_eq!((f.code, f.severity), ("DNS001", Severity::Error));
        assert!(f.message.contains("DNS server 10.0.0.5"), "{f:#?}");
        assert!(!f.message.contains("10.0.0.4"), "{f:#?}");
    }
}

const ONPREM: &str = r#"
region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled }
virtual_networks:
  - name: vnet
    address_space: [10.0.0.0/16]
    subnets:
      - { name: dns-inbound, address_prefixes: [10.0.2.0/28], delegations: [Microsoft.Network/dnsResolvers] }
      - { name: pe, address_prefixes: [10.0.3.0/24] }
      - { name: GatewaySubnet, address_prefixes: [10.0.255.0/27] }
virtual_network_gateways:
  - { name: vpn-gw, vnet: vnet, gateway_type: Vpn }
local_network_gateways:
  - { name: onprem, address_prefixes: [192.168.0.0/16], gateway_ip_address: 203.0.113.1 }
connections:
  - { name: s2s, connection_type: IPsec, virtual_network_gateway: vpn-gw, local_network_gateway: onprem }
dns_resolvers:
  - { name: resolver, vnet: vnet, inbound_endpoints: [{ name: in, subnet: vnet/dns-inbound, ip_address: 10.0.2.4 }] }
dns_servers:
  - name: onprem-dns
    address: 192.168.0.53
private_endpoints:
  - { name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace, dns_zone_group: [privatelink.api.azureml.ms, privatelink.notebooks.azure.net] }
private_dns_zones:
  - { name: privatelink.api.azureml.ms, vnet_links: [vnet] }
  - { name: privatelink.notebooks.azure.net, vnet_links: [vnet] }
clients:
  - { name: office, location: onprem, address: 192.168.10.25, dns_servers: [192.168.0.53], operations: [studio.open] }
"#;

#[test]
fn dns002_onprem_dns_without_forwarder_to_the_vnet() {
    // Seed 002: with a VPN gateway or ExpressRoute, plan name resolution between on-premises
    // and the VNet.
    let f = one("DNS002", ONPREM, Severity::Error, "workspace/ws");
    assert_eq!(blocked(&f), Code::RfPublicDisabled);
    let forwarded = with(
        ONPREM,
        "    address: 192.168.0.53\n",
        "    address: 192.168.0.53\n    forwarders:\n      - { zone: api.azureml.ms, to: [10.0.2.4] }\n      - { zone: notebooks.azure.net, to: [10.0.2.4] }\n",
    );
    none("DNS002", &forwarded);
}

#[test]
fn dns002_private_registry_name_from_onprem() {
    // Seed 000: DNS must resolve the registry's privatelink name; a client that only creates
    // registry assets is checked for the registry, not for the workspace.
    let yaml = with(
        ONPREM,
        "virtual_networks:",
        "registries:\n  - { name: contosoreg, public_network_access: Disabled }\nvirtual_networks:",
    );
    let yaml = with(
        &yaml,
        "private_dns_zones:",
        "  - { name: reg-pe, subnet: vnet/pe, target: registry/contosoreg, group_id: amlregistry, dns_zone_group: [privatelink.api.azureml.ms] }\nprivate_dns_zones:",
    );
    let yaml = with(
        &yaml,
        "operations: [studio.open]",
        "operations: [registry.create-from-local]",
    );
    let f = one("DNS002", &yaml, Severity::Error, "registry/contosoreg");
    // The registry has no public name: the on-premises resolver finds nothing.
    assert_eq!(blocked(&f), Code::DnsNxdomain);
    let forwarded = with(
        &yaml,
        "    address: 192.168.0.53\n",
        "    address: 192.168.0.53\n    forwarders:\n      - { zone: api.azureml.ms, to: [10.0.2.4] }\n",
    );
    none("DNS002", &forwarded);
}

#[test]
fn dns002_point_to_site_client_without_dns() {
    // Point-to-site clients cannot reach 168.63.129.16: without a DNS server of their own they
    // resolve publicly.
    let p2s = with(
        ONPREM,
        "  - { name: vpn-gw, vnet: vnet, gateway_type: Vpn }",
        "  - { name: vpn-gw, vnet: vnet, gateway_type: Vpn, vpn_client_address_pool: [172.20.0.0/24] }",
    );
    let p2s = with(
        &p2s,
        "  - { name: office, location: onprem, address: 192.168.10.25, dns_servers: [192.168.0.53], operations: [studio.open] }",
        "  - { name: laptop, location: p2s/vpn-gw, address: 172.20.0.10, operations: [studio.open] }",
    );
    let f = one("DNS002", &p2s, Severity::Error, "workspace/ws");
    assert_eq!(blocked(&f), Code::RfPublicDisabled);
    // With the private resolver as its DNS server, the name resolves privately.
    none(
        "DNS002",
        &with(
            &p2s,
            "address: 172.20.0.10,",
            "address: 172.20.0.10, dns_servers: [10.0.2.4],",
        ),
    );
}

// ---------------------------------------------------------------------------------------------
// ST

/// Storage behind the VNet through a service endpoint on the training subnet.
fn service_endpoint_storage() -> String {
    let y = with(
        BASE,
        ST_LINE,
        "  - { name: st, public_network_access: Enabled, network_rules: { default_action: Deny, virtual_network_rules: [vnet/training], resource_access_rules: [{ resource_type: Microsoft.MachineLearningServices/workspaces, name: ws }] } }",
    );
    let y = with(
        &y,
        "{ name: training, address_prefixes: [10.0.1.0/24] }",
        "{ name: training, address_prefixes: [10.0.1.0/24], service_endpoints: [Microsoft.Storage] }",
    );
    y.lines()
        .filter(|l| !l.contains("st-blob") && !l.contains("st-file"))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn st001_studio_with_service_endpoint_storage_needs_the_same_subnet() {
    // Seed 002: "If the storage account uses a service endpoint, the workspace private endpoint
    // and storage service endpoint must be in the same subnet of the VNet."
    let yaml = service_endpoint_storage();
    let f = one("ST001", &yaml, Severity::Error, "storage/st");
    assert!(f.message.contains("vnet/pe"), "{f:#?}");
    none(
        "ST001",
        &with(
            &yaml,
            "{ name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace, ip_address: 10.0.3.4,",
            "{ name: ws-pe, subnet: vnet/training, target: workspace/ws, group_id: amlworkspace, ip_address: 10.0.1.200,",
        ),
    );
}

#[test]
fn st001_with_storage_secured_by_a_perimeter_is_undecided() {
    // Seed 002 asks the workspace private endpoint in the subnet the storage's service
    // endpoint admits. With the storage's public access SecuredByPerimeter, "Enforced: the
    // resource obeys only network security perimeter access rules" (Private Link, "Transition
    // to a network security perimeter"): whether its virtual network rules bind studio is its
    // perimeter's to say, so the finding is a warning naming the perimeter, not an error.
    let yaml = with(
        &service_endpoint_storage(),
        "{ name: st, public_network_access: Enabled,",
        "{ name: st, public_network_access: SecuredByPerimeter,",
    );
    let f = one("ST001", &yaml, Severity::Warning, "storage/st");
    assert!(!f.decided(), "{f:#?}");
    assert!(
        f.needs
            .iter()
            .any(|n| n.contains("network security perimeter storage/st")),
        "{f:#?}"
    );
}

#[test]
fn st001_needs_studio_users() {
    let yaml = with(
        &service_endpoint_storage(),
        "operations: [studio.open, sdk.connect]",
        "operations: [sdk.connect]",
    );
    none("ST001", &yaml);
}

#[test]
fn st002_studio_endpoint_and_storage_endpoint_in_different_vnets() {
    // Seed 002: "the workspace private endpoint and storage private endpoint must be in the
    // same VNet. In this case, they can be in different subnets."
    let f = one("ST002", ISOLATED, Severity::Error, "storage/st");
    assert!(f.message.contains("client-ws-pe"), "{f:#?}");
    none("ST002", &isolated_complete());
    none("ST002", BASE);
}

#[test]
fn st003_storage_endpoints_need_blob_and_file() {
    let no_file: String = BASE
        .lines()
        .filter(|l| !l.contains("st-file"))
        .map(|l| format!("{l}\n"))
        .collect();
    let f = one("ST003", &no_file, Severity::Error, "storage/st");
    assert!(f.message.contains("file"), "{f:#?}");
    none("ST003", BASE);
    // Storage open to all networks is not "behind private endpoints".
    none(
        "ST003",
        &with(
            &no_file,
            ST_LINE,
            "  - { name: st, public_network_access: Enabled }",
        ),
    );
}

#[test]
fn st003_parallel_run_step_wants_queue_and_table() {
    let yaml = with(
        BASE,
        "enable_node_public_ip: false }",
        "enable_node_public_ip: false, uses: [parallel-run-step] }",
    );
    let f = one("ST003", &yaml, Severity::Warning, "storage/st");
    assert!(f.message.contains("queue or table"), "{f:#?}");
    let with_both = with(
        &yaml,
        "private_dns_zones:",
        "  - { name: st-queue, subnet: vnet/pe, target: storage/st, group_id: queue }\n  - { name: st-table, subnet: vnet/pe, target: storage/st, group_id: table }\nprivate_dns_zones:",
    );
    none("ST003", &with_both);
}

const SELECTED_STORAGE: &str = r#"
region: eastus
workspaces:
  - { name: ws, storage_account: st }
storage_accounts:
  - { name: st, public_network_access: Enabled, network_rules: { default_action: Deny, bypass: [None] } }
"#;

#[test]
fn st004_selected_networks_without_workspace_access() {
    let f = one("ST004", SELECTED_STORAGE, Severity::Error, "storage/st");
    assert_eq!(blocked(&f), Code::RfServiceDenied);
    // Seed 002: a resource instance rule for the workspace...
    none(
        "ST004",
        &with(
            SELECTED_STORAGE,
            "bypass: [None] }",
            "bypass: [None], resource_access_rules: [{ resource_type: Microsoft.MachineLearningServices/Workspace, name: ws }] }",
        ),
    );
    // ... or the trusted services exception.
    none(
        "ST004",
        &with(
            SELECTED_STORAGE,
            "bypass: [None]",
            "bypass: [AzureServices]",
        ),
    );
}

/// A hub firewall between the training subnet and the storage private endpoints.
const FIREWALL_445: &str = r#"
region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled, storage_account: st }
computes:
  - { name: cpu-cluster, workspace: ws, type: AmlCompute, subnet: spoke/training, enable_node_public_ip: false }
storage_accounts:
  - { name: st, public_network_access: Disabled }
virtual_networks:
  - name: hub
    address_space: [10.100.0.0/16]
    subnets:
      - { name: AzureFirewallSubnet, address_prefixes: [10.100.0.0/26] }
    peerings:
      - { remote_vnet: spoke, allow_forwarded_traffic: true }
  - name: spoke
    address_space: [10.0.0.0/16]
    subnets:
      - { name: training, address_prefixes: [10.0.1.0/24], route_table: rt }
      - { name: pe, address_prefixes: [10.0.3.0/24] }
    peerings:
      - { remote_vnet: hub, allow_forwarded_traffic: true }
route_tables:
  - name: rt
    routes:
      - { name: pe-via-fw, address_prefix: 10.0.3.0/24, next_hop_type: VirtualAppliance, next_hop_ip_address: 10.100.0.4 }
firewalls:
  - name: fw
    vnet: hub
    private_ip_address: 10.100.0.4
    firewall_policy: pol
firewall_policies:
  - name: pol
    rule_collection_groups:
      - name: g
        priority: 100
        network_rule_collections:
          - name: to-pe
            priority: 100
            action: Allow
            rules:
              - { name: https, protocols: [TCP], source_addresses: [10.0.1.0/24], destination_addresses: [10.0.3.0/24], destination_ports: [443] }
private_endpoints:
  - { name: st-blob, subnet: spoke/pe, target: storage/st, group_id: blob, dns_zone_group: [privatelink.blob.core.windows.net] }
  - { name: st-file, subnet: spoke/pe, target: storage/st, group_id: file, dns_zone_group: [privatelink.file.core.windows.net] }
private_dns_zones:
  - { name: privatelink.blob.core.windows.net, vnet_links: [spoke] }
  - { name: privatelink.file.core.windows.net, vnet_links: [spoke] }
"#;

#[test]
fn st005_firewall_between_compute_and_storage_endpoint_blocks_smb() {
    // Seed 002: 445 "is only required if you have a firewall between your virtual network for
    // Azure ML and a private endpoint for your storage accounts".
    let f = one("ST005", FIREWALL_445, Severity::Error, "storage/st:file");
    assert_eq!(blocked(&f), Code::FwImplicitDeny);
    none(
        "ST005",
        &with(
            FIREWALL_445,
            "destination_ports: [443] }",
            "destination_ports: [443, 445] }",
        ),
    );
    // Without the route through the firewall, no firewall is in the way.
    none(
        "ST005",
        &with(
            FIREWALL_445,
            "{ name: training, address_prefixes: [10.0.1.0/24], route_table: rt }",
            "{ name: training, address_prefixes: [10.0.1.0/24] }",
        ),
    );
}

// ---------------------------------------------------------------------------------------------
// KV

#[test]
fn kv001_key_vault_outside_the_workspace_endpoint_network() {
    // Seed 002: "the key vault must be in the same network as the private endpoint of the
    // workspace".
    let no_kv: String = BASE
        .lines()
        .filter(|l| !l.contains("kv-pe"))
        .map(|l| format!("{l}\n"))
        .collect();
    let f = one("KV001", &no_kv, Severity::Error, "keyvault/kv");
    assert_eq!(blocked(&f), Code::RfPublicDisabled);
    none("KV001", BASE);
    // A service endpoint admitted by the vault is the documented alternative.
    let se = with(
        &no_kv,
        "  - { name: kv, public_network_access: Disabled }",
        "  - { name: kv, network_acls: { default_action: Deny, virtual_network_rules: [vnet/pe] } }",
    );
    let se = with(
        &se,
        "{ name: pe, address_prefixes: [10.0.3.0/24] }",
        "{ name: pe, address_prefixes: [10.0.3.0/24], service_endpoints: [Microsoft.KeyVault] }",
    );
    none("KV001", &se);
    // With a managed network, the computes reach the vault from the managed network.
    none(
        "KV001",
        &with(
            &no_kv,
            "image_build_compute: cpu-cluster }",
            "image_build_compute: cpu-cluster, managed_network: { isolation_mode: AllowInternetOutbound } }",
        ),
    );
}

// ---------------------------------------------------------------------------------------------
// The examples: working architectures, so none of these rules reports an error on them.

#[test]
fn examples_have_no_errors_from_these_rules() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path().join("topology.yaml");
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        seen += 1;
        let t = topology(&text);
        let e = Engine::for_topology(&t, None).unwrap();
        let cx = Context::new(&e);
        let sel = Selection {
            select: CODES.iter().map(|c| c.to_string()).collect(),
            ignore: vec![],
        };
        let errors: Vec<Finding> = run(&cx, &sel)
            .into_iter()
            .filter(|f| f.severity == Severity::Error)
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
    }
    assert!(seen > 0, "no example found in {}", dir.display());
}

#[test]
fn self_contained_documentation_examples_trigger_their_rule() {
    // The examples of rules about a few resources are complete topologies; those of rules
    // about network layouts are fragments and are exercised by the tests above instead.
    for code in [
        "WS002", "WS003", "WS004", "WS005", "WS006", "REG003", "REG004", "REG005", "REG006",
        "REG007", "REG008", "REG010", "REG012", "REG013", "PE001", "PE006", "PE007", "DNS001",
        "ST003", "ST004", "KV001", "CMP015", "MVN014", "EP012", "DNS007", "OUT007",
    ] {
        let doc = by_code(code).unwrap().doc();
        let v = check(code, &format!("region: eastus\n{}\n", doc.example));
        assert!(!v.is_empty(), "{code}: its example does not trigger it");
        assert!(v.iter().all(|f| f.code == code));
    }
}
