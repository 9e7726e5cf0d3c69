//! Longest-prefix-match tables over IPv4 and IPv6 (routing).

use ipnet::IpNet;
use prefix_trie::joint::map::JointPrefixMap;
use std::fmt;
use std::net::IpAddr;

/// A routing-style table: prefixes of both families mapped to values, looked up by longest
/// prefix match. Backed by a multi-bit prefix trie per family (`O(address bits / 5)` per
/// lookup). Prefixes are stored truncated to their length (`10.0.0.7/24` is `10.0.0.0/24`).
#[derive(Clone)]
pub struct LpmTable<T> {
    map: JointPrefixMap<IpNet, T>,
}

impl<T> Default for LpmTable<T> {
    fn default() -> Self {
        LpmTable {
            map: JointPrefixMap::new(),
        }
    }
}

impl<T> LpmTable<T> {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Inserts or replaces; returns the previous value of that exact prefix.
    pub fn insert(&mut self, prefix: IpNet, value: T) -> Option<T> {
        self.map.insert(prefix.trunc(), value)
    }

    /// Removes an exact prefix.
    pub fn remove(&mut self, prefix: &IpNet) -> Option<T> {
        self.map.remove(&prefix.trunc())
    }

    /// The value stored for exactly `prefix`.
    pub fn get(&self, prefix: &IpNet) -> Option<&T> {
        self.map.get(&prefix.trunc())
    }

    /// Mutable access to the value stored for exactly `prefix`.
    pub fn get_mut(&mut self, prefix: &IpNet) -> Option<&mut T> {
        self.map.get_mut(&prefix.trunc())
    }

    /// The longest prefix containing `ip`, with its value.
    pub fn lookup(&self, ip: IpAddr) -> Option<(IpNet, &T)> {
        self.map.get_lpm(&IpNet::from(ip))
    }

    /// The longest stored prefix containing all of `net` (itself included).
    pub fn lookup_net(&self, net: &IpNet) -> Option<(IpNet, &T)> {
        self.map.get_lpm(&net.trunc())
    }

    /// Every stored prefix containing `ip`, shortest first.
    pub fn matches(&self, ip: IpAddr) -> impl Iterator<Item = (IpNet, &T)> + '_ {
        self.map.cover(&IpNet::from(ip))
    }

    /// Number of prefixes.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// All entries, IPv4 then IPv6, in prefix order.
    pub fn iter(&self) -> impl Iterator<Item = (IpNet, &T)> + '_ {
        self.map.iter()
    }
}

impl<T> FromIterator<(IpNet, T)> for LpmTable<T> {
    fn from_iter<I: IntoIterator<Item = (IpNet, T)>>(iter: I) -> Self {
        let mut t = LpmTable::new();
        for (p, v) in iter {
            t.insert(p, v);
        }
        t
    }
}

impl<T: fmt::Debug> fmt::Debug for LpmTable<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> IpNet {
        s.parse().unwrap()
    }
    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn longest_match_both_families() {
        let t: LpmTable<&str> = [
            (n("0.0.0.0/0"), "internet"),
            (n("10.0.0.0/8"), "vnet"),
            (n("10.1.2.0/24"), "fw"),
            (n("10.1.2.7/32"), "host"),
            (n("::/0"), "v6default"),
            (n("2001:db8::/32"), "v6net"),
        ]
        .into_iter()
        .collect();
        assert_eq!(t.lookup(ip("10.1.2.7")), Some((n("10.1.2.7/32"), &"host")));
        assert_eq!(t.lookup(ip("10.1.2.8")).map(|x| *x.1), Some("fw"));
        assert_eq!(t.lookup(ip("10.9.9.9")).map(|x| *x.1), Some("vnet"));
        assert_eq!(t.lookup(ip("8.8.8.8")).map(|x| *x.1), Some("internet"));
        assert_eq!(t.lookup(ip("2001:db8::1")).map(|x| *x.1), Some("v6net"));
        assert_eq!(t.lookup(ip("2002::1")).map(|x| *x.1), Some("v6default"));
        assert_eq!(t.lookup_net(&n("10.1.0.0/16")).map(|x| *x.1), Some("vnet"));
        assert_eq!(
            t.matches(ip("10.1.2.7")).map(|x| *x.1).collect::<Vec<_>>(),
            ["internet", "vnet", "fw", "host"]
        );
        assert_eq!(t.len(), 6);
    }

    #[test]
    fn empty_and_replace() {
        let mut t = LpmTable::new();
        assert_eq!(t.lookup(ip("1.2.3.4")), None);
        assert_eq!(t.insert(n("1.2.3.99/24"), 1), None);
        assert_eq!(t.insert(n("1.2.3.0/24"), 2), Some(1));
        assert_eq!(t.get(&n("1.2.3.0/24")), Some(&2));
        assert_eq!(t.remove(&n("1.2.3.0/24")), Some(2));
        assert!(t.is_empty());
    }
}
