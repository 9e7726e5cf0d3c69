# An AI hub with a private endpoint and a project that shares its network.

variable "pe_subnet_id" { type = string }

variable "hub_public_network_access" {
  type    = string
  default = "Disabled"
}

resource "random_string" "s" {
  length  = 4
  special = false
  upper   = false
}

resource "azurerm_resource_group" "rg" {
  name     = "rg-aihub-${random_string.s.result}"
  location = "eastus2"
}

resource "azurerm_storage_account" "st" {
  name                          = "sthub${random_string.s.result}"
  resource_group_name           = azurerm_resource_group.rg.name
  location                      = azurerm_resource_group.rg.location
  account_tier                  = "Standard"
  account_replication_type      = "LRS"
  public_network_access_enabled = false
}

resource "azurerm_key_vault" "kv" {
  name                          = "kv-hub-${random_string.s.result}"
  resource_group_name           = azurerm_resource_group.rg.name
  location                      = azurerm_resource_group.rg.location
  tenant_id                     = "00000000-0000-0000-0000-000000000000"
  sku_name                      = "standard"
  public_network_access_enabled = false
}

resource "azapi_resource" "hub" {
  type      = "Microsoft.MachineLearningServices/workspaces@2024-10-01"
  name      = "hub-${random_string.s.result}"
  parent_id = azurerm_resource_group.rg.id
  location  = azurerm_resource_group.rg.location
  identity {
    type = "SystemAssigned"
  }
  body = {
    kind = "Hub"
    properties = {
      storageAccount      = azurerm_storage_account.st.id
      keyVault            = azurerm_key_vault.kv.id
      publicNetworkAccess = var.hub_public_network_access
      managedNetwork = {
        isolationMode = "AllowInternetOutbound"
      }
    }
  }
}

resource "azapi_resource" "project" {
  type      = "Microsoft.MachineLearningServices/workspaces@2024-10-01"
  name      = "proj-${random_string.s.result}"
  parent_id = azurerm_resource_group.rg.id
  location  = azurerm_resource_group.rg.location
  identity {
    type = "SystemAssigned"
  }
  body = {
    kind = "Project"
    properties = {
      hubResourceId = azapi_resource.hub.id
    }
  }
}

resource "azurerm_private_endpoint" "hub" {
  name                = "pe-hub"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  subnet_id           = var.pe_subnet_id
  private_service_connection {
    name                           = "hub"
    private_connection_resource_id = azapi_resource.hub.id
    subresource_names              = ["amlworkspace"]
    is_manual_connection           = false
  }
}
