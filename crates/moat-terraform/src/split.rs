//! Splitting the text of a `.tf` file into its top-level structures without parsing them, so a
//! large file is parsed, and its syntax tree held, a block at a time.
//!
//! A top-level structure ends at a line ending outside every bracket, string, heredoc and
//! comment. The scan follows hcl-edit's reading of those: escapes and `${`/`%{` templates in
//! quoted strings, heredocs closed by a line holding their delimiter (an empty heredoc only
//! when no later line closes it, as hcl-edit reads it), `#`, `//` and `/* */` comments.
//! Whatever it cannot close is an error at the offset where it opened; the caller then parses
//! the whole file, so a file that does not split is read exactly as before.

use hcl_primitives::ident::{is_id_continue, is_id_start};
use std::ops::Range;

/// Why a text does not split: something opened at `offset` and not closed, or a closing
/// bracket that closes nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} at byte {offset}")]
pub struct SplitError {
    pub offset: usize,
    pub what: &'static str,
}

/// What the scan is inside of.
enum Frame {
    /// `{`, `[` or `(`: the byte that closes it and where it opened.
    Bracket(u8, usize),
    /// `${` or `%{` in a template, closed by `}`.
    Control(usize),
    /// A quoted string.
    Quoted(usize),
    /// A heredoc: its delimiter, where its content starts and where `<<` is.
    Heredoc {
        delim: Range<usize>,
        content: usize,
        open: usize,
    },
}

/// The byte ranges of the top-level structures of `text`, in order. Each starts where the one
/// before ended (its leading blank lines and comments included) and ends after the line ending
/// that ends it; the last runs to the end of the text. Together they are the whole text.
pub fn split(text: &str) -> Result<Vec<Range<usize>>, SplitError> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut start = 0;
    // Whether the current piece holds more than blank lines and comments.
    let mut seen = false;
    let mut i = 0;
    loop {
        if i >= b.len() {
            match stack.last() {
                None => break,
                // hcl-edit reads a heredoc whose content runs to the end of the text as empty
                // when its first line is the delimiter.
                Some(Frame::Heredoc {
                    delim,
                    content,
                    open,
                }) => match delimiter_at(text, *content, &text[delim.clone()]) {
                    Some(end) => {
                        stack.pop();
                        i = end;
                        continue;
                    }
                    None => return Err(open_at(*open, "an unterminated heredoc")),
                },
                Some(Frame::Quoted(o)) => return Err(open_at(*o, "an unterminated string")),
                Some(Frame::Control(o)) => {
                    return Err(open_at(*o, "an unterminated template sequence"));
                }
                Some(Frame::Bracket(_, o)) => return Err(open_at(*o, "an unclosed bracket")),
            }
        }
        match stack.last() {
            None | Some(Frame::Bracket(..)) | Some(Frame::Control(_)) => {
                let c = b[i];
                match c {
                    b'\n' => {
                        i += 1;
                        if stack.is_empty() && seen {
                            out.push(start..i);
                            start = i;
                            seen = false;
                        }
                    }
                    b' ' | b'\t' | b'\r' => i += 1,
                    b'#' => i = line_end(b, i),
                    b'/' if b.get(i + 1) == Some(&b'/') => i = line_end(b, i),
                    b'/' if b.get(i + 1) == Some(&b'*') => {
                        i = find(b, i + 2, b"*/")
                            .ok_or_else(|| open_at(i, "an unterminated comment"))?
                            + 2;
                    }
                    b'"' => {
                        seen = true;
                        stack.push(Frame::Quoted(i));
                        i += 1;
                    }
                    b'<' if b.get(i + 1) == Some(&b'<') => {
                        seen = true;
                        match heredoc_start(text, i) {
                            Some((delim, content)) => {
                                stack.push(Frame::Heredoc {
                                    delim,
                                    content,
                                    open: i,
                                });
                                i = content;
                            }
                            None => i += 2,
                        }
                    }
                    b'{' | b'[' | b'(' => {
                        seen = true;
                        let close = match c {
                            b'{' => b'}',
                            b'[' => b']',
                            _ => b')',
                        };
                        stack.push(Frame::Bracket(close, i));
                        i += 1;
                    }
                    b'}' | b']' | b')' => {
                        seen = true;
                        match stack.last() {
                            Some(Frame::Bracket(close, _)) if *close == c => {}
                            Some(Frame::Control(_)) if c == b'}' => {}
                            _ => return Err(open_at(i, "a closing bracket that closes nothing")),
                        }
                        stack.pop();
                        i += 1;
                    }
                    _ => {
                        seen = true;
                        i += 1;
                    }
                }
            }
            Some(Frame::Quoted(_)) => match b[i] {
                b'\\' => i += 2,
                b'"' => {
                    stack.pop();
                    i += 1;
                }
                c @ (b'$' | b'%') => i = template_mark(b, i, c, &mut stack),
                _ => i += 1,
            },
            Some(Frame::Heredoc { delim, .. }) => match b[i] {
                b'\n' => {
                    let delim = delim.clone();
                    match delimiter_at(text, i + 1, &text[delim]) {
                        Some(end) => {
                            stack.pop();
                            i = end;
                        }
                        None => i += 1,
                    }
                }
                c @ (b'$' | b'%') => i = template_mark(b, i, c, &mut stack),
                _ => i += 1,
            },
        }
    }
    if start < b.len() {
        out.push(start..b.len());
    }
    Ok(out)
}

fn open_at(offset: usize, what: &'static str) -> SplitError {
    SplitError { offset, what }
}

/// The offset of the line ending of the line `i` is on (or the end of the text).
fn line_end(b: &[u8], i: usize) -> usize {
    b[i..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(b.len(), |p| i + p)
}

fn find(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    b.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
}

/// In a template at a `$` or `%`: past `$${` / `%%{` (escaped, literal text), into `${` / `%{`,
/// or past the lone character.
fn template_mark(b: &[u8], i: usize, c: u8, stack: &mut Vec<Frame>) -> usize {
    if b.get(i + 1) == Some(&c) && b.get(i + 2) == Some(&b'{') {
        i + 3
    } else if b.get(i + 1) == Some(&b'{') {
        stack.push(Frame::Control(i));
        i + 2
    } else {
        i + 1
    }
}

/// At `<<`: the delimiter of the heredoc it opens (`<<ID` or `<<-ID` and a line ending) and
/// where the heredoc's content starts.
fn heredoc_start(text: &str, i: usize) -> Option<(Range<usize>, usize)> {
    let mut j = i + 2;
    if text.as_bytes().get(j) == Some(&b'-') {
        j += 1;
    }
    let rest = text.get(j..)?;
    let mut chars = rest.char_indices();
    let (_, first) = chars.next()?;
    if !is_id_start(first) {
        return None;
    }
    let len = chars
        .find(|&(_, ch)| !is_id_continue(ch))
        .map_or(rest.len(), |(k, _)| k);
    let delim = j..j + len;
    let after = &text[delim.end..];
    let content = if after.starts_with('\n') {
        delim.end + 1
    } else if after.starts_with("\r\n") {
        delim.end + 2
    } else {
        return None;
    };
    Some((delim, content))
}

/// Where a line starting at `i` that closes a heredoc (spaces or tabs, the delimiter, then no
/// identifier character) ends its delimiter.
fn delimiter_at(text: &str, i: usize, delim: &str) -> Option<usize> {
    let rest = text.get(i..)?;
    let indent = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    let after = rest[indent..].strip_prefix(delim)?;
    if after.chars().next().is_some_and(is_id_continue) {
        return None;
    }
    Some(i + indent + delim.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pieces of `text`, as text.
    fn pieces(text: &str) -> Vec<&str> {
        split(text).unwrap().into_iter().map(|r| &text[r]).collect()
    }

    #[test]
    fn blocks_split_after_their_closing_line() {
        let text = "# head\nresource \"a\" \"x\" {\n  n = 1\n}\n\ndata \"b\" \"y\" {}\n";
        assert_eq!(
            pieces(text),
            [
                "# head\nresource \"a\" \"x\" {\n  n = 1\n}\n",
                "\ndata \"b\" \"y\" {}\n",
            ]
        );
    }

    #[test]
    fn the_last_block_may_end_the_text_and_trailing_comments_are_kept() {
        assert_eq!(pieces("a {}\nb {}"), ["a {}\n", "b {}"]);
        assert_eq!(pieces("a {}\n// tail\n"), ["a {}\n", "// tail\n"]);
        assert_eq!(pieces(""), Vec::<&str>::new());
    }

    #[test]
    fn braces_in_strings_and_templates_do_not_count() {
        let text = "a {\n  s = \"}\\\"{\"\n  t = \"${ {x = \"}\"}.x }\"\n  u = \"$${\"\n}\nb {}\n";
        assert_eq!(
            pieces(text),
            [
                "a {\n  s = \"}\\\"{\"\n  t = \"${ {x = \"}\"}.x }\"\n  u = \"$${\"\n}\n",
                "b {}\n"
            ]
        );
    }

    #[test]
    fn braces_in_comments_do_not_count() {
        let text = "a {\n  # }\n  // }\n  /* }\n } */ x = 1\n}\n/* {\n*/\nb {}\n";
        assert_eq!(
            pieces(text),
            [
                "a {\n  # }\n  // }\n  /* }\n } */ x = 1\n}\n",
                "/* {\n*/\nb {}\n"
            ]
        );
    }

    #[test]
    fn heredocs_end_at_their_delimiter_line() {
        let text = "a {\n  h = <<-EOT\n    }\n    EOTX ${ \"}\" }\n    EOT\n}\nb {\n  h = <<EOT\n}\nEOT\n}\n";
        assert_eq!(
            pieces(text),
            [
                "a {\n  h = <<-EOT\n    }\n    EOTX ${ \"}\" }\n    EOT\n}\n",
                "b {\n  h = <<EOT\n}\nEOT\n}\n"
            ]
        );
    }

    #[test]
    fn an_empty_heredoc_reaches_to_the_next_delimiter_line_as_hcl_edit_reads_it() {
        // The first heredoc's content runs to the second's delimiter line: one block.
        let text = "a {\n  h = <<E\nE\n}\nb {\n  h = <<E\nx\nE\n}\n";
        assert_eq!(pieces(text), [text]);
        // With no later delimiter line it is empty.
        let text = "a {\n  h = <<E\nE\n}\nb {}\n";
        assert_eq!(pieces(text), ["a {\n  h = <<E\nE\n}\n", "b {}\n"]);
    }

    #[test]
    fn windows_line_endings_split_too() {
        let text = "a {\r\n  h = <<EOT\r\n}\r\nEOT\r\n}\r\nb {}\r\n";
        assert_eq!(
            pieces(text),
            ["a {\r\n  h = <<EOT\r\n}\r\nEOT\r\n}\r\n", "b {}\r\n"]
        );
    }

    #[test]
    fn what_is_not_closed_is_an_error_where_it_opened() {
        let cases = [
            ("a {\n  b = 1\n", 2, "an unclosed bracket"),
            ("a {\n  s = \"x}\n}\n", 10, "an unterminated string"),
            ("a = \"${x", 5, "an unterminated template sequence"),
            ("a {\n  h = <<EOT\nx\n}\n", 10, "an unterminated heredoc"),
            ("a {\n}\n/* x {\n", 6, "an unterminated comment"),
            ("a {\n}\n}\n", 6, "a closing bracket that closes nothing"),
            ("a (\n]\n", 4, "a closing bracket that closes nothing"),
            ("a = \"\\", 4, "an unterminated string"),
        ];
        for (text, offset, what) in cases {
            assert_eq!(split(text), Err(SplitError { offset, what }), "{text:?}");
        }
    }

    #[test]
    fn any_text_splits_or_fails_without_panicking() {
        // Every prefix of a text that uses each construct, cut at every byte (characters of
        // several bytes included).
        let text = "é {\n  h = <<-É\n  ${\"}\"}%{ if x }y%{ endif }\n  É\n  s = \"\\u00e9$${%%{\"\n  # }\n  /* { */\n}\nb {}\n";
        for end in (0..=text.len()).filter(|&e| text.is_char_boundary(e)) {
            if let Ok(rs) = split(&text[..end]) {
                let joined: String = rs.iter().map(|r| &text[r.clone()]).collect();
                assert_eq!(joined, &text[..end]);
            }
        }
    }
}
