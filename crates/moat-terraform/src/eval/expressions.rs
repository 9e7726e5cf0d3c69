//! Expressions: operators, `for` expressions, string templates, `try()` and `can()`.

use super::*;

impl Evaluator {
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
                    if ns == ["provider", "azapi"] {
                        let mut vals = Vec::with_capacity(f.args.len());
                        for a in f.args.iter() {
                            vals.push(self.eval(a, sc)?);
                        }
                        if let Some(v) = crate::funcs::call_azapi(self, name, &vals, &at) {
                            return Ok(v);
                        }
                    }
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

    pub(super) fn eval_binary(
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

    pub(super) fn eval_for(&mut self, f: &ForExpr, sc: &Scope, at: &Loc) -> R<Value> {
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

    pub(super) fn eval_template(&mut self, t: &Template, sc: &Scope, at: &Loc) -> R<Value> {
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
    pub(super) fn render(
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

    pub(super) fn fn_try(&mut self, args: &[&Expression], sc: &Scope, at: &Loc) -> R<Value> {
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

    pub(super) fn fn_can(&mut self, args: &[&Expression], sc: &Scope, at: &Loc) -> R<Value> {
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
}
