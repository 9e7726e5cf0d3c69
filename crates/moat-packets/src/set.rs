//! Packet sets: unions of pairwise-disjoint cubes, one cube list per address family.

use crate::addr::{AddrKey, AddrSet, fmt_runs};
use crate::interval::IntervalSet;
use crate::l4::{L4Set, Protocol};
use crate::packet::Packet;
use foldhash::HashMap;
use ipnet::IpNet;
use std::cmp::Ordering;
use std::fmt;
use std::net::IpAddr;
use std::ops::RangeInclusive;

/// A product `src × dst × l4` of one address family (`A` = `u32` for IPv4, `u128` for IPv6).
/// Every field is non-empty.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cube<A: AddrKey> {
    pub(crate) src: IntervalSet<A>,
    pub(crate) dst: IntervalSet<A>,
    pub(crate) l4: L4Set,
}

impl<A: AddrKey> Cube<A> {
    fn full() -> Self {
        Cube {
            src: IntervalSet::full(),
            dst: IntervalSet::full(),
            l4: L4Set::any(),
        }
    }

    /// Source addresses as integer runs.
    pub fn src(&self) -> &IntervalSet<A> {
        &self.src
    }

    /// Destination addresses as integer runs.
    pub fn dst(&self) -> &IntervalSet<A> {
        &self.dst
    }

    /// Protocols and ports.
    pub fn l4(&self) -> &L4Set {
        &self.l4
    }

    #[inline]
    pub(crate) fn contains_key(&self, s: A, d: A, k: u32) -> bool {
        self.l4.0.contains(k) && self.dst.contains(d) && self.src.contains(s)
    }

    #[inline]
    fn intersects(&self, o: &Self) -> bool {
        self.l4.0.intersects(&o.l4.0) && self.dst.intersects(&o.dst) && self.src.intersects(&o.src)
    }

    fn intersect(&self, o: &Self) -> Option<Self> {
        if !self.intersects(o) {
            return None;
        }
        Some(Cube {
            src: self.src.intersect(&o.src),
            dst: self.dst.intersect(&o.dst),
            l4: self.l4.intersect(&o.l4),
        })
    }

    /// Pushes `self \ o` as at most three disjoint cubes: the part outside `o`'s sources, then
    /// inside the sources but outside the destinations, then inside both but outside `l4`.
    fn subtract_into(self, o: &Self, out: &mut Vec<Self>) {
        if !self.intersects(o) {
            out.push(self);
            return;
        }
        let s_out = self.src.difference(&o.src);
        let s_in = if s_out.is_empty() {
            self.src
        } else {
            self.src.intersect(&o.src)
        };
        if !s_out.is_empty() {
            out.push(Cube {
                src: s_out,
                dst: self.dst.clone(),
                l4: self.l4.clone(),
            });
        }
        let d_out = self.dst.difference(&o.dst);
        let d_in = if d_out.is_empty() {
            self.dst
        } else {
            self.dst.intersect(&o.dst)
        };
        if !d_out.is_empty() {
            out.push(Cube {
                src: s_in.clone(),
                dst: d_out,
                l4: self.l4.clone(),
            });
        }
        let l_out = self.l4.difference(&o.l4);
        if !l_out.is_empty() {
            out.push(Cube {
                src: s_in,
                dst: d_in,
                l4: l_out,
            });
        }
    }

    /// A readable member: lowest source, lowest destination, TCP/UDP/ICMP first, lowest port.
    pub fn sample(&self) -> Packet {
        let (p, port) = self.l4.sample().expect("cube fields are non-empty");
        let s = self.src.first().expect("cube fields are non-empty");
        let d = self.dst.first().expect("cube fields are non-empty");
        Packet::new(s.to_ip(), d.to_ip(), p, port)
    }

    fn cidrs(runs: &IntervalSet<A>) -> Vec<IpNet> {
        let mut v = Vec::new();
        for &(a, b) in runs.runs() {
            crate::addr::run_to_cidrs(a, b, &mut v);
        }
        v
    }

    /// Sources as the fewest CIDRs.
    pub fn src_cidrs(&self) -> Vec<IpNet> {
        Self::cidrs(&self.src)
    }

    /// Destinations as the fewest CIDRs.
    pub fn dst_cidrs(&self) -> Vec<IpNet> {
        Self::cidrs(&self.dst)
    }
}

/// `src 10.0.1.0/24 → dst 10.0.2.4 tcp/443`; a precision (`{:.3}`) caps the prefixes listed
/// per field.
impl<A: AddrKey> fmt::Display for Cube<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("src ")?;
        fmt_runs(self.src.runs(), f, f.precision())?;
        f.write_str(" → dst ")?;
        fmt_runs(self.dst.runs(), f, f.precision())?;
        write!(f, " {}", self.l4)
    }
}

impl<A: AddrKey> fmt::Debug for Cube<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// A borrowed cube of either family, as yielded by [`PacketSet::cubes`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum CubeRef<'a> {
    /// An IPv4 cube.
    V4(&'a Cube<u32>),
    /// An IPv6 cube.
    V6(&'a Cube<u128>),
}

impl CubeRef<'_> {
    /// Source addresses.
    pub fn src(&self) -> AddrSet {
        match self {
            CubeRef::V4(c) => AddrSet::from_parts(c.src.clone(), IntervalSet::empty()),
            CubeRef::V6(c) => AddrSet::from_parts(IntervalSet::empty(), c.src.clone()),
        }
    }

    /// Destination addresses.
    pub fn dst(&self) -> AddrSet {
        match self {
            CubeRef::V4(c) => AddrSet::from_parts(c.dst.clone(), IntervalSet::empty()),
            CubeRef::V6(c) => AddrSet::from_parts(IntervalSet::empty(), c.dst.clone()),
        }
    }

    /// Protocols and ports.
    pub fn l4(&self) -> &L4Set {
        match self {
            CubeRef::V4(c) => &c.l4,
            CubeRef::V6(c) => &c.l4,
        }
    }

    /// A readable member.
    pub fn sample(&self) -> Packet {
        match self {
            CubeRef::V4(c) => c.sample(),
            CubeRef::V6(c) => c.sample(),
        }
    }
}

impl fmt::Display for CubeRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CubeRef::V4(c) => fmt::Display::fmt(c, f),
            CubeRef::V6(c) => fmt::Display::fmt(c, f),
        }
    }
}

impl fmt::Debug for CubeRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// A set of packets: a union of pairwise-disjoint [`Cube`]s per address family.
///
/// Source and destination always share a family (mixed-family headers are not packets), so the
/// universe is `(v4 × v4 × l4) ∪ (v6 × v6 × l4)` and [`PacketSet::all`] is two cubes.
/// Equality (`==`) is set equality, decided semantically; [`PacketSet::canonical`] gives the
/// unique cube list of a set when a structural key is needed.
#[derive(Clone, Default)]
pub struct PacketSet {
    pub(crate) v4: Vec<Cube<u32>>,
    pub(crate) v6: Vec<Cube<u128>>,
}

impl PacketSet {
    /// No packet.
    pub fn empty() -> Self {
        PacketSet::default()
    }

    /// Every packet (both families, every protocol and port).
    pub fn all() -> Self {
        PacketSet {
            v4: vec![Cube::full()],
            v6: vec![Cube::full()],
        }
    }

    /// The product `src × dst × l4`, split by family.
    pub fn new(src: &AddrSet, dst: &AddrSet, l4: &L4Set) -> Self {
        let mut s = PacketSet::empty();
        if l4.is_empty() {
            return s;
        }
        if !src.v4.is_empty() && !dst.v4.is_empty() {
            s.v4.push(Cube {
                src: src.v4.clone(),
                dst: dst.v4.clone(),
                l4: l4.clone(),
            });
        }
        if !src.v6.is_empty() && !dst.v6.is_empty() {
            s.v6.push(Cube {
                src: src.v6.clone(),
                dst: dst.v6.clone(),
                l4: l4.clone(),
            });
        }
        s
    }

    /// The set matched by per-field constraints; `None` means "any" for that field. `ports`
    /// constrains TCP and UDP only and excludes port-less protocols (see [`L4Set::from_parts`]).
    pub fn matching(
        src: Option<&[IpNet]>,
        dst: Option<&[IpNet]>,
        protocols: Option<&[Protocol]>,
        ports: Option<&[RangeInclusive<u16>]>,
    ) -> Self {
        let addr = |f: Option<&[IpNet]>| {
            f.map_or_else(AddrSet::any, |n| AddrSet::from_nets(n.iter().copied()))
        };
        PacketSet::new(&addr(src), &addr(dst), &L4Set::from_parts(protocols, ports))
    }

    /// The set holding exactly `p` (empty for a mixed-family packet).
    pub fn from_packet(p: &Packet) -> Self {
        let l4 = if p.proto.has_ports() {
            L4Set(IntervalSet::point(p.l4_key()))
        } else {
            L4Set::protocol(p.proto)
        };
        PacketSet::new(&AddrSet::host(p.src), &AddrSet::host(p.dst), &l4)
    }

    /// Whether the set has no packet (cubes are never empty, so this is O(1)).
    pub fn is_empty(&self) -> bool {
        self.v4.is_empty() && self.v6.is_empty()
    }

    /// Number of cubes in the current (not necessarily canonical) representation.
    pub fn cube_count(&self) -> usize {
        self.v4.len() + self.v6.len()
    }

    /// The IPv4 cubes.
    pub fn v4_cubes(&self) -> &[Cube<u32>] {
        &self.v4
    }

    /// The IPv6 cubes.
    pub fn v6_cubes(&self) -> &[Cube<u128>] {
        &self.v6
    }

    /// The disjoint cubes, IPv4 first.
    pub fn cubes(&self) -> impl Iterator<Item = CubeRef<'_>> + '_ {
        self.v4
            .iter()
            .map(CubeRef::V4)
            .chain(self.v6.iter().map(CubeRef::V6))
    }

    /// Membership.
    pub fn contains(&self, p: &Packet) -> bool {
        let k = p.l4_key();
        match (p.src, p.dst) {
            (IpAddr::V4(s), IpAddr::V4(d)) => {
                let (s, d) = (u32::from(s), u32::from(d));
                self.v4.iter().any(|c| c.contains_key(s, d, k))
            }
            (IpAddr::V6(s), IpAddr::V6(d)) => {
                let (s, d) = (u128::from(s), u128::from(d));
                self.v6.iter().any(|c| c.contains_key(s, d, k))
            }
            _ => false,
        }
    }

    /// `self ∪ other`.
    pub fn union(&self, other: &Self) -> Self {
        PacketSet {
            v4: union(&self.v4, &other.v4),
            v6: union(&self.v6, &other.v6),
        }
    }

    /// `self ∩ other`.
    pub fn intersect(&self, other: &Self) -> Self {
        PacketSet {
            v4: intersect(&self.v4, &other.v4),
            v6: intersect(&self.v6, &other.v6),
        }
    }

    /// `self \ other`.
    pub fn difference(&self, other: &Self) -> Self {
        PacketSet {
            v4: difference(&self.v4, &other.v4),
            v6: difference(&self.v6, &other.v6),
        }
    }

    /// Every packet not in `self`.
    pub fn complement(&self) -> Self {
        PacketSet::all().difference(self)
    }

    /// Whether `self ⊆ other` (stops at the first cube piece left uncovered).
    pub fn is_subset(&self, other: &Self) -> bool {
        is_subset(&self.v4, &other.v4) && is_subset(&self.v6, &other.v6)
    }

    /// Whether the sets share a packet.
    pub fn intersects(&self, other: &Self) -> bool {
        self.v4
            .iter()
            .any(|a| other.v4.iter().any(|b| a.intersects(b)))
            || self
                .v6
                .iter()
                .any(|a| other.v6.iter().any(|b| a.intersects(b)))
    }

    /// A readable witness: IPv4 before IPv6, TCP before UDP before ICMP before others, then
    /// the lowest source, destination and port.
    pub fn sample(&self) -> Option<Packet> {
        fn rank(p: &Packet) -> impl Ord {
            (
                p.src.is_ipv6(),
                p.proto.readability_rank(),
                p.src,
                p.dst,
                p.dport,
            )
        }
        self.cubes()
            .map(|c| c.sample())
            .min_by(|a, b| rank(a).cmp(&rank(b)))
    }

    /// Sources that appear in some packet.
    pub fn src_set(&self) -> AddrSet {
        project(self, |c| &c.src, |c| &c.src)
    }

    /// Destinations that appear in some packet.
    pub fn dst_set(&self) -> AddrSet {
        project(self, |c| &c.dst, |c| &c.dst)
    }

    /// Protocols and ports that appear in some packet.
    pub fn l4_set(&self) -> L4Set {
        self.cubes().fold(L4Set::none(), |acc, c| acc.union(c.l4()))
    }

    /// The unique cube list of this set: sources are split where the rest of the header space
    /// changes, and grouped by identical rest; the rest is decomposed the same way by
    /// destination, leaving one transport set per (source group, destination group). Two sets
    /// are equal exactly when their canonical forms are identical (`==` on the cube vectors).
    /// Cost grows with the number of distinct field boundaries; meant for display, keys and
    /// tests rather than hot loops.
    pub fn canonical(&self) -> PacketSet {
        PacketSet {
            v4: canonical(&self.v4),
            v6: canonical(&self.v6),
        }
    }

    /// Merges cubes that agree on two fields (cheap; shrinks fragmented results in place).
    pub fn coalesce(&mut self) {
        coalesce(&mut self.v4);
        coalesce(&mut self.v6);
    }

    /// The canonical form, one cube per line with fields merged into CIDRs (`∅` when empty).
    pub fn describe(&self) -> String {
        self.canonical().to_string()
    }
}

impl PartialEq for PacketSet {
    fn eq(&self, other: &Self) -> bool {
        self.is_subset(other) && other.is_subset(self)
    }
}

impl Eq for PacketSet {}

/// One cube per line in the *stored* order (use [`PacketSet::describe`] for the canonical
/// compact form); `∅` when empty.
impl fmt::Display for PacketSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("∅");
        }
        for (i, c) in self.cubes().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            fmt::Display::fmt(&c, f)?;
        }
        Ok(())
    }
}

impl fmt::Debug for PacketSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PacketSet[")?;
        for (i, c) in self.cubes().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            fmt::Display::fmt(&c, f)?;
        }
        f.write_str("]")
    }
}

fn project(
    s: &PacketSet,
    f4: impl Fn(&Cube<u32>) -> &IntervalSet<u32>,
    f6: impl Fn(&Cube<u128>) -> &IntervalSet<u128>,
) -> AddrSet {
    let v4 = IntervalSet::from_ranges(s.v4.iter().flat_map(|c| f4(c).runs().iter().copied()));
    let v6 = IntervalSet::from_ranges(s.v6.iter().flat_map(|c| f6(c).runs().iter().copied()));
    AddrSet::from_parts(v4, v6)
}

// ---------------------------------------------------------------------------------------------
// Family-generic cube-list algebra.

pub(crate) fn intersect<A: AddrKey>(a: &[Cube<A>], b: &[Cube<A>]) -> Vec<Cube<A>> {
    let mut out = Vec::new();
    for x in a {
        for y in b {
            if let Some(c) = x.intersect(y) {
                out.push(c);
            }
        }
    }
    // Pieces of one cube of `a` cut by several cubes of `b` often re-merge.
    if out.len() > 1 {
        coalesce(&mut out);
    }
    out
}

pub(crate) fn difference<A: AddrKey>(a: &[Cube<A>], b: &[Cube<A>]) -> Vec<Cube<A>> {
    let mut out = Vec::new();
    let mut pieces = Vec::new();
    let mut next = Vec::new();
    for x in a {
        pieces.clear();
        pieces.push(x.clone());
        for y in b {
            if pieces.is_empty() {
                break;
            }
            if !x.intersects(y) {
                continue; // no piece of x can meet y
            }
            next.clear();
            for p in pieces.drain(..) {
                p.subtract_into(y, &mut next);
            }
            std::mem::swap(&mut pieces, &mut next);
            // Re-merge before fragments multiply against the remaining subtrahends.
            if pieces.len() > 32 {
                coalesce(&mut pieces);
            }
        }
        out.append(&mut pieces);
    }
    if out.len() > 1 {
        coalesce(&mut out);
    }
    out
}

pub(crate) fn union<A: AddrKey>(a: &[Cube<A>], b: &[Cube<A>]) -> Vec<Cube<A>> {
    if a.is_empty() {
        return b.to_vec();
    }
    if b.is_empty() {
        return a.to_vec();
    }
    let mut out = a.to_vec();
    out.extend(difference(b, a));
    coalesce(&mut out);
    out
}

fn is_subset<A: AddrKey>(a: &[Cube<A>], b: &[Cube<A>]) -> bool {
    let mut pieces = Vec::new();
    let mut next = Vec::new();
    for x in a {
        pieces.clear();
        pieces.push(x.clone());
        for y in b {
            if pieces.is_empty() {
                break;
            }
            if !x.intersects(y) {
                continue;
            }
            next.clear();
            for p in pieces.drain(..) {
                p.subtract_into(y, &mut next);
            }
            std::mem::swap(&mut pieces, &mut next);
        }
        if !pieces.is_empty() {
            return false;
        }
    }
    true
}

#[derive(Clone, Copy)]
enum Field {
    Src,
    Dst,
    L4,
}

/// Orders cubes by the two fields other than `f`.
fn cmp_others<A: AddrKey>(f: Field, x: &Cube<A>, y: &Cube<A>) -> Ordering {
    match f {
        Field::Src => (&x.dst, &x.l4).cmp(&(&y.dst, &y.l4)),
        Field::Dst => (&x.src, &x.l4).cmp(&(&y.src, &y.l4)),
        Field::L4 => (&x.src, &x.dst).cmp(&(&y.src, &y.dst)),
    }
}

/// Merges cubes equal on two fields by uniting the third, until nothing merges. Disjointness is
/// preserved because a merged cube is exactly the union of its parts.
pub(crate) fn coalesce<A: AddrKey>(cubes: &mut Vec<Cube<A>>) {
    let mut rounds_without_change = 0;
    let mut fields = [Field::L4, Field::Dst, Field::Src].into_iter().cycle();
    while cubes.len() > 1 && rounds_without_change < 3 {
        let f = fields.next().expect("cycle is infinite");
        cubes.sort_unstable_by(|x, y| cmp_others(f, x, y));
        let before = cubes.len();
        let mut out: Vec<Cube<A>> = Vec::with_capacity(before);
        for c in cubes.drain(..) {
            match out.last_mut() {
                Some(last) if cmp_others(f, last, &c) == Ordering::Equal => match f {
                    Field::Src => last.src = last.src.union(&c.src),
                    Field::Dst => last.dst = last.dst.union(&c.dst),
                    Field::L4 => last.l4 = last.l4.union(&c.l4),
                },
                _ => out.push(c),
            }
        }
        *cubes = out;
        if cubes.len() < before {
            rounds_without_change = 0;
        } else {
            rounds_without_change += 1;
        }
    }
}

/// Splits the domain covered by `items` (each a run list with a payload index) into elementary
/// runs and reports, for each run covered by at least one item, the covering item indices.
fn elementary<K: crate::interval::Bound>(items: &[&IntervalSet<K>]) -> Vec<((K, K), Vec<usize>)> {
    let mut points: Vec<K> = Vec::new();
    for s in items {
        for &(a, b) in s.runs() {
            points.push(a);
            if b < K::MAX {
                points.push(b.succ());
            }
        }
    }
    points.sort_unstable();
    points.dedup();
    let mut cover: Vec<Vec<usize>> = vec![Vec::new(); points.len()];
    for (i, s) in items.iter().enumerate() {
        for &(a, b) in s.runs() {
            let lo = points.binary_search(&a).expect("start is a boundary");
            let hi = if b == K::MAX {
                points.len()
            } else {
                points.binary_search(&b.succ()).expect("end is a boundary")
            };
            for c in &mut cover[lo..hi] {
                c.push(i);
            }
        }
    }
    let mut out = Vec::new();
    for (j, c) in cover.into_iter().enumerate() {
        if c.is_empty() {
            continue;
        }
        let hi = if j + 1 < points.len() {
            points[j + 1].pred()
        } else {
            K::MAX
        };
        out.push(((points[j], hi), c));
    }
    out
}

/// The (destination, transport) part of a set at one source point, canonical.
type Slice<A> = Vec<(IntervalSet<A>, L4Set)>;

/// Canonical decomposition; see [`PacketSet::canonical`].
fn canonical<A: AddrKey>(cubes: &[Cube<A>]) -> Vec<Cube<A>> {
    if cubes.is_empty() {
        return Vec::new();
    }
    let srcs: Vec<&IntervalSet<A>> = cubes.iter().map(|c| &c.src).collect();
    // For every elementary source run: the canonical (dst, l4) slice.
    let mut by_slice: HashMap<Slice<A>, Vec<(A, A)>> = HashMap::default();
    for (run, idx) in elementary(&srcs) {
        let dsts: Vec<&IntervalSet<A>> = idx.iter().map(|&i| &cubes[i].dst).collect();
        let mut by_l4: HashMap<L4Set, Vec<(A, A)>> = HashMap::default();
        for (drun, didx) in elementary(&dsts) {
            let l4 = didx
                .iter()
                .fold(L4Set::none(), |acc, &k| acc.union(&cubes[idx[k]].l4));
            by_l4.entry(l4).or_default().push(drun);
        }
        let mut slice: Slice<A> = by_l4
            .into_iter()
            .map(|(l4, runs)| (IntervalSet::from_ranges(runs), l4))
            .collect();
        slice.sort_unstable();
        by_slice.entry(slice).or_default().push(run);
    }
    let mut out = Vec::new();
    for (slice, runs) in by_slice {
        let src = IntervalSet::from_ranges(runs);
        for (dst, l4) in slice {
            out.push(Cube {
                src: src.clone(),
                dst,
                l4,
            });
        }
    }
    out.sort_unstable();
    out
}
