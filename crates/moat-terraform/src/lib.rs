//! # moat-terraform
//!
//! Reads Terraform into the moat model: a directory of `.tf` files (with its local modules and
//! variable files) through [`load`], or a plan exported by `terraform show -json` through
//! [`load_plan`]. Like every importer it validates the result ([`moat_model::validate()`]) and
//! fills what Azure decides at deployment ([`moat_model::finalize::finalize`]).
//!
//! ## The evaluator
//!
//! `hcl-edit` parses the files (keeping spans, bounding nesting); evaluation is moat's own.
//! It covers what deployments of networks write: variables with types, defaults and
//! `optional()` attributes, `.tfvars` / `-var-file` / `-var`, locals, `count`, `for_each`,
//! references between resources and data sources, modules (nested, with inputs and outputs,
//! themselves expanded by `count`/`for_each`): local ones in place, registry and git ones where
//! `terraform init` installed them (`.terraform/modules/modules.json`), `dynamic` blocks,
//! conditionals, `for` expressions, splats, string templates with directives, and the common
//! built-in functions (`try`/`can` evaluate lazily), and the azapi provider's resource id
//! functions (`provider::azapi::resource_group_resource_id` and its kin). Everything is evaluated on demand and memoised, so order of
//! declaration does not matter and a reference cycle is found, not looped on.
//!
//! ## Unknowns
//!
//! A value that cannot be known before `terraform apply` is an explicit *unknown* that carries
//! why and where it arose, and propagates through operators and functions: attributes Azure
//! computes (the `private_ip_address` of a dynamic NIC, a principal id), data sources (read
//! from Azure at plan time), variables without a value, the outputs of modules that are not
//! installed (one warning names them all and says to run `terraform init`), functions that read
//! files or the clock. The importer never substitutes a default for an unknown. Where the model
//! needs a value it records the field in [`moat_model::Topology::unknowns`] so analyses answer
//! "unknown". Resource ids are the exception that makes linking work: an id is synthesised in
//! ARM shape from a resource's name, resource group and parent
//! (`/subscriptions/<unknown>/resourceGroups/rg/providers/...`), so `azurerm_subnet.x.id` names
//! the subnet by identity wherever the reference travels (through variables, module outputs,
//! locals). A firewall's private IP is derived as Azure assigns it (the first usable address of
//! its `AzureFirewallSubnet`).
//!
//! References to resources outside the configuration (data sources of existing resources,
//! ids passed in as variables) keep the name the id carries; the field is recorded as unknown
//! and a warning names it, instead of failing validation. Attributes that a module variable's
//! object type does not declare are dropped, as Terraform drops them, with a located warning.
//! Syntax errors, a missing local module directory, a bad tfvars file and invalid values (a
//! malformed CIDR, an enum Azure rejects) are load errors with file, line and column.
//!
//! Hostile input is bounded: file size, nesting depth (by the parser), instances per
//! `count`/`for_each` (10,000), module nesting and recursion, the length of
//! reference chains, and the total evaluation steps; evaluation runs on a thread with a
//! generous stack.
//!
//! `azapi_resource` blocks (ARM `type` and `body`) are handed to the ARM importer's mapper.
//! An `azapi_update_resource` on a declared resource (a workspace or registry and their
//! dependencies, a VNet, a subnet) writes every setting its body sets onto that resource (read
//! by the same mapper), as the provider merges the body into the resource, also where the value
//! is what Azure would default to; an update on another kind of resource leaves what its body
//! writes unknown, never the declared value. An update that writes an NSG's rules (a route
//! table's routes) sets them to the body's list when the provider's merge takes it whole (a
//! list of another length than the one Azure holds); a list that may be as long leaves them
//! open, and so does an update whose target or body the configuration leaves open. A rule
//! (route) written as a resource of its own beside such an update may or may not be deployed.
//! An update of one rule (route), by its id or by its NSG (route table) and name, writes the
//! properties its body sets onto that rule, inline or separate, and keeps the others; a rule
//! property written in the other form than the declaration's (a list of prefixes for one
//! prefix) leaves that part of the rule open, as the merge sends both. A rule (route) written as
//! an azapi resource beside an NSG (route table) that writes its list inline, in azurerm blocks
//! or an azapi body, may or may not be deployed, as an azurerm one is. An update of a VNet whose
//! body writes as many subnets as the VNet may hold is merged subnet by subnet: what the body
//! leaves out of a subnet is what the subnets it may merge into hold alike, or open. A managed network private endpoint rule to a
//! resource the configuration does not declare is kept with the id that names it, with a
//! warning.
//! A private endpoint or managed network outbound rule whose target is the storage account or
//! container registry an Azure ML registry names as its own (`regionDetails`, created by Azure
//! in the registry's managed resource group and reached through a data source or an id) targets
//! that part of the registry, `registry/<name>:storage` or `registry/<name>:acr`, as in the ARM
//! importer.

mod config;
mod eval;
mod funcs;
mod ids;
mod lifecycle;
mod map;
mod plan;
mod split;
mod types;
mod value;

use config::Sources;
use eval::{Evaluator, Given};
use hcl_edit::Span as _;
use hcl_edit::structure::Structure;
use moat_doc::{Limits, LoadError, Loaded, SourceFile};
use moat_model::{Diagnostic, Level, Location};
use std::path::{Path, PathBuf};

/// Options of [`load`] and [`load_plan`].
#[derive(Clone, Debug, Default)]
pub struct TfOptions {
    /// Variable files, read after `terraform.tfvars` and `*.auto.tfvars`, in order.
    pub var_files: Vec<PathBuf>,
    /// `-var name=value` assignments, read last, in order.
    pub vars: Vec<(String, String)>,
    /// Where the configuration is applied (`--subscription`, `--resource-group`,
    /// `--location`): what the client configuration and resource group data sources read.
    pub target: moat_arm::Target,
    pub limits: Limits,
}

/// Internal failures that are not the input's fault.
#[derive(Debug, thiserror::Error)]
pub enum TfError {
    #[error("the Terraform importer stopped unexpectedly: {0}")]
    Crashed(String),
    #[error("cannot start the evaluation thread: {0}")]
    Thread(String),
}

/// Stack of the evaluation thread: evaluation recurses through references, which are bounded
/// in depth, so a fixed generous stack makes overflow impossible.
const EVAL_STACK: usize = 256 * 1024 * 1024;

/// Runs `f` on a thread with a large stack; a crash becomes a load error, not a panic.
fn isolated(
    path: &Path,
    f: impl FnOnce() -> Result<Loaded, LoadError> + Send + 'static,
) -> Result<Loaded, LoadError> {
    let spawned = std::thread::Builder::new()
        .name("moat-terraform".into())
        .stack_size(EVAL_STACK)
        .spawn(f);
    let fail = |e: TfError| {
        LoadError::at_path(
            "internal",
            e.to_string(),
            path,
            Some("please report this with the input".into()),
        )
    };
    match spawned {
        Err(e) => Err(fail(TfError::Thread(e.to_string()))),
        Ok(h) => match h.join() {
            Ok(r) => r,
            Err(p) => {
                let msg = p
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                Err(fail(TfError::Crashed(msg)))
            }
        },
    }
}

/// Reads a Terraform configuration: a directory of `.tf` files (its `terraform.tfvars` and
/// `*.auto.tfvars` read as Terraform does), or a single `.tf` file.
pub fn load(path: &Path, opts: &TfOptions) -> Result<Loaded, LoadError> {
    let (p, o) = (path.to_path_buf(), opts.clone());
    isolated(path, move || load_config(&p, &o))
}

/// Refuses a text given whole (`name` in diagnostics) past the size limit.
fn too_large(name: &str, text: &str, opts: &TfOptions) -> Result<(), LoadError> {
    if text.len() <= opts.limits.max_bytes {
        return Ok(());
    }
    Err(LoadError::at_path(
        "too-large",
        format!(
            "{name} is {} bytes; the limit is {} bytes",
            text.len(),
            opts.limits.max_bytes
        ),
        Path::new(name),
        None,
    ))
}

/// Reads a configuration given as the text of one `.tf` file, named `name` in diagnostics.
/// Nothing is read from disk: the modules it calls have unknown outputs.
pub fn load_str(name: &str, text: &str, opts: &TfOptions) -> Result<Loaded, LoadError> {
    too_large(name, text, opts)?;
    let (n, t, o) = (name.to_string(), text.to_string(), opts.clone());
    isolated(Path::new(name), move || {
        let mut ev = Evaluator::new(o.limits);
        ev.load_root_text(&n, &t);
        evaluate(ev, &[], &o)
    })
}

/// Reads a plan exported by `terraform show -json`.
pub fn load_plan(path: &Path, opts: &TfOptions) -> Result<Loaded, LoadError> {
    let (p, o) = (path.to_path_buf(), opts.clone());
    isolated(path, move || plan::load(&p, &o))
}

/// Reads a plan given as the text of `terraform show -json`, named `name` in diagnostics.
pub fn load_plan_str(name: &str, text: &str, opts: &TfOptions) -> Result<Loaded, LoadError> {
    too_large(name, text, opts)?;
    let src = moat_doc::SourceFile::new(name, text.to_string());
    let (n, o) = (name.to_string(), opts.clone());
    isolated(Path::new(name), move || {
        plan::load_source(src, Path::new(&n), &o)
    })
}

/// Whether a JSON document is a Terraform plan (`terraform show -json` of a plan).
pub fn looks_like_plan(json: &serde_json::Value) -> bool {
    let Some(o) = json.as_object() else {
        return false;
    };
    o.contains_key("planned_values")
        || (o.contains_key("format_version") && o.contains_key("resource_changes"))
}

fn load_config(path: &Path, opts: &TfOptions) -> Result<Loaded, LoadError> {
    if !path.exists() {
        return Err(LoadError::at_path(
            "io",
            format!("{} does not exist", path.display()),
            path,
            Some("check the path".into()),
        ));
    }
    let single = path.is_file();
    let mut ev = Evaluator::new(opts.limits);
    ev.load_root(path, single)?;
    if ev.sources.files.is_empty() {
        return Err(LoadError::at_path(
            "empty",
            format!("{} holds no .tf file", path.display()),
            path,
            None,
        ));
    }
    let mut var_files = Vec::new();
    if !single {
        var_files.extend(auto_var_files(path));
    }
    var_files.extend(opts.var_files.iter().cloned());
    if !single {
        ev.locked_azurerm_major = std::fs::read_to_string(path.join(".terraform.lock.hcl"))
            .ok()
            .and_then(|t| config::locked_azurerm_major(&t));
    }
    evaluate(ev, &var_files, opts)
}

/// Gives the root module its variables, evaluates it and maps the result.
fn evaluate(
    mut ev: Evaluator,
    var_files: &[PathBuf],
    opts: &TfOptions,
) -> Result<Loaded, LoadError> {
    ev.target = opts.target.clone();
    for f in var_files {
        read_var_file(&mut ev, f, opts.limits)?;
    }
    for (k, v) in &opts.vars {
        if ev.root_var_is_string(k).is_none() {
            let at = value::Loc {
                file: "-var".into(),
                ..Default::default()
            };
            ev.warn(
                "undeclared-variable",
                format!("-var sets `{k}`, which the configuration does not declare"),
                &at,
                None,
            );
        }
        ev.given.insert(k.clone(), Given::Raw(v.clone()));
    }
    if !ev.errors.is_empty() {
        return Err(LoadError {
            diagnostics: sorted(std::mem::take(&mut ev.errors)),
            sources: std::mem::take(&mut ev.sources.files),
        });
    }
    let recs = ev.run();
    let azurerm_major = ev.azurerm_major();
    ev.release_evaluation();
    let mut mapped = map::map(&recs, azurerm_major, &ev.unexpanded);
    drop(recs);
    ev.mark_given_to_missing(&mut mapped.topology);
    // What `--subscription` says: the subscription the configuration is applied to.
    mapped.topology.subscription = opts.target.subscription.clone();
    finish(
        mapped,
        std::mem::take(&mut ev.warnings),
        std::mem::take(&mut ev.errors),
        std::mem::take(&mut ev.sources),
        "terraform",
    )
}

/// `terraform.tfvars`, `terraform.tfvars.json`, then `*.auto.tfvars(.json)` in name order.
fn auto_var_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for f in ["terraform.tfvars", "terraform.tfvars.json"] {
        let p = dir.join(f);
        if p.is_file() {
            out.push(config::normalise(&p));
        }
    }
    let mut auto: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                    n.ends_with(".auto.tfvars") || n.ends_with(".auto.tfvars.json")
                })
        })
        .map(|p| config::normalise(&p))
        .collect();
    auto.sort();
    out.extend(auto);
    out
}

fn read_var_file(ev: &mut Evaluator, f: &Path, limits: Limits) -> Result<(), LoadError> {
    let src = moat_doc::read_source(f, limits)?;
    let is_json = f.extension().is_some_and(|e| e == "json");
    let text = src.text.clone();
    let name = src.name.clone();
    if is_json {
        let file = ev.sources.add(src);
        ev.sync_sources();
        match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(serde_json::Value::Object(o)) => {
                let at = ev.loc(file, None);
                for (k, v) in o {
                    note_var(ev, &k, &at);
                    ev.given
                        .insert(k, Given::Value(value::Value::from_json(&v)));
                }
            }
            Ok(_) => ev.errors.push(bad_vars(
                &name,
                1,
                1,
                "a .tfvars.json file holds one JSON object".into(),
            )),
            Err(e) => ev.errors.push(bad_vars(
                &name,
                e.line() as u32,
                e.column() as u32,
                format!("invalid JSON: {e}"),
            )),
        }
        return Ok(());
    }
    let parsed = config::parse_file(&src);
    let file = ev.sources.add(src);
    ev.sync_sources();
    let body = match parsed {
        Ok(b) => b,
        Err(mut d) => {
            d.hint = Some(format!("{} is a variable file: `name = value` lines", name));
            ev.errors.push(*d);
            return Ok(());
        }
    };
    for st in body.iter() {
        match st {
            Structure::Attribute(a) => {
                let at = ev.loc(file, a.span());
                let k = a.key.as_str().to_string();
                note_var(ev, &k, &at);
                match ev.eval_literal(&a.value, file) {
                    Ok(v) => {
                        ev.given.insert(k, Given::Value(v));
                    }
                    Err(e) => ev.errors.push(Diagnostic {
                        level: Level::Error,
                        code: "invalid-tfvars".into(),
                        message: format!("value of `{k}`: {}", e.msg),
                        location: Location {
                            file: at.file.to_string(),
                            line: at.line,
                            column: at.column,
                            offset: at.offset,
                            len: at.len,
                        },
                        hint: Some(
                            "a variable file holds literal values, without references".into(),
                        ),
                    }),
                }
            }
            Structure::Block(b) => {
                let at = ev.loc(file, b.span());
                ev.errors.push(Diagnostic {
                    level: Level::Error,
                    code: "invalid-tfvars".into(),
                    message: format!("unexpected block `{}` in a variable file", b.ident.as_str()),
                    location: Location {
                        file: at.file.to_string(),
                        line: at.line,
                        column: at.column,
                        offset: at.offset,
                        len: at.len,
                    },
                    hint: Some("a variable file holds `name = value` lines only".into()),
                });
            }
        }
    }
    Ok(())
}

fn note_var(ev: &mut Evaluator, k: &str, at: &value::Loc) {
    if ev.root_var_is_string(k).is_none() {
        ev.warn(
            "undeclared-variable",
            format!("a value is given for `{k}`, which the configuration does not declare"),
            at,
            None,
        );
    }
}

fn bad_vars(file: &str, line: u32, column: u32, message: String) -> Diagnostic {
    Diagnostic {
        level: Level::Error,
        code: "invalid-tfvars".into(),
        message,
        location: Location {
            file: file.into(),
            line,
            column,
            offset: 0,
            len: 0,
        },
        hint: None,
    }
}

fn sorted(mut d: Vec<Diagnostic>) -> Vec<Diagnostic> {
    d.sort_by(|a, b| {
        (&a.location.file, a.location.offset).cmp(&(&b.location.file, b.location.offset))
    });
    d
}

/// Validation and finalisation, shared by configurations and plans.
pub(crate) fn finish(
    mapped: map::Mapped,
    mut warnings: Vec<Diagnostic>,
    mut errors: Vec<Diagnostic>,
    sources: Sources,
    format: &'static str,
) -> Result<Loaded, LoadError> {
    let sources: Vec<SourceFile> = sources.files;
    let mut topology = mapped.topology;
    moat_model::scope::qualify_computes(&mut topology);
    warnings.extend(mapped.warnings);
    // Every class of error in one run: validation runs even when mapping found errors, but
    // then leaves out dangling references, which may only echo a value already reported.
    let mapping_failed = !errors.is_empty() || !mapped.errors.is_empty();
    errors.extend(mapped.errors);
    for p in moat_model::validate(&topology) {
        if mapping_failed && p.code == "dangling-reference" {
            continue;
        }
        if is_external(&p, &mapped.external) {
            // Already recorded as an unknown and warned about where the reference was read.
            continue;
        }
        let d = problem(&p);
        if mapped.soft.contains(&p.at.pointer) {
            warnings.push(Diagnostic {
                level: Level::Warning,
                ..d
            });
        } else {
            errors.push(d);
        }
    }
    // Names Azure rejects at deployment.
    errors.extend(
        moat_model::naming::deployment_names(&topology, |_| false)
            .iter()
            .map(problem),
    );
    if errors.is_empty() {
        errors.extend(
            moat_model::finalize::finalize(&mut topology)
                .iter()
                .map(problem),
        );
    }
    if errors.is_empty() {
        Ok(Loaded {
            topology,
            format,
            sources,
            warnings,
        })
    } else {
        Err(LoadError {
            diagnostics: sorted(errors),
            sources,
        })
    }
}

/// Whether a validation problem is about a resource outside the configuration.
fn is_external(p: &moat_model::Problem, external: &std::collections::HashSet<String>) -> bool {
    let named = p.message.split('`').nth(1).unwrap_or("");
    p.code == "dangling-reference"
        && (external.contains(named)
            || named
                .split_once('/')
                .is_some_and(|(v, _)| external.contains(v)))
}

fn problem(p: &moat_model::Problem) -> Diagnostic {
    let at = &p.at;
    let message = match &p.field {
        Some(f) if !at.pointer.is_empty() => format!("{} (`{}`, {f})", p.message, at.pointer),
        _ => p.message.clone(),
    };
    Diagnostic {
        level: Level::Error,
        code: p.code.into(),
        message,
        location: Location {
            file: at.file.clone(),
            line: at.line,
            column: at.column,
            offset: at.offset,
            len: at.len,
        },
        hint: p.hint.clone(),
    }
}
