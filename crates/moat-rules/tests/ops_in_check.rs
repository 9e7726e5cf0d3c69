//! The documented behaviours of operations, in `ops` and in `check` alike: for each scenario,
//! `ops` gives the documented status at the documented flow or requirement, and `check`
//! reports every flow `ops` finds failing (with the same certainty) and every unmet
//! requirement through the rule that owns it — never less than `ops`.

use moat_engine::intent::Intent;
use moat_engine::ops::{Filter, FlowResult, OpResult, Status, evaluate};
use moat_engine::{Code, OpId, Step, Verdict};
use moat_rules::check::{Selection, run};
use moat_rules::{Finding, covers};

/// `op` as `moat ops` evaluates it (one subject), and every finding of `moat check`.
fn ops_and_check(yaml: &str, op: OpId) -> (OpResult, Vec<Finding>) {
    let t = match moat_ingest::parse_native_str("t.yaml", yaml) {
        Ok(t) => t,
        Err(d) => panic!("bad test topology: {d:#?}"),
    };
    let e = moat_engine::Engine::for_topology(&t, None).expect("engine");
    let f = Filter {
        op: Some(op),
        ..Default::default()
    };
    let mut ops = evaluate(&e, &Intent::of(&t), &f);
    assert_eq!(ops.len(), 1, "{ops:#?}");
    let cx = moat_rules::Context::new(&e);
    (ops.remove(0), run(&cx, &Selection::default()))
}

fn flow<'a>(r: &'a OpResult, purpose: &str) -> &'a FlowResult {
    r.flows
        .iter()
        .find(|f| f.purpose.contains(purpose))
        .unwrap_or_else(|| panic!("no flow `{purpose}` in {r:#?}"))
}

/// Whether a finding is established: nothing it needs is open and its flow is decided.
fn decided(f: &Finding) -> bool {
    f.needs.is_empty()
        && f.trace
            .as_ref()
            .is_none_or(|t| t.verdict != Verdict::Unknown)
}

/// The findings that report a failing flow of `r`, asserting one exists with the flow's
/// certainty (an established error for a denied flow, a warning for an undecided one).
fn reported<'f>(r: &OpResult, f: &FlowResult, findings: &'f [Finding]) -> Vec<&'f Finding> {
    let by: Vec<&Finding> = findings.iter().filter(|x| covers(x, &f.trace)).collect();
    assert!(
        by.iter()
            .any(|x| decided(x) == (f.verdict == Verdict::Denied)),
        "{} {}: flow `{}` is {:?} and check reports it as {:#?}",
        r.op,
        r.subject,
        f.purpose,
        f.verdict,
        by
    );
    by
}

/// `check` reports everything `ops` finds failing in `r`.
fn check_says_what_ops_says(r: &OpResult, findings: &[Finding]) {
    for f in r.flows.iter().filter(|f| f.verdict != Verdict::Allowed) {
        reported(r, f, findings);
    }
    for q in r.requirements.iter().filter(|q| q.met != Some(true)) {
        let code = q.rule.expect("a requirement names the rule that owns it");
        assert!(
            findings.iter().any(|x| x.code == code.as_str()),
            "{} {}: requirement `{}` is not reported by {code}",
            r.op,
            r.subject,
            q.what
        );
    }
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
fn compute_create_without_batch_outbound_fails_in_ops_and_check() {
    // Facts §3.4 "Compute with no public IP": the cluster needs outbound
    // BatchNodeManagement.<region> 443; an NSG rule denying it makes compute creation fail,
    // and check reports it as an established error at that rule.
    let (r, v) = ops_and_check(CLUSTER, OpId::ComputeCreate);
    assert_eq!(r.status, Status::Fails, "{r:#?}");
    let batch = flow(&r, "Batch node management");
    assert_eq!(batch.verdict, Verdict::Denied);
    let by = reported(&r, batch, &v);
    assert!(
        by.iter().any(|f| f
            .trace
            .as_ref()
            .and_then(|t| t.blocked_by())
            .map(|h| h.code)
            == Some(Code::NsgOutboundDeny)),
        "{by:#?}"
    );
    check_says_what_ops_says(&r, &v);
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
fn job_run_smb_through_a_firewall_fails_in_ops_and_check() {
    // Seed 002, required outbound footnote / facts §3.2: TCP 445 to storage "only if a firewall
    // sits between the AML VNet and the storage PEs". The firewall allows only 443: the job's
    // SMB flow fails at the firewall, in ops and in check.
    let (r, v) = ops_and_check(THROUGH_FIREWALL, OpId::JobRun);
    let smb = flow(&r, "(SMB, through the firewall)");
    assert_eq!(smb.trace.port, 445);
    assert_eq!(smb.verdict, Verdict::Denied);
    assert_eq!(smb.trace.blocked_by().unwrap().step, Step::Firewall);
    reported(&r, smb, &v);
    check_says_what_ops_says(&r, &v);
}

#[test]
fn job_run_needs_no_smb_without_a_firewall_in_ops_or_check() {
    // The same footnote: without a firewall on the way, no SMB flow is required, and check
    // reports none.
    let direct = THROUGH_FIREWALL.replace(", route_table: rt", "");
    let (r, v) = ops_and_check(&direct, OpId::JobRun);
    assert!(!r.flows.iter().any(|f| f.trace.port == 445), "{r:#?}");
    assert!(
        !v.iter()
            .any(|f| f.trace.as_ref().is_some_and(|t| t.port == 445)),
        "{v:#?}"
    );
    check_says_what_ops_says(&r, &v);
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
fn studio_data_with_storage_endpoints_in_another_vnet_fails_in_ops_and_check() {
    // Seed 002, Limitations: with storage private endpoints, studio needs the workspace
    // private endpoint in the same VNet as the storage's. The flows pass; the requirement
    // does not, and check reports it through ST002.
    let (r, v) = ops_and_check(STUDIO, OpId::StudioData);
    assert_eq!(r.status, Status::Fails, "{r:#?}");
    assert!(r.flows.iter().all(|f| f.verdict == Verdict::Allowed));
    assert!(v.iter().any(|f| f.code == "ST002"), "{v:#?}");
    check_says_what_ops_says(&r, &v);
    let same_vnet = STUDIO
        .replace(
            "subnet: b/pe, target: storage/st, group_id: blob, ip_address: 10.1.3.4",
            "subnet: a/pe, target: storage/st, group_id: blob, ip_address: 10.0.3.6",
        )
        .replace(
            "subnet: b/pe, target: storage/st, group_id: file, ip_address: 10.1.3.5",
            "subnet: a/pe, target: storage/st, group_id: file, ip_address: 10.0.3.7",
        );
    let (r, v) = ops_and_check(&same_vnet, OpId::StudioData);
    assert_eq!(r.status, Status::Works, "{r:#?}");
    assert!(!v.iter().any(|f| f.code == "ST002"), "{v:#?}");
}

#[test]
fn registry_discover_of_a_private_registry_from_the_internet_fails_in_ops_and_check() {
    // Facts §10: the discovery URL answers `registryFqdns`, the registry's own host names,
    // which the client then connects to; a registry with public network access disabled
    // refuses the client on the internet.
    let yaml = r#"
region: eastus
registries: [{ name: reg, public_network_access: Disabled, registry_id: 99999999-0000-0000-0000-000000000001 }]
clients: [{ name: laptop, location: internet, operations: [registry.create-from-local] }]
"#;
    let (r, v) = ops_and_check(yaml, OpId::RegistryDiscover);
    assert_eq!(r.status, Status::Fails, "{r:#?}");
    let fqdns = flow(&r, "registryFqdns");
    assert_eq!(fqdns.verdict, Verdict::Denied);
    assert_eq!(
        fqdns.trace.blocked_by().unwrap().code,
        Code::RfPublicDisabled
    );
    reported(&r, fqdns, &v);
    check_says_what_ops_says(&r, &v);
}

/// A hub with Azure Firewall allowing only pypi.org, a spoke whose DNS server is a VM in the
/// hub that the deployment does not describe, and the image build compute in the spoke.
const UNDESCRIBED_DNS: &str = r#"
region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled, workspace_id: 11111111-2222-3333-4444-555555555555, image_build_compute: cpu }
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
"#;

#[test]
fn image_build_behind_an_undescribed_dns_server_is_decided_in_ops_and_check() {
    // Facts §2.3: a custom DNS server is asked to forward the privatelink zones to
    // 168.63.129.16; public names it resolves like any recursive resolver (an assumption the
    // trace shows). So pypi.org, which the firewall allows, is reached; the image hosts of
    // facts §4.4 (mcr.microsoft.com), which it does not allow, are an established failure in
    // ops and in check — not left open by the DNS server.
    let (r, v) = ops_and_check(UNDESCRIBED_DNS, OpId::ImageBuild);
    let pypi = flow(&r, "→ pypi.org (");
    assert_eq!(pypi.verdict, Verdict::Allowed, "{:#?}", pypi.trace);
    assert!(
        pypi.trace
            .hops
            .iter()
            .any(|h| h.step == Step::Dns && h.decision == moat_engine::HopDecision::Assumed),
        "the assumption is a hop of its own: {:#?}",
        pypi.trace
    );
    assert!(!pypi.trace.assumptions.is_empty());
    let mcr = flow(&r, "→ mcr.microsoft.com (");
    assert_eq!(mcr.verdict, Verdict::Denied, "{:#?}", mcr.trace);
    assert_eq!(mcr.trace.blocked_by().unwrap().code, Code::FwImplicitDeny);
    assert_eq!(r.status, Status::Fails);
    reported(&r, mcr, &v);
    check_says_what_ops_says(&r, &v);
}

/// A workspace whose storage sits behind a hub firewall: a first Allow collection holds a
/// network rule to a public range moat cannot place the storage's address in (no service tags
/// file), a second allows all 443.
const UNDECIDABLE_FIRST: &str = r#"
region: eastus
workspaces: [{ name: ws, storage_account: st }]
storage_accounts: [{ name: st }]
computes:
  - { name: cpu, workspace: ws, type: AmlCompute, subnet: spoke/s, enable_node_public_ip: false }
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
    network_rule_collections:
      - name: maybe
        priority: 100
        action: Allow
        rules: [{ name: range, source_addresses: [10.0.0.0/16], destination_addresses: [20.0.0.0/8], destination_ports: ["443"], protocols: [TCP] }]
      - name: web
        priority: 200
        action: Allow
        rules: [{ name: any443, source_addresses: [10.0.0.0/16], destination_addresses: ["*"], destination_ports: ["443"], protocols: [TCP] }]
public_ips: [{ name: fw-pip, ip_address: 20.5.5.5 }]
"#;

#[test]
fn an_undecidable_rule_before_an_allow_decides_the_job_storage_flow_in_ops_and_check() {
    // Azure Firewall rule processing: "The rules are terminating, so rule processing stops on
    // a match." Whether or not the first rule matches, an Allow rule takes the flow: the job's
    // storage flow is allowed in ops, and check reports nothing about it.
    let (r, v) = ops_and_check(UNDECIDABLE_FIRST, OpId::JobRun);
    let storage: Vec<&FlowResult> = r
        .flows
        .iter()
        .filter(|f| f.trace.to.to_string().starts_with("storage/st") && f.trace.port == 443)
        .collect();
    assert!(!storage.is_empty(), "{r:#?}");
    for f in storage {
        assert_eq!(f.verdict, Verdict::Allowed, "{:#?}", f.trace);
        assert!(
            f.trace
                .hops
                .iter()
                .any(|h| h.step == Step::Firewall && h.code == Code::FwNetworkAllow),
            "the firewall decides: {:#?}",
            f.trace
        );
        assert!(
            !v.iter().any(|x| covers(x, &f.trace)),
            "check reports an allowed flow: {v:#?}"
        );
    }
    check_says_what_ops_says(&r, &v);
}
