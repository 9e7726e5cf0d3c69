//! The transport dimension: IP protocol and destination port folded into one integer key.
//!
//! Key = `protocol << 16 | port`, in `0..=0xFF_FFFF`. TCP and UDP use all 65,536 ports of their
//! block. Every other protocol has no destination port: its packets are identified by protocol
//! alone, and every [`L4Set`] holds either the *whole* 65,536-key block of such a protocol or
//! none of it (all constructors guarantee it, and union, intersection and difference preserve
//! it). So "ICMP" is one run, "any protocol, any port" is one run, and a port constraint never
//! splits a port-less protocol.

use crate::interval::IntervalSet;
use std::fmt;
use std::ops::RangeInclusive;
use std::str::FromStr;

/// An IP protocol number (the IPv4 `protocol` / IPv6 `next header` field).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Protocol(pub u8);

impl Protocol {
    /// ICMP (1).
    pub const ICMP: Protocol = Protocol(1);
    /// TCP (6).
    pub const TCP: Protocol = Protocol(6);
    /// UDP (17).
    pub const UDP: Protocol = Protocol(17);
    /// ESP (50).
    pub const ESP: Protocol = Protocol(50);
    /// AH (51).
    pub const AH: Protocol = Protocol(51);
    /// ICMPv6 (58).
    pub const ICMPV6: Protocol = Protocol(58);

    /// Whether packets of this protocol carry a destination port in this model (TCP and UDP).
    pub fn has_ports(self) -> bool {
        self == Protocol::TCP || self == Protocol::UDP
    }

    /// The protocol number.
    pub fn number(self) -> u8 {
        self.0
    }

    /// Preference when choosing a readable witness: TCP, UDP, ICMP, ICMPv6, then by number.
    pub(crate) fn readability_rank(self) -> u16 {
        match self {
            Protocol::TCP => 0,
            Protocol::UDP => 1,
            Protocol::ICMP => 2,
            Protocol::ICMPV6 => 3,
            Protocol(n) => 4 + n as u16,
        }
    }

    fn name(self) -> Option<&'static str> {
        Some(match self {
            Protocol::ICMP => "icmp",
            Protocol::TCP => "tcp",
            Protocol::UDP => "udp",
            Protocol::ESP => "esp",
            Protocol::AH => "ah",
            Protocol::ICMPV6 => "icmpv6",
            _ => return None,
        })
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "proto {}", self.0),
        }
    }
}

impl FromStr for Protocol {
    type Err = String;
    /// `tcp`, `udp`, `icmp`, `icmpv6`, `esp`, `ah` (any case) or a number `0..=255`.
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim();
        for p in [
            Protocol::TCP,
            Protocol::UDP,
            Protocol::ICMP,
            Protocol::ICMPV6,
            Protocol::ESP,
            Protocol::AH,
        ] {
            if p.name().is_some_and(|n| n.eq_ignore_ascii_case(t)) {
                return Ok(p);
            }
        }
        t.parse::<u8>()
            .map(Protocol)
            .map_err(|_| format!("`{t}` is not an IP protocol name or number"))
    }
}

/// Largest transport key.
pub(crate) const L4_MAX: u32 = 0x00FF_FFFF;

#[inline]
pub(crate) fn block(p: Protocol) -> (u32, u32) {
    let base = (p.0 as u32) << 16;
    (base, base | 0xFFFF)
}

/// The key of a packet: port-less protocols map to the first key of their block.
#[inline]
pub(crate) fn key(p: Protocol, dport: u16) -> u32 {
    ((p.0 as u32) << 16) | if p.has_ports() { dport as u32 } else { 0 }
}

/// A set of (protocol, destination port) pairs; see the module docs for port-less protocols.
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct L4Set(pub(crate) IntervalSet<u32>);

impl L4Set {
    /// Nothing.
    pub fn none() -> Self {
        L4Set(IntervalSet::empty())
    }

    /// Every protocol, every port.
    pub fn any() -> Self {
        L4Set(IntervalSet::range(0, L4_MAX))
    }

    /// All packets of one protocol (any port).
    pub fn protocol(p: Protocol) -> Self {
        let (a, b) = block(p);
        L4Set(IntervalSet::range(a, b))
    }

    /// All packets of the given protocols (any port).
    pub fn protocols<I: IntoIterator<Item = Protocol>>(ps: I) -> Self {
        L4Set(IntervalSet::from_ranges(ps.into_iter().map(block)))
    }

    /// TCP and UDP, any port.
    pub fn tcp_udp() -> Self {
        Self::protocols([Protocol::TCP, Protocol::UDP])
    }

    /// The given destination ports of the given protocols. Port-less protocols in `ps` are
    /// dropped: a packet without a destination port cannot satisfy a port constraint. (Use
    /// [`L4Set::from_parts`] with `ports = None` for "any port".)
    pub fn ports<P, R>(ps: P, ports: R) -> Self
    where
        P: IntoIterator<Item = Protocol>,
        R: IntoIterator<Item = RangeInclusive<u16>>,
    {
        let ports: Vec<(u16, u16)> = ports
            .into_iter()
            .filter(|r| r.start() <= r.end())
            .map(|r| (*r.start(), *r.end()))
            .collect();
        let mut runs = Vec::new();
        for p in ps {
            if !p.has_ports() {
                continue;
            }
            let base = (p.0 as u32) << 16;
            runs.extend(
                ports
                    .iter()
                    .map(|&(a, b)| (base | a as u32, base | b as u32)),
            );
        }
        L4Set(IntervalSet::from_ranges(runs))
    }

    /// TCP on the given ports.
    pub fn tcp<R: IntoIterator<Item = RangeInclusive<u16>>>(ports: R) -> Self {
        Self::ports([Protocol::TCP], ports)
    }

    /// UDP on the given ports.
    pub fn udp<R: IntoIterator<Item = RangeInclusive<u16>>>(ports: R) -> Self {
        Self::ports([Protocol::UDP], ports)
    }

    /// The common shape of a rule: `protocols = None` means every protocol, `ports = None`
    /// means every port (and keeps port-less protocols); `Some(ports)` keeps only TCP/UDP
    /// packets on those ports.
    pub fn from_parts(
        protocols: Option<&[Protocol]>,
        ports: Option<&[RangeInclusive<u16>]>,
    ) -> Self {
        match (protocols, ports) {
            (None, None) => Self::any(),
            (Some(ps), None) => Self::protocols(ps.iter().copied()),
            (None, Some(rs)) => Self::ports([Protocol::TCP, Protocol::UDP], rs.iter().cloned()),
            (Some(ps), Some(rs)) => Self::ports(ps.iter().copied(), rs.iter().cloned()),
        }
    }

    /// Whether a packet of protocol `p` to port `dport` is in the set (`dport` is ignored for
    /// port-less protocols).
    pub fn contains(&self, p: Protocol, dport: u16) -> bool {
        self.0.contains(key(p, dport))
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether every protocol and port is in the set.
    pub fn is_any(&self) -> bool {
        self.0.runs() == [(0, L4_MAX)]
    }

    /// `self ∪ other`.
    pub fn union(&self, other: &Self) -> Self {
        L4Set(self.0.union(&other.0))
    }

    /// `self ∩ other`.
    pub fn intersect(&self, other: &Self) -> Self {
        L4Set(self.0.intersect(&other.0))
    }

    /// `self \ other`.
    pub fn difference(&self, other: &Self) -> Self {
        L4Set(self.0.difference(&other.0))
    }

    /// Every (protocol, port) not in `self`.
    pub fn complement(&self) -> Self {
        L4Set::any().difference(self)
    }

    /// Whether `self ⊆ other`.
    pub fn is_subset(&self, other: &Self) -> bool {
        self.0.is_subset(&other.0)
    }

    /// The underlying key runs (`protocol << 16 | port`).
    pub fn keys(&self) -> &IntervalSet<u32> {
        &self.0
    }

    /// The protocols with at least one packet in the set, ascending.
    pub fn protocols_present(&self) -> Vec<Protocol> {
        let mut out: Vec<Protocol> = Vec::new();
        for &(a, b) in self.0.runs() {
            for p in (a >> 16)..=(b >> 16) {
                let p = Protocol(p as u8);
                if out.last() != Some(&p) {
                    out.push(p);
                }
            }
        }
        out
    }

    /// The destination ports of `p` in the set, as inclusive runs (for port-less protocols:
    /// `[(0, 65535)]` when present).
    pub fn ports_of(&self, p: Protocol) -> Vec<(u16, u16)> {
        let (lo, hi) = block(p);
        let block_set = IntervalSet::range(lo, hi);
        self.0
            .intersect(&block_set)
            .runs()
            .iter()
            .map(|&(a, b)| (a as u16, b as u16))
            .collect()
    }

    /// A readable member: TCP before UDP before ICMP before the rest, lowest port first.
    pub fn sample(&self) -> Option<(Protocol, u16)> {
        let mut best: Option<(u16, Protocol, u16)> = None;
        for &(a, b) in self.0.runs() {
            for pn in (a >> 16)..=(b >> 16) {
                let p = Protocol(pn as u8);
                let port_lo = if pn == a >> 16 {
                    (a & 0xFFFF) as u16
                } else {
                    0
                };
                let port = if p.has_ports() { port_lo } else { 0 };
                let cand = (p.readability_rank(), p, port);
                if best.is_none_or(|b| cand < b) {
                    best = Some(cand);
                }
            }
        }
        best.map(|(_, p, port)| (p, port))
    }
}

/// Renders one protocol's ports: `443`, `80,443,8000-8999`.
fn fmt_ports(ports: &[(u16, u16)], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    for (i, &(a, b)) in ports.iter().enumerate() {
        if i > 0 {
            f.write_str(",")?;
        }
        if a == b {
            write!(f, "{a}")?;
        } else {
            write!(f, "{a}-{b}")?;
        }
    }
    Ok(())
}

/// `any`, or per protocol `tcp/443`, `udp/53,5831`, `icmp`, `tcp` (all ports), joined with
/// ` | `; runs of consecutive whole protocols without names collapse into `proto 7-16`.
impl fmt::Display for L4Set {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("∅");
        }
        if self.is_any() {
            return f.write_str("any");
        }
        let mut first = true;
        let mut sep = |f: &mut fmt::Formatter<'_>| -> fmt::Result {
            if !std::mem::take(&mut first) {
                f.write_str(" | ")?;
            }
            Ok(())
        };
        let protos = self.protocols_present();
        let mut i = 0;
        while i < protos.len() {
            let p = protos[i];
            let ports = self.ports_of(p);
            let whole = ports == [(0, 65535)];
            if whole && p.name().is_none() {
                // Collapse consecutive unnamed whole protocols.
                let mut j = i;
                while j + 1 < protos.len()
                    && protos[j + 1].0 == protos[j].0 + 1
                    && protos[j + 1].name().is_none()
                    && self.ports_of(protos[j + 1]) == [(0, 65535)]
                {
                    j += 1;
                }
                sep(f)?;
                if j == i {
                    write!(f, "proto {}", p.0)?;
                } else {
                    write!(f, "proto {}-{}", p.0, protos[j].0)?;
                }
                i = j + 1;
                continue;
            }
            sep(f)?;
            write!(f, "{p}")?;
            if !whole {
                f.write_str("/")?;
                fmt_ports(&ports, f)?;
            }
            i += 1;
        }
        Ok(())
    }
}

impl fmt::Debug for L4Set {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display() {
        assert_eq!(L4Set::tcp([443..=443]).to_string(), "tcp/443");
        assert_eq!(
            L4Set::tcp([80..=80, 443..=443, 8000..=8999]).to_string(),
            "tcp/80,443,8000-8999"
        );
        let s = L4Set::tcp([443..=443])
            .union(&L4Set::udp([5831..=5831]))
            .union(&L4Set::protocol(Protocol::ICMP));
        assert_eq!(s.to_string(), "icmp | tcp/443 | udp/5831");
        assert_eq!(L4Set::any().to_string(), "any");
        assert_eq!(L4Set::protocol(Protocol::TCP).to_string(), "tcp");
        let all_but_tcp = L4Set::any().difference(&L4Set::protocol(Protocol::TCP));
        assert_eq!(
            all_but_tcp.to_string(),
            "proto 0 | icmp | proto 2-5 | proto 7-16 | udp | proto 18-49 | esp | ah | proto 52-57 | icmpv6 | proto 59-255"
        );
    }

    #[test]
    fn portless_protocols_ignore_ports() {
        let icmp = L4Set::protocol(Protocol::ICMP);
        assert!(icmp.contains(Protocol::ICMP, 0));
        assert!(icmp.contains(Protocol::ICMP, 9999));
        // A port constraint drops port-less protocols.
        assert!(
            L4Set::ports([Protocol::ICMP, Protocol::TCP], [0..=65535])
                .ports_of(Protocol::ICMP)
                .is_empty()
        );
        assert!(L4Set::from_parts(None, None).contains(Protocol::ICMP, 0));
        assert!(!L4Set::from_parts(None, Some(&[0..=100])).contains(Protocol::ICMP, 0));
    }

    #[test]
    fn sample_prefers_tcp() {
        assert_eq!(L4Set::any().sample(), Some((Protocol::TCP, 0)));
        assert_eq!(
            L4Set::udp([53..=53])
                .union(&L4Set::protocol(Protocol(0)))
                .sample(),
            Some((Protocol::UDP, 53))
        );
        assert_eq!(L4Set::none().sample(), None);
    }

    #[test]
    fn port_edges() {
        let s = L4Set::tcp([0..=0, 65535..=65535]);
        assert!(s.contains(Protocol::TCP, 0) && s.contains(Protocol::TCP, 65535));
        assert!(!s.contains(Protocol::TCP, 1) && !s.contains(Protocol::UDP, 0));
        assert_eq!(s.to_string(), "tcp/0,65535");
        assert_eq!(L4Set::tcp([80..=89, 90..=99]).to_string(), "tcp/80-99");
    }
}
