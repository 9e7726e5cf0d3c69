//! Property tests: every set operation and the policy fold against brute force over a small
//! universe (IPv4 10.0.0.0/29, two IPv6 hosts, ports 0..16 of TCP and UDP, plus ICMP).
//!
//! Generated sets also use prefixes and port ranges reaching far outside the enumerated
//! universe (`0.0.0.0/0`, `::/0`, ports up to 65535), so the algebra is exercised on real
//! boundaries; identities (complement, De Morgan, canonical form) check the parts enumeration
//! cannot see.

use ipnet::IpNet;
use moat_packets::{AddrSet, L4Set, Packet, PacketSet, Policy, Protocol, Rule};
use proptest::prelude::*;
use std::net::IpAddr;

const NETS: &[&str] = &[
    "0.0.0.0/0",
    "10.0.0.0/29",
    "10.0.0.0/30",
    "10.0.0.4/30",
    "10.0.0.0/31",
    "10.0.0.2/31",
    "10.0.0.6/31",
    "10.0.0.1/32",
    "10.0.0.3/32",
    "10.0.0.5/32",
    "10.0.0.7/32",
    "10.0.0.8/32",
    "9.255.255.255/32",
    "::/0",
    "2001:db8::/127",
    "2001:db8::/128",
    "2001:db8::1/128",
];

fn v4_hosts() -> Vec<IpAddr> {
    (0..8u8).map(|i| IpAddr::from([10, 0, 0, i])).collect()
}

fn v6_hosts() -> Vec<IpAddr> {
    vec![
        "2001:db8::".parse().unwrap(),
        "2001:db8::1".parse().unwrap(),
    ]
}

/// Every packet of the small universe.
fn universe() -> Vec<Packet> {
    let mut l4 = Vec::new();
    for port in 0..16u16 {
        l4.push((Protocol::TCP, port));
        l4.push((Protocol::UDP, port));
    }
    l4.push((Protocol::ICMP, 0));
    let mut out = Vec::new();
    for hosts in [v4_hosts(), v6_hosts()] {
        for &s in &hosts {
            for &d in &hosts {
                for &(p, port) in &l4 {
                    out.push(Packet::new(s, d, p, port));
                }
            }
        }
    }
    out
}

fn addr_strategy() -> impl Strategy<Value = AddrSet> {
    prop_oneof![
        1 => Just(AddrSet::any()),
        6 => prop::collection::vec(prop::sample::select(NETS), 1..4)
            .prop_map(|v| AddrSet::from_nets(v.iter().map(|s| s.parse::<IpNet>().unwrap()))),
    ]
}

fn port_range() -> impl Strategy<Value = std::ops::RangeInclusive<u16>> {
    prop_oneof![
        4 => (0u16..18, 0u16..6).prop_map(|(a, w)| a..=a.saturating_add(w)),
        1 => Just(0u16..=65535),
        1 => Just(10u16..=65535),
        1 => Just(65535u16..=65535),
    ]
}

fn l4_strategy() -> impl Strategy<Value = L4Set> {
    let protos =
        prop::sample::subsequence(vec![Protocol::TCP, Protocol::UDP, Protocol::ICMP], 1..=3);
    prop_oneof![
        1 => Just(L4Set::any()),
        2 => protos.clone().prop_map(L4Set::protocols),
        5 => (protos, prop::collection::vec(port_range(), 1..3)).prop_map(|(ps, rs)| L4Set::ports(ps, rs)),
    ]
}

fn product() -> impl Strategy<Value = PacketSet> {
    (addr_strategy(), addr_strategy(), l4_strategy())
        .prop_map(|(s, d, l)| PacketSet::new(&s, &d, &l))
}

fn set_strategy() -> impl Strategy<Value = PacketSet> {
    prop_oneof![
        1 => Just(PacketSet::empty()),
        1 => Just(PacketSet::all()),
        8 => prop::collection::vec(product(), 1..4).prop_map(|v| v.iter().fold(PacketSet::empty(), |a, b| a.union(b))),
    ]
}

/// Cubes of a set are pairwise disjoint.
fn cubes_disjoint(s: &PacketSet) -> bool {
    let v4 = s.v4_cubes();
    let v6 = s.v6_cubes();
    let single = |c: &moat_packets::Cube<u32>| {
        PacketSet::new(
            &AddrSet::from_parts(c.src().clone(), Default::default()),
            &AddrSet::from_parts(c.dst().clone(), Default::default()),
            c.l4(),
        )
    };
    let single6 = |c: &moat_packets::Cube<u128>| {
        PacketSet::new(
            &AddrSet::from_parts(Default::default(), c.src().clone()),
            &AddrSet::from_parts(Default::default(), c.dst().clone()),
            c.l4(),
        )
    };
    for i in 0..v4.len() {
        for j in i + 1..v4.len() {
            if single(&v4[i]).intersects(&single(&v4[j])) {
                return false;
            }
        }
    }
    for i in 0..v6.len() {
        for j in i + 1..v6.len() {
            if single6(&v6[i]).intersects(&single6(&v6[j])) {
                return false;
            }
        }
    }
    true
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn set_operations_match_enumeration(a in set_strategy(), b in set_strategy()) {
        let (u, i, d, ca) = (a.union(&b), a.intersect(&b), a.difference(&b), a.complement());
        for p in universe() {
            let (x, y) = (a.contains(&p), b.contains(&p));
            prop_assert_eq!(u.contains(&p), x || y, "union at {}", p);
            prop_assert_eq!(i.contains(&p), x && y, "intersection at {}", p);
            prop_assert_eq!(d.contains(&p), x && !y, "difference at {}", p);
            prop_assert_eq!(ca.contains(&p), !x, "complement at {}", p);
        }
        for s in [&u, &i, &d, &ca] {
            prop_assert!(cubes_disjoint(s));
        }
        prop_assert_eq!(i.is_empty(), !a.intersects(&b));
    }

    #[test]
    fn identities(a in set_strategy(), b in set_strategy()) {
        // Exact, including everything outside the enumerated universe.
        prop_assert_eq!(a.complement().complement(), a.clone());
        prop_assert!(a.intersect(&a.complement()).is_empty());
        prop_assert_eq!(a.union(&a.complement()), PacketSet::all());
        prop_assert_eq!(a.union(&b).complement(), a.complement().intersect(&b.complement()));
        prop_assert_eq!(a.difference(&b).union(&a.intersect(&b)), a.clone());
        prop_assert_eq!(a.is_subset(&b), a.difference(&b).is_empty());
        prop_assert!(a.intersect(&b).is_subset(&a));
        prop_assert!(a.is_subset(&a.union(&b)));
    }

    #[test]
    fn subset_and_equality_match_enumeration(a in set_strategy(), b in set_strategy()) {
        let u = universe();
        // Restricted to the enumerated universe, subset must agree with enumeration.
        let in_u = |s: &PacketSet| {
            u.iter().filter(|p| s.contains(p)).fold(PacketSet::empty(), |acc, p| acc.union(&PacketSet::from_packet(p)))
        };
        let (ra, rb) = (in_u(&a), in_u(&b));
        let brute = u.iter().all(|p| !a.contains(p) || b.contains(p));
        prop_assert_eq!(ra.is_subset(&rb), brute);
        prop_assert_eq!(ra == rb, u.iter().all(|p| a.contains(p) == b.contains(p)));
    }

    #[test]
    fn canonical_form_is_unique(a in set_strategy(), b in set_strategy()) {
        let (ca, cb) = (a.canonical(), b.canonical());
        prop_assert_eq!(&ca, &a);
        prop_assert!(cubes_disjoint(&ca));
        let structurally_equal = ca.v4_cubes() == cb.v4_cubes() && ca.v6_cubes() == cb.v6_cubes();
        prop_assert_eq!(structurally_equal, a == b);
        // The same set built another way has the same canonical form.
        let rebuilt = a.difference(&b).union(&a.intersect(&b));
        let cr = rebuilt.canonical();
        prop_assert!(cr.v4_cubes() == ca.v4_cubes() && cr.v6_cubes() == ca.v6_cubes());
    }

    #[test]
    fn sample_is_a_member(a in set_strategy()) {
        match a.sample() {
            None => prop_assert!(a.is_empty()),
            Some(p) => prop_assert!(a.contains(&p), "{} not in {:?}", p, a),
        }
        for c in a.cubes() {
            prop_assert!(a.contains(&c.sample()));
        }
    }

    #[test]
    fn policy_decide_and_apply_match_brute_force(
        rules in prop::collection::vec((set_strategy(), 0u8..3), 0..8),
        input in set_strategy(),
    ) {
        let policy = Policy::new(
            rules.iter().enumerate().map(|(i, (m, a))| Rule { matches: m.clone(), action: *a, id: i }),
            9u8,
        );
        let brute = |p: &Packet| rules.iter().position(|(m, _)| m.contains(p));
        let u = universe();
        for p in &u {
            let want = brute(p);
            prop_assert_eq!(policy.decide_index(p), want, "decide {}", p);
            let (act, id) = policy.decide(p);
            prop_assert_eq!(id.copied(), want);
            prop_assert_eq!(*act, want.map_or(9, |i| rules[i].1));
        }
        let pieces = policy.apply(&input);
        // Pieces are non-empty, pairwise disjoint, and cover the input exactly.
        let mut union = PacketSet::empty();
        for (i, (s, _, _)) in pieces.iter().enumerate() {
            prop_assert!(!s.is_empty());
            for (t, _, _) in &pieces[i + 1..] {
                prop_assert!(!s.intersects(t));
            }
            union = union.union(s);
        }
        prop_assert_eq!(&union, &input);
        // Every packet of a piece is decided by that piece's rule.
        for (s, act, id) in &pieces {
            for p in u.iter().filter(|p| s.contains(p)) {
                prop_assert_eq!(policy.decide_index(p), id.copied());
                prop_assert_eq!(policy.decide(p).0, *act);
            }
            if let Some(p) = s.sample() {
                prop_assert_eq!(policy.decide_index(&p), id.copied());
            }
        }
        // At most one piece per rule, in rule order.
        let ids: Vec<Option<usize>> = pieces.iter().map(|x| x.2.copied()).collect();
        let mut sorted = ids.clone();
        sorted.sort_by_key(|x| x.unwrap_or(usize::MAX));
        sorted.dedup();
        prop_assert_eq!(ids, sorted);
    }
}

/// Random prefix rules over the whole IPv4 space and some IPv6: the index against a linear scan
/// on random packets. Exercises deep segment trees, filing under each of the three fields
/// (rules that are "any" on two fields), and heavy fields (tag-like sets of many prefixes,
/// filed by hull).
#[test]
fn indexed_decide_matches_linear_scan_on_larger_policies() {
    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let v4 = |bits: u64| IpAddr::from((0x0A00_0000u32 | (bits as u32 & 0x00FF_FFFF)).to_be_bytes());
    let v6 = |bits: u64| {
        IpAddr::from(std::net::Ipv6Addr::from(
            (0x2001_0db8u128 << 96) | (bits as u128 & 0xFFFF),
        ))
    };
    let mut filed_fields = [0usize; 3];
    for round in 0..4 {
        let tags: Vec<AddrSet> = (0..6)
            .map(|_| {
                AddrSet::from_nets(
                    (0..50).map(|_| IpNet::new(v4(next()), 24 + (next() % 9) as u8).unwrap()),
                )
            })
            .collect();
        let mut rules = Vec::new();
        for i in 0..(300 + round * 400) {
            let r = next();
            let mut pick = |sel: u64| -> AddrSet {
                match sel % 10 {
                    0 => AddrSet::any(),
                    1 => tags[(next() % 6) as usize].clone(),
                    2 => AddrSet::net(IpNet::new(v6(next()), 112 + (next() % 17) as u8).unwrap()),
                    _ => {
                        let len = [0u8, 8, 16, 20, 24, 28, 32][(next() % 7) as usize];
                        AddrSet::net(IpNet::new(v4(next()), len).unwrap())
                    }
                }
            };
            let (src, dst) = (pick(r), pick(r >> 8));
            let l4 = match (r >> 50) % 5 {
                0 => L4Set::any(),
                1 => L4Set::tcp([443..=443]),
                2 => L4Set::ports(
                    [Protocol::TCP, Protocol::UDP],
                    [(r >> 52) as u16 % 2000..=2000],
                ),
                3 => L4Set::tcp([(r >> 20) as u16 % 1000..=(r >> 20) as u16 % 1000]),
                _ => L4Set::protocol(Protocol::ICMP),
            };
            // Rules narrow on one field only, so each tree gets filed cubes.
            let host = AddrSet::host(v4(next()));
            let (src, dst, l4) = match (r >> 58) % 4 {
                0 => (host, AddrSet::any(), L4Set::any()),
                1 => (AddrSet::any(), host, L4Set::any()),
                2 => (AddrSet::any(), AddrSet::any(), l4),
                _ => (src, dst, l4),
            };
            rules.push(Rule {
                matches: PacketSet::new(&src, &dst, &l4),
                action: i % 2 == 0,
                id: i,
            });
        }
        let policy = Policy::new(rules.clone(), false);
        let stats = policy.index_stats();
        for (f, n) in filed_fields.iter_mut().zip(stats) {
            *f += n;
        }
        for _ in 0..4000 {
            let r = next();
            let (s, d) = if r % 5 == 0 {
                (v6(r >> 3), v6(r >> 20))
            } else {
                (v4(r), v4(r >> 24))
            };
            let proto = [Protocol::TCP, Protocol::UDP, Protocol::ICMP][(r >> 48) as usize % 3];
            let p = Packet::new(
                s,
                d,
                proto,
                [443, 80, 1500, 0, (r >> 20) as u16 % 1000][(r >> 56) as usize % 5],
            );
            let want = rules.iter().position(|x| x.matches.contains(&p));
            assert_eq!(policy.decide_index(&p), want, "{p}");
        }
        // Packets taken from the rules themselves, so that late rules are reached too.
        for rule in rules.iter().step_by(7) {
            for c in rule.matches.cubes() {
                let p = c.sample();
                assert_eq!(
                    policy.decide_index(&p),
                    rules.iter().position(|x| x.matches.contains(&p)),
                    "{p}"
                );
            }
        }
    }
    assert!(
        filed_fields.iter().all(|&n| n > 0),
        "every field's tree used: {filed_fields:?}"
    );
}

/// Many small holes: the subtrahend has dozens of cubes, so difference re-merges fragments
/// mid-way; checked packet by packet.
#[test]
fn many_small_subtractions() {
    let u: Vec<Packet> = universe()
        .into_iter()
        .filter(|p| p.src.is_ipv4() && p.proto == Protocol::TCP)
        .collect();
    let a = PacketSet::new(
        &AddrSet::net("10.0.0.0/29".parse().unwrap()),
        &AddrSet::net("10.0.0.0/29".parse().unwrap()),
        &L4Set::tcp([0..=15]),
    );
    let holes: Vec<&Packet> = u.iter().step_by(7).collect();
    assert!(holes.len() > 100);
    let b = holes.iter().fold(PacketSet::empty(), |acc, p| {
        acc.union(&PacketSet::from_packet(p))
    });
    assert!(b.cube_count() > 32, "{}", b.cube_count());
    let d = a.difference(&b);
    let chained = holes.iter().fold(a.clone(), |acc, p| {
        acc.difference(&PacketSet::from_packet(p))
    });
    for p in &u {
        let want = a.contains(p) && !holes.contains(&p);
        assert_eq!(d.contains(p), want, "{p}");
        assert_eq!(chained.contains(p), want, "{p}");
    }
    assert!(d == chained);
    assert!(d.union(&b) == a.union(&b));
}
