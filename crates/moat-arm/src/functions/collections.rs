//! Arrays and objects: their length and members, building, merging and cutting them, and the
//! functions that take a lambda.

use super::{Host, any_unknown, err, int_arg, to_text};
use crate::value::{MAX_ARRAY, Obj, Seg, StrBuild, Val, equals, obj_get};
use std::rc::Rc;

/// Largest `count` accepted by `range()` (Azure's limit).
const MAX_RANGE: i64 = 10_000;

fn union_objects(a: &Obj, b: &Obj) -> Obj {
    let mut out = a.clone();
    for (k, v) in b {
        let existing = out
            .iter()
            .find(|(ek, _)| ek.eq_ignore_ascii_case(k))
            .map(|(ek, ev)| (ek.clone(), ev.clone()));
        match existing {
            Some((ek, Val::Obj(eo))) => {
                if let Val::Obj(vo) = v {
                    out.insert(ek, Val::obj(union_objects(&eo, vo)));
                } else {
                    out.insert(ek, v.clone());
                }
            }
            Some((ek, _)) => {
                out.insert(ek, v.clone());
            }
            None => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    out
}

fn union_fn(args: &[Val]) -> Val {
    if any_unknown(args) {
        return Val::derived("union", args);
    }
    if args.iter().all(|a| matches!(a, Val::Obj(_) | Val::Null)) {
        let mut out = Obj::new();
        for a in args {
            if let Val::Obj(o) = a {
                out = union_objects(&out, o);
            }
        }
        return Val::obj(out);
    }
    if args.iter().all(|a| matches!(a, Val::Arr(_) | Val::Null)) {
        let mut out: Vec<Val> = Vec::new();
        let mut budget = 1_000_000;
        for a in args {
            if let Val::Arr(x) = a {
                for v in x.iter() {
                    if !out.iter().any(|o| equals(o, v, &mut budget) == Some(true)) {
                        out.push(v.clone());
                    }
                }
            }
            if out.len() > MAX_ARRAY {
                return err("union", "the array is too long");
            }
        }
        return Val::arr(out);
    }
    err("union", "arguments must all be objects or all arrays")
}

fn intersection_fn(args: &[Val]) -> Val {
    if any_unknown(args) {
        return Val::derived("intersection", args);
    }
    let mut budget = 1_000_000;
    match args.first() {
        Some(Val::Obj(first)) => {
            let mut out = Obj::new();
            'keys: for (k, v) in first.iter() {
                for other in &args[1..] {
                    let Val::Obj(o) = other else {
                        return err("intersection", "mixes objects and other values");
                    };
                    match obj_get(o, k) {
                        Some(w) if equals(v, w, &mut budget) == Some(true) => {}
                        Some(w) if equals(v, w, &mut budget).is_none() => {
                            return Val::derived("intersection", args);
                        }
                        _ => continue 'keys,
                    }
                }
                out.insert(k.clone(), v.clone());
            }
            Val::obj(out)
        }
        Some(Val::Arr(first)) => {
            let mut out = Vec::new();
            for v in first.iter() {
                let mut all = true;
                for other in &args[1..] {
                    let Val::Arr(o) = other else {
                        return err("intersection", "mixes arrays and other values");
                    };
                    if !o.iter().any(|w| equals(v, w, &mut budget) == Some(true)) {
                        all = false;
                    }
                }
                if all && !out.iter().any(|w| equals(v, w, &mut budget) == Some(true)) {
                    out.push(v.clone());
                }
            }
            Val::arr(out)
        }
        _ => err("intersection", "expects arrays or objects"),
    }
}

pub(super) fn tryget_fn(args: &[Val]) -> Val {
    let Some(mut cur) = args.first().cloned() else {
        return err("tryGet", "needs a value");
    };
    for k in &args[1..] {
        cur = match (&cur, k) {
            (Val::Null, _) => return Val::Null,
            (Val::Obj(o), Val::Str(key)) => match obj_get(o, key) {
                Some(v) => v.clone(),
                None => return Val::Null,
            },
            (Val::Arr(a), Val::Int(i)) => match usize::try_from(*i).ok().and_then(|i| a.get(i)) {
                Some(v) => v.clone(),
                None => return Val::Null,
            },
            (c, k) if c.is_unknown() || k.is_unknown() => return Val::derived("tryGet", args),
            _ => return Val::Null,
        };
    }
    cur
}

fn lambda_arg<'a>(name: &str, v: Option<&'a Val>) -> Result<&'a crate::value::Lambda, Val> {
    match v {
        Some(Val::Lambda(l)) => Ok(l),
        _ => Err(err(name, "expects a lambda")),
    }
}

fn array_arg<'a>(name: &str, args: &'a [Val]) -> Result<&'a Rc<Vec<Val>>, Val> {
    match args.first() {
        Some(Val::Arr(a)) => Ok(a),
        Some(v) if v.is_unknown() => Err(Val::derived(name, &args[..1])),
        _ => Err(err(name, "expects an array")),
    }
}

fn lambda_fns(name: &str, args: &[Val], host: &mut dyn Host) -> Val {
    let mut run = || -> Result<Val, Val> {
        match name {
            "map" | "filter" | "sort" | "groupby" | "toobject" => {
                let a = array_arg(name, args)?;
                let l = lambda_arg(name, args.get(1))?;
                match name {
                    "map" => Ok(Val::arr(
                        a.iter()
                            .enumerate()
                            .map(|(i, x)| host.call_lambda(l, &[x.clone(), Val::Int(i as i64)]))
                            .collect(),
                    )),
                    "filter" => {
                        let mut out = Vec::new();
                        for (i, x) in a.iter().enumerate() {
                            match host.call_lambda(l, &[x.clone(), Val::Int(i as i64)]) {
                                Val::Bool(true) => out.push(x.clone()),
                                Val::Bool(false) => {}
                                _ => return Err(Val::derived("filter", args)),
                            }
                        }
                        Ok(Val::arr(out))
                    }
                    "sort" => {
                        // Insertion sort through the lambda (arrays in templates are short).
                        let mut out: Vec<Val> = Vec::new();
                        for x in a.iter() {
                            let mut pos = out.len();
                            for (j, y) in out.iter().enumerate() {
                                match host.call_lambda(l, &[x.clone(), y.clone()]) {
                                    Val::Bool(true) => {
                                        pos = j;
                                        break;
                                    }
                                    Val::Bool(false) => {}
                                    _ => return Err(Val::derived("sort", args)),
                                }
                            }
                            out.insert(pos, x.clone());
                        }
                        Ok(Val::arr(out))
                    }
                    "groupby" => {
                        let mut out = Obj::new();
                        for x in a.iter() {
                            let k = host.call_lambda(l, std::slice::from_ref(x));
                            let Some(k) = k.as_str() else {
                                return Err(Val::derived("groupBy", args));
                            };
                            let entry =
                                out.entry(k.to_string()).or_insert_with(|| Val::arr(vec![]));
                            if let Val::Arr(v) = entry {
                                Rc::make_mut(v).push(x.clone());
                            }
                        }
                        Ok(Val::obj(out))
                    }
                    _ => {
                        let vl = match args.get(2) {
                            Some(Val::Lambda(v)) => Some(v),
                            Some(_) => return Err(err(name, "expects a lambda")),
                            None => None,
                        };
                        let mut out = Obj::new();
                        for x in a.iter() {
                            let k = host.call_lambda(l, std::slice::from_ref(x));
                            let Some(k) = k.as_str() else {
                                return Err(Val::derived("toObject", args));
                            };
                            let v = match vl {
                                Some(vl) => host.call_lambda(vl, std::slice::from_ref(x)),
                                None => x.clone(),
                            };
                            out.insert(k.to_string(), v);
                        }
                        Ok(Val::obj(out))
                    }
                }
            }
            "reduce" => {
                let a = array_arg(name, args)?;
                let init = args.get(1).cloned().unwrap_or(Val::Null);
                let l = lambda_arg(name, args.get(2))?;
                let mut acc = init;
                for (i, x) in a.iter().enumerate() {
                    acc = host.call_lambda(l, &[acc, x.clone(), Val::Int(i as i64)]);
                }
                Ok(acc)
            }
            _ => {
                // mapValues
                let o = match args.first() {
                    Some(Val::Obj(o)) => o,
                    Some(v) if v.is_unknown() => return Err(Val::derived(name, &args[..1])),
                    _ => return Err(err(name, "expects an object")),
                };
                let l = lambda_arg(name, args.get(1))?;
                Ok(Val::obj(
                    o.iter()
                        .map(|(k, v)| (k.clone(), host.call_lambda(l, std::slice::from_ref(v))))
                        .collect(),
                ))
            }
        }
    };
    run().unwrap_or_else(|e| e)
}

/// Evaluates one of these functions; `None` when `name` is not one.
pub(super) fn call(name: &str, args: &[Val], host: &mut dyn Host) -> Option<Val> {
    reading(name, args).or_else(|| building(name, args, host))
}

/// What an array or object holds: its length, members, first and last, a part of it.
fn reading(name: &str, args: &[Val]) -> Option<Val> {
    let a0 = args.first();
    let v = match name {
        "length" => match a0 {
            Some(Val::Str(s)) => Val::Int(s.chars().count() as i64),
            Some(Val::Arr(a)) => Val::Int(a.len() as i64),
            Some(Val::Obj(o)) => Val::Int(o.len() as i64),
            Some(v) if v.is_unknown() => Val::derived(name, args),
            _ => err(name, "expects a string, an array or an object"),
        },
        "empty" => match a0 {
            Some(Val::Null) => Val::Bool(true),
            Some(Val::Str(s)) => Val::Bool(s.is_empty()),
            Some(Val::Arr(a)) => Val::Bool(a.is_empty()),
            Some(Val::Obj(o)) => Val::Bool(o.is_empty()),
            Some(Val::Part(segs))
                if segs
                    .iter()
                    .any(|s| matches!(s, Seg::Lit(l) if !l.is_empty())) =>
            {
                Val::Bool(false)
            }
            Some(v) if v.is_unknown() => Val::derived(name, args),
            _ => Val::Bool(false),
        },
        "contains" => match args {
            [Val::Str(s), Val::Str(f)] => Val::Bool(s.contains(&**f)),
            [Val::Str(s), v @ (Val::Int(_) | Val::Bool(_))] => {
                Val::Bool(s.contains(&v.render().unwrap_or_default()))
            }
            [Val::Part(segs), Val::Str(f)] => {
                if segs
                    .iter()
                    .any(|s| matches!(s, Seg::Lit(l) if l.contains(&**f)))
                {
                    Val::Bool(true)
                } else {
                    Val::derived(name, args)
                }
            }
            [Val::Arr(a), item] => {
                let mut budget = 100_000;
                let mut undecided = false;
                let mut found = false;
                for x in a.iter() {
                    match equals(x, item, &mut budget) {
                        Some(true) => {
                            found = true;
                            break;
                        }
                        None => undecided = true,
                        Some(false) => {}
                    }
                }
                if found {
                    Val::Bool(true)
                } else if undecided {
                    Val::derived(name, args)
                } else {
                    Val::Bool(false)
                }
            }
            [Val::Obj(o), Val::Str(k)] => Val::Bool(obj_get(o, k).is_some()),
            _ if any_unknown(args) => Val::derived(name, args),
            _ => Val::Bool(false),
        },
        "first" | "last" => match a0 {
            Some(Val::Arr(a)) => (if name == "first" { a.first() } else { a.last() })
                .cloned()
                .unwrap_or(Val::Null),
            Some(Val::Str(s)) => {
                let c = if name == "first" {
                    s.chars().next()
                } else {
                    s.chars().last()
                };
                Val::str(c.map(String::from).unwrap_or_default())
            }
            Some(v) if v.is_unknown() => Val::derived(name, args),
            _ => err(name, "expects an array or a string"),
        },
        "take" | "skip" => match args {
            [v, n] => {
                let n = match int_arg(name, n) {
                    Ok(n) => n.max(0) as usize,
                    Err(e) => return Some(e),
                };
                match v {
                    Val::Arr(a) => {
                        let k = n.min(a.len());
                        Val::arr(if name == "take" {
                            a[..k].to_vec()
                        } else {
                            a[k..].to_vec()
                        })
                    }
                    Val::Str(s) => Val::str(if name == "take" {
                        s.chars().take(n).collect::<String>()
                    } else {
                        s.chars().skip(n).collect::<String>()
                    }),
                    v if v.is_unknown() => Val::derived(name, args),
                    _ => err(name, "expects an array or a string"),
                }
            }
            _ => err(name, "needs two arguments"),
        },
        "join" => match args {
            [Val::Arr(a), Val::Str(d)] => {
                let mut b = StrBuild::new();
                for (i, x) in a.iter().enumerate() {
                    if i > 0 {
                        b.push_str(d);
                    }
                    if let Err(e) = b.push_val(&to_text(x)) {
                        return Some(err(name, e));
                    }
                }
                b.finish()
            }
            _ if any_unknown(args) => Val::derived(name, args),
            _ => err(name, "expects an array and a delimiter"),
        },
        "tryget" => tryget_fn(args),
        _ => return None,
    };
    Some(v)
}

/// New arrays and objects: from values, from others (merged, joined, flattened), and by a
/// lambda.
fn building(name: &str, args: &[Val], host: &mut dyn Host) -> Option<Val> {
    let a0 = args.first();
    let v = match name {
        "range" => match args {
            [s, c] => match (int_arg(name, s), int_arg(name, c)) {
                (Ok(s), Ok(c)) if (0..=MAX_RANGE).contains(&c) => match s.checked_add(c) {
                    Some(_) => Val::arr((s..s + c).map(Val::Int).collect()),
                    None => err(name, "overflow"),
                },
                (Ok(_), Ok(c)) => err(name, format!("count {c} is outside 0..{MAX_RANGE}")),
                (Err(e), _) | (_, Err(e)) => e,
            },
            _ => err(name, "needs a start and a count"),
        },
        "array" => match a0 {
            Some(Val::Arr(_)) => a0.cloned().unwrap_or(Val::Null),
            Some(v) if v.is_unknown() => Val::derived(name, args),
            Some(v) => Val::arr(vec![v.clone()]),
            None => err(name, "needs a value"),
        },
        "createarray" => {
            if args.len() > MAX_ARRAY {
                err(name, "too many elements")
            } else {
                Val::arr(args.to_vec())
            }
        }
        "createobject" => {
            if !args.len().is_multiple_of(2) {
                err(name, "needs key and value pairs")
            } else {
                let mut o = Obj::new();
                for pair in args.chunks(2) {
                    match &pair[0] {
                        Val::Str(k) => {
                            o.insert(k.to_string(), pair[1].clone());
                        }
                        k if k.is_unknown() => return Some(Val::derived(name, args)),
                        _ => return Some(err(name, "keys must be strings")),
                    }
                }
                Val::obj(o)
            }
        }
        "union" => union_fn(args),
        "intersection" => intersection_fn(args),
        "objectkeys" => match a0 {
            Some(Val::Obj(o)) => Val::arr(o.keys().map(|k| Val::str(k.as_str())).collect()),
            Some(v) if v.is_unknown() => Val::derived(name, args),
            _ => err(name, "expects an object"),
        },
        "items" => match a0 {
            Some(Val::Obj(o)) => {
                let mut entries: Vec<(&String, &Val)> = o.iter().collect();
                entries.sort_by_key(|(k, _)| k.to_lowercase());
                Val::arr(
                    entries
                        .into_iter()
                        .map(|(k, v)| {
                            let mut e = Obj::new();
                            e.insert("key".into(), Val::str(k.as_str()));
                            e.insert("value".into(), v.clone());
                            Val::obj(e)
                        })
                        .collect(),
                )
            }
            Some(v) if v.is_unknown() => Val::derived(name, args),
            _ => err(name, "expects an object"),
        },
        "shallowmerge" => match a0 {
            Some(Val::Arr(a)) => {
                let mut o = Obj::new();
                for x in a.iter() {
                    match x {
                        Val::Obj(xo) => {
                            for (k, v) in xo.iter() {
                                let existing =
                                    o.keys().find(|ek| ek.eq_ignore_ascii_case(k)).cloned();
                                o.insert(existing.unwrap_or_else(|| k.clone()), v.clone());
                            }
                        }
                        Val::Null => {}
                        v if v.is_unknown() => return Some(Val::derived(name, args)),
                        _ => return Some(err(name, "expects an array of objects")),
                    }
                }
                Val::obj(o)
            }
            Some(v) if v.is_unknown() => Val::derived(name, args),
            _ => err(name, "expects an array of objects"),
        },
        "flatten" => match a0 {
            Some(Val::Arr(a)) => {
                let mut out = Vec::new();
                for x in a.iter() {
                    match x {
                        Val::Arr(inner) => out.extend(inner.iter().cloned()),
                        v if v.is_unknown() => return Some(Val::derived(name, args)),
                        _ => return Some(err(name, "expects an array of arrays")),
                    }
                    if out.len() > MAX_ARRAY {
                        return Some(err(name, "the array is too long"));
                    }
                }
                Val::arr(out)
            }
            _ => Val::derived(name, args),
        },
        "map" | "filter" | "reduce" | "sort" | "toobject" | "mapvalues" | "groupby" => {
            lambda_fns(name, args, host)
        }
        _ => return None,
    };
    Some(v)
}
