# A VNet written as an azapi_resource whose body leaves its subnets out, and every subnet
# written as an azapi_resource of type Microsoft.Network/virtualNetworks/subnets, with a VM's
# NIC in the training subnet.

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

resource "azapi_resource" "vnet" {
  type      = "Microsoft.Network/virtualNetworks@2023-11-01"
  name      = "vnet-ml"
  parent_id = azurerm_resource_group.ml.id
  location  = azurerm_resource_group.ml.location
  body = {
    properties = {
      addressSpace = { addressPrefixes = ["10.20.0.0/16"] }
    }
  }
}

resource "azapi_resource" "default" {
  type      = "Microsoft.Network/virtualNetworks/subnets@2023-11-01"
  name      = "snet-default"
  parent_id = azapi_resource.vnet.id
  body = {
    properties = {
      addressPrefix = "10.20.1.0/24"
    }
  }
}

resource "azapi_resource" "training" {
  type      = "Microsoft.Network/virtualNetworks/subnets@2023-11-01"
  name      = "snet-training"
  parent_id = azapi_resource.vnet.id
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
