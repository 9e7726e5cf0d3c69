# A VNet that writes its subnets inline, and a training subnet added beside them as a
# separate azurerm_subnet (with its NSG association and a VM's NIC), as a later change to the
# configuration often does.

terraform {
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.0"
    }
  }
}

resource "azurerm_resource_group" "ml" {
  name     = "rg-ml"
  location = "westeurope"
}

resource "azurerm_network_security_group" "ml" {
  name                = "nsg-ml"
  location            = azurerm_resource_group.ml.location
  resource_group_name = azurerm_resource_group.ml.name
}

resource "azurerm_virtual_network" "ml" {
  name                = "vnet-ml"
  location            = azurerm_resource_group.ml.location
  resource_group_name = azurerm_resource_group.ml.name
  address_space       = ["10.20.0.0/16"]

  subnet {
    name             = "snet-default"
    address_prefixes = ["10.20.1.0/24"]
    security_group   = azurerm_network_security_group.ml.id
  }

  subnet {
    name             = "snet-pe"
    address_prefixes = ["10.20.2.0/24"]
    security_group   = azurerm_network_security_group.ml.id
  }
}

resource "azurerm_subnet" "training" {
  name                 = "snet-training"
  resource_group_name  = azurerm_resource_group.ml.name
  virtual_network_name = azurerm_virtual_network.ml.name
  address_prefixes     = ["10.20.3.0/24"]
}

resource "azurerm_subnet_network_security_group_association" "training" {
  subnet_id                 = azurerm_subnet.training.id
  network_security_group_id = azurerm_network_security_group.ml.id
}

resource "azurerm_network_interface" "trainer" {
  name                = "nic-trainer"
  location            = azurerm_resource_group.ml.location
  resource_group_name = azurerm_resource_group.ml.name

  ip_configuration {
    name                          = "ipconfig"
    subnet_id                     = azurerm_subnet.training.id
    private_ip_address_allocation = "Static"
    private_ip_address            = "10.20.3.4"
  }
}
