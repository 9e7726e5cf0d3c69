//! Address keys (IPv4 as `u32`, IPv6 as `u128`), address sets over both families, and the
//! conversion of integer runs back into CIDR prefixes.

use crate::interval::{Bound, IntervalSet};
use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// An address family's integer key: `u32` for IPv4, `u128` for IPv6.
pub trait AddrKey: Bound {
    /// Address width in bits.
    const BITS: u8;
    /// The address with this key.
    fn to_ip(self) -> IpAddr;
    /// The prefix `self/len`.
    fn to_net(self, len: u8) -> IpNet;
    /// Widens to `u128` (IPv4 keys stay in the low 32 bits).
    fn to_u128(self) -> u128;
    /// Narrows from `u128`; callers guarantee the value fits.
    fn from_u128(v: u128) -> Self;
}

impl AddrKey for u32 {
    const BITS: u8 = 32;
    fn to_ip(self) -> IpAddr {
        IpAddr::V4(Ipv4Addr::from(self))
    }
    fn to_net(self, len: u8) -> IpNet {
        IpNet::V4(Ipv4Net::new(Ipv4Addr::from(self), len).expect("prefix length within 0..=32"))
    }
    fn to_u128(self) -> u128 {
        self as u128
    }
    fn from_u128(v: u128) -> Self {
        v as u32
    }
}

impl AddrKey for u128 {
    const BITS: u8 = 128;
    fn to_ip(self) -> IpAddr {
        IpAddr::V6(Ipv6Addr::from(self))
    }
    fn to_net(self, len: u8) -> IpNet {
        IpNet::V6(Ipv6Net::new(Ipv6Addr::from(self), len).expect("prefix length within 0..=128"))
    }
    fn to_u128(self) -> u128 {
        self
    }
    fn from_u128(v: u128) -> Self {
        v
    }
}

/// The inclusive key range of an IPv4 prefix (host bits are ignored).
pub fn v4_range(net: &Ipv4Net) -> (u32, u32) {
    let n = net.trunc();
    (u32::from(n.network()), u32::from(n.broadcast()))
}

/// The inclusive key range of an IPv6 prefix (host bits are ignored).
pub fn v6_range(net: &Ipv6Net) -> (u128, u128) {
    let n = net.trunc();
    (u128::from(n.network()), u128::from(n.broadcast()))
}

/// Splits the run `lo..=hi` into the fewest aligned CIDR blocks, ascending.
pub fn run_to_cidrs<K: AddrKey>(lo: K, hi: K, out: &mut Vec<IpNet>) {
    let (mut lo, hi) = (lo.to_u128(), hi.to_u128());
    let width = K::BITS as u32;
    loop {
        // Largest block aligned at `lo`, capped by the family width...
        let mut bits = if lo == 0 {
            width
        } else {
            lo.trailing_zeros().min(width)
        };
        // ...then shrunk until it ends at or before `hi`.
        let mask = |b: u32| {
            if b >= 128 {
                u128::MAX
            } else {
                (1u128 << b) - 1
            }
        };
        while bits > 0 && hi - lo < mask(bits) {
            bits -= 1;
        }
        out.push(K::from_u128(lo).to_net((width - bits) as u8));
        let last = lo + mask(bits);
        if last >= hi {
            break;
        }
        lo = last + 1;
    }
}

/// Renders a run list of one family as CIDRs (hosts without `/32` or `/128`).
pub(crate) fn fmt_runs<K: AddrKey>(
    runs: &[(K, K)],
    f: &mut fmt::Formatter<'_>,
    limit: Option<usize>,
) -> fmt::Result {
    let mut nets = Vec::new();
    for &(a, b) in runs {
        run_to_cidrs(a, b, &mut nets);
    }
    if nets.is_empty() {
        return f.write_str("∅");
    }
    let show = limit.unwrap_or(usize::MAX).max(1).min(nets.len());
    if nets.len() > 1 {
        f.write_str("{")?;
    }
    for (i, n) in nets[..show].iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        fmt_net(n, f)?;
    }
    if show < nets.len() {
        write!(f, ", … +{} more", nets.len() - show)?;
    }
    if nets.len() > 1 {
        f.write_str("}")?;
    }
    Ok(())
}

fn fmt_net(n: &IpNet, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    if n.prefix_len() == n.max_prefix_len() {
        write!(f, "{}", n.addr())
    } else {
        write!(f, "{n}")
    }
}

/// A set of addresses over both families.
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AddrSet {
    pub(crate) v4: IntervalSet<u32>,
    pub(crate) v6: IntervalSet<u128>,
}

impl AddrSet {
    /// No address.
    pub fn none() -> Self {
        AddrSet::default()
    }

    /// Every IPv4 and IPv6 address.
    pub fn any() -> Self {
        AddrSet {
            v4: IntervalSet::full(),
            v6: IntervalSet::full(),
        }
    }

    /// Every IPv4 address.
    pub fn any_v4() -> Self {
        AddrSet {
            v4: IntervalSet::full(),
            v6: IntervalSet::empty(),
        }
    }

    /// Every IPv6 address.
    pub fn any_v6() -> Self {
        AddrSet {
            v4: IntervalSet::empty(),
            v6: IntervalSet::full(),
        }
    }

    /// One prefix (host bits ignored).
    pub fn net(net: IpNet) -> Self {
        Self::from_nets([net])
    }

    /// One address.
    pub fn host(ip: IpAddr) -> Self {
        Self::net(IpNet::from(ip))
    }

    /// The union of the given prefixes (host bits ignored).
    pub fn from_nets<I: IntoIterator<Item = IpNet>>(nets: I) -> Self {
        let mut v4 = Vec::new();
        let mut v6 = Vec::new();
        for n in nets {
            match n {
                IpNet::V4(n) => v4.push(v4_range(&n)),
                IpNet::V6(n) => v6.push(v6_range(&n)),
            }
        }
        AddrSet {
            v4: IntervalSet::from_ranges(v4),
            v6: IntervalSet::from_ranges(v6),
        }
    }

    /// Builds from per-family integer sets.
    pub fn from_parts(v4: IntervalSet<u32>, v6: IntervalSet<u128>) -> Self {
        AddrSet { v4, v6 }
    }

    /// The IPv4 part as integer runs.
    pub fn v4(&self) -> &IntervalSet<u32> {
        &self.v4
    }

    /// The IPv6 part as integer runs.
    pub fn v6(&self) -> &IntervalSet<u128> {
        &self.v6
    }

    /// Whether no address is in the set.
    pub fn is_empty(&self) -> bool {
        self.v4.is_empty() && self.v6.is_empty()
    }

    /// Membership.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match ip {
            IpAddr::V4(a) => self.v4.contains(u32::from(a)),
            IpAddr::V6(a) => self.v6.contains(u128::from(a)),
        }
    }

    /// `self ∪ other`.
    pub fn union(&self, other: &Self) -> Self {
        AddrSet {
            v4: self.v4.union(&other.v4),
            v6: self.v6.union(&other.v6),
        }
    }

    /// `self ∩ other`.
    pub fn intersect(&self, other: &Self) -> Self {
        AddrSet {
            v4: self.v4.intersect(&other.v4),
            v6: self.v6.intersect(&other.v6),
        }
    }

    /// `self \ other`.
    pub fn difference(&self, other: &Self) -> Self {
        AddrSet {
            v4: self.v4.difference(&other.v4),
            v6: self.v6.difference(&other.v6),
        }
    }

    /// Every address (of both families) not in `self`.
    pub fn complement(&self) -> Self {
        AddrSet {
            v4: self.v4.complement(),
            v6: self.v6.complement(),
        }
    }

    /// Whether `self ⊆ other`.
    pub fn is_subset(&self, other: &Self) -> bool {
        self.v4.is_subset(&other.v4) && self.v6.is_subset(&other.v6)
    }

    /// Whether the sets share an address.
    pub fn intersects(&self, other: &Self) -> bool {
        self.v4.intersects(&other.v4) || self.v6.intersects(&other.v6)
    }

    /// The fewest CIDR prefixes whose union is the set: IPv4 first, each family ascending.
    pub fn to_cidrs(&self) -> Vec<IpNet> {
        let mut out = Vec::new();
        for &(a, b) in self.v4.runs() {
            run_to_cidrs(a, b, &mut out);
        }
        for &(a, b) in self.v6.runs() {
            run_to_cidrs(a, b, &mut out);
        }
        out
    }

    /// The lowest address (IPv4 before IPv6).
    pub fn min(&self) -> Option<IpAddr> {
        self.v4
            .first()
            .map(AddrKey::to_ip)
            .or_else(|| self.v6.first().map(AddrKey::to_ip))
    }
}

impl From<IpNet> for AddrSet {
    fn from(n: IpNet) -> Self {
        AddrSet::net(n)
    }
}

impl From<IpAddr> for AddrSet {
    fn from(ip: IpAddr) -> Self {
        AddrSet::host(ip)
    }
}

/// `any`, or a list of CIDRs (`{10.0.0.0/24, 2001:db8::/32}`); a precision (`{:.3}`) limits how
/// many prefixes are shown.
impl fmt::Display for AddrSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.v4.is_full() && self.v6.is_full() {
            return f.write_str("any");
        }
        match (self.v4.is_empty(), self.v6.is_empty()) {
            (true, true) => f.write_str("∅"),
            (false, true) => fmt_runs(self.v4.runs(), f, f.precision()),
            (true, false) => fmt_runs(self.v6.runs(), f, f.precision()),
            (false, false) => {
                fmt_runs(self.v4.runs(), f, f.precision())?;
                f.write_str(" + ")?;
                fmt_runs(self.v6.runs(), f, f.precision())
            }
        }
    }
}

impl fmt::Debug for AddrSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cidrs(lo: &str, hi: &str) -> Vec<String> {
        let mut v = Vec::new();
        match (lo.parse::<IpAddr>().unwrap(), hi.parse::<IpAddr>().unwrap()) {
            (IpAddr::V4(a), IpAddr::V4(b)) => run_to_cidrs(u32::from(a), u32::from(b), &mut v),
            (IpAddr::V6(a), IpAddr::V6(b)) => run_to_cidrs(u128::from(a), u128::from(b), &mut v),
            _ => panic!("mixed families"),
        }
        v.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn cidr_decomposition_edges() {
        assert_eq!(cidrs("0.0.0.0", "255.255.255.255"), ["0.0.0.0/0"]);
        assert_eq!(
            cidrs("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
            ["::/0"]
        );
        assert_eq!(
            cidrs("255.255.255.255", "255.255.255.255"),
            ["255.255.255.255/32"]
        );
        assert_eq!(
            cidrs("10.0.0.1", "10.0.0.6"),
            ["10.0.0.1/32", "10.0.0.2/31", "10.0.0.4/31", "10.0.0.6/32"]
        );
        assert_eq!(cidrs("0.0.0.0", "127.255.255.255"), ["0.0.0.0/1"]);
        assert_eq!(cidrs("128.0.0.0", "255.255.255.255"), ["128.0.0.0/1"]);
        assert_eq!(
            cidrs("ffff::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
            ["ffff::/16"]
        );
    }

    #[test]
    fn adjacent_prefixes_merge_back() {
        let s = AddrSet::from_nets([
            "10.0.0.0/25".parse().unwrap(),
            "10.0.0.128/25".parse().unwrap(),
        ]);
        assert_eq!(s.to_string(), "10.0.0.0/24");
        let h = AddrSet::host("10.0.2.4".parse().unwrap());
        assert_eq!(h.to_string(), "10.0.2.4");
        assert_eq!(AddrSet::any().to_string(), "any");
        assert_eq!(AddrSet::any_v4().to_string(), "0.0.0.0/0");
    }

    #[test]
    fn host_bits_are_ignored() {
        let s = AddrSet::net("10.0.0.77/24".parse().unwrap());
        assert_eq!(s.to_cidrs(), vec!["10.0.0.0/24".parse::<IpNet>().unwrap()]);
    }
}
