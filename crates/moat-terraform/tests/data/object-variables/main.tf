# The shared network is given as one object variable and one map of subnet ids, without values.

variable "network" {
  type = object({
    pe_subnet_id      = string
    training_subnet_id = string
  })
}

variable "subnet_ids" {
  type = map(string)
}

resource "azurerm_resource_group" "rg" {
  name     = "rg-objvar"
  location = "westeurope"
}

resource "azurerm_container_registry" "acr" {
  name                          = "crobjvar01"
  resource_group_name           = azurerm_resource_group.rg.name
  location                      = "westeurope"
  sku                           = "Premium"
  admin_enabled                 = true
  public_network_access_enabled = false
}

resource "azurerm_machine_learning_workspace" "ws" {
  name                          = "mlw-objvar"
  location                      = "westeurope"
  resource_group_name           = azurerm_resource_group.rg.name
  application_insights_id       = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/x/providers/Microsoft.Insights/components/ai"
  key_vault_id                  = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/x/providers/Microsoft.KeyVault/vaults/kv"
  storage_account_id            = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/x/providers/Microsoft.Storage/storageAccounts/st"
  container_registry_id         = azurerm_container_registry.acr.id
  public_network_access_enabled = false
  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_private_endpoint" "acr" {
  name                = "pe-acr"
  location            = "westeurope"
  resource_group_name = azurerm_resource_group.rg.name
  subnet_id           = var.network.pe_subnet_id
  private_service_connection {
    name                           = "acr"
    private_connection_resource_id = azurerm_container_registry.acr.id
    subresource_names              = ["registry"]
    is_manual_connection           = false
  }
}

resource "azurerm_machine_learning_compute_cluster" "train" {
  name                          = "train"
  location                      = "westeurope"
  machine_learning_workspace_id = azurerm_machine_learning_workspace.ws.id
  vm_priority                   = "Dedicated"
  vm_size                       = "Standard_DS3_v2"
  subnet_resource_id            = var.network.training_subnet_id
  node_public_ip_enabled        = false
  scale_settings {
    min_node_count                       = 0
    max_node_count                       = 2
    scale_down_nodes_after_idle_duration = "PT10M"
  }
}

resource "azurerm_machine_learning_compute_instance" "nb" {
  name                          = "nb-objvar"
  machine_learning_workspace_id = azurerm_machine_learning_workspace.ws.id
  virtual_machine_size          = "Standard_DS3_v2"
  subnet_resource_id            = var.subnet_ids["training"]
  node_public_ip_enabled        = false
}
