//! Canonical sets of unsigned integers stored as sorted, disjoint, non-adjacent inclusive runs.
//!
//! Every field of the header space (addresses, the protocol/port key) is one of these. Because
//! the run list is canonical (no two runs overlap or touch), structural equality is set equality
//! and the derived `Hash`/`Ord` are usable as keys.

use std::fmt;
use std::hash::Hash;

/// An unsigned integer type usable as the element type of an [`IntervalSet`].
pub trait Bound: Copy + Ord + Hash + fmt::Debug + fmt::Display + Send + Sync + 'static {
    /// Smallest value.
    const MIN: Self;
    /// Largest value.
    const MAX: Self;
    /// `self + 1`; callers guarantee `self < MAX`.
    fn succ(self) -> Self;
    /// `self - 1`; callers guarantee `self > MIN`.
    fn pred(self) -> Self;
    /// Number of values in `lo..=hi`, as a float (exact up to 2^53, then approximate).
    fn span(lo: Self, hi: Self) -> f64;
}

macro_rules! bound_impl {
    ($($t:ty),*) => {$(
        impl Bound for $t {
            const MIN: Self = <$t>::MIN;
            const MAX: Self = <$t>::MAX;
            #[inline]
            fn succ(self) -> Self { self + 1 }
            #[inline]
            fn pred(self) -> Self { self - 1 }
            #[inline]
            fn span(lo: Self, hi: Self) -> f64 { (hi - lo) as f64 + 1.0 }
        }
    )*};
}
bound_impl!(u8, u16, u32, u64, u128);

/// A set of integers as sorted, disjoint, non-adjacent inclusive runs `(lo, hi)`.
///
/// Operations are linear merges over the two run lists: `O(n + m)` time, no hashing, and the
/// result is again canonical. Membership is a binary search: `O(log n)`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IntervalSet<T> {
    runs: Vec<(T, T)>,
}

impl<T> Default for IntervalSet<T> {
    fn default() -> Self {
        IntervalSet { runs: Vec::new() }
    }
}

impl<T: Bound> IntervalSet<T> {
    /// The empty set.
    pub fn empty() -> Self {
        IntervalSet { runs: Vec::new() }
    }

    /// Every value of `T`.
    pub fn full() -> Self {
        IntervalSet {
            runs: vec![(T::MIN, T::MAX)],
        }
    }

    /// The run `lo..=hi` (empty when `lo > hi`).
    pub fn range(lo: T, hi: T) -> Self {
        if lo > hi {
            Self::empty()
        } else {
            IntervalSet {
                runs: vec![(lo, hi)],
            }
        }
    }

    /// The single value `x`.
    pub fn point(x: T) -> Self {
        IntervalSet { runs: vec![(x, x)] }
    }

    /// Builds a set from arbitrary (possibly overlapping, unsorted) inclusive runs; runs with
    /// `lo > hi` are ignored.
    pub fn from_ranges<I: IntoIterator<Item = (T, T)>>(ranges: I) -> Self {
        let mut v: Vec<(T, T)> = ranges.into_iter().filter(|(a, b)| a <= b).collect();
        v.sort_unstable();
        let mut out: Vec<(T, T)> = Vec::with_capacity(v.len());
        for (lo, hi) in v {
            push_merge(&mut out, lo, hi);
        }
        IntervalSet { runs: out }
    }

    /// Trusts the caller that `runs` is already canonical (used by tight internal loops).
    pub(crate) fn from_canonical(runs: Vec<(T, T)>) -> Self {
        debug_assert!(is_canonical(&runs), "runs not canonical: {runs:?}");
        IntervalSet { runs }
    }

    /// The canonical runs, ascending.
    pub fn runs(&self) -> &[(T, T)] {
        &self.runs
    }

    /// Whether the set has no element.
    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    /// Whether the set holds every value of `T`.
    pub fn is_full(&self) -> bool {
        self.runs.len() == 1 && self.runs[0] == (T::MIN, T::MAX)
    }

    /// Smallest element.
    pub fn first(&self) -> Option<T> {
        self.runs.first().map(|r| r.0)
    }

    /// Largest element.
    pub fn last(&self) -> Option<T> {
        self.runs.last().map(|r| r.1)
    }

    /// Number of elements as a float (see [`Bound::span`]).
    pub fn measure(&self) -> f64 {
        self.runs.iter().map(|&(a, b)| T::span(a, b)).sum()
    }

    /// Membership, by binary search.
    #[inline]
    pub fn contains(&self, x: T) -> bool {
        let i = self.runs.partition_point(|r| r.1 < x);
        i < self.runs.len() && self.runs[i].0 <= x
    }

    /// `self ∪ other`.
    pub fn union(&self, other: &Self) -> Self {
        if other.is_empty() {
            return self.clone();
        }
        if self.is_empty() {
            return other.clone();
        }
        let (a, b) = (&self.runs, &other.runs);
        let mut out = Vec::with_capacity(a.len() + b.len());
        let (mut i, mut j) = (0, 0);
        while i < a.len() || j < b.len() {
            let take_a = j >= b.len() || (i < a.len() && a[i].0 <= b[j].0);
            let (lo, hi) = if take_a {
                i += 1;
                a[i - 1]
            } else {
                j += 1;
                b[j - 1]
            };
            push_merge(&mut out, lo, hi);
        }
        IntervalSet { runs: out }
    }

    /// `self ∩ other`.
    pub fn intersect(&self, other: &Self) -> Self {
        let (a, b) = (&self.runs, &other.runs);
        let mut out = Vec::new();
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            let lo = a[i].0.max(b[j].0);
            let hi = a[i].1.min(b[j].1);
            if lo <= hi {
                out.push((lo, hi));
            }
            // Advance whichever run ends first; the other may still overlap the next one.
            if a[i].1 < b[j].1 {
                i += 1;
            } else {
                j += 1;
            }
        }
        IntervalSet { runs: out }
    }

    /// `self \ other`.
    pub fn difference(&self, other: &Self) -> Self {
        if other.is_empty() || self.is_empty() {
            return self.clone();
        }
        let b = &other.runs;
        let mut out = Vec::with_capacity(self.runs.len() + 1);
        let mut j = 0;
        for &(lo, hi) in &self.runs {
            let mut cur = lo;
            // Skip subtrahend runs entirely left of this run.
            while j < b.len() && b[j].1 < cur {
                j += 1;
            }
            let mut k = j;
            let mut done = false;
            while k < b.len() && b[k].0 <= hi {
                if b[k].0 > cur {
                    out.push((cur, b[k].0.pred()));
                }
                if b[k].1 >= hi {
                    done = true;
                    break;
                }
                cur = b[k].1.succ();
                k += 1;
            }
            if !done {
                out.push((cur, hi));
            }
            j = k;
        }
        IntervalSet { runs: out }
    }

    /// Every value of `T` not in `self`.
    pub fn complement(&self) -> Self {
        Self::full().difference(self)
    }

    /// Whether `self ⊆ other`.
    pub fn is_subset(&self, other: &Self) -> bool {
        let b = &other.runs;
        let mut j = 0;
        for &(lo, hi) in &self.runs {
            while j < b.len() && b[j].1 < lo {
                j += 1;
            }
            if j == b.len() || b[j].0 > lo || b[j].1 < hi {
                return false;
            }
        }
        true
    }

    /// Whether the sets share an element.
    pub fn intersects(&self, other: &Self) -> bool {
        let (a, b) = (&self.runs, &other.runs);
        if a.is_empty() || b.is_empty() {
            return false;
        }
        // Cheap hull test first: most disjoint pairs in practice are far apart.
        if a[a.len() - 1].1 < b[0].0 || b[b.len() - 1].1 < a[0].0 {
            return false;
        }
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            if a[i].1 < b[j].0 {
                i += 1;
            } else if b[j].1 < a[i].0 {
                j += 1;
            } else {
                return true;
            }
        }
        false
    }
}

/// Appends `lo..=hi` (with `lo` ≥ every earlier `lo`) and merges it with the last run when they
/// overlap or touch.
#[inline]
fn push_merge<T: Bound>(out: &mut Vec<(T, T)>, lo: T, hi: T) {
    if let Some(last) = out.last_mut()
        && (last.1 == T::MAX || last.1.succ() >= lo)
    {
        if hi > last.1 {
            last.1 = hi;
        }
        return;
    }
    out.push((lo, hi));
}

fn is_canonical<T: Bound>(runs: &[(T, T)]) -> bool {
    runs.iter().all(|r| r.0 <= r.1)
        && runs
            .windows(2)
            .all(|w| w[0].1 < T::MAX && w[0].1.succ() < w[1].0)
}

impl<T: Bound> fmt::Debug for IntervalSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (i, (a, b)) in self.runs.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            if a == b {
                write!(f, "{a}")?;
            } else {
                write!(f, "{a}-{b}")?;
            }
        }
        f.write_str("}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(r: &[(u8, u8)]) -> IntervalSet<u8> {
        IntervalSet::from_ranges(r.iter().copied())
    }

    #[test]
    fn merges_adjacent_and_overlapping() {
        assert_eq!(
            s(&[(5, 9), (0, 4), (12, 20), (15, 30)]).runs(),
            &[(0, 9), (12, 30)]
        );
        assert_eq!(s(&[(250, 255), (0, 249)]), IntervalSet::full());
    }

    #[test]
    fn difference_at_the_edges() {
        let full = IntervalSet::<u8>::full();
        assert_eq!(
            full.difference(&s(&[(0, 0), (255, 255)])).runs(),
            &[(1, 254)]
        );
        assert_eq!(
            s(&[(0, 10)]).difference(&s(&[(0, 10)])),
            IntervalSet::empty()
        );
        assert_eq!(
            s(&[(0, 10), (20, 30)]).difference(&s(&[(5, 25)])).runs(),
            &[(0, 4), (26, 30)]
        );
        assert_eq!(full.complement(), IntervalSet::empty());
    }

    #[test]
    fn exhaustive_against_bitmaps() {
        // Every pair of sets drawn from a small family, checked element by element.
        let fam: Vec<IntervalSet<u8>> = vec![
            s(&[]),
            s(&[(0, 255)]),
            s(&[(0, 0)]),
            s(&[(255, 255)]),
            s(&[(3, 7), (9, 9), (200, 255)]),
            s(&[(0, 3), (8, 8), (10, 199)]),
            s(&[(4, 4), (6, 250)]),
        ];
        for a in &fam {
            for b in &fam {
                let (u, i, d) = (a.union(b), a.intersect(b), a.difference(b));
                for x in 0..=255u8 {
                    let (ina, inb) = (a.contains(x), b.contains(x));
                    assert_eq!(u.contains(x), ina || inb);
                    assert_eq!(i.contains(x), ina && inb);
                    assert_eq!(d.contains(x), ina && !inb);
                }
                assert!(is_canonical(u.runs()) && is_canonical(i.runs()) && is_canonical(d.runs()));
                assert_eq!(
                    a.is_subset(b),
                    (0..=255u8).all(|x| !a.contains(x) || b.contains(x))
                );
                assert_eq!(a.intersects(b), !i.is_empty());
            }
        }
    }
}
