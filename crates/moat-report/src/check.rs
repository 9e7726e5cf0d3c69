//! Findings of `moat check` as text, JSON and SARIF 2.1.0, and rule documentation.

use crate::fixes::FixCode;
use crate::style::Style;
use moat_model::Diagnostic;
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

/// Columns a finding's text is wrapped to (its first line may run longer by the file path).
const WIDTH: usize = 100;

/// `text` wrapped to [`WIDTH`] after `lead`, continuation lines indented by `indent` spaces.
fn wrapped(o: &mut String, lead: &str, text: &str, indent: usize) {
    let width = WIDTH.saturating_sub(lead.chars().count());
    for (i, l) in moat_doc::render::wrap(text, width).iter().enumerate() {
        if i == 0 {
            let _ = writeln!(o, "{lead}{l}");
        } else {
            let _ = writeln!(o, "{:indent$}{l}", "");
        }
    }
}

/// Findings for a terminal, each with its location, fix (in words, then as code in the input's
/// language) and (for path rules) trace.
pub fn render_text(
    findings: &[Finding],
    fixes: &FixCode,
    style: Style,
    show_traces: bool,
) -> String {
    let mut o = String::new();
    // A finding that repeats another's cause is shown with it, once.
    let shown: std::collections::HashSet<String> = findings
        .iter()
        .filter(|f| f.suppressed.is_none() && !f.related.is_empty())
        .map(|f| f.fingerprint())
        .collect();
    for f in findings {
        if f.caused_by.as_ref().is_some_and(|c| shown.contains(c)) {
            continue;
        }
        let loc = f.at.as_ref().map(|a| format!("{a}: ")).unwrap_or_default();
        let supp = f
            .suppressed
            .as_ref()
            .map(|r| match &f.suppressed_by {
                Some(at) => format!(" (suppressed by {at}: {r})"),
                None => format!(" (suppressed: {r})"),
            })
            .unwrap_or_default();
        let head = format!(
            "{loc}{}[{}] {}:",
            sev(style, f.severity),
            style.bold(f.code),
            f.resource
        );
        let also = if f.related.is_empty() {
            String::new()
        } else {
            format!(" (also {})", f.related.join(", "))
        };
        wrapped(&mut o, "", &format!("{head} {}{supp}{also}", f.message), 4);
        if f.suppressed.is_some() {
            continue;
        }
        wrapped(
            &mut o,
            "  ",
            &format!("{} {}", style.bold("fix:"), f.fix),
            7,
        );
        for s in fixes.get(f) {
            let _ = writeln!(o, "  {}", style.dim(&format!("as {}:", s.input)));
            for line in s.text.lines() {
                // A blank line of the snippet stays blank: no trailing spaces.
                if line.is_empty() {
                    let _ = writeln!(o);
                } else {
                    let _ = writeln!(o, "    {line}");
                }
            }
        }
        if show_traces && let Some(t) = &f.trace {
            crate::trace::write_indented(&mut o, t, style, "    ");
        }
    }
    o
}

/// Whether a finding is established (`definite`) or stands only because the input leaves a
/// flow undecided (`undecided`), with what the model lacks to decide it.
pub fn certainty(f: &Finding) -> (&'static str, Vec<String>) {
    if !f.needs.is_empty() {
        return ("undecided", f.needs.clone());
    }
    match &f.trace {
        Some(t) if t.verdict == moat_engine::Verdict::Unknown => ("undecided", t.missing.clone()),
        _ => ("definite", Vec::new()),
    }
}

/// `n` and the noun, in the singular for one.
pub fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The summary line: findings per severity, suppressed ones, and the input's warnings.
pub fn summary_line(summary: &Value, input_warnings: usize, style: Style) -> String {
    let n = |k: &str| summary[k].as_u64().unwrap_or(0);
    let mut s = format!(
        "{}, {}, {} info",
        count(n("error"), "error", "errors"),
        count(n("warning"), "warning", "warnings"),
        n("info")
    );
    if n("undecided") > 0 {
        s += &format!(" ({} undecided)", n("undecided"));
    }
    if n("repeated") > 0 {
        s += &format!(", {} shown with their cause", n("repeated"));
    }
    if n("suppressed") > 0 {
        s += &format!(", {} suppressed", n("suppressed"));
    }
    if n("baseline") > 0 {
        s += &format!(", {} in the baseline (not shown)", n("baseline"));
    }
    if input_warnings > 0 {
        s += &format!(
            "; {} in the input",
            count(input_warnings as u64, "warning", "warnings")
        );
    }
    if n("error") > 0 {
        style.bad(&s)
    } else if n("warning") > 0 || input_warnings > 0 {
        style.warn(&s)
    } else {
        style.good(&s)
    }
}

/// `{"findings": [...], "summary": {...}, "diagnostics": [...]}`: the diagnostics are the
/// input's (load errors when nothing could be checked, warnings otherwise).
/// Each finding's fix as code is `"fix_code"`: one snippet per change, with the edit of the
/// input file where its text is known.
pub fn render_json(
    findings: &[Finding],
    fixes: &FixCode,
    summary: &Value,
    diagnostics: &[Diagnostic],
) -> String {
    let report = JsonReport {
        findings: JsonFindings { findings, fixes },
        summary,
        diagnostics,
    };
    serde_json::to_string_pretty(&report).unwrap_or_default()
}

/// The JSON report, written as it is serialised: one finding's value at a time rather than
/// the tree of every finding (which took several times the text's size on large estates).
#[derive(serde::Serialize)]
struct JsonReport<'a> {
    findings: JsonFindings<'a>,
    summary: &'a Value,
    diagnostics: &'a [Diagnostic],
}

struct JsonFindings<'a> {
    findings: &'a [Finding],
    fixes: &'a FixCode,
}

impl serde::Serialize for JsonFindings<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.findings.len()))?;
        for f in self.findings {
            seq.serialize_element(&finding_json(f, self.fixes))?;
        }
        seq.end()
    }
}

/// One finding as the JSON report gives it: its fields, whether it is decided, and its fix
/// as code.
fn finding_json(f: &Finding, fixes: &FixCode) -> Value {
    let mut v = serde_json::to_value(f).unwrap_or(Value::Null);
    let (certainty, needs) = certainty(f);
    v["certainty"] = json!(certainty);
    if !needs.is_empty() {
        v["needs"] = json!(needs);
    }
    let code = fixes.get(f);
    if !code.is_empty() {
        v["fix_code"] = json!(code);
    }
    v
}

pub(crate) fn level(s: Severity) -> &'static str {
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
    let _ = writeln!(
        o,
        "{}\n  {}\n  {}\n",
        style.bold("Fix"),
        d.fix,
        d.fix_form.describe()
    );
    let _ = writeln!(o, "{}", style.bold("Source"));
    for s in d.sources {
        let _ = writeln!(o, "  {s}");
    }
    if !d.covers.is_empty() {
        let _ = writeln!(
            o,
            "\n{}\n  {} (numbered items of the network requirements reference)",
            style.bold("Covers"),
            d.covers.join(", ")
        );
    }
    o
}

pub(crate) fn rule_markdown(d: &RuleDoc) -> String {
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
