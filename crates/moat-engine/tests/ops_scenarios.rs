//! Operations evaluated to their definitions (rules.md, "Operations"), each against the
//! document sentence it comes from, asserting the flow or requirement that decides.

use moat_engine::Engine;
use moat_engine::intent::Intent;
use moat_engine::ops::{Filter, OpResult, Status, evaluate};
use moat_engine::{Code, OpId, Step};

fn op(yaml: &str, id: OpId) -> OpResult {
    let t = match moat_ingest::parse_native_str("t.yaml", yaml) {
        Ok(t) => t,
        Err(d) => panic!("bad test topology: {d:#?}"),
    };
    let e = Engine::for_topology(&t, None).unwrap();
    let f = Filter {
        op: Some(id),
        ..Default::default()
    };
    let mut v = evaluate(&e, &Intent::of(&t), &f);
    assert_eq!(v.len(), 1, "{v:#?}");
    v.remove(0)
}

fn flow<'a>(r: &'a OpResult, purpose: &str) -> &'a moat_engine::ops::FlowResult {
    r.flows
        .iter()
        .find(|f| f.purpose.contains(purpose))
        .unwrap_or_else(|| panic!("no flow `{purpose}` in {r:#?}"))
}

/// A compute cluster without public IP in a subnet whose NSG denies one required outbound.
const CLUSTER: &str = r#"
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
      - { name: NoBatch, priority: 100, direction: Outbound, access: Deny, destination: BatchNodeManagement.EastUS }
"#;

#[test]
fn compute_create_needs_the_required_outbound() {
    // Facts §3.4 "Compute with no public IP": outbound BatchNodeManagement.<region> 443,
    // AzureMachineLearning TCP 443 / UDP 5831, Storage.<region> 443.
    let r = op(CLUSTER, OpId::ComputeCreate);
    assert_eq!(r.status, Status::Fails, "{r:#?}");
    let batch = flow(&r, "Batch node management");
    assert_eq!(
        batch.trace.blocked_by().unwrap().code,
        Code::NsgOutboundDeny
    );
    assert!(flow(&r, "compute lifecycle (UDP 5831)").trace.protocol == "udp");
    let open = CLUSTER.replace("access: Deny", "access: Allow");
    assert_eq!(op(&open, OpId::ComputeCreate).status, Status::Works);
}

/// A cluster in a spoke whose traffic to the storage private endpoint in the hub goes through
/// Azure Firewall (UDR for the hub range), and a workspace with its default storage.
const THROUGH_FIREWALL: &str = r#"
region: eastus
workspaces: [{ name: ws, storage_account: st }]
storage_accounts: [{ name: st, public_network_access: Disabled }]
computes:
  - { name: cpu, workspace: ws, type: AmlCompute, subnet: spoke/s, enable_node_public_ip: false }
virtual_networks:
  - name: hub
    address_space: [10.100.0.0/16]
    subnets:
      - { name: AzureFirewallSubnet, address_prefixes: [10.100.0.0/26] }
      - { name: pe, address_prefixes: [10.100.3.0/24] }
    peerings: [{ remote_vnet: spoke, allow_forwarded_traffic: true }]
  - name: spoke
    address_space: [10.0.0.0/16]
    subnets: [{ name: s, address_prefixes: [10.0.1.0/24], route_table: rt }]
    peerings: [{ remote_vnet: hub, allow_forwarded_traffic: true }]
route_tables:
  - name: rt
    routes: [{ name: pes, address_prefix: 10.100.3.0/24, next_hop_type: VirtualAppliance, next_hop_ip_address: 10.100.0.4 }]
firewalls:
  - name: fw
    vnet: hub
    private_ip_address: 10.100.0.4
    network_rule_collections:
      - name: storage
        priority: 100
        action: Allow
        rules: [{ name: files, source_addresses: ["10.0.0.0/16"], destination_addresses: ["10.100.3.0/24"], protocols: [TCP], destination_ports: ["443"] }]
private_endpoints:
  - { name: st-file, subnet: hub/pe, target: storage/st, group_id: file, ip_address: 10.100.3.5,
      dns_zone_group: [privatelink.file.core.windows.net] }
private_dns_zones:
  - { name: privatelink.file.core.windows.net, vnet_links: [spoke] }
"#;

#[test]
fn job_run_needs_smb_only_through_a_firewall() {
    // Seed 002, required outbound footnote / facts §3.2: TCP 445 to storage "only if a firewall
    // sits between the AML VNet and the storage PEs". Here it does, and allows only 443.
    let r = op(THROUGH_FIREWALL, OpId::JobRun);
    let smb = flow(&r, "(SMB, through the firewall)");
    assert_eq!(smb.trace.port, 445);
    assert_eq!(smb.trace.blocked_by().unwrap().step, Step::Firewall);
    // Without the firewall on the way (no UDR), no SMB flow is required.
    let direct = THROUGH_FIREWALL.replace(", route_table: rt", "");
    let r = op(&direct, OpId::JobRun);
    assert!(
        !r.flows.iter().any(|f| f.trace.port == 445),
        "{:#?}",
        r.flows.iter().map(|f| &f.purpose).collect::<Vec<_>>()
    );
}

/// Studio users on a jump box in one VNet reaching the workspace private endpoint there, with
/// the default storage's private endpoints in another VNet.
const STUDIO: &str = r#"
region: eastus
workspaces: [{ name: ws, public_network_access: Disabled, storage_account: st }]
storage_accounts: [{ name: st, public_network_access: Disabled }]
virtual_networks:
  - name: a
    address_space: [10.0.0.0/16]
    subnets: [{ name: clients, address_prefixes: [10.0.1.0/24] }, { name: pe, address_prefixes: [10.0.3.0/24] }]
    peerings: [{ remote_vnet: b }]
  - name: b
    address_space: [10.1.0.0/16]
    subnets: [{ name: pe, address_prefixes: [10.1.3.0/24] }]
    peerings: [{ remote_vnet: a }]
virtual_machines: [{ name: jumpbox, network_interfaces: [nic] }]
network_interfaces: [{ name: nic, subnet: a/clients, private_ip_address: 10.0.1.4 }]
clients: [{ name: datasci, location: vm/jumpbox, operations: [studio.data] }]
private_endpoints:
  - { name: ws-pe, subnet: a/pe, target: workspace/ws, group_id: amlworkspace, ip_address: 10.0.3.4,
      dns_zone_group: [privatelink.api.azureml.ms] }
  - { name: st-blob, subnet: b/pe, target: storage/st, group_id: blob, ip_address: 10.1.3.4,
      dns_zone_group: [privatelink.blob.core.windows.net] }
  - { name: st-file, subnet: b/pe, target: storage/st, group_id: file, ip_address: 10.1.3.5,
      dns_zone_group: [privatelink.file.core.windows.net] }
private_dns_zones:
  - { name: privatelink.api.azureml.ms, vnet_links: [a] }
  - { name: privatelink.blob.core.windows.net, vnet_links: [a] }
  - { name: privatelink.file.core.windows.net, vnet_links: [a] }
"#;

#[test]
fn studio_data_checks_the_co_location_requirement() {
    // Seed 002, Limitations: with storage private endpoints, studio needs the workspace private
    // endpoint in the same VNet as the storage's (rule ST002) — although the flows pass.
    let r = op(STUDIO, OpId::StudioData);
    assert!(
        r.flows
            .iter()
            .all(|f| f.verdict == moat_engine::Verdict::Allowed),
        "{r:#?}"
    );
    assert_eq!(r.status, Status::Fails);
    let q = &r.requirements[0];
    assert_eq!(q.rule, Some(moat_engine::RuleCode::St002));
    assert_eq!(q.met, Some(false));
    let same_vnet = STUDIO
        .replace(
            "subnet: b/pe, target: storage/st, group_id: blob, ip_address: 10.1.3.4",
            "subnet: a/pe, target: storage/st, group_id: blob, ip_address: 10.0.3.6",
        )
        .replace(
            "subnet: b/pe, target: storage/st, group_id: file, ip_address: 10.1.3.5",
            "subnet: a/pe, target: storage/st, group_id: file, ip_address: 10.0.3.7",
        );
    assert_eq!(op(&same_vnet, OpId::StudioData).status, Status::Works);
}

#[test]
fn image_build_reaches_the_documented_package_and_image_hosts() {
    // Facts §4.4 (mcr.microsoft.com, *.data.mcr.microsoft.com) and §4.5 (pypi.org,
    // *.pythonhosted.org, anaconda.com, *.anaconda.com, *.anaconda.org).
    let yaml = r#"
region: eastus
workspaces: [{ name: ws, image_build_compute: cpu }]
computes: [{ name: cpu, workspace: ws, type: AmlCompute }]
"#;
    let r = op(yaml, OpId::ImageBuild);
    for host in [
        "mcr.microsoft.com",
        "eastus.data.mcr.microsoft.com",
        "pypi.org",
        "files.pythonhosted.org",
        "anaconda.com",
        "repo.anaconda.com",
        "conda.anaconda.org",
    ] {
        assert_eq!(
            flow(&r, &format!("→ {host} (")).trace.to.to_string(),
            format!("fqdn:{host}")
        );
    }
}

#[test]
fn registry_discover_follows_the_registry_fqdns() {
    // Facts §10: the discovery URL answers `registryFqdns`, the registry's own host names,
    // which the client then connects to: a private registry needs its private endpoint.
    let yaml = r#"
region: eastus
registries: [{ name: reg, public_network_access: Disabled, registry_id: 99999999-0000-0000-0000-000000000001 }]
clients: [{ name: laptop, location: internet, operations: [registry.create-from-local] }]
"#;
    let r = op(yaml, OpId::RegistryDiscover);
    assert_eq!(r.status, Status::Fails, "{r:#?}");
    let fqdns = flow(&r, "registryFqdns");
    assert_eq!(fqdns.trace.to.to_string(), "registry/reg");
    assert_eq!(fqdns.verdict, moat_engine::Verdict::Denied);
}

#[test]
fn registry_discover_with_a_region_left_open_is_not_decided_on_an_invented_host() {
    // Seed 000: "The format for the discovery URL is
    // https://<region>.api.azureml.ms/registrymanagement/v1.0/registries/<registry_name>/discovery,
    // where <region> is the region where your registry is located". The registry's region is
    // not given: the firewall's rule for the East US host lets the call through if that is
    // its region, and not otherwise. Before, the host built without a region matched no rule
    // and the call was denied.
    let yaml = r#"
registries: [{ name: reg, registry_id: 99999999-0000-0000-0000-000000000001 }]
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
      - name: registry
        priority: 100
        action: Allow
        rules:
          - { name: discovery, source_addresses: [10.0.0.0/16], protocols: ["Https:443"], target_fqdns: [eastus.api.azureml.ms] }
public_ips: [{ name: fw-pip, ip_address: 20.5.5.5 }]
virtual_machines: [{ name: jump, network_interfaces: [jump-nic] }]
network_interfaces: [{ name: jump-nic, subnet: spoke/s, private_ip_address: 10.0.1.4 }]
clients: [{ name: analyst, location: vm/jump, operations: [registry.create-from-local] }]
"#;
    let r = op(yaml, OpId::RegistryDiscover);
    let discovery = flow(&r, "discovery URL");
    assert_eq!(
        discovery.verdict,
        moat_engine::Verdict::Unknown,
        "{discovery:#?}"
    );
    assert!(
        discovery
            .trace
            .hops
            .iter()
            .any(|h| h.step == Step::Firewall && h.decision == moat_engine::HopDecision::Unknown),
        "the firewall's rule is what it rests on: {discovery:#?}"
    );
    assert!(
        discovery.trace.missing.iter().any(|m| m.contains("region")),
        "{:?}",
        discovery.trace.missing
    );
    // Named for a region, the same rule decides.
    let r = op(
        &yaml.replace("{ name: reg,", "{ name: reg, region: eastus,"),
        OpId::RegistryDiscover,
    );
    assert_eq!(
        flow(&r, "discovery URL").verdict,
        moat_engine::Verdict::Allowed
    );
    let r = op(
        &yaml.replace("{ name: reg,", "{ name: reg, region: westeurope,"),
        OpId::RegistryDiscover,
    );
    assert_eq!(
        flow(&r, "discovery URL").verdict,
        moat_engine::Verdict::Denied
    );
}

/// A secure workspace deploying a registry model with public egress, and a registry whose ACR
/// has public access Disabled.
const FROM_REGISTRY: &str = r#"
workspaces: [{ name: ws, public_network_access: Disabled }]
registries: [{ name: reg, public_network_access: Disabled, acr: { public_network_access: Disabled } }]
clients: [{ name: datasci, location: internet, operations: [registry.create-from-local] }]
online_endpoints:
  - name: scoring
    workspace: ws
    deployments: [{ name: blue, egress_public_network_access: Enabled, model: azureml://registries/reg/models/m/versions/1 }]
"#;

#[test]
fn deploying_from_a_registry_in_a_workspace_secured_by_a_perimeter_is_not_decided() {
    // Registries, "Deploy a model from registry to workspace": a secure workspace deploys
    // registry models only with egress_public_network_access disabled. "The network security
    // perimeter configuration rules allow or disallow public network access to the resource"
    // (publicNetworkAccess SecuredByPerimeter): such a workspace may or may not be secure, so
    // the requirement is open, where Disabled fails it and Enabled does not ask it.
    let req = |yaml: &str| {
        op(yaml, OpId::EndpointDeployFromRegistry)
            .requirements
            .into_iter()
            .find(|q| q.rule == Some(moat_engine::RuleCode::Reg010))
    };
    assert_eq!(req(FROM_REGISTRY).expect("REG010").met, Some(false));
    let secured = FROM_REGISTRY.replacen(
        "public_network_access: Disabled",
        "public_network_access: SecuredByPerimeter",
        1,
    );
    let q = req(&secured).expect("REG010");
    assert_eq!(q.met, None, "{q:#?}");
    assert!(q.why.contains("network security perimeter"), "{}", q.why);
    let public = FROM_REGISTRY.replacen(
        "public_network_access: Disabled",
        "public_network_access: Enabled",
        1,
    );
    assert!(req(&public).is_none());
    // With public egress disabled the deployment works either way.
    let egress_off = secured.replace(
        "egress_public_network_access: Enabled",
        "egress_public_network_access: Disabled",
    );
    assert_eq!(req(&egress_off).expect("REG010").met, Some(true));
}

#[test]
fn environments_in_a_registry_secured_by_a_perimeter_may_not_be_creatable() {
    // Registries, "Create assets in registry from local files": creating an environment is not
    // supported in a private registry whose ACR has public access disabled. With the ACR
    // SecuredByPerimeter its perimeter's access rules say whether it is closed: the note says
    // the limitation may hold, and names what decides.
    let note = |yaml: &str| {
        op(yaml, OpId::RegistryCreateFromLocal)
            .notes
            .into_iter()
            .find(|n| n.contains("REG004"))
    };
    assert!(
        note(FROM_REGISTRY)
            .expect("note")
            .starts_with("environments cannot")
    );
    let secured = FROM_REGISTRY.replace(
        "acr: { public_network_access: Disabled }",
        "acr: { public_network_access: SecuredByPerimeter }",
    );
    let n = note(&secured).expect("note");
    assert!(
        n.starts_with("environments may not") && n.contains("network security perimeter"),
        "{n}"
    );
    let public = FROM_REGISTRY.replace(
        "acr: { public_network_access: Disabled }",
        "acr: { public_network_access: Enabled }",
    );
    assert_eq!(note(&public), None);
}
