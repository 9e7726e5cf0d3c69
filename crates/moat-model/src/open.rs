//! A field whose value the input may leave open.
//!
//! An importer that cannot evaluate a field (a Terraform variable without a value, an ARM
//! `reference()` to a resource outside the template) must neither drop the element nor give the
//! field a default: the element keeps the field as [`Open::Unknown`], and whoever decides with
//! it considers every value the field may take. Written as the value itself when known, and as
//! the string `unknown` otherwise, so native YAML can say the same thing.

use serde::de::{Deserializer, Visitor, value};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::marker::PhantomData;

/// The spelling of an open value in native YAML/JSON and in `show`.
pub const UNKNOWN: &str = "unknown";

/// A value that is known, or that the input leaves open.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Open<T> {
    Known(T),
    Unknown,
}

impl<T> Open<T> {
    /// The value, when known.
    pub fn known(&self) -> Option<&T> {
        match self {
            Open::Known(v) => Some(v),
            Open::Unknown => None,
        }
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Open::Unknown)
    }

    /// Whether the value may be `v` (an open value may be anything).
    pub fn may_be(&self, v: &T) -> bool
    where
        T: PartialEq,
    {
        match self {
            Open::Known(x) => x == v,
            Open::Unknown => true,
        }
    }
}

impl<T: Copy> Open<T> {
    /// The value, when known (by copy).
    pub fn get(&self) -> Option<T> {
        self.known().copied()
    }
}

impl<T> From<T> for Open<T> {
    fn from(v: T) -> Self {
        Open::Known(v)
    }
}

impl<T> From<Option<T>> for Open<T> {
    fn from(v: Option<T>) -> Self {
        v.map_or(Open::Unknown, Open::Known)
    }
}

impl<T: fmt::Display> fmt::Display for Open<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Open::Known(v) => v.fmt(f),
            Open::Unknown => f.write_str(UNKNOWN),
        }
    }
}

impl<T: Serialize> Serialize for Open<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Open::Known(v) => v.serialize(s),
            Open::Unknown => s.serialize_str(UNKNOWN),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Open<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Open<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "a value, or `{UNKNOWN}`")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Open<T>, E> {
                if v == UNKNOWN {
                    return Ok(Open::Unknown);
                }
                T::deserialize(value::StrDeserializer::<E>::new(v)).map(Open::Known)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Open<T>, E> {
                T::deserialize(value::U64Deserializer::<E>::new(v)).map(Open::Known)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Open<T>, E> {
                T::deserialize(value::I64Deserializer::<E>::new(v)).map(Open::Known)
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Open<T>, E> {
                T::deserialize(value::BoolDeserializer::<E>::new(v)).map(Open::Known)
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

impl<T: schemars::JsonSchema> schemars::JsonSchema for Open<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        format!("Open_{}", T::schema_name()).into()
    }
    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let inner = g.subschema_for::<T>();
        schemars::json_schema!({
            "anyOf": [inner, { "const": UNKNOWN }],
            "description": "The value, or `unknown` when the input leaves it open."
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enums::Access;

    #[test]
    fn reads_values_and_unknown() {
        let p: Open<u32> = serde_json::from_str("100").unwrap();
        assert_eq!(p, Open::Known(100));
        let p: Open<u32> = serde_json::from_str("\"unknown\"").unwrap();
        assert_eq!(p, Open::Unknown);
        let a: Open<Access> = serde_json::from_str("\"deny\"").unwrap();
        assert_eq!(a, Open::Known(Access::Deny));
        assert!(serde_json::from_str::<Open<Access>>("\"maybe\"").is_err());
        assert!(serde_json::from_str::<Open<u32>>("\"100x\"").is_err());
        assert_eq!(
            serde_json::to_string(&Open::<u32>::Unknown).unwrap(),
            "\"unknown\""
        );
    }
}
