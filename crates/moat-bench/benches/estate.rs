//! The estate benchmark. Prints figures; run with `cargo bench -p moat-bench`, or name the
//! parts to run: `-- estate` (load, trace, sweep, end-to-end `check` and `ops` on the
//! enterprise estate), `-- scaling` (end-to-end `check` on the estate at 1/4 to 4 times its
//! size, with the fitted growth exponent), `-- terraform` (a generated Terraform configuration
//! of 250 to 2,000 landing zones through the real loader and `check`). `-- small` runs every
//! part on small inputs.
//!
//! Each figure is given as CPU time (user + system, from the kernel's accounting of this
//! process) and wall-clock time: on a busy machine the CPU time is the steadier measure.

use moat_bench::{RESOURCES_PER_COPY, Spec, estate, terraform_estate};
use moat_engine::trace::{Query, trace};
use moat_engine::{Engine, sweep};
use moat_model::Address;
use moat_packets::Protocol;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

// The allocator the `moat` command uses, so that the figures are the command's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Peak resident memory of this process since the last [`reset_peak`], in MiB.
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

/// Restarts the peak-memory count at the current size (Linux `clear_refs` 5).
fn reset_peak() {
    std::fs::write("/proc/self/clear_refs", "5").ok();
}

/// CPU time (user + system) of this process so far.
fn cpu_time() -> Duration {
    let ticks = std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            // Fields after the parenthesised command name; utime and stime are 14th and 15th.
            let rest = &s[s.rfind(')')? + 2..];
            let f: Vec<&str> = rest.split_whitespace().collect();
            Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
        })
        .unwrap_or(0);
    // The kernel reports in clock ticks of 1/100 s (USER_HZ) on Linux.
    Duration::from_millis(ticks * 10)
}

/// CPU and wall-clock time of `f`.
fn timed<R>(f: impl FnOnce() -> R) -> (R, Duration, Duration) {
    let (c0, w0) = (cpu_time(), Instant::now());
    let r = f();
    (r, cpu_time() - c0, w0.elapsed())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1 << 20) as f64
}

/// The least-squares slope of log(time) against log(size): the growth exponent.
fn exponent(points: &[(f64, f64)]) -> f64 {
    let logs: Vec<(f64, f64)> = points.iter().map(|&(x, y)| (x.ln(), y.ln())).collect();
    let n = logs.len() as f64;
    let (mx, my) = (
        logs.iter().map(|p| p.0).sum::<f64>() / n,
        logs.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let sxy: f64 = logs.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = logs.iter().map(|p| (p.0 - mx).powi(2)).sum();
    sxy / sxx
}

/// Service tags file of the reference data, when present.
fn tags_file() -> Option<PathBuf> {
    let p = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/ServiceTags_Public.json"
    ));
    p.exists().then_some(p)
}

/// `moat check` as the command runs it: load, engine, every rule. Returns the findings count.
fn check(path: &Path, tags: Option<&Path>) -> usize {
    let loaded =
        moat_ingest::load(path, None).unwrap_or_else(|e| panic!("{:?}", e.diagnostics.first()));
    let engine = Engine::for_topology(&loaded.topology, tags).expect("engine");
    let cx = moat_rules::Context::new(&engine);
    moat_rules::check::run(&cx, &moat_rules::check::Selection::default()).len()
}

/// `moat ops` as the command runs it: load, engine, every operation. Returns the results count.
fn ops(path: &Path, tags: Option<&Path>) -> usize {
    let loaded =
        moat_ingest::load(path, None).unwrap_or_else(|e| panic!("{:?}", e.diagnostics.first()));
    let engine = Engine::for_topology(&loaded.topology, tags).expect("engine");
    let intent = moat_engine::intent::Intent::of(&loaded.topology);
    moat_engine::ops::evaluate(&engine, &intent, &moat_engine::ops::Filter::default()).len()
}

fn estate_part(spec: Spec, dir: &Path, tags: Option<&Path>) {
    let yaml = estate(spec);
    let file = dir.join("estate.yaml");
    std::fs::write(&file, &yaml).expect("write estate");
    println!(
        "estate: {} hubs x {} spokes, {:.1} MiB of YAML",
        spec.hubs,
        spec.spokes_per_hub,
        mib(yaml.len())
    );

    reset_peak();
    let (loaded, cpu, wall) = timed(|| {
        moat_ingest::load(&file, None).unwrap_or_else(|e| panic!("{:?}", e.diagnostics.first()))
    });
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
    println!("load (parse + validate + finalize): CPU {cpu:.2?}, wall {wall:.2?}");

    let (engine, cpu, wall) = timed(|| Engine::for_topology(t, tags).expect("engine"));
    println!(
        "engine (service tags file: {}): CPU {cpu:.2?}, wall {wall:.2?}",
        if tags.is_some() {
            "loaded"
        } else {
            "absent, symbolic"
        },
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
        "trace: {} traces, median {:.1?}, p99 {:.1?} (wall)",
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
    let (m, cpu, wall) = timed(|| sweep::matrix(&engine, &sources, &ml_tags));
    println!(
        "matrix: {} sources x ({} endpoints + {} tags) = {} pairs, CPU {cpu:.2?}, wall {wall:.2?} ({} allowed, {} denied, {} unknown; {} endpoint groups, {} traces)",
        m.sources, m.endpoints, m.tags, m.pairs, m.allowed, m.denied, m.unknown, m.groups, m.traces
    );
    println!(
        "peak memory (load to matrix): {:.0} MiB, {:.1}x the input",
        peak_rss_mib(),
        peak_rss_mib() / mib(yaml.len())
    );
    drop(engine);
    drop(loaded);

    let (n, cpu, wall) = timed(|| check(&file, tags));
    println!(
        "check end to end (load, engine, every rule; {n} findings): CPU {cpu:.2?}, wall {wall:.2?}"
    );
    let (n, cpu, wall) = timed(|| ops(&file, tags));
    println!(
        "ops end to end (load, engine, every operation; {n} results): CPU {cpu:.2?}, wall {wall:.2?}"
    );
}

fn scaling_part(base: Spec, dir: &Path, tags: Option<&Path>) {
    println!("scaling: check end to end on the estate at 1/4 to 4 times its size");
    let mut points = Vec::new();
    for factor in [0.25, 0.5, 1.0, 2.0, 4.0] {
        let spec = base.scaled(factor);
        let yaml = estate(spec);
        let file = dir.join(format!("estate-{factor}.yaml"));
        std::fs::write(&file, &yaml).expect("write estate");
        let size = yaml.len();
        drop(yaml);
        reset_peak();
        let (n, cpu, wall) = timed(|| check(&file, tags));
        println!(
            "  x{factor:<4} {:>5} spokes {:>6.1} MiB: CPU {cpu:>8.2?}, wall {wall:>8.2?}, peak {:>5.0} MiB ({:.1}x the input), {n} findings",
            spec.hubs * spec.spokes_per_hub,
            mib(size),
            peak_rss_mib(),
            peak_rss_mib() / mib(size)
        );
        points.push((
            (spec.hubs * spec.spokes_per_hub) as f64,
            cpu.as_secs_f64().max(0.01),
        ));
        std::fs::remove_file(&file).ok();
    }
    println!(
        "  growth exponent (CPU time ~ size^k, least squares): k = {:.2}",
        exponent(&points)
    );
}

fn terraform_part(copies: &[usize], dir: &Path, tags: Option<&Path>) {
    println!(
        "terraform: {RESOURCES_PER_COPY} resources per copy, each copy its own resource group, one file; check end to end"
    );
    let mut points = Vec::new();
    for &n in copies {
        let d = dir.join(format!("tf-{n}"));
        std::fs::create_dir_all(&d).expect("dir");
        let text = terraform_estate(n);
        let size = text.len();
        std::fs::write(d.join("main.tf"), text).expect("write configuration");
        reset_peak();
        let (f, cpu, wall) = timed(|| check(&d, tags));
        println!(
            "  {n:>5} copies ({:>6} resources, {:>5.1} MiB): CPU {cpu:>8.2?}, wall {wall:>8.2?}, peak {:>5.0} MiB ({:.1}x the input), {f} findings",
            n * RESOURCES_PER_COPY,
            mib(size),
            peak_rss_mib(),
            peak_rss_mib() / mib(size)
        );
        points.push(((n * RESOURCES_PER_COPY) as f64, cpu.as_secs_f64().max(0.01)));
        std::fs::remove_dir_all(&d).ok();
    }
    if points.len() > 1 {
        println!(
            "  growth exponent (CPU time ~ resources^k, least squares): k = {:.2}",
            exponent(&points)
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let small = args.iter().any(|a| a == "small");
    let parts: Vec<&str> = ["estate", "scaling", "terraform"]
        .into_iter()
        .filter(|p| args.iter().any(|a| a == p))
        .collect();
    let run = |p: &str| parts.is_empty() || parts.contains(&p);
    let spec = if small {
        Spec::small()
    } else {
        Spec::enterprise()
    };
    let tags = tags_file();
    let dir = std::env::temp_dir().join(format!("moat-estate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    if run("estate") {
        estate_part(spec, &dir, tags.as_deref());
    }
    if run("scaling") {
        scaling_part(spec, &dir, tags.as_deref());
    }
    if run("terraform") {
        let copies: &[usize] = if small {
            &[5, 10, 20]
        } else {
            &[250, 1000, 2000]
        };
        terraform_part(copies, &dir, tags.as_deref());
    }
    std::fs::remove_dir_all(&dir).ok();
}
