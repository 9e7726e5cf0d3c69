# Hub services placed into the subnets of an existing hub VNet, read through data sources: a
# firewall, a VPN gateway, a bastion host and a DNS resolver with an inbound endpoint. A spoke
# whose default route points at the address the firewall is expected to have.

data "azurerm_virtual_network" "hub" {
  name                = "hub"
  resource_group_name = "rg-hub"
}

data "azurerm_subnet" "firewall" {
  name                 = "AzureFirewallSubnet"
  virtual_network_name = "hub"
  resource_group_name  = "rg-hub"
}

data "azurerm_subnet" "gateway" {
  name                 = "GatewaySubnet"
  virtual_network_name = "hub"
  resource_group_name  = "rg-hub"
}

data "azurerm_subnet" "bastion" {
  name                 = "AzureBastionSubnet"
  virtual_network_name = "hub"
  resource_group_name  = "rg-hub"
}

data "azurerm_subnet" "dns_in" {
  name                 = "dns-in"
  virtual_network_name = "hub"
  resource_group_name  = "rg-hub"
}

resource "azurerm_public_ip" "fw" {
  name                = "fw-pip"
  location            = "eastus"
  resource_group_name = "rg-spoke"
  allocation_method   = "Static"
  sku                 = "Standard"
}

resource "azurerm_firewall" "hub" {
  name                = "hub-fw"
  location            = "eastus"
  resource_group_name = "rg-spoke"
  sku_name            = "AZFW_VNet"
  sku_tier            = "Standard"
  ip_configuration {
    name                 = "ipconfig"
    subnet_id            = data.azurerm_subnet.firewall.id
    public_ip_address_id = azurerm_public_ip.fw.id
  }
}

resource "azurerm_virtual_network_gateway" "vpn" {
  name                = "hub-vpn"
  location            = "eastus"
  resource_group_name = "rg-spoke"
  type                = "Vpn"
  vpn_type            = "RouteBased"
  sku                 = "VpnGw1"
  ip_configuration {
    name      = "ipconfig"
    subnet_id = data.azurerm_subnet.gateway.id
  }
}

resource "azurerm_bastion_host" "hub" {
  name                = "hub-bastion"
  location            = "eastus"
  resource_group_name = "rg-spoke"
  ip_configuration {
    name      = "ipconfig"
    subnet_id = data.azurerm_subnet.bastion.id
  }
}

resource "azurerm_private_dns_resolver" "hub" {
  name                = "hub-resolver"
  location            = "eastus"
  resource_group_name = "rg-spoke"
  virtual_network_id  = data.azurerm_virtual_network.hub.id
}

resource "azurerm_private_dns_resolver_inbound_endpoint" "in" {
  name                    = "in"
  location                = "eastus"
  private_dns_resolver_id = azurerm_private_dns_resolver.hub.id
  ip_configurations {
    subnet_id                    = data.azurerm_subnet.dns_in.id
    private_ip_allocation_method = "Dynamic"
  }
}

resource "azurerm_route_table" "spoke" {
  name                = "spoke-rt"
  location            = "eastus"
  resource_group_name = "rg-spoke"
  route {
    name                   = "default"
    address_prefix         = "0.0.0.0/0"
    next_hop_type          = "VirtualAppliance"
    next_hop_in_ip_address = "10.0.0.4"
  }
}

resource "azurerm_virtual_network" "spoke" {
  name                = "spoke"
  location            = "eastus"
  resource_group_name = "rg-spoke"
  address_space       = ["10.1.0.0/16"]
}

resource "azurerm_subnet" "vms" {
  name                 = "vms"
  resource_group_name  = "rg-spoke"
  virtual_network_name = azurerm_virtual_network.spoke.name
  address_prefixes     = ["10.1.2.0/24"]
}

resource "azurerm_subnet_route_table_association" "vms" {
  subnet_id      = azurerm_subnet.vms.id
  route_table_id = azurerm_route_table.spoke.id
}

resource "azurerm_network_interface" "jumpbox" {
  name                = "jumpbox-nic"
  location            = "eastus"
  resource_group_name = "rg-spoke"
  ip_configuration {
    name                          = "ipconfig1"
    subnet_id                     = azurerm_subnet.vms.id
    private_ip_address_allocation = "Dynamic"
  }
}

resource "azurerm_linux_virtual_machine" "jumpbox" {
  name                  = "jumpbox"
  location              = "eastus"
  resource_group_name   = "rg-spoke"
  size                  = "Standard_B2s"
  admin_username        = "azureuser"
  network_interface_ids = [azurerm_network_interface.jumpbox.id]
}
