# A subnet added to the existing VNet `hub`, which the configuration does not declare, and in
# it a private endpoint to the configuration's key vault, without a DNS zone group.

resource "azurerm_resource_group" "main" {
  name     = "rg-main"
  location = "eastus"
}

resource "azurerm_subnet" "pe" {
  name                 = "pe"
  resource_group_name  = "rg-net"
  virtual_network_name = "hub"
  address_prefixes     = ["10.0.5.0/24"]
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
    private_connection_resource_id = azurerm_key_vault.main.id
    subresource_names              = ["vault"]
    is_manual_connection           = false
  }
}
