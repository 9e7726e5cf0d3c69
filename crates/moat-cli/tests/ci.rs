//! `moat check` in CI, with the conventions of ruff and checkov: what fails the run, reports
//! that are always complete documents, `--exit-zero`, `--output-file`, `--statistics`, `-q`.

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

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("moat-ci-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn sarif_errors(sarif: &serde_json::Value) -> Vec<String> {
    let schema_path = root().join("../shared/data/sarif-schema-2.1.0.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the SARIF schema compiles");
    validator
        .iter_errors(sarif)
        .map(|x| format!("{} at {}", x, x.instance_path()))
        .collect()
}

/// A template whose private endpoints point at subnets it does not declare: it loads, with
/// warnings.
const WITH_WARNINGS: &str = "../shared/corpus/qs-network-restricted/quickstarts/microsoft.machinelearningservices/machine-learning-network-restricted/azuredeploy.json";

#[test]
fn info_never_fails_by_default() {
    // WS005 is an info finding on every private workspace: a secure deployment must pass.
    let o = moat(&["check", "examples/private-registry", "--select", "WS005"]);
    assert!(stdout(&o).contains("info[WS005]"), "{}", stdout(&o));
    assert_eq!(o.status.code(), Some(0), "info does not fail by default");
    let o = moat(&[
        "check",
        "examples/private-registry",
        "--select",
        "WS005",
        "--severity",
        "info",
    ]);
    assert_eq!(o.status.code(), Some(1), "unless asked");
    // The README's first command.
    let o = moat(&["check", "examples/private-registry", "--severity", "error"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn exit_zero_keeps_findings_and_bad_input_still_exits_2() {
    let o = moat(&["check", "examples/private-registry", "--exit-zero"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("warning[EXF001]"));
    let o = moat(&["check", "examples/missing", "--exit-zero"]);
    assert_eq!(o.status.code(), Some(2));
}

/// README, CI: the exit status is "1 when a decided finding does" reach the threshold; "a
/// finding the input leaves undecided ... fails the run only with `--fail-on-undecided` (or
/// `fail-on-undecided = true` in `moat.toml`)". The template's NSG rule denying SMB is deployed
/// on a condition given by a parameter without value: ST008 (facts §6.55, "Port 445 must be
/// open privately between computes and the default storage") is an error that holds only if
/// the rule is deployed, and does not fail the run unless asked; deployed, it does.
#[test]
fn undecided_findings_fail_the_run_only_when_asked() {
    let t = "crates/moat-cli/tests/data/may_exist/arm/conditional-smb-rule.json";
    let run = |extra: &[&str]| {
        let mut args = vec!["check", t, "--select", "ST008", "--severity", "error"];
        args.extend_from_slice(extra);
        moat(&args)
    };
    let report = |o: &Output| -> serde_json::Value {
        serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
    };
    // The rule deployed: a decided error fails the run.
    let o = run(&["--parameters", "denySmb=true", "--format", "json"]);
    let f = &report(&o)["findings"][0];
    assert_eq!(
        (f["severity"].as_str(), f["certainty"].as_str()),
        (Some("error"), Some("definite")),
        "{f}"
    );
    assert_eq!(o.status.code(), Some(1));
    // Left open: the same error, undecided, and the run passes.
    let o = run(&["--format", "json"]);
    let v = report(&o);
    let f = &v["findings"][0];
    assert_eq!(
        (f["severity"].as_str(), f["certainty"].as_str()),
        (Some("error"), Some("undecided")),
        "{v}"
    );
    assert_eq!(v["findings"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(o.status.code(), Some(0), "{v}");
    // Asked for, on the command line or in the configuration, it fails the run.
    assert_eq!(run(&["--fail-on-undecided"]).status.code(), Some(1));
    let dir = scratch("undecided");
    let config = dir.join("moat.toml");
    std::fs::write(&config, "fail-on-undecided = true\n").unwrap();
    let c = config.to_str().unwrap();
    assert_eq!(run(&["--config", c]).status.code(), Some(1));
    // --exit-zero still reports without failing; bad input still exits 2.
    assert_eq!(
        run(&["--fail-on-undecided", "--exit-zero"]).status.code(),
        Some(0)
    );
    let o = moat(&[
        "check",
        "examples/missing",
        "--fail-on-undecided",
        "--exit-zero",
    ]);
    assert_eq!(o.status.code(), Some(2));
    // A value of the wrong kind in the file is a located error.
    std::fs::write(&config, "fail-on-undecided = \"yes\"\n").unwrap();
    let o = run(&["--config", c]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("moat.toml:1:"), "{}", stderr(&o));
}

#[test]
fn bad_input_is_a_valid_json_and_sarif_document_with_its_errors() {
    let dir = scratch("bad");
    let f = dir.join("t.yaml");
    std::fs::write(
        &f,
        "virtual_networks:\n  - name: vnet\n    adress_space: [10.0.0.0/16]\n",
    )
    .unwrap();
    let p = f.to_str().unwrap();

    let o = moat(&["check", p, "--format", "json"]);
    assert_eq!(o.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("a JSON document");
    assert_eq!(v["findings"].as_array().unwrap().len(), 0);
    let d = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "unknown-field")
        .expect("the misspelt key is reported");
    assert_eq!(d["level"], "error");
    assert_eq!(d["location"]["line"], 3);
    assert!(
        stderr(&o).contains("t.yaml:3:5: error[unknown-field]"),
        "the log says why too"
    );

    let out = dir.join("moat.sarif");
    let o = moat(&[
        "check",
        p,
        "--format",
        "sarif",
        "--output-file",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stdout(&o), "", "the report went to the file");
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).expect("SARIF");
    assert!(
        sarif_errors(&sarif).is_empty(),
        "{:#?}",
        sarif_errors(&sarif)
    );
    let inv = &sarif["runs"][0]["invocations"][0];
    assert_eq!(inv["executionSuccessful"], false);
    let n = inv["toolExecutionNotifications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["descriptor"]["id"] == "unknown-field")
        .expect("a notification per error");
    assert_eq!(n["level"], "error");
    assert!(
        n["message"]["text"]
            .as_str()
            .unwrap()
            .contains("unknown field `adress_space`")
    );
    let region = &n["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(3), Some(5))
    );
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 0);
    // Only what the run reports: with no results, no rule descriptions. Before, the whole
    // catalogue (about 400 KB) came with every failed run.
    assert_eq!(
        sarif["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .map(Vec::len),
        Some(0),
        "{:#}",
        sarif["runs"][0]["tool"]
    );
    assert!(
        std::fs::read_to_string(&out).unwrap().len() < 8_000,
        "the document carries the errors, not the catalogue"
    );
    // `moat exfil --format sarif` says it in SARIF too (before: a diagnostics JSON that is
    // no SARIF document), where the report goes.
    let exfil_out = dir.join("exfil.sarif");
    let o = moat(&[
        "exfil",
        p,
        "--format",
        "sarif",
        "-o",
        exfil_out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&exfil_out).unwrap()).expect("SARIF");
    assert!(
        sarif_errors(&sarif).is_empty(),
        "{:#?}",
        sarif_errors(&sarif)
    );
    let inv = &sarif["runs"][0]["invocations"][0];
    assert_eq!(inv["executionSuccessful"], false);
    assert!(
        inv["toolExecutionNotifications"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["descriptor"]["id"] == "unknown-field"),
        "{inv:#}"
    );

    // A path that does not exist: still a document.
    let o = moat(&["check", "examples/missing", "--format", "sarif"]);
    assert_eq!(o.status.code(), Some(2));
    let sarif: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("SARIF");
    assert!(
        sarif_errors(&sarif).is_empty(),
        "{:#?}",
        sarif_errors(&sarif)
    );
    assert_eq!(
        sarif["runs"][0]["invocations"][0]["executionSuccessful"],
        false
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn loader_warnings_are_in_every_format_and_counted() {
    let o = moat(&["check", WITH_WARNINGS, "--format", "json", "--exit-zero"]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let diags = v["diagnostics"].as_array().unwrap();
    assert!(!diags.is_empty());
    assert!(diags.iter().all(|d| d["level"] == "warning"));
    assert!(diags.iter().any(|d| d["code"] == "external-subnet"));

    let o = moat(&["check", WITH_WARNINGS, "--format", "sarif"]);
    let sarif: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(
        sarif_errors(&sarif).is_empty(),
        "{:#?}",
        sarif_errors(&sarif)
    );
    let inv = &sarif["runs"][0]["invocations"][0];
    assert_eq!(inv["executionSuccessful"], true);
    assert_eq!(
        inv["toolExecutionNotifications"].as_array().unwrap().len(),
        diags.len()
    );

    let o = moat(&["check", WITH_WARNINGS]);
    let summary = stdout(&o).lines().last().unwrap().to_string();
    let n = diags.len();
    assert!(
        summary.ends_with(&format!("; {n} warnings in the input")),
        "{summary}"
    );
}

#[test]
fn summary_plurals_and_quiet() {
    let o = moat(&["check", "examples/private-registry", "--select", "WS005"]);
    assert_eq!(
        stdout(&o).lines().last(),
        Some("0 errors, 0 warnings, 1 info")
    );
    let o = moat(&["check", "examples/private-registry", "--select", "EXF001"]);
    assert_eq!(
        stdout(&o).lines().last(),
        Some("0 errors, 1 warning, 0 info")
    );
    // -q prints errors only: the example has none, so nothing at all.
    let o = moat(&["check", "examples/private-registry", "-q"]);
    assert_eq!(stdout(&o), "");
    assert_eq!(
        o.status.code(),
        Some(1),
        "-q changes the output, not the verdict"
    );
}

#[test]
fn quiet_lists_undecided_errors_apart() {
    // Every finding says whether it is decided: with -q too, an error the input leaves
    // undecided (ACR002 on subnets given as parameters) is listed under what it waits for,
    // not as a decided error.
    let input = "crates/moat-arm/tests/data/subnet-parameters.json";
    let json = moat(&["check", input, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    let undecided_errors: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["certainty"] == "undecided" && f["severity"] == "error")
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect();
    assert!(undecided_errors.contains(&"ACR002".to_string()), "{v:#}");
    let o = moat(&["check", input, "-q"]);
    let text = stdout(&o);
    assert!(!text.contains("error[ACR002]"), "{text}");
    let (_, apart) = text
        .split_once("Undecided for lack of input")
        .unwrap_or_else(|| panic!("{text}"));
    assert!(apart.contains("ACR002"), "{text}");
}

#[test]
fn findings_text_is_wrapped() {
    let o = moat(&["check", "examples/hub-spoke-firewall"]);
    for l in stdout(&o).lines() {
        // The first line of a finding starts with its location; the rest is wrapped.
        if !l.starts_with("examples/") {
            assert!(l.chars().count() <= 110, "{l}");
        }
    }
}

#[test]
fn statistics_count_findings_per_rule() {
    let o = moat(&["check", "examples/private-registry", "--statistics"]);
    let text = stdout(&o);
    assert!(
        text.lines()
            .any(|l| l.trim_start() == "1  EXF001   warning  storage-outbound-open"),
        "{text}"
    );
    assert!(!text.contains("fix:"), "counts instead of findings");
    let o = moat(&[
        "check",
        "examples/private-registry",
        "--statistics",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let row = v
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == "WS005")
        .unwrap();
    assert_eq!(row["count"], 1);
    assert_eq!(row["severity"], "info");
    assert_eq!(row["name"], "control-plane-is-public");
}

#[test]
fn a_baseline_hides_recorded_findings_across_line_moves_and_fails_on_new_ones() {
    let dir = scratch("baseline");
    let src = root().join("examples/hub-spoke-firewall/topology.yaml");
    let topo = dir.join("topology.yaml");
    let text = std::fs::read_to_string(&src).unwrap();
    std::fs::write(&topo, &text).unwrap();
    let base = dir.join("moat-baseline.json");
    let (t, b) = (topo.to_str().unwrap(), base.to_str().unwrap());

    let o = moat(&["check", t, "--write-baseline", b]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "recording accepts today's findings"
    );
    assert!(
        stderr(&o).contains(&format!("recorded 4 findings in {b}")),
        "{}",
        stderr(&o)
    );

    // The same deployment with every resource three lines further down.
    std::fs::write(&topo, format!("# moved\n\n\n{text}")).unwrap();
    let o = moat(&["check", t, "--baseline", b]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert_eq!(
        stdout(&o),
        "0 errors, 0 warnings, 0 info, 4 in the baseline (not shown)\n"
    );

    // A finding the baseline does not hold is reported and fails the run.
    let mut recorded: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&base).unwrap()).unwrap();
    recorded["findings"]
        .as_array_mut()
        .unwrap()
        .retain(|f| f["code"] != "EXF001");
    std::fs::write(&base, recorded.to_string()).unwrap();
    let o = moat(&["check", t, "--baseline", b, "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let codes: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["EXF001"]);
    assert_eq!(v["summary"]["baseline"], 3);

    std::fs::write(&base, "not json").unwrap();
    assert_eq!(moat(&["check", t, "--baseline", b]).status.code(), Some(2));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn every_finding_says_whether_it_is_decided() {
    // A workspace whose storage account and key vault exist already, given by id: the flows
    // to them are undecided.
    let template = "crates/moat-cli/tests/data/kept/azuredeploy.json";
    let o = moat(&["check", template, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let findings = v["findings"].as_array().unwrap();
    assert!(
        findings
            .iter()
            .all(|f| f["certainty"] == "definite" || f["certainty"] == "undecided")
    );
    let undecided: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|f| f["certainty"] == "undecided")
        .collect();
    assert!(!undecided.is_empty());
    for f in &undecided {
        assert!(!f["needs"].as_array().unwrap().is_empty(), "{f}");
        assert_ne!(
            f["severity"], "error",
            "an undecided finding is not an error: {f}"
        );
    }
    assert!(
        findings
            .iter()
            .filter(|f| f["certainty"] == "definite")
            .all(|f| f["needs"].is_null())
    );
    let o = moat(&["check", template, "--format", "sarif"]);
    let sarif: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(
        sarif_errors(&sarif).is_empty(),
        "{:#?}",
        sarif_errors(&sarif)
    );
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let sarif_undecided = results
        .iter()
        .filter(|r| r["properties"]["certainty"] == "undecided")
        .count();
    assert_eq!(sarif_undecided, undecided.len());
    assert!(
        results
            .iter()
            .filter(|r| r["properties"]["certainty"] == "undecided")
            .all(|r| r["level"] != "error")
    );
}

#[test]
fn a_misspelt_code_in_a_suppression_is_an_error() {
    let dir = scratch("suppress");
    let f = dir.join("t.yaml");
    std::fs::write(
        &f,
        "region: eastus\nworkspaces:\n  - name: ws\n    public_network_access: Disabled\n    tags:\n      \"moat:ignore\": \"WS05, WS001: reviewed\"\n",
    )
    .unwrap();
    let p = f.to_str().unwrap();
    let o = moat(&["check", p]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.starts_with(&format!(
            "{p}:3:5: error[unknown-rule-code]: the moat:ignore tag of ws names WS05, which is not a rule code\n"
        )),
        "{err}"
    );
    assert!(err.contains("help: did you mean WS005?"), "{err}");
    let o = moat(&["check", p, "--format", "sarif"]);
    assert_eq!(o.status.code(), Some(2));
    let sarif: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"][0]["descriptor"]["id"],
        "unknown-rule-code"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn no_placeholder_name_in_reports() {
    let o = moat(&[
        "check",
        "examples/private-registry",
        "--select",
        "EXF001",
        "--format",
        "json",
    ]);
    let out = stdout(&o);
    assert!(!out.contains("moatforeign"), "{out}");
    assert!(out.contains("storage/<account outside the deployment>:blob"));
}

#[test]
fn sarif_keeps_the_link_from_a_repeated_cause_to_the_finding_that_names_it() {
    // Seed "How to use a registry in a network-isolated workspace": the compute's NSG must let
    // the outbound to a public registry out (REG009). One deny rule also keeps the cluster
    // from the registry's storage (REG001) and container registry (REG002); those repeat
    // REG009's cause, and SARIF says so as JSON does.
    let dir = scratch("sarif-cause");
    let f = dir.join("t.yaml");
    std::fs::write(
        &f,
        r#"region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled, uses_registries: [contosoreg] }
registries:
  - { name: contosoreg }
computes:
  - { name: cpu, workspace: ws, type: AmlCompute, subnet: vnet/training, enable_node_public_ip: false }
virtual_networks:
  - name: vnet
    address_space: [10.0.0.0/16]
    subnets:
      - { name: training, address_prefixes: [10.0.1.0/24], network_security_group: deny-out }
network_security_groups:
  - name: deny-out
    rules:
      - { name: deny-all-out, priority: 100, direction: Outbound, access: Deny }
"#,
    )
    .unwrap();
    let p = f.to_str().unwrap();
    let o = moat(&["check", p, "--format", "sarif"]);
    let sarif: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("SARIF");
    assert!(
        sarif_errors(&sarif).is_empty(),
        "{:#?}",
        sarif_errors(&sarif)
    );
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&moat(&["check", p, "--format", "json"]))).unwrap();
    let findings = json["findings"].as_array().unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), findings.len());
    let repeats: Vec<_> = results
        .iter()
        .filter(|r| matches!(r["ruleId"].as_str(), Some("REG001" | "REG002")))
        .collect();
    assert!(!repeats.is_empty(), "{results:#?}");
    for r in &repeats {
        let cause_fp = r["properties"]["causedBy"].as_str().expect("causedBy");
        let cause = results
            .iter()
            .find(|c| c["fingerprints"]["moat/v1"] == cause_fp)
            .expect("the cause is a result of the run");
        assert_eq!(cause["ruleId"], "REG009");
        assert_eq!(r["properties"]["causedByRule"], "REG009");
        let rel = &r["relatedLocations"][0];
        assert!(
            rel["message"]["text"].as_str().unwrap().contains("REG009"),
            "{rel}"
        );
        assert!(
            cause["properties"]["related"]
                .as_array()
                .unwrap()
                .contains(&r["ruleId"]),
            "{cause}"
        );
        // The JSON report holds the same link.
        assert!(
            findings
                .iter()
                .any(|f| f["code"] == r["ruleId"] && f["caused_by"] == cause_fp),
            "{findings:#?}"
        );
    }
}
