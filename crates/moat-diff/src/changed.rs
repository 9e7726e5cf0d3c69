//! Where a change can matter to the subnet sweep, so HEAD is swept again only there.
//!
//! The sweep's verdicts come from traces ([`moat_engine::sweep`]); a trace is a function of
//! its question and of what it reads of the model. HEAD may take BASE's verdict of a question
//! when everything that trace read is the same on both sides. Proving that needs two things:
//!
//! 1. **What differs, by identity.** Resources are matched by kind and name (namesakes as the
//!    list of them, in order), never by position, and compared as the analyses see them:
//!    where they are written does not count ([`moat_model::provenance::ignoring_positions`]).
//! 2. **What each trace read of what differs.** The engine records, per trace, its reads of
//!    the parts of the model a change is bounded to here ([`moat_engine::reads`]): NSGs by
//!    name, subnets (their NSG and route table), and VNets (their `VirtualNetwork` tag, which
//!    holds the routes of the route tables their subnets name, and their subnets' effective
//!    routes). Each such read in the walk goes through the engine's accessors, which record it
//!    (`Engine::nsg`, `Engine::routes`, `Engine::vnet_tag`, `Engine::subnet_at`); that includes
//!    the inverse lookups of these kinds — a subnet found from an address reads its NSG
//!    through `subnet_at`, a route table is found only from a subnet's routes or a VNet's tag.
//!
//! A change is *bounded* when it only adds, removes or edits NSGs and route tables, and moves
//! subnets to another NSG or route table (or none); then the keys it touches are:
//!
//! - an NSG that differs: the NSG (read by name, whether or not it exists);
//! - a route table that differs: every VNet with a subnet naming it, on either side (its
//!   routes are read only through those VNets' tags and their subnets' routes);
//! - a subnet whose NSG or route table differs: the subnet and its VNet (the VNet's tag reads
//!   its subnets' route tables).
//!
//! Everything else must be equal on both sides — every other kind of resource, every other
//! field of VNets and subnets, the values the input leaves open, and the service tag names
//! (the symbolic address space is built from them) — or the change is not bounded and HEAD is
//! swept in full. That is the conservative answer for changes whose reads are looked up from
//! elsewhere (a private endpoint or a NIC found by address, a firewall by its address or its
//! DNAT rules, DNS zones by their links, peerings on either side): it is always right.

use foldhash::{HashMap, HashSet};
use moat_engine::reads::{Positions, Read, key};
use moat_model::network::VirtualNetwork;
use moat_model::{Provenance, Topology};
use std::collections::BTreeSet;

/// The read keys a change from `base` to `head` touches, or `None` when the change is not
/// bounded to NSGs, route tables and subnets' choices of them (then everything is swept).
pub fn touched(base: &Topology, head: &Topology) -> Option<HashSet<u64>> {
    moat_model::provenance::ignoring_positions(|| touched_by(base, head))
}

/// The resources of a kind, by name, namesakes as a list in input order.
fn by_name<T>(v: &[T], name: impl Fn(&T) -> &str) -> HashMap<&str, Vec<&T>> {
    let mut m: HashMap<&str, Vec<&T>> = HashMap::default();
    for x in v {
        m.entry(name(x)).or_default().push(x);
    }
    m
}

/// The names whose resources differ between two lists (added, removed or changed).
fn differing<'a, T: PartialEq>(a: &'a [T], b: &'a [T], name: impl Fn(&T) -> &str) -> Vec<&'a str> {
    if a == b {
        return Vec::new();
    }
    let (ma, mb) = (by_name(a, &name), by_name(b, &name));
    let names: BTreeSet<&str> = ma.keys().chain(mb.keys()).copied().collect();
    names
        .into_iter()
        .filter(|n| ma.get(n) != mb.get(n))
        .collect()
}

/// A VNet without its subnets' choices of NSG and route table.
fn without_choices(v: &VirtualNetwork) -> VirtualNetwork {
    let mut v = v.clone();
    for s in &mut v.subnets {
        s.network_security_group = None;
        s.route_table = None;
    }
    v
}

/// `$rest` for a list of the model other than the kinds a bounded change may touch, `$bounded`
/// for those three (VNets, NSGs and route tables, taken kind by kind in [`touched_by`] and
/// [`positions`]).
macro_rules! unless_bounded {
    (virtual_networks, $rest:expr, $bounded:expr) => {
        $bounded
    };
    (network_security_groups, $rest:expr, $bounded:expr) => {
        $bounded
    };
    (route_tables, $rest:expr, $bounded:expr) => {
        $bounded
    };
    ($list:ident, $rest:expr, $bounded:expr) => {
        $rest
    };
}

fn touched_by(b: &Topology, h: &Topology) -> Option<HashSet<u64>> {
    // Every other field of the model is equal on both sides.
    macro_rules! rest_equal {
        (scalars: [$($s:ident),*], lists: [$($l:ident),*], inferred: [$($i:ident),*] $(,)?) => {
            true $(&& b.$s == h.$s)*
                $(&& unless_bounded!($l, b.$l == h.$l, true))*
                $(&& b.$i == h.$i)*
        };
    }
    if !moat_model::topology_fields!(rest_equal) {
        return None;
    }
    let (virtual_networks, network_security_groups, route_tables) = (
        &b.virtual_networks,
        &b.network_security_groups,
        &b.route_tables,
    );
    // The symbolic address space places every tag the model names.
    let tags = |t: &Topology| -> BTreeSet<String> {
        moat_engine::engine::tag_names(t).into_iter().collect()
    };
    if tags(b) != tags(h) {
        return None;
    }
    let mut keys = HashSet::default();
    for n in differing(network_security_groups, &h.network_security_groups, |x| {
        &x.name
    }) {
        keys.insert(key(Read::Nsg, n));
    }
    let tables: HashSet<&str> = differing(route_tables, &h.route_tables, |x| &x.name)
        .into_iter()
        .collect();
    for v in virtual_networks.iter().chain(&h.virtual_networks) {
        if v.subnets
            .iter()
            .any(|s| s.route_table.as_deref().is_some_and(|r| tables.contains(r)))
        {
            keys.insert(key(Read::Vnet, &v.name));
        }
    }
    let (vb, vh) = (
        by_name(virtual_networks, |v| &v.name),
        by_name(&h.virtual_networks, |v| &v.name),
    );
    for name in differing(virtual_networks, &h.virtual_networks, |v| &v.name) {
        let (a, z) = (vb.get(name)?, vh.get(name)?);
        // Only the subnets' choices may differ: then the subnets stand in the same order.
        let bare =
            |l: &Vec<&VirtualNetwork>| l.iter().map(|v| without_choices(v)).collect::<Vec<_>>();
        if bare(a) != bare(z) {
            return None;
        }
        for (x, y) in a.iter().zip(z) {
            for (s, t) in x.subnets.iter().zip(&y.subnets) {
                if s.network_security_group != t.network_security_group
                    || s.route_table != t.route_table
                {
                    keys.insert(key(Read::Subnet, &format!("{}/{}", x.name, s.name)));
                    keys.insert(key(Read::Vnet, &x.name));
                }
            }
        }
    }
    Some(keys)
}

/// Where BASE's positions are in HEAD, for the resources a change leaves the same but for
/// where they are written (every resource but the NSGs and route tables it edits, and the
/// VNets whose subnets it moves). A trace HEAD takes from BASE ([`moat_engine::Engine::reuse_traces`])
/// cites only such resources, whose reads the change did not touch; a position not found
/// here (one written twice, or in a resource that changed) has the trace walked again.
pub fn positions(base: &Topology, head: &Topology) -> Positions {
    use moat_model::provenance::every;
    let mut out = Vec::new();
    let mut pair = |a: Vec<Provenance>, z: Vec<Provenance>| {
        if a.len() == z.len() {
            out.extend(a.into_iter().zip(z));
        }
    };
    macro_rules! same_fields {
        (scalars: [$($s:ident),*], lists: [$($l:ident),*], inferred: [$($i:ident),*] $(,)?) => {
            $(pair(every(&base.$s), every(&head.$s));)*
            $(unless_bounded!($l, pair(every(&base.$l), every(&head.$l)), ());)*
            $(pair(every(&base.$i), every(&head.$i));)*
        };
    }
    moat_model::topology_fields!(same_fields);
    same_named(
        &base.network_security_groups,
        &head.network_security_groups,
        |x| &x.name,
        |x, y| x == y,
        &mut pair,
    );
    same_named(
        &base.route_tables,
        &head.route_tables,
        |x| &x.name,
        |x, y| x == y,
        &mut pair,
    );
    // A VNet whose subnets moved to another NSG or route table is written where it was.
    same_named(
        &base.virtual_networks,
        &head.virtual_networks,
        |x| &x.name,
        |x, y| x == y || without_choices(x) == without_choices(y),
        &mut pair,
    );
    Positions::new(out)
}

/// Hands `pair` the positions of each name's resources on both sides, where `same` finds
/// them the same but for positions.
fn same_named<T: serde::Serialize>(
    a: &[T],
    b: &[T],
    name: impl Fn(&T) -> &str,
    same: impl Fn(&T, &T) -> bool,
    pair: &mut impl FnMut(Vec<Provenance>, Vec<Provenance>),
) {
    let (ma, mb) = (by_name(a, &name), by_name(b, &name));
    for (n, xs) in &ma {
        let Some(ys) = mb.get(n) else { continue };
        let alike = xs.len() == ys.len()
            && moat_model::provenance::ignoring_positions(|| {
                xs.iter().zip(ys).all(|(x, y)| same(x, y))
            });
        if alike {
            pair(
                moat_model::provenance::every(xs),
                moat_model::provenance::every(ys),
            );
        }
    }
}

/// Lets HEAD's engine take BASE's recorded traces (`traces`, of `base`) wherever the change
/// touched nothing a trace read, its positions moved to HEAD's; returns the keys the change
/// touched, for the subnet sweep, or `None` when it is not bounded (then HEAD walks every
/// trace).
pub fn reuse(
    head: &moat_engine::Engine,
    base: &Topology,
    traces: std::sync::Arc<moat_engine::reads::Traces>,
) -> Option<HashSet<u64>> {
    let keys = touched(base, head.t)?;
    head.reuse_traces(
        traces,
        std::sync::Arc::new(keys.clone()),
        std::sync::Arc::new(positions(base, head.t)),
    );
    Some(keys)
}
