//! Built-in template functions that depend only on their (evaluated) arguments.
//!
//! Functions that need the deployment (`parameters`, `variables`, `reference`, `resourceId`,
//! `copyIndex`, ...) and the lazy ones (`if`, `and`, `or`, `coalesce`) live in the engine.
//! Every function returns a value: an argument it cannot use makes the result unknown (the
//! reason names the first unknown argument), and an error (a bad argument, an index out of
//! range) is an unknown whose reason says what went wrong. None panics or loops unbounded.

use crate::hash;
use crate::value::{MAX_ARRAY, MAX_STR, Obj, Seg, StrBuild, Val, equals, obj_get};
use std::rc::Rc;

/// Largest `count` accepted by `range()` (Azure's limit).
const MAX_RANGE: i64 = 10_000;

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

fn format_fn(args: &[Val]) -> Val {
    let Some(fmt) = args.first() else {
        return err("format", "needs a format string");
    };
    let Some(fmt) = fmt.as_str() else {
        return if fmt.is_unknown() {
            Val::derived("format", args)
        } else {
            err("format", "the format is not a string")
        };
    };
    let mut b = StrBuild::new();
    let chars: Vec<char> = fmt.chars().collect();
    let mut i = 0;
    let mut lit = String::new();
    while i < chars.len() {
        match chars[i] {
            '{' if chars.get(i + 1) == Some(&'{') => {
                lit.push('{');
                i += 2;
            }
            '}' if chars.get(i + 1) == Some(&'}') => {
                lit.push('}');
                i += 2;
            }
            '{' => {
                let Some(close) = chars[i..].iter().position(|&c| c == '}') else {
                    return err("format", "unclosed `{` in the format");
                };
                let spec: String = chars[i + 1..i + close].iter().collect();
                let index = spec.split([':', ',']).next().unwrap_or("").trim();
                let Ok(n) = index.parse::<usize>() else {
                    return err("format", format!("bad placeholder `{{{spec}}}`"));
                };
                let Some(arg) = args.get(n.saturating_add(1)) else {
                    return err("format", format!("no argument for `{{{n}}}`"));
                };
                b.push_str(&std::mem::take(&mut lit));
                if let Err(e) = b.push_val(&to_text(arg)) {
                    return err("format", e);
                }
                i += close + 1;
            }
            c => {
                lit.push(c);
                i += 1;
            }
        }
    }
    b.push_str(&lit);
    b.finish()
}

fn concat_fn(args: &[Val]) -> Val {
    if args.iter().all(|a| matches!(a, Val::Arr(_) | Val::Null))
        && args.iter().any(|a| matches!(a, Val::Arr(_)))
    {
        let mut out = Vec::new();
        for a in args {
            if let Val::Arr(x) = a {
                out.extend(x.iter().cloned());
                if out.len() > MAX_ARRAY {
                    return err("concat", "the array is too long");
                }
            }
        }
        return Val::arr(out);
    }
    if args.iter().any(|a| matches!(a, Val::Arr(_))) {
        return if any_unknown(args) {
            Val::derived("concat", args)
        } else {
            err("concat", "mixes arrays and strings")
        };
    }
    let mut b = StrBuild::new();
    for a in args {
        if let Err(e) = b.push_val(&to_text(a)) {
            return err("concat", e);
        }
    }
    b.finish()
}

fn split_fn(args: &[Val]) -> Val {
    let (Some(s), Some(d)) = (args.first(), args.get(1)) else {
        return err("split", "needs a string and delimiters");
    };
    let delims: Vec<String> = match d {
        Val::Str(x) => vec![x.to_string()],
        Val::Arr(a) if a.iter().all(|x| x.as_str().is_some()) => a
            .iter()
            .filter_map(|x| x.as_str().map(String::from))
            .collect(),
        other if other.is_unknown() || contains_unknown(other, &mut 100) => {
            return Val::derived("split", args);
        }
        _ => return err("split", "the delimiter is not a string"),
    };
    if delims.iter().any(String::is_empty) {
        return err("split", "an empty delimiter");
    }
    let split_text = |t: &str| -> Vec<String> {
        let mut out = vec![String::new()];
        let mut rest = t;
        while !rest.is_empty() {
            if let Some(d) = delims.iter().find(|d| rest.starts_with(d.as_str())) {
                out.push(String::new());
                rest = &rest[d.len()..];
            } else {
                let c = rest.chars().next().unwrap_or_default();
                if let Some(last) = out.last_mut() {
                    last.push(c);
                }
                rest = &rest[c.len_utf8()..];
            }
        }
        out
    };
    match s {
        Val::Str(t) => {
            let parts = split_text(t);
            if parts.len() > MAX_ARRAY {
                return err("split", "too many pieces");
            }
            Val::arr(parts.into_iter().map(Val::str).collect())
        }
        Val::Part(segs) => {
            // An unknown part is taken to hold no delimiter (it stands for a name): the
            // pieces are the known text split around it, e.g. `vnet-⟨x⟩/default`.
            let mut pieces: Vec<StrBuild> = vec![StrBuild::new()];
            for seg in segs.iter() {
                match seg {
                    Seg::Lit(l) => {
                        let mut parts = split_text(l).into_iter();
                        if let (Some(first), Some(cur)) = (parts.next(), pieces.last_mut()) {
                            cur.push_str(&first);
                        }
                        for p in parts {
                            let mut b = StrBuild::new();
                            b.push_str(&p);
                            pieces.push(b);
                        }
                    }
                    Seg::Hole(u) => {
                        if let Some(cur) = pieces.last_mut() {
                            cur.push_hole(u.clone());
                        }
                    }
                }
                if pieces.len() > MAX_ARRAY {
                    return err("split", "too many pieces");
                }
            }
            Val::arr(pieces.into_iter().map(StrBuild::finish).collect())
        }
        other => {
            if other.is_unknown() {
                Val::derived("split", args)
            } else {
                err(
                    "split",
                    format!("expected a string, got a {}", other.type_name()),
                )
            }
        }
    }
}

fn substring_fn(args: &[Val]) -> Val {
    let Some(s) = args.first() else {
        return err("substring", "needs a string");
    };
    let start = match args
        .get(1)
        .map(|v| int_arg("substring", v))
        .unwrap_or(Ok(0))
    {
        Ok(v) => v,
        Err(e) => return e,
    };
    let len = match args.get(2).map(|v| int_arg("substring", v)).transpose() {
        Ok(v) => v,
        Err(e) => return e,
    };
    let take = |t: &str| -> Result<String, Val> {
        let n = t.chars().count() as i64;
        let l = len.unwrap_or(n - start);
        if start < 0 || l < 0 || start.checked_add(l).is_none_or(|end| end > n) {
            return Err(err(
                "substring",
                format!("start {start} and length {l} fall outside a string of {n} characters"),
            ));
        }
        Ok(t.chars().skip(start as usize).take(l as usize).collect())
    };
    match s {
        Val::Str(t) => take(t).map(Val::str).unwrap_or_else(|e| e),
        Val::Part(_) => {
            let prefix = s.known_prefix();
            match len {
                Some(l)
                    if start >= 0
                        && l >= 0
                        && start
                            .checked_add(l)
                            .is_some_and(|end| end <= prefix.chars().count() as i64) =>
                {
                    take(prefix).map(Val::str).unwrap_or_else(|e| e)
                }
                _ => Val::derived("substring", args),
            }
        }
        other if other.is_unknown() => Val::derived("substring", args),
        other => err(
            "substring",
            format!("expected a string, got a {}", other.type_name()),
        ),
    }
}

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

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for c in data.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        out.push(B64[(n >> 18) as usize & 63] as char);
        out.push(B64[(n >> 12) as usize & 63] as char);
        out.push(if c.len() > 1 {
            B64[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if c.len() > 2 {
            B64[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = 0u32;
    let mut bits = 0;
    for c in s.bytes().filter(|c| !c.is_ascii_whitespace() && *c != b'=') {
        let v = B64.iter().position(|&b| b == c)? as u32;
        buf = (buf << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    Some(out)
}

fn uri_component(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn uri_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let h = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(h, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn tryget_fn(args: &[Val]) -> Val {
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
    let a0 = args.first();
    let v = match name {
        "null" => Val::Null,
        "true" => Val::Bool(true),
        "false" => Val::Bool(false),
        "concat" => concat_fn(args),
        "format" => format_fn(args),
        "string" => a0
            .map(to_text)
            .unwrap_or_else(|| err(name, "needs a value")),
        "tolower" => a0
            .map(|v| map_known_text(v, name, str::to_lowercase))
            .unwrap_or_else(|| err(name, "needs a string")),
        "toupper" => a0
            .map(|v| map_known_text(v, name, str::to_uppercase))
            .unwrap_or_else(|| err(name, "needs a string")),
        "trim" => match a0 {
            Some(Val::Str(s)) => Val::str(s.trim()),
            _ => Val::derived(name, args),
        },
        "replace" => match args {
            [Val::Str(s), Val::Str(o), Val::Str(n)] if !o.is_empty() => {
                let r = s.replace(&**o, n);
                if r.len() > MAX_STR {
                    err(name, "the string is longer than 1 MiB")
                } else {
                    Val::str(r)
                }
            }
            [Val::Str(s), Val::Str(_), Val::Str(_)] => Val::Str(s.clone()),
            _ if any_unknown(args) => Val::derived(name, args),
            _ => err(name, "expects three strings"),
        },
        "split" => split_fn(args),
        "substring" => substring_fn(args),
        "padleft" => match args {
            [v, total, rest @ ..] => {
                let t = match int_arg(name, total) {
                    Ok(t) => t,
                    Err(e) => return Some(e),
                };
                if !(0..=MAX_STR as i64).contains(&t) {
                    return Some(err(name, "the width is out of range"));
                }
                let pad = match rest.first() {
                    Some(Val::Str(p)) => p.chars().next().unwrap_or(' '),
                    None => ' ',
                    Some(_) => return Some(Val::derived(name, args)),
                };
                match to_text(v) {
                    Val::Str(s) => {
                        let n = s.chars().count();
                        let padding: String =
                            std::iter::repeat_n(pad, (t as usize).saturating_sub(n)).collect();
                        Val::str(format!("{padding}{s}"))
                    }
                    _ => Val::derived(name, args),
                }
            }
            _ => err(name, "needs a value and a width"),
        },
        "startswith" | "endswith" => match args {
            [a, Val::Str(b)] => {
                let (known, complete) = match a {
                    Val::Str(s) => (s.to_lowercase(), true),
                    _ if name == "startswith" => (a.known_prefix().to_lowercase(), false),
                    _ => (a.known_suffix().to_lowercase(), false),
                };
                let b = b.to_lowercase();
                if !a.is_stringish() {
                    err(name, "expects strings")
                } else if complete || known.len() >= b.len() {
                    Val::Bool(if name == "startswith" {
                        known.starts_with(&b)
                    } else {
                        known.ends_with(&b)
                    })
                } else {
                    let compatible = if name == "startswith" {
                        b.starts_with(&known)
                    } else {
                        b.ends_with(&known)
                    };
                    if compatible {
                        Val::derived(name, args)
                    } else {
                        Val::Bool(false)
                    }
                }
            }
            _ if any_unknown(args) => Val::derived(name, args),
            _ => err(name, "expects two strings"),
        },
        "indexof" | "lastindexof" => match args {
            [Val::Str(s), Val::Str(f)] => {
                let (s, f) = (s.to_lowercase(), f.to_lowercase());
                let pos = if name == "indexof" {
                    s.find(&f)
                } else {
                    s.rfind(&f)
                };
                Val::Int(pos.map(|p| s[..p].chars().count() as i64).unwrap_or(-1))
            }
            [Val::Arr(a), item] => {
                let mut budget = 100_000;
                let mut found: Option<i64> = None;
                for (i, x) in a.iter().enumerate() {
                    match equals(x, item, &mut budget) {
                        Some(true) => {
                            found = Some(i as i64);
                            if name == "indexof" {
                                break;
                            }
                        }
                        None => return Some(Val::derived(name, args)),
                        Some(false) => {}
                    }
                }
                Val::Int(found.unwrap_or(-1))
            }
            _ if any_unknown(args) => Val::derived(name, args),
            _ => err(name, "expects a string or an array"),
        },
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
        "uniquestring" => {
            if args.is_empty() {
                err(name, "needs at least one string")
            } else if args.iter().all(|a| a.as_str().is_some()) {
                let strs: Vec<&str> = args.iter().filter_map(Val::as_str).collect();
                Val::str(hash::unique_string(&strs))
            } else if args.iter().all(Val::is_stringish) {
                let Val::Unk(u) = Val::derived(name, args) else {
                    return Some(err(name, "unreachable"));
                };
                Val::unknown_nonnull(u.reason.clone(), u.key)
            } else {
                err(name, "expects strings")
            }
        }
        "guid" => {
            if args.iter().all(|a| a.as_str().is_some()) && !args.is_empty() {
                let strs: Vec<&str> = args.iter().filter_map(Val::as_str).collect();
                Val::str(hash::guid(&strs))
            } else if any_unknown(args) {
                Val::derived(name, args)
            } else {
                err(name, "expects strings")
            }
        }
        "base64" => match a0 {
            Some(Val::Str(s)) => Val::str(base64_encode(s.as_bytes())),
            _ => Val::derived(name, args),
        },
        "base64tostring" => match a0 {
            Some(Val::Str(s)) => match base64_decode(s).and_then(|b| String::from_utf8(b).ok()) {
                Some(t) => Val::str(t),
                None => err(name, "not valid base64 text"),
            },
            _ => Val::derived(name, args),
        },
        "base64tojson" => match a0 {
            Some(Val::Str(s)) => match base64_decode(s)
                .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            {
                Some(j) => Val::from_json(&j),
                None => err(name, "not base64-encoded JSON"),
            },
            _ => Val::derived(name, args),
        },
        "datauri" => match a0 {
            Some(Val::Str(s)) => Val::str(format!(
                "data:text/plain;charset=utf8;base64,{}",
                base64_encode(s.as_bytes())
            )),
            _ => Val::derived(name, args),
        },
        "datauritostring" => match a0 {
            Some(Val::Str(s)) => match s
                .split_once(";base64,")
                .and_then(|(_, d)| base64_decode(d))
                .and_then(|b| String::from_utf8(b).ok())
            {
                Some(t) => Val::str(t),
                None => err(name, "not a base64 data URI"),
            },
            _ => Val::derived(name, args),
        },
        "uri" => match args {
            [Val::Str(base), Val::Str(rel)] => {
                if rel.contains("://") {
                    Val::Str(rel.clone())
                } else if let Some(r) = rel.strip_prefix('/') {
                    let root = base
                        .find("://")
                        .and_then(|i| base[i + 3..].find('/').map(|j| &base[..i + 3 + j]))
                        .unwrap_or(base);
                    Val::str(format!("{}/{r}", root.trim_end_matches('/')))
                } else {
                    let dir = base.rfind('/').map(|i| &base[..=i]).unwrap_or("");
                    Val::str(format!("{dir}{rel}"))
                }
            }
            _ => Val::derived(name, args),
        },
        "uricomponent" => match a0 {
            Some(Val::Str(s)) => Val::str(uri_component(s)),
            _ => Val::derived(name, args),
        },
        "uricomponenttostring" => match a0 {
            Some(Val::Str(s)) => uri_decode(s)
                .map(Val::str)
                .unwrap_or_else(|| err(name, "not a percent-encoded string")),
            _ => Val::derived(name, args),
        },
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
        "tryget" => tryget_fn(args),
        "map" | "filter" | "reduce" | "sort" | "toobject" | "mapvalues" | "groupby" => {
            lambda_fns(name, args, host)
        }
        n if RUNTIME_ONLY.contains(&n) => Val::derived(
            &format!("{name}() is known only when Azure deploys the template"),
            args,
        ),
        _ => return None,
    };
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct NoLambdas;
    impl Host for NoLambdas {
        fn call_lambda(&mut self, _: &crate::value::Lambda, args: &[Val]) -> Val {
            // A stand-in lambda: returns its first argument.
            args.first().cloned().unwrap_or(Val::Null)
        }
    }

    fn f(name: &str, args: Vec<Val>) -> Val {
        call(name, &args, &mut NoLambdas).expect("known function")
    }

    fn s(x: &str) -> Val {
        Val::str(x)
    }

    fn unk(x: &str) -> Val {
        Val::unknown_from(x)
    }

    #[test]
    fn string_functions() {
        assert_eq!(
            f("format", vec![s("{0}-{1}{{x}}"), s("a"), Val::Int(2)]).as_str(),
            Some("a-2{x}")
        );
        assert_eq!(
            f("format", vec![s("{0}"), Val::Bool(true)]).as_str(),
            Some("True")
        );
        assert_eq!(
            f("concat", vec![s("a"), s("b"), Val::Int(1)]).as_str(),
            Some("ab1")
        );
        assert_eq!(f("tolower", vec![s("AbC")]).as_str(), Some("abc"));
        assert_eq!(
            f("replace", vec![s("a-b-c"), s("-"), s("")]).as_str(),
            Some("abc")
        );
        assert_eq!(
            f("substring", vec![s("abcdef"), Val::Int(1), Val::Int(3)]).as_str(),
            Some("bcd")
        );
        assert!(f("substring", vec![s("abc"), Val::Int(2), Val::Int(5)]).is_unknown());
        assert_eq!(
            f("padleft", vec![Val::Int(7), Val::Int(3), s("0")]).as_str(),
            Some("007")
        );
        assert_eq!(f("trim", vec![s("  x ")]).as_str(), Some("x"));
        assert!(matches!(
            f("startswith", vec![s("Microsoft.Network"), s("microsoft")]),
            Val::Bool(true)
        ));
        assert!(matches!(
            f("endswith", vec![s("abc"), s("BC")]),
            Val::Bool(true)
        ));
        assert!(matches!(
            f("indexof", vec![s("abcABC"), s("C")]),
            Val::Int(2)
        ));
        assert!(matches!(
            f("lastindexof", vec![s("abcABC"), s("c")]),
            Val::Int(5)
        ));
        assert_eq!(
            f("string", vec![Val::arr(vec![Val::Int(1), s("a")])]).as_str(),
            Some("[1,\"a\"]")
        );
        assert_eq!(
            f("base64tostring", vec![f("base64", vec![s("hello")])]).as_str(),
            Some("hello")
        );
        assert_eq!(f("base64", vec![s("ab")]).as_str(), Some("YWI="));
        assert_eq!(
            f("datauritostring", vec![f("datauri", vec![s("hi")])]).as_str(),
            Some("hi")
        );
        assert_eq!(
            f("uri", vec![s("http://c.com/a/b.json"), s("c.json")]).as_str(),
            Some("http://c.com/a/c.json")
        );
        assert_eq!(
            f("uricomponent", vec![s("a b/c")]).as_str(),
            Some("a%20b%2Fc")
        );
        assert_eq!(
            f("uricomponenttostring", vec![s("a%20b")]).as_str(),
            Some("a b")
        );
        assert_eq!(
            f("join", vec![Val::arr(vec![s("a"), s("b")]), s(",")]).as_str(),
            Some("a,b")
        );
        assert_eq!(
            f("uniquestring", vec![s("hello"), s("world")]).as_str(),
            Some("a7wkljktk6wne")
        );
        assert_eq!(f("guid", vec![s("x")]).as_str().map(str::len), Some(36));
    }

    #[test]
    fn split_keeps_certain_pieces_of_unknown_strings() {
        let v = f("split", vec![s("a/b/c"), s("/")]);
        let Val::Arr(a) = &v else { panic!("{v:?}") };
        assert_eq!(a.len(), 3);
        let multi = f("split", vec![s("a,b;c"), Val::arr(vec![s(","), s(";")])]);
        assert!(matches!(&multi, Val::Arr(a) if a.len() == 3));
        let mut b = StrBuild::new();
        b.push_str(
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/",
        );
        b.push_hole(Rc::new(crate::value::Unk {
            key: 1,
            reason: "r".into(),
            nonnull: false,
        }));
        b.push_str("/subnets/default");
        let id = b.finish();
        let parts = f("split", vec![id.clone(), s("/")]);
        assert_eq!(f("first", vec![parts.clone()]).as_str(), Some(""));
        assert_eq!(f("last", vec![parts.clone()]).as_str(), Some("default"));
        assert_eq!(tryget_fn(&[parts.clone(), Val::Int(2)]).as_str(), Some("s"));
        // The unknown name is one piece, kept with its identity.
        assert!(tryget_fn(&[parts.clone(), Val::Int(8)]).is_unknown());
        assert!(matches!(&parts, Val::Arr(a) if a.len() == 11));
        // Bicep's parent/child pattern: split(format('{0}/{1}', parent, child), '/')[0].
        let pc = f(
            "format",
            vec![
                s("{0}/{1}"),
                f("format", vec![s("vnet-{0}"), unk("p")]),
                s("snet"),
            ],
        );
        let halves = f("split", vec![pc, s("/")]);
        let Val::Arr(h) = &halves else {
            panic!("{halves:?}")
        };
        assert_eq!(h[0].known_prefix(), "vnet-");
        assert_eq!(h[1].as_str(), Some("snet"));
        assert!(matches!(f("empty", vec![id.clone()]), Val::Bool(false)));
        assert!(matches!(
            f("startswith", vec![id.clone(), s("/subscriptions/")]),
            Val::Bool(true)
        ));
        assert!(matches!(
            f("contains", vec![id, s("/subnets/")]),
            Val::Bool(true)
        ));
    }

    #[test]
    fn logic_comparison_and_numbers() {
        assert!(matches!(f("equals", vec![s("a"), s("a")]), Val::Bool(true)));
        assert!(matches!(
            f("equals", vec![s("a"), s("A")]),
            Val::Bool(false)
        ));
        assert!(f("equals", vec![unk("x"), s("a")]).is_unknown());
        assert!(matches!(f("not", vec![Val::Bool(false)]), Val::Bool(true)));
        assert!(matches!(f("bool", vec![s("True")]), Val::Bool(true)));
        assert!(matches!(
            f("less", vec![Val::Int(1), Val::Int(2)]),
            Val::Bool(true)
        ));
        assert!(matches!(
            f("greaterorequals", vec![s("b"), s("a")]),
            Val::Bool(true)
        ));
        assert!(matches!(
            f("add", vec![Val::Int(1), Val::Int(2)]),
            Val::Int(3)
        ));
        assert!(matches!(
            f("mod", vec![Val::Int(7), Val::Int(3)]),
            Val::Int(1)
        ));
        assert!(f("div", vec![Val::Int(1), Val::Int(0)]).is_unknown());
        assert!(f("add", vec![Val::Int(i64::MAX), Val::Int(1)]).is_unknown());
        assert!(matches!(
            f("max", vec![Val::arr(vec![Val::Int(1), Val::Int(9)])]),
            Val::Int(9)
        ));
        assert!(matches!(
            f("min", vec![Val::Int(4), Val::Int(2)]),
            Val::Int(2)
        ));
        assert!(matches!(f("int", vec![s("42")]), Val::Int(42)));
        assert!(matches!(&f("range", vec![Val::Int(2), Val::Int(3)]), Val::Arr(a) if a.len() == 3));
        assert!(f("range", vec![Val::Int(0), Val::Int(1_000_000)]).is_unknown());
    }

    #[test]
    fn arrays_and_objects() {
        let o = |pairs: &[(&str, Val)]| {
            Val::obj(
                pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.clone()))
                    .collect(),
            )
        };
        let a = o(&[("x", Val::Int(1)), ("n", o(&[("p", Val::Int(1))]))]);
        let b = o(&[("y", Val::Int(2)), ("n", o(&[("q", Val::Int(2))]))]);
        let u = f("union", vec![a.clone(), b.clone()]);
        assert!(matches!(
            u.get("n").and_then(|n| n.get("p")),
            Some(Val::Int(1))
        ));
        assert!(matches!(
            u.get("n").and_then(|n| n.get("q")),
            Some(Val::Int(2))
        ));
        let sm = f("shallowmerge", vec![Val::arr(vec![a.clone(), b])]);
        assert!(sm.get("n").and_then(|n| n.get("p")).is_none());
        let arr_u = f(
            "union",
            vec![
                Val::arr(vec![Val::Int(1), Val::Int(2)]),
                Val::arr(vec![Val::Int(2), Val::Int(3)]),
            ],
        );
        assert!(matches!(&arr_u, Val::Arr(x) if x.len() == 3));
        let inter = f(
            "intersection",
            vec![
                Val::arr(vec![Val::Int(1), Val::Int(2)]),
                Val::arr(vec![Val::Int(2)]),
            ],
        );
        assert!(matches!(&inter, Val::Arr(x) if x.len() == 1));
        assert!(matches!(&f("objectkeys", vec![a.clone()]), Val::Arr(x) if x.len() == 2));
        let items = f("items", vec![o(&[("b", Val::Int(1)), ("a", Val::Int(2))])]);
        assert_eq!(
            f("first", vec![items]).get("key").and_then(Val::as_str),
            Some("a")
        );
        assert!(matches!(
            f("contains", vec![a.clone(), s("X")]),
            Val::Bool(true)
        ));
        assert!(matches!(f("length", vec![a.clone()]), Val::Int(2)));
        assert!(matches!(
            f("empty", vec![Val::arr(vec![])]),
            Val::Bool(true)
        ));
        assert!(matches!(
            f("tryget", vec![a.clone(), s("n"), s("p")]),
            Val::Int(1)
        ));
        assert!(matches!(
            f("tryget", vec![a.clone(), s("missing")]),
            Val::Null
        ));
        assert!(matches!(f("tryget", vec![Val::Null, s("x")]), Val::Null));
        assert!(matches!(
            f("coalesce", vec![Val::Null, Val::Int(3)]),
            Val::Int(3)
        ));
        assert!(f("coalesce", vec![unk("x"), Val::Int(3)]).is_unknown());
        assert!(matches!(f("json", vec![s("null")]), Val::Null));
        assert!(matches!(
            f("json", vec![s("{\"a\": 1}")]).get("a"),
            Some(Val::Int(1))
        ));
        assert!(f("json", vec![s("{")]).is_unknown());
        assert!(
            matches!(&f("take", vec![Val::arr(vec![Val::Int(1), Val::Int(2)]), Val::Int(1)]), Val::Arr(x) if x.len() == 1)
        );
        assert_eq!(f("skip", vec![s("abc"), Val::Int(1)]).as_str(), Some("bc"));
        assert!(matches!(&f("array", vec![Val::Int(1)]), Val::Arr(x) if x.len() == 1));
        assert!(
            matches!(&f("flatten", vec![Val::arr(vec![Val::arr(vec![Val::Int(1)]), Val::arr(vec![Val::Int(2)])])]), Val::Arr(x) if x.len() == 2)
        );
        assert!(matches!(
            f("createobject", vec![s("k"), Val::Int(1)]).get("k"),
            Some(Val::Int(1))
        ));
        assert!(
            matches!(&f("createarray", vec![Val::Int(1), Val::Int(2)]), Val::Arr(x) if x.len() == 2)
        );
    }

    #[test]
    fn unknowns_propagate_and_runtime_functions_are_unknown() {
        let x = unk("parameters('x')");
        let lower = f("tolower", vec![x.clone()]);
        assert_eq!(lower.unknown_reason().as_deref(), Some("parameters('x')"));
        let fmt = f("format", vec![s("vnet-{0}"), x.clone()]);
        assert_eq!(fmt.known_prefix(), "vnet-");
        assert!(f("length", vec![x.clone()]).is_unknown());
        assert!(f("utcnow", vec![]).is_unknown());
        assert!(
            f("newguid", vec![])
                .unknown_reason()
                .unwrap()
                .contains("only when Azure deploys")
        );
        assert!(call("nosuchfunction", &[], &mut NoLambdas).is_none());
    }
}
