# The network module stamped twice, into resource groups given by two variables without
# values: whether they are one group is open.

variable "rg_east" {
  type = string
}

variable "rg_west" {
  type = string
}

module "east" {
  source              = "./modules/network"
  resource_group_name = var.rg_east
  location            = "eastus"
  octet               = 1
  ssh_access          = "Allow"
}

module "west" {
  source              = "./modules/network"
  resource_group_name = var.rg_west
  location            = "westus"
  octet               = 2
  ssh_access          = "Deny"
}
