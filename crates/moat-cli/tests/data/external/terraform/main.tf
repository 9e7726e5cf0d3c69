# A private workspace placed in a network that exists already: its compute cluster goes into a
# subnet read through a data source, its private endpoint into a subnet given as a variable.

provider "azurerm" {
  features {}
}

variable "pe_subnet_id" {
  type        = string
  description = "Resource id of the existing subnet for the private endpoint."
}

data "azurerm_subnet" "training" {
  name                 = "training"
  virtual_network_name = "hub"
  resource_group_name  = "network-rg"
}

resource "azurerm_resource_group" "rg" {
  name     = "ml-rg"
  location = "eastus"
}

resource "azurerm_storage_account" "ws" {
  name                          = "extstorage"
  location                      = azurerm_resource_group.rg.location
  resource_group_name           = azurerm_resource_group.rg.name
  account_tier                  = "Standard"
  account_replication_type      = "LRS"
  public_network_access_enabled = false
}

resource "azurerm_key_vault" "ws" {
  name                          = "extkv"
  location                      = azurerm_resource_group.rg.location
  resource_group_name           = azurerm_resource_group.rg.name
  tenant_id                     = "00000000-0000-0000-0000-000000000000"
  sku_name                      = "standard"
  public_network_access_enabled = false
}

resource "azurerm_application_insights" "ws" {
  name                = "extai"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  application_type    = "web"
}

resource "azurerm_machine_learning_workspace" "ws" {
  name                          = "ws"
  location                      = azurerm_resource_group.rg.location
  resource_group_name           = azurerm_resource_group.rg.name
  application_insights_id       = azurerm_application_insights.ws.id
  key_vault_id                  = azurerm_key_vault.ws.id
  storage_account_id            = azurerm_storage_account.ws.id
  public_network_access_enabled = false

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_machine_learning_compute_cluster" "cpu" {
  name                          = "cpu-cluster"
  location                      = azurerm_resource_group.rg.location
  machine_learning_workspace_id = azurerm_machine_learning_workspace.ws.id
  vm_priority                   = "Dedicated"
  vm_size                       = "Standard_DS3_v2"
  subnet_resource_id            = data.azurerm_subnet.training.id
  node_public_ip_enabled        = false

  scale_settings {
    min_node_count                       = 0
    max_node_count                       = 2
    scale_down_nodes_after_idle_duration = "PT120S"
  }
}

resource "azurerm_private_endpoint" "ws" {
  name                = "ws-pe"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  subnet_id           = var.pe_subnet_id

  private_service_connection {
    name                           = "ws-pe"
    private_connection_resource_id = azurerm_machine_learning_workspace.ws.id
    subresource_names              = ["amlworkspace"]
    is_manual_connection           = false
  }
}
