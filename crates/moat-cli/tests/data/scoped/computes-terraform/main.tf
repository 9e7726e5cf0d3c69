# Two workspaces, each with a compute cluster named "example": Azure scopes a compute's name
# to its workspace (.../workspaces/<ws>/computes/<name>).
variable "local_auth" {
  type = bool
}

resource "azurerm_resource_group" "rg" {
  name     = "rg-scoped"
  location = "westeurope"
}

resource "azurerm_machine_learning_workspace" "alpha" {
  name                    = "mlw-alpha"
  location                = azurerm_resource_group.rg.location
  resource_group_name     = azurerm_resource_group.rg.name
  application_insights_id = "id1"
  key_vault_id            = "id1"
  storage_account_id      = "id1"
  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_machine_learning_workspace" "beta" {
  name                    = "mlw-beta"
  location                = azurerm_resource_group.rg.location
  resource_group_name     = azurerm_resource_group.rg.name
  application_insights_id = "id1"
  key_vault_id            = "id1"
  storage_account_id      = "id1"
  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_machine_learning_compute_cluster" "alpha" {
  name                          = "example"
  location                      = azurerm_resource_group.rg.location
  vm_priority                   = "Dedicated"
  vm_size                       = "Standard_DS3_v2"
  machine_learning_workspace_id = azurerm_machine_learning_workspace.alpha.id
  local_auth_enabled            = false
  scale_settings {
    min_node_count                       = 0
    max_node_count                       = 2
    scale_down_nodes_after_idle_duration = "PT120S"
  }
}

resource "azurerm_machine_learning_compute_cluster" "beta" {
  name                          = "example"
  location                      = azurerm_resource_group.rg.location
  vm_priority                   = "LowPriority"
  vm_size                       = "Standard_DS3_v2"
  machine_learning_workspace_id = azurerm_machine_learning_workspace.beta.id
  local_auth_enabled            = var.local_auth
  scale_settings {
    min_node_count                       = 1
    max_node_count                       = 2
    scale_down_nodes_after_idle_duration = "PT120S"
  }
}

resource "azurerm_machine_learning_compute_cluster" "solo" {
  name                          = "solo"
  location                      = azurerm_resource_group.rg.location
  vm_priority                   = "Dedicated"
  vm_size                       = "Standard_DS3_v2"
  machine_learning_workspace_id = azurerm_machine_learning_workspace.beta.id
  local_auth_enabled            = false
  scale_settings {
    min_node_count                       = 0
    max_node_count                       = 1
    scale_down_nodes_after_idle_duration = "PT120S"
  }
}
