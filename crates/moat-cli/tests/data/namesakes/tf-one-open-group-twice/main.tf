# The network module stamped twice into the one resource group a variable without value
# gives: whatever its value, both VNets (NSGs, NICs) of one name are in that group.

variable "rg" {
  type = string
}

module "east" {
  source              = "./modules/network"
  resource_group_name = var.rg
  location            = "eastus"
  octet               = 1
  ssh_access          = "Allow"
}

module "west" {
  source              = "./modules/network"
  resource_group_name = var.rg
  location            = "westus"
  octet               = 2
  ssh_access          = "Deny"
}
