//! Small value types shared by resources: address prefixes, port ranges, FQDN patterns.

use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// The widest prefix an element the input leaves open may be, as every importer reads it: the
/// global tag of a regional service tag whose region alone is open (`Storage.⟨region⟩`, the
/// element's known text with its open parts marked `⟨…⟩`, reads as `Storage`), `*` otherwise.
pub fn widen_open_prefix(partial: Option<&str>) -> AddressPrefix {
    if let Some(p) = partial
        && let Some((tag, rest)) = p.split_once('.')
        && rest.starts_with('⟨')
        && !tag.is_empty()
        && !tag.contains('⟨')
        && let Ok(AddressPrefix::Tag(t)) = tag.parse::<AddressPrefix>()
    {
        return AddressPrefix::Tag(t);
    }
    AddressPrefix::Any
}

/// An address prefix as NSG rules, routes and firewall rules write it: `*`, a CIDR, a single
/// IP, or a symbolic name (a service tag such as `Storage.EastUS`, or `VirtualNetwork`,
/// `Internet`, `AzureLoadBalancer`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AddressPrefix {
    /// `*` or `Any`: every address.
    Any,
    /// A CIDR or single address (a host prefix).
    Net(IpNet),
    /// A service tag or other symbolic name, spelt as written.
    Tag(String),
}

impl FromStr for AddressPrefix {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim();
        if t == "*" || t.eq_ignore_ascii_case("any") {
            return Ok(AddressPrefix::Any);
        }
        if let Ok(n) = parse_net(t) {
            return Ok(AddressPrefix::Net(n));
        }
        let looks_numeric = t.chars().next().is_some_and(|c| c.is_ascii_digit()) || t.contains(':');
        if looks_numeric {
            return Err(format!("`{t}` is not a valid IP address or CIDR prefix"));
        }
        let tag_shaped = !t.is_empty()
            && t.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
        if tag_shaped {
            Ok(AddressPrefix::Tag(t.to_string()))
        } else {
            Err(format!(
                "`{t}` is neither an address prefix nor a service tag"
            ))
        }
    }
}

/// Parses `10.0.0.0/16` or a single address `10.0.0.4` (as a host prefix).
pub fn parse_net(s: &str) -> Result<IpNet, String> {
    let s = s.trim();
    if let Ok(n) = s.parse::<IpNet>() {
        return Ok(n);
    }
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Ok(IpNet::from(ip));
    }
    Err(format!("`{s}` is not a valid IP address or CIDR prefix"))
}

impl fmt::Display for AddressPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AddressPrefix::Any => f.write_str("*"),
            AddressPrefix::Net(n) if n.prefix_len() == n.max_prefix_len() => {
                write!(f, "{}", n.addr())
            }
            AddressPrefix::Net(n) => write!(f, "{n}"),
            AddressPrefix::Tag(t) => f.write_str(t),
        }
    }
}

macro_rules! string_serde {
    ($t:ty, $schema_name:literal, $desc:literal) => {
        impl Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> serde::de::Visitor<'de> for V {
                    type Value = $t;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($desc)
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$t, E> {
                        v.parse().map_err(E::custom)
                    }
                    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<$t, E> {
                        self.visit_str(&v.to_string())
                    }
                    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<$t, E> {
                        self.visit_str(&v.to_string())
                    }
                }
                d.deserialize_any(V)
            }
        }
        impl schemars::JsonSchema for $t {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                $schema_name.into()
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({ "type": ["string", "integer"], "description": $desc })
            }
        }
    };
}

string_serde!(
    AddressPrefix,
    "AddressPrefix",
    "`*`, a CIDR prefix, an IP address, or a service tag"
);

/// An inclusive port range; `*` is 0-65535.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PortRange {
    pub lo: u16,
    pub hi: u16,
}

impl PortRange {
    /// Every port.
    pub const ANY: PortRange = PortRange { lo: 0, hi: 65535 };

    /// A single port.
    pub fn single(p: u16) -> PortRange {
        PortRange { lo: p, hi: p }
    }

    /// Whether `p` is in the range.
    pub fn contains(&self, p: u16) -> bool {
        self.lo <= p && p <= self.hi
    }
}

impl FromStr for PortRange {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim();
        if t == "*" || t.eq_ignore_ascii_case("any") {
            return Ok(PortRange::ANY);
        }
        let bad = || format!("`{t}` is not a port or port range (write 443, 8000-8999 or *)");
        let (lo, hi) = match t.split_once('-') {
            Some((a, b)) => (
                a.trim().parse::<u16>().map_err(|_| bad())?,
                b.trim().parse::<u16>().map_err(|_| bad())?,
            ),
            None => {
                let p = t.parse::<u16>().map_err(|_| bad())?;
                (p, p)
            }
        };
        if lo > hi {
            return Err(format!("port range `{t}` runs backwards"));
        }
        Ok(PortRange { lo, hi })
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == PortRange::ANY {
            f.write_str("*")
        } else if self.lo == self.hi {
            write!(f, "{}", self.lo)
        } else {
            write!(f, "{}-{}", self.lo, self.hi)
        }
    }
}

string_serde!(
    PortRange,
    "PortRange",
    "a port (443), a range (8000-8999) or *"
);

/// Deserialises a list that may also be written as one string with commas (`"80, 8080-8089"`),
/// as the Azure ML CLI writes port lists, or as a single value.
pub mod comma_list {
    use serde::de::{Deserializer, SeqAccess, Visitor};
    use std::fmt;
    use std::marker::PhantomData;
    use std::str::FromStr;

    struct Item(String);

    impl<'de> serde::Deserialize<'de> for Item {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct IV;
            impl<'de> Visitor<'de> for IV {
                type Value = Item;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a string or a number")
                }
                fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Item, E> {
                    Ok(Item(v.to_string()))
                }
                fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Item, E> {
                    Ok(Item(v.to_string()))
                }
                fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Item, E> {
                    Ok(Item(v.to_string()))
                }
            }
            d.deserialize_any(IV)
        }
    }

    struct V<T>(PhantomData<T>);

    impl<'de, T: FromStr<Err = String>> Visitor<'de> for V<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a list, or one string with comma-separated values")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Vec<T>, E> {
            v.split(',')
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .map(|x| x.parse::<T>().map_err(E::custom))
                .collect()
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Vec<T>, E> {
            self.visit_str(&v.to_string())
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Vec<T>, E> {
            self.visit_str(&v.to_string())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let mut out = Vec::new();
            while let Some(Item(s)) = seq.next_element::<Item>()? {
                // An element may itself hold commas ("80, 443") in loose inputs.
                for part in s.split(',').map(str::trim).filter(|x| !x.is_empty()) {
                    out.push(part.parse::<T>().map_err(serde::de::Error::custom)?);
                }
            }
            Ok(out)
        }
    }

    /// Reads `[a, b]`, `"a, b"` or a single value.
    pub fn deserialize<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: FromStr<Err = String>,
    {
        d.deserialize_any(V(PhantomData))
    }
}
