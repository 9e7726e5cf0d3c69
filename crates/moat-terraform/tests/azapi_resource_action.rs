//! `azapi_resource_action` sending a `PATCH` or `PUT` to a resource the configuration
//! declares.
//!
//! azapi provider, `azapi_resource_action`: `action` is "The name of the resource action.
//! It's also possible to make Http requests towards the resource ID if leave this field
//! empty", and `method` "Specifies the Http method of the azure resource action. Allowed
//! values are `POST`, `PATCH`, `PUT` and `DELETE`. Defaults to `POST`." Sent to the resource
//! itself, a `PATCH` or `PUT` writes its settings after its declaration does, and a later
//! apply of the declaration may write them back: which write stands is open, never the
//! declaration's value alone (a storage account read as private that the action opens).

use moat_engine::trace::Query;
use moat_engine::{Engine, Verdict};
use moat_model::Topology;
use moat_packets::Protocol;
use moat_terraform::{TfOptions, load_str};

const CONFIG: &str = r#"
resource "azurerm_storage_account" "data" {
  name                          = "stdata"
  resource_group_name           = "rg"
  location                      = "eastus"
  account_tier                  = "Standard"
  account_replication_type      = "LRS"
  public_network_access_enabled = false
}

resource "azapi_resource_action" "open_storage" {
  type        = "Microsoft.Storage/storageAccounts@2023-01-01"
  resource_id = azurerm_storage_account.data.id
  method      = "PATCH"
  body = {
    properties = { publicNetworkAccess = "Enabled" }
  }
}

resource "azurerm_virtual_network" "spoke" {
  name                = "spoke"
  location            = "eastus"
  resource_group_name = "rg"
  address_space       = ["10.1.0.0/16"]
}

resource "azurerm_subnet" "train" {
  name                            = "train"
  resource_group_name             = "rg"
  virtual_network_name            = azurerm_virtual_network.spoke.name
  address_prefixes                = ["10.1.1.0/24"]
  default_outbound_access_enabled = false
}

resource "azapi_resource_action" "subnet_outbound" {
  type        = "Microsoft.Network/virtualNetworks/subnets@2024-05-01"
  resource_id = azurerm_subnet.train.id
  method      = "PATCH"
  body = {
    properties = { defaultOutboundAccess = true }
  }
}

resource "azurerm_key_vault" "kv" {
  name                          = "kv-data"
  location                      = "eastus"
  resource_group_name           = "rg"
  tenant_id                     = "00000000-0000-0000-0000-000000000002"
  sku_name                      = "standard"
  public_network_access_enabled = false
  network_acls {
    default_action = "Deny"
    bypass         = "AzureServices"
  }
}

resource "azapi_resource_action" "kv_put" {
  type        = "Microsoft.KeyVault/vaults@2023-07-01"
  resource_id = azurerm_key_vault.kv.id
  method      = "PUT"
  body = {
    properties = { tenantId = "00000000-0000-0000-0000-000000000002", sku = { family = "A", name = "standard" } }
  }
}

resource "azurerm_container_registry" "acr" {
  name                          = "acrdata"
  resource_group_name           = "rg"
  location                      = "eastus"
  sku                           = "Premium"
  public_network_access_enabled = false
}

resource "azurerm_network_interface" "nic" {
  name                = "nic1"
  location            = "eastus"
  resource_group_name = "rg"
  ip_configuration {
    name                          = "ip"
    subnet_id                     = azurerm_subnet.train.id
    private_ip_address_allocation = "Static"
    private_ip_address            = "10.1.1.4"
  }
}

resource "azurerm_linux_virtual_machine" "vm" {
  name                  = "vm1"
  location              = "eastus"
  resource_group_name   = "rg"
  network_interface_ids = [azurerm_network_interface.nic.id]
  size                  = "Standard_B1s"
  admin_username        = "azureuser"
  os_disk {
    caching              = "ReadWrite"
    storage_account_type = "Standard_LRS"
  }
  source_image_reference {
    publisher = "Canonical"
    offer     = "ubuntu-24_04-lts"
    sku       = "server"
    version   = "latest"
  }
}

# The default method, POST, to an action of the resource: it writes no setting.
resource "azapi_resource_action" "keys" {
  type                   = "Microsoft.ContainerRegistry/registries@2023-07-01"
  resource_id            = azurerm_container_registry.acr.id
  action                 = "listCredentials"
  response_export_values = ["*"]
}

# Sent on destroy: it leaves no setting behind.
resource "azapi_resource_action" "on_destroy" {
  type        = "Microsoft.ContainerRegistry/registries@2023-07-01"
  resource_id = azurerm_container_registry.acr.id
  method      = "PATCH"
  when        = "destroy"
  body = {
    properties = { publicNetworkAccess = "Enabled" }
  }
}
"#;

fn topology() -> Topology {
    load_str("main.tf", CONFIG, &TfOptions::default())
        .unwrap_or_else(|e| panic!("{:#?}", e.diagnostics))
        .topology
}

fn open(t: &Topology, resource: &str) -> Vec<String> {
    let mut v: Vec<String> = t
        .unknowns
        .iter()
        .filter(|u| u.resource == resource)
        .map(|u| u.field.clone())
        .collect();
    v.sort();
    v
}

fn verdict(t: &Topology, from: &str, to: &str) -> Verdict {
    let e = Engine::for_topology(t, None).expect("engine");
    let q = Query {
        from: from.parse().unwrap(),
        to: to.parse().unwrap(),
        protocol: Protocol::TCP,
        port: 443,
    };
    moat_engine::presence::trace(&e, &moat_model::presence::variants(t), &q)
        .expect("trace")
        .verdict
}

#[test]
fn a_patch_opens_what_its_body_writes() {
    let t = topology();
    assert_eq!(open(&t, "storage/stdata"), ["public_network_access"]);
    let u = t
        .is_unknown("storage/stdata", "public_network_access")
        .expect("open");
    assert!(
        u.reason.contains("azapi_resource_action.open_storage"),
        "{}",
        u.reason
    );
    // Read as private from the declaration alone, the account may be public.
    assert_eq!(verdict(&t, "internet", "storage/stdata"), Verdict::Unknown);
    // A subnet's setting is the subnet's own: read as private from its declaration, the
    // subnet may have default outbound access, so the VM in it may reach the internet.
    assert_eq!(open(&t, "subnet/spoke/train"), ["default_outbound_access"]);
    assert_eq!(verdict(&t, "vm/vm1", "internet"), Verdict::Unknown);
}

#[test]
fn a_put_opens_what_its_body_leaves_out_too() {
    // A PUT replaces the resource with its body: public network access and the network
    // rules it leaves out are reset, or kept if the declaration is applied again.
    let t = topology();
    let fields = open(&t, "keyvault/kv-data");
    for f in ["public_network_access", "network_acls"] {
        assert!(fields.iter().any(|x| x == f), "{f}: {fields:?}");
    }
    assert_eq!(
        verdict(&t, "internet", "keyvault/kv-data"),
        Verdict::Unknown
    );
}

#[test]
fn a_post_action_or_one_sent_on_destroy_writes_nothing() {
    let t = topology();
    assert!(open(&t, "acr/acrdata").is_empty(), "{:#?}", t.unknowns);
    assert_eq!(verdict(&t, "internet", "acr/acrdata"), Verdict::Denied);
}

/// A DELETE of a declared resource (here a rule an NSG writes inline) leaves it one that may
/// or may not exist: a later apply of its declaration creates it again.
const DELETES: &str = r#"
resource "azurerm_network_security_group" "nsg" {
  name                = "nsg"
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

resource "azapi_resource_action" "drop_rule" {
  type        = "Microsoft.Network/networkSecurityGroups/securityRules@2024-05-01"
  resource_id = "${azurerm_network_security_group.nsg.id}/securityRules/deny-internet"
  method      = "DELETE"
}

resource "azurerm_virtual_network" "spoke" {
  name                = "spoke"
  location            = "eastus"
  resource_group_name = "rg"
  address_space       = ["10.1.0.0/16"]
}

resource "azurerm_subnet" "train" {
  name                 = "train"
  resource_group_name  = "rg"
  virtual_network_name = azurerm_virtual_network.spoke.name
  address_prefixes     = ["10.1.1.0/24"]
}

resource "azurerm_subnet_network_security_group_association" "train" {
  subnet_id                 = azurerm_subnet.train.id
  network_security_group_id = azurerm_network_security_group.nsg.id
}

resource "azurerm_network_interface" "nic" {
  name                = "nic1"
  location            = "eastus"
  resource_group_name = "rg"
  ip_configuration {
    name                          = "ip"
    subnet_id                     = azurerm_subnet.train.id
    private_ip_address_allocation = "Static"
    private_ip_address            = "10.1.1.4"
    public_ip_address_id          = azurerm_public_ip.vm.id
  }
}

resource "azurerm_public_ip" "vm" {
  name                = "pip-vm"
  location            = "eastus"
  resource_group_name = "rg"
  allocation_method   = "Static"
  sku                 = "Standard"
}

resource "azurerm_linux_virtual_machine" "vm" {
  name                  = "vm1"
  location              = "eastus"
  resource_group_name   = "rg"
  network_interface_ids = [azurerm_network_interface.nic.id]
  size                  = "Standard_B1s"
  admin_username        = "azureuser"
  os_disk {
    caching              = "ReadWrite"
    storage_account_type = "Standard_LRS"
  }
  source_image_reference {
    publisher = "Canonical"
    offer     = "ubuntu-24_04-lts"
    sku       = "server"
    version   = "latest"
  }
}
"#;

#[test]
fn a_delete_leaves_its_target_one_that_may_not_exist() {
    let t = load_str("main.tf", DELETES, &TfOptions::default())
        .unwrap_or_else(|e| panic!("{:#?}", e.diagnostics))
        .topology;
    let m: Vec<&str> = t
        .may_exist
        .iter()
        .filter(|m| m.reason.contains("azapi_resource_action.drop_rule"))
        .map(|m| m.resource.as_str())
        .collect();
    assert_eq!(m, ["azurerm_network_security_group.nsg.security_rule[0]"]);
    // The rule that denies the internet may be gone: the VM may reach it.
    assert_eq!(verdict(&t, "vm/vm1", "internet"), Verdict::Unknown);
}
