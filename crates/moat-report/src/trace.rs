//! Traces for people: one line per hop, the element, the decision, what decided it.

use crate::style::Style;
use moat_engine::{Hop, HopDecision, Trace, Verdict};
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
        let _ = writeln!(o, "  {}", hop_line(h, width, style));
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

/// One hop as a line: its decision, its kind padded to `width` (a column when hops are listed
/// together), the element, what decided it and its code. Every report that shows a hop shows
/// it so.
pub(crate) fn hop_line(h: &Hop, width: usize, style: Style) -> String {
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
    format!(
        "{mark} {:<width$}  {}: {}  {}{loc}",
        h.step,
        h.element,
        h.detail,
        style.dim(&format!("[{}]", h.code))
    )
}
