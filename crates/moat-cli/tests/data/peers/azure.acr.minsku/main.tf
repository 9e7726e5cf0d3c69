# Fixture for PSRule Azure.ACR.MinSku.
# As in the peers' own fixtures, a resource whose name ends in "pass" is one the check passes
# and "fail" one it fails; "passdiff" and "faildiff" are ones it passes or fails where moat's
# verdict differs, for the reason the README's peer table gives. Placeholder ids ("id1") are
# written as the peers' fixtures write them.

resource "azurerm_virtual_network" "vnet" {
  name                = "vnet"
  location            = "eastus"
  resource_group_name = "rg-peers"
  address_space       = ["10.0.0.0/16"]
}

resource "azurerm_subnet" "training" {
  name                 = "training"
  resource_group_name  = "rg-peers"
  virtual_network_name = azurerm_virtual_network.vnet.name
  address_prefixes     = ["10.0.1.0/24"]
}

resource "azurerm_subnet" "pe" {
  name                 = "pe"
  resource_group_name  = "rg-peers"
  virtual_network_name = azurerm_virtual_network.vnet.name
  address_prefixes     = ["10.0.2.0/24"]
}

resource "azurerm_container_registry" "acrpass" {
  name                = "acrpass"
  location            = "eastus"
  resource_group_name = "rg-peers"
  sku                 = "Premium"
}

resource "azurerm_private_endpoint" "pe_acrpass" {
  name                = "pe-acrpass"
  location            = "eastus"
  resource_group_name = "rg-peers"
  subnet_id           = azurerm_subnet.pe.id
  private_service_connection {
    name                           = "registry"
    private_connection_resource_id = azurerm_container_registry.acrpass.id
    subresource_names              = ["registry"]
    is_manual_connection           = false
  }
}

resource "azurerm_container_registry" "acrfail" {
  name                = "acrfail"
  location            = "eastus"
  resource_group_name = "rg-peers"
  sku                 = "Basic"
}

resource "azurerm_private_endpoint" "pe_acrfail" {
  name                = "pe-acrfail"
  location            = "eastus"
  resource_group_name = "rg-peers"
  subnet_id           = azurerm_subnet.pe.id
  private_service_connection {
    name                           = "registry"
    private_connection_resource_id = azurerm_container_registry.acrfail.id
    subresource_names              = ["registry"]
    is_manual_connection           = false
  }
}

resource "azurerm_container_registry" "acrpublicfaildiff" {
  name                = "acrpublicfaildiff"
  location            = "eastus"
  resource_group_name = "rg-peers"
  sku                 = "Basic"
}

resource "azurerm_container_registry" "acrstandardpassdiff" {
  name                = "acrstandardpassdiff"
  location            = "eastus"
  resource_group_name = "rg-peers"
  sku                 = "Standard"
}

resource "azurerm_private_endpoint" "pe_acrstandardpassdiff" {
  name                = "pe-acrstandardpassdiff"
  location            = "eastus"
  resource_group_name = "rg-peers"
  subnet_id           = azurerm_subnet.pe.id
  private_service_connection {
    name                           = "registry"
    private_connection_resource_id = azurerm_container_registry.acrstandardpassdiff.id
    subresource_names              = ["registry"]
    is_manual_connection           = false
  }
}
