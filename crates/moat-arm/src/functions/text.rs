//! Text: building, formatting, searching and cutting strings.

use super::{any_unknown, contains_unknown, err, int_arg, map_known_text, to_text};
use crate::value::{MAX_ARRAY, MAX_STR, Seg, StrBuild, Val, equals};

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

/// Evaluates one of these functions; `None` when `name` is not one.
pub(super) fn call(name: &str, args: &[Val]) -> Option<Val> {
    let a0 = args.first();
    let v = match name {
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
        _ => return None,
    };
    Some(v)
}
