# Unique names come from the naming module, as the Verified Module examples do.
module "naming" {
  source  = "Azure/naming/azurerm"
  version = "~> 0.4"
  suffix  = ["mlops"]
}

resource "random_string" "unique" {
  length  = 5
  special = false
  upper   = false
}

resource "azurerm_resource_group" "this" {
  location = var.location
  name     = module.naming.resource_group.name_unique
  tags     = var.tags
}

data "azurerm_virtual_network" "lz" {
  name                = var.network_name
  resource_group_name = var.network_rg
}

data "azurerm_subnet" "endpoints" {
  name                 = var.endpoint_subnet
  virtual_network_name = data.azurerm_virtual_network.lz.name
  resource_group_name  = data.azurerm_virtual_network.lz.resource_group_name
}

data "azurerm_private_dns_zone" "shared" {
  for_each = {
    api       = "privatelink.api.azureml.ms"
    notebooks = "privatelink.notebooks.azure.net"
    blob      = "privatelink.blob.core.windows.net"
    file      = "privatelink.file.core.windows.net"
    vault     = "privatelink.vaultcore.azure.net"
    registry  = "privatelink.azurecr.io"
  }
  name                = each.value
  resource_group_name = var.dns_rg
}

module "aml" {
  source = "./modules/aml"

  name                = "mlw-${random_string.unique.result}"
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  resource_group_id   = azurerm_resource_group.this.id
  kind                = "Default"

  public_network_access_enabled = true
  ip_allowlist                  = var.allowed_ranges

  workspace_managed_network = {
    isolation_mode = "AllowOnlyApprovedOutbound"
    fqdns          = var.extra_fqdns
    service_tags = {
      frontdoor = { tag = "AzureFrontDoor.FrontEnd", ports = "443" }
    }
  }

  private_endpoints = {
    api = {
      subnet_resource_id            = data.azurerm_subnet.endpoints.id
      private_dns_zone_resource_ids = [data.azurerm_private_dns_zone.shared["api"].id, data.azurerm_private_dns_zone.shared["notebooks"].id]
    }
  }

  dependency_endpoints = {
    subnet_resource_id = data.azurerm_subnet.endpoints.id
    zone_ids = {
      blob     = data.azurerm_private_dns_zone.shared["blob"].id
      file     = data.azurerm_private_dns_zone.shared["file"].id
      vault    = data.azurerm_private_dns_zone.shared["vault"].id
      registry = data.azurerm_private_dns_zone.shared["registry"].id
    }
  }

  tags = var.tags
}

# A rule kept outside the module: the team's own feature store.
resource "azurerm_storage_account" "features" {
  name                          = "stfeat${random_string.unique.result}"
  location                      = azurerm_resource_group.this.location
  resource_group_name           = azurerm_resource_group.this.name
  account_tier                  = "Standard"
  account_replication_type      = "LRS"
  public_network_access_enabled = false
}

resource "azapi_resource" "features_rule" {
  type      = "Microsoft.MachineLearningServices/workspaces/outboundRules@2024-10-01"
  name      = "feature-store-dfs"
  parent_id = module.aml.resource_id
  body = {
    properties = {
      type     = "PrivateEndpoint"
      category = "UserDefined"
      destination = {
        serviceResourceId = azurerm_storage_account.features.id
        subresourceTarget = "dfs"
      }
    }
  }
}

output "workspace_id" {
  value = module.aml.resource_id
}
