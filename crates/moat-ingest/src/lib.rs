//! # moat-ingest
//!
//! Reads deployments into the [`moat_model::Topology`]: the first stage of moat's pipeline.
//!
//! - [`native`]: moat's own topology format.
//!
//! [`load`] detects the input kind from the path, reads it, checks the result with
//! [`moat_model::validate`], and fills what Azure decides at deployment
//! ([`moat_model::finalize`]). Every error of a file is reported together, with file, line,
//! column and a hint.

pub mod azureml;
mod naming;
pub mod native;

pub use moat_arm::Target as DeployTarget;
use moat_doc::{Limits, Node, SourceFile, read_source, tree};
pub use moat_doc::{LoadError, Loaded, locate};
use moat_model::{Diagnostic, Problem, Topology};
use std::path::{Path, PathBuf};

/// The kinds of input moat reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InputFormat {
    /// moat's own YAML/JSON topology.
    Native,
    /// An ARM deployment template (JSON; Bicep compiles to it).
    Arm,
    /// A Terraform configuration (a directory of `.tf` files).
    Terraform,
    /// A Terraform plan in JSON (`terraform show -json`).
    TerraformPlan,
    /// Azure ML CLI v2 YAML specs (workspace, registry, endpoint, deployment).
    AzureMl,
    /// A live export of deployed resources (Azure Resource Graph, `az resource list`/`show`).
    Live,
}

/// Options for reading inputs.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The format, when not detected.
    pub format: Option<InputFormat>,
    /// ARM parameter files.
    pub parameters: Vec<PathBuf>,
    /// ARM parameter values (`name=value`), applied after the files.
    pub parameter_values: Vec<(String, String)>,
    /// Terraform variable files (`-var-file`).
    pub var_files: Vec<PathBuf>,
    /// Terraform variables (`-var name=value`).
    pub vars: Vec<(String, String)>,
    /// Native files merged over the input: what ARM or Terraform cannot say (client
    /// locations, intent, custom DNS servers' forwarding).
    pub overlays: Vec<PathBuf>,
    /// Where an ARM template is deployed or a Terraform configuration applied (subscription,
    /// resource group, its region).
    pub target: DeployTarget,
    pub limits: Limits,
    /// Reading two copies of one deployment (`moat diff`): what a read of the first leaves
    /// for reading the second faster.
    pub reread: Reread,
}

/// A read that leaves what it parsed for a read of a changed copy ([`Reread::keep`]), or
/// takes what a read of an earlier copy left ([`Reread::earlier`]). Only a single native file
/// is read this way; every other input is read whole, and leaves nothing.
#[derive(Clone, Debug, Default)]
pub struct Reread {
    /// Where this read leaves what it parsed (`None` left there when it cannot).
    pub keep: Option<std::sync::Arc<std::sync::Mutex<Option<native::reread::Earlier>>>>,
    /// What a read of an earlier copy left; taken (the slot is emptied) by this read.
    pub earlier: Option<std::sync::Arc<std::sync::Mutex<Option<native::reread::Earlier>>>>,
}

impl InputFormat {
    /// Every format, with its command-line name.
    pub const ALL: &'static [(InputFormat, &'static str)] = &[
        (InputFormat::Native, "native"),
        (InputFormat::Arm, "arm"),
        (InputFormat::Terraform, "terraform"),
        (InputFormat::TerraformPlan, "terraform-plan"),
        (InputFormat::AzureMl, "azureml"),
        (InputFormat::Live, "live"),
    ];

    /// The command-line name.
    pub fn name(self) -> &'static str {
        InputFormat::ALL
            .iter()
            .find(|(f, _)| *f == self)
            .map(|(_, n)| *n)
            .unwrap_or("?")
    }

    /// Parses a command-line name.
    pub fn parse(s: &str) -> Option<InputFormat> {
        InputFormat::ALL
            .iter()
            .find(|(_, n)| n.eq_ignore_ascii_case(s))
            .map(|(f, _)| *f)
    }
}

/// Input files of a directory, in name order.
fn dir_files(dir: &Path, exts: &[&str]) -> Result<Vec<PathBuf>, LoadError> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| {
            LoadError::at_path(
                "io",
                format!("cannot read {}: {e}", dir.display()),
                dir,
                None,
            )
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && p.extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| exts.contains(&e))
        })
        .collect();
    files.sort();
    Ok(files)
}

/// What a parsed document is.
fn classify(root: &Node) -> Option<InputFormat> {
    if native::looks_native(root) {
        return Some(InputFormat::Native);
    }
    let schema = root
        .get("$schema")
        .and_then(Node::text)
        .unwrap_or_default()
        .to_ascii_lowercase();
    if schema.contains("deploymenttemplate")
        || (root.get("resources").is_some() && root.get("contentVersion").is_some())
    {
        return Some(InputFormat::Arm);
    }
    if root.get("format_version").is_some()
        && (root.get("planned_values").is_some() || root.get("resource_changes").is_some())
    {
        return Some(InputFormat::TerraformPlan);
    }
    if azureml::spec_kind(root).is_some() || azureml::other_spec(root).is_some() {
        return Some(InputFormat::AzureMl);
    }
    if moat_live::looks_live(root) {
        return Some(InputFormat::Live);
    }
    None
}

/// What a file is, read no further than its kind needs (a 15 MiB estate is told by its first
/// key), with whether it is an ARM parameters file. `None` when it does not parse: the reader
/// reports the syntax error with its location.
fn sniff(src: &SourceFile, limits: Limits) -> Option<(Option<InputFormat>, bool)> {
    let mut params = false;
    let root = moat_doc::outline::outline(src, limits, 3, &mut |n: &Node| {
        params = is_parameters(n);
        params || classify(n).is_some()
    })
    .ok()?;
    Some((classify(&root).filter(|_| !params), params))
}

fn is_parameters(root: &Node) -> bool {
    root.get("$schema")
        .and_then(Node::text)
        .is_some_and(|s| s.to_ascii_lowercase().contains("deploymentparameters"))
}

/// Detects the format of `path`: a directory of `.tf` files is Terraform; otherwise the
/// document's own shape decides (native keys, an ARM `$schema`, a plan's `format_version`, an
/// Azure ML `$schema` or keys, an export's resources). Each file is read only as far as its
/// kind needs ([`moat_doc::outline`]); the loader parses it once.
pub fn detect(path: &Path) -> Result<InputFormat, LoadError> {
    if !path.exists() {
        return Err(LoadError::at_path(
            "io",
            format!("{} does not exist", path.display()),
            path,
            Some("check the path".into()),
        ));
    }
    let limits = Limits::default();
    let candidates = if path.is_dir() {
        if !dir_files(path, &["tf"])?.is_empty() {
            return Ok(InputFormat::Terraform);
        }
        dir_files(path, &["yaml", "yml", "json"])?
    } else {
        if path.extension().is_some_and(|e| e == "tf") {
            return Ok(InputFormat::Terraform);
        }
        vec![path.to_path_buf()]
    };
    let mut found = None;
    for f in &candidates {
        let src = read_source(f, limits)?;
        let Some((kind, _)) = sniff(&src, limits) else {
            // The reader reports the syntax error with its location.
            return Ok(found.unwrap_or(InputFormat::Native));
        };
        match kind {
            // A directory with a template or an export next to native side files is theirs.
            Some(k @ (InputFormat::Arm | InputFormat::Live)) if path.is_dir() => return Ok(k),
            Some(f) if found.is_none() => found = Some(f),
            _ => {}
        }
    }
    if found.is_none() && candidates.len() == 1 {
        // One document of no recognised shape: read it as native, which explains what it lacks.
        return Ok(InputFormat::Native);
    }
    found.ok_or_else(|| {
        LoadError::at_path(
            "unrecognised",
            format!("cannot tell what kind of deployment {} is", path.display()),
            path,
            Some("moat reads its native topology, ARM templates, Terraform, Azure ML CLI YAML and live exports (az graph query, az resource list); name one with --input-format".into()),
        )
    })
}

/// Reads the deployment at `path` (a file, or a directory of files), as `format` or as detected.
pub fn load(path: &Path, format: Option<InputFormat>) -> Result<Loaded, LoadError> {
    load_opts(
        path,
        &Options {
            format,
            ..Options::default()
        },
    )
}

/// [`load`] with explicit limits.
pub fn load_with(
    path: &Path,
    format: Option<InputFormat>,
    limits: Limits,
) -> Result<Loaded, LoadError> {
    load_opts(
        path,
        &Options {
            format,
            limits,
            ..Options::default()
        },
    )
}

/// Reads the deployment at `path` with every option.
pub fn load_opts(path: &Path, opts: &Options) -> Result<Loaded, LoadError> {
    let format = match opts.format {
        Some(f) => f,
        None => detect(path)?,
    };
    let mut opts = opts.clone();
    let mut primary = vec![path.to_path_buf()];
    if path.is_dir()
        && matches!(
            format,
            InputFormat::Arm | InputFormat::Terraform | InputFormat::Live
        )
    {
        primary = side_files(path, format, &mut opts)?;
    }
    let mut loaded = load_primary(path, &primary, format, &opts)?;
    if !opts.overlays.is_empty() {
        overlay(&mut loaded, &opts.overlays, opts.limits)?;
    }
    // Azure ML specs and exports describe resources made one by one: a workspace spec says
    // nothing of the computes created beside it.
    if matches!(format, InputFormat::AzureMl | InputFormat::Live) {
        moat_model::external::undeclared_build_computes(&mut loaded.topology);
    }
    moat_model::external::undeclared_hubs(&mut loaded.topology);
    Ok(loaded)
}

/// For a directory holding an ARM template or a Terraform configuration: the native files next
/// to it are overlays (read before those named with `--with`), and an ARM template's single
/// parameter file is its parameters unless some are named. Returns the path to import.
fn side_files(
    dir: &Path,
    format: InputFormat,
    opts: &mut Options,
) -> Result<Vec<PathBuf>, LoadError> {
    let mut templates = Vec::new();
    let mut parameters = Vec::new();
    let mut natives = Vec::new();
    let mut exports = Vec::new();
    for f in dir_files(dir, &["yaml", "yml", "json"])? {
        let src = read_source(&f, opts.limits)?;
        let Some((kind, is_parameters)) = sniff(&src, opts.limits) else {
            // Reported with its location when read.
            let root = tree::parse(&src, opts.limits).err();
            return Err(LoadError {
                diagnostics: root.into_iter().collect(),
                sources: vec![src],
            });
        };
        if is_parameters {
            parameters.push(f);
        } else {
            match kind {
                Some(InputFormat::Native) => natives.push(f),
                Some(InputFormat::Arm) => templates.push(f),
                Some(InputFormat::Live) => exports.push(f),
                _ => {}
            }
        }
    }
    // A side file also named with `--with` applies once.
    let named: Vec<PathBuf> = opts
        .overlays
        .iter()
        .filter_map(|o| std::fs::canonicalize(o).ok())
        .collect();
    natives.retain(|n| std::fs::canonicalize(n).map_or(true, |c| !named.contains(&c)));
    natives.append(&mut opts.overlays);
    opts.overlays = natives;
    if format == InputFormat::Terraform {
        return Ok(vec![dir.to_path_buf()]);
    }
    if format == InputFormat::Live {
        // Every export of the directory: the pages of one query, or several queries.
        if exports.is_empty() {
            return Err(LoadError::at_path(
                "empty",
                format!("{} holds no live export", dir.display()),
                dir,
                Some(
                    "export with `az graph query -q \"resources | ...\" -o json > resources.json`"
                        .into(),
                ),
            ));
        }
        return Ok(exports);
    }
    if opts.parameters.is_empty() {
        match parameters.len() {
            0 | 1 => opts.parameters = parameters,
            _ => {
                return Err(LoadError::at_path(
                    "ambiguous",
                    format!(
                        "{} holds {} parameter files ({})",
                        dir.display(),
                        parameters.len(),
                        file_names(&parameters)
                    ),
                    dir,
                    Some("name the one to use with --parameters".into()),
                ));
            }
        }
    }
    match templates.len() {
        1 => Ok(vec![templates.remove(0)]),
        0 => Err(LoadError::at_path(
            "empty",
            format!("{} holds no ARM template", dir.display()),
            dir,
            None,
        )),
        n => Err(LoadError::at_path(
            "ambiguous",
            format!(
                "{} holds {n} ARM templates ({})",
                dir.display(),
                file_names(&templates)
            ),
            dir,
            Some("name the template file to read".into()),
        )),
    }
}

fn file_names(files: &[PathBuf]) -> String {
    files
        .iter()
        .filter_map(|f| f.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Merges native overlay files into a loaded deployment, then checks the whole again. An
/// overlay entry of the same kind and name as a loaded resource completes that resource field by
/// field (a workspace's intent, a registry's hidden resources); other entries are added.
fn overlay(loaded: &mut Loaded, files: &[PathBuf], limits: Limits) -> Result<(), LoadError> {
    let before: std::collections::HashSet<(&'static str, String)> =
        moat_model::validate(&loaded.topology)
            .into_iter()
            .map(|p| (p.code, p.message))
            .collect();
    let mut trees = Vec::new();
    let mut diagnostics = Vec::new();
    let mut extra_sources = Vec::new();
    for f in files {
        let src = read_source(f, limits)?;
        match tree::parse(&src, limits) {
            Err(d) => diagnostics.push(d),
            Ok(root) => {
                naming::name_from_side_file(&mut loaded.topology, &root.to_json());
                let (rest, mut errs) = native::complete(&mut loaded.topology, &root, &src);
                diagnostics.append(&mut errs);
                let mut p = native::read_partial(&rest, &src);
                diagnostics.append(&mut p.errors);
                merge(&mut loaded.topology, p.topology);
                trees.push((src.name.clone(), root));
            }
        }
        extra_sources.push(src);
    }
    loaded.sources.extend(extra_sources);
    if !diagnostics.is_empty() {
        return Err(LoadError {
            diagnostics,
            sources: std::mem::take(&mut loaded.sources),
        });
    }
    // The imported part was judged already: what is new now comes from the overlays, and is an
    // error (even when it sits in a completed resource, located in the imported file).
    let overlay_files: Vec<String> = trees.iter().map(|(n, _)| n.clone()).collect();
    let mut roots: Vec<Node> = Vec::new();
    let mut srcs: Vec<SourceFile> = Vec::new();
    for (name, root) in trees {
        if let Some(s) = loaded.sources.iter().find(|s| s.name == name) {
            srcs.push(s.clone());
            roots.push(root);
        }
    }
    naming::name_from_references(&mut loaded.topology);
    moat_model::scope::qualify_computes(&mut loaded.topology);
    let after = moat_model::validate(&loaded.topology);
    let errors: Vec<Diagnostic> = after
        .iter()
        .filter(|p| {
            overlay_files.contains(&p.at.file) || !before.contains(&(p.code, p.message.clone()))
        })
        .map(|p| {
            let mut d = locate(p, &srcs, &roots);
            if !overlay_files.contains(&p.at.file) {
                d.hint = Some(format!(
                    "{}after merging {}",
                    d.hint.map(|h| format!("{h}; ")).unwrap_or_default(),
                    overlay_files.join(", ")
                ));
            }
            d
        })
        .collect();
    if !errors.is_empty() {
        return Err(LoadError {
            diagnostics: errors,
            sources: std::mem::take(&mut loaded.sources),
        });
    }
    // References the overlays resolved are no longer missing.
    loaded.warnings.retain(|w| {
        w.code != "dangling-reference"
            || after
                .iter()
                .any(|p| p.code == "dangling-reference" && w.message.starts_with(&p.message))
    });
    let problems = moat_model::finalize::finalize(&mut loaded.topology);
    loaded
        .warnings
        .extend(problems.iter().map(|p| locate(p, &srcs, &roots)));
    Ok(())
}

/// Reads the input named `given` from its files (`files[0]` for a one-file format; the
/// directory for Terraform; every export for a live estate).
fn load_primary(
    given: &Path,
    files: &[PathBuf],
    format: InputFormat,
    opts: &Options,
) -> Result<Loaded, LoadError> {
    let limits = opts.limits;
    let path = files.first().map_or(given, PathBuf::as_path);
    let tf = || moat_terraform::TfOptions {
        var_files: opts.var_files.clone(),
        vars: opts.vars.clone(),
        target: opts.target.clone(),
        limits,
    };
    match format {
        InputFormat::Native => load_native_rereading(path, limits, &opts.reread),
        InputFormat::AzureMl => {
            let files = if path.is_dir() {
                dir_files(path, &["yaml", "yml"])?
            } else {
                vec![path.to_path_buf()]
            };
            azureml::load(&files, limits)
        }
        InputFormat::Arm => moat_arm::load(
            path,
            &moat_arm::ArmOptions {
                parameter_files: opts.parameters.clone(),
                parameter_values: opts.parameter_values.clone(),
                target: opts.target.clone(),
                limits,
            },
        ),
        InputFormat::Terraform => moat_terraform::load(path, &tf()),
        InputFormat::TerraformPlan => moat_terraform::load_plan(path, &tf()),
        InputFormat::Live => {
            let name = given.file_stem().and_then(|s| s.to_str()).unwrap_or("live");
            moat_live::load(files, name, limits)
        }
    }
}

/// For imported deployments, validation problems that come from partial inputs (references to
/// resources declared elsewhere) are warnings; every other problem is an error.
pub(crate) fn split_problems(
    t: &Topology,
    sources: &[SourceFile],
    trees: &[Node],
) -> (Vec<Diagnostic>, Vec<Diagnostic>) {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    for p in moat_model::validate(t) {
        let mut d = locate(&p, sources, trees);
        if p.code == "dangling-reference" {
            d.level = moat_model::Level::Warning;
            d.message = format!(
                "{} (not in the input; analyses that need it answer unknown)",
                d.message
            );
            warnings.push(d);
        } else {
            errors.push(d);
        }
    }
    (errors, warnings)
}

/// Reads native topology files (one file, or every `.yaml`/`.yml`/`.json` of a directory,
/// merged into one topology).
pub fn load_native(path: &Path, limits: Limits) -> Result<Loaded, LoadError> {
    load_native_rereading(path, limits, &Reread::default())
}

/// [`load_native`], a single file read as `reread` says.
fn load_native_rereading(
    path: &Path,
    limits: Limits,
    reread: &Reread,
) -> Result<Loaded, LoadError> {
    let files = if path.is_dir() {
        dir_files(path, &["yaml", "yml", "json"])?
    } else {
        vec![path.to_path_buf()]
    };
    if files.is_empty() {
        return Err(LoadError::at_path(
            "empty",
            format!("{} holds no .yaml, .yml or .json file", path.display()),
            path,
            None,
        ));
    }
    let mut sources = Vec::new();
    let mut diagnostics = Vec::new();
    let mut topology = Topology::default();
    let mut failed = Vec::new();
    let mut unparsed = false;
    let single = files.len() == 1;
    for f in files {
        let mut src = read_source(&f, limits)?;
        let read = match (&reread.earlier, &reread.keep) {
            (Some(earlier), _) if single => {
                let earlier = earlier.lock().ok().and_then(|mut e| e.take());
                match earlier.and_then(|e| native::reread::read_like(&src, limits, e)) {
                    Some(p) => Ok(p),
                    None => native::read_streaming(&src, limits),
                }
            }
            (_, Some(keep)) if single => {
                native::reread::read_keeping(&src, limits).map(|(p, e)| {
                    if let Ok(mut slot) = keep.lock() {
                        *slot = e;
                    }
                    p
                })
            }
            _ => native::read_streaming(&src, limits),
        };
        match read {
            Err(d) => {
                diagnostics.push(d);
                unparsed = true;
            }
            Ok(mut p) => {
                merge(&mut topology, p.topology);
                diagnostics.append(&mut p.errors);
                failed.append(&mut p.failed);
                // The fixes edit a few resources: they parse those alone, not the file again.
                if let Some(s) = p.skeleton {
                    src.keep_skeleton(s);
                }
            }
        }
        sources.push(src);
    }
    // The files were read without keeping their trees; locating a problem needs them, and a
    // file that parsed once parses again.
    let trees = |sources: &[SourceFile]| -> Vec<Node> {
        sources
            .iter()
            .map(|s| {
                tree::parse(s, limits).unwrap_or(Node {
                    value: tree::Value::Seq(vec![]),
                    span: Default::default(),
                })
            })
            .collect()
    };
    if !unparsed {
        // Check what could be read, so one run shows every error; references to resources
        // that failed to read are not reported twice.
        moat_model::scope::qualify_computes(&mut topology);
        let problems: Vec<Problem> = moat_model::validate(&topology)
            .into_iter()
            .filter(|p| !refers_to_failed(p, &failed))
            .collect();
        if !problems.is_empty() {
            let trees = trees(&sources);
            diagnostics.extend(problems.iter().map(|p| locate(p, &sources, &trees)));
        }
    }
    diagnostics.sort_by(|a, b| {
        (&a.location.file, a.location.offset).cmp(&(&b.location.file, b.location.offset))
    });
    if diagnostics.is_empty() {
        let problems = moat_model::finalize::finalize(&mut topology);
        if !problems.is_empty() {
            let trees = trees(&sources);
            diagnostics.extend(problems.iter().map(|p| locate(p, &sources, &trees)));
        }
    }
    if diagnostics.is_empty() {
        Ok(Loaded {
            topology,
            format: "native",
            sources,
            warnings: Vec::new(),
        })
    } else {
        Err(LoadError {
            diagnostics,
            sources,
        })
    }
}

/// Whether a dangling reference points at a resource that failed to read (already reported).
fn refers_to_failed(p: &Problem, failed: &[String]) -> bool {
    p.code == "dangling-reference"
        && failed
            .iter()
            .any(|n| p.message.contains(&format!("`{n}`")) || p.message.contains(&format!("`{n}/")))
}

/// Adds the topology of one more file to `into`: the first file that gives a one-value field
/// sets it, and every list gathers each file's entries.
fn merge(into: &mut Topology, from: Topology) {
    macro_rules! m {
        (scalars: [$($s:ident),*], lists: [$($l:ident),*], inferred: [$($i:ident),*] $(,)?) => {
            $(if into.$s.is_none() { into.$s = from.$s; })*
            $(into.$l.extend(from.$l);)*
            // No native file writes these (see `native::LIST_KEYS`): gathered all the same.
            $(into.$i.extend(from.$i);)*
        };
    }
    moat_model::topology_fields!(m);
}

/// Parses one text as a native topology (for tests and tools); `name` labels locations. It is
/// read as [`load_native`] reads a file.
pub fn parse_native_str(name: &str, text: &str) -> Result<Topology, Vec<Diagnostic>> {
    let src = SourceFile::new(name, text.to_string());
    let p = native::read_streaming(&src, Limits::default()).map_err(|d| vec![d])?;
    let mut t = p.topology;
    moat_model::scope::qualify_computes(&mut t);
    let mut errors = p.errors;
    // The tree, to locate problems, only when there are some.
    let locate_all = |problems: &[Problem]| -> Vec<Diagnostic> {
        if problems.is_empty() {
            return Vec::new();
        }
        let root = tree::parse(&src, Limits::default()).unwrap_or(Node {
            value: tree::Value::Seq(vec![]),
            span: Default::default(),
        });
        problems
            .iter()
            .map(|x| locate(x, std::slice::from_ref(&src), std::slice::from_ref(&root)))
            .collect()
    };
    let problems: Vec<Problem> = moat_model::validate(&t)
        .into_iter()
        .filter(|x| !refers_to_failed(x, &p.failed))
        .collect();
    errors.extend(locate_all(&problems));
    if !errors.is_empty() {
        return Err(errors);
    }
    let problems = moat_model::finalize::finalize(&mut t);
    if !problems.is_empty() {
        return Err(locate_all(&problems));
    }
    Ok(t)
}
