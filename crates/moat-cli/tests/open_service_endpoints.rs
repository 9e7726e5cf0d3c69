//! A subnet's service endpoints the input leaves open. Data exfiltration protection pairs the
//! compute subnet's `Microsoft.Storage` service endpoint with a service endpoint policy naming
//! the workspace's storage (facts §7): the policy filters only traffic that goes over the
//! service endpoint. With the list unknown (a Terraform variable without a value), EXF005
//! cannot say the policy filters nothing. It is undecided and names the variable; given the
//! variable, it is decided.

use std::path::Path;
use std::process::{Command, Output};

fn check(extra: &[&str]) -> Output {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/open_service_endpoints");
    Command::new(env!("CARGO_BIN_EXE_moat"))
        .arg("check")
        .arg(&dir)
        .args(["--format", "json"])
        .args(extra)
        .env("NO_COLOR", "1")
        .output()
        .expect("moat runs")
}

fn exf005(o: &Output) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON report");
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "EXF005")
        .cloned()
        .unwrap_or_else(|| panic!("EXF005 is reported: {v:#}"))
}

#[test]
fn an_unknown_list_of_service_endpoints_leaves_exf005_undecided() {
    let f = exf005(&check(&[]));
    assert_eq!(f["certainty"], "undecided", "{f:#}");
    assert!(
        f["needs"].to_string().contains("service_endpoints"),
        "{f:#}"
    );
    // Nothing is added to a list that is not known.
    assert!(f["changes"].as_array().is_none_or(Vec::is_empty), "{f:#}");
}

#[test]
fn a_known_list_decides_it() {
    let without = exf005(&check(&[
        "--var",
        r#"service_endpoints=["Microsoft.KeyVault"]"#,
    ]));
    assert_eq!(without["certainty"], "definite", "{without:#}");
    let o = check(&["--var", r#"service_endpoints=["Microsoft.Storage"]"#]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON report");
    assert!(
        !v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "EXF005"),
        "{v:#}"
    );
}
