//! Timing figures quoted in the crate docs, on the real public tags file. Run with
//! `cargo run --release -p moat-servicetags --example measure_tags [FILE]` (defaults to the
//! shared data file next to the workspace).

use moat_packets::AddrAtomiser;
use moat_servicetags::{ServiceTags, TagCatalog};
use std::net::IpAddr;
use std::time::{Duration, Instant};

const DEFAULT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/ServiceTags_Public.json"
);

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| DEFAULT.to_string());
    let mut loads = Vec::new();
    let mut tags = None;
    for _ in 0..5 {
        let t = Instant::now();
        tags = Some(ServiceTags::load(&path)?);
        loads.push(t.elapsed());
    }
    let tags = tags.expect("loaded");
    let prefixes: usize = tags.iter().map(|t| t.address_prefixes.len()).sum();
    println!(
        "load + index {} tags / {prefixes} prefixes: median {:?}",
        tags.len(),
        median(loads)
    );

    // Probe addresses: the first address of every 10th prefix, both families.
    let probes: Vec<IpAddr> = tags
        .iter()
        .flat_map(|t| t.address_prefixes.iter().step_by(10).map(|p| p.addr()))
        .collect();
    let mut per = Vec::new();
    let mut hits = 0;
    for chunk in probes.chunks(100) {
        let t = Instant::now();
        for &a in chunk {
            hits += tags.tags_containing(a).len();
        }
        per.push(t.elapsed() / chunk.len() as u32);
    }
    println!(
        "tags_containing: median {:?} per address over {} addresses (avg {:.1} tags each)",
        median(per),
        probes.len(),
        hits as f64 / probes.len() as f64
    );

    let t = Instant::now();
    let mut n = 0;
    for r in ["Storage", "AzureCloud", "Internet", "Storage.WestUS"] {
        for e in [
            "Storage.EastUS",
            "AzureMachineLearning",
            "AzureFrontDoor.FirstParty",
            "AzureActiveDirectory",
        ] {
            std::hint::black_box(tags.covers(r, e));
            n += 1;
        }
    }
    println!("covers (file mode, exact): {:?} per pair", t.elapsed() / n);

    let mut times = Vec::new();
    let mut summary = String::new();
    for _ in 0..5 {
        let t = Instant::now();
        let mut a = AddrAtomiser::new();
        for tag in tags.iter() {
            a.add_nets(tag.name.as_str(), tag.address_prefixes.iter().copied());
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
        "atomise all {prefixes} prefixes by tag: median {:?} ({summary})",
        median(times)
    );
    Ok(())
}
