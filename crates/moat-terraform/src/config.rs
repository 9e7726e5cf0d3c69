//! Reading a Terraform module directory into declarations: variables, locals, resources, data
//! sources, module calls and outputs, each remembering its file and span. Nothing is evaluated
//! here; `hcl-edit` does the parsing and keeps the spans.
//!
//! A file is parsed a top-level block at a time ([`crate::split`]), and a resource's block
//! keeps no syntax tree until it is evaluated (it is parsed again then): the tree of a large
//! file is many times its text, and only one block's is built at once.

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
    /// The part of a file the block was parsed from: the block alone when its body is
    /// [`ResBody::Unparsed`].
    pub file: usize,
    pub span: Option<Range<usize>>,
    pub body: RefCell<ResBody>,
}

/// The body of a resource block.
#[derive(Debug)]
pub enum ResBody {
    Parsed(Body),
    /// Parsed (and checked) when the file was read, then dropped: the block is parsed again
    /// from its text when it is evaluated.
    Unparsed,
    /// Dropped once the root module's instances of it are evaluated (the root module has one
    /// instance, so nothing reads it again), to free the syntax tree while the evaluated
    /// instances grow.
    Freed,
}

impl ResDecl {
    /// Parses the body again if it was dropped after the file was read; false if it no longer
    /// parses (the text has not changed, so it does).
    pub fn parse_again(&self, sources: &Sources) -> bool {
        if !matches!(*self.body.borrow(), ResBody::Unparsed) {
            return true;
        }
        let body = sources
            .text(self.file)
            .and_then(|t| hcl_edit::parser::parse_body(t).ok())
            .and_then(|b| b.into_iter().next())
            .and_then(|s| s.into_block().ok());
        match body {
            Some(b) => {
                *self.body.borrow_mut() = ResBody::Parsed(b.body);
                true
            }
            None => false,
        }
    }
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

/// Every file read, so locations can be rendered. What declarations call their `file` is the
/// id of a part of a file (the whole file, or one top-level block of it): the spans of a tree
/// parsed from a part count from the part's start.
#[derive(Default)]
pub struct Sources {
    pub files: Vec<SourceFile>,
    parts: Vec<Part>,
}

/// A byte range of a file.
struct Part {
    file: usize,
    range: Range<usize>,
}

impl Sources {
    /// Adds a file; returns the id of the whole of it.
    pub fn add(&mut self, f: SourceFile) -> usize {
        let range = 0..f.text.len();
        self.files.push(f);
        self.parts.push(Part {
            file: self.files.len() - 1,
            range,
        });
        self.parts.len() - 1
    }

    /// The id of a range of a part, the range counted from the part's start.
    fn part(&mut self, of: usize, r: Range<usize>) -> usize {
        let p = &self.parts[of];
        let (file, base) = (p.file, p.range.start);
        self.parts.push(Part {
            file,
            range: base + r.start..base + r.end,
        });
        self.parts.len() - 1
    }

    /// The file (its index in `files`) of a part, and the offset of the part in it.
    pub fn resolve(&self, id: usize) -> Option<(usize, usize)> {
        self.parts.get(id).map(|p| (p.file, p.range.start))
    }

    /// The text of a part.
    pub fn text(&self, id: usize) -> Option<&str> {
        let p = self.parts.get(id)?;
        self.files.get(p.file)?.text.get(p.range.clone())
    }

    /// The location of a byte span of a part of a file (no span: the file's start).
    pub fn location(&self, file: usize, span: &Option<Range<usize>>) -> Location {
        let Some((src, base)) = self
            .resolve(file)
            .and_then(|(f, base)| Some((self.files.get(f)?, base)))
        else {
            return Location::default();
        };
        let r = span.clone().map_or(0..0, |r| base + r.start..base + r.end);
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
        read_file(&mut cfg, src, sources, errors, warnings);
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
    read_file(
        &mut cfg,
        SourceFile::new(name, text.to_string()),
        sources,
        errors,
        warnings,
    );
    cfg
}

/// Reads one file into a configuration: a top-level block at a time when it splits into
/// blocks that each parse; otherwise the whole file at once, which gives hcl-edit's own
/// diagnostic for a syntax error (and reads a top-level attribute, an error, as before).
fn read_file(
    cfg: &mut ModuleConfig,
    src: SourceFile,
    sources: &mut Sources,
    errors: &mut Vec<Diagnostic>,
    warnings: &mut Vec<Diagnostic>,
) {
    let file = sources.add(src);
    if let Some(blocks) = parse_blockwise(sources, file) {
        for (part, st, unparsed) in blocks {
            collect(cfg, st, part, unparsed, sources, errors, warnings);
        }
        return;
    }
    let parsed = match sources.resolve(file) {
        Some((f, _)) => parse_file(&sources.files[f]),
        None => return,
    };
    match parsed {
        Ok(body) => {
            for st in body {
                collect(cfg, st, file, false, sources, errors, warnings);
            }
        }
        Err(d) => errors.push(*d),
    }
}

/// The top-level blocks of a file, each parsed alone, with the id of its part of the file and
/// whether its body was dropped (a resource's, parsed again when it is evaluated); `None` if
/// the file does not split or a part does not parse as blocks.
fn parse_blockwise(sources: &mut Sources, file: usize) -> Option<Vec<(usize, Structure, bool)>> {
    let pieces = crate::split::split(sources.text(file)?).ok()?;
    let mut out = Vec::with_capacity(pieces.len());
    for r in pieces {
        let body = hcl_edit::parser::parse_body(sources.text(file)?.get(r.clone())?).ok()?;
        let part = sources.part(file, r);
        let alone = body.len() == 1;
        for st in body {
            let Structure::Block(mut b) = st else {
                return None;
            };
            let unparsed =
                alone && b.labels.len() == 2 && matches!(b.ident.as_str(), "resource" | "data");
            if unparsed {
                b.body = Body::new();
            }
            out.push((part, Structure::Block(b), unparsed));
        }
    }
    Some(out)
}

fn label(b: &Block, i: usize) -> Option<String> {
    b.labels.get(i).map(|l| l.as_str().to_string())
}

/// Adds one top-level structure of a file to a configuration; `unparsed`: a resource block
/// whose body was dropped, to parse again from its part of the file.
fn collect(
    cfg: &mut ModuleConfig,
    st: Structure,
    file: usize,
    unparsed: bool,
    sources: &Sources,
    errors: &mut Vec<Diagnostic>,
    warnings: &mut Vec<Diagnostic>,
) {
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
            return;
        }
    };
    let span = block.span();
    let d = Declared {
        file,
        at: sources.location(file, &span),
        span,
        sources,
    };
    match block.ident.as_str() {
        "resource" | "data" => d.resource(cfg, block, unparsed, errors),
        "variable" => d.variable(cfg, block, errors),
        "locals" => d.locals(cfg, block, errors),
        "output" => d.output(cfg, block, errors),
        "module" => d.module(cfg, block, errors),
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
            d.at,
            None,
        )),
    }
}

/// Where a top-level block is: what it declares is kept with its file and span, and its
/// errors are located at it.
struct Declared<'s> {
    file: usize,
    span: Option<Range<usize>>,
    at: Location,
    sources: &'s Sources,
}

impl Declared<'_> {
    fn duplicate(&self, errors: &mut Vec<Diagnostic>, what: String) {
        errors.push(diag(
            Level::Error,
            "duplicate-name",
            format!("{what} is declared twice"),
            self.at.clone(),
            Some("Terraform requires unique names per module".into()),
        ));
    }

    /// The block's one label (`variable`, `output`, `module`), or an error.
    fn name(&self, block: &Block, errors: &mut Vec<Diagnostic>) -> Option<String> {
        match (label(block, 0), block.labels.len()) {
            (Some(n), 1) => Some(n),
            _ => {
                self.bad_labels(block, errors, 1);
                None
            }
        }
    }

    fn bad_labels(&self, block: &Block, errors: &mut Vec<Diagnostic>, n: usize) {
        errors.push(diag(
            Level::Error,
            "syntax",
            format!("a `{}` block takes {n} label(s)", block.ident.as_str()),
            self.at.clone(),
            None,
        ));
    }

    /// A `resource` or `data` block: its body kept unevaluated (or to parse again).
    fn resource(
        self,
        cfg: &mut ModuleConfig,
        block: Block,
        unparsed: bool,
        errors: &mut Vec<Diagnostic>,
    ) {
        let (Some(t), Some(n), 2) = (label(&block, 0), label(&block, 1), block.labels.len()) else {
            self.bad_labels(&block, errors, 2);
            return;
        };
        let mode = if block.ident.as_str() == "data" {
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
            self.duplicate(errors, format!("`{key}`"));
            return;
        }
        cfg.resources.insert(
            key,
            ResDecl {
                mode,
                rtype: t,
                name: n,
                file: self.file,
                span: self.span,
                body: RefCell::new(if unparsed {
                    ResBody::Unparsed
                } else {
                    ResBody::Parsed(block.body)
                }),
            },
        );
    }

    /// A `variable` block: its type, default, and whether it is nullable or sensitive.
    fn variable(self, cfg: &mut ModuleConfig, block: Block, errors: &mut Vec<Diagnostic>) {
        let Some(n) = self.name(&block, errors) else {
            return;
        };
        if cfg.variables.contains_key(&n) {
            self.duplicate(errors, format!("variable `{n}`"));
            return;
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
                        nullable = !matches!(a.value, Expression::Bool(ref b) if !*b.value())
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
                file: self.file,
                span: self.span,
                ty,
                default,
                nullable,
                sensitive,
            },
        );
    }

    /// A `locals` block: each attribute a local.
    fn locals(self, cfg: &mut ModuleConfig, block: Block, errors: &mut Vec<Diagnostic>) {
        for s in block.body.into_iter() {
            match s {
                Structure::Attribute(a) => {
                    let name = a.key.as_str().to_string();
                    if cfg.locals.contains_key(&name) {
                        self.duplicate(errors, format!("local `{name}`"));
                        continue;
                    }
                    cfg.locals.insert(
                        name,
                        Item {
                            file: self.file,
                            expr: a.value,
                        },
                    );
                }
                Structure::Block(b) => errors.push(diag(
                    Level::Error,
                    "syntax",
                    format!("unexpected block `{}` in locals", b.ident.as_str()),
                    self.sources.location(self.file, &b.span()),
                    None,
                )),
            }
        }
    }

    /// An `output` block: its value.
    fn output(self, cfg: &mut ModuleConfig, block: Block, errors: &mut Vec<Diagnostic>) {
        let Some(n) = self.name(&block, errors) else {
            return;
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
                        file: self.file,
                        expr: a.value,
                    },
                );
            }
            None => errors.push(diag(
                Level::Error,
                "missing-field",
                format!("output `{n}` has no value"),
                self.at,
                None,
            )),
        }
    }

    /// A `module` block: its source, a literal string, and its arguments.
    fn module(self, cfg: &mut ModuleConfig, block: Block, errors: &mut Vec<Diagnostic>) {
        let Some(n) = self.name(&block, errors) else {
            return;
        };
        if cfg.modules.contains_key(&n) {
            self.duplicate(errors, format!("module `{n}`"));
            return;
        }
        let src_attr = block.body.get_attribute("source");
        let (source, source_span) = match src_attr.map(|a| (&a.value, a.value.span())) {
            Some((Expression::String(s), sp)) => (s.value().clone(), sp),
            Some((_, sp)) => {
                errors.push(diag(
                    Level::Error,
                    "invalid-value",
                    format!("the source of module `{n}` must be a literal string"),
                    self.sources.location(self.file, &sp),
                    None,
                ));
                return;
            }
            None => {
                errors.push(diag(
                    Level::Error,
                    "missing-field",
                    format!("module `{n}` has no source"),
                    self.at,
                    None,
                ));
                return;
            }
        };
        cfg.modules.insert(
            n.clone(),
            ModCall {
                name: n,
                file: self.file,
                span: self.span,
                source,
                source_span,
                body: block.body,
            },
        );
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

/// The azurerm major version `terraform init` installed, as the dependency lock file
/// (`.terraform.lock.hcl`, kept beside the configuration) records it:
/// `provider "registry.terraform.io/hashicorp/azurerm" { version = "3.116.0" ... }`. It wins
/// over the constraint, which may allow several majors.
pub fn locked_azurerm_major(text: &str) -> Option<u32> {
    let body = hcl_edit::parser::parse_body(text).ok()?;
    body.get_blocks("provider").find_map(|b| {
        let label = b.labels.first()?;
        let source = label.as_str().to_ascii_lowercase();
        if !source.ends_with("/hashicorp/azurerm") && source != "hashicorp/azurerm" {
            return None;
        }
        match &b.body.get_attribute("version")?.value {
            Expression::String(v) => v.value().split('.').next()?.trim().parse().ok(),
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
    fn lock_files_give_the_installed_major() {
        let lock = r#"
# This file is maintained automatically by "terraform init".
provider "registry.terraform.io/hashicorp/random" {
  version = "3.6.3"
}

provider "registry.terraform.io/hashicorp/azurerm" {
  version     = "3.116.0"
  constraints = ">= 3.60.0"
  hashes = [
    "h1:AAAA",
  ]
}
"#;
        assert_eq!(locked_azurerm_major(lock), Some(3));
        assert_eq!(
            locked_azurerm_major(
                "provider \"registry.terraform.io/azure/azapi\" {\n  version = \"2.2.0\"\n}\n"
            ),
            None
        );
        assert_eq!(locked_azurerm_major("not hcl {"), None);
    }

    /// Reads `text` as one file the way a file that does not split is read: parsed whole.
    fn read_whole(text: &str) -> (ModuleConfig, Sources, Vec<Diagnostic>, Vec<Diagnostic>) {
        let mut cfg = ModuleConfig::default();
        let mut sources = Sources::default();
        let (mut errors, mut warnings) = (Vec::new(), Vec::new());
        let file = sources.add(SourceFile::new("main.tf", text.to_string()));
        match parse_file(&sources.files[0]) {
            Ok(body) => {
                for st in body {
                    collect(
                        &mut cfg,
                        st,
                        file,
                        false,
                        &sources,
                        &mut errors,
                        &mut warnings,
                    );
                }
            }
            Err(d) => errors.push(*d),
        }
        (cfg, sources, errors, warnings)
    }

    /// Reads `text` as one file, as `read_text` does.
    fn read(text: &str) -> (ModuleConfig, Sources, Vec<Diagnostic>, Vec<Diagnostic>) {
        let mut sources = Sources::default();
        let (mut errors, mut warnings) = (Vec::new(), Vec::new());
        let cfg = read_text("main.tf", text, &mut sources, &mut errors, &mut warnings);
        (cfg, sources, errors, warnings)
    }

    /// Every declaration with the location of it and of what it holds (a resource's body
    /// parsed again).
    fn declarations(cfg: &ModuleConfig, sources: &Sources) -> Vec<String> {
        let at = |file: usize, span: &Option<Range<usize>>| {
            let l = sources.location(file, span);
            format!(
                "{}:{}:{} ({}+{})",
                l.file, l.line, l.column, l.offset, l.len
            )
        };
        let mut out = Vec::new();
        for (k, v) in &cfg.variables {
            out.push(format!("variable {k} at {}", at(v.file, &v.span)));
            if let Some(d) = &v.default {
                out.push(format!("  default at {}", at(v.file, &d.span())));
            }
        }
        for (k, l) in &cfg.locals {
            out.push(format!("local {k} at {}", at(l.file, &l.expr.span())));
        }
        for (k, r) in &cfg.resources {
            assert!(r.parse_again(sources), "{k} parses again");
            out.push(format!("{k} at {}", at(r.file, &r.span)));
            if let ResBody::Parsed(b) = &*r.body.borrow() {
                for st in b.iter() {
                    let what = match st {
                        Structure::Attribute(a) => a.key.as_str(),
                        Structure::Block(b) => b.ident.as_str(),
                    };
                    out.push(format!("  {what} at {}", at(r.file, &st.span())));
                }
            }
        }
        for (k, m) in &cfg.modules {
            out.push(format!("module {k} at {}", at(m.file, &m.span)));
            out.push(format!("  source at {}", at(m.file, &m.source_span)));
        }
        for (k, o) in &cfg.outputs {
            out.push(format!("output {k} at {}", at(o.file, &o.expr.span())));
        }
        out
    }

    const BLOCKS: &str = r#"# Braces in comments: { /* {
variable "name" {
  default = "a}b{c" # }
}

/* a block comment {
   over lines */
locals {
  script = <<-EOT
    {
    EOTX
    ${jsonencode({ a = "}" })}
    EOT
  plain  = "$${not}%%{this}"
}

resource "azurerm_resource_group" "rg" {
  name     = "${var.name}-{rg}"
  location = "eastus"
}

data "azurerm_client_config" "current" {}

resource "azurerm_virtual_network" "v" {
  name = "v" // }
  dynamic "subnet" {
    for_each = { a = 1 }
    content {
      name = subnet.key
    }
  }
}
resource "azurerm_virtual_network" "v" {}
variable "labels" "two" {}
module "net" {
  source = "./net"
}
output "id" {
  value = azurerm_resource_group.rg.id
}
"#;

    #[test]
    fn a_file_read_a_block_at_a_time_is_read_and_located_as_a_whole() {
        let (cfg, sources, errors, warnings) = read(BLOCKS);
        // A block at a time: each resource's body is dropped until it is evaluated.
        assert!(
            cfg.resources
                .values()
                .all(|r| matches!(*r.body.borrow(), ResBody::Unparsed))
        );
        let (whole, whole_sources, whole_errors, whole_warnings) = read_whole(BLOCKS);
        assert!(
            whole
                .resources
                .values()
                .all(|r| matches!(*r.body.borrow(), ResBody::Parsed(_)))
        );
        let got = declarations(&cfg, &sources);
        assert_eq!(got, declarations(&whole, &whole_sources));
        // `name = "v"` of the second resource, on line 25 of the text.
        let offset = BLOCKS.find("name = \"v\"").unwrap_or_default();
        let name = format!("  name at main.tf:25:3 ({offset}+10)");
        assert!(got.contains(&name), "{got:#?}");
        assert_eq!(errors, whole_errors);
        // The duplicate resource and the variable with two labels, at their lines.
        let lines: Vec<_> = errors
            .iter()
            .map(|d| (d.code.as_str(), d.location.line))
            .collect();
        assert_eq!(lines, [("duplicate-name", 33), ("syntax", 34)]);
        assert_eq!(warnings, whole_warnings);
    }

    #[test]
    fn an_empty_heredoc_reads_as_hcl_edit_reads_it_whole() {
        // The first heredoc runs to the next line holding its delimiter (one resource), or is
        // empty when none follows (two).
        for (text, count) in [
            (
                "resource \"t\" \"a\" {\n  h = <<E\nE\n}\nresource \"t\" \"b\" {\n  h = <<E\nx\nE\n}\n",
                1,
            ),
            (
                "resource \"t\" \"a\" {\n  h = <<E\nE\n}\nresource \"t\" \"b\" {}\n",
                2,
            ),
        ] {
            let (cfg, sources, errors, _) = read(text);
            let (whole, whole_sources, whole_errors, _) = read_whole(text);
            assert_eq!(cfg.resources.len(), count, "{text:?}");
            assert_eq!(errors, whole_errors);
            assert_eq!(
                declarations(&cfg, &sources),
                declarations(&whole, &whole_sources)
            );
        }
    }

    #[test]
    fn a_file_that_does_not_read_a_block_at_a_time_is_read_whole() {
        // A syntax error in a later block, a top-level attribute (which the parser also
        // rejects when given twice), a block its splitting cannot close: hcl-edit's own
        // diagnostics for the whole file, and the same declarations.
        for text in [
            "variable \"a\" {}\nresource \"t\" \"n\" {\n  name = \"a\"\n  x = [\n}\n",
            "variable \"a\" {}\nresource \"t\" \"n\" {\n  name = = \"a\"\n}\nvariable \"b\" {}\n",
            "variable \"a\" {}\nx = 1\nresource \"t\" \"n\" {}\n",
            "variable \"a\" {}\nx = 1\nx = 2\n",
            "variable \"a\" {}\nresource \"t\" \"n\" {\n  s = \"${\"}\"\n}\n",
            "variable \"a\" {}\nresource \"t\" \"n\" {\n  s = <<EOT\n  }\n",
        ] {
            let (cfg, sources, errors, warnings) = read(text);
            let (whole, whole_sources, whole_errors, whole_warnings) = read_whole(text);
            assert!(!errors.is_empty(), "{text:?}");
            assert_eq!(errors, whole_errors, "{text:?}");
            assert_eq!(warnings, whole_warnings, "{text:?}");
            assert_eq!(
                declarations(&cfg, &sources),
                declarations(&whole, &whole_sources),
                "{text:?}"
            );
        }
        let (_, _, errors, _) =
            read("variable \"a\" {}\nresource \"t\" \"n\" {\n  name = \"a\"\n  x = [\n}\n");
        assert_eq!(
            (errors[0].code.as_str(), errors[0].location.line),
            ("syntax", 5)
        );
    }

    #[test]
    fn paths_normalise_lexically() {
        assert_eq!(normalise(Path::new("a/./b/../c")), PathBuf::from("a/c"));
        assert_eq!(normalise(Path::new("../x/./y")), PathBuf::from("../x/y"));
    }
}
