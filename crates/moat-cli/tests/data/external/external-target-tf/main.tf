# A spoke: a jump box and a private endpoint to the shared key vault of another subscription,
# given by its full id; the vault zone is linked to the spoke and to the corporate VNet, given
# by its id. The configuration declares neither the vault nor the corporate VNet.

variable "vault_id" {
  default = "/subscriptions/9b2e4a71-3c5d-4f80-a1b2-c3d4e5f60718/resourceGroups/rg-shared/providers/Microsoft.KeyVault/vaults/shared-kv"
}

variable "corp_vnet_id" {
  default = "/subscriptions/9b2e4a71-3c5d-4f80-a1b2-c3d4e5f60718/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/corp"
}

resource "azurerm_resource_group" "spoke" {
  name     = "rg-spoke"
  location = "eastus"
}

resource "azurerm_virtual_network" "spoke" {
  name                = "spoke"
  location            = azurerm_resource_group.spoke.location
  resource_group_name = azurerm_resource_group.spoke.name
  address_space       = ["10.1.0.0/16"]
}

resource "azurerm_subnet" "pe" {
  name                 = "pe"
  resource_group_name  = azurerm_resource_group.spoke.name
  virtual_network_name = azurerm_virtual_network.spoke.name
  address_prefixes     = ["10.1.1.0/24"]
}

resource "azurerm_subnet" "vms" {
  name                 = "vms"
  resource_group_name  = azurerm_resource_group.spoke.name
  virtual_network_name = azurerm_virtual_network.spoke.name
  address_prefixes     = ["10.1.2.0/24"]
}

resource "azurerm_network_interface" "jumpbox" {
  name                = "jumpbox-nic"
  location            = azurerm_resource_group.spoke.location
  resource_group_name = azurerm_resource_group.spoke.name
  ip_configuration {
    name                          = "ipconfig1"
    subnet_id                     = azurerm_subnet.vms.id
    private_ip_address_allocation = "Dynamic"
  }
}

resource "azurerm_linux_virtual_machine" "jumpbox" {
  name                  = "jumpbox"
  location              = azurerm_resource_group.spoke.location
  resource_group_name   = azurerm_resource_group.spoke.name
  size                  = "Standard_B2s"
  admin_username        = "azureuser"
  network_interface_ids = [azurerm_network_interface.jumpbox.id]
}

resource "azurerm_private_dns_zone" "vault" {
  name                = "privatelink.vaultcore.azure.net"
  resource_group_name = azurerm_resource_group.spoke.name
}

resource "azurerm_private_dns_zone_virtual_network_link" "spoke" {
  name                  = "spoke"
  resource_group_name   = azurerm_resource_group.spoke.name
  private_dns_zone_name = azurerm_private_dns_zone.vault.name
  virtual_network_id    = azurerm_virtual_network.spoke.id
}

resource "azurerm_private_dns_zone_virtual_network_link" "corp" {
  name                  = "corp"
  resource_group_name   = azurerm_resource_group.spoke.name
  private_dns_zone_name = azurerm_private_dns_zone.vault.name
  virtual_network_id    = var.corp_vnet_id
}

resource "azurerm_private_endpoint" "kv" {
  name                = "kv-pe"
  location            = azurerm_resource_group.spoke.location
  resource_group_name = azurerm_resource_group.spoke.name
  subnet_id           = azurerm_subnet.pe.id
  private_service_connection {
    name                           = "kv-pe"
    private_connection_resource_id = var.vault_id
    subresource_names              = ["vault"]
    is_manual_connection           = false
  }
  private_dns_zone_group {
    name                 = "default"
    private_dns_zone_ids = [azurerm_private_dns_zone.vault.id]
  }
}
