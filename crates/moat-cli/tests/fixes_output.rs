//! Fixes as the user reads them: in text after the fix in words, in SARIF as fixes with their
//! replacements, and as `az` commands for what was read from Azure.

mod readback;

use readback::*;
use serde_json::Value;

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
