//! Names Azure scopes to a parent, read as Azure scopes them. A compute is the child resource
//! `Microsoft.MachineLearningServices/workspaces/computes`, written `<workspace>/<name>` in a
//! template and `.../workspaces/<workspace>/computes/<name>` as an id: its name is unique in its
//! workspace, not in the deployment. checkov's Terraform fixtures give two workspaces a compute
//! named `example` each; both load, and each is addressed as `compute/<workspace>/<name>`.

use moat_engine::Engine;
use moat_model::scope::{ComputeRef, resolve_compute};
use moat_rules::{Context, Finding, all};
use std::path::{Path, PathBuf};
use std::process::Command;

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/scoped")
        .join(rel)
}

fn load(rel: &str) -> moat_doc::Loaded {
    moat_ingest::load_opts(&data(rel), &moat_ingest::Options::default())
        .unwrap_or_else(|e| panic!("{rel}: {:#?}", e.diagnostics))
}

fn sec(t: &moat_model::Topology, code: &str) -> Vec<Finding> {
    let e = Engine::for_topology(t, None).unwrap();
    let cx = Context::new(&e);
    let mut v = Vec::new();
    for r in all().into_iter().filter(|r| r.doc().code == code) {
        r.check(&cx, &mut v);
    }
    v
}

fn keys(t: &moat_model::Topology) -> Vec<&str> {
    let mut k: Vec<&str> = t.computes.iter().map(|c| c.name.as_str()).collect();
    k.sort_unstable();
    k
}

/// Two workspaces each with a compute `example` load from Terraform, ARM and a bare array of
/// resources (`az resource list`, PSRule for Azure's export); each compute
/// keeps its own settings (checkov CKV_AZURE_142 local auth, CKV_AZURE_150 minimum nodes), and
/// a value left unknown on one of them makes only that one's finding undecided.
#[test]
fn computes_of_one_name_in_two_workspaces() {
    for dir in ["computes-terraform", "computes-arm", "computes-live"] {
        let t = load(dir).topology;
        let want: &[&str] = if dir == "computes-terraform" {
            &["mlw-alpha/example", "mlw-beta/example", "solo"]
        } else {
            &["mlw-alpha/example", "mlw-beta/example"]
        };
        assert_eq!(keys(&t), want, "{dir}");
        for c in &t.computes {
            assert_eq!(c.local_name(), c.name.rsplit('/').next().unwrap(), "{dir}");
        }
        let min: Vec<String> = sec(&t, "SEC011").into_iter().map(|f| f.resource).collect();
        assert_eq!(min, ["compute/mlw-beta/example"], "{dir}");
        let local = sec(&t, "SEC010");
        assert_eq!(local.len(), 1, "{dir}: {local:#?}");
        assert_eq!(local[0].resource, "compute/mlw-beta/example", "{dir}");
        // Terraform leaves beta's local_auth_enabled to a variable without a value.
        assert_eq!(
            local[0].message.contains("not decided"),
            dir == "computes-terraform",
            "{dir}: {}",
            local[0].message
        );
    }
}

/// A compute named in its workspace is found by its own name when no other workspace has
/// one of that name, by `<workspace>/<name>` always, and not at all when the name is shared.
#[test]
fn compute_addresses_resolve_or_list_the_candidates() {
    let t = load("computes-terraform").topology;
    assert_eq!(
        resolve_compute(&t, "example"),
        ComputeRef::Ambiguous(vec![
            "mlw-alpha/example".to_string(),
            "mlw-beta/example".to_string()
        ])
    );
    assert_eq!(
        resolve_compute(&t, "mlw-beta/solo"),
        ComputeRef::Found("solo".into())
    );
    assert_eq!(resolve_compute(&t, "mlw-alpha/solo"), ComputeRef::Missing);
    assert!(
        "compute/mlw-alpha/example"
            .parse::<moat_model::Address>()
            .is_ok()
    );
    assert!("storage/a/b".parse::<moat_model::Address>().is_err());
}

fn moat(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_moat"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn trace_names_a_shared_compute_by_its_workspace() {
    let dir = data("computes-arm");
    let dir = dir.to_str().unwrap();
    let o = moat(&[
        "trace",
        dir,
        "--from",
        "compute/example",
        "--to",
        "internet",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("ambiguous"), "{err}");
    assert!(
        err.contains("compute/mlw-alpha/example, compute/mlw-beta/example"),
        "{err}"
    );
    let o = moat(&[
        "trace",
        dir,
        "--from",
        "compute/mlw-alpha/example",
        "--to",
        "internet",
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.starts_with("ALLOWED  compute/mlw-alpha/example -> internet"),
        "{out}"
    );
}

/// In native YAML too: the same name in two workspaces loads, twice in one workspace is a
/// duplicate, and a reference to a shared name is an error naming the candidates.
#[test]
fn native_computes_are_scoped_to_their_workspace() {
    let base = "workspaces: [{ name: a }, { name: b }]\ncomputes:\n  - { name: cpu, workspace: a, type: AmlCompute }\n";
    let t = moat_ingest::parse_native_str(
        "t.yaml",
        &format!("{base}  - {{ name: cpu, workspace: b, type: AmlCompute }}\n"),
    )
    .unwrap();
    assert_eq!(keys(&t), ["a/cpu", "b/cpu"]);
    let e = moat_ingest::parse_native_str(
        "t.yaml",
        &format!("{base}  - {{ name: cpu, workspace: a, type: AmlCompute }}\n"),
    )
    .unwrap_err();
    assert!(e.iter().any(|d| d.code == "duplicate-name"), "{e:#?}");
    let e = moat_ingest::parse_native_str(
        "t.yaml",
        &format!(
            "{base}  - {{ name: cpu, workspace: b, type: AmlCompute }}\nrole_assignments: [{{ principal: alice, role: Reader, scope: compute/cpu }}]\n"
        ),
    )
    .unwrap_err();
    let d = e
        .iter()
        .find(|d| d.code == "ambiguous-reference")
        .unwrap_or_else(|| panic!("{e:#?}"));
    assert!(
        d.hint
            .as_deref()
            .is_some_and(|h| h.contains("compute/a/cpu, compute/b/cpu")),
        "{d:#?}"
    );
}
