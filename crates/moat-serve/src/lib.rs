//! # moat-serve
//!
//! `moat serve`: an HTTP server that keeps the history of deployments pushed to it
//! (`moat push`), analyses each as `moat check` and `moat ops` do, and shows the result as
//! server-rendered pages — projects, a snapshot's posture, operations and findings, its
//! topology as a picture, a trace explorer, the history with the diff between two snapshots —
//! and as a JSON API beside them.
//!
//! The server keeps nothing of its own between requests: everything is in the database
//! ([`moat_store`]), so several servers over one PostgreSQL database serve the same estate.
//! Analysis runs in a bounded pool of worker threads; a snapshot is written in one
//! transaction once its analysis is done.
//!
//! Security: the server listens on loopback by default; bound to any other address it
//! requires tokens (read or push scope) on every request. Uploads are bounded, archives cannot
//! write outside their folder, and bad input is answered with a 4xx and the located message.

pub mod analysis;
pub mod api;
pub mod archive;
mod auth;
mod cache;
mod error;
mod pages;
pub mod push;

pub use error::AppError;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use moat_store::Store;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::Semaphore;

/// How the server runs.
#[derive(Clone, Debug)]
pub struct Config {
    pub listen: SocketAddr,
    pub database: String,
    /// Analyses that run at once (default: the machine's cores).
    pub workers: usize,
    /// Analyses that may wait for a worker; more are refused with 503.
    pub queue: usize,
    pub limits: archive::Limits,
    /// Require tokens even on loopback (always required on other addresses).
    pub require_tokens: bool,
    /// PostgreSQL: the schema of the tables.
    pub schema: Option<String>,
}

impl Config {
    /// The defaults for a database URL: loopback port 8080, a worker per core.
    pub fn new(database: &str) -> Config {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database: database.to_string(),
            workers: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2),
            queue: 64,
            limits: archive::Limits::default(),
            require_tokens: false,
            schema: None,
        }
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Store(#[from] moat_store::StoreError),
    #[error("cannot listen on {0}: {1}")]
    Listen(SocketAddr, std::io::Error),
    #[error(
        "{0} is not a loopback address, so every request needs a token, and the database has none; \
         create one with `moat token create NAME --scope push --database URL`"
    )]
    NoTokens(SocketAddr),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// The bounded pool analyses run in: `workers` at once, `queue` more waiting.
pub(crate) struct Pool {
    permits: Semaphore,
    waiting: AtomicUsize,
    queue: usize,
}

impl Pool {
    /// A pool of `workers` threads (at least one) and `queue` places to wait.
    pub(crate) fn new(workers: usize, queue: usize) -> Pool {
        Pool {
            permits: Semaphore::new(workers.max(1)),
            waiting: AtomicUsize::new(0),
            queue,
        }
    }

    /// Runs `f` on a worker thread once one is free, or refuses when too many wait.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.queue {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(AppError::busy());
        }
        let permit = self.permits.acquire().await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        let _permit = permit.map_err(|_| AppError::busy())?;
        tokio::task::spawn_blocking(f)
            .await
            .map_err(|e| AppError::internal(format!("analysis stopped: {e}")))
    }
}

/// What every request sees.
pub(crate) struct AppState {
    pub(crate) store: Store,
    pub(crate) pool: Pool,
    pub(crate) limits: archive::Limits,
    pub(crate) auth: bool,
    pub(crate) cache: cache::Cache,
}

pub(crate) type Shared = Arc<AppState>;

/// The application: pages, the JSON API, the login form.
pub fn router(store: Store, cfg: &Config, auth: bool) -> Router {
    let state: Shared = Arc::new(AppState {
        store,
        pool: Pool::new(cfg.workers, cfg.queue),
        limits: cfg.limits,
        auth,
        cache: cache::Cache::new(8),
    });
    let api = Router::new()
        .route("/projects", get(api::projects))
        .route(
            "/projects/{project}/snapshots",
            get(api::snapshots)
                .post(api::push)
                .layer(DefaultBodyLimit::max(cfg.limits.archive_bytes)),
        )
        .route("/snapshots/{id}", get(api::snapshot))
        .route("/snapshots/{id}/findings", get(api::findings))
        .route("/snapshots/{id}/files", get(api::files))
        .route("/snapshots/{id}/topology", get(api::topology))
        .route("/snapshots/{id}/trace", get(api::trace))
        .route("/snapshots/{id}/reanalyse", post(api::reanalyse))
        .route("/diff", get(api::diff))
        .fallback(api::not_found);
    Router::new()
        .route("/", get(pages::projects::page))
        .route("/projects/{project}", get(pages::history::page))
        .route("/snapshots/{id}", get(pages::overview::page))
        .route("/snapshots/{id}/topology", get(pages::topology::page))
        .route("/snapshots/{id}/trace", get(pages::trace::page))
        .route("/diff", get(pages::history::diff))
        .route("/rules/{code}", get(pages::rule::page))
        .nest("/api/v1", api)
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::check,
        ))
        .route("/login", get(auth::login_form).post(auth::login))
        .with_state(state)
}

/// Connects to the database of a configuration.
pub async fn connect(cfg: &Config) -> Result<Store, ServeError> {
    Ok(Store::connect(
        &cfg.database,
        moat_store::Options {
            schema: cfg.schema.clone(),
            max_connections: Some((cfg.workers as u32 + 4).max(8)),
        },
    )
    .await?)
}

/// Checks that the address may be served as configured (tokens exist where they are
/// required), binds it, and gives the listener with the application.
pub async fn bind(
    cfg: &Config,
    store: Store,
) -> Result<(tokio::net::TcpListener, Router), ServeError> {
    let auth = cfg.require_tokens || !cfg.listen.ip().is_loopback();
    if auth && !store.has_tokens().await? {
        return Err(ServeError::NoTokens(cfg.listen));
    }
    let listener = tokio::net::TcpListener::bind(cfg.listen)
        .await
        .map_err(|e| ServeError::Listen(cfg.listen, e))?;
    Ok((listener, router(store, cfg, auth)))
}

/// Serves on a task of its own (for tests and embedding): the address it listens on, and the
/// task.
pub async fn spawn(
    cfg: &Config,
    store: Store,
) -> Result<(SocketAddr, tokio::task::JoinHandle<()>), ServeError> {
    let (listener, app) = bind(cfg, store).await?;
    let addr = listener.local_addr()?;
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((addr, task))
}

/// Connects to the database, checks that the address may be served as configured, and
/// serves until interrupted (Ctrl-C or SIGTERM); `ready` is told the address first.
pub async fn serve(cfg: Config, ready: impl FnOnce(SocketAddr)) -> Result<(), ServeError> {
    let store = connect(&cfg).await?;
    let (listener, app) = bind(&cfg, store.clone()).await?;
    ready(listener.local_addr()?);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown())
        .await?;
    store.close().await;
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// A runtime for the command line's blocking calls.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
}

/// Whether a project name is one the server accepts: 1 to 64 letters, digits, `.`, `_`, `-`,
/// not starting with `.`.
pub fn valid_project(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Condvar, Mutex};
    use std::time::Duration;

    /// Waits (up to ten seconds) until `cond` holds.
    async fn until(what: &str, cond: impl Fn() -> bool) {
        for _ in 0..1000 {
            if cond() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("{what} in ten seconds");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_pool_runs_at_most_its_workers_and_refuses_past_its_queue() {
        // Two workers, three places to wait: jobs held at a gate fill both, three more wait,
        // and the sixth is refused at once with 503 rather than queued without end.
        let pool = Arc::new(Pool::new(2, 3));
        let gate = Arc::new((Mutex::new(false), Condvar::new()));
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let mut jobs = Vec::new();
        for _ in 0..5 {
            let (pool, gate, running, peak) =
                (pool.clone(), gate.clone(), running.clone(), peak.clone());
            jobs.push(tokio::spawn(async move {
                pool.run(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    let (open, cv) = &*gate;
                    let mut o = open.lock().unwrap();
                    while !*o {
                        o = cv.wait(o).unwrap();
                    }
                    running.fetch_sub(1, Ordering::SeqCst);
                })
                .await
            }));
        }
        until("two jobs run", || running.load(Ordering::SeqCst) == 2).await;
        until("three jobs wait", || {
            pool.waiting.load(Ordering::SeqCst) == 3
        })
        .await;
        let refused = pool.run(|| ()).await.unwrap_err();
        assert_eq!(refused.status, axum::http::StatusCode::SERVICE_UNAVAILABLE);
        {
            let (open, cv) = &*gate;
            *open.lock().unwrap() = true;
            cv.notify_all();
        }
        for j in jobs {
            assert!(
                j.await.unwrap().is_ok(),
                "a waiting job runs once a worker is free"
            );
        }
        assert_eq!(
            peak.load(Ordering::SeqCst),
            2,
            "never more than the workers at once"
        );
        assert_eq!(pool.waiting.load(Ordering::SeqCst), 0);
        // Freed, the pool takes work again.
        assert!(pool.run(|| ()).await.is_ok());
    }
}
