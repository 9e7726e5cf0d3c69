//! A metamorphic property of every bundled example: replacing a literal of its ARM form by a
//! value the input does not give (a parameter without a default, a resource's condition, an
//! NSG rule's priority, access or direction) may turn a verdict into *unknown*, and never into
//! a different definite verdict. "Unknown is never absent and never a default": whatever the
//! missing value is, the answers moat gave stay possible.
//!
//! The Terraform form is mutated the same way: each variable without its default, and each NSG
//! rule's priority, access and direction given by a variable without value; and each resource
//! and data source whose name is written as a literal named by a variable without value
//! instead (an existing resource read by a name the user passes in, a name left to the
//! caller): what refers to it by reference still refers to it, and what refers to it by name
//! may or may not.
//!
//! Verdicts compared: the traces of a fixed set of flows, the status of every operation, and
//! the decided findings of `check` (a decided finding neither disappears nor appears).

use moat_engine::trace::Query;
use moat_engine::{Engine, Verdict, intent::Intent, ops::Status};
use moat_model::Topology;
use moat_packets::Protocol;
use moat_rules::check::{Selection, run_variants};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const EXAMPLES: &[(&str, &str)] = &[
    ("exfiltration-prevention", "datasci"),
    ("hub-spoke-firewall", "office"),
    ("isolated-aks", "datasci"),
    ("isolated-clients", "datasci"),
    ("managed-network-approved-outbound", "laptop"),
    ("managed-network-internet-outbound", "datasci"),
    ("private-registry", "datasci"),
    ("secure-workspace-public-registry", "datasci"),
    ("workspace-private-endpoint", "datasci"),
];

/// What moat answers about one deployment.
struct Answers {
    traces: BTreeMap<String, Verdict>,
    ops: BTreeMap<String, Status>,
    /// Decided findings (code, resource) and undecided ones.
    decided: BTreeSet<(String, String)>,
    all: BTreeSet<(String, String)>,
}

fn flows(client: &str) -> Vec<(String, String, u16)> {
    let client = format!("client/{client}");
    let cluster = "compute/cpu-cluster".to_string();
    let mut v = Vec::new();
    for (to, port) in [
        ("workspace/ws", 443),
        ("storage/wsstorage:blob", 443),
        ("storage/wsstorage:file", 445),
        ("keyvault/wskv", 443),
        ("acr/wsacr", 443),
    ] {
        v.push((client.clone(), to.to_string(), port));
        v.push((cluster.clone(), to.to_string(), port));
    }
    for to in ["fqdn:pypi.org", "fqdn:example.com", "tag:Storage"] {
        v.push((cluster.clone(), to.to_string(), 443));
    }
    v
}

fn answers(t: &Topology, client: &str) -> Answers {
    let e = Engine::for_topology(t, None).expect("engine");
    let variants = moat_model::presence::variants(t);
    let mut traces = BTreeMap::new();
    for (from, to, port) in flows(client) {
        let q = Query {
            from: from.parse().unwrap(),
            to: to.parse().unwrap(),
            protocol: Protocol::TCP,
            port,
        };
        // A flow whose end the mutation renamed away is not compared.
        if let Ok(tr) = moat_engine::presence::trace(&e, &variants, &q) {
            traces.insert(format!("{from} -> {to}:{port}"), tr.verdict);
        }
    }
    let ops = moat_engine::presence::evaluate(&e, &variants, &Intent::of(t), &Default::default())
        .into_iter()
        .map(|r| (format!("{} {}", r.op, r.subject), r.status))
        .collect();
    let cx = moat_rules::Context::new(&e);
    let fs = run_variants(&cx, &variants, &Selection::default());
    let key = |f: &moat_rules::Finding| (f.code.to_string(), f.resource.clone());
    let decided = fs
        .iter()
        .filter(|f| moat_report::check::certainty(f).0 == "definite")
        .map(key)
        .collect();
    let all = fs.iter().map(key).collect();
    Answers {
        traces,
        ops,
        decided,
        all,
    }
}

/// The violations of the property by `after` (the mutated deployment) against `before`.
fn violations(before: &Answers, after: &Answers, compare_findings: bool) -> Vec<String> {
    let mut out = Vec::new();
    for (flow, v) in &after.traces {
        if let Some(b) = before.traces.get(flow)
            && v != b
            && *v != Verdict::Unknown
        {
            out.push(format!("trace {flow}: {b:?} became {v:?}"));
        }
    }
    for (op, s) in &after.ops {
        if let Some(b) = before.ops.get(op)
            && s != b
            && *s != Status::Unknown
        {
            out.push(format!("operation {op}: {b:?} became {s:?}"));
        }
    }
    if compare_findings {
        for f in before.decided.difference(&after.all) {
            out.push(format!("decided finding {f:?} disappeared"));
        }
        for f in after.decided.difference(&before.all) {
            out.push(format!("decided finding {f:?} appeared"));
        }
    }
    out
}

fn arm_dir(example: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(example)
        .join("arm")
}

/// Loads the template `tpl` with the side files of the example's ARM form; the errors when it
/// does not load.
fn load(example: &str, tpl: &Value, scratch: &Path) -> Result<Topology, String> {
    let _ = std::fs::remove_dir_all(scratch);
    std::fs::create_dir_all(scratch).unwrap();
    for e in std::fs::read_dir(arm_dir(example)).unwrap() {
        let e = e.unwrap();
        if e.file_name() != "azuredeploy.json" {
            std::fs::copy(e.path(), scratch.join(e.file_name())).unwrap();
        }
    }
    std::fs::write(
        scratch.join("azuredeploy.json"),
        serde_json::to_string_pretty(tpl).unwrap(),
    )
    .unwrap();
    moat_ingest::load_opts(scratch, &moat_ingest::Options::default())
        .map(|l| l.topology)
        .map_err(|e| {
            let lines: Vec<String> = e
                .diagnostics
                .iter()
                .map(|d| format!("{} {}", d.code, d.message))
                .collect();
            format!("{example} does not load: {}", lines.join("; "))
        })
}

/// The mutations of a template: a label, the mutated template, and whether findings are
/// comparable (a mutation that renames resources changes what findings name).
fn mutations(tpl: &Value) -> Vec<(String, Value, bool)> {
    let mut out = Vec::new();
    // A parameter without its default: its value is unknown.
    if let Some(ps) = tpl["parameters"].as_object() {
        for (name, p) in ps {
            if p.get("defaultValue").is_some() {
                let mut m = tpl.clone();
                m["parameters"][name]
                    .as_object_mut()
                    .unwrap()
                    .remove("defaultValue");
                out.push((format!("parameter {name} unknown"), m, false));
            }
        }
    }
    let resources = tpl["resources"].as_array().cloned().unwrap_or_default();
    for (i, r) in resources.iter().enumerate() {
        let label = format!("{} {}", r["type"], r["name"]);
        // A condition the input leaves open.
        if r.get("condition").is_none() {
            let mut m = tpl.clone();
            m["parameters"]["moatOpenCondition"] = json!({ "type": "bool" });
            m["resources"][i]["condition"] = "[parameters('moatOpenCondition')]".into();
            out.push((format!("condition of {label} unknown"), m, true));
        }
        // Each NSG rule's priority, access and direction.
        let rules = r["properties"]["securityRules"]
            .as_array()
            .map(Vec::len)
            .unwrap_or(0);
        for j in 0..rules {
            for (field, ty) in [
                ("priority", "int"),
                ("access", "string"),
                ("direction", "string"),
            ] {
                let mut m = tpl.clone();
                m["parameters"]["moatOpenField"] = json!({ "type": ty });
                m["resources"][i]["properties"]["securityRules"][j]["properties"][field] =
                    "[parameters('moatOpenField')]".into();
                out.push((format!("{label} rule {j} {field} unknown"), m, true));
            }
        }
    }
    out
}

#[test]
fn an_unknown_literal_never_turns_a_verdict_into_another() {
    let mut failures = Vec::new();
    let mut mutated = 0;
    for (example, client) in EXAMPLES {
        let text = std::fs::read_to_string(arm_dir(example).join("azuredeploy.json")).unwrap();
        let tpl: Value = serde_json::from_str(&text).unwrap();
        let scratch =
            std::env::temp_dir().join(format!("moat-metamorphic-{example}-{}", std::process::id()));
        let before = answers(&load(example, &tpl, &scratch).unwrap(), client);
        assert!(
            before.traces.len() >= 10,
            "{example}: the flows resolve in the example as written"
        );
        for (label, m, findings) in mutations(&tpl) {
            mutated += 1;
            // A value left open is never an error: the deployment still loads.
            let after = match load(example, &m, &scratch) {
                Ok(t) => answers(&t, client),
                Err(e) => {
                    failures.push(format!("{label}: {e}"));
                    continue;
                }
            };
            for v in violations(&before, &after, findings) {
                failures.push(format!("{example}, {label}: {v}"));
            }
        }
        let _ = std::fs::remove_dir_all(&scratch);
    }
    assert!(mutated > 100, "every example is mutated ({mutated})");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Loads the Terraform text `main` with the side files of the example's Terraform form.
fn load_tf(example: &str, main: &str, scratch: &Path) -> Result<Topology, String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(example)
        .join("terraform");
    let _ = std::fs::remove_dir_all(scratch);
    std::fs::create_dir_all(scratch).unwrap();
    for e in std::fs::read_dir(&src).unwrap() {
        let e = e.unwrap();
        if e.file_name() != "main.tf" {
            std::fs::copy(e.path(), scratch.join(e.file_name())).unwrap();
        }
    }
    std::fs::write(scratch.join("main.tf"), main).unwrap();
    moat_ingest::load_opts(scratch, &moat_ingest::Options::default())
        .map(|l| l.topology)
        .map_err(|e| {
            let lines: Vec<String> = e
                .diagnostics
                .iter()
                .map(|d| {
                    format!(
                        "{}:{} {} {}",
                        d.location.line, d.location.column, d.code, d.message
                    )
                })
                .collect();
            format!("{example} does not load: {}", lines.join("; "))
        })
}

/// The mutations of a Terraform configuration, line by line: a label, the text, and whether
/// findings are comparable.
fn tf_mutations(main: &str) -> Vec<(String, String, bool)> {
    let lines: Vec<&str> = main.lines().collect();
    let open = "variable \"moat_open\" {}\n";
    let mut out = Vec::new();
    let mut in_variable = false;
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if indent == 0 {
            in_variable = trimmed.starts_with("variable ");
        }
        let key = trimmed.split('=').next().unwrap_or("").trim();
        let with = |replacement: &str, extra: &str| {
            let mut m: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            m[i] = replacement.to_string();
            format!("{extra}{}\n", m.join("\n"))
        };
        if in_variable && key == "default" && !trimmed.ends_with('{') && !trimmed.ends_with('[') {
            out.push((
                format!("line {}: variable default removed", i + 1),
                with("", ""),
                false,
            ));
        } else if ["priority", "access", "direction"].contains(&key) && trimmed.contains('=') {
            let m = with(&format!("{}{key} = var.moat_open", &line[..indent]), open);
            out.push((format!("line {}: {key} unknown", i + 1), m, true));
        }
    }
    out
}

#[test]
fn an_unknown_terraform_literal_never_turns_a_verdict_into_another() {
    let mut failures = Vec::new();
    let mut mutated = 0;
    for (example, client) in EXAMPLES {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples")
            .join(example)
            .join("terraform/main.tf");
        let main = std::fs::read_to_string(path).unwrap();
        let scratch = std::env::temp_dir().join(format!(
            "moat-metamorphic-tf-{example}-{}",
            std::process::id()
        ));
        let before = answers(&load_tf(example, &main, &scratch).unwrap(), client);
        for (label, m, findings) in tf_mutations(&main) {
            mutated += 1;
            let after = match load_tf(example, &m, &scratch) {
                Ok(t) => answers(&t, client),
                Err(e) => {
                    failures.push(format!("{label}: {e}"));
                    continue;
                }
            };
            for v in violations(&before, &after, findings) {
                failures.push(format!("{example}, {label}: {v}"));
            }
        }
        let _ = std::fs::remove_dir_all(&scratch);
    }
    assert!(mutated > 80, "every example is mutated ({mutated})");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The Terraform mutations that name a resource or data source by a variable without value:
/// the first `name = "…"` of each top-level block.
fn tf_name_mutations(main: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = main.lines().collect();
    let open = "variable \"moat_open_name\" {}\n";
    let mut out = Vec::new();
    let mut block: Option<String> = None;
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if indent == 0 {
            block = (trimmed.starts_with("resource ") || trimmed.starts_with("data "))
                .then(|| trimmed.trim_end_matches('{').trim().to_string());
            continue;
        }
        let Some(label) = &block else { continue };
        let (key, value) = trimmed.split_once('=').unwrap_or(("", ""));
        if indent == 2 && key.trim() == "name" && value.trim().starts_with('"') {
            let mut m: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            m[i] = "  name = var.moat_open_name".to_string();
            out.push((
                format!("line {}: name of {label} unknown", i + 1),
                format!("{open}{}\n", m.join("\n")),
            ));
            block = None;
        }
    }
    out
}

#[test]
fn an_unknown_terraform_name_never_turns_a_verdict_into_another() {
    let mut failures = Vec::new();
    let mut mutated = 0;
    for (example, client) in EXAMPLES {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples")
            .join(example)
            .join("terraform/main.tf");
        let main = std::fs::read_to_string(path).unwrap();
        let scratch = std::env::temp_dir().join(format!(
            "moat-metamorphic-tf-names-{example}-{}",
            std::process::id()
        ));
        let before = answers(&load_tf(example, &main, &scratch).unwrap(), client);
        for (label, m) in tf_name_mutations(&main) {
            mutated += 1;
            let after = match load_tf(example, &m, &scratch) {
                Ok(t) => answers(&t, client),
                Err(e) => {
                    failures.push(format!("{label}: {e}"));
                    continue;
                }
            };
            for v in violations(&before, &after, false) {
                failures.push(format!("{example}, {label}: {v}"));
            }
        }
        let _ = std::fs::remove_dir_all(&scratch);
    }
    assert!(mutated > 100, "every example is mutated ({mutated})");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
