resource "azurerm_storage_account" "this" {
  name                            = replace("st${var.name}", "-", "")
  location                        = var.location
  resource_group_name             = var.resource_group_name
  account_tier                    = "Standard"
  account_replication_type        = "ZRS"
  public_network_access_enabled   = false
  allow_nested_items_to_be_public = false
  tags                            = var.tags
}

resource "azurerm_key_vault" "this" {
  name                          = replace("kv${var.name}", "-", "")
  location                      = var.location
  resource_group_name           = var.resource_group_name
  tenant_id                     = data.azurerm_client_config.current.tenant_id
  sku_name                      = "standard"
  public_network_access_enabled = false
  purge_protection_enabled      = true
}

resource "azurerm_container_registry" "this" {
  name                          = replace("cr${var.name}", "-", "")
  location                      = var.location
  resource_group_name           = var.resource_group_name
  sku                           = "Premium"
  public_network_access_enabled = false
}

data "azurerm_client_config" "current" {}

locals {
  dependency_targets = var.dependency_endpoints == null ? {} : {
    blob     = { id = azurerm_storage_account.this.id, group = "blob" }
    file     = { id = azurerm_storage_account.this.id, group = "file" }
    vault    = { id = azurerm_key_vault.this.id, group = "vault" }
    registry = { id = azurerm_container_registry.this.id, group = "registry" }
  }
}

resource "azurerm_private_endpoint" "dependency" {
  for_each            = local.dependency_targets
  name                = "pep-${var.name}-${each.key}"
  location            = var.location
  resource_group_name = var.resource_group_name
  subnet_id           = var.dependency_endpoints.subnet_resource_id

  private_service_connection {
    name                           = "psc-${each.key}"
    private_connection_resource_id = each.value.id
    subresource_names              = [each.value.group]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "default"
    private_dns_zone_ids = [var.dependency_endpoints.zone_ids[each.key]]
  }
}
