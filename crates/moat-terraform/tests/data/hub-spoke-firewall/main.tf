# A workspace in a spoke VNet whose egress goes through an Azure Firewall in the hub. The
# private DNS zones live in the hub and are linked to the hub VNet only; the spoke resolves
# names through the firewall's DNS proxy.
terraform {
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 3.100"
    }
  }
}

provider "azurerm" {
  features {}
}

data "azurerm_client_config" "current" {}

resource "random_pet" "tag" {
  length = 2
}

resource "azurerm_resource_group" "spoke" {
  name     = "rg-${var.workload}-spoke-${random_pet.tag.id}"
  location = var.location
}

resource "azurerm_resource_group" "hub" {
  name     = "rg-${var.workload}-hub-${random_pet.tag.id}"
  location = var.location
}
