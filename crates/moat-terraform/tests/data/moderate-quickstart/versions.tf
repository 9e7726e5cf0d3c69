# A moderately locked-down workspace in one VNet: everything the workspace depends on sits
# behind private endpoints, compute nodes keep their public IPs, and a Bastion-fronted
# jump box is the only client that reaches the private workspace.
terraform {
  required_version = ">= 1.3"

  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = ">= 3.60"
    }
    random = {
      source = "hashicorp/random"
    }
  }
}

provider "azurerm" {
  features {}
}

data "azurerm_client_config" "me" {}
