//! A bounded load test on loopback: a server over a fresh database (SQLite, or the PostgreSQL
//! of `MOAT_TEST_POSTGRES_URL` with `--postgres`), then concurrent pushes of the bundled
//! examples and concurrent page loads, with the latency of each kind. Every request must
//! succeed; the run stops by itself.
//!
//! `cargo run --release -p moat-serve --example load -- [PUSHES] [PAGES] [--postgres]`

use moat_serve::push::{Push, request};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

const EXAMPLES: &[&str] = &[
    "private-registry",
    "hub-spoke-firewall",
    "managed-network-approved-outbound",
    "workspace-private-endpoint",
    "secure-workspace-public-registry",
];

fn figures(name: &str, mut ms: Vec<f64>, wall: Duration) -> String {
    ms.sort_by(|a, b| a.total_cmp(b));
    let q = |p: f64| ms[((ms.len() as f64 - 1.0) * p).round() as usize];
    format!(
        "| {name} | {} | {:.1} s | {:.0} ms | {:.0} ms | {:.0} ms | {:.0} ms |",
        ms.len(),
        wall.as_secs_f64(),
        q(0.5),
        q(0.95),
        q(0.99),
        ms[ms.len() - 1]
    )
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let postgres = args.iter().any(|a| a == "--postgres");
    let nums: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let pushes = nums.first().copied().unwrap_or(20);
    let pages = nums.get(1).copied().unwrap_or(500);
    let db = if postgres {
        moat_store::testing::postgres("load")
            .await
            .expect("PostgreSQL answers")
    } else {
        moat_store::testing::sqlite("load").await
    };
    let mut cfg = moat_serve::Config::new(&db.url);
    cfg.listen = "127.0.0.1:0".parse().unwrap();
    cfg.schema = db.schema.clone();
    let (addr, task) = moat_serve::spawn(&cfg, db.store.clone()).await.unwrap();
    let base = format!("http://{addr}");
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");

    // Concurrent pushes, all at once.
    let start = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..pushes {
        let p = Push {
            input: examples.join(EXAMPLES[i % EXAMPLES.len()]),
            server: base.clone(),
            project: format!("load-{}", i % 4),
            token: None,
            revision: Some(format!("r{i}")),
            pusher: Some("load".into()),
            limit: 32 << 20,
        };
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            let v = moat_serve::push::push(&p)
                .await
                .expect("the push is stored");
            (
                t.elapsed().as_secs_f64() * 1000.0,
                v["id"].as_i64().unwrap(),
            )
        }));
    }
    let mut push_ms = Vec::new();
    let mut ids = Vec::new();
    for t in tasks {
        let (ms, id) = t.await.unwrap();
        push_ms.push(ms);
        ids.push(id);
    }
    let push_wall = start.elapsed();

    // Page loads, 50 at a time, across every kind of page.
    let mut paths = vec!["/".to_string(), "/api/v1/projects".to_string()];
    for (n, id) in ids.iter().enumerate() {
        paths.push(format!("/snapshots/{id}"));
        paths.push(format!("/snapshots/{id}/topology"));
        paths.push(format!("/projects/load-{}", n % 4));
        paths.push(format!("/api/v1/snapshots/{id}/findings?severity=warning"));
    }
    let limit = Arc::new(Semaphore::new(50));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..pages {
        let url = format!("{base}{}", paths[i % paths.len()]);
        let limit = limit.clone();
        tasks.push(tokio::spawn(async move {
            let _permit = limit.acquire().await.unwrap();
            let t = Instant::now();
            let (status, _) = request("GET", &url, &[], Vec::new())
                .await
                .expect("answered");
            assert_eq!(status, 200, "{url}");
            t.elapsed().as_secs_f64() * 1000.0
        }));
    }
    let mut page_ms = Vec::new();
    for t in tasks {
        page_ms.push(t.await.unwrap());
    }
    let page_wall = start.elapsed();
    println!(
        "| requests ({}) | count | wall | p50 | p95 | p99 | max |",
        if postgres { "PostgreSQL" } else { "SQLite" }
    );
    println!("|---|---|---|---|---|---|---|");
    println!("{}", figures("pushes, all at once", push_ms, push_wall));
    println!(
        "{}",
        figures("page loads, 50 at a time", page_ms, page_wall)
    );
    println!("{} passed, 0 failed", pushes + pages);
    task.abort();
    db.finish().await;
}
