//! What `moat check` says, read as a user reads it: fixes that fit the deployment's topology.

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

/// Facts §7: a managed network in AllowOnlyApprovedOutbound mode gives built-in exfiltration
/// protection. A managed network has no subnet, NSG or firewall of the user's to change, so the
/// fix of an open path from it is its isolation mode; from a custom VNet, the subnet's service
/// endpoint policy and the firewall.
#[test]
fn exfiltration_fixes_follow_the_topology() {
    let o = moat(&[
        "check",
        "examples/managed-network-internet-outbound",
        "--select",
        "EXF",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let findings = v["findings"].as_array().unwrap();
    let codes: Vec<&str> = findings
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["EXF001", "EXF002", "EXF003"]);
    for f in findings {
        let fix = f["fix"].as_str().unwrap();
        assert!(
            fix.starts_with("Set the managed network of workspace ws to AllowOnlyApprovedOutbound"),
            "{fix}"
        );
        for word in ["subnet", "NSG", "firewall"] {
            assert!(!fix.contains(word), "{word} in {fix}");
        }
    }
    let o = moat(&[
        "check",
        "examples/hub-spoke-firewall",
        "--select",
        "EXF001",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let fix = v["findings"][0]["fix"].as_str().unwrap();
    assert!(
        fix.contains("service endpoint policy") && fix.contains("compute subnet"),
        "{fix}"
    );
}

/// A template given as a file reads no parameters file (a directory would read its one
/// `*.parameters.json`): when one sits beside it, the user is told, in every format.
#[test]
fn a_parameters_file_beside_a_template_is_mentioned() {
    let dir = "../shared/corpus/qs-e2e-secure/quickstarts/microsoft.machinelearningservices/machine-learning-end-to-end-secure";
    let template = format!("{dir}/azuredeploy.json");
    let o = moat(&["validate", &template]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("warning[parameters-not-read]: azuredeploy.parameters.json beside the template was not read: parameters without a default value stay unknown"),
        "{err}"
    );
    // The hint, wrapped at spaces: the path stays whole. (The template also warns of other
    // things, each with its own hint: the one read is this warning's.)
    let hint: Vec<&str> = err
        .split("warning[parameters-not-read]")
        .nth(1)
        .unwrap()
        .split("help:")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .collect();
    let path = format!("{dir}/azuredeploy.parameters.json");
    assert_eq!(hint, ["pass", "--parameters", path.as_str()]);
    let o = moat(&["check", &template, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["code"] == "parameters-not-read")
    );
    // Given, or given the directory: nothing to say.
    let params = format!("{dir}/azuredeploy.parameters.json");
    for args in [
        vec![
            "validate",
            template.as_str(),
            "--parameters",
            params.as_str(),
        ],
        vec!["validate", dir],
    ] {
        let o = moat(&args);
        assert!(
            !String::from_utf8_lossy(&o.stderr).contains("parameters-not-read"),
            "{args:?}"
        );
    }
}

/// One missing input leaves several findings undecided: the text report says it once, and
/// lists the findings it leaves undecided under it instead of a warning for each. (A workspace
/// whose storage account, given by id, the input does not describe: the properties of that
/// account leave three findings undecided.)
#[test]
fn one_missing_input_is_one_line() {
    let template = "crates/moat-cli/tests/data/kept/azuredeploy.json";
    let o = moat(&["check", template]);
    let out = String::from_utf8_lossy(&o.stdout);
    let section = out
        .split("Undecided for lack of input (")
        .nth(1)
        .expect("an undecided section");
    // Each input it lists, with what it leaves: one with several findings, each said once.
    let causes: Vec<(&str, &str)> = section
        .split("\n  - ")
        .skip(1)
        .filter_map(|c| c.split_once("\n    leaves "))
        .collect();
    assert!(
        causes
            .iter()
            .any(|(_, leaves)| !leaves.starts_with("1 finding")),
        "{section}"
    );
    for (cause, _) in &causes {
        assert_eq!(out.matches(cause).count(), 1, "{cause}");
    }
    // Undecided findings are not also printed one by one.
    for line in out.lines() {
        assert!(
            !line.contains("cannot confirm") && !line.contains("cannot tell whether"),
            "{line}"
        );
    }
    let summary = out.lines().last().unwrap();
    assert!(summary.contains(" undecided)"), "{summary}");
    // JSON keeps each finding, with what it needs.
    let o = moat(&["check", template, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let undecided = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["certainty"] == "undecided")
        .count();
    assert_eq!(v["summary"]["undecided"], undecided);
    assert!(
        section.starts_with(&format!("{undecided} findings;")),
        "{section}"
    );
}

/// A template whose resources take the resource group's location, checked without
/// `--location`: the region is unknown, and no service tag is named with an empty region
/// (`BatchNodeManagement.`) or sent to `--service-tags` for it, and no host name is built with
/// an empty region label (`node..batch.azure.com`, `.tundra.azureml.ms`).
#[test]
fn an_unknown_region_names_no_empty_regional_tag() {
    let dir = std::env::temp_dir().join(format!("moat-text-region-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let template = std::fs::read_to_string(
        root().join("examples/workspace-private-endpoint/arm/azuredeploy.json"),
    )
    .unwrap()
    .replace(
        "\"defaultValue\": \"eastus\"",
        "\"defaultValue\": \"[resourceGroup().location]\"",
    );
    assert!(template.contains("resourceGroup().location"));
    std::fs::write(dir.join("azuredeploy.json"), template).unwrap();
    let file = dir.join("azuredeploy.json");
    for format in ["text", "json"] {
        let o = moat(&["check", file.to_str().unwrap(), "--format", format]);
        let out = String::from_utf8_lossy(&o.stdout);
        for tag in ["BatchNodeManagement", "Storage", "AzureKeyVault"] {
            for after in [".\"", ". ", ".)", ".\n"] {
                assert!(!out.contains(&format!("{tag}{after}")), "{format}: {out}");
            }
        }
        for host in [
            ".tundra.azureml.ms",
            ".batch.azure.com",
            ".api.azureml.ms",
            ".data.mcr.microsoft.com",
            ".instances.azureml.ms",
        ] {
            for (at, _) in out.match_indices(host) {
                let before = out[..at].chars().next_back().unwrap_or(' ');
                assert!(
                    before.is_ascii_alphanumeric() || before == '*' || before == '-',
                    "{format}: a host name with an empty label before {host}: {out}"
                );
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// An on-premises site whose DNS the input does not describe is named once as such: the
/// sentence that says so does not repeat it (`… (not described) is not described`).
#[test]
fn an_undescribed_on_premises_resolver_is_said_once() {
    let dir = std::env::temp_dir().join(format!("moat-text-onprem-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let template =
        std::fs::read_to_string(root().join("examples/hub-spoke-firewall/arm/azuredeploy.json"))
            .unwrap()
            .replace(
                "\"defaultValue\": \"eastus\"",
                "\"defaultValue\": \"[resourceGroup().location]\"",
            );
    let file = dir.join("azuredeploy.json");
    std::fs::write(&file, template).unwrap();
    let o = moat(&["check", file.to_str().unwrap(), "--format", "json"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("on-premises DNS of"), "{out}");
    assert!(!out.contains("not described) is not described"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}
