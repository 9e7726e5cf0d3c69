terraform {
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.0"
    }
    azapi = {
      source  = "Azure/azapi"
      version = "~> 2.0"
    }
  }
}

variable "location" {
  type    = string
  default = "westeurope"
}

locals {
  base = "mlops"
  fqdn_rules = {
    pypi   = "pypi.org"
    conda  = "*.anaconda.com"
    github = "github.com"
  }
}

resource "azurerm_resource_group" "rg" {
  name     = "${local.base}-rg"
  location = var.location
}

resource "azurerm_storage_account" "sa" {
  name                          = "${local.base}sa"
  resource_group_name           = azurerm_resource_group.rg.name
  location                      = azurerm_resource_group.rg.location
  account_tier                  = "Standard"
  account_replication_type      = "ZRS"
  public_network_access_enabled = false
}

resource "azurerm_storage_account" "lake" {
  name                     = "${local.base}lake"
  resource_group_name      = azurerm_resource_group.rg.name
  location                 = azurerm_resource_group.rg.location
  account_tier             = "Standard"
  account_replication_type = "LRS"
  is_hns_enabled           = true
}

resource "azurerm_key_vault" "kv" {
  name                = "${local.base}-kv"
  resource_group_name = azurerm_resource_group.rg.name
  location            = azurerm_resource_group.rg.location
  tenant_id           = "00000000-0000-0000-0000-000000000000"
  sku_name            = "standard"
}

resource "azurerm_application_insights" "appi" {
  name                = "${local.base}-appi"
  resource_group_name = azurerm_resource_group.rg.name
  location            = azurerm_resource_group.rg.location
  application_type    = "web"
}

resource "azurerm_container_registry" "acr" {
  name                = "${local.base}acr"
  resource_group_name = azurerm_resource_group.rg.name
  location            = azurerm_resource_group.rg.location
  sku                 = "Premium"
}

# The workspace with a managed network, as azapi deploys it.
resource "azapi_resource" "ws" {
  type      = "Microsoft.MachineLearningServices/workspaces@2024-10-01"
  name      = "${local.base}-ws"
  parent_id = azurerm_resource_group.rg.id
  location  = var.location

  identity {
    type = "SystemAssigned"
  }

  body = {
    sku  = { name = "Basic", tier = "Basic" }
    kind = "Default"
    properties = {
      storageAccount      = azurerm_storage_account.sa.id
      keyVault            = azurerm_key_vault.kv.id
      applicationInsights = azurerm_application_insights.appi.id
      containerRegistry   = azurerm_container_registry.acr.id
      publicNetworkAccess = "Disabled"
      managedNetwork = {
        isolationMode = "AllowOnlyApprovedOutbound"
        outboundRules = {
          for k, f in local.fqdn_rules : k => {
            type        = "FQDN"
            destination = f
            category    = "UserDefined"
          }
        }
      }
    }
  }
}

# An outbound rule as a resource of its own, to a storage account of the configuration.
resource "azapi_resource" "lake_rule" {
  type      = "Microsoft.MachineLearningServices/workspaces/outboundRules@2024-10-01"
  name      = "lake-blob"
  parent_id = azapi_resource.ws.id
  body = {
    properties = {
      type     = "PrivateEndpoint"
      category = "UserDefined"
      destination = {
        serviceResourceId = azurerm_storage_account.lake.id
        subresourceTarget = "blob"
        sparkEnabled      = false
      }
    }
  }
}

resource "azapi_resource" "registry" {
  type      = "Microsoft.MachineLearningServices/registries@2024-10-01"
  name      = "${local.base}-registry"
  parent_id = azurerm_resource_group.rg.id
  location  = var.location
  body = {
    properties = {
      publicNetworkAccess = "Disabled"
      regionDetails = [{
        location = var.location
        storageAccountDetails = [{
          systemCreatedStorageAccount = { storageAccountType = "Standard_LRS", storageAccountHnsEnabled = false }
        }]
        acrDetails = [{
          systemCreatedAcrAccount = { acrAccountSku = "Premium" }
        }]
      }]
    }
  }
}

resource "azurerm_virtual_network" "vnet" {
  name                = "${local.base}-vnet"
  resource_group_name = azurerm_resource_group.rg.name
  location            = azurerm_resource_group.rg.location
  address_space       = ["10.20.0.0/16"]

  subnet {
    name             = "pe"
    address_prefixes = ["10.20.1.0/24"]
  }
}

locals {
  pe_subnet_id = one([for s in azurerm_virtual_network.vnet.subnet : s.id if s.name == "pe"])
}

resource "azurerm_private_endpoint" "ws" {
  name                = "${local.base}-ws-pe"
  resource_group_name = azurerm_resource_group.rg.name
  location            = azurerm_resource_group.rg.location
  subnet_id           = local.pe_subnet_id

  private_service_connection {
    name                           = "ws"
    private_connection_resource_id = azapi_resource.ws.id
    subresource_names              = ["amlworkspace"]
    is_manual_connection           = false
  }
}

resource "azurerm_private_endpoint" "registry" {
  name                = "${local.base}-registry-pe"
  resource_group_name = azurerm_resource_group.rg.name
  location            = azurerm_resource_group.rg.location
  subnet_id           = azurerm_virtual_network.vnet.subnet.*.id[0]

  private_service_connection {
    name                           = "registry"
    private_connection_resource_id = azapi_resource.registry.id
    subresource_names              = ["amlregistry"]
    is_manual_connection           = false
  }
}

resource "azurerm_role_assignment" "ws_lake" {
  scope                = azurerm_storage_account.lake.id
  role_definition_name = "Storage Blob Data Reader"
  principal_id         = azapi_resource.ws.identity[0].principal_id
}
