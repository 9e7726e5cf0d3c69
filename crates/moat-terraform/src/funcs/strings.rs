//! String functions: formatting, joining and splitting, case, trimming, searching and
//! replacing, regular expressions, encodings and paths.

use super::*;

/// `format()`.
pub(super) fn format(f: &str, a: &[Value], at: &Loc) -> R<Value> {
    arity(f, a, 1, usize::MAX, at)?;
    Ok(Value::String(format_verbs(&s(f, &a[0], at)?, &a[1..], at)?))
}

/// `formatlist()`.
pub(super) fn formatlist(f: &str, a: &[Value], at: &Loc) -> R<Value> {
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

/// `join()`.
pub(super) fn join(f: &str, a: &[Value], at: &Loc) -> R<Value> {
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

/// `split()`.
pub(super) fn split(f: &str, a: &[Value], at: &Loc) -> R<Value> {
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

/// `trimprefix()`, `trimsuffix()` and `trim()`.
pub(super) fn trim(f: &str, a: &[Value], at: &Loc) -> R<Value> {
    arity(f, a, 2, 2, at)?;
    let (x, p) = (s(f, &a[0], at)?, s(f, &a[1], at)?);
    Ok(Value::String(match f {
        "trimprefix" => x.strip_prefix(p.as_str()).unwrap_or(&x).to_string(),
        "trimsuffix" => x.strip_suffix(p.as_str()).unwrap_or(&x).to_string(),
        _ => x.trim_matches(|c| p.contains(c)).to_string(),
    }))
}

/// `startswith()`, `endswith()` and `strcontains()`.
pub(super) fn has_part(f: &str, a: &[Value], at: &Loc) -> R<Value> {
    arity(f, a, 2, 2, at)?;
    let (x, p) = (s(f, &a[0], at)?, s(f, &a[1], at)?);
    Ok(Value::Bool(match f {
        "startswith" => x.starts_with(&p),
        "endswith" => x.ends_with(&p),
        _ => x.contains(&p),
    }))
}

/// `replace()`.
pub(super) fn replace(f: &str, a: &[Value], at: &Loc) -> R<Value> {
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

/// `substr()`.
pub(super) fn substr(f: &str, a: &[Value], at: &Loc) -> R<Value> {
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

/// `regex()` and `regexall()`.
pub(super) fn regex_match(f: &str, a: &[Value], at: &Loc) -> R<Value> {
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

/// `base64decode()`.
pub(super) fn base64decode(f: &str, a: &[Value], at: &Loc) -> R<Value> {
    arity(f, a, 1, 1, at)?;
    let x = s(f, &a[0], at)?;
    match base64_decode(&x).and_then(|b| String::from_utf8(b).ok()) {
        Some(t) => Ok(Value::String(t)),
        None => err("base64decode(): not valid base64 of UTF-8 text", at),
    }
}

/// `indent()`.
pub(super) fn indent(f: &str, a: &[Value], at: &Loc) -> R<Value> {
    arity(f, a, 2, 2, at)?;
    let k = int(f, &a[0], at)?.clamp(0, 1024) as usize;
    let x = s(f, &a[1], at)?;
    Ok(Value::String(
        x.replace('\n', &format!("\n{}", " ".repeat(k))),
    ))
}
