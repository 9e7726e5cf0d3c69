//! The evaluator: module instances, lazy resolution of references, expressions.
//!
//! Every named thing (variable, local, resource, module output) is evaluated on first use and
//! memoised per module instance, so declaration order does not matter and a reference cycle is
//! detected (it yields an unknown and a warning) instead of looping. Each resolution counts
//! against a depth bound and every expression node against a step budget, so hostile input
//! ends in an error rather than a hang or a stack overflow.

use crate::config::{self, ModCall, Mode, ModuleConfig, ResDecl, Sources};
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

mod modules;

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
        }
    }

    /// The azurerm major version the root module pins, if any module says.
    pub fn azurerm_major(&self) -> Option<u32> {
        self.configs.iter().find_map(|c| c.azurerm_major)
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

    /// The location of a span of a file.
    pub fn loc(&self, file: usize, span: Option<Range<usize>>) -> Loc {
        let Some(src) = self.sources.files.get(file) else {
            return Loc::default();
        };
        let r = span.unwrap_or(0..0);
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

    // ---- named things ----------------------------------------------------------------------

    fn var_value(&mut self, inst: usize, name: &str, at: &Loc) -> R<Value> {
        let cfg = self.cfg(inst);
        let Some(decl) = cfg.variables.get(name) else {
            return err(format!("variable `{name}` is not declared"), at);
        };
        self.memo(inst, format!("var:{name}"), at, |ev| {
            let decl_at = ev.loc(decl.file, decl.span.clone());
            let literal = Scope {
                inst: None,
                file: decl.file,
                each: None,
                count: None,
                open_instance: false,
                vars: Vec::new(),
            };
            let ty = match &decl.ty {
                None => Ty::Any,
                Some(t) => {
                    let r = types::parse_type(t, &mut |d| ev.eval(d, &literal).ok());
                    match r {
                        Ok(t) => t,
                        Err(m) => {
                            ev.warn(
                                "invalid-type",
                                format!("type of variable `{name}`: {m}"),
                                &decl_at,
                                None,
                            );
                            Ty::Any
                        }
                    }
                }
            };
            let given = ev.given_value(inst, name, &ty, at)?;
            // A default is the module author's; only what the caller gives is reported.
            let from_caller = given
                .as_ref()
                .is_some_and(|v| !v.is_null() || decl.nullable);
            let v = match given {
                Some(v) if !v.is_null() || decl.nullable => v,
                _ => match &decl.default {
                    Some(d) => ev.eval(d, &literal)?,
                    None => {
                        let path = ev.insts[inst].path.clone();
                        let (msg, hint) = if path.is_empty() {
                            (
                                format!("variable `{name}` has no value"),
                                "give it with a .tfvars file or -var name=value".to_string(),
                            )
                        } else {
                            (
                                format!("input `{name}` of `{path}` has no value"),
                                "set it in the module block".to_string(),
                            )
                        };
                        // Secrets (passwords, shared keys) are left out on purpose; a
                        // network-relevant use still reads as unknown.
                        if !decl.sensitive {
                            ev.warn("missing-variable", msg.clone(), &decl_at, Some(hint));
                        }
                        return Ok(Value::unknown(msg, &decl_at));
                    }
                },
            };
            let mut dropped = Vec::new();
            let v = types::convert(&v, &ty, &mut dropped)
                .or_else(|m| err(format!("value of variable `{name}`: {m}"), &decl_at))?;
            if from_caller {
                ev.report_dropped(inst, name, dropped, &decl_at);
            }
            Ok(v)
        })
    }

    /// The value given for a variable: from tfvars / -var at the root, from the module block
    /// otherwise.
    fn given_value(&mut self, inst: usize, name: &str, ty: &Ty, at: &Loc) -> R<Option<Value>> {
        let Some(p) = &self.insts[inst].parent else {
            return Ok(match self.given.get(name) {
                None => None,
                Some(Given::Value(v)) => Some(v.clone()),
                Some(Given::Raw(s)) => {
                    if matches!(ty, Ty::String | Ty::Any) {
                        Some(Value::str(s.clone()))
                    } else {
                        let s = s.clone();
                        Some(self.eval_text(&s, at)?)
                    }
                }
            });
        };
        let (pinst, call, each, count) = (p.inst, p.call.clone(), p.each.clone(), p.count);
        let pcfg = self.cfg(pinst);
        let mc = &pcfg.modules[&call];
        let Some(a) = mc.body.get_attribute(name) else {
            return Ok(None);
        };
        let sc = Scope {
            inst: Some(pinst),
            file: mc.file,
            each,
            count,
            open_instance: false,
            vars: Vec::new(),
        };
        Ok(Some(self.eval_attr(&a.value, &sc)?))
    }

    /// Evaluates the text of a `-var` value as an expression without references.
    fn eval_text(&mut self, text: &str, at: &Loc) -> R<Value> {
        match text.parse::<Expression>() {
            Ok(e) => {
                let sc = Scope {
                    inst: None,
                    file: usize::MAX,
                    each: None,
                    count: None,
                    open_instance: false,
                    vars: Vec::new(),
                };
                self.eval(&e, &sc)
            }
            Err(e) => err(
                format!("`{text}` is not a valid value: {}", e.message()),
                at,
            ),
        }
    }

    /// Evaluates an expression of a tfvars file (no references allowed).
    pub fn eval_literal(&mut self, e: &Expression, file: usize) -> R<Value> {
        let sc = Scope {
            inst: None,
            file,
            each: None,
            count: None,
            open_instance: false,
            vars: Vec::new(),
        };
        self.eval(e, &sc)
    }

    pub fn sync_sources(&mut self) {
        self.sync_names();
    }

    fn local_value(&mut self, inst: usize, name: &str, at: &Loc) -> R<Value> {
        let cfg = self.cfg(inst);
        let Some(item) = cfg.locals.get(name) else {
            return err(format!("local value `{name}` is not declared"), at);
        };
        self.memo(inst, format!("local:{name}"), at, |ev| {
            let sc = Scope {
                inst: Some(inst),
                file: item.file,
                each: None,
                count: None,
                open_instance: false,
                vars: Vec::new(),
            };
            ev.eval(&item.expr, &sc)
        })
    }

    fn expansion(&mut self, body: &Body, sc: &Scope, what: &str, at: &Loc) -> R<Expansion> {
        if let Some(a) = body.get_attribute("count") {
            let v = self.eval_attr(&a.value, sc)?;
            let loc = self.loc(sc.file, a.value.span());
            return match v {
                Value::Unknown(_) => Ok(Expansion::Unknown(v)),
                other => match other.to_number() {
                    Some(n) if n >= 0.0 && n.fract() == 0.0 => {
                        if n > MAX_INSTANCES as f64 {
                            return Err(self.fatal_err(
                                "too-many-instances",
                                format!("count = {} for `{what}` exceeds moat's limit of {MAX_INSTANCES} instances", crate::value::fmt_number(n)),
                                &loc,
                                None,
                            ));
                        }
                        Ok(Expansion::Count(n as usize))
                    }
                    _ => {
                        self.error(
                            "invalid-value",
                            format!(
                                "count of `{what}` must be a whole number ≥ 0, not {}",
                                other.brief()
                            ),
                            &loc,
                            None,
                        );
                        Ok(Expansion::Count(0))
                    }
                },
            };
        }
        if let Some(a) = body.get_attribute("for_each") {
            let v = self.eval_attr(&a.value, sc)?;
            let loc = self.loc(sc.file, a.value.span());
            let entries: Vec<(String, Value)> = match &v {
                Value::Unknown(_) => return Ok(Expansion::Unknown(v)),
                Value::Map(_) | Value::Res(_) => v
                    .as_map()
                    .into_iter()
                    .flatten()
                    .map(|(k, x)| (k.clone(), x.clone()))
                    .collect(),
                Value::List(l) => {
                    if let Some(u) = l.iter().find(|x| x.is_unknown()) {
                        return Ok(Expansion::Unknown(u.clone()));
                    }
                    let mut out = Vec::new();
                    for x in l.iter() {
                        match x {
                            Value::String(s) => out.push((s.clone(), x.clone())),
                            _ => {
                                self.error(
                                    "invalid-value",
                                    format!("for_each of `{what}` must be a map or a set of strings; it holds {}", x.type_name()),
                                    &loc,
                                    Some("wrap it in toset() of strings, or build a map".into()),
                                );
                                return Ok(Expansion::Count(0));
                            }
                        }
                    }
                    out.sort_by(|a, b| a.0.cmp(&b.0));
                    out.dedup_by(|a, b| a.0 == b.0);
                    out
                }
                other => {
                    self.error(
                        "invalid-value",
                        format!(
                            "for_each of `{what}` must be a map or a set, not {}",
                            other.type_name()
                        ),
                        &loc,
                        None,
                    );
                    return Ok(Expansion::Count(0));
                }
            };
            if entries.len() > MAX_INSTANCES {
                return Err(self.fatal_err(
                    "too-many-instances",
                    format!(
                        "for_each of `{what}` makes {} instances; moat's limit is {MAX_INSTANCES}",
                        entries.len()
                    ),
                    &loc,
                    None,
                ));
            }
            return Ok(Expansion::ForEach(entries));
        }
        let _ = at;
        Ok(Expansion::Single)
    }

    fn resource_value(&mut self, inst: usize, key: &str, at: &Loc) -> R<Value> {
        let cfg = self.cfg(inst);
        let Some((decl_idx, _, decl)) = cfg.resources.get_full(key) else {
            return err(format!("`{key}` is not declared in this module"), at);
        };
        self.memo(inst, format!("res:{key}"), at, |ev| {
            ev.expand_resource(inst, decl_idx, decl)
        })
    }

    fn expand_resource(&mut self, inst: usize, decl_idx: usize, decl: &ResDecl) -> R<Value> {
        let path = self.insts[inst].path.clone();
        let local = if decl.mode == Mode::Data {
            format!("data.{}.{}", decl.rtype, decl.name)
        } else {
            format!("{}.{}", decl.rtype, decl.name)
        };
        let base = if path.is_empty() {
            local
        } else {
            format!("{path}.{local}")
        };
        let at = self.loc(decl.file, decl.span.clone());
        let sc = Scope {
            inst: Some(inst),
            file: decl.file,
            each: None,
            count: None,
            open_instance: false,
            vars: Vec::new(),
        };
        let mut sort = self.insts[inst].sort.clone();
        sort.extend([0, decl_idx]);
        match self.expansion(&decl.body, &sc, &base, &at)? {
            Expansion::Unknown(u) => {
                let field = if decl.body.has_attribute("count") {
                    "count"
                } else {
                    "for_each"
                };
                let reason = match &u {
                    Value::Unknown(x) => x.reason.clone(),
                    _ => "unknown".into(),
                };
                self.warn(
                    "unknown-instances",
                    format!("`{base}` may or may not exist: its {field} is unknown ({reason}); it is analysed both ways"),
                    &at,
                    Some("give the variables it depends on a value".into()),
                );
                self.unexpanded.push(Unexpanded {
                    addr: base.clone(),
                    kind: decl.rtype.clone(),
                    field: field.into(),
                    reason,
                    at: at.clone(),
                    instance: true,
                });
                // One instance stands for however many there are (none included): its
                // index or key is unknown, and the mapper lists it as may-exist.
                let s = Scope {
                    open_instance: true,
                    ..sc.clone()
                };
                let one = self.instance(decl, s, base.clone(), sort, 0)?;
                Ok(Value::unknown_with(
                    format!("the instances of `{base}` are unknown"),
                    &at,
                    one,
                ))
            }
            Expansion::Single => Ok(Value::Res(self.instance(decl, sc, base, sort, 0)?)),
            Expansion::Count(n) => {
                let mut out = Vec::with_capacity(n);
                for i in 0..n {
                    let s = Scope {
                        count: Some(i),
                        ..sc.clone()
                    };
                    out.push(Value::Res(self.instance(
                        decl,
                        s,
                        format!("{base}[{i}]"),
                        sort.clone(),
                        i,
                    )?));
                }
                Ok(Value::list(out))
            }
            Expansion::ForEach(entries) => {
                let mut out = BTreeMap::new();
                for (i, (k, v)) in entries.into_iter().enumerate() {
                    let s = Scope {
                        each: Some((Value::str(k.clone()), v)),
                        ..sc.clone()
                    };
                    let addr = format!("{base}{}", Key::Str(k.clone()).suffix());
                    out.insert(
                        k,
                        Value::Res(self.instance(decl, s, addr, sort.clone(), i)?),
                    );
                }
                Ok(Value::map(out))
            }
        }
    }

    fn instance(
        &mut self,
        decl: &ResDecl,
        sc: Scope,
        addr: String,
        mut sort: Vec<usize>,
        idx: usize,
    ) -> R<Rc<ResObj>> {
        let at = self.loc(decl.file, decl.span.clone());
        let mut obj = self.eval_body(&decl.body, &sc, &addr, true, at)?;
        ids::add_computed(&decl.rtype, decl.mode, &mut obj);
        ids::apply_target(&decl.rtype, decl.mode, &self.target, &mut obj);
        let obj = Rc::new(obj);
        sort.push(idx);
        self.records.push((
            sort,
            Record {
                mode: decl.mode,
                rtype: decl.rtype.clone(),
                addr,
                obj: obj.clone(),
            },
        ));
        Ok(obj)
    }

    /// Evaluates a block body into an object: attributes, and nested blocks as lists of objects.
    fn eval_body(&mut self, body: &Body, sc: &Scope, addr: &str, top: bool, at: Loc) -> R<ResObj> {
        let mut attrs = BTreeMap::new();
        let mut attr_locs = BTreeMap::new();
        let mut blocks: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        let mut unknown_blocks: BTreeMap<String, Value> = BTreeMap::new();
        for st in body.iter() {
            match st {
                Structure::Attribute(a) => {
                    let k = a.key.as_str();
                    if top && META_ATTRS.contains(&k) {
                        continue;
                    }
                    let v = self.eval_attr(&a.value, sc)?;
                    attrs.insert(k.to_string(), v);
                    attr_locs.insert(k.to_string(), self.loc(sc.file, a.span()));
                }
                Structure::Block(b) => {
                    let ident = b.ident.as_str();
                    if top && META_BLOCKS.contains(&ident) {
                        continue;
                    }
                    if ident == "dynamic" {
                        self.eval_dynamic(b, sc, addr, &mut blocks, &mut unknown_blocks)?;
                        continue;
                    }
                    let list = blocks.entry(ident.to_string()).or_default();
                    let child_addr = format!("{addr}.{ident}[{}]", list.len());
                    let bat = self.loc(sc.file, b.span());
                    let obj = self.eval_body(&b.body, sc, &child_addr, false, bat)?;
                    blocks
                        .entry(ident.to_string())
                        .or_default()
                        .push(Value::Res(Rc::new(obj)));
                }
            }
        }
        for (k, v) in blocks {
            attrs.insert(k, Value::list(v));
        }
        for (k, v) in unknown_blocks {
            attrs.insert(k, v);
        }
        Ok(ResObj {
            addr: addr.to_string(),
            attrs,
            loc: at,
            attr_locs,
        })
    }

    fn eval_dynamic(
        &mut self,
        b: &Block,
        sc: &Scope,
        addr: &str,
        blocks: &mut BTreeMap<String, Vec<Value>>,
        unknown: &mut BTreeMap<String, Value>,
    ) -> R<()> {
        let bat = self.loc(sc.file, b.span());
        let Some(label) = b.labels.first().map(|l| l.as_str().to_string()) else {
            self.error(
                "syntax",
                "a dynamic block needs a label naming the block it generates",
                &bat,
                None,
            );
            return Ok(());
        };
        let iterator = match b.body.get_attribute("iterator").map(|a| &a.value) {
            Some(Expression::Variable(v)) => v.as_str().to_string(),
            _ => label.clone(),
        };
        let Some(content) = b.body.get_blocks("content").next() else {
            self.error(
                "syntax",
                format!("dynamic block `{label}` has no content block"),
                &bat,
                None,
            );
            return Ok(());
        };
        let Some(fe) = b.body.get_attribute("for_each") else {
            self.error(
                "syntax",
                format!("dynamic block `{label}` has no for_each"),
                &bat,
                None,
            );
            return Ok(());
        };
        let coll = self.eval_attr(&fe.value, sc)?;
        let entries: Vec<(Value, Value)> = match &coll {
            Value::Unknown(_) => {
                unknown.insert(label, coll.clone());
                return Ok(());
            }
            Value::Null => Vec::new(),
            Value::List(l) => l
                .iter()
                .enumerate()
                .map(|(i, v)| (Value::Number(i as f64), v.clone()))
                .collect(),
            Value::Map(_) | Value::Res(_) => coll
                .as_map()
                .into_iter()
                .flatten()
                .map(|(k, v)| (Value::str(k.clone()), v.clone()))
                .collect(),
            other => {
                self.warn(
                    "eval-error",
                    format!(
                        "for_each of dynamic block `{label}` must be a collection, not {}",
                        other.type_name()
                    ),
                    &bat,
                    None,
                );
                unknown.insert(
                    label,
                    Value::unknown("invalid for_each of a dynamic block", &bat),
                );
                return Ok(());
            }
        };
        if entries.len() > MAX_INSTANCES {
            return Err(self.fatal_err(
                "too-many-instances",
                format!(
                    "dynamic block `{label}` makes {} blocks; moat's limit is {MAX_INSTANCES}",
                    entries.len()
                ),
                &bat,
                None,
            ));
        }
        let cat = self.loc(sc.file, content.span());
        for (k, v) in entries {
            self.tick(&cat)?;
            let mut it = BTreeMap::new();
            it.insert("key".to_string(), k);
            it.insert("value".to_string(), v);
            let s = sc.with_var(&iterator, Value::map(it));
            let n = blocks.get(&label).map_or(0, Vec::len);
            let child_addr = format!("{addr}.{label}[{n}]");
            let obj = self.eval_body(&content.body, &s, &child_addr, false, cat.clone())?;
            blocks
                .entry(label.clone())
                .or_default()
                .push(Value::Res(Rc::new(obj)));
        }
        Ok(())
    }

    // ---- modules ---------------------------------------------------------------------------

    fn kids(&mut self, inst: usize, call: &str, at: &Loc) -> R<()> {
        match self.insts[inst].kids.get(call) {
            Some(Kids::Busy) => {
                self.warn(
                    "cycle",
                    format!("module `{call}` depends on itself"),
                    at,
                    None,
                );
                self.insts[inst].kids.insert(
                    call.to_string(),
                    Kids::External(Value::unknown(
                        format!("module `{call}` is part of a cycle"),
                        at,
                    )),
                );
                return Ok(());
            }
            Some(_) => return Ok(()),
            None => {}
        }
        self.insts[inst].kids.insert(call.to_string(), Kids::Busy);
        let r = self.make_kids(inst, call);
        match r {
            Ok(k) => {
                self.insts[inst].kids.insert(call.to_string(), k);
                Ok(())
            }
            Err(e) => {
                self.insts[inst].kids.insert(
                    call.to_string(),
                    Kids::External(Value::unknown(e.msg.clone(), &e.at)),
                );
                Err(e)
            }
        }
    }

    fn make_kids(&mut self, inst: usize, call: &str) -> R<Kids> {
        let cfg = self.cfg(inst);
        let mc: &ModCall = &cfg.modules[call];
        let call_idx = cfg.modules.get_index_of(call).unwrap_or(0);
        let at = self.loc(mc.file, mc.span.clone());
        let src_at = self.loc(mc.file, mc.source_span.clone());
        let path = self.insts[inst].path.clone();
        let base = if path.is_empty() {
            format!("module.{call}")
        } else {
            format!("{path}.module.{call}")
        };
        let dir = match self.module_dir(inst, mc, &base, &at) {
            Ok(d) => d,
            Err(k) => return Ok(k),
        };
        if !dir.is_dir() {
            self.error(
                "missing-module",
                format!(
                    "module `{base}`: directory {} does not exist",
                    dir.display()
                ),
                &src_at,
                Some("check the source path (relative to the calling module's directory)".into()),
            );
            return Ok(Kids::External(Value::unknown(
                format!("module `{base}` could not be read"),
                &src_at,
            )));
        }
        let canon = std::fs::canonicalize(&dir).unwrap_or_else(|_| dir.clone());
        if self.insts[inst].dirs.contains(&canon) || self.insts[inst].dirs.len() >= MAX_MODULE_DEPTH
        {
            return Err(self.fatal_err(
                "module-recursion",
                format!("module `{base}` calls {} again, recursively (or nests more than {MAX_MODULE_DEPTH} levels)", dir.display()),
                &src_at,
                Some("Terraform modules cannot call themselves".into()),
            ));
        }
        let cfg_idx = match self.config_dirs.get(&canon) {
            Some(i) => *i,
            None => {
                let read = config::read_module(
                    &dir,
                    false,
                    self.limits,
                    &mut self.sources,
                    &mut self.errors,
                    &mut self.warnings,
                );
                self.sync_names();
                match read {
                    Ok(c) => {
                        self.configs.push(Rc::new(c));
                        let i = self.configs.len() - 1;
                        self.config_dirs.insert(canon.clone(), i);
                        i
                    }
                    Err(e) => {
                        self.errors.extend(e.diagnostics);
                        return Ok(Kids::External(Value::unknown(
                            format!("module `{base}` could not be read"),
                            &src_at,
                        )));
                    }
                }
            }
        };
        let sc = Scope {
            inst: Some(inst),
            file: mc.file,
            each: None,
            count: None,
            open_instance: false,
            vars: Vec::new(),
        };
        let exp = self.expansion(&mc.body, &sc, &base, &at)?;
        // Per instance: its key, `each` and `count.index`.
        type Keyed = (Option<Key>, Option<(Value, Value)>, Option<usize>);
        let keyed: Vec<Keyed> = match exp {
            Expansion::Unknown(u) => {
                let reason = match &u {
                    Value::Unknown(x) => x.reason.clone(),
                    _ => String::new(),
                };
                self.warn(
                    "unknown-instances",
                    format!("the instances of `{base}` cannot be known ({reason})"),
                    &at,
                    None,
                );
                self.unexpanded.push(Unexpanded {
                    addr: base,
                    kind: "module".into(),
                    field: "count/for_each".into(),
                    reason,
                    at: at.clone(),
                    instance: false,
                });
                return Ok(Kids::External(u));
            }
            Expansion::Single => vec![(None, None, None)],
            Expansion::Count(n) => (0..n).map(|i| (Some(Key::Int(i)), None, Some(i))).collect(),
            Expansion::ForEach(e) => e
                .into_iter()
                .map(|(k, v)| (Some(Key::Str(k.clone())), Some((Value::str(k), v)), None))
                .collect(),
        };
        let expanded = keyed.first().is_some_and(|k| k.0.is_some())
            || keyed.is_empty()
                && (mc.body.has_attribute("count") || mc.body.has_attribute("for_each"));
        let mut list = Vec::new();
        let parent_sort = self.insts[inst].sort.clone();
        let parent_dirs = self.insts[inst].dirs.clone();
        for (i, (key, each, count)) in keyed.into_iter().enumerate() {
            let path = format!(
                "{base}{}",
                key.as_ref().map(Key::suffix).unwrap_or_default()
            );
            let mut sort = parent_sort.clone();
            sort.extend([1, call_idx, i]);
            let mut dirs = parent_dirs.clone();
            dirs.push(canon.clone());
            self.insts.push(Inst {
                cfg: cfg_idx,
                path,
                sort,
                parent: Some(Parent {
                    inst,
                    call: call.to_string(),
                    each,
                    count,
                }),
                dirs,
                slots: HashMap::new(),
                kids: HashMap::new(),
            });
            list.push((key, self.insts.len() - 1));
        }
        let _ = &mc.name;
        Ok(Kids::Ready { expanded, list })
    }

    fn output_value(&mut self, child: usize, name: &str, at: &Loc) -> R<Value> {
        let cfg = self.cfg(child);
        let Some(item) = cfg.outputs.get(name) else {
            let path = self.insts[child].path.clone();
            return err(format!("`{path}` has no output `{name}`"), at);
        };
        self.memo(child, format!("out:{name}"), at, |ev| {
            let sc = Scope {
                inst: Some(child),
                file: item.file,
                each: None,
                count: None,
                open_instance: false,
                vars: Vec::new(),
            };
            ev.eval(&item.expr, &sc)
        })
    }

    fn all_outputs(&mut self, child: usize, at: &Loc) -> R<Value> {
        let cfg = self.cfg(child);
        let mut m = BTreeMap::new();
        for name in cfg.outputs.keys() {
            m.insert(name.clone(), self.output_value(child, name, at)?);
        }
        Ok(Value::map(m))
    }

    /// `module.NAME...`: resolves as few outputs as the reference needs; returns the value
    /// and how many traversal operators it used.
    fn module_ref(
        &mut self,
        inst: usize,
        ops: &[&TraversalOperator],
        sc: &Scope,
        at: &Loc,
    ) -> R<(Value, usize)> {
        let Some(call) = get_attr(ops, 0) else {
            return err("`module` must be followed by a module name", at);
        };
        let cfg = self.cfg(inst);
        if !cfg.modules.contains_key(call) {
            return err(
                format!("module `{call}` is not declared in this module"),
                at,
            );
        }
        self.kids(inst, call, at)?;
        let (expanded, list) = match self.insts[inst].kids.get(call) {
            Some(Kids::Ready { expanded, list }) => (*expanded, list.clone()),
            Some(Kids::External(u)) => return Ok((u.clone(), 1)),
            _ => return Ok((Value::unknown(format!("module `{call}` is unknown"), at), 1)),
        };
        let mut used = 1;
        let mut chosen: Option<usize> = None;
        if !expanded {
            chosen = list.first().map(|x| x.1);
        } else if let Some(op) = ops.get(1) {
            let key = match op {
                TraversalOperator::Index(e) => Some(self.eval(e, sc)?),
                TraversalOperator::LegacyIndex(n) => Some(Value::Number(*n.value() as f64)),
                _ => None,
            };
            if let Some(k) = key {
                if k.is_unknown() {
                    return Ok((k.derived(), 2));
                }
                used = 2;
                let found = list.iter().find(|(key, _)| match (key, &k) {
                    (Some(Key::Int(i)), v) => v.to_number() == Some(*i as f64),
                    (Some(Key::Str(s)), Value::String(x)) => s == x,
                    _ => false,
                });
                match found {
                    Some((_, c)) => chosen = Some(*c),
                    None => {
                        return err(format!("module `{call}` has no instance {}", k.brief()), at);
                    }
                }
            }
        }
        match chosen {
            Some(c) => {
                if let Some(out) = get_attr(ops, used) {
                    let v = self.output_value(c, out, at)?;
                    Ok((v, used + 1))
                } else {
                    Ok((self.all_outputs(c, at)?, used))
                }
            }
            None => {
                let mut items = Vec::new();
                let mut map = BTreeMap::new();
                for (k, c) in &list {
                    let v = self.all_outputs(*c, at)?;
                    match k {
                        Some(Key::Str(s)) => {
                            map.insert(s.clone(), v);
                        }
                        _ => items.push(v),
                    }
                }
                let is_map = list.iter().any(|(k, _)| matches!(k, Some(Key::Str(_))));
                Ok((
                    if is_map {
                        Value::map(map)
                    } else {
                        Value::list(items)
                    },
                    used,
                ))
            }
        }
    }

    // ---- expressions -----------------------------------------------------------------------

    pub fn eval(&mut self, e: &Expression, sc: &Scope) -> R<Value> {
        let at = self.loc(sc.file, e.span());
        self.tick(&at)?;
        match e {
            Expression::Null(_) => Ok(Value::Null),
            Expression::Bool(b) => Ok(Value::Bool(*b.value())),
            Expression::Number(n) => match n.value().as_f64() {
                Some(f) => Ok(Value::Number(f)),
                None => err("number out of range", &at),
            },
            Expression::String(s) => Ok(Value::String(s.value().clone())),
            Expression::Array(a) => {
                let mut out = Vec::with_capacity(a.len());
                for x in a.iter() {
                    out.push(self.eval(x, sc)?);
                }
                Ok(Value::list(out))
            }
            Expression::Object(o) => {
                let mut m = BTreeMap::new();
                for (k, v) in o.iter() {
                    let key = match k {
                        ObjectKey::Ident(i) => Value::str(i.as_str()),
                        ObjectKey::Expression(x) => self.eval(x, sc)?,
                    };
                    let key = match key {
                        Value::Unknown(_) => return Ok(key.derived()),
                        other => match other.to_tf_string() {
                            Some(s) => s,
                            None => {
                                return err(
                                    format!(
                                        "an object key must be a string, not {}",
                                        other.type_name()
                                    ),
                                    &at,
                                );
                            }
                        },
                    };
                    let val = self.eval(v.expr(), sc)?;
                    m.insert(key, val);
                }
                Ok(Value::map(m))
            }
            Expression::StringTemplate(t) => self.eval_template(t, sc, &at),
            Expression::HeredocTemplate(h) => self.eval_template(&h.template, sc, &at),
            Expression::Parenthesis(p) => self.eval(p.inner(), sc),
            Expression::Variable(v) => {
                let (val, _) = self.resolve_ref(v.as_str(), &[], sc, &at)?;
                Ok(val)
            }
            Expression::Conditional(c) => {
                let cond = self.eval(&c.cond_expr, sc)?;
                match cond {
                    Value::Unknown(_) => Ok(cond.derived()),
                    other => match other.to_bool() {
                        Some(true) => self.eval(&c.true_expr, sc),
                        Some(false) => self.eval(&c.false_expr, sc),
                        None => err(
                            format!("a condition must be a bool, not {}", other.brief()),
                            &at,
                        ),
                    },
                }
            }
            Expression::FuncCall(f) => {
                let name = f.name.name.as_str();
                if f.name.is_namespaced() {
                    let ns: Vec<&str> = f.name.namespace.iter().map(|i| i.as_str()).collect();
                    return Ok(Value::unknown(
                        format!(
                            "provider function `{}::{name}` is not evaluated by moat",
                            ns.join("::")
                        ),
                        &at,
                    ));
                }
                let args: Vec<&Expression> = f.args.iter().collect();
                match name {
                    "try" => return self.fn_try(&args, sc, &at),
                    "can" => return self.fn_can(&args, sc, &at),
                    _ => {}
                }
                let mut vals = Vec::with_capacity(args.len());
                for a in &args {
                    vals.push(self.eval(a, sc)?);
                }
                if f.args.expand_final() {
                    match vals.pop() {
                        Some(Value::List(l)) => vals.extend(l.iter().cloned()),
                        Some(u @ Value::Unknown(_)) => return Ok(u),
                        Some(other) => {
                            return err(
                                format!("`...` expands a list, not {}", other.type_name()),
                                &at,
                            );
                        }
                        None => {}
                    }
                }
                funcs::call(self, name, vals, &at)
            }
            Expression::Traversal(t) => {
                let ops: Vec<&TraversalOperator> = t.operators.iter().map(|o| o.value()).collect();
                if let Expression::Variable(root) = &t.expr {
                    let (v, used) = self.resolve_ref(root.as_str(), &ops, sc, &at)?;
                    self.apply_ops(v, &ops[used..], sc, &at)
                } else {
                    let v = self.eval(&t.expr, sc)?;
                    self.apply_ops(v, &ops, sc, &at)
                }
            }
            Expression::UnaryOp(u) => {
                let v = self.eval(&u.expr, sc)?;
                if v.is_unknown() {
                    return Ok(v.derived());
                }
                match u.operator.value() {
                    UnaryOperator::Neg => v
                        .to_number()
                        .map(|n| Value::Number(-n))
                        .map_or_else(|| err(format!("cannot negate {}", v.brief()), &at), Ok),
                    UnaryOperator::Not => v.to_bool().map(|b| Value::Bool(!b)).map_or_else(
                        || err(format!("`!` needs a bool, not {}", v.brief()), &at),
                        Ok,
                    ),
                }
            }
            Expression::BinaryOp(b) => {
                self.eval_binary(&b.lhs_expr, *b.operator.value(), &b.rhs_expr, sc, &at)
            }
            Expression::ForExpr(f) => self.eval_for(f, sc, &at),
        }
    }

    fn eval_binary(
        &mut self,
        l: &Expression,
        op: BinaryOperator,
        r: &Expression,
        sc: &Scope,
        at: &Loc,
    ) -> R<Value> {
        use BinaryOperator as B;
        let lv = self.eval(l, sc)?;
        if matches!(op, B::And | B::Or) {
            // A known left side decides alone; Terraform's result is the same.
            match (op, lv.to_bool()) {
                (B::And, Some(false)) => return Ok(Value::Bool(false)),
                (B::Or, Some(true)) => return Ok(Value::Bool(true)),
                _ => {}
            }
            let rv = self.eval(r, sc)?;
            return match (lv.to_bool(), rv.to_bool()) {
                (_, _) if lv.is_unknown() => match (op, rv.to_bool()) {
                    (B::And, Some(false)) => Ok(Value::Bool(false)),
                    (B::Or, Some(true)) => Ok(Value::Bool(true)),
                    _ => Ok(lv.derived()),
                },
                (Some(_), _) if rv.is_unknown() => Ok(rv.derived()),
                (Some(_), Some(b)) => Ok(Value::Bool(b)),
                _ => err(
                    format!(
                        "`{}` needs bools, not {} and {}",
                        op.as_str(),
                        lv.brief(),
                        rv.brief()
                    ),
                    at,
                ),
            };
        }
        let rv = self.eval(r, sc)?;
        if let B::Eq | B::NotEq = op {
            return Ok(match lv.tf_eq(&rv) {
                Some(eq) => Value::Bool(eq == (op == B::Eq)),
                None => {
                    if lv.is_unknown() {
                        lv.derived()
                    } else if rv.is_unknown() {
                        rv.derived()
                    } else {
                        Value::unknown("comparison of unknown values", at)
                    }
                }
            });
        }
        if lv.is_unknown() {
            return Ok(lv.derived());
        }
        if rv.is_unknown() {
            return Ok(rv.derived());
        }
        let (Some(a), Some(b)) = (lv.to_number(), rv.to_number()) else {
            return err(
                format!(
                    "`{}` needs numbers, not {} and {}",
                    op.as_str(),
                    lv.brief(),
                    rv.brief()
                ),
                at,
            );
        };
        let n = match op {
            B::Less => return Ok(Value::Bool(a < b)),
            B::LessEq => return Ok(Value::Bool(a <= b)),
            B::Greater => return Ok(Value::Bool(a > b)),
            B::GreaterEq => return Ok(Value::Bool(a >= b)),
            B::Plus => a + b,
            B::Minus => a - b,
            B::Mul => a * b,
            B::Div => {
                if b == 0.0 {
                    return err("division by zero", at);
                }
                a / b
            }
            B::Mod => {
                if b == 0.0 {
                    return err("modulo by zero", at);
                }
                a % b
            }
            // Handled above, before the operands were read as numbers.
            B::Eq | B::NotEq | B::And | B::Or => {
                return err(format!("operator `{}` out of place", op.as_str()), at);
            }
        };
        if !n.is_finite() {
            return err("arithmetic overflow", at);
        }
        Ok(Value::Number(n))
    }

    fn eval_for(&mut self, f: &ForExpr, sc: &Scope, at: &Loc) -> R<Value> {
        let coll = self.eval(&f.intro.collection_expr, sc)?;
        let entries: Vec<(Value, Value)> = match &coll {
            Value::Unknown(_) => return Ok(coll.derived()),
            Value::List(l) => l
                .iter()
                .enumerate()
                .map(|(i, v)| (Value::Number(i as f64), v.clone()))
                .collect(),
            Value::Map(_) | Value::Res(_) => coll
                .as_map()
                .into_iter()
                .flatten()
                .map(|(k, v)| (Value::str(k.clone()), v.clone()))
                .collect(),
            other => {
                return err(
                    format!(
                        "a for expression iterates over a collection, not {}",
                        other.type_name()
                    ),
                    at,
                );
            }
        };
        let kv = f.intro.key_var.as_ref().map(|k| k.as_str().to_string());
        let vv = f.intro.value_var.as_str().to_string();
        let mut list = Vec::new();
        let mut map: BTreeMap<String, Value> = BTreeMap::new();
        let mut groups: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for (k, v) in entries {
            self.tick(at)?;
            let mut s = sc.clone();
            if let Some(kn) = &kv {
                s.vars.push((kn.clone(), k));
            }
            s.vars.push((vv.clone(), v));
            if let Some(c) = &f.cond {
                let cv = self.eval(&c.expr, &s)?;
                match cv {
                    Value::Unknown(_) => return Ok(cv.derived()),
                    other => match other.to_bool() {
                        Some(true) => {}
                        Some(false) => continue,
                        None => {
                            return err(
                                format!("a for condition must be a bool, not {}", other.brief()),
                                at,
                            );
                        }
                    },
                }
            }
            match &f.key_expr {
                None => list.push(self.eval(&f.value_expr, &s)?),
                Some(ke) => {
                    let key = self.eval(ke, &s)?;
                    let key = match key {
                        Value::Unknown(_) => return Ok(key.derived()),
                        other => other.to_tf_string().map_or_else(
                            || {
                                err(
                                    format!(
                                        "a for key must be a string, not {}",
                                        other.type_name()
                                    ),
                                    at,
                                )
                            },
                            Ok,
                        )?,
                    };
                    let val = self.eval(&f.value_expr, &s)?;
                    if f.grouping {
                        groups.entry(key).or_default().push(val);
                    } else if map.insert(key.clone(), val).is_some() {
                        return err(
                            format!(
                                "duplicate key `{key}` in a for expression (add `...` to group)"
                            ),
                            at,
                        );
                    }
                }
            }
        }
        if f.key_expr.is_none() {
            Ok(Value::list(list))
        } else if f.grouping {
            Ok(Value::map(
                groups
                    .into_iter()
                    .map(|(k, v)| (k, Value::list(v)))
                    .collect(),
            ))
        } else {
            Ok(Value::map(map))
        }
    }

    fn eval_template(&mut self, t: &Template, sc: &Scope, at: &Loc) -> R<Value> {
        let elems: Vec<&Element> = t.iter().collect();
        if let [Element::Interpolation(i)] = elems.as_slice() {
            // `"${x}"` is x itself, unconverted.
            return self.eval(&i.expr, sc);
        }
        let mut out = String::new();
        let mut strip_next = false;
        let mut first = None;
        if let Some(u) = self.render(t, sc, at, &mut out, &mut strip_next, &mut first)? {
            return Ok(u);
        }
        // A string with unknown parts keeps its known text (ids built from an unknown
        // subscription or name still name their resource).
        match first {
            Some(u) => Ok(Value::Unknown(Rc::new(Unk {
                reason: u.reason.clone(),
                at: u.at.clone(),
                origin: None,
                partial: Some(out.into()),
                instance: None,
            }))),
            None => Ok(Value::String(out)),
        }
    }

    /// Renders a template into `out`, unknown interpolated parts marked and the first one kept
    /// in `first`; returns an unknown when the template's shape itself is unknown.
    fn render(
        &mut self,
        t: &Template,
        sc: &Scope,
        at: &Loc,
        out: &mut String,
        strip_next: &mut bool,
        first: &mut Option<Rc<Unk>>,
    ) -> R<Option<Value>> {
        fn strip_before(s: Strip, out: &mut String) {
            if matches!(s, Strip::Start | Strip::Both) {
                let n = out.trim_end().len();
                out.truncate(n);
            }
        }
        fn strips_after(s: Strip) -> bool {
            matches!(s, Strip::End | Strip::Both)
        }
        for el in t.iter() {
            self.tick(at)?;
            match el {
                Element::Literal(l) => {
                    let s: &str = l.value();
                    if std::mem::take(strip_next) {
                        out.push_str(s.trim_start())
                    } else {
                        out.push_str(s)
                    }
                }
                Element::Interpolation(i) => {
                    strip_before(i.strip, out);
                    let v = self.eval(&i.expr, sc)?;
                    match v {
                        Value::Unknown(u) => {
                            out.push_str(&u.marker());
                            first.get_or_insert(u);
                        }
                        other => match other.to_tf_string() {
                            Some(s) => out.push_str(&s),
                            None => {
                                return err(
                                    format!("cannot put {} into a string", other.brief()),
                                    at,
                                );
                            }
                        },
                    }
                    *strip_next = strips_after(i.strip);
                }
                Element::Directive(d) => match d.as_ref() {
                    Directive::If(d) => {
                        strip_before(d.if_expr.strip, out);
                        *strip_next = strips_after(d.if_expr.strip);
                        let c = self.eval(&d.if_expr.cond_expr, sc)?;
                        let c = match c {
                            Value::Unknown(_) => return Ok(Some(c.derived())),
                            other => other.to_bool().map_or_else(
                                || err("a template condition must be a bool", at),
                                Ok,
                            )?,
                        };
                        if c {
                            if let Some(u) =
                                self.render(&d.if_expr.template, sc, at, out, strip_next, first)?
                            {
                                return Ok(Some(u));
                            }
                        } else if let Some(e) = &d.else_expr {
                            strip_before(e.strip, out);
                            *strip_next = strips_after(e.strip);
                            if let Some(u) =
                                self.render(&e.template, sc, at, out, strip_next, first)?
                            {
                                return Ok(Some(u));
                            }
                        }
                        strip_before(d.endif_expr.strip, out);
                        *strip_next = strips_after(d.endif_expr.strip);
                    }
                    Directive::For(d) => {
                        let fx = &d.for_expr;
                        strip_before(fx.strip, out);
                        *strip_next = strips_after(fx.strip);
                        let coll = self.eval(&fx.collection_expr, sc)?;
                        let entries: Vec<(Value, Value)> = match &coll {
                            Value::Unknown(_) => return Ok(Some(coll.derived())),
                            Value::List(l) => l
                                .iter()
                                .enumerate()
                                .map(|(i, v)| (Value::Number(i as f64), v.clone()))
                                .collect(),
                            Value::Map(_) | Value::Res(_) => coll
                                .as_map()
                                .into_iter()
                                .flatten()
                                .map(|(k, v)| (Value::str(k.clone()), v.clone()))
                                .collect(),
                            other => {
                                return err(
                                    format!(
                                        "a template for iterates over a collection, not {}",
                                        other.type_name()
                                    ),
                                    at,
                                );
                            }
                        };
                        for (k, v) in entries {
                            let mut s = sc.clone();
                            if let Some(kn) = &fx.key_var {
                                s.vars.push((kn.as_str().to_string(), k));
                            }
                            s.vars.push((fx.value_var.as_str().to_string(), v));
                            if let Some(u) =
                                self.render(&fx.template, &s, at, out, strip_next, first)?
                            {
                                return Ok(Some(u));
                            }
                            if out.len() > MAX_STRING {
                                return err("template result too long", at);
                            }
                        }
                        strip_before(d.endfor_expr.strip, out);
                        *strip_next = strips_after(d.endfor_expr.strip);
                    }
                },
            }
            if out.len() > MAX_STRING {
                return err("template result too long", at);
            }
        }
        Ok(None)
    }

    fn fn_try(&mut self, args: &[&Expression], sc: &Scope, at: &Loc) -> R<Value> {
        let mut last = None;
        for a in args {
            match self.eval(a, sc) {
                Ok(v) => return Ok(v),
                Err(e) if e.fatal => return Err(e),
                Err(e) => last = Some(e.msg),
            }
        }
        err(
            format!(
                "no argument of try() could be evaluated{}",
                last.map(|m| format!(" (last: {m})")).unwrap_or_default()
            ),
            at,
        )
    }

    fn fn_can(&mut self, args: &[&Expression], sc: &Scope, at: &Loc) -> R<Value> {
        let [a] = args else {
            return err("can() takes one argument", at);
        };
        match self.eval(a, sc) {
            Ok(v) => Ok(match v.deep_unknown() {
                Some(u) => Value::Unknown(u.clone()),
                None => Value::Bool(true),
            }),
            Err(e) if e.fatal => Err(e),
            Err(_) => Ok(Value::Bool(false)),
        }
    }

    /// Resolves the root of a reference; returns the value and how many operators it used.
    fn resolve_ref(
        &mut self,
        name: &str,
        ops: &[&TraversalOperator],
        sc: &Scope,
        at: &Loc,
    ) -> R<(Value, usize)> {
        if let Some((_, v)) = sc.vars.iter().rev().find(|(n, _)| n == name) {
            return Ok((v.clone(), 0));
        }
        let Some(inst) = sc.inst else {
            return err(
                format!("`{name}` cannot be referred to here (only literal values are allowed)"),
                at,
            );
        };
        let need = |i: usize| get_attr(ops, i).map(str::to_string);
        match name {
            "var" => match need(0) {
                Some(n) => Ok((self.var_value(inst, &n, at)?, 1)),
                None => err("`var` must be followed by a variable name", at),
            },
            "local" => match need(0) {
                Some(n) => Ok((self.local_value(inst, &n, at)?, 1)),
                None => err("`local` must be followed by a name", at),
            },
            "count" => match (need(0).as_deref(), sc.count) {
                (Some("index"), Some(i)) => Ok((Value::Number(i as f64), 1)),
                (Some("index"), None) if sc.open_instance => Ok((
                    Value::unknown("the instance's index is unknown (its count is unknown)", at),
                    1,
                )),
                (Some("index"), None) => err(
                    "`count.index` is used outside a resource or module with count",
                    at,
                ),
                _ => err("`count` has only the attribute `index`", at),
            },
            "each" => match (need(0).as_deref(), &sc.each) {
                (Some("key"), Some((k, _))) => Ok((k.clone(), 1)),
                (Some("value"), Some((_, v))) => Ok((v.clone(), 1)),
                (Some("key" | "value"), None) if sc.open_instance => Ok((
                    Value::unknown(
                        "the instance's key is unknown (its for_each is unknown)",
                        at,
                    ),
                    1,
                )),
                (_, None) => err(
                    "`each` is used outside a resource or module with for_each",
                    at,
                ),
                _ => err("`each` has the attributes `key` and `value`", at),
            },
            "path" => {
                let cfg = self.cfg(inst);
                let root = self.configs[0].dir.display().to_string();
                match need(0).as_deref() {
                    Some("module") => Ok((Value::str(cfg.dir.display().to_string()), 1)),
                    Some("root") => Ok((Value::str(root), 1)),
                    Some("cwd") => Ok((
                        Value::unknown("`path.cwd` depends on where Terraform runs", at),
                        1,
                    )),
                    _ => err("`path` has the attributes module, root and cwd", at),
                }
            }
            "terraform" => match need(0).as_deref() {
                Some("workspace") => Ok((Value::str("default"), 1)),
                _ => Ok((Value::unknown("terraform.* is not known to moat", at), 1)),
            },
            "self" => Ok((
                Value::unknown("`self` is known only inside provisioners", at),
                0,
            )),
            "module" => self.module_ref(inst, ops, sc, at),
            "data" => match (need(0), need(1)) {
                (Some(t), Some(n)) => {
                    Ok((self.resource_value(inst, &format!("data.{t}.{n}"), at)?, 2))
                }
                _ => err("`data` must be followed by a type and a name", at),
            },
            _ => match need(0) {
                Some(n) => {
                    let key = format!("{name}.{n}");
                    let cfg = self.cfg(inst);
                    if cfg.resources.contains_key(&key) {
                        Ok((self.resource_value(inst, &key, at)?, 1))
                    } else {
                        err(format!("reference to undeclared resource `{key}`"), at)
                    }
                }
                None => err(format!("unknown name `{name}`"), at),
            },
        }
    }

    fn apply_ops(
        &mut self,
        mut v: Value,
        ops: &[&TraversalOperator],
        sc: &Scope,
        at: &Loc,
    ) -> R<Value> {
        let mut i = 0;
        while i < ops.len() {
            match ops[i] {
                TraversalOperator::GetAttr(name) => v = get_attr_of(&v, name.as_str(), at)?,
                TraversalOperator::Index(e) => {
                    let k = self.eval(e, sc)?;
                    v = index_of(&v, &k, at)?;
                }
                TraversalOperator::LegacyIndex(n) => {
                    v = index_of(&v, &Value::Number(*n.value() as f64), at)?
                }
                TraversalOperator::AttrSplat(_) => {
                    // `.*` applies only the attribute accesses that follow it.
                    let mut j = i + 1;
                    while j < ops.len()
                        && matches!(
                            ops[j],
                            TraversalOperator::GetAttr(_) | TraversalOperator::LegacyIndex(_)
                        )
                    {
                        j += 1;
                    }
                    v = self.splat(v, &ops[i + 1..j], sc, at)?;
                    i = j;
                    continue;
                }
                TraversalOperator::FullSplat(_) => return self.splat(v, &ops[i + 1..], sc, at),
            }
            i += 1;
        }
        Ok(v)
    }

    fn splat(&mut self, v: Value, rest: &[&TraversalOperator], sc: &Scope, at: &Loc) -> R<Value> {
        match v {
            Value::Unknown(_) => Ok(v.derived()),
            Value::Null => Ok(Value::list(Vec::new())),
            Value::List(l) => {
                let mut out = Vec::with_capacity(l.len());
                for x in l.iter() {
                    out.push(self.apply_ops(x.clone(), rest, sc, at)?);
                }
                Ok(Value::list(out))
            }
            other => Ok(Value::list(vec![self.apply_ops(other, rest, sc, at)?])),
        }
    }
}

fn get_attr<'a>(ops: &[&'a TraversalOperator], i: usize) -> Option<&'a str> {
    match ops.get(i) {
        Some(TraversalOperator::GetAttr(n)) => Some(n.as_str()),
        _ => None,
    }
}

/// `.name` on a value.
pub fn get_attr_of(v: &Value, name: &str, at: &Loc) -> R<Value> {
    match v {
        Value::Unknown(_) => Ok(v.derived()),
        Value::Map(m) => match m.get(name) {
            Some(x) => Ok(x.clone()),
            None => err(format!("the object has no attribute `{name}`"), at),
        },
        Value::Res(r) => match r.attrs.get(name) {
            Some(Value::Unknown(u))
                if name == "name" && u.origin.is_none() && !is_data(&r.addr) =>
            {
                // An unknown name still names its resource: references keep that identity.
                Ok(Value::Unknown(Rc::new(Unk {
                    origin: Some((r.addr.clone(), name.to_string())),
                    ..(**u).clone()
                })))
            }
            Some(x) => Ok(x.clone()),
            None => Ok(computed(r, name, at)),
        },
        Value::List(_) => err(
            format!("`.{name}` on a list: pick an element with [index] or use [*].{name}"),
            at,
        ),
        Value::Null => err(format!("`.{name}` on null"), at),
        other => err(format!("`.{name}` on a {}", other.type_name()), at),
    }
}

fn is_data(addr: &str) -> bool {
    addr.starts_with("data.") || addr.contains(".data.")
}

/// The unknown standing for an attribute the provider computes.
fn computed(r: &ResObj, name: &str, at: &Loc) -> Value {
    let data = is_data(&r.addr);
    let reason = if data {
        format!(
            "`{}.{name}` is read from Azure when Terraform plans",
            r.addr
        )
    } else {
        format!("`{}.{name}` is known only after apply", r.addr)
    };
    Value::Unknown(Rc::new(Unk {
        reason,
        at: at.clone(),
        origin: Some((r.addr.clone(), name.to_string())),
        partial: None,
        instance: None,
    }))
}

/// `[key]` on a value.
pub fn index_of(v: &Value, k: &Value, at: &Loc) -> R<Value> {
    if let Value::Unknown(u) = v
        && let Some(one) = &u.instance
    {
        return Ok(Value::Res(one.clone()));
    }
    if k.is_unknown() {
        return Ok(k.derived());
    }
    match v {
        Value::Unknown(_) => Ok(v.derived()),
        Value::List(l) => {
            let Some(n) = k.to_number() else {
                return err(
                    format!("a list index must be a number, not {}", k.brief()),
                    at,
                );
            };
            if n < 0.0 || n.fract() != 0.0 || n as usize >= l.len() {
                return err(
                    format!(
                        "index {} is out of range for a list of {} elements",
                        k.brief(),
                        l.len()
                    ),
                    at,
                );
            }
            Ok(l[n as usize].clone())
        }
        Value::Map(_) | Value::Res(_) => {
            let Some(key) = k.to_tf_string() else {
                return err(
                    format!("a map key must be a string, not {}", k.type_name()),
                    at,
                );
            };
            get_attr_of(v, &key, at).or_else(|_| err(format!("the map has no key {key:?}"), at))
        }
        Value::Null => err("indexing null", at),
        other => err(format!("cannot index a {}", other.type_name()), at),
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
mod tests {
    use super::*;

    /// Evaluates a literal expression (no references) as a tfvars value is.
    fn ev(text: &str) -> Result<Value, String> {
        let mut e = Evaluator::new(Limits::default());
        let expr: Expression = text
            .parse()
            .map_err(|e: hcl_edit::parser::Error| e.to_string())?;
        e.eval_literal(&expr, usize::MAX).map_err(|e| e.msg)
    }

    fn s(text: &str) -> String {
        match ev(text) {
            Ok(v) => serde_json::to_string(&v.to_json()).unwrap_or_default(),
            Err(e) => format!("error: {e}"),
        }
    }

    #[test]
    fn strings_and_templates() {
        assert_eq!(s(r#"format("%s-%02d", "vm", 7)"#), r#""vm-07""#);
        assert_eq!(
            s(r#""a-${upper("b")}-%{ if true }yes%{ else }no%{ endif }""#),
            r#""a-B-yes""#
        );
        assert_eq!(
            s(r#""%{ for x in ["a", "b"] }${x},%{ endfor }""#),
            r#""a,b,""#
        );
        assert_eq!(s(r#"join("/", split(",", "a,b,c"))"#), r#""a/b/c""#);
        assert_eq!(s(r#"replace("a-b-c", "/-/", "_")"#), r#""a_b_c""#);
        assert_eq!(s(r#"substr("hello", -3, -1)"#), r#""llo""#);
        assert_eq!(
            s(r#"trimsuffix(trimprefix("xxhixx", "xx"), "xx")"#),
            r#""hi""#
        );
        assert_eq!(s(r#"regex("^(\\w+)-(\\d+)$", "vm-12")"#), r#"["vm","12"]"#);
        assert_eq!(s(r#"can(regex("^a", "b"))"#), "false");
        assert_eq!(s(r#"startswith("privatelink.x", "privatelink.")"#), "true");
        assert_eq!(
            s(r#"jsondecode(jsonencode({b = 1, a = [true, null]}))"#),
            r#"{"a":[true,null],"b":1}"#
        );
    }

    #[test]
    fn collections() {
        assert_eq!(s(r#"merge({a = 1}, {b = 2}, {a = 3})"#), r#"{"a":3,"b":2}"#);
        assert_eq!(s(r#"lookup({a = 1}, "b", 9)"#), "9");
        assert_eq!(s(r#"flatten([[1], [2, [3]], []])"#), "[1,2,3]");
        assert_eq!(s(r#"distinct(concat(["a"], ["a", "b"]))"#), r#"["a","b"]"#);
        assert_eq!(s(r#"keys({z = 1, a = 2})"#), r#"["a","z"]"#);
        assert_eq!(s(r#"values({z = 1, a = 2})"#), "[2,1]");
        assert_eq!(s(r#"zipmap(["a", "b"], [1, 2])"#), r#"{"a":1,"b":2}"#);
        assert_eq!(s(r#"element(["a", "b"], 3)"#), r#""b""#);
        assert_eq!(s(r#"length(setproduct(["a", "b"], [1, 2, 3]))"#), "6");
        assert_eq!(s(r#"compact(["a", "", null, "b"])"#), r#"["a","b"]"#);
        assert_eq!(s(r#"one([])"#), "null");
        assert_eq!(s(r#"range(1, 7, 2)"#), "[1,3,5]");
        assert_eq!(s(r#"max(3, 9, 2) + min(4, 1)"#), "10");
        assert_eq!(s(r#"toset(["b", "a", "b"])"#), r#"["a","b"]"#);
        assert_eq!(s(r#"contains(["a"], "b")"#), "false");
        assert_eq!(s(r#"coalesce(null, "", "x")"#), r#""x""#);
        assert_eq!(s(r#"tonumber("42") + 1"#), "43");
        assert_eq!(s(r#"tobool("true")"#), "true");
        assert_eq!(s(r#"tostring(5)"#), r#""5""#);
    }

    #[test]
    fn expressions() {
        assert_eq!(
            s(r#"[for i, v in ["a", "b"] : "${i}${v}" if v != "x"]"#),
            r#"["0a","1b"]"#
        );
        assert_eq!(
            s(r#"{for k, v in {a = 1, b = 2} : v => k}"#),
            r#"{"1":"a","2":"b"}"#
        );
        assert_eq!(
            s(r#"{for v in ["a", "b", "a"] : v => v...}"#),
            r#"{"a":["a","a"],"b":["b"]}"#
        );
        assert_eq!(s(r#"[{n = 1}, {n = 2}][*].n"#), "[1,2]");
        assert_eq!(s(r#"true ? 1 : 2"#), "1");
        assert_eq!(s(r#"!(1 < 2) || 3 % 2 == 1"#), "true");
        assert_eq!(s(r#"try({a = 1}.b, "fallback")"#), r#""fallback""#);
        assert!(s(r#"{a = 1}.b"#).starts_with("error"));
        assert!(s(r#"[1][5]"#).starts_with("error"));
        assert!(s(r#"var.x"#).starts_with("error"));
    }

    #[test]
    fn networking() {
        assert_eq!(s(r#"cidrsubnet("10.0.0.0/16", 8, 3)"#), r#""10.0.3.0/24""#);
        assert_eq!(s(r#"cidrhost("10.0.1.0/24", 5)"#), r#""10.0.1.5""#);
        assert_eq!(s(r#"cidrhost("10.0.1.0/24", -2)"#), r#""10.0.1.254""#);
        assert_eq!(s(r#"cidrnetmask("10.0.0.0/20")"#), r#""255.255.240.0""#);
        assert_eq!(
            s(r#"cidrsubnets("10.1.0.0/16", 4, 4, 8)"#),
            r#"["10.1.0.0/20","10.1.16.0/20","10.1.32.0/24"]"#
        );
        assert!(s(r#"cidrsubnet("10.0.0.0/30", 8, 1)"#).starts_with("error"));
    }

    #[test]
    fn unknowns_propagate_but_keep_structure() {
        let u = "provider::azurerm::normalise_resource_id(\"x\")";
        assert_eq!(s(&format!("length([{u}, 1])")), "2");
        assert!(s(&format!("upper({u})")).contains("$unknown"));
        assert!(s(&format!("{u} ? 1 : 2")).contains("$unknown"));
        assert!(s(&format!("\"a-${{{u}}}\"")).contains("$unknown"));
        assert_eq!(s(&format!("false && {u}")), "false");
        assert!(s(&format!("can({u})")).contains("$unknown"));
    }

    #[test]
    fn computed_results_do_not_stand_for_the_attribute() {
        let mut e = Evaluator::new(Limits::default());
        let ip = Value::Unknown(Rc::new(Unk {
            reason: "after apply".into(),
            at: Loc::default(),
            origin: Some((
                "azurerm_firewall.fw.ip_configuration[0]".into(),
                "private_ip_address".into(),
            )),
            partial: None,
            instance: None,
        }));
        let sc = Scope {
            inst: None,
            file: usize::MAX,
            each: None,
            count: None,
            open_instance: false,
            vars: vec![("ip".into(), ip)],
        };
        let origin = |e: &mut Evaluator, text: &str| {
            let x: Expression = text.parse().unwrap();
            match e.eval(&x, &sc).unwrap() {
                Value::Unknown(u) => u.origin.clone(),
                other => panic!("{text} gave {other:?}"),
            }
        };
        assert!(
            origin(&mut e, "ip").is_some(),
            "a plain reference is the attribute itself"
        );
        assert!(origin(&mut e, r#""${ip}""#).is_some());
        assert!(origin(&mut e, r#""${ip}/32""#).is_none());
        assert!(origin(&mut e, r#"ip == "x""#).is_none());
        assert!(origin(&mut e, "ip ? 1 : 2").is_none());
        assert!(origin(&mut e, "[1, 2][ip]").is_none());
        assert!(origin(&mut e, "lower(ip)").is_none());
        assert!(origin(&mut e, "try(ip, null)").is_some());
    }

    #[test]
    fn hostile_values_are_bounded() {
        assert!(s("range(100000000)").starts_with("error"));
        assert!(s("setproduct(range(1000), range(1000), range(1000))").starts_with("error"));
        assert!(s(r#"format("%999999999d", 1)"#).len() < 2048);
        let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
        assert!(ev(&deep).is_err(), "the parser bounds nesting");
    }
}
