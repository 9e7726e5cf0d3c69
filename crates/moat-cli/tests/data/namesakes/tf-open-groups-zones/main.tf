# The environment module for dev and prod, each in a resource group given by a variable
# without value: whether they are one group is open.

variable "rg_dev" {
  type = string
}

variable "rg_prod" {
  type = string
}

module "dev" {
  source              = "./modules/env"
  env                 = "dev"
  resource_group_name = var.rg_dev
  octet               = 1
}

module "prod" {
  source              = "./modules/env"
  env                 = "prod"
  resource_group_name = var.rg_prod
  octet               = 2
}
