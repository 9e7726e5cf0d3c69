//! Timing figures quoted in the crate docs. Run with
//! `cargo run --release -p moat-packets --example measure`.
//!
//! Synthetic, NSG-shaped workloads: rule sources and destinations are subnets (/24–/28),
//! hosts, VNet ranges (/16), "tag-like" multi-prefix sets, or any; transports are single ports,
//! port lists, ranges, a protocol, or any.

use ipnet::IpNet;
use moat_packets::{AddrAtomiser, AddrSet, L4Set, Packet, PacketSet, Policy, Protocol, Rule};
use std::net::IpAddr;
use std::time::{Duration, Instant};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn v4(a: u32) -> IpAddr {
    IpAddr::from(a.to_be_bytes())
}

fn net(a: u32, len: u8) -> IpNet {
    IpNet::new(v4(a), len).expect("valid length").trunc()
}

/// A tag-like set: many scattered public prefixes.
fn tag_like(rng: &mut Rng, n: usize) -> AddrSet {
    AddrSet::from_nets((0..n).map(|_| {
        net(
            0x1400_0000 | (rng.next() as u32 & 0x0FFF_FFFF),
            20 + rng.below(9) as u8,
        )
    }))
}

fn address(rng: &mut Rng, tags: &[AddrSet], wild: bool) -> AddrSet {
    let base = 0x0A00_0000 | ((rng.below(1000) as u32) << 12);
    match rng.below(10) + u64::from(!wild) {
        0 => AddrSet::any(),
        1 => AddrSet::net(net(base, 16)),
        2 | 3 => tags[rng.below(tags.len() as u64) as usize].clone(),
        4 => AddrSet::host(v4(base | rng.below(4096) as u32)),
        _ => AddrSet::net(net(
            base | ((rng.below(16) as u32) << 8),
            24 + rng.below(5) as u8,
        )),
    }
}

fn transport(rng: &mut Rng, wild: bool) -> L4Set {
    match rng.below(8) + u64::from(!wild) {
        0 => L4Set::any(),
        1 => L4Set::tcp([443..=443]),
        2 => L4Set::tcp([80..=80, 443..=443]),
        3 => L4Set::udp([5831..=5831]),
        4 => L4Set::protocol(Protocol::ICMP),
        5 => {
            let a = rng.below(60000) as u16;
            L4Set::ports(
                [Protocol::TCP, Protocol::UDP],
                [a..=a + rng.below(500) as u16],
            )
        }
        _ => L4Set::tcp([(rng.below(65535) as u16)..=(rng.below(65535) as u16).max(1)]),
    }
}

/// `wild = false` leaves out "any" fields, so most packets fall through to the last rule:
/// the worst case for a first-match lookup.
fn policy(rng: &mut Rng, n: usize, tags: &[AddrSet], wild: bool) -> Policy<bool, usize> {
    let mut rules: Vec<Rule<bool, usize>> = (0..n)
        .map(|i| {
            let m = PacketSet::new(
                &address(rng, tags, wild),
                &address(rng, tags, wild),
                &transport(rng, wild),
            );
            Rule {
                matches: m,
                action: rng.below(2) == 0,
                id: i,
            }
        })
        .collect();
    // The NSG defaults close the list.
    rules.push(Rule {
        matches: PacketSet::all(),
        action: false,
        id: 65500,
    });
    Policy::new(rules, false)
}

fn packet(rng: &mut Rng) -> Packet {
    let s = v4(0x0A00_0000 | (rng.next() as u32 & 0x003F_FFFF));
    let d = if rng.below(4) == 0 {
        v4(0x1400_0000 | (rng.next() as u32 & 0x0FFF_FFFF))
    } else {
        v4(0x0A00_0000 | (rng.next() as u32 & 0x003F_FFFF))
    };
    let proto =
        [Protocol::TCP, Protocol::TCP, Protocol::UDP, Protocol::ICMP][rng.below(4) as usize];
    Packet::new(
        s,
        d,
        proto,
        [443, 80, 22, 5831, 8080][rng.below(5) as usize],
    )
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn peak_rss_mib() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn main() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let tags: Vec<AddrSet> = (0..50).map(|_| tag_like(&mut rng, 40)).collect();

    if std::env::var_os("MEASURE_COMPILE_ONLY").is_some() {
        // Profiling aid: rebuild the 1,000-rule index many times.
        let mut r = Rng(1007);
        let p = policy(&mut r, 1000, &tags, true);
        let rules = p.rules().to_vec();
        let t = Instant::now();
        for _ in 0..200 {
            std::hint::black_box(Policy::new(rules.clone(), false));
        }
        println!("index 1,000 rules: {:?} each", t.elapsed() / 200);
        return;
    }
    for &(n, wild) in &[(1_000usize, true), (100_000, true), (100_000, false)] {
        let label = if wild { "" } else { " (no wildcards)" };
        let mut times = Vec::new();
        let mut p = None;
        for _ in 0..if n <= 1000 { 20 } else { 3 } {
            let mut r = Rng(7 + n as u64);
            let t = Instant::now();
            let built = policy(&mut r, n, &tags, wild);
            times.push(t.elapsed());
            p = Some(built);
        }
        let p = p.expect("built at least once");
        // Construction of the rule sets is included above; time the index alone too.
        let rules = p.rules().to_vec();
        let t = Instant::now();
        let p2 = Policy::new(rules, false);
        let index_only = t.elapsed();
        drop(p2);

        let packets: Vec<Packet> = (0..200_000).map(|_| packet(&mut rng)).collect();
        let mut per = Vec::with_capacity(packets.len() / 100);
        let mut hits = 0usize;
        let depth: usize = packets
            .iter()
            .take(20_000)
            .map(|q| p.decide_index(q).unwrap_or(n))
            .sum::<usize>()
            / 20_000;
        for chunk in packets.chunks(100) {
            let t = Instant::now();
            for q in chunk {
                hits += p.decide_index(q).map_or(0, |i| i & 1);
            }
            per.push(t.elapsed() / chunk.len() as u32);
        }
        let mut single = Vec::with_capacity(20_000);
        for q in packets.iter().take(20_000) {
            let t = Instant::now();
            std::hint::black_box(p.decide_index(q));
            single.push(t.elapsed());
        }
        single.sort();
        println!(
            "policy {n:>6} rules{label}: build rules+index median {:?}, index only {:?}; decide median {:?} (p99 single {:?}; mean deciding rule #{depth}) [checksum {hits}]",
            median(times),
            index_only,
            median(per),
            single[single.len() * 99 / 100],
        );

        // Lazy symbolic evaluation: one subnet's TCP/443 pushed through the policy.
        let mut apply_times = Vec::new();
        let mut pieces = 0;
        for i in 0..if n <= 1000 { 200 } else { 5 } {
            let subnet = AddrSet::net(net(0x0A00_0000 | ((i as u32 % 1000) << 12), 24));
            let input = PacketSet::new(&subnet, &AddrSet::any(), &L4Set::tcp([443..=443]));
            let t = Instant::now();
            pieces += p.apply(&input).len();
            apply_times.push(t.elapsed());
        }
        println!(
            "policy {n:>6} rules{label}: apply(subnet × any × tcp/443) median {:?} [{pieces} pieces]",
            median(apply_times)
        );
    }

    // Atomise 75,000 prefixes in 3,000 groups (tag-sized groups plus subnets and hosts).
    let mut prefixes = Vec::with_capacity(75_000);
    for i in 0..75_000u32 {
        let g = i % 3000;
        let p = match i % 5 {
            0 => net(0x0A00_0000 | (rng.next() as u32 & 0x00FF_FF00), 24),
            1 => net(0x0A00_0000 | (rng.next() as u32 & 0x00FF_FFFF), 32),
            _ => net(
                0x1400_0000 | (rng.next() as u32 & 0x3FFF_FFFF),
                16 + rng.below(17) as u8,
            ),
        };
        prefixes.push((g, p));
    }
    let mut times = Vec::new();
    let mut summary = String::new();
    for _ in 0..5 {
        let t = Instant::now();
        let mut a = AddrAtomiser::new();
        for &(g, p) in &prefixes {
            a.add(g, p);
        }
        let atoms = a.build();
        times.push(t.elapsed());
        summary = format!(
            "{} runs, {} classes",
            atoms.run_count(),
            atoms.class_count()
        );
    }
    println!(
        "atomise 75,000 prefixes / 3,000 groups: median {:?} ({summary})",
        median(times)
    );

    if let Some(m) = peak_rss_mib() {
        println!("peak RSS {m:.0} MiB");
    }
}
