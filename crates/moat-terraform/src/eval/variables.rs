//! Variables, locals and literal text: a module instance's inputs as the caller or the root's
//! variable files give them, each checked against its declared type.

use super::*;

impl Evaluator {
    pub(super) fn var_value(&mut self, inst: usize, name: &str, at: &Loc) -> R<Value> {
        let cfg = self.cfg(inst);
        let Some(decl) = cfg.variables.get(name) else {
            return err(format!("variable `{name}` is not declared"), at);
        };
        self.memo(inst, format!("var:{name}"), at, |ev| {
            let decl_at = ev.loc(decl.file, decl.span.clone());
            let literal = Scope {
                inst: None,
                file: decl.file,
                each: None,
                count: None,
                open_instance: false,
                vars: Vec::new(),
            };
            let ty = match &decl.ty {
                None => Ty::Any,
                Some(t) => {
                    let r = types::parse_type(t, &mut |d| ev.eval(d, &literal).ok());
                    match r {
                        Ok(t) => t,
                        Err(m) => {
                            ev.warn(
                                "invalid-type",
                                format!("type of variable `{name}`: {m}"),
                                &decl_at,
                                None,
                            );
                            Ty::Any
                        }
                    }
                }
            };
            let given = ev.given_value(inst, name, &ty, at)?;
            // A default is the module author's; only what the caller gives is reported.
            let from_caller = given
                .as_ref()
                .is_some_and(|v| !v.is_null() || decl.nullable);
            let v = match given {
                Some(v) if !v.is_null() || decl.nullable => v,
                _ => match &decl.default {
                    Some(d) => ev.eval(d, &literal)?,
                    None => {
                        let path = ev.insts[inst].path.clone();
                        let (msg, hint) = if path.is_empty() {
                            (
                                format!("variable `{name}` has no value"),
                                "give it with a .tfvars file or -var name=value".to_string(),
                            )
                        } else {
                            (
                                format!("input `{name}` of `{path}` has no value"),
                                "set it in the module block".to_string(),
                            )
                        };
                        // Secrets (passwords, shared keys) are left out on purpose; a
                        // network-relevant use still reads as unknown.
                        if !decl.sensitive {
                            ev.warn("missing-variable", msg.clone(), &decl_at, Some(hint));
                        }
                        return Ok(Value::unknown(msg, &decl_at));
                    }
                },
            };
            let mut dropped = Vec::new();
            let v = types::convert(&v, &ty, &mut dropped)
                .or_else(|m| err(format!("value of variable `{name}`: {m}"), &decl_at))?;
            if from_caller {
                ev.report_dropped(inst, name, dropped, &decl_at);
            }
            Ok(v)
        })
    }

    /// The value given for a variable: from tfvars / -var at the root, from the module block
    /// otherwise.
    pub(super) fn given_value(
        &mut self,
        inst: usize,
        name: &str,
        ty: &Ty,
        at: &Loc,
    ) -> R<Option<Value>> {
        let Some(p) = &self.insts[inst].parent else {
            return Ok(match self.given.get(name) {
                None => None,
                Some(Given::Value(v)) => Some(v.clone()),
                Some(Given::Raw(s)) => {
                    if matches!(ty, Ty::String | Ty::Any) {
                        Some(Value::str(s.clone()))
                    } else {
                        let s = s.clone();
                        Some(self.eval_text(&s, at)?)
                    }
                }
            });
        };
        let (pinst, call, each, count) = (p.inst, p.call.clone(), p.each.clone(), p.count);
        let pcfg = self.cfg(pinst);
        let mc = &pcfg.modules[&call];
        let Some(a) = mc.body.get_attribute(name) else {
            return Ok(None);
        };
        let sc = Scope {
            inst: Some(pinst),
            file: mc.file,
            each,
            count,
            open_instance: false,
            vars: Vec::new(),
        };
        Ok(Some(self.eval_attr(&a.value, &sc)?))
    }

    /// Evaluates the text of a `-var` value as an expression without references.
    pub(super) fn eval_text(&mut self, text: &str, at: &Loc) -> R<Value> {
        match text.parse::<Expression>() {
            Ok(e) => {
                let sc = Scope {
                    inst: None,
                    file: usize::MAX,
                    each: None,
                    count: None,
                    open_instance: false,
                    vars: Vec::new(),
                };
                self.eval(&e, &sc)
            }
            Err(e) => err(
                format!("`{text}` is not a valid value: {}", e.message()),
                at,
            ),
        }
    }

    /// Evaluates an expression of a tfvars file (no references allowed).
    pub fn eval_literal(&mut self, e: &Expression, file: usize) -> R<Value> {
        let sc = Scope {
            inst: None,
            file,
            each: None,
            count: None,
            open_instance: false,
            vars: Vec::new(),
        };
        self.eval(e, &sc)
    }

    pub fn sync_sources(&mut self) {
        self.sync_names();
    }

    pub(super) fn local_value(&mut self, inst: usize, name: &str, at: &Loc) -> R<Value> {
        let cfg = self.cfg(inst);
        let Some(item) = cfg.locals.get(name) else {
            return err(format!("local value `{name}` is not declared"), at);
        };
        self.memo(inst, format!("local:{name}"), at, |ev| {
            let sc = Scope {
                inst: Some(inst),
                file: item.file,
                each: None,
                count: None,
                open_instance: false,
                vars: Vec::new(),
            };
            ev.eval(&item.expr, &sc)
        })
    }
}
