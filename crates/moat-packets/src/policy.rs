//! First-match policies (NSG rule lists, firewall rule collections, route-like filters).
//!
//! A [`Policy`] is an ordered list of rules `(match set, action, id)` plus a default action.
//! The first rule whose match set contains a packet decides it.
//!
//! * [`Policy::decide`] answers one concrete packet through an index, never a scan of the rule
//!   list: every cube of every rule is filed under *one* of its fields (the field on which it
//!   overlaps the fewest other cubes), in a segment tree over that field's elementary
//!   intervals. A lookup walks the three root-to-leaf paths (O(log n) nodes each); each node
//!   lists its cubes in rule order with their bounding boxes inline, so most candidates are
//!   rejected from contiguous memory, and a node's scan stops at the first full match or at
//!   the first rule not earlier than the best found so far. Fields with more than 32 runs (a
//!   service tag) are filed by their hull only when no lighter field exists; the full match
//!   always uses the exact runs.
//! * [`Policy::apply`] folds a symbolic input through the rules lazily (remaining ∩ rule is
//!   the part that rule decides, remaining \ rule goes on), skipping rules whose bounding hull
//!   misses what remains. Nothing is compiled eagerly, so no cross-product of rules is built.

use crate::addr::AddrKey;
use crate::interval::{Bound, IntervalSet};
use crate::packet::Packet;
use crate::set::{Cube, PacketSet};
use std::net::IpAddr;

/// One rule: packets in `matches` get `action`; `id` names the rule in explanations.
#[derive(Clone, Debug)]
pub struct Rule<A, I> {
    /// Packets this rule matches.
    pub matches: PacketSet,
    /// What happens to them.
    pub action: A,
    /// The rule's name or number, reported back by `decide` and `apply`.
    pub id: I,
}

/// An ordered first-match rule list with a default action for packets no rule matches.
#[derive(Clone, Debug)]
pub struct Policy<A, I> {
    rules: Vec<Rule<A, I>>,
    default: A,
    v4: FamilyIndex<u32>,
    v6: FamilyIndex<u128>,
    hulls: Vec<RuleHull>,
}

impl<A, I> Policy<A, I> {
    /// Compiles the index. Rules are evaluated in the given order.
    pub fn new<R: IntoIterator<Item = Rule<A, I>>>(rules: R, default: A) -> Self {
        // Kept as long as the policy: no spare capacity (an estate's NSGs compile to
        // hundreds of thousands of rules).
        let mut rules: Vec<Rule<A, I>> = rules.into_iter().collect();
        rules.shrink_to_fit();
        let v4 = FamilyIndex::build(rules.iter().map(|r| r.matches.v4_cubes()));
        let v6 = FamilyIndex::build(rules.iter().map(|r| r.matches.v6_cubes()));
        let hulls = rules
            .iter()
            .map(|r| {
                (
                    Hull::of(r.matches.v4_cubes()),
                    Hull::of(r.matches.v6_cubes()),
                )
            })
            .collect();
        Policy {
            rules,
            default,
            v4,
            v6,
            hulls,
        }
    }

    /// Builds from `(match, action, id)` triples.
    pub fn from_triples<R: IntoIterator<Item = (PacketSet, A, I)>>(rules: R, default: A) -> Self {
        Self::new(
            rules.into_iter().map(|(matches, action, id)| Rule {
                matches,
                action,
                id,
            }),
            default,
        )
    }

    /// The rules, in evaluation order.
    pub fn rules(&self) -> &[Rule<A, I>] {
        &self.rules
    }

    /// The action for packets no rule matches.
    pub fn default_action(&self) -> &A {
        &self.default
    }

    /// How many cubes the lookup index filed under the source, destination and transport
    /// fields (both families); a diagnostic for the filing heuristic.
    pub fn index_stats(&self) -> [usize; 3] {
        [0, 1, 2].map(|f| self.v4.filed[f] + self.v6.filed[f])
    }

    /// Position of the rule deciding `p`, or `None` when the default applies.
    pub fn decide_index(&self, p: &Packet) -> Option<usize> {
        let k = p.l4_key();
        let r = match (p.src, p.dst) {
            (IpAddr::V4(s), IpAddr::V4(d)) => self.v4.first_match(
                &self.rules,
                |r| r.matches.v4_cubes(),
                u32::from(s),
                u32::from(d),
                k,
            ),
            (IpAddr::V6(s), IpAddr::V6(d)) => self.v6.first_match(
                &self.rules,
                |r| r.matches.v6_cubes(),
                u128::from(s),
                u128::from(d),
                k,
            ),
            _ => None,
        };
        r.map(|r| r as usize)
    }

    /// The action for `p` and the id of the deciding rule (`None`: the default applied).
    pub fn decide(&self, p: &Packet) -> (&A, Option<&I>) {
        match self.decide_index(p) {
            Some(i) => (&self.rules[i].action, Some(&self.rules[i].id)),
            None => (&self.default, None),
        }
    }

    /// Partitions `input` by deciding rule, in rule order: one entry per rule that decides some
    /// of it, then the default's share (rule `None`) if any. The pieces are disjoint and their
    /// union is `input`.
    pub fn apply(&self, input: &PacketSet) -> Vec<(PacketSet, &A, Option<&I>)> {
        let mut out = Vec::new();
        let mut remaining = input.clone();
        let mut hull = (
            Hull::of(remaining.v4_cubes()),
            Hull::of(remaining.v6_cubes()),
        );
        for (rule, rh) in self.rules.iter().zip(&self.hulls) {
            if remaining.is_empty() {
                break;
            }
            let meets = Hull::meets(&hull.0, &rh.0) || Hull::meets(&hull.1, &rh.1);
            if !meets {
                continue;
            }
            let hit = remaining.intersect(&rule.matches);
            if hit.is_empty() {
                continue;
            }
            remaining = remaining.difference(&rule.matches);
            hull = (
                Hull::of(remaining.v4_cubes()),
                Hull::of(remaining.v6_cubes()),
            );
            out.push((hit, &rule.action, Some(&rule.id)));
        }
        if !remaining.is_empty() {
            out.push((remaining, &self.default, None));
        }
        out
    }
}

/// A rule's bounding boxes, IPv4 and IPv6 (`None` when it has no cube of that family).
type RuleHull = (Option<Hull<u32>>, Option<Hull<u128>>);

/// Bounding box of a cube list: `[lo, hi]` per field.
#[derive(Clone, Copy, Debug)]
struct Hull<K> {
    src: (K, K),
    dst: (K, K),
    l4: (u32, u32),
}

impl<K: AddrKey> Hull<K> {
    fn of(cubes: &[Cube<K>]) -> Option<Self> {
        let mut h: Option<Hull<K>> = None;
        for c in cubes {
            let (s, d, l) = (c.src(), c.dst(), c.l4().keys());
            let (s, d, l) = (
                (s.first().expect("non-empty"), s.last().expect("non-empty")),
                (d.first().expect("non-empty"), d.last().expect("non-empty")),
                (l.first().expect("non-empty"), l.last().expect("non-empty")),
            );
            h = Some(match h {
                None => Hull {
                    src: s,
                    dst: d,
                    l4: l,
                },
                Some(h) => Hull {
                    src: (h.src.0.min(s.0), h.src.1.max(s.1)),
                    dst: (h.dst.0.min(d.0), h.dst.1.max(d.1)),
                    l4: (h.l4.0.min(l.0), h.l4.1.max(l.1)),
                },
            });
        }
        h
    }

    fn meets(a: &Option<Self>, b: &Option<Self>) -> bool {
        fn ov<T: Ord>(a: &(T, T), b: &(T, T)) -> bool {
            a.0 <= b.1 && b.0 <= a.1
        }
        match (a, b) {
            (Some(a), Some(b)) => ov(&a.src, &b.src) && ov(&a.dst, &b.dst) && ov(&a.l4, &b.l4),
            _ => false,
        }
    }
}

/// Per-family index: every cube of every rule becomes an *item* (numbered in rule order) filed
/// in exactly one of three segment trees.
#[derive(Clone, Debug)]
struct FamilyIndex<K> {
    /// item → (rule, cube index within the rule's family cubes)
    items: Vec<(u32, u32)>,
    /// Cubes filed under src, dst, l4.
    filed: [usize; 3],
    src: SegTree<K, K>,
    dst: SegTree<K, K>,
    l4: SegTree<u32, K>,
}

/// A field with more runs than this (a big service tag, say) is represented by its hull when
/// measuring crowding, and is filed only when every field of the cube is that large (then by
/// its hull too). Keeps compilation linear in rules rather than in tag prefixes; the full
/// match check on a candidate still uses the exact runs.
const MAX_FILED_RUNS: usize = 32;

impl<K: AddrKey> FamilyIndex<K> {
    fn build<'a, R>(rules: R) -> Self
    where
        R: Iterator<Item = &'a [Cube<K>]>,
    {
        let mut items = Vec::new();
        let mut cubes: Vec<&Cube<K>> = Vec::new();
        for (r, cs) in rules.enumerate() {
            for (c, cube) in cs.iter().enumerate() {
                items.push((r as u32, c as u32));
                cubes.push(cube);
            }
        }
        let src = FieldSpans::new(cubes.iter().map(|c| c.src()));
        let dst = FieldSpans::new(cubes.iter().map(|c| c.dst()));
        let l4 = FieldSpans::new(cubes.iter().map(|c| c.l4().keys()));
        // File each cube under its least crowded light field: the crowding of a field is the
        // most cubes (of all rules) sharing a point with it there, which bounds the candidate
        // lists a lookup on that field walks through.
        let mut choice = Vec::with_capacity(cubes.len());
        for i in 0..cubes.len() {
            let (ks, kd, kl) = (
                src.filing_key(i, 1),
                dst.filing_key(i, 0),
                l4.filing_key(i, 2),
            );
            let best = ks.min(kd).min(kl);
            choice.push(best.3);
        }
        let meta: Vec<Entry<K>> = cubes
            .iter()
            .zip(&items)
            .enumerate()
            .map(|(i, (c, &(rule, _)))| {
                let hull = |s: &IntervalSet<K>| {
                    (s.first().expect("non-empty"), s.last().expect("non-empty"))
                };
                let l = c.l4().keys();
                Entry {
                    rule,
                    item: i as u32,
                    src: hull(c.src()),
                    dst: hull(c.dst()),
                    l4: (l.first().expect("non-empty"), l.last().expect("non-empty")),
                }
            })
            .collect();
        let pick = |which: u8| {
            choice
                .iter()
                .enumerate()
                .filter(move |(_, c)| **c == which)
                .map(|(i, _)| i)
        };
        let count = |which: u8| choice.iter().filter(|c| **c == which).count();
        FamilyIndex {
            items,
            filed: [count(1), count(0), count(2)],
            dst: SegTree::build(&dst, pick(0), &meta),
            src: SegTree::build(&src, pick(1), &meta),
            l4: SegTree::build(&l4, pick(2), &meta),
        }
    }

    /// The earliest rule with a cube containing `(s, d, k)`.
    fn first_match<'r, A, I>(
        &self,
        rules: &'r [Rule<A, I>],
        cubes_of: impl Fn(&'r Rule<A, I>) -> &'r [Cube<K>],
        s: K,
        d: K,
        k: u32,
    ) -> Option<u32> {
        let mut best = u32::MAX;
        let mut visit = |e: &Entry<K>| -> bool {
            if e.rule >= best {
                return false; // lists are in rule order: nothing later in this node can win
            }
            // The inline hulls reject most candidates without touching the rule's cube.
            let inside = |h: (K, K), x: K| h.0 <= x && x <= h.1;
            if !(inside(e.dst, d) && inside(e.src, s) && e.l4.0 <= k && k <= e.l4.1) {
                return true;
            }
            let c = self.items[e.item as usize].1;
            if cubes_of(&rules[e.rule as usize])[c as usize].contains_key(s, d, k) {
                best = e.rule;
                return false;
            }
            true
        };
        self.dst.scan(d, &mut visit);
        self.src.scan(s, &mut visit);
        self.l4.scan(k, &mut visit);
        (best != u32::MAX).then_some(best)
    }
}

/// One field of every item, located on the field's elementary intervals.
struct FieldSpans<K> {
    starts: Vec<K>,
    /// Elementary index ranges `[l, r)`, item by item (see `offsets`).
    spans: Vec<(u32, u32)>,
    offsets: Vec<u32>,
    heavy: Vec<bool>,
    crowding: Vec<u32>,
}

impl<K: Bound> FieldSpans<K> {
    fn new<'a, It: Iterator<Item = &'a IntervalSet<K>>>(sets: It) -> Self
    where
        K: 'a,
    {
        let sets: Vec<&IntervalSet<K>> = sets.collect();
        let heavy: Vec<bool> = sets
            .iter()
            .map(|s| s.runs().len() > MAX_FILED_RUNS)
            .collect();
        // A heavy field is represented by its hull (one run) instead of its runs.
        let hulls: Vec<[(K, K); 1]> = sets
            .iter()
            .map(|s| [(s.first().expect("non-empty"), s.last().expect("non-empty"))])
            .collect();
        let reps = |i: usize| -> &[(K, K)] { if heavy[i] { &hulls[i] } else { sets[i].runs() } };
        let mut pts = vec![K::MIN];
        for i in 0..sets.len() {
            for &(a, b) in reps(i) {
                pts.push(a);
                if b < K::MAX {
                    pts.push(b.succ());
                }
            }
        }
        pts.sort_unstable();
        pts.dedup();
        let starts = pts;
        let n = starts.len();
        let mut spans = Vec::new();
        let mut offsets = Vec::with_capacity(sets.len() + 1);
        offsets.push(0u32);
        let mut delta = vec![0i64; n + 1];
        for i in 0..sets.len() {
            for &(a, b) in reps(i) {
                let (l, r) = locate(&starts, a, b);
                delta[l] += 1;
                delta[r] -= 1;
                spans.push((l as u32, r as u32));
            }
            offsets.push(spans.len() as u32);
        }
        let mut cov = Vec::with_capacity(n);
        let mut acc = 0i64;
        for d in &delta[..n] {
            acc += d;
            cov.push(acc as u32);
        }
        let rmq = MaxTree::new(&cov);
        let crowding = (0..sets.len())
            .map(|i| {
                spans[offsets[i] as usize..offsets[i + 1] as usize]
                    .iter()
                    .map(|&(l, r)| rmq.max(l as usize, r as usize))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        FieldSpans {
            starts,
            spans,
            offsets,
            heavy,
            crowding,
        }
    }

    /// Light before heavy, then least crowded, then fewest spans, then the field order given.
    fn filing_key(&self, i: usize, order: u8) -> (bool, u32, u32, u8) {
        (
            self.heavy[i],
            self.crowding[i],
            self.offsets[i + 1] - self.offsets[i],
            order,
        )
    }

    fn spans_of(&self, i: usize) -> &[(u32, u32)] {
        &self.spans[self.offsets[i] as usize..self.offsets[i + 1] as usize]
    }
}

/// Elementary index range `[l, r)` of the run `a..=b` (both ends are boundaries).
#[inline]
fn locate<K: Bound>(starts: &[K], a: K, b: K) -> (usize, usize) {
    let l = starts.binary_search(&a).expect("run start is a boundary");
    let r = if b == K::MAX {
        starts.len()
    } else {
        starts
            .binary_search(&b.succ())
            .expect("run end is a boundary")
    };
    (l, r)
}

/// Range-maximum over a fixed array (iterative segment tree).
struct MaxTree {
    n: usize,
    t: Vec<u32>,
}

impl MaxTree {
    fn new(v: &[u32]) -> Self {
        let n = v.len();
        let mut t = vec![0u32; 2 * n];
        t[n..].copy_from_slice(v);
        for i in (1..n).rev() {
            t[i] = t[2 * i].max(t[2 * i + 1]);
        }
        MaxTree { n, t }
    }

    /// Maximum over `[l, r)`.
    fn max(&self, l: usize, r: usize) -> u32 {
        let (mut l, mut r) = (l + self.n, r + self.n);
        let mut m = 0;
        while l < r {
            if l & 1 == 1 {
                m = m.max(self.t[l]);
                l += 1;
            }
            if r & 1 == 1 {
                r -= 1;
                m = m.max(self.t[r]);
            }
            l >>= 1;
            r >>= 1;
        }
        m
    }
}

/// A filed item with its rule and the hull of each of its fields, stored inline in the node
/// lists so that most candidates are rejected from contiguous memory.
#[derive(Clone, Copy, Debug)]
struct Entry<K> {
    rule: u32,
    item: u32,
    src: (K, K),
    dst: (K, K),
    l4: (u32, u32),
}

/// Interval stabbing index over one field: each filed item's spans are stored at the
/// O(log n) canonical nodes of an iterative segment tree over the elementary intervals; a
/// point query visits the leaf's ancestors. Node lists are flattened (CSR) and ascending by
/// item, hence by rule.
#[derive(Clone, Debug)]
struct SegTree<H, K> {
    starts: Vec<H>,
    offsets: Vec<u32>,
    entries: Vec<Entry<K>>,
}

/// Calls `f` on the canonical nodes of `[l, r)` in a tree with `n` leaves.
#[inline]
fn canonical_nodes(n: usize, l: usize, r: usize, mut f: impl FnMut(usize)) {
    let (mut l, mut r) = (l + n, r + n);
    while l < r {
        if l & 1 == 1 {
            f(l);
            l += 1;
        }
        if r & 1 == 1 {
            r -= 1;
            f(r);
        }
        l >>= 1;
        r >>= 1;
    }
}

impl<H: Bound, K: Copy> SegTree<H, K> {
    /// Files the items yielded by `filed` (ascending) using their spans in `field`.
    fn build(
        field: &FieldSpans<H>,
        filed: impl Iterator<Item = usize> + Clone,
        meta: &[Entry<K>],
    ) -> Self {
        let n = field.starts.len();
        let nodes = 2 * n;
        // Two passes over the canonical nodes: count, then fill. Items arrive in ascending
        // order, so every node list comes out sorted without a sort.
        let mut counts = vec![0u32; nodes + 1];
        for i in filed.clone() {
            for &(l, r) in field.spans_of(i) {
                canonical_nodes(n, l as usize, r as usize, |node| counts[node] += 1);
            }
        }
        let total: u32 = counts.iter().sum();
        if total == 0 {
            return SegTree {
                starts: Vec::new(),
                offsets: Vec::new(),
                entries: Vec::new(),
            };
        }
        let mut offsets = vec![0u32; nodes + 1];
        for i in 0..nodes {
            offsets[i + 1] = offsets[i] + counts[i];
        }
        let mut fill = offsets.clone();
        let mut entries = vec![meta[0]; total as usize];
        for i in filed {
            for &(l, r) in field.spans_of(i) {
                canonical_nodes(n, l as usize, r as usize, |node| {
                    entries[fill[node] as usize] = meta[i];
                    fill[node] += 1;
                });
            }
        }
        SegTree {
            starts: field.starts.clone(),
            offsets,
            entries,
        }
    }

    /// Calls `visit` on the items stored on the path to `x`'s leaf, node by node in ascending
    /// item order; `visit` returning `false` ends that node's list.
    #[inline]
    fn scan(&self, x: H, visit: &mut impl FnMut(&Entry<K>) -> bool) {
        if self.entries.is_empty() {
            return;
        }
        let n = self.starts.len();
        let leaf = self.starts.partition_point(|s| *s <= x) - 1;
        let mut node = leaf + n;
        while node >= 1 {
            let (a, b) = (self.offsets[node] as usize, self.offsets[node + 1] as usize);
            for e in &self.entries[a..b] {
                if !visit(e) {
                    break;
                }
            }
            node >>= 1;
        }
    }
}
