# Ids built with the azapi provider's functions, the subscription a variable without a value.

variable "subscription_id" {
  type = string
}

resource "azurerm_resource_group" "rg" {
  name     = "rg-ids"
  location = "westeurope"
}

resource "azurerm_virtual_network" "vnet" {
  name                = "vnet-ids"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = ["10.30.0.0/16"]
}

resource "azurerm_subnet" "pe" {
  name                 = "snet-pe"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.vnet.name
  address_prefixes     = ["10.30.1.0/24"]
}

resource "azapi_resource" "ws" {
  type      = "Microsoft.MachineLearningServices/workspaces@2024-10-01"
  name      = "mlw-ids"
  parent_id = azurerm_resource_group.rg.id
  location  = "westeurope"
  body = {
    properties = {
      publicNetworkAccess = "Disabled"
    }
  }
}

locals {
  workspace_id = provider::azapi::resource_group_resource_id(var.subscription_id, "rg-ids", "Microsoft.MachineLearningServices/workspaces", ["mlw-ids"])
  subnet_id    = provider::azapi::resource_group_resource_id(var.subscription_id, "rg-ids", "Microsoft.Network/virtualNetworks/subnets", ["vnet-ids", "snet-pe"])
}

resource "azurerm_private_endpoint" "ws" {
  name                = "pe-ws"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  subnet_id           = local.subnet_id

  private_service_connection {
    name                           = "ws"
    private_connection_resource_id = local.workspace_id
    subresource_names              = ["amlworkspace"]
    is_manual_connection           = false
  }
}
