//! # moat-store
//!
//! The database of `moat serve`: projects, the snapshots pushed to them — each with the input
//! files it was read from (so a later moat can analyse them again), the documents of its
//! analysis (findings, operations, reachability, inventory) and the counts its history shows —
//! and the access tokens of the server.
//!
//! One schema, with numbered migrations applied at [`Store::connect`], serves SQLite (a file:
//! `sqlite://moat.db`) and PostgreSQL (`postgres://…`); the driver is chosen by the URL at run
//! time. Every statement is written once, in the SQL both understand (`$1` parameters,
//! `RETURNING`, `ON CONFLICT`), so the same tests hold against both.
//!
//! A snapshot is written in one transaction ([`Store::insert_snapshot`]): a reader sees all of
//! it or nothing, and a server stopped halfway leaves no trace of it.

mod migrate;
mod snapshots;
mod tokens;

pub use snapshots::{Counts, NewSnapshot, Project, SnapshotMeta};
pub use tokens::{Scope, TokenInfo};

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor, Row};
use std::time::Duration;

/// What can go wrong with the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database URL `{0}`: expected sqlite://FILE or postgres://USER@HOST:PORT/DATABASE")]
    Url(String),
    #[error("schema name `{0}`: use letters, digits and underscores, starting with a letter")]
    SchemaName(String),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("a token named `{0}` exists already")]
    TokenExists(String),
    #[error("no token named `{0}`")]
    NoToken(String),
    #[error("random numbers are not available: {0}")]
    Random(String),
}

/// Which database a store is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The database a URL names, if it is one the store speaks.
    pub fn of(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }
}

/// How to connect.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// PostgreSQL only: keep the tables in this schema (created if missing) instead of the
    /// user's default one, so several installations (or test runs) share one database.
    pub schema: Option<String>,
    /// The most connections the pool opens (default 8).
    pub max_connections: Option<u32>,
}

/// A connection pool to the database, its schema migrated.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    schema: Option<String>,
}

/// Whether a name is safe to write into a statement as an identifier.
fn plain_identifier(s: &str) -> bool {
    s.len() <= 63
        && s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A SQLite URL that creates its file when missing (`mode=rwc`), unless it says otherwise.
fn sqlite_url(url: &str) -> String {
    if url.contains("mode=") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

impl Store {
    /// Connects to the database of `url` and brings its schema up to date.
    pub async fn connect(url: &str, opts: Options) -> Result<Store, StoreError> {
        install_default_drivers();
        let backend = Backend::of(url).ok_or_else(|| StoreError::Url(url.to_string()))?;
        if let Some(s) = &opts.schema
            && !plain_identifier(s)
        {
            return Err(StoreError::SchemaName(s.clone()));
        }
        let schema = match backend {
            Backend::Postgres => opts.schema.clone(),
            Backend::Sqlite => None,
        };
        let url = match backend {
            Backend::Sqlite => sqlite_url(url),
            Backend::Postgres => url.to_string(),
        };
        if let Some(s) = &schema {
            // The schema must exist before a connection can make it its search path.
            let pool = AnyPoolOptions::new()
                .max_connections(1)
                .acquire_timeout(Duration::from_secs(10))
                .connect(&url)
                .await?;
            // Servers that start together race to create it: PostgreSQL may refuse all but
            // one (a duplicate in its catalogue), and the others then find it made.
            let created = pool
                .execute(format!("CREATE SCHEMA IF NOT EXISTS \"{s}\"").as_str())
                .await;
            if let Err(e) = created {
                let n: i64 =
                    sqlx::query("SELECT COUNT(*) AS n FROM pg_namespace WHERE nspname = $1")
                        .bind(s.as_str())
                        .fetch_one(&pool)
                        .await?
                        .try_get("n")?;
                if n == 0 {
                    return Err(e.into());
                }
            }
            pool.close().await;
        }
        let search_path = schema.clone();
        let pool = AnyPoolOptions::new()
            .max_connections(opts.max_connections.unwrap_or(8))
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(move |conn, _| {
                let search_path = search_path.clone();
                Box::pin(async move {
                    match backend {
                        Backend::Sqlite => {
                            // Readers go on while a snapshot is written; a writer waits for
                            // another rather than failing.
                            conn.execute("PRAGMA journal_mode = WAL").await?;
                            conn.execute("PRAGMA busy_timeout = 30000").await?;
                        }
                        Backend::Postgres => {
                            if let Some(s) = search_path {
                                conn.execute(format!("SET search_path TO \"{s}\"").as_str())
                                    .await?;
                            }
                        }
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        let store = Store {
            pool,
            backend,
            schema,
        };
        migrate::run(&store).await?;
        Ok(store)
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The version of the schema: the number of the last migration applied.
    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        migrate::version(self).await
    }

    /// Closes every connection.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// PostgreSQL: the schema the tables are in, when not the user's default one.
    pub fn schema(&self) -> Option<&str> {
        self.schema.as_deref()
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }
}

/// Drops a PostgreSQL schema with everything in it (for tests, and for removing an
/// installation kept in a schema of its own).
pub async fn drop_schema_at(url: &str, schema: &str) -> Result<(), StoreError> {
    install_default_drivers();
    if !plain_identifier(schema) {
        return Err(StoreError::SchemaName(schema.to_string()));
    }
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        .connect(url)
        .await?;
    let r = pool
        .execute(format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE").as_str())
        .await;
    pool.close().await;
    r?;
    Ok(())
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

pub mod testing;
