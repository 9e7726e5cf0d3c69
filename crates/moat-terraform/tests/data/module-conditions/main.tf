# The same module, called three times. `allow` and `also_allow` are deployed when `strict` is
# false, `deny` when it is true: with `strict` unset, exactly one side exists. The count of
# each rule is written the same way in the module (`var.enabled ? 1 : 0`); what the callers
# bind `enabled` to differs.
variable "strict" {
  type = bool
}

resource "azurerm_resource_group" "rg" {
  name     = "rg-ml"
  location = "eastus"
}

resource "azurerm_virtual_network" "vnet" {
  name                = "vnet"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = ["10.0.0.0/16"]
}

resource "azurerm_subnet" "training" {
  name                 = "training"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.vnet.name
  address_prefixes     = ["10.0.1.0/24"]
}

resource "azurerm_subnet" "pe" {
  name                 = "pe"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.vnet.name
  address_prefixes     = ["10.0.3.0/24"]
}

resource "azurerm_network_security_group" "training" {
  name                = "training-nsg"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
}

resource "azurerm_subnet_network_security_group_association" "training" {
  subnet_id                 = azurerm_subnet.training.id
  network_security_group_id = azurerm_network_security_group.training.id
}

module "allow" {
  source              = "./modules/smb-rule"
  name                = "allow-smb"
  enabled             = !var.strict
  access              = "Allow"
  priority            = 100
  resource_group_name = azurerm_resource_group.rg.name
  nsg_name            = azurerm_network_security_group.training.name
}

module "also_allow" {
  source              = "./modules/smb-rule"
  name                = "also-allow-smb"
  enabled             = !var.strict
  access              = "Allow"
  priority            = 110
  resource_group_name = azurerm_resource_group.rg.name
  nsg_name            = azurerm_network_security_group.training.name
}

module "deny" {
  source              = "./modules/smb-rule"
  name                = "deny-smb"
  enabled             = var.strict
  access              = "Deny"
  priority            = 200
  resource_group_name = azurerm_resource_group.rg.name
  nsg_name            = azurerm_network_security_group.training.name
}

resource "azurerm_storage_account" "sa" {
  name                          = "mlsa"
  location                      = azurerm_resource_group.rg.location
  resource_group_name           = azurerm_resource_group.rg.name
  account_tier                  = "Standard"
  account_replication_type      = "LRS"
  public_network_access_enabled = false
}

resource "azurerm_private_endpoint" "file" {
  name                = "sa-file"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  subnet_id           = azurerm_subnet.pe.id

  private_service_connection {
    name                           = "file"
    private_connection_resource_id = azurerm_storage_account.sa.id
    subresource_names              = ["file"]
    is_manual_connection           = false
  }

  ip_configuration {
    name               = "file"
    private_ip_address = "10.0.3.10"
    subresource_name   = "file"
    member_name        = "file"
  }
}
