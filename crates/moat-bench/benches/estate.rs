//! The estate benchmark: load an enterprise-size estate, trace in it, sweep its reachability
//! matrix. Prints figures; run with `cargo bench -p moat-bench` (add `-- small` for a quick run).

use moat_bench::{Spec, estate};
use moat_engine::trace::{Query, trace};
use moat_engine::{Engine, sweep};
use moat_model::Address;
use moat_packets::Protocol;
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map(|kib| kib / 1024.0)
        .unwrap_or(0.0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let small = std::env::args().any(|a| a == "small");
    let spec = if small {
        Spec::small()
    } else {
        Spec::enterprise()
    };
    let tags_file = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/ServiceTags_Public.json"
    ));

    let yaml = estate(spec);
    let dir = std::env::temp_dir().join(format!("moat-estate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("estate.yaml");
    std::fs::write(&file, &yaml).expect("write estate");
    println!(
        "estate: {} hubs x {} spokes, {:.1} MiB of YAML",
        spec.hubs,
        spec.spokes_per_hub,
        yaml.len() as f64 / (1 << 20) as f64
    );

    let t0 = Instant::now();
    let loaded =
        moat_ingest::load(&file, None).unwrap_or_else(|e| panic!("{:?}", e.diagnostics.first()));
    let load = t0.elapsed();
    let t = &loaded.topology;
    let subnets: usize = t.virtual_networks.iter().map(|v| v.subnets.len()).sum();
    let rules: usize = t
        .network_security_groups
        .iter()
        .map(|n| n.rules.len())
        .sum();
    println!(
        "resources: {} VNets, {subnets} subnets, {rules} NSG rules, {} private endpoints",
        t.virtual_networks.len(),
        t.private_endpoints.len()
    );
    println!("load (parse + validate + finalize): {load:.2?}");

    let t1 = Instant::now();
    let tags = tags_file.exists().then_some(tags_file.as_path());
    let engine = Engine::for_topology(t, tags).expect("engine");
    println!(
        "engine (service tags file: {}): {:.2?}",
        if tags.is_some() {
            "loaded"
        } else {
            "absent, symbolic"
        },
        t1.elapsed()
    );

    // Traces: each compute to its own storage, and to a neighbour's workspace endpoint.
    let spokes = spec.hubs * spec.spokes_per_hub;
    let mut times = Vec::new();
    for round in 0..3 {
        for k in 0..spokes {
            let other = (k * 7 + round) % spokes;
            for (to, port) in [
                (
                    Address::resource(moat_model::Kind::Storage, format!("st{k}")),
                    443,
                ),
                (
                    Address::Ip(t.private_endpoints[other * 4].ip_address.expect("ip")),
                    443,
                ),
            ] {
                let q = Query {
                    from: Address::resource(moat_model::Kind::Compute, format!("cpu{k}")),
                    to,
                    protocol: Protocol::TCP,
                    port,
                };
                let s = Instant::now();
                let tr = trace(&engine, &q).expect("trace");
                times.push(s.elapsed());
                std::hint::black_box(tr);
            }
        }
    }
    times.sort();
    println!(
        "trace: {} traces, median {:.1?}, p99 {:.1?}",
        times.len(),
        percentile(&times, 0.5),
        percentile(&times, 0.99)
    );

    let sources = sweep::compute_subnets(&engine);
    let ml_tags: Vec<String> = [
        "AzureMachineLearning",
        "AzureActiveDirectory",
        "Storage.EastUS",
        "MicrosoftContainerRegistry",
        "BatchNodeManagement.EastUS",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let t2 = Instant::now();
    let m = sweep::matrix(&engine, &sources, &ml_tags);
    let matrix = t2.elapsed();
    println!(
        "matrix: {} sources x ({} endpoints + {} tags) = {} pairs in {matrix:.2?} ({} allowed, {} denied, {} unknown; {} endpoint groups, {} traces)",
        m.sources, m.endpoints, m.tags, m.pairs, m.allowed, m.denied, m.unknown, m.groups, m.traces
    );
    println!("peak memory: {:.0} MiB", peak_rss_mib());
    std::fs::remove_dir_all(&dir).ok();
}
