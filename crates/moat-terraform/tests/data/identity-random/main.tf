# A secure workspace as azapi deploys it, named the way shared configurations name things: the
# subscription read from the client configuration, a random suffix on the resource group and
# the workspace, ids inside azapi bodies and in jsonencode(). Nothing here is unknown to the
# structure: every link is a reference to a resource declared beside it.

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
    random = {
      source = "hashicorp/random"
    }
  }
}

data "azurerm_client_config" "current" {}
data "azapi_client_config" "current" {}

resource "random_string" "suffix" {
  length  = 6
  special = false
  upper   = false
}

locals {
  location = "westeurope"
  zones = toset([
    "privatelink.api.azureml.ms",
    "privatelink.notebooks.azure.net",
    "privatelink.blob.core.windows.net",
    "privatelink.file.core.windows.net",
    "privatelink.vaultcore.azure.net",
    "privatelink.azurecr.io",
  ])
  rg_id    = "/subscriptions/${data.azapi_client_config.current.subscription_id}/resourceGroups/${azurerm_resource_group.rg.name}"
}

resource "azurerm_resource_group" "rg" {
  name     = "rg-ml-${random_string.suffix.result}"
  location = local.location
}

resource "azurerm_virtual_network" "vnet" {
  name                = "vnet-ml"
  resource_group_name = azurerm_resource_group.rg.name
  location            = local.location
  address_space       = ["10.10.0.0/16"]
}

resource "azurerm_subnet" "training" {
  name                 = "snet-training"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.vnet.name
  address_prefixes     = ["10.10.1.0/24"]
}

resource "azurerm_subnet" "pe" {
  name                 = "snet-pe"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.vnet.name
  address_prefixes     = ["10.10.2.0/24"]
}

resource "azurerm_storage_account" "sa" {
  name                          = "stml${random_string.suffix.result}"
  resource_group_name           = azurerm_resource_group.rg.name
  location                      = local.location
  account_tier                  = "Standard"
  account_replication_type      = "LRS"
  public_network_access_enabled = false
}

resource "azurerm_key_vault" "kv" {
  name                          = "kv-ml-${random_string.suffix.result}"
  resource_group_name           = azurerm_resource_group.rg.name
  location                      = local.location
  tenant_id                     = data.azurerm_client_config.current.tenant_id
  sku_name                      = "standard"
  public_network_access_enabled = false
}

resource "azurerm_application_insights" "appi" {
  name                = "appi-ml"
  resource_group_name = azurerm_resource_group.rg.name
  location            = local.location
  application_type    = "web"
}

resource "azurerm_container_registry" "acr" {
  name                          = "acrml${random_string.suffix.result}"
  resource_group_name           = azurerm_resource_group.rg.name
  location                      = local.location
  sku                           = "Premium"
  public_network_access_enabled = false
}

resource "azapi_resource" "ws" {
  type      = "Microsoft.MachineLearningServices/workspaces@2024-10-01"
  name      = "mlw-${random_string.suffix.result}"
  parent_id = local.rg_id
  location  = local.location

  identity {
    type = "SystemAssigned"
  }

  body = {
    sku = { name = "Basic", tier = "Basic" }
    properties = {
      storageAccount      = azurerm_storage_account.sa.id
      keyVault            = azurerm_key_vault.kv.id
      applicationInsights = azurerm_application_insights.appi.id
      containerRegistry   = azurerm_container_registry.acr.id
      publicNetworkAccess = "Disabled"
      imageBuildCompute   = "cpu-cluster"
    }
  }
}

# A compute cluster in the training subnet, its body a jsonencode()d string.
resource "azapi_resource" "cluster" {
  type      = "Microsoft.MachineLearningServices/workspaces/computes@2024-10-01"
  name      = "cpu-cluster"
  parent_id = azapi_resource.ws.id
  location  = local.location
  body = jsonencode({
    properties = {
      computeType = "AmlCompute"
      properties = {
        vmSize             = "STANDARD_DS3_V2"
        enableNodePublicIp = false
        subnet             = { id = "${azurerm_subnet.training.id}" }
        scaleSettings      = { minNodeCount = 0, maxNodeCount = 2 }
      }
    }
  })
}

# A compute instance in the same subnet, the id written as an object attribute.
resource "azapi_resource" "instance" {
  type      = "Microsoft.MachineLearningServices/workspaces/computes@2024-10-01"
  name      = "ci-dev"
  parent_id = azapi_resource.ws.id
  location  = local.location
  body = {
    properties = {
      computeType = "ComputeInstance"
      properties = {
        vmSize             = "STANDARD_DS3_V2"
        enableNodePublicIp = false
        subnet             = { id = azurerm_subnet.training.id }
      }
    }
  }
}

# The workspace endpoint targets the azapi workspace by reference.
resource "azurerm_private_endpoint" "ws" {
  name                = "pe-mlw"
  resource_group_name = azurerm_resource_group.rg.name
  location            = local.location
  subnet_id           = azurerm_subnet.pe.id

  private_service_connection {
    name                           = "mlw"
    private_connection_resource_id = azapi_resource.ws.id
    subresource_names              = ["amlworkspace"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name = "mlw"
    private_dns_zone_ids = [
      azurerm_private_dns_zone.z["privatelink.api.azureml.ms"].id,
      azurerm_private_dns_zone.z["privatelink.notebooks.azure.net"].id,
    ]
  }
}

# The registry endpoint writes the target id as a string template.
resource "azurerm_private_endpoint" "acr" {
  name                = "pe-acr"
  resource_group_name = azurerm_resource_group.rg.name
  location            = local.location
  subnet_id           = azurerm_subnet.pe.id

  private_service_connection {
    name                           = "acr"
    private_connection_resource_id = "${local.rg_id}/providers/Microsoft.ContainerRegistry/registries/${azurerm_container_registry.acr.name}"
    subresource_names              = ["registry"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "acr"
    private_dns_zone_ids = [azurerm_private_dns_zone.z["privatelink.azurecr.io"].id]
  }
}

# The storage endpoint is an azapi resource whose target id is built from the subscription.
resource "azapi_resource" "pe_blob" {
  type      = "Microsoft.Network/privateEndpoints@2023-11-01"
  name      = "pe-blob"
  parent_id = local.rg_id
  location  = local.location
  body = {
    properties = {
      subnet = { id = azurerm_subnet.pe.id }
      privateLinkServiceConnections = [{
        name = "blob"
        properties = {
          privateLinkServiceId = "/subscriptions/${data.azurerm_client_config.current.subscription_id}/resourceGroups/${azurerm_resource_group.rg.name}/providers/Microsoft.Storage/storageAccounts/${azurerm_storage_account.sa.name}"
          groupIds             = ["blob"]
        }
      }]
    }
  }
}

resource "azapi_resource" "pe_blob_zones" {
  type      = "Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2023-11-01"
  name      = "default"
  parent_id = azapi_resource.pe_blob.id
  body = {
    properties = {
      privateDnsZoneConfigs = [{
        name       = "blob"
        properties = { privateDnsZoneId = azurerm_private_dns_zone.z["privatelink.blob.core.windows.net"].id }
      }]
    }
  }
}

resource "azurerm_private_endpoint" "file" {
  name                = "pe-file"
  resource_group_name = azurerm_resource_group.rg.name
  location            = local.location
  subnet_id           = azurerm_subnet.pe.id

  private_service_connection {
    name                           = "file"
    private_connection_resource_id = azurerm_storage_account.sa.id
    subresource_names              = ["file"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "file"
    private_dns_zone_ids = [azurerm_private_dns_zone.z["privatelink.file.core.windows.net"].id]
  }
}

resource "azurerm_private_endpoint" "kv" {
  name                = "pe-kv"
  resource_group_name = azurerm_resource_group.rg.name
  location            = local.location
  subnet_id           = azurerm_subnet.pe.id

  private_service_connection {
    name                           = "vault"
    private_connection_resource_id = azurerm_key_vault.kv.id
    subresource_names              = ["vault"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "vault"
    private_dns_zone_ids = [azurerm_private_dns_zone.z["privatelink.vaultcore.azure.net"].id]
  }
}

resource "azurerm_private_dns_zone" "z" {
  for_each            = local.zones
  name                = each.key
  resource_group_name = azurerm_resource_group.rg.name
}

resource "azurerm_private_dns_zone_virtual_network_link" "z" {
  for_each              = local.zones
  name                  = "link-${replace(each.key, ".", "-")}"
  resource_group_name   = azurerm_resource_group.rg.name
  private_dns_zone_name = azurerm_private_dns_zone.z[each.key].name
  virtual_network_id    = azurerm_virtual_network.vnet.id
}
