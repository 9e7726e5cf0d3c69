# A platform team's wrapper in the shape of the Azure Verified Modules: the workspace is an
# azapi resource chosen by kind, its network rules come from an object variable, and it is
# put into a VNet and DNS zones that already exist (read through data sources).
terraform {
  required_version = ">= 1.9, < 2.0"
  required_providers {
    azapi = {
      source  = "Azure/azapi"
      version = "~> 2.2"
    }
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.10"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
  }
}

provider "azurerm" {
  features {}
}
