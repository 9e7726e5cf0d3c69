//! An NSG rule whose addresses or ports the input leaves open (a parameter or a variable
//! without value) may or may not match a flow: the flow is decided only where both answers
//! agree, and otherwise unknown at the NSG hop, which names the input.
//!
//! CMP014's source (how to secure training, "Virtual machine or HDInsight cluster"): an
//! attached VM's NSG must allow inbound SSH (port 22) from the AzureMachineLearning service
//! tag. A rule allowing SSH from a source the input leaves open may be that rule, or not: SSH
//! from AzureMachineLearning is unknown, never allowed; a port the rule does not cover is
//! denied whatever its source.

use std::process::Command;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/open_nsg_rules/");

fn trace(input: &str, port: &str, extra: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_moat"))
        .current_dir(DIR)
        .args(["trace", input, "--from", "tag:AzureMachineLearning"])
        .args(["--to", "vm/dsvm", "--port", port])
        .args(extra)
        .env("NO_COLOR", "1")
        .output()
        .expect("moat runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn an_open_source_prefix_leaves_ssh_through_the_rule_unknown_at_the_nsg() {
    let t = trace("ssh_admin.json", "22", &[]);
    assert!(t.starts_with("UNKNOWN"), "{t}");
    // The NSG hop itself is open and says which rule, and which input decides it.
    let nsg = t
        .lines()
        .find(|l| l.contains(" nsg "))
        .unwrap_or_else(|| panic!("{t}"));
    assert!(nsg.contains("? nsg"), "{t}");
    assert!(nsg.contains("[NSG_UNDECIDED]"), "{t}");
    assert!(
        nsg.contains("allow-ssh-admin") && nsg.contains("sources unknown"),
        "{t}"
    );
    assert!(
        t.contains("missing: rules/allow-ssh-admin of nsg/nsg: parameters('adminSource')"),
        "{t}"
    );
    // Given the value, decided either way.
    let aml = trace(
        "ssh_admin.json",
        "22",
        &["--parameters", "adminSource=AzureMachineLearning"],
    );
    assert!(aml.starts_with("ALLOWED"), "{aml}");
    let other = trace(
        "ssh_admin.json",
        "22",
        &["--parameters", "adminSource=10.50.0.0/16"],
    );
    assert!(other.starts_with("DENIED"), "{other}");
}

#[test]
fn a_port_the_open_rule_does_not_cover_is_decided() {
    // Whatever the rule's source, it allows only port 22: the default rule DenyAllInBound
    // decides port 29876.
    let t = trace("ssh_admin.json", "29876", &[]);
    assert!(t.starts_with("DENIED"), "{t}");
    assert!(t.contains("DenyAllInBound"), "{t}");
}

#[test]
fn a_terraform_variable_without_value_leaves_the_rule_open_the_same_way() {
    let t = trace("tf", "22", &[]);
    assert!(t.starts_with("UNKNOWN"), "{t}");
    assert!(t.contains("[NSG_UNDECIDED]"), "{t}");
    assert!(
        t.contains("rules/allow-ssh-admin of nsg/nsg: variable `admin_source` has no value"),
        "{t}"
    );
    let given = trace("tf", "22", &["--var", "admin_source=AzureMachineLearning"]);
    assert!(given.starts_with("ALLOWED"), "{given}");
}

#[test]
fn check_reports_the_attached_vm_rule_undecided_naming_the_parameter() {
    let out = Command::new(env!("CARGO_BIN_EXE_moat"))
        .current_dir(DIR)
        .args([
            "check",
            "ssh_admin.json",
            "--format",
            "json",
            "--select",
            "CMP014",
        ])
        .output()
        .expect("moat runs");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let f = &v["findings"][0];
    assert_eq!(f["certainty"], "undecided", "{v:#}");
    assert!(f["needs"].to_string().contains("adminSource"), "{v:#}");
}
