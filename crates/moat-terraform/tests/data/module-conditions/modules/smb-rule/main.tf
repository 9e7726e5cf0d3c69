# One outbound SMB rule on an NSG, deployed when `enabled` is true.
variable "enabled" {
  type = bool
}

variable "name" {
  type = string
}

variable "access" {
  type = string
}

variable "priority" {
  type = number
}

variable "resource_group_name" {
  type = string
}

variable "nsg_name" {
  type = string
}

resource "azurerm_network_security_rule" "smb" {
  count                       = var.enabled ? 1 : 0
  name                        = var.name
  priority                    = var.priority
  direction                   = "Outbound"
  access                      = var.access
  protocol                    = "Tcp"
  source_port_range           = "*"
  destination_port_range      = "445"
  source_address_prefix       = "*"
  destination_address_prefix  = "10.0.3.0/24"
  resource_group_name         = var.resource_group_name
  network_security_group_name = var.nsg_name
}
