//! `moat serve`, `moat push` and `moat token`: the server that keeps the history of pushed
//! deployments, the command that pushes one, and the server's access tokens.

use crate::{BAD_INPUT, Ctx, FINDINGS, OK};
use clap::{Args, Subcommand, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;

/// The database when none is named: a SQLite file in the working directory.
const DEFAULT_DATABASE: &str = "sqlite://moat.db";

#[derive(Args)]
pub struct ServeArgs {
    /// The address to listen on. Any address but loopback requires tokens on every request.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// sqlite://FILE or postgres://USER@HOST:PORT/DATABASE.
    #[arg(long, env = "MOAT_DATABASE", default_value = DEFAULT_DATABASE)]
    database: String,
    /// PostgreSQL: keep the tables in this schema (created if missing).
    #[arg(long, value_name = "NAME")]
    schema: Option<String>,
    /// Analyses, traces and diffs that run at once [default: the number of cores].
    #[arg(long)]
    workers: Option<usize>,
    /// Analyses that may wait for a worker; past them a request is answered 503.
    #[arg(long, default_value_t = 64)]
    queue: usize,
    /// The largest upload, in MiB.
    #[arg(long, default_value_t = 32)]
    max_upload_mib: usize,
    /// Require tokens on loopback too.
    #[arg(long)]
    require_tokens: bool,
}

#[derive(Args)]
pub struct PushArgs {
    /// The deployment: a file or a directory, of any input kind.
    input: PathBuf,
    /// The server, http://HOST:PORT.
    #[arg(long, env = "MOAT_SERVER")]
    server: String,
    /// The project the snapshot belongs to (created on its first push).
    #[arg(long)]
    project: String,
    /// A token of the push scope (needed when the server requires tokens).
    #[arg(long, env = "MOAT_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// The source revision [default: $GITHUB_SHA, $CI_COMMIT_SHA, or the input's git HEAD].
    #[arg(long)]
    revision: Option<String>,
    /// Who pushes [default: $USER]; a token's name replaces it on the server.
    #[arg(long)]
    pusher: Option<String>,
    /// The largest archive to send, in MiB.
    #[arg(long, default_value_t = 32)]
    max_upload_mib: usize,
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create a token and print it (the only time it is shown).
    Create {
        /// A name for it (who or what uses it).
        name: String,
        /// What it allows: read (pages and API) or push (read and push).
        #[arg(long, value_enum)]
        scope: ScopeArg,
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// List the tokens (names and scopes; secrets are not stored).
    List {
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Revoke a token.
    Revoke {
        name: String,
        #[command(flatten)]
        db: DatabaseArgs,
    },
}

#[derive(Args)]
pub struct DatabaseArgs {
    /// The server's database.
    #[arg(long, env = "MOAT_DATABASE", default_value = DEFAULT_DATABASE)]
    database: String,
    /// PostgreSQL: the schema of the tables.
    #[arg(long, value_name = "NAME")]
    schema: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ScopeArg {
    Read,
    Push,
}

fn runtime() -> Result<tokio::runtime::Runtime, u8> {
    moat_serve::runtime().map_err(|e| {
        eprintln!("error: cannot start: {e}");
        BAD_INPUT
    })
}

/// Runs `moat serve` until interrupted.
pub fn serve(args: ServeArgs, ctx: &Ctx) -> u8 {
    let rt = match runtime() {
        Ok(r) => r,
        Err(c) => return c,
    };
    let mut cfg = moat_serve::Config::new(&args.database);
    cfg.listen = args.listen;
    cfg.schema = args.schema;
    if let Some(w) = args.workers {
        cfg.workers = w.max(1);
    }
    cfg.queue = args.queue;
    cfg.limits.archive_bytes = args.max_upload_mib.max(1) << 20;
    cfg.require_tokens = args.require_tokens;
    let quiet = ctx.quiet;
    let database = args.database.clone();
    let r = rt.block_on(moat_serve::serve(cfg, |addr| {
        if !quiet {
            eprintln!("moat serve: http://{addr}/ (database {database}); Ctrl-C stops");
        }
    }));
    match r {
        Ok(()) => OK,
        Err(e) => {
            eprintln!("error: {e}");
            BAD_INPUT
        }
    }
}

/// The revision of a push when none is given: CI's, or the input's git HEAD.
fn revision(input: &std::path::Path) -> Option<String> {
    for var in ["GITHUB_SHA", "CI_COMMIT_SHA", "BUILD_SOURCEVERSION"] {
        if let Ok(v) = std::env::var(var)
            && !v.is_empty()
        {
            return Some(v);
        }
    }
    let dir = if input.is_dir() {
        input.to_path_buf()
    } else {
        input.parent().map(PathBuf::from).unwrap_or_default()
    };
    let dir = if dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        dir
    };
    let out = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(dir)
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let rev = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (out.status.success() && !rev.is_empty()).then_some(rev)
}

/// Runs `moat push`: exit 0 when stored, 1 when the snapshot has errors, 2 when refused.
pub fn push(args: PushArgs, ctx: &Ctx) -> u8 {
    let rt = match runtime() {
        Ok(r) => r,
        Err(c) => return c,
    };
    // The server reads the `moat.toml` at the root of what is pushed; one found above the
    // input applies to `moat check` here but is not sent.
    if let Some(cfg) = crate::config::discover(&args.input, None) {
        let beside = std::fs::canonicalize(&cfg)
            .ok()
            .and_then(|c| c.parent().map(std::path::Path::to_path_buf));
        if args.input.is_file() || beside != std::fs::canonicalize(&args.input).ok() {
            eprintln!(
                "warning: {} applies to {} but is outside it, so the server does not read it; \
                 push the folder that holds it",
                cfg.display(),
                args.input.display()
            );
        }
    }
    let p = moat_serve::push::Push {
        revision: args.revision.clone().or_else(|| revision(&args.input)),
        pusher: args.pusher.clone().or_else(|| std::env::var("USER").ok()),
        input: args.input,
        server: args.server.clone(),
        project: args.project,
        token: args.token,
        limit: args.max_upload_mib.max(1) << 20,
    };
    match rt.block_on(moat_serve::push::push(&p)) {
        Ok(v) => {
            if !ctx.quiet {
                let f = &v["findings"];
                let o = &v["operations"];
                crate::out(&format!(
                    "snapshot {} of {}: {} errors, {} warnings, {} info; operations: {} work, {} fail, {} unknown\n{}{}\n",
                    v["id"],
                    v["project"].as_str().unwrap_or(""),
                    f["error"],
                    f["warning"],
                    f["info"],
                    o["works"],
                    o["fails"],
                    o["unknown"],
                    args.server.trim_end_matches('/'),
                    v["url"].as_str().unwrap_or("")
                ));
            }
            if v["findings"]["error"].as_i64().unwrap_or(0) > 0 {
                FINDINGS
            } else {
                OK
            }
        }
        Err(moat_serve::push::PushError::Refused {
            status,
            message,
            details,
        }) => {
            eprintln!("error: the server refused the push ({status}): {message}");
            for d in details {
                eprintln!("  {d}");
            }
            BAD_INPUT
        }
        Err(e) => {
            eprintln!("error: {e}");
            BAD_INPUT
        }
    }
}

/// Runs `moat token`.
pub fn token(cmd: TokenCommand, ctx: &Ctx) -> u8 {
    let rt = match runtime() {
        Ok(r) => r,
        Err(c) => return c,
    };
    let db = match &cmd {
        TokenCommand::Create { db, .. }
        | TokenCommand::List { db }
        | TokenCommand::Revoke { db, .. } => db,
    };
    let opts = moat_store::Options {
        schema: db.schema.clone(),
        max_connections: Some(2),
    };
    let r = rt.block_on(async {
        let store = moat_store::Store::connect(&db.database, opts).await?;
        let r = match &cmd {
            TokenCommand::Create { name, scope, .. } => {
                let scope = match scope {
                    ScopeArg::Read => moat_store::Scope::Read,
                    ScopeArg::Push => moat_store::Scope::Push,
                };
                let t = store.create_token(name, scope).await?;
                if !ctx.quiet {
                    eprintln!("token `{name}` ({}), shown this once:", scope.as_str());
                }
                crate::out(&format!("{t}\n"));
                Ok(())
            }
            TokenCommand::List { .. } => {
                for t in store.tokens().await? {
                    crate::out(&format!("{}\t{}\n", t.name, t.scope.as_str()));
                }
                Ok(())
            }
            TokenCommand::Revoke { name, .. } => store.revoke_token(name).await,
        };
        store.close().await;
        r
    });
    match r {
        Ok(()) => OK,
        Err(e) => {
            eprintln!("error: {e}");
            BAD_INPUT
        }
    }
}
