# One machine learning network: a VNet, its compute subnet with an NSG, and a VM's NIC.

variable "resource_group_name" {
  type = string
}

variable "location" {
  type = string
}

variable "octet" {
  type        = number
  description = "Second octet of the VNet's 10.x.0.0/16 address space."
}

variable "ssh_access" {
  type        = string
  description = "Allow or Deny SSH from the VNet."
}

resource "azurerm_virtual_network" "this" {
  name                = "vnet-ml"
  location            = var.location
  resource_group_name = var.resource_group_name
  address_space       = ["10.${var.octet}.0.0/16"]
}

resource "azurerm_subnet" "compute" {
  name                 = "compute"
  resource_group_name  = var.resource_group_name
  virtual_network_name = azurerm_virtual_network.this.name
  address_prefixes     = ["10.${var.octet}.1.0/24"]
}

resource "azurerm_network_security_group" "compute" {
  name                = "nsg-compute"
  location            = var.location
  resource_group_name = var.resource_group_name

  security_rule {
    name                       = "ssh-from-vnet"
    priority                   = 100
    direction                  = "Inbound"
    access                     = var.ssh_access
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "22"
    source_address_prefix      = "VirtualNetwork"
    destination_address_prefix = "*"
  }
}

resource "azurerm_subnet_network_security_group_association" "compute" {
  subnet_id                 = azurerm_subnet.compute.id
  network_security_group_id = azurerm_network_security_group.compute.id
}

resource "azurerm_network_interface" "vm" {
  name                = "nic-vm"
  location            = var.location
  resource_group_name = var.resource_group_name

  ip_configuration {
    name                          = "ipconfig"
    subnet_id                     = azurerm_subnet.compute.id
    private_ip_address_allocation = "Static"
    private_ip_address            = "10.${var.octet}.1.4"
  }
}
