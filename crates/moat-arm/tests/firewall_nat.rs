//! DNAT rule collections of classic firewalls and of firewall policies.

use moat_arm::{ArmOptions, load_str};
use moat_model::values::AddressPrefix;

const TEMPLATE: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-04-01", "name": "hub",
      "location": "eastus",
      "properties": {
        "addressSpace": { "addressPrefixes": ["10.100.0.0/16"] },
        "subnets": [{ "name": "AzureFirewallSubnet", "properties": { "addressPrefix": "10.100.0.0/26" } }]
      }
    },
    {
      "type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2023-04-01", "name": "fw-pip",
      "location": "eastus", "sku": { "name": "Standard" },
      "properties": { "publicIPAllocationMethod": "Static", "ipAddress": "20.5.5.5" }
    },
    {
      "type": "Microsoft.Network/azureFirewalls", "apiVersion": "2023-04-01", "name": "fw",
      "location": "eastus",
      "dependsOn": ["[resourceId('Microsoft.Network/virtualNetworks', 'hub')]"],
      "properties": {
        "ipConfigurations": [{
          "name": "ipconfig",
          "properties": {
            "subnet": { "id": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'hub', 'AzureFirewallSubnet')]" },
            "publicIPAddress": { "id": "[resourceId('Microsoft.Network/publicIPAddresses', 'fw-pip')]" }
          }
        }],
        "natRuleCollections": [{
          "name": "inbound",
          "properties": {
            "priority": 100,
            "action": { "type": "Dnat" },
            "rules": [{
              "name": "web",
              "protocols": ["TCP"],
              "sourceAddresses": ["*"],
              "destinationAddresses": ["20.5.5.5"],
              "destinationPorts": ["443"],
              "translatedAddress": "10.0.2.4",
              "translatedPort": "8080"
            }]
          }
        }]
      }
    },
    {
      "type": "Microsoft.Network/firewallPolicies", "apiVersion": "2023-04-01", "name": "pol",
      "location": "eastus", "properties": {}
    },
    {
      "type": "Microsoft.Network/firewallPolicies/ruleCollectionGroups", "apiVersion": "2023-04-01",
      "name": "pol/dnat",
      "dependsOn": ["[resourceId('Microsoft.Network/firewallPolicies', 'pol')]"],
      "properties": {
        "priority": 100,
        "ruleCollections": [{
          "ruleCollectionType": "FirewallPolicyNatRuleCollection",
          "name": "ssh",
          "priority": 110,
          "action": { "type": "DNAT" },
          "rules": [{
            "ruleType": "NatRule",
            "name": "jump",
            "ipProtocols": ["TCP"],
            "sourceAddresses": ["203.0.113.0/24"],
            "destinationAddresses": ["20.5.5.6"],
            "destinationPorts": ["2222"],
            "translatedAddress": "10.0.1.4",
            "translatedPort": "22"
          }]
        }]
      }
    }
  ]
}"#;

#[test]
fn classic_and_policy_dnat_rules_are_imported() {
    // Azure Firewall classic rules and Firewall Policy both hold NAT rule collections; the
    // policy's is `FirewallPolicyNatRuleCollection` with `NatRule` rules.
    let l = load_str("dnat.json", TEMPLATE, &ArmOptions::default())
        .unwrap_or_else(|e| panic!("{:#?}", e.diagnostics));
    let t = &l.topology;
    let fw = &t.firewalls[0];
    let c = &fw.nat_rule_collections[0];
    assert_eq!((c.name.as_str(), c.priority.get()), ("inbound", Some(100)));
    let r = &c.rules[0];
    assert_eq!(
        r.destination_addresses,
        vec!["20.5.5.5".parse::<AddressPrefix>().unwrap()]
    );
    assert_eq!(r.translated_address, Some("10.0.2.4".parse().unwrap()));
    assert_eq!(r.translated_port, Some(8080));
    assert!(
        !l.warnings.iter().any(|w| w.message.contains("DNAT")),
        "{:?}",
        l.warnings
    );
    let g = &t.firewall_policies[0].rule_collection_groups[0];
    let c = &g.nat_rule_collections[0];
    assert_eq!((c.name.as_str(), c.priority.get()), ("ssh", Some(110)));
    assert_eq!(c.rules[0].translated_port, Some(22));
    assert_eq!(c.rules[0].destination_ports[0].to_string(), "2222");
    assert!(g.network_rule_collections.is_empty());
}

/// A policy's rule collection whose group priority, collection action and one rule's type
/// the template leaves open (parameters without value), and a classic collection whose
/// rule list is open. None is dropped: each is kept open, so the engine decides it every way
/// (Azure Firewall rule processing: collections by group then collection priority, the
/// collection's action applying to each of its rules).
#[test]
fn open_groups_collections_and_rules_are_kept_open() {
    use moat_model::Open;
    use moat_model::firewall::{RuleValue, UNKNOWN_RULES};
    let template = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": { "groupPriority": { "type": "int" }, "action": { "type": "string" },
                  "ruleType": { "type": "string" }, "rules": { "type": "array" } },
  "resources": [
    { "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-04-01", "name": "hub",
      "location": "eastus",
      "properties": { "addressSpace": { "addressPrefixes": ["10.100.0.0/16"] },
        "subnets": [{ "name": "AzureFirewallSubnet", "properties": { "addressPrefix": "10.100.0.0/26" } }] } },
    { "type": "Microsoft.Network/azureFirewalls", "apiVersion": "2023-04-01", "name": "fw",
      "location": "eastus",
      "dependsOn": ["[resourceId('Microsoft.Network/virtualNetworks', 'hub')]"],
      "properties": {
        "ipConfigurations": [{ "name": "ipconfig", "properties": {
          "subnet": { "id": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'hub', 'AzureFirewallSubnet')]" } } }],
        "networkRuleCollections": [{ "name": "open-list",
          "properties": { "priority": 100, "action": { "type": "Deny" }, "rules": "[parameters('rules')]" } }] } },
    { "type": "Microsoft.Network/firewallPolicies", "apiVersion": "2023-04-01", "name": "pol",
      "location": "eastus", "properties": {} },
    { "type": "Microsoft.Network/firewallPolicies/ruleCollectionGroups", "apiVersion": "2023-04-01",
      "name": "pol/g",
      "dependsOn": ["[resourceId('Microsoft.Network/firewallPolicies', 'pol')]"],
      "properties": {
        "priority": "[parameters('groupPriority')]",
        "ruleCollections": [{
          "ruleCollectionType": "FirewallPolicyFilterRuleCollection",
          "name": "c", "priority": 100, "action": { "type": "[parameters('action')]" },
          "rules": [{ "ruleType": "[parameters('ruleType')]", "name": "r",
            "ipProtocols": ["TCP"], "sourceAddresses": ["*"], "destinationAddresses": ["*"],
            "destinationPorts": ["443"] }] }] } }
  ]
}"#;
    let l = load_str("open.json", template, &ArmOptions::default())
        .unwrap_or_else(|e| panic!("{:#?}", e.diagnostics));
    let t = &l.topology;
    let classic = &t.firewalls[0].network_rule_collections[0];
    assert_eq!(classic.rules.len(), 1, "{classic:#?}");
    assert_eq!(classic.rules[0].name, UNKNOWN_RULES);
    assert!(classic.rules[0].open.contains(&RuleValue::Sources));
    let g = &t.firewall_policies[0].rule_collection_groups[0];
    assert_eq!(g.priority, Open::Unknown);
    let n = &g.network_rule_collections[0];
    assert_eq!(n.action, Open::Unknown);
    assert_eq!(n.priority, Open::Known(100));
    assert_eq!(n.rules[0].name, UNKNOWN_RULES, "{n:#?}");
    assert_eq!(
        g.application_rule_collections[0].rules[0].name,
        UNKNOWN_RULES
    );
}
