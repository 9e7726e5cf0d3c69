terraform {
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = ">= 4.0, < 5.0"
    }
  }
}

locals {
  rg       = "hub-spoke-rg"
  location = "westus2"
  hub_subnets = {
    AzureFirewallSubnet = "10.0.0.0/26"
    GatewaySubnet       = "10.0.1.0/27"
    AzureBastionSubnet  = "10.0.2.0/26"
    dns-in              = "10.0.3.0/28"
    dns-out             = "10.0.3.16/28"
  }
}

resource "azurerm_virtual_network" "hub" {
  name                = "hub-vnet"
  resource_group_name = local.rg
  location            = local.location
  address_space       = ["10.0.0.0/16"]
}

# Clients of the hub resolve through the firewall's DNS proxy (a resource of its own, as the
# firewall depends on the VNet).
resource "azurerm_virtual_network_dns_servers" "hub" {
  virtual_network_id = azurerm_virtual_network.hub.id
  dns_servers        = [azurerm_firewall.hub.ip_configuration[0].private_ip_address]
}

resource "azurerm_subnet" "hub" {
  for_each             = local.hub_subnets
  name                 = each.key
  resource_group_name  = local.rg
  virtual_network_name = azurerm_virtual_network.hub.name
  address_prefixes     = [each.value]

  dynamic "delegation" {
    for_each = startswith(each.key, "dns-") ? [1] : []
    content {
      name = "resolver"
      service_delegation {
        name    = "Microsoft.Network/dnsResolvers"
        actions = ["Microsoft.Network/virtualNetworks/subnets/join/action"]
      }
    }
  }
}

resource "azurerm_virtual_network" "spoke" {
  name                = "spoke-vnet"
  resource_group_name = local.rg
  location            = local.location
  address_space       = ["10.1.0.0/16"]
}

resource "azurerm_subnet" "ml" {
  name                        = "ml"
  resource_group_name         = local.rg
  virtual_network_name        = azurerm_virtual_network.spoke.name
  address_prefixes            = ["10.1.0.0/24"]
  service_endpoints           = ["Microsoft.Storage"]
  service_endpoint_policy_ids = [azurerm_subnet_service_endpoint_storage_policy.sep.id]
}

resource "azurerm_subnet" "aks" {
  name                                      = "aks"
  resource_group_name                       = local.rg
  virtual_network_name                      = azurerm_virtual_network.spoke.name
  address_prefixes                          = ["10.1.4.0/22"]
  private_endpoint_network_policies_enabled = false
  default_outbound_access_enabled           = false
}

resource "azurerm_virtual_network_peering" "hub_to_spoke" {
  name                      = "hub-to-spoke"
  resource_group_name       = local.rg
  virtual_network_name      = azurerm_virtual_network.hub.name
  remote_virtual_network_id = azurerm_virtual_network.spoke.id
  allow_gateway_transit     = true
}

resource "azurerm_virtual_network_peering" "spoke_to_hub" {
  name                      = "spoke-to-hub"
  resource_group_name       = local.rg
  virtual_network_name      = azurerm_virtual_network.spoke.name
  remote_virtual_network_id = azurerm_virtual_network.hub.id
  use_remote_gateways       = true
  allow_forwarded_traffic   = true
}

resource "azurerm_application_security_group" "nodes" {
  name                = "ml-nodes"
  resource_group_name = local.rg
  location            = local.location
}

resource "azurerm_network_security_group" "ml" {
  name                = "ml-nsg"
  resource_group_name = local.rg
  location            = local.location
}

resource "azurerm_network_security_rule" "aml_in" {
  name                                       = "AllowAmlInbound"
  resource_group_name                        = local.rg
  network_security_group_name                = azurerm_network_security_group.ml.name
  priority                                   = 100
  direction                                  = "Inbound"
  access                                     = "Allow"
  protocol                                   = "Tcp"
  source_address_prefix                      = "AzureMachineLearning"
  source_port_range                          = "*"
  destination_application_security_group_ids = [azurerm_application_security_group.nodes.id]
  destination_port_ranges                    = ["44224", "29876-29877"]
}

resource "azurerm_network_security_rule" "deny_out" {
  name                        = "DenyInternet"
  resource_group_name         = local.rg
  network_security_group_name = azurerm_network_security_group.ml.name
  priority                    = 4096
  direction                   = "Outbound"
  access                      = "Deny"
  protocol                    = "*"
  source_address_prefixes     = ["10.1.0.0/24", "10.1.4.0/22"]
  source_port_range           = "*"
  destination_address_prefix  = "Internet"
  destination_port_range      = "*"
}

resource "azurerm_subnet_network_security_group_association" "ml" {
  subnet_id                 = azurerm_subnet.ml.id
  network_security_group_id = azurerm_network_security_group.ml.id
}

resource "azurerm_route_table" "spoke" {
  name                          = "spoke-rt"
  resource_group_name           = local.rg
  location                      = local.location
  bgp_route_propagation_enabled = true
}

resource "azurerm_route" "default" {
  name                   = "default-via-fw"
  resource_group_name    = local.rg
  route_table_name       = azurerm_route_table.spoke.name
  address_prefix         = "0.0.0.0/0"
  next_hop_type          = "VirtualAppliance"
  next_hop_in_ip_address = azurerm_firewall.hub.ip_configuration[0].private_ip_address
}

resource "azurerm_subnet_route_table_association" "ml" {
  subnet_id      = azurerm_subnet.ml.id
  route_table_id = azurerm_route_table.spoke.id
}

resource "azurerm_public_ip" "pip" {
  for_each            = toset(["fw", "nat", "vpn", "bastion"])
  name                = "${each.key}-pip"
  resource_group_name = local.rg
  location            = local.location
  allocation_method   = "Static"
  sku                 = "Standard"
}

resource "azurerm_nat_gateway" "spoke" {
  name                = "spoke-nat"
  resource_group_name = local.rg
  location            = local.location
}

resource "azurerm_nat_gateway_public_ip_association" "spoke" {
  nat_gateway_id       = azurerm_nat_gateway.spoke.id
  public_ip_address_id = azurerm_public_ip.pip["nat"].id
}

resource "azurerm_subnet_nat_gateway_association" "aks" {
  subnet_id      = azurerm_subnet.aks.id
  nat_gateway_id = azurerm_nat_gateway.spoke.id
}

resource "azurerm_ip_group" "spoke" {
  name                = "spoke-ranges"
  resource_group_name = local.rg
  location            = local.location
  cidrs               = azurerm_virtual_network.spoke.address_space
}

resource "azurerm_firewall" "hub" {
  name                = "hub-fw"
  resource_group_name = local.rg
  location            = local.location
  sku_name            = "AZFW_VNet"
  sku_tier            = "Premium"
  dns_proxy_enabled   = true
  dns_servers         = ["168.63.129.16"]

  ip_configuration {
    name                 = "cfg"
    subnet_id            = azurerm_subnet.hub["AzureFirewallSubnet"].id
    public_ip_address_id = azurerm_public_ip.pip["fw"].id
  }
}

resource "azurerm_firewall_network_rule_collection" "ml" {
  name                = "ml-network"
  azure_firewall_name = azurerm_firewall.hub.name
  resource_group_name = local.rg
  priority            = 100
  action              = "Allow"

  rule {
    name                  = "aml-service-tag"
    source_ip_groups      = [azurerm_ip_group.spoke.id]
    destination_ports     = ["443"]
    destination_addresses = ["AzureMachineLearning", "BatchNodeManagement.WestUS2"]
    protocols             = ["TCP"]
  }

  rule {
    name              = "ntp"
    source_addresses  = ["*"]
    destination_fqdns = ["time.windows.com"]
    destination_ports = ["123"]
    protocols         = ["UDP"]
  }
}

resource "azurerm_firewall_application_rule_collection" "ml" {
  name                = "ml-app"
  azure_firewall_name = azurerm_firewall.hub.name
  resource_group_name = local.rg
  priority            = 200
  action              = "Allow"

  rule {
    name             = "python"
    source_addresses = ["10.1.0.0/24"]
    target_fqdns     = ["pypi.org", "files.pythonhosted.org"]

    protocol {
      port = 443
      type = "Https"
    }
  }

  rule {
    name             = "windows-update"
    source_addresses = ["10.1.0.0/24"]
    fqdn_tags        = ["WindowsUpdate"]
  }
}

resource "azurerm_virtual_network_gateway" "vpn" {
  name                = "hub-vpn"
  resource_group_name = local.rg
  location            = local.location
  type                = "Vpn"
  vpn_type            = "RouteBased"
  sku                 = "VpnGw1"

  ip_configuration {
    name                 = "gw"
    public_ip_address_id = azurerm_public_ip.pip["vpn"].id
    subnet_id            = azurerm_subnet.hub["GatewaySubnet"].id
  }

  vpn_client_configuration {
    address_space = ["172.16.0.0/24"]
  }
}

resource "azurerm_local_network_gateway" "onprem" {
  name                = "onprem"
  resource_group_name = local.rg
  location            = local.location
  gateway_address     = "203.0.113.10"
  address_space       = ["192.168.0.0/16"]
}

resource "azurerm_virtual_network_gateway_connection" "onprem" {
  name                       = "hub-to-onprem"
  resource_group_name        = local.rg
  location                   = local.location
  type                       = "IPsec"
  virtual_network_gateway_id = azurerm_virtual_network_gateway.vpn.id
  local_network_gateway_id   = azurerm_local_network_gateway.onprem.id
  shared_key                 = "not-a-secret"
}

resource "azurerm_bastion_host" "hub" {
  name                = "hub-bastion"
  resource_group_name = local.rg
  location            = local.location

  ip_configuration {
    name                 = "cfg"
    subnet_id            = azurerm_subnet.hub["AzureBastionSubnet"].id
    public_ip_address_id = azurerm_public_ip.pip["bastion"].id
  }
}

resource "azurerm_network_interface" "dsvm" {
  name                = "dsvm-nic"
  resource_group_name = local.rg
  location            = local.location
  ip_forwarding_enabled = false

  ip_configuration {
    name                          = "internal"
    subnet_id                     = azurerm_subnet.ml.id
    private_ip_address_allocation = "Static"
    private_ip_address            = "10.1.0.10"
  }
}

resource "azurerm_network_interface_security_group_association" "dsvm" {
  network_interface_id      = azurerm_network_interface.dsvm.id
  network_security_group_id = azurerm_network_security_group.ml.id
}

resource "azurerm_network_interface_application_security_group_association" "dsvm" {
  network_interface_id          = azurerm_network_interface.dsvm.id
  application_security_group_id = azurerm_application_security_group.nodes.id
}

resource "azurerm_windows_virtual_machine" "dsvm" {
  name                  = "dsvm"
  resource_group_name   = local.rg
  location              = local.location
  size                  = "Standard_D4s_v5"
  admin_username        = "azureuser"
  admin_password        = "not-a-secret"
  network_interface_ids = [azurerm_network_interface.dsvm.id]

  os_disk {
    caching              = "ReadWrite"
    storage_account_type = "Premium_LRS"
  }
}
