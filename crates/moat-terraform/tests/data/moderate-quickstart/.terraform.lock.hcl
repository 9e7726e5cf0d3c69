# This file is maintained automatically by "terraform init".
# Manual edits may be lost in future updates.

provider "registry.terraform.io/hashicorp/azurerm" {
  version     = "3.116.0"
  constraints = ">= 3.60.0"
  hashes = [
    "h1:0000000000000000000000000000000000000000000=",
  ]
}

provider "registry.terraform.io/hashicorp/random" {
  version = "3.6.3"
  hashes = [
    "h1:1111111111111111111111111111111111111111111=",
  ]
}
