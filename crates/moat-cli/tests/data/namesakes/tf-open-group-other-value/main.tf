# The network of tf-open-group-one-name, but the west subnet's resource group is another
# variable without value: it may be rg-east, so which VNet `vnet-ml` holds it is unknown.

variable "vnet_name" {
  default = "vnet-ml"
}

resource "azurerm_resource_group" "east" {
  name     = "rg-east"
  location = "eastus"
}

variable "rg_west" {}

variable "rg_other" {}

resource "azurerm_virtual_network" "east" {
  name                = var.vnet_name
  location            = azurerm_resource_group.east.location
  resource_group_name = azurerm_resource_group.east.name
  address_space       = ["10.1.0.0/16"]
}

resource "azurerm_virtual_network" "west" {
  name                = var.vnet_name
  location            = "westus"
  resource_group_name = var.rg_west
  address_space       = ["10.2.0.0/16"]
}

resource "azurerm_subnet" "east" {
  name                 = "compute"
  resource_group_name  = azurerm_resource_group.east.name
  virtual_network_name = azurerm_virtual_network.east.name
  address_prefixes     = ["10.1.1.0/24"]
}

resource "azurerm_subnet" "west" {
  name                 = "compute"
  resource_group_name  = var.rg_other
  virtual_network_name = azurerm_virtual_network.west.name
  address_prefixes     = ["10.2.1.0/24"]
}

# East admits SSH from its own VNet; west denies all inbound from the VNet.
resource "azurerm_network_security_group" "east" {
  name                = "nsg-compute"
  location            = azurerm_resource_group.east.location
  resource_group_name = azurerm_resource_group.east.name
  security_rule {
    name                       = "ssh-from-vnet"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "22"
    source_address_prefix      = "VirtualNetwork"
    destination_address_prefix = "*"
  }
}

resource "azurerm_network_security_group" "west" {
  name                = "nsg-compute"
  location            = "westus"
  resource_group_name = var.rg_west
  security_rule {
    name                       = "deny-vnet"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Deny"
    protocol                   = "*"
    source_port_range          = "*"
    destination_port_range     = "*"
    source_address_prefix      = "VirtualNetwork"
    destination_address_prefix = "*"
  }
}

resource "azurerm_subnet_network_security_group_association" "east" {
  subnet_id                 = azurerm_subnet.east.id
  network_security_group_id = azurerm_network_security_group.east.id
}

resource "azurerm_subnet_network_security_group_association" "west" {
  subnet_id                 = azurerm_subnet.west.id
  network_security_group_id = azurerm_network_security_group.west.id
}

resource "azurerm_network_interface" "east" {
  name                = "nic-vm"
  location            = azurerm_resource_group.east.location
  resource_group_name = azurerm_resource_group.east.name
  ip_configuration {
    name                          = "ipconfig"
    subnet_id                     = azurerm_subnet.east.id
    private_ip_address_allocation = "Static"
    private_ip_address            = "10.1.1.4"
  }
}

resource "azurerm_network_interface" "west" {
  name                = "nic-vm"
  location            = "westus"
  resource_group_name = var.rg_west
  ip_configuration {
    name                          = "ipconfig"
    subnet_id                     = azurerm_subnet.west.id
    private_ip_address_allocation = "Static"
    private_ip_address            = "10.2.1.4"
  }
}
