//! Traces for people: one line per hop, the element, the decision, what decided it.

use crate::style::Style;
use moat_engine::{Hop, HopDecision, Trace, Verdict};
use std::fmt::Write;

/// Renders a trace for a terminal.
pub fn render_text(t: &Trace, style: Style) -> String {
    let mut o = String::new();
    write_text(&mut o, t, style);
    o
}

/// [`render_text`] appended to `o`, each of its lines after `indent`, as the reports that
/// nest traces show them: indenting every line of [`render_text`] as `str::lines` splits it
/// (a line break inside a field too, `\r\n` as `\n`). The trace is written whole, then its
/// lines copied once each (a diff may show thousands of traces).
pub(crate) fn write_indented(o: &mut String, t: &Trace, style: Style, indent: &str) {
    let mut text = String::with_capacity(128 * (t.hops.len() + 2));
    write_text(&mut text, t, style);
    for line in text.lines() {
        o.push_str(indent);
        o.push_str(line);
        o.push('\n');
    }
}

/// The text of [`render_text`], into `o`.
fn write_text(o: &mut impl Write, t: &Trace, style: Style) {
    let verdict = match t.verdict {
        Verdict::Allowed => style.good("ALLOWED"),
        Verdict::Denied => style.bad("DENIED"),
        Verdict::Unknown => style.warn("UNKNOWN"),
    };
    let _ = write!(o, "{verdict}  {} -> {}  ", t.from, t.to);
    let _ = if t.port > 0 {
        writeln!(o, "{}/{}", t.protocol, t.port)
    } else {
        writeln!(o, "{}", t.protocol)
    };
    let width = t
        .hops
        .iter()
        .map(|h| h.step.as_str().len())
        .max()
        .unwrap_or(0);
    for h in &t.hops {
        let _ = o.write_str("  ");
        write_hop(o, h, width, style);
        let _ = o.write_str("\n");
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
}

/// One hop as a line: its decision, its kind padded to `width` (a column when hops are listed
/// together), the element, what decided it and its code. Every report that shows a hop shows
/// it so.
pub(crate) fn hop_line(h: &Hop, width: usize, style: Style) -> String {
    let mut o = String::new();
    write_hop(&mut o, h, width, style);
    o
}

/// [`hop_line`], into `o`.
fn write_hop(o: &mut impl Write, h: &Hop, width: usize, style: Style) {
    let (mark, paint) = match h.decision {
        HopDecision::Pass => ("✓", "32"),
        HopDecision::Block => ("✗", "31"),
        HopDecision::Unknown => ("?", "33"),
        HopDecision::Info => ("·", "2"),
        HopDecision::Assumed => ("~", "33"),
    };
    painted(o, style, paint, mark);
    let step = h.step.as_str();
    let _ = o.write_str(" ");
    let _ = o.write_str(step);
    // Padded to the column as `{:<width$}` pads.
    for _ in step.chars().count()..width {
        let _ = o.write_str(" ");
    }
    let _ = o.write_str("  ");
    let _ = o.write_str(&h.element);
    let _ = o.write_str(": ");
    let _ = o.write_str(&h.detail);
    let _ = o.write_str("  ");
    // `[CODE]` dimmed, as `Style::dim` paints it.
    let dim = style.color;
    if dim {
        let _ = o.write_str("\x1b[2m");
    }
    let _ = o.write_str("[");
    let _ = o.write_str(h.code.as_str());
    let _ = o.write_str("]");
    if dim {
        let _ = o.write_str("\x1b[0m");
    }
    if let Some(a) = &h.at {
        let _ = o.write_str("  ");
        if dim {
            let _ = o.write_str("\x1b[2m");
        }
        let _ = write!(o, "{a}");
        if dim {
            let _ = o.write_str("\x1b[0m");
        }
    }
}

/// `s` as `Style`'s painter with `code` writes it: in that colour when colours are on.
fn painted(o: &mut impl Write, style: Style, code: &str, s: &str) {
    if style.color {
        let _ = write!(o, "\x1b[{code}m{s}\x1b[0m");
    } else {
        let _ = o.write_str(s);
    }
}
