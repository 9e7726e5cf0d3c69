# A workspace whose network and private endpoints come from modules that `terraform init`
# installs: a registry module (with a local submodule of its own) and a git module.

terraform {
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.0"
    }
  }
}

locals {
  zones = toset([
    "privatelink.api.azureml.ms",
    "privatelink.notebooks.azure.net",
    "privatelink.blob.core.windows.net",
  ])
}

resource "azurerm_resource_group" "rg" {
  name     = "rg-mods"
  location = "westeurope"
}

module "vnet" {
  source              = "Azure/avm-res-network-virtualnetwork/azurerm"
  version             = "0.4.0"
  name                = "vnet-mods"
  resource_group_name = azurerm_resource_group.rg.name
  location            = azurerm_resource_group.rg.location
  address_space       = ["10.20.0.0/16"]
  subnets = {
    pe = {
      name             = "snet-pe"
      address_prefixes = ["10.20.1.0/24"]
    }
    training = {
      name              = "snet-training"
      address_prefixes  = ["10.20.2.0/24"]
      service_endpoints = ["Microsoft.Storage"]
      nsg               = { rules = {} }
    }
  }
}

resource "azurerm_private_dns_zone" "zone" {
  for_each            = local.zones
  name                = each.value
  resource_group_name = azurerm_resource_group.rg.name
}

data "azurerm_client_config" "current" {}

resource "azurerm_storage_account" "sa" {
  name                          = "stmods"
  resource_group_name           = azurerm_resource_group.rg.name
  location                      = azurerm_resource_group.rg.location
  account_tier                  = "Standard"
  account_replication_type      = "LRS"
  public_network_access_enabled = false
}

resource "azurerm_key_vault" "kv" {
  name                          = "kv-mods"
  resource_group_name           = azurerm_resource_group.rg.name
  location                      = azurerm_resource_group.rg.location
  tenant_id                     = data.azurerm_client_config.current.tenant_id
  sku_name                      = "standard"
  public_network_access_enabled = false
}

resource "azurerm_application_insights" "appi" {
  name                = "appi-mods"
  resource_group_name = azurerm_resource_group.rg.name
  location            = azurerm_resource_group.rg.location
  application_type    = "web"
}

resource "azurerm_machine_learning_workspace" "ws" {
  name                          = "mlw-mods"
  resource_group_name           = azurerm_resource_group.rg.name
  location                      = azurerm_resource_group.rg.location
  application_insights_id       = azurerm_application_insights.appi.id
  key_vault_id                  = azurerm_key_vault.kv.id
  storage_account_id            = azurerm_storage_account.sa.id
  public_network_access_enabled = false

  identity {
    type = "SystemAssigned"
  }
}

module "endpoints" {
  source              = "git::https://example.com/terraform-azurerm-endpoints.git?ref=v1.2.0"
  resource_group_name = azurerm_resource_group.rg.name
  location            = azurerm_resource_group.rg.location
  private_endpoints = {
    ws = {
      name                           = "pe-ws"
      subnet_resource_id             = module.vnet.subnets["pe"].resource_id
      private_connection_resource_id = azurerm_machine_learning_workspace.ws.id
      subresource_name               = "amlworkspace"
      private_dns_zone_resource_ids = [
        azurerm_private_dns_zone.zone["privatelink.api.azureml.ms"].id,
        azurerm_private_dns_zone.zone["privatelink.notebooks.azure.net"].id,
      ]
    }
    blob = {
      name                           = "pe-blob"
      subnet_resource_id             = module.vnet.subnets["pe"].resource_id
      private_connection_resource_id = azurerm_storage_account.sa.id
      subresource_name               = "blob"
      # Not an attribute of the module's `private_endpoints` type: Terraform drops it.
      private_dns_zone_resource_name = "privatelink.blob.core.windows.net"
    }
  }
}
