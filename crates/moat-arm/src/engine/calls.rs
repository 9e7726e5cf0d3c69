//! Template functions: the built-in functions that need the deployment (parameters,
//! variables, `reference()`, `resourceId()`...) and user-defined functions.

use super::*;

impl Engine {
    pub(super) fn call(&self, name: &str, args: &[Expr], cx: &Cx, whole: &Expr) -> Val {
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
            "copyindex" => self.copy_index(args, cx, whole),
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
            "resourcegroup" | "subscription" | "tenant" | "deployment" => {
                self.scope_object(name, cx)
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

    /// `copyIndex([loop], [offset])`: the iteration of the named loop, or of the resource's.
    fn copy_index(&self, args: &[Expr], cx: &Cx, whole: &Expr) -> Val {
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

    /// `resourceGroup()`, `subscription()`, `tenant()`, `deployment()`: the scope the
    /// template is deployed to, as objects (placeholders when the input does not give it). In
    /// a nested template of the default (outer) expression scope they resolve to the parent
    /// template's scope, wherever the nested deployment goes ("ARM template functions in
    /// deployment scopes"); only `inner` resolves them to the nested deployment's.
    fn scope_object(&self, name: &str, cx: &Cx) -> Val {
        match name {
            "resourcegroup" => {
                self.scope_used.set(true);
                let s = self.dep(cx.pdep).scope.clone();
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
                let s = self.dep(cx.pdep).scope.clone();
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
                let s = self.dep(cx.pdep).scope.clone();
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
                let s = self.dep(cx.pdep).scope.clone();
                let mut o = Obj::new();
                o.insert("name".into(), s.deployment.clone());
                o.insert("location".into(), s.location.clone());
                o.insert("properties".into(), Val::obj(Obj::new()));
                Val::obj(o)
            }
            _ => Val::unknown_from(format!("`{name}` is not a scope function")),
        }
    }

    pub(super) fn user_function(&self, name: &str, args: &[Expr], cx: &Cx, whole: &Expr) -> Val {
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
}
