//! Several `moat serve` processes over one PostgreSQL database, as behind a load balancer:
//! they start together on an empty schema (its migrations run once), a snapshot pushed
//! through one is read from the other, and pushes sent to both at once each store one whole
//! snapshot that both show alike. Skipped with a message when no PostgreSQL answers, unless
//! `MOAT_REQUIRE_POSTGRES` is set.

mod server;

use serde_json::Value;
use server::{Serve, free_port, root};
use std::process::{Child, Command, Stdio};

/// `moat push` as a process of its own.
fn push(example: &str, server: &str, project: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_moat"))
        .args([
            "push",
            &format!("examples/{example}"),
            "--server",
            server,
            "--project",
            project,
        ])
        .current_dir(root())
        .env_remove("MOAT_TOKEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("moat push runs")
}

/// The snapshot id a finished push printed (`snapshot N of P: ...`).
fn pushed_id(p: Child) -> i64 {
    let o = p.wait_with_output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_ne!(
        o.status.code(),
        Some(2),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    out.strip_prefix("snapshot ")
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no snapshot id in {out}"))
}

async fn get(server: &str, path: &str) -> Value {
    let url = format!("{server}{path}");
    let (status, body) = moat_serve::push::request("GET", &url, &[], Vec::new())
        .await
        .expect("the server answers");
    assert_eq!(status, 200, "{url}: {}", String::from_utf8_lossy(&body));
    serde_json::from_slice(&body).unwrap_or(Value::Null)
}

/// A snapshot as the API gives it, with its findings.
async fn snapshot(server: &str, id: i64) -> Value {
    let mut v = get(server, &format!("/api/v1/snapshots/{id}")).await;
    v["findings_list"] = get(server, &format!("/api/v1/snapshots/{id}/findings")).await;
    v
}

#[test]
fn two_servers_over_one_postgres_database_serve_one_history() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    // A schema made for this test and a second, empty one, that the servers create and
    // migrate together.
    let Some(probe) = rt.block_on(moat_store::testing::postgres("two_servers")) else {
        return;
    };
    let url = probe.url.clone();
    let schema = format!("{}_lb", probe.schema.clone().unwrap());
    let (pa, pb) = (free_port(), free_port());
    // Both start before either listens: they race to create the schema.
    let start = |port| Serve::spawn(&url, port, &["--schema", &schema, "--workers", "1"]);
    let (mut a, mut b) = (start(pa), start(pb));
    a.wait_listening();
    b.wait_listening();
    let (sa, sb) = (
        format!("http://127.0.0.1:{pa}"),
        format!("http://127.0.0.1:{pb}"),
    );
    rt.block_on(async {
        let store = moat_store::Store::connect(
            &url,
            moat_store::Options {
                schema: Some(schema.clone()),
                max_connections: Some(2),
            },
        )
        .await
        .unwrap();
        assert_eq!(store.schema_version().await.unwrap(), 1, "migrated once");
        store.close().await;
    });

    // Pushed through A, read from B: the same snapshot, page and all.
    let first = pushed_id(push("private-registry", &sa, "lb"));
    rt.block_on(async {
        let (x, y) = (snapshot(&sa, first).await, snapshot(&sb, first).await);
        assert_eq!(x, y);
        assert_eq!(y["project"], "lb");
        let (status, page) = moat_serve::push::request(
            "GET",
            &format!("{sb}/snapshots/{first}/topology"),
            &[],
            Vec::new(),
        )
        .await
        .unwrap();
        assert_eq!(status, 200);
        assert!(String::from_utf8_lossy(&page).contains("data-key=\"registry/contosoreg\""));
    });

    // Pushes to both at once: each acknowledged push is one snapshot, which both servers
    // list and show alike.
    let examples = [
        "hub-spoke-firewall",
        "workspace-private-endpoint",
        "secure-workspace-public-registry",
        "private-registry",
    ];
    let pushes: Vec<Child> = (0..8)
        .map(|i| push(examples[i % 4], if i % 2 == 0 { &sa } else { &sb }, "lb"))
        .collect();
    let mut ids: Vec<i64> = pushes.into_iter().map(pushed_id).collect();
    ids.push(first);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 9, "every push its own snapshot: {ids:?}");
    rt.block_on(async {
        let list = |s: String| async move {
            let v = get(&s, "/api/v1/projects/lb/snapshots").await;
            let mut ids: Vec<i64> = v["snapshots"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["id"].as_i64().unwrap())
                .collect();
            ids.sort();
            ids
        };
        assert_eq!(list(sa.clone()).await, ids);
        assert_eq!(list(sb.clone()).await, ids);
        for id in &ids {
            assert_eq!(snapshot(&sa, *id).await, snapshot(&sb, *id).await, "{id}");
        }
        // A diff asked of B between snapshots pushed to A and to B.
        let d = get(&sb, &format!("/api/v1/diff?base={first}&head={}", ids[8])).await;
        assert!(d["findings"].is_object(), "{d}");
    });
    drop((a, b));
    for p in [pa, pb] {
        let _ = std::fs::remove_file(Serve::log(p));
    }
    rt.block_on(async {
        moat_store::drop_schema_at(&url, &schema).await.unwrap();
        probe.finish().await;
    });
}
