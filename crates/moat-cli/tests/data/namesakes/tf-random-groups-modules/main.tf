# The network module stamped twice, each into a resource group of its own whose name ends in
# a random suffix (unknown until apply): two resource group resources are two groups.

resource "random_string" "suffix" {
  length  = 6
  special = false
  upper   = false
}

resource "azurerm_resource_group" "east" {
  name     = "rg-ml-east-${random_string.suffix.result}"
  location = "eastus"
}

resource "azurerm_resource_group" "west" {
  name     = "rg-ml-west-${random_string.suffix.result}"
  location = "westus"
}

module "east" {
  source              = "./modules/network"
  resource_group_name = azurerm_resource_group.east.name
  location            = azurerm_resource_group.east.location
  octet               = 1
  ssh_access          = "Allow"
}

module "west" {
  source              = "./modules/network"
  resource_group_name = azurerm_resource_group.west.name
  location            = azurerm_resource_group.west.location
  octet               = 2
  ssh_access          = "Deny"
}
