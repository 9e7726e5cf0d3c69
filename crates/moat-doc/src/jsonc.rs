//! JSON as Azure reads it: comments allowed, values strict.
//!
//! ARM templates and parameter files may hold `//` and `/* */` comments (Azure Resource
//! Manager's template syntax allows them), which a YAML parser would read as text: a `//` line
//! before a key silently swallows the key. [`parse_text`] hands the parser a copy of a JSON
//! document whose comments are blanked, one space per character (line breaks kept), so every
//! line, column and character index is the original's and positions map back unchanged.
//!
//! The other way round, YAML accepts values JSON does not (an unquoted word, an empty value
//! before a comma), which Azure rejects when the template is deployed. [`invalid_value`] tells
//! which plain scalars of a JSON document are not JSON values.

use std::borrow::Cow;

/// Whether `text` is a JSON document: its first character other than white space or a byte
/// order mark opens an object or an array (a YAML document never starts that way unless it is
/// written as JSON).
pub fn is_json(text: &str) -> bool {
    text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
        .starts_with(['{', '['])
}

/// The text to parse: for a JSON document with comments, a copy with each comment character
/// replaced by a space (line breaks kept); otherwise the text itself.
pub fn parse_text(text: &str) -> Cow<'_, str> {
    if !is_json(text) || !text.contains('/') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut changed = false;
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                out.push(c);
                // A string: copied as is up to its closing quote.
                let mut escaped = false;
                for s in chars.by_ref() {
                    out.push(s);
                    match s {
                        '\\' if !escaped => escaped = true,
                        '"' if !escaped => break,
                        _ => escaped = false,
                    }
                }
            }
            '/' if chars.peek() == Some(&'/') => {
                changed = true;
                out.push(' ');
                while let Some(&n) = chars.peek() {
                    if n == '\n' || n == '\r' {
                        break;
                    }
                    out.push(' ');
                    chars.next();
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                changed = true;
                out.push(' ');
                out.push(' ');
                chars.next();
                let mut star = false;
                for n in chars.by_ref() {
                    out.push(if n == '\n' || n == '\r' { n } else { ' ' });
                    if star && n == '/' {
                        break;
                    }
                    star = n == '*';
                }
            }
            _ => out.push(c),
        }
    }
    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(text)
    }
}

/// Why a plain (unquoted) scalar in a JSON document is not a JSON value, or `None` when it is
/// one (`true`, `false`, `null` or a number).
pub fn invalid_value(text: &str) -> Option<String> {
    if text.is_empty() {
        return Some("invalid JSON: a value is missing here".into());
    }
    if matches!(text, "true" | "false" | "null") || is_number(text) {
        return None;
    }
    Some(format!(
        "invalid JSON: `{}` is not a value (a string is written in double quotes)",
        cut(text, 40)
    ))
}

/// JSON's number grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
fn is_number(t: &str) -> bool {
    let b = t.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let s = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - s
    };
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            digits(&mut i);
        }
        _ => return false,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

fn cut(s: &str, n: usize) -> String {
    match s.char_indices().nth(n) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_become_spaces_and_positions_stay() {
        let t = "{\n  // a note: \"quoted\"\n  \"a\": \"x//y\", /* é\n two */ \"b\": 1\n}";
        let p = parse_text(t);
        assert_eq!(p.chars().count(), t.chars().count());
        assert_eq!(p.lines().count(), t.lines().count());
        assert_eq!(
            p,
            "{\n                     \n  \"a\": \"x//y\",     \n        \"b\": 1\n}"
        );
    }

    #[test]
    fn strings_with_slashes_and_escapes_are_kept() {
        let t = r#"{"u": "https://x/*y*/", "e": "a\"//b"}"#;
        assert!(matches!(parse_text(t), Cow::Borrowed(_)));
    }

    #[test]
    fn yaml_is_left_alone() {
        let t = "a: http://x // not a comment\n";
        assert!(matches!(parse_text(t), Cow::Borrowed(_)));
        assert!(!is_json(t));
        assert!(is_json("\u{feff}\n  [1]"));
    }

    #[test]
    fn json_values() {
        for ok in ["true", "false", "null", "0", "-1", "1.5", "2e10", "-0.5E-3"] {
            assert_eq!(invalid_value(ok), None, "{ok}");
        }
        for bad in ["", "oops", "01", "1.", ".5", "yes", "~", "0x10", "1e"] {
            assert!(invalid_value(bad).is_some(), "{bad}");
        }
    }
}
