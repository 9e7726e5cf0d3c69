//! Posture settings as the peers' users write them, read by every importer: the legacy public
//! access switch against `publicNetworkAccess`, placeholder ids, and (in `posture_rules.rs`)
//! the SEC rules on fixtures written in checkov's and PSRule's style.

use moat_engine::trace::{Query, trace};
use moat_engine::{Engine, Verdict};
use moat_model::Topology;
use moat_model::enums::PublicNetworkAccess;
use moat_packets::Protocol;
use std::path::{Path, PathBuf};

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/posture")
        .join(rel)
}

fn load(rel: &str) -> moat_doc::Loaded {
    moat_ingest::load_opts(&data(rel), &moat_ingest::Options::default())
        .unwrap_or_else(|e| panic!("{rel}: {:#?}", e.diagnostics))
}

fn pna(t: &Topology, ws: &str) -> PublicNetworkAccess {
    t.workspaces
        .iter()
        .find(|w| w.name == ws)
        .unwrap_or_else(|| panic!("no workspace {ws}"))
        .public_network_access
}

fn from_internet(t: &Topology, ws: &str) -> Verdict {
    let e = Engine::for_topology(t, None).unwrap();
    let q = Query {
        from: "internet".parse().unwrap(),
        to: format!("workspace/{ws}").parse().unwrap(),
        protocol: Protocol::TCP,
        port: 443,
    };
    trace(&e, &q).unwrap().verdict
}

fn conflict_recorded(t: &Topology, ws: &str) -> bool {
    t.is_unknown(&format!("workspace/{ws}"), "public_network_access")
        .is_some()
}

/// facts §1.1: `allow_public_access_when_behind_vnet` and `public_network_access` override
/// each other, the last write wins. Alone the legacy switch decides; sent together and
/// disagreeing, which one Azure kept is unknown, and the workspace is never shown as private.
#[test]
fn legacy_switch_in_arm_and_terraform() {
    for dir in ["legacy-arm", "legacy-terraform"] {
        let t = load(dir).topology;
        assert_eq!(pna(&t, "ws-both"), PublicNetworkAccess::Enabled, "{dir}");
        assert!(conflict_recorded(&t, "ws-both"), "{dir}");
        assert_eq!(from_internet(&t, "ws-both"), Verdict::Unknown, "{dir}");
        assert!(!conflict_recorded(&t, "ws-legacy"), "{dir}");
    }
    let arm = load("legacy-arm").topology;
    assert_eq!(pna(&arm, "ws-legacy"), PublicNetworkAccess::Disabled);
    assert_eq!(from_internet(&arm, "ws-legacy"), Verdict::Denied);
    // Unset means Enabled, as Azure (and checkov's CKV_AZURE_144) read it.
    assert_eq!(pna(&arm, "ws-unset"), PublicNetworkAccess::Enabled);
    assert_eq!(from_internet(&arm, "ws-unset"), Verdict::Allowed);
    let tf = load("legacy-terraform").topology;
    assert_eq!(pna(&tf, "ws-legacy"), PublicNetworkAccess::Enabled);
}

#[test]
fn legacy_switch_in_native_and_cli_yaml() {
    let native = |extra: &str| {
        moat_ingest::parse_native_str("t.yaml", &format!("workspaces: [{{ name: ws, {extra} }}]"))
            .unwrap()
    };
    let t = native("allow_public_access_when_behind_vnet: false");
    assert_eq!(pna(&t, "ws"), PublicNetworkAccess::Disabled);
    let t = native("allow_public_access_when_behind_vnet: true, public_network_access: Disabled");
    assert!(conflict_recorded(&t, "ws"));
    assert_eq!(pna(&t, "ws"), PublicNetworkAccess::Enabled);
    let t = native("allow_public_access_when_behind_vnet: true, public_network_access: Enabled");
    assert!(!conflict_recorded(&t, "ws"));

    let t = load("legacy-azureml/workspace.yml").topology;
    assert_eq!(
        t.workspaces[0].identity,
        Some(moat_model::enums::IdentityType::UserAssigned)
    );
    assert!(conflict_recorded(&t, "mlw-legacy"));
}

/// Placeholder ids (`"id1"`), as checkov's fixtures use them, read as unknown references with
/// a located warning: the file is not refused.
#[test]
fn placeholder_ids_are_unknown_references() {
    let l = load("legacy-terraform");
    let w: Vec<_> = l
        .warnings
        .iter()
        .filter(|d| d.code == "not-an-id")
        .collect();
    assert_eq!(w.len(), 6, "{w:#?}");
    assert!(w.iter().all(|d| d.location.line > 0));
    assert!(
        l.topology
            .is_unknown("workspace/ws-legacy", "storage_account")
            .is_some()
    );
}

/// `validate` reports every error of every class in one run: a value of the wrong type found
/// while mapping does not hide a name declared twice.
#[test]
fn every_class_of_error_in_one_run() {
    let Err(e) = moat_ingest::load_opts(&data("every-class"), &moat_ingest::Options::default())
    else {
        panic!("the configuration has errors");
    };
    let codes: Vec<&str> = e.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert!(codes.contains(&"invalid-value"), "{codes:?}");
    assert!(codes.contains(&"duplicate-name"), "{codes:?}");
    // ARM: a name Azure rejects ("Storage account names ... can contain numbers and lowercase
    // letters only") does not hide a subnet prefix with host bits set.
    let Err(e) = moat_ingest::load_opts(&data("every-class-arm"), &moat_ingest::Options::default())
    else {
        panic!("the template has errors");
    };
    let codes: Vec<&str> = e.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert!(codes.contains(&"invalid-name"), "{codes:?}");
    assert!(codes.contains(&"invalid-prefix"), "{codes:?}");
}

/// A posture finding that reads an unknown value is undecided in JSON, with what it needs.
#[test]
fn an_unknown_setting_makes_the_finding_undecided_in_json() {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_moat"))
        .args(["check", "--format", "json", "--select", "SEC001"])
        .arg(data("legacy-arm"))
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["resource"] == "workspace/ws-both")
        .expect("SEC001 on ws-both");
    assert_eq!(f["certainty"], "undecided");
    assert!(
        f["needs"][0]
            .as_str()
            .unwrap()
            .contains("allowPublicAccessWhenBehindVnet")
    );
    let decided = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["resource"] == "workspace/ws-unset")
        .expect("SEC001 on ws-unset");
    assert_eq!(decided["certainty"], "definite");
}

/// facts §1.1: the legacy flag and `public_network_access` "override each other (last write
/// wins)". `show` never presents a workspace whose two switches disagree as settled: it shows
/// that it is not decided, with the worst case.
#[test]
fn show_says_when_public_access_is_not_decided() {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_moat"))
        .arg("show")
        .arg(data("legacy-arm"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    let inbound = |ws: &str| {
        let mut lines = text
            .lines()
            .skip_while(|l| !l.starts_with(&format!("Workspace {ws} ")));
        lines
            .find(|l| l.trim_start().starts_with("inbound"))
            .unwrap_or_else(|| panic!("{ws}: {text}"))
            .to_string()
    };
    let both = inbound("ws-both");
    assert!(
        both.contains("not decided (at worst Enabled from all networks): "),
        "{both}"
    );
    assert!(inbound("ws-legacy").ends_with("public network access Disabled"));
    assert!(!inbound("ws-unset").contains("not decided"));
}

/// The portal's "Enabled from selected IP addresses" mode, with how many ranges its list holds
/// (Configure a private endpoint: "Enabled from selected IP addresses. This setting allows
/// access to your workspace from the IP address ranges that you specify").
#[test]
fn show_counts_the_ranges_of_an_ip_allow_list() {
    let dir = std::env::temp_dir().join(format!("moat-show-ranges-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let inbound = |ranges: &str| {
        let file = dir.join("topology.yaml");
        std::fs::write(
            &file,
            format!(
                "region: eastus\nworkspaces:\n  - name: ws\n    network_acls: {{ default_action: Deny, ip_rules: [{ranges}] }}\n"
            ),
        )
        .unwrap();
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_moat"))
            .arg("show")
            .arg(&file)
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .find(|l| l.trim_start().starts_with("inbound"))
            .unwrap()
            .trim()
            .to_string()
    };
    assert_eq!(
        inbound("20.1.2.3"),
        "inbound     public network access Enabled from selected IP addresses (1 range)"
    );
    assert_eq!(
        inbound("20.1.2.3, 16.17.18.0/24"),
        "inbound     public network access Enabled from selected IP addresses (2 ranges)"
    );
    std::fs::remove_dir_all(&dir).ok();
}
