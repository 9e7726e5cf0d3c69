//! A YAML/JSON document as a tree of nodes that know where they are.
//!
//! Both formats go through one YAML 1.2 parser (JSON is a subset of YAML 1.2), so every value
//! every importer reads carries its file position. Hostile input is bounded: file size, nesting
//! depth, and the number of nodes after alias expansion (the "billion laughs" attack).

use crate::source::{SourceFile, Span};
use foldhash::HashMap;
use moat_model::Diagnostic;
use saphyr_parser::{Event, Parser, ScalarStyle};

/// Limits on what a document may hold.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Largest accepted file, in bytes.
    pub max_bytes: usize,
    /// Deepest accepted nesting of sequences and mappings.
    pub max_depth: usize,
    /// Most nodes a document may expand to (aliases included).
    pub max_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 256 * 1024 * 1024,
            max_depth: 256,
            max_nodes: 10_000_000,
        }
    }
}

/// A value with its span.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    pub span: Span,
}

/// The value of a node. Scalars keep their text; their type is decided by the reader, as
/// YAML's core schema does for plain scalars.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A scalar: its text, and whether it was plain (unquoted).
    Scalar {
        text: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    /// Entries in document order.
    Map(Vec<(Node, Node)>),
}

/// The resolved type of a scalar under YAML 1.2's core schema.
#[derive(Clone, Debug, PartialEq)]
pub enum Scalar<'a> {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(&'a str),
}

impl Node {
    /// The scalar's core-schema type; quoted scalars are always strings.
    pub fn scalar(&self) -> Option<Scalar<'_>> {
        let Value::Scalar { text, plain } = &self.value else {
            return None;
        };
        if !plain {
            return Some(Scalar::Str(text));
        }
        Some(match text.as_str() {
            "" | "~" | "null" | "Null" | "NULL" => Scalar::Null,
            "true" | "True" | "TRUE" => Scalar::Bool(true),
            "false" | "False" | "FALSE" => Scalar::Bool(false),
            t => {
                if let Some(i) = parse_int(t) {
                    Scalar::Int(i)
                } else if let Some(f) = parse_float(t) {
                    Scalar::Float(f)
                } else {
                    Scalar::Str(t)
                }
            }
        })
    }

    /// The text of a scalar, whatever its type.
    pub fn text(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// A string scalar (quoted, or plain and not another type).
    pub fn as_str(&self) -> Option<&str> {
        match self.scalar()? {
            Scalar::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The entry of a mapping by key.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.text() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// Entries of a mapping (empty otherwise).
    pub fn entries(&self) -> &[(Node, Node)] {
        match &self.value {
            Value::Map(e) => e,
            _ => &[],
        }
    }

    /// Items of a sequence (empty otherwise).
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(s) => s,
            _ => &[],
        }
    }

    /// What kind of node this is, for messages.
    pub fn kind_name(&self) -> &'static str {
        match &self.value {
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
            Value::Scalar { .. } => match self.scalar() {
                Some(Scalar::Null) => "null",
                Some(Scalar::Bool(_)) => "a boolean",
                Some(Scalar::Int(_)) => "an integer",
                Some(Scalar::Float(_)) => "a number",
                _ => "a string",
            },
        }
    }

    /// Follows a JSON pointer (`/a/0/b`); returns the deepest node reached and whether the
    /// whole path was found.
    pub fn pointer(&self, path: &str) -> (&Node, bool) {
        let mut n = self;
        for part in path.split('/').filter(|p| !p.is_empty()) {
            let part = part.replace("~1", "/").replace("~0", "~");
            let next = match &n.value {
                Value::Map(_) => n.get(&part),
                Value::Seq(items) => part.parse::<usize>().ok().and_then(|i| items.get(i)),
                Value::Scalar { .. } => None,
            };
            match next {
                Some(x) => n = x,
                None => return (n, false),
            }
        }
        (n, true)
    }

    /// Converts to a JSON value (scalars typed by the core schema).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => J::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.text().unwrap_or_default().to_string(), v.to_json()))
                    .collect(),
            ),
            Value::Scalar { .. } => match self.scalar() {
                Some(Scalar::Null) | None => J::Null,
                Some(Scalar::Bool(b)) => J::Bool(b),
                Some(Scalar::Int(i)) => i64::try_from(i)
                    .map(J::from)
                    .or_else(|_| u64::try_from(i).map(J::from))
                    .unwrap_or_else(|_| J::from(i as f64)),
                Some(Scalar::Float(f)) => serde_json::Number::from_f64(f)
                    .map(J::Number)
                    .unwrap_or(J::Null),
                Some(Scalar::Str(s)) => J::String(s.to_string()),
            },
        }
    }
}

fn parse_int(t: &str) -> Option<i128> {
    let (neg, digits) = match t.as_bytes().first()? {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    let v = if let Some(h) = digits.strip_prefix("0x") {
        i128::from_str_radix(h, 16).ok()?
    } else if let Some(o) = digits.strip_prefix("0o") {
        i128::from_str_radix(o, 8).ok()?
    } else if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse::<i128>().ok()?
    } else {
        return None;
    };
    Some(if neg { -v } else { v })
}

fn parse_float(t: &str) -> Option<f64> {
    match t {
        ".inf" | ".Inf" | ".INF" | "+.inf" => return Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        _ => {}
    }
    // The core schema's float pattern: digits with a dot or an exponent.
    let b = t.as_bytes();
    let body = t.trim_start_matches(['-', '+']);
    let ok = !body.is_empty()
        && body
            .bytes()
            .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'-' | b'+'))
        && body
            .bytes()
            .next()
            .is_some_and(|c| c.is_ascii_digit() || c == b'.')
        && (body.contains('.') || body.contains(['e', 'E']))
        && b.iter().any(u8::is_ascii_digit);
    if ok { t.parse().ok() } else { None }
}

/// Mappings with fewer keys than this find a duplicate key by scanning their entries.
const SCAN_KEYS: usize = 16;

enum Frame {
    Seq {
        items: Vec<Node>,
        start: Span,
        anchor: usize,
    },
    Map {
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
        seen: HashMap<String, usize>,
        start: Span,
        anchor: usize,
    },
}

/// Parses a YAML (or JSON) document into a node tree. Only the first document of a stream is
/// read; a stream with several documents is an error.
pub fn parse(file: &SourceFile, limits: Limits) -> Result<Node, Diagnostic> {
    parse_items(file, limits, &mut |_, _, item| Some(item))
}

/// What [`parse_items`] hands each item of a top-level list to: the list's key, the item's
/// index and the item; it returns the node to keep in the tree, or `None` to keep only a null
/// placeholder with the item's span.
pub type TakeItem<'t> = dyn FnMut(&str, usize, Node) -> Option<Node> + 't;

/// [`parse`] for documents whose root maps keys to lists of items: each item is handed to
/// `take` as soon as it is read, so a reader can type it and drop its nodes instead of holding
/// the whole document while it reads.
pub fn parse_items(
    file: &SourceFile,
    limits: Limits,
    take: &mut TakeItem<'_>,
) -> Result<Node, Diagnostic> {
    parse_as(
        file,
        crate::jsonc::is_json(&file.text),
        limits,
        take,
        &mut false,
    )
}

/// [`parse_items`], also telling whether the document defines an anchor: an item of such a
/// document may stand for text written elsewhere, so it cannot be told from its own text.
pub fn parse_items_noting_anchors(
    file: &SourceFile,
    limits: Limits,
    take: &mut TakeItem<'_>,
) -> Result<(Node, bool), Diagnostic> {
    let mut anchored = false;
    let root = parse_as(
        file,
        crate::jsonc::is_json(&file.text),
        limits,
        take,
        &mut anchored,
    )?;
    Ok((root, anchored))
}

/// The YAML written at `lines` of `file` (whole lines: the range starts at a line's start),
/// parsed alone, its spans the file's; `None` when it does not parse alone. Where the
/// document's structure is known around those lines (a run of one list's items), they read
/// as they do in the file.
pub fn parse_lines(
    file: &SourceFile,
    lines: std::ops::Range<usize>,
    limits: Limits,
) -> Option<Node> {
    let text = file.text.get(lines.clone())?;
    if lines.start > 0 && !file.text[..lines.start].ends_with('\n') {
        return None;
    }
    let alone = SourceFile::new(file.name.clone(), text.to_string());
    let mut node = parse_as(&alone, false, limits, &mut |_, _, n| Some(n), &mut false).ok()?;
    move_by(&mut node, lines.start as isize);
    Some(node)
}

/// The nodes written at `spans` of `file` (items of its top-level lists, as [`parse_items`]
/// hands them over), each parsed alone from its own text: a few items of a large file are read
/// without reading the file. Each is the node the whole file's parse gives, spans included.
/// `None` when that cannot be told from an item's text alone, and the caller parses the file:
/// a JSON document with comments or a `/` (blanking comments needs the whole text), text other
/// than ASCII before an item on its line (columns count characters), an alias to an anchor
/// outside the item, or text there that is not one node ending where its span ends.
pub fn parse_spans(file: &SourceFile, spans: &[Span], limits: Limits) -> Option<Vec<Node>> {
    let json = crate::jsonc::is_json(&file.text);
    if json && file.text.contains('/') {
        return None;
    }
    spans
        .iter()
        .map(|&span| {
            let end = span.offset.checked_add(span.len)?;
            let before = file.text.get(..span.offset)?;
            let own = file.text.get(span.offset..end)?;
            // From the start of the item's line, what precedes the item (`  - `) in spaces:
            // every column is the file's, so indentation reads as it does there.
            let line = before.rfind(['\n', '\r']).map_or(0, |i| i + 1);
            let lead = &before[line..];
            if !lead.is_ascii() {
                return None;
            }
            let alone = SourceFile::new(file.name.clone(), " ".repeat(lead.len()) + own);
            let mut node =
                parse_as(&alone, json, limits, &mut |_, _, n| Some(n), &mut false).ok()?;
            move_by(&mut node, line as isize);
            (node.span == span).then_some(node)
        })
        .collect()
}

/// Moves a parsed node and all it holds `by` bytes later in the file (earlier when negative).
pub fn move_by(n: &mut Node, by: isize) {
    n.span.offset = n.span.offset.saturating_add_signed(by);
    match &mut n.value {
        Value::Scalar { .. } => {}
        Value::Seq(items) => items.iter_mut().for_each(|i| move_by(i, by)),
        Value::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
            move_by(k, by);
            move_by(v, by);
        }),
    }
}

/// [`parse_items`], the file read as JSON (`json`: values strict, comments blanked) or not.
fn parse_as(
    file: &SourceFile,
    json: bool,
    limits: Limits,
    take: &mut TakeItem<'_>,
    anchored: &mut bool,
) -> Result<Node, Diagnostic> {
    check_size(file, limits)?;
    // Comments of a JSON document are blanked for the parser; positions are the file's.
    let text = if json {
        crate::jsonc::parse_text(&file.text)
    } else {
        std::borrow::Cow::Borrowed(file.text.as_str())
    };
    let mut parser = Parser::new_from_str(&text);
    let mut positions = Positions {
        file,
        cursor: (0, 0),
    };
    let mut b = Builder {
        file,
        json,
        limits,
        stack: Vec::new(),
        anchors: HashMap::default(),
        root: None,
        nodes: 0,
        documents: 0,
    };
    while let Some(ev) = parser.next_event() {
        let (event, sp) = ev.map_err(|e| scan_error(file, &e))?;
        let span = positions.span_of(sp);
        let finished = b.finish(event, span)?;
        if b.nodes > limits.max_nodes {
            return Err(b.err(
                "too-large",
                format!("the document holds more than {} values", limits.max_nodes),
                span,
            ));
        }
        let Some((node, anchor)) = finished else {
            continue;
        };
        if anchor != 0 {
            *anchored = true;
            let size = count(&node);
            b.anchors.insert(anchor, (node.clone(), size));
        }
        let node = match b.stack.as_slice() {
            [Frame::Map { key: Some(k), .. }, Frame::Seq { items, .. }] => {
                let span = node.span;
                take(k.text().unwrap_or_default(), items.len(), node).unwrap_or(Node {
                    value: Value::Scalar {
                        text: String::new(),
                        plain: true,
                    },
                    span,
                })
            }
            _ => node,
        };
        b.place(node)?;
    }
    Ok(b.root.unwrap_or(Node {
        value: Value::Scalar {
            text: String::new(),
            plain: true,
        },
        span: Span::default(),
    }))
}

/// The parser's error as a located diagnostic.
fn scan_error(file: &SourceFile, e: &saphyr_parser::ScanError) -> Diagnostic {
    let m = e.marker();
    let at = file.location(Span {
        offset: file.offset_of(m.line(), m.col()),
        len: 0,
    });
    if e.info().contains("recursion limit") {
        return Diagnostic::error(
            "too-deep",
            format!("nesting deeper than the parser's limit: {}", e.info()),
            at,
        );
    }
    Diagnostic::error("syntax", format!("invalid YAML/JSON: {}", e.info()), at).with_hint(Some(
        "check indentation, quotes and brackets near this position".into(),
    ))
}

/// The parser's positions (markers count characters) as byte offsets in the file.
struct Positions<'f> {
    file: &'f SourceFile,
    /// The last marker converted: its character index and byte offset. Walking forward from
    /// it keeps the conversion linear even for a megabyte of JSON on one line.
    cursor: (usize, usize),
}

impl Positions<'_> {
    fn byte_of(&mut self, m: saphyr_parser::Marker) -> usize {
        let (chars, bytes) = self.cursor;
        // Back from the last one: by the character index, exact where the parser's lines are
        // not the file's (it breaks lines at a lone `\r` too).
        if m.index() < chars {
            return self.file.offset_of_char(m.index());
        }
        let mut n = chars;
        for (i, _) in self.file.text[bytes..].char_indices() {
            if n == m.index() {
                self.cursor = (n, bytes + i);
                return bytes + i;
            }
            n += 1;
        }
        self.cursor = (n, self.file.text.len());
        self.file.text.len()
    }

    fn span_of(&mut self, s: saphyr_parser::Span) -> Span {
        let start = self.byte_of(s.start);
        let end = self.byte_of(s.end).max(start);
        Span {
            offset: start,
            len: end - start,
        }
    }
}

/// A tree being built from the parser's events: the collections still open, the anchors, and
/// the counts the limits bound.
struct Builder<'f> {
    file: &'f SourceFile,
    json: bool,
    limits: Limits,
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Node, usize)>,
    root: Option<Node>,
    nodes: usize,
    documents: usize,
}

impl Builder<'_> {
    fn err(&self, code: &str, msg: String, span: Span) -> Diagnostic {
        Diagnostic::error(code, msg, self.file.location(span))
    }

    /// The node an event completes, with its anchor (0 for none); none for an event that
    /// opens a collection or frames the document.
    fn finish(&mut self, event: Event, span: Span) -> Result<Option<(Node, usize)>, Diagnostic> {
        Ok(match event {
            Event::StreamStart | Event::StreamEnd | Event::Nothing | Event::DocumentEnd => None,
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(self
                        .err(
                            "syntax",
                            "the file holds several YAML documents; moat reads one".into(),
                            span,
                        )
                        .with_hint(Some("remove the `---` separator, or split the file".into())));
                }
                None
            }
            Event::Scalar(text, style, anchor, _tag) => {
                self.nodes += 1;
                let plain = style == ScalarStyle::Plain;
                // In JSON, an unquoted value is a literal or a number (keys are left to the
                // readers: some JSON readers accept them unquoted).
                let is_key = matches!(self.stack.last(), Some(Frame::Map { key: None, .. }));
                if self.json
                    && plain
                    && !is_key
                    && let Some(why) = crate::jsonc::invalid_value(&text)
                {
                    return Err(self.err("syntax", why, span).with_hint(Some(
                        "check the quotes, commas and brackets near this position".into(),
                    )));
                }
                Some((
                    Node {
                        value: Value::Scalar {
                            text: text.into_owned(),
                            plain,
                        },
                        span,
                    },
                    anchor,
                ))
            }
            Event::Alias(id) => {
                let Some((n, size)) = self.anchors.get(&id) else {
                    return Err(self.err("syntax", "alias to an unknown anchor".into(), span));
                };
                self.nodes += size;
                if self.nodes > self.limits.max_nodes {
                    return Err(self.err(
                        "too-large",
                        format!(
                            "the document expands to more than {} values (aliases included)",
                            self.limits.max_nodes
                        ),
                        span,
                    ));
                }
                let mut n = n.clone();
                n.span = span;
                Some((n, 0))
            }
            Event::SequenceStart(anchor, _) => {
                self.open(span)?;
                self.stack.push(Frame::Seq {
                    items: Vec::new(),
                    start: span,
                    anchor,
                });
                None
            }
            Event::MappingStart(anchor, _) => {
                self.open(span)?;
                self.stack.push(Frame::Map {
                    entries: Vec::new(),
                    key: None,
                    seen: HashMap::default(),
                    start: span,
                    anchor,
                });
                None
            }
            Event::SequenceEnd => match self.stack.pop() {
                Some(Frame::Seq {
                    items,
                    start,
                    anchor,
                }) => {
                    self.nodes += 1;
                    Some((
                        Node {
                            value: Value::Seq(items),
                            span: start.to(span),
                        },
                        anchor,
                    ))
                }
                _ => return Err(self.err("syntax", "unbalanced sequence".into(), span)),
            },
            Event::MappingEnd => match self.stack.pop() {
                Some(Frame::Map {
                    entries,
                    start,
                    anchor,
                    ..
                }) => {
                    self.nodes += 1;
                    Some((
                        Node {
                            value: Value::Map(entries),
                            span: start.to(span),
                        },
                        anchor,
                    ))
                }
                _ => return Err(self.err("syntax", "unbalanced mapping".into(), span)),
            },
        })
    }

    /// Whether one more collection may open: nesting is bounded.
    fn open(&self, span: Span) -> Result<(), Diagnostic> {
        if self.stack.len() >= self.limits.max_depth {
            return Err(self.err(
                "too-deep",
                format!("nesting deeper than {} levels", self.limits.max_depth),
                span,
            ));
        }
        Ok(())
    }

    /// Puts a completed node in the collection that holds it (a mapping's key waits for its
    /// value), or makes it the document.
    fn place(&mut self, node: Node) -> Result<(), Diagnostic> {
        let file = self.file;
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries, key, seen, ..
            }) => match key.take() {
                None => {
                    if !matches!(node.value, Value::Scalar { .. }) {
                        return Err(Diagnostic::error(
                            "syntax",
                            "mapping keys must be scalars",
                            file.location(node.span),
                        ));
                    }
                    let text = node.text().unwrap_or_default();
                    // Small mappings (nearly all) are scanned; a key index is built only for
                    // large ones, so most mappings copy none of their keys.
                    let earlier = if entries.len() < SCAN_KEYS {
                        entries.iter().position(|(k, _)| k.text() == Some(text))
                    } else {
                        if seen.is_empty() {
                            for (i, (k, _)) in entries.iter().enumerate() {
                                seen.insert(k.text().unwrap_or_default().to_string(), i);
                            }
                        }
                        seen.get(text).copied()
                    };
                    if let Some(i) = earlier {
                        let (l, c) = file.line_col(entries[i].0.span.offset);
                        return Err(Diagnostic::error(
                            "duplicate-key",
                            format!(
                                "key `{}` appears twice in this mapping",
                                node.text().unwrap_or_default()
                            ),
                            file.location(node.span),
                        )
                        .with_hint(Some(format!("first at line {l}, column {c}"))));
                    }
                    if !seen.is_empty() {
                        seen.insert(text.to_string(), entries.len());
                    }
                    *key = Some(node);
                }
                Some(k) => entries.push((k, node)),
            },
        }
        Ok(())
    }
}

/// A file larger than the limit is refused before it is read.
pub(crate) fn check_size(file: &SourceFile, limits: Limits) -> Result<(), Diagnostic> {
    if file.text.len() > limits.max_bytes {
        return Err(Diagnostic::error(
            "too-large",
            format!(
                "the file is {} bytes; the limit is {} bytes",
                file.text.len(),
                limits.max_bytes
            ),
            file.location(Span::default()),
        ));
    }
    Ok(())
}

fn count(n: &Node) -> usize {
    match &n.value {
        Value::Scalar { .. } => 1,
        Value::Seq(items) => 1 + items.iter().map(count).sum::<usize>(),
        Value::Map(entries) => {
            1 + entries
                .iter()
                .map(|(k, v)| count(k) + count(v))
                .sum::<usize>()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<Node, Diagnostic> {
        parse(&SourceFile::new("t.yaml", s.to_string()), Limits::default())
    }

    #[test]
    fn yaml_and_json_parse_with_positions() {
        let n = p("a:\n  b: [1, 'x']\n").unwrap();
        let b = n.get("a").unwrap().get("b").unwrap();
        assert_eq!(b.items()[0].scalar(), Some(Scalar::Int(1)));
        assert_eq!(b.items()[1].scalar(), Some(Scalar::Str("x")));
        let j = p("{\"a\": {\"b\": [true, null, 1.5]}}").unwrap();
        assert_eq!(
            j.to_json(),
            serde_json::json!({"a": {"b": [true, null, 1.5]}})
        );
    }

    #[test]
    fn syntax_errors_are_located() {
        let e = p("a: [1, 2\nb: 3\n").unwrap_err();
        assert_eq!(e.code, "syntax");
        assert!(e.location.line >= 1);
    }

    #[test]
    fn nesting_and_expansion_are_bounded() {
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        assert_eq!(p(&deep).unwrap_err().code, "too-deep");
        let mut laughs = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9 {
            laughs += &format!(
                "{}: &{} [*{}, *{}, *{}, *{}, *{}, *{}, *{}, *{}, *{}, *{}]\n",
                (b'a' + i) as char,
                (b'a' + i) as char,
                (b'a' + i - 1) as char,
                (b'a' + i - 1) as char,
                (b'a' + i - 1) as char,
                (b'a' + i - 1) as char,
                (b'a' + i - 1) as char,
                (b'a' + i - 1) as char,
                (b'a' + i - 1) as char,
                (b'a' + i - 1) as char,
                (b'a' + i - 1) as char,
                (b'a' + i - 1) as char
            );
        }
        let small = Limits {
            max_nodes: 100_000,
            ..Limits::default()
        };
        let e = parse(&SourceFile::new("t.yaml", laughs), small).unwrap_err();
        assert_eq!(e.code, "too-large");
    }

    #[test]
    fn items_of_top_level_lists_are_handed_over_as_read() {
        let text = "a: [1, [2]]\nb: {c: [3]}\nd:\n  - x: 4\n";
        let file = SourceFile::new("t.yaml", text.to_string());
        let mut seen = Vec::new();
        let root = parse_items(&file, Limits::default(), &mut |key, i, item| {
            seen.push((key.to_string(), i, item.to_json()));
            (key == "d").then_some(item)
        })
        .unwrap();
        assert_eq!(
            seen,
            vec![
                ("a".to_string(), 0, serde_json::json!(1)),
                ("a".to_string(), 1, serde_json::json!([2])),
                ("d".to_string(), 0, serde_json::json!({"x": 4})),
            ]
        );
        // Items not kept leave a null in their place; the rest of the tree is whole.
        assert_eq!(
            root.to_json(),
            serde_json::json!({"a": [null, null], "b": {"c": [3]}, "d": [{"x": 4}]})
        );
        assert_eq!(root.get("a").unwrap().items()[1].span.offset, 7);
    }

    /// Every item of `text`'s top-level lists, as the whole file's parse gives it, and as
    /// [`parse_spans`] parses it alone (`None` where it cannot).
    fn items_alone(text: &str) -> (Vec<Node>, Option<Vec<Node>>) {
        let file = SourceFile::new("t", text.to_string());
        let mut whole = Vec::new();
        let skeleton = parse_items(&file, Limits::default(), &mut |_, _, item| {
            whole.push(item);
            None
        })
        .unwrap();
        let spans: Vec<Span> = skeleton
            .entries()
            .iter()
            .flat_map(|(_, v)| v.items().iter().map(|i| i.span))
            .collect();
        assert_eq!(spans, whole.iter().map(|n| n.span).collect::<Vec<_>>());
        (whole.clone(), parse_spans(&file, &spans, Limits::default()))
    }

    #[test]
    fn items_parsed_alone_are_the_whole_files_items() {
        let documents = [
            // Block items, nested lists and maps, the last item at the end of the file.
            "name: x\nnsgs:\n  - name: a\n    rules:\n      - {name: r, port: 443}\n      - name: s\n        to: [1, 2]\n  - name: b\n    tags:\n      k: v\nvnets:\n- name: v\n  subnets:\n  - name: s1\n",
            // Comments, blank lines, windows line breaks, a multi-line plain scalar.
            "a:\r\n  # first\r\n  - name: one   # trailing\r\n    note: two\r\n      lines\r\n\r\n  - name: two\r\nb: 1\r\n",
            // Block scalars with each chomping, quoted scalars across lines.
            "a:\n  - text: |\n      kept\n\n  - text: |+\n      all\n\n\n  - text: >-\n      folded\n      here\n    q: \"x\n      y\"\nb:\n  - c\n",
            // Items written in flow style, several on one line, and scalars.
            "a: [{name: x, v: [1, 2]}, {name: 'y'}, plain, 3]\nb: [\n  {n: 1},\n  {n: 2}\n]\n",
            // JSON without comments, one line and indented; an anchor used inside its item.
            "{\"a\": [{\"name\": \"x\", \"p\": [1, 2]}, {\"name\": \"y\"}],\n \"b\": [\n  {\"n\": true}\n ]}",
            "a:\n  - &k {x: 1}\n  - name: m\n    d: &d {y: 2}\n    e: *d\n",
        ];
        for text in documents {
            let (whole, alone) = items_alone(text);
            assert!(!whole.is_empty(), "{text:?}");
            assert_eq!(alone.as_ref(), Some(&whole), "{text:?}");
        }
    }

    #[test]
    fn items_that_need_more_than_their_text_are_not_parsed_alone() {
        // An alias to an anchor outside the item; a JSON document with comments; text other
        // than ASCII before an item on its line.
        for text in [
            "x: &a {y: 1}\nl:\n  - *a\n",
            "x: &a {y: 1}\nl:\n  - {z: *a}\n",
            "{\"l\": [{\"n\": 1}] // note\n}",
            "l: [{n: é}, {n: 2}]\n",
        ] {
            let (_, alone) = items_alone(text);
            assert_eq!(alone, None, "{text:?}");
        }
    }

    /// YAML breaks lines at a lone `\r` too, where the file's own line table does not: a
    /// flow item holding some ends at its `}`, not lines later.
    #[test]
    fn spans_hold_across_lone_carriage_returns() {
        let text = "l:\n  - { name: c, max_nodes: 8,\n      subnet: s, enable_node_pu\r\r\r\r\u{1d}Z#e }\n  - { d: e,\n      f: g }\n";
        let root = p(text).unwrap();
        let items = root.get("l").unwrap().items();
        let at = |n: &Node| &text[n.span.offset..n.span.offset + n.span.len];
        assert_eq!(
            at(&items[0]),
            "{ name: c, max_nodes: 8,\n      subnet: s, enable_node_pu\r\r\r\r\u{1d}Z#e }"
        );
        assert_eq!(at(&items[1]), "{ d: e,\n      f: g }");
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let e = p("a: 1\na: 2\n").unwrap_err();
        assert_eq!(e.code, "duplicate-key");
        assert_eq!(e.location.line, 2);
        // Large mappings find duplicates through an index: before it is built and after.
        let keys: String = (0..20).map(|i| format!("k{i}: {i}\n")).collect();
        for dup in ["k3", "k18", "k19"] {
            let e = p(&format!("{keys}x: 0\n{dup}: 1\n")).unwrap_err();
            assert_eq!(e.code, "duplicate-key", "{dup}");
            assert_eq!(e.location.line, 22, "{dup}");
        }
        assert!(p(&format!("{keys}x: 0\ny: 1\n")).is_ok());
    }
}
