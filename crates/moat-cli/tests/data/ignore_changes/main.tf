# DNS zone groups written by Azure Policy, and a private link scope whose access modes are
# switched by hand once its resources have joined: the configuration ignores both.

resource "azurerm_resource_group" "ops" {
  name     = "rg-ops"
  location = "westeurope"
}

resource "azurerm_virtual_network" "ops" {
  name                = "vnet-ops"
  address_space       = ["10.73.0.0/16"]
  location            = azurerm_resource_group.ops.location
  resource_group_name = azurerm_resource_group.ops.name
}

resource "azurerm_subnet" "endpoints" {
  name                 = "endpoints"
  resource_group_name  = azurerm_resource_group.ops.name
  virtual_network_name = azurerm_virtual_network.ops.name
  address_prefixes     = ["10.73.1.0/24"]
}

resource "azurerm_storage_account" "ops" {
  name                          = "stopsignored"
  location                      = azurerm_resource_group.ops.location
  resource_group_name           = azurerm_resource_group.ops.name
  account_tier                  = "Standard"
  account_replication_type      = "LRS"
  public_network_access_enabled = false
}

resource "azurerm_key_vault" "ops" {
  name                          = "kv-ops-ignored"
  location                      = azurerm_resource_group.ops.location
  resource_group_name           = azurerm_resource_group.ops.name
  tenant_id                     = "00000000-0000-0000-0000-000000000000"
  sku_name                      = "standard"
  public_network_access_enabled = false
}

resource "azurerm_application_insights" "ops" {
  name                = "appi-ops"
  location            = azurerm_resource_group.ops.location
  resource_group_name = azurerm_resource_group.ops.name
  application_type    = "web"
}

resource "azurerm_machine_learning_workspace" "ops" {
  name                          = "mlw-ops"
  location                      = azurerm_resource_group.ops.location
  resource_group_name           = azurerm_resource_group.ops.name
  application_insights_id       = azurerm_application_insights.ops.id
  key_vault_id                  = azurerm_key_vault.ops.id
  storage_account_id            = azurerm_storage_account.ops.id
  public_network_access_enabled = false
  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_private_endpoint" "workspace" {
  name                = "pe-ops-workspace"
  location            = azurerm_resource_group.ops.location
  resource_group_name = azurerm_resource_group.ops.name
  subnet_id           = azurerm_subnet.endpoints.id

  private_service_connection {
    name                           = "workspace"
    private_connection_resource_id = azurerm_machine_learning_workspace.ops.id
    subresource_names              = ["amlworkspace"]
    is_manual_connection           = false
  }

  lifecycle {
    ignore_changes = [private_dns_zone_group]
  }
}

resource "azurerm_monitor_private_link_scope" "ops" {
  name                  = "ampls-ops"
  resource_group_name   = azurerm_resource_group.ops.name
  ingestion_access_mode = "Open"
  query_access_mode     = "Open"

  lifecycle {
    ignore_changes = [ingestion_access_mode, query_access_mode, tags]
  }
}
