# Two VNets of one name written with azapi_resource, one in the resource group whose id a
# variable without value gives, the other in a group whose id is written around two such
# variables: whether the groups are one is open.

variable "rg_hub_id" {}
variable "sub" {}
variable "rg_spoke" {}

resource "azapi_resource" "hub" {
  type      = "Microsoft.Network/virtualNetworks@2023-09-01"
  name      = "vnet-ml"
  parent_id = var.rg_hub_id
  location  = "westeurope"
  body = { properties = { addressSpace = { addressPrefixes = ["10.1.0.0/16"] } } }
}

resource "azapi_resource" "spoke" {
  type      = "Microsoft.Network/virtualNetworks@2023-09-01"
  name      = "vnet-ml"
  parent_id = "/subscriptions/${var.sub}/resourceGroups/${var.rg_spoke}"
  location  = "westeurope"
  body = { properties = { addressSpace = { addressPrefixes = ["10.2.0.0/16"] } } }
}

resource "azapi_resource" "hub_subnet" {
  type      = "Microsoft.Network/virtualNetworks/subnets@2023-09-01"
  name      = "compute"
  parent_id = azapi_resource.hub.id
  body = { properties = { addressPrefix = "10.1.1.0/24" } }
}

resource "azapi_resource" "spoke_subnet" {
  type      = "Microsoft.Network/virtualNetworks/subnets@2023-09-01"
  name      = "compute"
  parent_id = azapi_resource.spoke.id
  body = { properties = { addressPrefix = "10.2.1.0/24" } }
}
