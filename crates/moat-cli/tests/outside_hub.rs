//! A project whose hub, or a workspace whose container registry, the input does not declare.
//!
//! A project is reached through its hub's network: "Hub/project workspaces: projects inherit
//! the hub FQDNs" (facts §6 item 99), and takes its hub's private endpoints, public network
//! access and managed network. A project spec that names its hub by id (`hub_id`, the hub of
//! another deployment) gives none of these, and `validate` says so: "analyses that need it
//! answer unknown". Before, the project was judged on its own settings (public access Enabled
//! by default): the internet reached it, ALLOWED.
//!
//! Seed 002: "When ACR is behind a virtual network, Azure Machine Learning can't use it to
//! directly build Docker images." A workspace whose registry the input names but does not
//! declare may have it behind a VNet; before, image.build "worked".

use std::path::PathBuf;
use std::process::{Command, Output};

fn moat(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_moat"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("moat runs")
}

fn write(name: &str, file: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("moat-outside-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join(file);
    std::fs::write(&f, text).unwrap();
    f
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

fn finding<'a>(report: &'a serde_json::Value, code: &str) -> &'a serde_json::Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == code)
        .unwrap_or_else(|| panic!("{code} is reported: {report:#}"))
}

fn operation<'a>(report: &'a serde_json::Value, op: &str) -> &'a serde_json::Value {
    report
        .as_array()
        .or_else(|| report["operations"].as_array())
        .unwrap_or_else(|| panic!("operations: {report:#}"))
        .iter()
        .find(|r| r["op"] == op)
        .unwrap_or_else(|| panic!("{op}: {report:#}"))
}

/// A project with a managed compute and an online endpoint, whose hub is another deployment's.
const PROJECT_RUNS: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.MachineLearningServices/workspaces",
      "apiVersion": "2024-04-01",
      "name": "proj",
      "location": "eastus",
      "kind": "Project",
      "properties": {
        "hubResourceId": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/my-hub"
      }
    },
    {
      "type": "Microsoft.MachineLearningServices/workspaces/computes",
      "apiVersion": "2024-04-01",
      "name": "proj/cpu",
      "location": "eastus",
      "dependsOn": ["[resourceId('Microsoft.MachineLearningServices/workspaces', 'proj')]"],
      "properties": {
        "computeType": "AmlCompute",
        "properties": { "vmSize": "Standard_DS3_v2", "enableNodePublicIp": false, "scaleSettings": { "maxNodeCount": 2 } }
      }
    },
    {
      "type": "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
      "apiVersion": "2024-04-01",
      "name": "proj/score",
      "location": "eastus",
      "dependsOn": ["[resourceId('Microsoft.MachineLearningServices/workspaces', 'proj')]"],
      "properties": { "authMode": "Key" }
    }
  ]
}
"#;

/// [`PROJECT_RUNS`] written as an ARM template, its compute with or without node public IP.
fn project_in_undeclared_hub(name: &str, node_public_ip: bool) -> PathBuf {
    let template = PROJECT_RUNS.replace(
        "\"enableNodePublicIp\": false",
        &format!("\"enableNodePublicIp\": {node_public_ip}"),
    );
    write(name, "azuredeploy.json", &template)
}

const PROJECT: &str = "$schema: https://azuremlschemas.azureedge.net/latest/workspace.schema.json
name: my-project
location: eastus
kind: project
hub_id: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/my-hub
";

#[test]
fn a_project_whose_hub_is_not_declared_is_not_reached_on_its_own_settings() {
    let f = write("spec", "project.yml", PROJECT);
    let f = f.to_str().unwrap();
    let o = moat(&[
        "trace",
        f,
        "--from",
        "internet",
        "--to",
        "workspace/my-project",
        "--format",
        "json",
    ]);
    let t = json(&o);
    assert_eq!(t["verdict"], "unknown", "{t:#}");
    let text = t.to_string();
    assert!(
        text.contains("DEST_EXTERNAL") && text.contains("my-hub"),
        "{t:#}"
    );

    let o = moat(&["check", f, "--format", "json"]);
    let report = json(&o);
    let sec001 = finding(&report, "SEC001");
    assert!(
        !sec001["needs"].as_array().unwrap().is_empty(),
        "SEC001 rests on the hub: {sec001:#}"
    );
    // The project builds in its hub's registry, which the input does not give.
    let acr003 = finding(&report, "ACR003");
    assert!(acr003["needs"].to_string().contains("my-hub"), "{acr003:#}");
    let o = moat(&["ops", f, "--format", "json"]);
    assert_eq!(operation(&json(&o), "image.build")["status"], "unknown");
}

/// A managed compute of such a project sits in its hub's network (a managed network, or
/// none): where its traffic leaves is unknown. Before, it was placed as a compute of a
/// workspace without managed network, with a public IP, and reached the internet; and SEC010
/// said it had a public address.
#[test]
fn a_compute_of_a_project_whose_hub_is_not_declared_is_not_placed() {
    let f = project_in_undeclared_hub("arm", false);
    let o = moat(&[
        "trace",
        f.to_str().unwrap(),
        "--from",
        "compute/cpu",
        "--to",
        "fqdn:pypi.org",
        "--format",
        "json",
    ]);
    let t = json(&o);
    assert_eq!(t["verdict"], "unknown", "{t:#}");
    assert!(t.to_string().contains("workspace/my-hub"), "{t:#}");
    // Without a node public IP, whether it has a public address is its hub's network's to
    // say: SEC010 is undecided, not a warning about a public address.
    let o = moat(&["check", f.to_str().unwrap(), "--format", "json"]);
    let report = json(&o);
    let sec010 = finding(&report, "SEC010");
    assert!(
        sec010["needs"].to_string().contains("workspace/my-hub"),
        "{sec010:#}"
    );
    assert!(
        sec010["message"].as_str().unwrap().contains("not decided"),
        "{sec010:#}"
    );
    // Whether it is in a network the deployment controls is the hub's to say too (SEC013).
    let sec013 = finding(&report, "SEC013");
    assert!(
        sec013["needs"].to_string().contains("workspace/my-hub"),
        "{sec013:#}"
    );
}

/// enableNodePublicIp: "true - Indicates that the compute nodes will have public IPs
/// provisioned" (Azure Resource Manager, compute properties), whichever network the hub gives
/// them: every possibility of the undeclared hub gives the same answer, so SEC010 stands
/// decided, where without the public IP it rests on the hub.
#[test]
fn a_compute_with_node_public_ip_in_an_undeclared_hub_is_public_either_way() {
    let f = project_in_undeclared_hub("public-ip", true);
    let o = moat(&["check", f.to_str().unwrap(), "--format", "json"]);
    let report = json(&o);
    let sec010 = finding(&report, "SEC010");
    assert_eq!(sec010["resource"], "compute/cpu", "{sec010:#}");
    assert!(
        sec010["needs"].as_array().is_none_or(|n| n.is_empty()),
        "{sec010:#}"
    );
    assert!(
        !sec010["message"].as_str().unwrap().contains("not decided"),
        "{sec010:#}"
    );
}

#[test]
fn a_workspace_whose_registry_is_not_declared_may_not_build_images() {
    let f = write(
        "acr",
        "ws.yml",
        "$schema: https://azuremlschemas.azureedge.net/latest/workspace.schema.json
name: ws
location: eastus
public_network_access: Disabled
container_registry: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/myacr
storage_account: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/myst
key_vault: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/mykv
",
    );
    let f = f.to_str().unwrap();
    let o = moat(&["ops", f, "--format", "json"]);
    assert_eq!(operation(&json(&o), "image.build")["status"], "unknown");
    let o = moat(&["check", f, "--format", "json"]);
    let report = json(&o);
    let acr003 = finding(&report, "ACR003");
    assert!(acr003["needs"].to_string().contains("myacr"), "{acr003:#}");
}

/// Seed 002 calls a registry "behind a virtual network" when it takes only chosen subnets
/// (service endpoint rules) as much as when it has a private endpoint: WS006 and image.build
/// read it alike.
#[test]
fn a_registry_taking_only_subnets_is_behind_a_vnet_for_image_builds() {
    let f = write(
        "rules",
        "topology.yaml",
        "workspaces:
  - name: ws
    region: eastus
    container_registry: wsacr
container_registries:
  - name: wsacr
    sku: Premium
    network_rule_set:
      default_action: Deny
      virtual_network_rules: [vnet/training]
virtual_networks:
  - name: vnet
    address_space: [10.0.0.0/16]
    subnets:
      - name: training
        address_prefixes: [10.0.1.0/24]
        service_endpoints: [Microsoft.ContainerRegistry]
",
    );
    let o = moat(&["ops", f.to_str().unwrap(), "--format", "json"]);
    let op = json(&o);
    let build = operation(&op, "image.build");
    assert_eq!(build["status"], "fails", "{build:#}");
}

/// Facts §6 item 99, "Hub/project workspaces: projects inherit the hub FQDNs": a project's
/// managed computes and online deployments run in its hub's network. Seed 004 names
/// read/write outbound as the way data leaves; from a network the input does not give, every
/// such destination is unknown. Before, `moat exfil` left the compute out of the map (no place
/// of the deployment held it, and it exited 0 when nothing else was open) and mapped the
/// deployments as legacy-isolated ones.
#[test]
fn exfil_maps_what_runs_in_an_undeclared_hubs_network_as_open() {
    let f = project_in_undeclared_hub("exfil", false);
    let o = moat(&["exfil", f.to_str().unwrap(), "--format", "json"]);
    assert_eq!(o.status.code(), Some(1), "undecided read/write outbound");
    let map = json(&o);
    let places = map["places"].as_array().unwrap();
    for id in ["compute/cpu", "online-endpoint/score"] {
        let p = places
            .iter()
            .find(|p| p["place"] == id)
            .unwrap_or_else(|| panic!("{id} is a place: {map:#}"));
        assert_eq!(p["kind"], "open", "{p:#}");
        let rows = p["destinations"].as_array().unwrap();
        assert!(!rows.is_empty());
        for r in rows {
            assert_eq!(r["verdict"], "unknown", "{r:#}");
            assert!(
                r["missing"].to_string().contains("workspace/my-hub"),
                "{r:#}"
            );
        }
    }
    assert!(
        !map.to_string().contains("legacy isolation"),
        "the deployments are not legacy-isolated ones: {map:#}"
    );
}

/// The same compute, as `moat check` sees it: EXF001-EXF003 are about computes "in a VNet or
/// managed network", which the hub's network may be. Before, the compute was read as one
/// outside any network (its project's own, default settings) and the rules said nothing.
#[test]
fn exfiltration_rules_are_undecided_for_a_compute_in_an_undeclared_hubs_network() {
    let f = project_in_undeclared_hub("exfil-check", false);
    let o = moat(&["check", f.to_str().unwrap(), "--format", "json"]);
    let report = json(&o);
    for code in ["EXF001", "EXF002", "EXF003"] {
        let x = finding(&report, code);
        assert_eq!(x["resource"], "compute/cpu", "{x:#}");
        assert!(x["needs"].to_string().contains("workspace/my-hub"), "{x:#}");
        assert_eq!(x["severity"], "warning", "{x:#}");
    }
}

/// Seed 004's hardened configuration, declared by a project (`exfiltration_protection`) whose
/// hub reference the input leaves open: the built-in invariants are proven from where its
/// compute runs, and cannot be decided there. Before, the compute was no place of the
/// deployment, and no invariant was proven at all.
#[test]
fn a_projects_declared_protection_is_proven_from_its_computes_in_an_undeclared_hub() {
    let f = write(
        "declared",
        "topology.yaml",
        "workspaces:
  - name: proj
    region: eastus
    kind: project
    exfiltration_protection: true
computes:
  - { name: cpu, workspace: proj, type: AmlCompute, enable_node_public_ip: false }
unknowns:
  - { resource: workspace/proj, field: hub, reason: 'parameter `hubId` has no value' }
",
    );
    let o = moat(&["check", f.to_str().unwrap(), "--format", "json"]);
    let report = json(&o);
    let inv: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "INV001" && f["resource"] == "compute/cpu")
        .collect();
    assert_eq!(inv.len(), 3, "{report:#}");
    for x in inv {
        assert!(!x["needs"].as_array().unwrap().is_empty(), "{x:#}");
    }
}
