variable "workload" {
  type    = string
  default = "fraud"
}

variable "location" {
  type    = string
  default = "eastus2"
}

variable "hub_cidr" {
  type    = string
  default = "10.100.0.0/22"
}

variable "spoke_cidr" {
  type    = string
  default = "10.110.0.0/20"
}

variable "spoke_dns_through_firewall" {
  type        = bool
  description = "Point the spoke's DNS at the firewall's DNS proxy"
  default     = true
}

variable "builder" {
  type    = string
  default = "builder"
}

variable "ops_ssh_key" {
  type        = string
  description = "Public key of the operators' jump host account"
}

variable "upstream_dns" {
  type        = list(string)
  description = "DNS servers the firewall's proxy forwards to; Azure DNS when empty"
  default     = []
}
