resource "azurerm_storage_account" "data" {
  name                     = "spokedata"
  resource_group_name      = local.rg
  location                 = local.location
  account_tier             = "Standard"
  account_replication_type = "GRS"
}

resource "azurerm_storage_account_network_rules" "data" {
  storage_account_id         = azurerm_storage_account.data.id
  default_action             = "Deny"
  bypass                     = ["AzureServices", "Logging"]
  virtual_network_subnet_ids = [azurerm_subnet.ml.id]

  private_link_access {
    endpoint_resource_id = azurerm_machine_learning_workspace.ws.id
  }
}

resource "azurerm_subnet_service_endpoint_storage_policy" "sep" {
  name                = "ml-sep"
  resource_group_name = local.rg
  location            = local.location

  definition {
    name              = "own-storage"
    service_resources = [azurerm_storage_account.data.id]
  }

  definition {
    name              = "aml"
    service           = "Global"
    service_resources = ["/services/Azure/MachineLearning"]
  }
}

resource "azurerm_key_vault" "kv" {
  name                = "spoke-kv"
  resource_group_name = local.rg
  location            = local.location
  tenant_id           = "00000000-0000-0000-0000-000000000000"
  sku_name            = "premium"

  network_acls {
    bypass                     = "None"
    default_action             = "Deny"
    ip_rules                   = ["198.51.100.0/24"]
    virtual_network_subnet_ids = [azurerm_subnet.ml.id]
  }
}

resource "azurerm_application_insights" "appi" {
  name                       = "spoke-appi"
  resource_group_name        = local.rg
  location                   = local.location
  application_type           = "web"
  workspace_id               = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/shared/providers/Microsoft.OperationalInsights/workspaces/shared-law"
  internet_ingestion_enabled = false
  internet_query_enabled     = true
}

resource "azurerm_monitor_private_link_scope" "ampls" {
  name                  = "spoke-ampls"
  resource_group_name   = local.rg
  ingestion_access_mode = "PrivateOnly"
  query_access_mode     = "Open"
}

resource "azurerm_monitor_private_link_scoped_service" "appi" {
  name                = "appi"
  resource_group_name = local.rg
  scope_name          = azurerm_monitor_private_link_scope.ampls.name
  linked_resource_id  = azurerm_application_insights.appi.id
}

resource "azurerm_private_endpoint" "ampls" {
  name                = "ampls-pe"
  resource_group_name = local.rg
  location            = local.location
  subnet_id           = azurerm_subnet.ml.id

  private_service_connection {
    name                           = "ampls"
    private_connection_resource_id = azurerm_monitor_private_link_scope.ampls.id
    subresource_names              = ["azuremonitor"]
    is_manual_connection           = false
  }
}

resource "azurerm_machine_learning_workspace" "ws" {
  name                    = "spoke-ws"
  resource_group_name     = local.rg
  location                = local.location
  application_insights_id = azurerm_application_insights.appi.id
  key_vault_id            = azurerm_key_vault.kv.id
  storage_account_id      = azurerm_storage_account.data.id

  identity {
    type = "SystemAssigned"
  }

  managed_network {
    isolation_mode = "AllowOnlyApprovedOutbound"
  }
}

resource "azurerm_machine_learning_workspace_network_outbound_rule_fqdn" "pypi" {
  name             = "pypi"
  workspace_id     = azurerm_machine_learning_workspace.ws.id
  destination_fqdn = "pypi.org"
}

resource "azurerm_machine_learning_workspace_network_outbound_rule_service_tag" "frontdoor" {
  name         = "frontdoor"
  workspace_id = azurerm_machine_learning_workspace.ws.id
  service_tag  = "AzureFrontDoor.Frontend"
  protocol     = "TCP"
  port_ranges  = "443"
  action       = "Allow"
}

resource "azurerm_machine_learning_workspace_network_outbound_rule_private_endpoint" "data" {
  name                = "data-blob"
  workspace_id        = azurerm_machine_learning_workspace.ws.id
  service_resource_id = azurerm_storage_account.data.id
  sub_resource_target = "blob"
  spark_enabled       = true
}

resource "azurerm_kubernetes_cluster" "aks" {
  name                = "spoke-aks"
  resource_group_name = local.rg
  location            = local.location
  dns_prefix          = "spoke"

  default_node_pool {
    name           = "system"
    node_count     = 3
    vm_size        = "Standard_D4s_v5"
    vnet_subnet_id = azurerm_subnet.aks.id
  }

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_machine_learning_inference_cluster" "aks" {
  name                          = "inference"
  location                      = local.location
  machine_learning_workspace_id = azurerm_machine_learning_workspace.ws.id
  kubernetes_cluster_id         = azurerm_kubernetes_cluster.aks.id
  cluster_purpose               = "FastProd"
}
