//! Resources and their instances: ids, copy loops and conditions, nested deployments.

use super::*;

impl Engine {
    pub(super) fn resource_id_fn(&self, name: &str, a: &[Val], cx: &Cx) -> Val {
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
        // The current resource group is the evaluation scope's: a nested template with the
        // default (outer) scope resolves it to the parent's, even when it deploys elsewhere.
        let scope = self.dep(cx.pdep).scope.clone();
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
    pub(super) fn instance_id(
        &self,
        scope: &Scope,
        rtype: &str,
        name: &Val,
        ext: Option<&Val>,
    ) -> Val {
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

    pub(super) fn expand_resource(
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
    pub(super) fn make_inst(
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

    pub(super) fn create_child(&self, inst: &Inst) -> Result<usize, Rc<str>> {
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
}
