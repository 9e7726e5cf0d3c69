resource "azurerm_virtual_network" "this" {
  name                = "vnet-${local.suffix}"
  address_space       = var.address_space
  location            = local.common.location
  resource_group_name = local.common.resource_group_name
}

resource "azurerm_subnet" "compute" {
  name                 = "snet-compute"
  resource_group_name  = local.common.resource_group_name
  virtual_network_name = azurerm_virtual_network.this.name
  address_prefixes     = [var.subnet_prefixes.compute]
}

resource "azurerm_subnet" "endpoints" {
  name                 = "snet-endpoints"
  resource_group_name  = local.common.resource_group_name
  virtual_network_name = azurerm_virtual_network.this.name
  address_prefixes     = [var.subnet_prefixes["endpoints"]]

  private_endpoint_network_policies = "Disabled"
}

resource "azurerm_subnet" "jumpbox" {
  name                 = "snet-jumpbox"
  resource_group_name  = local.common.resource_group_name
  virtual_network_name = azurerm_virtual_network.this.name
  address_prefixes     = [lookup(var.subnet_prefixes, "jumpbox")]
}

resource "azurerm_subnet" "bastion" {
  name                 = "AzureBastionSubnet"
  resource_group_name  = local.common.resource_group_name
  virtual_network_name = azurerm_virtual_network.this.name
  address_prefixes     = [var.subnet_prefixes.bastion]
}

# One zone per privatelink name the endpoints below need, each linked to the VNet.
locals {
  zones = {
    amlapi    = "privatelink.api.azureml.ms"
    notebooks = "privatelink.notebooks.azure.net"
    blob      = "privatelink.blob.core.windows.net"
    file      = "privatelink.file.core.windows.net"
    vault     = "privatelink.vaultcore.azure.net"
    acr       = "privatelink.azurecr.io"
  }
}

resource "azurerm_private_dns_zone" "zone" {
  for_each            = local.zones
  name                = each.value
  resource_group_name = local.common.resource_group_name
}

resource "azurerm_private_dns_zone_virtual_network_link" "zone" {
  for_each              = azurerm_private_dns_zone.zone
  name                  = "link-${each.key}"
  resource_group_name   = local.common.resource_group_name
  private_dns_zone_name = each.value.name
  virtual_network_id    = azurerm_virtual_network.this.id
}

# Azure Batch and Azure ML reach the public-IP nodes on these ports.
resource "azurerm_network_security_group" "compute" {
  name                = "nsg-compute"
  location            = local.common.location
  resource_group_name = local.common.resource_group_name

  security_rule {
    name                       = "in-batch"
    priority                   = 120
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "29876-29877"
    source_address_prefix      = "BatchNodeManagement"
    destination_address_prefix = "*"
  }

  security_rule {
    name                       = "in-azureml"
    priority                   = 130
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "44224"
    source_address_prefix      = "AzureMachineLearning"
    destination_address_prefix = "*"
  }
}

resource "azurerm_subnet_network_security_group_association" "compute" {
  subnet_id                 = azurerm_subnet.compute.id
  network_security_group_id = azurerm_network_security_group.compute.id
}

resource "azurerm_route_table" "compute" {
  name                = "rt-compute"
  location            = local.common.location
  resource_group_name = local.common.resource_group_name
}

resource "azurerm_route" "compute" {
  for_each = {
    default = "0.0.0.0/0"
    azureml = "AzureMachineLearning"
    batch   = "BatchNodeManagement"
  }
  name                = "to-${each.key}"
  resource_group_name = local.common.resource_group_name
  route_table_name    = azurerm_route_table.compute.name
  address_prefix      = each.value
  next_hop_type       = "Internet"
}

resource "azurerm_subnet_route_table_association" "compute" {
  subnet_id      = azurerm_subnet.compute.id
  route_table_id = azurerm_route_table.compute.id
}
