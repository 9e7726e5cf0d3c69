//! End to end: a secure workspace whose ids hold an unknown subscription and random suffixes
//! (the Terraform importer's `identity-random` case) gets the verdicts of its structure.
//!
//! Behaviour checked, from the importer's issue: such configurations lost their endpoints, "so
//! the workspace gets WS004 ("nothing reaches it") ... and `ops` says `image.build works` — a
//! verdict with no path", and "PE003 fires on a compute that sits in the right subnet". The
//! configuration puts the workspace's private endpoint, with its privatelink zones, in the VNet
//! of its computes: the documents' supported layout ("Configure a private endpoint for an Azure
//! Machine Learning workspace"), where computes reach the workspace.

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

const CASE: &str = "crates/moat-terraform/tests/data/identity-random";

#[test]
fn no_false_finding_on_endpoints_and_computes_named_through_unknown_ids() {
    let o = moat(&["check", CASE]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{out}");
    for code in ["[WS004]", "[PE003]", "[PE001]", "[ACR003]"] {
        assert!(!out.contains(code), "{code} in:\n{out}");
    }
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!stderr.contains("this configuration"), "{stderr}");
}

#[test]
fn image_build_reaches_the_registry_through_the_endpoint_its_id_was_built_for() {
    // The registry's endpoint names it by a string template over the client configuration's
    // subscription and the registry's random-suffixed name: the build path goes through it.
    let o = moat(&["ops", CASE]);
    let out = String::from_utf8_lossy(&o.stdout);
    let line = out
        .lines()
        .find(|l| l.contains("image.build"))
        .unwrap_or_else(|| panic!("no image.build in:\n{out}"));
    assert!(line.contains("works"), "{line}");
    let o = moat(&[
        "trace",
        CASE,
        "--from",
        "compute/cpu-cluster",
        "--to",
        "acr/azurerm_container_registry.acr",
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.starts_with("ALLOWED"), "{out}");
    assert!(out.contains("private endpoint pe-acr"), "{out}");
}

const REGISTRY: &str = "crates/moat-cli/tests/data/identity/registry-by-parameter.json";
const SHARE: &str = "crates/moat-cli/tests/data/identity/share.yaml";

/// Seed "Network isolation with registries", sharing from a workspace to a registry: the
/// workspace storage is limited to selected networks "with a resource instance of type
/// Microsoft.MachineLearningServices/registries" naming the registry. The template names the
/// registry and the rule's `resourceId` by one parameter without value: the rule names that
/// registry (the same unknown value), so the share is not blocked. Before, the rule kept the
/// id's unknown last segment, matched no registry, and REG005 was a decided false error.
#[test]
fn a_resource_instance_rule_built_from_the_registry_name_parameter_names_that_registry() {
    let o = moat(&["check", REGISTRY, "--with", SHARE, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let findings = v["findings"].as_array().unwrap();
    assert!(
        findings.iter().all(|f| f["code"] != "REG005"),
        "{findings:#?}"
    );
    let exf: Vec<&str> = findings
        .iter()
        .filter(|f| f["code"] == "EXF004")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(exf.len(), 1, "{exf:?}");
    assert!(exf[0].contains("admits registry contosoreg"), "{}", exf[0]);
    let o = moat(&[
        "trace",
        REGISTRY,
        "--with",
        SHARE,
        "--from",
        "registry/contosoreg",
        "--to",
        "storage/wsstorage:blob",
        "--port",
        "443",
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.starts_with("ALLOWED"), "{out}");
    assert!(out.contains("[RF_RESOURCE_INSTANCE]"), "{out}");
}
