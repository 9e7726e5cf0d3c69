//! Side files that name a resource whose name the template leaves unknown.
//!
//! A template whose workspace is named by a parameter without value imports the workspace
//! under a placeholder (`unresolved-workspace`). A side file written for the deployment names
//! it as the user knows it (`workspaces: [{ name: ws, ... }]`). When the side file names a
//! resource the import lacks, and exactly one resource of that kind has an unknown name, the
//! entry is that resource: it takes the side file's name — everywhere it is referred to — and
//! its name is no longer unknown. With several candidates nothing is guessed.

use moat_model::Topology;
use serde_json::Value;
use std::collections::HashSet;

/// Renames, in `t`, the resource of unknown name that each entry of `side` (a native document
/// as JSON) can only be, to the entry's name.
pub fn name_from_side_file(t: &mut Topology, side: &Value) {
    let Some(doc) = side.as_object() else {
        return;
    };
    let unknown_names = unknown_names(t);
    if unknown_names.is_empty() {
        return;
    }
    let Ok(Value::Object(model)) = serde_json::to_value(&*t) else {
        return;
    };
    let mut renames: Vec<(String, String)> = Vec::new();
    for (key, entries) in doc {
        let (Some(entries), Some(Value::Array(imported))) = (entries.as_array(), model.get(key))
        else {
            continue;
        };
        let names: HashSet<&str> = imported
            .iter()
            .filter_map(|e| e.get("name").and_then(Value::as_str))
            .collect();
        let open: Vec<&str> = names
            .iter()
            .copied()
            .filter(|n| unknown_names.contains(*n))
            .collect();
        let wanted: Vec<&str> = entries
            .iter()
            .filter_map(|e| e.get("name").and_then(Value::as_str))
            .filter(|n| !names.contains(n))
            .collect();
        if let ([old], [new]) = (open.as_slice(), wanted.as_slice()) {
            renames.push((old.to_string(), new.to_string()));
        }
    }
    apply(t, Value::Object(model), &renames);
}

/// The names of the resources whose name the input leaves unknown (their placeholders).
fn unknown_names(t: &Topology) -> HashSet<String> {
    t.unknowns
        .iter()
        .filter(|u| u.field == "name")
        .filter_map(|u| u.resource.rsplit_once('/').map(|(_, n)| n.to_string()))
        .collect()
}

/// The list of the model holding the kind of resource validation calls `what`.
fn list_of(what: &str) -> Option<&'static str> {
    Some(match what {
        "workspace" => "workspaces",
        "registry" => "registries",
        "storage account" => "storage_accounts",
        "key vault" => "key_vaults",
        "container registry" => "container_registries",
        "compute" => "computes",
        "virtual machine" => "virtual_machines",
        "aks cluster" => "aks_clusters",
        "online endpoint" => "online_endpoints",
        "firewall" => "firewalls",
        "private endpoint" => "private_endpoints",
        "virtual network gateway" => "virtual_network_gateways",
        _ => return None,
    })
}

/// Renames the resource of unknown name that the references a side file makes by name
/// (`uses_registries: [contosoreg]`, `scope: registry/contosoreg`) can only mean: when every
/// dangling reference to a kind names the same resource and exactly one resource of that kind
/// has an unknown name.
pub fn name_from_references(t: &mut Topology) {
    let mut wanted: std::collections::BTreeMap<&'static str, HashSet<String>> = Default::default();
    for p in moat_model::validate(t) {
        if p.code != "dangling-reference" {
            continue;
        }
        // "{what} `{name}` is not declared"
        let Some((what, rest)) = p.message.split_once(" `") else {
            continue;
        };
        let Some((name, tail)) = rest.split_once('`') else {
            continue;
        };
        if tail != " is not declared" {
            continue;
        }
        if let Some(list) = list_of(what) {
            wanted.entry(list).or_default().insert(name.to_string());
        }
    }
    if wanted.is_empty() {
        return;
    }
    let unknown_names = unknown_names(t);
    let Ok(Value::Object(model)) = serde_json::to_value(&*t) else {
        return;
    };
    let mut renames = Vec::new();
    for (list, names) in wanted {
        let [new] = names.iter().collect::<Vec<_>>()[..] else {
            continue;
        };
        let open: Vec<&str> = model
            .get(list)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|e| e.get("name").and_then(Value::as_str))
            .filter(|n| unknown_names.contains(*n))
            .collect();
        if let [old] = open[..] {
            renames.push((old.to_string(), new.clone()));
        }
    }
    apply(t, Value::Object(model), &renames);
}

fn apply(t: &mut Topology, mut v: Value, renames: &[(String, String)]) {
    if renames.is_empty() {
        return;
    }
    for (old, new) in renames {
        rename(&mut v, old, new);
    }
    if let Ok(mut renamed) = serde_json::from_value::<Topology>(v) {
        renamed.unknowns.retain(|u| {
            !(u.field == "name"
                && renames
                    .iter()
                    .any(|(_, new)| u.resource.ends_with(&format!("/{new}"))))
        });
        *t = renamed;
    }
}

/// Replaces the name `old` by `new` in every string of `v` that is it or refers to it
/// (`old`, `old/child`, `kind/old`, `kind/old:sub`).
fn rename(v: &mut Value, old: &str, new: &str) {
    match v {
        Value::String(s) => {
            if let Some(r) = renamed(s, old, new) {
                *s = r;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|x| rename(x, old, new)),
        Value::Object(m) => m.values_mut().for_each(|x| rename(x, old, new)),
        _ => {}
    }
}

fn renamed(s: &str, old: &str, new: &str) -> Option<String> {
    if s == old {
        return Some(new.to_string());
    }
    if let Some(rest) = s.strip_prefix(old).filter(|r| r.starts_with('/')) {
        return Some(format!("{new}{rest}"));
    }
    // `kind/old`, `kind/old:sub` and `kind/old/child`.
    let (kind, rest) = s.split_once('/')?;
    let tail = rest.strip_prefix(old)?;
    if tail.is_empty() || tail.starts_with(':') || tail.starts_with('/') {
        return Some(format!("{kind}/{new}{tail}"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::renamed;

    #[test]
    fn references_in_every_spelling_follow_the_name() {
        let r = |s| renamed(s, "unresolved-ws", "ws");
        assert_eq!(r("unresolved-ws").as_deref(), Some("ws"));
        assert_eq!(r("unresolved-ws/pe").as_deref(), Some("ws/pe"));
        assert_eq!(
            r("workspace/unresolved-ws").as_deref(),
            Some("workspace/ws")
        );
        assert_eq!(
            r("workspace/unresolved-ws:notebooks").as_deref(),
            Some("workspace/ws:notebooks")
        );
        assert_eq!(r("unresolved-ws2"), None);
        assert_eq!(r("workspace/unresolved-ws2"), None);
        assert_eq!(r("other"), None);
    }
}
