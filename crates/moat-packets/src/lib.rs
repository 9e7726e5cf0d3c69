//! # moat-packets — the packet-set algebra of moat's path engine
//!
//! Sets of packet headers, first-match policies over them, atomisers for estate-wide sweeps,
//! and longest-prefix-match tables. Nothing here knows about Azure; `moat-engine` maps NSG
//! rules, firewall rules, routes and endpoints onto these types.
//!
//! ## Header space
//!
//! | field | domain | notes |
//! |---|---|---|
//! | source address | IPv4 (`u32`) or IPv6 (`u128`) | source and destination share a family |
//! | destination address | same family as the source | |
//! | transport | key `protocol << 16 \| port` in `0..=0xFF_FFFF` | one field for protocol and port |
//!
//! Only TCP and UDP carry a destination port. Every other protocol (ICMP, ESP, AH, any number)
//! is *port-less*: a set holds either all 65,536 keys of such a protocol's block or none, so
//! its packets are told apart by protocol alone and [`Packet::dport`] is ignored for them. A
//! port constraint (`tcp/443`, or "any protocol, port 443") therefore never matches ICMP; "any
//! port" ([`L4Set::from_parts`] with `ports = None`) does. Mixed-family headers (IPv4 source,
//! IPv6 destination) are not packets: no set contains one.
//!
//! ## Representation, and why
//!
//! A [`PacketSet`] is a **union of pairwise-disjoint cubes**; a [`Cube`] is a product
//! `src × dst × l4` whose every field is an [`IntervalSet`] — a sorted list of disjoint,
//! non-adjacent inclusive integer runs. There is one cube list per address family.
//!
//! * **Every Azure match is a product of per-field sets.** An NSG rule, a firewall network
//!   rule, a private endpoint or a route is (source prefixes after tag expansion) ×
//!   (destination prefixes) × (protocols, port ranges). One rule is one cube, whatever the
//!   number of prefixes, so intersecting with a rule never enumerates prefixes × ports.
//! * **Run lists are the atoms of each set, computed locally.** A run list is exactly a
//!   bitset over the elementary intervals induced by its own boundaries (APT/Delta-net atoms),
//!   kept in merged form. It needs no global universe: sets built from different estates,
//!   queries carrying fresh addresses, or a later service-tags file compose directly. The
//!   estate-wide atomisation (classes of identical membership) is still available for sweeps
//!   through [`AddrAtomiser`]/[`KeyAtomiser`], where class ids index tables;
//!   [`AddrAtoms::classes_meeting`] maps any field set onto class ids, which is the bridge to
//!   class bitsets or a BDD over class ids if an all-pairs sweep ever needs one.
//! * **Operations are linear merges.** Cube ∩ cube is three run-list merges; cube \ cube is at
//!   most three cubes (outside the sources; inside them but outside the destinations; inside
//!   both but outside the transport set); results are coalesced (cubes equal on two fields are
//!   merged) so fragmentation stays bounded in practice.
//! * **IPv6 is just a wider integer**, so there is no bit-level encoding to blow up: raw-bit
//!   BDDs need ~104 variables for IPv4 headers and ~300 for IPv6, and port ranges inflate them.
//! * **Policies are compiled once and evaluated lazily.** The engine notes measured eager
//!   compilation of every NSG's allow set fragmenting to minutes and gigabytes; here a
//!   [`Policy`] keeps its rules as cubes, answers concrete packets through an index, and
//!   pushes symbolic sets through the first-match fold only on demand ([`Policy::apply`]).
//!
//! Equality is set equality (`==` decides it semantically by mutual inclusion);
//! [`PacketSet::canonical`] gives a unique cube list per set for keys and display, and
//! [`PacketSet::describe`] renders it with runs merged back into the fewest CIDRs.
//!
//! ## Complexity
//!
//! With `r` runs per field and `c` cubes per set:
//!
//! | operation | cost |
//! |---|---|
//! | run-list ∪ ∩ \ ⊆ | `O(r₁ + r₂)` |
//! | [`PacketSet::contains`] | `O(c · log r)` |
//! | [`PacketSet::intersect`] | `O(c₁ · c₂ · r)` |
//! | [`PacketSet::difference`], [`PacketSet::is_subset`] | `O(c₁ · c₂ · r)` plus pieces created (≤ 3 per cut) |
//! | [`Policy::new`] (n cubes over all rules) | `O(n log n)` sorts plus `O(n log n)` segment-tree nodes |
//! | [`Policy::decide`] | `O(log n)` nodes on three paths, plus candidates that fail a full match |
//! | [`Policy::apply`] | one hull test per rule, one ∩ and one \ per rule the input meets |
//! | [`AddrAtomiser::build`] (p prefixes) | `O(p log p + Σ membership)` |
//! | [`AddrAtoms::class_of`], [`LpmTable::lookup`] | `O(log runs)`, `O(bits / 5)` |
//!
//! ## Measured (release build, 2 shared cores)
//!
//! From `cargo run --release -p moat-packets --example measure` (synthetic NSG-shaped rules:
//! sources and destinations are subnets, hosts, /16 ranges, 40-prefix "tag" sets or any;
//! transports are ports, port lists, ranges, ICMP or any; a final deny-everything rule), and
//! for the last row `moat-servicetags`' `measure_tags` example on the real tags file. Ranges
//! span repeated runs while other builds shared the machine.
//!
//! | workload | result |
//! |---|---|
//! | compile a 1,000-rule policy (index only; with building the rule sets) | 0.4–0.5 ms; 0.8–1.0 ms |
//! | `decide`, 1,000 rules | median 0.27–0.33 µs, p99 0.4–0.6 µs |
//! | compile a 100,000-rule policy (index only) | 91–101 ms idle, up to 200 ms under load |
//! | `decide`, 100,000 rules | median 1.1–1.3 µs, p99 2.5–4.0 µs |
//! | `decide`, 100,000 rules without wildcards (most packets fall through to the last rule) | median 2.2–2.5 µs, p99 6–9 µs |
//! | `apply` (one /24 × any × tcp/443), 1,000 rules | median 10.5–12.5 µs |
//! | `apply`, 100,000 rules; without wildcards | median 19–21 µs; 1.3–1.6 ms |
//! | atomise 75,000 prefixes in 3,000 groups | 23–36 ms → 131,974 runs, 37,447 classes |
//! | atomise the public tags file (93,362 prefixes, 3,039 tags) | 19–23 ms → 68,395 runs, 5,615 classes |
//!
//! Peak resident memory of the whole measurement run (three policies alive in turn, 200,000
//! probe packets): 176 MiB.
//!
//! ## Limits
//!
//! * Sets are exact but not minimal: a difference can leave more cubes than necessary (the
//!   coalescing pass only merges cubes equal on two fields). [`PacketSet::canonical`] is unique
//!   but costs time proportional to the field boundaries; use it for keys and reports.
//! * Eagerly compiling the *full* allow set of every policy is still the expensive path the
//!   engine notes warn about; evaluate lazily ([`Policy::apply`] on the flows asked about).
//!   For wide all-pairs sweeps, atomise first and work on class ids.
//! * The lookup index files each cube under one field; a policy whose every cube is wide on
//!   every field (or whose fields are all service-tag sized, filed by hull) degrades towards
//!   scanning those cubes, still in rule order with early exit.
//! * Only destination ports are modelled (Azure NSG source ports are almost always `*`);
//!   only TCP and UDP carry ports.

//! ## Example
//!
//! ```
//! use moat_packets::{AddrSet, L4Set, Packet, PacketSet, Policy, Protocol, Rule};
//!
//! let subnet = AddrSet::net("10.0.1.0/24".parse().unwrap());
//! let pe = AddrSet::host("10.0.2.4".parse().unwrap());
//! let https = PacketSet::new(&subnet, &pe, &L4Set::tcp([443..=443]));
//! assert_eq!(https.to_string(), "src 10.0.1.0/24 → dst 10.0.2.4 tcp/443");
//!
//! let nsg = Policy::new(
//!     [
//!         Rule { matches: https.clone(), action: "Allow", id: 100 },
//!         Rule { matches: PacketSet::all(), action: "Deny", id: 4096 },
//!     ],
//!     "Deny",
//! );
//! let p = Packet::tcp("10.0.1.9".parse().unwrap(), "10.0.2.4".parse().unwrap(), 443);
//! assert_eq!(nsg.decide(&p), (&"Allow", Some(&100)));
//!
//! // Everything from the subnet to the endpoint, split by deciding rule.
//! let pieces = nsg.apply(&PacketSet::new(&subnet, &pe, &L4Set::any()));
//! assert_eq!(pieces.len(), 2);
//! assert_eq!(pieces[1].0.sample().unwrap().to_string(), "10.0.1.0 → 10.0.2.4 tcp/0");
//! let _ = Protocol::UDP;
//! ```

#![warn(missing_docs)]

mod addr;
mod atoms;
mod interval;
mod l4;
mod lpm;
mod packet;
mod policy;
mod set;

pub use addr::{AddrKey, AddrSet, run_to_cidrs, v4_range, v6_range};
pub use atoms::{AddrAtomiser, AddrAtoms, ClassId, KeyAtomiser, KeyAtoms, PortAtomiser, PortAtoms};
pub use interval::{Bound, IntervalSet};
pub use l4::{L4Set, Protocol};
pub use lpm::LpmTable;
pub use packet::Packet;
pub use policy::{Policy, Rule};
pub use set::{Cube, CubeRef, PacketSet};
