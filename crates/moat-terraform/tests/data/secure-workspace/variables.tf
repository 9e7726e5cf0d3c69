variable "prefix" {
  type        = string
  description = "Name prefix of every resource."
}

variable "location" {
  type    = string
  default = "East US"
}

variable "address_space" {
  type    = list(string)
  default = ["10.10.0.0/16"]
}

variable "subnets" {
  type = map(object({
    newbits           = number
    netnum            = number
    service_endpoints = optional(list(string), [])
    pe_policies       = optional(string, "Disabled")
  }))
}

variable "allowed_ips" {
  type    = list(string)
  default = []
}

variable "compute_count" {
  type    = number
  default = 1
}

# A subnet of the hub network, managed elsewhere.
variable "shared_subnet_id" {
  type    = string
  default = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/hub-rg/providers/Microsoft.Network/virtualNetworks/hub-vnet/subnets/shared-pe"
}

# Deliberately without a value: the importer reports it as unknown.
variable "admin_object_id" {
  type = string
}
