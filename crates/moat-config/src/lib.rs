//! # moat-config
//!
//! `moat.toml`: the options of a project, found from the input's directory upward (up to the
//! file system's root or the directory holding `.git`), or named with `--config`. Options on
//! the command line override the file's: a list given there replaces the file's list, and
//! `--parameters NAME=VALUE` overrides the file's value of that name.
//!
//! ```toml
//! select = ["REG", "PE", "WS"]
//! ignore = ["WS005"]
//! severity = "error"
//! fail-on-undecided = false  # true: undecided findings fail the run too
//! location = "eastus"
//! with = ["intent.yaml"]
//! service-tags = "ServiceTags_Public.json"
//!
//! [parameters]            # ARM parameter values and Terraform variables, by name
//! prefix = "contoso"
//!
//! [[suppress]]
//! code = "SEC004"
//! resource = "registry/*"
//! reason = "the shared registry is public by design (ticket 1234)"
//!
//! [[invariant]]           # proven by `moat check` (INV001, INV002)
//! name = "no-internet-from-training"
//! from = "subnet/spoke-vnet/training"
//! to = "internet"
//! except = ["fqdn:pypi.org"]
//! expect = "denied"
//! ```
//!
//! Every problem of the file is a located error (exit 2): an unknown key, a value of the wrong
//! kind, a code or prefix that matches no rule (with the nearest code), a suppression without a
//! reason.

use moat_doc::{LoadError, SourceFile, Span};
use moat_model::Diagnostic;
use moat_rules::Severity;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// The file name looked for.
pub const FILE_NAME: &str = "moat.toml";

/// The file as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Raw {
    select: Option<Vec<Spanned<String>>>,
    ignore: Option<Vec<Spanned<String>>>,
    severity: Option<Spanned<String>>,
    fail_on_undecided: Option<bool>,
    parameters: Option<Spanned<toml::Value>>,
    with: Option<Vec<Spanned<String>>>,
    service_tags: Option<Spanned<String>>,
    location: Option<Spanned<String>>,
    #[serde(default)]
    suppress: Vec<Spanned<RawSuppress>>,
    #[serde(default)]
    invariant: Vec<Spanned<RawInvariant>>,
}

/// A policy file (`--policy`): invariants only.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    #[serde(default)]
    invariant: Vec<Spanned<RawInvariant>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInvariant {
    name: Spanned<String>,
    from: Spanned<String>,
    to: Spanned<String>,
    #[serde(default)]
    except: Vec<Spanned<String>>,
    expect: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSuppress {
    code: Spanned<String>,
    resource: Option<Spanned<String>>,
    reason: Option<Spanned<String>>,
}

/// The keys of the file, for suggestions.
const KEYS: &[&str] = &[
    "select",
    "ignore",
    "severity",
    "fail-on-undecided",
    "parameters",
    "with",
    "service-tags",
    "location",
    "suppress",
    "invariant",
];
const SUPPRESS_KEYS: &[&str] = &["code", "resource", "reason"];
const INVARIANT_KEYS: &[&str] = &["name", "from", "to", "except", "expect"];

/// A suppression: findings of `code` (a code or a prefix) about resources matching `resource`.
#[derive(Clone, Debug)]
pub struct Suppression {
    pub code: String,
    /// A glob over the finding's resource address: `*` any text, `?` one character.
    pub resource: String,
    pub reason: String,
    /// Where it is written (`moat.toml:12:1`).
    pub at: String,
}

impl Suppression {
    /// Whether it suppresses a finding of `code` about `resource`.
    pub fn matches(&self, code: &str, resource: &str) -> bool {
        code.to_ascii_uppercase()
            .starts_with(&self.code.to_ascii_uppercase())
            && glob(&self.resource, resource)
    }
}

/// The options a configuration file gives; paths are resolved from the file's directory.
#[derive(Clone, Debug, Default)]
pub struct Config {
    pub select: Option<Vec<String>>,
    pub ignore: Option<Vec<String>>,
    pub severity: Option<Severity>,
    /// Whether findings the input leaves undecided fail the run too (by default only decided
    /// ones do: a value without input is not a finding's proof).
    pub fail_on_undecided: bool,
    /// Parameter files (ARM) and variable files (Terraform).
    pub parameter_files: Vec<PathBuf>,
    /// Parameter values (ARM) and variables (Terraform), as `--parameters NAME=VALUE` and
    /// `--var NAME=VALUE` give them.
    pub parameter_values: Vec<(String, String)>,
    pub with: Vec<PathBuf>,
    pub service_tags: Option<PathBuf>,
    pub location: Option<String>,
    pub suppress: Vec<Suppression>,
    /// Reachability invariants `moat check` proves.
    pub invariants: Vec<moat_exfil::invariant::Invariant>,
}

impl Config {
    /// How to read an input with the file's options alone (no command line over them): its
    /// parameter files serve as ARM parameter files or Terraform variable files, whichever the
    /// input is, and its values as ARM parameter values and Terraform variables.
    pub fn ingest_options(&self) -> moat_ingest::Options {
        moat_ingest::Options {
            parameters: self.parameter_files.clone(),
            parameter_values: self.parameter_values.clone(),
            var_files: self.parameter_files.clone(),
            vars: self.parameter_values.clone(),
            overlays: self.with.clone(),
            target: moat_ingest::DeployTarget {
                location: self.location.as_deref().map(location),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    /// The rules the file selects and ignores.
    pub fn selection(&self) -> moat_rules::check::Selection {
        moat_rules::check::Selection {
            select: self.select.clone().unwrap_or_default(),
            ignore: self.ignore.clone().unwrap_or_default(),
        }
    }

    /// The files the configuration names: parameter files, overlays, the service tags file.
    pub fn files(&self) -> impl Iterator<Item = &Path> {
        self.parameter_files
            .iter()
            .chain(&self.with)
            .chain(&self.service_tags)
            .map(PathBuf::as_path)
    }
}

/// A region as Azure names it in an ARM location (`East US` is `eastus`).
pub fn location(l: &str) -> String {
    l.to_ascii_lowercase().replace(' ', "")
}

/// Marks the findings the suppressions cover (a resource tag's suppression, already marked,
/// stays).
pub fn suppress(suppressions: &[Suppression], findings: &mut [moat_rules::Finding]) {
    for f in findings.iter_mut().filter(|f| f.suppressed.is_none()) {
        if let Some(s) = suppressions.iter().find(|s| s.matches(f.code, &f.resource)) {
            f.suppressed = Some(s.reason.clone());
            f.suppressed_by = Some(s.at.clone());
        }
    }
}

/// The configuration for an input: `explicit` when given, else the nearest `moat.toml` from
/// the input's directory upward (never above `ceiling` when one is given); none when there is
/// none or `disabled`.
pub fn find(
    input: &Path,
    explicit: Option<&Path>,
    disabled: bool,
    ceiling: Option<&Path>,
) -> Result<Option<Config>, LoadError> {
    if disabled {
        return Ok(None);
    }
    let path = match explicit {
        Some(p) => {
            if !p.is_file() {
                return Err(LoadError::at_path(
                    "config",
                    format!("the configuration file {} does not exist", p.display()),
                    p,
                    None,
                ));
            }
            p.to_path_buf()
        }
        None => match discover(input, ceiling) {
            Some(p) => p,
            None => return Ok(None),
        },
    };
    read(&path).map(Some)
}

/// The nearest `moat.toml` from the input's directory upward, stopping at the root of the
/// repository (a directory holding `.git`, a directory or a worktree's file), at `ceiling`
/// (a copy of a repository has no `.git` to stop at), or at the root of the file system.
pub fn discover(input: &Path, ceiling: Option<&Path>) -> Option<PathBuf> {
    let start = if input.is_dir() {
        input.to_path_buf()
    } else {
        match input.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    };
    let start = std::fs::canonicalize(start).ok()?;
    let ceiling = ceiling.and_then(|c| std::fs::canonicalize(c).ok());
    for dir in start.ancestors() {
        let candidate = dir.join(FILE_NAME);
        if candidate.is_file() {
            return Some(shown(&candidate));
        }
        if dir.join(".git").exists() || ceiling.as_deref() == Some(dir) {
            return None;
        }
    }
    None
}

/// A path as the user would write it: relative to the working directory when under it.
fn shown(p: &Path) -> PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| std::fs::canonicalize(cwd).ok())
        .and_then(|cwd| p.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| p.to_path_buf())
}

/// Reads and checks a configuration file.
pub fn read(path: &Path) -> Result<Config, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        LoadError::at_path(
            "config",
            format!("cannot read {}: {e}", path.display()),
            path,
            None,
        )
    })?;
    let src = SourceFile::new(path.display().to_string(), text);
    parse(src, path.parent().unwrap_or(Path::new("")))
}

/// Checks the text of a configuration file; `dir` is the directory its paths are relative to.
pub fn parse(src: SourceFile, dir: &Path) -> Result<Config, LoadError> {
    let fail = |diagnostics: Vec<Diagnostic>| LoadError {
        diagnostics,
        sources: vec![src.clone()],
    };
    let keys = keys(&src);
    if !keys.is_empty() {
        return Err(fail(keys));
    }
    let raw: Raw = toml::from_str(&src.text).map_err(|e| fail(vec![syntax(&src, &e)]))?;
    let mut c = Checker {
        src: &src,
        errors: Vec::new(),
    };
    let resolve = |p: &str| dir.join(p);
    let config = Config {
        select: raw.select.map(|v| c.codes(&v)),
        ignore: raw.ignore.map(|v| c.codes(&v)),
        severity: raw.severity.and_then(|s| c.severity(&s)),
        fail_on_undecided: raw.fail_on_undecided.unwrap_or(false),
        parameter_files: Vec::new(),
        parameter_values: Vec::new(),
        with: raw
            .with
            .unwrap_or_default()
            .iter()
            .map(|w| resolve(w.get_ref()))
            .collect(),
        service_tags: raw.service_tags.map(|s| resolve(s.get_ref())),
        location: raw.location.map(Spanned::into_inner),
        suppress: raw
            .suppress
            .iter()
            .filter_map(|s| c.suppression(s))
            .collect(),
        invariants: raw
            .invariant
            .iter()
            .filter_map(|i| c.invariant(i))
            .collect(),
    };
    let mut config = config;
    if let Some(p) = &raw.parameters {
        let (files, values) = c.parameters(p);
        config.parameter_files = files.iter().map(|f| resolve(f)).collect();
        config.parameter_values = values;
    }
    if c.errors.is_empty() {
        Ok(config)
    } else {
        Err(fail(c.errors))
    }
}

/// Reads a policy file: `[[invariant]]` entries, as in `moat.toml`.
pub fn read_policy(path: &Path) -> Result<Vec<moat_exfil::invariant::Invariant>, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        LoadError::at_path(
            "config",
            format!("cannot read {}: {e}", path.display()),
            path,
            None,
        )
    })?;
    parse_policy(SourceFile::new(path.display().to_string(), text))
}

/// Checks the text of a policy file.
pub fn parse_policy(src: SourceFile) -> Result<Vec<moat_exfil::invariant::Invariant>, LoadError> {
    let fail = |diagnostics: Vec<Diagnostic>| LoadError {
        diagnostics,
        sources: vec![src.clone()],
    };
    let raw: RawPolicy = toml::from_str(&src.text).map_err(|e| fail(vec![syntax(&src, &e)]))?;
    let mut c = Checker {
        src: &src,
        errors: Vec::new(),
    };
    let out: Vec<_> = raw
        .invariant
        .iter()
        .filter_map(|i| c.invariant(i))
        .collect();
    if c.errors.is_empty() {
        Ok(out)
    } else {
        Err(fail(c.errors))
    }
}

/// Every syntax error of the file, or else every unknown key (of the file, and of each
/// suppression), with the nearest key: all at once, where serde would stop at the first.
fn keys(src: &SourceFile) -> Vec<Diagnostic> {
    let (doc, errors) = toml::de::DeTable::parse_recoverable(&src.text);
    // The first syntax error only: those after it are mostly its echoes.
    if let Some(e) = errors.first() {
        return vec![syntax(src, e)];
    }
    let mut out = Vec::new();
    let mut check = |table: &toml::de::DeTable, known: &[&str]| {
        for k in table.keys() {
            let name = k.get_ref().as_ref();
            if !known.contains(&name) {
                let hint = match moat_model::suggest::did_you_mean(name, known.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("the keys are: {}", known.join(", ")),
                };
                out.push(error(
                    src,
                    k.span(),
                    "config",
                    format!("unknown key `{name}`"),
                    Some(hint),
                ));
            }
        }
    };
    check(doc.get_ref(), KEYS);
    for (key, known) in [("suppress", SUPPRESS_KEYS), ("invariant", INVARIANT_KEYS)] {
        if let Some((_, v)) = doc.get_ref().iter().find(|(k, _)| k.get_ref() == key)
            && let Some(entries) = v.get_ref().as_array()
        {
            for e in entries.iter() {
                if let Some(t) = e.get_ref().as_table() {
                    check(t, known);
                }
            }
        }
    }
    out.sort_by_key(|d| d.location.offset);
    out
}

/// A TOML error (syntax, an unknown key, a value of the wrong kind) at its place.
fn syntax(src: &SourceFile, e: &toml::de::Error) -> Diagnostic {
    let span = e.span().unwrap_or(0..0);
    let message = e.message().trim().to_string();
    // `unknown field `selct`, expected one of ...`: name the nearest key instead of all.
    let hint = message
        .strip_prefix("unknown field `")
        .and_then(|r| r.split('`').next())
        .map(|field| {
            let keys = if message.contains("`reason`") && !message.contains("`select`") {
                SUPPRESS_KEYS
            } else {
                KEYS
            };
            match moat_model::suggest::did_you_mean(field, keys.iter().copied()) {
                Some(k) => format!("did you mean `{k}`?"),
                None => format!("the keys are: {}", keys.join(", ")),
            }
        });
    let message = match message.split_once(", expected") {
        Some((head, _)) if hint.is_some() => head.to_string(),
        _ => message,
    };
    error(src, span, "config", message, hint)
}

fn error(
    src: &SourceFile,
    span: std::ops::Range<usize>,
    code: &str,
    message: String,
    hint: Option<String>,
) -> Diagnostic {
    Diagnostic::error(
        code,
        message,
        src.location(Span {
            offset: span.start,
            len: span.end.saturating_sub(span.start),
        }),
    )
    .with_hint(hint)
}

/// Checks the values of a parsed file, collecting every error.
struct Checker<'a> {
    src: &'a SourceFile,
    errors: Vec<Diagnostic>,
}

impl Checker<'_> {
    /// Codes or prefixes, each of which must match a rule.
    fn codes(&mut self, v: &[Spanned<String>]) -> Vec<String> {
        for c in v {
            self.code(c);
        }
        v.iter().map(|c| c.get_ref().clone()).collect()
    }

    fn code(&mut self, c: &Spanned<String>) -> bool {
        match unknown_code(c.get_ref()) {
            None => true,
            Some(hint) => {
                self.errors.push(error(
                    self.src,
                    c.span(),
                    "unknown-rule-code",
                    format!("`{}` matches no rule code", c.get_ref()),
                    Some(hint),
                ));
                false
            }
        }
    }

    fn severity(&mut self, s: &Spanned<String>) -> Option<Severity> {
        let v = Severity::parse(s.get_ref());
        if v.is_none() {
            self.errors.push(error(
                self.src,
                s.span(),
                "config",
                format!("`{}` is not a severity", s.get_ref()),
                Some("write error, warning or info".into()),
            ));
        }
        v
    }

    fn suppression(&mut self, s: &Spanned<RawSuppress>) -> Option<Suppression> {
        let raw = s.get_ref();
        let code_ok = self.code(&raw.code);
        let reason = raw
            .reason
            .as_ref()
            .map(|r| r.get_ref().trim().to_string())
            .filter(|r| !r.is_empty());
        if reason.is_none() {
            let span = raw.reason.as_ref().map_or(s.span(), Spanned::span);
            self.errors.push(error(
                self.src,
                span,
                "missing-reason",
                format!("the suppression of {} gives no reason", raw.code.get_ref()),
                Some("add reason = \"...\": why the finding does not apply here".into()),
            ));
        }
        let (line, column) = self.src.line_col(s.span().start);
        Some(Suppression {
            code: raw.code.get_ref().clone(),
            resource: raw
                .resource
                .as_ref()
                .map_or_else(|| "*".to_string(), |r| r.get_ref().clone()),
            reason: reason?,
            at: format!("{}:{line}:{column}", self.src.name),
        })
        .filter(|_| code_ok)
    }

    /// An invariant: `expect` is `denied` or `allowed`; `to` and each `except` an address or a
    /// class.
    fn invariant(&mut self, i: &Spanned<RawInvariant>) -> Option<moat_exfil::invariant::Invariant> {
        use moat_exfil::invariant::{Expect, Invariant, check_to};
        let raw = i.get_ref();
        let expect = match raw.expect.get_ref().to_ascii_lowercase().as_str() {
            "denied" => Some(Expect::Denied),
            "allowed" => Some(Expect::Allowed),
            other => {
                self.errors.push(error(
                    self.src,
                    raw.expect.span(),
                    "config",
                    format!("`{other}` is not an expectation"),
                    Some("write expect = \"denied\" or expect = \"allowed\"".into()),
                ));
                None
            }
        };
        let mut ok = true;
        for to in std::iter::once(&raw.to).chain(&raw.except) {
            if let Err(m) = check_to(to.get_ref()) {
                self.errors
                    .push(error(self.src, to.span(), "config", m, None));
                ok = false;
            }
        }
        if raw.from.get_ref().trim().is_empty() {
            self.errors.push(error(
                self.src,
                raw.from.span(),
                "config",
                "`from` is empty".into(),
                Some(
                    "an address or pattern: subnet/vnet/training, compute/*, managed-network/*"
                        .into(),
                ),
            ));
            ok = false;
        }
        let (line, column) = self.src.line_col(i.span().start);
        Some(Invariant {
            name: raw.name.get_ref().clone(),
            from: raw.from.get_ref().clone(),
            to: raw.to.get_ref().clone(),
            except: raw.except.iter().map(|e| e.get_ref().clone()).collect(),
            expect: expect?,
            at: format!("{}:{line}:{column}", self.src.name),
        })
        .filter(|_| ok)
    }

    /// `parameters`: a table of values by name, or a list as `--parameters` takes them (files,
    /// and NAME=VALUE).
    fn parameters(&mut self, p: &Spanned<toml::Value>) -> (Vec<String>, Vec<(String, String)>) {
        let mut files = Vec::new();
        let mut values = Vec::new();
        match p.get_ref() {
            toml::Value::Table(t) => {
                for (k, v) in t {
                    values.push((k.clone(), raw_value(v)));
                }
            }
            toml::Value::Array(a) if a.iter().all(toml::Value::is_str) => {
                for s in a.iter().filter_map(toml::Value::as_str) {
                    match s.split_once('=') {
                        Some((k, v)) if !k.is_empty() && !k.contains(['/', '\\']) => {
                            values.push((k.to_string(), v.to_string()))
                        }
                        _ => files.push(s.to_string()),
                    }
                }
            }
            _ => self.errors.push(error(
                self.src,
                p.span(),
                "config",
                "`parameters` is a table of values by name, or a list of files and NAME=VALUE"
                    .into(),
                Some("[parameters] then prefix = \"contoso\", or parameters = [\"prod.parameters.json\"]".into()),
            )),
        }
        (files, values)
    }
}

/// A value as `--parameters NAME=VALUE` gives it: strings as they are, other values as JSON
/// (which ARM parameters and Terraform variables both read).
fn raw_value(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        other => json_of(other).to_string(),
    }
}

fn json_of(v: &toml::Value) -> serde_json::Value {
    match v {
        toml::Value::String(s) => serde_json::json!(s),
        toml::Value::Integer(i) => serde_json::json!(i),
        toml::Value::Float(f) => serde_json::json!(f),
        toml::Value::Boolean(b) => serde_json::json!(b),
        toml::Value::Datetime(d) => serde_json::json!(d.to_string()),
        toml::Value::Array(a) => serde_json::Value::Array(a.iter().map(json_of).collect()),
        toml::Value::Table(t) => {
            serde_json::Value::Object(t.iter().map(|(k, v)| (k.clone(), json_of(v))).collect())
        }
    }
}

/// `None` when a code or prefix matches a rule; otherwise the hint for the error.
pub fn unknown_code(p: &str) -> Option<String> {
    let known: Vec<&str> = moat_rules::all().iter().map(|r| r.doc().code).collect();
    let up = p.to_ascii_uppercase();
    if !up.is_empty() && known.iter().any(|c| c.starts_with(&up)) {
        return None;
    }
    Some(
        match moat_model::suggest::did_you_mean(p, known.iter().copied()) {
            Some(s) => format!("did you mean {s}? `moat rule` lists the codes"),
            None => "`moat rule` lists the codes".to_string(),
        },
    )
}

/// Glob matching: `*` any text (including `/`), `?` one character; case-sensitive, as names
/// are (the same matching as invariants' `from`).
pub fn glob(pattern: &str, text: &str) -> bool {
    moat_exfil::invariant::glob(pattern, text)
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn globs() {
        assert!(glob("registry/*", "registry/contosoreg"));
        assert!(glob("*", "subnet/vnet/training"));
        assert!(glob("subnet/*/training", "subnet/hub/training"));
        assert!(glob("storage/st?", "storage/st1"));
        assert!(!glob("storage/st?", "storage/st12"));
        assert!(!glob("registry/*", "workspace/ws"));
        assert!(glob("workspace/ws", "workspace/ws"));
        assert!(!glob("workspace/ws", "workspace/ws2"));
    }
}
