# Settings the azurerm provider in use cannot write, patched onto the resources it declares.

variable "storage_public_access" {
  type = string
}

resource "azurerm_resource_group" "rg" {
  name     = "rg-patched"
  location = "westeurope"
}

resource "azurerm_storage_account" "st" {
  name                     = "stpatched01"
  resource_group_name      = azurerm_resource_group.rg.name
  location                 = azurerm_resource_group.rg.location
  account_tier             = "Standard"
  account_replication_type = "LRS"
  min_tls_version          = "TLS1_2"
}

resource "azapi_update_resource" "st_private" {
  type        = "Microsoft.Storage/storageAccounts@2023-05-01"
  resource_id = azurerm_storage_account.st.id
  body = {
    properties = {
      publicNetworkAccess = "Disabled"
    }
  }
}

resource "azurerm_storage_account" "logs" {
  name                     = "stpatchedlogs"
  resource_group_name      = azurerm_resource_group.rg.name
  location                 = azurerm_resource_group.rg.location
  account_tier             = "Standard"
  account_replication_type = "LRS"
}

resource "azapi_update_resource" "logs_access" {
  type        = "Microsoft.Storage/storageAccounts@2023-05-01"
  resource_id = azurerm_storage_account.logs.id
  body = {
    properties = {
      publicNetworkAccess = var.storage_public_access
    }
  }
}

resource "azurerm_key_vault" "kv" {
  name                = "kv-patched-01"
  resource_group_name = azurerm_resource_group.rg.name
  location            = "westeurope"
  tenant_id           = "00000000-0000-0000-0000-000000000000"
  sku_name            = "standard"
}

resource "azurerm_application_insights" "ai" {
  name                = "appi-patched"
  resource_group_name = azurerm_resource_group.rg.name
  location            = "westeurope"
  application_type    = "web"
}

resource "azurerm_machine_learning_workspace" "ws" {
  name                    = "mlw-patched"
  location                = "westeurope"
  resource_group_name     = azurerm_resource_group.rg.name
  application_insights_id = azurerm_application_insights.ai.id
  key_vault_id            = azurerm_key_vault.kv.id
  storage_account_id      = azurerm_storage_account.st.id
  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_machine_learning_workspace_network_outbound_rule_fqdn" "pypi" {
  name             = "pypi"
  workspace_id     = azurerm_machine_learning_workspace.ws.id
  destination_fqdn = "pypi.org"
}

resource "azapi_update_resource" "ws_isolation" {
  type        = "Microsoft.MachineLearningServices/workspaces@2024-10-01"
  resource_id = azurerm_machine_learning_workspace.ws.id
  body = {
    properties = {
      publicNetworkAccess = "Disabled"
      managedNetwork = {
        isolationMode = "AllowOnlyApprovedOutbound"
        outboundRules = {
          conda = {
            type        = "FQDN"
            category    = "UserDefined"
            destination = "conda.anaconda.org"
          }
        }
      }
    }
  }
}
