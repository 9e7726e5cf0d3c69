//! Atomisers: split a field into elementary intervals at every boundary of a collection of
//! labelled ranges (service-tag prefixes, VNet/subnet/route prefixes, endpoint addresses, rule
//! prefixes, port ranges), then merge intervals with identical membership into *classes*.
//!
//! Two addresses in the same class belong to exactly the same groups, so anything defined by
//! those groups (tag membership, the longest-prefix match of any route table whose prefixes
//! were added, NSG rule address matches) is constant on a class: a sweep can work per class
//! instead of per address or per prefix.
//!
//! Building sorts `2n` boundary events and interns each distinct membership set once:
//! `O(n log n + Σ|membership|)`. Lookups are a binary search over the class-change points.

use crate::addr::{AddrKey, AddrSet, v4_range, v6_range};
use crate::interval::{Bound, IntervalSet};
use indexmap::IndexSet;
use ipnet::IpNet;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::net::IpAddr;

/// A class of identical membership. Class 0 is always the class of points in no group.
pub type ClassId = u32;

/// A small multiplicative hasher for `u32` slices (membership sets): the default SipHash costs
/// more than the rest of the sweep.
#[derive(Default)]
struct MixHasher(u64);

impl Hasher for MixHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(b as u64);
        }
    }
    fn write_u32(&mut self, x: u32) {
        self.write_u64(x as u64);
    }
    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    fn write_usize(&mut self, x: usize) {
        self.write_u64(x as u64);
    }
}

type MixMap<K, V> = HashMap<K, V, BuildHasherDefault<MixHasher>>;

/// Interns membership sets (sorted group indices) into class ids.
#[derive(Default)]
struct ClassTable {
    ids: MixMap<Box<[u32]>, u32>,
    offsets: Vec<u32>,
    members: Vec<u32>,
}

impl ClassTable {
    fn new() -> Self {
        let mut t = ClassTable {
            offsets: vec![0],
            ..Default::default()
        };
        t.intern(&[]);
        t
    }

    fn intern(&mut self, set: &[u32]) -> u32 {
        if let Some(&id) = self.ids.get(set) {
            return id;
        }
        let id = (self.offsets.len() - 1) as u32;
        self.members.extend_from_slice(set);
        self.offsets.push(self.members.len() as u32);
        self.ids.insert(set.into(), id);
        id
    }

    fn finish(self, groups: usize) -> Classes {
        let Self {
            offsets, members, ..
        } = self;
        // Inverse relation group → classes, ascending.
        let mut counts = vec![0u32; groups + 1];
        for &g in &members {
            counts[g as usize + 1] += 1;
        }
        for i in 0..groups {
            counts[i + 1] += counts[i];
        }
        let mut fill = counts.clone();
        let mut classes_of = vec![0u32; members.len()];
        for c in 0..offsets.len() - 1 {
            for &g in &members[offsets[c] as usize..offsets[c + 1] as usize] {
                classes_of[fill[g as usize] as usize] = c as u32;
                fill[g as usize] += 1;
            }
        }
        Classes {
            offsets,
            members,
            group_offsets: counts,
            group_classes: classes_of,
        }
    }
}

/// Finished class relation, both directions, flattened.
#[derive(Clone, Debug)]
struct Classes {
    offsets: Vec<u32>,
    members: Vec<u32>,
    group_offsets: Vec<u32>,
    group_classes: Vec<u32>,
}

impl Classes {
    fn count(&self) -> usize {
        self.offsets.len() - 1
    }
    fn members(&self, c: ClassId) -> &[u32] {
        &self.members[self.offsets[c as usize] as usize..self.offsets[c as usize + 1] as usize]
    }
    fn classes_of(&self, g: u32) -> &[u32] {
        &self.group_classes
            [self.group_offsets[g as usize] as usize..self.group_offsets[g as usize + 1] as usize]
    }
}

/// Sweeps labelled runs `(lo, hi, group)` into class-change points: `starts[i]` begins a
/// maximal run of class `class_at[i]`; `starts[0] == MIN`.
fn sweep<K: Bound>(
    runs: &[(K, K, u32)],
    groups: usize,
    table: &mut ClassTable,
) -> (Vec<K>, Vec<u32>) {
    // Events: (position, +1/-1, group). Opens sort before closes at one position so a group
    // whose adjacent prefixes meet there keeps its count and is not removed and re-added.
    let mut events: Vec<(K, i8, u32)> = Vec::with_capacity(runs.len() * 2);
    for &(lo, hi, g) in runs {
        events.push((lo, -1, g)); // -1 sorts first: "open"
        if hi < K::MAX {
            events.push((hi.succ(), 1, g)); // "close"
        }
    }
    events.sort_unstable();
    let mut count = vec![0u32; groups];
    let mut active: Vec<u32> = Vec::new();
    let mut starts = Vec::new();
    let mut class_at = Vec::new();
    let mut i = 0;
    let mut pos = K::MIN;
    loop {
        while i < events.len() && events[i].0 == pos {
            let (_, kind, g) = events[i];
            let c = &mut count[g as usize];
            if kind < 0 {
                *c += 1;
                if *c == 1 {
                    let at = active.partition_point(|&x| x < g);
                    active.insert(at, g);
                }
            } else {
                *c -= 1;
                if *c == 0 {
                    let at = active.partition_point(|&x| x < g);
                    active.remove(at);
                }
            }
            i += 1;
        }
        let class = table.intern(&active);
        if class_at.last() != Some(&class) {
            starts.push(pos);
            class_at.push(class);
        }
        match events.get(i) {
            Some(e) => pos = e.0,
            None => break,
        }
    }
    (starts, class_at)
}

#[inline]
fn class_at<K: Bound>(starts: &[K], class_at: &[u32], x: K) -> ClassId {
    class_at[starts.partition_point(|s| *s <= x) - 1]
}

fn class_runs<K: Bound>(starts: &[K], class_at: &[u32], c: ClassId) -> IntervalSet<K> {
    let mut runs = Vec::new();
    for (i, &k) in class_at.iter().enumerate() {
        if k == c {
            let hi = if i + 1 < starts.len() {
                starts[i + 1].pred()
            } else {
                K::MAX
            };
            runs.push((starts[i], hi));
        }
    }
    IntervalSet::from_canonical(runs)
}

fn classes_meeting<K: Bound>(
    starts: &[K],
    class_at: &[u32],
    set: &IntervalSet<K>,
    out: &mut Vec<u32>,
) {
    for &(a, b) in set.runs() {
        let first = starts.partition_point(|s| *s <= a) - 1;
        let last = starts.partition_point(|s| *s <= b) - 1;
        out.extend_from_slice(&class_at[first..=last]);
    }
}

/// Collects labelled ranges over one integer field (ports, transport keys, …).
#[derive(Clone, Debug)]
pub struct KeyAtomiser<K, G> {
    groups: IndexSet<G>,
    runs: Vec<(K, K, u32)>,
}

/// Atomiser over destination ports.
pub type PortAtomiser<G> = KeyAtomiser<u16, G>;
/// Classes over destination ports.
pub type PortAtoms<G> = KeyAtoms<u16, G>;

impl<K: Bound, G: Hash + Eq> Default for KeyAtomiser<K, G> {
    fn default() -> Self {
        KeyAtomiser {
            groups: IndexSet::new(),
            runs: Vec::new(),
        }
    }
}

impl<K: Bound, G: Hash + Eq> KeyAtomiser<K, G> {
    /// An empty atomiser.
    pub fn new() -> Self {
        Self::default()
    }

    fn group(&mut self, g: G) -> u32 {
        self.groups.insert_full(g).0 as u32
    }

    /// Adds `lo..=hi` to `group` (ignored when `lo > hi`); returns the group's index.
    pub fn add(&mut self, group: G, lo: K, hi: K) -> u32 {
        let g = self.group(group);
        if lo <= hi {
            self.runs.push((lo, hi, g));
        }
        g
    }

    /// Adds every run of `set` to `group`; returns the group's index.
    pub fn add_set(&mut self, group: G, set: &IntervalSet<K>) -> u32 {
        let g = self.group(group);
        self.runs.extend(set.runs().iter().map(|&(a, b)| (a, b, g)));
        g
    }

    /// Sweeps and merges.
    pub fn build(self) -> KeyAtoms<K, G> {
        let mut table = ClassTable::new();
        let (starts, class_at) = sweep(&self.runs, self.groups.len(), &mut table);
        KeyAtoms {
            classes: table.finish(self.groups.len()),
            groups: self.groups,
            starts,
            class_at,
        }
    }
}

/// Classes of identical membership over one integer field.
#[derive(Clone, Debug)]
pub struct KeyAtoms<K, G> {
    groups: IndexSet<G>,
    starts: Vec<K>,
    class_at: Vec<u32>,
    classes: Classes,
}

impl<K: Bound, G: Hash + Eq> KeyAtoms<K, G> {
    /// The class of `x`.
    pub fn class_of(&self, x: K) -> ClassId {
        class_at(&self.starts, &self.class_at, x)
    }

    /// Number of classes (including class 0, "no group").
    pub fn class_count(&self) -> usize {
        self.classes.count()
    }

    /// Number of maximal runs of constant class.
    pub fn run_count(&self) -> usize {
        self.starts.len()
    }

    /// Group indices of a class, ascending.
    pub fn group_ids_of(&self, c: ClassId) -> &[u32] {
        self.classes.members(c)
    }

    /// Groups of a class.
    pub fn groups_of(&self, c: ClassId) -> impl Iterator<Item = &G> + '_ {
        self.classes
            .members(c)
            .iter()
            .map(|&g| &self.groups[g as usize])
    }

    /// The group with index `g`.
    pub fn group(&self, g: u32) -> Option<&G> {
        self.groups.get_index(g as usize)
    }

    /// Index of a group.
    pub fn group_index(&self, g: &G) -> Option<u32> {
        self.groups.get_index_of(g).map(|i| i as u32)
    }

    /// Classes making up a group, ascending (empty for an unknown group).
    pub fn classes_of_group(&self, g: &G) -> &[ClassId] {
        self.group_index(g)
            .map_or(&[], |i| self.classes.classes_of(i))
    }

    /// The values in class `c` (`O(runs)`).
    pub fn class_set(&self, c: ClassId) -> IntervalSet<K> {
        class_runs(&self.starts, &self.class_at, c)
    }

    /// Classes sharing a value with `set`, ascending, without duplicates.
    pub fn classes_meeting(&self, set: &IntervalSet<K>) -> Vec<ClassId> {
        let mut out = Vec::new();
        classes_meeting(&self.starts, &self.class_at, set, &mut out);
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// Collects labelled prefixes over IPv4 and IPv6 addresses.
#[derive(Clone, Debug)]
pub struct AddrAtomiser<G> {
    groups: IndexSet<G>,
    v4: Vec<(u32, u32, u32)>,
    v6: Vec<(u128, u128, u32)>,
}

impl<G: Hash + Eq> Default for AddrAtomiser<G> {
    fn default() -> Self {
        AddrAtomiser {
            groups: IndexSet::new(),
            v4: Vec::new(),
            v6: Vec::new(),
        }
    }
}

impl<G: Hash + Eq> AddrAtomiser<G> {
    /// An empty atomiser.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `group` (so it exists even without prefixes); returns its index.
    pub fn group(&mut self, group: G) -> u32 {
        self.groups.insert_full(group).0 as u32
    }

    /// Adds a prefix (host bits ignored) to `group`; returns the group's index.
    pub fn add(&mut self, group: G, net: IpNet) -> u32 {
        let g = self.group(group);
        self.add_to(g, net);
        g
    }

    /// Adds a prefix to an already registered group index.
    pub fn add_to(&mut self, g: u32, net: IpNet) {
        assert!((g as usize) < self.groups.len(), "unknown group index {g}");
        match net {
            IpNet::V4(n) => {
                let (a, b) = v4_range(&n);
                self.v4.push((a, b, g));
            }
            IpNet::V6(n) => {
                let (a, b) = v6_range(&n);
                self.v6.push((a, b, g));
            }
        }
    }

    /// Adds several prefixes to `group`.
    pub fn add_nets<I: IntoIterator<Item = IpNet>>(&mut self, group: G, nets: I) -> u32 {
        let g = self.group(group);
        for n in nets {
            self.add_to(g, n);
        }
        g
    }

    /// Adds an arbitrary address set to `group`.
    pub fn add_set(&mut self, group: G, set: &AddrSet) -> u32 {
        let g = self.group(group);
        self.v4
            .extend(set.v4().runs().iter().map(|&(a, b)| (a, b, g)));
        self.v6
            .extend(set.v6().runs().iter().map(|&(a, b)| (a, b, g)));
        g
    }

    /// Number of prefixes/runs added.
    pub fn len(&self) -> usize {
        self.v4.len() + self.v6.len()
    }

    /// Whether nothing was added.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Sweeps both families and merges into classes shared across families (an IPv4 and an
    /// IPv6 range in exactly the same groups are one class).
    pub fn build(self) -> AddrAtoms<G> {
        let mut table = ClassTable::new();
        let n = self.groups.len();
        let (v4_starts, v4_class) = sweep(&self.v4, n, &mut table);
        let (v6_starts, v6_class) = sweep(&self.v6, n, &mut table);
        AddrAtoms {
            classes: table.finish(n),
            groups: self.groups,
            v4_starts,
            v4_class,
            v6_starts,
            v6_class,
        }
    }
}

/// Classes of identical membership over addresses.
#[derive(Clone, Debug)]
pub struct AddrAtoms<G> {
    groups: IndexSet<G>,
    v4_starts: Vec<u32>,
    v4_class: Vec<u32>,
    v6_starts: Vec<u128>,
    v6_class: Vec<u32>,
    classes: Classes,
}

impl<G: Hash + Eq> AddrAtoms<G> {
    /// The class of an address (binary search, `O(log runs)`).
    pub fn class_of(&self, ip: IpAddr) -> ClassId {
        match ip {
            IpAddr::V4(a) => class_at(&self.v4_starts, &self.v4_class, u32::from(a)),
            IpAddr::V6(a) => class_at(&self.v6_starts, &self.v6_class, u128::from(a)),
        }
    }

    /// Number of classes (including class 0, "no group").
    pub fn class_count(&self) -> usize {
        self.classes.count()
    }

    /// Number of maximal address runs of constant class (both families).
    pub fn run_count(&self) -> usize {
        self.v4_starts.len() + self.v6_starts.len()
    }

    /// Number of groups.
    pub fn group_count(&self) -> usize {
        self.groups.len()
    }

    /// Group indices of a class, ascending.
    pub fn group_ids_of(&self, c: ClassId) -> &[u32] {
        self.classes.members(c)
    }

    /// Groups of a class.
    pub fn groups_of(&self, c: ClassId) -> impl Iterator<Item = &G> + '_ {
        self.classes
            .members(c)
            .iter()
            .map(|&g| &self.groups[g as usize])
    }

    /// The group with index `g`.
    pub fn group(&self, g: u32) -> Option<&G> {
        self.groups.get_index(g as usize)
    }

    /// Index of a group.
    pub fn group_index(&self, g: &G) -> Option<u32> {
        self.groups.get_index_of(g).map(|i| i as u32)
    }

    /// Classes making up a group, ascending (empty for an unknown group).
    pub fn classes_of_group(&self, g: &G) -> &[ClassId] {
        self.group_index(g)
            .map_or(&[], |i| self.classes.classes_of(i))
    }

    /// Classes making up the group with index `g`.
    pub fn classes_of_group_id(&self, g: u32) -> &[ClassId] {
        self.classes.classes_of(g)
    }

    /// The addresses of class `c` (`O(runs)`).
    pub fn class_set(&self, c: ClassId) -> AddrSet {
        AddrSet::from_parts(
            class_runs(&self.v4_starts, &self.v4_class, c),
            class_runs(&self.v6_starts, &self.v6_class, c),
        )
    }

    /// Classes sharing an address with `set`, ascending, without duplicates.
    pub fn classes_meeting(&self, set: &AddrSet) -> Vec<ClassId> {
        let mut out = Vec::new();
        classes_meeting(&self.v4_starts, &self.v4_class, set.v4(), &mut out);
        classes_meeting(&self.v6_starts, &self.v6_class, set.v6(), &mut out);
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The maximal runs `(first, last, class)`, IPv4 then IPv6, ascending.
    pub fn runs(&self) -> impl Iterator<Item = (IpAddr, IpAddr, ClassId)> + '_ {
        fn fam<'a, K: AddrKey>(
            starts: &'a [K],
            cls: &'a [u32],
        ) -> impl Iterator<Item = (IpAddr, IpAddr, ClassId)> + 'a {
            starts.iter().enumerate().map(move |(i, &s)| {
                let hi = if i + 1 < starts.len() {
                    starts[i + 1].pred()
                } else {
                    K::MAX
                };
                (s.to_ip(), hi.to_ip(), cls[i])
            })
        }
        fam(&self.v4_starts, &self.v4_class).chain(fam(&self.v6_starts, &self.v6_class))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(s: &str) -> IpNet {
        s.parse().unwrap()
    }

    #[test]
    fn classes_follow_membership() {
        let mut a = AddrAtomiser::new();
        a.add("A", net("10.0.0.0/8"));
        a.add("B", net("10.1.0.0/16"));
        a.add("C", net("10.1.0.0/16"));
        a.add("B", net("192.168.0.0/24"));
        a.add("C", net("192.168.0.0/24"));
        a.add("A", net("2001:db8::/32"));
        let at = a.build();
        // Classes: {}, {A}, {A,B,C}, {B,C}
        assert_eq!(at.class_count(), 4);
        let c = |s: &str| at.class_of(s.parse().unwrap());
        assert_eq!(c("9.255.255.255"), 0);
        assert_eq!(c("10.0.0.1"), c("10.2.0.0"));
        assert_eq!(c("10.0.0.1"), c("2001:db8::1")); // {A} spans both families
        assert_ne!(c("10.1.0.1"), c("10.0.0.1"));
        assert_eq!(
            at.groups_of(c("10.1.2.3")).copied().collect::<Vec<_>>(),
            ["A", "B", "C"]
        );
        assert_eq!(
            at.groups_of(c("192.168.0.9")).copied().collect::<Vec<_>>(),
            ["B", "C"]
        );
        assert_eq!(c("255.255.255.255"), 0);
        assert_eq!(at.classes_of_group(&"B").len(), 2);
        let a_addrs = at.class_set(c("10.0.0.1"));
        assert_eq!(
            a_addrs.to_string(),
            "{10.0.0.0/16, 10.2.0.0/15, 10.4.0.0/14, 10.8.0.0/13, 10.16.0.0/12, 10.32.0.0/11, 10.64.0.0/10, 10.128.0.0/9} + 2001:db8::/32"
        );
    }

    #[test]
    fn adjacent_prefixes_of_one_group_form_one_run() {
        let mut a = AddrAtomiser::new();
        a.add(1, net("10.0.0.0/25"));
        a.add(1, net("10.0.0.128/25"));
        let at = a.build();
        assert_eq!(at.class_count(), 2);
        assert_eq!(at.run_count(), 3 + 1); // v4: none, group, none; v6: none
    }

    #[test]
    fn full_range_edges() {
        let mut a = AddrAtomiser::new();
        a.add("all4", net("0.0.0.0/0"));
        a.add("all6", net("::/0"));
        a.add("top", net("255.255.255.255/32"));
        let at = a.build();
        assert_eq!(
            at.groups_of(at.class_of("255.255.255.255".parse().unwrap()))
                .count(),
            2
        );
        assert_eq!(
            at.groups_of(at.class_of("0.0.0.0".parse().unwrap()))
                .copied()
                .collect::<Vec<_>>(),
            ["all4"]
        );
        assert_eq!(
            at.class_of("::".parse().unwrap()),
            at.class_of("ffff::1".parse().unwrap())
        );
    }

    #[test]
    fn ports() {
        let mut p = PortAtomiser::new();
        p.add("web", 80, 80);
        p.add("web", 443, 443);
        p.add("high", 1024, 65535);
        p.add("any", 0, 65535);
        let at = p.build();
        assert_eq!(at.class_of(80), at.class_of(443));
        assert_ne!(at.class_of(80), at.class_of(81));
        assert_eq!(
            at.groups_of(at.class_of(65535))
                .copied()
                .collect::<Vec<_>>(),
            ["high", "any"]
        );
        assert_eq!(
            at.class_set(at.class_of(80)).runs(),
            &[(80, 80), (443, 443)]
        );
        assert_eq!(at.classes_meeting(&IntervalSet::range(0, 100)).len(), 2);
    }
}
