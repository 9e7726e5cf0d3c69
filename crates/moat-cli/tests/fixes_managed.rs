//! Fixes in a managed network: FQDN outbound rules for the hosts it does not approve, read
//! back, and written once each when several findings need them.

mod readback;

use readback::inputs::*;
use readback::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

/// A workspace whose managed network approves only its own rules, and an image build compute
/// that installs Python packages: pypi.org is not approved (MVN003).
const MVN_TF: &str = r#"resource "azurerm_resource_group" "rg" {
  name     = "rg-ml"
  location = "eastus"
}

resource "azurerm_machine_learning_workspace" "ws" {
  name                          = "ws"
  location                      = azurerm_resource_group.rg.location
  resource_group_name           = azurerm_resource_group.rg.name
  application_insights_id       = "id1"
  key_vault_id                  = "id2"
  storage_account_id            = "id3"
  public_network_access_enabled = false
  image_build_compute_name      = "cpu-cluster"
  managed_network {
    isolation_mode = "AllowOnlyApprovedOutbound"
  }
  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_machine_learning_compute_cluster" "cpu" {
  name                          = "cpu-cluster"
  location                      = azurerm_resource_group.rg.location
  machine_learning_workspace_id = azurerm_machine_learning_workspace.ws.id
  vm_priority                   = "Dedicated"
  vm_size                       = "Standard_DS3_v2"
  node_public_ip_enabled        = false
  scale_settings {
    min_node_count                       = 0
    max_node_count                       = 2
    scale_down_nodes_after_idle_duration = "PT30S"
  }
}
"#;

/// The FQDN findings of MVN003 and the host each is about.
fn blocked_hosts(v: &Value) -> BTreeSet<String> {
    findings(v)
        .iter()
        .filter(|f| f["code"] == "MVN003")
        .filter_map(|f| f["trace"]["to"].as_str())
        .filter(|to| to.starts_with("fqdn:"))
        .map(str::to_string)
        .collect()
}

/// A host the managed network does not approve gets an FQDN outbound rule; applied, the flow
/// is approved. Seed 004, "Allow only approved outbound mode": "You can control outbound rules
/// using private endpoint, service tag, and FQDN."
#[test]
fn an_outbound_rule_approves_the_host() {
    let native = std::fs::read_to_string(
        root().join("examples/managed-network-approved-outbound/topology.yaml"),
    )
    .unwrap()
    .replace(
        "        - { name: pypi, type: FQDN, destination: pypi.org }\n",
        "",
    );
    for (name, file, text) in [
        ("native", "topology.yaml", native.as_str()),
        ("terraform", "main.tf", MVN_TF),
        ("arm", "azuredeploy.json", MVN_ARM),
    ] {
        let dir = scratch(&format!("mvn-{name}"));
        std::fs::write(dir.join(file), text).unwrap();
        let before = check(&dir, file, &["--select", "MVN003"]);
        assert!(
            blocked_hosts(&before).contains("fqdn:pypi.org"),
            "{name}: {before:#}"
        );
        let pypi = findings(&before)
            .iter()
            .find(|f| f["trace"]["to"] == "fqdn:pypi.org")
            .unwrap();
        assert_eq!(pypi["fix_code"][0]["input"], name, "{pypi:#}");
        // This finding's fix alone: each is written against the input as it is.
        apply_edits(&dir, &serde_json::json!({ "findings": [pypi] }));
        let after = check(&dir, file, &["--select", "MVN003"]);
        assert!(
            !blocked_hosts(&after).contains("fqdn:pypi.org"),
            "{name}: {}\n{after:#}",
            std::fs::read_to_string(dir.join(file)).unwrap()
        );
    }
}

/// The approved-outbound example without its pypi.org rule, with a cluster that installs
/// packages: pypi.org is not approved (OUT002). In a managed network the fix is the network's own FQDN outbound rules,
/// not a firewall of the user's. Seed 004, "Allow only approved outbound mode": "You can
/// control outbound rules using private endpoint, service tag, and FQDN."
#[test]
fn hosts_a_managed_network_blocks_get_fqdn_rules() {
    let text = std::fs::read_to_string(
        root().join("examples/managed-network-approved-outbound/topology.yaml"),
    )
    .unwrap();
    let edits = [
        (
            "        - { name: pypi, type: FQDN, destination: pypi.org }\n",
            "",
        ),
        (
            "      enable_node_public_ip: false }\n",
            "      enable_node_public_ip: false, uses: [install-packages] }\n",
        ),
    ];
    let mut broken = text.clone();
    for (old, new) in edits {
        assert!(broken.contains(old), "{old}");
        broken = broken.replacen(old, new, 1);
    }
    let write = |d: &Path| std::fs::write(d.join("managed.yaml"), &broken).unwrap();
    let fixed = read_back(write, "managed.yaml", &["OUT002"]);
    assert_eq!(fixed, BTreeSet::from(["OUT002".to_string()]));
}

#[test]
fn outbound_rules_added_to_a_network_without_rules_write_one_list() {
    // A managed network in AllowOnlyApprovedOutbound mode with no outbound rule written, and a
    // cluster that installs packages: every package host needs an FQDN rule. The first fix
    // writes the list with all of them, once each (a wildcard's rule is named apart from its
    // domain's); applied, the hosts are approved and the key is written once.
    let native = "name: fqdn
region: eastus
workspaces:
  - name: ws
    public_network_access: Disabled
    managed_network: { isolation_mode: AllowOnlyApprovedOutbound }
computes:
  - { name: cpu, workspace: ws, type: AmlCompute, max_nodes: 2, enable_node_public_ip: false, uses: [install-packages] }
";
    for (file, text, code, key) in [
        ("topology.yaml", native, "OUT002", "outbound_rules:"),
        ("azuredeploy.json", MVN_ARM, "MVN003", "\"outboundRules\""),
    ] {
        let dir = scratch(&format!("one-list-{code}"));
        std::fs::write(dir.join(file), text).unwrap();
        let before = check(&dir, file, &["--select", code]);
        let edits = findings(&before)
            .iter()
            .flat_map(|f| f["fix_code"].as_array().cloned().unwrap_or_default())
            .filter(|s| s["edits"].is_array())
            .count();
        assert_eq!(edits, 1, "{before:#}");
        apply_edits(&dir, &before);
        let applied = std::fs::read_to_string(dir.join(file)).unwrap();
        assert_eq!(applied.matches(key).count(), 1, "{applied}");
        if code == "OUT002" {
            for name in ["allow-anaconda-com,", "allow-any-anaconda-com,"] {
                assert_eq!(applied.matches(name).count(), 1, "{applied}");
            }
        }
        let after = check(&dir, file, &["--select", code]);
        let hosts: Vec<&Value> = findings(&after)
            .iter()
            .filter(|f| {
                f["trace"]["to"]
                    .as_str()
                    .is_some_and(|t| t.starts_with("fqdn:"))
            })
            .collect();
        assert!(
            code == "MVN003" && hosts.is_empty() || findings(&after).is_empty(),
            "{after:#}\n{applied}"
        );
    }
}

#[test]
fn a_rule_two_findings_need_is_added_once_to_a_list_that_exists() {
    // A managed network in AllowOnlyApprovedOutbound mode with one FQDN rule written, whose
    // image builds (MVN003) and jobs (OUT002) both need pypi.org and anaconda.com: each needs
    // the same rule, and two edits that each appended it would write two rules of one name
    // (a rule's name is its key in the workspace's `outboundRules`). Applied, every rule is
    // written once and neither finding remains.
    let native = "name: fqdn
region: eastus
workspaces:
  - name: ws
    public_network_access: Disabled
    image_build_compute: cpu
    managed_network:
      isolation_mode: AllowOnlyApprovedOutbound
      outbound_rules:
        - { name: allow-example, type: FQDN, destination: example.com }
computes:
  - { name: cpu, workspace: ws, type: AmlCompute, max_nodes: 2, enable_node_public_ip: false, uses: [install-packages] }
";
    let dir = scratch("same-rule-twice");
    std::fs::write(dir.join("topology.yaml"), native).unwrap();
    let select = ["--select", "MVN003,OUT002"];
    let before = check(&dir, "topology.yaml", &select);
    let codes: BTreeSet<&str> = findings(&before)
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert_eq!(codes, BTreeSet::from(["MVN003", "OUT002"]), "{before:#}");
    apply_edits(&dir, &before);
    let applied = std::fs::read_to_string(dir.join("topology.yaml")).unwrap();
    for name in ["allow-pypi-org,", "allow-anaconda-com,"] {
        assert_eq!(applied.matches(name).count(), 1, "{applied}");
    }
    let after = check(&dir, "topology.yaml", &select);
    assert!(findings(&after).is_empty(), "{after:#}\n{applied}");
}

/// A managed network in AllowOnlyApprovedOutbound mode whose one FQDN rule names a host given
/// by a parameter without value: that rule may or may not approve the hosts an image build
/// needs, so MVN003 is undecided for each. The fix is the same as for a host surely refused:
/// an FQDN rule of its own approves it whatever the open rule names. Seed 004, "Allow only
/// approved outbound mode": "You can control outbound rules using private endpoint, service
/// tag, and FQDN." Applied, no host is left undecided.
#[test]
fn a_host_an_open_rule_may_approve_gets_an_fqdn_rule_too() {
    let template = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": { "mirror": { "type": "string" } },
  "resources": [
    { "type": "Microsoft.MachineLearningServices/workspaces", "apiVersion": "2024-04-01",
      "name": "lab", "location": "northeurope", "identity": { "type": "SystemAssigned" },
      "properties": { "imageBuildCompute": "builder", "publicNetworkAccess": "Disabled",
        "managedNetwork": { "isolationMode": "AllowOnlyApprovedOutbound",
          "outboundRules": { "mirror": { "type": "FQDN", "category": "UserDefined",
            "destination": "[parameters('mirror')]" } } } } },
    { "type": "Microsoft.MachineLearningServices/workspaces/computes", "apiVersion": "2024-04-01",
      "name": "lab/builder", "location": "northeurope",
      "properties": { "computeType": "AmlCompute", "properties": { "vmSize": "Standard_DS3_v2" } } }
  ]
}"#;
    let dir = scratch("open-rule-fqdn");
    std::fs::write(dir.join("azuredeploy.json"), template).unwrap();
    let before = check(&dir, "azuredeploy.json", &["--select", "MVN003"]);
    let open: Vec<&Value> = findings(&before)
        .iter()
        .filter(|f| f["trace"]["to"] == "fqdn:pypi.org")
        .collect();
    assert_eq!(open.len(), 1, "{before:#}");
    assert_eq!(open[0]["certainty"], "undecided", "{before:#}");
    assert_eq!(open[0]["changes"][0]["kind"], "add-fqdn-rule", "{before:#}");
    assert_eq!(
        open[0]["changes"][0]["destination"], "pypi.org",
        "{before:#}"
    );
    apply_edits(&dir, &before);
    let after = check(&dir, "azuredeploy.json", &["--select", "MVN003"]);
    assert!(
        blocked_hosts(&after).is_empty(),
        "{after:#}\n{}",
        std::fs::read_to_string(dir.join("azuredeploy.json")).unwrap()
    );
}
