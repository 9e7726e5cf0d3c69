//! `moat check`, `moat ops`, `moat trace` and `moat rule` as CI and people use them.

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

fn examples() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(root().join("examples"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn check_and_ops_snapshots_of_every_example() {
    for e in examples() {
        let path = format!("examples/{e}/topology.yaml");
        let o = moat(&["check", &path]);
        assert!(
            matches!(o.status.code(), Some(0 | 1)),
            "{e}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        insta::assert_snapshot!(format!("check-{e}"), stdout(&o));
        let o = moat(&["ops", &path]);
        assert!(matches!(o.status.code(), Some(0 | 1)), "{e}");
        insta::assert_snapshot!(format!("ops-{e}"), stdout(&o));
    }
}

#[test]
fn no_example_has_an_error_finding() {
    // The examples follow the documents' architectures: what they get is warnings about
    // documented risks and facts, never a broken requirement.
    for e in examples() {
        let o = moat(&["check", &format!("examples/{e}"), "--severity", "error"]);
        assert_eq!(o.status.code(), Some(0), "{e}: {}", stdout(&o));
    }
}

#[test]
fn sarif_validates_against_the_2_1_0_schema() {
    let schema_path = root().join("../shared/data/sarif-schema-2.1.0.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the SARIF schema compiles");
    for e in examples() {
        let o = moat(&["check", &format!("examples/{e}"), "--format", "sarif"]);
        let sarif: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("SARIF is JSON");
        let errors: Vec<String> = validator
            .iter_errors(&sarif)
            .map(|x| format!("{} at {}", x, x.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{e}: {errors:#?}");
        let run = &sarif["runs"][0];
        assert_eq!(run["tool"]["driver"]["name"], "moat");
        assert_eq!(
            run["tool"]["driver"]["rules"].as_array().unwrap().len(),
            moat_rules::all().len(),
            "rule metadata for the whole catalog"
        );
        for r in run["results"].as_array().unwrap() {
            let loc = &r["locations"][0]["physicalLocation"];
            assert!(
                loc["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap()
                    .ends_with("topology.yaml"),
                "{r}"
            );
            assert!(loc["region"]["startLine"].as_u64().unwrap() > 0);
            let rule = &run["tool"]["driver"]["rules"][r["ruleIndex"].as_u64().unwrap() as usize];
            assert_eq!(rule["id"], r["ruleId"]);
            assert!(
                rule["help"]["markdown"]
                    .as_str()
                    .unwrap()
                    .contains("**Fix:**")
            );
        }
    }
}

const SUPPRESSED: &str = r#"
region: eastus
workspaces:
  - name: ws
    public_network_access: Disabled
    tags:
      "moat:ignore": "WS005, WS001, WS004, WS009, SEC014: reviewed with the platform team"
"#;

#[test]
fn suppressed_findings_are_reported_not_dropped_and_do_not_fail() {
    let dir = std::env::temp_dir().join(format!("moat-check-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("t.yaml");
    std::fs::write(&f, SUPPRESSED).unwrap();
    let p = f.to_str().unwrap();
    let o = moat(&["check", p, "--format", "json"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "only suppressed findings: {}",
        stdout(&o)
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let findings = v["findings"].as_array().unwrap();
    assert!(
        findings
            .iter()
            .any(|x| x["code"] == "WS005" && x["suppressed"] == "reviewed with the platform team")
    );
    assert!(findings.iter().all(|x| x["suppressed"].is_string()));
    assert_eq!(v["summary"]["suppressed"], findings.len());
    assert_eq!(v["summary"]["error"], 0);
    let o = moat(&["check", p, "--format", "sarif"]);
    let s: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let r = &s["runs"][0]["results"][0];
    assert_eq!(r["suppressions"][0]["kind"], "inSource");
    assert_eq!(
        r["suppressions"][0]["justification"],
        "reviewed with the platform team"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn check_json_carries_code_severity_resource_message_fix_and_trace() {
    let o = moat(&[
        "check",
        "examples/private-registry",
        "--format",
        "json",
        "--select",
        "EXF",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let f = &v["findings"][0];
    for k in ["code", "severity", "resource", "message", "fix", "trace"] {
        assert!(!f[k].is_null(), "finding has {k}: {f}");
    }
    assert!(f["code"].as_str().unwrap().starts_with("EXF"));
    assert!(f["trace"]["hops"].as_array().unwrap().len() > 2);
    assert_eq!(v["summary"]["error"], 0);
}

#[test]
fn exit_codes_follow_the_severity_threshold() {
    assert_eq!(
        moat(&["check", "examples/private-registry"]).status.code(),
        Some(1),
        "warnings fail at the default threshold"
    );
    assert_eq!(
        moat(&["check", "examples/private-registry", "--severity", "error"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        moat(&["check", "examples/private-registry", "--select", "NOPE"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(moat(&["check", "examples/missing"]).status.code(), Some(2));
}

#[test]
fn rule_documentation() {
    let o = moat(&["rule", "REG001"]);
    assert_eq!(o.status.code(), Some(0));
    let text = stdout(&o);
    for part in [
        "REG001 registry-storage-unreachable",
        "What",
        "Why",
        "Example",
        "Fix",
        "Fix as code, where the input's language can make the change",
        "Source",
        "Network isolation with Azure Machine Learning registries <https://learn.microsoft.com/",
    ] {
        assert!(text.contains(part), "{part} in {text}");
    }
    let reg003 = stdout(&moat(&["rule", "REG003"]));
    assert!(reg003.contains("Covers\n  §6.94"), "{reg003}");
    let all = stdout(&moat(&["rule"]));
    let mut lines = all.lines();
    let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        ["CODE", "NAME", "SEVERITY", "KIND", "FIX", "REQUIREMENTS"]
    );
    assert_eq!(
        lines.count(),
        moat_rules::all().len(),
        "the whole catalog is listed"
    );
    assert_eq!(stdout(&moat(&["rule", "--list"])), all);
    assert!(
        all.lines().any(|l| l.split_whitespace().collect::<Vec<_>>()
            == [
                "REG001",
                "registry-storage-unreachable",
                "error",
                "path",
                "code"
            ]),
        "{all}"
    );
    assert!(
        all.lines().any(|l| l.split_whitespace().collect::<Vec<_>>()
            == [
                "REG003",
                "registry-dependencies-still-public",
                "warning",
                "configuration",
                "code",
                "§6.94"
            ]),
        "the listing names the documented items a rule covers: {all}"
    );
    let o = moat(&["rule", "REG01"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("did you mean"));
}

#[test]
fn readme_rule_table_is_the_listing() {
    // The README's table under "## Rules" and `moat rule --list`, row for row: code, name,
    // severity, whether the path engine decides it, whether its fix is code or prose, and the
    // requirements it covers.
    let listing: Vec<Vec<String>> = stdout(&moat(&["rule", "--list"]))
        .lines()
        .skip(1)
        .map(|l| {
            let mut w: Vec<String> = l.split_whitespace().map(str::to_string).collect();
            assert!(w.len() >= 5, "a listing row: {l}");
            let covers = w.split_off(5);
            w[3] = if w[3] == "path" {
                "path".into()
            } else {
                String::new()
            };
            w.push(covers.join(", "));
            w
        })
        .collect();
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let section = readme
        .split("\n## Rules\n")
        .nth(1)
        .expect("README has a Rules section");
    let table: Vec<Vec<String>> = section
        .lines()
        .skip_while(|l| !l.starts_with("| code |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            l.trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_string())
                .collect()
        })
        .collect();
    assert_eq!(
        table.len(),
        moat_rules::all().len(),
        "one README row per rule"
    );
    assert_eq!(
        table, listing,
        "README rule table against `moat rule --list`"
    );
}

#[test]
fn trace_exit_codes_and_json() {
    let ok = moat(&[
        "trace",
        "examples/private-registry",
        "--from",
        "client/datasci",
        "--to",
        "workspace/ws",
    ]);
    assert_eq!(ok.status.code(), Some(0));
    assert!(stdout(&ok).starts_with("ALLOWED"));
    let denied = moat(&[
        "trace",
        "examples/private-registry",
        "--from",
        "internet",
        "--to",
        "workspace/ws",
        "--format",
        "json",
    ]);
    assert_eq!(denied.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(&stdout(&denied)).unwrap();
    assert_eq!(v["verdict"], "denied");
    assert_eq!(v["blocked_by"]["code"], "RF_PUBLIC_DISABLED");
    assert!(v["fix"].as_str().unwrap().contains("private endpoint"));
    assert!(
        v["hops"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["code"].is_string() && h["decision"].is_string())
    );
    assert_eq!(
        moat(&[
            "trace",
            "examples/private-registry",
            "--from",
            "workspce/ws",
            "--to",
            "internet"
        ])
        .status
        .code(),
        Some(2)
    );
    assert_eq!(
        moat(&[
            "trace",
            "examples/private-registry",
            "--from",
            "vm/nope",
            "--to",
            "internet"
        ])
        .status
        .code(),
        Some(2)
    );
}

#[test]
fn ops_report_failing_flows_with_their_traces() {
    // Seed 000: a private registry without endpoints for its storage and ACR fails
    // job.registry-asset; the trace of the failing flow is printed.
    let dir = std::env::temp_dir().join(format!("moat-ops-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text =
        std::fs::read_to_string(root().join("examples/private-registry/topology.yaml")).unwrap();
    let broken: String = text
        .lines()
        .filter(|l| {
            !l.contains("contosoreg-storage-pe")
                && !l.contains("contosoreg-acr-pe")
                && !l.contains("ip_address: 10.0.3.10")
                && !l.contains("ip_address: 10.0.3.11")
        })
        .collect::<Vec<_>>()
        .join("\n");
    let f = dir.join("broken.yaml");
    std::fs::write(&f, broken).unwrap();
    let o = moat(&["ops", f.to_str().unwrap(), "--op", "job.registry-asset"]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.contains("job.registry-asset") && out.contains("fails"),
        "{out}"
    );
    assert!(
        out.contains("registry contosoreg storage") && out.contains("RF_PUBLIC_DISABLED"),
        "{out}"
    );
    let o = moat(&[
        "check",
        f.to_str().unwrap(),
        "--select",
        "REG001,REG002",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let codes: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"REG001") && codes.contains(&"REG002"),
        "{codes:?}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
