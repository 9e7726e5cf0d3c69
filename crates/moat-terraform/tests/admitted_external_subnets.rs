//! Resource firewalls whose virtual network rules name a subnet the configuration does not
//! declare: one read by a data source, one written as the id of a subnet of another VNet.
//!
//! A storage account's network rules may grant access to a subnet "in another subscription"
//! (facts §1.5: "subnet may be in another subscription/tenant"): which subnet the rule admits
//! is what the configuration writes, a fact; only that subnet's own settings (its service
//! endpoints) are unknown. The ARM importer reads such an entry as an external subnet; the
//! Terraform importer reads it through the same code, so both give one model.

use moat_model::Topology;
use moat_terraform::{TfOptions, load_str};

const CONFIG: &str = r#"
data "azurerm_subnet" "jobs" {
  name                 = "snet-jobs"
  virtual_network_name = "corp-vnet"
  resource_group_name  = "rg-net"
}

resource "azurerm_storage_account" "data" {
  name                     = "stdata"
  resource_group_name      = "rg"
  location                 = "eastus"
  account_tier             = "Standard"
  account_replication_type = "LRS"
  network_rules {
    default_action = "Deny"
    virtual_network_subnet_ids = [
      data.azurerm_subnet.jobs.id,
      "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/other-vnet/subnets/snet-2",
    ]
  }
}

resource "azurerm_key_vault" "kv" {
  name                = "kv-data"
  location            = "eastus"
  resource_group_name = "rg"
  tenant_id           = "00000000-0000-0000-0000-000000000002"
  sku_name            = "standard"
  network_acls {
    default_action             = "Deny"
    bypass                     = "AzureServices"
    virtual_network_subnet_ids = [data.azurerm_subnet.jobs.id]
  }
}

resource "azurerm_container_registry" "acr" {
  name                = "acrdata"
  resource_group_name = "rg"
  location            = "eastus"
  sku                 = "Premium"
  network_rule_set {
    default_action = "Deny"
    virtual_network {
      action    = "Allow"
      subnet_id = data.azurerm_subnet.jobs.id
    }
  }
}
"#;

/// The same rules as an ARM template writes them.
const TEMPLATE: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "variables": {
    "jobs": "[resourceId('rg-net', 'Microsoft.Network/virtualNetworks/subnets', 'corp-vnet', 'snet-jobs')]"
  },
  "resources": [
    {
      "type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "name": "stdata",
      "location": "eastus", "kind": "StorageV2", "sku": { "name": "Standard_LRS" },
      "properties": { "networkAcls": { "defaultAction": "Deny", "virtualNetworkRules": [
        { "id": "[variables('jobs')]", "action": "Allow" },
        { "id": "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/other-vnet/subnets/snet-2", "action": "Allow" }
      ] } }
    },
    {
      "type": "Microsoft.KeyVault/vaults", "apiVersion": "2023-07-01", "name": "kv-data",
      "location": "eastus",
      "properties": { "tenantId": "00000000-0000-0000-0000-000000000002",
        "sku": { "family": "A", "name": "standard" },
        "networkAcls": { "defaultAction": "Deny", "bypass": "AzureServices",
          "virtualNetworkRules": [{ "id": "[variables('jobs')]" }] } }
    },
    {
      "type": "Microsoft.ContainerRegistry/registries", "apiVersion": "2023-07-01", "name": "acrdata",
      "location": "eastus", "sku": { "name": "Premium" },
      "properties": { "networkRuleSet": { "defaultAction": "Deny",
        "virtualNetworkRules": [{ "id": "[variables('jobs')]", "action": "Allow" }] } }
    }
  ]
}"#;

/// Each firewall's admitted subnets, and the external subnets of the model.
fn rules(t: &Topology) -> (Vec<Vec<String>>, Vec<String>) {
    let admitted = vec![
        t.storage_accounts[0]
            .network_rules
            .virtual_network_rules
            .clone(),
        t.key_vaults[0].network_acls.virtual_network_rules.clone(),
        t.container_registries[0]
            .network_rule_set
            .virtual_network_rules
            .clone(),
    ];
    let ix = t.index();
    let mut external: Vec<String> = t
        .virtual_networks
        .iter()
        .flat_map(|v| {
            v.subnets
                .iter()
                .map(move |s| format!("{}/{}", v.name, s.name))
        })
        .filter(|k| moat_model::external::is_external_subnet(t, &ix, k))
        .collect();
    external.sort();
    (admitted, external)
}

#[test]
fn subnets_the_configuration_does_not_declare_are_admitted_as_external_subnets() {
    let l = load_str("main.tf", CONFIG, &TfOptions::default())
        .unwrap_or_else(|e| panic!("{:#?}", e.diagnostics));
    let t = &l.topology;
    let (admitted, external) = rules(t);
    assert_eq!(
        admitted,
        vec![
            vec![
                "corp-vnet/snet-jobs".to_string(),
                "other-vnet/snet-2".to_string()
            ],
            vec!["corp-vnet/snet-jobs".to_string()],
            vec!["corp-vnet/snet-jobs".to_string()],
        ]
    );
    assert_eq!(external, vec!["corp-vnet/snet-jobs", "other-vnet/snet-2"]);
    // Which subnets the firewalls admit is written: not open.
    for (r, field) in [
        ("storage/stdata", "network_rules.virtual_network_rules"),
        ("keyvault/kv-data", "network_acls.virtual_network_rules"),
        ("acr/acrdata", "network_rule_set.virtual_network_rules"),
    ] {
        assert!(t.is_unknown(r, field).is_none(), "{r}: {:#?}", t.unknowns);
    }
    assert!(l.warnings.iter().any(|w| w.code == "external-subnet"
        && w.message.contains("storage/stdata")
        && w.message.contains("other-vnet/snet-2")));
}

#[test]
fn both_importers_read_an_undeclared_admitted_subnet_alike() {
    let tf = load_str("main.tf", CONFIG, &TfOptions::default())
        .unwrap_or_else(|e| panic!("{:#?}", e.diagnostics));
    let arm = moat_arm::load_str("main.json", TEMPLATE, &moat_arm::ArmOptions::default())
        .unwrap_or_else(|e| panic!("{:#?}", e.diagnostics));
    assert_eq!(rules(&tf.topology), rules(&arm.topology));
}

/// A subnet data source whose VNet name is a variable without a value still reads one subnet:
/// the placeholder its value gives (`<jobs_vnet>`) names one VNet, as where a compute is placed
/// by it. The rule admits that external subnet, and says so definitely.
#[test]
fn a_data_source_of_an_open_vnet_name_admits_one_external_subnet() {
    let config = format!(
        r#"{CONFIG}
variable "jobs_vnet" {{
  type = string
}}

data "azurerm_subnet" "later" {{
  name                 = "snet-later"
  virtual_network_name = var.jobs_vnet
  resource_group_name  = "rg-net"
}}

resource "azurerm_storage_account" "later" {{
  name                     = "stlater"
  resource_group_name      = "rg"
  location                 = "eastus"
  account_tier             = "Standard"
  account_replication_type = "LRS"
  network_rules {{
    default_action             = "Deny"
    virtual_network_subnet_ids = [data.azurerm_subnet.later.id]
  }}
}}
"#
    );
    let l = load_str("main.tf", &config, &TfOptions::default())
        .unwrap_or_else(|e| panic!("{:#?}", e.diagnostics));
    let t = &l.topology;
    let sa = t
        .storage_accounts
        .iter()
        .find(|s| s.name == "stlater")
        .expect("the account");
    assert_eq!(
        sa.network_rules.virtual_network_rules,
        ["<jobs_vnet>/snet-later"]
    );
    let ix = t.index();
    assert!(moat_model::external::is_external_subnet(
        t,
        &ix,
        "<jobs_vnet>/snet-later"
    ));
    assert!(
        t.is_unknown("storage/stlater", "network_rules.virtual_network_rules")
            .is_none()
    );
}
