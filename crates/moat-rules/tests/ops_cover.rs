//! OPS001 reports a failing operation flow unless another finding reports the same flow or the
//! same cause. "The same cause" is read from the typed hop the flow stopped at, and it joins
//! two flows only when one change to the deciding rule or setting fixes both: the same NSG
//! rule, the same resource's public access. Where the fix names the flow (the host a firewall
//! lacks a rule for), two flows are two causes.

use moat_engine::{Code, Engine, Query, Trace, Verdict};
use moat_model::Address;
use moat_packets::Protocol;
use moat_rules::cause_key;

fn trace(yaml: &str, from: &str, to: &str, port: u16) -> Trace {
    let t = match moat_ingest::parse_native_str("t.yaml", yaml) {
        Ok(t) => t,
        Err(d) => panic!("bad test topology: {d:#?}"),
    };
    let e = Engine::for_topology(&t, None).unwrap();
    let q = Query {
        from: from.parse::<Address>().unwrap(),
        to: to.parse::<Address>().unwrap(),
        protocol: Protocol::TCP,
        port,
    };
    moat_engine::trace::trace(&e, &q).unwrap()
}

fn blocked(t: &Trace) -> Code {
    t.blocked_by()
        .map(|h| h.code)
        .unwrap_or_else(|| panic!("the trace stops at a hop: {t:#?}"))
}

/// A cluster whose subnet NSG denies outbound traffic: to the storage account's 443 by one
/// rule, to SMB 445 by another, and everything else first by a third when `deny-all` is set.
const CLUSTER_BEHIND_NSG: &str = r#"
region: eastus
workspaces:
  - { name: ws, storage_account: st }
storage_accounts:
  - { name: st }
computes:
  - { name: cpu, workspace: ws, type: AmlCompute, subnet: vnet/training, enable_node_public_ip: false }
  - { name: gpu, workspace: ws, type: AmlCompute, subnet: vnet/gpu, enable_node_public_ip: false }
virtual_networks:
  - name: vnet
    address_space: [10.0.0.0/16]
    subnets:
      - { name: training, address_prefixes: [10.0.1.0/24], network_security_group: out }
      - { name: gpu, address_prefixes: [10.0.2.0/24], network_security_group: out }
network_security_groups:
  - name: out
    rules:
      - { name: deny-https, priority: 200, direction: Outbound, access: Deny, protocol: Tcp, destination_ports: 443 }
      - { name: deny-smb, priority: 210, direction: Outbound, access: Deny, protocol: Tcp, destination_ports: 445 }
"#;

fn deny_all_first() -> String {
    CLUSTER_BEHIND_NSG.replace(
        "    rules:\n",
        "    rules:\n      - { name: deny-all, priority: 100, direction: Outbound, access: Deny }\n",
    )
}

#[test]
fn one_nsg_rule_denying_several_flows_is_one_cause() {
    // NSG rules are evaluated by priority and the first that matches decides: one deny rule
    // before everything keeps the cluster from its storage on 443 and on 445, and changing
    // that rule is the fix of both.
    let yaml = deny_all_first();
    let https = trace(&yaml, "compute/cpu", "storage/st:blob", 443);
    let smb = trace(&yaml, "compute/cpu", "storage/st:file", 445);
    assert_eq!(blocked(&https), Code::NsgOutboundDeny);
    assert_eq!(blocked(&smb), Code::NsgOutboundDeny);
    assert!(cause_key(&https).is_some());
    assert_eq!(cause_key(&https), cause_key(&smb));
}

#[test]
fn two_nsg_rules_are_two_causes() {
    // Port 443 denied by one rule and 445 by another: each is fixed in its own rule, so a
    // finding about the one does not cover an operation that needs the other.
    let https = trace(CLUSTER_BEHIND_NSG, "compute/cpu", "storage/st:blob", 443);
    let smb = trace(CLUSTER_BEHIND_NSG, "compute/cpu", "storage/st:file", 445);
    assert_eq!(blocked(&https), Code::NsgOutboundDeny);
    assert_eq!(blocked(&smb), Code::NsgOutboundDeny);
    assert_ne!(cause_key(&https), cause_key(&smb));
}

#[test]
fn one_nsg_on_two_subnets_is_one_cause_per_subnet() {
    // An NSG applies to each subnet it is associated with; the hop names where it applied,
    // and two subnets denied by one rule stay apart (never joined more than the hops' own
    // words join them).
    let yaml = deny_all_first();
    let cpu = trace(&yaml, "compute/cpu", "storage/st:blob", 443);
    let gpu = trace(&yaml, "compute/gpu", "storage/st:blob", 443);
    assert_eq!(blocked(&cpu), Code::NsgOutboundDeny);
    assert_eq!(blocked(&gpu), Code::NsgOutboundDeny);
    assert_ne!(cause_key(&cpu), cause_key(&gpu));
}

#[test]
fn the_cause_is_read_from_the_hop_as_data_not_its_words() {
    // Rewording the blocking hop neither joins two causes nor splits one.
    let yaml = deny_all_first();
    let a = trace(&yaml, "compute/cpu", "storage/st:blob", 443);
    let mut b = trace(&yaml, "compute/cpu", "storage/st:file", 445);
    let h = b.blocked_by_mut().unwrap();
    h.element = "another element".into();
    h.detail = "another detail".into();
    assert_eq!(cause_key(&a), cause_key(&b));
    let mut c = trace(CLUSTER_BEHIND_NSG, "compute/cpu", "storage/st:file", 445);
    let d = trace(CLUSTER_BEHIND_NSG, "compute/cpu", "storage/st:blob", 443);
    let h = c.blocked_by_mut().unwrap();
    (h.element, h.detail) = (
        d.blocked_by().unwrap().element.clone(),
        d.blocked_by().unwrap().detail.clone(),
    );
    assert_ne!(cause_key(&c), cause_key(&d));
}

/// Storage whose public network access is Disabled, reached from a cluster and from a client
/// on the internet; a registry whose managed storage and container registry are both closed.
const CLOSED_STORAGE: &str = r#"
region: eastus
workspaces:
  - { name: ws, storage_account: st, uses_registries: [reg] }
storage_accounts:
  - { name: st, public_network_access: Disabled }
registries:
  - name: reg
    storage: { public_network_access: Disabled }
    acr: { public_network_access: Disabled }
computes:
  - { name: cpu, workspace: ws, type: AmlCompute, subnet: vnet/training, enable_node_public_ip: false }
clients:
  - { name: laptop, location: Internet }
virtual_networks:
  - name: vnet
    address_space: [10.0.0.0/16]
    subnets:
      - { name: training, address_prefixes: [10.0.1.0/24] }
"#;

#[test]
fn public_access_disabled_is_one_cause_whoever_is_refused() {
    // Seed "Secure a workspace with virtual networks": with public network access disabled,
    // the account is reached only through private endpoints; the fix (a private endpoint)
    // is one, whichever source and service was refused.
    let cpu = trace(CLOSED_STORAGE, "compute/cpu", "storage/st:blob", 443);
    let laptop = trace(CLOSED_STORAGE, "client/laptop", "storage/st:file", 443);
    assert_eq!(blocked(&cpu), Code::RfPublicDisabled);
    assert_eq!(blocked(&laptop), Code::RfPublicDisabled);
    assert_eq!(cpu.verdict, Verdict::Denied);
    assert_eq!(cause_key(&cpu), cause_key(&laptop));
}

#[test]
fn a_registrys_storage_and_container_registry_are_two_causes() {
    // A registry's managed storage and its container registry each have their own public
    // network access and their own private endpoint: closing one is not closing the other.
    let storage = trace(CLOSED_STORAGE, "compute/cpu", "registry/reg:storage", 443);
    let acr = trace(CLOSED_STORAGE, "compute/cpu", "registry/reg:acr", 443);
    assert_eq!(blocked(&storage), Code::RfPublicDisabled);
    assert_eq!(blocked(&acr), Code::RfPublicDisabled);
    assert_ne!(cause_key(&storage), cause_key(&acr));
}

/// The bundled hub-and-spoke example: the spoke's internet traffic goes through Azure
/// Firewall, which allows pypi.org and the Azure ML service tags and denies the rest.
fn hub_spoke() -> String {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/hub-spoke-firewall/topology.yaml");
    std::fs::read_to_string(p).unwrap()
}

#[test]
fn a_host_the_firewall_has_no_rule_for_is_a_cause_of_its_own() {
    // Azure Firewall denies what no rule allows; the fix is an application rule for the host,
    // so a finding about one host does not cover an operation that needs another.
    let yaml = hub_spoke();
    let a = trace(&yaml, "compute/cpu-cluster", "fqdn:repo.example.com", 443);
    let b = trace(&yaml, "compute/cpu-cluster", "fqdn:conda.example.org", 443);
    assert_eq!(blocked(&a), Code::FwImplicitDeny);
    assert_eq!(blocked(&b), Code::FwImplicitDeny);
    assert_ne!(cause_key(&a), cause_key(&b));
}
