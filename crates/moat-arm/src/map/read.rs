//! Reading evaluated ARM properties: absent, known or unknown values ([`F`]), and the
//! per-resource record of unknowns and warnings ([`Rec`]) that every mapper writes to.

use ipnet::IpNet;
use moat_model::enums::PublicNetworkAccess;
use moat_model::values::{AddressPrefix, PortRange, parse_net};
use moat_model::{Diagnostic, Level, Location, Provenance, Unknown};
use serde_json::Value as Json;
use std::net::IpAddr;

/// A property that may be absent, known, or unknown.
pub(super) enum F<T> {
    Absent,
    Known(T),
    Unknown(String),
}

pub(super) fn unknown_of(v: &Json) -> Option<&str> {
    v.as_object()
        .and_then(|o| o.get("$unknown"))
        .and_then(Json::as_str)
}

/// The mark (`⟨…⟩`) of the unknown value at `keys`, as strings built from it show it.
pub(super) fn unknown_mark(v: &Json, keys: &[&str]) -> Option<String> {
    let mut cur = v;
    for k in keys {
        cur = get(cur, k)?;
    }
    cur.as_object()?
        .get("$key")
        .and_then(Json::as_str)
        .filter(|k| !k.is_empty())
        .map(String::from)
}

pub(super) fn partial_of(v: &Json) -> Option<&str> {
    v.as_object()
        .and_then(|o| o.get("$partial"))
        .and_then(Json::as_str)
}

pub(super) fn get<'a>(v: &'a Json, key: &str) -> Option<&'a Json> {
    let o = v.as_object()?;
    if o.contains_key("$unknown") {
        return None;
    }
    o.get(key).or_else(|| {
        o.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// Follows `keys` from `v`.
pub(super) fn at<'a>(v: &'a Json, keys: &[&str]) -> F<&'a Json> {
    let mut cur = v;
    for k in keys {
        if let Some(r) = unknown_of(cur) {
            return F::Unknown(r.to_string());
        }
        match get(cur, k) {
            Some(n) => cur = n,
            None => return F::Absent,
        }
    }
    match unknown_of(cur) {
        Some(r) => F::Unknown(r.to_string()),
        None if cur.is_null() => F::Absent,
        None => F::Known(cur),
    }
}

pub(super) fn json_text(v: &Json) -> Option<String> {
    match v {
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        Json::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

pub(super) fn json_bool(v: &Json) -> Option<bool> {
    match v {
        Json::Bool(b) => Some(*b),
        Json::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Json::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// Records unknowns and warnings for one resource.
pub(super) struct Rec {
    pub(super) resource: String,
    pub(super) at: Provenance,
    pub(super) unknowns: Vec<Unknown>,
    pub(super) warnings: Vec<Diagnostic>,
    /// What names a firewall by its address as `reference()` gives it.
    pub(super) firewall_uses: Vec<FirewallUse>,
}

/// A value written as a firewall's address as `reference()` gives it (see
/// `firewall::firewall_of`): it names that firewall whatever address Azure gives it, and takes
/// that address once firewalls' addresses are known (see `firewall::named_uses`).
pub(super) struct FirewallUse {
    /// Where the value is written.
    pub(super) at: Provenance,
    /// The firewall's id.
    pub(super) id: String,
    pub(super) by: UsedBy,
}

/// What a firewall's address is written in.
pub(super) enum UsedBy {
    /// The next hop of the route of this name.
    Route(String),
    /// A DNS server of the VNet of this name: the `index`th it resolves, the firewall's DNS
    /// proxy (the VNet's servers are tried in order).
    DnsServer { vnet: String, index: usize },
}

pub(super) fn location_of(at: &Provenance) -> Location {
    Location {
        file: at.file.clone(),
        line: at.line,
        column: at.column,
        offset: at.offset,
        len: at.len,
    }
}

pub(super) fn warning(
    code: &str,
    message: String,
    at: &Provenance,
    hint: Option<String>,
) -> Diagnostic {
    Diagnostic {
        level: Level::Warning,
        code: code.into(),
        message,
        location: location_of(at),
        hint,
    }
}

impl Rec {
    pub(super) fn new(resource: String, at: &Provenance) -> Rec {
        Rec {
            resource,
            at: at.clone(),
            unknowns: Vec::new(),
            warnings: Vec::new(),
            firewall_uses: Vec::new(),
        }
    }

    pub(super) fn unknown(&mut self, field: &str, reason: &str) {
        self.unknowns.push(Unknown {
            resource: self.resource.clone(),
            field: field.into(),
            reason: reason.into(),
            at: self.at.clone(),
        });
    }

    pub(super) fn warn(&mut self, message: String) {
        self.warnings
            .push(warning("unsupported-value", message, &self.at, None));
    }

    /// An address that does not parse. Written as an address (numbers, dots, a prefix length)
    /// it is one Azure rejects at deployment (an octet over 255, a prefix longer than 32): an
    /// error at the resource. Anything else is a form moat does not read: `warning`.
    pub(super) fn bad_address(
        &mut self,
        text: &str,
        why: impl std::fmt::Display,
        warning_text: String,
    ) {
        if !address_shaped(text) {
            self.warn(warning_text);
            return;
        }
        self.warnings.push(Diagnostic {
            level: Level::Error,
            code: "invalid-value".into(),
            message: format!(
                "{}: `{text}`: {why}; Azure rejects it at deployment",
                self.resource
            ),
            location: location_of(&self.at),
            hint: Some(
                "write an IPv4 address as four numbers 0-255, with a prefix length of at most 32"
                    .into(),
            ),
        });
    }

    pub(super) fn str(&mut self, v: &Json, keys: &[&str], field: &str) -> Option<String> {
        match at(v, keys) {
            F::Known(x) => json_text(x),
            F::Unknown(r) => {
                self.unknown(field, &r);
                None
            }
            F::Absent => None,
        }
    }

    /// A reference (an ARM id). A partly known id is kept: it still names one resource and
    /// links by identity; a wholly unknown one is recorded.
    pub(super) fn id(&mut self, v: &Json, keys: &[&str], field: &str) -> Option<String> {
        let mut cur = v;
        for k in keys {
            if let Some(r) = unknown_of(cur) {
                self.unknown(field, r);
                return None;
            }
            cur = get(cur, k)?;
        }
        if let Some(p) = partial_of(cur) {
            return Some(p.to_string());
        }
        if let Some(r) = unknown_of(cur) {
            self.unknown(field, r);
            return None;
        }
        json_text(cur).filter(|s| !s.is_empty())
    }

    /// References given as a list of strings.
    pub(super) fn id_strings(&mut self, v: &Json, keys: &[&str], field: &str) -> Vec<String> {
        let mut out = Vec::new();
        for x in self.list(v, keys, field) {
            if let Some(p) = partial_of(x) {
                out.push(p.to_string());
            } else if let Some(r) = unknown_of(x) {
                self.unknown(field, r);
            } else if let Some(s) = json_text(x) {
                out.extend(
                    s.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(String::from),
                );
            }
        }
        out
    }

    /// A boolean; `conservative` when unknown (recorded), `default` when absent.
    pub(super) fn bool(
        &mut self,
        v: &Json,
        keys: &[&str],
        field: &str,
        default: bool,
        conservative: bool,
    ) -> bool {
        match at(v, keys) {
            F::Known(x) => match json_bool(x) {
                Some(b) => b,
                None => {
                    self.warn(format!(
                        "`{}` of {} is not a boolean; using {default}",
                        keys.join("."),
                        self.resource
                    ));
                    default
                }
            },
            F::Unknown(r) => {
                self.unknown(field, &r);
                conservative
            }
            F::Absent => default,
        }
    }

    /// An enumeration; `conservative` when unknown (recorded) or invalid (warned), `default`
    /// when absent.
    pub(super) fn enm<T: Copy>(
        &mut self,
        v: &Json,
        keys: &[&str],
        field: &str,
        parse: fn(&str) -> Option<T>,
        default: T,
        conservative: T,
    ) -> T {
        match at(v, keys) {
            F::Known(x) => match json_text(x).as_deref().and_then(parse) {
                Some(e) => e,
                None => {
                    self.warn(format!(
                        "`{}` of {} has an unrecognised value {x}",
                        keys.join("."),
                        self.resource
                    ));
                    conservative
                }
            },
            F::Unknown(r) => {
                self.unknown(field, &r);
                conservative
            }
            F::Absent => default,
        }
    }

    pub(super) fn opt_enm<T>(
        &mut self,
        v: &Json,
        keys: &[&str],
        field: &str,
        parse: fn(&str) -> Option<T>,
    ) -> Option<T> {
        match at(v, keys) {
            F::Known(x) => {
                let r = json_text(x).as_deref().and_then(parse);
                if r.is_none() {
                    self.warn(format!(
                        "`{}` of {} has an unrecognised value {x}",
                        keys.join("."),
                        self.resource
                    ));
                }
                r
            }
            F::Unknown(r) => {
                self.unknown(field, &r);
                None
            }
            F::Absent => None,
        }
    }

    pub(super) fn u32(&mut self, v: &Json, keys: &[&str], field: &str) -> Option<u32> {
        match at(v, keys) {
            F::Known(x) => x
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .or_else(|| x.as_str().and_then(|s| s.trim().parse().ok())),
            F::Unknown(r) => {
                self.unknown(field, &r);
                None
            }
            F::Absent => None,
        }
    }

    /// A list; unknown lists are recorded and read as empty.
    pub(super) fn list<'a>(&mut self, v: &'a Json, keys: &[&str], field: &str) -> Vec<&'a Json> {
        match at(v, keys) {
            F::Known(x) => match x {
                Json::Array(a) => a.iter().collect(),
                other => vec![other],
            },
            F::Unknown(r) => {
                self.unknown(field, &r);
                Vec::new()
            }
            F::Absent => Vec::new(),
        }
    }

    /// Strings of a list (each may be unknown: recorded and skipped).
    pub(super) fn strings(&mut self, v: &Json, keys: &[&str], field: &str) -> Vec<String> {
        let mut out = Vec::new();
        for x in self.list(v, keys, field) {
            out.extend(self.texts(x, field));
        }
        out
    }

    /// The strings one element of a list writes (comma-separated); an unknown one is recorded.
    pub(super) fn texts(&mut self, x: &Json, field: &str) -> Vec<String> {
        if let Some(r) = unknown_of(x) {
            self.unknown(field, r);
            return Vec::new();
        }
        json_text(x)
            .map(|s| {
                s.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The `id` of each element of a list of `{id}` objects.
    pub(super) fn ids(&mut self, v: &Json, keys: &[&str], field: &str) -> Vec<String> {
        let mut out = Vec::new();
        for x in self.list(v, keys, field) {
            out.extend(self.id(x, &["id"], field));
        }
        out
    }

    /// Address prefixes (CIDRs, IPs, service tags). An unknown prefix widens to `*`, except a
    /// regional service tag with an unknown region, which widens to the global tag.
    pub(super) fn prefixes(
        &mut self,
        v: &Json,
        single: &str,
        plural: &str,
        field: &str,
    ) -> Vec<AddressPrefix> {
        let raw = raw_values(v, single, plural);
        let mut out = Vec::new();
        for x in raw {
            if let Some(r) = unknown_of(x) {
                let p = moat_model::values::widen_open_prefix(partial_of(x));
                self.unknown(field, &format!("{r} (read as {p})"));
                out.push(p);
                continue;
            }
            let Some(s) = json_text(x) else { continue };
            for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                match part.parse::<AddressPrefix>() {
                    Ok(p) => out.push(p),
                    Err(e) => {
                        let w = format!("{}: {e}; the prefix is ignored", self.resource);
                        self.bad_address(part, e, w)
                    }
                }
            }
        }
        out
    }

    /// Port ranges; an unknown port widens to `*`.
    pub(super) fn ports(
        &mut self,
        v: &Json,
        single: &str,
        plural: &str,
        field: &str,
    ) -> Vec<PortRange> {
        let raw = raw_values(v, single, plural);
        let mut out = Vec::new();
        for x in raw {
            if let Some(r) = unknown_of(x) {
                self.unknown(field, &format!("{r} (read as *)"));
                out.push(PortRange::ANY);
                continue;
            }
            let Some(s) = json_text(x) else { continue };
            for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                match part.parse::<PortRange>() {
                    Ok(p) => out.push(p),
                    Err(e) => self.warn(format!("{}: {e}; the port is ignored", self.resource)),
                }
            }
        }
        out
    }

    pub(super) fn ip(&mut self, v: &Json, keys: &[&str], field: &str) -> Option<IpAddr> {
        let s = self.str(v, keys, field)?;
        match s.trim().parse::<IpAddr>() {
            Ok(ip) => Some(ip),
            Err(e) => {
                let w = format!("{}: `{s}` is not an IP address", self.resource);
                self.bad_address(s.trim(), e, w);
                None
            }
        }
    }

    pub(super) fn nets(&mut self, v: &Json, keys: &[&str], field: &str) -> Vec<IpNet> {
        let mut out = Vec::new();
        for s in self.strings(v, keys, field) {
            match parse_net(&s) {
                Ok(n) => out.push(n),
                Err(e) => {
                    let w = format!("{}: {e}", self.resource);
                    self.bad_address(s.trim(), e, w)
                }
            }
        }
        out
    }
}

/// Whether `text` is written as an IPv4 address or prefix: four dot-separated numbers,
/// optionally `/` and a number. Only such text is certainly meant as an address.
pub(super) fn address_shaped(text: &str) -> bool {
    let digits = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
    let (addr, len) = match text.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (text, None),
    };
    let parts: Vec<&str> = addr.split('.').collect();
    parts.len() == 4 && parts.iter().all(|p| digits(p)) && len.is_none_or(digits)
}

/// The values of a property written in the singular or the plural (`sourceAddressPrefix` or
/// `sourceAddressPrefixes`), unknown values included as they are.
pub(super) fn raw_values<'a>(v: &'a Json, single: &str, plural: &str) -> Vec<&'a Json> {
    if unknown_of(v).is_some() {
        return vec![v];
    }
    let mut out: Vec<&Json> = Vec::new();
    for key in [plural, single] {
        match get(v, key) {
            Some(Json::Array(a)) => out.extend(a.iter()),
            Some(Json::Null) | None => {}
            Some(other) => out.push(other),
        }
        if !out.is_empty() {
            break;
        }
    }
    out
}

pub(super) fn pna(s: &str) -> Option<PublicNetworkAccess> {
    PublicNetworkAccess::parse(s)
}

pub(super) trait KnownTrue {
    fn is_known_true(&self) -> bool;
}

impl KnownTrue for F<&Json> {
    fn is_known_true(&self) -> bool {
        matches!(self, F::Known(v) if json_bool(v) == Some(true))
    }
}
