variable "name" {}
variable "resource_group" {}
variable "location" {}

variable "rules" {
  type = list(object({
    name     = string
    priority = number
    port     = string
    source   = string
  }))
  default = []
}

resource "azurerm_network_security_group" "this" {
  name                = var.name
  resource_group_name = var.resource_group
  location            = var.location

  dynamic "security_rule" {
    for_each = var.rules
    iterator = r
    content {
      name                       = r.value.name
      priority                   = r.value.priority
      direction                  = "Inbound"
      access                     = "Allow"
      protocol                   = "Tcp"
      source_address_prefix      = r.value.source
      source_port_range          = "*"
      destination_address_prefix = "VirtualNetwork"
      destination_port_range     = r.value.port
    }
  }

  security_rule {
    name                       = "DenyInternetOutbound"
    priority                   = 4000
    direction                  = "Outbound"
    access                     = "Deny"
    protocol                   = "*"
    source_address_prefix      = "*"
    source_port_range          = "*"
    destination_address_prefix = "Internet"
    destination_port_range     = "*"
  }
}

output "id" {
  value = azurerm_network_security_group.this.id
}
