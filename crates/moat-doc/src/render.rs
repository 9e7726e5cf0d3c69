//! Diagnostics as text for a terminal or a CI log: the location first (editors jump to it), a
//! short snippet around the spot, the hint.
//!
//! The snippet is cut to a window of [`Options::width`] columns around the error, whatever the
//! length of the line: ARM exports are minified, one line of megabytes, and printing that line
//! per error would flood the log. Each diagnostic costs a binary search in the file's line index
//! and the width of its window, so rendering is linear in the number of diagnostics and does not
//! depend on the size of the file. Past [`Options::max_per_file`] diagnostics of one file, the
//! rest are counted, not printed (the JSON output keeps them all).

use crate::SourceFile;
use foldhash::HashMap;
use moat_model::{Diagnostic, Level};
use std::fmt::Write;

/// How to render.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// ANSI colours.
    pub color: bool,
    /// Diagnostics printed per file; the rest are counted.
    pub max_per_file: usize,
    /// Columns of source shown per snippet line.
    pub width: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            color: false,
            max_per_file: 20,
            width: 120,
        }
    }
}

/// Characters of a message printed before it is cut (a message may quote a whole value).
const MAX_MESSAGE: usize = 400;

/// Renders diagnostics, each with its snippet when its file is among `sources`.
pub fn text(diags: &[Diagnostic], sources: &[SourceFile], opts: Options) -> String {
    let by_name: HashMap<&str, &SourceFile> =
        sources.iter().map(|s| (s.name.as_str(), s)).collect();
    let mut shown: HashMap<&str, usize> = HashMap::default();
    // Files in the order of their first diagnostic, with how many were left out.
    let mut omitted: Vec<(&str, usize)> = Vec::new();
    let mut out = String::new();
    for d in diags {
        let file = d.location.file.as_str();
        let n = shown.entry(file).or_insert(0);
        if *n >= opts.max_per_file {
            match omitted.iter_mut().find(|(f, _)| *f == file) {
                Some((_, k)) => *k += 1,
                None => omitted.push((file, 1)),
            }
            continue;
        }
        *n += 1;
        one(&mut out, d, by_name.get(file).copied(), opts);
    }
    for (file, n) in omitted {
        let _ = writeln!(
            out,
            "{}: and {n} more {} (--format json lists them all)\n",
            if file.is_empty() { "input" } else { file },
            if n == 1 { "diagnostic" } else { "diagnostics" },
        );
    }
    out
}

fn paint(color: bool, code: &str, s: &str) -> String {
    if color {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

/// At most `max` characters of `s`, with `…` when cut.
fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

fn one(out: &mut String, d: &Diagnostic, src: Option<&SourceFile>, opts: Options) {
    let (level, colour) = match d.level {
        Level::Error => ("error", "1;31"),
        Level::Warning => ("warning", "1;33"),
    };
    let _ = writeln!(
        out,
        "{}: {}: {}",
        d.location,
        paint(opts.color, colour, &format!("{level}[{}]", d.code)),
        clip(&d.message, MAX_MESSAGE)
    );
    if let Some(src) = src
        && d.location.line > 0
    {
        snippet(out, d, src, opts);
    }
    if let Some(h) = &d.hint {
        let help = paint(opts.color, "36", "help:");
        for (i, l) in wrap(&clip(h, MAX_MESSAGE), opts.width.saturating_sub(8).max(40))
            .iter()
            .enumerate()
        {
            let _ = writeln!(
                out,
                "  {} {l}",
                if i == 0 { help.as_str() } else { "     " }
            );
        }
    }
    out.push('\n');
}

/// Words of `s` in lines of at most `width` characters (a longer word stands alone).
pub fn wrap(s: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    let mut len = 0;
    for w in s.split_whitespace() {
        let n = w.chars().count();
        if len > 0 && len + 1 + n > width {
            lines.push(std::mem::take(&mut cur));
            len = 0;
        }
        if len > 0 {
            cur.push(' ');
            len += 1;
        }
        cur.push_str(w);
        len += n;
    }
    if !cur.is_empty() || lines.is_empty() {
        lines.push(cur);
    }
    lines
}

/// Printable form of a source character: one column per character.
fn shown(c: char) -> char {
    if c.is_control() { ' ' } else { c }
}

/// A cut of one line: the text shown and the byte range of the line it covers.
struct Cut {
    text: String,
    start: usize,
    end: usize,
}

/// The part of line `range` around byte `at`: `before` characters before it at most, the rest
/// of `width` after; `…` marks what is cut.
fn cut(src: &SourceFile, range: std::ops::Range<usize>, at: usize, width: usize) -> Cut {
    let line = &src.text[range.clone()];
    let at = at.clamp(range.start, range.end) - range.start;
    let before = width / 3;
    // Walk back from the spot and forward from it: never from the start of a long line.
    let start = line[..at]
        .char_indices()
        .rev()
        .take(before)
        .last()
        .map(|(i, _)| i)
        .unwrap_or(at);
    let taken = line[start..at].chars().count();
    let end = line[at..]
        .char_indices()
        .nth(width.saturating_sub(taken))
        .map(|(i, _)| at + i)
        .unwrap_or(line.len());
    let mut text = String::new();
    if start > 0 {
        text.push('…');
    }
    text.extend(line[start..end].chars().map(shown));
    if end < line.len() {
        text.push('…');
    }
    Cut {
        text,
        start: range.start + start,
        end: range.start + end,
    }
}

fn snippet(out: &mut String, d: &Diagnostic, src: &SourceFile, opts: Options) {
    let mut at = d.location.offset.min(src.text.len());
    while !src.text.is_char_boundary(at) {
        at -= 1;
    }
    let index = src.line_index(at);
    let range = src.line_range(index);
    let at = at.min(range.end);
    let main = cut(src, range.clone(), at, opts.width);
    // Neighbouring lines give context when the line is shown from its start; a window in the
    // middle of a long line would not line up with them.
    let context = main.start == range.start;
    let first = if context && index > 0 {
        index - 1
    } else {
        index
    };
    let last = if context && index + 1 < src.line_count() {
        index + 1
    } else {
        index
    };
    let gutter = (last + 1).to_string().len();
    let bar = paint(opts.color, "34", "│");
    let _ = writeln!(out, "{:gutter$} {bar}", "");
    for i in first..=last {
        let text = if i == index {
            main.text.clone()
        } else {
            let r = src.line_range(i);
            cut(src, r.clone(), r.start, opts.width).text
        };
        let row = format!(
            "{} {bar} {}",
            paint(opts.color, "34", &format!("{:>gutter$}", i + 1)),
            text
        );
        let _ = writeln!(out, "{}", row.trim_end());
        if i == index {
            let lead = usize::from(main.start > range.start);
            let pad = lead + src.text[main.start..at].chars().count();
            let stop = (at + d.location.len).min(main.end);
            let mut stop_b = stop;
            while !src.text.is_char_boundary(stop_b) {
                stop_b -= 1;
            }
            let marks = src.text[at..stop_b.max(at)].chars().count().max(1);
            let _ = writeln!(
                out,
                "{:gutter$} {bar} {:pad$}{}",
                "",
                "",
                paint(
                    opts.color,
                    if d.level == Level::Error {
                        "1;31"
                    } else {
                        "1;33"
                    },
                    &"^".repeat(marks)
                )
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use moat_model::Location;

    fn diag(src: &SourceFile, offset: usize, len: usize, msg: &str) -> Diagnostic {
        let mut loc = src.location(crate::Span { offset, len });
        loc.len = len;
        Diagnostic::error("syntax", msg, loc).with_hint(Some("a hint".into()))
    }

    #[test]
    fn a_short_line_with_its_neighbours() {
        let src = SourceFile::new("t.yaml", "a: 1\nservce_endpoints: [x]\nc: 3\n".to_string());
        let d = diag(&src, 5, 16, "unknown field `servce_endpoints`");
        let s = text(&[d], &[src], Options::default());
        assert_eq!(
            s,
            "t.yaml:2:1: error[syntax]: unknown field `servce_endpoints`\n  │\n1 │ a: 1\n2 │ servce_endpoints: [x]\n  │ ^^^^^^^^^^^^^^^^\n3 │ c: 3\n  help: a hint\n\n"
        );
    }

    #[test]
    fn a_long_line_is_cut_around_the_error() {
        let mut line = "{\"a\":1,".repeat(20_000);
        let at = line.len();
        line.push_str(",,}");
        let src = SourceFile::new("min.json", line);
        let d = diag(&src, at, 1, "invalid JSON");
        let s = text(&[d], &[src], Options::default());
        assert!(
            s.starts_with("min.json:1:140001: error[syntax]: invalid JSON\n"),
            "{s}"
        );
        assert!(s.len() < 600, "{} bytes:\n{s}", s.len());
        for l in s.lines() {
            assert!(l.chars().count() <= 130, "line too wide: {l}");
        }
        // The caret sits under the doubled comma, in a window that says it is cut.
        let lines: Vec<&str> = s.lines().collect();
        let caret = lines[3].chars().position(|c| c == '^').unwrap();
        let row: Vec<char> = lines[2].chars().collect();
        assert_eq!((row[caret], row[caret + 1]), (',', ','), "{s}");
        assert!(lines[2].starts_with("1 │ …"), "{s}");
        assert!(lines[2].ends_with('}'), "{s}");
    }

    #[test]
    fn a_cap_per_file() {
        let src = SourceFile::new("t.yaml", "x\n".repeat(100));
        let diags: Vec<Diagnostic> = (0..50).map(|i| diag(&src, i * 2, 1, "bad")).collect();
        let s = text(&diags, &[src], Options::default());
        assert_eq!(s.matches("error[syntax]").count(), 20);
        assert!(s.ends_with("t.yaml: and 30 more diagnostics (--format json lists them all)\n\n"));
    }

    #[test]
    fn locations_outside_the_text_do_not_panic() {
        let src = SourceFile::new("t.yaml", "é€\n".to_string());
        let mut d = diag(&src, 1, 0, "bad");
        d.location.offset = 1; // inside `é`
        d.location.len = usize::MAX / 2;
        let mut far = d.clone();
        far.location = Location {
            file: "t.yaml".into(),
            line: 9,
            column: 9,
            offset: 1 << 40,
            len: 3,
        };
        let s = text(&[d, far], &[src], Options::default());
        assert_eq!(s.matches("error[syntax]").count(), 2);
    }
}
