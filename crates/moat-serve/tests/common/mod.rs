//! A server on loopback over a test database, and HTTP helpers.

#![allow(dead_code)]

use moat_serve::push::{Push, PushError, request};
use moat_store::testing::{self, TestDb};
use serde_json::Value;
use std::path::{Path, PathBuf};

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn example(name: &str) -> PathBuf {
    root().join("examples").join(name)
}

pub struct Server {
    pub base: String,
    pub db: TestDb,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    pub async fn start(db: TestDb, require_tokens: bool) -> Server {
        if require_tokens {
            // A server that requires tokens starts only once one exists.
            db.store
                .create_token("operator", moat_store::Scope::Read)
                .await
                .unwrap();
        }
        let mut cfg = moat_serve::Config::new(&db.url);
        cfg.listen = "127.0.0.1:0".parse().unwrap();
        cfg.workers = 2;
        cfg.require_tokens = require_tokens;
        cfg.schema = db.schema.clone();
        let (addr, task) = moat_serve::spawn(&cfg, db.store.clone())
            .await
            .expect("the server starts");
        Server {
            base: format!("http://{addr}"),
            db,
            task,
        }
    }

    pub async fn stop(self) {
        self.task.abort();
        let _ = self.task.await;
        self.db.finish().await;
    }

    pub async fn get(&self, path: &str) -> (u16, String) {
        self.get_with(path, &[]).await
    }

    pub async fn get_with(&self, path: &str, headers: &[(&str, String)]) -> (u16, String) {
        let (status, body) = request("GET", &format!("{}{path}", self.base), headers, Vec::new())
            .await
            .expect("the server answers");
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    pub async fn json(&self, path: &str) -> Value {
        let (status, body) = self.get(path).await;
        assert_eq!(status, 200, "{path}: {body}");
        serde_json::from_str(&body).unwrap()
    }

    pub async fn push(
        &self,
        project: &str,
        input: &Path,
        token: Option<&str>,
    ) -> Result<Value, PushError> {
        moat_serve::push::push(&Push {
            input: input.to_path_buf(),
            server: self.base.clone(),
            project: project.into(),
            token: token.map(str::to_string),
            revision: Some("abc123".into()),
            pusher: Some("tester".into()),
            limit: 32 << 20,
        })
        .await
    }

    /// Sends raw bytes as a push.
    pub async fn push_bytes(&self, project: &str, body: Vec<u8>) -> (u16, Value) {
        let (status, body) = request(
            "POST",
            &format!("{}/api/v1/projects/{project}/snapshots", self.base),
            &[],
            body,
        )
        .await
        .expect("the server answers");
        (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }
}

/// Runs a test on a server over SQLite, then over PostgreSQL (skipped with a message when no
/// server answers, unless required).
pub async fn on_both<F, Fut>(label: &str, require_tokens: bool, body: F)
where
    F: Fn(std::sync::Arc<Server>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let mut dbs = vec![testing::sqlite(label).await];
    dbs.extend(testing::postgres(label).await);
    for db in dbs {
        let kind = format!("{:?}", db.store.backend());
        let (url, schema) = (db.url.clone(), db.schema.clone());
        let server = std::sync::Arc::new(Server::start(db, require_tokens).await);
        let outcome = tokio::spawn(body(server.clone())).await;
        match std::sync::Arc::try_unwrap(server) {
            Ok(server) => server.stop().await,
            // Still shared (a task of the body holds it): remove the schema all the same.
            Err(_) => {
                if let Some(schema) = schema {
                    let _ = moat_store::drop_schema_at(&url, &schema).await;
                }
            }
        }
        if let Err(e) = outcome {
            panic!("{label} on {kind}: {e}");
        }
    }
}

/// A copy of an example's native topology with one text replaced, in a fresh folder.
pub fn modified(example_name: &str, from: &str, to: &str) -> PathBuf {
    let src = std::fs::read_to_string(example(example_name).join("topology.yaml")).unwrap();
    assert!(src.contains(from), "{from} is in the example");
    let dir = std::env::temp_dir().join(format!(
        "moat-serve-test-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("topology.yaml"), src.replacen(from, to, 1)).unwrap();
    dir
}
