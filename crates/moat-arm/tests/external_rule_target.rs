//! A managed network private endpoint rule to a resource the template does not deploy. Facts
//! §5.4: private endpoint targets "may be in another subscription but must be in the same
//! tenant"; an existing data lake in another resource group is a common target. The rule is
//! kept with the id that names it and the template loads, with a warning that says what is
//! not analysed; it is not refused as a dangling reference.

use moat_arm::{ArmOptions, load};
use moat_model::ml::OutboundDestination;

const TEMPLATE: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.MachineLearningServices/workspaces",
      "apiVersion": "2024-04-01",
      "name": "mlw-lake",
      "location": "westeurope",
      "identity": { "type": "SystemAssigned" },
      "properties": {
        "publicNetworkAccess": "Disabled",
        "managedNetwork": {
          "isolationMode": "AllowOnlyApprovedOutbound",
          "outboundRules": {
            "lake": {
              "type": "PrivateEndpoint",
              "category": "UserDefined",
              "destination": {
                "serviceResourceId": "[resourceId('rg-data', 'Microsoft.Storage/storageAccounts', 'stlakeshared')]",
                "subresourceTarget": "dfs"
              }
            }
          }
        }
      }
    }
  ]
}"#;

#[test]
fn a_rule_to_a_resource_outside_the_template_is_kept_with_a_warning() {
    let dir = std::env::temp_dir().join(format!("moat-arm-ext-rule-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("ws.json");
    std::fs::write(&p, TEMPLATE).unwrap();
    let l = load(&p, &ArmOptions::default()).unwrap_or_else(|e| panic!("{:#?}", e.diagnostics));
    let rules = &l.topology.workspaces[0].managed_network.outbound_rules;
    assert_eq!(rules.len(), 1);
    let OutboundDestination::PrivateEndpoint(d) = &rules[0].destination else {
        panic!("{rules:#?}")
    };
    assert!(
        d.service_resource.ends_with(
            "/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/stlakeshared"
        ),
        "{}",
        d.service_resource
    );
    assert_eq!(d.subresource_target, "dfs");
    assert!(
        l.warnings
            .iter()
            .any(|w| w.message.contains("storage/stlakeshared")),
        "{:#?}",
        l.warnings
    );
}
