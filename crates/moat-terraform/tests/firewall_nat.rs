//! DNAT rule collections: `azurerm_firewall_nat_rule_collection` and the `nat_rule_collection`
//! blocks of `azurerm_firewall_policy_rule_collection_group`.

use moat_terraform::{TfOptions, load_str};

const CONFIG: &str = r#"
resource "azurerm_virtual_network" "hub" {
  name                = "hub"
  location            = "eastus"
  resource_group_name = "rg"
  address_space       = ["10.100.0.0/16"]
}

resource "azurerm_subnet" "fw" {
  name                 = "AzureFirewallSubnet"
  resource_group_name  = "rg"
  virtual_network_name = azurerm_virtual_network.hub.name
  address_prefixes     = ["10.100.0.0/26"]
}

resource "azurerm_firewall_policy" "pol" {
  name                = "pol"
  location            = "eastus"
  resource_group_name = "rg"
}

resource "azurerm_firewall" "fw" {
  name                = "fw"
  location            = "eastus"
  resource_group_name = "rg"
  sku_name            = "AZFW_VNet"
  sku_tier            = "Standard"
  ip_configuration {
    name      = "cfg"
    subnet_id = azurerm_subnet.fw.id
  }
}

resource "azurerm_firewall_nat_rule_collection" "inbound" {
  name                = "inbound"
  azure_firewall_name = azurerm_firewall.fw.name
  resource_group_name = "rg"
  priority            = 100
  action              = "Dnat"
  rule {
    name                  = "web"
    source_addresses      = ["*"]
    destination_ports     = ["443"]
    destination_addresses = ["20.5.5.5"]
    translated_port       = 8080
    translated_address    = "10.0.2.4"
    protocols             = ["TCP"]
  }
}

resource "azurerm_firewall_policy_rule_collection_group" "dnat" {
  name               = "dnat"
  firewall_policy_id = azurerm_firewall_policy.pol.id
  priority           = 100
  nat_rule_collection {
    name     = "ssh"
    priority = 110
    action   = "Dnat"
    rule {
      name                = "jump"
      protocols           = ["TCP"]
      source_addresses    = ["203.0.113.0/24"]
      destination_address = "20.5.5.6"
      destination_ports   = ["2222"]
      translated_address  = "10.0.1.4"
      translated_port     = 22
    }
  }
}
"#;

#[test]
fn classic_and_policy_dnat_rules_are_imported() {
    let l = load_str("main.tf", CONFIG, &TfOptions::default())
        .unwrap_or_else(|e| panic!("{:#?}", e.diagnostics));
    let t = &l.topology;
    let c = &t.firewalls[0].nat_rule_collections[0];
    assert_eq!((c.name.as_str(), c.priority.get()), ("inbound", Some(100)));
    let r = &c.rules[0];
    assert_eq!(r.destination_addresses[0].to_string(), "20.5.5.5");
    assert_eq!(r.translated_address, Some("10.0.2.4".parse().unwrap()));
    assert_eq!(r.translated_port, Some(8080));
    let g = &t.firewall_policies[0].rule_collection_groups[0];
    let c = &g.nat_rule_collections[0];
    assert_eq!((c.name.as_str(), c.priority.get()), ("ssh", Some(110)));
    let r = &c.rules[0];
    assert_eq!(r.destination_addresses[0].to_string(), "20.5.5.6");
    assert_eq!(r.translated_port, Some(22));
    assert!(
        !l.warnings.iter().any(|w| w.message.contains("DNAT")),
        "{:?}",
        l.warnings
    );
}

#[test]
fn open_protocol_blocks_and_rule_blocks_are_kept_open() {
    // An application rule's `protocols` written as a dynamic block over a value known only
    // after apply was read as Azure's default (Http:80, Https:443) with nothing marked open;
    // a collection's `rule` blocks over such a value were left out. Both are kept open now:
    // the rule's ports may be any, and the open rules stand as one rule matching anything.
    let config = CONFIG.to_string()
        + r#"
variable "protocols" {}
variable "rules" {}
resource "azurerm_firewall_policy_rule_collection_group" "apps" {
  name               = "apps"
  firewall_policy_id = azurerm_firewall_policy.pol.id
  priority           = 200
  application_rule_collection {
    name     = "web"
    priority = 100
    action   = "Allow"
    rule {
      name              = "pypi"
      source_addresses  = ["10.0.1.0/24"]
      destination_fqdns = ["pypi.org"]
      dynamic "protocols" {
        for_each = var.protocols
        content {
          type = protocols.value.type
          port = protocols.value.port
        }
      }
    }
  }
  network_rule_collection {
    name     = "more"
    priority = 200
    action   = "Deny"
    dynamic "rule" {
      for_each = var.rules
      content {
        name                  = rule.key
        protocols             = ["TCP"]
        source_addresses      = ["*"]
        destination_addresses = ["*"]
        destination_ports     = ["443"]
      }
    }
  }
}
"#;
    let l = load_str("main.tf", &config, &TfOptions::default())
        .unwrap_or_else(|e| panic!("{:#?}", e.diagnostics));
    let g = l.topology.firewall_policies[0]
        .rule_collection_groups
        .iter()
        .find(|g| g.name == "apps")
        .expect("the group");
    let r = &g.application_rule_collections[0].rules[0];
    assert!(
        r.open.contains(&moat_model::firewall::RuleValue::Ports),
        "{r:#?}"
    );
    let n = &g.network_rule_collections[0];
    assert_eq!(n.rules.len(), 1, "{n:#?}");
    assert_eq!(n.rules[0].name, moat_model::firewall::UNKNOWN_RULES);
}
