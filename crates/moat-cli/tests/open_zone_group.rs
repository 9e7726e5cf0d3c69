//! A private endpoint's DNS zone group the configuration leaves open. Terraform makes one
//! `private_dns_zone_group` block per element of a `dynamic` block's `for_each`, so a
//! `for_each` built from a variable without a value leaves open whether the endpoint has a
//! zone group and which zones it names (a central zone linked to the VNet, in the landing-zone
//! pattern). With the zone group, the workspace's names resolve to the endpoint from the
//! VNet; without one they resolve publicly ("each Private DNS zone on the private endpoint
//! must have a DNS zone group entry", facts §11). PE001 is then undecided and names the
//! variable; given the variable, it is decided.

use std::path::Path;
use std::process::{Command, Output};

fn check(extra: &[&str]) -> serde_json::Value {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/open_zone_group");
    let o: Output = Command::new(env!("CARGO_BIN_EXE_moat"))
        .arg("check")
        .arg(&dir)
        .args(["--format", "json"])
        .args(extra)
        .env("NO_COLOR", "1")
        .output()
        .expect("moat runs");
    serde_json::from_slice(&o.stdout).expect("JSON report")
}

fn finding(v: &serde_json::Value, code: &str) -> serde_json::Value {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == code)
        .cloned()
        .unwrap_or_else(|| panic!("{code} is reported: {v:#}"))
}

#[test]
fn a_zone_group_left_open_leaves_pe001_undecided() {
    let f = finding(&check(&[]), "PE001");
    assert_eq!(f["certainty"], "undecided", "{f:#}");
    let needs = f["needs"].to_string();
    assert!(
        needs.contains("dns_zone_group") && needs.contains("central_zone_ids"),
        "{f:#}"
    );
}

#[test]
fn no_zone_group_decides_it() {
    let f = finding(&check(&["--var", "central_zone_ids=[]"]), "PE001");
    assert_eq!(f["certainty"], "definite", "{f:#}");
    assert_eq!(f["severity"], "error", "{f:#}");
}
