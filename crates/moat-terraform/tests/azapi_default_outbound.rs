//! An azapi VNet sent with API version 2025-07-01 or later: its subnets that leave
//! `defaultOutboundAccess` out are private. Azure Networking Blog, "Private subnets by
//! default": "With API version 2025-07-01 and later: Subnets in newly created VNets are
//! private by default. The subnet property `defaultOutboundAccess` is set to false." The same
//! blog notes that the change "has not yet applied to Terraform", meaning azurerm, which sends
//! the property itself; an azapi body is sent as written, at the version its type names.

use moat_terraform::{TfOptions, load_str};

const CONFIG: &str = r#"
resource "azurerm_resource_group" "rg" {
  name     = "rg-net"
  location = "eastus"
}

resource "azapi_resource" "spoke" {
  type      = "Microsoft.Network/virtualNetworks@2025-07-01"
  name      = "spoke"
  parent_id = azurerm_resource_group.rg.id
  location  = "eastus"
  body = {
    properties = {
      addressSpace = { addressPrefixes = ["10.9.0.0/16"] }
      subnets = [
        { name = "training", properties = { addressPrefix = "10.9.1.0/24" } },
        { name = "egress", properties = { addressPrefix = "10.9.2.0/24", defaultOutboundAccess = true } }
      ]
    }
  }
}

resource "azapi_resource" "legacy" {
  type      = "Microsoft.Network/virtualNetworks@2024-05-01"
  name      = "legacy"
  parent_id = azurerm_resource_group.rg.id
  location  = "eastus"
  body = {
    properties = {
      addressSpace = { addressPrefixes = ["10.10.0.0/16"] }
      subnets = [{ name = "old", properties = { addressPrefix = "10.10.1.0/24" } }]
    }
  }
}
"#;

#[test]
fn azapi_subnets_follow_the_api_version_their_vnet_is_sent_with() {
    let loaded = load_str("main.tf", CONFIG, &TfOptions::default())
        .unwrap_or_else(|e| panic!("{:#?}", e.diagnostics));
    let mut got: Vec<(String, bool)> = loaded
        .topology
        .virtual_networks
        .iter()
        .flat_map(|v| {
            v.subnets
                .iter()
                .map(move |s| (format!("{}/{}", v.name, s.name), s.default_outbound_access))
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            ("legacy/old".to_string(), true),
            ("spoke/egress".to_string(), true),
            ("spoke/training".to_string(), false),
        ]
    );
}
