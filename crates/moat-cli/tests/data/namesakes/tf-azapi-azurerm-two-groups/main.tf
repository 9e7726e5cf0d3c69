# The network of tf-azapi-two-groups, its VNets written with azurerm and their subnets with
# azapi_resource: the subnets' parent_id is the azurerm VNet's id.

terraform {
  required_providers {
    azapi = {
      source  = "Azure/azapi"
      version = "~> 2.0"
    }
  }
}

locals {
  sites = {
    east = { octet = 1, ssh = "Allow", location = "eastus" }
    west = { octet = 2, ssh = "Deny", location = "westus" }
  }
}

resource "azurerm_resource_group" "site" {
  for_each = local.sites
  name     = "rg-${each.key}"
  location = each.value.location
}

resource "azapi_resource" "nsg" {
  for_each  = local.sites
  type      = "Microsoft.Network/networkSecurityGroups@2023-09-01"
  name      = "nsg-compute"
  parent_id = azurerm_resource_group.site[each.key].id
  location  = each.value.location
  body = {
    properties = {
      securityRules = [
        {
          name = "ssh-from-vnet"
          properties = {
            priority                 = 100
            direction                = "Inbound"
            access                   = each.value.ssh
            protocol                 = "Tcp"
            sourcePortRange          = "*"
            destinationPortRange     = "22"
            sourceAddressPrefix      = "VirtualNetwork"
            destinationAddressPrefix = "*"
          }
        }
      ]
    }
  }
}

resource "azurerm_virtual_network" "vnet" {
  for_each            = local.sites
  name                = "vnet-ml"
  location            = each.value.location
  resource_group_name = azurerm_resource_group.site[each.key].name
  address_space       = ["10.${each.value.octet}.0.0/16"]
}

resource "azapi_resource" "subnet" {
  for_each  = local.sites
  type      = "Microsoft.Network/virtualNetworks/subnets@2023-09-01"
  name      = "compute"
  parent_id = azurerm_virtual_network.vnet[each.key].id
  body = {
    properties = {
      addressPrefix        = "10.${each.value.octet}.1.0/24"
      networkSecurityGroup = { id = azapi_resource.nsg[each.key].id }
    }
  }
}

resource "azapi_resource" "nic" {
  for_each  = local.sites
  type      = "Microsoft.Network/networkInterfaces@2023-09-01"
  name      = "nic-vm"
  parent_id = azurerm_resource_group.site[each.key].id
  location  = each.value.location
  body = {
    properties = {
      ipConfigurations = [
        {
          name = "ipconfig"
          properties = {
            privateIPAllocationMethod = "Static"
            privateIPAddress          = "10.${each.value.octet}.1.4"
            subnet                    = { id = azapi_resource.subnet[each.key].id }
          }
        }
      ]
    }
  }
}
