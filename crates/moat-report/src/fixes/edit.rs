//! Applying settings to the text of a resource: through the YAML/JSON tree for the native format
//! and ARM templates (the value replaced where it is written, or the key inserted before the
//! mapping's first key), and by block structure for HCL. Several settings make one edit.

use super::Edit;
use moat_doc::SourceFile;
use moat_doc::tree::{Node, Value};

/// The syntax of a tree edit.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Syntax {
    Yaml,
    Json,
}

impl Syntax {
    fn key(self, k: &str) -> String {
        match self {
            Syntax::Yaml => k.to_string(),
            Syntax::Json => format!("\"{k}\""),
        }
    }

    /// `path` (non-empty) set to `value`, as a flow mapping.
    fn nested(self, path: &[&str], value: &str) -> String {
        match path.split_first() {
            None => value.to_string(),
            Some((k, rest)) => format!("{{ {}: {} }}", self.key(k), self.nested(rest, value)),
        }
    }
}

/// One replacement in the original text.
type Piece = (usize, usize, String);

/// Sets each `path` to its (rendered) value in the mapping at `pointer` of `src`.
pub(crate) fn tree_edit(
    src: &SourceFile,
    root: &Node,
    pointer: &str,
    settings: &[(Vec<&str>, String)],
    syntax: Syntax,
) -> Option<Vec<Edit>> {
    let (node, found) = root.pointer(pointer);
    if !found {
        return None;
    }
    let pieces: Vec<Piece> = settings
        .iter()
        .map(|(path, value)| set_in(&src.text, node, path, value, syntax))
        .collect::<Option<_>>()?;
    combine(src, pieces)
}

fn set_in(text: &str, node: &Node, path: &[&str], value: &str, syntax: Syntax) -> Option<Piece> {
    let (key, rest) = path.split_first()?;
    if !matches!(node.value, Value::Map(_)) {
        return None;
    }
    if let Some((_, v)) = node.entries().iter().find(|(k, _)| k.text() == Some(key)) {
        if rest.is_empty() {
            return Some((v.span.offset, v.span.len, value.to_string()));
        }
        if matches!(v.value, Value::Map(_)) && !v.entries().is_empty() {
            return set_in(text, v, rest, value, syntax);
        }
        return Some((v.span.offset, v.span.len, syntax.nested(rest, value)));
    }
    let entry = format!("{}: {}", syntax.key(key), syntax.nested(rest, value));
    let Some((first, v0)) = node.entries().first() else {
        // An empty mapping: written `{}` in either syntax.
        return Some((node.span.offset, node.span.len, format!("{{ {entry} }}")));
    };
    let line_start = text[..first.span.offset].rfind('\n').map_or(0, |i| i + 1);
    let prefix = &text[line_start..first.span.offset];
    // One key a line (a YAML block mapping, a JSON object as templates are written), or
    // several on a line (a flow mapping, `{ "a": 1 }`).
    let own_line = prefix.chars().all(|c| c == ' ' || c == '-');
    let indent = " ".repeat(prefix.chars().count());
    Some(match (syntax, own_line) {
        // After the first entry's line (the resource's name), when that entry is one line.
        (Syntax::Yaml, true) => {
            let end = v0.span.offset + v0.span.len;
            let eol = text[end..].find('\n').map_or(text.len(), |i| end + i);
            if matches!(v0.value, Value::Scalar { .. })
                && !text[first.span.offset..end].contains('\n')
            {
                (eol, 0, format!("\n{indent}{entry}"))
            } else {
                (first.span.offset, 0, format!("{entry}\n{indent}"))
            }
        }
        // After the last entry of a flow mapping.
        (Syntax::Yaml, false) => {
            let (_, last) = node.entries().last()?;
            (last.span.offset + last.span.len, 0, format!(", {entry}"))
        }
        (Syntax::Json, true) => (first.span.offset, 0, format!("{entry},\n{indent}")),
        (Syntax::Json, false) => (first.span.offset, 0, format!("{entry}, ")),
    })
}

/// The pieces as edits of the original text, in order; insertions at one place are one edit.
/// Overlapping pieces (two settings written in one value) make no edit.
fn combine(src: &SourceFile, mut pieces: Vec<Piece>) -> Option<Vec<Edit>> {
    pieces.sort_by_key(|p| p.0);
    let mut merged: Vec<Piece> = Vec::new();
    for p in pieces {
        match merged.last_mut() {
            Some(last) if last.1 == 0 && p.1 == 0 && last.0 == p.0 => last.2 += &p.2,
            Some(last) if p.0 < last.0 + last.1 || (p.0 == last.0 && last.1 > 0) => return None,
            _ => merged.push(p),
        }
    }
    Some(
        merged
            .into_iter()
            .map(|(off, len, text)| Edit::new(src, off, len, text))
            .collect(),
    )
}

/// Sets each HCL attribute `path` (`["scale_settings", "min_node_count"]`) to its value in the
/// block at `offset..offset + len` (a `resource "type" "name" { ... }`).
pub(crate) fn hcl_edit(
    src: &SourceFile,
    offset: usize,
    len: usize,
    settings: &[(Vec<&str>, String)],
) -> Option<Vec<Edit>> {
    let text = &src.text;
    let block = text.get(offset..offset + len)?;
    let open = offset + block.find('{')?;
    let close = matching(text, open)?;
    let pieces: Vec<Piece> = settings
        .iter()
        .map(|(path, value)| hcl_set(text, open, close, path, value))
        .collect::<Option<_>>()?;
    combine(src, pieces)
}

/// The `}` matching the `{` at `open`, skipping strings and comments.
fn matching(text: &str, open: usize) -> Option<usize> {
    let mut depth = 0i32;
    let mut it = text[open..].char_indices().peekable();
    while let Some((i, c)) = it.next() {
        match c {
            '"' => {
                let mut escaped = false;
                for (_, c) in it.by_ref() {
                    match (escaped, c) {
                        (false, '\\') => escaped = true,
                        (false, '"') => break,
                        _ => escaped = false,
                    }
                }
            }
            '#' => {
                for (_, c) in it.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '/' if it.peek().is_some_and(|(_, c)| *c == '/') => {
                for (_, c) in it.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '{' | '[' | '(' => depth += 1,
            '}' | ']' | ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(open + i);
                }
            }
            _ => {}
        }
    }
    None
}

/// The lines of a block body at its own depth: (start of the line's text, end of the item),
/// where an item ends at the end of its line or of the brackets it opens.
fn items(text: &str, open: usize, close: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut pos = text[open..close].find('\n').map_or(close, |i| open + i + 1);
    while pos < close {
        let line_end = text[pos..close].find('\n').map_or(close, |i| pos + i);
        let start = pos + (text[pos..line_end].len() - text[pos..line_end].trim_start().len());
        if start >= line_end {
            pos = line_end + 1;
            continue;
        }
        // An item that opens a bracket ends where it closes.
        let mut end = line_end;
        if let Some(b) = text[start..line_end].find(['{', '[', '('])
            && let Some(m) = matching(text, start + b)
            && m > line_end
        {
            end = text[m..close].find('\n').map_or(close, |i| m + i);
        }
        out.push((start, end));
        pos = end + 1;
    }
    out
}

fn hcl_set(text: &str, open: usize, close: usize, path: &[&str], value: &str) -> Option<Piece> {
    let (name, rest) = path.split_first()?;
    let items = items(text, open, close);
    for &(start, end) in &items {
        let line = &text[start..end];
        let Some(after) = line.strip_prefix(name) else {
            continue;
        };
        let after = after.trim_start();
        if rest.is_empty() && after.starts_with('=') && !after.starts_with("==") {
            // The value only: the alignment of `=` stays.
            let eq = start + line.find('=')? + 1;
            let v = eq + (text[eq..end].len() - text[eq..end].trim_start().len());
            return Some((v, end - v, value.to_string()));
        }
        if !rest.is_empty() && after.starts_with('{') {
            let inner = start + line.find('{')?;
            let inner_close = matching(text, inner)?;
            return hcl_set(text, inner, inner_close, rest, value);
        }
    }
    // Not written: inserted after the opening brace, indented as the body is.
    let indent = match items.first() {
        Some(&(start, _)) => {
            let ls = text[..start].rfind('\n').map_or(0, |i| i + 1);
            text[ls..start].to_string()
        }
        None => {
            let ls = text[..open].rfind('\n').map_or(0, |i| i + 1);
            let base: String = text[ls..open].chars().take_while(|c| *c == ' ').collect();
            format!("{base}  ")
        }
    };
    Some((
        open + 1,
        0,
        format!("\n{indent}{}", hcl_nested(path, value, &indent)),
    ))
}

/// The value of the top-level attribute `name` as written in the HCL block at
/// `offset..offset + len`, if it is.
pub(crate) fn hcl_attribute<'a>(
    src: &'a SourceFile,
    offset: usize,
    len: usize,
    name: &str,
) -> Option<&'a str> {
    let text = &src.text;
    let open = offset + text.get(offset..offset + len)?.find('{')?;
    let close = matching(text, open)?;
    items(text, open, close)
        .into_iter()
        .find_map(|(start, end)| {
            let after = text[start..end].strip_prefix(name)?.trim_start();
            let value = after.strip_prefix('=').filter(|v| !v.starts_with('='))?;
            Some(value.trim())
        })
}

/// `path` set to `value` as HCL, nested blocks opened at `indent`.
pub(crate) fn hcl_nested(path: &[&str], value: &str, indent: &str) -> String {
    match path {
        [] => String::new(),
        [name] => format!("{name} = {value}"),
        [block, rest @ ..] => {
            let inner = format!("{indent}  ");
            format!(
                "{block} {{\n{inner}{}\n{indent}}}",
                hcl_nested(rest, value, &inner)
            )
        }
    }
}

/// Appends `item` (a flow-style entry) to the list at `path` of the mapping at `pointer`: as a
/// new line of a block list, before the `]` of a flow list; the list (and the mappings on its
/// way) written where missing.
pub(crate) fn tree_append(
    src: &SourceFile,
    root: &Node,
    pointer: &str,
    path: &[&str],
    item: &str,
) -> Option<Vec<Edit>> {
    let (node, found) = root.pointer(pointer);
    if !found {
        return None;
    }
    let text = &src.text;
    // The deepest mapping of the path that exists, and the list if it does.
    let mut at = node;
    for (i, key) in path.iter().enumerate() {
        match at.get(key) {
            Some(next) if i + 1 == path.len() => {
                let Value::Seq(items) = &next.value else {
                    return None;
                };
                let piece = match items.last() {
                    // `[]`
                    None => (next.span.offset, next.span.len, format!("[{item}]")),
                    Some(last) => {
                        let first = &items[0];
                        let ls = text[..first.span.offset].rfind('\n').map_or(0, |i| i + 1);
                        let prefix = &text[ls..first.span.offset];
                        // A block item's span may run past its last line.
                        let end = text[..last.span.offset + last.span.len].trim_end().len();
                        if text[next.span.offset..].starts_with('[') {
                            (end, 0, format!(", {item}"))
                        } else if prefix.trim_end().ends_with('-')
                            && prefix.trim_start().starts_with('-')
                        {
                            // `- item` lines: a new one after the last item's line.
                            let eol = text[end..].find('\n').map_or(text.len(), |i| end + i);
                            (eol, 0, format!("\n{prefix}{item}"))
                        } else {
                            return None;
                        }
                    }
                };
                return combine(src, vec![piece]);
            }
            Some(next) if matches!(next.value, Value::Map(_)) => at = next,
            Some(_) => return None,
            None => {
                // The rest of the path written as flow mappings around the list.
                let value = Syntax::Yaml.nested(&path[i + 1..], &format!("[{item}]"));
                let piece = set_in(text, at, &[key], &value, Syntax::Yaml)?;
                return combine(src, vec![piece]);
            }
        }
    }
    None
}

/// Inserts `item` (pretty-printed JSON) after the element at `pointer` of a JSON list, as the
/// next element, indented like it.
pub(crate) fn json_after_item(
    src: &SourceFile,
    root: &Node,
    pointer: &str,
    item: &str,
) -> Option<Vec<Edit>> {
    let (node, found) = root.pointer(pointer);
    if !found {
        return None;
    }
    let text = &src.text;
    let start = node.span.offset;
    let line = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let indent = &text[line..start];
    if !indent.chars().all(char::is_whitespace) {
        return None;
    }
    let end = start + text.get(start..start + node.span.len)?.trim_end().len();
    let body = item.trim_end().replace('\n', &format!("\n{indent}"));
    combine(src, vec![(end, 0, format!(",\n{indent}{body}"))])
}

/// Inserts `block` after the HCL block at `offset..offset + len`, separated by a blank line.
pub(crate) fn hcl_after_block(
    src: &SourceFile,
    offset: usize,
    len: usize,
    block: &str,
) -> Option<Vec<Edit>> {
    let text = &src.text;
    let open = offset + text.get(offset..offset + len)?.find('{')?;
    let close = matching(text, open)?;
    combine(
        src,
        vec![(close + 1, 0, format!("\n\n{}", block.trim_end()))],
    )
}

/// Inserts `body` (lines indented from column 0) as the last item of the HCL block at
/// `offset..offset + len`, indented as the block's items are.
pub(crate) fn hcl_into_block(
    src: &SourceFile,
    offset: usize,
    len: usize,
    body: &str,
) -> Option<Vec<Edit>> {
    let text = &src.text;
    let open = offset + text.get(offset..offset + len)?.find('{')?;
    let close = matching(text, open)?;
    let indent = match items(text, open, close).first() {
        Some(&(start, _)) => {
            let ls = text[..start].rfind('\n').map_or(0, |i| i + 1);
            text[ls..start].to_string()
        }
        None => "  ".to_string(),
    };
    // After the last item's line: the block's `}` keeps its line.
    let end = text[..close].trim_end().len();
    let lines: Vec<String> = body
        .trim_end()
        .lines()
        .map(|l| format!("{indent}{l}"))
        .collect();
    combine(src, vec![(end, 0, format!("\n{}", lines.join("\n")))])
}

/// Inserts `body` as the last item of the nested block `kind { ... }` whose `name` attribute
/// is `"name"`, inside the HCL block at `offset..offset + len`.
pub(crate) fn hcl_into_named_block(
    src: &SourceFile,
    offset: usize,
    len: usize,
    kind: &str,
    name: &str,
    body: &str,
) -> Option<Vec<Edit>> {
    let text = &src.text;
    let open = offset + text.get(offset..offset + len)?.find('{')?;
    let close = matching(text, open)?;
    for (start, end) in items(text, open, close) {
        let item = &text[start..end];
        let Some(rest) = item.strip_prefix(kind) else {
            continue;
        };
        if !rest.trim_start().starts_with('{') {
            continue;
        }
        let inner = start + item.find('{')?;
        let inner_close = matching(text, inner)?;
        let named = items(text, inner, inner_close).into_iter().any(|(s, e)| {
            let line = &text[s..e];
            line.strip_prefix("name").is_some_and(|r| {
                r.trim_start()
                    .strip_prefix('=')
                    .is_some_and(|v| v.trim() == format!("\"{name}\""))
            })
        });
        if named {
            return hcl_into_block(src, start, end - start, body);
        }
    }
    None
}

/// The span (offset, length) of the value of attribute `name` in the nested block `kind { ... }`
/// of the HCL block at `offset..offset + len`, when both are written.
pub(crate) fn hcl_nested_attribute(
    src: &SourceFile,
    offset: usize,
    len: usize,
    kind: &str,
    name: &str,
) -> Option<(usize, usize)> {
    let text = &src.text;
    let (start, end) = nested_blocks(text, offset, len, kind)?.into_iter().next()?;
    let inner = start + text[start..end].find('{')?;
    let inner_close = matching(text, inner)?;
    items(text, inner, inner_close)
        .into_iter()
        .find_map(|(s, e)| {
            let after = text[s..e].strip_prefix(name)?;
            let value = after.trim_start().strip_prefix('=')?;
            if value.starts_with('=') {
                return None;
            }
            let v = e - value.trim_start().len();
            Some((v, e - v))
        })
}

/// The elements of an HCL list written as a literal (`[a, b]`, one a line or not), as text;
/// `None` for anything else, or a list with comments.
pub(crate) fn hcl_list_items(value: &str) -> Option<Vec<&str>> {
    let inner = value.trim().strip_prefix('[')?.strip_suffix(']')?;
    if inner.contains('#') || inner.contains("//") || inner.contains("/*") {
        return None;
    }
    let mut out = Vec::new();
    let (mut depth, mut start, mut quoted) = (0i32, 0, false);
    for (i, c) in inner.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '[' | '(' | '{' if !quoted => depth += 1,
            ']' | ')' | '}' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                out.push(inner[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(inner[start..].trim());
    out.retain(|s| !s.is_empty());
    Some(out)
}

/// The length of the HCL block that starts at `offset` (`resource "type" "name" { ... }`),
/// through its closing brace.
pub(crate) fn hcl_block_len(text: &str, offset: usize) -> Option<usize> {
    let open = offset + text.get(offset..)?.find('{')?;
    Some(matching(text, open)? + 1 - offset)
}

/// Inserts `body` as the last item of the first nested block `kind { ... }` inside the HCL
/// block at `offset..offset + len`; `None` when it has no such block.
pub(crate) fn hcl_into_nested(
    src: &SourceFile,
    offset: usize,
    len: usize,
    kind: &str,
    body: &str,
) -> Option<Vec<Edit>> {
    let (start, end) = nested_blocks(&src.text, offset, len, kind)?
        .into_iter()
        .next()?;
    hcl_into_block(src, start, end - start, body)
}

/// The nested blocks `kind { ... }` inside the HCL block at `offset..offset + len`, each as
/// (start, end) of its text.
fn nested_blocks(text: &str, offset: usize, len: usize, kind: &str) -> Option<Vec<(usize, usize)>> {
    let open = offset + text.get(offset..offset + len)?.find('{')?;
    let close = matching(text, open)?;
    let blocks = items(text, open, close)
        .into_iter()
        .filter(|&(start, end)| {
            text[start..end]
                .strip_prefix(kind)
                .is_some_and(|rest| rest.trim_start().starts_with('{'))
        });
    Some(blocks.collect())
}

/// Removes the nested blocks `kind { ... }` of the HCL block at `offset..offset + len`, their
/// lines with them; `None` when it has none.
pub(crate) fn hcl_remove_nested(
    src: &SourceFile,
    offset: usize,
    len: usize,
    kind: &str,
) -> Option<Vec<Edit>> {
    let text = &src.text;
    let pieces: Vec<Piece> = nested_blocks(text, offset, len, kind)?
        .into_iter()
        .map(|(start, end)| {
            let line = text[..start].rfind('\n').map_or(0, |i| i + 1);
            let end = if text[end..].starts_with('\n') {
                end + 1
            } else {
                end
            };
            (line, end - line, String::new())
        })
        .collect();
    (!pieces.is_empty()).then_some(())?;
    combine(src, pieces)
}

/// The `resource "ty" "label" { ... }` block of `src` whose attribute `attr` is `value`, as
/// (offset, length).
pub(crate) fn hcl_block_with(
    src: &SourceFile,
    ty: &str,
    attr: &str,
    value: &str,
) -> Option<(usize, usize)> {
    let text = &src.text;
    let head = format!("resource \"{ty}\"");
    let mut from = 0;
    while let Some(i) = text[from..].find(&head) {
        let start = from + i;
        let open = start + text[start..].find('{')?;
        let close = matching(text, open)?;
        let len = close + 1 - start;
        if hcl_attribute(src, start, len, attr) == Some(value) {
            return Some((start, len));
        }
        from = close + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nested_block_gets_the_body_last() {
        let text = "resource \"azurerm_storage_account\" \"st\" {\n  name = \"st\"\n  network_rules {\n    default_action = \"Deny\"\n  }\n}\n";
        let src = SourceFile::new("main.tf", text.to_string());
        let e = hcl_into_nested(&src, 0, text.len(), "network_rules", "x {\n  y = 1\n}\n").unwrap();
        let mut out = text.to_string();
        out.replace_range(e[0].offset..e[0].offset + e[0].len, &e[0].text);
        assert_eq!(
            out,
            "resource \"azurerm_storage_account\" \"st\" {\n  name = \"st\"\n  network_rules {\n    default_action = \"Deny\"\n    x {\n      y = 1\n    }\n  }\n}\n"
        );
        assert!(hcl_into_nested(&src, 0, text.len(), "ip_rules", "x = 1").is_none());
    }

    #[test]
    fn a_block_is_found_by_attribute() {
        let text =
            "resource \"r\" \"a\" {\n  id = b.id\n}\n\nresource \"r\" \"b\" {\n  id = c.id\n}\n";
        let src = SourceFile::new("main.tf", text.to_string());
        let (o, l) = hcl_block_with(&src, "r", "id", "c.id").unwrap();
        assert_eq!(&text[o..o + l], "resource \"r\" \"b\" {\n  id = c.id\n}");
        assert!(hcl_block_with(&src, "r", "id", "d.id").is_none());
    }
}
