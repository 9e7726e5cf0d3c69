//! Terraform's built-in functions, as far as deployments of networks use them.
//!
//! Unknown arguments propagate: most functions need their arguments fully known and return an
//! unknown otherwise; structural ones (`length`, `concat`, `merge`, `keys`, `element`, ...) only
//! need the collection itself known, so a list of unknown ids still has a known length.
//! Functions whose result depends on the machine or the moment (`timestamp`, `uuid`, `file`)
//! yield unknowns. Every result is bounded in size.

use crate::eval::{Evaluator, MAX_COLLECTION, MAX_STRING, R, err, get_attr_of};
use crate::types::make_set;
use crate::value::{Loc, Unk, Value, fmt_number};
use ipnet::IpNet;
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::rc::Rc;

/// Functions that need only their collections known, not every element.
const SHALLOW: &[&str] = &[
    "length",
    "concat",
    "merge",
    "keys",
    "values",
    "element",
    "lookup",
    "tolist",
    "tomap",
    "flatten",
    "one",
    "reverse",
    "slice",
    "setproduct",
    "coalescelist",
    "chunklist",
    "zipmap",
    "nonsensitive",
    "sensitive",
    "coalesce",
    "contains",
    "compact",
];

/// Calls a built-in function on evaluated arguments.
pub fn call(ev: &mut Evaluator, name: &str, args: Vec<Value>, at: &Loc) -> R<Value> {
    if matches!(name, "format" | "join")
        && let Some(v) = with_known_text(ev, name, &args, at)
    {
        return Ok(v);
    }
    if let Some(u) = args.iter().find(|a| a.is_unknown())
        && name != "coalesce"
    {
        return Ok(derived(u));
    }
    if name == "jsonencode"
        && let [v] = args.as_slice()
        && let Some(u) = v.deep_unknown()
    {
        // The text is unknown, but its shape is not: an azapi body written with jsonencode()
        // keeps its known properties and the ids it holds.
        return Ok(Value::Unknown(Rc::new(Unk {
            reason: u.reason.clone(),
            at: u.at.clone(),
            origin: None,
            partial: Some(v.to_json().to_string().into()),
            instance: None,
        })));
    }
    if !SHALLOW.contains(&name)
        && let Some(u) = args.iter().find_map(Value::deep_unknown)
    {
        return Ok(derived(&Value::Unknown(u.clone())));
    }
    let r = dispatch(ev, name, &args, at)?;
    if let Value::String(s) = &r
        && s.len() > MAX_STRING
    {
        return err(
            format!("{name}() produced a string longer than {MAX_STRING} bytes"),
            at,
        );
    }
    Ok(r)
}

/// `format()` and `join()` over unknown strings, as string templates are: the result is
/// unknown but keeps its known text with the unknown parts marked (an id built with
/// `format("/subscriptions/%s/...", data.azurerm_client_config.current.subscription_id)` still
/// names its resource). `None` when no string part is unknown or the call fails with marks.
fn with_known_text(ev: &mut Evaluator, name: &str, args: &[Value], at: &Loc) -> Option<Value> {
    let mut first: Option<Rc<Unk>> = None;
    let mut mark = |v: &Value| -> Value {
        match v {
            Value::Unknown(u) => {
                first.get_or_insert_with(|| u.clone());
                Value::String(u.marker())
            }
            other => other.clone(),
        }
    };
    let marked: Vec<Value> = match name {
        // The separator and the list's elements.
        "join" => args
            .iter()
            .map(|a| match a {
                Value::List(l) => Value::list(l.iter().map(&mut mark).collect()),
                other => other.clone(),
            })
            .collect(),
        // The format string itself must be known.
        _ => std::iter::once(args.first()?.clone())
            .chain(args.iter().skip(1).map(&mut mark))
            .collect(),
    };
    let u = first?;
    if marked.iter().any(|a| a.deep_unknown().is_some()) {
        return None;
    }
    match dispatch(ev, name, &marked, at) {
        Ok(Value::String(s)) => Some(Value::Unknown(Rc::new(Unk {
            reason: u.reason.clone(),
            at: u.at.clone(),
            origin: None,
            partial: Some(s.into()),
            instance: None,
        }))),
        _ => None,
    }
}

/// An unknown computed from another: same reason and place, no longer the raw attribute.
fn derived(u: &Value) -> Value {
    match u {
        Value::Unknown(x) => Value::Unknown(Rc::new(Unk {
            reason: x.reason.clone(),
            at: x.at.clone(),
            origin: None,
            partial: None,
            instance: None,
        })),
        other => other.clone(),
    }
}

fn arity(name: &str, args: &[Value], min: usize, max: usize, at: &Loc) -> R<()> {
    if args.len() < min || args.len() > max {
        let want = if min == max {
            format!("{min}")
        } else if max == usize::MAX {
            format!("at least {min}")
        } else {
            format!("{min} to {max}")
        };
        return err(
            format!("{name}() takes {want} argument(s), not {}", args.len()),
            at,
        );
    }
    Ok(())
}

fn s<'a>(name: &str, v: &'a Value, at: &Loc) -> R<String> {
    let _: &'a Value = v;
    v.to_tf_string().map_or_else(
        || {
            err(
                format!("{name}() expects a string, not {}", v.type_name()),
                at,
            )
        },
        Ok,
    )
}

fn n(name: &str, v: &Value, at: &Loc) -> R<f64> {
    v.to_number().map_or_else(
        || err(format!("{name}() expects a number, not {}", v.brief()), at),
        Ok,
    )
}

fn int(name: &str, v: &Value, at: &Loc) -> R<i64> {
    let x = n(name, v, at)?;
    if x.fract() != 0.0 || x.abs() > 9.0e15 {
        return err(
            format!("{name}() expects a whole number, not {}", v.brief()),
            at,
        );
    }
    Ok(x as i64)
}

fn list<'a>(name: &str, v: &'a Value, at: &Loc) -> R<&'a [Value]> {
    match v {
        Value::List(l) => Ok(l),
        other => err(
            format!("{name}() expects a list, not {}", other.type_name()),
            at,
        ),
    }
}

fn map<'a>(name: &str, v: &'a Value, at: &Loc) -> R<&'a BTreeMap<String, Value>> {
    v.as_map().map_or_else(
        || err(format!("{name}() expects a map, not {}", v.type_name()), at),
        Ok,
    )
}

fn bounded(name: &str, len: usize, at: &Loc) -> R<()> {
    if len > MAX_COLLECTION {
        return err(
            format!("{name}() would build {len} elements; moat's limit is {MAX_COLLECTION}"),
            at,
        );
    }
    Ok(())
}

fn regex(name: &str, pattern: &str, at: &Loc) -> R<regex::Regex> {
    regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .dfa_size_limit(1 << 20)
        .build()
        .or_else(|e| err(format!("{name}(): invalid regular expression: {e}"), at))
}

fn dispatch(ev: &mut Evaluator, name: &str, a: &[Value], at: &Loc) -> R<Value> {
    let f = name;
    match f {
        // ---- strings ----
        "format" => {
            arity(f, a, 1, usize::MAX, at)?;
            Ok(Value::String(format_verbs(&s(f, &a[0], at)?, &a[1..], at)?))
        }
        "formatlist" => {
            arity(f, a, 1, usize::MAX, at)?;
            let spec = s(f, &a[0], at)?;
            let len = a[1..]
                .iter()
                .filter_map(Value::as_list)
                .map(<[Value]>::len)
                .max();
            let Some(len) = len else {
                return Ok(Value::list(vec![Value::String(format_verbs(
                    &spec,
                    &a[1..],
                    at,
                )?)]));
            };
            let mut out = Vec::with_capacity(len);
            for i in 0..len {
                let row: Vec<Value> = a[1..]
                    .iter()
                    .map(|x| match x {
                        Value::List(l) => l
                            .get(i)
                            .cloned()
                            .map_or_else(|| err("formatlist() lists differ in length", at), Ok),
                        other => Ok(other.clone()),
                    })
                    .collect::<R<_>>()?;
                out.push(Value::String(format_verbs(&spec, &row, at)?));
            }
            Ok(Value::list(out))
        }
        "join" => {
            arity(f, a, 2, usize::MAX, at)?;
            let sep = s(f, &a[0], at)?;
            let mut parts = Vec::new();
            for l in &a[1..] {
                for x in list(f, l, at)? {
                    parts.push(s(f, x, at)?);
                }
            }
            Ok(Value::String(parts.join(&sep)))
        }
        "split" => {
            arity(f, a, 2, 2, at)?;
            let (sep, text) = (s(f, &a[0], at)?, s(f, &a[1], at)?);
            if text.is_empty() {
                return Ok(Value::list(vec![Value::str("")]));
            }
            let parts: Vec<Value> = if sep.is_empty() {
                text.chars().map(|c| Value::String(c.to_string())).collect()
            } else {
                text.split(sep.as_str()).map(Value::str).collect()
            };
            bounded(f, parts.len(), at)?;
            Ok(Value::list(parts))
        }
        "lower" => one_str(f, a, at, |x| x.to_lowercase()),
        "upper" => one_str(f, a, at, |x| x.to_uppercase()),
        "title" => one_str(f, a, at, |x| {
            let mut out = String::with_capacity(x.len());
            let mut start = true;
            for c in x.chars() {
                if start && c.is_alphabetic() {
                    out.extend(c.to_uppercase());
                } else {
                    out.push(c);
                }
                start = !c.is_alphanumeric();
            }
            out
        }),
        "strrev" => one_str(f, a, at, |x| x.chars().rev().collect()),
        "trimspace" => one_str(f, a, at, |x| x.trim().to_string()),
        "chomp" => one_str(f, a, at, |x| x.trim_end_matches(['\n', '\r']).to_string()),
        "trimprefix" | "trimsuffix" | "trim" => {
            arity(f, a, 2, 2, at)?;
            let (x, p) = (s(f, &a[0], at)?, s(f, &a[1], at)?);
            Ok(Value::String(match f {
                "trimprefix" => x.strip_prefix(p.as_str()).unwrap_or(&x).to_string(),
                "trimsuffix" => x.strip_suffix(p.as_str()).unwrap_or(&x).to_string(),
                _ => x.trim_matches(|c| p.contains(c)).to_string(),
            }))
        }
        "startswith" | "endswith" | "strcontains" => {
            arity(f, a, 2, 2, at)?;
            let (x, p) = (s(f, &a[0], at)?, s(f, &a[1], at)?);
            Ok(Value::Bool(match f {
                "startswith" => x.starts_with(&p),
                "endswith" => x.ends_with(&p),
                _ => x.contains(&p),
            }))
        }
        "replace" => {
            arity(f, a, 3, 3, at)?;
            let (x, from, to) = (s(f, &a[0], at)?, s(f, &a[1], at)?, s(f, &a[2], at)?);
            if from.len() >= 2 && from.starts_with('/') && from.ends_with('/') {
                let re = regex(f, &from[1..from.len() - 1], at)?;
                return Ok(Value::String(re.replace_all(&x, to.as_str()).into_owned()));
            }
            if from.is_empty() {
                return Ok(Value::String(x));
            }
            Ok(Value::String(x.replace(&from, &to)))
        }
        "substr" => {
            arity(f, a, 3, 3, at)?;
            let x = s(f, &a[0], at)?;
            let (off, len) = (int(f, &a[1], at)?, int(f, &a[2], at)?);
            let chars: Vec<char> = x.chars().collect();
            let total = chars.len() as i64;
            let start = if off < 0 {
                (total + off).max(0)
            } else {
                off.min(total)
            };
            let end = if len < 0 {
                total
            } else {
                (start + len).min(total)
            };
            Ok(Value::String(
                chars[start as usize..end.max(start) as usize]
                    .iter()
                    .collect(),
            ))
        }
        "regex" | "regexall" => {
            arity(f, a, 2, 2, at)?;
            let (pat, x) = (s(f, &a[0], at)?, s(f, &a[1], at)?);
            let re = regex(f, &pat, at)?;
            let shape = |c: regex::Captures| -> Value {
                let names: Vec<Option<&str>> = re.capture_names().skip(1).collect();
                if names.is_empty() {
                    Value::str(c.get(0).map_or("", |m| m.as_str()))
                } else if names.iter().any(Option::is_some) {
                    Value::map(
                        names
                            .iter()
                            .flatten()
                            .map(|n| {
                                (
                                    n.to_string(),
                                    c.name(n).map_or(Value::Null, |m| Value::str(m.as_str())),
                                )
                            })
                            .collect(),
                    )
                } else {
                    Value::list(
                        (1..c.len())
                            .map(|i| c.get(i).map_or(Value::Null, |m| Value::str(m.as_str())))
                            .collect(),
                    )
                }
            };
            if f == "regex" {
                match re.captures(&x) {
                    Some(c) => Ok(shape(c)),
                    None => err(format!("regex(): pattern {pat:?} does not match {x:?}"), at),
                }
            } else {
                let all: Vec<Value> = re
                    .captures_iter(&x)
                    .take(MAX_COLLECTION)
                    .map(shape)
                    .collect();
                Ok(Value::list(all))
            }
        }
        "urlencode" => one_str(f, a, at, |x| {
            x.bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect()
        }),
        "base64encode" => one_str(f, a, at, |x| base64_encode(x.as_bytes())),
        "base64decode" => {
            arity(f, a, 1, 1, at)?;
            let x = s(f, &a[0], at)?;
            match base64_decode(&x).and_then(|b| String::from_utf8(b).ok()) {
                Some(t) => Ok(Value::String(t)),
                None => err("base64decode(): not valid base64 of UTF-8 text", at),
            }
        }
        "basename" => one_str(f, a, at, |x| {
            x.trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or("")
                .to_string()
        }),
        "dirname" => one_str(f, a, at, |x| {
            match x.trim_end_matches('/').rsplit_once('/') {
                Some(("", _)) => "/".into(),
                Some((d, _)) => d.to_string(),
                None => ".".into(),
            }
        }),
        "indent" => {
            arity(f, a, 2, 2, at)?;
            let k = int(f, &a[0], at)?.clamp(0, 1024) as usize;
            let x = s(f, &a[1], at)?;
            Ok(Value::String(
                x.replace('\n', &format!("\n{}", " ".repeat(k))),
            ))
        }

        // ---- numbers ----
        "min" | "max" => {
            arity(f, a, 1, usize::MAX, at)?;
            let nums: Vec<f64> = a.iter().map(|x| n(f, x, at)).collect::<R<_>>()?;
            let r = if f == "min" {
                nums.iter().copied().fold(f64::INFINITY, f64::min)
            } else {
                nums.iter().copied().fold(f64::NEG_INFINITY, f64::max)
            };
            Ok(Value::Number(r))
        }
        "abs" => one_num(f, a, at, f64::abs),
        "ceil" => one_num(f, a, at, f64::ceil),
        "floor" => one_num(f, a, at, f64::floor),
        "signum" => one_num(f, a, at, |x| if x == 0.0 { 0.0 } else { x.signum() }),
        "pow" => {
            arity(f, a, 2, 2, at)?;
            let r = n(f, &a[0], at)?.powf(n(f, &a[1], at)?);
            if r.is_finite() {
                Ok(Value::Number(r))
            } else {
                err("pow(): result out of range", at)
            }
        }
        "log" => {
            arity(f, a, 2, 2, at)?;
            let r = n(f, &a[0], at)?.log(n(f, &a[1], at)?);
            if r.is_finite() {
                Ok(Value::Number(r))
            } else {
                err("log(): result out of range", at)
            }
        }
        "parseint" => {
            arity(f, a, 2, 2, at)?;
            let x = s(f, &a[0], at)?;
            let base = int(f, &a[1], at)?;
            if !(2..=62).contains(&base) || base > 36 {
                return err("parseint(): base must be 2 to 36", at);
            }
            i64::from_str_radix(&x, base as u32)
                .map(|v| Value::Number(v as f64))
                .or_else(|_| err(format!("parseint(): {x:?} is not a base-{base} number"), at))
        }
        "sum" => {
            arity(f, a, 1, 1, at)?;
            let l = list(f, &a[0], at)?;
            if l.is_empty() {
                return err("sum() of an empty list", at);
            }
            Ok(Value::Number(
                l.iter().map(|x| n(f, x, at)).sum::<R<f64>>()?,
            ))
        }
        "range" => {
            arity(f, a, 1, 3, at)?;
            let nums: Vec<f64> = a.iter().map(|x| n(f, x, at)).collect::<R<_>>()?;
            let (start, end, step) = match nums.as_slice() {
                [e] => (0.0, *e, 1.0),
                [s0, e] => (*s0, *e, if e >= s0 { 1.0 } else { -1.0 }),
                [s0, e, st] => (*s0, *e, *st),
                _ => return err("range() takes 1 to 3 arguments", at),
            };
            if step == 0.0 || (step > 0.0 && end < start) || (step < 0.0 && end > start) {
                return if step == 0.0 {
                    err("range(): step must not be zero", at)
                } else {
                    Ok(Value::list(Vec::new()))
                };
            }
            let count = ((end - start) / step).ceil();
            if count > MAX_COLLECTION as f64 {
                return err(
                    format!(
                        "range() would build {count} elements; moat's limit is {MAX_COLLECTION}"
                    ),
                    at,
                );
            }
            Ok(Value::list(
                (0..count as usize)
                    .map(|i| Value::Number(start + step * i as f64))
                    .collect(),
            ))
        }

        // ---- collections ----
        "length" => {
            arity(f, a, 1, 1, at)?;
            Ok(Value::Number(match &a[0] {
                Value::String(x) => x.chars().count(),
                Value::List(l) => l.len(),
                v @ (Value::Map(_) | Value::Res(_)) => v.as_map().map_or(0, BTreeMap::len),
                other => return err(format!("length() of a {}", other.type_name()), at),
            } as f64))
        }
        "concat" => {
            let mut out = Vec::new();
            for l in a {
                out.extend(list(f, l, at)?.iter().cloned());
                bounded(f, out.len(), at)?;
            }
            Ok(Value::list(out))
        }
        "merge" => {
            let mut out = BTreeMap::new();
            for m in a {
                if m.is_null() {
                    continue;
                }
                for (k, v) in map(f, m, at)? {
                    out.insert(k.clone(), v.clone());
                }
            }
            Ok(Value::map(out))
        }
        "keys" => {
            arity(f, a, 1, 1, at)?;
            Ok(Value::list(
                map(f, &a[0], at)?
                    .keys()
                    .map(|k| Value::str(k.clone()))
                    .collect(),
            ))
        }
        "values" => {
            arity(f, a, 1, 1, at)?;
            Ok(Value::list(map(f, &a[0], at)?.values().cloned().collect()))
        }
        "lookup" => {
            arity(f, a, 2, 3, at)?;
            if let Some(u) = a[1].deep_unknown() {
                return Ok(derived(&Value::Unknown(u.clone())));
            }
            let k = s(f, &a[1], at)?;
            match (map(f, &a[0], at)?.get(&k), a.get(2)) {
                (Some(v), _) => Ok(v.clone()),
                (None, Some(d)) => match &a[0] {
                    Value::Res(_) => Ok(get_attr_of(&a[0], &k, at)?),
                    _ => Ok(d.clone()),
                },
                (None, None) => err(format!("lookup(): the map has no key {k:?}"), at),
            }
        }
        "element" => {
            arity(f, a, 2, 2, at)?;
            let l = list(f, &a[0], at)?;
            if let Some(u) = a[1].deep_unknown() {
                return Ok(derived(&Value::Unknown(u.clone())));
            }
            let i = int(f, &a[1], at)?;
            if l.is_empty() {
                return err("element() of an empty list", at);
            }
            if i < 0 {
                return err("element(): the index must not be negative", at);
            }
            Ok(l[(i as usize) % l.len()].clone())
        }
        "index" => {
            arity(f, a, 2, 2, at)?;
            let l = list(f, &a[0], at)?;
            match l.iter().position(|x| x.tf_eq(&a[1]) == Some(true)) {
                Some(i) => Ok(Value::Number(i as f64)),
                None => err(format!("index(): {} is not in the list", a[1].brief()), at),
            }
        }
        "contains" => {
            arity(f, a, 2, 2, at)?;
            let l = list(f, &a[0], at)?;
            if let Some(u) = a[1].deep_unknown() {
                return Ok(derived(&Value::Unknown(u.clone())));
            }
            let mut unknown = None;
            for x in l {
                match x.tf_eq(&a[1]) {
                    Some(true) => return Ok(Value::Bool(true)),
                    None => unknown = Some(x.clone()),
                    Some(false) => {}
                }
            }
            Ok(unknown.map_or(Value::Bool(false), |u| {
                derived(&Value::Unknown(u.deep_unknown().cloned().unwrap_or_else(
                    || {
                        Rc::new(Unk {
                            reason: "unknown element".into(),
                            at: at.clone(),
                            origin: None,
                            partial: None,
                            instance: None,
                        })
                    },
                )))
            }))
        }
        "distinct" => {
            arity(f, a, 1, 1, at)?;
            let mut out: Vec<Value> = Vec::new();
            for x in list(f, &a[0], at)? {
                if !out.iter().any(|y| y.tf_eq(x) == Some(true)) {
                    out.push(x.clone());
                }
            }
            Ok(Value::list(out))
        }
        "flatten" => {
            arity(f, a, 1, 1, at)?;
            let mut out = Vec::new();
            match flatten_into(&a[0], &mut out, 0, at)? {
                Some(u) => Ok(u),
                None => Ok(Value::list(out)),
            }
        }
        "compact" => {
            arity(f, a, 1, 1, at)?;
            let l = list(f, &a[0], at)?;
            if let Some(u) = l.iter().find(|x| x.is_unknown()) {
                return Ok(derived(u));
            }
            Ok(Value::list(
                l.iter()
                    .filter(|x| !x.is_null() && x.as_str() != Some(""))
                    .cloned()
                    .collect(),
            ))
        }
        "one" => {
            arity(f, a, 1, 1, at)?;
            match &a[0] {
                Value::Null => Ok(Value::Null),
                v => {
                    let items: Vec<Value> = match v {
                        Value::List(l) => l.to_vec(),
                        Value::Map(_) | Value::Res(_) => v
                            .as_map()
                            .map(|m| m.values().cloned().collect())
                            .unwrap_or_default(),
                        other => return err(format!("one() of a {}", other.type_name()), at),
                    };
                    match items.len() {
                        0 => Ok(Value::Null),
                        1 => Ok(items[0].clone()),
                        k => err(format!("one() of a collection of {k} elements"), at),
                    }
                }
            }
        }
        "reverse" => {
            arity(f, a, 1, 1, at)?;
            Ok(Value::list(
                list(f, &a[0], at)?.iter().rev().cloned().collect(),
            ))
        }
        "sort" => {
            arity(f, a, 1, 1, at)?;
            let mut v: Vec<String> = list(f, &a[0], at)?
                .iter()
                .map(|x| s(f, x, at))
                .collect::<R<_>>()?;
            v.sort();
            Ok(Value::list(v.into_iter().map(Value::String).collect()))
        }
        "slice" => {
            arity(f, a, 3, 3, at)?;
            let l = list(f, &a[0], at)?;
            let (st, en) = (int(f, &a[1], at)?, int(f, &a[2], at)?);
            if st < 0 || en < st || en as usize > l.len() {
                return err(
                    format!(
                        "slice(): [{st}, {en}) is out of range for {} elements",
                        l.len()
                    ),
                    at,
                );
            }
            Ok(Value::list(l[st as usize..en as usize].to_vec()))
        }
        "chunklist" => {
            arity(f, a, 2, 2, at)?;
            let l = list(f, &a[0], at)?;
            let k = int(f, &a[1], at)?;
            if k < 0 {
                return err("chunklist(): size must not be negative", at);
            }
            if k == 0 {
                return Ok(Value::list(vec![Value::list(l.to_vec())]));
            }
            Ok(Value::list(
                l.chunks(k as usize)
                    .map(|c| Value::list(c.to_vec()))
                    .collect(),
            ))
        }
        "zipmap" => {
            arity(f, a, 2, 2, at)?;
            let (ks, vs) = (list(f, &a[0], at)?, list(f, &a[1], at)?);
            if ks.len() != vs.len() {
                return err("zipmap(): the lists differ in length", at);
            }
            if let Some(u) = ks.iter().find_map(Value::deep_unknown) {
                return Ok(derived(&Value::Unknown(u.clone())));
            }
            let mut m = BTreeMap::new();
            for (k, v) in ks.iter().zip(vs) {
                m.insert(s(f, k, at)?, v.clone());
            }
            Ok(Value::map(m))
        }
        "setproduct" => {
            let lists: Vec<&[Value]> = a.iter().map(|x| list(f, x, at)).collect::<R<_>>()?;
            let total = lists
                .iter()
                .try_fold(1usize, |acc, l| acc.checked_mul(l.len()));
            match total {
                Some(t) if t <= MAX_COLLECTION => {}
                _ => {
                    return err(
                        format!("setproduct() would build more than {MAX_COLLECTION} elements"),
                        at,
                    );
                }
            }
            let mut out: Vec<Vec<Value>> = vec![Vec::new()];
            for l in &lists {
                let mut next = Vec::with_capacity(out.len() * l.len());
                for prefix in &out {
                    for x in l.iter() {
                        let mut p = prefix.clone();
                        p.push(x.clone());
                        next.push(p);
                    }
                }
                out = next;
            }
            if lists.is_empty() {
                return Ok(Value::list(Vec::new()));
            }
            Ok(Value::list(out.into_iter().map(Value::list).collect()))
        }
        "setunion" | "setintersection" | "setsubtract" => {
            arity(f, a, 1, usize::MAX, at)?;
            let lists: Vec<&[Value]> = a.iter().map(|x| list(f, x, at)).collect::<R<_>>()?;
            let has = |l: &[Value], x: &Value| l.iter().any(|y| y.tf_eq(x) == Some(true));
            let items: Vec<Value> = match f {
                "setunion" => lists.iter().flat_map(|l| l.iter().cloned()).collect(),
                "setintersection" => lists[0]
                    .iter()
                    .filter(|x| lists[1..].iter().all(|l| has(l, x)))
                    .cloned()
                    .collect(),
                _ => {
                    arity(f, a, 2, 2, at)?;
                    lists[0]
                        .iter()
                        .filter(|x| !has(lists[1], x))
                        .cloned()
                        .collect()
                }
            };
            bounded(f, items.len(), at)?;
            Ok(make_set(items))
        }
        "alltrue" | "anytrue" => {
            arity(f, a, 1, 1, at)?;
            let bs: Vec<bool> = list(f, &a[0], at)?
                .iter()
                .map(|x| {
                    x.to_bool()
                        .map_or_else(|| err(format!("{f}() expects bools"), at), Ok)
                })
                .collect::<R<_>>()?;
            Ok(Value::Bool(if f == "alltrue" {
                bs.iter().all(|b| *b)
            } else {
                bs.iter().any(|b| *b)
            }))
        }
        "coalesce" => {
            for x in a {
                match x {
                    Value::Unknown(_) => return Ok(derived(x)),
                    Value::Null => {}
                    Value::String(t) if t.is_empty() => {}
                    other => return Ok(other.clone()),
                }
            }
            err("coalesce(): every argument is null or empty", at)
        }
        "coalescelist" => {
            for x in a {
                if !list(f, x, at)?.is_empty() {
                    return Ok(x.clone());
                }
            }
            Ok(Value::list(Vec::new()))
        }
        "transpose" => {
            arity(f, a, 1, 1, at)?;
            let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
            for (k, v) in map(f, &a[0], at)? {
                for x in list(f, v, at)? {
                    out.entry(s(f, x, at)?)
                        .or_default()
                        .push(Value::str(k.clone()));
                }
            }
            Ok(Value::map(
                out.into_iter().map(|(k, v)| (k, Value::list(v))).collect(),
            ))
        }

        // ---- conversions ----
        "tostring" => {
            arity(f, a, 1, 1, at)?;
            if a[0].is_null() {
                return Ok(Value::Null);
            }
            Ok(Value::String(s(f, &a[0], at)?))
        }
        "tonumber" => {
            arity(f, a, 1, 1, at)?;
            if a[0].is_null() {
                return Ok(Value::Null);
            }
            Ok(Value::Number(n(f, &a[0], at)?))
        }
        "tobool" => {
            arity(f, a, 1, 1, at)?;
            match &a[0] {
                Value::Null => Ok(Value::Null),
                v => v.to_bool().map(Value::Bool).map_or_else(
                    || err(format!("tobool(): {} is not a bool", v.brief()), at),
                    Ok,
                ),
            }
        }
        "tolist" => {
            arity(f, a, 1, 1, at)?;
            match &a[0] {
                Value::List(_) | Value::Null => Ok(a[0].clone()),
                other => err(format!("tolist() of a {}", other.type_name()), at),
            }
        }
        "toset" => {
            arity(f, a, 1, 1, at)?;
            match &a[0] {
                Value::List(l) => Ok(make_set(l.to_vec())),
                Value::Null => Ok(Value::Null),
                other => err(format!("toset() of a {}", other.type_name()), at),
            }
        }
        "tomap" => {
            arity(f, a, 1, 1, at)?;
            match &a[0] {
                Value::Null => Ok(Value::Null),
                v => Ok(Value::map(map(f, v, at)?.clone())),
            }
        }
        "nonsensitive" | "sensitive" => {
            arity(f, a, 1, 1, at)?;
            Ok(a[0].clone())
        }
        "jsonencode" => {
            arity(f, a, 1, 1, at)?;
            serde_json::to_string(&a[0].to_json())
                .map(Value::String)
                .or_else(|e| err(format!("jsonencode(): {e}"), at))
        }
        "jsondecode" => {
            arity(f, a, 1, 1, at)?;
            let text = s(f, &a[0], at)?;
            serde_json::from_str::<serde_json::Value>(&text)
                .map(|j| Value::from_json(&j))
                .or_else(|e| err(format!("jsondecode(): {e}"), at))
        }

        // ---- networking ----
        "cidrsubnet" => {
            arity(f, a, 3, 3, at)?;
            let net = cidr(f, &a[0], at)?;
            let (bits, num) = (int(f, &a[1], at)?, int(f, &a[2], at)?);
            cidr_subnet(net, bits, num)
                .map(|x| Value::String(x.to_string()))
                .map_or_else(|m| err(format!("cidrsubnet(): {m}"), at), Ok)
        }
        "cidrsubnets" => {
            arity(f, a, 1, usize::MAX, at)?;
            let net = cidr(f, &a[0], at)?;
            let max = u32::from(net.max_prefix_len());
            let len = u32::from(net.prefix_len());
            let mut cur = to_u128(net.network());
            let end = cur + host_count(max - len);
            let mut out = Vec::new();
            for b in &a[1..] {
                let nb = int(f, b, at)?;
                if nb < 1 || len as i64 + nb > max as i64 {
                    return err(format!("cidrsubnets(): cannot add {nb} bits to /{len}"), at);
                }
                let size = host_count(max - len - nb as u32);
                cur = cur.div_ceil(size) * size;
                if cur + size > end {
                    return err("cidrsubnets(): not enough room in the prefix", at);
                }
                let addr = from_u128(cur, net.network().is_ipv4());
                let sub = IpNet::new(addr, (len + nb as u32) as u8)
                    .or_else(|e| err(format!("cidrsubnets(): {e}"), at))?;
                out.push(Value::String(sub.to_string()));
                cur += size;
            }
            Ok(Value::list(out))
        }
        "cidrhost" => {
            arity(f, a, 2, 2, at)?;
            let net = cidr(f, &a[0], at)?;
            let num = int(f, &a[1], at)?;
            let hb = u32::from(net.max_prefix_len() - net.prefix_len());
            let size = host_count(hb);
            let off: u128 = if num >= 0 {
                num as u128
            } else {
                let back = num.unsigned_abs() as u128;
                if back > size {
                    return err(format!("cidrhost(): host {num} is outside {net}"), at);
                }
                size - back
            };
            if off >= size {
                return err(format!("cidrhost(): host {num} is outside {net}"), at);
            }
            Ok(Value::String(
                from_u128(to_u128(net.network()) + off, net.network().is_ipv4()).to_string(),
            ))
        }
        "cidrnetmask" => {
            arity(f, a, 1, 1, at)?;
            match cidr(f, &a[0], at)? {
                IpNet::V4(n4) => Ok(Value::String(n4.netmask().to_string())),
                IpNet::V6(_) => err("cidrnetmask() applies to IPv4 prefixes only", at),
            }
        }

        // ---- things known only on the machine running Terraform ----
        "timestamp" | "uuid" | "bcrypt" | "file" | "fileexists" | "filebase64" | "templatefile"
        | "fileset" | "abspath" | "pathexpand" | "md5" | "sha1" | "sha256" | "sha512"
        | "base64sha256" | "base64sha512" | "filemd5" | "filesha1" | "filesha256" | "uuidv5"
        | "yamldecode" | "yamlencode" | "plantimestamp" | "rsadecrypt" | "timeadd"
        | "formatdate" => Ok(Value::unknown(
            format!(
                "{f}() is not evaluated by moat (its result depends on files, time or hashing)"
            ),
            at,
        )),
        other => {
            ev.warn(
                "unsupported-function",
                format!("function `{other}` is not supported by moat; its result is unknown"),
                at,
                None,
            );
            Ok(Value::unknown(
                format!("function `{other}` is not supported"),
                at,
            ))
        }
    }
}

fn one_str(f: &str, a: &[Value], at: &Loc, op: impl Fn(&str) -> String) -> R<Value> {
    arity(f, a, 1, 1, at)?;
    Ok(Value::String(op(&s(f, &a[0], at)?)))
}

fn one_num(f: &str, a: &[Value], at: &Loc, op: impl Fn(f64) -> f64) -> R<Value> {
    arity(f, a, 1, 1, at)?;
    Ok(Value::Number(op(n(f, &a[0], at)?)))
}

/// Flattens nested lists into `out`; an unknown element (which might be a list) makes the
/// result's shape unknown, returned as `Some`.
fn flatten_into(v: &Value, out: &mut Vec<Value>, depth: usize, at: &Loc) -> R<Option<Value>> {
    if depth > 64 {
        return err("flatten(): lists nest too deeply", at);
    }
    match v {
        Value::List(l) => {
            for x in l.iter() {
                match x {
                    Value::List(_) => {
                        if let Some(u) = flatten_into(x, out, depth + 1, at)? {
                            return Ok(Some(u));
                        }
                    }
                    Value::Unknown(_) => return Ok(Some(derived(x))),
                    other => out.push(other.clone()),
                }
                bounded("flatten", out.len(), at)?;
            }
            Ok(None)
        }
        other => {
            out.push(other.clone());
            Ok(None)
        }
    }
}

fn cidr(f: &str, v: &Value, at: &Loc) -> R<IpNet> {
    let t = s(f, v, at)?;
    t.trim()
        .parse::<IpNet>()
        .or_else(|_| err(format!("{f}(): `{t}` is not a CIDR prefix"), at))
}

fn to_u128(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(a) => u128::from(u32::from(a)),
        IpAddr::V6(a) => u128::from(a),
    }
}

fn from_u128(x: u128, v4: bool) -> IpAddr {
    if v4 {
        IpAddr::V4(Ipv4Addr::from(x as u32))
    } else {
        IpAddr::V6(Ipv6Addr::from(x))
    }
}

/// 2^bits, saturating at u128::MAX for a whole IPv6 space.
fn host_count(bits: u32) -> u128 {
    if bits >= 128 {
        u128::MAX
    } else {
        1u128 << bits
    }
}

/// `cidrsubnet`: the `num`-th subnet of `net` with `bits` more prefix bits.
pub fn cidr_subnet(net: IpNet, bits: i64, num: i64) -> Result<IpNet, String> {
    let max = i64::from(net.max_prefix_len());
    let len = i64::from(net.prefix_len());
    if bits < 0 || len + bits > max {
        return Err(format!("cannot add {bits} bits to a /{len} prefix"));
    }
    let fits = bits >= 127 || (num as u128) < (1u128 << bits);
    if num < 0 || !fits {
        return Err(format!("network number {num} does not fit in {bits} bits"));
    }
    let shift = (max - len - bits) as u32;
    let base = to_u128(net.network());
    let add = (num as u128)
        .checked_shl(shift)
        .ok_or("network number too large")?;
    IpNet::new(
        from_u128(base + add, net.network().is_ipv4()),
        (len + bits) as u8,
    )
    .map_err(|e| e.to_string())
}

/// Go-style `format` verbs, as Terraform implements them.
pub fn format_verbs(spec: &str, args: &[Value], at: &Loc) -> R<String> {
    let mut out = String::new();
    let chars: Vec<char> = spec.chars().collect();
    let mut i = 0;
    let mut next = 0;
    while i < chars.len() {
        let c = chars[i];
        if c != '%' {
            out.push(c);
            i += 1;
            continue;
        }
        i += 1;
        let Some(&c1) = chars.get(i) else {
            return err("format(): the spec ends with `%`", at);
        };
        if c1 == '%' {
            out.push('%');
            i += 1;
            continue;
        }
        let mut flags = String::new();
        while let Some(&fc) = chars.get(i).filter(|c| "-+ 0#".contains(**c)) {
            flags.push(fc);
            i += 1;
        }
        let mut width = String::new();
        while let Some(&d) = chars.get(i).filter(|c| c.is_ascii_digit()) {
            width.push(d);
            i += 1;
        }
        let mut prec: Option<usize> = None;
        if chars.get(i) == Some(&'.') {
            i += 1;
            let mut p = String::new();
            while let Some(&d) = chars.get(i).filter(|c| c.is_ascii_digit()) {
                p.push(d);
                i += 1;
            }
            prec = Some(p.parse().unwrap_or(0).min(64));
        }
        let Some(&verb) = chars.get(i) else {
            return err("format(): incomplete verb", at);
        };
        i += 1;
        let Some(arg) = args.get(next) else {
            return err(format!("format(): not enough arguments for {spec:?}"), at);
        };
        next += 1;
        let body = match verb {
            's' => match arg.to_tf_string() {
                Some(t) => match prec {
                    Some(p) => t.chars().take(p).collect(),
                    None => t,
                },
                None => {
                    return err(
                        format!("format(): %s needs a string, not {}", arg.type_name()),
                        at,
                    );
                }
            },
            'q' => match arg.to_tf_string() {
                Some(t) => serde_json::to_string(&t).unwrap_or_default(),
                None => return err("format(): %q needs a string", at),
            },
            'd' => {
                let x = arg.to_number().filter(|x| x.fract() == 0.0);
                match x {
                    Some(x) => {
                        let t = format!("{}", x as i64);
                        if flags.contains('+') && x >= 0.0 {
                            format!("+{t}")
                        } else {
                            t
                        }
                    }
                    None => {
                        return err(
                            format!("format(): %d needs a whole number, not {}", arg.brief()),
                            at,
                        );
                    }
                }
            }
            'f' | 'e' | 'g' => match arg.to_number() {
                Some(x) => match verb {
                    'f' => format!("{:.*}", prec.unwrap_or(6), x),
                    'e' => format!("{:.*e}", prec.unwrap_or(6), x),
                    _ => fmt_number(x),
                },
                None => return err(format!("format(): %{verb} needs a number"), at),
            },
            'x' | 'X' | 'o' | 'b' => {
                match arg.to_number().filter(|x| x.fract() == 0.0 && *x >= 0.0) {
                    Some(x) => {
                        let v = x as u64;
                        match verb {
                            'x' => format!("{v:x}"),
                            'X' => format!("{v:X}"),
                            'o' => format!("{v:o}"),
                            _ => format!("{v:b}"),
                        }
                    }
                    None => match (verb, arg.as_str()) {
                        ('x', Some(t)) => t.bytes().map(|b| format!("{b:02x}")).collect(),
                        _ => {
                            return err(
                                format!("format(): %{verb} needs a non-negative whole number"),
                                at,
                            );
                        }
                    },
                }
            }
            't' => match arg.to_bool() {
                Some(b) => b.to_string(),
                None => return err("format(): %t needs a bool", at),
            },
            'v' => match arg {
                Value::String(t) => t.clone(),
                Value::Number(_) | Value::Bool(_) => arg.to_tf_string().unwrap_or_default(),
                Value::Null => "null".into(),
                other => serde_json::to_string(&other.to_json()).unwrap_or_default(),
            },
            other => return err(format!("format(): unsupported verb %{other}"), at),
        };
        let w: usize = width.parse().unwrap_or(0).min(1024);
        let len = body.chars().count();
        if len < w {
            let pad = w - len;
            if flags.contains('-') {
                out.push_str(&body);
                out.extend(std::iter::repeat_n(' ', pad));
            } else if flags.contains('0') && matches!(verb, 'd' | 'f' | 'e' | 'x' | 'X' | 'o' | 'b')
            {
                let (sign, digits) = if body.starts_with(['-', '+']) {
                    body.split_at(1)
                } else {
                    ("", body.as_str())
                };
                out.push_str(sign);
                out.extend(std::iter::repeat_n('0', pad));
                out.push_str(digits);
            } else {
                out.extend(std::iter::repeat_n(' ', pad));
                out.push_str(&body);
            }
        } else {
            out.push_str(&body);
        }
        if out.len() > MAX_STRING {
            return err("format(): result too long", at);
        }
    }
    Ok(out)
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(B64[((n >> (18 - 6 * k)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let t = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(t.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in t.bytes() {
        let v = B64.iter().position(|x| *x == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l() -> Loc {
        Loc::default()
    }

    #[test]
    fn cidr_functions_match_terraform() {
        let net: IpNet = "10.0.0.0/16".parse().unwrap();
        assert_eq!(cidr_subnet(net, 8, 2).unwrap().to_string(), "10.0.2.0/24");
        assert_eq!(
            cidr_subnet(net, 4, 15).unwrap().to_string(),
            "10.0.240.0/20"
        );
        assert!(cidr_subnet(net, 8, 256).is_err());
        assert!(cidr_subnet(net, 17, 0).is_err());
    }

    #[test]
    fn format_handles_common_verbs() {
        let args = [Value::str("vnet"), Value::Number(7.0), Value::Number(1.5)];
        assert_eq!(
            format_verbs("%s-%03d-%.2f-%%", &args, &l()).unwrap(),
            "vnet-007-1.50-%"
        );
        assert_eq!(
            format_verbs("%-5s|", &[Value::str("ab")], &l()).unwrap(),
            "ab   |"
        );
        assert!(format_verbs("%s %s", &[Value::str("a")], &l()).is_err());
    }

    #[test]
    fn base64_round_trips() {
        for t in ["", "a", "ab", "abc", "hello world"] {
            assert_eq!(
                base64_decode(&base64_encode(t.as_bytes())).unwrap(),
                t.as_bytes()
            );
        }
        assert_eq!(base64_encode(b"hello"), "aGVsbG8=");
    }
}
