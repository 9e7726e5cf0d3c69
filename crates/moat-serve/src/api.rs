//! The JSON API (`/api/v1`), and the questions the pages ask too: a trace on a snapshot, the
//! diff of two snapshots, a snapshot's findings filtered.

use crate::analysis;
use crate::auth::Caller;
use crate::cache::{self, Model};
use crate::{AppError, Shared};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use moat_store::{NewSnapshot, Scope, SnapshotMeta};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

type ApiResult = Result<Json<Value>, AppError>;

pub(crate) fn meta_json(m: &SnapshotMeta) -> Value {
    let c = &m.counts;
    json!({
        "id": m.id,
        "project": m.project,
        "created_at": m.created_at,
        "revision": m.revision,
        "pusher": m.pusher,
        "input_format": m.input_format,
        "moat_version": m.moat_version,
        "findings": {"error": c.errors, "warning": c.warnings, "info": c.infos, "suppressed": c.suppressed},
        "operations": {"works": c.ops_work, "fails": c.ops_fail, "unknown": c.ops_unknown},
        "flows": {"allowed": c.flows_allowed, "denied": c.flows_denied, "unknown": c.flows_unknown},
    })
}

pub(crate) async fn projects(State(s): State<Shared>) -> ApiResult {
    let ps = s.store.projects().await?;
    let v: Vec<Value> = ps
        .iter()
        .map(|p| {
            json!({
                "name": p.name,
                "created_at": p.created_at,
                "snapshots": p.snapshots,
                "latest": p.latest.as_ref().map(meta_json),
            })
        })
        .collect();
    Ok(Json(json!({ "projects": v })))
}

pub(crate) async fn snapshots(State(s): State<Shared>, Path(project): Path<String>) -> ApiResult {
    let list = s.store.snapshots(&project).await?;
    if list.is_empty() {
        return Err(AppError::not_found(format!("no project `{project}`")));
    }
    Ok(Json(
        json!({ "project": project, "snapshots": list.iter().map(meta_json).collect::<Vec<_>>() }),
    ))
}

/// A snapshot's metadata, or 404.
pub(crate) async fn meta(s: &Shared, id: i64) -> Result<SnapshotMeta, AppError> {
    s.store
        .snapshot(id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no snapshot {id}")))
}

/// A stored document of a snapshot, parsed.
pub(crate) async fn document(s: &Shared, id: i64, kind: &str) -> Result<Value, AppError> {
    let text = s.store.document(id, kind).await?.unwrap_or_default();
    Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
}

pub(crate) async fn snapshot(State(s): State<Shared>, Path(id): Path<i64>) -> ApiResult {
    let m = meta(&s, id).await?;
    let mut v = meta_json(&m);
    let check = document(&s, id, "check").await?;
    v["summary"] = check["summary"].clone();
    v["warnings"] = check["diagnostics"].clone();
    v["operations_results"] = document(&s, id, "operations").await?;
    v["inventory"] = document(&s, id, "inventory").await?;
    v["reachability"] = document(&s, id, "reachability").await?;
    Ok(Json(v))
}

/// Which findings to show: by code (or prefix), severity, resource (a substring).
#[derive(Clone, Debug, Default, Deserialize)]
pub(crate) struct FindingFilter {
    pub(crate) code: Option<String>,
    pub(crate) severity: Option<String>,
    pub(crate) resource: Option<String>,
}

/// A filter's field when it says something.
fn has(o: &Option<String>) -> Option<&str> {
    o.as_deref().filter(|s| !s.is_empty())
}

impl FindingFilter {
    pub(crate) fn keeps(&self, f: &Value) -> bool {
        let field = |k: &str| f[k].as_str().unwrap_or("");
        has(&self.code).is_none_or(|c| field("code").starts_with(&c.to_ascii_uppercase()))
            && has(&self.severity).is_none_or(|s| field("severity") == s)
            && has(&self.resource).is_none_or(|r| field("resource").contains(r))
    }
}

/// A snapshot's findings that pass a filter.
pub(crate) async fn filtered(
    s: &Shared,
    id: i64,
    filter: &FindingFilter,
) -> Result<Vec<Value>, AppError> {
    let check = document(s, id, "check").await?;
    Ok(check["findings"]
        .as_array()
        .map(|a| a.iter().filter(|f| filter.keeps(f)).cloned().collect())
        .unwrap_or_default())
}

pub(crate) async fn findings(
    State(s): State<Shared>,
    Path(id): Path<i64>,
    Query(filter): Query<FindingFilter>,
) -> ApiResult {
    meta(&s, id).await?;
    let f = filtered(&s, id, &filter).await?;
    Ok(Json(json!({ "snapshot": id, "findings": f })))
}

pub(crate) async fn files(State(s): State<Shared>, Path(id): Path<i64>) -> ApiResult {
    meta(&s, id).await?;
    let files = s.store.files(id).await?;
    let v: Vec<Value> = files
        .iter()
        .map(|(p, c)| json!({"path": p, "bytes": c.len()}))
        .collect();
    Ok(Json(json!({ "snapshot": id, "files": v })))
}

pub(crate) async fn topology(State(s): State<Shared>, Path(id): Path<i64>) -> ApiResult {
    let m = cache::model(&s, id).await?;
    let picture = crate::pages::picture::Picture::of(&m);
    Ok(Json(serde_json::to_value(&picture).unwrap_or(Value::Null)))
}

/// A trace question, as the explorer's form and the API take it.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct TraceQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    pub port: Option<String>,
    pub protocol: Option<String>,
}

impl TraceQuery {
    /// The question asked of a deployment: its two addresses made canonical, port 443 and
    /// TCP unless said; a field that says nothing valid is refused with what it should say.
    pub fn question(&self, t: &moat_model::Topology) -> Result<moat_engine::Query, AppError> {
        let from = self.from.clone().unwrap_or_default();
        let to = self.to.clone().unwrap_or_default();
        let port = match self
            .port
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            None => 443,
            Some(p) => p
                .parse::<u16>()
                .map_err(|_| AppError::bad_request(format!("port `{p}`: expected 0 to 65535")))?,
        };
        let protocol = match self.protocol.as_deref().unwrap_or("tcp") {
            "tcp" | "" => moat_packets::Protocol::TCP,
            "udp" => moat_packets::Protocol::UDP,
            "icmp" => moat_packets::Protocol::ICMP,
            p => {
                return Err(AppError::bad_request(format!(
                    "protocol `{p}`: expected tcp, udp or icmp"
                )));
            }
        };
        let parse = |what: &str, a: &str| -> Result<moat_model::Address, AppError> {
            let addr = a.trim().parse::<moat_model::Address>().map_err(|e| {
                let hint = e.hint.map(|h| format!(" (hint: {h})")).unwrap_or_default();
                AppError::bad_request(format!("{what} `{a}`: {}{hint}", e.message))
            })?;
            moat_model::scope::canonical(t, &addr).map_err(|e| {
                let hint = e.hint.map(|h| format!(" (hint: {h})")).unwrap_or_default();
                AppError::bad_request(format!("{what} `{a}`: {}{hint}", e.message))
            })
        };
        Ok(moat_engine::Query {
            from: parse("from", &from)?,
            to: parse("to", &to)?,
            protocol,
            port,
        })
    }
}

/// A question traced on a deployment's engine, as JSON; an address the deployment does not
/// hold is refused with the nearest one it does.
pub fn traced(
    engine: &moat_engine::Engine<'_>,
    t: &moat_model::Topology,
    query: &moat_engine::Query,
) -> Result<String, AppError> {
    let variants = moat_model::presence::variants(t);
    let trace = moat_engine::presence::trace(engine, &variants, query).map_err(|e| {
        let known = moat_rules::check::addresses(t);
        let mut msg = e;
        for a in [query.from.to_string(), query.to.to_string()] {
            let base = a.split(':').next().unwrap_or(&a).to_string();
            if !known.contains(&base)
                && let Some(s) =
                    moat_model::suggest::did_you_mean(&base, known.iter().map(String::as_str))
            {
                msg += &format!(" (did you mean `{s}` instead of `{base}`?)");
            }
        }
        AppError::bad_request(msg)
    })?;
    Ok(serde_json::to_string(&trace).unwrap_or_default())
}

/// Runs a trace on a snapshot: its JSON (file names relative to the deployment).
pub(crate) async fn run_trace(
    s: &Shared,
    m: Arc<Model>,
    q: &TraceQuery,
) -> Result<Value, AppError> {
    let query = q.question(&m.loaded.topology)?;
    let text = s
        .pool
        .run(move || -> Result<String, AppError> {
            let engine = engine(&m)?;
            Ok(m.relative(&traced(&engine, &m.loaded.topology, &query)?))
        })
        .await??;
    serde_json::from_str(&text).map_err(|e| AppError::internal(e.to_string()))
}

pub(crate) async fn trace(
    State(s): State<Shared>,
    Path(id): Path<i64>,
    Query(q): Query<TraceQuery>,
) -> ApiResult {
    let m = cache::model(&s, id).await?;
    Ok(Json(run_trace(&s, m, &q).await?))
}

/// Two snapshots to compare.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct DiffQuery {
    pub(crate) base: i64,
    pub(crate) head: i64,
}

/// The engine of a stored deployment, with the service tags its configuration names.
fn engine(m: &Model) -> Result<moat_engine::Engine<'_>, AppError> {
    crate::analysis::engine(&m.loaded.topology, &m.config).map_err(AppError::internal)
}

/// What changed from one snapshot to another, as `moat diff --format json` says it.
pub(crate) async fn run_diff(s: &Shared, base: i64, head: i64) -> Result<Value, AppError> {
    let b = cache::model(s, base).await?;
    let h = cache::model(s, head).await?;
    let text = s
        .pool
        .run(move || -> Result<String, AppError> {
            // As `moat diff`: HEAD's rules and invariants judge both sides; each side
            // keeps its own suppressions.
            let (sel, inv) = (h.config.selection(), &h.config.invariants);
            let (eb, eh) = (engine(&b)?, engine(&h)?);
            let vb = moat_model::presence::variants(&b.loaded.topology);
            let vh = moat_model::presence::variants(&h.loaded.topology);
            let mut sb = moat_diff::analyse_with(&eb, &vb, &sel, inv.clone());
            let mut sh = moat_diff::analyse_with(&eh, &vh, &sel, inv.clone());
            moat_config::suppress(&b.config.suppress, &mut sb.findings);
            moat_config::suppress(&h.config.suppress, &mut sh.findings);
            let (rb, rh) = moat_diff::requests(&sb, &sh);
            moat_diff::fill(&eb, &vb, &mut sb.reach, &rb);
            moat_diff::fill(&eh, &vh, &mut sh.reach, &rh);
            let d = moat_diff::compare(&sb, &sh);
            Ok(h.relative(&b.relative(&moat_report::diff::render_json(&d, &[]))))
        })
        .await??;
    serde_json::from_str(&text).map_err(|e| AppError::internal(e.to_string()))
}

pub(crate) async fn diff(State(s): State<Shared>, Query(q): Query<DiffQuery>) -> ApiResult {
    Ok(Json(run_diff(&s, q.base, q.head).await?))
}

pub(crate) async fn not_found() -> AppError {
    AppError::not_found("no such API path; see /api/v1/projects")
}

/// A header's text, bounded.
fn header(h: &HeaderMap, name: &str) -> Option<String> {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().chars().take(200).collect::<String>())
        .filter(|v| !v.is_empty())
}

/// `POST /api/v1/projects/{project}/snapshots`: a tar archive of the deployment's files;
/// `X-Moat-Revision` and `X-Moat-Pusher` say where it comes from (a token's name replaces
/// the pusher). The snapshot is stored once analysed, in one transaction.
pub(crate) async fn push(
    State(s): State<Shared>,
    Path(project): Path<String>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    if !caller.may(Scope::Push, s.auth) {
        return Err(AppError::forbidden(
            "this token may read, not push: push with a token of the push scope",
        ));
    }
    if !crate::valid_project(&project) {
        return Err(AppError::bad_request(format!(
            "project name `{project}`: use 1 to 64 letters, digits, `.`, `_` or `-`, not starting with `.`"
        )));
    }
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::too_large(format!(
                "the upload is larger than the server's limit of {} bytes",
                s.limits.archive_bytes
            ))
        } else {
            AppError::bad_request(format!("reading the upload: {e}"))
        }
    })?;
    let limits = s.limits;
    let outcome = s
        .pool
        .run(move || {
            let files = crate::archive::unpack(&body, limits)
                .map_err(|e| AppError::bad_request(format!("the upload: {e}")))?;
            let a = analysis::analyse(&files)
                .map_err(|r| AppError::unprocessable("the deployment cannot be read", r.lines()))?;
            Ok::<_, AppError>((files, a))
        })
        .await?;
    let (files, a) = outcome?;
    let pusher = caller
        .0
        .as_ref()
        .map(|t| t.name.clone())
        .or_else(|| header(&headers, "x-moat-pusher"))
        .unwrap_or_else(|| "anonymous".into());
    let snap = NewSnapshot {
        project: project.clone(),
        created_at: moat_store::now_ms(),
        revision: header(&headers, "x-moat-revision"),
        pusher,
        input_format: a.format,
        moat_version: env!("CARGO_PKG_VERSION").to_string(),
        counts: a.counts,
        files,
        documents: a.documents,
    };
    created(&s, &snap).await
}

/// Stores a snapshot (in one transaction) and answers 201 with it and its page's path.
async fn created(s: &Shared, snap: &NewSnapshot) -> Result<(StatusCode, Json<Value>), AppError> {
    let id = s.store.insert_snapshot(snap).await?;
    let m = meta(s, id).await?;
    let mut v = meta_json(&m);
    v["url"] = json!(format!("/snapshots/{id}"));
    Ok((StatusCode::CREATED, Json(v)))
}

/// `POST /api/v1/snapshots/{id}/reanalyse`: the snapshot's stored inputs analysed by this
/// moat (its rules may have changed since the push), stored as a new snapshot of the same
/// project and revision; the original stays as it was.
pub(crate) async fn reanalyse(
    State(s): State<Shared>,
    Path(id): Path<i64>,
    Extension(caller): Extension<Caller>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    if !caller.may(Scope::Push, s.auth) {
        return Err(AppError::forbidden(
            "this token may read, not re-analyse: use a token of the push scope",
        ));
    }
    let m = meta(&s, id).await?;
    let files = s.store.files(id).await?;
    let (files, a) = s
        .pool
        .run(move || {
            let a = analysis::analyse(&files).map_err(|r| {
                AppError::unprocessable(
                    format!("snapshot {id} cannot be read by this version of moat"),
                    r.lines(),
                )
            })?;
            Ok::<_, AppError>((files, a))
        })
        .await??;
    let snap = NewSnapshot {
        project: m.project,
        created_at: moat_store::now_ms(),
        revision: m.revision,
        pusher: caller
            .0
            .as_ref()
            .map(|t| t.name.clone())
            .unwrap_or(m.pusher),
        input_format: a.format,
        moat_version: env!("CARGO_PKG_VERSION").to_string(),
        counts: a.counts,
        files,
        documents: a.documents,
    };
    let (status, Json(mut v)) = created(&s, &snap).await?;
    v["reanalysis_of"] = json!(id);
    Ok((status, Json(v)))
}
