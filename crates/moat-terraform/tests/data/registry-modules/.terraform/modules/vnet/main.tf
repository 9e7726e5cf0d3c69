variable "name" {
  type = string
}

variable "resource_group_name" {
  type = string
}

variable "location" {
  type = string
}

variable "address_space" {
  type = list(string)
}

variable "subnets" {
  type = map(object({
    name              = string
    address_prefixes  = list(string)
    service_endpoints = optional(list(string), [])
    nsg = optional(object({
      rules = optional(map(object({
        priority = number
        access   = string
      })), {})
      flow_logs = optional(bool, false)
    }))
  }))
  default = {}
}

resource "azurerm_virtual_network" "this" {
  name                = var.name
  resource_group_name = var.resource_group_name
  location            = var.location
  address_space       = var.address_space
}

module "subnet" {
  source               = "./modules/subnet"
  for_each             = var.subnets
  name                 = each.value.name
  resource_group_name  = var.resource_group_name
  virtual_network_name = azurerm_virtual_network.this.name
  address_prefixes     = each.value.address_prefixes
  service_endpoints    = each.value.service_endpoints
}

output "resource_id" {
  value = azurerm_virtual_network.this.id
}

output "subnets" {
  value = { for k, s in module.subnet : k => { resource_id = s.resource_id, name = s.name } }
}
