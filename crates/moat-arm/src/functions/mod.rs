//! Built-in template functions that depend only on their (evaluated) arguments.
//!
//! Functions that need the deployment (`parameters`, `variables`, `reference`, `resourceId`,
//! `copyIndex`, ...) and the lazy ones (`if`, `and`, `or`, `coalesce`) live in the engine.
//! Every function returns a value: an argument it cannot use makes the result unknown (the
//! reason names the first unknown argument), and an error (a bad argument, an index out of
//! range) is an unknown whose reason says what went wrong. None panics or loops unbounded.

mod collections;
mod encoding;
mod text;
mod values;

use crate::value::{MAX_STR, Seg, StrBuild, Val};

/// What functions need from their caller.
pub trait Host {
    /// Calls a lambda with arguments.
    fn call_lambda(&mut self, lambda: &crate::value::Lambda, args: &[Val]) -> Val;
}

fn err(name: &str, msg: impl std::fmt::Display) -> Val {
    Val::unknown_from(format!("{name}(): {msg}"))
}

fn any_unknown(args: &[Val]) -> bool {
    args.iter().any(Val::is_unknown)
}

fn int_arg(name: &str, v: &Val) -> Result<i64, Val> {
    match v {
        Val::Int(i) => Ok(*i),
        Val::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(*f as i64),
        Val::Str(s) => s
            .trim()
            .parse()
            .map_err(|_| err(name, format!("`{s}` is not an integer"))),
        other if other.is_unknown() => Err(Val::derived(name, std::slice::from_ref(other))),
        other => Err(err(
            name,
            format!("expected an integer, got a {}", other.type_name()),
        )),
    }
}

fn truthy(name: &str, v: &Val) -> Result<bool, Val> {
    match v {
        Val::Bool(b) => Ok(*b),
        Val::Str(s) if s.eq_ignore_ascii_case("true") => Ok(true),
        Val::Str(s) if s.eq_ignore_ascii_case("false") => Ok(false),
        Val::Int(i) => Ok(*i != 0),
        other if other.is_unknown() => Err(Val::derived(name, std::slice::from_ref(other))),
        other => Err(err(
            name,
            format!("expected a boolean, got a {}", other.type_name()),
        )),
    }
}

/// Converts a value to text as `string()` and `format()` do (booleans as `True`/`False`,
/// arrays and objects as compact JSON).
pub fn to_text(v: &Val) -> Val {
    match v {
        Val::Str(_) | Val::Part(_) => v.clone(),
        Val::Null => Val::str(""),
        Val::Int(_) | Val::Float(_) | Val::Bool(_) => Val::str(v.render().unwrap_or_default()),
        Val::Arr(_) | Val::Obj(_) => {
            if contains_unknown(v, &mut 10_000) {
                return Val::derived("string", std::slice::from_ref(v));
            }
            let mut budget = 200_000;
            let s = v.to_json(&mut budget).to_string();
            if s.len() > MAX_STR {
                err("string", "the text is longer than 1 MiB")
            } else {
                Val::str(s)
            }
        }
        // An unknown reads as the (unknown) text it stands for, keeping its identity.
        Val::Unk(_) => v.clone(),
        Val::Lambda(_) => err("string", "a lambda is not a value"),
    }
}

/// Whether an unknown hides anywhere inside a value.
pub fn contains_unknown(v: &Val, budget: &mut usize) -> bool {
    if *budget == 0 {
        return true;
    }
    *budget -= 1;
    match v {
        Val::Unk(_) | Val::Part(_) | Val::Lambda(_) => true,
        Val::Arr(a) => a.iter().any(|x| contains_unknown(x, budget)),
        Val::Obj(o) => o.values().any(|x| contains_unknown(x, budget)),
        _ => false,
    }
}

fn map_known_text(v: &Val, label: &str, f: impl Fn(&str) -> String) -> Val {
    match v {
        Val::Str(s) => Val::str(f(s)),
        Val::Part(segs) => {
            let mut b = StrBuild::new();
            for s in segs.iter() {
                match s {
                    Seg::Lit(l) => b.push_str(&f(l)),
                    Seg::Hole(u) => {
                        let d = Val::derived(label, &[Val::Unk(u.clone())]);
                        if let Val::Unk(du) = d {
                            b.push_hole(du);
                        }
                    }
                }
            }
            b.finish()
        }
        other => Val::derived(label, std::slice::from_ref(other)),
    }
}

/// Functions whose value is set only when Azure runs the deployment.
pub const RUNTIME_ONLY: &[&str] = &[
    "newguid",
    "utcnow",
    "datetimeadd",
    "datetimefromepoch",
    "datetimetoepoch",
    "pickzones",
    "providers",
    "managementgroup",
    "managementgroupresourceid",
];

/// Evaluates a pure built-in function; `None` when `name` is not one.
pub fn call(name: &str, args: &[Val], host: &mut dyn Host) -> Option<Val> {
    text::call(name, args)
        .or_else(|| values::call(name, args))
        .or_else(|| encoding::call(name, args))
        .or_else(|| collections::call(name, args, host))
        .or_else(|| {
            RUNTIME_ONLY.contains(&name).then(|| {
                Val::derived(
                    &format!("{name}() is known only when Azure deploys the template"),
                    args,
                )
            })
        })
}

#[cfg(test)]
mod tests;
