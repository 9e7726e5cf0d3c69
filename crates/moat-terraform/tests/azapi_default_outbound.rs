//! An azapi VNet sent with API version 2025-07-01 or later: its subnets that leave
//! `defaultOutboundAccess` out are private. Azure Networking Blog, "Private subnets by
//! default": "With API version 2025-07-01 and later: Subnets in newly created VNets are
//! private by default. The subnet property `defaultOutboundAccess` is set to false." The same
//! blog notes that the change "has not yet applied to Terraform", meaning azurerm, which sends
//! the property itself; an azapi body is sent as written, at the version its type names.

use moat_engine::trace::Query;
use moat_engine::{Engine, Verdict};
use moat_packets::Protocol;
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

/// Two azapi subnets at 2025-07-01 added to VNets the configuration does not declare: one read
/// by a data source, one named by a literal id. A compute without a public IP sits in each.
const EXISTING: &str = r#"
data "azurerm_virtual_network" "corp" {
  name                = "corp-vnet"
  resource_group_name = "rg-net"
}

resource "azapi_resource" "train" {
  type      = "Microsoft.Network/virtualNetworks/subnets@2025-07-01"
  name      = "snet-train"
  parent_id = data.azurerm_virtual_network.corp.id
  body = {
    properties = { addressPrefix = "10.20.5.0/24" }
  }
}

resource "azapi_resource" "score" {
  type      = "Microsoft.Network/virtualNetworks/subnets@2025-07-01"
  name      = "snet-score"
  parent_id = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/other-vnet"
  body = {
    properties = { addressPrefix = "10.30.5.0/24", defaultOutboundAccess = false }
  }
}

resource "azurerm_machine_learning_workspace" "ws" {
  name                          = "ws"
  location                      = "eastus"
  resource_group_name           = "rg"
  application_insights_id       = "x"
  key_vault_id                  = "y"
  storage_account_id            = "z"
  public_network_access_enabled = false
  identity { type = "SystemAssigned" }
}

resource "azurerm_machine_learning_compute_cluster" "train" {
  name                          = "train"
  location                      = "eastus"
  machine_learning_workspace_id = azurerm_machine_learning_workspace.ws.id
  vm_size                       = "Standard_DS3_v2"
  vm_priority                   = "Dedicated"
  node_public_ip_enabled        = false
  subnet_resource_id            = azapi_resource.train.id
  scale_settings {
    min_node_count                       = 0
    max_node_count                       = 1
    scale_down_nodes_after_idle_duration = "PT30S"
  }
}

resource "azurerm_machine_learning_compute_cluster" "score" {
  name                          = "score"
  location                      = "eastus"
  machine_learning_workspace_id = azurerm_machine_learning_workspace.ws.id
  vm_size                       = "Standard_DS3_v2"
  vm_priority                   = "Dedicated"
  node_public_ip_enabled        = false
  subnet_resource_id            = azapi_resource.score.id
  scale_settings {
    min_node_count                       = 0
    max_node_count                       = 1
    scale_down_nodes_after_idle_duration = "PT30S"
  }
}
"#;

/// "Subnets in newly created VNets are private by default"; for "New VMs in existing VNets"
/// the blog's table says "Unchanged", and it says nothing of a subnet added to an existing
/// VNet. Whether the compute in such a subnet reaches the internet through default outbound
/// access is then undecided, never denied; a subnet that writes `defaultOutboundAccess =
/// false` is private wherever it is.
#[test]
fn azapi_subnets_added_to_existing_vnets_leave_default_outbound_access_open() {
    let loaded = load_str("main.tf", EXISTING, &TfOptions::default())
        .unwrap_or_else(|e| panic!("{:#?}", e.diagnostics));
    let t = &loaded.topology;
    let open: Vec<(&str, &str)> = t
        .unknowns
        .iter()
        .filter(|u| u.field.ends_with("/default_outbound_access"))
        .map(|u| (u.resource.as_str(), u.field.as_str()))
        .collect();
    assert_eq!(
        open,
        vec![(
            "vnet/corp-vnet",
            "subnets/snet-train/default_outbound_access"
        )]
    );
    let e = Engine::for_topology(t, None).expect("engine");
    let verdict = |from: &str| {
        let q = Query {
            from: from.parse().unwrap(),
            to: "internet".parse().unwrap(),
            protocol: Protocol::TCP,
            port: 443,
        };
        moat_engine::presence::trace(&e, &moat_model::presence::variants(t), &q)
            .expect("trace")
            .verdict
    };
    assert_eq!(verdict("compute/train"), Verdict::Unknown);
    assert_eq!(verdict("compute/score"), Verdict::Denied);
}
