//! Operation verdicts for people: works / fails / unknown per operation, with the trace of
//! each failing flow.

use crate::style::Style;
use moat_engine::Verdict;
use moat_engine::ops::{OpResult, Status};
use std::fmt::Write;

/// Renders operation results grouped by subject.
pub fn render_text(results: &[OpResult], style: Style) -> String {
    let mut o = String::new();
    let mut subject: Option<&moat_model::Address> = None;
    for r in results {
        if subject != Some(&r.subject) {
            if subject.is_some() {
                let _ = writeln!(o);
            }
            subject = Some(&r.subject);
            let _ = writeln!(o, "{}", style.bold(&r.subject.to_string()));
        }
        let (mark, word) = match r.status {
            Status::Works => (style.good("✓"), style.good("works")),
            Status::Fails => (style.bad("✗"), style.bad("fails")),
            Status::Unknown => (style.warn("?"), style.warn("unknown")),
            Status::NotApplicable => (style.dim("-"), style.dim("not applicable")),
        };
        let _ = writeln!(o, "  {mark} {:<30} {word}", r.op);
        for req in &r.requirements {
            if req.met != Some(true) {
                let m = if req.met == Some(false) {
                    style.bad("✗")
                } else {
                    style.warn("?")
                };
                let rule = req.rule.map(|c| format!(" [{c}]")).unwrap_or_default();
                let _ = writeln!(o, "      {m} {}: {}{rule}", req.what, req.why);
            }
        }
        for f in &r.flows {
            if f.verdict == Verdict::Allowed {
                continue;
            }
            let _ = writeln!(
                o,
                "      {} {}",
                if f.verdict == Verdict::Denied {
                    style.bad("✗")
                } else {
                    style.warn("?")
                },
                f.purpose
            );
            crate::trace::write_indented(&mut o, &f.trace, style, "        ");
        }
        if r.status != Status::Works {
            for n in &r.notes {
                let _ = writeln!(o, "      {}", style.dim(n));
            }
        }
    }
    o
}
