//! Reading a Terraform module directory into declarations: variables, locals, resources, data
//! sources, module calls and outputs, each remembering its file and span. Nothing is evaluated
//! here; `hcl-edit` does the parsing and keeps the spans.

use hcl_edit::Span as _;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body, Structure};
use indexmap::IndexMap;
use moat_doc::{Limits, SourceFile};
use moat_model::{Diagnostic, Level, Location};
use std::cell::RefCell;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};

/// Whether a block declares a managed resource or a data source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Managed,
    Data,
}

/// An expression and where it is written.
#[derive(Debug)]
pub struct Item {
    pub file: usize,
    pub expr: Expression,
}

/// A `variable` block.
#[derive(Debug)]
pub struct VarDecl {
    pub file: usize,
    pub span: Option<Range<usize>>,
    pub ty: Option<Expression>,
    pub default: Option<Expression>,
    pub nullable: bool,
    /// Marked `sensitive`: a secret, which moat does not need.
    pub sensitive: bool,
}

/// A `resource` or `data` block.
#[derive(Debug)]
pub struct ResDecl {
    pub mode: Mode,
    pub rtype: String,
    pub name: String,
    pub file: usize,
    pub span: Option<Range<usize>>,
    /// The block's body; `None` once the root module's instances of it are evaluated (the
    /// root module has one instance, so nothing reads it again), to free the syntax tree
    /// while the evaluated instances grow.
    pub body: RefCell<Option<Body>>,
}

/// A `module` block.
#[derive(Debug)]
pub struct ModCall {
    pub name: String,
    pub file: usize,
    pub span: Option<Range<usize>>,
    pub source: String,
    pub source_span: Option<Range<usize>>,
    pub body: Body,
}

/// One module directory, read.
#[derive(Debug, Default)]
pub struct ModuleConfig {
    /// The directory as the user would name it.
    pub dir: PathBuf,
    pub variables: IndexMap<String, VarDecl>,
    pub locals: IndexMap<String, Item>,
    /// Managed resources and data sources in declaration order, keyed `type.name` /
    /// `data.type.name`.
    pub resources: IndexMap<String, ResDecl>,
    pub modules: IndexMap<String, ModCall>,
    pub outputs: IndexMap<String, Item>,
    /// Major version of the azurerm provider the module pins, when its constraint says.
    pub azurerm_major: Option<u32>,
}

/// Every file read, so locations can be rendered.
#[derive(Default)]
pub struct Sources {
    pub files: Vec<SourceFile>,
}

impl Sources {
    pub fn add(&mut self, f: SourceFile) -> usize {
        self.files.push(f);
        self.files.len() - 1
    }

    /// The location of a byte span of a file.
    pub fn location(&self, file: usize, span: &Option<Range<usize>>) -> Location {
        let Some(src) = self.files.get(file) else {
            return Location::default();
        };
        let r = span.clone().unwrap_or(0..0);
        src.location(moat_doc::Span {
            offset: r.start,
            len: r.end.saturating_sub(r.start),
        })
    }
}

/// A located diagnostic.
pub fn diag(
    level: Level,
    code: &str,
    message: impl Into<String>,
    location: Location,
    hint: Option<String>,
) -> Diagnostic {
    Diagnostic {
        level,
        code: code.into(),
        message: message.into(),
        location,
        hint,
    }
}

/// Normalises `a/./b/../c` lexically, so file names stay as the user would write them.
pub fn normalise(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                let last_normal =
                    matches!(out.components().next_back(), Some(Component::Normal(_)));
                if last_normal {
                    out.pop();
                } else {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    if out.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        out
    }
}

/// Parses one file; a syntax error becomes a located diagnostic.
pub fn parse_file(src: &SourceFile) -> Result<Body, Box<Diagnostic>> {
    hcl_edit::parser::parse_body(&src.text).map_err(|e| {
        let loc = e.location();
        let offset = src.offset_of(loc.line(), loc.column().saturating_sub(1));
        let message = e
            .message()
            .lines()
            .next()
            .unwrap_or("syntax error")
            .to_string();
        Box::new(diag(
            Level::Error,
            "syntax",
            format!("HCL syntax error: {message}"),
            Location {
                file: src.name.clone(),
                line: loc.line() as u32,
                column: loc.column() as u32,
                offset,
                len: 0,
            },
            Some(format!("the line reads: {}", e.line().trim())),
        ))
    })
}

/// Reads the `.tf` files of a module directory (or a single file) into a configuration.
pub fn read_module(
    path: &Path,
    single_file: bool,
    limits: Limits,
    sources: &mut Sources,
    errors: &mut Vec<Diagnostic>,
    warnings: &mut Vec<Diagnostic>,
) -> Result<ModuleConfig, moat_doc::LoadError> {
    let (dir, files) = if single_file {
        (
            path.parent().map(Path::to_path_buf).unwrap_or_default(),
            vec![path.to_path_buf()],
        )
    } else {
        let rd = std::fs::read_dir(path).map_err(|e| {
            moat_doc::LoadError::at_path(
                "io",
                format!("cannot read {}: {e}", path.display()),
                path,
                Some("check the path".into()),
            )
        })?;
        let mut files: Vec<PathBuf> = Vec::new();
        for entry in rd.flatten() {
            let p = entry.path();
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if !p.is_file() {
                continue;
            }
            if name.ends_with(".tf.json") {
                warnings.push(diag(
                    Level::Warning,
                    "unsupported-file",
                    format!(
                        "{} is Terraform JSON syntax, which moat does not read",
                        p.display()
                    ),
                    Location {
                        file: p.display().to_string(),
                        ..Default::default()
                    },
                    Some("write the configuration in HCL (.tf)".into()),
                ));
            } else if name.ends_with(".tf") {
                files.push(normalise(&p));
            }
        }
        files.sort();
        (path.to_path_buf(), files)
    };
    let mut cfg = ModuleConfig {
        dir: normalise(&dir),
        ..Default::default()
    };
    for f in files {
        let src = moat_doc::read_source(&f, limits)?;
        let parsed = parse_file(&src);
        let id = sources.add(src);
        match parsed {
            Ok(body) => collect(&mut cfg, body, id, sources, errors, warnings),
            Err(d) => errors.push(*d),
        }
    }
    Ok(cfg)
}

/// Reads one file given as text (not read from disk) into a configuration whose directory is
/// `.`; the caller decides whether modules it calls are read.
pub fn read_text(
    name: &str,
    text: &str,
    sources: &mut Sources,
    errors: &mut Vec<Diagnostic>,
    warnings: &mut Vec<Diagnostic>,
) -> ModuleConfig {
    let mut cfg = ModuleConfig {
        dir: PathBuf::from("."),
        ..Default::default()
    };
    let src = SourceFile::new(name, text.to_string());
    let parsed = parse_file(&src);
    let id = sources.add(src);
    match parsed {
        Ok(body) => collect(&mut cfg, body, id, sources, errors, warnings),
        Err(d) => errors.push(*d),
    }
    cfg
}

fn label(b: &Block, i: usize) -> Option<String> {
    b.labels.get(i).map(|l| l.as_str().to_string())
}

fn collect(
    cfg: &mut ModuleConfig,
    body: Body,
    file: usize,
    sources: &Sources,
    errors: &mut Vec<Diagnostic>,
    warnings: &mut Vec<Diagnostic>,
) {
    for st in body.into_iter() {
        let block = match st {
            Structure::Block(b) => b,
            Structure::Attribute(a) => {
                errors.push(diag(
                    Level::Error,
                    "syntax",
                    format!("unexpected attribute `{}` at the top level", a.key.as_str()),
                    sources.location(file, &a.span()),
                    Some("top-level declarations are blocks: resource, data, variable, locals, module, output".into()),
                ));
                continue;
            }
        };
        let span = block.span();
        let at = sources.location(file, &span);
        let dup = |errors: &mut Vec<Diagnostic>, what: String| {
            errors.push(diag(
                Level::Error,
                "duplicate-name",
                format!("{what} is declared twice"),
                at.clone(),
                Some("Terraform requires unique names per module".into()),
            ));
        };
        let bad_labels = |errors: &mut Vec<Diagnostic>, n: usize| {
            errors.push(diag(
                Level::Error,
                "syntax",
                format!("a `{}` block takes {n} label(s)", block.ident.as_str()),
                at.clone(),
                None,
            ));
        };
        match block.ident.as_str() {
            kind @ ("resource" | "data") => {
                let (Some(t), Some(n), 2) =
                    (label(&block, 0), label(&block, 1), block.labels.len())
                else {
                    bad_labels(errors, 2);
                    continue;
                };
                let mode = if kind == "data" {
                    Mode::Data
                } else {
                    Mode::Managed
                };
                let key = if mode == Mode::Data {
                    format!("data.{t}.{n}")
                } else {
                    format!("{t}.{n}")
                };
                if cfg.resources.contains_key(&key) {
                    dup(errors, format!("`{key}`"));
                    continue;
                }
                cfg.resources.insert(
                    key,
                    ResDecl {
                        mode,
                        rtype: t,
                        name: n,
                        file,
                        span,
                        body: RefCell::new(Some(block.body)),
                    },
                );
            }
            "variable" => {
                let (Some(n), 1) = (label(&block, 0), block.labels.len()) else {
                    bad_labels(errors, 1);
                    continue;
                };
                if cfg.variables.contains_key(&n) {
                    dup(errors, format!("variable `{n}`"));
                    continue;
                }
                let mut ty = None;
                let mut default = None;
                let mut nullable = true;
                let mut sensitive = false;
                for s in block.body.into_iter() {
                    if let Structure::Attribute(a) = s {
                        match a.key.as_str() {
                            "type" => ty = Some(a.value),
                            "default" => default = Some(a.value),
                            "nullable" => {
                                nullable =
                                    !matches!(a.value, Expression::Bool(ref b) if !*b.value())
                            }
                            "sensitive" => {
                                sensitive = matches!(a.value, Expression::Bool(ref b) if *b.value())
                            }
                            _ => {}
                        }
                    }
                }
                cfg.variables.insert(
                    n,
                    VarDecl {
                        file,
                        span,
                        ty,
                        default,
                        nullable,
                        sensitive,
                    },
                );
            }
            "locals" => {
                for s in block.body.into_iter() {
                    match s {
                        Structure::Attribute(a) => {
                            let name = a.key.as_str().to_string();
                            if cfg.locals.contains_key(&name) {
                                dup(errors, format!("local `{name}`"));
                                continue;
                            }
                            cfg.locals.insert(
                                name,
                                Item {
                                    file,
                                    expr: a.value,
                                },
                            );
                        }
                        Structure::Block(b) => errors.push(diag(
                            Level::Error,
                            "syntax",
                            format!("unexpected block `{}` in locals", b.ident.as_str()),
                            sources.location(file, &b.span()),
                            None,
                        )),
                    }
                }
            }
            "output" => {
                let (Some(n), 1) = (label(&block, 0), block.labels.len()) else {
                    bad_labels(errors, 1);
                    continue;
                };
                let value = block.body.into_iter().find_map(|s| match s {
                    Structure::Attribute(a) if a.key.as_str() == "value" => Some(a),
                    _ => None,
                });
                match value {
                    Some(a) => {
                        cfg.outputs.insert(
                            n,
                            Item {
                                file,
                                expr: a.value,
                            },
                        );
                    }
                    None => errors.push(diag(
                        Level::Error,
                        "missing-field",
                        format!("output `{n}` has no value"),
                        at.clone(),
                        None,
                    )),
                }
            }
            "module" => {
                let (Some(n), 1) = (label(&block, 0), block.labels.len()) else {
                    bad_labels(errors, 1);
                    continue;
                };
                if cfg.modules.contains_key(&n) {
                    dup(errors, format!("module `{n}`"));
                    continue;
                }
                let src_attr = block.body.get_attribute("source");
                let (source, source_span) = match src_attr.map(|a| (&a.value, a.value.span())) {
                    Some((Expression::String(s), sp)) => (s.value().clone(), sp),
                    Some((_, sp)) => {
                        errors.push(diag(
                            Level::Error,
                            "invalid-value",
                            format!("the source of module `{n}` must be a literal string"),
                            sources.location(file, &sp),
                            None,
                        ));
                        continue;
                    }
                    None => {
                        errors.push(diag(
                            Level::Error,
                            "missing-field",
                            format!("module `{n}` has no source"),
                            at.clone(),
                            None,
                        ));
                        continue;
                    }
                };
                cfg.modules.insert(
                    n.clone(),
                    ModCall {
                        name: n,
                        file,
                        span,
                        source,
                        source_span,
                        body: block.body,
                    },
                );
            }
            "terraform" => {
                if let Some(v) = azurerm_version(&block.body) {
                    cfg.azurerm_major = major_of_constraint(&v);
                }
            }
            "provider" | "moved" | "import" | "check" | "removed" => {}
            other => warnings.push(diag(
                Level::Warning,
                "unknown-block",
                format!("top-level block `{other}` is not understood and was skipped"),
                at.clone(),
                None,
            )),
        }
    }
}

/// The version constraint of `required_providers { azurerm = { version = "..." } }`.
fn azurerm_version(body: &Body) -> Option<String> {
    let rp = body.get_blocks("required_providers").next()?;
    let a = rp.body.get_attribute("azurerm")?;
    let Expression::Object(o) = &a.value else {
        return None;
    };
    o.iter().find_map(|(k, v)| {
        let key = match k {
            hcl_edit::expr::ObjectKey::Ident(i) => i.as_str().to_string(),
            hcl_edit::expr::ObjectKey::Expression(Expression::String(s)) => s.value().clone(),
            _ => return None,
        };
        match (key.as_str(), v.expr()) {
            ("version", Expression::String(s)) => Some(s.value().clone()),
            _ => None,
        }
    })
}

/// The provider major version a constraint selects: `~> 3.0`, `= 3.1.0`, `3.116.0` pin a
/// major; `>= 3.0, < 4.0` caps it; a lower bound alone lets Terraform pick the newest.
pub fn major_of_constraint(c: &str) -> Option<u32> {
    let num = |s: &str| -> Option<(u32, bool)> {
        let s = s.trim();
        let mut parts = s.split('.');
        let major = parts.next()?.trim().parse::<u32>().ok()?;
        let rest_zero = parts.all(|p| p.trim().trim_start_matches('0').is_empty());
        Some((major, rest_zero))
    };
    let mut cap = None;
    for part in c.split(',') {
        let p = part.trim();
        if let Some(v) = p.strip_prefix("~>") {
            return num(v).map(|x| x.0);
        } else if let Some(v) = p.strip_prefix("<=") {
            cap = num(v).map(|x| x.0);
        } else if let Some(v) = p.strip_prefix('<') {
            cap = num(v).map(|(m, zero)| if zero { m.saturating_sub(1) } else { m });
        } else if p.starts_with(">") || p.starts_with("!=") {
        } else if let Some((m, _)) = num(p.trim_start_matches('=')) {
            return Some(m);
        }
    }
    cap
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constraints_select_majors() {
        assert_eq!(major_of_constraint("~> 3.0"), Some(3));
        assert_eq!(major_of_constraint(">= 3.50, < 4.0"), Some(3));
        assert_eq!(major_of_constraint("= 4.1.0"), Some(4));
        assert_eq!(major_of_constraint(">= 3.0"), None);
    }

    #[test]
    fn paths_normalise_lexically() {
        assert_eq!(normalise(Path::new("a/./b/../c")), PathBuf::from("a/c"));
        assert_eq!(normalise(Path::new("../x/./y")), PathBuf::from("../x/y"));
    }
}
