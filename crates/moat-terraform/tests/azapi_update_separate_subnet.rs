//! A subnet written by a resource of its own that an `azapi_update_resource` of its VNet also
//! writes in `properties.subnets`.
//!
//! HashiCorp, "Dependency Graph": "Terraform builds a dependency graph and uses it to perform
//! operations"; the subnet resource and the update both depend on the VNet, and nothing puts
//! one after the other. Each sends its own PUT of the subnet (the update's, of the VNet with
//! its subnets: Azure Networking Blog, "Azure Virtual Network now supports updates without
//! subnet property": a PUT of the VNet sets the subnets it lists), so the one applied last
//! sets it, and each apply of either sends it again. A property the two write alike is
//! decided; one they write differently is open.

use moat_engine::trace::Query;
use moat_engine::{Engine, Verdict};
use moat_packets::Protocol;
use moat_terraform::{TfOptions, load_str};

const CONFIG: &str = r#"
resource "azurerm_virtual_network" "spoke" {
  name                = "spoke"
  location            = "eastus"
  resource_group_name = "rg"
  address_space       = ["10.1.0.0/16"]
}

resource "azurerm_network_security_group" "locked" {
  name                = "nsg-locked"
  location            = "eastus"
  resource_group_name = "rg"
  security_rule {
    name                       = "deny-internet"
    priority                   = 100
    direction                  = "Outbound"
    access                     = "Deny"
    protocol                   = "*"
    source_port_range          = "*"
    destination_port_range     = "*"
    source_address_prefix      = "*"
    destination_address_prefix = "Internet"
  }
}

resource "azurerm_subnet" "train" {
  name                 = "train"
  resource_group_name  = "rg"
  virtual_network_name = azurerm_virtual_network.spoke.name
  address_prefixes     = ["10.1.1.0/24"]
  default_outbound_access_enabled = true
}

resource "azurerm_subnet_network_security_group_association" "train" {
  subnet_id                 = azurerm_subnet.train.id
  network_security_group_id = azurerm_network_security_group.locked.id
}

resource "azapi_update_resource" "spoke" {
  type        = "Microsoft.Network/virtualNetworks@2024-05-01"
  resource_id = azurerm_virtual_network.spoke.id
  body = {
    properties = {
      subnets = [
        { name = "train", properties = { addressPrefix = "10.1.1.0/24", defaultOutboundAccess = false } }
      ]
    }
  }
}

resource "azurerm_network_interface" "nic" {
  name = "nic1"
  location = "eastus"
  resource_group_name = "rg"
  ip_configuration {
    name = "ip"
    subnet_id = azurerm_subnet.train.id
    private_ip_address_allocation = "Static"
    private_ip_address = "10.1.1.4"
  }
}
resource "azurerm_linux_virtual_machine" "vm" {
  name = "vm1"
  location = "eastus"
  resource_group_name = "rg"
  network_interface_ids = [azurerm_network_interface.nic.id]
  size = "Standard_B1s"
  admin_username = "a"
  os_disk {
    caching = "ReadWrite"
    storage_account_type = "Standard_LRS"
  }
  source_image_reference {
    publisher = "Canonical"
    offer = "x"
    sku = "y"
    version = "latest"
  }
}
"#;

#[test]
fn properties_two_writes_of_one_subnet_set_differently_are_open() {
    let l = load_str("main.tf", CONFIG, &TfOptions::default())
        .unwrap_or_else(|e| panic!("{:#?}", e.diagnostics));
    let t = &l.topology;
    let mut open: Vec<&str> = t
        .unknowns
        .iter()
        .filter(|u| u.resource == "subnet/spoke/train")
        .map(|u| u.field.as_str())
        .collect();
    open.sort();
    open.dedup();
    // The separate subnet has the NSG its association gives and default outbound access; the
    // update's element has neither. Its prefix is written alike by both: decided.
    assert_eq!(open, ["default_outbound_access", "network_security_group"]);
    let u = t
        .is_unknown("subnet/spoke/train", "default_outbound_access")
        .expect("open");
    assert!(
        u.reason.contains("azurerm_subnet.train")
            && u.reason.contains("azapi_update_resource.spoke"),
        "{}",
        u.reason
    );
    // Read as private from the update alone, the subnet may keep default outbound access.
    let e = Engine::for_topology(t, None).expect("engine");
    let q = Query {
        from: "vm/vm1".parse().unwrap(),
        to: "internet".parse().unwrap(),
        protocol: Protocol::TCP,
        port: 443,
    };
    let verdict = moat_engine::presence::trace(&e, &moat_model::presence::variants(t), &q)
        .expect("trace")
        .verdict;
    assert_eq!(verdict, Verdict::Unknown);
}
