//! Module calls: the child instances a call makes, and their outputs as the caller refers to
//! them.

use super::*;

impl Evaluator {
    pub(super) fn kids(&mut self, inst: usize, call: &str, at: &Loc) -> R<()> {
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

    pub(super) fn make_kids(&mut self, inst: usize, call: &str) -> R<Kids> {
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
                    expr: None,
                    condition: None,
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

    pub(super) fn output_value(&mut self, child: usize, name: &str, at: &Loc) -> R<Value> {
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

    pub(super) fn all_outputs(&mut self, child: usize, at: &Loc) -> R<Value> {
        let cfg = self.cfg(child);
        let mut m = BTreeMap::new();
        for name in cfg.outputs.keys() {
            m.insert(name.clone(), self.output_value(child, name, at)?);
        }
        Ok(Value::map(m))
    }

    /// `module.NAME...`: resolves as few outputs as the reference needs; returns the value
    /// and how many traversal operators it used.
    pub(super) fn module_ref(
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
}
