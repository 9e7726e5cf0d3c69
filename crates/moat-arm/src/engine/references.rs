//! Finding instances by id, `reference()`, and the evaluated bodies of instances.

use super::*;

impl Engine {
    pub(super) fn lookup_id(&self, key: &str) -> Option<Rc<Inst>> {
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
    pub(super) fn find_inst(&self, target: &Val, cx: &Cx) -> Option<Rc<Inst>> {
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

    pub(super) fn reference(&self, a: &[Val], cx: &Cx, plural: bool, whole: &Expr) -> Val {
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

    pub(super) fn ref_value(&self, inst: &Inst, full: bool, whole: &Expr) -> Val {
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
        let body = with_firewall_address(inst, self.body(inst));
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

    pub(super) fn collect_dep(
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

/// A firewall's body as `reference()` reads it. Azure gives the firewall its private IP (the
/// REST API marks `ipConfigurations[].properties.privateIPAddress` read-only) in the IP
/// configuration that places it in its subnet, the first, which the mapper reads the firewall
/// from: where the template does not state it, the address is an unknown that names the
/// firewall ([`crate::map::firewall_address`]), so a route to it goes to this firewall
/// whatever address Azure gives it. Other configurations (public IPs only) hold no private IP.
fn with_firewall_address(inst: &Inst, body: Val) -> Val {
    if !inst
        .rtype
        .eq_ignore_ascii_case("Microsoft.Network/azureFirewalls")
    {
        return body;
    }
    let Some(id) = inst.id.render() else {
        return body;
    };
    let Val::Obj(top) = &body else { return body };
    let Some(Val::Obj(props)) = obj_get(top, "properties") else {
        return body;
    };
    let Some(Val::Arr(cfgs)) = obj_get(props, "ipConfigurations") else {
        return body;
    };
    let Some(Val::Obj(first)) = cfgs.first() else {
        return body;
    };
    let Some(Val::Obj(cp)) = obj_get(first, "properties") else {
        return body;
    };
    if obj_get(cp, "subnet").is_none() || obj_get(cp, "privateIPAddress").is_some() {
        return body;
    }
    let mut cp = (**cp).clone();
    cp.insert("privateIPAddress".into(), crate::map::firewall_address(&id));
    let mut first = (**first).clone();
    first.insert("properties".into(), Val::obj(cp));
    let mut cfgs = (**cfgs).clone();
    cfgs[0] = Val::obj(first);
    let mut props = (**props).clone();
    props.insert("ipConfigurations".into(), Val::arr(cfgs));
    let mut top = (**top).clone();
    top.insert("properties".into(), Val::obj(props));
    Val::obj(top)
}
