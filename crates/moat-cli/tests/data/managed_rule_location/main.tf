# A workspace in approved-outbound mode that lets its jobs reach a package mirror.

resource "azurerm_resource_group" "lab" {
  name     = "rg-mirror"
  location = "northeurope"
}

resource "azurerm_storage_account" "lab" {
  name                     = "stmirrorws01"
  location                 = azurerm_resource_group.lab.location
  resource_group_name      = azurerm_resource_group.lab.name
  account_tier             = "Standard"
  account_replication_type = "LRS"
}

resource "azurerm_key_vault" "lab" {
  name                = "kv-mirror-ws-01"
  location            = azurerm_resource_group.lab.location
  resource_group_name = azurerm_resource_group.lab.name
  tenant_id           = "00000000-0000-0000-0000-000000000000"
  sku_name            = "standard"
}

resource "azurerm_application_insights" "lab" {
  name                = "appi-mirror"
  location            = azurerm_resource_group.lab.location
  resource_group_name = azurerm_resource_group.lab.name
  application_type    = "web"
}

resource "azurerm_machine_learning_workspace" "lab" {
  name                    = "mlw-mirror"
  location                = azurerm_resource_group.lab.location
  resource_group_name     = azurerm_resource_group.lab.name
  application_insights_id = azurerm_application_insights.lab.id
  key_vault_id            = azurerm_key_vault.lab.id
  storage_account_id      = azurerm_storage_account.lab.id
  identity {
    type = "SystemAssigned"
  }
  managed_network {
    isolation_mode = "AllowOnlyApprovedOutbound"
  }
}

resource "azurerm_machine_learning_workspace_network_outbound_rule_fqdn" "mirror" {
  name             = "mirror"
  workspace_id     = azurerm_machine_learning_workspace.lab.id
  destination_fqdn = "mirror.example.org"
}

resource "azurerm_machine_learning_workspace_network_outbound_rule_service_tag" "sql" {
  name         = "sql"
  workspace_id = azurerm_machine_learning_workspace.lab.id
  service_tag  = "Sql"
  protocol     = "TCP"
  port_ranges  = "1433"
}

resource "azurerm_machine_learning_compute_cluster" "lab" {
  name                          = "cpu"
  location                      = azurerm_resource_group.lab.location
  machine_learning_workspace_id = azurerm_machine_learning_workspace.lab.id
  vm_priority                   = "Dedicated"
  vm_size                       = "STANDARD_DS3_V2"
  node_public_ip_enabled        = false
  scale_settings {
    min_node_count                       = 0
    max_node_count                       = 2
    scale_down_nodes_after_idle_duration = "PT30M"
  }
}
