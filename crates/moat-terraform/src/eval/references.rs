//! References: what a traversal (`var.x`, `azurerm_subnet.a[0].id`, `module.m.out`) names,
//! and attribute, index and splat access on values.

use super::*;

impl Evaluator {
    /// Resolves the root of a reference; returns the value and how many operators it used.
    pub(super) fn resolve_ref(
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

    pub(super) fn apply_ops(
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

    pub(super) fn splat(
        &mut self,
        v: Value,
        rest: &[&TraversalOperator],
        sc: &Scope,
        at: &Loc,
    ) -> R<Value> {
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

pub(super) fn get_attr<'a>(ops: &[&'a TraversalOperator], i: usize) -> Option<&'a str> {
    match ops.get(i) {
        Some(TraversalOperator::GetAttr(n)) => Some(n.as_str()),
        _ => None,
    }
}

/// `.name` on a value.
pub fn get_attr_of(v: &Value, name: &str, at: &Loc) -> R<Value> {
    match v {
        Value::Unknown(_) => Ok(v.part(&format!(".{name}"))),
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

pub(super) fn is_data(addr: &str) -> bool {
    addr.starts_with("data.") || addr.contains(".data.")
}

/// The unknown standing for an attribute the provider computes.
pub(super) fn computed(r: &ResObj, name: &str, at: &Loc) -> Value {
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
        Value::Unknown(_) => Ok(match k {
            Value::String(key) => v.part(&format!("[\"{key}\"]")),
            other => v.part(&format!("[{}]", other.brief())),
        }),
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
