variable "name" {}
variable "resource_group" {}
variable "location" {}

variable "address_space" {
  type = list(string)
}

variable "subnets" {
  type = map(object({
    newbits           = number
    netnum            = number
    service_endpoints = optional(list(string), [])
    pe_policies       = optional(string, "Disabled")
  }))
}

variable "nsg_rules" {
  type = list(object({
    name     = string
    priority = number
    port     = string
    source   = string
  }))
  default = []
}

variable "route_next_hop" {
  type = string
}

resource "azurerm_virtual_network" "vnet" {
  name                = "${var.name}-vnet"
  resource_group_name = var.resource_group
  location            = var.location
  address_space       = var.address_space
}

resource "azurerm_subnet" "this" {
  for_each                          = var.subnets
  name                              = each.key
  resource_group_name               = var.resource_group
  virtual_network_name              = azurerm_virtual_network.vnet.name
  address_prefixes                  = [cidrsubnet(var.address_space[0], each.value.newbits, each.value.netnum)]
  service_endpoints                 = each.value.service_endpoints
  private_endpoint_network_policies = each.value.pe_policies
}

module "nsg" {
  source   = "../nsg"
  for_each = { for k, v in var.subnets : k => v if k != "AzureFirewallSubnet" }

  name           = "${var.name}-${each.key}-nsg"
  resource_group = var.resource_group
  location       = var.location
  rules          = each.key == "training" ? var.nsg_rules : []
}

resource "azurerm_subnet_network_security_group_association" "this" {
  for_each                  = module.nsg
  subnet_id                 = azurerm_subnet.this[each.key].id
  network_security_group_id = each.value.id
}

resource "azurerm_route_table" "rt" {
  name                          = "${var.name}-rt"
  resource_group_name           = var.resource_group
  location                      = var.location
  bgp_route_propagation_enabled = false

  route {
    name                   = "to-firewall"
    address_prefix         = "0.0.0.0/0"
    next_hop_type          = "VirtualAppliance"
    next_hop_in_ip_address = var.route_next_hop
  }

  route {
    name           = "aml"
    address_prefix = "AzureMachineLearning"
    next_hop_type  = "Internet"
  }
}

resource "azurerm_subnet_route_table_association" "training" {
  subnet_id      = azurerm_subnet.this["training"].id
  route_table_id = azurerm_route_table.rt.id
}

output "subnet_ids" {
  value = { for k, s in azurerm_subnet.this : k => s.id }
}

output "subnet_cidrs" {
  value = { for k, s in azurerm_subnet.this : k => s.address_prefixes[0] }
}

output "vnet_id" {
  value = azurerm_virtual_network.vnet.id
}
