# A spoke with its own key vault `kv-main`, in a resource group whose name is a variable
# without value, and a private endpoint to the key vault `kv-main` of resource group
# rg-shared, given by its full id: rg-shared may be the spoke's own resource group.

variable "vault_id" {
  default = "/subscriptions/9b2e4a71-3c5d-4f80-a1b2-c3d4e5f60718/resourceGroups/rg-shared/providers/Microsoft.KeyVault/vaults/kv-main"
}

variable "rg_name" {}

resource "azurerm_resource_group" "main" {
  name     = var.rg_name
  location = "eastus"
}

resource "azurerm_virtual_network" "spoke" {
  name                = "spoke"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  address_space       = ["10.1.0.0/16"]
}

resource "azurerm_subnet" "pe" {
  name                 = "pe"
  resource_group_name  = azurerm_resource_group.main.name
  virtual_network_name = azurerm_virtual_network.spoke.name
  address_prefixes     = ["10.1.1.0/24"]
}

resource "azurerm_key_vault" "main" {
  name                          = "kv-main"
  location                      = azurerm_resource_group.main.location
  resource_group_name           = azurerm_resource_group.main.name
  tenant_id                     = "9b2e4a71-3c5d-4f80-a1b2-c3d4e5f60718"
  sku_name                      = "standard"
  public_network_access_enabled = false
}

resource "azurerm_private_endpoint" "kv" {
  name                = "kv-pe"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  subnet_id           = azurerm_subnet.pe.id
  private_service_connection {
    name                           = "kv-pe"
    private_connection_resource_id = var.vault_id
    subresource_names              = ["vault"]
    is_manual_connection           = false
  }
}
