//! The condition a `count`/`for_each` expression stands for, written out: declarations whose
//! expansion is unknown exist together only if they are expanded by the same condition, and
//! the same text in two module instances need not be one (`var.enabled` of `module.a` bound to
//! `var.x`, of `module.b` to `!var.x`). Each module input is replaced by what its caller binds
//! it to, each local of a module by its expression, and every other name of a module instance
//! (its resources, `each` and `count` of its call) is prefixed with the instance's address: the
//! text names the same thing wherever it is written, and two texts that are equal are one
//! condition.

use super::*;
use hcl_edit::expr::Traversal;
use hcl_edit::visit::{Visit, visit_for_expr, visit_traversal_operator};

/// Most module inputs and locals followed inside one another (a chain longer than any real
/// module nesting; what is past it is named as written, with its instance).
const MAX_CHAIN: usize = 64;

/// A name an expression refers to, and the part of the text that names it.
struct Ref {
    /// `var`, `local`, a resource type, `each`, ...
    root: String,
    /// The attribute after the root (`x` of `var.x`).
    attr: Option<String>,
    /// The root and its attribute, in the text of the expression's file.
    span: Range<usize>,
}

/// The references of an expression, without the names its `for` expressions bind.
#[derive(Default)]
struct Refs {
    found: Vec<Ref>,
    bound: HashSet<String>,
}

impl Visit for Refs {
    fn visit_expr(&mut self, e: &Expression) {
        if let Expression::Variable(v) = e {
            if let Some(span) = v.span() {
                self.found.push(Ref {
                    root: v.as_str().to_string(),
                    attr: None,
                    span,
                });
            }
            return;
        }
        hcl_edit::visit::visit_expr(self, e);
    }

    fn visit_traversal(&mut self, t: &Traversal) {
        let Expression::Variable(v) = &t.expr else {
            hcl_edit::visit::visit_traversal(self, t);
            return;
        };
        let first = t.operators.first();
        let attr = first.and_then(|op| match op.value() {
            TraversalOperator::GetAttr(i) => Some(i.as_str().to_string()),
            _ => None,
        });
        let end = match (&attr, first) {
            (Some(_), Some(op)) => op.span().map(|s| s.end),
            _ => v.span().map(|s| s.end),
        };
        if let (Some(start), Some(end)) = (v.span().map(|s| s.start), end) {
            self.found.push(Ref {
                root: v.as_str().to_string(),
                attr,
                span: start..end,
            });
        }
        for op in &t.operators {
            visit_traversal_operator(self, op);
        }
    }

    fn visit_for_expr(&mut self, f: &ForExpr) {
        if let Some(k) = &f.intro.key_var {
            self.bound.insert(k.as_str().to_string());
        }
        self.bound.insert(f.intro.value_var.as_str().to_string());
        visit_for_expr(self, f);
    }
}

impl Evaluator {
    /// `e`, written in `file` of module instance `inst`, as the condition it stands for (see
    /// the module's documentation); `None` when its text is not at hand.
    pub(super) fn condition(&self, inst: usize, file: usize, e: &Expression) -> Option<String> {
        let budget = std::cell::Cell::new(MAX_CHAIN);
        self.condition_in(inst, None, file, e, &budget)
    }

    /// [`Self::condition`] of an expression of instance `inst`; `call` is the address of the
    /// instance whose module block holds it (its `each` and `count` are that instance's).
    /// `budget` bounds the inputs and locals followed.
    fn condition_in(
        &self,
        inst: usize,
        call: Option<&str>,
        file: usize,
        e: &Expression,
        budget: &std::cell::Cell<usize>,
    ) -> Option<String> {
        let text = self.sources.text(file)?;
        let span = e.span()?;
        let path = self.insts.get(inst)?.path.clone();
        let mut refs = Refs::default();
        refs.visit_expr(e);
        let mut found = refs.found;
        found.sort_by_key(|r| r.span.start);
        let mut out = String::new();
        let mut at = span.start;
        for r in found {
            // A reference inside one already replaced is part of it.
            if r.span.start < at || r.span.end > span.end || refs.bound.contains(&r.root) {
                continue;
            }
            let Some(with) = self.reference(inst, &path, call, &r, budget) else {
                continue;
            };
            out.push_str(text.get(at..r.span.start)?);
            out.push_str(&with);
            at = r.span.end;
        }
        out.push_str(text.get(at..span.end)?);
        Some(collapse(&out))
    }

    /// What a reference of module instance `inst` (at `path`) is replaced with; `None` keeps
    /// it as written.
    fn reference(
        &self,
        inst: usize,
        path: &str,
        call: Option<&str>,
        r: &Ref,
        budget: &std::cell::Cell<usize>,
    ) -> Option<String> {
        let name = match &r.attr {
            Some(a) => format!("{}.{a}", r.root),
            None => r.root.clone(),
        };
        if let (Some(c), "each" | "count") = (call, r.root.as_str()) {
            return Some(format!("{c}.{name}"));
        }
        // A root variable, local or resource names one thing wherever it is written; a root
        // condition reads as written.
        if path.is_empty() {
            return None;
        }
        let qualified = format!("{path}.{name}");
        let follow = budget.get() > 0;
        if follow {
            budget.set(budget.get() - 1);
        }
        // Anything not followed is named with its instance: never one thing for two.
        let followed = || -> Option<String> {
            let cfg = self.cfg(inst);
            match (r.root.as_str(), r.attr.as_deref()) {
                ("local", Some(n)) if follow => {
                    let item = cfg.locals.get(n)?;
                    self.condition_in(inst, None, item.file, &item.expr, budget)
                }
                ("var", Some(n)) if follow => {
                    let p = self.insts.get(inst)?.parent.as_ref()?;
                    let pcfg = self.cfg(p.inst);
                    let mc = pcfg.modules.get(&p.call)?;
                    match mc.body.get_attribute(n) {
                        Some(a) => self.condition_in(p.inst, Some(path), mc.file, &a.value, budget),
                        // Not given: its default, a constant, the same in every instance.
                        None => {
                            let v = cfg.variables.get(n)?;
                            let d = v.default.as_ref()?;
                            Some(collapse(self.sources.text(v.file)?.get(d.span()?)?))
                        }
                    }
                }
                _ => None,
            }
        };
        let c = followed();
        Some(c.map(|c| group(&c)).unwrap_or(qualified))
    }
}

/// Blanks collapsed to one space.
fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `c` as one operand: in parentheses unless it is a plain name or a literal, or is in
/// parentheses already.
fn group(c: &str) -> String {
    let plain = c
        .chars()
        .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '_' | '-' | '.' | '"'));
    if plain || enclosed(c) {
        c.to_string()
    } else {
        format!("({c})")
    }
}

/// Whether `c` is one parenthesised expression: its first parenthesis closes at its end
/// (parentheses inside quoted strings do not count).
fn enclosed(c: &str) -> bool {
    if !c.starts_with('(') {
        return false;
    }
    let (mut depth, mut quoted, mut escaped) = (0usize, false, false);
    for (i, ch) in c.char_indices() {
        match ch {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1 == c.len();
                }
            }
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parenthesised_condition_is_not_wrapped_again() {
        assert_eq!(group("(!var.x)"), "(!var.x)");
        assert_eq!(group("var.x"), "var.x");
        assert_eq!(group("!var.x"), "(!var.x)");
        assert_eq!(group("(a) == (b)"), "((a) == (b))");
        assert_eq!(group(r#"("(") + (")")"#), r#"(("(") + (")"))"#);
    }
}
