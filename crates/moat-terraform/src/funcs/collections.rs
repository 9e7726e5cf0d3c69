//! Collection functions: lists, sets and maps, their members, and building new ones from them.

use super::*;

/// `length()`.
pub(super) fn length(f: &str, a: &[Value], at: &Loc) -> R<Value> {
    arity(f, a, 1, 1, at)?;
    Ok(Value::Number(match &a[0] {
        Value::String(x) => x.chars().count(),
        Value::List(l) => l.len(),
        v @ (Value::Map(_) | Value::Res(_)) => v.as_map().map_or(0, BTreeMap::len),
        other => return err(format!("length() of a {}", other.type_name()), at),
    } as f64))
}

/// `concat()`.
pub(super) fn concat(f: &str, a: &[Value], at: &Loc) -> R<Value> {
    let mut out = Vec::new();
    for l in a {
        out.extend(list(f, l, at)?.iter().cloned());
        bounded(f, out.len(), at)?;
    }
    Ok(Value::list(out))
}

/// `merge()`.
pub(super) fn merge(f: &str, a: &[Value], at: &Loc) -> R<Value> {
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

/// `keys()`.
pub(super) fn keys(f: &str, a: &[Value], at: &Loc) -> R<Value> {
    arity(f, a, 1, 1, at)?;
    Ok(Value::list(
        map(f, &a[0], at)?
            .keys()
            .map(|k| Value::str(k.clone()))
            .collect(),
    ))
}

/// `values()`.
pub(super) fn values(f: &str, a: &[Value], at: &Loc) -> R<Value> {
    arity(f, a, 1, 1, at)?;
    Ok(Value::list(map(f, &a[0], at)?.values().cloned().collect()))
}

/// `lookup()`.
pub(super) fn lookup(f: &str, a: &[Value], at: &Loc) -> R<Value> {
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

/// `element()`.
pub(super) fn element(f: &str, a: &[Value], at: &Loc) -> R<Value> {
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

/// `index()`.
pub(super) fn index(f: &str, a: &[Value], at: &Loc) -> R<Value> {
    arity(f, a, 2, 2, at)?;
    let l = list(f, &a[0], at)?;
    match l.iter().position(|x| x.tf_eq(&a[1]) == Some(true)) {
        Some(i) => Ok(Value::Number(i as f64)),
        None => err(format!("index(): {} is not in the list", a[1].brief()), at),
    }
}

/// `contains()`.
pub(super) fn contains(f: &str, a: &[Value], at: &Loc) -> R<Value> {
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

/// `distinct()`.
pub(super) fn distinct(f: &str, a: &[Value], at: &Loc) -> R<Value> {
    arity(f, a, 1, 1, at)?;
    let mut out: Vec<Value> = Vec::new();
    for x in list(f, &a[0], at)? {
        if !out.iter().any(|y| y.tf_eq(x) == Some(true)) {
            out.push(x.clone());
        }
    }
    Ok(Value::list(out))
}

/// `flatten()`.
pub(super) fn flatten(f: &str, a: &[Value], at: &Loc) -> R<Value> {
    arity(f, a, 1, 1, at)?;
    let mut out = Vec::new();
    match flatten_into(&a[0], &mut out, 0, at)? {
        Some(u) => Ok(u),
        None => Ok(Value::list(out)),
    }
}

/// `compact()`.
pub(super) fn compact(f: &str, a: &[Value], at: &Loc) -> R<Value> {
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

/// `one()`.
pub(super) fn one(f: &str, a: &[Value], at: &Loc) -> R<Value> {
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

/// `reverse()`.
pub(super) fn reverse(f: &str, a: &[Value], at: &Loc) -> R<Value> {
    arity(f, a, 1, 1, at)?;
    Ok(Value::list(
        list(f, &a[0], at)?.iter().rev().cloned().collect(),
    ))
}

/// `sort()`.
pub(super) fn sort(f: &str, a: &[Value], at: &Loc) -> R<Value> {
    arity(f, a, 1, 1, at)?;
    let mut v: Vec<String> = list(f, &a[0], at)?
        .iter()
        .map(|x| s(f, x, at))
        .collect::<R<_>>()?;
    v.sort();
    Ok(Value::list(v.into_iter().map(Value::String).collect()))
}

/// `slice()`.
pub(super) fn slice(f: &str, a: &[Value], at: &Loc) -> R<Value> {
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

/// `chunklist()`.
pub(super) fn chunklist(f: &str, a: &[Value], at: &Loc) -> R<Value> {
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

/// `zipmap()`.
pub(super) fn zipmap(f: &str, a: &[Value], at: &Loc) -> R<Value> {
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

/// `setproduct()`.
pub(super) fn setproduct(f: &str, a: &[Value], at: &Loc) -> R<Value> {
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

/// `setunion()`, `setintersection()` and `setsubtract()`.
pub(super) fn set_operation(f: &str, a: &[Value], at: &Loc) -> R<Value> {
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

/// `alltrue()` and `anytrue()`.
pub(super) fn all_or_any_true(f: &str, a: &[Value], at: &Loc) -> R<Value> {
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

/// `coalesce()`.
pub(super) fn coalesce(a: &[Value], at: &Loc) -> R<Value> {
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

/// `coalescelist()`.
pub(super) fn coalescelist(f: &str, a: &[Value], at: &Loc) -> R<Value> {
    for x in a {
        if !list(f, x, at)?.is_empty() {
            return Ok(x.clone());
        }
    }
    Ok(Value::list(Vec::new()))
}

/// `transpose()`.
pub(super) fn transpose(f: &str, a: &[Value], at: &Loc) -> R<Value> {
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
