//! Databases for tests: a SQLite file of its own, or a PostgreSQL schema of its own, each
//! removed by [`TestDb::finish`].
//!
//! PostgreSQL is found at the URL in `MOAT_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`). When no server answers there, the tests that
//! need it say so and pass, unless `MOAT_REQUIRE_POSTGRES` is set (as CI sets it): then they
//! fail.

use crate::{Options, Store};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The environment variable holding the test server's URL.
pub const URL_VAR: &str = "MOAT_TEST_POSTGRES_URL";
/// The environment variable that makes the PostgreSQL tests fail when no server answers.
pub const REQUIRE_VAR: &str = "MOAT_REQUIRE_POSTGRES";
/// Where the tests look for PostgreSQL when `MOAT_TEST_POSTGRES_URL` is not set.
pub const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A database made for one test, and how to remove it.
pub struct TestDb {
    pub store: Store,
    /// The URL a server under test connects with (SQLite: the file; PostgreSQL: the server,
    /// with [`TestDb::schema`] as its schema).
    pub url: String,
    pub schema: Option<String>,
    file: Option<PathBuf>,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique(label: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let label: String = label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .take(24)
        .collect();
    format!(
        "{label}_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// The PostgreSQL URL of the tests.
pub fn postgres_url() -> String {
    std::env::var(URL_VAR).unwrap_or_else(|_| DEFAULT_URL.to_string())
}

/// A fresh SQLite database in a file of the temporary directory.
pub async fn sqlite(label: &str) -> TestDb {
    let file = std::env::temp_dir().join(format!("moat-test-{}.db", unique(label)));
    let url = format!("sqlite://{}", file.display());
    let store = Store::connect(&url, Options::default())
        .await
        .unwrap_or_else(|e| panic!("SQLite at {url}: {e}"));
    TestDb {
        store,
        url,
        schema: None,
        file: Some(file),
    }
}

/// Says something on the terminal even when the test harness captures the output of tests
/// that pass (a skipped test must be seen).
fn tell(s: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{s}");
}

/// The `host:port` of a PostgreSQL URL.
fn host_port(url: &str) -> String {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let rest = rest.rsplit_once('@').map(|(_, r)| r).unwrap_or(rest);
    let host = rest.split(['/', '?']).next().unwrap_or("");
    if host.contains(':') {
        host.to_string()
    } else {
        format!("{host}:5432")
    }
}

/// Fails when PostgreSQL is required, else says the test was skipped.
fn unavailable(label: &str, url: &str, why: &str) -> Option<TestDb> {
    if std::env::var_os(REQUIRE_VAR).is_some() {
        panic!("PostgreSQL at {url} is required ({REQUIRE_VAR} is set): {why}");
    }
    tell(&format!(
        "skipped: the PostgreSQL half of `{label}` needs a server at {url} ({why}); \
         set {URL_VAR} to one"
    ));
    None
}

/// A fresh schema in the test PostgreSQL server, or `None` (having said why) when no server
/// answers and the tests are not required.
pub async fn postgres(label: &str) -> Option<TestDb> {
    let url = postgres_url();
    let addr = host_port(&url);
    let probe = tokio::time::timeout(
        Duration::from_secs(3),
        tokio::net::TcpStream::connect(addr.clone()),
    );
    match probe.await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => return unavailable(label, &url, &format!("{addr}: {e}")),
        Err(_) => return unavailable(label, &url, &format!("{addr}: no answer in 3 s")),
    }
    let schema = format!("moat_test_{}", unique(label));
    let opts = Options {
        schema: Some(schema.clone()),
        max_connections: Some(4),
    };
    match tokio::time::timeout(Duration::from_secs(30), Store::connect(&url, opts)).await {
        Ok(Ok(store)) => Some(TestDb {
            store,
            url,
            schema: Some(schema),
            file: None,
        }),
        Ok(Err(e)) => unavailable(label, &url, &e.to_string()),
        Err(_) => unavailable(label, &url, "no connection in 30 s"),
    }
}

impl TestDb {
    /// Removes the database: the schema with its tables (over a connection of its own, so
    /// that a test that closed its store is cleaned up as well), or the file.
    pub async fn finish(self) {
        self.store.close().await;
        if let Some(schema) = &self.schema {
            crate::drop_schema_at(&self.url, schema)
                .await
                .unwrap_or_else(|e| panic!("dropping the test schema {schema}: {e}"));
        }
        if let Some(f) = self.file {
            for suffix in ["", "-wal", "-shm"] {
                let mut p = f.clone().into_os_string();
                p.push(suffix);
                let _ = std::fs::remove_file(p);
            }
        }
    }
}
