//! A hub and a project that shares its network, written with azapi: rules that judge a
//! workspace's public endpoint judge a project by its hub's.

use moat_engine::Engine;
use moat_ingest::{Options, load_opts};
use moat_rules::check::{Selection, run};
use moat_rules::{Context, Finding};
use std::path::Path;

fn with<'a>(fs: &'a [Finding], code: &str) -> Vec<&'a Finding> {
    fs.iter().filter(|f| f.code == code).collect()
}

#[test]
fn sec002_a_project_is_judged_by_its_hubs_public_endpoint() {
    // Facts §6 item 99: projects inherit the hub's network (its private endpoints, public
    // network access and host names). A project that does not write publicNetworkAccess is
    // not "public beside a private endpoint" when its hub is private; a public hub is
    // reported once, on the hub.
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../moat-terraform/tests/data/hub-project");
    let run_with = |vars: &[(&str, &str)]| {
        let opts = Options {
            vars: vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Options::default()
        };
        let loaded = load_opts(&dir, &opts).unwrap_or_else(|e| panic!("{e:?}"));
        let e = Engine::for_topology(&loaded.topology, None).unwrap();
        run(&Context::new(&e), &Selection::default())
    };
    let private = run_with(&[]);
    assert!(with(&private, "SEC002").is_empty(), "{private:#?}");
    let public = run_with(&[("hub_public_network_access", "Enabled")]);
    let f = with(&public, "SEC002");
    assert_eq!(f.len(), 1, "{public:#?}");
    assert_eq!(f[0].resource, "workspace/azapi_resource.hub");
}
