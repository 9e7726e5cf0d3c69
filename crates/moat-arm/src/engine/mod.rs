//! Evaluates a deployment template: parameters, variables, resources with their copy loops
//! and conditions, nested inline deployments (inner and outer scope), outputs and
//! `reference()`.
//!
//! Everything is lazy and memoised: a variable, a parameter, a deployment's resources, a
//! nested deployment's template and outputs, a resource's properties are evaluated when first
//! needed, so a nested deployment whose parameters use another deployment's outputs simply
//! evaluates that one first. Cycles (a variable defined by itself, two deployments whose
//! parameters reference each other) are detected and give unknowns. Work is bounded by a fuel
//! budget, a nesting depth, a limit on copy counts (800, as Azure) and on instances.
//!
//! This module evaluates expressions and holds the engine's state; [`calls`] has the template
//! functions that need the deployment, [`params`] parameters, variables and outputs,
//! [`instances`] resources with their copy loops, conditions and nested deployments,
//! [`references`] finding instances by id and `reference()`, and [`order`] the order
//! `dependsOn` and the implicit dependencies of `reference()` and `list*()` fix among the
//! resources.

use crate::expr::Expr;
use crate::functions::{self, Host};
use crate::tnode::{Parsed, TNode, TVal, pointer_step};
use crate::value::{Lambda, Obj, StrBuild, Val, obj_get, split_assuming_atomic};
pub use order::Order;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

mod calls;
mod instances;
mod order;
mod params;
#[cfg(test)]
mod properties;
mod references;
#[cfg(test)]
mod tests;

/// The index of the one instance standing for a resource copy loop whose count is unknown.
const OPEN_COPY: i64 = i64::MIN;

/// Why such an instance may or may not be deployed.
pub const OPEN_COPY_REASON: &str = "copy count is unknown";

/// Azure's limit on the count of a copy loop.
pub const MAX_COPY: i64 = 800;
/// Deepest nesting of inline deployments followed.
pub const MAX_DEPLOYMENT_DEPTH: u32 = 48;
/// Most resource instances expanded in one template.
pub const MAX_INSTANCES: usize = 100_000;
/// Deepest recursion of the evaluator.
const MAX_EVAL_DEPTH: u32 = 1_500;
/// Default evaluation budget (expression and node evaluations).
pub const DEFAULT_FUEL: u64 = 50_000_000;

/// Placeholder deployment scope: the template does not say which subscription and resource
/// group it is deployed to. Ids and `uniqueString()` results are computed with these.
pub const PLACEHOLDER_SUBSCRIPTION: &str = "00000000-0000-0000-0000-000000000000";
pub const PLACEHOLDER_RESOURCE_GROUP: &str = "resource-group";
pub const PLACEHOLDER_TENANT: &str = "00000000-0000-0000-0000-000000000000";
pub const PLACEHOLDER_DEPLOYMENT: &str = "deployment";
/// The reason of the resource group's region, which the template cannot know.
pub const RG_LOCATION_REASON: &str = "resourceGroup().location: the region of the target resource group is not in the template (give it with --location)";

/// Something the evaluator could not resolve, outside any one value (a copy count, a
/// deployment condition, a cycle).
#[derive(Clone, Debug)]
pub struct Note {
    /// `type/name` of what it concerns.
    pub resource: String,
    pub field: String,
    pub reason: String,
    /// The node concerned.
    pub span: moat_doc::Span,
    pub pointer: String,
}

/// What the deployment command says and the template does not: `az deployment group create
/// --subscription S --resource-group RG` deploys into RG, whose region `resourceGroup().location`
/// returns.
#[derive(Clone, Debug, Default)]
pub struct Target {
    pub subscription: Option<String>,
    pub resource_group: Option<String>,
    /// The resource group's region (`eastus`).
    pub location: Option<String>,
}

impl Target {
    /// Whether the subscription and resource group are both given (no placeholder is used).
    pub fn is_complete(&self) -> bool {
        self.subscription.is_some() && self.resource_group.is_some()
    }
}

/// Where a template is deployed.
#[derive(Debug)]
pub struct Scope {
    pub subscription: Val,
    pub resource_group: Val,
    pub location: Val,
    pub deployment: Val,
    pub tenant: Val,
}

impl Scope {
    fn rg_id(&self) -> Val {
        let mut b = StrBuild::new();
        b.push_str("/subscriptions/");
        let _ = b.push_val(&self.subscription);
        b.push_str("/resourceGroups/");
        let _ = b.push_val(&self.resource_group);
        b.finish()
    }

    fn sub_id(&self) -> Val {
        let mut b = StrBuild::new();
        b.push_str("/subscriptions/");
        let _ = b.push_val(&self.subscription);
        b.finish()
    }
}

#[derive(Clone, Debug)]
enum Slot {
    Busy,
    Done(Val),
}

enum Expansion {
    Pending,
    Busy,
    Done(Rc<Vec<Rc<Inst>>>),
}

#[derive(Clone, Debug)]
enum Child {
    NotCreated,
    Busy,
    Created(usize),
    /// Not an inline template (a `templateLink`), or too deep.
    External(Rc<str>),
}

/// The evaluation context of an expression.
#[derive(Clone, Debug)]
pub struct Cx {
    /// The deployment whose template holds the expression (symbolic names, resources).
    dep: usize,
    /// The deployment whose parameters and variables the expression sees (differs from `dep`
    /// for outer-scope nested templates).
    pdep: usize,
    /// Active copy loops, innermost last: name, index, and whether it is a resource loop.
    frame: Rc<Vec<(Rc<str>, i64, bool)>>,
    /// Lambda variables.
    lam: Option<Rc<Vec<(String, Val)>>>,
    /// Parameters of a user-defined function being evaluated.
    fparams: Option<Rc<Vec<(String, Val)>>>,
}

impl Cx {
    /// Inside iteration `i` of a property, variable or output copy loop.
    fn with_copy(&self, name: &str, i: i64) -> Cx {
        self.push_copy(name, i, false)
    }

    /// Inside iteration `i` of a resource copy loop.
    fn with_resource_copy(&self, name: &str, i: i64) -> Cx {
        self.push_copy(name, i, true)
    }

    fn push_copy(&self, name: &str, i: i64, resource: bool) -> Cx {
        let mut f = (*self.frame).clone();
        f.push((Rc::from(name), i, resource));
        Cx {
            frame: Rc::new(f),
            ..self.clone()
        }
    }

    fn plain(dep: usize, pdep: usize) -> Cx {
        Cx {
            dep,
            pdep,
            frame: Rc::new(Vec::new()),
            lam: None,
            fparams: None,
        }
    }
}

/// A nested deployment's parameter values, evaluated in the parent's context.
struct ParamSrc {
    node: Option<Rc<TNode>>,
    cx: Cx,
}

/// One deployment (the root template or a nested inline one).
pub struct Dep {
    pub idx: usize,
    pub template: Rc<TNode>,
    /// JSON pointer of the template in the file.
    pub ptr: String,
    ctx: usize,
    pub parent: Option<usize>,
    pub scope: Rc<Scope>,
    pub symbolic: bool,
    depth: u32,
    param_src: Option<ParamSrc>,
    params: RefCell<HashMap<String, Slot>>,
    vars: RefCell<HashMap<String, Slot>>,
    insts: RefCell<Expansion>,
    outputs: RefCell<Option<Slot>>,
}

/// One resource instance (one iteration of a copy loop).
pub struct Inst {
    pub dep: usize,
    pub node: Rc<TNode>,
    pub ptr: String,
    pub sym: Option<String>,
    pub copy_index: Option<i64>,
    cx: Cx,
    pub rtype: String,
    pub name: Val,
    pub id: Val,
    /// Canonical id (lower case, unknown parts marked).
    pub key: String,
    pub cond: Val,
    pub existing: bool,
    pub deployment: bool,
    child: RefCell<Child>,
    body: RefCell<Option<Slot>>,
}

/// The template evaluator.
pub struct Engine {
    deps: RefCell<Vec<Rc<Dep>>>,
    ids: RefCell<HashMap<String, Rc<Inst>>>,
    root_values: HashMap<String, Val>,
    fuel: Cell<u64>,
    depth: Cell<u32>,
    busy: Cell<usize>,
    all_expanded: Cell<bool>,
    instances: Cell<usize>,
    /// Whether the placeholder subscription or resource group was used.
    pub scope_used: Cell<bool>,
    pub notes: RefCell<Vec<Note>>,
}

fn lower(s: &str) -> String {
    s.to_ascii_lowercase()
}

/// The canonical text of a resource id.
pub fn canon(v: &Val) -> Option<String> {
    v.render().map(|s| s.to_lowercase())
}

fn to_bool(v: Val) -> Val {
    match v {
        Val::Bool(_) => v,
        Val::Str(s) if s.eq_ignore_ascii_case("true") => Val::Bool(true),
        Val::Str(s) if s.eq_ignore_ascii_case("false") => Val::Bool(false),
        Val::Null => Val::Bool(false),
        v if v.is_unknown() => v,
        other => Val::unknown_from(format!(
            "a condition must be a boolean, not a {}",
            other.type_name()
        )),
    }
}

/// The public cloud's `environment()`.
fn environment() -> Val {
    let j = serde_json::json!({
        "name": "AzureCloud",
        "gallery": "https://gallery.azure.com/",
        "graph": "https://graph.windows.net/",
        "graphAudience": "https://graph.windows.net/",
        "portal": "https://portal.azure.com",
        "resourceManager": "https://management.azure.com/",
        "activeDirectoryDataLake": "https://datalake.azure.net/",
        "batch": "https://batch.core.windows.net/",
        "media": "https://rest.media.azure.net",
        "sqlManagement": "https://management.core.windows.net:8443/",
        "vmImageAliasDoc": "https://raw.githubusercontent.com/Azure/azure-rest-api-specs/master/arm-compute/quickstart-templates/aliases.json",
        "authentication": {
            "loginEndpoint": "https://login.microsoftonline.com/",
            "audiences": ["https://management.core.windows.net/", "https://management.azure.com/"],
            "tenant": "common",
            "identityProvider": "AAD"
        },
        "suffixes": {
            "acrLoginServer": ".azurecr.io",
            "azureDatalakeAnalyticsCatalogAndJob": "azuredatalakeanalytics.net",
            "azureDatalakeStoreFileSystem": "azuredatalakestore.net",
            "azureFrontDoorEndpointSuffix": "azurefd.net",
            "keyvaultDns": ".vault.azure.net",
            "sqlServerHostname": ".database.windows.net",
            "storage": "core.windows.net"
        }
    });
    Val::from_json(&j)
}

struct LamHost<'e> {
    eng: &'e Engine,
    cx: &'e Cx,
}

impl Host for LamHost<'_> {
    fn call_lambda(&mut self, l: &Lambda, args: &[Val]) -> Val {
        let mut vars: Vec<(String, Val)> = self.cx.lam.as_deref().cloned().unwrap_or_default();
        for (p, a) in l.params.iter().zip(args) {
            vars.push((p.clone(), a.clone()));
        }
        let cx = Cx {
            lam: Some(Rc::new(vars)),
            ..self.cx.clone()
        };
        self.eng.eval_expr(&l.body, &cx)
    }
}

impl Engine {
    /// An engine for `template`, with root parameter values (lower-case names).
    pub fn new(template: Rc<TNode>, root_values: HashMap<String, Val>, fuel: u64) -> Engine {
        Engine::with_target(template, root_values, fuel, &Target::default())
    }

    /// An engine for `template` deployed to `target` (what is not given is a placeholder, or
    /// unknown for the resource group's region).
    pub fn with_target(
        template: Rc<TNode>,
        root_values: HashMap<String, Val>,
        fuel: u64,
        target: &Target,
    ) -> Engine {
        let symbolic = template
            .get("languageVersion")
            .and_then(|n| n.text())
            .is_some_and(|v| v.starts_with('2'));
        let scope = Scope {
            subscription: Val::str(
                target
                    .subscription
                    .as_deref()
                    .unwrap_or(PLACEHOLDER_SUBSCRIPTION),
            ),
            resource_group: Val::str(
                target
                    .resource_group
                    .as_deref()
                    .unwrap_or(PLACEHOLDER_RESOURCE_GROUP),
            ),
            location: match &target.location {
                Some(l) => Val::str(l.as_str()),
                None => Val::unknown_from(RG_LOCATION_REASON),
            },
            deployment: Val::str(PLACEHOLDER_DEPLOYMENT),
            tenant: Val::str(PLACEHOLDER_TENANT),
        };
        let root = Dep {
            idx: 0,
            template,
            ptr: String::new(),
            ctx: 0,
            parent: None,
            scope: Rc::new(scope),
            symbolic,
            depth: 0,
            param_src: None,
            params: RefCell::new(HashMap::new()),
            vars: RefCell::new(HashMap::new()),
            insts: RefCell::new(Expansion::Pending),
            outputs: RefCell::new(None),
        };
        Engine {
            deps: RefCell::new(vec![Rc::new(root)]),
            ids: RefCell::new(HashMap::new()),
            root_values,
            fuel: Cell::new(fuel),
            depth: Cell::new(0),
            busy: Cell::new(0),
            all_expanded: Cell::new(false),
            instances: Cell::new(0),
            scope_used: Cell::new(false),
            notes: RefCell::new(Vec::new()),
        }
    }

    pub fn dep(&self, i: usize) -> Rc<Dep> {
        self.deps.borrow()[i].clone()
    }

    fn note(&self, resource: String, field: &str, reason: String, node: &TNode, pointer: &str) {
        self.notes.borrow_mut().push(Note {
            resource,
            field: field.into(),
            reason,
            span: node.span,
            pointer: pointer.into(),
        });
    }

    /// Whether the evaluation budget is exhausted.
    pub fn out_of_fuel(&self) -> bool {
        self.fuel.get() == 0
    }

    fn enter(&self) -> Option<Val> {
        let f = self.fuel.get();
        if f == 0 {
            return Some(Val::unknown_from(
                "the evaluation budget is exhausted (the template is too expensive to evaluate)",
            ));
        }
        self.fuel.set(f - 1);
        let d = self.depth.get();
        if d >= MAX_EVAL_DEPTH {
            return Some(Val::unknown_from("expressions nest too deeply to evaluate"));
        }
        self.depth.set(d + 1);
        None
    }

    fn leave(&self) {
        self.depth.set(self.depth.get().saturating_sub(1));
    }

    // ----- nodes and expressions -----

    /// Evaluates a template node.
    pub fn eval_node(&self, n: &TNode, cx: &Cx) -> Val {
        if let Some(stop) = self.enter() {
            return stop;
        }
        let v = self.eval_node_inner(n, cx);
        self.leave();
        v
    }

    fn eval_node_inner(&self, n: &TNode, cx: &Cx) -> Val {
        match &n.v {
            TVal::Null => Val::Null,
            TVal::Bool(b) => Val::Bool(*b),
            TVal::Int(i) => Val::Int(*i),
            TVal::Float(f) => Val::Float(*f),
            TVal::Val(v) => v.clone(),
            TVal::Str(..) => match n.parsed() {
                Some(Parsed::Literal(l)) => Val::Str(l.clone()),
                Some(Parsed::Expr(e)) => self.eval_expr(e, cx),
                Some(Parsed::Invalid(msg)) => Val::unknown_from(msg.clone()),
                None => Val::Null,
            },
            TVal::Arr(items) => Val::arr(items.iter().map(|x| self.eval_node(x, cx)).collect()),
            TVal::Obj(entries) => {
                let mut o = Obj::new();
                for (k, v) in entries {
                    if k.eq_ignore_ascii_case("copy") && is_property_copy(v) {
                        for spec in v.items() {
                            let (Some(name), Some(input)) =
                                (spec.get("name").and_then(|x| x.text()), spec.get("input"))
                            else {
                                continue;
                            };
                            let items = self.copy_items(spec, name, input, cx);
                            o.insert(name.to_string(), items);
                        }
                        continue;
                    }
                    let key = match crate::tnode::parse_template_string(k) {
                        Parsed::Literal(l) => l.to_string(),
                        Parsed::Expr(e) => {
                            let kv = self.eval_expr(&e, cx);
                            match kv.as_str() {
                                Some(s) => s.to_string(),
                                None => kv.render().unwrap_or_else(|| k.to_string()),
                            }
                        }
                        Parsed::Invalid(_) => k.to_string(),
                    };
                    o.insert(key, self.eval_node(v, cx));
                }
                Val::obj(o)
            }
        }
    }

    /// Evaluates a property or variable copy loop `{name, count, input}`.
    fn copy_items(&self, spec: &TNode, name: &str, input: &TNode, cx: &Cx) -> Val {
        let count = spec
            .get("count")
            .map(|c| self.eval_node(c, cx))
            .unwrap_or(Val::Int(0));
        let n = match count {
            Val::Int(n) => n,
            other if other.is_unknown() => return Val::derived(&format!("copy {name}"), &[other]),
            other => {
                return Val::unknown_from(format!(
                    "copy `{name}`: the count is a {}, not an integer",
                    other.type_name()
                ));
            }
        };
        if n > MAX_COPY {
            return Val::unknown_from(format!(
                "copy `{name}`: count {n} exceeds Azure's limit of {MAX_COPY}"
            ));
        }
        Val::arr(
            (0..n.max(0))
                .map(|i| self.eval_node(input, &cx.with_copy(name, i)))
                .collect(),
        )
    }

    /// Evaluates an expression.
    pub fn eval_expr(&self, e: &Expr, cx: &Cx) -> Val {
        if let Some(stop) = self.enter() {
            return stop;
        }
        let v = self.eval_expr_inner(e, cx);
        self.leave();
        v
    }

    fn eval_expr_inner(&self, e: &Expr, cx: &Cx) -> Val {
        match e {
            Expr::Str(s) => Val::Str(s.clone()),
            Expr::Int(i) => Val::Int(*i),
            Expr::Float(f) => Val::Float(*f),
            Expr::Bool(b) => Val::Bool(*b),
            Expr::Null => Val::Null,
            Expr::Member(inner, name) => {
                let v = self.eval_expr(inner, cx);
                member(&v, name, e)
            }
            Expr::Index(inner, idx) => {
                let v = self.eval_expr(inner, cx);
                let i = self.eval_expr(idx, cx);
                index(&v, &i, e)
            }
            Expr::Call { name, args } => self.call(name, args, cx, e),
        }
    }

    fn eval_args(&self, args: &[Expr], cx: &Cx) -> Vec<Val> {
        args.iter().map(|a| self.eval_expr(a, cx)).collect()
    }
}

struct Parent {
    rtype: String,
    name: Val,
    cond: Val,
    cx: Cx,
}

/// Whether a parameter declaration (or the user-defined type it refers to) is nullable, and
/// its type name (lower case).
fn declared_type(template: &TNode, decl: &TNode) -> (bool, String) {
    let mut cur = decl;
    let mut nullable = false;
    for _ in 0..16 {
        nullable |= cur
            .get("nullable")
            .is_some_and(|n| matches!(n.v, TVal::Bool(true)));
        if let Some(t) = cur.get("type").and_then(|t| t.text()) {
            return (nullable, t.to_ascii_lowercase());
        }
        let Some(r) = cur.get("$ref").and_then(|r| r.text()) else {
            break;
        };
        let mut target: Option<&TNode> = Some(template);
        for step in r
            .trim_start_matches('#')
            .split('/')
            .filter(|s| !s.is_empty())
        {
            target = target.and_then(|t| {
                t.get(&step.replace("~1", "/").replace("~0", "~"))
                    .map(|n| &**n)
            });
        }
        match target {
            Some(t) => cur = t,
            None => break,
        }
    }
    (nullable, String::new())
}

/// Whether an object member named `copy` is a property copy (`[{name, count, input}]`).
fn is_property_copy(n: &TNode) -> bool {
    matches!(&n.v, TVal::Arr(items) if !items.is_empty() && items.iter().all(|i| i.get("name").is_some() && i.get("input").is_some()))
}

fn append_type_and_names(b: &mut StrBuild, rtype: &str, names: &[Val]) {
    let mut segs = rtype.split('/');
    b.push_str("/providers/");
    b.push_str(segs.next().unwrap_or_default());
    let mut ni = names.iter();
    for t in segs {
        b.push_str("/");
        b.push_str(t);
        b.push_str("/");
        if let Some(n) = ni.next() {
            let _ = b.push_val(n);
        }
    }
    for n in ni {
        b.push_str("/");
        let _ = b.push_val(n);
    }
}

fn member(v: &Val, name: &str, whole: &Expr) -> Val {
    match v {
        Val::Obj(o) => match obj_get(o, name) {
            Some(x) => x.clone(),
            None => Val::derived(
                &format!(
                    "`{whole}`: the property `{name}` is not in the template (Azure sets it at deployment, if at all)"
                ),
                std::slice::from_ref(v),
            ),
        },
        v if v.is_unknown() => Val::part_of(
            &whole.to_string(),
            &format!(".{name}"),
            std::slice::from_ref(v),
        ),
        Val::Null => Val::unknown_from(format!("`{whole}`: reads `{name}` of null")),
        other => Val::unknown_from(format!(
            "`{whole}`: a {} has no property `{name}`",
            other.type_name()
        )),
    }
}

fn index(v: &Val, i: &Val, whole: &Expr) -> Val {
    match (v, i) {
        (Val::Arr(a), Val::Int(n)) => match usize::try_from(*n).ok().and_then(|n| a.get(n)) {
            Some(x) => x.clone(),
            None => Val::unknown_from(format!(
                "`{whole}`: index {n} is outside an array of {}",
                a.len()
            )),
        },
        (Val::Obj(_), Val::Str(k)) => member(v, k, whole),
        (v, i) if v.is_unknown() && !i.is_unknown() => {
            Val::part_of(&whole.to_string(), "[]", &[v.clone(), i.clone()])
        }
        (v, i) if v.is_unknown() || i.is_unknown() => Val::derived("[]", &[v.clone(), i.clone()]),
        (Val::Arr(a), Val::Str(s)) if s.parse::<usize>().is_ok() => {
            let n: usize = s.parse().unwrap_or(usize::MAX);
            a.get(n).cloned().unwrap_or_else(|| {
                Val::unknown_from(format!("`{whole}`: index {n} is outside the array"))
            })
        }
        (v, i) => Val::unknown_from(format!(
            "`{whole}`: cannot index a {} with a {}",
            v.type_name(),
            i.type_name()
        )),
    }
}
