resource "azurerm_resource_group" "this" {
  name     = "rg-${var.project}-${var.stage}"
  location = var.region
}

locals {
  suffix = "${var.project}${var.stage}"
  common = {
    location            = azurerm_resource_group.this.location
    resource_group_name = azurerm_resource_group.this.name
  }
}

resource "azurerm_application_insights" "this" {
  name                = "appi-${local.suffix}"
  location            = local.common.location
  resource_group_name = local.common.resource_group_name
  application_type    = "web"
}

resource "azurerm_key_vault" "this" {
  name                     = "kv-${local.suffix}"
  location                 = local.common.location
  resource_group_name      = local.common.resource_group_name
  tenant_id                = data.azurerm_client_config.me.tenant_id
  sku_name                 = "standard"
  purge_protection_enabled = true

  network_acls {
    bypass         = "AzureServices"
    default_action = "Deny"
  }
}

resource "azurerm_storage_account" "this" {
  name                     = "st${local.suffix}"
  location                 = local.common.location
  resource_group_name      = local.common.resource_group_name
  account_tier             = "Standard"
  account_replication_type = "ZRS"

  network_rules {
    bypass         = ["AzureServices"]
    default_action = "Deny"
  }
}

resource "azurerm_container_registry" "this" {
  name                          = "acr${local.suffix}"
  location                      = local.common.location
  resource_group_name           = local.common.resource_group_name
  sku                           = "Premium"
  admin_enabled                 = true
  public_network_access_enabled = false
}

resource "azurerm_machine_learning_workspace" "this" {
  name                          = "mlw-${var.project}-${var.stage}"
  location                      = local.common.location
  resource_group_name           = local.common.resource_group_name
  application_insights_id       = azurerm_application_insights.this.id
  key_vault_id                  = azurerm_key_vault.this.id
  storage_account_id            = azurerm_storage_account.this.id
  container_registry_id         = azurerm_container_registry.this.id
  public_network_access_enabled = false
  image_build_compute_name      = var.build_cluster_name

  identity {
    type = "SystemAssigned"
  }
}
