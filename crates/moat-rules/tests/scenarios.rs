//! Path rules over documented scenarios: hub and project workspaces, on-premises sites. Each
//! test names the document sentence it checks and asserts the hop that decides.

use moat_engine::Code;
use moat_rules::{Finding, Severity};

fn findings(yaml: &str, code: &str) -> Vec<Finding> {
    let t = match moat_ingest::parse_native_str("t.yaml", yaml) {
        Ok(t) => t,
        Err(d) => panic!("bad test topology: {d:#?}"),
    };
    let e = moat_engine::Engine::for_topology(&t, None).expect("engine");
    let cx = moat_rules::Context::new(&e);
    let mut v = Vec::new();
    moat_rules::by_code(code)
        .unwrap_or_else(|| panic!("{code} is not registered"))
        .check(&cx, &mut v);
    v
}

fn blocked(f: &Finding) -> Code {
    let t = f.trace.as_ref().expect("a path finding carries its trace");
    t.blocked_by()
        .map(|h| h.code)
        .expect("the trace stops at a hop")
}

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
fn no_ws001_on_a_project_under_a_reachable_private_hub() {
    // Facts §6 item 99: projects share their hub's network; the jump box reaches the hub's
    // private endpoint, so neither hub nor project is unreachable.
    let v = findings(HUB_AND_PROJECT, "WS001");
    assert!(v.is_empty(), "{v:#?}");
}

#[test]
fn ws001_reports_the_hub_once_when_no_client_reaches_it() {
    // One cause, one finding: the project's reachability is the hub's.
    let yaml = HUB_AND_PROJECT.replace("vnet_links: [vnet]", "vnet_links: []");
    let v = findings(&yaml, "WS001");
    assert_eq!(v.len(), 1, "{v:#?}");
    assert_eq!(v[0].resource, "workspace/hub");
    assert_eq!(blocked(&v[0]), Code::RfPublicDisabled);
}

/// A private workspace, reached only from an on-premises site over a site-to-site VPN.
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
  - { name: onprem-dns, address: 192.168.0.53, forwarders: [{ zone: api.azureml.ms, to: [10.0.2.4] }, { zone: notebooks.azure.net, to: [10.0.2.4] }] }
  - { name: vnet-dns, address: 10.0.2.4, forwarders: [{ zone: api.azureml.ms, to: [168.63.129.16] }, { zone: notebooks.azure.net, to: [168.63.129.16] }] }
private_endpoints:
  - { name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace, ip_address: 10.0.3.4,
      dns_zone_group: [privatelink.api.azureml.ms, privatelink.notebooks.azure.net] }
private_dns_zones:
  - { name: privatelink.api.azureml.ms, vnet_links: [vnet] }
  - { name: privatelink.notebooks.azure.net, vnet_links: [vnet] }
"#;

#[test]
fn an_onprem_site_with_a_path_is_a_client_location() {
    // Seed 002 "Securely connect to your workspace": a VPN gateway or ExpressRoute connects
    // on-premises networks to the VNet; such a site is where clients work from.
    assert!(findings(ONPREM_SITE, "WS001").is_empty());
    assert!(findings(ONPREM_SITE, "DNS002").is_empty());
}

#[test]
fn dns002_fires_for_an_onprem_site_whose_dns_has_no_forwarder() {
    // Facts §2.3: on-premises DNS forwards api.azureml.ms to the in-VNet DNS server; without
    // it the name resolves publicly and the private workspace refuses.
    let yaml = ONPREM_SITE.replace(
        "forwarders: [{ zone: api.azureml.ms, to: [10.0.2.4] }, { zone: notebooks.azure.net, to: [10.0.2.4] }] }",
        "forwarders: [{ zone: notebooks.azure.net, to: [10.0.2.4] }] }",
    );
    let v = findings(&yaml, "DNS002");
    assert_eq!(v.len(), 1, "{v:#?}");
    assert_eq!(v[0].severity, Severity::Error);
    assert!(v[0].message.contains("office"), "{}", v[0].message);
    assert_eq!(blocked(&v[0]), Code::RfPublicDisabled);
    let ws001 = findings(&yaml, "WS001");
    assert_eq!(ws001.len(), 1, "{ws001:#?}");
    assert!(
        !ws001[0].message.contains("no client location exists"),
        "{}",
        ws001[0].message
    );
}

/// A private workspace and its private endpoint, and nothing that says where users work from:
/// the shape of a template that deploys the workspace alone (checkov's and PSRule's fixtures
/// among them).
const WORKSPACE_ALONE: &str = r#"
region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled, workspace_id: 11111111-2222-3333-4444-555555555555 }
virtual_networks:
  - name: vnet
    address_space: [10.0.0.0/16]
    subnets:
      - { name: pe, address_prefixes: [10.0.3.0/24] }
private_endpoints:
  - { name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace, ip_address: 10.0.3.4,
      dns_zone_group: [privatelink.api.azureml.ms] }
private_dns_zones:
  - { name: privatelink.api.azureml.ms, vnet_links: [vnet] }
"#;

#[test]
fn ws001_without_any_declared_client_location_is_undecided() {
    // Seed 002 "Securely connect to your workspace": clients reach a private workspace from a
    // VNet, through a VPN, ExpressRoute or a jump box. An input that declares none of these does
    // not say where its users are; it is not a deployment without a path. The requirement is
    // reported as information that says it is open and what to declare: it fails no run (a CI
    // job on the private twin of a public workspace passes), and it is never an error.
    let v = findings(WORKSPACE_ALONE, "WS001");
    assert_eq!(v.len(), 1, "{v:#?}");
    assert_eq!(v[0].severity, Severity::Info);
    assert!(
        v[0].message.starts_with("cannot confirm"),
        "{}",
        v[0].message
    );
    assert!(!v[0].needs.is_empty(), "undecided: {v:#?}");
    // A client declared on the internet has no path: that is decided, an error.
    let yaml = format!("{WORKSPACE_ALONE}clients: [{{ name: alice, location: internet }}]\n");
    let v = findings(&yaml, "WS001");
    assert_eq!(v.len(), 1, "{v:#?}");
    assert_eq!(v[0].severity, Severity::Error);
    assert!(v[0].needs.is_empty());
    // The public twin: no WS001; that it is open to every network is SEC002's finding.
    let public = WORKSPACE_ALONE.replace(
        "public_network_access: Disabled",
        "public_network_access: Enabled",
    );
    assert!(findings(&public, "WS001").is_empty());
}

/// A secure workspace whose storage has public access Disabled, and a registry model version
/// whose URI points into the workspace's datastore, written as an ARM template.
const SHARED_MODEL_ARM: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    { "type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "name": "wsstore",
      "location": "eastus", "kind": "StorageV2", "sku": { "name": "Standard_LRS" },
      "properties": { "publicNetworkAccess": "Disabled" } },
    { "type": "Microsoft.MachineLearningServices/workspaces", "apiVersion": "2024-04-01",
      "name": "ws", "location": "eastus", "identity": { "type": "SystemAssigned" },
      "properties": { "storageAccount": "[resourceId('Microsoft.Storage/storageAccounts', 'wsstore')]",
                      "publicNetworkAccess": "Disabled" } },
    { "type": "Microsoft.MachineLearningServices/registries", "apiVersion": "2024-04-01",
      "name": "contosoreg", "location": "eastus",
      "properties": { "regionDetails": [{ "location": "eastus" }] } },
    { "type": "Microsoft.MachineLearningServices/registries/models/versions",
      "apiVersion": "2024-04-01", "name": "contosoreg/churn/1",
      "properties": { "modelUri": "azureml://subscriptions/s/resourcegroups/rg/workspaces/ws/datastores/workspaceblobstore/paths/churn/" } }
  ]
}"#;

#[test]
fn reg005_sees_a_share_declared_by_a_registry_model_version() {
    // Seed "Network isolation with registries", "Share assets from workspace to registry":
    // sharing from a secure workspace whose storage has public network access Disabled is
    // blocked (facts §6 item 89). The share is declared by the model version's URI, and
    // `ops` and `check` both see it.
    let dir = std::env::temp_dir().join(format!("moat-share-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("azuredeploy.json");
    std::fs::write(&f, SHARED_MODEL_ARM).unwrap();
    let t = moat_ingest::load(&f, None).expect("loads").topology;
    let e = moat_engine::Engine::for_topology(&t, None).expect("engine");
    let cx = moat_rules::Context::new(&e);
    let mut v = Vec::new();
    moat_rules::by_code("REG005").unwrap().check(&cx, &mut v);
    assert_eq!(v.len(), 1, "{v:#?}");
    assert_eq!(v[0].resource, "storage/wsstore");
    let t = v[0].trace.as_ref().expect("the share's flow");
    assert_eq!(t.blocked_by().unwrap().code, Code::RfPublicDisabled);
    let ops = moat_engine::ops::evaluate(&e, &cx.intent, &Default::default());
    let share = ops
        .iter()
        .find(|r| r.op == moat_engine::OpId::RegistryShareFromWorkspace)
        .expect("the share operation");
    assert_eq!(share.status, moat_engine::ops::Status::Fails);
}

/// A hub with Azure Firewall allowing only pypi.org, a spoke whose DNS server is a VM in the
/// hub that the deployment does not describe, and a compute cluster in the spoke.
const UNDESCRIBED_DNS: &str = r#"
region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled, workspace_id: 11111111-2222-3333-4444-555555555555, storage_account: st, key_vault: kv }
storage_accounts: [{ name: st }]
key_vaults: [{ name: kv }]
computes:
  - { name: cpu, workspace: ws, type: AmlCompute, subnet: spoke/training }
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
fn out001_is_decided_behind_an_undescribed_dns_server() {
    // Facts §2.3 asks a custom DNS server to forward the privatelink zones to 168.63.129.16;
    // what it does with other names is any recursive resolver's business. The cluster's
    // required outbound (seed 002, "Required public internet access": AzureMachineLearning,
    // BatchNodeManagement, Storage) meets the firewall, which allows only pypi.org: OUT001 is
    // an established error, decided at the firewall, not left open by the DNS server.
    let v = findings(UNDESCRIBED_DNS, "OUT001");
    assert!(!v.is_empty(), "the firewall refuses the required outbound");
    for f in &v {
        assert_eq!(f.severity, Severity::Error, "{f:#?}");
        assert!(f.needs.is_empty(), "decided: {f:#?}");
        assert_eq!(blocked(f), Code::FwImplicitDeny, "{f:#?}");
    }
}

/// A workspace private endpoint in a hub, an analyst's VM in a peered spoke with the
/// privatelink.api.azureml.ms zone linked, and an online endpoint whose public network access
/// is disabled; the analyst scores the endpoint.
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
clients: [{ name: analyst, location: vm/analyst, operations: [endpoint.score] }]
"#;

/// The status of endpoint.score on `yaml`.
fn endpoint_score(yaml: &str) -> moat_engine::ops::OpResult {
    let t = moat_ingest::parse_native_str("t.yaml", yaml).expect("test topology");
    let e = moat_engine::Engine::for_topology(&t, None).expect("engine");
    let f = moat_engine::ops::Filter {
        op: Some(moat_engine::OpId::EndpointScore),
        ..Default::default()
    };
    let mut v = moat_engine::ops::evaluate(&e, &moat_engine::intent::Intent::of(&t), &f);
    assert_eq!(v.len(), 1, "{v:#?}");
    v.remove(0)
}

#[test]
fn endpoint_scoring_through_the_workspace_endpoint_works_in_ops_and_check() {
    // Seed 004 "Managed online endpoints" and facts §2.2/§8: scoring enters through the
    // workspace private endpoint (the scoring host resolves through the endpoint's wildcard
    // record in privatelink.api.azureml.ms). ops says it works; check reports no failing
    // operation.
    let r = endpoint_score(ENDPOINT_SCORING);
    assert_eq!(r.status, moat_engine::ops::Status::Works, "{r:#?}");
    assert!(findings(ENDPOINT_SCORING, "OPS001").is_empty());
}

#[test]
fn endpoint_scoring_without_the_zone_link_fails_in_ops_and_check() {
    // Facts §8: an endpoint with public network access disabled is reached only through the
    // workspace private endpoint; without the zone link the name resolves publicly and the
    // endpoint refuses it. ops says it fails, and check reports the same flow, blocked at the
    // same hop.
    let yaml = ENDPOINT_SCORING.replace("vnet_links: [spoke]", "vnet_links: []");
    let r = endpoint_score(&yaml);
    assert_eq!(r.status, moat_engine::ops::Status::Fails, "{r:#?}");
    let failing = &r.flows[0].trace;
    assert_eq!(failing.blocked_by().unwrap().code, Code::RfPublicDisabled);
    let v = findings(&yaml, "OPS001");
    let f = v
        .iter()
        .find(|f| f.resource == "online-endpoint/score")
        .unwrap_or_else(|| panic!("check reports the failing scoring: {v:#?}"));
    assert_eq!(blocked(f), Code::RfPublicDisabled);
    assert!(f.needs.is_empty(), "decided: {f:#?}");
}

/// The status of `op` on `subject` in `yaml`.
fn op_status(yaml: &str, op: moat_engine::OpId, subject: &str) -> moat_engine::ops::OpResult {
    let t = moat_ingest::parse_native_str("t.yaml", yaml).expect("test topology");
    let e = moat_engine::Engine::for_topology(&t, None).expect("engine");
    let f = moat_engine::ops::Filter {
        op: Some(op),
        ..Default::default()
    };
    moat_engine::ops::evaluate(&e, &moat_engine::intent::Intent::of(&t), &f)
        .into_iter()
        .find(|r| r.subject.to_string() == subject)
        .unwrap_or_else(|| panic!("no {op} on {subject}"))
}

#[test]
fn a_project_is_used_through_its_hubs_endpoint_in_ops_and_check() {
    // Facts §6 item 99: projects share their hub's network. The jump box connects to the
    // project with the SDK through the hub's private endpoint (ops: works), and check has no
    // WS001 on either; without the zone link both fail, and check reports the hub once.
    let yaml = format!(
        "{HUB_AND_PROJECT}clients: [{{ name: datasci, location: vm/jumpbox, operations: [sdk.connect] }}]\n"
    );
    let r = op_status(&yaml, moat_engine::OpId::SdkConnect, "workspace/project");
    assert_eq!(r.status, moat_engine::ops::Status::Works, "{r:#?}");
    assert!(
        r.flows[0]
            .trace
            .hops
            .iter()
            .any(|h| h.code == Code::PeApproved && h.element.contains("hub-pe")),
        "{r:#?}"
    );
    assert!(findings(&yaml, "WS001").is_empty());
    let unlinked = yaml.replace("vnet_links: [vnet]", "vnet_links: []");
    let r = op_status(
        &unlinked,
        moat_engine::OpId::SdkConnect,
        "workspace/project",
    );
    assert_eq!(r.status, moat_engine::ops::Status::Fails, "{r:#?}");
    let v = findings(&unlinked, "WS001");
    assert_eq!(v.len(), 1, "{v:#?}");
    assert_eq!(v[0].resource, "workspace/hub");
    assert_eq!(blocked(&v[0]), Code::RfPublicDisabled);
}
