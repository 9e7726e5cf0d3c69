//! Resource firewalls that admit a subnet the template does not deploy.
//!
//! The workspace quickstart with an existing VNet puts its storage account and key vault
//! "behind the VNet" with a `virtualNetworkRules` entry built from the VNet's resource group
//! and name, passed as parameters. The Azure Storage firewall documentation lets a virtual
//! network rule name a subnet the account's template does not own: a rule may grant access to
//! a subnet "in another subscription" (facts §1.5: "subnet may be in another
//! subscription/tenant"). What the template writes — which subnet is admitted — is a fact;
//! only that subnet's own settings (its service endpoints) are unknown. A compute or a private
//! endpoint placed in such a subnet is kept in an external subnet; the rule names the same one.

use moat_arm::{ArmOptions, load_str};

const TEMPLATE: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": { "laterSubnet": { "type": "string" } },
  "variables": {
    "corp": "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/corp/subnets/ml"
  },
  "resources": [
    {
      "type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "name": "stx",
      "location": "eastus", "kind": "StorageV2", "sku": { "name": "Standard_LRS" },
      "properties": { "networkAcls": { "defaultAction": "Deny", "bypass": "AzureServices",
        "virtualNetworkRules": [
          { "id": "[variables('corp')]", "action": "Allow" },
          { "id": "[parameters('laterSubnet')]", "action": "Allow" }
        ] } }
    },
    {
      "type": "Microsoft.KeyVault/vaults", "apiVersion": "2023-07-01", "name": "kvx",
      "location": "eastus",
      "properties": { "tenantId": "[subscription().tenantId]",
        "sku": { "family": "A", "name": "standard" },
        "networkAcls": { "defaultAction": "Deny", "virtualNetworkRules": [{ "id": "[variables('corp')]" }] } }
    },
    {
      "type": "Microsoft.ContainerRegistry/registries", "apiVersion": "2023-07-01", "name": "crmlrules",
      "location": "eastus", "sku": { "name": "Premium" },
      "properties": { "networkRuleSet": { "defaultAction": "Deny",
        "virtualNetworkRules": [{ "id": "[variables('corp')]", "action": "Allow" }] } }
    },
    {
      "type": "Microsoft.MachineLearningServices/workspaces", "apiVersion": "2024-04-01",
      "name": "wsx", "location": "eastus", "identity": { "type": "SystemAssigned" },
      "properties": {
        "storageAccount": "[resourceId('Microsoft.Storage/storageAccounts', 'stx')]",
        "keyVault": "[resourceId('Microsoft.KeyVault/vaults', 'kvx')]",
        "containerRegistry": "[resourceId('Microsoft.ContainerRegistry/registries', 'crmlrules')]"
      }
    },
    {
      "type": "Microsoft.MachineLearningServices/workspaces/computes", "apiVersion": "2024-04-01",
      "name": "wsx/cc", "location": "eastus",
      "dependsOn": ["[resourceId('Microsoft.MachineLearningServices/workspaces', 'wsx')]"],
      "properties": { "computeType": "AmlCompute", "properties": {
        "vmSize": "Standard_DS3_v2", "enableNodePublicIp": false,
        "scaleSettings": { "minNodeCount": 0, "maxNodeCount": 2 },
        "subnet": { "id": "[variables('corp')]" } } }
    }
  ]
}"#;

#[test]
fn a_rule_admitting_a_subnet_outside_the_template_names_that_subnet() {
    let l = load_str("rules.json", TEMPLATE, &ArmOptions::default())
        .unwrap_or_else(|e| panic!("{:#?}", e.diagnostics));
    let t = &l.topology;
    let corp = vec!["corp/ml".to_string()];
    assert_eq!(
        t.storage_accounts[0].network_rules.virtual_network_rules,
        corp
    );
    assert_eq!(t.key_vaults[0].network_acls.virtual_network_rules, corp);
    assert_eq!(
        t.container_registries[0]
            .network_rule_set
            .virtual_network_rules,
        corp
    );
    // The very subnet the compute is placed in: one external subnet, of unknown settings.
    assert_eq!(t.computes[0].subnet.as_deref(), Some("corp/ml"));
    assert_eq!(t.virtual_networks.len(), 1);
    let v = &t.virtual_networks[0];
    assert!(v.external && v.subnets.len() == 1 && v.subnets[0].external);
    assert!(
        moat_model::validate(t).is_empty(),
        "{:#?}",
        moat_model::validate(t)
    );
    // The rules are known; what stays open is the subnet's settings, and the entry whose
    // subnet the parameters leave open (it may be any subnet).
    let mut fields: Vec<(&str, &str)> = t
        .unknowns
        .iter()
        .map(|u| (u.resource.as_str(), u.field.as_str()))
        .filter(|(r, _)| !r.starts_with("deployment/"))
        .collect();
    fields.sort();
    assert_eq!(
        fields,
        vec![
            ("storage/stx", "network_rules.virtual_network_rules"),
            ("subnet/corp/ml", "*"),
            ("vnet/corp", "*"),
        ],
        "{:#?}",
        t.unknowns
    );
}
