//! The compute that builds images, when the input does not say whether it exists.
//!
//! The workspace spec's own documentation says that "when using private link, you must set
//! the image_build_compute property to a cluster name", and the compute "must be created before
//! building images" (facts §6.46). An Azure ML workspace spec names that cluster but cannot
//! declare it: computes are created apart (`az ml compute create`), so from the spec alone
//! whether it exists is unknown, and ACR008 is undecided, not an error. Where the input does
//! describe the workspace's computes (moat's own format), a name missing among them is decided.

use std::path::PathBuf;
use std::process::{Command, Output};

fn moat(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_moat"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("moat runs")
}

fn write(name: &str, file: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("moat-buildc-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join(file);
    std::fs::write(&f, text).unwrap();
    f
}

fn acr008(o: &Output) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON report");
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "ACR008")
        .cloned()
        .unwrap_or_else(|| panic!("ACR008 is reported: {v:#}"))
}

#[test]
fn a_workspace_spec_leaves_the_build_compute_undecided() {
    let f = write(
        "spec",
        "workspace.yml",
        "$schema: https://azuremlschemas.azureedge.net/latest/workspace.schema.json\nname: mlw\nlocation: eastus\nimage_build_compute: cpu-compute\npublic_network_access: Disabled\n",
    );
    let o = moat(&["check", f.to_str().unwrap(), "--format", "json"]);
    let a = acr008(&o);
    assert_eq!(a["certainty"], "undecided", "{a:#}");
    assert_eq!(a["severity"], "warning", "{a:#}");
    let needs = a["needs"].to_string();
    assert!(needs.contains("cpu-compute"), "{needs}");

    // The text report lists it under the input it needs, not as an error.
    let o = moat(&["check", f.to_str().unwrap(), "--severity", "error"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(!out.contains("error[ACR008]"), "{out}");
    assert!(
        out.contains("whether compute cpu-compute exists in workspace mlw"),
        "{out}"
    );
    assert_eq!(o.status.code(), Some(0), "{out}");
}

#[test]
fn a_topology_that_lists_the_computes_decides() {
    let f = write(
        "native",
        "topology.yaml",
        "workspaces:\n  - name: mlw\n    region: eastus\n    image_build_compute: cpu-compute\n    public_network_access: Disabled\ncomputes: []\n",
    );
    let o = moat(&["check", f.to_str().unwrap(), "--format", "json"]);
    let a = acr008(&o);
    assert_eq!(a["certainty"], "definite", "{a:#}");
    assert_eq!(a["severity"], "error", "{a:#}");
}
