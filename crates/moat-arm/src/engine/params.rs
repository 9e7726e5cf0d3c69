//! Parameters, variables and outputs of a deployment.

use super::*;

impl Engine {
    pub(super) fn param(&self, cx: &Cx, name: &str) -> Val {
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

    pub(super) fn param_value(&self, dep: &Dep, name: &str, key: &str, decl: &TNode) -> Val {
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

    pub(super) fn var(&self, d: usize, name: &str) -> Val {
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
}
