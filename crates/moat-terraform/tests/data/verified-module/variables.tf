variable "location" {
  type     = string
  default  = "swedencentral"
  nullable = false
}

variable "network_rg" {
  type        = string
  description = "Resource group of the landing zone's VNet"
}

variable "network_name" {
  type        = string
  description = "Name of the landing zone's VNet"
}

variable "dns_rg" {
  type        = string
  description = "Resource group that holds the shared privatelink zones"
  default     = "rg-connectivity-dns"
}

variable "endpoint_subnet" {
  type    = string
  default = "snet-private-endpoints"
}

variable "allowed_ranges" {
  type        = list(string)
  description = "Office egress ranges allowed to the workspace's public endpoint"
  default     = ["203.0.113.0/24"]
}

variable "extra_fqdns" {
  type    = list(string)
  default = ["pypi.org", "files.pythonhosted.org", "*.anaconda.com"]
}

variable "tags" {
  type    = map(string)
  default = {}
}
