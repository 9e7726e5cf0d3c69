//! A route table whose routes the configuration leaves open: a `dynamic "route"` block over a
//! variable without a value makes as many routes as the variable holds. A compute with a
//! public IP needs its replies to Azure's inbound management traffic to leave by the internet,
//! not through an appliance ("public-IP compute behind a firewall needs a UDR with next hop
//! Internet for inbound management traffic", facts §6 rule 60). With the routes open, OUT004
//! is undecided and names the variable; with none given, the subnet has no appliance on its
//! way out and there is nothing to report.

use std::path::Path;
use std::process::Command;

fn out004(extra: &[&str]) -> Option<serde_json::Value> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/open_routes");
    let o = Command::new(env!("CARGO_BIN_EXE_moat"))
        .arg("check")
        .arg(&dir)
        .args(["--format", "json"])
        .args(extra)
        .env("NO_COLOR", "1")
        .output()
        .expect("moat runs");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON report");
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "OUT004")
        .cloned()
}

#[test]
fn routes_left_open_leave_out004_undecided() {
    let f = out004(&[]).expect("OUT004 is reported");
    assert_eq!(f["certainty"], "undecided", "{f:#}");
    let needs = f["needs"].to_string();
    assert!(
        needs.contains("routes of route-table/rt-jobs") && needs.contains("extra_routes"),
        "{f:#}"
    );
}

#[test]
fn no_routes_no_finding() {
    assert!(out004(&["--var", "extra_routes={}"]).is_none());
}
