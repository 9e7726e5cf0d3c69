//! The SEC rules on fixtures written in the style of checkov's and PSRule's: for each rule, the
//! resource named `...-<code>-fail` gets a finding of that rule and the one named
//! `...-<code>-pass` does not, in Terraform and in ARM. The README maps each peer check to
//! these codes.

use moat_engine::Engine;
use moat_rules::{Context, Finding, all};
use std::path::{Path, PathBuf};

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/posture")
        .join(rel)
}

fn findings(rel: &str) -> Vec<Finding> {
    let l = moat_ingest::load_opts(&data(rel), &moat_ingest::Options::default())
        .unwrap_or_else(|e| panic!("{rel}: {:#?}", e.diagnostics));
    let e = Engine::for_topology(&l.topology, None).unwrap();
    let cx = Context::new(&e);
    let mut v = Vec::new();
    for r in all()
        .into_iter()
        .filter(|r| r.doc().code.starts_with("SEC"))
    {
        r.check(&cx, &mut v);
    }
    v
}

/// The fixture resources a rule's findings name, as `<code>-fail` / `<code>-pass` tags.
fn verdicts(v: &[Finding], code: &str) -> (bool, bool) {
    let tag = code.to_ascii_lowercase();
    let named = |suffix: &str| {
        v.iter().any(|f| {
            f.code == code
                && f.resource
                    .replace('-', "")
                    .contains(&format!("{tag}{suffix}"))
        })
    };
    (named("fail"), named("pass"))
}

fn expect(rel: &str, codes: &[&str], without_pass: &[&str]) {
    let v = findings(rel);
    for code in codes {
        let (fail, pass) = verdicts(&v, code);
        assert!(
            fail,
            "{rel}: {code} does not report its failing resource: {v:#?}"
        );
        assert!(!pass, "{rel}: {code} reports its passing resource");
    }
    for code in without_pass {
        assert!(
            verdicts(&v, code).0,
            "{rel}: {code} does not report its failing resource"
        );
    }
}

const ALL: &[&str] = &[
    "SEC001", "SEC002", "SEC003", "SEC004", "SEC005", "SEC006", "SEC007", "SEC008", "SEC009",
    "SEC010", "SEC011", "SEC012", "SEC013", "SEC014", "SEC015", "SEC016", "SEC017", "SEC018",
    "SEC019",
];

#[test]
fn every_sec_rule_on_the_arm_fixture() {
    expect("rules-arm", ALL, &[]);
}

#[test]
fn sec_rules_on_the_terraform_fixture() {
    // azurerm has no workspace IP allow list (SEC003) nor registry (SEC004), and no attribute
    // for a compute instance's idle shutdown: SEC012 has only its failing resource here.
    let tf: Vec<&str> = ALL
        .iter()
        .copied()
        .filter(|c| !["SEC003", "SEC004", "SEC012"].contains(c))
        .collect();
    expect("rules-terraform", &tf, &["SEC012"]);
}

#[test]
fn every_sec_rule_names_its_peer_checks() {
    for r in all()
        .into_iter()
        .filter(|r| r.doc().code.starts_with("SEC"))
    {
        assert!(
            r.doc().sources.iter().any(|s| s.starts_with("peers: ")),
            "{} does not name its peer checks",
            r.doc().code
        );
    }
}

/// A workspace whose two public access switches disagree is reported as possibly open, and
/// the finding says it is not decided.
#[test]
fn an_unknown_public_access_is_reported_undecided() {
    let v = findings("legacy-arm");
    let f = v
        .iter()
        .find(|f| f.code == "SEC001" && f.resource == "workspace/ws-both")
        .expect("SEC001 on ws-both");
    assert!(f.message.contains("not decided"), "{}", f.message);
    assert!(
        !v.iter()
            .any(|f| f.code == "SEC001" && f.resource == "workspace/ws-legacy")
    );
}

/// Local authentication and idle shutdown matter where the compute can be reached. facts
/// (computes, `enable_node_public_ip`): "public IP is the default"; "`False` = no public IP (no
/// inbound, private link service used for inbound management)". A compute with a public IP, or
/// in no network the deployment controls, is reported; one without public IP in a subnet of
/// the VNet or in a managed network is not: the secure examples do it right.
#[test]
fn local_auth_and_idle_shutdown_follow_the_public_address() {
    let yaml = "workspaces: [{ name: ws }, { name: mws, managed_network: { isolation_mode: AllowOnlyApprovedOutbound } }]
virtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: training, address_prefixes: [10.0.1.0/24] }] }]
computes:
  - { name: open-ci, workspace: ws, type: ComputeInstance, subnet: vnet/training }
  - { name: novnet-ci, workspace: ws, type: ComputeInstance, enable_node_public_ip: false }
  - { name: closed-ci, workspace: ws, type: ComputeInstance, subnet: vnet/training, enable_node_public_ip: false }
  - { name: managed-ci, workspace: mws, type: ComputeInstance, enable_node_public_ip: false }
";
    let t = moat_ingest::parse_native_str("t.yaml", yaml).unwrap();
    let e = Engine::for_topology(&t, None).unwrap();
    let cx = Context::new(&e);
    for code in ["SEC010", "SEC012"] {
        let mut v = Vec::new();
        all()
            .into_iter()
            .find(|r| r.doc().code == code)
            .unwrap()
            .check(&cx, &mut v);
        let mut got: Vec<&str> = v.iter().map(|f| f.resource.as_str()).collect();
        got.sort_unstable();
        assert_eq!(got, ["compute/novnet-ci", "compute/open-ci"], "{code}");
    }
}

/// Private Link, "Transition to a network security perimeter": an account whose public
/// network access is SecuredByPerimeter takes public traffic as its perimeter's access rules
/// decide ("Enforced: the resource obeys only network security perimeter access rules"), not
/// from every network. With the firewall's default action Allow, "accepts connections from
/// every network" is then not established: SEC005 is reported undecided and names the
/// perimeter's rules, and so does SEC017 (account keys from every network); with Enabled they
/// are decided, with Disabled they are not reported.
#[test]
fn a_perimeter_leaves_open_to_every_network_undecided() {
    let yaml = "storage_accounts:
  - { name: st-perimeter, public_network_access: SecuredByPerimeter }
  - { name: st-enabled, public_network_access: Enabled }
  - { name: st-disabled, public_network_access: Disabled }
key_vaults:
  - { name: kv-perimeter, public_network_access: SecuredByPerimeter }
";
    let t = moat_ingest::parse_native_str("t.yaml", yaml).expect("topology");
    let e = Engine::for_topology(&t, None).unwrap();
    let cx = Context::new(&e);
    let mut v = Vec::new();
    for r in all()
        .into_iter()
        .filter(|r| ["SEC005", "SEC006", "SEC017"].contains(&r.doc().code))
    {
        r.check(&cx, &mut v);
    }
    let on = |code: &str, resource: &str| {
        v.iter()
            .find(|f| f.code == code && f.resource == resource)
            .unwrap_or_else(|| panic!("{code} on {resource}: {v:#?}"))
    };
    for (code, resource) in [
        ("SEC005", "storage/st-perimeter"),
        ("SEC006", "keyvault/kv-perimeter"),
        ("SEC017", "storage/st-perimeter"),
    ] {
        let f = on(code, resource);
        assert!(!f.decided(), "{f:#?}");
        assert!(
            f.needs
                .iter()
                .any(|n| n.contains("network security perimeter")),
            "{:?}",
            f.needs
        );
    }
    assert!(on("SEC005", "storage/st-enabled").decided());
    assert!(on("SEC017", "storage/st-enabled").decided());
    assert!(!v.iter().any(|f| f.resource == "storage/st-disabled"));
}
