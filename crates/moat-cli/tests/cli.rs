//! The `moat` binary as users run it: exit codes, output formats, and every bundled example.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn moat(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_moat"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("moat runs")
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn examples() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(root().join("examples"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| format!("examples/{}", e.file_name().to_string_lossy()))
        .collect();
    v.sort();
    v
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn every_example_validates() {
    let ex = examples();
    assert_eq!(
        ex.len(),
        9,
        "one example per architecture of the seeds: {ex:?}"
    );
    for e in ex {
        let o = moat(&["validate", &e]);
        assert_eq!(o.status.code(), Some(0), "{e}: {}", stderr(&o));
        assert!(stdout(&o).contains("valid native input"), "{e}");
    }
}

#[test]
fn examples_use_the_documented_names() {
    for e in examples() {
        let text = std::fs::read_to_string(root().join(&e).join("topology.yaml")).unwrap();
        assert!(text.contains("- name: ws\n"), "{e} names its workspace ws");
        assert!(
            root().join(&e).join("README.md").exists(),
            "{e} has a README"
        );
    }
}

#[test]
fn show_snapshots() {
    for e in examples() {
        let o = moat(&["show", &e]);
        assert_eq!(o.status.code(), Some(0), "{e}: {}", stderr(&o));
        let name = e.trim_start_matches("examples/").to_string();
        insta::assert_snapshot!(format!("show-{name}"), stdout(&o));
    }
}

#[test]
fn bad_input_exits_2_with_a_located_error() {
    let dir = std::env::temp_dir().join(format!("moat-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("bad.yaml");
    std::fs::write(
        &f,
        "virtual_networks:\n  - name: vnet\n    adress_space: [10.0.0.0/16]\n",
    )
    .unwrap();
    let o = moat(&["validate", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("bad.yaml:3:5: error[unknown-field]: unknown field `adress_space`"),
        "{err}"
    );
    assert!(err.contains("did you mean `address_space`?"), "{err}");
    assert!(!err.contains('\u{1b}'), "NO_COLOR turns colours off");

    let o = moat(&["validate", f.to_str().unwrap(), "--format", "json"]);
    assert_eq!(o.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json diagnostics");
    // The misspelt key is reported, and so is the required key it leaves missing.
    assert_eq!(v["errors"], 2);
    let diags = v["diagnostics"].as_array().unwrap();
    let unknown = diags
        .iter()
        .find(|d| d["code"] == "unknown-field")
        .expect("unknown field reported");
    assert_eq!(unknown["location"]["line"], 3);
    assert_eq!(unknown["location"]["column"], 5);
    assert!(diags.iter().any(|d| d["code"] == "missing-field"));

    let o = moat(&["validate", dir.join("missing.yaml").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("does not exist"), "{}", stderr(&o));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(moat(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(moat(&["show"]).status.code(), Some(2));
    assert_eq!(
        moat(&["graph", "examples/private-registry", "--format", "png"])
            .status
            .code(),
        Some(2)
    );
    let help = moat(&["--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(stdout(&help).contains("Examples:"));
}

#[test]
fn schema_is_json_schema_of_the_topology() {
    let o = moat(&["schema"]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["title"], "Topology");
    for k in [
        "workspaces",
        "registries",
        "virtual_networks",
        "private_endpoints",
        "private_dns_zones",
        "firewalls",
    ] {
        assert!(v["properties"][k].is_object(), "schema lists {k}");
    }
    assert!(
        !stdout(&o).contains("$at"),
        "provenance is not part of the format"
    );
}

#[test]
fn graphs_draw_vnets_as_clusters_and_endpoints_as_edges() {
    let o = moat(&["graph", "examples/private-registry"]);
    assert_eq!(o.status.code(), Some(0));
    let dot = stdout(&o);
    assert!(dot.starts_with("digraph moat {"));
    assert!(dot.contains("subgraph cluster_vnet {"));
    assert!(
        dot.contains(
            "pe_contosoreg_storage_pe -> registry_contosoreg_storage [label=\"blob (Approved)\"]"
        ),
        "{dot}"
    );
    let o = moat(&[
        "graph",
        "examples/hub-spoke-firewall",
        "--format",
        "mermaid",
    ]);
    let m = stdout(&o);
    assert!(m.starts_with("flowchart LR"));
    assert!(
        m.contains("subgraph vnet_spoke_vnet[\"VNet spoke-vnet\"]"),
        "{m}"
    );
    assert!(
        m.contains("vnet_hub_vnet -.->|\"peering\"| vnet_spoke_vnet"),
        "{m}"
    );
}

#[test]
fn completions_are_generated() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let o = moat(&["completions", shell]);
        assert_eq!(o.status.code(), Some(0));
        assert!(stdout(&o).contains("validate"), "{shell}");
    }
}

#[test]
fn show_json_carries_the_posture() {
    let o = moat(&[
        "show",
        "examples/managed-network-approved-outbound",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["workspaces"][0]["name"], "ws");
    assert_eq!(v["workspaces"][0]["public_access"], "Disabled");
    assert_eq!(
        v["workspaces"][0]["outbound"],
        "managed network AllowOnlyApprovedOutbound (8 user rules)"
    );
    // A deployed workspace lists the rules Azure adds itself (category Required, the
    // `__SYS_` rules) beside the user's: they are not counted as the user's.
    let o = moat(&[
        "show",
        "crates/moat-live/tests/data/managed-network",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        v["workspaces"][0]["outbound"],
        "managed network AllowOnlyApprovedOutbound (3 user rules, 12 Azure requires)"
    );
}
