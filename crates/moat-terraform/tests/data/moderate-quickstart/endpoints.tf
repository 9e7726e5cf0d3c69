# The private endpoints, one resource per target and sub-resource, all in snet-endpoints.
locals {
  endpoints = {
    vault = {
      target = azurerm_key_vault.this.id
      group  = "vault"
      zones  = ["vault"]
    }
    blob = {
      target = azurerm_storage_account.this.id
      group  = "blob"
      zones  = ["blob"]
    }
    file = {
      target = azurerm_storage_account.this.id
      group  = "file"
      zones  = ["file"]
    }
    registry = {
      target = azurerm_container_registry.this.id
      group  = "registry"
      zones  = ["acr"]
    }
    workspace = {
      target = azurerm_machine_learning_workspace.this.id
      group  = "amlworkspace"
      zones  = ["amlapi", "notebooks"]
    }
  }
}

resource "azurerm_private_endpoint" "pe" {
  for_each            = local.endpoints
  name                = "pe-${local.suffix}-${each.key}"
  location            = local.common.location
  resource_group_name = local.common.resource_group_name
  subnet_id           = azurerm_subnet.endpoints.id

  private_service_connection {
    name                           = "psc-${each.key}"
    private_connection_resource_id = each.value.target
    subresource_names              = [each.value.group]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "default"
    private_dns_zone_ids = [for z in each.value.zones : azurerm_private_dns_zone.zone[z].id]
  }
}
