//! `moat diff` reports: what a change does, as text, JSON and SARIF (new findings only).

use crate::check::count;
use crate::fixes::FixCode;
use crate::style::Style;
use moat_diff::{Change, Diff, FlowChange, OpChange};
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
        "flows": {
            "opened": d.flows_of(Change::Opened).count(),
            "closed": d.flows_of(Change::Closed).count(),
            "may_have_opened": d.flows_of(Change::MayHaveOpened).count(),
            "may_have_closed": d.flows_of(Change::MayHaveClosed).count(),
        },
    })
}

fn verdict(v: Option<Verdict>, style: Style) -> String {
    match v {
        None => style.dim("absent"),
        Some(Verdict::Allowed) => style.good("allowed"),
        Some(Verdict::Denied) => style.bad("denied"),
        Some(Verdict::Unknown) => style.warn("unknown"),
    }
}

fn flow_text(o: &mut String, f: &FlowChange, style: Style) {
    let _ = writeln!(
        o,
        "  {} -> {}: {} -> {}",
        style.bold(&f.from),
        style.bold(&f.to),
        verdict(f.before, style),
        verdict(f.after, style)
    );
    if let Some(c) = &f.cause {
        let _ = writeln!(o, "    {}", style.bold("changed at:"));
        // The two hops as a trace lists them, their kinds in one column.
        let width = [&c.before, &c.after]
            .into_iter()
            .flatten()
            .map(|h| h.step.as_str().len())
            .max()
            .unwrap_or(0);
        for (when, h) in [("before", &c.before), ("after", &c.after)] {
            match h {
                Some(h) => {
                    let _ = writeln!(
                        o,
                        "      {when}: {}",
                        crate::trace::hop_line(h, width, style)
                    );
                }
                None => {
                    let _ = writeln!(o, "      {when}: {}", style.dim("(the trace ends before)"));
                }
            }
        }
    }
    for (when, t) in [("before", &f.trace_before), ("after", &f.trace_after)] {
        if let Some(t) = t {
            let _ = writeln!(o, "    {when}:");
            crate::trace::write_indented(o, t, style, "      ");
        }
    }
}

fn finding_line(f: &Finding, fixes: &FixCode, style: Style) -> String {
    crate::check::render_text(std::slice::from_ref(f), fixes, style, false)
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
            crate::trace::write_indented(o, &f.trace, style, "      ");
        }
    }
}

/// The text report: new findings with their fixes, fixed findings, operations whose status
/// changed (with HEAD's failing flows), and a summary line.
pub fn render_text(d: &Diff, style: Style) -> String {
    render_text_with_fixes(d, &FixCode::default(), style)
}

/// [`render_text`], each new finding's fix also as code in HEAD's input language (`fixes`
/// rendered from HEAD's findings and input).
pub fn render_text_with_fixes(d: &Diff, fixes: &FixCode, style: Style) -> String {
    let mut o = String::new();
    if !d.findings.new.is_empty() {
        let _ = writeln!(o, "{}", style.bold("New findings"));
        for f in &d.findings.new {
            o += &finding_line(f, fixes, style);
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
    for (change, title) in [
        (Change::Opened, "Flows opened"),
        (
            Change::MayHaveOpened,
            "Flows that may have opened (now unknown, or unknown before)",
        ),
        (Change::Closed, "Flows closed"),
        (
            Change::MayHaveClosed,
            "Flows that may have closed (now unknown, or unknown before)",
        ),
    ] {
        let flows: Vec<&FlowChange> = d.flows_of(change).collect();
        if flows.is_empty() {
            continue;
        }
        let _ = writeln!(o, "{}", style.bold(title));
        for f in flows {
            flow_text(&mut o, f, style);
        }
        o.push('\n');
    }
    let n = |c: Change| d.flows_of(c).count();
    let line = format!(
        "findings: {} new, {} fixed, {} unchanged; {} changed; flows: {} opened, {} closed, {} may have opened, {} may have closed",
        d.findings.new.len(),
        d.findings.fixed.len(),
        d.findings.unchanged.len(),
        count(d.operations.len() as u64, "operation", "operations"),
        n(Change::Opened),
        n(Change::Closed),
        n(Change::MayHaveOpened),
        n(Change::MayHaveClosed),
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

/// `{"summary", "findings": {"new", "fixed", "unchanged"}, "operations", "flows",
/// "diagnostics"}`:
/// findings as `moat check --format json` writes them (with their fingerprint and
/// certainty), the input's warnings of both sides as diagnostics.
pub fn render_json(d: &Diff, diagnostics: &[Diagnostic]) -> String {
    render_json_with_fixes(d, &FixCode::default(), diagnostics)
}

/// [`render_json`], each new finding with its `"fix_code"` as `moat check` gives it.
pub fn render_json_with_fixes(d: &Diff, fixes: &FixCode, diagnostics: &[Diagnostic]) -> String {
    let none = FixCode::default();
    let list = |fs: &[Finding], fixes: &FixCode| -> Vec<Value> {
        fs.iter()
            .map(|f| {
                let mut v = serde_json::to_value(f).unwrap_or(Value::Null);
                let (certainty, needs) = crate::check::certainty(f);
                v["fingerprint"] = json!(f.fingerprint());
                v["certainty"] = json!(certainty);
                if !needs.is_empty() {
                    v["needs"] = json!(needs);
                }
                let code = fixes.get(f);
                if !code.is_empty() {
                    v["fix_code"] = json!(code);
                }
                v
            })
            .collect()
    };
    let v = json!({
        "summary": summary(d),
        "findings": {
            "new": list(&d.findings.new, fixes),
            "fixed": list(&d.findings.fixed, &none),
            "unchanged": list(&d.findings.unchanged, &none),
        },
        "operations": d.operations,
        "flows": d.flows,
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
    render_sarif_with_fixes(d, &FixCode::default(), rules, input, diagnostics)
}

/// [`render_sarif`], each new result with its `fixes` (the edits of HEAD's files).
pub fn render_sarif_with_fixes(
    d: &Diff,
    fixes: &FixCode,
    rules: &[&RuleDoc],
    input: &str,
    diagnostics: &[Diagnostic],
) -> String {
    crate::sarif::render_sarif(&d.findings.new, fixes, rules, input, diagnostics, true)
}
