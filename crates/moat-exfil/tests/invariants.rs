//! Invariants proven and refuted on the bundled examples, and the property that every witness,
//! traced alone, gives the verdict the proof claims.

use moat_engine::{Engine, Verdict};
use moat_exfil::invariant::{Expect, Invariant, Outcome, Proof, builtin, prove};
use moat_exfil::{Oracle, Prepared};
use std::path::Path;

fn example(name: &str) -> moat_model::Topology {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name)
        .join("topology.yaml");
    moat_ingest::load(&p, None).unwrap().topology
}

fn inv(from: &str, to: &str, except: &[&str], expect: Expect) -> Invariant {
    Invariant {
        name: format!("{from} -> {to}"),
        from: from.into(),
        to: to.into(),
        except: except.iter().map(|s| s.to_string()).collect(),
        expect,
        at: "moat.toml:1:1".into(),
    }
}

/// Proves each invariant on an example, and checks every witness against a fresh trace.
fn proofs(name: &str, invs: &[Invariant]) -> Vec<Proof> {
    let t = example(name);
    let base = Engine::for_topology(&t, None).unwrap();
    let p = Prepared::new(&t);
    let e = base.variant(&p.topology);
    let o = Oracle::new(&e, &p.variants, p.stand_ins.clone());
    let out: Vec<Proof> = invs.iter().map(|i| prove(&o, i)).collect();
    let fresh = Oracle::new(&e, &p.variants, p.stand_ins.clone());
    for pr in &out {
        let Some(w) = &pr.witness else { continue };
        let alone = fresh.verdict(&w.query);
        let claimed = match (pr.outcome, pr.invariant.expect) {
            (Outcome::Violated, Expect::Denied) => Verdict::Allowed,
            (Outcome::Violated, Expect::Allowed) => Verdict::Denied,
            (Outcome::Undecided, _) => Verdict::Unknown,
            (Outcome::Holds, Expect::Denied) => Verdict::Denied,
            (Outcome::Holds, Expect::Allowed) => Verdict::Allowed,
        };
        assert_eq!(alone, claimed, "{}: {:?}", pr.invariant.name, pr.outcome);
    }
    out
}

const PACKAGES: &[&str] = &[
    "fqdn:pypi.org",
    "fqdn:*.pythonhosted.org",
    "fqdn:anaconda.com",
    "fqdn:*.anaconda.com",
    "fqdn:*.anaconda.org",
];

/// Seed 004, "Data exfiltration prevention": the firewall allows service tags and named
/// FQDNs only, so the training subnet reaches no other internet host, no storage account
/// outside the deployment (the service endpoint policy), and not Front Door as a whole.
#[test]
fn the_hardened_design_proves_its_invariants() {
    let p = proofs(
        "exfiltration-prevention",
        &[
            inv(
                "subnet/spoke-vnet/training",
                "internet",
                PACKAGES,
                Expect::Denied,
            ),
            inv(
                "compute/cpu-cluster",
                "storage-outside",
                &[],
                Expect::Denied,
            ),
            inv("compute/*", "frontdoor:any", &[], Expect::Denied),
            inv("compute/*", "fqdn:pypi.org", &[], Expect::Allowed),
        ],
    );
    for pr in &p {
        assert_eq!(pr.outcome, Outcome::Holds, "{:#?}", pr);
        assert!(pr.classes > 0);
    }
}

/// The same designs refuted: without the package names excepted, the internet is reachable
/// (pypi.org, on HTTPS); a host no rule names is unreachable; a hub whose NSG opens Storage
/// reaches storage outside the deployment.
#[test]
fn violations_carry_a_witness_and_its_trace() {
    let p = proofs(
        "exfiltration-prevention",
        &[
            inv(
                "subnet/spoke-vnet/training",
                "internet",
                &[],
                Expect::Denied,
            ),
            inv(
                "compute/cpu-cluster",
                "fqdn:example.org",
                &[],
                Expect::Allowed,
            ),
        ],
    );
    assert_eq!(p[0].outcome, Outcome::Violated);
    let w = p[0].witness.as_ref().unwrap();
    assert_eq!((w.protocol.as_str(), w.port), ("tcp", 443));
    assert_eq!(w.trace.verdict, Verdict::Allowed);
    assert_eq!(p[1].outcome, Outcome::Violated);
    let w = p[1].witness.as_ref().unwrap();
    assert_eq!(w.trace.verdict, Verdict::Denied);
    let p = proofs(
        "hub-spoke-firewall",
        &[inv(
            "subnet/spoke-vnet/training",
            "storage-outside",
            &[],
            Expect::Denied,
        )],
    );
    assert_eq!(p[0].outcome, Outcome::Violated);
    assert!(
        p[0].witness
            .as_ref()
            .unwrap()
            .to
            .contains("outside the deployment")
    );
}

/// A destination the model cannot decide leaves the invariant undecided, saying what it
/// needs; a `from` that names nothing is undecided too, never vacuously true.
#[test]
fn undecided_invariants_say_what_they_need() {
    let p = proofs(
        "managed-network-approved-outbound",
        &[
            inv(
                "managed-network/ws",
                "tag:BatchNodeManagement",
                &[],
                Expect::Denied,
            ),
            inv("compute/nothing-*", "internet", &[], Expect::Denied),
        ],
    );
    assert_eq!(p[0].outcome, Outcome::Undecided, "{:#?}", p[0]);
    assert!(!p[0].needs.is_empty());
    assert_eq!(p[1].outcome, Outcome::Undecided);
    assert!(p[1].needs[0].contains("compute/nothing-*"));
}

/// Seed 004: a managed network in AllowOnlyApprovedOutbound mode and a service endpoint policy
/// on a compute subnet declare the intent of exfiltration protection; the built-in invariants
/// of the hardened configuration hold on the documented designs and break on an open one.
#[test]
fn built_in_invariants_follow_declared_intent() {
    for name in [
        "exfiltration-prevention",
        "managed-network-approved-outbound",
    ] {
        let invs = builtin(&example(name));
        assert_eq!(invs.len(), 3, "{name}");
        for pr in proofs(name, &invs) {
            assert_eq!(pr.outcome, Outcome::Holds, "{name}: {pr:#?}");
        }
    }
    assert!(builtin(&example("hub-spoke-firewall")).is_empty());
    assert!(builtin(&example("managed-network-internet-outbound")).is_empty());
    // The approved-outbound network with an FQDN rule for every name breaks two: any host, and
    // any storage account (reached by its name).
    let mut t = example("managed-network-approved-outbound");
    let rule = serde_json::json!({ "name": "anything", "type": "FQDN", "destination": "*" });
    t.workspaces[0]
        .managed_network
        .outbound_rules
        .push(serde_json::from_value(rule).unwrap());
    let base = Engine::for_topology(&t, None).unwrap();
    let p = Prepared::new(&t);
    let e = base.variant(&p.topology);
    let o = Oracle::new(&e, &p.variants, p.stand_ins.clone());
    let broken: Vec<Proof> = builtin(&t)
        .iter()
        .map(|i| prove(&o, i))
        .filter(|p| p.outcome == Outcome::Violated)
        .collect();
    let mut broken: Vec<&str> = broken.iter().map(|p| p.invariant.to.as_str()).collect();
    broken.sort();
    assert_eq!(broken, ["internet:any", "storage-outside"]);
}

/// `exfiltration_protection: true` in the native format declares the intent for every place
/// the workspace's computes run: a deployment that does not keep the promise breaks it.
#[test]
fn declared_intent_in_the_native_format() {
    let mut t = example("hub-spoke-firewall");
    assert!(builtin(&t).is_empty());
    for w in t.workspaces.iter_mut() {
        w.exfiltration_protection = true;
    }
    let invs = builtin(&t);
    assert!(
        invs.iter()
            .all(|i| i.from == "subnet/spoke-vnet/training" && i.expect == Expect::Denied),
        "{invs:#?}"
    );
    assert_eq!(invs.len(), 3);
    let base = Engine::for_topology(&t, None).unwrap();
    let p = Prepared::new(&t);
    let e = base.variant(&p.topology);
    let o = Oracle::new(&e, &p.variants, p.stand_ins.clone());
    // Its NSG opens Storage (EXF001's finding): the storage invariant breaks, with a witness.
    let storage = invs.iter().find(|i| i.to == "storage-outside").unwrap();
    let pr = prove(&o, storage);
    assert_eq!(pr.outcome, Outcome::Violated, "{pr:#?}");
    assert_eq!(pr.witness.unwrap().trace.verdict, Verdict::Allowed);
    // The native file says it.
    let yaml = "region: eastus\nworkspaces: [{ name: ws, exfiltration_protection: true }]\n";
    let t = moat_ingest::parse_native_str("t.yaml", yaml).unwrap();
    assert!(t.workspaces[0].exfiltration_protection);
}

/// Seed 004, "Outbound from service to other Azure PaaS resources": the service reaches other
/// PaaS resources as a trusted service with its managed identity. An invariant that the
/// workspace service reach no storage outside the deployment is refuted — the hardened design
/// closes it for the compute subnet, not for the service — and the proof says no network
/// change closes it.
#[test]
fn a_service_witness_is_marked_beyond_the_network() {
    let out = proofs(
        "exfiltration-prevention",
        &[
            inv("workspace/ws", "storage-outside", &[], Expect::Denied),
            inv(
                "subnet/spoke-vnet/training",
                "storage-outside",
                &[],
                Expect::Denied,
            ),
        ],
    );
    assert_eq!(out[0].outcome, Outcome::Violated);
    assert!(out[0].beyond_network);
    assert!(out[0].witness.is_some());
    assert_eq!(out[1].outcome, Outcome::Holds);
    assert!(!out[1].beyond_network);
}

/// Proves `invs` on a native topology.
fn proofs_of(yaml: &str, invs: &[Invariant]) -> Vec<Proof> {
    let t = moat_ingest::parse_native_str("t.yaml", yaml).unwrap();
    let base = Engine::for_topology(&t, None).unwrap();
    let p = Prepared::new(&t);
    let e = base.variant(&p.topology);
    let o = Oracle::new(&e, &p.variants, p.stand_ins.clone());
    invs.iter().map(|i| prove(&o, i)).collect()
}

/// An invariant holds only when proven from every source it names. A VM whose network
/// interfaces the input leaves open sits in a subnet the input does not say, and an AKS
/// cluster that names no subnet is placed nowhere: neither is proven from, so neither
/// invariant holds. Before, each was left out of its pattern's sources, and the invariant
/// held on the one source proven.
#[test]
fn a_source_the_engine_cannot_place_leaves_the_invariant_undecided() {
    let yaml = r#"
region: eastus
workspaces: [{ name: ws }]
aks_clusters:
  - { name: inside, workspace: ws, subnet: vnet/closed }
  - { name: nowhere, workspace: ws }
virtual_machines:
  - { name: placed, network_interfaces: [placed-nic] }
  - { name: open, network_interfaces: [] }
network_interfaces:
  - { name: placed-nic, subnet: vnet/closed, private_ip_address: 10.0.1.4 }
network_security_groups:
  - name: deny
    rules:
      - { name: deny-out, priority: 100, direction: Outbound, access: Deny }
virtual_networks:
  - name: vnet
    address_space: [10.0.0.0/16]
    subnets:
      - { name: closed, address_prefixes: [10.0.1.0/24], network_security_group: deny }
unknowns:
  - { resource: vm/open, field: network_interfaces, reason: "parameter `nics` has no value" }
"#;
    let out = proofs_of(
        yaml,
        &[
            inv("aks/inside", "internet", &[], Expect::Denied),
            inv("aks/*", "internet", &[], Expect::Denied),
            inv("vm/placed", "internet", &[], Expect::Denied),
            inv("vm/*", "internet", &[], Expect::Denied),
        ],
    );
    // From the placed sources alone, it holds.
    assert_eq!(out[0].outcome, Outcome::Holds, "{:#?}", out[0]);
    assert_eq!(out[2].outcome, Outcome::Holds, "{:#?}", out[2]);
    let aks = &out[1];
    assert_eq!(aks.outcome, Outcome::Undecided, "{aks:#?}");
    assert!(
        aks.needs.iter().any(|n| n.contains("aks/nowhere")),
        "{:?}",
        aks.needs
    );
    let vm = &out[3];
    assert_eq!(vm.outcome, Outcome::Undecided, "{vm:#?}");
    assert!(
        vm.needs
            .iter()
            .any(|n| n.contains("network_interfaces of vm/open")),
        "{:?}",
        vm.needs
    );
}
