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
/// nest traces show them: the same text as indenting every line of [`render_text`] (a line
/// break inside a field too, `\r\n` as `\n`), written once rather than rendered and then
/// split (a diff may show thousands of traces).
pub(crate) fn write_indented(o: &mut String, t: &Trace, style: Style, indent: &str) {
    write_text(
        &mut Indented {
            out: o,
            indent,
            fresh: true,
        },
        t,
        style,
    );
}

/// Writes to `out`, starting every line with `indent` and ending it with `\n` alone, as
/// `str::lines` splits text.
struct Indented<'a> {
    out: &'a mut String,
    indent: &'a str,
    /// At the start of a line.
    fresh: bool,
}

impl Indented<'_> {
    /// Starts a line with the indent, unless one is started.
    fn start_line(&mut self) {
        if self.fresh {
            self.out.push_str(self.indent);
            self.fresh = false;
        }
    }
}

impl Write for Indented<'_> {
    fn write_str(&mut self, mut s: &str) -> std::fmt::Result {
        // Most pieces hold no line break: one search, then one copy.
        while let Some(i) = s.find('\n') {
            self.start_line();
            self.out.push_str(&s[..i]);
            // `\r\n` ends a line as `\n` does; the indent holds no `\r`.
            if self.out.ends_with('\r') {
                self.out.pop();
            }
            self.out.push('\n');
            self.fresh = true;
            s = &s[i + 1..];
        }
        if !s.is_empty() {
            self.start_line();
            self.out.push_str(s);
        }
        Ok(())
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
    let mark = match h.decision {
        HopDecision::Pass => style.good("✓"),
        HopDecision::Block => style.bad("✗"),
        HopDecision::Unknown => style.warn("?"),
        HopDecision::Info => style.dim("·"),
        HopDecision::Assumed => style.warn("~"),
    };
    let _ = write!(
        o,
        "{mark} {:<width$}  {}: {}  {}",
        h.step,
        h.element,
        h.detail,
        style.dim(&format!("[{}]", h.code))
    );
    if let Some(a) = &h.at {
        let _ = write!(o, "  {}", style.dim(&a.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Indenting as it is written gives the text of indenting every line of the whole.
    #[test]
    fn indenting_as_written_is_indenting_every_line() {
        let pieces: &[&[&str]] = &[
            &["ALLOWED  a -> b  tcp/443\n", "  ✓ nsg  x: y\n"],
            &["a detail\nwritten on two lines\n"],
            &["a line ending \r\n", "in two pieces\r", "\n"],
            &["\n", "\r\n", "", "last\n"],
            &["one ", "line ", "in pieces\n"],
        ];
        for ps in pieces {
            let whole: String = ps.concat();
            let mut expected = String::from("before\n");
            for line in whole.lines() {
                expected.push_str("    ");
                expected.push_str(line);
                expected.push('\n');
            }
            let mut out = String::from("before\n");
            let mut w = Indented {
                out: &mut out,
                indent: "    ",
                fresh: true,
            };
            for p in ps.iter() {
                w.write_str(p).unwrap();
            }
            assert_eq!(out, expected, "{ps:?}");
        }
    }
}
