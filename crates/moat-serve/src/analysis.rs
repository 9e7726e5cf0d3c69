//! A pushed deployment, analysed as `moat check` and `moat ops` analyse one: read from its
//! files (written to a private temporary folder, removed afterwards) with the `moat.toml` at
//! their root, then findings, operations and the reachability of every pair, each stored as a
//! JSON document.

use moat_config::Config;
use moat_doc::Loaded;
use moat_model::Diagnostic;
use moat_store::Counts;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A private folder holding a deployment's files, removed when dropped.
pub struct Workdir {
    pub root: PathBuf,
}

static NEXT: AtomicU64 = AtomicU64::new(0);

impl Workdir {
    /// Writes the files under a new folder. Their paths were checked by the archive's reader;
    /// they are checked again here, as this is where they become paths.
    pub fn write(files: &[(String, Vec<u8>)]) -> std::io::Result<Workdir> {
        let root = std::env::temp_dir().join(format!(
            "moat-serve-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root)?;
        let dir = Workdir { root };
        for (path, content) in files {
            let rel = Path::new(path);
            if rel.is_absolute()
                || rel
                    .components()
                    .any(|c| !matches!(c, std::path::Component::Normal(_)))
            {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!("{path}: not a path inside the deployment"),
                ));
            }
            let full = dir.root.join(rel);
            if let Some(parent) = full.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(full, content)?;
        }
        Ok(dir)
    }

    /// A text with the folder's name taken out of its paths: a file in it is named relative
    /// to it, the folder itself `.`, as `moat check .` in the deployment's folder names them.
    /// The server's own paths are not the client's business.
    pub fn relative(&self, text: &str) -> String {
        let root = self.root.display().to_string();
        text.replace(&format!("{root}/"), "").replace(&root, ".")
    }

    /// Whether a path names a place inside the folder (no `..`, not elsewhere).
    fn holds(&self, path: &Path) -> bool {
        path.strip_prefix(&self.root).is_ok_and(|rel| {
            rel.components()
                .all(|c| matches!(c, std::path::Component::Normal(_)))
        })
    }
}

impl Drop for Workdir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// Why a deployment could not be analysed: located diagnostics (paths relative to the
/// deployment's folder).
#[derive(Debug)]
pub struct Rejected {
    pub diagnostics: Vec<Value>,
}

impl Rejected {
    fn of(diagnostics: &[Diagnostic], dir: &Workdir) -> Rejected {
        let text = serde_json::to_string(diagnostics).unwrap_or_else(|_| "[]".into());
        Rejected {
            diagnostics: serde_json::from_str(&dir.relative(&text)).unwrap_or_default(),
        }
    }

    /// The located messages, one a line: `file:line:column: message`.
    pub fn lines(&self) -> Vec<String> {
        self.diagnostics.iter().map(located).collect()
    }
}

/// One diagnostic as `file:line:column: message (hint)`.
pub fn located(d: &Value) -> String {
    let at = &d["location"];
    let mut s = at["file"].as_str().unwrap_or("").to_string();
    if let Some(l) = at["line"].as_u64().filter(|l| *l > 0) {
        s += &format!(":{l}");
        if let Some(c) = at["column"].as_u64().filter(|c| *c > 0) {
            s += &format!(":{c}");
        }
    }
    let msg = d["message"].as_str().unwrap_or("");
    let mut out = if s.is_empty() {
        msg.to_string()
    } else {
        format!("{s}: {msg}")
    };
    if let Some(h) = d["hint"].as_str() {
        out += &format!(" (hint: {h})");
    }
    out
}

/// What a snapshot stores of its analysis.
pub struct Analysis {
    pub format: String,
    pub counts: Counts,
    /// `(kind, JSON)`: `check` (as `moat check --format json`), `operations`, `reachability`,
    /// `inventory`.
    pub documents: Vec<(String, String)>,
}

/// The configuration of a pushed deployment: the `moat.toml` at its root, if any (the
/// search stops there: nothing above the deployment was pushed). The files it names must be
/// inside the deployment, or the server would read its own.
pub fn config(dir: &Workdir) -> Result<Config, Rejected> {
    let path = dir.root.join(moat_config::FILE_NAME);
    if !path.is_file() {
        return Ok(Config::default());
    }
    let cfg = moat_config::read(&path).map_err(|e| Rejected::of(&e.diagnostics, dir))?;
    let outside: Vec<Diagnostic> = cfg
        .files()
        .filter(|f| !dir.holds(f))
        .map(|f| {
            Diagnostic::error(
                "config",
                format!(
                    "{} names {}, outside the pushed deployment",
                    moat_config::FILE_NAME,
                    dir.relative(&f.display().to_string())
                ),
                moat_model::Location {
                    file: path.display().to_string(),
                    ..Default::default()
                },
            )
            .with_hint(Some(
                "push a folder that holds the files moat.toml names".into(),
            ))
        })
        .collect();
    if !outside.is_empty() {
        return Err(Rejected::of(&outside, dir));
    }
    Ok(cfg)
}

/// Reads a deployment from a folder, as `moat check DIR` reads it with its `moat.toml`.
pub fn load(dir: &Workdir) -> Result<(Loaded, Config), Rejected> {
    let cfg = config(dir)?;
    let loaded = moat_ingest::load_opts(&dir.root, &cfg.ingest_options())
        .map_err(|e| Rejected::of(&e.diagnostics, dir))?;
    let unknown = moat_rules::check::unknown_suppressions(&loaded.topology);
    if !unknown.is_empty() {
        return Err(Rejected::of(&unknown, dir));
    }
    Ok((loaded, cfg))
}

/// The engine for a deployment, with the service tags file its configuration names.
pub fn engine<'t>(
    t: &'t moat_model::Topology,
    cfg: &Config,
) -> Result<moat_engine::Engine<'t>, String> {
    moat_engine::Engine::for_topology(t, cfg.service_tags.as_deref())
        .map_err(|e| format!("cannot read the service tags file: {e}"))
}

/// The name of a verdict or status, as its JSON says it.
fn name_of<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Analyses the files of a deployment.
pub fn analyse(files: &[(String, Vec<u8>)]) -> Result<Analysis, Rejected> {
    let dir = Workdir::write(files).map_err(|e| Rejected {
        diagnostics: vec![json!({"code": "upload", "message": e.to_string(), "location": {}})],
    })?;
    let (loaded, cfg) = load(&dir)?;
    let t = &loaded.topology;
    let engine = engine(t, &cfg).map_err(|e| Rejected {
        diagnostics: vec![json!({"code": "service-tags", "message": dir.relative(&e), "location": {"file": moat_config::FILE_NAME}})],
    })?;
    let variants = moat_model::presence::variants(t);
    // The rules, suppressions and invariants of the deployment's `moat.toml`, as `check`.
    let mut snap =
        moat_diff::analyse_with(&engine, &variants, &cfg.selection(), cfg.invariants.clone());
    moat_config::suppress(&cfg.suppress, &mut snap.findings);
    let findings = &snap.findings;
    let mut summary = moat_rules::check::summary(findings);
    summary["undecided"] = json!(
        findings
            .iter()
            .filter(|f| f.suppressed.is_none() && moat_report::check::certainty(f).0 == "undecided")
            .count()
    );
    let fixes = moat_report::fixes::FixCode::of(
        findings,
        &moat_report::fixes::Input {
            format: loaded.format,
            sources: &loaded.sources,
            topology: t,
        },
    );
    let check = moat_report::check::render_json(findings, &fixes, &summary, &loaded.warnings);
    let operations = serde_json::to_string(&snap.operations).unwrap_or_else(|_| "[]".into());
    let mut all: Vec<(&str, &str, _)> = snap.reach.all().collect();
    all.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    let pairs: Vec<Value> = all
        .into_iter()
        .map(|(from, to, v)| json!({"from": from, "to": to, "verdict": name_of(&v)}))
        .collect();
    let reachability = json!({ "pairs": pairs, "traces": snap.reach.traces }).to_string();
    let inventory = serde_json::to_string(&moat_report::show::inventory(t, loaded.format))
        .unwrap_or_else(|_| "{}".into());
    let count = |key: &str| summary[key].as_i64().unwrap_or(0);
    let ops = |s: &str| {
        snap.operations
            .iter()
            .filter(|o| name_of(&o.status) == s)
            .count() as i64
    };
    let flows = |s: &str| pairs.iter().filter(|p| p["verdict"] == s).count() as i64;
    let counts = Counts {
        errors: count("error"),
        warnings: count("warning"),
        infos: count("info"),
        suppressed: count("suppressed"),
        ops_work: ops("works"),
        ops_fail: ops("fails"),
        ops_unknown: ops("unknown"),
        flows_allowed: flows("allowed"),
        flows_denied: flows("denied"),
        flows_unknown: flows("unknown"),
    };
    let documents = [
        ("check", check),
        ("operations", operations),
        ("reachability", reachability),
        ("inventory", inventory),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), dir.relative(&v)))
    .collect();
    Ok(Analysis {
        format: loaded.format.to_string(),
        counts,
        documents,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by fuzzing the upload: a deployment of no kind moat reads was refused with the
    /// name of the server's temporary folder, as only paths inside it were made relative.
    #[test]
    fn a_refusal_names_no_folder_of_the_server() {
        let files = [("notes.txt".to_string(), b"hello".to_vec())];
        let Err(r) = analyse(&files) else {
            panic!("a text file is not a deployment");
        };
        let lines = r.lines();
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(
            lines[0].starts_with(".: cannot tell what kind of deployment . is"),
            "{}",
            lines[0]
        );
    }

    #[test]
    fn paths_inside_the_folder_are_relative_to_it() {
        let dir = Workdir::write(&[("a/b.yaml".to_string(), Vec::new())]).unwrap();
        let root = dir.root.display().to_string();
        assert_eq!(
            dir.relative(&format!("{root}/a/b.yaml:1:2; {root} holds it")),
            "a/b.yaml:1:2; . holds it"
        );
    }
}
