//! Findings of `moat check` as SARIF 2.1.0, for code scanning.

use crate::check::{certainty, level, rule_markdown};
use crate::fixes::{Edit, FixCode};
use moat_model::{Diagnostic, Level};
use moat_rules::{Finding, RuleDoc, Severity};
use serde_json::{Value, json};
use std::collections::HashMap;

/// A physical location in SARIF; a position only when the line is known.
fn physical(uri: &str, line: u32, column: u32) -> Value {
    let mut p = json!({ "artifactLocation": { "uri": uri.replace('\\', "/") } });
    if line > 0 {
        p["region"] = json!({ "startLine": line, "startColumn": column.max(1) });
    }
    p
}

/// The input's diagnostics as tool execution notifications.
fn notifications(diagnostics: &[Diagnostic]) -> Vec<Value> {
    diagnostics
        .iter()
        .map(|d| {
            let text = match &d.hint {
                Some(h) => format!("{} ({h})", d.message),
                None => d.message.clone(),
            };
            json!({
                "level": match d.level { Level::Error => "error", Level::Warning => "warning" },
                "message": { "text": text },
                "descriptor": { "id": d.code },
                "locations": [{ "physicalLocation": physical(&d.location.file, d.location.line, d.location.column) }]
            })
        })
        .collect()
}

/// SARIF 2.1.0 for code scanning. `input` is the path given to `moat check`; results whose
/// resource has no recorded position point at its first line. The input's diagnostics are tool
/// execution notifications; `loaded` false (the input could not be read) marks the run as not
/// executed successfully, so a code-scanning upload shows why there are no results.
pub fn render_sarif(
    findings: &[Finding],
    fixes: &FixCode,
    rules: &[&RuleDoc],
    input: &str,
    diagnostics: &[Diagnostic],
    loaded: bool,
) -> String {
    let rules_json: Vec<Value> = rules
        .iter()
        .map(|d| {
            json!({
                "id": d.code,
                "name": d.name,
                "shortDescription": { "text": d.what },
                "fullDescription": { "text": format!("{} {}", d.what, d.why) },
                "help": { "text": format!("{} Fix: {}", d.why, d.fix), "markdown": rule_markdown(d) },
                "defaultConfiguration": { "level": level(d.severity) },
                "properties": { "tags": ["azure-ml", "network-isolation", if d.path { "path" } else { "configuration" }] }
            })
        })
        .collect();
    // One finding per cause: the finding a repeat refers to, by fingerprint, and the
    // findings that repeat each cause, indexed so that linking them is not a scan per finding.
    let fingerprints: Vec<String> = findings.iter().map(Finding::fingerprint).collect();
    let mut by_fingerprint: HashMap<&str, usize> = HashMap::new();
    for (i, fp) in fingerprints.iter().enumerate() {
        by_fingerprint.entry(fp.as_str()).or_insert(i);
    }
    let mut repeats: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, f) in findings.iter().enumerate() {
        if let Some(c) = &f.caused_by {
            repeats.entry(c.as_str()).or_default().push(i);
        }
    }
    let rule_index: HashMap<&str, usize> = rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.code, i))
        .rev()
        .collect();
    let results = Results {
        findings,
        fixes,
        input,
        fingerprints: &fingerprints,
        by_fingerprint: &by_fingerprint,
        repeats: &repeats,
        rule_index: &rule_index,
    };
    let sarif = Sarif {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [Run {
            tool: json!({ "driver": { "name": "moat", "version": env!("CARGO_PKG_VERSION"), "rules": rules_json } }),
            invocations: json!([{
                "executionSuccessful": loaded,
                "toolExecutionNotifications": notifications(diagnostics)
            }]),
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    serde_json::to_string_pretty(&sarif).unwrap_or_default()
}

/// The SARIF document, written as it is serialised: one result's value at a time rather than
/// the tree of every result (which took several times the text's size on large estates).
#[derive(serde::Serialize)]
struct Sarif<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(serde::Serialize)]
struct Run<'a> {
    tool: Value,
    invocations: Value,
    #[serde(rename = "columnKind")]
    column_kind: &'static str,
    results: Results<'a>,
}

/// The results, with what linking them needs.
struct Results<'a> {
    findings: &'a [Finding],
    fixes: &'a FixCode,
    input: &'a str,
    fingerprints: &'a [String],
    by_fingerprint: &'a HashMap<&'a str, usize>,
    repeats: &'a HashMap<&'a str, Vec<usize>>,
    rule_index: &'a HashMap<&'a str, usize>,
}

impl serde::Serialize for Results<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.findings.len()))?;
        for (f, fp) in self.findings.iter().zip(self.fingerprints) {
            seq.serialize_element(&self.result(f, fp))?;
        }
        seq.end()
    }
}

impl Results<'_> {
    /// One finding as a SARIF result.
    fn result(&self, f: &Finding, fp: &str) -> Value {
        let (uri, line, column) = position(f, self.input);
        // An undecided finding is never more than a warning: nothing is established.
        let (certainty, needs) = certainty(f);
        let level = if certainty == "undecided" && f.severity == Severity::Error {
            "warning"
        } else {
            level(f.severity)
        };
        let mut r = json!({
            "ruleId": f.code,
            "level": level,
            "message": { "text": format!("{}: {} Fix: {}", f.resource, f.message, f.fix) },
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": { "uri": uri.replace('\\', "/") },
                    "region": { "startLine": line, "startColumn": column }
                },
                "logicalLocations": [{ "name": f.resource, "kind": "resource" }]
            }],
            "properties": { "resource": f.resource, "fix": f.fix, "certainty": certainty, "needs": needs }
        });
        if let Some(i) = self.rule_index.get(f.code) {
            r["ruleIndex"] = json!(i);
        }
        r["fingerprints"] = json!({ FINGERPRINT: fp });
        self.link_causes(&mut r, f, fp);
        let code = self.fixes.get(f);
        if !code.is_empty() {
            // Every snippet in the properties; those that edit a file as SARIF fixes.
            r["properties"]["fixCode"] = json!(code);
            let edits: Vec<Value> = code
                .iter()
                .filter(|s| !s.edits.is_empty())
                .map(|s| sarif_fix(&f.fix, &s.edits))
                .collect();
            if !edits.is_empty() {
                r["fixes"] = json!(edits);
            }
        }
        if let Some(t) = &f.trace {
            r["properties"]["trace"] = serde_json::to_value(&**t).unwrap_or(Value::Null);
        }
        if let Some(reason) = &f.suppressed {
            // A resource tag is in the source; a configuration file's entry is external,
            // and says where it is written.
            r["suppressions"] = match &f.suppressed_by {
                None => json!([{ "kind": "inSource", "justification": reason }]),
                Some(at) => json!([{
                    "kind": "external",
                    "justification": reason,
                    "properties": { "suppressedBy": at }
                }]),
            };
        }
        r
    }

    /// One finding per cause in SARIF: a finding that repeats another's cause points at it (a
    /// related location, and its fingerprint as `causedBy`); the cause lists the codes that
    /// repeat it (`related`) and points at each of them.
    fn link_causes(&self, r: &mut Value, f: &Finding, me: &str) {
        let mut related = Vec::new();
        if let Some(cause) = &f.caused_by {
            r["properties"]["causedBy"] = json!(cause);
            if let Some(&c) = self.by_fingerprint.get(cause.as_str()) {
                let c = &self.findings[c];
                r["properties"]["causedByRule"] = json!(c.code);
                related.push(related_location(
                    related.len(),
                    c,
                    self.input,
                    format!(
                        "the cause, reported by {} on {}: {}",
                        c.code, c.resource, c.message
                    ),
                ));
            }
        }
        if !f.related.is_empty() {
            r["properties"]["related"] = json!(f.related);
            for &i in self.repeats.get(me).into_iter().flatten() {
                let x = &self.findings[i];
                related.push(related_location(
                    related.len(),
                    x,
                    self.input,
                    format!("{} on {} repeats this cause", x.code, x.resource),
                ));
            }
        }
        if !related.is_empty() {
            r["relatedLocations"] = json!(related);
        }
    }
}

/// The key of a result's fingerprint: the finding's identity across runs, which `causedBy`
/// names.
const FINGERPRINT: &str = "moat/v1";

/// Where a finding is written: its resource's position, the first line of its file when the
/// position is not recorded, of the input when nothing is.
fn position(f: &Finding, input: &str) -> (String, u32, u32) {
    match &f.at {
        Some(a) if a.line > 0 => (a.file.clone(), a.line, a.column.max(1)),
        Some(a) => (a.file.clone(), 1, 1),
        None => (input.to_string(), 1, 1),
    }
}

/// A related location: where `f` is written, with a message.
fn related_location(id: usize, f: &Finding, input: &str, text: String) -> Value {
    let (uri, line, column) = position(f, input);
    json!({
        "id": id,
        "physicalLocation": physical(&uri, line, column),
        "logicalLocations": [{ "name": f.resource, "kind": "resource" }],
        "message": { "text": text }
    })
}

/// A SARIF fix: the edits as replacements of their file (an empty deleted region inserts).
fn sarif_fix(description: &str, edits: &[Edit]) -> Value {
    let mut files: Vec<(&str, Vec<Value>)> = Vec::new();
    for e in edits {
        let r = json!({
            "deletedRegion": {
                "startLine": e.start_line,
                "startColumn": e.start_column,
                "endLine": e.end_line,
                "endColumn": e.end_column
            },
            "insertedContent": { "text": e.text }
        });
        match files.iter_mut().find(|(f, _)| *f == e.file) {
            Some((_, rs)) => rs.push(r),
            None => files.push((&e.file, vec![r])),
        }
    }
    json!({
        "description": { "text": description },
        "artifactChanges": files
            .into_iter()
            .map(|(f, rs)| json!({
                "artifactLocation": { "uri": f.replace('\\', "/") },
                "replacements": rs
            }))
            .collect::<Vec<_>>()
    })
}
