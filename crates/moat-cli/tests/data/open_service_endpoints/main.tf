# A subnet with a storage service endpoint policy whose service endpoints come from a
# variable without a value: whether they include Microsoft.Storage is not known.
variable "service_endpoints" {
  type = list(string)
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

resource "azurerm_subnet_service_endpoint_storage_policy" "sep" {
  name                = "sep"
  resource_group_name = azurerm_resource_group.rg.name
  location            = azurerm_resource_group.rg.location
  definition {
    name        = "workspace-storage"
    service     = "Microsoft.Storage"
    service_resources = [azurerm_resource_group.rg.id]
  }
}

resource "azurerm_subnet" "training" {
  name                        = "training"
  resource_group_name         = azurerm_resource_group.rg.name
  virtual_network_name        = azurerm_virtual_network.vnet.name
  address_prefixes            = ["10.0.1.0/24"]
  service_endpoints           = var.service_endpoints
  service_endpoint_policy_ids = [azurerm_subnet_service_endpoint_storage_policy.sep.id]
}
