//! Reading a changed copy of a native file read before (`moat diff`'s HEAD, after BASE).
//!
//! A change usually touches a few lines of a large file. The text before the first difference
//! and after the last one is the same in both copies, and so are the items written wholly
//! there: they are taken from the earlier read, moved to where the copy writes them, and only
//! the lines between are parsed. Every item is typed again against the copy, so positions,
//! pointers and errors are the copy's own; what is skipped is the parsing, most of a read.
//!
//! The lines between are parsed alone only where that is sure to read as the whole file
//! would: both copies have no anchors, they differ inside one list's run of items, the items
//! there start where the list's items start on their lines, and the lines parse alone as that
//! run. Anything else (a changed top-level key, a flow-style list, JSON) reads the whole
//! copy, as a first read does.

use super::{Partial, legacy_flags, legacy_public_access, read_inner, read_item};
use moat_doc::tree::{self, Node, Value};
use moat_doc::{Limits, SourceFile};
use moat_model::Topology;

/// What reading a file leaves for reading a changed copy of it: its text, and every item of
/// its top-level lists (their nodes, already typed once) in the order the file writes them.
pub struct Earlier {
    text: String,
    /// In file order: the list's key and the item.
    items: Vec<(&'static str, Node)>,
    /// The document without its lists' items (see [`Partial::skeleton`]).
    skeleton: Node,
}

impl std::fmt::Debug for Earlier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Earlier")
            .field("bytes", &self.text.len())
            .field("items", &self.items.len())
            .finish()
    }
}

/// [`super::read_streaming`], keeping what a read of a changed copy can take
/// ([`read_like`]); `None` beside the read where nothing can be taken: the file has anchors or
/// errors, or is JSON.
#[allow(clippy::result_large_err)]
pub fn read_keeping(
    file: &SourceFile,
    limits: Limits,
) -> Result<(Partial, Option<Earlier>), moat_model::Diagnostic> {
    let mut items = Vec::new();
    let (partial, anchored) = super::read_streaming_keeping(file, limits, Some(&mut items))?;
    let json = moat_doc::jsonc::is_json(&file.text);
    let earlier = match &partial.skeleton {
        Some(skeleton) if !anchored && !json && partial.errors.is_empty() => Some(Earlier {
            text: file.text.clone(),
            items,
            skeleton: skeleton.clone(),
        }),
        _ => None,
    };
    Ok((partial, earlier))
}

/// Reads `file`, a changed copy of the file `earlier` was read from, taking the items written
/// the same in both; `None` when the change is not one [`read_like`] can bound (see the
/// module's documentation): the caller reads the whole file.
pub fn read_like(file: &SourceFile, limits: Limits, earlier: Earlier) -> Option<Partial> {
    let plan = Plan::of(&earlier.text, &file.text, &earlier)?;
    let middle = middle_items(file, limits, &earlier, &plan)?;
    let skeleton = skeleton(&earlier, &file.text, &plan, &middle)?;
    // The copy's items in its order: those before the change as they were, those it writes
    // anew, those after it moved by the change's length.
    let mut before = earlier.items;
    let after = before.split_off(plan.after);
    before.truncate(plan.first);
    let items = before
        .into_iter()
        .chain(middle.into_iter().map(|n| (plan.key, n)))
        .chain(after.into_iter().map(|(key, mut n)| {
            tree::move_by(&mut n, plan.delta);
            (key, n)
        }));
    let mut t = Topology::default();
    let mut errors = Vec::new();
    let mut failed = Vec::new();
    let mut legacy = Vec::new();
    let mut index: std::collections::HashMap<&str, usize> = Default::default();
    for (key, item) in items {
        let i = index.entry(key).or_default();
        if key == "workspaces" {
            legacy.extend(legacy_flags(&item).map(|(n, e)| (n.to_string(), e)));
        }
        read_item(&mut t, key, *i, &item, file, &mut errors, &mut failed);
        *i += 1;
    }
    errors.extend(read_inner(&skeleton, file, &mut failed, &mut t, true));
    legacy_public_access(legacy.iter().map(|(n, e)| (n.as_str(), *e)), &mut t);
    Some(Partial {
        topology: t,
        errors,
        failed,
        skeleton: Some(skeleton),
    })
}

/// Where two copies differ, in terms of the earlier one's items.
#[derive(Debug)]
struct Plan {
    /// The first item not taken as it was (those before end before the change).
    first: usize,
    /// The first item taken after the change (it and those after start after it).
    after: usize,
    /// The list the changed lines belong to.
    key: &'static str,
    /// The changed lines: from `start` (a line's start, the same in both copies) to `end` in
    /// the earlier copy, `end + delta` in the new one.
    start: usize,
    end: usize,
    delta: isize,
}

impl Plan {
    fn of(old: &str, new: &str, earlier: &Earlier) -> Option<Plan> {
        let (a, b) = (old.as_bytes(), new.as_bytes());
        let prefix = common_prefix(a, b);
        let room = a.len().min(b.len()) - prefix;
        let suffix = common_suffix(&a[a.len() - room..], &b[b.len() - room..]);
        // From here on, the earlier copy's text is the same in the new one; a line is written
        // the same when the line break before it is too.
        let same_after = a.len() - suffix;
        let same_line = |start: usize| start > same_after;
        let items = &earlier.items;
        let keys = top_keys(&earlier.skeleton);
        // What follows an item: the next item of its list, else the next top-level key, else
        // the end of the file. An item ended before the change when that starts before it too.
        let next_start = |k: usize| -> usize {
            let end = items[k].1.span.offset + items[k].1.span.len;
            match items.get(k + 1) {
                Some((key, n)) if *key == items[k].0 => n.span.offset,
                _ => keys.iter().copied().find(|&o| o >= end).unwrap_or(a.len()),
            }
        };
        let first = (0..items.len())
            .find(|&k| {
                let n = &items[k].1;
                !(n.span.offset + n.span.len <= prefix && next_start(k) < prefix)
            })
            .unwrap_or(items.len());
        if first == items.len() {
            return None;
        }
        let start = line_start(old, items[first].1.span.offset);
        if start > prefix {
            return None;
        }
        let after = (first..items.len())
            .find(|&k| same_line(line_start(old, items[k].1.span.offset)))
            .unwrap_or(items.len());
        if after == first {
            return None;
        }
        let key = items[first].0;
        if items[first..after].iter().any(|(k, _)| *k != key) {
            return None;
        }
        // The changed lines end where the first item taken after them starts its line, or at
        // a top-level key before it, which must be written the same in both copies.
        let item_line = items
            .get(after)
            .map_or(a.len(), |(_, n)| line_start(old, n.span.offset));
        let end = match keys.iter().copied().find(|&o| o >= start && o < item_line) {
            Some(k) if same_line(line_start(old, k)) => line_start(old, k),
            Some(_) => return None,
            None => item_line,
        };
        let delta = b.len() as isize - a.len() as isize;
        if (end as isize + delta) < start as isize {
            return None;
        }
        Some(Plan {
            first,
            after,
            key,
            start,
            end,
            delta,
        })
    }
}

/// How many bytes two texts start with alike: compared a block at a time, then byte by byte
/// in the first block that differs (a file of megabytes differs in a few lines).
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    const BLOCK: usize = 256;
    let n = a.len().min(b.len());
    let mut i = 0;
    while i + BLOCK <= n && a[i..i + BLOCK] == b[i..i + BLOCK] {
        i += BLOCK;
    }
    i + a[i..n]
        .iter()
        .zip(&b[i..n])
        .take_while(|(x, y)| x == y)
        .count()
}

/// How many bytes two texts end with alike, as [`common_prefix`] counts from the start.
fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    const BLOCK: usize = 256;
    let n = a.len().min(b.len());
    let (a, b) = (&a[a.len() - n..], &b[b.len() - n..]);
    let mut j = n;
    while j >= BLOCK && a[j - BLOCK..j] == b[j - BLOCK..j] {
        j -= BLOCK;
    }
    n - j
        + a[..j]
            .iter()
            .rev()
            .zip(b[..j].iter().rev())
            .take_while(|(x, y)| x == y)
            .count()
}

/// The offsets of the document's top-level keys.
fn top_keys(skeleton: &Node) -> Vec<usize> {
    match &skeleton.value {
        Value::Map(entries) => entries.iter().map(|(k, _)| k.span.offset).collect(),
        _ => Vec::new(),
    }
}

/// Where the line holding `offset` starts.
fn line_start(text: &str, offset: usize) -> usize {
    text[..offset].rfind('\n').map_or(0, |i| i + 1)
}

/// The new copy's items between the unchanged parts, parsed alone; `None` when those lines
/// are not a run of the list's items as the earlier copy writes them.
fn middle_items(
    file: &SourceFile,
    limits: Limits,
    earlier: &Earlier,
    plan: &Plan,
) -> Option<Vec<Node>> {
    let end = plan.end.checked_add_signed(plan.delta)?;
    if file.text[plan.start..end].trim().is_empty() {
        return Some(Vec::new());
    }
    // A block ends where the next token starts: past the next line's indentation.
    let next_token = file.text[end..]
        .find(|c: char| c != ' ')
        .map_or(file.text.len(), |i| end + i);
    let root = tree::parse_lines(file, plan.start..next_token, limits)?;
    let Value::Seq(items) = root.value else {
        return None;
    };
    // Each item starts its line after the same lead (`  - `) as the list's items there: it is
    // an item of that list, as the file's parse reads it.
    let first = &earlier.items[plan.first].1;
    let lead = &earlier.text[line_start(&earlier.text, first.span.offset)..first.span.offset];
    let same_lead = |n: &Node| {
        let at = n.span.offset;
        file.text.get(line_start(&file.text, at)..at) == Some(lead)
    };
    items.iter().all(same_lead).then_some(items)
}

/// The new copy's skeleton: the earlier one, its entries after the change moved, and the
/// changed list's placeholders those of its items in the new copy.
fn skeleton(earlier: &Earlier, new: &str, plan: &Plan, middle: &[Node]) -> Option<Node> {
    let mut root = earlier.skeleton.clone();
    root.span.len = root.span.len.checked_add_signed(plan.delta)?;
    let Value::Map(entries) = &mut root.value else {
        return None;
    };
    let placeholder = |offset: usize, len: usize| Node {
        value: Value::Scalar {
            text: String::new(),
            plain: true,
        },
        span: moat_doc::Span { offset, len },
    };
    let of_key = |range: std::ops::Range<usize>| {
        earlier.items[range]
            .iter()
            .filter(|(k, _)| *k == plan.key)
            .map(|(_, n)| n.span)
            .collect::<Vec<_>>()
    };
    let mut changed = 0;
    for (k, v) in entries.iter_mut() {
        if k.span.offset >= plan.end {
            tree::move_by(k, plan.delta);
            tree::move_by(v, plan.delta);
        } else if k.text() == Some(plan.key) && k.span.offset < plan.start {
            changed += 1;
            // The list ends where the next key starts, after the change; it starts at its
            // first item's `-`, where the changed lines may have moved it.
            let end = (v.span.offset + v.span.len).checked_add_signed(plan.delta)?;
            let first_of_key = earlier.items.iter().position(|(k, _)| *k == plan.key)?;
            if first_of_key == plan.first {
                let old_line = line_start(&earlier.text, earlier.items[plan.first].1.span.offset);
                let dash = v.span.offset.checked_sub(old_line)?;
                // The new first item has the old one's lead (see [`middle_items`]).
                let new_line = line_start(new, middle.first()?.span.offset);
                v.span.offset = new_line + dash;
            }
            v.span.len = end.checked_sub(v.span.offset)?;
            let before = of_key(0..plan.first);
            let after = of_key(plan.after..earlier.items.len());
            let spans = before
                .into_iter()
                .map(|s| (s.offset, s.len))
                .chain(middle.iter().map(|n| (n.span.offset, n.span.len)))
                .chain(
                    after
                        .into_iter()
                        .map(|s| (s.offset.saturating_add_signed(plan.delta), s.len)),
                );
            v.value = Value::Seq(spans.map(|(o, l)| placeholder(o, l)).collect());
        }
    }
    (changed == 1).then_some(root)
}

#[cfg(test)]
mod tests;
