//! Type conversions and JSON.

use super::*;

/// `tostring()`.
pub(super) fn tostring(f: &str, a: &[Value], at: &Loc) -> R<Value> {
    arity(f, a, 1, 1, at)?;
    if a[0].is_null() {
        return Ok(Value::Null);
    }
    Ok(Value::String(s(f, &a[0], at)?))
}

/// `tonumber()`.
pub(super) fn tonumber(f: &str, a: &[Value], at: &Loc) -> R<Value> {
    arity(f, a, 1, 1, at)?;
    if a[0].is_null() {
        return Ok(Value::Null);
    }
    Ok(Value::Number(n(f, &a[0], at)?))
}

/// `tobool()`.
pub(super) fn tobool(f: &str, a: &[Value], at: &Loc) -> R<Value> {
    arity(f, a, 1, 1, at)?;
    match &a[0] {
        Value::Null => Ok(Value::Null),
        v => v.to_bool().map(Value::Bool).map_or_else(
            || err(format!("tobool(): {} is not a bool", v.brief()), at),
            Ok,
        ),
    }
}

/// `tolist()`.
pub(super) fn tolist(f: &str, a: &[Value], at: &Loc) -> R<Value> {
    arity(f, a, 1, 1, at)?;
    match &a[0] {
        Value::List(_) | Value::Null => Ok(a[0].clone()),
        other => err(format!("tolist() of a {}", other.type_name()), at),
    }
}

/// `toset()`.
pub(super) fn toset(f: &str, a: &[Value], at: &Loc) -> R<Value> {
    arity(f, a, 1, 1, at)?;
    match &a[0] {
        Value::List(l) => Ok(make_set(l.to_vec())),
        Value::Null => Ok(Value::Null),
        other => err(format!("toset() of a {}", other.type_name()), at),
    }
}

/// `tomap()`.
pub(super) fn tomap(f: &str, a: &[Value], at: &Loc) -> R<Value> {
    arity(f, a, 1, 1, at)?;
    match &a[0] {
        Value::Null => Ok(Value::Null),
        v => Ok(Value::map(map(f, v, at)?.clone())),
    }
}

/// `nonsensitive()` and `sensitive()`.
pub(super) fn sensitivity(f: &str, a: &[Value], at: &Loc) -> R<Value> {
    arity(f, a, 1, 1, at)?;
    Ok(a[0].clone())
}

/// `jsonencode()`.
pub(super) fn jsonencode(f: &str, a: &[Value], at: &Loc) -> R<Value> {
    arity(f, a, 1, 1, at)?;
    serde_json::to_string(&a[0].to_json())
        .map(Value::String)
        .or_else(|e| err(format!("jsonencode(): {e}"), at))
}

/// `jsondecode()`.
pub(super) fn jsondecode(f: &str, a: &[Value], at: &Loc) -> R<Value> {
    arity(f, a, 1, 1, at)?;
    let text = s(f, &a[0], at)?;
    serde_json::from_str::<serde_json::Value>(&text)
        .map(|j| Value::from_json(&j))
        .or_else(|e| err(format!("jsondecode(): {e}"), at))
}
