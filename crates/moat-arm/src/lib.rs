//! # moat-arm
//!
//! Imports Azure Resource Manager deployment templates (ARM JSON, as written by hand or
//! compiled from Bicep, `languageVersion` 1 and 2.0) into the [`moat_model::Topology`].
//!
//! [`load`] reads a template and its parameter files, evaluates it, maps every resource it
//! deploys into the model ([`map`]), links references by resolved identity, checks the result
//! with [`moat_model::validate()`] and fills what Azure decides with
//! [`moat_model::finalize::finalize`]. Every resource keeps its file, line, column and JSON
//! pointer (`/resources/3`, `/resources/3/properties/template/resources/1`).
//!
//! ## The evaluator
//!
//! A real tokenizer and parser ([`expr`]) read the expression language; the evaluator covers
//! what real templates use: `parameters`, `variables`, the string, array, object, logical,
//! comparison and numeric functions, `resourceId` and its subscription, tenant and extension
//! variants, `resourceGroup()`, `subscription()`, `tenant()`, `deployment()`, `environment()`
//! (the public cloud, whose `suffixes` name the privatelink zones), `uniqueString` (Azure's
//! algorithm), `guid` (deterministic, but *not* Azure's algorithm, which is not published),
//! `copyIndex`, `lambda` with `map`/`filter`/`reduce`/`sort`/`toObject`/`mapValues`/`groupBy`,
//! `reference()`/`references()` and user-defined functions. Resource, property, variable
//! and output copy loops, conditions, `existing` resources, child resources (nested or named
//! `parent/child`), nested inline deployments (inner and outer evaluation scope, parameters
//! given as values or as expressions, templates given by expressions) and symbolic resources
//! of `languageVersion` 2.0 are followed. `reference()` resolves inside the template: a nested
//! deployment's `outputs`, a resource's declared properties and location.
//!
//! ## Unknowns
//!
//! What the template alone cannot tell is an explicit unknown value, never a crash and never
//! a silent default: a parameter without value or default, `reference()` to a resource the
//! template does not deploy or to a property Azure sets at deployment, `list*()` results,
//! `newGuid()`, `utcNow()`, the resource group's region, an evaluation error. An unknown
//! carries its reason (the expression at its root) and an identity, and a string built from
//! known and unknown parts keeps its known text, so `resourceId()` of an unknown name still
//! identifies the resource and links (see [`value`]). Splitting such a string (`split()`,
//! child names `parent/child`) assumes an unknown part holds no separator: it stands for a
//! name. When a mapped model field is unknown,
//! `topology.unknowns` records it (`resource`, `field`, `reason`) and the field takes the most
//! conservative value:
//!
//! | field | read as |
//! |---|---|
//! | public network access (every resource) | `Enabled` |
//! | firewall default action, bypass | `Allow`, `AzureServices` |
//! | node public IP of a compute, IP forwarding, ACR admin user / data endpoint | on |
//! | HBI flag, managed network isolation mode | off, `Disabled` |
//! | private endpoint connection state | `Pending` |
//! | private endpoint network policies of a subnet | `Disabled` (NSGs do not filter) |
//! | NSG rule prefix / port | `*`; a regional service tag with an unknown region reads as the global tag |
//! | NSG rule priority, direction or access; firewall rule collection (or group) priority or action | kept open (`unknown`): the engine decides them every way |
//! | a firewall collection's rule list, or a list of collections | one rule (collection) whose every value is open |
//! | route | not imported |
//! | subnet prefix | the subnet is not imported |
//! | VNet address space | the union of its subnets' prefixes |
//! | container registry SKU | `Basic` |
//! | region | not set (the resource group's unknown region is recorded once) |
//! | the subnet a private endpoint, NIC, compute or AKS cluster is placed in | an external subnet (see below) |
//! | the workspace of a compute, named by a full id the input does not contain (an export of computes alone) | the compute is kept in that workspace, recorded as unknown |
//! | another reference (storage account, ...) | not set, the list entry left out, or, when the model requires it (a private endpoint's target), the resource is not imported |
//!
//! A resource whose `condition` is unknown is imported and listed as may-exist
//! ([`moat_model::presence`]): analyses consider the deployment with and without it. A resource whose name is unknown gets a placeholder name (`unresolved-<symbolic
//! name or type>`) and its name is recorded as unknown. A copy loop whose count is unknown
//! imports one instance, with an unknown copy index, listed as may-exist too. The subscription and resource group the template
//! is deployed to are placeholders (recorded as one unknown) used for ids and
//! `uniqueString()` results.
//!
//! A template is often partial (a subnet of an existing VNet declared elsewhere): a
//! reference to a resource the template does not deploy is recorded as unknown, reported as
//! a warning in [`moat_doc::Loaded::warnings`], and neutralised so validation and
//! finalisation stay sound. A subnet something is placed in, or a VNet a subnet is added to,
//! becomes an *external* element ([`moat_model::external`]): named from its id
//! (`hub/endpoints`), or after the parameter its id comes from (`<subnetId>/<subnetId>`), its
//! properties unknown, and what the template puts into it kept. Malformed JSON, a file that is not a deployment template, and a
//! bad parameter file are errors with file, line, column and a hint.
//!
//! Work is bounded: copy counts at 800 (Azure's limit), nested deployments at 48 levels,
//! instances at 100 000, string and array sizes, recursion depth, and an evaluation budget.

pub mod engine;
pub mod expr;
pub mod functions;
pub mod group_names;
pub mod hash;
pub mod idmatch;
pub mod map;
pub mod tnode;
pub mod types;
pub mod value;

pub use engine::Target;
pub use map::{ArmResource, MapContext, finish, map_resource};

use engine::{Engine, Inst, RG_LOCATION_REASON};
use moat_doc::tree::{Node, Value};
use moat_doc::{Limits, LoadError, Loaded, SourceFile, Span, locate, read_source, tree};
use moat_model::{Diagnostic, Level, Provenance, Topology, Unknown, Unmodelled};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use tnode::TNode;
use value::Val;

/// Options of the ARM importer.
#[derive(Clone, Debug, Default)]
pub struct ArmOptions {
    /// Parameter files (`azuredeploy.parameters.json`), applied in order; later files win.
    pub parameter_files: Vec<PathBuf>,
    /// Parameter values given inline (`--parameters name=value`), applied after the files; a
    /// value of a non-string parameter is read as JSON.
    pub parameter_values: Vec<(String, String)>,
    /// The subscription, resource group and region deployed to, as far as known.
    pub target: engine::Target,
    pub limits: Limits,
}

/// Stack of the evaluation thread: evaluation recurses through nested deployments.
const EVAL_STACK: usize = 256 << 20;

/// Reads an ARM template (and parameter files) into the model.
pub fn load(template: &Path, opts: &ArmOptions) -> Result<Loaded, LoadError> {
    let src = read_source(template, opts.limits)?;
    let name = template
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("template")
        .to_string();
    load_source(src, name, Vec::new(), opts)
}

/// Reads an ARM template given as text, named `name` in diagnostics (parameter files of
/// `opts` are still read from disk).
pub fn load_str(name: &str, text: &str, opts: &ArmOptions) -> Result<Loaded, LoadError> {
    load_str_with_parameters(name, text, Vec::new(), opts)
}

/// Reads an ARM template given as text with parameter files given as text, applied before
/// those `opts` names (which are read from disk).
pub fn load_str_with_parameters(
    name: &str,
    text: &str,
    parameters: Vec<SourceFile>,
    opts: &ArmOptions,
) -> Result<Loaded, LoadError> {
    let too_large = std::iter::once((name, text.len()))
        .chain(parameters.iter().map(|p| (p.name.as_str(), p.text.len())))
        .find(|(_, len)| *len > opts.limits.max_bytes);
    if let Some((name, len)) = too_large {
        return Err(LoadError::at_path(
            "too-large",
            format!(
                "{name} is {len} bytes; the limit is {} bytes",
                opts.limits.max_bytes
            ),
            Path::new(name),
            None,
        ));
    }
    let src = SourceFile::new(name, text.to_string());
    let stem = Path::new(name)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("template")
        .to_string();
    load_source(src, stem, parameters, opts)
}

fn load_source(
    src: SourceFile,
    name: String,
    given: Vec<SourceFile>,
    opts: &ArmOptions,
) -> Result<Loaded, LoadError> {
    let root = tree::parse(&src, opts.limits).map_err(|d| LoadError {
        diagnostics: vec![d],
        sources: vec![src.clone()],
    })?;
    check_template(&root, &src)?;
    let mut sources = vec![src];
    let mut trees = vec![root];
    let mut values: HashMap<String, Val> = HashMap::new();
    let mut warnings = Vec::new();
    // Parameter files given as text first, then those the options name, each read in turn.
    let read = (opts.parameter_files.iter()).map(|pf| read_source(pf, opts.limits));
    for psrc in given.into_iter().map(Ok).chain(read) {
        let psrc = psrc?;
        let proot = tree::parse(&psrc, opts.limits).map_err(|d| LoadError {
            diagnostics: vec![d],
            sources: vec![psrc.clone()],
        })?;
        let (vals, mut w) = read_parameters(&proot, &psrc, &trees[0])?;
        values.extend(vals);
        warnings.append(&mut w);
        sources.push(psrc);
        trees.push(proot);
    }
    for (k, raw) in &opts.parameter_values {
        values.insert(
            k.to_ascii_lowercase(),
            inline_parameter(&trees[0], &sources[0], k, raw)?,
        );
    }
    let (mut topology, mut w) =
        evaluate_and_map(&trees[0], &sources[0], values, &name, &opts.target)?;
    moat_model::scope::qualify_computes(&mut topology);
    // Values and names Azure rejects at deployment fail the load, with their location.
    let (mut rejected, mut w): (Vec<_>, Vec<_>) = w
        .drain(..)
        .partition(|d| d.level == moat_model::Level::Error);
    warnings.append(&mut w);
    // A name built from the stand-in resource group or subscription is not known.
    let placeholders = topology
        .unknowns
        .iter()
        .any(|u| u.field == "resource_group");
    let stand_in = |n: &str| {
        placeholders && (n.contains(engine::PLACEHOLDER_RESOURCE_GROUP) || n.contains("00000000"))
    };
    rejected.extend(
        moat_model::naming::deployment_names(&topology, stand_in)
            .iter()
            .map(|p| locate(p, &sources, &trees)),
    );
    // Every class of error in one run: the model is checked even when values or names were
    // rejected, leaving out dangling references, which may only echo a rejected value.
    let failed = !rejected.is_empty();
    rejected.extend(
        moat_model::validate(&topology)
            .iter()
            .filter(|p| !failed || p.code != "dangling-reference")
            .map(|p| locate(p, &sources, &trees)),
    );
    if !rejected.is_empty() {
        return Err(LoadError {
            diagnostics: rejected,
            sources,
        });
    }
    let problems = moat_model::finalize::finalize(&mut topology);
    if !problems.is_empty() {
        let diagnostics = problems
            .iter()
            .map(|p| locate(p, &sources, &trees))
            .collect();
        return Err(LoadError {
            diagnostics,
            sources,
        });
    }
    Ok(Loaded {
        topology,
        format: "arm",
        sources,
        warnings,
    })
}

fn err_at(
    src: &SourceFile,
    span: Span,
    code: &str,
    msg: impl Into<String>,
    hint: &str,
) -> LoadError {
    LoadError {
        diagnostics: vec![
            Diagnostic::error(code, msg, src.location(span)).with_hint(Some(hint.into())),
        ],
        sources: vec![src.clone()],
    }
}

/// Checks that a document is a deployment template.
fn check_template(root: &Node, src: &SourceFile) -> Result<(), LoadError> {
    let Value::Map(_) = &root.value else {
        return Err(err_at(
            src,
            root.span,
            "not-a-template",
            format!(
                "a deployment template is a JSON object, but this is {}",
                root.kind_name()
            ),
            "ARM templates have `$schema`, `parameters` and `resources`",
        ));
    };
    let schema = root
        .get("$schema")
        .and_then(Node::text)
        .unwrap_or_default()
        .to_ascii_lowercase();
    if schema.contains("deploymentparameters") {
        return Err(err_at(
            src,
            root.span,
            "not-a-template",
            "this is a parameters file, not a deployment template",
            "give the template, and this file as a parameters file",
        ));
    }
    match root.get("resources").map(|r| &r.value) {
        Some(Value::Seq(_)) | Some(Value::Map(_)) => Ok(()),
        Some(_) => {
            let r = root.get("resources").map(|n| n.span).unwrap_or(root.span);
            Err(err_at(
                src,
                r,
                "not-a-template",
                "`resources` must be a list (or an object of symbolic names)",
                "see the deployment template schema",
            ))
        }
        None => Err(err_at(
            src,
            root.span,
            "not-a-template",
            "this file has no `resources`: it is not a deployment template",
            "ARM templates have `$schema`, `parameters` and `resources`",
        )),
    }
}

/// Reads a parameters file: `{"parameters": {"name": {"value": ...}}}` (or the inner object
/// alone). Key Vault references are unknown values.
/// The value of an inline parameter, typed as the template declares it.
fn inline_parameter(
    template: &Node,
    src: &SourceFile,
    name: &str,
    raw: &str,
) -> Result<Val, LoadError> {
    let declared = template
        .get("parameters")
        .map(Node::entries)
        .unwrap_or_default();
    let Some((_, decl)) = declared
        .iter()
        .find(|(k, _)| k.text().is_some_and(|k| k.eq_ignore_ascii_case(name)))
    else {
        let names: Vec<&str> = declared.iter().filter_map(|(k, _)| k.text()).collect();
        let hint = moat_model::suggest::did_you_mean(name, names.iter().copied())
            .map(|s| format!("did you mean `{s}`?"))
            .unwrap_or_else(|| format!("the template declares: {}", names.join(", ")));
        return Err(err_at(
            src,
            template.get("parameters").map_or(template.span, |p| p.span),
            "bad-parameters",
            format!("--parameters {name}=...: the template declares no parameter `{name}`"),
            &hint,
        ));
    };
    let ty = decl
        .get("type")
        .and_then(Node::text)
        .unwrap_or("string")
        .to_ascii_lowercase();
    if ty == "string" || ty == "securestring" {
        return Ok(Val::str(raw));
    }
    match serde_json::from_str::<serde_json::Value>(raw) {
        Ok(j) => Ok(Val::from_json(&j)),
        Err(e) => Err(err_at(
            src,
            decl.span,
            "bad-parameters",
            format!("--parameters {name}={raw}: not a valid {ty} ({e})"),
            "write the value as JSON, e.g. 3, true, [\"a\"] or {\"k\": 1}",
        )),
    }
}

fn read_parameters(
    root: &Node,
    src: &SourceFile,
    template: &Node,
) -> Result<(HashMap<String, Val>, Vec<Diagnostic>), LoadError> {
    let bad = |span: Span, msg: String, hint: &str| err_at(src, span, "bad-parameters", msg, hint);
    let Value::Map(_) = &root.value else {
        return Err(bad(
            root.span,
            format!(
                "a parameters file is a JSON object, but this is {}",
                root.kind_name()
            ),
            "write {\"parameters\": {\"name\": {\"value\": ...}}}",
        ));
    };
    let schema = root
        .get("$schema")
        .and_then(Node::text)
        .unwrap_or_default()
        .to_ascii_lowercase();
    if schema.contains("deploymenttemplate") || root.get("resources").is_some() {
        return Err(bad(
            root.span,
            "this is a deployment template, not a parameters file".into(),
            "give parameter files with --parameters",
        ));
    }
    let params = match root.get("parameters") {
        Some(p) => p,
        None => root,
    };
    let Value::Map(entries) = &params.value else {
        return Err(bad(
            params.span,
            "`parameters` must be an object".into(),
            "write \"parameters\": {\"name\": {\"value\": ...}}",
        ));
    };
    let declared: Vec<String> = template
        .get("parameters")
        .map(|p| {
            p.entries()
                .iter()
                .filter_map(|(k, _)| k.text().map(str::to_ascii_lowercase))
                .collect()
        })
        .unwrap_or_default();
    let mut out = HashMap::new();
    let mut warnings = Vec::new();
    for (k, v) in entries {
        let name = k.text().unwrap_or_default();
        if name.starts_with('$') && params.span == root.span {
            continue;
        }
        let val = if let Some(x) = v.get("value") {
            Val::from_json(&x.to_json())
        } else if v.get("reference").is_some() {
            Val::unknown_from(format!(
                "parameters('{name}'): a Key Vault reference in the parameters file, resolved only at deployment"
            ))
        } else {
            return Err(bad(
                v.span,
                format!("parameter `{name}` has neither `value` nor `reference`"),
                "write \"name\": {\"value\": ...}",
            ));
        };
        if !declared.contains(&name.to_ascii_lowercase()) {
            warnings.push(Diagnostic {
                level: Level::Warning,
                code: "unknown-parameter".into(),
                message: format!(
                    "parameter `{name}` is not declared by the template; it is ignored"
                ),
                location: src.location(k.span),
                hint: moat_model::suggest::did_you_mean(name, declared.iter().map(String::as_str))
                    .map(|s| format!("did you mean `{s}`?")),
            });
        }
        out.insert(name.to_ascii_lowercase(), val);
    }
    Ok((out, warnings))
}

/// Evaluates the template and maps what it deploys, on a thread with a large stack.
fn evaluate_and_map(
    root: &Node,
    src: &SourceFile,
    values: HashMap<String, Val>,
    name: &str,
    target: &engine::Target,
) -> Result<(Topology, Vec<Diagnostic>), LoadError> {
    let target = target.clone();
    // Values hold `Rc`s; hand them to the thread as JSON-free plain data.
    let plain: Vec<(String, serde_json::Value)> = values
        .iter()
        .map(|(k, v)| (k.clone(), v.to_json(&mut 10_000_000)))
        .collect();
    let unknown_params: HashMap<String, String> = values
        .iter()
        .filter_map(|(k, v)| v.unknown_reason().map(|r| (k.clone(), r.to_string())))
        .collect();
    let work = move || {
        let values: HashMap<String, Val> = plain
            .into_iter()
            .map(|(k, j)| {
                let v = match unknown_params.get(&k) {
                    Some(r) => Val::unknown_from(r.clone()),
                    None => Val::from_json(&j),
                };
                (k, v)
            })
            .collect();
        value::record_marks(true);
        let (mut t, mut warnings) = import(root, src, values, name, &target);
        group_names::label_marks(&mut t, &mut warnings, &value::record_marks(false));
        (t, warnings)
    };
    let result = std::thread::scope(|s| {
        match std::thread::Builder::new()
            .name("moat-arm-eval".into())
            .stack_size(EVAL_STACK)
            .spawn_scoped(s, work)
        {
            Ok(h) => h.join().map_err(|_| ()),
            Err(_) => Err(()),
        }
    });
    result.map_err(|_| LoadError {
        diagnostics: vec![
            Diagnostic::error(
                "internal",
                "the template could not be evaluated (internal error)",
                src.location(root.span),
            )
            .with_hint(Some("please report this template".into())),
        ],
        sources: vec![src.clone()],
    })
}

fn provenance(src: &SourceFile, span: Span, pointer: &str) -> Provenance {
    let (line, column) = src.line_col(span.offset);
    Provenance {
        file: src.name.clone(),
        line,
        column,
        pointer: pointer.to_string(),
        offset: span.offset,
        len: span.len,
    }
}

struct Namer {
    used: HashSet<String>,
    names: HashMap<String, String>,
}

impl Namer {
    fn placeholder(&mut self, inst: &Inst) -> String {
        let base = inst
            .sym
            .clone()
            .map(|s| s.replace("::", "-"))
            .unwrap_or_else(|| {
                inst.rtype
                    .rsplit('/')
                    .next()
                    .unwrap_or("resource")
                    .to_string()
            });
        let mut p = match inst.copy_index {
            Some(i) => format!("unresolved-{base}-{i}"),
            None => format!("unresolved-{base}"),
        };
        let mut n = 2;
        while !self.used.insert(p.to_ascii_lowercase()) {
            p = format!("unresolved-{base}-{n}");
            n += 1;
        }
        p
    }

    /// The name a resource is imported under: its ARM name, with unknown segments replaced
    /// (the parent's by the parent's imported name, when the template deploys it).
    fn name(&mut self, eng: &Engine, inst: &Inst, depth: usize) -> (String, Option<String>) {
        if let Some(n) = self.names.get(&inst.key) {
            return (n.clone(), None);
        }
        let segs = value::split_assuming_atomic(&inst.name, "/");
        if segs.iter().all(|s| s.as_str().is_some()) {
            let n = segs
                .iter()
                .filter_map(Val::as_str)
                .collect::<Vec<_>>()
                .join("/");
            self.names.insert(inst.key.clone(), n.clone());
            return (n, None);
        }
        let last = segs.last().cloned().unwrap_or(Val::Null);
        let (leaf, reason) = match last.as_str() {
            Some(s) => (s.to_string(), None),
            None => (
                self.placeholder(inst),
                Some(
                    last.unknown_reason()
                        .map(|r| r.to_string())
                        .unwrap_or_else(|| "the name is unknown".into()),
                ),
            ),
        };
        let mut full = leaf.clone();
        let mut reason = reason;
        if segs.len() > 1 {
            let parent_known = segs[..segs.len() - 1].iter().all(|s| s.as_str().is_some());
            let parent = if parent_known {
                segs[..segs.len() - 1]
                    .iter()
                    .filter_map(Val::as_str)
                    .collect::<Vec<_>>()
                    .join("/")
            } else {
                // The parent's unknown name is recorded on the parent, when the template
                // deploys it; otherwise here.
                let pid = inst
                    .key
                    .rsplit_once('/')
                    .and_then(|(r, _)| r.rsplit_once('/'))
                    .map(|(r, _)| r.to_string());
                match pid.and_then(|p| eng.instance(&p)) {
                    Some(pi) if depth < 16 && !pi.existing => self.name(eng, &pi, depth + 1).0,
                    _ => {
                        if reason.is_none() {
                            reason = inst.name.unknown_reason().map(|r| r.to_string());
                        }
                        segs[..segs.len() - 1]
                            .iter()
                            .map(|s| {
                                s.as_str()
                                    .map(String::from)
                                    .unwrap_or_else(|| "unresolved".into())
                            })
                            .collect::<Vec<_>>()
                            .join("/")
                    }
                }
            };
            full = format!("{parent}/{leaf}");
        }
        self.names.insert(inst.key.clone(), full.clone());
        (full, reason)
    }
}

/// The model names of the resources a template deploys under one type and name into several
/// resource groups ([`group_names`]): a resource group the template does not name is the
/// deployment's, which is open when the input does not give it.
fn group_names(
    eng: &engine::Engine,
    collected: &[(std::rc::Rc<engine::Inst>, Option<std::rc::Rc<str>>)],
    target: &engine::Target,
) -> group_names::GroupNames {
    let top = collected.iter().filter_map(|(inst, _)| {
        let kind = map::kind_of(&inst.rtype)?;
        let name = inst.name.as_str()?;
        let id = inst.id.render().filter(|_| !inst.deployment)?;
        Some((kind, name.to_string(), id))
    });
    // A group the input leaves open is labelled by the expression it comes from, not by the
    // mark of its unknown value, which says nothing to a reader.
    let mut unknowns: Vec<(String, std::rc::Rc<str>)> = Vec::new();
    let mut deps = HashSet::new();
    for (inst, _) in collected {
        if !deps.insert(inst.dep) {
            continue;
        }
        let holes: Vec<std::rc::Rc<value::Unk>> = match &eng.dep(inst.dep).scope.resource_group {
            value::Val::Unk(u) => vec![u.clone()],
            value::Val::Part(segs) => segs
                .iter()
                .filter_map(|s| match s {
                    value::Seg::Hole(u) => Some(u.clone()),
                    value::Seg::Lit(_) => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        for u in holes {
            let mark = value::Val::Unk(u.clone()).render().unwrap_or_default();
            unknowns.push((mark, value::text_of(&u)));
        }
    }
    let marks = group_names::readable_marks(unknowns.iter().map(|(m, r)| (m.clone(), &**r)));
    let open_group = target.resource_group.is_none();
    group_names::GroupNames::with_marks(
        top,
        &|rg: &str| open_group && rg.eq_ignore_ascii_case(engine::PLACEHOLDER_RESOURCE_GROUP),
        &marks,
    )
}

/// Evaluates a parsed template and maps what it deploys.
fn import(
    root: &Node,
    src: &SourceFile,
    values: HashMap<String, Val>,
    name: &str,
    target: &engine::Target,
) -> (Topology, Vec<Diagnostic>) {
    let tnode = TNode::from_doc(root);
    let eng = Engine::with_target(tnode, values, engine::DEFAULT_FUEL, target);
    let collected = eng.collect();
    let mut t = Topology {
        name: Some(name.to_string()),
        // What `--subscription` says: the subscription the template is deployed into.
        subscription: target.subscription.clone(),
        ..Default::default()
    };
    let mut ctx = MapContext::new();
    ctx.whole_input();
    // Ids built from the deployment's own scope, when the input does not give it, hold
    // placeholders: they stand for an unknown subscription and resource group.
    if target.subscription.is_none() {
        ctx.open_scope(engine::PLACEHOLDER_SUBSCRIPTION);
    }
    if target.resource_group.is_none() {
        ctx.open_scope(engine::PLACEHOLDER_RESOURCE_GROUP);
    }
    let deployment = format!("deployment/{name}");
    let mut namer = Namer {
        used: HashSet::new(),
        names: HashMap::new(),
    };
    let mut rg_location_used = false;
    let mut budget = 20_000_000usize;
    let group_names = group_names(&eng, &collected, target);
    for (inst, cond) in &collected {
        let (rname, name_reason) = namer.name(&eng, inst, 0);
        let id = inst.id.render().unwrap_or_default();
        let rname = group_names.rename(&id, &rname).unwrap_or(rname);
        let at = provenance(src, inst.node.span, &inst.ptr);
        let label = map::resource_label(&inst.rtype, &rname);
        if let Some(other) = group_names.may_share(&id) {
            ctx.warnings.push(Diagnostic {
                level: Level::Warning,
                code: group_names::MAY_SHARE.into(),
                message: group_names::may_share_message(
                    &label,
                    &map::resource_label(&inst.rtype, other),
                ),
                location: src.location(inst.node.span),
                // The label of an unknown group is its mark; say what the mark stands for.
                hint: Some(
                    match eng.dep(inst.dep).scope.resource_group.unknown_reason() {
                        Some(r) => format!("its resource group is unknown ({r}); give the resource groups to decide it"),
                        None => "give the resource groups (parameters, or --resource-group for the deployment's) to decide it".into(),
                    },
                ),
            });
        }
        if let Some(r) = name_reason {
            t.unknowns.push(Unknown {
                resource: label.clone(),
                field: "name".into(),
                reason: format!("{r} (imported as `{rname}`)"),
                at: at.clone(),
            });
        }
        if let Some(r) = cond {
            t.may_exist.push(moat_model::presence::MayExist {
                resource: label.clone(),
                reason: if &**r == engine::OPEN_COPY_REASON {
                    format!("its {r}")
                } else {
                    format!("its condition is unknown: {r}")
                },
                at: at.clone(),
                sets: Vec::new(),
            });
        }
        if inst.deployment {
            let why = eng
                .external_reason(inst)
                .map(|r| r.to_string())
                .unwrap_or_else(|| "the nested template is not available".into());
            t.unknowns.push(Unknown {
                resource: label,
                field: "template".into(),
                reason: why,
                at: at.clone(),
            });
            t.unmodelled.push(Unmodelled {
                resource_type: inst.rtype.clone(),
                name: rname,
                at,
            });
            continue;
        }
        let body = eng.body(inst);
        let location = match body.get("location") {
            Some(Val::Str(s)) => Some(s.to_string()),
            Some(v) if v.is_unknown() => {
                let r = v.unknown_reason().unwrap_or_default();
                if &*r == RG_LOCATION_REASON {
                    rg_location_used = true;
                } else {
                    t.unknowns.push(Unknown {
                        resource: label.clone(),
                        field: "region".into(),
                        reason: r.to_string(),
                        at: at.clone(),
                    });
                }
                None
            }
            _ => None,
        };
        let json = |k: &str, budget: &mut usize| {
            body.get(k)
                .filter(|v| !matches!(v, Val::Null))
                .map(|v| v.to_json(budget))
        };
        let kind = match body.get("kind") {
            Some(Val::Str(s)) => Some(s.to_string()),
            Some(v) if v.is_unknown() => {
                t.unknowns.push(Unknown {
                    resource: label.clone(),
                    field: "kind".into(),
                    reason: v.unknown_reason().unwrap_or_default().to_string(),
                    at: at.clone(),
                });
                None
            }
            _ => None,
        };
        let res = ArmResource {
            rtype: inst.rtype.clone(),
            name: rname,
            id,
            location,
            sku: json("sku", &mut budget),
            kind,
            identity: json("identity", &mut budget),
            properties: json("properties", &mut budget)
                .unwrap_or(serde_json::Value::Object(Default::default())),
            api_version: match body.get("apiVersion") {
                Some(Val::Str(s)) => Some(s.to_string()),
                _ => None,
            },
            at,
        };
        map_resource(&mut t, &res, &mut ctx);
    }
    ctx.deploy_order(eng.order());
    finish(&mut t, &mut ctx);
    for n in eng.notes.borrow().iter() {
        t.unknowns.push(Unknown {
            resource: n.resource.clone(),
            field: n.field.clone(),
            reason: n.reason.clone(),
            at: provenance(src, n.span, &n.pointer),
        });
    }
    let root_at = provenance(src, root.span, "");
    if rg_location_used {
        t.unknowns.push(Unknown {
            resource: deployment.clone(),
            field: "region".into(),
            reason: RG_LOCATION_REASON.into(),
            at: root_at.clone(),
        });
    }
    if eng.scope_used.get() && !target.is_complete() {
        t.unknowns.push(Unknown {
            resource: deployment.clone(),
            field: "resource_group".into(),
            reason: format!(
                "the subscription and resource group the template is deployed to are not in it; ids and uniqueString() results use placeholders (subscription {}, resource group `{}`); give them with --subscription and --resource-group",
                target
                    .subscription
                    .as_deref()
                    .unwrap_or(engine::PLACEHOLDER_SUBSCRIPTION),
                target
                    .resource_group
                    .as_deref()
                    .unwrap_or(engine::PLACEHOLDER_RESOURCE_GROUP)
            ),
            at: root_at.clone(),
        });
    }
    if eng.out_of_fuel() {
        t.unknowns.push(Unknown {
            resource: deployment,
            field: "template".into(),
            reason: "the evaluation budget ran out; later values are unknown".into(),
            at: root_at,
        });
    }
    let warnings = std::mem::take(&mut ctx.warnings);
    (t, warnings)
}
