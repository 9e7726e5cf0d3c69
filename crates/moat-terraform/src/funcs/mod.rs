//! Terraform's built-in functions, as far as deployments of networks use them.
//!
//! Unknown arguments propagate: most functions need their arguments fully known and return an
//! unknown otherwise; structural ones (`length`, `concat`, `merge`, `keys`, `element`, ...) only
//! need the collection itself known, so a list of unknown ids still has a known length.
//! Functions whose result depends on the machine or the moment (`timestamp`, `uuid`, `file`)
//! yield unknowns. Every result is bounded in size.

mod azapi;
mod collections;
mod conversions;
mod network;
mod numbers;
mod strings;

pub use azapi::call_azapi;

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
        "format" => strings::format(f, a, at),
        "formatlist" => strings::formatlist(f, a, at),
        "join" => strings::join(f, a, at),
        "split" => strings::split(f, a, at),
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
        "trimprefix" | "trimsuffix" | "trim" => strings::trim(f, a, at),
        "startswith" | "endswith" | "strcontains" => strings::has_part(f, a, at),
        "replace" => strings::replace(f, a, at),
        "substr" => strings::substr(f, a, at),
        "regex" | "regexall" => strings::regex_match(f, a, at),
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
        "base64decode" => strings::base64decode(f, a, at),
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
        "indent" => strings::indent(f, a, at),

        "min" | "max" => numbers::min_max(f, a, at),
        "abs" => one_num(f, a, at, f64::abs),
        "ceil" => one_num(f, a, at, f64::ceil),
        "floor" => one_num(f, a, at, f64::floor),
        "signum" => one_num(f, a, at, |x| if x == 0.0 { 0.0 } else { x.signum() }),
        "pow" => numbers::pow(f, a, at),
        "log" => numbers::log(f, a, at),
        "parseint" => numbers::parseint(f, a, at),
        "sum" => numbers::sum(f, a, at),
        "range" => numbers::range(f, a, at),

        "length" => collections::length(f, a, at),
        "concat" => collections::concat(f, a, at),
        "merge" => collections::merge(f, a, at),
        "keys" => collections::keys(f, a, at),
        "values" => collections::values(f, a, at),
        "lookup" => collections::lookup(f, a, at),
        "element" => collections::element(f, a, at),
        "index" => collections::index(f, a, at),
        "contains" => collections::contains(f, a, at),
        "distinct" => collections::distinct(f, a, at),
        "flatten" => collections::flatten(f, a, at),
        "compact" => collections::compact(f, a, at),
        "one" => collections::one(f, a, at),
        "reverse" => collections::reverse(f, a, at),
        "sort" => collections::sort(f, a, at),
        "slice" => collections::slice(f, a, at),
        "chunklist" => collections::chunklist(f, a, at),
        "zipmap" => collections::zipmap(f, a, at),
        "setproduct" => collections::setproduct(f, a, at),
        "setunion" | "setintersection" | "setsubtract" => collections::set_operation(f, a, at),
        "alltrue" | "anytrue" => collections::all_or_any_true(f, a, at),
        "coalesce" => collections::coalesce(a, at),
        "coalescelist" => collections::coalescelist(f, a, at),
        "transpose" => collections::transpose(f, a, at),

        "tostring" => conversions::tostring(f, a, at),
        "tonumber" => conversions::tonumber(f, a, at),
        "tobool" => conversions::tobool(f, a, at),
        "tolist" => conversions::tolist(f, a, at),
        "toset" => conversions::toset(f, a, at),
        "tomap" => conversions::tomap(f, a, at),
        "nonsensitive" | "sensitive" => conversions::sensitivity(f, a, at),
        "jsonencode" => conversions::jsonencode(f, a, at),
        "jsondecode" => conversions::jsondecode(f, a, at),

        "cidrsubnet" => network::cidrsubnet(f, a, at),
        "cidrsubnets" => network::cidrsubnets(f, a, at),
        "cidrhost" => network::cidrhost(f, a, at),
        "cidrnetmask" => network::cidrnetmask(f, a, at),

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
mod tests;
