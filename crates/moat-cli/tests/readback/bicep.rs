//! A check of what Bicep reads, for the Bicep snippets of fixes.

/// What Bicep reads: one declaration `resource sym 'type@version' = {` (or `existing = {`), then lines that are a
/// property (`key: value`, the key an identifier or a quoted string), an array item, or a
/// closing bracket; brackets balanced; strings in single quotes with `\'` inside.
pub fn assert_bicep(text: &str) {
    let ident = |s: &str| {
        s.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    // A quoted string from its opening quote: its length, or None when it is not closed.
    let quoted = |s: &str| -> Option<usize> {
        let mut escaped = false;
        for (i, c) in s.char_indices().skip(1) {
            match (escaped, c) {
                (false, '\\') => escaped = true,
                (false, '\'') => return Some(i + 1),
                _ => escaped = false,
            }
        }
        None
    };
    // A value: a string, a literal, an opening bracket, or an expression of names, calls,
    // strings and commas.
    let value = |v: &str| -> bool {
        if v == "{" || v == "[" || ["true", "false", "null"].contains(&v) {
            return true;
        }
        if v.parse::<i64>().is_ok() {
            return true;
        }
        let mut rest = v;
        let mut depth = 0i32;
        while let Some(c) = rest.chars().next() {
            if c == '\'' {
                let Some(n) = quoted(rest) else { return false };
                rest = &rest[n..];
                continue;
            }
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                '"' | '{' | '}' | ':' => return false,
                _ => {}
            }
            rest = &rest[c.len_utf8()..];
        }
        depth == 0
    };
    let mut lines = text.lines();
    let head = lines.next().unwrap();
    let decl: Vec<&str> = head.splitn(3, ' ').collect();
    // A resource the template declares may be referred to by a symbol (`existing`).
    let ty = decl[2]
        .strip_suffix(" = {")
        .map(|t| t.strip_suffix(" existing").unwrap_or(t))
        .unwrap_or("");
    assert!(
        decl[0] == "resource" && ident(decl[1]) && ty.ends_with('\''),
        "{text}"
    );
    assert!(quoted(ty) == Some(ty.len()) && ty.contains('@'), "{text}");
    let mut stack = vec!['{'];
    for line in lines {
        let l = line.trim_start();
        assert_eq!(
            (line.len() - l.len()) % 2,
            0,
            "indented by two spaces: {line}\n{text}"
        );
        if l == "}" || l == "]" {
            let open = stack.pop().unwrap();
            assert_eq!((open, l), (if l == "}" { '{' } else { '[' }, l), "{text}");
            continue;
        }
        let inside_array = stack.last() == Some(&'[');
        let v = if inside_array {
            l
        } else {
            let (k, v) = if l.starts_with('\'') {
                let n = quoted(l).unwrap_or_else(|| panic!("{line}\n{text}"));
                (&l[..n], l[n..].strip_prefix(": ").unwrap_or(""))
            } else {
                l.split_once(": ")
                    .unwrap_or_else(|| panic!("{line}\n{text}"))
            };
            assert!(ident(k) || k.starts_with('\''), "{line}\n{text}");
            v
        };
        assert!(value(v), "{line}\n{text}");
        if v == "{" || v == "[" {
            stack.push(v.chars().next().unwrap());
        }
    }
    assert!(stack.is_empty(), "{text}");
}
