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
