//! The outline of a document: its first levels only, read no further than needed.
//!
//! Telling what kind of input a file is (a native topology, an ARM template, a Terraform plan,
//! a Resource Graph export) takes its top-level keys, a few of their scalar values, and the
//! first item of a list. [`outline`] streams the parser's events and keeps just that: containers
//! deeper than `depth` are kept empty, lists below the root keep their first item, and the read
//! stops as soon as the caller's `decided` says the outline is enough. A 15 MiB estate whose first
//! key is `virtual_networks:` is recognised after a few bytes, and its one full parse is the
//! loader's.

use crate::source::{SourceFile, Span};
use crate::tree::{Limits, Node, Value};
use moat_model::Diagnostic;
use saphyr_parser::{Event, Parser, ScalarStyle};

/// Whether a frame keeps what comes next: a kept container, and for a list, only until it
/// holds its first item.
fn open(f: &Frame) -> bool {
    match &f.value {
        None => false,
        Some(Value::Seq(items)) => items.is_empty(),
        Some(_) => true,
    }
}

struct Frame {
    /// `None` for a container below the kept depth (its content is skipped).
    value: Option<Value>,
    key: Option<Node>,
    /// Nesting level: 0 for the root.
    level: usize,
}

/// Reads the outline of `file`: containers nested `depth` levels below the root are kept
/// empty, and lists other than the root keep only their first item (the root list keeps its
/// first item too). After each completed entry of the root, `decided` sees the outline so far;
/// when it answers `true`, reading stops. Aliases are read as null.
pub fn outline(
    file: &SourceFile,
    limits: Limits,
    depth: usize,
    decided: &mut dyn FnMut(&Node) -> bool,
) -> Result<Node, Diagnostic> {
    crate::tree::check_size(file, limits)?;
    let text = crate::jsonc::parse_text(&file.text);
    let mut parser = Parser::new_from_str(&text);
    let mut stack: Vec<Frame> = Vec::new();
    let scalar = |text: String, plain: bool| Node {
        value: Value::Scalar { text, plain },
        span: Span::default(),
    };
    while let Some(ev) = parser.next_event() {
        let (event, _) = ev.map_err(|e| {
            let m = e.marker();
            Diagnostic::error(
                "syntax",
                format!("invalid YAML/JSON: {}", e.info()),
                file.location(Span {
                    offset: file.offset_of(m.line(), m.col()),
                    len: 0,
                }),
            )
        })?;
        let finished = match event {
            Event::Scalar(text, style, ..) => {
                // Deep scalars are not kept: only their parent's shape matters.
                if stack.last().is_some_and(|f| !open(f)) {
                    continue;
                }
                Some(scalar(text.into_owned(), style == ScalarStyle::Plain))
            }
            Event::Alias(_) => Some(scalar(String::new(), true)),
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                if stack.len() >= limits.max_depth {
                    return Err(Diagnostic::error(
                        "too-deep",
                        format!("nesting deeper than {} levels", limits.max_depth),
                        file.location(Span::default()),
                    ));
                }
                let kept = stack.len() < depth && stack.last().is_none_or(open);
                let value = kept.then(|| match event {
                    Event::SequenceStart(..) => Value::Seq(Vec::new()),
                    _ => Value::Map(Vec::new()),
                });
                stack.push(Frame {
                    value,
                    key: None,
                    level: stack.len(),
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(f) = stack.pop() else { continue };
                let empty = match event {
                    Event::SequenceEnd => Value::Seq(Vec::new()),
                    _ => Value::Map(Vec::new()),
                };
                if stack.is_empty() {
                    return Ok(Node {
                        value: f.value.unwrap_or(empty),
                        span: Span::default(),
                    });
                }
                if stack.last().is_some_and(|p| !open(p)) {
                    continue;
                }
                Some(Node {
                    value: f.value.unwrap_or(empty),
                    span: Span::default(),
                })
            }
            _ => None,
        };
        let Some(node) = finished else { continue };
        let Some(top) = stack.last_mut() else {
            return Ok(node);
        };
        let level = top.level;
        let entry_done = match &mut top.value {
            Some(Value::Seq(items)) => {
                items.push(node);
                true
            }
            Some(Value::Map(entries)) => match top.key.take() {
                None => {
                    top.key = Some(node);
                    false
                }
                Some(k) => {
                    entries.push((k, node));
                    true
                }
            },
            _ => false,
        };
        if !entry_done || level > 1 {
            continue;
        }
        // The outline so far: the root's entries, and when a list under a root key has its
        // first item, that key with it (an export's `data` is decided by its first resource).
        let view = match (&stack[0].value, &stack[0].key, stack.get(1)) {
            (Some(Value::Map(entries)), Some(k), Some(inner)) if level == 1 => {
                let Some(Value::Seq(items)) = &inner.value else {
                    continue;
                };
                let mut entries = entries.clone();
                entries.push((
                    k.clone(),
                    Node {
                        value: Value::Seq(items.clone()),
                        span: Span::default(),
                    },
                ));
                Value::Map(entries)
            }
            (Some(v), _, _) if level == 0 => v.clone(),
            _ => continue,
        };
        let view = Node {
            value: view,
            span: Span::default(),
        };
        if decided(&view) {
            return Ok(view);
        }
    }
    Ok(scalar(String::new(), true))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn o(text: &str, depth: usize, stop_at: Option<&str>) -> Node {
        let f = SourceFile::new("t", text.to_string());
        outline(&f, Limits::default(), depth, &mut |n: &Node| {
            stop_at.is_some_and(|k| n.get(k).is_some())
        })
        .unwrap()
    }

    #[test]
    fn keeps_the_first_levels_and_first_items() {
        let n = o(
            r#"{"count": 2, "data": [{"id": "/a", "type": "t", "properties": {"x": [1, 2]}}, {"id": "/b"}], "skip_token": null}"#,
            3,
            None,
        );
        assert_eq!(n.get("count").and_then(Node::text), Some("2"));
        let data = n.get("data").unwrap().items();
        assert_eq!(data.len(), 1);
        assert_eq!(data[0].get("type").and_then(Node::text), Some("t"));
        assert_eq!(data[0].get("properties").unwrap().entries().len(), 0);
        assert!(n.get("skip_token").is_some());
        let seq = o("[{\"type\": \"t\"}, {\"type\": \"u\"}]", 2, None);
        assert_eq!(seq.items().len(), 1);
    }

    #[test]
    fn stops_when_decided_and_ignores_what_follows() {
        // The text after the deciding key is not valid: it is never read.
        let n = o(
            "workspaces: []\nvirtual_networks: [\n",
            2,
            Some("workspaces"),
        );
        assert!(n.get("workspaces").is_some());
        assert!(n.get("virtual_networks").is_none());
    }

    #[test]
    fn syntax_errors_before_the_decision_are_reported() {
        let f = SourceFile::new("t", "a: [1, 2\nb: 3\n".to_string());
        let e = outline(&f, Limits::default(), 2, &mut |_: &Node| false).unwrap_err();
        assert_eq!(e.code, "syntax");
    }
}
