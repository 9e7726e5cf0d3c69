//! Terraform plan JSON (`terraform show -json <plan>`): values Terraform already computed.
//!
//! Resources come from `planned_values.root_module` and its `child_modules` (data sources read
//! during planning from `prior_state` too); `resource_changes[].change.after_unknown` marks the
//! attributes known only after apply, which become unknowns located at the resource in the
//! plan file. A resource being created has an unknown `id`: it is synthesised as for a
//! configuration. An unknown id-valued attribute (the target of a private endpoint that is
//! created in the same run) is resolved through `configuration`, whose expressions list the
//! references each attribute was written with.

use crate::config::{Mode, Sources, major_of_constraint};
use crate::eval::Record;
use crate::value::{Loc, ResObj, Unk, Value};
use crate::{TfOptions, finish, ids, map};
use moat_doc::tree::{Node, Scalar};
use moat_doc::{LoadError, Loaded};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::rc::Rc;

struct Ctx<'a> {
    src: &'a moat_doc::SourceFile,
    file: Rc<str>,
}

impl Ctx<'_> {
    fn loc(&self, n: &Node) -> Loc {
        let (line, column) = self.src.line_col(n.span.offset);
        Loc {
            file: self.file.clone(),
            line,
            column,
            offset: n.span.offset,
            len: n.span.len,
        }
    }
}

/// Reads a plan file into the model.
pub fn load(path: &Path, opts: &TfOptions) -> Result<Loaded, LoadError> {
    let src = moat_doc::read_source(path, opts.limits)?;
    load_source(src, path, opts)
}

/// Reads a plan already read, from `path`.
pub fn load_source(
    src: moat_doc::SourceFile,
    path: &Path,
    opts: &TfOptions,
) -> Result<Loaded, LoadError> {
    let root = match moat_doc::tree::parse(&src, opts.limits) {
        Ok(r) => r,
        Err(d) => {
            return Err(LoadError {
                diagnostics: vec![d],
                sources: vec![src],
            });
        }
    };
    let is_plan = root.get("planned_values").is_some()
        || (root.get("format_version").is_some() && root.get("resource_changes").is_some());
    if !is_plan {
        return Err(LoadError::at_path(
            "not-a-plan",
            format!(
                "{} is not a Terraform plan: it has no planned_values",
                path.display()
            ),
            path,
            Some("export the plan with `terraform show -json plan.out > plan.json`".into()),
        ));
    }
    let ctx = Ctx {
        src: &src,
        file: Rc::from(src.name.as_str()),
    };
    let mut recs: Vec<Record> = Vec::new();
    let unknowns = after_unknown(&root);
    if let Some(m) = root
        .get("planned_values")
        .and_then(|p| p.get("root_module"))
    {
        collect(&ctx, m, &unknowns, &mut recs, 0);
    } else if let Some(rc) = root.get("resource_changes") {
        for c in rc.items() {
            let deleted = c
                .get("change")
                .and_then(|ch| ch.get("actions"))
                .is_some_and(|a| a.items().iter().all(|x| x.as_str() == Some("delete")));
            if !deleted && let Some(after) = c.get("change").and_then(|ch| ch.get("after")) {
                push(&ctx, c, after, &unknowns, &mut recs);
            }
        }
    }
    if let Some(m) = root
        .get("prior_state")
        .and_then(|p| p.get("values"))
        .and_then(|v| v.get("root_module"))
    {
        let mut data = Vec::new();
        collect(&ctx, m, &HashMap::new(), &mut data, 0);
        for r in data {
            if r.mode == Mode::Data && !recs.iter().any(|x| x.addr == r.addr) {
                recs.push(r);
            }
        }
    }
    resolve_references(&ctx, &root, &mut recs);
    let major = root
        .get("configuration")
        .and_then(|c| c.get("provider_config"))
        .and_then(|p| p.get("azurerm"))
        .and_then(|a| a.get("version_constraint"))
        .and_then(Node::as_str)
        .and_then(major_of_constraint);
    let mapped = map::map(&recs, major, &[]);
    let mut sources = Sources::default();
    sources.add(src.clone());
    finish(mapped, Vec::new(), Vec::new(), sources, "terraform-plan")
}

/// `after_unknown` of each resource change, by address.
fn after_unknown(root: &Node) -> HashMap<String, &Node> {
    let mut out = HashMap::new();
    for c in root.get("resource_changes").map(Node::items).unwrap_or(&[]) {
        if let (Some(a), Some(u)) = (
            c.get("address").and_then(Node::as_str),
            c.get("change").and_then(|ch| ch.get("after_unknown")),
        ) {
            out.insert(a.to_string(), u);
        }
    }
    out
}

fn collect(
    ctx: &Ctx,
    module: &Node,
    unknowns: &HashMap<String, &Node>,
    recs: &mut Vec<Record>,
    depth: usize,
) {
    if depth > 64 {
        return;
    }
    for r in module.get("resources").map(Node::items).unwrap_or(&[]) {
        if let Some(values) = r.get("values") {
            push(ctx, r, values, unknowns, recs);
        }
    }
    for c in module.get("child_modules").map(Node::items).unwrap_or(&[]) {
        collect(ctx, c, unknowns, recs, depth + 1);
    }
}

fn push(
    ctx: &Ctx,
    r: &Node,
    values: &Node,
    unknowns: &HashMap<String, &Node>,
    recs: &mut Vec<Record>,
) {
    let (Some(addr), Some(rtype)) = (
        r.get("address").and_then(Node::as_str),
        r.get("type").and_then(Node::as_str),
    ) else {
        return;
    };
    let mode = if r.get("mode").and_then(Node::as_str) == Some("data") {
        Mode::Data
    } else {
        Mode::Managed
    };
    let loc = ctx.loc(r);
    let mut obj = object(ctx, values, addr, &loc);
    if let Some(u) = unknowns.get(addr) {
        overlay_obj(&mut obj, u, &loc);
    }
    if !matches!(obj.attrs.get("id"), Some(Value::String(_))) {
        obj.attrs.remove("id");
        ids::add_computed(rtype, mode, &mut obj);
    }
    recs.push(Record {
        mode,
        rtype: rtype.to_string(),
        addr: addr.to_string(),
        obj: Rc::new(obj),
    });
}

/// A JSON object of values as a resource object: nested objects inside lists are blocks.
fn object(ctx: &Ctx, n: &Node, addr: &str, loc: &Loc) -> ResObj {
    let mut attrs = BTreeMap::new();
    let mut attr_locs = BTreeMap::new();
    for (k, v) in n.entries() {
        let Some(key) = k.text() else { continue };
        let child = format!("{addr}.{key}");
        attrs.insert(key.to_string(), value(ctx, v, &child, 0));
        attr_locs.insert(key.to_string(), ctx.loc(v));
    }
    ResObj {
        addr: addr.to_string(),
        attrs,
        loc: loc.clone(),
        attr_locs: attr_locs.into(),
    }
}

fn value(ctx: &Ctx, n: &Node, path: &str, depth: usize) -> Value {
    if depth > 128 {
        return Value::unknown("value nests too deeply", &ctx.loc(n));
    }
    match &n.value {
        moat_doc::tree::Value::Seq(items) => Value::list(
            items
                .iter()
                .enumerate()
                .map(|(i, x)| {
                    let p = format!("{path}[{i}]");
                    match &x.value {
                        moat_doc::tree::Value::Map(_) => {
                            Value::Res(Rc::new(object(ctx, x, &p, &ctx.loc(x))))
                        }
                        _ => value(ctx, x, &p, depth + 1),
                    }
                })
                .collect(),
        ),
        moat_doc::tree::Value::Map(entries) => Value::map(
            entries
                .iter()
                .filter_map(|(k, v)| {
                    k.text().map(|key| {
                        (
                            key.to_string(),
                            value(ctx, v, &format!("{path}.{key}"), depth + 1),
                        )
                    })
                })
                .collect(),
        ),
        moat_doc::tree::Value::Scalar { .. } => match n.scalar() {
            Some(Scalar::Null) | None => Value::Null,
            Some(Scalar::Bool(b)) => Value::Bool(b),
            Some(Scalar::Int(i)) => Value::Number(i as f64),
            Some(Scalar::Float(f)) => Value::Number(f),
            Some(Scalar::Str(s)) => Value::str(s),
        },
    }
}

fn unknown_attr(owner: &str, attr: &str, loc: &Loc) -> Value {
    Value::Unknown(Rc::new(Unk {
        reason: format!("`{owner}.{attr}` is known only after apply"),
        at: loc.clone(),
        origin: Some((owner.to_string(), attr.to_string())),
        partial: None,
        instance: None,
    }))
}

fn overlay_obj(obj: &mut ResObj, u: &Node, loc: &Loc) {
    for (k, v) in u.entries() {
        let Some(key) = k.text() else { continue };
        let cur = obj.attrs.get(key).cloned().unwrap_or(Value::Null);
        let new = overlay(&cur, v, &obj.addr, key, loc, 0);
        obj.attrs.insert(key.to_string(), new);
    }
}

fn overlay(v: &Value, u: &Node, owner: &str, attr: &str, loc: &Loc, depth: usize) -> Value {
    if depth > 128 {
        return v.clone();
    }
    match (&u.value, v) {
        (moat_doc::tree::Value::Scalar { .. }, _) => {
            if matches!(u.scalar(), Some(Scalar::Bool(true))) {
                unknown_attr(owner, attr, loc)
            } else {
                v.clone()
            }
        }
        (moat_doc::tree::Value::Seq(items), _) => {
            let mut list: Vec<Value> = v.as_list().map(<[Value]>::to_vec).unwrap_or_default();
            for (i, x) in items.iter().enumerate() {
                if i >= list.len() {
                    list.push(Value::Null);
                }
                list[i] = match &list[i] {
                    Value::Res(r) => {
                        let mut o = (**r).clone();
                        overlay_obj(&mut o, x, loc);
                        Value::Res(Rc::new(o))
                    }
                    cur => overlay(cur, x, owner, attr, loc, depth + 1),
                };
            }
            // Trailing nulls stand for elements the plan does not list (all unknown or absent).
            while list.last().is_some_and(Value::is_null) {
                list.pop();
            }
            Value::list(list)
        }
        (moat_doc::tree::Value::Map(entries), Value::Map(m)) => {
            let mut m = (**m).clone();
            for (k, x) in entries {
                if let Some(key) = k.text() {
                    let cur = m.get(key).cloned().unwrap_or(Value::Null);
                    m.insert(
                        key.to_string(),
                        overlay(&cur, x, owner, key, loc, depth + 1),
                    );
                }
            }
            Value::map(m)
        }
        (moat_doc::tree::Value::Map(_), Value::Res(r)) => {
            let mut o = (**r).clone();
            overlay_obj(&mut o, u, loc);
            Value::Res(Rc::new(o))
        }
        _ => v.clone(),
    }
}

/// Module address without instance keys: `module.net["a"].module.x[0]` -> `module.net.module.x`.
fn config_path(module_addr: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in module_addr.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// Splits `module.net[0].azurerm_subnet.x["k"]` into module instance, `type.name` and key.
fn split_addr(addr: &str) -> (String, String, String) {
    let mut module = String::new();
    let mut rest = addr;
    while let Some(r) = rest.strip_prefix("module.") {
        let end = module_segment_end(r);
        let seg = &r[..end];
        if !module.is_empty() {
            module.push('.');
        }
        module.push_str("module.");
        module.push_str(seg);
        rest = r[end..].trim_start_matches('.');
    }
    let (base, key) = match rest.find('[') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    (module, base.to_string(), key.to_string())
}

/// End of `name[...]` (the key may hold dots inside quotes).
fn module_segment_end(s: &str) -> usize {
    let mut depth = 0;
    let mut quoted = false;
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '[' if !quoted => depth += 1,
            ']' if !quoted => depth -= 1,
            '.' if !quoted && depth == 0 => return i,
            _ => {}
        }
    }
    s.len()
}

/// Expressions of each configured resource, by (module path, `type.name` / `data.type.name`).
fn config_exprs<'n>(
    module: &'n Node,
    path: &str,
    out: &mut HashMap<(String, String), &'n Node>,
    depth: usize,
) {
    if depth > 64 {
        return;
    }
    for r in module.get("resources").map(Node::items).unwrap_or(&[]) {
        if let (Some(a), Some(e)) = (
            r.get("address").and_then(Node::as_str),
            r.get("expressions"),
        ) {
            out.insert((path.to_string(), a.to_string()), e);
        }
    }
    for (k, call) in module.get("module_calls").map(Node::entries).unwrap_or(&[]) {
        if let (Some(name), Some(m)) = (k.text(), call.get("module")) {
            let p = if path.is_empty() {
                format!("module.{name}")
            } else {
                format!("{path}.module.{name}")
            };
            config_exprs(m, &p, out, depth + 1);
        }
    }
}

/// Fills unknown id-valued attributes from the references in the configuration.
fn resolve_references(ctx: &Ctx, root: &Node, recs: &mut [Record]) {
    let Some(cfg) = root.get("configuration").and_then(|c| c.get("root_module")) else {
        return;
    };
    let mut exprs = HashMap::new();
    config_exprs(cfg, "", &mut exprs, 0);
    let ids: HashMap<String, Value> = recs
        .iter()
        .filter_map(|r| r.obj.attrs.get("id").map(|v| (r.addr.clone(), v.clone())))
        .collect();
    let _ = ctx;
    for r in recs.iter_mut() {
        let (module, base, key) = split_addr(&r.addr);
        let Some(e) = exprs.get(&(config_path(&module), base.clone())) else {
            continue;
        };
        let target_id = |stem: &str| -> Option<Value> {
            if stem.starts_with("var.")
                || stem.starts_with("local.")
                || stem.starts_with("module.")
                || stem.starts_with("each.")
            {
                return None;
            }
            let full = |s: &str| {
                if module.is_empty() {
                    s.to_string()
                } else {
                    format!("{module}.{s}")
                }
            };
            let candidates = [full(stem), full(&format!("{stem}{key}"))];
            for c in &candidates {
                if let Some(v @ Value::String(_)) = ids.get(c) {
                    return Some(v.clone());
                }
            }
            let prefix = format!("{}[", full(stem));
            let mut many = ids.iter().filter(|(a, _)| a.starts_with(&prefix));
            match (many.next(), many.next()) {
                (Some((_, v @ Value::String(_))), None) => Some(v.clone()),
                _ => None,
            }
        };
        let mut obj = (*r.obj).clone();
        let changed = fill(&mut obj, e, &target_id, 0);
        if changed {
            r.obj = Rc::new(obj);
        }
    }
}

/// The resources an id-valued attribute refers to: `x.y.id` references, or, for an attribute
/// named `*_id(s)`, resources referred to as a whole (`azurerm_subnet.this[each.key].id` is
/// listed as `azurerm_subnet.this` when the key is dynamic).
fn id_stems(e: &Node, key: &str) -> Vec<String> {
    let refs: Vec<&str> = e
        .get("references")
        .map(Node::items)
        .unwrap_or(&[])
        .iter()
        .filter_map(Node::as_str)
        .collect();
    let with_id: Vec<String> = refs
        .iter()
        .filter_map(|r| r.strip_suffix(".id"))
        .map(str::to_string)
        .collect();
    if !with_id.is_empty() || !(key.ends_with("_id") || key.ends_with("_ids")) {
        return with_id;
    }
    refs.iter()
        .filter(|r| {
            let first = r.split('.').next().unwrap_or("");
            (first.starts_with("azurerm_") || first.starts_with("azapi_") || first == "data")
                && !refs.iter().any(|o| o.len() > r.len() && o.starts_with(*r))
        })
        .map(|r| r.to_string())
        .collect()
}

fn fill(
    obj: &mut ResObj,
    exprs: &Node,
    target: &dyn Fn(&str) -> Option<Value>,
    depth: usize,
) -> bool {
    if depth > 16 {
        return false;
    }
    let mut changed = false;
    for (k, e) in exprs.entries() {
        let Some(key) = k.text() else { continue };
        let Some(cur) = obj.attrs.get(key).cloned() else {
            continue;
        };
        match (&cur, &e.value) {
            (Value::Unknown(_), moat_doc::tree::Value::Map(_)) => {
                let ids: Vec<Value> = id_stems(e, key).iter().filter_map(|r| target(r)).collect();
                let is_list_attr = key.ends_with("_ids") || key.ends_with("_addresses");
                let new = match (ids.len(), is_list_attr) {
                    (0, _) => None,
                    (_, true) => Some(Value::list(ids)),
                    (1, false) => ids.into_iter().next(),
                    _ => None,
                };
                if let Some(v) = new {
                    obj.attrs.insert(key.to_string(), v);
                    changed = true;
                }
            }
            (Value::List(items), moat_doc::tree::Value::Map(_))
                if items.iter().any(Value::is_unknown) =>
            {
                let ids: Vec<Value> = id_stems(e, key).iter().filter_map(|r| target(r)).collect();
                if ids.len() == items.len() {
                    obj.attrs.insert(key.to_string(), Value::list(ids));
                    changed = true;
                }
            }
            (Value::List(items), moat_doc::tree::Value::Seq(blocks)) => {
                let mut new_items = items.to_vec();
                let mut any = false;
                for (i, b) in blocks.iter().enumerate() {
                    if let Some(Value::Res(r)) = new_items.get(i) {
                        let mut o = (**r).clone();
                        if fill(&mut o, b, target, depth + 1) {
                            new_items[i] = Value::Res(Rc::new(o));
                            any = true;
                        }
                    }
                }
                if any {
                    obj.attrs.insert(key.to_string(), Value::list(new_items));
                    changed = true;
                }
            }
            _ => {}
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_split_into_module_resource_and_key() {
        assert_eq!(
            split_addr(r#"module.net["a.b"].module.x[0].azurerm_subnet.pe["k"]"#),
            (
                r#"module.net["a.b"].module.x[0]"#.to_string(),
                "azurerm_subnet.pe".to_string(),
                r#"["k"]"#.to_string()
            )
        );
        assert_eq!(
            config_path(r#"module.net["a.b"].module.x[0]"#),
            "module.net.module.x"
        );
        assert_eq!(split_addr("azurerm_vnet.v").1, "azurerm_vnet.v");
    }
}
