//! Native side files over imported deployments (`--with`, or next to the template): entries
//! named like an imported resource complete it, others are added, and mistakes are located in
//! the side file.

use moat_ingest::{Options, load_opts};
use moat_model::enums::PublicNetworkAccess;
use std::path::{Path, PathBuf};

const TEMPLATE: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": { "pna": { "type": "string", "defaultValue": "Enabled" } },
  "resources": [
    {
      "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-09-01", "name": "vnet", "location": "eastus",
      "properties": {
        "addressSpace": { "addressPrefixes": ["10.0.0.0/16"] },
        "subnets": [
          { "name": "a", "properties": { "addressPrefix": "10.0.1.0/24" } },
          { "name": "b", "properties": { "addressPrefix": "10.0.2.0/24" } }
        ]
      }
    },
    {
      "type": "Microsoft.MachineLearningServices/workspaces", "apiVersion": "2024-04-01", "name": "ws", "location": "eastus",
      "properties": { "publicNetworkAccess": "[parameters('pna')]", "hbiWorkspace": false }
    }
  ]
}"#;

const PARAMETERS: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
  "contentVersion": "1.0.0.0",
  "parameters": { "pna": { "value": "Disabled" } }
}"#;

/// A fresh directory holding `files`.
fn dir_with(test: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("moat-overlay-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    dir
}

fn with(input: &Path, overlays: &[PathBuf]) -> Result<moat_doc::Loaded, moat_doc::LoadError> {
    load_opts(
        input,
        &Options {
            overlays: overlays.to_vec(),
            ..Options::default()
        },
    )
}

fn rejected(r: Result<moat_doc::Loaded, moat_doc::LoadError>) -> moat_doc::LoadError {
    match r {
        Ok(_) => panic!("the input was accepted"),
        Err(e) => e,
    }
}

#[test]
fn entries_named_like_imported_resources_complete_them() {
    let side = "workspaces:\n  - name: ws\n    hbi_workspace: true\nvirtual_networks:\n  - name: vnet\n    subnets:\n      - name: a\n        service_endpoints: [Microsoft.Storage]\nclients:\n  - name: laptop\n    location: internet\n";
    let dir = dir_with("complete", &[("t.json", TEMPLATE), ("side.yaml", side)]);
    let l = with(&dir.join("t.json"), &[dir.join("side.yaml")])
        .unwrap_or_else(|e| panic!("{:#?}", e.diagnostics));
    let t = &l.topology;
    assert_eq!(t.workspaces.len(), 1, "completed, not declared twice");
    let ws = &t.workspaces[0];
    assert!(ws.hbi_workspace, "the side file's field applies");
    assert_eq!(
        ws.public_network_access,
        PublicNetworkAccess::Enabled,
        "the template's fields stay"
    );
    assert_eq!(
        ws.at.file,
        dir.join("t.json").display().to_string(),
        "findings still point at the template"
    );
    assert_eq!(t.virtual_networks.len(), 1);
    let subnets = &t.virtual_networks[0].subnets;
    assert_eq!(subnets.len(), 2, "subnets merge by name: {subnets:#?}");
    let a = subnets.iter().find(|s| s.name == "a").unwrap();
    assert_eq!(a.address_prefixes.len(), 1, "the subnet keeps its prefix");
    assert_eq!(a.service_endpoints.len(), 1);
    assert_eq!(t.clients.len(), 1, "new entries are added");
}

#[test]
fn mistakes_in_a_completing_entry_are_located_in_the_side_file() {
    let side = "workspaces:\n  - name: ws\n    hbi_workspce: true\n";
    let dir = dir_with("typo", &[("t.json", TEMPLATE), ("side.yaml", side)]);
    let e = rejected(with(&dir.join("t.json"), &[dir.join("side.yaml")]));
    let d = &e.diagnostics[0];
    assert_eq!(d.code, "unknown-field");
    assert!(d.location.file.ends_with("side.yaml"), "{d:#?}");
    assert_eq!((d.location.line, d.location.column), (3, 5));
    assert!(
        d.hint
            .as_deref()
            .unwrap_or_default()
            .contains("hbi_workspace"),
        "{d:#?}"
    );
}

#[test]
fn a_dangling_reference_brought_by_a_side_file_is_an_error() {
    let side = "workspaces:\n  - name: ws\n    uses_registries: [contosoreg]\n";
    let dir = dir_with("dangling", &[("t.json", TEMPLATE), ("side.yaml", side)]);
    let e = rejected(with(&dir.join("t.json"), &[dir.join("side.yaml")]));
    assert!(
        e.diagnostics
            .iter()
            .any(|d| d.code == "dangling-reference" && d.message.contains("contosoreg")),
        "{:#?}",
        e.diagnostics
    );
}

#[test]
fn a_template_directory_applies_its_parameters_and_side_files() {
    let side = "clients:\n  - name: laptop\n    location: internet\n";
    let dir = dir_with(
        "dir",
        &[
            ("azuredeploy.json", TEMPLATE),
            ("azuredeploy.parameters.json", PARAMETERS),
            ("intent.yaml", side),
        ],
    );
    let l = load_opts(&dir, &Options::default()).unwrap_or_else(|e| panic!("{:#?}", e.diagnostics));
    assert_eq!(l.format, "arm");
    assert_eq!(
        l.topology.workspaces[0].public_network_access,
        PublicNetworkAccess::Disabled,
        "parameters applied"
    );
    assert_eq!(l.topology.clients.len(), 1, "side file applied");
    // Naming the side file as well applies it once.
    let l =
        with(&dir, &[dir.join("intent.yaml")]).unwrap_or_else(|e| panic!("{:#?}", e.diagnostics));
    assert_eq!(l.topology.clients.len(), 1);
    // Parameters named on the command line replace the directory's.
    let l = load_opts(
        &dir,
        &Options {
            parameters: vec![dir.join("none.parameters.json")],
            ..Options::default()
        },
    );
    assert!(l.is_err(), "a missing parameter file is an error");
}

#[test]
fn a_directory_with_two_templates_asks_which() {
    let dir = dir_with("two", &[("a.json", TEMPLATE), ("b.json", TEMPLATE)]);
    let e = rejected(load_opts(&dir, &Options::default()));
    let d = &e.diagnostics[0];
    assert_eq!(d.code, "ambiguous");
    assert!(d.message.contains("a.json, b.json"), "{d:#?}");
}

#[test]
fn a_terraform_directory_applies_its_native_side_files() {
    let tf = "resource \"azurerm_virtual_network\" \"vnet\" {\n  name                = \"vnet\"\n  location            = \"eastus\"\n  resource_group_name = \"rg\"\n  address_space       = [\"10.0.0.0/16\"]\n}\n";
    let side = "clients:\n  - name: laptop\n    location: internet\n";
    let dir = dir_with("tf", &[("main.tf", tf), ("intent.yaml", side)]);
    let l = load_opts(&dir, &Options::default()).unwrap_or_else(|e| panic!("{:#?}", e.diagnostics));
    assert_eq!(l.format, "terraform");
    assert_eq!(l.topology.virtual_networks.len(), 1);
    assert_eq!(l.topology.clients.len(), 1);
}

#[test]
fn a_name_used_in_two_resource_groups_needs_the_group() {
    let base = "virtual_networks:\n  - name: vnet\n    address_space: [10.0.0.0/16]\nprivate_dns_zones:\n  - name: privatelink.api.azureml.ms\n    resource_group: hub\n  - name: privatelink.api.azureml.ms\n    resource_group: spoke\n";
    let vague =
        "private_dns_zones:\n  - name: privatelink.api.azureml.ms\n    vnet_links: [vnet]\n";
    let exact = "private_dns_zones:\n  - name: privatelink.api.azureml.ms\n    resource_group: spoke\n    vnet_links: [vnet]\n";
    let dir = dir_with(
        "rg",
        &[
            ("base.yaml", base),
            ("vague.yaml", vague),
            ("exact.yaml", exact),
        ],
    );
    let e = rejected(with(&dir.join("base.yaml"), &[dir.join("vague.yaml")]));
    assert_eq!(e.diagnostics[0].code, "ambiguous");
    assert!(
        e.diagnostics[0].location.file.ends_with("vague.yaml"),
        "{:#?}",
        e.diagnostics
    );
    let l = with(&dir.join("base.yaml"), &[dir.join("exact.yaml")])
        .unwrap_or_else(|e| panic!("{:#?}", e.diagnostics));
    let zones = &l.topology.private_dns_zones;
    assert_eq!(zones.len(), 2);
    let linked: Vec<&str> = zones
        .iter()
        .filter(|z| !z.vnet_links.is_empty())
        .filter_map(|z| z.resource_group.as_deref())
        .collect();
    assert_eq!(linked, ["spoke"]);
}
