//! Identity by reference in ARM templates: `resourceId()` with an unknown subscription or
//! resource group, or an id concatenated from unknown parts, names the resource the template
//! deploys when type and name determine it.
//!
//! Behaviour checked: Azure's id format (`resourceId`, learn.microsoft.com/azure/
//! azure-resource-manager/templates/template-functions-resource#resourceid) is
//! `/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/{resourceType}/{resourceName}`;
//! the importer's issue, item 2: "an id string some of whose segments are unknown, resolves to
//! the declared resource whenever the known parts (type, name ...) determine it ... An unknown
//! subscription, resource group or random suffix never breaks structure."

use moat_arm::{ArmOptions, load};
use moat_model::address::{Address, Kind};

fn template(target: &str) -> String {
    format!(
        r#"{{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {{
    "sub": {{ "type": "string" }},
    "group": {{ "type": "string" }},
    "suffix": {{ "type": "string" }}
  }},
  "resources": [
    {{
      "type": "Microsoft.Network/virtualNetworks",
      "apiVersion": "2023-04-01",
      "name": "vnet",
      "location": "westeurope",
      "properties": {{
        "addressSpace": {{ "addressPrefixes": ["10.0.0.0/16"] }},
        "subnets": [{{ "name": "pe", "properties": {{ "addressPrefix": "10.0.1.0/24" }} }}]
      }}
    }},
    {{
      "type": "Microsoft.MachineLearningServices/workspaces",
      "apiVersion": "2024-04-01",
      "name": "[concat('mlw-', parameters('suffix'))]",
      "location": "westeurope",
      "identity": {{ "type": "SystemAssigned" }},
      "properties": {{ "publicNetworkAccess": "Disabled" }}
    }},
    {{
      "type": "Microsoft.Network/privateEndpoints",
      "apiVersion": "2023-04-01",
      "name": "pe-ws",
      "location": "westeurope",
      "properties": {{
        "subnet": {{ "id": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', 'pe')]" }},
        "privateLinkServiceConnections": [{{
          "name": "ws",
          "properties": {{ "privateLinkServiceId": "{target}", "groupIds": ["amlworkspace"] }}
        }}]
      }}
    }}
  ]
}}"#
    )
}

/// The endpoint's target, and the address of the workspace the template deploys.
fn target_of(target: &str) -> (Option<Address>, Address) {
    let dir = std::env::temp_dir().join(format!("moat-arm-ident-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let name = format!("t{:x}.json", {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        target.hash(&mut h);
        h.finish()
    });
    let p = dir.join(name);
    std::fs::write(&p, template(target)).unwrap();
    let l = load(&p, &ArmOptions::default()).unwrap_or_else(|e| panic!("{:#?}", e.diagnostics));
    let t = &l.topology;
    assert_eq!(t.workspaces.len(), 1);
    let pe = t
        .private_endpoints
        .iter()
        .find(|p| p.name == "pe-ws")
        .map(|p| p.target.clone());
    (
        pe,
        Address::resource(Kind::Workspace, &t.workspaces[0].name),
    )
}

#[test]
fn resource_id_with_an_unknown_subscription_and_group_names_the_declared_workspace() {
    let a = target_of(
        "[resourceId(parameters('sub'), parameters('group'), 'Microsoft.MachineLearningServices/workspaces', concat('mlw-', parameters('suffix')))]",
    );
    assert_eq!(a.0, Some(a.1));
}

#[test]
fn an_id_concatenated_from_unknown_parts_names_the_declared_workspace() {
    let a = target_of(
        "[concat('/subscriptions/', subscription().subscriptionId, '/resourceGroups/', parameters('group'), '/providers/Microsoft.MachineLearningServices/workspaces/mlw-', parameters('suffix'))]",
    );
    assert_eq!(a.0, Some(a.1));
}

#[test]
fn an_id_whose_name_is_not_determined_stays_unresolved() {
    // Another, wholly unknown name: the workspace may be one the template does not deploy.
    // The endpoint exists all the same (the rule: "keep them: the endpoint exists, its subnet
    // and NIC address are known, only the target is unknown"): it is kept, its target a
    // workspace of unknown name, never the declared one.
    let a = target_of(
        "[resourceId(parameters('sub'), parameters('group'), 'Microsoft.MachineLearningServices/workspaces', parameters('group'))]",
    );
    let target = a.0.expect("the endpoint is kept");
    assert_ne!(target, a.1);
    assert!(
        matches!(&target, Address::Resource { kind: Kind::Workspace, name, .. } if name.starts_with('<')),
        "{target}"
    );
}
