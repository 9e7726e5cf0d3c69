//! The schema's migrations: numbered, each applied once, in order, in a transaction of its
//! own, recorded in `moat_migrations`. Servers that start together over one PostgreSQL
//! database take turns (an advisory lock), so each migration runs once.

use crate::{Backend, Store, StoreError};
use sqlx::{Executor, Row};

struct Migration {
    version: i64,
    name: &'static str,
    sql: &'static str,
}

const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "projects, snapshots with their files and documents, tokens",
    sql: include_str!("../migrations/0001_snapshots.sql"),
}];

/// An arbitrary constant that names moat's migration lock among PostgreSQL advisory locks.
const LOCK_KEY: i64 = 0x6d6f_6174_0001;

/// A migration's statements in the database's spelling of the two types that differ.
fn statements(sql: &str, backend: Backend) -> Vec<String> {
    let (id, blob) = match backend {
        Backend::Sqlite => ("INTEGER PRIMARY KEY AUTOINCREMENT", "BLOB"),
        Backend::Postgres => ("BIGSERIAL PRIMARY KEY", "BYTEA"),
    };
    let text: String = sql
        .lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n");
    text.replace("{id}", id)
        .replace("{blob}", blob)
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Applies the migrations the database lacks.
pub(crate) async fn run(store: &Store) -> Result<(), StoreError> {
    let mut conn = store.pool().acquire().await?;
    if store.backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(LOCK_KEY)
            .execute(&mut *conn)
            .await?;
    }
    let result = apply(store, &mut conn).await;
    if store.backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(LOCK_KEY)
            .execute(&mut *conn)
            .await?;
    }
    result
}

async fn apply(store: &Store, conn: &mut sqlx::AnyConnection) -> Result<(), StoreError> {
    conn.execute(
        "CREATE TABLE IF NOT EXISTS moat_migrations (
            version BIGINT PRIMARY KEY,
            name TEXT NOT NULL,
            applied_at BIGINT NOT NULL
        )",
    )
    .await?;
    for m in MIGRATIONS {
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        let done: i64 = sqlx::query("SELECT COUNT(*) AS n FROM moat_migrations WHERE version = $1")
            .bind(m.version)
            .fetch_one(&mut *tx)
            .await?
            .try_get("n")?;
        if done > 0 {
            continue;
        }
        for s in statements(m.sql, store.backend) {
            tx.execute(s.as_str()).await?;
        }
        sqlx::query("INSERT INTO moat_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
            .bind(m.version)
            .bind(m.name)
            .bind(crate::now_ms())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
    Ok(())
}

/// The last migration applied.
pub(crate) async fn version(store: &Store) -> Result<i64, StoreError> {
    let v: Option<i64> = sqlx::query("SELECT MAX(version) AS v FROM moat_migrations")
        .fetch_one(store.pool())
        .await?
        .try_get("v")?;
    Ok(v.unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_spelt_for_each_database() {
        let s = statements(MIGRATIONS[0].sql, Backend::Sqlite).join("\n");
        assert!(s.contains("id INTEGER PRIMARY KEY AUTOINCREMENT"));
        assert!(s.contains("content BLOB NOT NULL"));
        let p = statements(MIGRATIONS[0].sql, Backend::Postgres).join("\n");
        assert!(p.contains("id BIGSERIAL PRIMARY KEY"));
        assert!(p.contains("content BYTEA NOT NULL"));
        assert!(!p.contains('{') && !s.contains('{'));
    }

    #[test]
    fn migrations_are_numbered_in_order() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version, i as i64 + 1, "{}", m.name);
        }
    }
}
