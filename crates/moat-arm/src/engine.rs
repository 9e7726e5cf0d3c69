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

use crate::expr::Expr;
use crate::functions::{self, Host};
use crate::tnode::{Parsed, TNode, TVal, pointer_step};
use crate::value::{Lambda, Obj, StrBuild, Val, obj_get, split_assuming_atomic};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

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

    fn call(&self, name: &str, args: &[Expr], cx: &Cx, whole: &Expr) -> Val {
        match name {
            "parameters" => {
                let a = self.eval_args(args, cx);
                match a.first() {
                    Some(Val::Str(p)) => self.param(cx, p),
                    Some(v) if v.is_unknown() => Val::derived("parameters", &a),
                    _ => {
                        Val::unknown_from(format!("`{whole}`: parameters() needs a parameter name"))
                    }
                }
            }
            "variables" => {
                let a = self.eval_args(args, cx);
                match a.first() {
                    Some(Val::Str(v)) => self.var(cx.pdep, v),
                    Some(v) if v.is_unknown() => Val::derived("variables", &a),
                    _ => Val::unknown_from(format!("`{whole}`: variables() needs a variable name")),
                }
            }
            "copyindex" => {
                let a = self.eval_args(args, cx);
                let (loop_name, offset) = match a.as_slice() {
                    [] => (None, 0),
                    [Val::Int(o)] => (None, *o),
                    [Val::Str(n)] => (Some(n.clone()), 0),
                    [Val::Str(n), Val::Int(o)] => (Some(n.clone()), *o),
                    _ => return Val::derived("copyIndex", &a),
                };
                // Without a loop name, ARM takes the resource's iteration, also inside a
                // property loop of that resource; outside any resource loop (variables,
                // outputs), the loop being evaluated.
                let found = match &loop_name {
                    Some(n) => cx
                        .frame
                        .iter()
                        .rev()
                        .find(|(ln, _, _)| ln.eq_ignore_ascii_case(n)),
                    None => cx
                        .frame
                        .iter()
                        .rev()
                        .find(|(_, _, resource)| *resource)
                        .or(cx.frame.last()),
                };
                match found {
                    Some((_, i, _)) if *i == OPEN_COPY => {
                        Val::unknown_from("the copy index is unknown (the copy count is unknown)")
                    }
                    Some((_, i, _)) => Val::Int(i.saturating_add(offset)),
                    None => Val::unknown_from(format!("`{whole}` is used outside its copy loop")),
                }
            }
            "if" => {
                if args.len() != 3 {
                    return Val::unknown_from(format!("`{whole}`: if() needs three arguments"));
                }
                match to_bool(self.eval_expr(&args[0], cx)) {
                    Val::Bool(true) => self.eval_expr(&args[1], cx),
                    Val::Bool(false) => self.eval_expr(&args[2], cx),
                    c => {
                        let (a, b) = (self.eval_expr(&args[1], cx), self.eval_expr(&args[2], cx));
                        if crate::value::equals(&a, &b, &mut 100_000) == Some(true) {
                            a
                        } else {
                            Val::derived("if", &[c, a, b])
                        }
                    }
                }
            }
            "and" | "or" => {
                let short = name == "or";
                let mut unknown: Vec<Val> = Vec::new();
                for a in args {
                    match to_bool(self.eval_expr(a, cx)) {
                        Val::Bool(b) if b == short => return Val::Bool(short),
                        Val::Bool(_) => {}
                        v => unknown.push(v),
                    }
                }
                if unknown.is_empty() {
                    Val::Bool(!short)
                } else {
                    Val::derived(name, &unknown)
                }
            }
            "coalesce" => {
                let mut seen: Vec<Val> = Vec::new();
                for a in args {
                    let v = self.eval_expr(a, cx);
                    match v.null_state() {
                        Some(true) => {}
                        Some(false) if seen.is_empty() => return v,
                        _ => seen.push(v),
                    }
                }
                if seen.is_empty() {
                    Val::Null
                } else {
                    Val::derived("coalesce", &seen)
                }
            }
            "lambda" => {
                let Some((body, params)) = args.split_last() else {
                    return Val::unknown_from(format!("`{whole}`: lambda() needs a body"));
                };
                let mut names = Vec::new();
                for p in params {
                    match p {
                        Expr::Str(s) => names.push(s.to_string()),
                        _ => {
                            return Val::unknown_from(format!(
                                "`{whole}`: lambda parameter names must be literals"
                            ));
                        }
                    }
                }
                Val::Lambda(Rc::new(Lambda {
                    params: names,
                    body: Rc::new(body.clone()),
                }))
            }
            "lambdavariables" => {
                let a = self.eval_args(args, cx);
                let Some(n) = a.first().and_then(Val::as_str) else {
                    return Val::unknown_from(format!("`{whole}`: lambdaVariables() needs a name"));
                };
                cx.lam
                    .as_ref()
                    .and_then(|l| l.iter().rev().find(|(k, _)| k.eq_ignore_ascii_case(n)))
                    .map(|(_, v)| v.clone())
                    .unwrap_or_else(|| {
                        Val::unknown_from(format!("`{whole}`: no lambda variable `{n}`"))
                    })
            }
            "resourcegroup" => {
                self.scope_used.set(true);
                let s = self.dep(cx.dep).scope.clone();
                let mut o = Obj::new();
                o.insert("id".into(), s.rg_id());
                o.insert("name".into(), s.resource_group.clone());
                o.insert(
                    "type".into(),
                    Val::str("Microsoft.Resources/resourceGroups"),
                );
                o.insert("location".into(), s.location.clone());
                o.insert(
                    "properties".into(),
                    Val::obj(Obj::from([(
                        "provisioningState".to_string(),
                        Val::str("Succeeded"),
                    )])),
                );
                o.insert(
                    "tags".into(),
                    Val::unknown_from("resourceGroup().tags: not in the template"),
                );
                o.insert(
                    "managedBy".into(),
                    Val::unknown_from("resourceGroup().managedBy: not in the template"),
                );
                Val::obj(o)
            }
            "subscription" => {
                self.scope_used.set(true);
                let s = self.dep(cx.dep).scope.clone();
                let mut o = Obj::new();
                o.insert("id".into(), s.sub_id());
                o.insert("subscriptionId".into(), s.subscription.clone());
                o.insert("tenantId".into(), s.tenant.clone());
                o.insert(
                    "displayName".into(),
                    Val::unknown_from("subscription().displayName: not in the template"),
                );
                Val::obj(o)
            }
            "tenant" => {
                self.scope_used.set(true);
                let s = self.dep(cx.dep).scope.clone();
                let mut o = Obj::new();
                o.insert("tenantId".into(), s.tenant.clone());
                o.insert(
                    "countryCode".into(),
                    Val::unknown_from("tenant().countryCode: not in the template"),
                );
                o.insert(
                    "displayName".into(),
                    Val::unknown_from("tenant().displayName: not in the template"),
                );
                Val::obj(o)
            }
            "deployment" => {
                let s = self.dep(cx.dep).scope.clone();
                let mut o = Obj::new();
                o.insert("name".into(), s.deployment.clone());
                o.insert("location".into(), s.location.clone());
                o.insert("properties".into(), Val::obj(Obj::new()));
                Val::obj(o)
            }
            "environment" => environment(),
            "resourceid"
            | "subscriptionresourceid"
            | "tenantresourceid"
            | "extensionresourceid" => {
                let a = self.eval_args(args, cx);
                self.resource_id_fn(name, &a, cx)
            }
            "reference" | "references" => {
                let a = self.eval_args(args, cx);
                self.reference(&a, cx, name == "references", whole)
            }
            n if n.starts_with("list") => {
                let a = self.eval_args(args, cx);
                Val::derived(
                    &format!(
                        "{whole}: list functions return keys and runtime values known only at deployment"
                    ),
                    &a,
                )
            }
            n if n.contains('.') => self.user_function(n, args, cx, whole),
            _ => {
                let a = self.eval_args(args, cx);
                let mut host = LamHost { eng: self, cx };
                match functions::call(name, &a, &mut host) {
                    Some(v) => v,
                    None => Val::unknown_from(format!(
                        "`{whole}`: `{name}` is not a template function this importer knows"
                    )),
                }
            }
        }
    }

    fn user_function(&self, name: &str, args: &[Expr], cx: &Cx, whole: &Expr) -> Val {
        let (ns, member) = name.split_once('.').unwrap_or(("", name));
        let tpl = self.dep(cx.dep).template.clone();
        let def = tpl.get("functions").and_then(|fs| {
            fs.items()
                .iter()
                .find(|f| {
                    f.get("namespace")
                        .and_then(|n| n.text())
                        .is_some_and(|n| n.eq_ignore_ascii_case(ns))
                })
                .and_then(|f| f.get("members"))
                .and_then(|m| m.get(member))
                .cloned()
        });
        let Some(def) = def else {
            return Val::unknown_from(format!(
                "`{whole}`: no user-defined function `{name}` in the template"
            ));
        };
        let a = self.eval_args(args, cx);
        let names: Vec<String> = def
            .get("parameters")
            .map(|p| {
                p.items()
                    .iter()
                    .filter_map(|x| x.get("name").and_then(|n| n.text()).map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        let fparams: Vec<(String, Val)> = names.into_iter().zip(a).collect();
        let fcx = Cx {
            fparams: Some(Rc::new(fparams)),
            lam: None,
            frame: Rc::new(Vec::new()),
            ..cx.clone()
        };
        match def.get("output").and_then(|o| o.get("value")) {
            Some(v) => self.eval_node(v, &fcx),
            None => Val::unknown_from(format!("`{whole}`: the function has no output value")),
        }
    }

    // ----- parameters, variables, outputs -----

    fn param(&self, cx: &Cx, name: &str) -> Val {
        if let Some(fp) = &cx.fparams {
            return fp
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| {
                    Val::unknown_from(format!(
                        "parameters('{name}'): not a parameter of the function"
                    ))
                });
        }
        let dep = self.dep(cx.pdep);
        let key = lower(name);
        if let Some(slot) = dep.params.borrow().get(&key) {
            return match slot {
                Slot::Done(v) => v.clone(),
                Slot::Busy => Val::unknown_from(format!(
                    "parameters('{name}'): its default value refers to itself"
                )),
            };
        }
        let Some(decl) = dep
            .template
            .get("parameters")
            .and_then(|p| p.get(name))
            .cloned()
        else {
            return Val::unknown_from(format!(
                "parameters('{name}'): the template declares no such parameter"
            ));
        };
        dep.params.borrow_mut().insert(key.clone(), Slot::Busy);
        let v = self.param_value(&dep, name, &key, &decl);
        dep.params.borrow_mut().insert(key, Slot::Done(v.clone()));
        v
    }

    fn param_value(&self, dep: &Dep, name: &str, key: &str, decl: &TNode) -> Val {
        let provided = if dep.parent.is_none() {
            self.root_values.get(key).cloned()
        } else if let Some(src) = &dep.param_src {
            src.node.as_ref().and_then(|n| n.get(name)).map(|entry| {
                // `{"value": ...}`, `{"copy": [{"name": "value", ...}]}`, `{"reference": ...}`,
                // or an expression giving `{"value": ...}`.
                let whole = self.eval_node(entry, &src.cx);
                match &whole {
                    Val::Obj(o) => match obj_get(o, "value") {
                        Some(v) => v.clone(),
                        None if obj_get(o, "reference").is_some() => {
                            Val::unknown_from(format!("parameters('{name}'): a Key Vault reference, resolved only at deployment"))
                        }
                        None => Val::Null,
                    },
                    v if v.is_unknown() => Val::derived(&format!("parameters('{name}')"), std::slice::from_ref(v)),
                    _ => Val::unknown_from(format!("parameters('{name}'): the nested deployment's value is not an object")),
                }
            })
        } else {
            None
        };
        // A null value stands for "not given": Azure uses the default then.
        match provided {
            Some(Val::Null) | None => {}
            Some(v) => return v,
        }
        if let Some(dv) = decl.get("defaultValue") {
            return self.eval_node(dv, &Cx::plain(dep.idx, dep.ctx));
        }
        let (nullable, type_name) = declared_type(&dep.template, decl);
        if nullable || provided.is_some() {
            return Val::Null;
        }
        let reason = format!(
            "parameters('{name}'): the parameter has no value (no parameters file value and no default)"
        );
        let key = crate::hash::key_hash(&format!("param:{}:{key}", dep.ptr));
        if type_name.contains("string") {
            Val::unknown_nonnull(reason, key)
        } else {
            Val::unknown(reason, key)
        }
    }

    fn var(&self, d: usize, name: &str) -> Val {
        let dep = self.dep(d);
        let key = lower(name);
        if let Some(slot) = dep.vars.borrow().get(&key) {
            return match slot {
                Slot::Done(v) => v.clone(),
                Slot::Busy => Val::unknown_from(format!(
                    "variables('{name}'): the variable is defined in terms of itself"
                )),
            };
        }
        let vars = dep.template.get("variables").cloned();
        let Some(vars) = vars else {
            return Val::unknown_from(format!(
                "variables('{name}'): the template declares no variables"
            ));
        };
        dep.vars.borrow_mut().insert(key.clone(), Slot::Busy);
        let cx = Cx::plain(d, d);
        let direct = vars
            .entries()
            .iter()
            .find(|(k, _)| !k.eq_ignore_ascii_case("copy") && k.eq_ignore_ascii_case(name));
        let v = if let Some((_, node)) = direct {
            self.eval_node(node, &cx)
        } else if let Some(spec) = vars
            .get("copy")
            .map(|c| c.items())
            .unwrap_or_default()
            .iter()
            .find(|s| {
                s.get("name")
                    .and_then(|n| n.text())
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
            })
        {
            match spec.get("input") {
                Some(input) => self.copy_items(spec, name, input, &cx),
                None => {
                    Val::unknown_from(format!("variables('{name}'): the copy loop has no input"))
                }
            }
        } else {
            Val::unknown_from(format!(
                "variables('{name}'): the template declares no such variable"
            ))
        };
        dep.vars.borrow_mut().insert(key, Slot::Done(v.clone()));
        v
    }

    /// The outputs of a deployment, as `reference()` returns them: `{name: {type, value}}`.
    pub fn outputs(&self, d: usize) -> Val {
        let dep = self.dep(d);
        if let Some(slot) = dep.outputs.borrow().as_ref() {
            return match slot {
                Slot::Done(v) => v.clone(),
                Slot::Busy => Val::unknown_from("the deployment's outputs depend on themselves"),
            };
        }
        *dep.outputs.borrow_mut() = Some(Slot::Busy);
        let cx = Cx::plain(d, dep.ctx);
        let mut o = Obj::new();
        if let Some(outs) = dep.template.get("outputs") {
            for (k, spec) in outs.entries() {
                if let Some(c) = spec.get("condition")
                    && matches!(to_bool(self.eval_node(c, &cx)), Val::Bool(false))
                {
                    continue;
                }
                let value = if let Some(v) = spec.get("value") {
                    self.eval_node(v, &cx)
                } else if let Some(copy) = spec.get("copy") {
                    match copy.get("input") {
                        Some(input) => self.copy_items(copy, k, input, &cx),
                        None => Val::Null,
                    }
                } else {
                    Val::Null
                };
                let mut entry = Obj::new();
                entry.insert(
                    "type".into(),
                    spec.get("type")
                        .map(|t| self.eval_node(t, &cx))
                        .unwrap_or(Val::Null),
                );
                entry.insert("value".into(), value);
                o.insert(k.to_string(), Val::obj(entry));
            }
        }
        let v = Val::obj(o);
        *dep.outputs.borrow_mut() = Some(Slot::Done(v.clone()));
        v
    }

    // ----- resource ids -----

    fn resource_id_fn(&self, name: &str, a: &[Val], cx: &Cx) -> Val {
        let is_type = |v: &Val| {
            v.as_str()
                .is_some_and(|s| s.contains('/') && !s.starts_with('/'))
        };
        let Some(ti) = a.iter().position(is_type) else {
            return if a.iter().any(Val::is_unknown) {
                Val::derived(name, a)
            } else {
                Val::unknown_from(format!("{name}(): no resource type among the arguments"))
            };
        };
        let scope = self.dep(cx.dep).scope.clone();
        let rtype = a[ti].as_str().unwrap_or_default().to_string();
        let names: Vec<Val> = a[ti + 1..]
            .iter()
            .flat_map(|n| split_assuming_atomic(n, "/"))
            .collect();
        let mut b = StrBuild::new();
        match name {
            "resourceid" => {
                self.scope_used.set(true);
                let (sub, rg) = match ti {
                    0 => (scope.subscription.clone(), scope.resource_group.clone()),
                    1 => (scope.subscription.clone(), a[0].clone()),
                    _ => (a[ti - 2].clone(), a[ti - 1].clone()),
                };
                b.push_str("/subscriptions/");
                let _ = b.push_val(&sub);
                b.push_str("/resourceGroups/");
                let _ = b.push_val(&rg);
            }
            "subscriptionresourceid" => {
                self.scope_used.set(true);
                let sub = if ti >= 1 {
                    a[ti - 1].clone()
                } else {
                    scope.subscription.clone()
                };
                b.push_str("/subscriptions/");
                let _ = b.push_val(&sub);
            }
            "extensionresourceid" => {
                if ti == 0 {
                    return Val::unknown_from(
                        "extensionResourceId(): needs the id of the extended resource",
                    );
                }
                if b.push_val(&a[0]).is_err() {
                    return Val::unknown_from(
                        "extensionResourceId(): the extended resource id is not a string",
                    );
                }
            }
            _ => {}
        }
        append_type_and_names(&mut b, &rtype, &names);
        b.finish()
    }

    /// The id of a resource declared in deployment `scope`.
    fn instance_id(&self, scope: &Scope, rtype: &str, name: &Val, ext: Option<&Val>) -> Val {
        let mut b = StrBuild::new();
        match ext {
            Some(s)
                if s.known_prefix().starts_with('/')
                    || s.is_unknown() && s.known_prefix().is_empty() =>
            {
                let _ = b.push_val(s);
            }
            Some(s) => {
                let _ = b.push_val(&scope.rg_id());
                b.push_str("/providers/");
                let _ = b.push_val(s);
            }
            None => {
                let _ = b.push_val(&scope.rg_id());
            }
        }
        let names = split_assuming_atomic(name, "/");
        append_type_and_names(&mut b, rtype, &names);
        b.finish()
    }

    // ----- resources -----

    /// The resource instances of deployment `d`, in template order.
    pub fn expand(&self, d: usize) -> Rc<Vec<Rc<Inst>>> {
        let dep = self.dep(d);
        match &*dep.insts.borrow() {
            Expansion::Done(v) => return v.clone(),
            Expansion::Busy => return Rc::new(Vec::new()),
            Expansion::Pending => {}
        }
        *dep.insts.borrow_mut() = Expansion::Busy;
        self.busy.set(self.busy.get() + 1);
        let mut out = Vec::new();
        if let Some(resources) = dep.template.get("resources").cloned() {
            match &resources.v {
                TVal::Arr(items) => {
                    for (i, r) in items.iter().enumerate() {
                        self.expand_resource(
                            &dep,
                            r,
                            format!("{}/resources/{i}", dep.ptr),
                            None,
                            None,
                            &mut out,
                        );
                    }
                }
                TVal::Obj(entries) => {
                    for (k, r) in entries {
                        let ptr = format!("{}/resources/{}", dep.ptr, pointer_step(k));
                        self.expand_resource(&dep, r, ptr, Some(k.to_string()), None, &mut out);
                    }
                }
                _ => {}
            }
        }
        {
            let mut ids = self.ids.borrow_mut();
            for inst in &out {
                if matches!(inst.cond, Val::Bool(false)) {
                    continue;
                }
                let replace = match ids.get(&inst.key) {
                    None => true,
                    Some(prev) => prev.existing && !inst.existing,
                };
                if replace {
                    ids.insert(inst.key.clone(), inst.clone());
                }
            }
        }
        let rc = Rc::new(out);
        *dep.insts.borrow_mut() = Expansion::Done(rc.clone());
        self.busy.set(self.busy.get().saturating_sub(1));
        rc
    }

    fn expand_resource(
        &self,
        dep: &Dep,
        node: &Rc<TNode>,
        ptr: String,
        sym: Option<String>,
        parent: Option<&Parent>,
        out: &mut Vec<Rc<Inst>>,
    ) {
        if !node.is_obj() {
            return;
        }
        let base = match parent {
            Some(p) => p.cx.clone(),
            None => Cx::plain(dep.idx, dep.ctx),
        };
        let label = || {
            let t = node
                .get("type")
                .and_then(|t| t.text())
                .unwrap_or("resource");
            let n = sym
                .clone()
                .or_else(|| node.get("name").and_then(|n| n.text()).map(String::from))
                .unwrap_or_else(|| ptr.clone());
            crate::map::resource_label(t, &n)
        };
        let Some(copy) = node.get("copy").filter(|c| c.is_obj()) else {
            self.make_inst(dep, node, &ptr, sym.clone(), None, base, parent, out);
            return;
        };
        let loop_name = copy
            .get("name")
            .and_then(|n| n.text())
            .map(String::from)
            .or(sym.clone())
            .unwrap_or_default();
        let count = copy
            .get("count")
            .map(|c| self.eval_node(c, &base))
            .unwrap_or(Val::Int(0));
        let n = match count {
            Val::Int(n) => n,
            Val::Float(f) if f.fract() == 0.0 => f as i64,
            other => {
                let reason = match other.unknown_reason() {
                    Some(r) => format!("the copy count is unknown: {r}"),
                    None => format!("the copy count is a {}, not an integer", other.type_name()),
                };
                if other.is_unknown() {
                    // One instance stands for however many there are, none included: it may
                    // or may not be deployed, and its copy index is unknown.
                    self.note(
                        label(),
                        "copy.count",
                        format!(
                            "{reason}; one instance is imported, which may or may not be deployed"
                        ),
                        copy,
                        &ptr,
                    );
                    let cx = base.with_resource_copy(&loop_name, OPEN_COPY);
                    self.make_inst(dep, node, &ptr, sym.clone(), None, cx, parent, out);
                } else {
                    self.note(
                        label(),
                        "copy.count",
                        format!("{reason}; no instance is imported"),
                        copy,
                        &ptr,
                    );
                }
                return;
            }
        };
        let n = if n > MAX_COPY {
            self.note(label(), "copy.count", format!("copy count {n} exceeds Azure's limit of {MAX_COPY}; the first {MAX_COPY} are imported"), copy, &ptr);
            MAX_COPY
        } else {
            n.max(0)
        };
        for i in 0..n {
            if self.instances.get() > MAX_INSTANCES || self.out_of_fuel() {
                break;
            }
            let cx = base.with_resource_copy(&loop_name, i);
            self.make_inst(dep, node, &ptr, sym.clone(), Some(i), cx, parent, out);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn make_inst(
        &self,
        dep: &Dep,
        node: &Rc<TNode>,
        ptr: &str,
        sym: Option<String>,
        copy_index: Option<i64>,
        cx: Cx,
        parent: Option<&Parent>,
        out: &mut Vec<Rc<Inst>>,
    ) {
        let n = self.instances.get();
        if n >= MAX_INSTANCES {
            if n == MAX_INSTANCES {
                self.note(
                    "template".into(),
                    "resources",
                    format!(
                        "more than {MAX_INSTANCES} resource instances; the rest is not imported"
                    ),
                    node,
                    ptr,
                );
                self.instances.set(n + 1);
            }
            return;
        }
        self.instances.set(n + 1);
        let mut cond = match node.get("condition") {
            None => Val::Bool(true),
            Some(c) => to_bool(self.eval_node(c, &cx)),
        };
        if cx.frame.iter().any(|(_, i, r)| *r && *i == OPEN_COPY) {
            let open = Val::unknown_from(OPEN_COPY_REASON);
            cond = match cond {
                Val::Bool(false) => Val::Bool(false),
                Val::Bool(true) => open,
                c => Val::derived("and", &[c, open]),
            };
        }
        if let Some(p) = parent {
            cond = match (&p.cond, &cond) {
                (Val::Bool(false), _) | (_, Val::Bool(false)) => Val::Bool(false),
                (Val::Bool(true), _) => cond,
                (pc, Val::Bool(true)) => pc.clone(),
                (pc, c) => Val::derived("and", &[pc.clone(), c.clone()]),
            };
        }
        let tval = node
            .get("type")
            .map(|t| self.eval_node(t, &cx))
            .unwrap_or(Val::Null);
        let mut rtype = tval
            .as_str()
            .map(String::from)
            .unwrap_or_else(|| "<unknown type>".into());
        let mut name = node
            .get("name")
            .map(|t| self.eval_node(t, &cx))
            .unwrap_or(Val::Null);
        if let Some(p) = parent
            && !rtype.contains('/')
        {
            rtype = format!("{}/{rtype}", p.rtype);
            let mut b = StrBuild::new();
            let _ = b.push_val(&p.name);
            b.push_str("/");
            let _ = b.push_val(&name);
            name = b.finish();
        }
        if matches!(name, Val::Null) {
            name = Val::unknown_from(format!("the resource at {ptr} has no name"));
        }
        let existing = node
            .get("existing")
            .is_some_and(|e| matches!(e.v, TVal::Bool(true)));
        let ext = node.get("scope").map(|s| self.eval_node(s, &cx));
        let id = self.instance_id(&dep.scope, &rtype, &name, ext.as_ref());
        let key = canon(&id).unwrap_or_default();
        let deployment = rtype.eq_ignore_ascii_case("Microsoft.Resources/deployments");
        let inst = Rc::new(Inst {
            dep: dep.idx,
            node: node.clone(),
            ptr: ptr.to_string(),
            sym,
            copy_index,
            cx: cx.clone(),
            rtype: rtype.clone(),
            name: name.clone(),
            id,
            key,
            cond: cond.clone(),
            existing,
            deployment,
            child: RefCell::new(Child::NotCreated),
            body: RefCell::new(None),
        });
        out.push(inst);
        if !deployment
            && !dep.symbolic
            && let Some(children) = node.get("resources")
        {
            let p = Parent {
                rtype,
                name,
                cond,
                cx,
            };
            for (j, c) in children.items().iter().enumerate() {
                self.expand_resource(dep, c, format!("{ptr}/resources/{j}"), None, Some(&p), out);
            }
        }
    }

    /// The nested deployment an instance of `Microsoft.Resources/deployments` creates.
    pub fn child(&self, inst: &Inst) -> Option<usize> {
        match &*inst.child.borrow() {
            Child::Created(i) => return Some(*i),
            Child::Busy | Child::External(_) => return None,
            Child::NotCreated => {}
        }
        *inst.child.borrow_mut() = Child::Busy;
        self.busy.set(self.busy.get() + 1);
        let r = self.create_child(inst);
        self.busy.set(self.busy.get().saturating_sub(1));
        *inst.child.borrow_mut() = match &r {
            Ok(i) => Child::Created(*i),
            Err(e) => Child::External(e.clone()),
        };
        r.ok()
    }

    /// Why an instance of a deployment has no inline template, if so.
    pub fn external_reason(&self, inst: &Inst) -> Option<Rc<str>> {
        match &*inst.child.borrow() {
            Child::External(r) => Some(r.clone()),
            _ => None,
        }
    }

    fn create_child(&self, inst: &Inst) -> Result<usize, Rc<str>> {
        let parent = self.dep(inst.dep);
        if parent.depth + 1 > MAX_DEPLOYMENT_DEPTH {
            return Err(Rc::from(format!(
                "inline deployments nest deeper than {MAX_DEPLOYMENT_DEPTH} levels"
            )));
        }
        let props = inst.node.get("properties").cloned();
        let tnode = props.as_ref().and_then(|p| p.get("template")).cloned();
        let template = match tnode {
            Some(t) if t.is_obj() => t,
            Some(t) => match self.eval_node(&t, &inst.cx) {
                v @ Val::Obj(_) => TNode::from_val(&v, t.span),
                v => {
                    return Err(Rc::from(match v.unknown_reason() {
                        Some(r) => format!("the nested template is unknown: {r}"),
                        None => "the nested template is not an object".to_string(),
                    }));
                }
            },
            None => {
                return Err(Rc::from(
                    "the deployment links an external template (templateLink), which is not read",
                ));
            }
        };
        let inner = props
            .as_ref()
            .and_then(|p| p.get("expressionEvaluationOptions"))
            .and_then(|o| o.get("scope"))
            .and_then(|s| s.text())
            .is_some_and(|s| s.eq_ignore_ascii_case("inner"));
        let rg = inst
            .node
            .get("resourceGroup")
            .map(|n| self.eval_node(n, &inst.cx));
        let sub = inst
            .node
            .get("subscriptionId")
            .map(|n| self.eval_node(n, &inst.cx));
        let moved = rg.as_ref().is_some_and(|r| {
            crate::value::equals(r, &parent.scope.resource_group, &mut 100) != Some(true)
        }) || sub.as_ref().is_some_and(|s| {
            crate::value::equals(s, &parent.scope.subscription, &mut 100) != Some(true)
        });
        let resource_group = rg.unwrap_or_else(|| parent.scope.resource_group.clone());
        let subscription = sub.unwrap_or_else(|| parent.scope.subscription.clone());
        let location = if moved {
            Val::derived(
                "resourceGroup().location",
                &[subscription.clone(), resource_group.clone()],
            )
        } else {
            parent.scope.location.clone()
        };
        let scope = Scope {
            subscription,
            resource_group,
            location,
            deployment: inst.name.clone(),
            tenant: parent.scope.tenant.clone(),
        };
        let symbolic = template
            .get("languageVersion")
            .and_then(|n| n.text())
            .is_some_and(|v| v.starts_with('2'));
        let mut deps = self.deps.borrow_mut();
        let idx = deps.len();
        let dep = Dep {
            idx,
            template,
            ptr: format!("{}/properties/template", inst.ptr),
            ctx: if inner { idx } else { parent.ctx },
            parent: Some(inst.dep),
            scope: Rc::new(scope),
            symbolic,
            depth: parent.depth + 1,
            param_src: inner.then(|| ParamSrc {
                node: props.as_ref().and_then(|p| p.get("parameters")).cloned(),
                cx: inst.cx.clone(),
            }),
            params: RefCell::new(HashMap::new()),
            vars: RefCell::new(HashMap::new()),
            insts: RefCell::new(Expansion::Pending),
            outputs: RefCell::new(None),
        };
        deps.push(Rc::new(dep));
        Ok(idx)
    }

    /// Expands every deployment, nested ones included.
    pub fn expand_all(&self) {
        if self.all_expanded.get() {
            return;
        }
        let mut i = 0;
        loop {
            if i >= self.deps.borrow().len() || self.out_of_fuel() {
                break;
            }
            let insts = self.expand(i);
            for inst in insts.iter() {
                if self.instances.get() > MAX_INSTANCES {
                    break;
                }
                if inst.deployment && !matches!(inst.cond, Val::Bool(false)) {
                    self.child(inst);
                }
            }
            i += 1;
        }
        if self.busy.get() == 0 {
            self.all_expanded.set(true);
        }
    }

    fn lookup_id(&self, key: &str) -> Option<Rc<Inst>> {
        if let Some(i) = self.ids.borrow().get(key) {
            return Some(i.clone());
        }
        if !self.all_expanded.get() {
            self.expand_all();
            return self.ids.borrow().get(key).cloned();
        }
        None
    }

    /// Finds the instance `target` names: a symbolic name (`sym`, `sym[2]`) or a resource
    /// name in the same template, or a resource id (full, or `Type/name` relative to the
    /// resource group).
    fn find_inst(&self, target: &Val, cx: &Cx) -> Option<Rc<Inst>> {
        let text = target.render()?;
        if target.is_unknown() && text.starts_with('⟨') {
            return None;
        }
        if !text.contains('/') {
            let insts = self.expand(cx.dep);
            let (sym, idx) = match text.strip_suffix(']').and_then(|t| t.rsplit_once('[')) {
                Some((s, i)) => (s, i.parse::<i64>().ok()),
                None => (text.as_str(), None),
            };
            if let Some(found) = insts.iter().find(|i| {
                i.sym
                    .as_deref()
                    .is_some_and(|s| s.eq_ignore_ascii_case(sym))
                    && (idx.is_none() || i.copy_index == idx)
            }) {
                return Some(found.clone());
            }
            return insts
                .iter()
                .find(|i| {
                    i.name
                        .render()
                        .is_some_and(|n| n.eq_ignore_ascii_case(&text))
                })
                .cloned();
        }
        let key = if text.starts_with('/') {
            text.to_lowercase()
        } else {
            let scope = self.dep(cx.dep).scope.clone();
            format!(
                "{}/providers/{}",
                scope.rg_id().render().unwrap_or_default(),
                text
            )
            .to_lowercase()
        };
        self.lookup_id(&key)
    }

    fn reference(&self, a: &[Val], cx: &Cx, plural: bool, whole: &Expr) -> Val {
        let Some(target) = a.first() else {
            return Val::unknown_from(format!("`{whole}`: needs a resource"));
        };
        let full = a
            .iter()
            .skip(1)
            .any(|x| x.as_str().is_some_and(|s| s.eq_ignore_ascii_case("full")));
        if plural {
            let Some(sym) = target.as_str() else {
                return Val::derived("references", a);
            };
            let insts = self.expand(cx.dep);
            let list: Vec<Val> = insts
                .iter()
                .filter(|i| {
                    i.sym
                        .as_deref()
                        .is_some_and(|s| s.eq_ignore_ascii_case(sym))
                })
                .map(|i| self.ref_value(i, full, whole))
                .collect();
            return Val::arr(list);
        }
        match self.find_inst(target, cx) {
            Some(inst) => self.ref_value(&inst, full, whole),
            None => Val::derived(
                &format!(
                    "{whole}: the resource is not deployed by this template (its properties are known only in Azure)"
                ),
                a,
            ),
        }
    }

    fn ref_value(&self, inst: &Inst, full: bool, whole: &Expr) -> Val {
        if inst.existing {
            return Val::derived(
                &format!(
                    "{whole}: `{}` is an existing resource, not deployed by this template",
                    inst.name.render().unwrap_or_default()
                ),
                std::slice::from_ref(&inst.id),
            );
        }
        if matches!(inst.cond, Val::Bool(false)) {
            return Val::unknown_from(format!(
                "{whole}: the resource is not deployed (its condition is false)"
            ));
        }
        if inst.deployment {
            let Some(c) = self.child(inst) else {
                return Val::unknown_from(format!(
                    "{whole}: the nested deployment's outputs are not known"
                ));
            };
            let outputs = self.outputs(c);
            let mut props = Obj::new();
            props.insert("outputs".into(), outputs.clone());
            let mut o = Obj::new();
            o.insert("outputs".into(), outputs);
            if full {
                o.insert("properties".into(), Val::obj(props));
            }
            return Val::obj(o);
        }
        let body = self.body(inst);
        if full {
            return body;
        }
        match body.get("properties") {
            Some(p) => p.clone(),
            None => Val::obj(Obj::new()),
        }
    }

    /// A resource's evaluated declaration: `properties`, `location`, `sku`, `kind`,
    /// `identity`, `tags`, `zones`, and its `id`, `name` and `type`.
    pub fn body(&self, inst: &Inst) -> Val {
        if let Some(slot) = inst.body.borrow().as_ref() {
            return match slot {
                Slot::Done(v) => v.clone(),
                Slot::Busy => Val::unknown_from("the resource's properties refer to themselves"),
            };
        }
        *inst.body.borrow_mut() = Some(Slot::Busy);
        let mut o = Obj::new();
        for k in [
            "apiVersion",
            "location",
            "sku",
            "kind",
            "identity",
            "tags",
            "zones",
            "plan",
            "properties",
        ] {
            if let Some(n) = inst.node.get(k) {
                o.insert(k.to_string(), self.eval_node(n, &inst.cx));
            }
        }
        // A system-assigned identity's principal id is known only after deployment; it is an
        // unknown that names its resource, so role assignments to it can be attributed.
        if let Some(Val::Obj(idn)) = o.get("identity") {
            let system = obj_get(idn, "type")
                .and_then(Val::as_str)
                .is_some_and(|t| t.to_ascii_lowercase().contains("systemassigned"));
            if system && obj_get(idn, "principalId").is_none() {
                let mut idn = (**idn).clone();
                let id = inst.id.render().unwrap_or_default();
                let reason = format!("{}{id}", crate::map::MANAGED_IDENTITY_PREFIX);
                idn.insert(
                    "principalId".into(),
                    Val::unknown(
                        reason,
                        crate::hash::key_hash(&format!("principal:{}", inst.key)),
                    ),
                );
                o.insert("identity".into(), Val::obj(idn));
            }
        }
        o.insert("id".into(), inst.id.clone());
        o.insert("name".into(), inst.name.clone());
        o.insert("type".into(), Val::str(inst.rtype.as_str()));
        let v = Val::obj(o);
        *inst.body.borrow_mut() = Some(Slot::Done(v.clone()));
        v
    }

    /// Every instance the template deploys, nested deployments flattened in place, with the
    /// reason when its condition (or an enclosing deployment's) is unknown. Deployments
    /// themselves are listed only when their template is not inline.
    pub fn collect(&self) -> Vec<(Rc<Inst>, Option<Rc<str>>)> {
        self.expand_all();
        let mut out = Vec::new();
        self.collect_dep(0, None, &mut out);
        out
    }

    fn collect_dep(
        &self,
        d: usize,
        inherited: Option<Rc<str>>,
        out: &mut Vec<(Rc<Inst>, Option<Rc<str>>)>,
    ) {
        for inst in self.expand(d).iter() {
            let cond = match &inst.cond {
                Val::Bool(false) => continue,
                Val::Bool(true) => inherited.clone(),
                other => Some(
                    other
                        .unknown_reason()
                        .unwrap_or_else(|| Rc::from("the condition is unknown")),
                ),
            };
            if inst.existing {
                continue;
            }
            if inst.deployment {
                match self.child(inst) {
                    Some(c) => self.collect_dep(c, cond, out),
                    None => out.push((inst.clone(), cond)),
                }
            } else {
                out.push((inst.clone(), cond));
            }
        }
    }

    /// The instance of a canonical id, if the template deploys it.
    pub fn instance(&self, key: &str) -> Option<Rc<Inst>> {
        self.ids.borrow().get(key).cloned()
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
        v if v.is_unknown() => Val::derived(&format!(".{name}"), std::slice::from_ref(v)),
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

#[cfg(test)]
mod tests {
    use super::*;
    use moat_doc::{Limits, SourceFile, tree};

    fn engine(json: &str, params: &[(&str, Val)]) -> Engine {
        let src = SourceFile::new("t.json", json.to_string());
        let root = tree::parse(&src, Limits::default()).expect("valid JSON");
        let values = params
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
            .collect();
        Engine::new(TNode::from_doc(&root), values, DEFAULT_FUEL)
    }

    fn eval(e: &Engine, expr: &str) -> Val {
        let parsed = crate::expr::parse(expr).expect("valid expression");
        e.eval_expr(&parsed, &Cx::plain(0, 0))
    }

    fn names(e: &Engine) -> Vec<String> {
        e.collect()
            .iter()
            .map(|(i, _)| i.name.render().unwrap_or_default())
            .collect()
    }

    const PARAMS: &str = r##"{
        "parameters": {
            "Prefix": {"type": "string", "defaultValue": "ml"},
            "name": {"type": "string", "defaultValue": "[format('{0}-ws', parameters('prefix'))]"},
            "required": {"type": "string"},
            "optional": {"type": "string", "nullable": true},
            "typed": {"$ref": "#/definitions/t"},
            "loop": {"type": "string", "defaultValue": "[parameters('loop')]"}
        },
        "definitions": {"t": {"type": "object", "nullable": true}},
        "variables": {
            "a": "[concat(parameters('name'), '-', variables('b'))]",
            "b": "x",
            "self": "[variables('self')]",
            "copy": [{"name": "list", "count": 3, "input": "[mul(copyIndex('list'), 2)]"}],
            "nested": {"copy": [{"name": "items", "count": 2, "input": {"i": "[copyIndex('items')]"}}]}
        },
        "resources": []
    }"##;

    #[test]
    fn parameters_are_case_insensitive_with_defaults_and_unknowns() {
        let e = engine(PARAMS, &[("PREFIX", Val::str("team"))]);
        assert_eq!(eval(&e, "parameters('name')").as_str(), Some("team-ws"));
        assert_eq!(eval(&e, "parameters('PREFIX')").as_str(), Some("team"));
        let r = eval(&e, "parameters('required')");
        assert!(
            r.unknown_reason()
                .unwrap()
                .contains("parameters('required')")
        );
        // A string parameter is never null, even unknown.
        assert_eq!(r.null_state(), Some(false));
        assert!(matches!(eval(&e, "parameters('optional')"), Val::Null));
        assert!(matches!(eval(&e, "parameters('typed')"), Val::Null));
        assert!(
            eval(&e, "parameters('loop')")
                .unknown_reason()
                .unwrap()
                .contains("refers to itself")
        );
        assert!(
            eval(&e, "parameters('missing')")
                .unknown_reason()
                .unwrap()
                .contains("no such parameter")
        );
    }

    #[test]
    fn variables_with_copy_and_cycles() {
        let e = engine(PARAMS, &[]);
        assert_eq!(eval(&e, "variables('a')").as_str(), Some("ml-ws-x"));
        assert!(
            eval(&e, "variables('self')")
                .unknown_reason()
                .unwrap()
                .contains("itself")
        );
        let Val::Arr(l) = eval(&e, "variables('list')") else {
            panic!("not an array")
        };
        assert!(matches!(
            l.as_slice(),
            [Val::Int(0), Val::Int(2), Val::Int(4)]
        ));
        assert!(matches!(
            eval(&e, "variables('nested').items[1].i"),
            Val::Int(1)
        ));
        assert!(matches!(
            eval(&e, "length(variables('nested').items)"),
            Val::Int(2)
        ));
    }

    #[test]
    fn scope_environment_and_ids() {
        let e = engine(PARAMS, &[]);
        assert_eq!(
            eval(&e, "environment().suffixes.storage").as_str(),
            Some("core.windows.net")
        );
        assert_eq!(
            eval(
                &e,
                "format('privatelink{0}', environment().suffixes.keyvaultDns)"
            )
            .as_str(),
            Some("privatelink.vault.azure.net")
        );
        assert_eq!(
            eval(
                &e,
                "resourceId('Microsoft.Network/virtualNetworks/subnets', 'v', 's')"
            )
            .as_str(),
            Some(
                "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/resource-group/providers/Microsoft.Network/virtualNetworks/v/subnets/s"
            )
        );
        assert_eq!(
            eval(
                &e,
                "resourceId('other-rg', 'Microsoft.Storage/storageAccounts', 'sa')"
            )
            .as_str(),
            Some(
                "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/other-rg/providers/Microsoft.Storage/storageAccounts/sa"
            )
        );
        assert_eq!(
            eval(
                &e,
                "subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'r')"
            )
            .as_str(),
            Some(
                "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/r"
            )
        );
        assert_eq!(
            eval(&e, "tenantResourceId('Microsoft.Foo/bars', 'b')").as_str(),
            Some("/providers/Microsoft.Foo/bars/b")
        );
        assert_eq!(
            eval(
                &e,
                "extensionResourceId('/x/y', 'Microsoft.Authorization/locks', 'l')"
            )
            .as_str(),
            Some("/x/y/providers/Microsoft.Authorization/locks/l")
        );
        assert_eq!(
            eval(&e, "resourceGroup().name").as_str(),
            Some(PLACEHOLDER_RESOURCE_GROUP)
        );
        assert_eq!(
            eval(&e, "subscription().subscriptionId").as_str(),
            Some(PLACEHOLDER_SUBSCRIPTION)
        );
        assert_eq!(
            eval(&e, "resourceGroup().location")
                .unknown_reason()
                .as_deref(),
            Some(RG_LOCATION_REASON)
        );
        assert!(e.scope_used.get());
        // An id built from an unknown name keeps its known text and its identity.
        let a = eval(
            &e,
            "resourceId('Microsoft.Network/virtualNetworks', parameters('required'))",
        );
        let b = eval(
            &e,
            "format('{0}/providers/Microsoft.Network/virtualNetworks/{1}', resourceGroup().id, parameters('required'))",
        );
        assert!(a.is_unknown());
        assert_eq!(canon(&a), canon(&b));
    }

    #[test]
    fn lazy_logic_lambdas_and_user_functions() {
        let e = engine(
            r#"{"parameters": {"u": {"type": "bool"}},
                "functions": [{"namespace": "ns", "members": {"greet": {
                    "parameters": [{"name": "who", "type": "string"}],
                    "output": {"type": "string", "value": "[format('hi {0}', parameters('who'))]"}}}}],
                "resources": []}"#,
            &[],
        );
        assert!(matches!(eval(&e, "if(true(), 1, div(1, 0))"), Val::Int(1)));
        assert!(matches!(
            eval(&e, "and(false(), parameters('u'))"),
            Val::Bool(false)
        ));
        assert!(matches!(
            eval(&e, "or(true(), parameters('u'))"),
            Val::Bool(true)
        ));
        assert!(eval(&e, "and(true(), parameters('u'))").is_unknown());
        assert!(matches!(
            eval(&e, "if(parameters('u'), 'same', 'same')"),
            Val::Str(_)
        ));
        assert!(matches!(eval(&e, "coalesce(null(), 'x')"), Val::Str(_)));
        assert!(matches!(
            eval(
                &e,
                "reduce(map(range(1, 4), lambda('x', mul(lambdaVariables('x'), 2))), 0, lambda('c', 'n', add(lambdaVariables('c'), lambdaVariables('n'))))"
            ),
            Val::Int(20)
        ));
        assert!(matches!(
            eval(
                &e,
                "length(filter(createArray(1, 2, 3, 4), lambda('x', greater(lambdaVariables('x'), 2))))"
            ),
            Val::Int(2)
        ));
        assert_eq!(eval(&e, "first(sort(createArray('b', 'a'), lambda('x', 'y', less(lambdaVariables('x'), lambdaVariables('y')))))").as_str(), Some("a"));
        assert!(matches!(
            eval(
                &e,
                "toObject(createArray('a', 'b'), lambda('k', lambdaVariables('k'))).b"
            ),
            Val::Str(_)
        ));
        assert_eq!(eval(&e, "ns.greet('you')").as_str(), Some("hi you"));
        assert!(eval(&e, "utcNow()").is_unknown());
        assert!(eval(&e, "listKeys('x', '2021-01-01').keys[0].value").is_unknown());
        assert!(
            eval(&e, "nosuch(1)")
                .unknown_reason()
                .unwrap()
                .contains("not a template function")
        );
        assert!(
            eval(&e, "createArray(1)[5]")
                .unknown_reason()
                .unwrap()
                .contains("outside")
        );
        assert!(
            eval(&e, "createObject('a', 1).b")
                .unknown_reason()
                .unwrap()
                .contains("not in the template")
        );
    }

    const NESTED: &str = r#"{
        "parameters": {"prefix": {"type": "string", "defaultValue": "p"}},
        "variables": {"vnetDeployment": "[format('{0}-vnet', parameters('prefix'))]"},
        "resources": [
            {"type": "Microsoft.Resources/deployments", "name": "[variables('vnetDeployment')]",
             "properties": {"expressionEvaluationOptions": {"scope": "inner"},
                "parameters": {"vnetName": {"value": "[format('{0}-net', parameters('prefix'))]"},
                               "prefixes": "[createObject('value', createArray('10.0.0.0/16'))]",
                               "subnets": {"copy": [{"name": "value", "count": 2, "input": "[format('s{0}', copyIndex('value'))]"}]},
                               "unset": {"value": null}},
                "template": {
                    "parameters": {"vnetName": {"type": "string"}, "prefixes": {"type": "array"},
                                   "subnets": {"type": "array"}, "unset": {"type": "string", "defaultValue": "dflt"}},
                    "resources": [{"type": "Microsoft.Network/virtualNetworks", "name": "[parameters('vnetName')]",
                                   "location": "westeurope",
                                   "properties": {"addressSpace": {"addressPrefixes": "[parameters('prefixes')]"}}}],
                    "outputs": {"id": {"type": "string", "value": "[resourceId('Microsoft.Network/virtualNetworks', parameters('vnetName'))]"},
                                "subnets": {"type": "array", "value": "[parameters('subnets')]"},
                                "unset": {"type": "string", "value": "[parameters('unset')]"}}}}},
            {"type": "Microsoft.Resources/deployments", "name": "outer",
             "properties": {"template": {"resources": [
                {"type": "Microsoft.Network/networkSecurityGroups", "name": "[format('{0}-nsg', parameters('prefix'))]"}]}}},
            {"type": "Microsoft.Resources/deployments", "name": "linked",
             "properties": {"templateLink": {"uri": "https://example.invalid/t.json"}}},
            {"type": "Microsoft.Network/privateEndpoints", "name": "pe",
             "properties": {"subnet": {"id": "[format('{0}/subnets/{1}', reference(resourceId('Microsoft.Resources/deployments', variables('vnetDeployment'))).outputs.id.value, reference(variables('vnetDeployment')).outputs.subnets.value[1])]"},
                            "space": "[reference(resourceId('Microsoft.Network/virtualNetworks', format('{0}-net', parameters('prefix')))).addressSpace]",
                            "where": "[reference(resourceId('Microsoft.Network/virtualNetworks', 'p-net'), '2023-01-01', 'Full').location]",
                            "unset": "[reference(variables('vnetDeployment')).outputs.unset.value]",
                            "runtime": "[reference(resourceId('Microsoft.Network/virtualNetworks', 'p-net')).provisioningState]",
                            "external": "[reference(resourceId('Microsoft.Network/virtualNetworks', 'elsewhere')).addressSpace]"}}
        ]
    }"#;

    #[test]
    fn nested_deployments_outputs_and_references() {
        let e = engine(NESTED, &[]);
        let all = e.collect();
        let kinds: Vec<&str> = all.iter().map(|(i, _)| i.rtype.as_str()).collect();
        assert_eq!(
            kinds,
            vec![
                "Microsoft.Network/virtualNetworks",
                "Microsoft.Network/networkSecurityGroups",
                "Microsoft.Resources/deployments",
                "Microsoft.Network/privateEndpoints"
            ]
        );
        assert_eq!(names(&e), vec!["p-net", "p-nsg", "linked", "pe"]);
        let vnet = &all[0].0;
        assert_eq!(vnet.ptr, "/resources/0/properties/template/resources/0");
        assert!(
            e.external_reason(&all[2].0)
                .unwrap()
                .contains("templateLink")
        );
        let pe = e.body(&all[3].0);
        let props = pe.get("properties").unwrap();
        assert_eq!(
            props
                .get("subnet")
                .and_then(|s| s.get("id"))
                .and_then(Val::as_str),
            Some(
                "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/resource-group/providers/Microsoft.Network/virtualNetworks/p-net/subnets/s1"
            )
        );
        assert!(
            matches!(props.get("space").and_then(|s| s.get("addressPrefixes")), Some(Val::Arr(a)) if a.len() == 1)
        );
        assert_eq!(props.get("where").and_then(Val::as_str), Some("westeurope"));
        assert_eq!(props.get("unset").and_then(Val::as_str), Some("dflt"));
        assert!(
            props
                .get("runtime")
                .unwrap()
                .unknown_reason()
                .unwrap()
                .contains("provisioningState")
        );
        assert!(
            props
                .get("external")
                .unwrap()
                .unknown_reason()
                .unwrap()
                .contains("not deployed by this template")
        );
    }

    #[test]
    fn copy_loops_conditions_and_children() {
        let e = engine(
            r#"{"parameters": {"n": {"type": "int", "defaultValue": 3}, "flag": {"type": "bool"}},
                "resources": [
                    {"type": "Microsoft.Network/publicIPAddresses", "name": "[format('pip{0}', copyIndex(1))]",
                     "copy": {"name": "pips", "count": "[parameters('n')]"}},
                    {"type": "Microsoft.Network/publicIPAddresses", "name": "off", "condition": false},
                    {"type": "Microsoft.Network/publicIPAddresses", "name": "maybe", "condition": "[parameters('flag')]"},
                    {"type": "Microsoft.Network/publicIPAddresses", "name": "many", "copy": {"name": "m", "count": 5000}},
                    {"type": "Microsoft.Network/publicIPAddresses", "name": "unknowncount", "copy": {"name": "u", "count": "[length(parameters('missing'))]"}},
                    {"type": "Microsoft.Network/virtualNetworks", "name": "v",
                     "resources": [{"type": "subnets", "name": "s", "properties": {"addressPrefix": "10.0.0.0/24"}}]},
                    {"type": "Microsoft.Network/virtualNetworks", "name": "gone", "existing": true}
                ]}"#,
            &[],
        );
        let all = e.collect();
        let n: Vec<String> = all
            .iter()
            .map(|(i, _)| i.name.render().unwrap_or_default())
            .collect();
        assert_eq!(&n[..4], &["pip1", "pip2", "pip3", "maybe"]);
        assert!(all[3].1.as_deref().unwrap().contains("parameters('flag')"));
        assert_eq!(n.iter().filter(|x| *x == "many").count(), MAX_COPY as usize);
        assert_eq!(&n[n.len() - 2..], &["v", "v/s"]);
        assert_eq!(
            all.last().unwrap().0.rtype,
            "Microsoft.Network/virtualNetworks/subnets"
        );
        assert_eq!(all.last().unwrap().0.ptr, "/resources/5/resources/0");
        let notes = e.notes.borrow();
        assert!(
            notes
                .iter()
                .any(|n| n.reason.contains("exceeds Azure's limit"))
        );
        assert!(
            notes
                .iter()
                .any(|n| n.field == "copy.count" && n.reason.contains("unknown"))
        );
    }

    #[test]
    fn copy_index_without_a_name_is_the_resource_iteration_inside_property_loops() {
        let e = engine(
            r#"{"variables": {"zones": [["a", "b"], ["c"]]},
                "resources": [
                    {"type": "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
                     "name": "[format('pe{0}/default', copyIndex())]",
                     "copy": {"name": "groups", "count": 2},
                     "properties": {"copy": [{
                        "name": "configs",
                        "count": "[length(variables('zones')[copyIndex()])]",
                        "input": {"zone": "[variables('zones')[copyIndex()][copyIndex('configs')]]",
                                  "resource": "[copyIndex('groups')]"}}]}}
                ],
                "outputs": {"list": {"type": "array", "copy": {"count": 2, "input": "[copyIndex()]"}}}}"#,
            &[],
        );
        let all = e.collect();
        let zones: Vec<Vec<String>> = all
            .iter()
            .map(|(i, _)| {
                let body = e.body(i);
                let configs = body.get("properties").unwrap().get("configs").unwrap();
                let Val::Arr(items) = configs else {
                    panic!("configs: {configs:?}")
                };
                items
                    .iter()
                    .map(|c| {
                        let r = c.get("resource").and_then(|r| match r {
                            Val::Int(i) => Some(*i),
                            _ => None,
                        });
                        format!(
                            "{}{}",
                            c.get("zone").and_then(Val::as_str).unwrap(),
                            r.unwrap()
                        )
                    })
                    .collect()
            })
            .collect();
        assert_eq!(zones, vec![vec!["a0", "b0"], vec!["c1"]]);
        // Output loops have no resource iteration: copyIndex() is the output loop's.
        let out = e.outputs(0);
        let list = out.get("list").and_then(|l| l.get("value")).unwrap();
        assert_eq!(list.to_json(&mut 1000), serde_json::json!([0, 1]));
    }

    #[test]
    fn symbolic_resources_of_language_version_2() {
        let e = engine(
            r#"{"languageVersion": "2.0",
                "parameters": {"name": {"type": "string", "defaultValue": "ws"}},
                "resources": {
                    "kv": {"type": "Microsoft.KeyVault/vaults", "name": "[format('{0}kv', parameters('name'))]",
                           "properties": {"publicNetworkAccess": "Disabled"}},
                    "old": {"existing": true, "type": "Microsoft.Storage/storageAccounts", "name": "legacy"},
                    "pes": {"copy": {"name": "pes", "count": 2}, "type": "Microsoft.Network/privateEndpoints",
                            "name": "[format('pe{0}', copyIndex())]", "properties": {}},
                    "user": {"type": "Microsoft.Network/networkInterfaces", "name": "nic",
                             "properties": {"pna": "[reference('kv').publicNetworkAccess]",
                                            "second": "[reference('pes[1]', '2023-01-01', 'full').name]",
                                            "count": "[length(references('pes'))]",
                                            "legacy": "[reference('old').primaryEndpoints]"}}
                }}"#,
            &[],
        );
        let all = e.collect();
        assert_eq!(names(&e), vec!["wskv", "pe0", "pe1", "nic"]);
        assert_eq!(all[0].0.ptr, "/resources/kv");
        let body = e.body(&all[3].0);
        let p = body.get("properties").unwrap();
        assert_eq!(p.get("pna").and_then(Val::as_str), Some("Disabled"));
        assert_eq!(p.get("second").and_then(Val::as_str), Some("pe1"));
        assert!(matches!(p.get("count"), Some(Val::Int(2))));
        assert!(
            p.get("legacy")
                .unwrap()
                .unknown_reason()
                .unwrap()
                .contains("existing resource")
        );
    }

    /// Runs `f` on a thread with the evaluator's production stack.
    fn big_stack(f: impl FnOnce() + Send + 'static) {
        std::thread::Builder::new()
            .stack_size(256 << 20)
            .spawn(f)
            .unwrap()
            .join()
            .unwrap();
    }

    #[test]
    fn hostile_templates_stay_bounded() {
        big_stack(hostile);
    }

    fn hostile() {
        // Exponential string growth through variables.
        let mut vars = String::from(r#""v0": "abcdefghijklmnop""#);
        for i in 1..64 {
            vars += &format!(
                r#", "v{i}": "[concat(variables('v{}'), variables('v{}'))]""#,
                i - 1,
                i - 1
            );
        }
        let e = engine(
            &format!(r#"{{"variables": {{{vars}}}, "resources": []}}"#),
            &[],
        );
        assert!(
            eval(&e, "variables('v63')")
                .unknown_reason()
                .unwrap()
                .contains("longer than 1 MiB")
        );
        // Deep expression nesting and long variable chains.
        let deep = format!("{}1{}", "add(1, ".repeat(120), ")".repeat(120));
        assert!(matches!(eval(&e, &deep), Val::Int(121)));
        let mut chain = String::new();
        for i in 0..3000 {
            chain += &format!("\"c{i}\": \"[variables('c{}')]\",\n", i + 1);
        }
        let e = engine(
            &format!(r#"{{"variables": {{{chain} "c3000": 1}}, "resources": []}}"#),
            &[],
        );
        assert!(
            eval(&e, "variables('c0')")
                .unknown_reason()
                .unwrap()
                .contains("too deeply")
        );
        // Nested copy loops of deployments: bounded by the instance limit and the fuel.
        let inner = r#"{"resources": [{"type": "Microsoft.Network/publicIPAddresses", "name": "[string(copyIndex())]", "copy": {"name": "c", "count": 800}}]}"#;
        let mut t = inner.to_string();
        for _ in 0..3 {
            t = format!(
                r#"{{"resources": [{{"type": "Microsoft.Resources/deployments", "name": "[string(copyIndex())]", "copy": {{"name": "d", "count": 800}},
                   "properties": {{"expressionEvaluationOptions": {{"scope": "inner"}}, "template": {t}}}}}]}}"#
            );
        }
        let e = Engine::new(
            TNode::from_doc(&tree::parse(&SourceFile::new("t", t), Limits::default()).unwrap()),
            HashMap::new(),
            2_000_000,
        );
        let n = e.collect().len();
        assert!(n <= MAX_INSTANCES, "{n} instances");
        // Two deployments whose parameters read each other's outputs.
        let cyc = r#"{"resources": [
            {"type": "Microsoft.Resources/deployments", "name": "a", "properties": {"expressionEvaluationOptions": {"scope": "inner"},
                "parameters": {"x": {"value": "[reference('b').outputs.o.value]"}},
                "template": {"parameters": {"x": {"type": "string"}}, "resources": [{"type": "Microsoft.Network/publicIPAddresses", "name": "[parameters('x')]"}], "outputs": {"o": {"type": "string", "value": "[parameters('x')]"}}}}},
            {"type": "Microsoft.Resources/deployments", "name": "b", "properties": {"expressionEvaluationOptions": {"scope": "inner"},
                "parameters": {"x": {"value": "[reference('a').outputs.o.value]"}},
                "template": {"parameters": {"x": {"type": "string"}}, "resources": [{"type": "Microsoft.Network/publicIPAddresses", "name": "[parameters('x')]"}], "outputs": {"o": {"type": "string", "value": "[parameters('x')]"}}}}}
        ]}"#;
        let e = engine(cyc, &[]);
        let all = e.collect();
        assert_eq!(all.len(), 2);
        assert!(all.iter().all(|(i, _)| i.name.is_unknown()));
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use moat_doc::{Limits, SourceFile, tree};
    use proptest::prelude::*;

    const FUNCTIONS: &[&str] = &[
        "concat",
        "format",
        "tolower",
        "toupper",
        "replace",
        "split",
        "substring",
        "trim",
        "padleft",
        "startswith",
        "endswith",
        "indexof",
        "lastindexof",
        "length",
        "empty",
        "contains",
        "first",
        "last",
        "take",
        "skip",
        "join",
        "uniquestring",
        "guid",
        "base64",
        "base64tostring",
        "datauri",
        "datauritostring",
        "uri",
        "uricomponent",
        "uricomponenttostring",
        "int",
        "bool",
        "not",
        "equals",
        "less",
        "greater",
        "add",
        "sub",
        "mul",
        "div",
        "mod",
        "min",
        "max",
        "range",
        "array",
        "createarray",
        "createobject",
        "union",
        "intersection",
        "objectkeys",
        "items",
        "shallowmerge",
        "flatten",
        "json",
        "coalesce",
        "tryget",
        "if",
        "and",
        "or",
        "string",
        "parameters",
        "variables",
        "copyindex",
        "resourceid",
        "subscriptionresourceid",
        "extensionresourceid",
        "reference",
        "resourcegroup",
        "environment",
        "map",
        "filter",
        "reduce",
        "lambda",
        "lambdavariables",
        "utcnow",
        "listkeys",
    ];

    fn expr() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            any::<i64>().prop_map(|i| i.to_string()),
            "[a-z{}0-9/'. -]{0,12}".prop_map(|s| format!("'{}'", s.replace('\'', "''"))),
            Just("'p'".to_string()),
            Just("true".to_string()),
            Just("null".to_string()),
        ];
        leaf.prop_recursive(4, 48, 4, |inner| {
            prop_oneof![
                (
                    prop::sample::select(FUNCTIONS),
                    prop::collection::vec(inner.clone(), 0..4)
                )
                    .prop_map(|(f, args)| format!("{f}({})", args.join(", "))),
                (inner.clone(), "[a-z]{1,5}").prop_map(|(e, m)| format!("{e}.{m}")),
                (inner.clone(), inner).prop_map(|(e, i)| format!("{e}[{i}]")),
            ]
        })
    }

    fn engine() -> Engine {
        let t = r#"{"parameters": {"p": {"type": "string", "defaultValue": "x"}, "q": {"type": "array"}},
                    "variables": {"v": [1, "a", {"k": "v"}]},
                    "resources": [{"type": "Microsoft.Network/virtualNetworks", "name": "[parameters('p')]"}]}"#;
        let root = tree::parse(&SourceFile::new("t", t.into()), Limits::default()).unwrap();
        Engine::new(TNode::from_doc(&root), HashMap::new(), 200_000)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]

        /// No expression makes the evaluator panic; what it cannot evaluate is unknown.
        #[test]
        fn arbitrary_expressions_evaluate_or_are_unknown(src in expr()) {
            let e = engine();
            if let Ok(parsed) = crate::expr::parse(&src) {
                let v = e.eval_expr(&parsed, &Cx::plain(0, 0));
                let _ = v.to_json(&mut 10_000);
                let _ = v.render();
            }
        }

        /// Any text parses as an expression or fails with an error, never a panic.
        #[test]
        fn arbitrary_text_never_panics_the_parser(src in "\\PC{0,80}") {
            let _ = crate::expr::parse(&src);
        }
    }
}
