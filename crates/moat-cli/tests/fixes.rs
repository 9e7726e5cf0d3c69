//! Fixes as code, read back: each snippet's edit applied to the input and `moat check` run
//! again — the finding it fixes is gone, and the input still reads — in Terraform, ARM and the
//! native format; the native snippet also works as a side file (`--with`).

mod readback;

use readback::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The rules whose findings carry a change.
const CODES: &[&str] = &[
    "ACR001", "ACR007", "CMP004", "KV002", "SEC002", "SEC004", "SEC005", "SEC006", "SEC007",
    "SEC008", "SEC009", "SEC010", "SEC011", "SEC012", "SEC015", "SEC016", "SEC017", "SEC018",
    "SEC019", "EP001", "MVN004",
];

#[test]
fn terraform_edits_remove_their_findings() {
    let from = root().join("crates/moat-cli/tests/data/posture/rules-terraform");
    let fixed = read_back(|d| copy_dir(&from, d), ".", CODES);
    let expected: BTreeSet<String> = [
        "CMP004", "SEC002", "SEC005", "SEC006", "SEC007", "SEC008", "SEC009", "SEC010", "SEC011",
        "SEC015", "SEC016", "SEC017", "SEC018", "SEC019",
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
        "SEC011", "SEC012", "SEC015", "SEC016", "SEC017", "SEC018", "SEC019",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(fixed, expected);
}

/// The exfiltration-prevention example in one form, without the links of its zones to the hub
/// VNet, where a client VM works: DNS006 for the workspace's zones.
fn without_hub_links(form: &str, dir: &Path) {
    let from = root().join("examples/exfiltration-prevention");
    let cut = |text: &str, start: &str, end: &str| -> String {
        let i = text.find(start).expect("the hub links are declared");
        let j = i + text[i..].find(end).unwrap() + end.len();
        format!("{}{}", &text[..i], &text[j..])
    };
    match form {
        "native" => {
            let text = std::fs::read_to_string(from.join("topology.yaml")).unwrap();
            std::fs::write(
                dir.join("topology.yaml"),
                text.replace(
                    "vnet_links: [spoke-vnet, hub-vnet]",
                    "vnet_links: [spoke-vnet]",
                ),
            )
            .unwrap();
        }
        "terraform" => {
            copy_dir(&from.join("terraform"), dir);
            let text = std::fs::read_to_string(dir.join("main.tf")).unwrap();
            let text = cut(
                &text,
                "resource \"azurerm_private_dns_zone_virtual_network_link\" \"hub\"",
                "}\n",
            );
            std::fs::write(dir.join("main.tf"), text).unwrap();
        }
        _ => {
            copy_dir(&from.join("arm"), dir);
            let text = std::fs::read_to_string(dir.join("azuredeploy.json")).unwrap();
            let at = text.find("/hub-vnet-link'").unwrap();
            let start = text[..at].rfind("\n    {\n").unwrap() + 1;
            let text = format!(
                "{}{}",
                &text[..start],
                cut(&text[start..], "{", "\n    },\n")
            );
            std::fs::write(dir.join("azuredeploy.json"), text).unwrap();
        }
    }
}

#[test]
fn a_live_export_gets_the_zone_link_command() {
    // Read from Azure, the link is made with the az command; the VNet is named by its id, as
    // it may sit in another resource group than the zone.
    let dir = scratch("live-dns006");
    copy_dir(&root().join("examples/exfiltration-prevention/live"), &dir);
    let file = dir.join("resources.json");
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let items = v["data"].as_array_mut().expect("a Resource Graph result");
    let before = items.len();
    items.retain(|r| {
        !(r["type"]
            .as_str()
            .unwrap()
            .eq_ignore_ascii_case("microsoft.network/privatednszones/virtualnetworklinks")
            && r["name"].as_str().unwrap().contains("hub"))
    });
    assert!(items.len() < before, "the hub links are exported");
    std::fs::write(&file, v.to_string()).unwrap();
    let out = check(&dir, ".", &["--select", "DNS006"]);
    let az: Vec<&str> = findings(&out)
        .iter()
        .flat_map(|f| f["fix_code"].as_array().into_iter().flatten())
        .filter(|s| s["input"] == "az")
        .filter_map(|s| s["text"].as_str())
        .collect();
    assert!(!az.is_empty(), "{out:#}");
    for cmd in az {
        assert!(
            cmd.starts_with("az network private-dns link vnet create --resource-group rg-ml --zone-name privatelink.")
                && cmd.contains("--virtual-network /subscriptions/")
                && cmd.contains("/virtualNetworks/hub-vnet --registration-enabled false"),
            "{cmd}"
        );
    }
}

#[test]
fn zone_links_remove_dns006_in_every_language() {
    // Private endpoint DNS, hub and spoke: the zone is linked to every VNet with clients. The
    // fix adds the link, and the finding is gone once the edit is applied.
    for (form, input) in [
        ("native", "topology.yaml"),
        ("terraform", "."),
        ("arm", "."),
    ] {
        let fixed = read_back(|d| without_hub_links(form, d), input, &["DNS006"]);
        assert_eq!(
            fixed,
            BTreeSet::from(["DNS006".to_string()]),
            "{form}: DNS006 has an edit that removes it"
        );
    }
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
  - { name: acr, sku: Basic, admin_user_enabled: true, network_rule_set: { bypass: None } }
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
    "SEC009", "SEC010", "SEC011", "SEC012", "SEC016", "SEC017", "SEC018", "SEC019", "EP001",
    "MVN004",
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

/// In text, the fix in words, then the change in the input's language.
#[test]
fn text_shows_the_change_in_the_input_language() {
    let o = moat_in(
        &root(),
        &[
            "check",
            "crates/moat-cli/tests/data/posture/rules-terraform",
            "--select",
            "SEC011",
            "-q",
            "--severity",
            "info",
        ],
    );
    // -q prints errors only: SEC011 is info.
    assert_eq!(String::from_utf8_lossy(&o.stdout), "");
    let o = moat_in(
        &root(),
        &[
            "check",
            "crates/moat-cli/tests/data/posture/rules-terraform",
            "--select",
            "SEC011",
        ],
    );
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        text,
        "crates/moat-cli/tests/data/posture/rules-terraform/main.tf:351:1: info[SEC011]
    compute/cpu-sec011-fail: compute cluster cpu-sec011-fail keeps 1 node(s) running when idle
  fix: Set the cluster's minimum node count to 0.
  as terraform:
    resource \"azurerm_machine_learning_compute_cluster\" \"sec011_fail\" {
      scale_settings {
        min_node_count = 0
      }
    }
0 errors, 0 warnings, 1 info; 28 warnings in the input
"
    );
    let o = moat_in(
        &root(),
        &[
            "check",
            "crates/moat-cli/tests/data/posture/rules-arm",
            "--select",
            "SEC008",
        ],
    );
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains(
            "  as arm:
    {
      \"type\": \"Microsoft.ContainerRegistry/registries\",
      \"name\": \"acrsec008fail\",
      \"properties\": {
        \"adminUserEnabled\": false
      }
    }
"
        ),
        "{text}"
    );
}

/// SARIF: the edit as a fix with its replacement, every snippet in the result's properties,
/// and a document valid against the schema.
#[test]
fn sarif_carries_fixes_with_their_replacements() {
    let o = moat_in(
        &root(),
        &[
            "check",
            "crates/moat-cli/tests/data/posture/rules-terraform",
            "--select",
            "SEC005",
            "--format",
            "sarif",
        ],
    );
    let sarif: Value = serde_json::from_slice(&o.stdout).unwrap();
    let schema_path = root().join("../shared/data/sarif-schema-2.1.0.json");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let r = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["properties"]["resource"] == "storage/stsec005fail")
        .unwrap();
    let change = &r["fixes"][0]["artifactChanges"][0];
    assert_eq!(
        change["artifactLocation"]["uri"],
        "crates/moat-cli/tests/data/posture/rules-terraform/main.tf"
    );
    // Inserted after the block's opening brace on line 199.
    assert_eq!(
        change["replacements"][0],
        serde_json::json!({
            "deletedRegion": { "startLine": 199, "startColumn": 51, "endLine": 199, "endColumn": 51 },
            "insertedContent": { "text": "\n  public_network_access_enabled = false" }
        })
    );
    assert_eq!(r["properties"]["fixCode"][0]["input"], "terraform");
}

/// What was read from Azure is changed with `az`, in the resource group of its id.
#[test]
fn a_live_export_gets_az_commands() {
    let dir = scratch("live");
    std::fs::write(
        dir.join("estate.json"),
        r#"{"count": 2, "data": [
  {"id": "/subscriptions/0000/resourceGroups/rg-ml/providers/Microsoft.Storage/storageAccounts/stdata", "name": "stdata", "type": "microsoft.storage/storageaccounts", "location": "eastus", "properties": {"publicNetworkAccess": "Enabled", "networkAcls": {"defaultAction": "Allow"}}},
  {"id": "/subscriptions/0000/resourceGroups/rg-ml/providers/Microsoft.ContainerRegistry/registries/acrml", "name": "acrml", "type": "microsoft.containerregistry/registries", "location": "eastus", "sku": {"name": "Premium"}, "properties": {"adminUserEnabled": true, "publicNetworkAccess": "Disabled"}}
], "skip_token": null, "total_records": 2}"#,
    )
    .unwrap();
    let v = check(&dir, "estate.json", &["--select", "SEC005,SEC008"]);
    let code: Vec<(&str, &str)> = findings(&v)
        .iter()
        .map(|f| {
            (
                f["fix_code"][0]["input"].as_str().unwrap(),
                f["fix_code"][0]["text"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        code,
        [
            (
                "az",
                "az storage account update --name stdata --resource-group rg-ml --public-network-access Disabled\n"
            ),
            (
                "az",
                "az acr update --name acrml --resource-group rg-ml --admin-enabled false\n"
            ),
        ]
    );
}

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

const MVN_ARM: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.MachineLearningServices/workspaces",
      "apiVersion": "2024-04-01",
      "name": "ws",
      "location": "eastus",
      "identity": { "type": "SystemAssigned" },
      "properties": {
        "publicNetworkAccess": "Disabled",
        "imageBuildCompute": "cpu-cluster",
        "managedNetwork": {
          "isolationMode": "AllowOnlyApprovedOutbound"
        }
      }
    },
    {
      "type": "Microsoft.MachineLearningServices/workspaces/computes",
      "apiVersion": "2024-04-01",
      "name": "ws/cpu-cluster",
      "location": "eastus",
      "dependsOn": [
        "[resourceId('Microsoft.MachineLearningServices/workspaces', 'ws')]"
      ],
      "properties": {
        "computeType": "AmlCompute",
        "properties": {
          "vmSize": "Standard_DS3_v2",
          "enableNodePublicIp": false,
          "scaleSettings": { "minNodeCount": 0, "maxNodeCount": 2 }
        }
      }
    }
  ]
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

/// The hub and spoke example in one form, with the Batch rule of the training NSG turned into
/// a deny at priority 300 (CMP003) and the compute cluster given public IPs (CMP002: no rule
/// admits BatchNodeManagement and AzureMachineLearning inbound; OUT004: the spoke's route
/// sends their replies through the firewall).
fn hub_spoke_broken(form: &str, dir: &Path) {
    let from = root().join("examples/hub-spoke-firewall");
    let (file, edits): (&str, [(&str, &str); 2]) = match form {
        "native" => (
            "topology.yaml",
            [
                (
                    "{ name: BatchNodeInbound, priority: 100, direction: Inbound, access: Allow,",
                    "{ name: BatchNodeInbound, priority: 300, direction: Inbound, access: Deny,",
                ),
                (
                    "subnet: spoke-vnet/training, enable_node_public_ip: false }",
                    "subnet: spoke-vnet/training, enable_node_public_ip: true }",
                ),
            ],
        ),
        "terraform" => (
            "terraform/main.tf",
            [
                (
                    "\"BatchNodeInbound\"\n    priority                   = 100\n    direction                  = \"Inbound\"\n    access                     = \"Allow\"",
                    "\"BatchNodeInbound\"\n    priority                   = 300\n    direction                  = \"Inbound\"\n    access                     = \"Deny\"",
                ),
                (
                    "node_public_ip_enabled        = false\n\n  scale_settings",
                    "node_public_ip_enabled        = true\n\n  scale_settings",
                ),
            ],
        ),
        _ => (
            "arm/azuredeploy.json",
            [
                (
                    "\"BatchNodeInbound\",\n            \"properties\": {\n              \"priority\": 100,\n              \"direction\": \"Inbound\",\n              \"access\": \"Allow\"",
                    "\"BatchNodeInbound\",\n            \"properties\": {\n              \"priority\": 300,\n              \"direction\": \"Inbound\",\n              \"access\": \"Deny\"",
                ),
                (
                    "\"enableNodePublicIp\": false,\n          \"remoteLoginPortPublicAccess\"",
                    "\"enableNodePublicIp\": true,\n          \"remoteLoginPortPublicAccess\"",
                ),
            ],
        ),
    };
    let src = from.join(file);
    if form != "native" {
        copy_dir(src.parent().unwrap(), dir);
    }
    let mut text = std::fs::read_to_string(&src).unwrap();
    for (old, new) in edits {
        assert!(text.contains(old), "{form}: {old}");
        text = text.replacen(old, new, 1);
    }
    std::fs::write(dir.join(src.file_name().unwrap()), text).unwrap();
}

#[test]
fn nsg_rules_and_public_ips_remove_their_findings_in_every_language() {
    // Required public internet access: no-public-IP computes need VirtualNetwork inbound on
    // TCP 29876-29877 and AzureLoadBalancer on 44224; public-IP computes need
    // BatchNodeManagement.<region> on 29876-29877 and AzureMachineLearning on 44224. The fix
    // is an allow rule in front of the one that denies; for a public-IP compute behind a
    // firewall, recreating it without public IP (OUT004's first fix).
    for (form, input) in [
        ("native", "topology.yaml"),
        ("terraform", "."),
        ("arm", "."),
    ] {
        let fixed = read_back(
            |d| hub_spoke_broken(form, d),
            input,
            &["CMP002", "CMP003", "OUT004"],
        );
        assert_eq!(
            fixed,
            BTreeSet::from(["CMP003".into(), "OUT004".into()]),
            "{form}"
        );
    }
}

/// The private endpoint example in one form with its compute cluster given public IPs: no rule
/// of the training NSG admits BatchNodeManagement and AzureMachineLearning inbound (CMP002).
fn public_cluster(form: &str, dir: &Path) {
    let from = root().join("examples/workspace-private-endpoint");
    let (file, old, new) = match form {
        "native" => (
            "topology.yaml",
            "enable_node_public_ip: false",
            "enable_node_public_ip: true",
        ),
        "terraform" => (
            "terraform/main.tf",
            "node_public_ip_enabled        = false\n\n  scale_settings",
            "node_public_ip_enabled        = true\n\n  scale_settings",
        ),
        _ => (
            "arm/azuredeploy.json",
            "\"enableNodePublicIp\": false",
            "\"enableNodePublicIp\": true",
        ),
    };
    let src = from.join(file);
    if form != "native" {
        copy_dir(src.parent().unwrap(), dir);
    }
    let text = std::fs::read_to_string(&src).unwrap();
    assert!(text.contains(old), "{form}: {old}");
    std::fs::write(
        dir.join(src.file_name().unwrap()),
        text.replacen(old, new, 1),
    )
    .unwrap();
}

#[test]
fn inbound_rules_for_public_ip_computes_remove_cmp002_in_every_language() {
    // Required public internet access, inbound rows: BatchNodeManagement.<region> on TCP
    // 29876-29877 and AzureMachineLearning on TCP 44224 to public-IP computes. The rules go in
    // the NSG as it is written: a native rule, an inline security_rule block, an element of
    // the template's securityRules.
    for (form, input) in [
        ("native", "topology.yaml"),
        ("terraform", "."),
        ("arm", "."),
    ] {
        let fixed = read_back(|d| public_cluster(form, d), input, &["CMP002"]);
        assert_eq!(fixed, BTreeSet::from(["CMP002".into()]), "{form}");
    }
}

/// Flows that NSGs deny in the native format: the inbound management of computes with and
/// without public IP (CMP002, CMP003), SSH to an attached VM (CMP014), outbound service tags
/// (OUT001), and public-IP computes behind an appliance (OUT004).
#[test]
fn native_nsg_rules_remove_their_findings() {
    let from = root().join("crates/moat-cli/tests/data/fixes/nsg");
    let codes = ["CMP002", "CMP003", "CMP014", "OUT001", "OUT004"];
    let fixed = read_back(|d| copy_dir(&from, d), "nsg.yaml", &codes);
    assert_eq!(fixed, codes.iter().map(|c| c.to_string()).collect());
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

/// The private endpoint example in one form with network policies enabled on the endpoints'
/// subnet (PE008). Configure a private endpoint for an Azure Machine Learning workspace: the
/// subnet's private endpoint network policies are disabled before the endpoint is added.
fn pe_policies_enabled(form: &str, dir: &Path) {
    let from = root().join("examples/workspace-private-endpoint");
    let (file, old, new) = match form {
        "native" => (
            "topology.yaml",
            "      - name: pe\n        address_prefixes: [10.0.3.0/24]\n",
            "      - name: pe\n        address_prefixes: [10.0.3.0/24]\n        private_endpoint_network_policies: Enabled\n",
        ),
        "terraform" => (
            "terraform/main.tf",
            "private_endpoint_network_policies = \"Disabled\"",
            "private_endpoint_network_policies = \"Enabled\"",
        ),
        _ => (
            "arm/azuredeploy.json",
            "\"privateEndpointNetworkPolicies\": \"Disabled\"",
            "\"privateEndpointNetworkPolicies\": \"Enabled\"",
        ),
    };
    let src = from.join(file);
    if form != "native" {
        copy_dir(src.parent().unwrap(), dir);
    }
    let text = std::fs::read_to_string(&src).unwrap();
    assert!(text.contains(old), "{form}: {old}");
    std::fs::write(
        dir.join(src.file_name().unwrap()),
        text.replacen(old, new, 1),
    )
    .unwrap();
}

#[test]
fn endpoint_subnet_policies_remove_pe008_in_every_language() {
    for (form, input) in [
        ("native", "topology.yaml"),
        ("terraform", "."),
        ("arm", "."),
    ] {
        let fixed = read_back(|d| pe_policies_enabled(form, d), input, &["PE008"]);
        assert_eq!(fixed, BTreeSet::from(["PE008".into()]), "{form}");
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

/// The private endpoint example in one form, its compute cluster given public IPs and its
/// training NSG stripped of every rule it writes: Azure's default rules deny BatchNodeManagement
/// and AzureMachineLearning inbound, two CMP002 findings on one NSG that has no list of rules.
fn bare_nsg(form: &str, dir: &Path) {
    public_cluster(form, dir);
    match form {
        "native" => {
            let path = dir.join("topology.yaml");
            let text = std::fs::read_to_string(&path).unwrap();
            let start = text.find("  - name: training-nsg\n    rules:\n").unwrap();
            let rules = start + "  - name: training-nsg\n".len();
            let end = rules + text[rules..].find("\n\n").unwrap();
            std::fs::write(&path, format!("{}{}", &text[..rules], &text[end + 1..])).unwrap();
        }
        _ => {
            let path = dir.join("azuredeploy.json");
            let mut v: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let nsg = v["resources"]
                .as_array_mut()
                .unwrap()
                .iter_mut()
                .find(|r| r["name"] == "training-nsg")
                .unwrap();
            nsg["properties"]
                .as_object_mut()
                .unwrap()
                .remove("securityRules")
                .expect("the NSG writes its rules");
            std::fs::write(&path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
        }
    }
}

#[test]
fn rules_added_to_an_nsg_without_rules_write_one_list() {
    // Two fixes on one NSG that writes no rules: each edit writing the list would give the
    // key twice. The first writes the list with both rules, the second none; applied, both
    // findings are gone and the input still reads.
    for (form, input, file) in [
        ("native", "topology.yaml", "topology.yaml"),
        ("arm", ".", "azuredeploy.json"),
    ] {
        let dir = scratch(&format!("bare-nsg-{form}"));
        bare_nsg(form, &dir);
        let before = check(&dir, input, &["--select", "CMP002"]);
        assert_eq!(findings(&before).len(), 2, "{form}: {before:#}");
        let with_edits = findings(&before)
            .iter()
            .filter(|f| f["fix_code"][0]["edits"].is_array())
            .count();
        assert_eq!(with_edits, 1, "{form}: {before:#}");
        let key = if form == "native" {
            "    rules:"
        } else {
            "\"securityRules\""
        };
        let lists = |dir: &Path| {
            let text = std::fs::read_to_string(dir.join(file)).unwrap();
            (text.matches(key).count(), text)
        };
        let (stripped, _) = lists(&dir);
        apply_edits(&dir, &before);
        let (written, text) = lists(&dir);
        assert_eq!(written, stripped + 1, "{form}: {text}");
        let after = check(&dir, input, &["--select", "CMP002"]);
        assert!(findings(&after).is_empty(), "{form}: {after:#}\n{text}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn the_fix_in_words_names_every_port_of_the_flow() {
    // Required public internet access: Batch node management arrives on TCP 29876-29877, both
    // ports; the fix names the two, not the port of the trace shown.
    let dir = root().join("crates/moat-cli/tests/data/fixes/nsg");
    let out = check(&dir, "nsg.yaml", &["--select", "CMP002,CMP003"]);
    let fixes: BTreeMap<String, String> = findings(&out)
        .iter()
        .map(|f| {
            (
                f["message"].as_str().unwrap().to_string(),
                f["fix"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let batch: Vec<&String> = fixes
        .iter()
        .filter(|(m, _)| m.contains("TCP 29876, 29877"))
        .map(|(_, f)| f)
        .collect();
    assert_eq!(batch.len(), 2, "{fixes:#?}");
    for fix in batch {
        assert!(fix.contains("allow inbound tcp/29876-29877 to "), "{fix}");
    }
    let probe = fixes
        .iter()
        .find(|(m, _)| m.contains("TCP 44224") && m.contains("no-public-IP"))
        .unwrap();
    assert!(
        probe.1.contains("allow inbound tcp/44224 to "),
        "{}",
        probe.1
    );
}

/// The Bicep snippets of a `moat check` result, each after the ARM snippet it renders.
fn bicep_snippets(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for f in findings(v) {
        let snippets = f["fix_code"].as_array().cloned().unwrap_or_default();
        for (i, s) in snippets.iter().enumerate() {
            if s["input"] == "bicep" {
                assert_eq!(snippets[i - 1]["input"], "arm", "{f:#}");
                assert_eq!(s["language"], "bicep");
                assert!(s.get("edits").is_none(), "{s:#}");
                out.push(s["text"].as_str().unwrap().to_string());
            }
        }
    }
    out
}

/// What Bicep reads: one declaration `resource sym 'type@version' = {`, then lines that are a
/// property (`key: value`, the key an identifier or a quoted string), an array item, or a
/// closing bracket; brackets balanced; strings in single quotes with `\'` inside.
fn assert_bicep(text: &str) {
    let ident = |s: &str| {
        s.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    // A quoted string from its opening quote: its length, or None when it is not closed.
    let quoted = |s: &str| -> Option<usize> {
        let mut escaped = false;
        for (i, c) in s.char_indices().skip(1) {
            match (escaped, c) {
                (false, '\\') => escaped = true,
                (false, '\'') => return Some(i + 1),
                _ => escaped = false,
            }
        }
        None
    };
    // A value: a string, a literal, an opening bracket, or an expression of names, calls,
    // strings and commas.
    let value = |v: &str| -> bool {
        if v == "{" || v == "[" || ["true", "false", "null"].contains(&v) {
            return true;
        }
        if v.parse::<i64>().is_ok() {
            return true;
        }
        let mut rest = v;
        let mut depth = 0i32;
        while let Some(c) = rest.chars().next() {
            if c == '\'' {
                let Some(n) = quoted(rest) else { return false };
                rest = &rest[n..];
                continue;
            }
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                '"' | '{' | '}' | ':' => return false,
                _ => {}
            }
            rest = &rest[c.len_utf8()..];
        }
        depth == 0
    };
    let mut lines = text.lines();
    let head = lines.next().unwrap();
    let decl: Vec<&str> = head.splitn(3, ' ').collect();
    assert!(
        decl[0] == "resource" && ident(decl[1]) && decl[2].ends_with("' = {"),
        "{text}"
    );
    let ty = &decl[2][..decl[2].len() - " = {".len()];
    assert!(quoted(ty) == Some(ty.len()) && ty.contains('@'), "{text}");
    let mut stack = vec!['{'];
    for line in lines {
        let l = line.trim_start();
        assert_eq!(
            (line.len() - l.len()) % 2,
            0,
            "indented by two spaces: {line}\n{text}"
        );
        if l == "}" || l == "]" {
            let open = stack.pop().unwrap();
            assert_eq!((open, l), (if l == "}" { '{' } else { '[' }, l), "{text}");
            continue;
        }
        let inside_array = stack.last() == Some(&'[');
        let v = if inside_array {
            l
        } else {
            let (k, v) = if l.starts_with('\'') {
                let n = quoted(l).unwrap_or_else(|| panic!("{line}\n{text}"));
                (&l[..n], l[n..].strip_prefix(": ").unwrap_or(""))
            } else {
                l.split_once(": ")
                    .unwrap_or_else(|| panic!("{line}\n{text}"))
            };
            assert!(ident(k) || k.starts_with('\''), "{line}\n{text}");
            v
        };
        assert!(value(v), "{line}\n{text}");
        if v == "{" || v == "[" {
            stack.push(v.chars().next().unwrap());
        }
    }
    assert!(stack.is_empty(), "{text}");
}

#[test]
fn bicep_sits_beside_the_arm_json() {
    // A template may be written in Bicep: each ARM fragment also as a Bicep declaration.
    let arm = root().join("crates/moat-cli/tests/data/posture/rules-arm");
    let out = check(&arm, ".", &["--select", &CODES.join(",")]);
    let bicep = bicep_snippets(&out);
    assert!(bicep.len() >= 15, "{out:#}");
    for b in &bicep {
        assert_bicep(b);
    }
    assert!(
        bicep.contains(
            &"resource acrsec008fail 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'acrsec008fail'
  properties: {
    adminUserEnabled: false
  }
}
"
            .to_string()
        ),
        "{bicep:#?}"
    );
    // A zone link, a security rule and an FQDN outbound rule.
    let dir = scratch("bicep-dns006");
    without_hub_links("arm", &dir);
    let links = bicep_snippets(&check(&dir, ".", &["--select", "DNS006"]));
    assert!(!links.is_empty());
    links.iter().for_each(|b| assert_bicep(b));
    assert!(
        links.contains(
            &"resource privatelinkApiAzuremlMsLink 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2020-06-01' = {
  name: format('{0}/{1}', 'privatelink.api.azureml.ms', 'hub-vnet')
  location: 'global'
  properties: {
    registrationEnabled: false
    virtualNetwork: {
      id: resourceId('Microsoft.Network/virtualNetworks', 'hub-vnet')
    }
  }
}
"
            .to_string()
        ),
        "{links:#?}"
    );
    let dir = scratch("bicep-cmp002");
    public_cluster("arm", &dir);
    let rules = bicep_snippets(&check(&dir, ".", &["--select", "CMP002"]));
    assert!(!rules.is_empty());
    for b in &rules {
        assert_bicep(b);
        assert!(
            b.starts_with("resource trainingNsg 'Microsoft.Network/networkSecurityGroups@")
                && b.contains(
                    "\n  properties: {\n    securityRules: [\n      {\n        name: 'allow-"
                )
                && b.contains("        properties: {\n          priority: ")
                && b.contains("          access: 'Allow'\n"),
            "{b}"
        );
    }
    assert!(
        rules
            .iter()
            .any(|b| b.contains("          destinationPortRange: '29876-29877'\n")),
        "{rules:#?}"
    );
    let dir = scratch("bicep-mvn003");
    std::fs::write(dir.join("azuredeploy.json"), MVN_ARM).unwrap();
    let fqdn = bicep_snippets(&check(&dir, ".", &["--select", "MVN003"]));
    fqdn.iter().for_each(|b| assert_bicep(b));
    assert!(
        fqdn.contains(
            &"resource ws 'Microsoft.MachineLearningServices/workspaces@2024-04-01' = {
  name: 'ws'
  properties: {
    managedNetwork: {
      outboundRules: {
        'allow-pypi-org': {
          type: 'FQDN'
          category: 'UserDefined'
          destination: 'pypi.org'
        }
      }
    }
  }
}
"
            .to_string()
        ),
        "{fqdn:#?}"
    );
}

#[test]
fn the_bicep_checker_rejects_what_bicep_does_not_read() {
    // The checker the Bicep tests rely on fails on JSON syntax, unbalanced brackets and
    // unclosed strings.
    let good = "resource st 'Microsoft.Storage/storageAccounts@2023-01-01' = {\n  name: 'st'\n}\n";
    assert_bicep(good);
    for bad in [
        "resource st 'Microsoft.Storage/storageAccounts@2023-01-01' = {\n  \"name\": \"st\"\n}\n",
        "resource st 'Microsoft.Storage/storageAccounts@2023-01-01' = {\n  name: 'st'\n",
        "resource st 'Microsoft.Storage/storageAccounts@2023-01-01' = {\n  name: 'st\n}\n",
        "resource st 'Microsoft.Storage/storageAccounts@2023-01-01' = {\n  name: 'st',\n  sku: {}}\n",
    ] {
        assert!(
            std::panic::catch_unwind(|| assert_bicep(bad)).is_err(),
            "{bad}"
        );
    }
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
