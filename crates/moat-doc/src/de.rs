//! Serde over located nodes: typed values out of a [`Node`] tree, with every error pinned to
//! the node that caused it and a "did you mean" for misspelt keys and values.
//!
//! A struct that declares a field named `$at` receives its own [`Provenance`] there, so model
//! types learn where they were written without knowing about the tree.

use crate::source::{SourceFile, Span};
use crate::tree::{Node, Scalar, Value};
use moat_model::Provenance;
use moat_model::suggest::did_you_mean;
use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};
use std::fmt;

/// A deserialisation error with the span of the node at fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeError {
    pub code: &'static str,
    pub message: String,
    pub hint: Option<String>,
    pub span: Option<Span>,
}

impl DeError {
    fn new(code: &'static str, message: String, hint: Option<String>) -> DeError {
        DeError {
            code,
            message,
            hint,
            span: None,
        }
    }

    /// Pins the error to `span` unless a deeper node already claimed it.
    fn at(mut self, span: Span) -> DeError {
        if self.span.is_none() {
            self.span = Some(span);
        }
        self
    }
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        let m = msg.to_string();
        if m.starts_with("data did not match any variant of untagged enum") {
            let what = m.rsplit(' ').next().unwrap_or_default().to_string();
            return DeError::new(
                "invalid-value",
                format!("this value does not fit {what}"),
                Some("check the shape of this value against `moat schema`".into()),
            );
        }
        DeError::new("invalid-value", m, None)
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        let visible: Vec<&str> = expected
            .iter()
            .copied()
            .filter(|f| !f.starts_with('$'))
            .collect();
        let hint = match did_you_mean(field, visible.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("known fields: {}", visible.join(", ")),
        };
        DeError::new(
            "unknown-field",
            format!("unknown field `{field}`"),
            Some(hint),
        )
    }

    fn missing_field(field: &'static str) -> Self {
        DeError::new(
            "missing-field",
            format!("missing required field `{field}`"),
            Some(format!("add `{field}:` here")),
        )
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        let hint = match did_you_mean(variant, expected.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("expected one of: {}", expected.join(", ")),
        };
        DeError::new(
            "invalid-value",
            format!("`{variant}` is not an accepted value"),
            Some(hint),
        )
    }

    fn invalid_type(unexp: de::Unexpected, exp: &dyn de::Expected) -> Self {
        DeError::new(
            "invalid-type",
            format!("expected {exp}, found {unexp}"),
            None,
        )
    }

    fn invalid_length(len: usize, exp: &dyn de::Expected) -> Self {
        DeError::new(
            "invalid-value",
            format!("expected {exp}, found {len} items"),
            None,
        )
    }
}

/// Deserialises `T` from a node of `file`; `pointer` is the node's JSON pointer in the file.
pub fn from_node<'a, T: de::Deserialize<'a>>(
    node: &'a Node,
    file: &'a SourceFile,
    pointer: &str,
) -> Result<T, DeError> {
    T::deserialize(NodeDe {
        node,
        file,
        path: Path::Root(pointer),
    })
}

/// Like [`from_node`], but reports every error in the node rather than the first: after an
/// error, the entry at fault is cut out of a copy of the node and deserialisation runs again,
/// until it succeeds or nothing more can be cut.
pub fn from_node_all<T: de::DeserializeOwned>(
    node: &Node,
    file: &SourceFile,
    pointer: &str,
) -> Result<T, Vec<DeError>> {
    // Most resources read at the first try: the node is copied only to cut errors out of it.
    let first = match from_node::<T>(node, file, pointer) {
        Ok(v) => return Ok(v),
        Err(e) => e,
    };
    let mut work = node.clone();
    let mut errs: Vec<DeError> = Vec::new();
    let mut removed: Vec<(Span, String)> = Vec::new();
    let mut next = Some(Err(first));
    for _ in 0..64 {
        let attempt = next
            .take()
            .unwrap_or_else(|| from_node::<T>(&work, file, pointer));
        match attempt {
            Ok(v) if errs.is_empty() => return Ok(v),
            Ok(_) => return Err(errs),
            Err(e) => {
                let span = e.span.unwrap_or(work.span);
                let caused_by_cut = e.code == "missing-field"
                    && removed
                        .iter()
                        .any(|(s, k)| *s == span && e.message.contains(&format!("`{k}`")));
                if caused_by_cut {
                    break;
                }
                errs.push(e);
                match cut(&mut work, span) {
                    Some(cut) => removed.push(cut),
                    None => break,
                }
            }
        }
    }
    Err(errs)
}

/// Removes the innermost map entry or list item holding `span`; returns the span of the map it
/// was cut from and the key (empty for list items).
fn cut(node: &mut Node, span: Span) -> Option<(Span, String)> {
    let inside = |outer: Span, inner: Span| {
        outer.offset <= inner.offset && inner.offset + inner.len <= outer.offset + outer.len
    };
    let here = node.span;
    match &mut node.value {
        Value::Map(entries) => {
            let i = entries
                .iter()
                .position(|(k, v)| inside(k.span, span) || inside(v.span, span))?;
            let (k, v) = &mut entries[i];
            if !inside(k.span, span)
                && v.span != span
                && let Some(c) = cut(v, span)
            {
                return Some(c);
            }
            let key = k.text().unwrap_or_default().to_string();
            entries.remove(i);
            Some((here, key))
        }
        Value::Seq(items) => {
            let i = items.iter().position(|v| inside(v.span, span))?;
            if items[i].span != span
                && let Some(c) = cut(&mut items[i], span)
            {
                return Some(c);
            }
            items.remove(i);
            Some((here, String::new()))
        }
        Value::Scalar { .. } => None,
    }
}

/// Where a node sits in its file: the steps from the node deserialisation started at, on the
/// stack of the deserializers. The JSON pointer is written out only when a provenance asks for
/// it, not for every node read.
#[derive(Clone, Copy)]
enum Path<'p> {
    /// The JSON pointer of the node deserialisation started at.
    Root(&'p str),
    Key(&'p Path<'p>, &'p str),
    Index(&'p Path<'p>, usize),
}

impl Path<'_> {
    fn write(&self, out: &mut String) {
        match self {
            Path::Root(p) => out.push_str(p),
            Path::Key(parent, key) => {
                parent.write(out);
                out.push('/');
                for c in key.chars() {
                    match c {
                        '~' => out.push_str("~0"),
                        '/' => out.push_str("~1"),
                        c => out.push(c),
                    }
                }
            }
            Path::Index(parent, i) => {
                parent.write(out);
                out.push('/');
                out.push_str(&i.to_string());
            }
        }
    }
}

/// A deserializer over one node.
pub struct NodeDe<'a, 'p> {
    node: &'a Node,
    file: &'a SourceFile,
    path: Path<'p>,
}

impl<'a, 'p> NodeDe<'a, 'p> {
    fn child<'q>(&'q self, node: &'a Node, step: Path<'q>) -> NodeDe<'a, 'q> {
        NodeDe {
            node,
            file: self.file,
            path: step,
        }
    }

    fn provenance(&self) -> Provenance {
        let (line, column) = self.file.line_col(self.node.span.offset);
        Provenance {
            file: self.file.name.clone(),
            line,
            column,
            pointer: {
                let mut p = String::new();
                self.path.write(&mut p);
                p
            },
            offset: self.node.span.offset,
            len: self.node.span.len,
        }
    }

    fn unexpected(&self) -> de::Unexpected<'a> {
        match &self.node.value {
            Value::Seq(_) => de::Unexpected::Seq,
            Value::Map(_) => de::Unexpected::Map,
            Value::Scalar { text, .. } => match self.node.scalar() {
                Some(Scalar::Null) => de::Unexpected::Unit,
                Some(Scalar::Bool(b)) => de::Unexpected::Bool(b),
                Some(Scalar::Int(i)) => {
                    if let Ok(v) = i64::try_from(i) {
                        de::Unexpected::Signed(v)
                    } else {
                        de::Unexpected::Other("a large integer")
                    }
                }
                Some(Scalar::Float(f)) => de::Unexpected::Float(f),
                _ => de::Unexpected::Str(text),
            },
        }
    }

    fn invalid<V>(&self, exp: &dyn de::Expected) -> Result<V, DeError> {
        Err(<DeError as de::Error>::invalid_type(self.unexpected(), exp).at(self.node.span))
    }

    fn int(&self) -> Option<i128> {
        match self.node.scalar()? {
            Scalar::Int(i) => Some(i),
            // Loose inputs quote numbers ("443").
            Scalar::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
}

/// Attaches the node's span to errors from a visitor, and names the offending value.
fn pin<T>(r: Result<T, DeError>, node: &Node) -> Result<T, DeError> {
    r.map_err(|e| {
        let mut e = e;
        if e.span.is_none()
            && e.code == "invalid-value"
            && let Value::Scalar { text, .. } = &node.value
            && !e.message.contains(text.as_str())
            && text.len() < 200
        {
            e.message = format!("`{text}`: {}", e.message);
        }
        e.at(node.span)
    })
}

macro_rules! de_int {
    ($($method:ident => $visit:ident, $t:ty;)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
                match self.int() {
                    Some(i) => match <$t>::try_from(i) {
                        Ok(v) => pin(visitor.$visit(v), self.node),
                        Err(_) => Err(DeError::new(
                            "invalid-value",
                            format!("{i} is out of range for {}", stringify!($t)),
                            None,
                        ).at(self.node.span)),
                    },
                    None => self.invalid(&visitor),
                }
            }
        )*
    };
}

impl<'de> de::Deserializer<'de> for NodeDe<'de, '_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let node = self.node;
        let r = match &node.value {
            Value::Seq(_) => return self.deserialize_seq(visitor),
            Value::Map(_) => return self.deserialize_map(visitor),
            Value::Scalar { .. } => match node.scalar() {
                Some(Scalar::Null) | None => visitor.visit_unit(),
                Some(Scalar::Bool(b)) => visitor.visit_bool(b),
                Some(Scalar::Int(i)) => {
                    if let Ok(v) = u64::try_from(i) {
                        visitor.visit_u64(v)
                    } else if let Ok(v) = i64::try_from(i) {
                        visitor.visit_i64(v)
                    } else {
                        visitor.visit_i128(i)
                    }
                }
                Some(Scalar::Float(f)) => visitor.visit_f64(f),
                Some(Scalar::Str(s)) => visitor.visit_str(s),
            },
        };
        pin(r, node)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let b = match self.node.scalar() {
            Some(Scalar::Bool(b)) => Some(b),
            // Loose inputs write booleans as strings ('true').
            Some(Scalar::Str(s)) if s.eq_ignore_ascii_case("true") => Some(true),
            Some(Scalar::Str(s)) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        };
        match b {
            Some(b) => pin(visitor.visit_bool(b), self.node),
            None => self.invalid(&visitor),
        }
    }

    de_int! {
        deserialize_i8 => visit_i8, i8;
        deserialize_i16 => visit_i16, i16;
        deserialize_i32 => visit_i32, i32;
        deserialize_i64 => visit_i64, i64;
        deserialize_u8 => visit_u8, u8;
        deserialize_u16 => visit_u16, u16;
        deserialize_u32 => visit_u32, u32;
        deserialize_u64 => visit_u64, u64;
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.node.scalar() {
            Some(Scalar::Float(f)) => pin(visitor.visit_f64(f), self.node),
            Some(Scalar::Int(i)) => pin(visitor.visit_f64(i as f64), self.node),
            _ => self.invalid(&visitor),
        }
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match (&self.node.value, self.node.scalar()) {
            (_, Some(Scalar::Null)) => self.invalid(&visitor),
            // Plain scalars that look like numbers or booleans are still text when text is wanted
            // (`version: 1.0`, `name: 2024`).
            (Value::Scalar { text, .. }, _) => pin(visitor.visit_str(text), self.node),
            _ => self.invalid(&visitor),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.node.scalar() {
            Some(Scalar::Null) => pin(visitor.visit_none(), self.node),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.node.scalar() {
            Some(Scalar::Null) => pin(visitor.visit_unit(), self.node),
            _ => self.invalid(&visitor),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.node.value {
            Value::Seq(items) => {
                let seq = SeqDe {
                    parent: &self,
                    items: items.iter().enumerate(),
                };
                pin(visitor.visit_seq(seq), self.node)
            }
            // An empty value (`subnets:`) reads as an empty list.
            Value::Scalar { .. } if self.node.scalar() == Some(Scalar::Null) => {
                let seq = SeqDe {
                    parent: &self,
                    items: [].iter().enumerate(),
                };
                pin(visitor.visit_seq(seq), self.node)
            }
            _ => self.invalid(&visitor),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.node.value {
            Value::Map(entries) => {
                let map = MapDe {
                    parent: &self,
                    entries: entries.iter(),
                    value: None,
                    at: None,
                };
                pin(visitor.visit_map(map), self.node)
            }
            Value::Scalar { .. } if self.node.scalar() == Some(Scalar::Null) => {
                let map = MapDe {
                    parent: &self,
                    entries: [].iter(),
                    value: None,
                    at: None,
                };
                pin(visitor.visit_map(map), self.node)
            }
            _ => self.invalid(&visitor),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let at = fields.contains(&"$at").then(|| self.provenance());
        match &self.node.value {
            Value::Map(entries) => {
                let map = MapDe {
                    parent: &self,
                    entries: entries.iter(),
                    value: None,
                    at,
                };
                pin(visitor.visit_map(map), self.node)
            }
            _ => self.invalid(&visitor),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match &self.node.value {
            Value::Scalar { text, .. } => pin(
                visitor.visit_enum(text.as_str().into_deserializer()),
                self.node,
            ),
            Value::Map(entries) if entries.len() == 1 => {
                let (k, v) = &entries[0];
                let variant = k.text().unwrap_or_default();
                let e = EnumDe {
                    variant,
                    value: self.child(v, Path::Key(&self.path, variant)),
                };
                pin(visitor.visit_enum(e), self.node)
            }
            _ => self.invalid(&visitor),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }
}

struct SeqDe<'s, 'a, 'p> {
    parent: &'s NodeDe<'a, 'p>,
    items: std::iter::Enumerate<std::slice::Iter<'a, Node>>,
}

impl<'de> de::SeqAccess<'de> for SeqDe<'_, 'de, '_> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        match self.items.next() {
            Some((i, n)) => seed
                .deserialize(self.parent.child(n, Path::Index(&self.parent.path, i)))
                .map(Some),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct MapDe<'s, 'a, 'p> {
    parent: &'s NodeDe<'a, 'p>,
    entries: std::slice::Iter<'a, (Node, Node)>,
    value: Option<&'a (Node, Node)>,
    /// The provenance to hand out as the `$at` field, before the real entries.
    at: Option<Provenance>,
}

impl<'de> de::MapAccess<'de> for MapDe<'_, 'de, '_> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        if self.at.is_some() {
            return seed
                .deserialize(de::value::StrDeserializer::<DeError>::new("$at"))
                .map(Some);
        }
        match self.entries.next() {
            Some(entry) => {
                self.value = Some(entry);
                let key = &entry.0;
                if key.text() == Some("$at") {
                    return Err(DeError::new(
                        "unknown-field",
                        "unknown field `$at`".to_string(),
                        Some("`$at` is reserved".into()),
                    )
                    .at(key.span));
                }
                seed.deserialize(NodeDe {
                    node: key,
                    file: self.parent.file,
                    path: self.parent.path,
                })
                .map(Some)
                .map_err(|e| e.at(key.span))
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        if let Some(at) = self.at.take() {
            return seed.deserialize(ProvenanceDe(at));
        }
        let (k, v) = self.value.take().expect("value after key");
        seed.deserialize(self.parent.child(
            v,
            Path::Key(&self.parent.path, k.text().unwrap_or_default()),
        ))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len() + usize::from(self.at.is_some()))
    }
}

struct EnumDe<'a, 'p> {
    variant: &'a str,
    value: NodeDe<'a, 'p>,
}

impl<'de, 'p> de::EnumAccess<'de> for EnumDe<'de, 'p> {
    type Error = DeError;
    type Variant = NodeDe<'de, 'p>;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, NodeDe<'de, 'p>), DeError> {
        let v = seed.deserialize(de::value::StrDeserializer::<DeError>::new(self.variant))?;
        Ok((v, self.value))
    }
}

impl<'de> de::VariantAccess<'de> for NodeDe<'de, '_> {
    type Error = DeError;

    fn unit_variant(self) -> Result<(), DeError> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, DeError> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _: usize, visitor: V) -> Result<V::Value, DeError> {
        de::Deserializer::deserialize_seq(self, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        de::Deserializer::deserialize_struct(self, "", fields, visitor)
    }
}

/// Hands a [`Provenance`] to the `$at` field as a mapping of its fields, without going through
/// an intermediate JSON value for every resource read.
struct ProvenanceDe(Provenance);

impl<'de> de::Deserializer<'de> for ProvenanceDe {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_map(ProvenanceFields {
            at: self.0,
            next: 0,
        })
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_some(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier
        ignored_any
    }
}

struct ProvenanceFields {
    at: Provenance,
    /// The index in [`PROVENANCE_FIELDS`] of the next field to hand out.
    next: usize,
}

const PROVENANCE_FIELDS: [&str; 6] = ["file", "line", "column", "pointer", "offset", "len"];

impl<'de> de::MapAccess<'de> for ProvenanceFields {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        match PROVENANCE_FIELDS.get(self.next) {
            Some(f) => seed
                .deserialize(de::value::StrDeserializer::<DeError>::new(f))
                .map(Some),
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let at = &mut self.at;
        let field = self.next;
        self.next += 1;
        match field {
            0 => seed.deserialize(std::mem::take(&mut at.file).into_deserializer()),
            1 => seed.deserialize(at.line.into_deserializer()),
            2 => seed.deserialize(at.column.into_deserializer()),
            3 => seed.deserialize(std::mem::take(&mut at.pointer).into_deserializer()),
            4 => seed.deserialize((at.offset as u64).into_deserializer()),
            _ => seed.deserialize((at.len as u64).into_deserializer()),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(PROVENANCE_FIELDS.len() - self.next)
    }
}
