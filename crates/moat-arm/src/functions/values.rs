//! Values: literals, conversions, comparison and arithmetic, JSON, the first non-null value.

use super::{any_unknown, err, int_arg, truthy};
use crate::value::{Val, equals};

fn compare(name: &str, args: &[Val]) -> Val {
    let (Some(a), Some(b)) = (args.first(), args.get(1)) else {
        return err(name, "needs two arguments");
    };
    if a.is_unknown() || b.is_unknown() {
        return Val::derived(name, args);
    }
    let ord = match (a, b) {
        (Val::Int(_) | Val::Float(_), Val::Int(_) | Val::Float(_)) => {
            let x = if let Val::Int(i) = a {
                *i as f64
            } else if let Val::Float(f) = a {
                *f
            } else {
                0.0
            };
            let y = if let Val::Int(i) = b {
                *i as f64
            } else if let Val::Float(f) = b {
                *f
            } else {
                0.0
            };
            x.partial_cmp(&y)
        }
        (Val::Str(x), Val::Str(y)) => Some(x.cmp(y)),
        _ => None,
    };
    let Some(ord) = ord else {
        return err(name, "compares values of different types");
    };
    use std::cmp::Ordering::*;
    Val::Bool(match name {
        "less" => ord == Less,
        "lessorequals" => ord != Greater,
        "greater" => ord == Greater,
        _ => ord != Less,
    })
}

fn arith(name: &str, args: &[Val]) -> Val {
    if args.len() != 2 {
        return err(name, "needs two integers");
    }
    if any_unknown(args) {
        return Val::derived(name, args);
    }
    let (a, b) = match (int_arg(name, &args[0]), int_arg(name, &args[1])) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    let r = match name {
        "add" => a.checked_add(b),
        "sub" => a.checked_sub(b),
        "mul" => a.checked_mul(b),
        "div" => a.checked_div(b),
        _ => a.checked_rem(b),
    };
    r.map(Val::Int)
        .unwrap_or_else(|| err(name, "overflow or division by zero"))
}

fn min_max(name: &str, args: &[Val]) -> Val {
    let items: Vec<Val> = match args {
        [Val::Arr(a)] => a.iter().cloned().collect(),
        _ => args.to_vec(),
    };
    if any_unknown(&items) {
        return Val::derived(name, args);
    }
    let mut best: Option<i64> = None;
    for v in &items {
        let x = match int_arg(name, v) {
            Ok(x) => x,
            Err(e) => return e,
        };
        best = Some(match best {
            None => x,
            Some(b) if name == "min" => b.min(x),
            Some(b) => b.max(x),
        });
    }
    best.map(Val::Int)
        .unwrap_or_else(|| err(name, "needs at least one value"))
}

/// Evaluates one of these functions; `None` when `name` is not one.
pub(super) fn call(name: &str, args: &[Val]) -> Option<Val> {
    let a0 = args.first();
    let v = match name {
        "null" => Val::Null,
        "true" => Val::Bool(true),
        "false" => Val::Bool(false),
        "int" => match a0 {
            Some(v) if v.is_unknown() => Val::derived(name, args),
            Some(Val::Float(f)) => Val::Int(f.trunc() as i64),
            Some(v) => int_arg(name, v).map(Val::Int).unwrap_or_else(|e| e),
            None => err(name, "needs a value"),
        },
        "float" => match a0 {
            Some(Val::Int(i)) => Val::Float(*i as f64),
            Some(Val::Float(f)) => Val::Float(*f),
            Some(Val::Str(s)) => s
                .trim()
                .parse()
                .map(Val::Float)
                .unwrap_or_else(|_| err(name, "not a number")),
            _ => Val::derived(name, args),
        },
        "bool" => match a0 {
            Some(v) => truthy(name, v).map(Val::Bool).unwrap_or_else(|e| e),
            None => err(name, "needs a value"),
        },
        "not" => match a0 {
            Some(v) => truthy(name, v).map(|b| Val::Bool(!b)).unwrap_or_else(|e| e),
            None => err(name, "needs a value"),
        },
        "equals" => match args {
            [a, b] => match equals(a, b, &mut 1_000_000) {
                Some(x) => Val::Bool(x),
                None => Val::derived(name, args),
            },
            _ => err(name, "needs two values"),
        },
        "less" | "lessorequals" | "greater" | "greaterorequals" => compare(name, args),
        "add" | "sub" | "mul" | "div" | "mod" => arith(name, args),
        "min" | "max" => min_max(name, args),
        "json" => match a0 {
            Some(Val::Str(s)) => match serde_json::from_str::<serde_json::Value>(s) {
                Ok(j) => Val::from_json(&j),
                Err(e) => err(name, format!("invalid JSON: {e}")),
            },
            Some(v) if v.is_unknown() => Val::derived(name, args),
            _ => err(name, "expects a string"),
        },
        "coalesce" => {
            for a in args {
                match a.null_state() {
                    Some(true) => continue,
                    Some(false) => return Some(a.clone()),
                    None => return Some(Val::derived(name, args)),
                }
            }
            Val::Null
        }
        _ => return None,
    };
    Some(v)
}
