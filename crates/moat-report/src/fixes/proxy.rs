//! Host names added to a client's proxy bypass list. Clients are declared in the native
//! format only (a side file beside a template or an export), so that is the one language.

use super::{Edit, Input, Snippet, Trees, edit};

/// The client's entry with its whole bypass list (a side file replaces the list), and the
/// hosts appended to the list where the client is written.
pub(super) fn render(
    input: &Input,
    trees: &mut Trees,
    client: &str,
    hosts: &[String],
) -> Vec<Snippet> {
    let Some(c) = input.topology.clients.iter().find(|c| c.name == client) else {
        return Vec::new();
    };
    let lower = c.at.file.to_ascii_lowercase();
    if !(lower.ends_with(".yaml") || lower.ends_with(".yml")) {
        return Vec::new();
    }
    let quoted = |h: &str| format!("\"{}\"", h.replace('\\', "\\\\").replace('"', "\\\""));
    let have = c
        .proxy
        .as_ref()
        .map(|p| p.bypass.clone())
        .unwrap_or_default();
    let all: Vec<String> = have.iter().chain(hosts).map(|h| quoted(h)).collect();
    let text = format!(
        "clients:\n  - name: {client}\n    proxy:\n      bypass: [{}]\n",
        all.join(", ")
    );
    let edits = (|| {
        let src = input.sources.iter().find(|s| s.name == c.at.file)?;
        trees.load(src);
        let root = trees.get(src)?;
        let path = ["proxy", "bypass"];
        // An empty or missing list is written once, with every host.
        if have.is_empty() {
            let items: Vec<String> = hosts.iter().map(|h| quoted(h)).collect();
            return edit::tree_append(src, root, &c.at.pointer, &path, &items.join(", "));
        }
        let mut edits: Vec<Edit> = Vec::new();
        for h in hosts {
            edits.extend(edit::tree_append(
                src,
                root,
                &c.at.pointer,
                &path,
                &quoted(h),
            )?);
        }
        together(edits)
    })();
    vec![Snippet {
        input: "native",
        language: "yaml",
        text,
        edits: edits.unwrap_or_default(),
    }]
}

/// Appends made at one place, one after the other, as one insertion (edits of one snippet
/// never overlap). `None` when they are not all insertions at one offset.
fn together(edits: Vec<Edit>) -> Option<Vec<Edit>> {
    let mut it = edits.into_iter();
    let Some(mut first) = it.next() else {
        return Some(Vec::new());
    };
    for e in it {
        if e.offset != first.offset || e.len != 0 || first.len != 0 {
            return None;
        }
        first.text += &e.text;
    }
    Some(vec![first])
}
