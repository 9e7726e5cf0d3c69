//! # moat-live
//!
//! Reads what is deployed: an Azure estate as users export it with standard tools — an Azure
//! Resource Graph result (`az graph query ... -o json`, several pages merged), `az resource list`
//! and `az resource show` output, and exported resource arrays such as PSRule for Azure's (see
//! [`export`] for every shape). An `az group export` template is an ARM template and goes
//! through the ARM importer.
//!
//! An exported resource is already in Azure's resource shape, so it goes through the one ARM
//! resource mapper ([`moat_arm::map_resource`]) as a template's evaluated resources do: ids
//! are complete, so resources link by id, and child resources exported on their own rows
//! (subnets, DNS zone links and record sets, zone groups, rule collection groups, computes,
//! online deployments, NSG rules) merge into their parents. A reference to a resource the
//! export does not hold is the mapper's to judge, as for a template that refers to a resource
//! declared elsewhere. Every resource keeps its file, line, column and JSON pointer
//! (`/data/12`).
//!
//! The same resource in several files (overlapping pages, or `az resource list` beside a
//! Resource Graph result) is read once: the copy that holds its properties wins.

// Errors carry whole located diagnostics; they are the cold path.
#![allow(clippy::result_large_err)]

pub mod export;

pub use export::{NO_PROPERTIES, looks_live, name_of_id};

use moat_arm::map::canonical_id;
use moat_arm::{ArmResource, MapContext, finish, map_resource};
use moat_doc::{Limits, LoadError, Loaded, Node, SourceFile, locate, read_source, tree};
use moat_model::{Diagnostic, Level, Location, Topology};
use std::collections::HashMap;
use std::path::PathBuf;

/// Reads live export files into the model; `name` names the deployment.
pub fn load(files: &[PathBuf], name: &str, limits: Limits) -> Result<Loaded, LoadError> {
    let mut sources = Vec::new();
    let mut trees = Vec::new();
    let mut diagnostics = Vec::new();
    for f in files {
        let src = read_source(f, limits)?;
        match tree::parse(&src, limits) {
            Ok(root) => trees.push(root),
            Err(d) => {
                diagnostics.push(d);
                trees.push(Node {
                    value: tree::Value::Seq(Vec::new()),
                    span: Default::default(),
                });
            }
        }
        sources.push(src);
    }
    if !diagnostics.is_empty() {
        return Err(LoadError {
            diagnostics,
            sources,
        });
    }
    load_parsed(name, sources, trees)
}

/// Reads one export given as text; `name` labels locations.
pub fn load_str(name: &str, text: &str, limits: Limits) -> Result<Loaded, LoadError> {
    let src = SourceFile::new(name, text.to_string());
    match tree::parse(&src, limits) {
        Ok(root) => load_parsed(name, vec![src], vec![root]),
        Err(d) => Err(LoadError {
            diagnostics: vec![d],
            sources: vec![src],
        }),
    }
}

/// [`load`] over documents already parsed (`trees[i]` is the tree of `sources[i]`).
pub fn load_parsed(
    name: &str,
    sources: Vec<SourceFile>,
    trees: Vec<Node>,
) -> Result<Loaded, LoadError> {
    let mut diagnostics = Vec::new();
    let mut warnings = Vec::new();
    let mut resources: Vec<ArmResource> = Vec::new();
    let mut by_id: HashMap<String, usize> = HashMap::new();
    let mut t = Topology {
        name: Some(name.to_string()),
        ..Default::default()
    };
    // Resource Graph pages: the most records a query matched, where, and the rows read.
    let mut total: Option<(u64, Location)> = None;
    let mut graph_rows: std::collections::HashSet<String> = Default::default();
    for (src, root) in sources.iter().zip(&trees) {
        let read = match export::read(root, src) {
            Ok(r) => r,
            Err(mut e) => {
                diagnostics.append(&mut e);
                continue;
            }
        };
        t.unmodelled.extend(read.skipped);
        if let Some((n, span)) = read.total_records {
            if total.as_ref().is_none_or(|(m, _)| n > *m) {
                total = Some((n, src.location(span)));
            }
            graph_rows.extend(read.resources.iter().map(|r| canonical_id(&r.id)));
        }
        for r in read.resources {
            if r.id.is_empty() {
                resources.push(r);
                continue;
            }
            match by_id.get(&canonical_id(&r.id)) {
                None => {
                    by_id.insert(canonical_id(&r.id), resources.len());
                    resources.push(r);
                }
                Some(&i) => {
                    let first = &resources[i];
                    if export::properties_unknown(first) && !export::properties_unknown(&r) {
                        resources[i] = r;
                    } else if !export::properties_unknown(&r) {
                        warnings.push(duplicate(first, &r));
                    }
                }
            }
        }
    }
    if !diagnostics.is_empty() {
        return Err(LoadError {
            diagnostics,
            sources,
        });
    }
    if let Some((n, location)) = total
        && (graph_rows.len() as u64) < n
    {
        warnings.push(incomplete(graph_rows.len(), n, location));
    }
    // An export holds a subscription's resource groups: network resources of one name in
    // several of them are several, named `<name>@<resource group>`.
    let names = moat_arm::group_names::GroupNames::new(
        resources.iter().filter_map(|r| {
            let kind = moat_arm::map::kind_of(&r.rtype)?;
            Some((kind, r.name.clone(), r.id.clone()))
        }),
        &|_| false,
    );
    if !names.is_empty() {
        for r in &mut resources {
            if let Some(n) = names.rename(&r.id, &r.name) {
                r.name = n;
            }
        }
    }
    let mut ctx = MapContext::new();
    ctx.deployed();
    for r in &resources {
        map_resource(&mut t, r, &mut ctx);
    }
    finish(&mut t, &mut ctx);
    warnings.append(&mut ctx.warnings);
    moat_model::scope::qualify_computes(&mut t);
    // Checked, then completed with what Azure decides; either step's problems are errors.
    let mut problems = moat_model::validate(&t);
    if problems.is_empty() {
        problems = moat_model::finalize::finalize(&mut t);
    }
    if !problems.is_empty() {
        return Err(LoadError {
            diagnostics: problems
                .iter()
                .map(|p| locate(p, &sources, &trees))
                .collect(),
            sources,
        });
    }
    Ok(Loaded {
        topology: t,
        format: "live",
        sources,
        warnings,
    })
}

/// Resource Graph pages that hold fewer resources than the query matched: the resources of
/// the pages not given are not in the model, and what they decide is not known.
fn incomplete(read: usize, total: u64, location: Location) -> Diagnostic {
    Diagnostic {
        level: Level::Warning,
        code: "incomplete-export".into(),
        message: format!(
            "the Resource Graph result holds {read} of the {total} resources the query matched: the others are missing from the estate, and what they decide (a DNS zone, a route table, a firewall) is read as absent"
        ),
        location,
        hint: Some(
            "fetch every page: run the same query with `--skip-token <skip_token>` until `skip_token` is null (with `| order by id asc`), and give moat the directory of pages"
                .into(),
        ),
    }
}

/// A resource exported twice with its properties: the first copy is read.
fn duplicate(first: &ArmResource, again: &ArmResource) -> Diagnostic {
    Diagnostic {
        level: Level::Warning,
        code: "duplicate-resource".into(),
        message: format!(
            "`{}` is exported twice (first at {}:{}:{}); the first copy is read",
            again.id, first.at.file, first.at.line, first.at.column
        ),
        location: Location {
            file: again.at.file.clone(),
            line: again.at.line,
            column: again.at.column,
            offset: again.at.offset,
            len: again.at.len,
        },
        hint: Some(
            "Resource Graph pages overlap when the query has no `order by`; add `| order by id asc`"
                .into(),
        ),
    }
}
