# A workload deployed into a spoke VNet that the platform team owns: the subnets are read with
# data sources whose VNet name and resource group are variables without defaults.

variable "location" {
  type    = string
  default = "westeurope"
}

variable "spoke_vnet_name" {
  type = string
}

variable "spoke_vnet_rg" {
  type = string
}

variable "batch_vnet_name" {
  type        = string
  description = "VNet of the batch scoring cluster (another landing zone)"
}

resource "random_string" "suffix" {
  length  = 6
  special = false
  upper   = false
}

resource "azurerm_resource_group" "ml" {
  name     = "rg-ml-${random_string.suffix.result}"
  location = var.location
}

data "azurerm_subnet" "endpoints" {
  name                 = "snet-endpoints"
  virtual_network_name = var.spoke_vnet_name
  resource_group_name  = var.spoke_vnet_rg
}

data "azurerm_virtual_network" "spoke" {
  name                = var.spoke_vnet_name
  resource_group_name = var.spoke_vnet_rg
}

data "azurerm_subnet" "training" {
  name                 = "snet-training"
  virtual_network_name = data.azurerm_virtual_network.spoke.name
  resource_group_name  = data.azurerm_virtual_network.spoke.resource_group_name
}

resource "azurerm_private_dns_zone" "acr" {
  name                = "privatelink.azurecr.io"
  resource_group_name = azurerm_resource_group.ml.name
}

resource "azurerm_private_dns_zone_virtual_network_link" "acr_spoke" {
  name                  = "acr-spoke"
  resource_group_name   = azurerm_resource_group.ml.name
  private_dns_zone_name = azurerm_private_dns_zone.acr.name
  virtual_network_id    = data.azurerm_virtual_network.spoke.id
}

data "azurerm_subnet" "batch" {
  name                 = "snet-batch"
  virtual_network_name = var.batch_vnet_name
  resource_group_name  = var.spoke_vnet_rg
}

resource "azurerm_container_registry" "shared" {
  name                          = "crshared${random_string.suffix.result}"
  resource_group_name           = azurerm_resource_group.ml.name
  location                      = var.location
  sku                           = "Premium"
  admin_enabled                 = true
  public_network_access_enabled = false
}

resource "azurerm_container_registry" "batch" {
  name                          = "crbatch${random_string.suffix.result}"
  resource_group_name           = azurerm_resource_group.ml.name
  location                      = var.location
  sku                           = "Premium"
  admin_enabled                 = true
  public_network_access_enabled = false
}

resource "azurerm_machine_learning_workspace" "train" {
  name                          = "mlw-train-${random_string.suffix.result}"
  location                      = var.location
  resource_group_name           = azurerm_resource_group.ml.name
  application_insights_id       = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-obs/providers/Microsoft.Insights/components/appi"
  key_vault_id                  = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-sec/providers/Microsoft.KeyVault/vaults/kv-ml"
  storage_account_id            = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/stml"
  container_registry_id         = azurerm_container_registry.shared.id
  public_network_access_enabled = false
  image_build_compute_name      = "train"

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_machine_learning_workspace" "batch" {
  name                          = "mlw-batch-${random_string.suffix.result}"
  location                      = var.location
  resource_group_name           = azurerm_resource_group.ml.name
  application_insights_id       = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-obs/providers/Microsoft.Insights/components/appi"
  key_vault_id                  = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-sec/providers/Microsoft.KeyVault/vaults/kv-ml"
  storage_account_id            = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/stml"
  container_registry_id         = azurerm_container_registry.batch.id
  public_network_access_enabled = false
  image_build_compute_name      = "batch"

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_private_endpoint" "registry" {
  for_each            = { shared = azurerm_container_registry.shared.id, batch = azurerm_container_registry.batch.id }
  name                = "pe-cr-${each.key}"
  location            = var.location
  resource_group_name = azurerm_resource_group.ml.name
  subnet_id           = data.azurerm_subnet.endpoints.id

  private_service_connection {
    name                           = "cr-${each.key}"
    private_connection_resource_id = each.value
    subresource_names              = ["registry"]
    is_manual_connection           = false
  }
}

resource "azurerm_machine_learning_compute_cluster" "train" {
  name                          = "train"
  location                      = var.location
  machine_learning_workspace_id = azurerm_machine_learning_workspace.train.id
  vm_priority                   = "Dedicated"
  vm_size                       = "Standard_DS3_v2"
  subnet_resource_id            = data.azurerm_subnet.training.id
  node_public_ip_enabled        = false

  scale_settings {
    min_node_count                       = 0
    max_node_count                       = 2
    scale_down_nodes_after_idle_duration = "PT10M"
  }
}

resource "azurerm_machine_learning_compute_cluster" "batch" {
  name                          = "batch"
  location                      = var.location
  machine_learning_workspace_id = azurerm_machine_learning_workspace.batch.id
  vm_priority                   = "LowPriority"
  vm_size                       = "Standard_DS3_v2"
  subnet_resource_id            = data.azurerm_subnet.batch.id
  node_public_ip_enabled        = false

  scale_settings {
    min_node_count                       = 0
    max_node_count                       = 4
    scale_down_nodes_after_idle_duration = "PT10M"
  }
}

# The training subnet reaches the data through its service endpoint: the account admits it by
# the data source's id.
resource "azurerm_storage_account" "data" {
  name                     = "stdata${random_string.suffix.result}"
  resource_group_name      = azurerm_resource_group.ml.name
  location                 = var.location
  account_tier             = "Standard"
  account_replication_type = "LRS"

  network_rules {
    default_action             = "Deny"
    bypass                     = ["AzureServices"]
    virtual_network_subnet_ids = [data.azurerm_subnet.training.id]
  }
}
