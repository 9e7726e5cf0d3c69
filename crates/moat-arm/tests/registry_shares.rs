//! Sharing declared in a template: a registry model or data version whose URI points into a
//! workspace's datastore is a share from that workspace (seed "Network isolation with
//! registries", "Share assets from workspace to registry").

use moat_arm::{ArmOptions, load_str};
use moat_model::ml::AssetKind;

fn template(uri: &str) -> String {
    format!(
        r#"{{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {{
      "type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "name": "wsstore",
      "location": "eastus", "kind": "StorageV2", "sku": {{ "name": "Standard_LRS" }},
      "properties": {{ "publicNetworkAccess": "Disabled" }}
    }},
    {{
      "type": "Microsoft.MachineLearningServices/workspaces", "apiVersion": "2024-04-01",
      "name": "ws", "location": "eastus", "identity": {{ "type": "SystemAssigned" }},
      "properties": {{
        "storageAccount": "[resourceId('Microsoft.Storage/storageAccounts', 'wsstore')]",
        "publicNetworkAccess": "Disabled"
      }}
    }},
    {{
      "type": "Microsoft.MachineLearningServices/registries", "apiVersion": "2024-04-01",
      "name": "contosoreg", "location": "eastus",
      "properties": {{ "regionDetails": [{{ "location": "eastus" }}] }}
    }},
    {{
      "type": "Microsoft.MachineLearningServices/registries/models/versions",
      "apiVersion": "2024-04-01", "name": "contosoreg/churn/1",
      "dependsOn": ["[resourceId('Microsoft.MachineLearningServices/registries', 'contosoreg')]"],
      "properties": {{ "modelType": "custom_model", "modelUri": "{uri}" }}
    }}
  ]
}}"#
    )
}

#[test]
fn a_model_version_read_from_a_workspace_datastore_is_a_share_from_it() {
    let uri = "azureml://subscriptions/s/resourcegroups/rg/workspaces/ws/datastores/workspaceblobstore/paths/churn/";
    let l = load_str("t.json", &template(uri), &ArmOptions::default()).expect("loads");
    let w = &l.topology.workspaces[0];
    assert_eq!(w.shares_to.len(), 1, "{:#?}", w.shares_to);
    assert_eq!(w.shares_to[0].registry, "contosoreg");
    assert_eq!(w.shares_to[0].assets, vec![AssetKind::Model]);
}

#[test]
fn a_model_version_read_from_the_workspace_storage_account_is_a_share_too() {
    let uri = "https://wsstore.blob.core.windows.net/models/churn.pkl";
    let l = load_str("t.json", &template(uri), &ArmOptions::default()).expect("loads");
    assert_eq!(l.topology.workspaces[0].shares_to.len(), 1);
}

#[test]
fn a_model_version_from_elsewhere_declares_no_share() {
    let l = load_str(
        "t.json",
        &template("https://example.com/churn.pkl"),
        &ArmOptions::default(),
    )
    .expect("loads");
    assert!(l.topology.workspaces[0].shares_to.is_empty());
    assert!(
        l.topology.unmodelled.iter().any(|u| u
            .resource_type
            .to_ascii_lowercase()
            .ends_with("models/versions")),
        "{:#?}",
        l.topology.unmodelled
    );
}

#[test]
fn a_share_from_a_workspace_the_template_does_not_deploy_is_recorded() {
    let uri = "azureml://subscriptions/s/resourcegroups/rg/workspaces/other/datastores/d/paths/x";
    let l = load_str("t.json", &template(uri), &ArmOptions::default()).expect("loads");
    assert!(l.topology.workspaces[0].shares_to.is_empty());
    assert!(
        l.topology
            .unknowns
            .iter()
            .any(|u| u.field == "asset_uri" && u.reason.contains("`other`")),
        "{:#?}",
        l.topology.unknowns
    );
}
