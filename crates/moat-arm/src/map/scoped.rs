//! Child resources whose names Azure scopes to their parent: a compute is
//! `<workspace>/<name>`, so two workspaces may each have a compute of one name. The same
//! compute declared twice in one workspace is kept once, like any resource.

use super::{MapContext, warning};
use indexmap::IndexMap;
use moat_model::{Provenance, Topology};

/// Keeps the first declaration of each compute of a workspace.
pub(super) fn dedupe_computes(t: &mut Topology, ctx: &mut MapContext) {
    let mut seen: IndexMap<(String, String), Provenance> = IndexMap::new();
    let mut kept = Vec::new();
    for c in std::mem::take(&mut t.computes) {
        let key = (
            c.workspace.to_ascii_lowercase(),
            c.name.to_ascii_lowercase(),
        );
        if let Some(first) = seen.get(&key) {
            ctx.warnings.push(warning(
                "duplicate-resource",
                format!(
                    "compute `{}` of workspace `{}` is declared more than once; the first declaration is imported",
                    c.name, c.workspace
                ),
                &c.at,
                Some(format!("first declared at {first}")),
            ));
            continue;
        }
        seen.insert(key, c.at.clone());
        kept.push(c);
    }
    t.computes = kept;
}
