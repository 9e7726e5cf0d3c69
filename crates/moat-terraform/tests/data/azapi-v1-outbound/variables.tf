variable "location" {
  type    = string
  default = "swedencentral"
}

variable "connectivity_resource_group" {
  description = "Resource group of the platform team's hub network."
  type        = string
  default     = "rg-connectivity-sdc"
}

variable "dns_resource_group" {
  description = "Resource group holding the central private DNS zones."
  type        = string
  default     = "rg-privatedns"
}

variable "build_agent_ip" {
  description = "Public address of the self-hosted build agent."
  type        = string
}

variable "python_feeds" {
  type    = list(string)
  default = ["pypi.org", "files.pythonhosted.org", "*.anaconda.com"]
}
