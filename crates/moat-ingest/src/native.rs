//! The native topology format: YAML or JSON, one mapping whose keys are resource kinds
//! (`workspaces`, `virtual_networks`, ...) holding lists of resources that refer to each other by
//! name. `moat schema` prints its JSON Schema.

use moat_doc::de::{DeError, from_node, from_node_all};
use moat_doc::tree::{Node, Scalar, Value};
use moat_doc::{Limits, SourceFile, tree};
use moat_model::suggest::did_you_mean;
use moat_model::{Diagnostic, Topology};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub mod reread;

/// The native format's top-level keys are the model's fields (see
/// [`moat_model::topology_fields!`]), but for the lists an importer infers (`may_exist`): the
/// native format declares what is deployed, it has no `count` or `condition` to leave open.
macro_rules! native_keys {
    (scalars: [$($scalar:ident),*], lists: [$($key:ident),*], inferred: [$($_inferred:ident),*] $(,)?) => {
        /// Top-level keys holding one value.
        pub const SCALAR_KEYS: &[&str] = &[$(stringify!($scalar),)* "$schema"];

        /// Reads the one-value key `key` into `t`; false when `key` holds no such value.
        fn read_scalar(
            t: &mut Topology,
            key: &str,
            v: &Node,
            file: &SourceFile,
            errs: &mut Vec<Diagnostic>,
        ) -> bool {
            match key {
                $(
                    stringify!($scalar) => match from_node(v, file, concat!("/", stringify!($scalar))) {
                        Ok(r) => t.$scalar = r,
                        Err(e) => errs.push(to_diag(e, v, file)),
                    },
                )*
                _ => return false,
            }
            true
        }

        /// Top-level keys holding lists of resources.
        pub const LIST_KEYS: &[&str] = &[$(stringify!($key)),*];

        /// Reads item `i` of the list `key` into `t`; false when `key` holds no resources.
        fn read_item(
            t: &mut Topology,
            key: &str,
            i: usize,
            item: &Node,
            file: &SourceFile,
            errs: &mut Vec<Diagnostic>,
            failed: &mut Vec<String>,
        ) -> bool {
            match key {
                $(
                    stringify!($key) => {
                        match from_node_all(item, file, &format!("/{}/{i}", stringify!($key))) {
                            Ok(v) => t.$key.push(v),
                            Err(es) => {
                                failed.extend(item.get("name").and_then(Node::text).map(str::to_string));
                                errs.extend(es.into_iter().map(|e| to_diag(e, item, file)));
                            }
                        }
                        true
                    }
                )*
                _ => false,
            }
        }

        /// Completes the resource of kind `key` named `name` already in `t` with the fields of
        /// `item`; `None` when `t` holds no such resource.
        fn complete_item(
            t: &mut Topology,
            key: &str,
            name: &str,
            item: &Node,
            file: &SourceFile,
            pointer: &str,
        ) -> Option<Vec<Diagnostic>> {
            match key {
                $(
                    stringify!($key) => {
                        let rg = item.get("resource_group").and_then(Node::text);
                        let found: Vec<usize> = t
                            .$key
                            .iter()
                            .enumerate()
                            .filter(|(_, r)| identifies(*r, name, rg))
                            .map(|(i, _)| i)
                            .collect();
                        match found.as_slice() {
                            [] => None,
                            [pos] => Some(merge_into(&mut t.$key[*pos], item, file, pointer)),
                            _ => Some(vec![Diagnostic::error(
                                "ambiguous",
                                format!("{} resources of this kind are named `{name}`", found.len()),
                                file.location(item.span),
                            )
                            .with_hint(Some("say which with `resource_group:`".into()))]),
                        }
                    }
                )*
                _ => None,
            }
        }
    };
}

moat_model::topology_fields!(native_keys);

/// Turns a deserialisation error into a located diagnostic.
pub fn to_diag(e: DeError, fallback: &Node, file: &SourceFile) -> Diagnostic {
    let span = e.span.unwrap_or(fallback.span);
    Diagnostic::error(e.code, e.message, file.location(span)).with_hint(e.hint)
}

/// Whether a parsed document looks like a native topology (its keys are native keys).
pub fn looks_native(root: &Node) -> bool {
    let entries = root.entries();
    !entries.is_empty()
        && entries
            .iter()
            .any(|(k, _)| k.text().is_some_and(|k| LIST_KEYS.contains(&k)))
}

fn read_list(
    t: &mut Topology,
    key: &str,
    items: &[Node],
    file: &SourceFile,
    errs: &mut Vec<Diagnostic>,
    failed: &mut Vec<String>,
) -> bool {
    if !LIST_KEYS.contains(&key) {
        return false;
    }
    for (i, item) in items.iter().enumerate() {
        read_item(t, key, i, item, file, errs, failed);
    }
    true
}

/// A topology read from one file, with the errors met (resources with errors are left out).
pub struct Partial {
    pub topology: Topology,
    pub errors: Vec<Diagnostic>,
    /// Names of resources that could not be read (references to them are not reported).
    pub failed: Vec<String>,
    /// Read a resource at a time: the tree left without them (see
    /// [`SourceFile::keep_skeleton`]).
    pub skeleton: Option<Node>,
}

/// Reads a native topology from a parsed document, reporting every error of the file.
pub fn read(root: &Node, file: &SourceFile) -> Result<Topology, Vec<Diagnostic>> {
    let p = read_partial(root, file);
    if p.errors.is_empty() {
        Ok(p.topology)
    } else {
        Err(p.errors)
    }
}

/// Reads what can be read of a native topology.
pub fn read_partial(root: &Node, file: &SourceFile) -> Partial {
    let mut failed = Vec::new();
    let mut topology = Topology::default();
    let errors = read_inner(root, file, &mut failed, &mut topology, false);
    let workspaces = root.get("workspaces").map_or(&[][..], Node::items);
    legacy_public_access(workspaces.iter().filter_map(legacy_flags), &mut topology);
    Partial {
        topology,
        errors,
        failed,
        skeleton: None,
    }
}

/// Reads a native topology file while it is parsed: each resource is typed as soon as its text
/// is read and its nodes dropped, so the document's tree never sits in memory beside the model
/// (for a large estate, the tree is several times the text). A syntax error is returned alone,
/// as [`moat_doc::tree::parse`] returns it.
// The error is a syntax error, once per file: a cold path, its size is no concern.
#[allow(clippy::result_large_err)]
pub fn read_streaming(file: &SourceFile, limits: Limits) -> Result<Partial, Diagnostic> {
    read_streaming_keeping(file, limits, None).map(|(p, _)| p)
}

/// [`read_streaming`], handing each item of a resource list to `keep` once it is typed, with
/// its list's key (see [`reread`]); also whether the document defines an anchor.
#[allow(clippy::result_large_err)]
fn read_streaming_keeping(
    file: &SourceFile,
    limits: Limits,
    mut keep: Option<&mut Vec<(&'static str, Node)>>,
) -> Result<(Partial, bool), Diagnostic> {
    let mut t = Topology::default();
    let mut errors = Vec::new();
    let mut failed = Vec::new();
    let mut legacy = Vec::new();
    let (skeleton, anchored) =
        tree::parse_items_noting_anchors(file, limits, &mut |key, i, item| {
            let Some(key) = LIST_KEYS.iter().find(|k| **k == key) else {
                return Some(item);
            };
            if *key == "workspaces" {
                legacy.extend(legacy_flags(&item).map(|(n, e)| (n.to_string(), e)));
            }
            read_item(&mut t, key, i, &item, file, &mut errors, &mut failed);
            if let Some(kept) = keep.as_deref_mut() {
                kept.push((key, item));
            }
            None
        })?;
    // What the skeleton still holds: the scalar keys, unknown keys, values of the wrong type.
    errors.extend(read_inner(&skeleton, file, &mut failed, &mut t, true));
    legacy_public_access(legacy.iter().map(|(n, e)| (n.as_str(), *e)), &mut t);
    let partial = Partial {
        topology: t,
        errors,
        failed,
        skeleton: Some(skeleton),
    };
    Ok((partial, anchored))
}

/// Reads the top-level entries of `root` into `t`; with `lists_read`, the lists of resources
/// were read already, as the document was parsed.
fn read_inner(
    root: &Node,
    file: &SourceFile,
    failed: &mut Vec<String>,
    t: &mut Topology,
    lists_read: bool,
) -> Vec<Diagnostic> {
    let mut errs = Vec::new();
    let entries = match &root.value {
        Value::Map(e) => e,
        _ if root.scalar() == Some(Scalar::Null) => {
            return vec![Diagnostic::error("empty", "the file is empty", file.location(root.span)).with_hint(Some(
                    "a topology is a mapping of resource kinds, e.g. `virtual_networks:`; see `moat schema`".into(),
                ))];
        }
        _ => {
            return vec![Diagnostic::error(
                "invalid-type",
                format!(
                    "a topology is a mapping of resource kinds, but this is {}",
                    root.kind_name()
                ),
                file.location(root.span),
            )];
        }
    };
    for (k, v) in entries {
        let key = k.text().unwrap_or_default();
        match key {
            "$schema" => {}
            _ if read_scalar(t, key, v, file, &mut errs) => {}
            _ => {
                let items: &[Node] = match &v.value {
                    Value::Seq(_) if lists_read && LIST_KEYS.contains(&key) => continue,
                    Value::Seq(items) => items,
                    _ if v.scalar() == Some(Scalar::Null) => &[],
                    _ if LIST_KEYS.contains(&key) => {
                        errs.push(
                            Diagnostic::error(
                                "invalid-type",
                                format!(
                                    "`{key}` holds a list of resources, but this is {}",
                                    v.kind_name()
                                ),
                                file.location(v.span),
                            )
                            .with_hint(Some(format!(
                                "write `{key}:` followed by `- name: ...` items"
                            ))),
                        );
                        continue;
                    }
                    _ => &[],
                };
                if !read_list(t, key, items, file, &mut errs, failed) {
                    let all = LIST_KEYS
                        .iter()
                        .chain(SCALAR_KEYS)
                        .copied()
                        .filter(|k| !k.starts_with('$'));
                    let hint = did_you_mean(key, all).map(|s| format!("did you mean `{s}`?")).or_else(|| {
                        Some("top-level keys are resource kinds such as workspaces, virtual_networks, private_endpoints; see `moat schema`".into())
                    });
                    errs.push(
                        Diagnostic::error(
                            "unknown-field",
                            format!("unknown top-level key `{key}`"),
                            file.location(k.span),
                        )
                        .with_hint(hint),
                    );
                }
            }
        }
    }
    errs
}

/// A workspace entry's name, and whether it writes `public_network_access`.
fn legacy_flags(item: &Node) -> Option<(&str, bool)> {
    let name = item.get("name").and_then(Node::text)?;
    Some((name, item.get("public_network_access").is_some()))
}

/// Folds a workspace's legacy `allow_public_access_when_behind_vnet` into its public network
/// access as Azure does ([`moat_model::ml::public_access_of`]): alone it decides; written with
/// `public_network_access` and disagreeing, which one Azure kept is unknown. `entries` are the
/// workspace entries' [`legacy_flags`].
fn legacy_public_access<'a>(entries: impl Iterator<Item = (&'a str, bool)>, t: &mut Topology) {
    use moat_model::enums::PublicNetworkAccess;
    use moat_model::ml::{PUBLIC_ACCESS_CONFLICT, public_access_of};
    for (name, explicit) in entries {
        for w in t.workspaces.iter_mut().filter(|w| w.name == name) {
            if w.allow_public_access_when_behind_vnet.is_none() {
                continue;
            }
            let set = explicit.then_some(w.public_network_access);
            match public_access_of(set, w.allow_public_access_when_behind_vnet) {
                Some(v) => w.public_network_access = v,
                None => {
                    w.public_network_access = PublicNetworkAccess::Enabled;
                    t.unknowns.push(moat_model::Unknown {
                        resource: format!("workspace/{name}"),
                        field: "public_network_access".into(),
                        reason: PUBLIC_ACCESS_CONFLICT.into(),
                        at: w.at.clone(),
                    });
                }
            }
        }
    }
}

/// Whether a resource is the one named `name` (in resource group `rg`, for the kinds that have
/// one, when given).
fn identifies<T: Serialize>(r: &T, name: &str, rg: Option<&str>) -> bool {
    let Ok(serde_json::Value::Object(m)) = serde_json::to_value(r) else {
        return false;
    };
    m.get("name").and_then(|n| n.as_str()) == Some(name)
        && rg.is_none_or(|rg| m.get("resource_group").and_then(|g| g.as_str()) == Some(rg))
}

/// Merges the fields `item` writes into `target`; the errors are located in `item`.
fn merge_into<T: Serialize + DeserializeOwned>(
    target: &mut T,
    item: &Node,
    file: &SourceFile,
    pointer: &str,
) -> Vec<Diagnostic> {
    // Wrong keys and values are reported where they are written; the fields the entry leaves
    // out come from the resource it completes, so their absence is no error.
    let own: Vec<Diagnostic> = match from_node_all::<T>(item, file, pointer) {
        Ok(_) => Vec::new(),
        Err(es) => es
            .into_iter()
            .filter(|e| e.code != "missing-field")
            .map(|e| to_diag(e, item, file))
            .collect(),
    };
    if !own.is_empty() {
        return own;
    }
    let Ok(mut base) = serde_json::to_value(&*target) else {
        return Vec::new();
    };
    deep_merge(&mut base, item.to_json());
    match serde_json::from_value::<T>(base) {
        Ok(v) => {
            *target = v;
            Vec::new()
        }
        Err(e) => vec![
            Diagnostic::error(
                "invalid-value",
                format!("this entry cannot complete the resource of the same name: {e}"),
                file.location(item.span),
            )
            .with_hint(Some(
                "an entry named like an imported resource adds or replaces that resource's fields"
                    .into(),
            )),
        ],
    }
}

/// Merges `patch` into `base`: mappings key by key, lists of named entries name by name (so a
/// subnet can be completed without restating its VNet), anything else replaced.
pub fn deep_merge(base: &mut serde_json::Value, patch: serde_json::Value) {
    use serde_json::Value as J;
    fn named(items: &[J]) -> bool {
        items
            .iter()
            .all(|i| i.get("name").and_then(J::as_str).is_some())
    }
    match (base, patch) {
        (J::Object(b), J::Object(p)) => {
            for (k, v) in p {
                match b.get_mut(&k) {
                    Some(slot) => deep_merge(slot, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (J::Array(b), J::Array(p)) if !b.is_empty() && named(b) && named(&p) => {
            for v in p {
                let name = v.get("name").and_then(J::as_str).map(str::to_string);
                match b
                    .iter_mut()
                    .find(|x| x.get("name").and_then(J::as_str) == name.as_deref())
                {
                    Some(slot) => deep_merge(slot, v),
                    None => b.push(v),
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

/// Completes resources of `t` with the entries of `root` that name one of them (the same kind
/// and name); returns `root` without those entries, to be read as new resources, and the errors
/// met.
pub fn complete(t: &mut Topology, root: &Node, file: &SourceFile) -> (Node, Vec<Diagnostic>) {
    let mut rest = root.clone();
    let mut errs = Vec::new();
    if let Value::Map(entries) = &mut rest.value {
        for (k, v) in entries.iter_mut() {
            let key = k.text().unwrap_or_default().to_string();
            if !LIST_KEYS.contains(&key.as_str()) {
                continue;
            }
            if let Value::Seq(items) = &mut v.value {
                let mut index = 0;
                items.retain(|item| {
                    let pointer = format!("/{key}/{index}");
                    index += 1;
                    let Some(name) = item.get("name").and_then(Node::text) else {
                        return true;
                    };
                    match complete_item(t, &key, name, item, file, &pointer) {
                        Some(mut es) => {
                            errs.append(&mut es);
                            false
                        }
                        None => true,
                    }
                });
            }
        }
    }
    (rest, errs)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reading while parsing must give what reading the whole tree gives: the same resources in
    /// the same order, the same errors at the same places.
    fn same_both_ways(name: &str, text: &str) {
        let src = SourceFile::new(name, text.to_string());
        let root = tree::parse(&src, Limits::default()).expect("parses");
        let whole = read_partial(&root, &src);
        let streamed = read_streaming(&src, Limits::default()).expect("parses");
        assert_eq!(
            serde_json::to_value(&whole.topology).unwrap(),
            serde_json::to_value(&streamed.topology).unwrap(),
            "{name}"
        );
        let mut a = whole.errors;
        let mut b = streamed.errors;
        a.sort_by_key(|d| d.location.offset);
        b.sort_by_key(|d| d.location.offset);
        assert_eq!(format!("{a:?}"), format!("{b:?}"), "{name}");
        assert_eq!(whole.failed, streamed.failed, "{name}");
    }

    #[test]
    fn streaming_reads_the_examples_as_the_tree_does() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
        let mut n = 0;
        for e in std::fs::read_dir(dir).unwrap() {
            let f = e.unwrap().path().join("topology.yaml");
            if let Ok(text) = std::fs::read_to_string(&f) {
                same_both_ways(&f.display().to_string(), &text);
                n += 1;
            }
        }
        assert!(n > 0);
    }

    #[test]
    fn streaming_reports_the_errors_the_tree_reports() {
        same_both_ways(
            "t.yaml",
            "name: t\nvirtual_networks:\n  - name: a\n    adress_space: [10.0.0.0/16]\n  - name: b\n    address_space: [10.1.0.0/16]\nbogus: [1]\nworkspaces: 3\nregion: [x]\n",
        );
        same_both_ways(
            "t.yaml",
            "workspaces:\n  - name: w\n    allow_public_access_when_behind_vnet: true\n  - name: v\n    public_network_access: Disabled\n    allow_public_access_when_behind_vnet: true\n",
        );
    }
}
