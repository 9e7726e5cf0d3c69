//! `moat exfil` as people and CI use it: formats, exit codes, bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn moat(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_moat"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("moat runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn text_names_each_category_and_exits_one_on_read_write_outbound() {
    let o = moat(&["exfil", "examples/exfiltration-prevention"]);
    assert_eq!(o.status.code(), Some(1));
    let s = stdout(&o);
    assert!(s.contains("subnet/spoke-vnet/training"), "{s}");
    assert!(s.contains("storage-outside closed"), "{s}");
    assert!(s.contains("frontdoor narrowed"), "{s}");
    let o = moat(&["exfil", "examples/exfiltration-prevention", "--exit-zero"]);
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn json_sarif_and_dot() {
    let o = moat(&[
        "exfil",
        "examples/managed-network-approved-outbound",
        "--format",
        "json",
    ]);
    let j: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    let places = j["places"].as_array().unwrap();
    let mn = places
        .iter()
        .find(|p| p["place"] == "managed-network/ws")
        .unwrap();
    let any = mn["destinations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["label"] == "any internet host, by address")
        .unwrap();
    assert_eq!(any["verdict"], "denied");
    assert_eq!(any["access"], "read-write");
    assert!(any["witness"]["trace"]["hops"].is_array());

    let schema_path = root().join("../shared/data/sarif-schema-2.1.0.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the SARIF schema compiles");
    let o = moat(&["exfil", "examples/hub-spoke-firewall", "--format", "sarif"]);
    let sarif: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("SARIF is JSON");
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|x| format!("{} at {}", x, x.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(
        sarif["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["properties"]["category"] == "storage-outside")
    );

    let o = moat(&["exfil", "examples/hub-spoke-firewall", "--format", "dot"]);
    let dot = stdout(&o);
    assert!(dot.starts_with("digraph exfil {"), "{dot}");
    assert!(dot.contains("color=red"), "{dot}");
}

#[test]
fn one_place_and_bad_input() {
    let o = moat(&[
        "exfil",
        "examples/exfiltration-prevention",
        "--place",
        "workspace/ws",
        "--format",
        "json",
    ]);
    let j: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    assert_eq!(j["places"].as_array().unwrap().len(), 1);
    let o = moat(&[
        "exfil",
        "examples/exfiltration-prevention",
        "--place",
        "nowhere",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("subnet/spoke-vnet/training"));
    let o = moat(&["exfil", "examples/no-such-example"]);
    assert_eq!(o.status.code(), Some(2));
}

fn scratch(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("moat-exfil-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// Seed 004, "Outbound from service to other Azure PaaS resources": the service reaches other
/// PaaS resources as a trusted service with its managed identity, which the deployment's
/// network does not carry. A workspace with no compute and no network opens nothing: `moat
/// exfil` shows what the service reaches apart and exits 0.
#[test]
fn the_exit_code_counts_only_what_the_network_opens() {
    let p = scratch(
        "service-only.yaml",
        "name: service-only\nregion: eastus\nworkspaces:\n  - { name: ws, storage_account: wsstorage }\nstorage_accounts:\n  - { name: wsstorage }\n",
    );
    let o = moat(&["exfil", p.to_str().unwrap()]);
    let s = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{s}");
    assert!(s.contains("storage-outside beyond the network"), "{s}");
    assert!(
        s.contains("0 read/write destination(s) reachable through the network"),
        "{s}"
    );
    let o = moat(&["exfil", p.to_str().unwrap(), "--format", "json"]);
    let j: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    let rows = j["places"][0]["destinations"].as_array().unwrap();
    assert!(
        rows.iter().all(|r| r["control"] == "beyond-network"),
        "{rows:#?}"
    );
}

const POLICY: &str = r#"
[[invariant]]
name = "no-internet-from-training"
from = "subnet/spoke-vnet/training"
to = "internet"
except = ["fqdn:pypi.org", "fqdn:*.pythonhosted.org", "fqdn:anaconda.com", "fqdn:*.anaconda.com", "fqdn:*.anaconda.org"]
expect = "denied"

[[invariant]]
name = "no-storage-outside"
from = "compute/*"
to = "storage-outside"
expect = "denied"

[[invariant]]
name = "reaches-example"
from = "compute/cpu-cluster"
to = "fqdn:example.org"
expect = "allowed"
"#;

#[test]
fn check_proves_invariants_from_a_policy_and_from_moat_toml() {
    let policy = scratch("policy.toml", POLICY);
    let o = moat(&[
        "check",
        "examples/exfiltration-prevention",
        "--select",
        "INV",
        "--policy",
        policy.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let j: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    let findings = j["findings"].as_array().unwrap();
    // The two denials hold; the host no rule allows is unreachable (INV002), with the trace
    // that stops at the firewall.
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0]["code"], "INV002");
    assert!(
        findings[0]["message"]
            .as_str()
            .unwrap()
            .contains("reaches-example")
    );
    assert_eq!(findings[0]["trace"]["verdict"], "denied");
    // The same invariants in moat.toml.
    let config = scratch("moat.toml", POLICY);
    let o = moat(&[
        "check",
        "examples/hub-spoke-firewall",
        "--select",
        "INV",
        "--config",
        config.to_str().unwrap(),
    ]);
    let s = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{s}");
    assert!(
        s.contains("INV001") && s.contains("no-storage-outside"),
        "{s}"
    );
    assert!(s.contains("witness:"), "{s}");
}

#[test]
fn a_bad_invariant_is_a_located_error() {
    let policy = scratch(
        "bad.toml",
        "[[invariant]]\nname = \"x\"\nfrom = \"compute/*\"\nto = \"the-moon\"\nexpect = \"maybe\"\n",
    );
    let o = moat(&[
        "check",
        "examples/exfiltration-prevention",
        "--policy",
        policy.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.toml:4:6"), "{err}");
    assert!(err.contains("`maybe` is not an expectation"), "{err}");
}

/// Seed 004, "Outbound from service to other Azure PaaS resources": an invariant over the
/// workspace service is refuted by what the service reaches with its identity, and the
/// finding says that no network change closes it rather than naming a rule to remove.
#[test]
fn an_invariant_over_the_service_says_the_network_cannot_close_it() {
    let policy = scratch(
        "service.toml",
        "[[invariant]]\nname = \"service-keeps-data-in\"\nfrom = \"workspace/ws\"\nto = \"storage-outside\"\nexpect = \"denied\"\n",
    );
    let o = moat(&[
        "check",
        "examples/exfiltration-prevention",
        "--select",
        "INV001",
        "--policy",
        policy.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let j: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    let f = j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["message"]
                .as_str()
                .unwrap()
                .contains("service-keeps-data-in")
        })
        .expect("the invariant is refuted");
    let message = f["message"].as_str().unwrap();
    assert!(message.contains("does not carry this flow"), "{message}");
    let fix = f["fix"].as_str().unwrap();
    assert!(fix.starts_with("No network change closes this"), "{fix}");
}
