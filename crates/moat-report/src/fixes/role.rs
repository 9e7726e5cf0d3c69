//! Fixes that assign a role: an entry of the native `role_assignments`, appended in the file
//! that declares the role's scope. Only for a native topology, where that list is the
//! deployment's: a side file of a template or configuration only tells moat what Azure holds,
//! and a template, a configuration or `az` names the principal by an object id the model does
//! not have.

use super::native::scalar;
use super::{Input, Snippet, Target, edit};

/// The assignment as a native entry, and its edit of the scope's file.
pub(super) fn native(input: &Input, t: &Target, principal: &str, role: &str) -> Option<Snippet> {
    if input.format != "native" || super::language(input.format, &t.at.file) != super::Lang::Native
    {
        return None;
    }
    let scope = match t.kind {
        super::Kind::Registry => format!("registry/{}", t.name),
        _ => return None,
    };
    let item = format!(
        "{{ principal: {}, role: {}, scope: {} }}",
        scalar(principal),
        scalar(role),
        scalar(&scope)
    );
    let edits = t
        .src
        .zip(t.tree)
        .and_then(|(src, root)| edit::tree_append(src, root, "", &["role_assignments"], &item));
    Some(Snippet {
        input: "native",
        language: "yaml",
        text: format!("role_assignments:\n  - {item}\n"),
        edits: edits.unwrap_or_default(),
    })
}
