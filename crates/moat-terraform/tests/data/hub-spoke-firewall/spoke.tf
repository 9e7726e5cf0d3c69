resource "azurerm_virtual_network" "spoke" {
  name                = "vnet-spoke-${var.workload}"
  address_space       = [var.spoke_cidr]
  location            = azurerm_resource_group.spoke.location
  resource_group_name = azurerm_resource_group.spoke.name
  dns_servers         = var.spoke_dns_through_firewall ? [azurerm_firewall.hub.ip_configuration[0].private_ip_address] : []
}

locals {
  spoke_subnets = {
    training  = cidrsubnet(var.spoke_cidr, 4, 0)
    endpoints = cidrsubnet(var.spoke_cidr, 4, 1)
  }
}

resource "azurerm_subnet" "spoke" {
  for_each             = local.spoke_subnets
  name                 = "snet-${each.key}"
  resource_group_name  = azurerm_resource_group.spoke.name
  virtual_network_name = azurerm_virtual_network.spoke.name
  address_prefixes     = [each.value]
}

resource "azurerm_network_security_group" "training" {
  name                = "nsg-training"
  location            = azurerm_resource_group.spoke.location
  resource_group_name = azurerm_resource_group.spoke.name

  security_rule {
    name                       = "deny-internet-in"
    priority                   = 4000
    direction                  = "Inbound"
    access                     = "Deny"
    protocol                   = "*"
    source_port_range          = "*"
    destination_port_range     = "*"
    source_address_prefix      = "Internet"
    destination_address_prefix = "*"
  }
}

resource "azurerm_subnet_network_security_group_association" "training" {
  subnet_id                 = azurerm_subnet.spoke["training"].id
  network_security_group_id = azurerm_network_security_group.training.id
}

resource "azurerm_route_table" "training" {
  name                          = "rt-training"
  location                      = azurerm_resource_group.spoke.location
  resource_group_name           = azurerm_resource_group.spoke.name
  disable_bgp_route_propagation = true

  route {
    name                   = "everything-to-firewall"
    address_prefix         = "0.0.0.0/0"
    next_hop_type          = "VirtualAppliance"
    next_hop_in_ip_address = azurerm_firewall.hub.ip_configuration[0].private_ip_address
  }
}

resource "azurerm_subnet_route_table_association" "training" {
  subnet_id      = azurerm_subnet.spoke["training"].id
  route_table_id = azurerm_route_table.training.id
}
