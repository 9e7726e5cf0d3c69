//! `moat schema` describes the native format exactly: every key it lists, at the top and in
//! every resource, the native reader accepts. The document read is generated from the schema
//! itself, each field it lists given a value of the type it states.

use serde_json::{Value, json};
use std::process::Command;

fn schema() -> Value {
    let o = Command::new(env!("CARGO_BIN_EXE_moat"))
        .arg("schema")
        .output()
        .expect("moat runs");
    assert_eq!(o.status.code(), Some(0));
    serde_json::from_slice(&o.stdout).expect("the schema is JSON")
}

/// How deep a path goes before it stops (no type of the format is recursive; this only
/// bounds a mistake).
const DEPTH: usize = 40;

/// A value of the JSON type `s` states, as shallow as it gets: the reader accepts or rejects
/// its key before it reads the value.
fn shallow(s: &Value, defs: &Value) -> Value {
    if let Some(r) = s["$ref"].as_str() {
        return shallow(&defs[r.trim_start_matches("#/$defs/")], defs);
    }
    if let Some(c) = s.get("const") {
        return c.clone();
    }
    if let Some(Value::Array(e)) = s.get("enum") {
        return e[0].clone();
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(alts)) = s.get(key) {
            return shallow(&alts[0], defs);
        }
    }
    let ty = match &s["type"] {
        Value::Array(ts) => ts.iter().find(|t| *t != "null").unwrap_or(&Value::Null),
        t => t,
    };
    match ty.as_str() {
        Some("object") => json!({}),
        Some("array") => json!([]),
        Some("integer" | "number") => json!(1),
        Some("boolean") => json!(true),
        Some("null") => Value::Null,
        _ => json!("x"),
    }
}

/// One document per field `s` lists, at any depth: the field alone in its object, the objects
/// above it holding only the way down to it. A key the reader does not know is the first it
/// meets in its object, so nothing else in the document can hide it.
fn documents(
    s: &Value,
    defs: &Value,
    wrap: &dyn Fn(Value) -> Value,
    out: &mut Vec<(String, Value)>,
    path: &str,
    depth: usize,
) {
    assert!(
        depth < DEPTH,
        "the schema nests deeper than {DEPTH} at {path}"
    );
    if let Some(r) = s["$ref"].as_str() {
        let def = &defs[r.trim_start_matches("#/$defs/")];
        return documents(def, defs, wrap, out, path, depth + 1);
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(alts)) = s.get(key) {
            for a in alts {
                documents(a, defs, wrap, out, path, depth + 1);
            }
        }
    }
    if let Some(Value::Object(props)) = s.get("properties") {
        for (k, p) in props {
            let here = format!("{path}/{k}");
            let key = k.clone();
            out.push((here.clone(), wrap(json!({ k.as_str(): shallow(p, defs) }))));
            let down = move |v: Value| wrap(json!({ key.as_str(): v }));
            documents(p, defs, &down, out, &here, depth + 1);
        }
    } else if let Some(v) = s.get("additionalProperties").filter(|v| v.is_object()) {
        let down = |x: Value| wrap(json!({ "k": x }));
        documents(v, defs, &down, out, &format!("{path}/k"), depth + 1);
    }
    if let Some(items) = s.get("items").filter(|v| v.is_object()) {
        let down = |x: Value| wrap(json!([x]));
        documents(items, defs, &down, out, &format!("{path}/0"), depth + 1);
    }
}

#[test]
fn every_field_the_schema_lists_the_reader_accepts() {
    let s = schema();
    let mut docs = Vec::new();
    documents(&s, &s["$defs"], &|v| v, &mut docs, "", 0);
    let mut rejected = Vec::new();
    for (path, doc) in &docs {
        let text = serde_json::to_string(doc).unwrap();
        let Err(diags) = moat_ingest::parse_native_str("generated.json", &text) else {
            continue;
        };
        rejected.extend(
            diags
                .iter()
                .filter(|d| d.code == "unknown-field")
                .map(|d| format!("{path}: {} ({text})", d.message)),
        );
    }
    assert!(
        rejected.is_empty(),
        "the schema lists fields the reader rejects:\n{}",
        rejected.join("\n")
    );
    // Every resource kind's fields, not only the top-level keys.
    assert!(docs.len() > 300, "{} fields", docs.len());
}
