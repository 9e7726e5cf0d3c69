//! Fixes of the posture rules, read back: each snippet's edit applied to the input and
//! `moat check` run again — the finding it fixes is gone, and the input still reads — in
//! Terraform, ARM and the native format; the native snippet also works as a side file (`--with`).

mod readback;

use readback::inputs::*;
use readback::*;
use std::collections::BTreeSet;
use std::path::Path;

#[test]
fn terraform_edits_remove_their_findings() {
    let from = root().join("crates/moat-cli/tests/data/posture/rules-terraform");
    let fixed = read_back(|d| copy_dir(&from, d), ".", CODES);
    let expected: BTreeSet<String> = [
        "CMP004", "SEC002", "SEC005", "SEC006", "SEC007", "SEC008", "SEC009", "SEC010", "SEC011",
        "SEC014", "SEC015", "SEC016", "SEC017", "SEC018", "SEC019",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(fixed, expected);
}

#[test]
fn arm_edits_remove_their_findings() {
    let from = root().join("crates/moat-cli/tests/data/posture/rules-arm");
    let fixed = read_back(|d| copy_dir(&from, d), ".", CODES);
    let expected: BTreeSet<String> = [
        "CMP004", "SEC002", "SEC004", "SEC005", "SEC006", "SEC007", "SEC008", "SEC009", "SEC010",
        "SEC011", "SEC012", "SEC014", "SEC015", "SEC016", "SEC017", "SEC018", "SEC019",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(fixed, expected);
}

/// A secure workspace with a managed online endpoint left public, and a managed network asking
/// for a Premium firewall, as an ARM template.
const ARM_ENDPOINT: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.Network/virtualNetworks",
      "apiVersion": "2023-09-01",
      "name": "vnet",
      "location": "eastus",
      "properties": {
        "addressSpace": { "addressPrefixes": ["10.0.0.0/16"] },
        "subnets": [{ "name": "pe", "properties": { "addressPrefix": "10.0.2.0/24" } }]
      }
    },
    {
      "type": "Microsoft.MachineLearningServices/workspaces",
      "apiVersion": "2024-04-01",
      "name": "ws",
      "location": "eastus",
      "properties": { "publicNetworkAccess": "Disabled" }
    },
    {
      "type": "Microsoft.Network/privateEndpoints",
      "apiVersion": "2023-09-01",
      "name": "ws-pe",
      "location": "eastus",
      "properties": {
        "subnet": { "id": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', 'pe')]" },
        "privateLinkServiceConnections": [{
          "name": "ws",
          "properties": {
            "privateLinkServiceId": "[resourceId('Microsoft.MachineLearningServices/workspaces', 'ws')]",
            "groupIds": ["amlworkspace"]
          }
        }]
      }
    },
    {
      "type": "Microsoft.MachineLearningServices/workspaces",
      "apiVersion": "2024-04-01",
      "name": "mn",
      "location": "eastus",
      "properties": {
        "managedNetwork": { "isolationMode": "AllowOnlyApprovedOutbound", "firewallSku": "Premium" }
      }
    },
    {
      "type": "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
      "apiVersion": "2024-04-01",
      "name": "ws/scoring",
      "location": "eastus",
      "properties": { "authMode": "Key" }
    }
  ]
}
"#;

#[test]
fn arm_endpoint_and_managed_firewall_edits_remove_their_findings() {
    // Network isolation with managed online endpoints: a secure workspace's endpoint scores
    // through the workspace's private endpoint once its public network access is disabled.
    // Managed network limitations: the managed firewall is Standard or Basic, never Premium.
    let write = |d: &Path| std::fs::write(d.join("azuredeploy.json"), ARM_ENDPOINT).unwrap();
    let fixed = read_back(write, ".", &["EP001", "EP006", "MVN004"]);
    assert_eq!(
        fixed,
        BTreeSet::from([
            "EP001".to_string(),
            "EP006".to_string(),
            "MVN004".to_string()
        ])
    );
}

/// Every finding with a change, in block and flow style.
const NATIVE: &str = "# Findings with a change, in block and flow style.
name: fixes
region: eastus

workspaces:
  - name: ws
    public_network_access: Enabled
    storage_account: st
    key_vault: kv
    container_registry: acr

  - name: mn
    managed_network: { isolation_mode: AllowOnlyApprovedOutbound, firewall_sku: Premium }

  - { name: open }

  - name: user
    identity: UserAssigned
    user_assigned_identities:
      - /subscriptions/0000/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/user-id

registries:
  - name: reg

computes:
  - name: cluster
    workspace: ws
    type: AmlCompute
    min_nodes: 1
    max_nodes: 2
    subnet: vnet/training
  - { name: ci, workspace: ws, type: ComputeInstance, subnet: vnet/training }

storage_accounts:
  - name: st
  - { name: stanon, allow_blob_public_access: true }

key_vaults:
  - name: kv
    network_acls: { default_action: Deny, bypass: None }

container_registries:
  - { name: acr, sku: Basic, network_rule_set: { bypass: None } }
  # Its own admin user: the workspace's cluster, pulling from acr through its private
  # endpoint, needs acr's (SEC008 then proposes no change).
  - { name: acradmin, sku: Premium, admin_user_enabled: true }
  - name: acrpull
    sku: Standard
    anonymous_pull_enabled: true

virtual_networks:
  - name: vnet
    address_space: [10.0.0.0/16]
    subnets:
      - name: training
        address_prefixes: [10.0.1.0/24]
      - name: pe
        address_prefixes: [10.0.2.0/24]

private_endpoints:
  - { name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace }
  - { name: acr-pe, subnet: vnet/pe, target: acr/acr, group_id: registry }

online_endpoints:
  - { name: scoring, workspace: ws }
";

const NATIVE_CODES: &[&str] = &[
    "ACR001", "ACR007", "CMP004", "KV002", "SEC002", "SEC004", "SEC005", "SEC007", "SEC008",
    "SEC009", "SEC010", "SEC011", "SEC012", "SEC014", "SEC016", "SEC017", "SEC018", "SEC019",
    "EP001", "MVN004",
];

#[test]
fn native_edits_remove_their_findings() {
    let write = |d: &Path| std::fs::write(d.join("topology.yaml"), NATIVE).unwrap();
    let fixed = read_back(write, "topology.yaml", CODES);
    let expected: BTreeSet<String> = NATIVE_CODES.iter().map(|s| s.to_string()).collect();
    assert_eq!(fixed, expected);
}

/// The native snippet is a side file: each merged with `--with` completes its resource by name.
#[test]
fn native_snippets_are_side_files() {
    let dir = scratch("native-with");
    std::fs::write(dir.join("topology.yaml"), NATIVE).unwrap();
    let select = CODES.join(",");
    let before = check(&dir, "topology.yaml", &["--select", &select]);
    let mut args: Vec<String> = Vec::new();
    let mut with_code = BTreeSet::new();
    for (i, f) in findings(&before).iter().enumerate() {
        for s in f["fix_code"].as_array().into_iter().flatten() {
            assert_eq!(s["input"], "native");
            let file = format!("fix-{i}.yaml");
            std::fs::write(dir.join(&file), s["text"].as_str().unwrap()).unwrap();
            args.push("--with".into());
            args.push(file);
            with_code.insert(key(f));
        }
    }
    let codes: BTreeSet<&str> = with_code.iter().map(|k| k.0.as_str()).collect();
    assert_eq!(codes, NATIVE_CODES.iter().copied().collect());
    let mut extra: Vec<&str> = args.iter().map(String::as_str).collect();
    extra.extend(["--select", &select]);
    let after = check(&dir, "topology.yaml", &extra);
    let left: BTreeSet<(String, String)> = findings(&after).iter().map(key).collect();
    for k in &with_code {
        assert!(!left.contains(k), "{k:?} is still reported:\n{after:#}");
    }
}

/// A workspace in v1 legacy mode with a managed online endpoint that uses key authentication,
/// and a key vault that admits no trusted service: the endpoint cannot be created (EP004) and
/// its keys cannot be stored (EP010).
const NATIVE_ENDPOINT: &str = "name: endpoint
region: eastus
workspaces:
  - { name: ws, key_vault: wskv, v1_legacy_mode: true }
key_vaults:
  - name: wskv
    network_acls: { default_action: Deny, bypass: None }
online_endpoints:
  - { name: scoring, workspace: ws, auth_mode: key }
";

const ARM_LEGACY: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.KeyVault/vaults",
      "apiVersion": "2023-07-01",
      "name": "wskv",
      "location": "eastus",
      "properties": {
        "tenantId": "00000000-0000-0000-0000-000000000000",
        "sku": { "family": "A", "name": "standard" },
        "networkAcls": { "defaultAction": "Deny", "bypass": "None" }
      }
    },
    {
      "type": "Microsoft.MachineLearningServices/workspaces",
      "apiVersion": "2024-04-01",
      "name": "ws",
      "location": "eastus",
      "properties": {
        "keyVault": "[resourceId('Microsoft.KeyVault/vaults', 'wskv')]",
        "v1LegacyMode": true
      }
    },
    {
      "type": "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
      "apiVersion": "2024-04-01",
      "name": "ws/scoring",
      "location": "eastus",
      "properties": { "authMode": "Key" }
    }
  ]
}
"#;

#[test]
fn endpoint_prerequisites_remove_ep004_and_ep010() {
    // Network isolation with managed online endpoints: v1_legacy_mode must be off; with key
    // authentication the endpoint's keys go to the workspace key vault, which must admit
    // trusted Azure services when its network is restricted.
    for (file, text) in [
        ("endpoint.yaml", NATIVE_ENDPOINT),
        ("azuredeploy.json", ARM_LEGACY),
    ] {
        let write = |d: &Path| std::fs::write(d.join(file), text).unwrap();
        let fixed = read_back(write, file, &["EP004", "EP010"]);
        assert_eq!(
            fixed,
            BTreeSet::from(["EP004".to_string(), "EP010".to_string()]),
            "{file}"
        );
    }
}

#[test]
fn a_workspace_with_several_user_identities_gets_no_primary() {
    // Set up authentication, "user-assigned managed identity": the workspace uses the identity
    // primaryUserAssignedIdentity names. With one attached, the fix names it; with two, which one
    // the roles were prepared for is the user's choice, and the fix stays in words.
    let dir = scratch("sec014-several");
    let topology = "name: ids
region: eastus
workspaces:
  - name: ws
    identity: UserAssigned
    user_assigned_identities: [/subscriptions/0000/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/a, /subscriptions/0000/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/b]
";
    std::fs::write(dir.join("topology.yaml"), topology).unwrap();
    let v = check(&dir, "topology.yaml", &["--select", "SEC014"]);
    let f = &findings(&v)[0];
    assert_eq!(f["code"], "SEC014");
    assert!(f["changes"].as_array().is_none_or(Vec::is_empty), "{f:#}");
    assert!(f["fix_code"].is_null(), "{f:#}");
}
