//! Type constraints of input variables (`list(object({a = optional(string, "x")}))`) and the
//! conversions Terraform applies when a value is assigned to a variable of that type.

use crate::value::Value;
use hcl_edit::expr::{Expression, ObjectKey};
use std::collections::BTreeMap;

/// A type constraint.
#[derive(Clone, Debug, PartialEq)]
pub enum Ty {
    Any,
    String,
    Number,
    Bool,
    List(Box<Ty>),
    Set(Box<Ty>),
    Map(Box<Ty>),
    Tuple(Vec<Ty>),
    /// Attributes: name, type, and for optional ones the default (`Some(None)` = optional, no default).
    Object(Vec<(String, Ty, Option<Option<Value>>)>),
}

/// Reads a type constraint; `literal` evaluates the defaults of `optional(T, default)`.
pub fn parse_type(
    e: &Expression,
    literal: &mut dyn FnMut(&Expression) -> Option<Value>,
) -> Result<Ty, String> {
    match e {
        Expression::Variable(v) => match v.as_str() {
            "string" => Ok(Ty::String),
            "number" => Ok(Ty::Number),
            "bool" => Ok(Ty::Bool),
            "any" => Ok(Ty::Any),
            other => Err(format!("`{other}` is not a type")),
        },
        Expression::Parenthesis(p) => parse_type(p.inner(), literal),
        Expression::FuncCall(f) => {
            let name = f.name.name.as_str();
            let args: Vec<&Expression> = f.args.iter().collect();
            let one = |lit: &mut dyn FnMut(&Expression) -> Option<Value>| -> Result<Ty, String> {
                match args.as_slice() {
                    [a] => parse_type(a, lit),
                    _ => Err(format!("`{name}(...)` takes one type")),
                }
            };
            match name {
                "list" => Ok(Ty::List(Box::new(one(literal)?))),
                "set" => Ok(Ty::Set(Box::new(one(literal)?))),
                "map" => Ok(Ty::Map(Box::new(one(literal)?))),
                "tuple" => match args.as_slice() {
                    [Expression::Array(a)] => Ok(Ty::Tuple(
                        a.iter()
                            .map(|x| parse_type(x, literal))
                            .collect::<Result<_, _>>()?,
                    )),
                    _ => Err("`tuple(...)` takes a list of types".into()),
                },
                "object" => match args.as_slice() {
                    [Expression::Object(o)] => {
                        let mut attrs = Vec::new();
                        for (k, v) in o.iter() {
                            let key = match k {
                                ObjectKey::Ident(i) => i.as_str().to_string(),
                                ObjectKey::Expression(Expression::String(s)) => s.value().clone(),
                                _ => {
                                    return Err(
                                        "object type attribute names must be identifiers".into()
                                    );
                                }
                            };
                            let (ty, opt) = attr_type(v.expr(), literal)?;
                            attrs.push((key, ty, opt));
                        }
                        Ok(Ty::Object(attrs))
                    }
                    _ => Err("`object(...)` takes an object of types".into()),
                },
                other => Err(format!("`{other}(...)` is not a type")),
            }
        }
        _ => Err("not a type constraint".into()),
    }
}

fn attr_type(
    e: &Expression,
    literal: &mut dyn FnMut(&Expression) -> Option<Value>,
) -> Result<(Ty, Option<Option<Value>>), String> {
    if let Expression::FuncCall(f) = e
        && f.name.name.as_str() == "optional"
    {
        let args: Vec<&Expression> = f.args.iter().collect();
        return match args.as_slice() {
            [t] => Ok((parse_type(t, literal)?, Some(None))),
            [t, d] => Ok((parse_type(t, literal)?, Some(literal(d)))),
            _ => Err("`optional(...)` takes a type and an optional default".into()),
        };
    }
    Ok((parse_type(e, literal)?, None))
}

/// An object attribute that a conversion dropped because the object type does not declare it:
/// its name and where it sat in the value (`["blob"].private_dns_zone_resource_name`).
#[derive(Clone, Debug, PartialEq)]
pub struct Dropped {
    pub name: String,
    pub path: String,
}

/// Converts a value to a type, as Terraform does on assignment to a variable. Attributes an
/// object type does not declare are dropped, as Terraform drops them; each one is reported in
/// `dropped` so the caller can say so.
pub fn convert(v: &Value, ty: &Ty, dropped: &mut Vec<Dropped>) -> Result<Value, String> {
    convert_at(v, ty, "", dropped)
}

fn convert_at(v: &Value, ty: &Ty, path: &str, dropped: &mut Vec<Dropped>) -> Result<Value, String> {
    if matches!(v, Value::Unknown(_)) || matches!(ty, Ty::Any) {
        return Ok(v.clone());
    }
    if v.is_null() {
        return Ok(Value::Null);
    }
    match ty {
        Ty::Any => Ok(v.clone()),
        Ty::String => v
            .to_tf_string()
            .map(Value::String)
            .ok_or_else(|| format!("a string is required, not {}", v.type_name())),
        Ty::Number => v
            .to_number()
            .map(Value::Number)
            .ok_or_else(|| format!("a number is required, not {}", v.brief())),
        Ty::Bool => v
            .to_bool()
            .map(Value::Bool)
            .ok_or_else(|| format!("a bool is required, not {}", v.brief())),
        Ty::List(t) | Ty::Set(t) => {
            let items: Vec<Value> = match v {
                Value::List(l) => l
                    .iter()
                    .enumerate()
                    .map(|(i, x)| convert_at(x, t, &format!("{path}[{i}]"), dropped))
                    .collect::<Result<_, _>>()?,
                _ => return Err(format!("a list is required, not {}", v.type_name())),
            };
            if matches!(ty, Ty::Set(_)) {
                Ok(make_set(items))
            } else {
                Ok(Value::list(items))
            }
        }
        Ty::Map(t) => match v.as_map() {
            Some(m) => Ok(Value::map(
                m.iter()
                    .map(|(k, x)| {
                        let at = format!("{path}[{k:?}]");
                        Ok((k.clone(), convert_at(x, t, &at, dropped)?))
                    })
                    .collect::<Result<_, String>>()?,
            )),
            None => Err(format!("a map is required, not {}", v.type_name())),
        },
        Ty::Tuple(ts) => match v {
            Value::List(l) if l.len() == ts.len() => Ok(Value::list(
                l.iter()
                    .zip(ts)
                    .enumerate()
                    .map(|(i, (x, t))| convert_at(x, t, &format!("{path}[{i}]"), dropped))
                    .collect::<Result<_, _>>()?,
            )),
            _ => Err(format!("a tuple of {} elements is required", ts.len())),
        },
        Ty::Object(attrs) => convert_object(v, attrs, path, dropped),
    }
}

/// An object type keeps its declared attributes: given ones converted, absent or null optional
/// ones set to their default (or null), and drops every other attribute.
fn convert_object(
    v: &Value,
    attrs: &[(String, Ty, Option<Option<Value>>)],
    path: &str,
    dropped: &mut Vec<Dropped>,
) -> Result<Value, String> {
    let Some(m) = v.as_map() else {
        return Err(format!("an object is required, not {}", v.type_name()));
    };
    let mut out = BTreeMap::new();
    for (name, t, opt) in attrs {
        let at = format!("{path}.{name}");
        let given = m.get(name).filter(|x| !x.is_null());
        let val =
            match (given, opt) {
                (Some(x), _) => convert_at(x, t, &at, dropped)
                    .map_err(|e| format!("attribute `{name}`: {e}"))?,
                // A default is converted to the attribute's type, which fills the defaults of
                // the nested optional attributes too.
                (None, Some(Some(d))) => convert_at(d, t, &at, dropped)
                    .map_err(|e| format!("default of `{name}`: {e}"))?,
                (None, Some(None)) => Value::Null,
                (None, None) if m.contains_key(name) => Value::Null,
                (None, None) => return Err(format!("attribute `{name}` is required")),
            };
        out.insert(name.clone(), val);
    }
    for k in m.keys() {
        if !attrs.iter().any(|(n, _, _)| n == k) {
            dropped.push(Dropped {
                name: k.clone(),
                path: format!("{path}.{k}"),
            });
        }
    }
    Ok(Value::map(out))
}

/// A set: duplicates removed; primitive elements sorted as Terraform orders them.
pub fn make_set(items: Vec<Value>) -> Value {
    let mut out: Vec<Value> = Vec::with_capacity(items.len());
    for x in items {
        if !out.iter().any(|y| y.tf_eq(&x) == Some(true)) {
            out.push(x);
        }
    }
    if out.iter().all(|x| matches!(x, Value::String(_))) {
        out.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    } else if out.iter().all(|x| matches!(x, Value::Number(_))) {
        out.sort_by(|a, b| {
            a.to_number()
                .unwrap_or(0.0)
                .total_cmp(&b.to_number().unwrap_or(0.0))
        });
    }
    Value::list(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(s: &str) -> Ty {
        let e: Expression = s.parse().unwrap();
        parse_type(&e, &mut |d| match d {
            Expression::String(s) => Some(Value::str(s.value().clone())),
            Expression::Number(n) => n.value().as_f64().map(Value::Number),
            Expression::Bool(b) => Some(Value::Bool(*b.value())),
            _ => None,
        })
        .unwrap()
    }

    #[test]
    fn optional_attributes_take_defaults() {
        let t = ty(
            r#"map(object({ cidr = string, nsg = optional(bool, true), tag = optional(string) }))"#,
        );
        let mut inner = BTreeMap::new();
        inner.insert("cidr".to_string(), Value::str("10.0.0.0/24"));
        let mut outer = BTreeMap::new();
        outer.insert("a".to_string(), Value::map(inner));
        let mut dropped = Vec::new();
        let v = convert(&Value::map(outer), &t, &mut dropped).unwrap();
        let a = v.as_map().unwrap()["a"].as_map().unwrap().clone();
        assert_eq!(a["nsg"], Value::Bool(true));
        assert_eq!(a["tag"], Value::Null);
        assert!(
            dropped.is_empty(),
            "optional attributes are declared: {dropped:?}"
        );
    }

    #[test]
    fn primitives_convert_and_sets_sort() {
        assert_eq!(
            convert(&Value::str("5"), &Ty::Number, &mut Vec::new()).unwrap(),
            Value::Number(5.0)
        );
        assert!(convert(&Value::str("x"), &Ty::Number, &mut Vec::new()).is_err());
        let s = convert(
            &Value::list(vec![Value::str("b"), Value::str("a"), Value::str("b")]),
            &ty("set(string)"),
            &mut Vec::new(),
        )
        .unwrap();
        assert_eq!(s, Value::list(vec![Value::str("a"), Value::str("b")]));
    }

    /// Terraform converts an object to an object type by keeping the declared attributes
    /// (hashicorp/terraform#29204: "an object can always be converted to another object with
    /// a matching subset of attributes"); the ones left out are reported with their place.
    #[test]
    fn undeclared_attributes_are_dropped_and_reported() {
        let t = ty(r#"map(object({ subnet_id = string, zone = optional(string) }))"#);
        let mut inner = BTreeMap::new();
        inner.insert("subnet_id".to_string(), Value::str("s"));
        inner.insert("zone_name".to_string(), Value::str("z"));
        let mut outer = BTreeMap::new();
        outer.insert("blob".to_string(), Value::map(inner));
        let mut dropped = Vec::new();
        let v = convert(&Value::map(outer), &t, &mut dropped).unwrap();
        let blob = v.as_map().unwrap()["blob"].as_map().unwrap().clone();
        assert!(!blob.contains_key("zone_name"));
        assert_eq!(blob["zone"], Value::Null);
        assert_eq!(
            dropped,
            [Dropped {
                name: "zone_name".into(),
                path: r#"["blob"].zone_name"#.into()
            }]
        );
    }
}
