//! Traces for people: one line per hop, the element, the decision, what decided it.

use crate::style::Style;
use moat_engine::{HopDecision, Trace, Verdict};
use std::fmt::Write;

/// Renders a trace for a terminal.
pub fn render_text(t: &Trace, style: Style) -> String {
    let mut o = String::new();
    let verdict = match t.verdict {
        Verdict::Allowed => style.good("ALLOWED"),
        Verdict::Denied => style.bad("DENIED"),
        Verdict::Unknown => style.warn("UNKNOWN"),
    };
    let proto = if t.port > 0 {
        format!("{}/{}", t.protocol, t.port)
    } else {
        t.protocol.clone()
    };
    let _ = writeln!(o, "{verdict}  {} -> {}  {proto}", t.from, t.to);
    let width = t
        .hops
        .iter()
        .map(|h| h.step.as_str().len())
        .max()
        .unwrap_or(0);
    for h in &t.hops {
        let mark = match h.decision {
            HopDecision::Pass => style.good("✓"),
            HopDecision::Block => style.bad("✗"),
            HopDecision::Unknown => style.warn("?"),
            HopDecision::Info => style.dim("·"),
            HopDecision::Assumed => style.warn("~"),
        };
        let loc =
            h.at.as_ref()
                .map(|a| format!("  {}", style.dim(&a.to_string())))
                .unwrap_or_default();
        let _ = writeln!(
            o,
            "  {mark} {:<width$}  {}: {}  {}{loc}",
            h.step,
            h.element,
            h.detail,
            style.dim(&format!("[{}]", h.code))
        );
    }
    if let Some(f) = &t.fix {
        let _ = writeln!(o, "  {} {f}", style.bold("fix:"));
    }
    for m in &t.missing {
        let _ = writeln!(o, "  {} {m}", style.bold("missing:"));
    }
    for a in &t.assumptions {
        let _ = writeln!(o, "  {} {a}", style.dim("assumes:"));
    }
    o
}
