//! A workspace's storage account, key vault and container registry that exist already and are
//! given by id (as modules take them: `associatedStorageAccountResourceId`, or a Terraform data
//! source). The workspace is created with them ("Azure Machine Learning workspace: associated
//! resources"), so they exist whatever the input declares: they are kept by their name with
//! unknown settings, never read as not set, and a flow to them is unknown, never missing, so
//! an operation that needs them cannot "work" on what the input does not say.

use moat_engine::intent::Intent;
use moat_engine::ops::{Filter, Status, evaluate};
use moat_engine::{Engine, OpId, Verdict};
use moat_model::Topology;
use std::path::Path;

fn load(rel: &str) -> Topology {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(rel);
    moat_ingest::load(&p, None)
        .unwrap_or_else(|e| panic!("{}: {:#?}", p.display(), e.diagnostics))
        .topology
}

#[test]
fn a_template_keeps_the_dependencies_it_does_not_declare() {
    let t = load("kept/azuredeploy.json");
    let w = &t.workspaces[0];
    assert_eq!(w.storage_account.as_deref(), Some("stshared"));
    assert_eq!(w.key_vault.as_deref(), Some("kv-shared"));
    assert!(t.storage_accounts.is_empty() && t.key_vaults.is_empty());
    for field in ["storage_account", "key_vault"] {
        let u = t
            .is_unknown("workspace/ws", field)
            .unwrap_or_else(|| panic!("{field} is recorded as unknown"));
        assert!(u.reason.contains("kept by its name"), "{}", u.reason);
    }
}

#[test]
fn job_run_is_unknown_on_the_storage_and_vault_the_input_does_not_describe() {
    let t = load("kept/azuredeploy.json");
    let e = Engine::for_topology(&t, None).expect("engine");
    let f = Filter {
        op: Some(OpId::JobRun),
        ..Default::default()
    };
    let ops = evaluate(&e, &Intent::of(&t), &f);
    let r = &ops[0];
    assert_eq!(r.status, Status::Unknown, "{r:#?}");
    // The workspace API is public: decided, whatever its storage account is.
    let api = r
        .flows
        .iter()
        .find(|f| f.trace.to.to_string() == "workspace/ws")
        .expect("a flow to the workspace API");
    assert_eq!(api.verdict, Verdict::Allowed, "{:#?}", api.trace);
    for to in ["storage/stshared", "keyvault/kv-shared"] {
        let flow = r
            .flows
            .iter()
            .find(|f| f.trace.to.to_string().starts_with(to))
            .unwrap_or_else(|| panic!("a flow to {to}: {r:#?}"));
        assert_eq!(flow.verdict, Verdict::Unknown, "{:#?}", flow.trace);
        assert!(
            flow.trace
                .missing
                .iter()
                .any(|m| m.contains(&format!("the properties of {to}"))),
            "{:?}",
            flow.trace.missing
        );
    }
}

#[test]
fn check_leaves_what_they_decide_undecided() {
    let t = load("kept/azuredeploy.json");
    let e = Engine::for_topology(&t, None).expect("engine");
    let cx = moat_rules::Context::new(&e);
    let fs = moat_rules::check::run(&cx, &moat_rules::check::Selection::default());
    let on_storage: Vec<_> = fs
        .iter()
        .filter(|f| {
            f.trace
                .as_ref()
                .is_some_and(|t| t.to.to_string().starts_with("storage/stshared"))
        })
        .collect();
    assert!(!on_storage.is_empty(), "check reports what ops reports");
    // Undecided: the flow each reports is unknown, and none is an error.
    assert!(
        on_storage.iter().all(|f| {
            f.trace
                .as_ref()
                .is_some_and(|t| t.verdict == Verdict::Unknown)
                && f.severity != moat_rules::Severity::Error
        }),
        "undecided: {on_storage:#?}"
    );
}

/// What the workspace hop reads alone still includes what decides which name a flow resolves:
/// with the workspace's region unknown, the flow to it is unknown, not allowed.
#[test]
fn an_unknown_region_keeps_the_workspace_flow_unknown() {
    let t = load("kept-region/azuredeploy.json");
    let e = Engine::for_topology(&t, None).expect("engine");
    let q = moat_engine::trace::Query {
        from: moat_model::Address::resource(moat_model::Kind::Compute, "cpu"),
        to: moat_model::Address::resource(moat_model::Kind::Workspace, "ws"),
        protocol: moat_packets::Protocol::TCP,
        port: 443,
    };
    let tr = moat_engine::trace::trace(&e, &q).expect("a trace");
    assert_eq!(tr.verdict, Verdict::Unknown, "{tr:#?}");
    assert!(
        tr.missing
            .iter()
            .any(|m| m.starts_with("region of workspace/ws")),
        "{:?}",
        tr.missing
    );
}
