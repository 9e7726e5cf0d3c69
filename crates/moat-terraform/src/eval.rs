//! The evaluator: module instances, lazy resolution of references, expressions.
//!
//! Every named thing (variable, local, resource, module output) is evaluated on first use and
//! memoised per module instance, so declaration order does not matter and a reference cycle is
//! detected (it yields an unknown and a warning) instead of looping. Each resolution counts
//! against a depth bound and every expression node against a step budget, so hostile input
//! ends in an error rather than a hang or a stack overflow.

use crate::config::{self, ModCall, Mode, ModuleConfig, ResBody, ResDecl, Sources};
use crate::funcs;
use crate::ids;
use crate::types::{self, Ty};
use crate::value::{Loc, ResObj, Unk, Value};
use hcl_edit::Span as _;
use hcl_edit::expr::{
    BinaryOperator, Expression, ForExpr, ObjectKey, TraversalOperator, UnaryOperator,
};
use hcl_edit::structure::{Block, Body, Structure};
use hcl_edit::template::{Directive, Element, Strip, Template};
use moat_doc::Limits;
use moat_model::{Diagnostic, Level};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;
use std::path::PathBuf;
use std::rc::Rc;

mod calls;
mod condition;
mod expressions;
mod modules;
mod references;
mod resources;
mod variables;

use references::get_attr;
pub use references::get_attr_of;

/// Most instances one `count` or `for_each` may create.
pub const MAX_INSTANCES: usize = 10_000;
/// Deepest chain of references resolved inside one another.
const MAX_RESOLUTION_DEPTH: usize = 1000;
/// Deepest nesting of module calls.
const MAX_MODULE_DEPTH: usize = 32;
/// Largest collection a function may build.
pub const MAX_COLLECTION: usize = 1_000_000;
/// Longest string a function may build.
pub const MAX_STRING: usize = 16 * 1024 * 1024;

/// An evaluation error: Terraform would reject the expression. `fatal` errors (budgets
/// exhausted, module recursion) stop the whole load and are not caught by `try`/`can`.
#[derive(Debug)]
pub struct EvalErr {
    pub msg: String,
    pub at: Loc,
    pub fatal: bool,
}

pub type R<T> = Result<T, EvalErr>;

pub fn err<T>(msg: impl Into<String>, at: &Loc) -> R<T> {
    Err(EvalErr {
        msg: msg.into(),
        at: at.clone(),
        fatal: false,
    })
}

/// An instance key: `[0]` or `["name"]`.
#[derive(Clone, Debug, PartialEq)]
pub enum Key {
    Int(usize),
    Str(String),
}

impl Key {
    fn suffix(&self) -> String {
        match self {
            Key::Int(i) => format!("[{i}]"),
            Key::Str(s) => format!("[{s:?}]"),
        }
    }
}

/// What `count` / `for_each` made of a declaration.
enum Expansion {
    Single,
    Count(usize),
    ForEach(Vec<(String, Value)>),
    Unknown(Value),
}

/// A resource or data source instance, evaluated.
#[derive(Debug)]
pub struct Record {
    pub mode: Mode,
    pub rtype: String,
    /// Full address (`module.net.azurerm_subnet.pe[0]`).
    pub addr: String,
    pub obj: Rc<ResObj>,
}

/// A declaration whose instances cannot be known (unknown `count`/`for_each`, a module whose
/// source is not local).
#[derive(Debug)]
pub struct Unexpanded {
    pub addr: String,
    pub kind: String,
    pub field: String,
    pub reason: String,
    /// The `count`/`for_each` expression as written, blanks collapsed: declarations whose
    /// expansion is unknown for the same reason exist together only if it is the same
    /// expression (`var.mode == "a"` and `var.mode == "b"` exclude each other).
    pub expr: Option<String>,
    /// The condition the expression stands for where it is written: module inputs replaced by
    /// what the caller binds them to, and names of a module instance prefixed with its address
    /// (the `condition` module). The same text in two module instances may be two conditions.
    pub condition: Option<String>,
    pub at: Loc,
    /// Whether one instance with an unknown index stands for the declaration (a resource);
    /// otherwise nothing was instantiated (a module).
    pub instance: bool,
}

/// Names in scope while evaluating an expression.
#[derive(Clone, Debug)]
pub struct Scope {
    /// The module instance; `None` for literal contexts (tfvars, defaults).
    pub inst: Option<usize>,
    pub file: usize,
    pub each: Option<(Value, Value)>,
    pub count: Option<usize>,
    /// An instance of a resource whose `count`/`for_each` is unknown: `count.index`,
    /// `each.key` and `each.value` are unknown too.
    pub open_instance: bool,
    /// Variables bound by `for` expressions and dynamic block iterators, innermost last.
    pub vars: Vec<(String, Value)>,
}

impl Scope {
    fn with_var(&self, name: &str, v: Value) -> Scope {
        let mut s = self.clone();
        s.vars.push((name.to_string(), v));
        s
    }
}

enum Slot {
    Busy,
    Done(Value),
}

enum Kids {
    Busy,
    Ready {
        expanded: bool,
        list: Vec<(Option<Key>, usize)>,
    },
    External(Value),
}

struct Parent {
    inst: usize,
    call: String,
    each: Option<(Value, Value)>,
    count: Option<usize>,
}

struct Inst {
    cfg: usize,
    path: String,
    sort: Vec<usize>,
    parent: Option<Parent>,
    /// Canonical directories of this instance and its ancestors (module recursion check).
    dirs: Vec<PathBuf>,
    slots: HashMap<String, Slot>,
    kids: HashMap<String, Kids>,
}

/// A root variable value as given: already a value (tfvars), or the raw text of `-var`.
pub enum Given {
    Value(Value),
    Raw(String),
}

/// The evaluator of one configuration.
pub struct Evaluator {
    pub sources: Sources,
    names: Vec<Rc<str>>,
    configs: Vec<Rc<ModuleConfig>>,
    config_dirs: HashMap<PathBuf, usize>,
    insts: Vec<Inst>,
    records: Vec<(Vec<usize>, Record)>,
    pub unexpanded: Vec<Unexpanded>,
    pub warnings: Vec<Diagnostic>,
    pub errors: Vec<Diagnostic>,
    pub given: BTreeMap<String, Given>,
    /// Where the configuration is applied, as the user says.
    pub target: moat_arm::Target,
    limits: Limits,
    steps: usize,
    max_steps: usize,
    depth: usize,
    fatal: bool,
    warned: HashSet<String>,
    /// `.terraform/modules/modules.json`, read when the first non-local module is called.
    manifest: Option<Rc<modules::Manifest>>,
    /// Module calls whose module is not installed, reported together at the end.
    missing_modules: Vec<modules::Missing>,
    /// Whether modules are read from disk (not for a configuration given as text).
    read_modules: bool,
    /// The azurerm major the dependency lock file records, when there is one.
    pub locked_azurerm_major: Option<u32>,
}

const META_ATTRS: &[&str] = &[
    "count",
    "for_each",
    "depends_on",
    "provider",
    "providers",
    "source",
    "version",
];
const META_BLOCKS: &[&str] = &["lifecycle", "provisioner", "connection", "timeouts"];

impl Evaluator {
    pub fn new(limits: Limits) -> Evaluator {
        Evaluator {
            sources: Sources::default(),
            names: Vec::new(),
            configs: Vec::new(),
            config_dirs: HashMap::new(),
            insts: Vec::new(),
            records: Vec::new(),
            unexpanded: Vec::new(),
            warnings: Vec::new(),
            errors: Vec::new(),
            given: BTreeMap::new(),
            target: moat_arm::Target::default(),
            limits,
            steps: 0,
            max_steps: limits.max_nodes.max(1000),
            depth: 0,
            fatal: false,
            warned: HashSet::new(),
            manifest: None,
            missing_modules: Vec::new(),
            read_modules: true,
            locked_azurerm_major: None,
        }
    }

    /// Frees what only evaluation needs (the modules' parsed text, the instances' values not
    /// kept by a record), before the records are mapped: for a large configuration it is
    /// most of the memory of the load.
    pub fn release_evaluation(&mut self) {
        self.configs = Vec::new();
        self.config_dirs = HashMap::new();
        self.insts = Vec::new();
        self.manifest = None;
    }

    /// The azurerm major version the root module pins, if any module says.
    pub fn azurerm_major(&self) -> Option<u32> {
        self.locked_azurerm_major
            .or_else(|| self.configs.iter().find_map(|c| c.azurerm_major))
    }

    /// Whether the root module declares a variable, and its type expression.
    pub fn root_var_is_string(&self, name: &str) -> Option<bool> {
        let cfg = self.configs.first()?;
        let v = cfg.variables.get(name)?;
        Some(match &v.ty {
            None => true,
            Some(Expression::Variable(t)) => t.as_str() == "string",
            Some(_) => false,
        })
    }

    /// Reads the root module.
    pub fn load_root(
        &mut self,
        path: &std::path::Path,
        single_file: bool,
    ) -> Result<(), moat_doc::LoadError> {
        let cfg = config::read_module(
            path,
            single_file,
            self.limits,
            &mut self.sources,
            &mut self.errors,
            &mut self.warnings,
        )?;
        self.sync_names();
        self.add_root(cfg);
        Ok(())
    }

    fn add_root(&mut self, cfg: ModuleConfig) {
        let dir = std::fs::canonicalize(&cfg.dir).unwrap_or_else(|_| cfg.dir.clone());
        self.configs.push(Rc::new(cfg));
        self.config_dirs.insert(dir.clone(), 0);
        self.insts.push(Inst {
            cfg: 0,
            path: String::new(),
            sort: Vec::new(),
            parent: None,
            dirs: vec![dir],
            slots: HashMap::new(),
            kids: HashMap::new(),
        });
    }

    fn sync_names(&mut self) {
        while self.names.len() < self.sources.files.len() {
            let n = self.sources.files[self.names.len()].name.clone();
            self.names.push(Rc::from(n.as_str()));
        }
    }

    /// The location of a span of a part of a file (see [`Sources`]).
    pub fn loc(&self, file: usize, span: Option<Range<usize>>) -> Loc {
        let Some((file, src, base)) = self
            .sources
            .resolve(file)
            .and_then(|(f, base)| Some((f, self.sources.files.get(f)?, base)))
        else {
            return Loc::default();
        };
        let r = span.map_or(0..0, |r| base + r.start..base + r.end);
        let (line, column) = src.line_col(r.start);
        Loc {
            file: self
                .names
                .get(file)
                .cloned()
                .unwrap_or_else(|| Rc::from(src.name.as_str())),
            line,
            column,
            offset: r.start,
            len: r.end.saturating_sub(r.start),
        }
    }

    pub fn warn(&mut self, code: &str, msg: impl Into<String>, at: &Loc, hint: Option<String>) {
        let msg = msg.into();
        let key = format!("{code}|{msg}|{at}");
        if self.warned.insert(key) {
            self.warnings
                .push(diag(Level::Warning, code, msg, at, hint));
        }
    }

    fn error(&mut self, code: &str, msg: impl Into<String>, at: &Loc, hint: Option<String>) {
        self.errors.push(diag(Level::Error, code, msg, at, hint));
    }

    fn fatal_err(
        &mut self,
        code: &str,
        msg: impl Into<String>,
        at: &Loc,
        hint: Option<String>,
    ) -> EvalErr {
        let msg = msg.into();
        if !self.fatal {
            self.fatal = true;
            self.error(code, msg.clone(), at, hint);
        }
        EvalErr {
            msg,
            at: at.clone(),
            fatal: true,
        }
    }

    /// Evaluates every resource of every module instance; returns the records in configuration
    /// order (module tree, then declaration order, then instance key).
    pub fn run(&mut self) -> Vec<Record> {
        let _ = self.eval_instance(0);
        self.report_missing_modules();
        let mut recs = std::mem::take(&mut self.records);
        recs.sort_by(|a, b| a.0.cmp(&b.0));
        recs.into_iter().map(|(_, r)| r).collect()
    }

    fn eval_instance(&mut self, inst: usize) -> R<()> {
        let cfg = self.cfg(inst);
        for key in cfg.resources.keys() {
            let at = self.loc(cfg.resources[key].file, cfg.resources[key].span.clone());
            self.resource_value(inst, key, &at)?;
        }
        for call in cfg.modules.keys() {
            let at = self.loc(cfg.modules[call].file, cfg.modules[call].span.clone());
            self.kids(inst, call, &at)?;
            if let Some(Kids::Ready { list, .. }) = self.insts[inst].kids.get(call) {
                let children: Vec<usize> = list.iter().map(|(_, c)| *c).collect();
                for c in children {
                    self.eval_instance(c)?;
                }
            }
        }
        Ok(())
    }

    fn cfg(&self, inst: usize) -> Rc<ModuleConfig> {
        self.configs[self.insts[inst].cfg].clone()
    }

    fn tick(&mut self, at: &Loc) -> R<()> {
        self.steps += 1;
        if self.steps > self.max_steps {
            return Err(self.fatal_err(
                "too-complex",
                format!("evaluating the configuration takes more than {} steps", self.max_steps),
                at,
                Some("a count, for_each or for expression is very large; moat bounds evaluation so hostile input cannot hang it".into()),
            ));
        }
        Ok(())
    }

    /// Memoised resolution of one named thing of an instance.
    fn memo(
        &mut self,
        inst: usize,
        key: String,
        at: &Loc,
        f: impl FnOnce(&mut Self) -> R<Value>,
    ) -> R<Value> {
        match self.insts[inst].slots.get(&key) {
            Some(Slot::Done(v)) => return Ok(v.clone()),
            Some(Slot::Busy) => {
                let what = key
                    .split_once(':')
                    .map(|(_, n)| n)
                    .unwrap_or(&key)
                    .to_string();
                let path = self.insts[inst].path.clone();
                let shown = if path.is_empty() {
                    what
                } else {
                    format!("{path}.{what}")
                };
                self.warn(
                    "cycle",
                    format!("`{shown}` refers to itself through a cycle of references"),
                    at,
                    None,
                );
                return Ok(Value::unknown(
                    format!("`{shown}` is part of a reference cycle"),
                    at,
                ));
            }
            None => {}
        }
        if self.depth >= MAX_RESOLUTION_DEPTH {
            return Err(self.fatal_err(
                "too-deep",
                format!("references nest more than {MAX_RESOLUTION_DEPTH} levels deep"),
                at,
                None,
            ));
        }
        self.insts[inst].slots.insert(key.clone(), Slot::Busy);
        self.depth += 1;
        let r = f(self);
        self.depth -= 1;
        match r {
            Ok(v) => {
                self.insts[inst].slots.insert(key, Slot::Done(v.clone()));
                Ok(v)
            }
            Err(e) if e.fatal => Err(e),
            Err(e) => {
                self.warn("eval-error", e.msg.clone(), &e.at, None);
                let v = Value::unknown(format!("could not be evaluated: {}", e.msg), &e.at);
                self.insts[inst].slots.insert(key, Slot::Done(v.clone()));
                Ok(v)
            }
        }
    }

    /// Evaluates an attribute value; a non-fatal error becomes an unknown and a warning.
    pub fn eval_attr(&mut self, e: &Expression, sc: &Scope) -> R<Value> {
        match self.eval(e, sc) {
            Ok(v) => Ok(v),
            Err(e) if e.fatal => Err(e),
            Err(e) => {
                self.warn("eval-error", e.msg.clone(), &e.at, None);
                Ok(Value::unknown(
                    format!("could not be evaluated: {}", e.msg),
                    &e.at,
                ))
            }
        }
    }
}

fn diag(
    level: Level,
    code: &str,
    msg: impl Into<String>,
    at: &Loc,
    hint: Option<String>,
) -> Diagnostic {
    Diagnostic {
        level,
        code: code.into(),
        message: msg.into(),
        location: moat_model::Location {
            file: at.file.to_string(),
            line: at.line,
            column: at.column,
            offset: at.offset,
            len: at.len,
        },
        hint,
    }
}

#[cfg(test)]
mod tests;
