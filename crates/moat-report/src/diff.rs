//! `moat diff` reports: what a change does, as text, JSON and SARIF (new findings only).

use crate::check::count;
use crate::style::Style;
use moat_diff::{Diff, OpChange};
use moat_engine::Verdict;
use moat_engine::ops::Status;
use moat_model::Diagnostic;
use moat_rules::{Finding, RuleDoc};
use serde_json::{Value, json};
use std::fmt::Write;

fn status(s: Option<Status>) -> &'static str {
    match s {
        None => "absent",
        Some(Status::Works) => "works",
        Some(Status::Fails) => "fails",
        Some(Status::Unknown) => "unknown",
        Some(Status::NotApplicable) => "not applicable",
    }
}

fn styled_status(s: Option<Status>, style: Style) -> String {
    match s {
        Some(Status::Works) => style.good("works"),
        Some(Status::Fails) => style.bad("fails"),
        Some(Status::Unknown) => style.warn("unknown"),
        _ => style.dim(status(s)),
    }
}

/// The counts of a diff, for the summary line and JSON.
pub fn summary(d: &Diff) -> Value {
    json!({
        "findings": {
            "new": d.findings.new.len(),
            "fixed": d.findings.fixed.len(),
            "unchanged": d.findings.unchanged.len(),
        },
        "operations": d.operations.len(),
    })
}

fn finding_line(f: &Finding, style: Style) -> String {
    crate::check::render_text(std::slice::from_ref(f), style, false)
}

fn op_text(o: &mut String, c: &OpChange, style: Style) {
    let _ = writeln!(
        o,
        "  {} {}: {} -> {}",
        style.bold(&c.subject),
        c.op,
        styled_status(c.before, style),
        styled_status(c.after, style)
    );
    // Why it is what it is now: its unmet requirements and the flows that do not pass.
    let r = &c.result;
    if c.after.is_some() && r.status != Status::Works {
        for req in r.requirements.iter().filter(|q| q.met != Some(true)) {
            let m = if req.met == Some(false) {
                style.bad("✗")
            } else {
                style.warn("?")
            };
            let _ = writeln!(o, "      {m} {}: {}", req.what, req.why);
        }
        for f in r.flows.iter().filter(|f| f.verdict != Verdict::Allowed) {
            for line in crate::trace::render_text(&f.trace, style).lines() {
                let _ = writeln!(o, "      {line}");
            }
        }
    }
}

/// The text report: new findings with their fixes, fixed findings, operations whose status
/// changed (with HEAD's failing flows), and a summary line.
pub fn render_text(d: &Diff, style: Style) -> String {
    let mut o = String::new();
    if !d.findings.new.is_empty() {
        let _ = writeln!(o, "{}", style.bold("New findings"));
        for f in &d.findings.new {
            o += &finding_line(f, style);
        }
        o.push('\n');
    }
    if !d.findings.fixed.is_empty() {
        let _ = writeln!(o, "{}", style.bold("Fixed findings"));
        for f in &d.findings.fixed {
            let _ = writeln!(
                o,
                "  {}[{}] {}: {}",
                f.severity.as_str(),
                f.code,
                f.resource,
                f.message
            );
        }
        o.push('\n');
    }
    if !d.operations.is_empty() {
        let _ = writeln!(o, "{}", style.bold("Operations whose status changed"));
        for c in &d.operations {
            op_text(&mut o, c, style);
        }
        o.push('\n');
    }
    let line = format!(
        "findings: {} new, {} fixed, {} unchanged; {} changed",
        d.findings.new.len(),
        d.findings.fixed.len(),
        d.findings.unchanged.len(),
        count(d.operations.len() as u64, "operation", "operations"),
    );
    let _ = writeln!(
        o,
        "{}",
        if d.is_empty() {
            style.good(&format!("no change ({line})"))
        } else {
            line
        }
    );
    o
}

/// `{"summary", "findings": {"new", "fixed", "unchanged"}, "operations", "diagnostics"}`:
/// findings as `moat check --format json` writes them (with their fingerprint and
/// certainty), the input's warnings of both sides as diagnostics.
pub fn render_json(d: &Diff, diagnostics: &[Diagnostic]) -> String {
    let list = |fs: &[Finding]| -> Vec<Value> {
        fs.iter()
            .map(|f| {
                let mut v = serde_json::to_value(f).unwrap_or(Value::Null);
                let (certainty, needs) = crate::check::certainty(f);
                v["fingerprint"] = json!(f.fingerprint());
                v["certainty"] = json!(certainty);
                if !needs.is_empty() {
                    v["needs"] = json!(needs);
                }
                v
            })
            .collect()
    };
    let v = json!({
        "summary": summary(d),
        "findings": {
            "new": list(&d.findings.new),
            "fixed": list(&d.findings.fixed),
            "unchanged": list(&d.findings.unchanged),
        },
        "operations": d.operations,
        "diagnostics": diagnostics,
    });
    serde_json::to_string_pretty(&v).unwrap_or_default()
}

/// SARIF 2.1.0 with the new findings only, for code scanning on a pull request.
pub fn render_sarif(
    d: &Diff,
    rules: &[&RuleDoc],
    input: &str,
    diagnostics: &[Diagnostic],
) -> String {
    crate::sarif::render_sarif(&d.findings.new, rules, input, diagnostics, true)
}
