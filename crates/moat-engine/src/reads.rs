//! What a trace reads of the parts of a deployment a change can be bounded to, so that a
//! changed deployment is swept again only where the change can matter (see
//! [`crate::sweep::Recorded`]).
//!
//! A read is kept as a key: a hash of its kind and the resource's name. Two reads of one
//! resource give one key; two resources may share one only by a hash collision, which makes a
//! trace look as if it read more than it did, never less: it is traced again, not trusted.

use crate::trace::{Query, Trace};
use foldhash::{HashMap, HashSet};
use moat_model::Provenance;
use std::cell::RefCell;
use std::sync::Arc;

/// The kinds of reads a trace records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Read {
    /// A network security group's rules, by name (read whether or not it exists).
    Nsg,
    /// A subnet (`vnet/subnet`): which NSG and route table it names, and its other settings.
    Subnet,
    /// A VNet as a whole: what its `VirtualNetwork` tag holds (its address space, its peers',
    /// and the routes of the route tables its subnets name) and the effective routes of its
    /// subnets. A route table is read only through these (a subnet's routes, a VNet's tag,
    /// the route a subnet's routes chose), so a read of it is a read of the VNets whose
    /// subnets name it.
    Vnet,
}

/// The key of a read of `name` as `kind`.
pub fn key(kind: Read, name: &str) -> u64 {
    // A fixed hash (FNV-1a): both sides of a comparison key their reads alike, and a sweep
    // keys millions of reads, each a short name.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in std::iter::once(kind as u8).chain(name.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The full traces one deployment ran, each with the keys of what it read: a changed
/// deployment takes a trace from here instead of walking when the change touched none of
/// them (see [`crate::Engine::reuse_traces`]).
#[derive(Debug, Default)]
pub struct Traces {
    /// By question: the mode the trace ran in, its answer and what it read.
    by_query: HashMap<Query, Kept>,
    /// The sets of reads, each kept once (traces from one place read the same things).
    sets: HashSet<Arc<[u64]>>,
}

/// A trace as recorded: its mode (strict mode gives other answers), answer and reads.
type Kept = (bool, crate::trace::Shared, Arc<[u64]>);

impl Traces {
    /// How many traces were recorded.
    pub fn len(&self) -> usize {
        self.by_query.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_query.is_empty()
    }
}

/// Where a trace taken from another deployment has its positions here: the same element
/// may be written elsewhere (a line added above it, another file's name). Pairs sorted by
/// the other deployment's position, searched rather than hashed: an estate has hundreds of
/// thousands of positions and a trace cites a few.
#[derive(Debug, Default)]
pub struct Positions {
    pairs: Vec<(Provenance, Provenance)>,
}

/// Every field of a position, numbers first (most positions of one file differ there).
fn order(a: &Provenance, b: &Provenance) -> std::cmp::Ordering {
    (a.offset, a.len, a.line, a.column)
        .cmp(&(b.offset, b.len, b.line, b.column))
        .then_with(|| a.file.cmp(&b.file))
        .then_with(|| a.pointer.cmp(&b.pointer))
}

impl Positions {
    /// The positions of `pairs` (there, here); a position there paired with two different
    /// ones here is left out.
    pub fn new(mut pairs: Vec<(Provenance, Provenance)>) -> Positions {
        pairs.sort_unstable_by(|(a, x), (b, y)| order(a, b).then_with(|| order(x, y)));
        pairs.dedup_by(|(a, x), (b, y)| order(a, b).is_eq() && order(x, y).is_eq());
        let twice = |i: usize, j: usize| order(&pairs[i].0, &pairs[j].0).is_eq();
        let keep: Vec<bool> = (0..pairs.len())
            .map(|i| !((i > 0 && twice(i - 1, i)) || (i + 1 < pairs.len() && twice(i, i + 1))))
            .collect();
        let mut keep = keep.into_iter();
        pairs.retain(|_| keep.next().unwrap_or(false));
        Positions { pairs }
    }

    /// Where the element written at `p` there is written here.
    pub fn get(&self, p: &Provenance) -> Option<&Provenance> {
        let i = self.pairs.binary_search_by(|(k, _)| order(k, p)).ok()?;
        Some(&self.pairs[i].1)
    }
}

/// What an engine does with full traces besides walking.
#[derive(Debug, Default)]
pub(crate) enum Memo {
    #[default]
    Off,
    /// Records every trace with what it read.
    Record(Traces),
    /// Takes `base`'s trace of a question when it read no key of `touched`, its hops'
    /// positions moved to where `positions` says; walks when one is not there.
    Reuse {
        base: Arc<Traces>,
        touched: Arc<HashSet<u64>>,
        positions: Arc<Positions>,
        /// How many traces were taken.
        taken: std::cell::Cell<u64>,
        /// Each place `base` cites, where it is here (`None`: not known here), by the place's
        /// address: `base`'s traces share the places they cite (see
        /// [`crate::Engine::position`]) and are held as long as this, so an address names
        /// one place. A place is looked up once however many hops cite it, and the hops that
        /// cite it here share it too.
        moved: RefCell<HashMap<usize, Option<Arc<Provenance>>>>,
    },
}

impl Memo {
    /// Whether traces are recorded.
    pub(crate) fn records(&self) -> bool {
        matches!(self, Memo::Record(_))
    }

    /// Notes a trace and what it read, when recording.
    pub(crate) fn note(
        &mut self,
        strict: bool,
        q: &Query,
        t: &crate::trace::Shared,
        keys: Vec<u64>,
    ) {
        let Memo::Record(r) = self else { return };
        let keys: Arc<[u64]> = match r.sets.get(keys.as_slice()) {
            Some(k) => k.clone(),
            None => {
                let k: Arc<[u64]> = keys.into();
                r.sets.insert(k.clone());
                k
            }
        };
        r.by_query.insert(q.clone(), (strict, t.clone(), keys));
    }

    /// The recorded answer to `q` the change cannot have altered, with its positions moved,
    /// and the keys of what it read; `None` when there is none.
    pub(crate) fn reused(
        &self,
        strict: bool,
        q: &Query,
    ) -> Option<(crate::trace::Shared, Arc<[u64]>)> {
        let Memo::Reuse {
            base,
            touched,
            positions,
            taken,
            moved,
        } = self
        else {
            return None;
        };
        let (mode, answer, keys) = base.by_query.get(q)?;
        if *mode != strict || keys.iter().any(|k| touched.contains(k)) {
            return None;
        }
        let answer = match answer {
            Err(e) => Err(e.clone()),
            Ok(t) => {
                let mut t = Trace::clone(t);
                for h in &mut t.hops {
                    if let Some(at) = &mut h.at {
                        let place = Arc::as_ptr(at) as usize;
                        let known = moved.borrow().get(&place).cloned();
                        let here = match known {
                            Some(here) => here,
                            None => {
                                let here = positions.get(at).map(|p| Arc::new(p.clone()));
                                moved.borrow_mut().insert(place, here.clone());
                                here
                            }
                        };
                        // A position not known on this side: the trace is walked here.
                        *at = here?;
                    }
                }
                Ok(Arc::new(t))
            }
        };
        taken.set(taken.get() + 1);
        Some((answer, keys.clone()))
    }

    /// How many traces were taken from another deployment's record.
    pub(crate) fn taken(&self) -> u64 {
        match self {
            Memo::Reuse { taken, .. } => taken.get(),
            _ => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(file: &str, line: u32) -> Provenance {
        Provenance {
            file: file.into(),
            line,
            column: 5,
            offset: line as usize * 10,
            ..Default::default()
        }
    }

    #[test]
    fn a_position_is_found_where_it_moved_unless_it_moved_two_ways() {
        let p = Positions::new(vec![
            (at("a.yaml", 3), at("b.yaml", 4)),
            (at("a.yaml", 9), at("b.yaml", 10)),
            // The same pair twice is one pair.
            (at("a.yaml", 3), at("b.yaml", 4)),
            // One position there written in two places here: neither is trusted.
            (at("a.yaml", 7), at("b.yaml", 8)),
            (at("a.yaml", 7), at("b.yaml", 2)),
        ]);
        assert_eq!(p.get(&at("a.yaml", 3)), Some(&at("b.yaml", 4)));
        assert_eq!(p.get(&at("a.yaml", 9)), Some(&at("b.yaml", 10)));
        assert_eq!(p.get(&at("a.yaml", 7)), None);
        // Another file at the same place is another position.
        assert_eq!(p.get(&at("c.yaml", 3)), None);
    }
}
