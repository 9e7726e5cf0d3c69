//! Edge cases of the public API: whole address spaces, single hosts, port extremes, merging of
//! adjacent ranges, port-less protocols, mixed families, empty policies.

use ipnet::IpNet;
use moat_packets::{AddrSet, L4Set, LpmTable, Packet, PacketSet, Policy, Protocol, Rule};
use std::net::IpAddr;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn net(s: &str) -> IpNet {
    s.parse().unwrap()
}

#[test]
fn whole_spaces() {
    let all = PacketSet::all();
    assert!(all.complement().is_empty());
    assert!(PacketSet::empty().complement() == all);
    assert_eq!(all.cube_count(), 2);
    assert_eq!(
        all.to_string(),
        "src 0.0.0.0/0 → dst 0.0.0.0/0 any\nsrc ::/0 → dst ::/0 any"
    );
    let v4 = PacketSet::matching(
        Some(&[net("0.0.0.0/0")]),
        Some(&[net("0.0.0.0/0")]),
        None,
        None,
    );
    let v6 = PacketSet::matching(Some(&[net("::/0")]), Some(&[net("::/0")]), None, None);
    assert!(v4.union(&v6) == all);
    assert!(v4.intersect(&v6).is_empty());
    assert!(v4.complement() == v6);
    assert_eq!(all.sample().unwrap().to_string(), "0.0.0.0 → 0.0.0.0 tcp/0");
    assert_eq!(v6.sample().unwrap().to_string(), ":: → :: tcp/0");
    let top = Packet::tcp(
        ip("255.255.255.255"),
        ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
        1,
    );
    assert!(!all.contains(&top), "mixed-family headers are not packets");
    let top6 = Packet::udp(
        ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
        ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
        65535,
    );
    assert!(v6.contains(&top6) && !v4.contains(&top6));
}

#[test]
fn single_hosts_and_display() {
    let s = PacketSet::new(
        &AddrSet::net(net("10.0.1.0/24")),
        &AddrSet::host(ip("10.0.2.4")),
        &L4Set::tcp([443..=443]),
    );
    assert_eq!(s.to_string(), "src 10.0.1.0/24 → dst 10.0.2.4 tcp/443");
    let p = Packet::tcp(ip("10.0.1.255"), ip("10.0.2.4"), 443);
    assert!(s.contains(&p));
    assert!(!s.contains(&Packet::tcp(ip("10.0.1.255"), ip("10.0.2.5"), 443)));
    assert!(!s.contains(&Packet::udp(ip("10.0.1.255"), ip("10.0.2.4"), 443)));
    assert!(PacketSet::from_packet(&p).is_subset(&s));
    assert_eq!(
        PacketSet::from_packet(&p).to_string(),
        "src 10.0.1.255 → dst 10.0.2.4 tcp/443"
    );
    let six = PacketSet::from_packet(&Packet::icmp(ip("2001:db8::1"), ip("2001:db8::2")));
    assert_eq!(six.to_string(), "src 2001:db8::1 → dst 2001:db8::2 icmp");
}

#[test]
fn port_extremes() {
    let a = AddrSet::any_v4();
    let lo = PacketSet::new(&a, &a, &L4Set::tcp([0..=0]));
    let hi = PacketSet::new(&a, &a, &L4Set::tcp([65535..=65535]));
    let mid = PacketSet::new(&a, &a, &L4Set::tcp([1..=65534]));
    assert!(lo.union(&hi).union(&mid) == PacketSet::new(&a, &a, &L4Set::protocol(Protocol::TCP)));
    assert!(lo.contains(&Packet::tcp(ip("1.2.3.4"), ip("5.6.7.8"), 0)));
    assert!(hi.contains(&Packet::tcp(ip("1.2.3.4"), ip("5.6.7.8"), 65535)));
    assert!(!hi.contains(&Packet::tcp(ip("1.2.3.4"), ip("5.6.7.8"), 65534)));
    assert!(!lo.contains(&Packet::udp(ip("1.2.3.4"), ip("5.6.7.8"), 0)));
    // UDP 65535 and TCP 0 are neighbours in the key space but must not merge.
    let s = PacketSet::new(
        &a,
        &a,
        &L4Set::udp([65535..=65535]).union(&L4Set::tcp([0..=0])),
    );
    assert_eq!(
        s.describe(),
        "src 0.0.0.0/0 → dst 0.0.0.0/0 tcp/0 | udp/65535"
    );
}

#[test]
fn adjacent_ranges_merge() {
    let a = AddrSet::any_v4();
    let low = PacketSet::new(
        &AddrSet::net(net("10.0.0.0/25")),
        &a,
        &L4Set::tcp([80..=89]),
    );
    let high = PacketSet::new(
        &AddrSet::net(net("10.0.0.128/25")),
        &a,
        &L4Set::tcp([80..=89]),
    );
    let u = low.union(&high);
    assert_eq!(u.describe(), "src 10.0.0.0/24 → dst 0.0.0.0/0 tcp/80-89");
    let more = u.union(&PacketSet::new(
        &AddrSet::net(net("10.0.0.0/24")),
        &a,
        &L4Set::tcp([90..=99]),
    ));
    assert_eq!(more.describe(), "src 10.0.0.0/24 → dst 0.0.0.0/0 tcp/80-99");
    // Fragmented by difference, then described compactly again.
    let hole = more.difference(&PacketSet::from_packet(&Packet::tcp(
        ip("10.0.0.7"),
        ip("8.8.8.8"),
        95,
    )));
    assert!(hole.cube_count() >= 2);
    assert!(hole.union(&more) == more);
    let d = hole.describe();
    assert!(d.contains("src {10.0.0.0/30, 10.0.0.4/31, 10.0.0.6, 10.0.0.8/29, 10.0.0.16/28, 10.0.0.32/27, 10.0.0.64/26, 10.0.0.128/25} → dst 0.0.0.0/0 tcp/80-99"), "{d}");
    assert_eq!(
        format!("{:.2}", hole.canonical()).lines().next().unwrap(),
        "src {10.0.0.0/30, 10.0.0.4/31, … +6 more} → dst 0.0.0.0/0 tcp/80-99"
    );
}

#[test]
fn portless_protocols() {
    let a = AddrSet::any();
    // "Any protocol, port 443" does not match ICMP; "any protocol, any port" does.
    let p443 = PacketSet::new(&a, &a, &L4Set::from_parts(None, Some(&[443..=443])));
    let icmp = Packet::icmp(ip("10.0.0.1"), ip("10.0.0.2"));
    assert!(!p443.contains(&icmp));
    assert!(PacketSet::new(&a, &a, &L4Set::from_parts(None, None)).contains(&icmp));
    // An ICMP packet's port is ignored everywhere.
    let with_port = Packet { dport: 443, ..icmp };
    let icmp_set = PacketSet::new(&a, &a, &L4Set::protocol(Protocol::ICMP));
    assert!(icmp_set.contains(&with_port));
    assert_eq!(
        Packet::new(icmp.src, icmp.dst, Protocol::ICMP, 443).dport,
        0
    );
    assert_eq!(
        icmp_set.sample().unwrap().to_string(),
        "0.0.0.0 → 0.0.0.0 icmp"
    );
    assert_eq!(
        PacketSet::new(&a, &a, &L4Set::protocol(Protocol(47)))
            .sample()
            .unwrap()
            .to_string(),
        "0.0.0.0 → 0.0.0.0 proto 47"
    );
}

#[test]
fn projections() {
    let s = PacketSet::new(
        &AddrSet::net(net("10.0.1.0/24")),
        &AddrSet::host(ip("10.0.2.4")),
        &L4Set::tcp([443..=443]),
    )
    .union(&PacketSet::new(
        &AddrSet::net(net("10.0.3.0/24")),
        &AddrSet::host(ip("2001:db8::4")),
        &L4Set::udp([53..=53]),
    ));
    // The second product is empty: its source is IPv4 and its destination IPv6.
    assert_eq!(s.src_set().to_string(), "10.0.1.0/24");
    assert_eq!(s.dst_set().to_string(), "10.0.2.4");
    assert_eq!(s.l4_set().to_string(), "tcp/443");
}

#[test]
fn empty_and_trivial_policies() {
    let none: Policy<&str, u32> = Policy::new(Vec::new(), "deny");
    let p = Packet::tcp(ip("10.0.0.1"), ip("10.0.0.2"), 22);
    assert_eq!(none.decide(&p), (&"deny", None));
    assert!(none.apply(&PacketSet::empty()).is_empty());
    let pieces = none.apply(&PacketSet::all());
    assert_eq!(pieces.len(), 1);
    assert!(pieces[0].0 == PacketSet::all() && pieces[0].2.is_none());

    let rules = vec![
        Rule {
            matches: PacketSet::empty(),
            action: "allow",
            id: 1,
        },
        Rule {
            matches: PacketSet::matching(None, None, Some(&[Protocol::TCP]), Some(&[22..=22])),
            action: "allow",
            id: 2,
        },
        Rule {
            matches: PacketSet::all(),
            action: "deny",
            id: 3,
        },
    ];
    let pol = Policy::new(rules, "unreachable");
    assert_eq!(pol.decide(&p), (&"allow", Some(&2)));
    assert_eq!(
        pol.decide(&Packet::tcp(ip("10.0.0.1"), ip("10.0.0.2"), 23)),
        (&"deny", Some(&3))
    );
    let mixed = Packet::tcp(ip("10.0.0.1"), ip("2001:db8::1"), 22);
    assert_eq!(
        pol.decide(&mixed),
        (&"unreachable", None),
        "mixed-family packets get the default"
    );
    let pieces = pol.apply(&PacketSet::all());
    assert_eq!(
        pieces.iter().map(|x| *x.2.unwrap()).collect::<Vec<_>>(),
        [2, 3]
    );
}

#[test]
fn lpm_defaults() {
    let mut t = LpmTable::new();
    t.insert(net("0.0.0.0/0"), "v4 default");
    t.insert(net("::/0"), "v6 default");
    assert_eq!(
        t.lookup(ip("255.255.255.255")).map(|x| *x.1),
        Some("v4 default")
    );
    assert_eq!(t.lookup(ip("0.0.0.0")).map(|x| *x.1), Some("v4 default"));
    assert_eq!(t.lookup(ip("::")).map(|x| *x.1), Some("v6 default"));
    assert_eq!(
        t.lookup(ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"))
            .map(|x| *x.1),
        Some("v6 default")
    );
    t.insert(net("10.0.0.5/32"), "host");
    assert_eq!(
        t.lookup(ip("10.0.0.5")).map(|x| x.0),
        Some(net("10.0.0.5/32"))
    );
}
