resource "azurerm_resource_group" "net" {
  name     = "rg-net"
  location = "westus2"
}

resource "azurerm_virtual_network" "core" {
  name                = "core"
  location            = azurerm_resource_group.net.location
  resource_group_name = azurerm_resource_group.net.name
  address_space       = ["10.20.0.0/16"]
}

resource "azurerm_subnet" "jobs" {
  name                 = "jobs"
  resource_group_name  = azurerm_resource_group.net.name
  virtual_network_name = azurerm_virtual_network.core.name
  address_prefixes     = ["10.20.0.0/24"]
}

resource "azurerm_subnet" "firewall" {
  name                 = "AzureFirewallSubnet"
  resource_group_name  = azurerm_resource_group.net.name
  virtual_network_name = azurerm_virtual_network.core.name
  address_prefixes     = ["10.20.1.0/26"]
}

resource "azurerm_public_ip" "edge" {
  name                = "edge-ip"
  location            = azurerm_resource_group.net.location
  resource_group_name = azurerm_resource_group.net.name
  allocation_method   = "Static"
  sku                 = "Standard"
}

resource "azurerm_firewall" "edge" {
  name                = "edge"
  location            = azurerm_resource_group.net.location
  resource_group_name = azurerm_resource_group.net.name
  sku_name            = "AZFW_VNet"
  sku_tier            = "Standard"
  ip_configuration {
    name                 = "ip"
    subnet_id            = azurerm_subnet.firewall.id
    public_ip_address_id = azurerm_public_ip.edge.id
  }
}

resource "azurerm_firewall_application_rule_collection" "packages" {
  name                = "packages"
  azure_firewall_name = azurerm_firewall.edge.name
  resource_group_name = azurerm_resource_group.net.name
  priority            = 100
  action              = "Allow"
  rule {
    name             = "pypi"
    source_addresses = ["10.20.0.0/24"]
    target_fqdns     = ["pypi.org"]
    protocol {
      port = 443
      type = "Https"
    }
  }
}

resource "azurerm_route_table" "egress" {
  name                = "egress"
  location            = azurerm_resource_group.net.location
  resource_group_name = azurerm_resource_group.net.name
}

resource "azurerm_route" "all" {
  name                   = "all"
  resource_group_name    = azurerm_resource_group.net.name
  route_table_name       = azurerm_route_table.egress.name
  address_prefix         = "0.0.0.0/0"
  next_hop_type          = "VirtualAppliance"
  next_hop_in_ip_address = azurerm_firewall.edge.ip_configuration[0].private_ip_address
}

resource "azurerm_subnet_route_table_association" "jobs" {
  subnet_id      = azurerm_subnet.jobs.id
  route_table_id = azurerm_route_table.egress.id
}
