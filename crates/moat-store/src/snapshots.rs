//! Projects and their snapshots.

use crate::{Store, StoreError};
use sqlx::Row;
use sqlx::any::AnyRow;

/// What a snapshot's history shows: its findings by severity and its operations and flows by
/// verdict.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub errors: i64,
    pub warnings: i64,
    pub infos: i64,
    pub suppressed: i64,
    pub ops_work: i64,
    pub ops_fail: i64,
    pub ops_unknown: i64,
    pub flows_allowed: i64,
    pub flows_denied: i64,
    pub flows_unknown: i64,
}

/// A snapshot to write: where it comes from, its input files, its counts and the documents of
/// its analysis (by kind, e.g. `findings`, each a JSON text).
#[derive(Clone, Debug, Default)]
pub struct NewSnapshot {
    pub project: String,
    pub created_at: i64,
    pub revision: Option<String>,
    pub pusher: String,
    pub input_format: String,
    pub moat_version: String,
    pub counts: Counts,
    pub files: Vec<(String, Vec<u8>)>,
    pub documents: Vec<(String, String)>,
}

/// A stored snapshot, without its files and documents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotMeta {
    pub id: i64,
    pub project: String,
    pub created_at: i64,
    pub revision: Option<String>,
    pub pusher: String,
    pub input_format: String,
    pub moat_version: String,
    pub counts: Counts,
}

/// A project, with how many snapshots it has and its latest one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Project {
    pub id: i64,
    pub name: String,
    pub created_at: i64,
    pub snapshots: i64,
    pub latest: Option<SnapshotMeta>,
}

const META: &str = "s.id, p.name AS project, s.created_at, s.revision, s.pusher, s.input_format, \
    s.moat_version, s.errors, s.warnings, s.infos, s.suppressed, s.ops_work, s.ops_fail, \
    s.ops_unknown, s.flows_allowed, s.flows_denied, s.flows_unknown";

fn meta(r: &AnyRow) -> Result<SnapshotMeta, sqlx::Error> {
    Ok(SnapshotMeta {
        id: r.try_get("id")?,
        project: r.try_get("project")?,
        created_at: r.try_get("created_at")?,
        revision: r.try_get("revision")?,
        pusher: r.try_get("pusher")?,
        input_format: r.try_get("input_format")?,
        moat_version: r.try_get("moat_version")?,
        counts: Counts {
            errors: r.try_get("errors")?,
            warnings: r.try_get("warnings")?,
            infos: r.try_get("infos")?,
            suppressed: r.try_get("suppressed")?,
            ops_work: r.try_get("ops_work")?,
            ops_fail: r.try_get("ops_fail")?,
            ops_unknown: r.try_get("ops_unknown")?,
            flows_allowed: r.try_get("flows_allowed")?,
            flows_denied: r.try_get("flows_denied")?,
            flows_unknown: r.try_get("flows_unknown")?,
        },
    })
}

impl Store {
    /// Writes a snapshot — its project if new, the snapshot, its files and documents — in one
    /// transaction, and gives its id. On any error nothing of it is written.
    pub async fn insert_snapshot(&self, s: &NewSnapshot) -> Result<i64, StoreError> {
        let mut tx = self.pool().begin().await?;
        sqlx::query(
            "INSERT INTO projects (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        )
        .bind(&s.project)
        .bind(s.created_at)
        .execute(&mut *tx)
        .await?;
        let project: i64 = sqlx::query("SELECT id FROM projects WHERE name = $1")
            .bind(&s.project)
            .fetch_one(&mut *tx)
            .await?
            .try_get("id")?;
        let c = &s.counts;
        let id: i64 = sqlx::query(
            "INSERT INTO snapshots (project_id, created_at, revision, pusher, input_format, \
             moat_version, errors, warnings, infos, suppressed, ops_work, ops_fail, ops_unknown, \
             flows_allowed, flows_denied, flows_unknown) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
             RETURNING id",
        )
        .bind(project)
        .bind(s.created_at)
        .bind(s.revision.clone())
        .bind(&s.pusher)
        .bind(&s.input_format)
        .bind(&s.moat_version)
        .bind(c.errors)
        .bind(c.warnings)
        .bind(c.infos)
        .bind(c.suppressed)
        .bind(c.ops_work)
        .bind(c.ops_fail)
        .bind(c.ops_unknown)
        .bind(c.flows_allowed)
        .bind(c.flows_denied)
        .bind(c.flows_unknown)
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        for (path, content) in &s.files {
            sqlx::query(
                "INSERT INTO snapshot_files (snapshot_id, path, content) VALUES ($1, $2, $3)",
            )
            .bind(id)
            .bind(path)
            .bind(content.clone())
            .execute(&mut *tx)
            .await?;
        }
        for (kind, body) in &s.documents {
            sqlx::query(
                "INSERT INTO snapshot_documents (snapshot_id, kind, body) VALUES ($1, $2, $3)",
            )
            .bind(id)
            .bind(kind)
            .bind(body)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// Every project by name, with its snapshot count and latest snapshot.
    pub async fn projects(&self) -> Result<Vec<Project>, StoreError> {
        let rows = sqlx::query(
            "SELECT p.id, p.name, p.created_at, \
             (SELECT COUNT(*) FROM snapshots s WHERE s.project_id = p.id) AS n, \
             (SELECT MAX(s.id) FROM snapshots s WHERE s.project_id = p.id) AS latest \
             FROM projects p ORDER BY p.name",
        )
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let latest: Option<i64> = r.try_get("latest")?;
            let latest = match latest {
                Some(id) => self.snapshot(id).await?,
                None => None,
            };
            out.push(Project {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                created_at: r.try_get("created_at")?,
                snapshots: r.try_get("n")?,
                latest,
            });
        }
        Ok(out)
    }

    /// A project's snapshots, oldest first.
    pub async fn snapshots(&self, project: &str) -> Result<Vec<SnapshotMeta>, StoreError> {
        let q = format!(
            "SELECT {META} FROM snapshots s JOIN projects p ON p.id = s.project_id \
             WHERE p.name = $1 ORDER BY s.created_at, s.id"
        );
        let rows = sqlx::query(&q).bind(project).fetch_all(self.pool()).await?;
        Ok(rows.iter().map(meta).collect::<Result<_, _>>()?)
    }

    /// One snapshot, if it exists.
    pub async fn snapshot(&self, id: i64) -> Result<Option<SnapshotMeta>, StoreError> {
        let q = format!(
            "SELECT {META} FROM snapshots s JOIN projects p ON p.id = s.project_id WHERE s.id = $1"
        );
        let row = sqlx::query(&q).bind(id).fetch_optional(self.pool()).await?;
        Ok(row.as_ref().map(meta).transpose()?)
    }

    /// A snapshot's input files, by path.
    pub async fn files(&self, id: i64) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let rows = sqlx::query(
            "SELECT path, content FROM snapshot_files WHERE snapshot_id = $1 ORDER BY path",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("path")?, r.try_get("content")?)))
            .collect()
    }

    /// One document of a snapshot's analysis, if it was stored.
    pub async fn document(&self, id: i64, kind: &str) -> Result<Option<String>, StoreError> {
        let row =
            sqlx::query("SELECT body FROM snapshot_documents WHERE snapshot_id = $1 AND kind = $2")
                .bind(id)
                .bind(kind)
                .fetch_optional(self.pool())
                .await?;
        Ok(row.map(|r| r.try_get("body")).transpose()?)
    }
}
