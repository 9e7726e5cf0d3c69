//! Findings of `moat check` as text, JSON and SARIF 2.1.0, and rule documentation.

use crate::style::Style;
use moat_rules::{Finding, RuleDoc, Severity};
use serde_json::{Value, json};
use std::fmt::Write;

fn sev(style: Style, s: Severity) -> String {
    match s {
        Severity::Error => style.bad("error"),
        Severity::Warning => style.warn("warning"),
        Severity::Info => style.dim("info"),
    }
}

/// Findings for a terminal, each with its location, fix and (for path rules) trace.
pub fn render_text(findings: &[Finding], style: Style, show_traces: bool) -> String {
    let mut o = String::new();
    for f in findings {
        let loc = f.at.as_ref().map(|a| format!("{a}: ")).unwrap_or_default();
        let supp = f
            .suppressed
            .as_ref()
            .map(|r| format!(" {}", style.dim(&format!("(suppressed: {r})"))))
            .unwrap_or_default();
        let _ = writeln!(
            o,
            "{loc}{}[{}] {}: {}{supp}",
            sev(style, f.severity),
            style.bold(f.code),
            f.resource,
            f.message
        );
        if f.suppressed.is_some() {
            continue;
        }
        let _ = writeln!(o, "  {} {}", style.bold("fix:"), f.fix);
        if show_traces && let Some(t) = &f.trace {
            for line in crate::trace::render_text(t, style).lines() {
                let _ = writeln!(o, "    {line}");
            }
        }
    }
    o
}

/// The summary line.
pub fn summary_line(summary: &Value, style: Style) -> String {
    let n = |k: &str| summary[k].as_u64().unwrap_or(0);
    let mut s = format!(
        "{} errors, {} warnings, {} info",
        n("error"),
        n("warning"),
        n("info")
    );
    if n("suppressed") > 0 {
        s += &format!(", {} suppressed", n("suppressed"));
    }
    if n("error") > 0 {
        style.bad(&s)
    } else if n("warning") > 0 {
        style.warn(&s)
    } else {
        style.good(&s)
    }
}

/// `{"findings": [...], "summary": {...}}`.
pub fn render_json(findings: &[Finding], summary: &Value) -> String {
    let v = json!({ "findings": findings, "summary": summary });
    serde_json::to_string_pretty(&v).unwrap_or_default()
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A rule's documentation as text (`moat rule CODE`).
pub fn rule_text(d: &RuleDoc, style: Style) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{} {} ({}{})",
        style.bold(d.code),
        d.name,
        d.severity.as_str(),
        if d.path {
            ", decided by the path engine"
        } else {
            ""
        }
    );
    let _ = writeln!(o);
    let _ = writeln!(o, "{}\n  {}\n", style.bold("What"), d.what);
    let _ = writeln!(o, "{}\n  {}\n", style.bold("Why"), d.why);
    let _ = writeln!(o, "{}", style.bold("Example"));
    for l in d.example.lines() {
        let _ = writeln!(o, "  {l}");
    }
    let _ = writeln!(o);
    let _ = writeln!(o, "{}\n  {}\n", style.bold("Fix"), d.fix);
    let _ = writeln!(o, "{}\n  {}", style.bold("Source"), d.sources.join("; "));
    o
}

fn rule_markdown(d: &RuleDoc) -> String {
    format!(
        "**{} {}**\n\n{}\n\n**Why:** {}\n\n**Example:**\n\n```yaml\n{}\n```\n\n**Fix:** {}\n\n**Source:** {}",
        d.code,
        d.name,
        d.what,
        d.why,
        d.example,
        d.fix,
        d.sources.join("; ")
    )
}

/// SARIF 2.1.0 for code scanning. `input` is the path given to `moat check`; results whose
/// resource has no recorded position point at its first line.
pub fn render_sarif(findings: &[Finding], rules: &[&RuleDoc], input: &str) -> String {
    let rule_index = |code: &str| rules.iter().position(|r| r.code == code);
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
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            let (uri, line, column) = match &f.at {
                Some(a) if a.line > 0 => (a.file.clone(), a.line, a.column.max(1)),
                Some(a) => (a.file.clone(), 1, 1),
                None => (input.to_string(), 1, 1),
            };
            let mut r = json!({
                "ruleId": f.code,
                "level": level(f.severity),
                "message": { "text": format!("{}: {} Fix: {}", f.resource, f.message, f.fix) },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri.replace('\\', "/") },
                        "region": { "startLine": line, "startColumn": column }
                    },
                    "logicalLocations": [{ "name": f.resource, "kind": "resource" }]
                }],
                "properties": { "resource": f.resource, "fix": f.fix }
            });
            if let Some(i) = rule_index(f.code) {
                r["ruleIndex"] = json!(i);
            }
            if let Some(t) = &f.trace {
                r["properties"]["trace"] = serde_json::to_value(t).unwrap_or(Value::Null);
            }
            if let Some(reason) = &f.suppressed {
                r["suppressions"] = json!([{ "kind": "inSource", "justification": reason }]);
            }
            r
        })
        .collect();
    let v = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": { "name": "moat", "version": env!("CARGO_PKG_VERSION"), "rules": rules_json } },
            "columnKind": "unicodeCodePoints",
            "results": results
        }]
    });
    serde_json::to_string_pretty(&v).unwrap_or_default()
}
