resource "azurerm_application_insights" "ml" {
  name                = "appi-${var.workload}"
  location            = azurerm_resource_group.spoke.location
  resource_group_name = azurerm_resource_group.spoke.name
  application_type    = "web"
}

resource "azurerm_key_vault" "ml" {
  name                          = "kv-${var.workload}-${substr(random_pet.tag.id, 0, 6)}"
  location                      = azurerm_resource_group.spoke.location
  resource_group_name           = azurerm_resource_group.spoke.name
  tenant_id                     = data.azurerm_client_config.current.tenant_id
  sku_name                      = "premium"
  public_network_access_enabled = false
}

resource "azurerm_storage_account" "ml" {
  name                          = "st${var.workload}ml01"
  location                      = azurerm_resource_group.spoke.location
  resource_group_name           = azurerm_resource_group.spoke.name
  account_tier                  = "Standard"
  account_replication_type      = "LRS"
  public_network_access_enabled = false
}

resource "azurerm_container_registry" "ml" {
  name                          = "cr${var.workload}ml01"
  location                      = azurerm_resource_group.spoke.location
  resource_group_name           = azurerm_resource_group.spoke.name
  sku                           = "Premium"
  public_network_access_enabled = false
}

resource "azurerm_machine_learning_workspace" "ml" {
  name                          = "mlw-${var.workload}"
  location                      = azurerm_resource_group.spoke.location
  resource_group_name           = azurerm_resource_group.spoke.name
  application_insights_id       = azurerm_application_insights.ml.id
  key_vault_id                  = azurerm_key_vault.ml.id
  storage_account_id            = azurerm_storage_account.ml.id
  container_registry_id         = azurerm_container_registry.ml.id
  public_network_access_enabled = false
  image_build_compute_name      = var.builder
  high_business_impact          = true

  identity {
    type = "SystemAssigned"
  }
}

locals {
  private_links = {
    mlw  = { id = azurerm_machine_learning_workspace.ml.id, sub = "amlworkspace", zones = ["privatelink.api.azureml.ms", "privatelink.notebooks.azure.net"] }
    blob = { id = azurerm_storage_account.ml.id, sub = "blob", zones = ["privatelink.blob.core.windows.net"] }
    file = { id = azurerm_storage_account.ml.id, sub = "file", zones = ["privatelink.file.core.windows.net"] }
    kv   = { id = azurerm_key_vault.ml.id, sub = "vault", zones = ["privatelink.vaultcore.azure.net"] }
    acr  = { id = azurerm_container_registry.ml.id, sub = "registry", zones = ["privatelink.azurecr.io"] }
  }
}

resource "azurerm_private_endpoint" "ml" {
  for_each            = local.private_links
  name                = "pep-${var.workload}-${each.key}"
  location            = azurerm_resource_group.spoke.location
  resource_group_name = azurerm_resource_group.spoke.name
  subnet_id           = azurerm_subnet.spoke["endpoints"].id

  private_service_connection {
    name                           = "psc-${each.key}"
    private_connection_resource_id = each.value.id
    subresource_names              = [each.value.sub]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "zones"
    private_dns_zone_ids = [for z in each.value.zones : azurerm_private_dns_zone.hub[z].id]
  }
}

resource "azurerm_machine_learning_compute_cluster" "builder" {
  name                          = var.builder
  location                      = azurerm_resource_group.spoke.location
  machine_learning_workspace_id = azurerm_machine_learning_workspace.ml.id
  vm_priority                   = "LowPriority"
  vm_size                       = "Standard_D4s_v3"
  subnet_resource_id            = azurerm_subnet.spoke["training"].id
  node_public_ip_enabled        = false

  scale_settings {
    min_node_count                       = 0
    max_node_count                       = 2
    scale_down_nodes_after_idle_duration = "PT15M"
  }
}

resource "azurerm_machine_learning_compute_instance" "analyst" {
  name                          = "ci-${var.workload}-01"
  machine_learning_workspace_id = azurerm_machine_learning_workspace.ml.id
  virtual_machine_size          = "Standard_D4s_v3"
  subnet_resource_id            = azurerm_subnet.spoke["training"].id
  node_public_ip_enabled        = false
}
