//! Reading the input as the options say: the command line over the configuration file.

use crate::InputArgs;
use crate::config::{self, Config};
use moat_doc::{LoadError, Loaded};
use std::path::PathBuf;

/// The configuration that applies to an input read from a copy of a repository rooted at
/// `root` (`moat diff --base-ref`): the search for `moat.toml` stays inside the copy.
pub(crate) fn config_within(
    input: &InputArgs,
    root: &std::path::Path,
) -> Result<Option<Config>, LoadError> {
    config::find(
        &input.path,
        input.config.as_deref(),
        input.no_config,
        Some(root),
    )
}

/// The configuration that applies to an input (`--config`, or the nearest `moat.toml`).
pub(crate) fn config(input: &InputArgs) -> Result<Option<Config>, LoadError> {
    config::find(&input.path, input.config.as_deref(), input.no_config, None)
}

/// Reads the input as the options say, the command line's over the configuration's.
pub(crate) fn load(input: &InputArgs, cfg: Option<&Config>) -> Result<Loaded, LoadError> {
    load_rereading(input, cfg, moat_ingest::Reread::default())
}

/// [`load`], leaving what it parsed for a read of a changed copy, or taking what a read of an
/// earlier copy left (see [`moat_ingest::Reread`]).
pub(crate) fn load_rereading(
    input: &InputArgs,
    cfg: Option<&Config>,
    reread: moat_ingest::Reread,
) -> Result<Loaded, LoadError> {
    let usage = |msg: String| LoadError::at_path("usage", msg, &input.path, None);
    let format = match &input.input_format {
        None => None,
        Some(f) => match moat_ingest::InputFormat::parse(f) {
            Some(f) => Some(f),
            None => {
                let names: Vec<&str> = moat_ingest::InputFormat::ALL
                    .iter()
                    .map(|(_, n)| *n)
                    .collect();
                return Err(usage(format!(
                    "unknown input format `{f}`; expected one of: {}",
                    names.join(", ")
                )));
            }
        },
    };
    let empty = Config::default();
    let cfg = cfg.unwrap_or(&empty);
    // The file's values first: a value of the same name given on the command line is applied
    // after it, and wins.
    let mut vars = cfg.parameter_values.clone();
    for v in &input.vars {
        match v.split_once('=') {
            Some((k, val)) => vars.push((k.to_string(), val.to_string())),
            None => {
                return Err(usage(format!("--var {v}: write NAME=VALUE")));
            }
        }
    }
    // `--parameters` takes files and NAME=VALUE pairs, as `az deployment group create` does.
    let mut parameters = Vec::new();
    let mut parameter_values = cfg.parameter_values.clone();
    for p in &input.parameters {
        let text = p.to_string_lossy();
        match text.split_once('=') {
            Some((k, v)) if !p.exists() && !k.is_empty() && !k.contains(['/', '\\']) => {
                parameter_values.push((k.to_string(), v.to_string()))
            }
            _ => parameters.push(p.clone()),
        }
    }
    // Files named on the command line replace the file's; its files are ARM parameter files
    // or Terraform variable files, whichever the input is.
    let mut var_files = input.var_files.clone();
    if parameters.is_empty() && var_files.is_empty() {
        parameters = cfg.parameter_files.clone();
        var_files = cfg.parameter_files.clone();
    }
    let overlays = if input.overlays.is_empty() {
        cfg.with.clone()
    } else {
        input.overlays.clone()
    };
    let location = input.location.as_ref().or(cfg.location.as_ref());
    let opts = moat_ingest::Options {
        format,
        parameters: parameters.clone(),
        parameter_values,
        var_files,
        vars,
        overlays,
        target: moat_ingest::DeployTarget {
            subscription: input.subscription.clone(),
            resource_group: input.resource_group.clone(),
            location: location.map(|l| config::location(l)),
        },
        reread,
        ..Default::default()
    };
    let mut loaded = moat_ingest::load_opts(&input.path, &opts)?;
    if input.parameters.is_empty()
        && cfg.parameter_files.is_empty()
        && cfg.parameter_values.is_empty()
        && let Some(w) = unread_parameters(input, &loaded)
    {
        loaded.warnings.push(w);
    }
    Ok(loaded)
}

/// A template given as a file, without `--parameters`, next to a parameters file: its values
/// were not read (a directory would have read it), so say so rather than leave every parameter
/// unknown without a word.
fn unread_parameters(input: &InputArgs, loaded: &Loaded) -> Option<moat_model::Diagnostic> {
    if loaded.format != "arm" || !input.path.is_file() {
        return None;
    }
    let dir = input.path.parent()?;
    let dir = if dir.as_os_str().is_empty() {
        std::path::Path::new(".")
    } else {
        dir
    };
    let mut beside: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(".parameters.json"))
        })
        .collect();
    beside.sort();
    let first = beside.first()?;
    let shown = |p: &PathBuf| {
        input
            .path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .map(|d| d.join(p.file_name().unwrap_or_default()))
            .unwrap_or_else(|| PathBuf::from(p.file_name().unwrap_or_default()))
            .display()
            .to_string()
    };
    let names: Vec<String> = beside
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    let mut d = moat_model::Diagnostic::error(
        "parameters-not-read",
        format!(
            "{} beside the template {} not read: parameters without a default value stay unknown",
            names.join(", "),
            if names.len() == 1 { "was" } else { "were" }
        ),
        moat_model::Location {
            file: input.path.display().to_string(),
            ..Default::default()
        },
    )
    .with_hint(Some(format!("pass --parameters {}", shown(first))));
    d.level = moat_model::Level::Warning;
    Some(d)
}
