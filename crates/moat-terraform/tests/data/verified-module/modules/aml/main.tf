locals {
  # The managed network's user rules, keyed by rule name as the API wants them.
  fqdn_rules = {
    for i, fqdn in var.workspace_managed_network.fqdns :
    "fqdn-${i}" => {
      type        = "FQDN"
      category    = "UserDefined"
      destination = fqdn
    }
  }
  tag_rules = {
    for k, v in var.workspace_managed_network.service_tags :
    "tag-${k}" => {
      type     = "ServiceTag"
      category = "UserDefined"
      destination = {
        serviceTag = v.tag
        protocol   = v.protocol
        portRanges = v.ports
        action     = "Allow"
      }
    }
  }
  outbound_rules = var.workspace_managed_network.isolation_mode == "AllowOnlyApprovedOutbound" ? merge(local.fqdn_rules, local.tag_rules) : {}

  workspace_properties = {
    friendlyName        = var.name
    publicNetworkAccess = var.public_network_access_enabled ? "Enabled" : "Disabled"
    ipAllowlist         = var.public_network_access_enabled ? var.ip_allowlist : null
    hbiWorkspace        = var.hbi_workspace
    storageAccount      = azurerm_storage_account.this.id
    keyVault            = azurerm_key_vault.this.id
    containerRegistry   = azurerm_container_registry.this.id
    managedNetwork = {
      isolationMode = var.workspace_managed_network.isolation_mode
      status = {
        sparkReady = var.workspace_managed_network.spark_ready
      }
      outboundRules = local.outbound_rules
    }
  }

  aml_resource = var.kind == "Default" ? azapi_resource.this[0] : azapi_resource.hub[0]
}

resource "azapi_resource" "this" {
  count = var.kind == "Default" ? 1 : 0

  type      = "Microsoft.MachineLearningServices/workspaces@2024-10-01"
  name      = var.name
  location  = var.location
  parent_id = var.resource_group_id
  tags      = var.tags

  body = {
    kind       = "Default"
    properties = local.workspace_properties
  }

  identity {
    type = "SystemAssigned"
  }
}

resource "azapi_resource" "hub" {
  count = var.kind == "Hub" ? 1 : 0

  type      = "Microsoft.MachineLearningServices/workspaces@2024-10-01"
  name      = var.name
  location  = var.location
  parent_id = var.resource_group_id

  body = {
    kind       = "Hub"
    properties = local.workspace_properties
  }

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_private_endpoint" "this" {
  for_each = var.private_endpoints

  name                = coalesce(each.value.name, "pep-${var.name}-${each.key}")
  location            = var.location
  resource_group_name = var.resource_group_name
  subnet_id           = each.value.subnet_resource_id

  private_service_connection {
    name                           = "pse-${var.name}"
    private_connection_resource_id = local.aml_resource.id
    subresource_names              = ["amlworkspace"]
    is_manual_connection           = false
  }

  dynamic "private_dns_zone_group" {
    for_each = length(each.value.private_dns_zone_resource_ids) > 0 ? ["zones"] : []
    content {
      name                 = private_dns_zone_group.value
      private_dns_zone_ids = each.value.private_dns_zone_resource_ids
    }
  }
}

# A serverless-style cluster in the managed network: no subnet of its own.
resource "azapi_resource" "cluster" {
  type      = "Microsoft.MachineLearningServices/workspaces/computes@2024-10-01"
  name      = "cpu-managed"
  parent_id = local.aml_resource.id
  location  = var.location

  body = {
    properties = {
      computeType = "AmlCompute"
      properties = {
        vmSize             = "Standard_DS3_v2"
        enableNodePublicIp = false
        scaleSettings = {
          minNodeCount = 0
          maxNodeCount = 4
        }
      }
    }
  }
}
