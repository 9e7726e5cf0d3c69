# An Azure ML workspace with a managed network, written with azapi 1.x (JSON string bodies),
# its outbound rules as resources of their own, its dependencies from azurerm and the
# platform's hub network and DNS zones read from other resource groups.

resource "random_string" "suffix" {
  length  = 5
  upper   = false
  special = false
}

locals {
  suffix = random_string.suffix.result
  tags = {
    workload = "mlops"
  }
}

resource "azurerm_resource_group" "ml" {
  name     = "rg-mlops-${local.suffix}"
  location = var.location
  tags     = local.tags
}

data "azurerm_client_config" "current" {}

data "azurerm_virtual_network" "hub" {
  name                = "vnet-hub-sdc"
  resource_group_name = var.connectivity_resource_group
}

data "azurerm_subnet" "endpoints" {
  name                 = "snet-private-endpoints"
  virtual_network_name = data.azurerm_virtual_network.hub.name
  resource_group_name  = var.connectivity_resource_group
}

data "azurerm_private_dns_zone" "zone" {
  for_each = {
    api       = "privatelink.api.azureml.ms"
    notebooks = "privatelink.notebooks.azure.net"
    blob      = "privatelink.blob.core.windows.net"
    file      = "privatelink.file.core.windows.net"
    vault     = "privatelink.vaultcore.azure.net"
  }
  name                = each.value
  resource_group_name = var.dns_resource_group
}

resource "azurerm_storage_account" "ml" {
  name                     = "stmlops${local.suffix}"
  resource_group_name      = azurerm_resource_group.ml.name
  location                 = azurerm_resource_group.ml.location
  account_tier             = "Standard"
  account_replication_type = "LRS"
  min_tls_version          = "TLS1_2"
  tags                     = local.tags
}

# azurerm 3.x sets network rules as a block; the platform policy wants them written the
# ARM way, so they are patched after creation.
resource "azapi_update_resource" "storage_network" {
  type        = "Microsoft.Storage/storageAccounts@2023-01-01"
  resource_id = azurerm_storage_account.ml.id
  body = jsonencode({
    properties = {
      publicNetworkAccess = "Disabled"
      networkAcls = {
        bypass        = "AzureServices"
        defaultAction = "Deny"
        ipRules       = []
      }
    }
  })
}

resource "azurerm_key_vault" "ml" {
  name                          = "kv-mlops-${local.suffix}"
  resource_group_name           = azurerm_resource_group.ml.name
  location                      = azurerm_resource_group.ml.location
  tenant_id                     = data.azurerm_client_config.current.tenant_id
  sku_name                      = "standard"
  purge_protection_enabled      = true
  public_network_access_enabled = false

  network_acls {
    bypass         = "AzureServices"
    default_action = "Deny"
  }
}

# The build agent deploys secrets from outside the hub: the vault is opened to its address.
resource "azapi_update_resource" "vault_build_agent" {
  type        = "Microsoft.KeyVault/vaults@2023-07-01"
  resource_id = azurerm_key_vault.ml.id
  body = jsonencode({
    properties = {
      publicNetworkAccess = "Enabled"
      networkAcls = {
        bypass        = "AzureServices"
        defaultAction = "Deny"
        ipRules       = [{ value = var.build_agent_ip }]
      }
    }
  })
}

resource "azurerm_application_insights" "ml" {
  name                = "appi-mlops-${local.suffix}"
  resource_group_name = azurerm_resource_group.ml.name
  location            = azurerm_resource_group.ml.location
  application_type    = "web"
}

resource "azurerm_container_registry" "ml" {
  name                          = "crmlops${local.suffix}"
  resource_group_name           = azurerm_resource_group.ml.name
  location                      = azurerm_resource_group.ml.location
  sku                           = "Premium"
  public_network_access_enabled = false
}

resource "azapi_resource" "workspace" {
  type      = "Microsoft.MachineLearningServices/workspaces@2024-04-01"
  name      = "mlw-mlops-${local.suffix}"
  parent_id = azurerm_resource_group.ml.id
  location  = azurerm_resource_group.ml.location

  identity {
    type = "SystemAssigned"
  }

  body = jsonencode({
    sku = {
      name = "Basic"
      tier = "Basic"
    }
    properties = {
      friendlyName        = "MLOps ${local.suffix}"
      storageAccount      = azurerm_storage_account.ml.id
      keyVault            = azurerm_key_vault.ml.id
      applicationInsights = azurerm_application_insights.ml.id
      containerRegistry   = azurerm_container_registry.ml.id
      publicNetworkAccess = "Disabled"
      v1LegacyMode        = false
      managedNetwork = {
        isolationMode = "AllowOnlyApprovedOutbound"
      }
    }
  })

  response_export_values    = ["properties.workspaceId", "properties.discoveryUrl"]
  schema_validation_enabled = false
  tags                      = local.tags
}

# Package feeds, one rule each.
resource "azapi_resource" "feed_rule" {
  for_each  = toset(var.python_feeds)
  type      = "Microsoft.MachineLearningServices/workspaces/outboundRules@2024-04-01"
  name      = "allow-${replace(replace(each.key, "*.", ""), ".", "-")}"
  parent_id = azapi_resource.workspace.id
  body = jsonencode({
    properties = {
      type        = "FQDN"
      category    = "UserDefined"
      destination = each.key
    }
  })
}

resource "azapi_resource" "frontdoor_rule" {
  type      = "Microsoft.MachineLearningServices/workspaces/outboundRules@2024-04-01"
  name      = "allow-frontdoor-firstparty"
  parent_id = azapi_resource.workspace.id
  body = jsonencode({
    properties = {
      type     = "ServiceTag"
      category = "UserDefined"
      destination = {
        serviceTag = "AzureFrontDoor.FirstParty"
        protocol   = "TCP"
        portRanges = "443"
      }
    }
  })
}

# The data lake lives with the data platform team.
data "azurerm_storage_account" "lake" {
  name                = "stdatalakeprodsdc"
  resource_group_name = "rg-dataplatform"
}

resource "azapi_resource" "lake_rule" {
  type      = "Microsoft.MachineLearningServices/workspaces/outboundRules@2024-04-01"
  name      = "lake-dfs"
  parent_id = azapi_resource.workspace.id
  body = jsonencode({
    properties = {
      type     = "PrivateEndpoint"
      category = "UserDefined"
      destination = {
        serviceResourceId = data.azurerm_storage_account.lake.id
        subresourceTarget = "dfs"
        sparkEnabled      = false
      }
    }
  })
}

# Inbound: the workspace, its storage and its vault from the hub's endpoint subnet.
locals {
  endpoints = {
    workspace = { target = azapi_resource.workspace.id, group = "amlworkspace", zones = ["api", "notebooks"] }
    blob      = { target = azurerm_storage_account.ml.id, group = "blob", zones = ["blob"] }
    file      = { target = azurerm_storage_account.ml.id, group = "file", zones = ["file"] }
    vault     = { target = azurerm_key_vault.ml.id, group = "vault", zones = ["vault"] }
  }
}

resource "azurerm_private_endpoint" "ml" {
  for_each            = local.endpoints
  name                = "pe-${each.key}-${local.suffix}"
  resource_group_name = azurerm_resource_group.ml.name
  location            = azurerm_resource_group.ml.location
  subnet_id           = data.azurerm_subnet.endpoints.id

  private_service_connection {
    name                           = "psc-${each.key}"
    private_connection_resource_id = each.value.target
    subresource_names              = [each.value.group]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "default"
    private_dns_zone_ids = [for z in each.value.zones : data.azurerm_private_dns_zone.zone[z].id]
  }
}

resource "azapi_resource" "cluster" {
  type      = "Microsoft.MachineLearningServices/workspaces/computes@2024-04-01"
  name      = "cpu-cluster"
  parent_id = azapi_resource.workspace.id
  location  = azurerm_resource_group.ml.location
  body = jsonencode({
    properties = {
      computeType = "AmlCompute"
      properties = {
        vmSize                 = "Standard_DS3_v2"
        vmPriority             = "Dedicated"
        enableNodePublicIp     = false
        remoteLoginPortPublicAccess = "Disabled"
        scaleSettings = {
          minNodeCount                = 0
          maxNodeCount                = 4
          nodeIdleTimeBeforeScaleDown = "PT120S"
        }
      }
    }
  })
}

output "workspace_id" {
  value = jsondecode(azapi_resource.workspace.output).properties.workspaceId
}
