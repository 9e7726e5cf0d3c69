resource "random_string" "ci" {
  length  = 6
  upper   = false
  special = false
  numeric = false
}

resource "azurerm_machine_learning_compute_instance" "dev" {
  name                          = "ci${random_string.ci.result}"
  machine_learning_workspace_id = azurerm_machine_learning_workspace.this.id
  virtual_machine_size          = "Standard_DS3_v2"
  subnet_resource_id            = azurerm_subnet.compute.id
}

resource "azurerm_machine_learning_compute_cluster" "build" {
  name                          = var.build_cluster_name
  location                      = local.common.location
  machine_learning_workspace_id = azurerm_machine_learning_workspace.this.id
  vm_priority                   = "Dedicated"
  vm_size                       = "Standard_DS3_v2"
  subnet_resource_id            = azurerm_subnet.compute.id

  scale_settings {
    min_node_count                       = 0
    max_node_count                       = 4
    scale_down_nodes_after_idle_duration = "PT10M"
  }

  identity {
    type = "SystemAssigned"
  }
}
