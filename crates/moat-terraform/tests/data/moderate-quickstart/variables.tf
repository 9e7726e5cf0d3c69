variable "project" {
  type        = string
  description = "Short project code, part of every resource name"
}

variable "stage" {
  type        = string
  description = "Deployment stage"
  default     = "test"
}

variable "region" {
  type    = string
  default = "West Europe"
}

variable "address_space" {
  type    = list(string)
  default = ["10.40.0.0/16"]
}

variable "subnet_prefixes" {
  type = map(string)
  default = {
    compute   = "10.40.1.0/24"
    endpoints = "10.40.2.0/24"
    jumpbox   = "10.40.3.0/24"
    bastion   = "10.40.250.0/26"
  }
}

variable "build_cluster_name" {
  type    = string
  default = "cpu-imgbuild"
}

variable "jumpbox_password" {
  type      = string
  sensitive = true
}
