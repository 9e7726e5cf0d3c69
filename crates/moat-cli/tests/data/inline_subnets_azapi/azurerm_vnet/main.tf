# A VNet that writes its subnets inline, and a training subnet added beside them as an
# azapi_resource of type Microsoft.Network/virtualNetworks/subnets, with a VM's NIC in it.

terraform {
  required_providers {
    azurerm = {
      source = "hashicorp/azurerm"
    }
    azapi = {
      source = "Azure/azapi"
    }
  }
}

resource "azurerm_resource_group" "ml" {
  name     = "rg-ml"
  location = "westeurope"
}

resource "azurerm_virtual_network" "ml" {
  name                = "vnet-ml"
  location            = azurerm_resource_group.ml.location
  resource_group_name = azurerm_resource_group.ml.name
  address_space       = ["10.20.0.0/16"]

  subnet {
    name             = "snet-default"
    address_prefixes = ["10.20.1.0/24"]
  }

  subnet {
    name             = "snet-pe"
    address_prefixes = ["10.20.2.0/24"]
  }
}

resource "azapi_resource" "training" {
  type      = "Microsoft.Network/virtualNetworks/subnets@2023-11-01"
  name      = "snet-training"
  parent_id = azurerm_virtual_network.ml.id
  body = {
    properties = {
      addressPrefix = "10.20.3.0/24"
    }
  }
}

resource "azurerm_network_interface" "trainer" {
  name                = "nic-trainer"
  location            = azurerm_resource_group.ml.location
  resource_group_name = azurerm_resource_group.ml.name

  ip_configuration {
    name                          = "ipconfig"
    subnet_id                     = azapi_resource.training.id
    private_ip_address_allocation = "Static"
    private_ip_address            = "10.20.3.4"
  }
}
