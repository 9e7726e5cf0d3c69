//! Names Azure scopes to a parent. A compute's name is unique only within its workspace
//! (`.../workspaces/<ws>/computes/<name>`), so two workspaces may each have a compute
//! `example`. The model names computes by a key that is unique in the deployment: the compute's
//! own name when no other workspace has a compute of that name, `<workspace>/<name>` when one
//! does. Addresses follow the key (`compute/example`, `compute/ws-one/example`), and
//! `compute/<workspace>/<name>` also finds a compute keyed by its own name.

use crate::address::{Address, AddressError, Kind};
use crate::topology::Topology;
use foldhash::{HashMap, HashSet};

/// Keys computes whose name another workspace's compute shares as `<workspace>/<name>`, and
/// moves what the importers recorded about them (unknown values) to the new key. Run by every
/// importer before validation; a name repeated in one workspace stays a duplicate.
pub fn qualify_computes(t: &mut Topology) {
    let mut workspaces: HashMap<String, HashSet<String>> = HashMap::default();
    for c in &t.computes {
        workspaces
            .entry(c.local_name().to_ascii_lowercase())
            .or_default()
            .insert(c.workspace.to_ascii_lowercase());
    }
    let shared: HashSet<String> = workspaces
        .into_iter()
        .filter(|(_, w)| w.len() > 1)
        .map(|(n, _)| n)
        .collect();
    if shared.is_empty() {
        return;
    }
    // Which compute an unknown recorded under a shared name belongs to: the one declared in
    // the same file closest before the unknown's location (a value sits inside its resource).
    // An unknown no compute encloses stays with every compute of that name: unknown for each,
    // never silently dropped.
    let mut moved: Vec<(usize, Vec<String>)> = Vec::new();
    for (ui, u) in t.unknowns.iter().enumerate() {
        let Some(n) = u.resource.strip_prefix("compute/") else {
            continue;
        };
        if !shared.contains(&n.to_ascii_lowercase()) {
            continue;
        }
        let same: Vec<&crate::ml::Compute> = t
            .computes
            .iter()
            .filter(|c| c.name.eq_ignore_ascii_case(n))
            .collect();
        let enclosing = same
            .iter()
            .filter(|c| {
                c.at.file == u.at.file && c.at.offset <= u.at.offset && !u.at.file.is_empty()
            })
            .max_by_key(|c| c.at.offset);
        let keys = match enclosing {
            Some(c) => vec![format!("{}/{}", c.workspace, c.name)],
            None => same
                .iter()
                .map(|c| format!("{}/{}", c.workspace, c.name))
                .collect(),
        };
        moved.push((ui, keys));
    }
    let mut extra = Vec::new();
    for (ui, keys) in moved {
        for (k, key) in keys.into_iter().enumerate() {
            if k == 0 {
                t.unknowns[ui].resource = format!("compute/{key}");
            } else {
                let mut u = t.unknowns[ui].clone();
                u.resource = format!("compute/{key}");
                extra.push(u);
            }
        }
    }
    t.unknowns.extend(extra);
    for c in &mut t.computes {
        if shared.contains(&c.local_name().to_ascii_lowercase()) {
            c.name = format!("{}/{}", c.workspace, c.local_name());
        }
    }
}

/// How a compute reference resolves among the computes of a topology.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ComputeRef {
    /// The key of the one compute it names.
    Found(String),
    /// Several workspaces have a compute of that name: their keys.
    Ambiguous(Vec<String>),
    /// No compute has it.
    Missing,
}

/// Resolves `name` (a key, a compute's own name, or `<workspace>/<name>`) to a compute's key.
pub fn resolve_compute(t: &Topology, name: &str) -> ComputeRef {
    if t.computes.iter().any(|c| c.name == name) {
        return ComputeRef::Found(name.to_string());
    }
    if let Some((ws, own)) = name.split_once('/') {
        return match t.computes.iter().find(|c| {
            c.workspace.eq_ignore_ascii_case(ws) && c.local_name().eq_ignore_ascii_case(own)
        }) {
            Some(c) => ComputeRef::Found(c.name.clone()),
            None => ComputeRef::Missing,
        };
    }
    let keys: Vec<String> = t
        .computes
        .iter()
        .filter(|c| c.local_name() == name)
        .map(|c| c.name.clone())
        .collect();
    match keys.len() {
        0 => ComputeRef::Missing,
        1 => ComputeRef::Found(keys.into_iter().next().unwrap_or_default()),
        _ => ComputeRef::Ambiguous(keys),
    }
}

/// The message for a compute name several workspaces share, listing the addresses to choose
/// from.
pub fn ambiguous_compute(name: &str, keys: &[String]) -> AddressError {
    let list: Vec<String> = keys.iter().map(|k| format!("compute/{k}")).collect();
    AddressError {
        message: format!(
            "compute `{name}` is ambiguous: {} workspaces have a compute of that name",
            keys.len()
        ),
        hint: Some(format!("name one of {}", list.join(", "))),
    }
}

/// An address with its compute name resolved to the compute's key: `compute/<workspace>/<name>`
/// for a compute keyed by its own name becomes `compute/<name>`, and a name several
/// workspaces share is an error listing the candidates. Other addresses are returned as given.
pub fn canonical(t: &Topology, a: &Address) -> Result<Address, AddressError> {
    let Address::Resource {
        kind: Kind::Compute,
        name,
        sub,
    } = a
    else {
        return Ok(a.clone());
    };
    match resolve_compute(t, name) {
        ComputeRef::Found(key) => Ok(Address::Resource {
            kind: Kind::Compute,
            name: key,
            sub: sub.clone(),
        }),
        ComputeRef::Ambiguous(keys) => Err(ambiguous_compute(name, &keys)),
        ComputeRef::Missing => Ok(a.clone()),
    }
}
