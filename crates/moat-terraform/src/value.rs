//! Values of the Terraform language as the evaluator sees them, with an explicit unknown.
//!
//! Maps and objects are one kind (`Map`), kept sorted by key as Terraform iterates them; lists,
//! tuples and sets are one kind (`List`). `Res` is the object of a resource instance or of one
//! of its nested blocks: an attribute it does not hold is computed by the provider, so reading
//! it yields an unknown instead of an error. Collections are reference-counted so that passing
//! a resource around costs nothing.

use moat_model::Provenance;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::rc::Rc;

/// A position in a source file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Loc {
    pub file: Rc<str>,
    pub line: u32,
    pub column: u32,
    pub offset: usize,
    pub len: usize,
}

impl Loc {
    /// The provenance of a model element read at this position.
    pub fn provenance(&self, pointer: &str) -> Provenance {
        Provenance {
            file: self.file.to_string(),
            line: self.line,
            column: self.column,
            pointer: pointer.to_string(),
            offset: self.offset,
            len: self.len,
        }
    }
}

impl std::fmt::Display for Loc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// A value that cannot be known before apply (or at all, from the configuration alone).
#[derive(Clone, Debug, PartialEq)]
pub struct Unk {
    /// Why it is unknown, in words a user can act on.
    pub reason: String,
    /// Where it arose.
    pub at: Loc,
    /// The attribute it stands for, when it is an attribute computed by the provider:
    /// (address of the object holding it, attribute name). Lets the mapper recognise, say, the
    /// private IP of a firewall or the identity of a workspace.
    pub origin: Option<(String, String)>,
    /// For a string built from known and unknown parts (a template): its text with each
    /// unknown part marked `⟨…⟩`, so an id built from an unknown subscription or name still
    /// names a resource (see `moat_arm::idmatch`). A part that is the unknown name of a
    /// resource is marked `⟨=<its model name>⟩`. For the result of `jsonencode()`, the JSON
    /// text with each unknown value written `{"$unknown": reason}`.
    pub partial: Option<Rc<str>>,
    /// For the instances of a resource whose `count`/`for_each` is unknown: the one instance
    /// that stands for them, so `azurerm_x.y[0].id` still names the resource.
    pub instance: Option<Rc<ResObj>>,
}

impl Unk {
    /// How the unknown reads inside a string built around it: the model name of the resource
    /// whose unknown name it is (which identifies it), its own known text, or a mark unique to
    /// it.
    pub fn marker(&self) -> String {
        if let Some((addr, attr)) = &self.origin
            && attr == "name"
        {
            return format!("⟨={}⟩", crate::ids::fallback_name(addr));
        }
        if let Some(p) = &self.partial {
            return p.to_string();
        }
        let mut h = std::collections::hash_map::DefaultHasher::new();
        std::hash::Hash::hash(&(&self.reason, &*self.at.file, self.at.offset), &mut h);
        format!(
            "⟨{:012x}⟩",
            std::hash::Hasher::finish(&h) & 0xffff_ffff_ffff
        )
    }
}

/// An object whose absent attributes are computed by the provider.
#[derive(Clone, Debug, PartialEq)]
pub struct ResObj {
    /// The object's address (`module.net.azurerm_subnet.pe`, `azurerm_firewall.fw.ip_configuration[0]`).
    pub addr: String,
    pub attrs: BTreeMap<String, Value>,
    /// Where the object (a resource or a nested block) is written.
    pub loc: Loc,
    /// Where each attribute is written.
    pub attr_locs: AttrLocs,
}

/// Where each attribute of an object is written, sorted by name: exactly its entries, where a
/// B-tree map's node has room for eleven (an object has a few, and a large configuration has
/// tens of thousands of objects).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AttrLocs(Box<[(String, Loc)]>);

impl AttrLocs {
    pub fn get(&self, k: &str) -> Option<&Loc> {
        self.0
            .binary_search_by(|(n, _)| n.as_str().cmp(k))
            .ok()
            .map(|i| &self.0[i].1)
    }
}

impl From<BTreeMap<String, Loc>> for AttrLocs {
    fn from(m: BTreeMap<String, Loc>) -> AttrLocs {
        AttrLocs(m.into_iter().collect())
    }
}

/// A Terraform value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    List(Rc<Vec<Value>>),
    Map(Rc<BTreeMap<String, Value>>),
    Res(Rc<ResObj>),
    Unknown(Rc<Unk>),
}

impl Value {
    pub fn list(v: Vec<Value>) -> Value {
        Value::List(Rc::new(v))
    }

    pub fn map(m: BTreeMap<String, Value>) -> Value {
        Value::Map(Rc::new(m))
    }

    pub fn str(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    pub fn unknown(reason: impl Into<String>, at: &Loc) -> Value {
        Value::Unknown(Rc::new(Unk {
            reason: reason.into(),
            at: at.clone(),
            origin: None,
            partial: None,
            instance: None,
        }))
    }

    /// An unknown collection of instances, all standing as `one`.
    pub fn unknown_with(reason: impl Into<String>, at: &Loc, one: Rc<ResObj>) -> Value {
        Value::Unknown(Rc::new(Unk {
            reason: reason.into(),
            at: at.clone(),
            origin: None,
            partial: None,
            instance: Some(one),
        }))
    }

    /// The value with an unknown's origin and known text dropped: for results computed from
    /// an unknown, which no longer stand for the provider's attribute itself.
    pub fn derived(&self) -> Value {
        match self {
            Value::Unknown(u)
                if u.origin.is_some() || u.partial.is_some() || u.instance.is_some() =>
            {
                Value::unknown(u.reason.clone(), &u.at)
            }
            other => other.clone(),
        }
    }

    /// The unknown part `access` (`.pe_subnet_id`, `["training"]`) of an unknown value: its
    /// reason names the part before the root cause (`` `network.pe_subnet_id`: variable
    /// `network` has no value``), so two parts of one unknown object are told apart (their
    /// placeholders and marks differ). A part of an attribute the provider computes is still
    /// the provider's: it keeps its origin, the path below the attribute written after it
    /// (`custom_dns_configs[0].ip_addresses`), so the mapper still knows whose it is. An
    /// unknown that stands for something else (known text, instances) is derived as before.
    pub fn part(&self, access: &str) -> Value {
        let Value::Unknown(u) = self else {
            return self.clone();
        };
        if let Some((addr, attr)) = &u.origin
            && u.partial.is_none()
            && u.instance.is_none()
        {
            let path = format!("{attr}{access}");
            let whole = format!("`{addr}.{attr}`");
            // Only a reason that names the attribute can name the part (see `computed`).
            if u.reason.starts_with(&whole) {
                return Value::Unknown(Rc::new(Unk {
                    reason: u.reason.replacen(&whole, &format!("`{addr}.{path}`"), 1),
                    at: u.at.clone(),
                    origin: Some((addr.clone(), path)),
                    partial: None,
                    instance: None,
                }));
            }
        }
        if u.origin.is_some() || u.partial.is_some() || u.instance.is_some() {
            return self.derived();
        }
        let (path, root) = match u.reason.strip_prefix('`').and_then(|r| r.split_once("`: ")) {
            Some((path, root)) => (path, root),
            None => match u.reason.split('`').nth(1).filter(|p| !p.is_empty()) {
                Some(path) => (path, u.reason.as_str()),
                None => return self.clone(),
            },
        };
        Value::unknown(format!("`{path}{access}`: {root}"), &u.at)
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown(_))
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The first unknown anywhere inside the value.
    pub fn deep_unknown(&self) -> Option<&Rc<Unk>> {
        match self {
            Value::Unknown(u) => Some(u),
            Value::List(l) => l.iter().find_map(Value::deep_unknown),
            Value::Map(m) => m.values().find_map(Value::deep_unknown),
            Value::Res(r) => r.attrs.values().find_map(Value::deep_unknown),
            _ => None,
        }
    }

    /// The entries of a map, object or resource object.
    pub fn as_map(&self) -> Option<&BTreeMap<String, Value>> {
        match self {
            Value::Map(m) => Some(m),
            Value::Res(r) => Some(&r.attrs),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The name of the value's type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Map(_) | Value::Res(_) => "object",
            Value::Unknown(_) => "unknown",
        }
    }

    /// The value as a string, as Terraform converts primitives to strings.
    pub fn to_tf_string(&self) -> Option<String> {
        match self {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(fmt_number(*n)),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// A number from a number or a numeric string.
    pub fn to_number(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            Value::String(s) => s.trim().parse::<f64>().ok().filter(|n| n.is_finite()),
            _ => None,
        }
    }

    /// A bool from a bool or `"true"`/`"false"`.
    pub fn to_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::String(s) if s == "true" => Some(true),
            Value::String(s) if s == "false" => Some(false),
            _ => None,
        }
    }

    /// Equality as Terraform's `==`: values of different types are unequal; unknowns give `None`.
    pub fn tf_eq(&self, other: &Value) -> Option<bool> {
        match (self, other) {
            (Value::Unknown(_), _) | (_, Value::Unknown(_)) => None,
            (Value::Null, Value::Null) => Some(true),
            (Value::Bool(a), Value::Bool(b)) => Some(a == b),
            (Value::Number(a), Value::Number(b)) => Some(a == b),
            (Value::String(a), Value::String(b)) => Some(a == b),
            (Value::List(a), Value::List(b)) => {
                if a.len() != b.len() {
                    return Some(false);
                }
                let mut unknown = false;
                for (x, y) in a.iter().zip(b.iter()) {
                    match x.tf_eq(y) {
                        Some(false) => return Some(false),
                        None => unknown = true,
                        Some(true) => {}
                    }
                }
                if unknown { None } else { Some(true) }
            }
            (a, b) if a.as_map().is_some() && b.as_map().is_some() => {
                let (a, b) = (a.as_map()?, b.as_map()?);
                if a.len() != b.len() || a.keys().zip(b.keys()).any(|(x, y)| x != y) {
                    return Some(false);
                }
                let mut unknown = false;
                for (x, y) in a.values().zip(b.values()) {
                    match x.tf_eq(y) {
                        Some(false) => return Some(false),
                        None => unknown = true,
                        Some(true) => {}
                    }
                }
                if unknown { None } else { Some(true) }
            }
            _ => Some(false),
        }
    }

    /// JSON form (for `jsonencode` and for the ARM mapper); unknowns become `{"$unknown": reason}`.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Number(n) => {
                if n.fract() == 0.0 && n.abs() < 9.0e15 {
                    J::from(*n as i64)
                } else {
                    serde_json::Number::from_f64(*n)
                        .map(J::Number)
                        .unwrap_or(J::Null)
                }
            }
            Value::String(s) => J::String(s.clone()),
            Value::List(l) => J::Array(l.iter().map(Value::to_json).collect()),
            Value::Map(m) => J::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
            Value::Res(r) => J::Object(
                r.attrs
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_json()))
                    .collect(),
            ),
            Value::Unknown(u) => {
                let mut o = serde_json::Map::new();
                o.insert("$unknown".into(), J::String(u.reason.clone()));
                if let Some(p) = &u.partial {
                    o.insert("$partial".into(), J::String(p.to_string()));
                }
                J::Object(o)
            }
        }
    }

    /// A value from JSON (for `jsondecode`).
    pub fn from_json(j: &serde_json::Value) -> Value {
        use serde_json::Value as J;
        match j {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(*b),
            J::Number(n) => Value::Number(n.as_f64().unwrap_or(0.0)),
            J::String(s) => Value::String(s.clone()),
            J::Array(a) => Value::list(a.iter().map(Value::from_json).collect()),
            J::Object(o) => Value::map(
                o.iter()
                    .map(|(k, v)| (k.clone(), Value::from_json(v)))
                    .collect(),
            ),
        }
    }

    /// A short rendering for messages.
    pub fn brief(&self) -> String {
        let mut s = String::new();
        self.write_brief(&mut s, 0);
        s
    }

    fn write_brief(&self, out: &mut String, depth: usize) {
        if out.len() > 120 || depth > 4 {
            out.push('…');
            return;
        }
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => {
                let _ = write!(out, "{b}");
            }
            Value::Number(n) => out.push_str(&fmt_number(*n)),
            Value::String(s) => {
                let _ = write!(out, "{s:?}");
            }
            Value::List(l) => {
                out.push('[');
                for (i, v) in l.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    v.write_brief(out, depth + 1);
                }
                out.push(']');
            }
            Value::Map(_) | Value::Res(_) => {
                out.push('{');
                for (i, (k, v)) in self.as_map().into_iter().flatten().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    let _ = write!(out, "{k} = ");
                    v.write_brief(out, depth + 1);
                }
                out.push('}');
            }
            Value::Unknown(_) => out.push_str("(unknown)"),
        }
    }
}

/// Formats a number as Terraform prints it (integers without a fraction).
pub fn fmt_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e17 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_locations_are_found_by_name() {
        let at = |line| Loc {
            line,
            ..Default::default()
        };
        let locs = AttrLocs::from(BTreeMap::from([
            ("tags".to_string(), at(4)),
            ("name".to_string(), at(2)),
            ("location".to_string(), at(3)),
        ]));
        let line = |k: &str| locs.get(k).map(|l| l.line);
        assert_eq!(
            (line("name"), line("location"), line("tags")),
            (Some(2), Some(3), Some(4))
        );
        assert_eq!((line("id"), line("")), (None, None));
        assert_eq!(AttrLocs::default().get("name"), None);
    }

    #[test]
    fn equality_is_typed_and_unknown_aware() {
        let l = Loc::default();
        assert_eq!(Value::Number(1.0).tf_eq(&Value::str("1")), Some(false));
        assert_eq!(
            Value::list(vec![Value::Null]).tf_eq(&Value::list(vec![Value::Null])),
            Some(true)
        );
        assert_eq!(Value::unknown("x", &l).tf_eq(&Value::Null), None);
        assert_eq!(fmt_number(3.0), "3");
        assert_eq!(fmt_number(2.5), "2.5");
    }
}
