//! Names the input leaves unknown: a reference by name to a resource whose own name is unknown
//! may or may not be to it, so what rests on the reference is unknown, not failed.

use moat_engine::Code;
use moat_engine::ops::{Filter, Status, evaluate};
use moat_engine::{Engine, intent::Intent};
use moat_model::Topology;
use std::path::Path;

/// The Terraform form of `example` with the text `from` of its `main.tf` (which must hold it)
/// replaced by `to`, loaded with its side files.
fn load_mutated(example: &str, from: &str, to: &str) -> Topology {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(example)
        .join("terraform");
    let main = std::fs::read_to_string(src.join("main.tf")).unwrap();
    assert!(main.contains(from), "{example}: main.tf holds `{from}`");
    let dir = std::env::temp_dir().join(format!(
        "moat-unknown-names-{example}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for e in std::fs::read_dir(&src).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.join(e.file_name())).unwrap();
    }
    std::fs::write(dir.join("main.tf"), main.replace(from, to)).unwrap();
    let t = moat_ingest::load_opts(&dir, &moat_ingest::Options::default())
        .unwrap_or_else(|e| panic!("{example}: {:#?}", e.diagnostics))
        .topology;
    let _ = std::fs::remove_dir_all(&dir);
    t
}

/// facts §6.46: the image build compute "must exist before builds". The workspace names
/// `cpu-cluster` in `image_build_compute`; the configuration's cluster takes its name from a
/// variable without value. Whether the cluster is `cpu-cluster` is unknown, so whether images
/// build is unknown — never "fails", and ACR008 is not reported as decided.
#[test]
fn an_image_build_compute_of_unknown_name_is_unknown_not_missing() {
    let t = load_mutated(
        "workspace-private-endpoint",
        "resource \"azurerm_machine_learning_compute_cluster\" \"cpu\" {\n  name                          = \"cpu-cluster\"",
        "variable \"cluster_name\" {}\nresource \"azurerm_machine_learning_compute_cluster\" \"cpu\" {\n  name = var.cluster_name",
    );
    assert_eq!(
        t.workspaces[0].image_build_compute.as_deref(),
        Some("cpu-cluster")
    );
    assert!(!t.computes.iter().any(|c| c.name == "cpu-cluster"));

    let e = Engine::for_topology(&t, None).unwrap();
    let filter = Filter {
        op: Some(moat_engine::OpId::ImageBuild),
        ..Default::default()
    };
    let r = evaluate(&e, &Intent::of(&t), &filter);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].status, Status::Unknown, "{:#?}", r[0].requirements);
    let cx = moat_rules::Context::new(&e);
    let fs = moat_rules::check::run(&cx, &Default::default());
    assert!(
        !fs.iter()
            .any(|f| f.code == "ACR008" && moat_report::check::certainty(f).0 == "definite"),
        "ACR008 is not decided"
    );
}

/// Two private DNS zones of the same name in two resource groups (seed "isolated VNets": each
/// VNet keeps its own copy of the zones). The clients' group is named by a variable without
/// value; the link and the zone both take `azurerm_resource_group.client_dns.name`, so they are
/// in the same group whatever it is called: the clients' VNet stays linked to its own zone,
/// never to the workload's, and the jump box reaches the workspace through its own endpoint.
#[test]
fn zones_in_a_group_of_unknown_name_stay_told_apart() {
    let t = load_mutated(
        "isolated-clients",
        "resource \"azurerm_resource_group\" \"client_dns\" {\n  name     = \"clients\"",
        "variable \"client_group\" {}\nresource \"azurerm_resource_group\" \"client_dns\" {\n  name = var.client_group",
    );
    let e = Engine::for_topology(&t, None).unwrap();
    let q = moat_engine::trace::Query {
        from: "client/datasci".parse().unwrap(),
        to: "workspace/ws".parse().unwrap(),
        protocol: moat_packets::Protocol::TCP,
        port: 443,
    };
    let tr = moat_engine::trace::trace(&e, &q).unwrap();
    assert_eq!(tr.verdict, moat_engine::Verdict::Allowed, "{tr:#?}");
    assert!(
        tr.hops
            .iter()
            .any(|h| h.code == Code::PeApproved && h.element.contains("client-ws-pe")),
        "through the clients' own endpoint"
    );
}
