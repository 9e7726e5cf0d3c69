# One environment: a VNet, a key vault reached through a private endpoint, and the private
# DNS zone that resolves it, linked to the VNet and written by the endpoint's zone group.

variable "env" {
  type = string
}

variable "resource_group_name" {
  type = string
}

variable "octet" {
  type = number
}

resource "azurerm_virtual_network" "this" {
  name                = "vnet-ml"
  location            = "westeurope"
  resource_group_name = var.resource_group_name
  address_space       = ["10.${var.octet}.0.0/16"]
}

resource "azurerm_subnet" "pe" {
  name                 = "snet-pe"
  resource_group_name  = var.resource_group_name
  virtual_network_name = azurerm_virtual_network.this.name
  address_prefixes     = ["10.${var.octet}.1.0/24"]
}

resource "azurerm_key_vault" "this" {
  name                          = "kv-ml-${var.env}"
  location                      = "westeurope"
  resource_group_name           = var.resource_group_name
  tenant_id                     = "00000000-0000-0000-0000-000000000000"
  sku_name                      = "standard"
  public_network_access_enabled = false
}

resource "azurerm_private_dns_zone" "kv" {
  name                = "privatelink.vaultcore.azure.net"
  resource_group_name = var.resource_group_name
}

resource "azurerm_private_dns_zone_virtual_network_link" "kv" {
  name                  = "link-${var.env}"
  resource_group_name   = var.resource_group_name
  private_dns_zone_name = azurerm_private_dns_zone.kv.name
  virtual_network_id    = azurerm_virtual_network.this.id
}

resource "azurerm_private_endpoint" "kv" {
  name                = "pe-kv"
  location            = "westeurope"
  resource_group_name = var.resource_group_name
  subnet_id           = azurerm_subnet.pe.id

  private_service_connection {
    name                           = "kv"
    private_connection_resource_id = azurerm_key_vault.this.id
    subresource_names              = ["vault"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "default"
    private_dns_zone_ids = [azurerm_private_dns_zone.kv.id]
  }
}
