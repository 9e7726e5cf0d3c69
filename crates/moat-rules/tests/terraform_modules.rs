//! A Terraform configuration whose network and private endpoints come from modules, checked
//! with the modules installed (`terraform init` has run) and without them. The rule for modules:
//! without `.terraform/modules`, "module outputs are unknown", and unknown is never absent:
//! what the missing modules may deploy can turn a verdict into "undecided", never into a
//! different definite one.

use moat_engine::{Engine, Verdict};
use moat_rules::check::{Selection, run};
use moat_rules::{Context, Finding};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../moat-terraform/tests/data")
        .join(rel)
}

fn decided(f: &Finding) -> bool {
    f.needs.is_empty()
        && f.trace
            .as_ref()
            .is_none_or(|t| t.verdict != Verdict::Unknown)
}

/// The findings of `check` on a Terraform configuration: (code, resource, decided).
fn findings(dir: &Path) -> Vec<(String, String, bool)> {
    let loaded = moat_ingest::load(dir, None).unwrap_or_else(|e| panic!("{e:?}"));
    let e = Engine::for_topology(&loaded.topology, None).unwrap();
    let cx = Context::new(&e);
    run(&cx, &Selection::default())
        .iter()
        .map(|f| (f.code.to_string(), f.resource.clone(), decided(f)))
        .collect()
}

#[test]
fn missing_modules_leave_findings_undecided_never_different() {
    let installed = findings(&data("registry-modules"));
    let decided_installed: BTreeSet<(String, String)> = installed
        .iter()
        .filter(|f| f.2)
        .map(|f| (f.0.clone(), f.1.clone()))
        .collect();

    let dir = std::env::temp_dir().join(format!("moat-rules-tf-uninit-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(data("registry-modules/main.tf"), dir.join("main.tf")).unwrap();
    let without = findings(&dir);
    let _ = std::fs::remove_dir_all(&dir);

    // The workspace gets its private endpoint from the missing module it is given to: "no
    // private endpoint, nothing reaches it" (WS004) is not decided.
    let ws004: Vec<_> = without.iter().filter(|f| f.0 == "WS004").collect();
    assert!(ws004.iter().all(|f| !f.2), "{ws004:?}");
    for (code, resource, is_decided) in &without {
        if *is_decided {
            assert!(
                decided_installed.contains(&(code.clone(), resource.clone())),
                "{code} on {resource} is decided without the modules but not with them"
            );
        }
    }
}
