//! Resources: how many instances `count` and `for_each` make (or that they cannot be
//! told), and each instance's body, its dynamic blocks included.

use super::*;

impl Evaluator {
    pub(super) fn expansion(
        &mut self,
        body: &Body,
        sc: &Scope,
        what: &str,
        at: &Loc,
    ) -> R<Expansion> {
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

    pub(super) fn resource_value(&mut self, inst: usize, key: &str, at: &Loc) -> R<Value> {
        let cfg = self.cfg(inst);
        let Some((decl_idx, _, decl)) = cfg.resources.get_full(key) else {
            return err(format!("`{key}` is not declared in this module"), at);
        };
        let slot = format!("res:{key}");
        let v = self.memo(inst, slot.clone(), at, |ev| {
            ev.expand_resource(inst, decl_idx, decl)
        })?;
        // The root module has exactly one instance (a module calling the root's directory
        // is recursion, refused), so once its value is memoised the body is not read again.
        if inst == 0 && matches!(self.insts[0].slots.get(&slot), Some(Slot::Done(_))) {
            decl.body.replace(ResBody::Freed);
        }
        Ok(v)
    }

    pub(super) fn expand_resource(
        &mut self,
        inst: usize,
        decl_idx: usize,
        decl: &ResDecl,
    ) -> R<Value> {
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
        if !decl.parse_again(&self.sources) {
            return err(format!("the block of `{base}` does not parse again"), &at);
        }
        let body = decl.body.borrow();
        let ResBody::Parsed(body) = &*body else {
            // Only a memoised declaration of the root module loses its body.
            return err(format!("`{base}` was evaluated already"), &at);
        };
        match self.expansion(body, &sc, &base, &at)? {
            Expansion::Unknown(u) => {
                let field = if body.has_attribute("count") {
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
                let written = body.get_attribute(field);
                let expr = written
                    .and_then(|a| self.sources.text(sc.file)?.get(a.value.span()?))
                    .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "));
                let condition = written.and_then(|a| self.condition(inst, sc.file, &a.value));
                self.unexpanded.push(Unexpanded {
                    addr: base.clone(),
                    kind: decl.rtype.clone(),
                    field: field.into(),
                    reason,
                    expr,
                    condition,
                    at: at.clone(),
                    instance: true,
                });
                // One instance stands for however many there are (none included): its
                // index or key is unknown, and the mapper lists it as may-exist.
                let s = Scope {
                    open_instance: true,
                    ..sc.clone()
                };
                let one = self.instance(decl, body, s, base.clone(), sort, 0)?;
                Ok(Value::unknown_with(
                    format!("the instances of `{base}` are unknown"),
                    &at,
                    one,
                ))
            }
            Expansion::Single => Ok(Value::Res(self.instance(decl, body, sc, base, sort, 0)?)),
            Expansion::Count(n) => {
                let mut out = Vec::with_capacity(n);
                for i in 0..n {
                    let s = Scope {
                        count: Some(i),
                        ..sc.clone()
                    };
                    out.push(Value::Res(self.instance(
                        decl,
                        body,
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
                        Value::Res(self.instance(decl, body, s, addr, sort.clone(), i)?),
                    );
                }
                Ok(Value::map(out))
            }
        }
    }

    pub(super) fn instance(
        &mut self,
        decl: &ResDecl,
        body: &Body,
        sc: Scope,
        addr: String,
        mut sort: Vec<usize>,
        idx: usize,
    ) -> R<Rc<ResObj>> {
        let at = self.loc(decl.file, decl.span.clone());
        let mut obj = self.eval_body(body, &sc, &addr, true, at)?;
        self.ignore_changes(body, decl, &addr, &mut obj);
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

    /// The arguments `lifecycle.ignore_changes` lists are whatever the deployed resource
    /// holds: unknown (see [`crate::lifecycle`]).
    fn ignore_changes(&mut self, body: &Body, decl: &ResDecl, addr: &str, obj: &mut ResObj) {
        let ign = crate::lifecycle::ignored(body);
        let at = self.loc(decl.file, ign.span.clone());
        crate::lifecycle::open_ignored(&decl.rtype, obj, &ign, &at);
        if ign.all {
            self.warn(
                "ignore-changes-all",
                format!("`{addr}` ignores changes to all its arguments: the deployed resource may differ from what it writes, and moat reads what it writes"),
                &at,
                Some("list the arguments something else manages instead of `all`".into()),
            );
        }
    }

    /// Evaluates a block body into an object: attributes, and nested blocks as lists of objects.
    pub(super) fn eval_body(
        &mut self,
        body: &Body,
        sc: &Scope,
        addr: &str,
        top: bool,
        at: Loc,
    ) -> R<ResObj> {
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
            attr_locs: attr_locs.into(),
        })
    }

    pub(super) fn eval_dynamic(
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
}
