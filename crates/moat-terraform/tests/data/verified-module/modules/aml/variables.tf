variable "name" {
  type = string
}

variable "location" {
  type = string
}

variable "resource_group_name" {
  type = string
}

variable "resource_group_id" {
  type = string
}

variable "kind" {
  type    = string
  default = "Default"
  validation {
    condition     = contains(["Default", "Hub"], var.kind)
    error_message = "kind is Default or Hub"
  }
}

variable "public_network_access_enabled" {
  type    = bool
  default = false
}

variable "ip_allowlist" {
  type    = list(string)
  default = []
}

variable "hbi_workspace" {
  type    = bool
  default = false
}

variable "workspace_managed_network" {
  type = object({
    isolation_mode = string
    spark_ready    = optional(bool, false)
    fqdns          = optional(list(string), [])
    service_tags = optional(map(object({
      tag      = string
      ports    = string
      protocol = optional(string, "TCP")
    })), {})
  })
  default = {
    isolation_mode = "Disabled"
  }
}

variable "private_endpoints" {
  type = map(object({
    name                          = optional(string, null)
    subnet_resource_id            = string
    private_dns_zone_resource_ids = optional(set(string), [])
  }))
  default = {}
}

variable "dependency_endpoints" {
  type = object({
    subnet_resource_id = string
    zone_ids           = map(string)
  })
  default = null
}

variable "tags" {
  type    = map(string)
  default = null
}
