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

#[test]
fn sec001_a_project_of_a_private_hub_is_not_open_to_all_networks() {
    // Facts §6 item 99: projects share the hub's network. A hub with public network access
    // Disabled and no private endpoint yet is reached by nothing; its project, which writes
    // no publicNetworkAccess of its own, does not "accept connections from every network"
    // (a trace from the internet to it is denied at the hub's firewall).
    let dir = std::env::temp_dir().join(format!("moat-sec001-hub-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("main.tf"),
        r#"
resource "azurerm_resource_group" "rg" {
  name     = "rg-hub-closed"
  location = "swedencentral"
}

resource "azapi_resource" "hub" {
  type      = "Microsoft.MachineLearningServices/workspaces@2024-10-01"
  name      = "hub-closed"
  parent_id = azurerm_resource_group.rg.id
  location  = "swedencentral"
  body = {
    kind       = "Hub"
    properties = { publicNetworkAccess = "Disabled" }
  }
}

resource "azapi_resource" "project" {
  type      = "Microsoft.MachineLearningServices/workspaces@2024-10-01"
  name      = "proj-closed"
  parent_id = azurerm_resource_group.rg.id
  location  = "swedencentral"
  body = {
    kind       = "Project"
    properties = { hubResourceId = azapi_resource.hub.id }
  }
}
"#,
    )
    .unwrap();
    let loaded = load_opts(&dir, &Options::default()).unwrap_or_else(|e| panic!("{e:?}"));
    let e = Engine::for_topology(&loaded.topology, None).unwrap();
    let fs = run(&Context::new(&e), &Selection::default());
    assert!(with(&fs, "SEC001").is_empty(), "{fs:#?}");
}

/// Writes `main` into a fresh directory and checks it.
fn check_tf(name: &str, main: &str) -> Vec<Finding> {
    let dir = std::env::temp_dir().join(format!("moat-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("main.tf"), main).unwrap();
    let loaded = load_opts(&dir, &Options::default()).unwrap_or_else(|e| panic!("{e:?}"));
    let e = Engine::for_topology(&loaded.topology, None).unwrap();
    let fs = run(&Context::new(&e), &Selection::default());
    std::fs::remove_dir_all(&dir).ok();
    fs
}

#[test]
fn sec016_a_project_is_judged_by_its_hub() {
    // Manage, collaborate, and organize with hubs: "Project workspaces that are created using
    // a hub inherit the same security settings and shared resource access"; Configure a
    // managed network for hubs: "a managed virtual network is created for the hub". A public
    // hub with neither private endpoint nor managed network is reported once, on the hub,
    // with the hub's fix; its project, which has no network of its own to change, is not.
    let fs = check_tf(
        "sec016-hub",
        r#"
resource "azurerm_resource_group" "rg" {
  name     = "rg-hub-open"
  location = "swedencentral"
}

resource "azapi_resource" "hub" {
  type      = "Microsoft.MachineLearningServices/workspaces@2024-10-01"
  name      = "hub-open"
  parent_id = azurerm_resource_group.rg.id
  location  = "swedencentral"
  body = {
    kind       = "Hub"
    properties = { publicNetworkAccess = "Enabled" }
  }
}

resource "azapi_resource" "project" {
  type      = "Microsoft.MachineLearningServices/workspaces@2024-10-01"
  name      = "proj-open"
  parent_id = azurerm_resource_group.rg.id
  location  = "swedencentral"
  body = {
    kind       = "Project"
    properties = { hubResourceId = azapi_resource.hub.id }
  }
}
"#,
    );
    let f = with(&fs, "SEC016");
    assert_eq!(f.len(), 1, "{fs:#?}");
    assert_eq!(f[0].resource, "workspace/hub-open");
    assert!(f[0].decided());

    // A hub of another deployment: whether it has a managed network or a private endpoint
    // is open, so the finding on its project is undecided, and its fix is the hub's (no
    // change to write on the project).
    let fs = check_tf(
        "sec016-hub-outside",
        r#"
resource "azurerm_resource_group" "rg" {
  name     = "rg-proj"
  location = "swedencentral"
}

resource "azapi_resource" "project" {
  type      = "Microsoft.MachineLearningServices/workspaces@2024-10-01"
  name      = "proj-elsewhere"
  parent_id = azurerm_resource_group.rg.id
  location  = "swedencentral"
  body = {
    kind       = "Project"
    properties = { hubResourceId = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-hub/providers/Microsoft.MachineLearningServices/workspaces/hub-shared" }
  }
}
"#,
    );
    let f = with(&fs, "SEC016");
    assert_eq!(f.len(), 1, "{fs:#?}");
    assert!(!f[0].decided());
    assert!(
        f[0].needs
            .iter()
            .any(|n| n.starts_with("the properties of workspace/hub-shared")),
        "{:?}",
        f[0].needs
    );
    assert!(f[0].fix.contains("hub hub-shared"), "{}", f[0].fix);
    assert!(f[0].changes.is_empty(), "{:?}", f[0].changes);
}
