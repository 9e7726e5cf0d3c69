# One resource that passes and one that fails each SEC rule, in the style of the peers'
# fixtures: names say the rule and the expected verdict (`...-sec005-fail`).
# azurerm cannot express a workspace IP allow list (SEC003), a registry (SEC004) or a compute
# instance's idle shutdown (SEC012 pass): those are in the ARM fixture.

resource "azurerm_resource_group" "rg" {
  name     = "rg-posture"
  location = "eastus"
}

resource "azurerm_virtual_network" "vnet" {
  name                = "vnet"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = ["10.0.0.0/16"]
}

resource "azurerm_subnet" "pe" {
  name                 = "pe"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.vnet.name
  address_prefixes     = ["10.0.1.0/24"]
}

resource "azurerm_subnet" "training" {
  name                 = "training"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.vnet.name
  address_prefixes     = ["10.0.2.0/24"]
}

# ---- workspaces -----------------------------------------------------------------------------

resource "azurerm_machine_learning_workspace" "sec001_fail" {
  name                    = "ws-sec001-fail"
  location                = azurerm_resource_group.rg.location
  resource_group_name     = azurerm_resource_group.rg.name
  application_insights_id = "id1"
  key_vault_id            = "id2"
  storage_account_id      = "id3"
  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_machine_learning_workspace" "sec001_pass" {
  name                          = "ws-sec001-pass"
  location                      = azurerm_resource_group.rg.location
  resource_group_name           = azurerm_resource_group.rg.name
  application_insights_id       = "id1"
  key_vault_id                  = "id2"
  storage_account_id            = "id3"
  public_network_access_enabled = false
  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_machine_learning_workspace" "sec002_fail" {
  name                          = "ws-sec002-fail"
  location                      = azurerm_resource_group.rg.location
  resource_group_name           = azurerm_resource_group.rg.name
  application_insights_id       = "id1"
  key_vault_id                  = "id2"
  storage_account_id            = "id3"
  public_network_access_enabled = true
  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_machine_learning_workspace" "sec002_pass" {
  name                          = "ws-sec002-pass"
  location                      = azurerm_resource_group.rg.location
  resource_group_name           = azurerm_resource_group.rg.name
  application_insights_id       = "id1"
  key_vault_id                  = "id2"
  storage_account_id            = "id3"
  public_network_access_enabled = false
  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_private_endpoint" "sec002_fail" {
  name                = "pe-sec002-fail"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  subnet_id           = azurerm_subnet.pe.id
  private_service_connection {
    name                           = "ws"
    private_connection_resource_id = azurerm_machine_learning_workspace.sec002_fail.id
    subresource_names              = ["amlworkspace"]
    is_manual_connection           = false
  }
}

resource "azurerm_private_endpoint" "sec002_pass" {
  name                = "pe-sec002-pass"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  subnet_id           = azurerm_subnet.pe.id
  private_service_connection {
    name                           = "ws"
    private_connection_resource_id = azurerm_machine_learning_workspace.sec002_pass.id
    subresource_names              = ["amlworkspace"]
    is_manual_connection           = false
  }
}

resource "azurerm_user_assigned_identity" "ws" {
  name                = "id-ws"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
}

resource "azurerm_machine_learning_workspace" "sec014_fail" {
  name                    = "ws-sec014-fail"
  location                = azurerm_resource_group.rg.location
  resource_group_name     = azurerm_resource_group.rg.name
  application_insights_id = "id1"
  key_vault_id            = "id2"
  storage_account_id      = "id3"
  identity {
    type         = "SystemAssigned, UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.ws.id]
  }
}

resource "azurerm_machine_learning_workspace" "sec014_pass" {
  name                           = "ws-sec014-pass"
  location                       = azurerm_resource_group.rg.location
  resource_group_name            = azurerm_resource_group.rg.name
  application_insights_id        = "id1"
  key_vault_id                   = "id2"
  storage_account_id             = "id3"
  primary_user_assigned_identity = azurerm_user_assigned_identity.ws.id
  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.ws.id]
  }
}

resource "azurerm_machine_learning_workspace" "sec015_fail" {
  name                    = "ws-sec015-fail"
  location                = azurerm_resource_group.rg.location
  resource_group_name     = azurerm_resource_group.rg.name
  application_insights_id = "id1"
  key_vault_id            = "id2"
  storage_account_id      = azurerm_storage_account.sec005_fail.id
  high_business_impact    = true
  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_machine_learning_workspace" "sec015_pass" {
  name                    = "ws-sec015-pass"
  location                = azurerm_resource_group.rg.location
  resource_group_name     = azurerm_resource_group.rg.name
  application_insights_id = "id1"
  key_vault_id            = "id2"
  storage_account_id      = azurerm_storage_account.sec005_pass.id
  high_business_impact    = true
  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_machine_learning_workspace" "sec016_fail" {
  name                    = "ws-sec016-fail"
  location                = azurerm_resource_group.rg.location
  resource_group_name     = azurerm_resource_group.rg.name
  application_insights_id = "id1"
  key_vault_id            = "id2"
  storage_account_id      = "id3"
  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_machine_learning_workspace" "sec016_pass" {
  name                    = "ws-sec016-pass"
  location                = azurerm_resource_group.rg.location
  resource_group_name     = azurerm_resource_group.rg.name
  application_insights_id = "id1"
  key_vault_id            = "id2"
  storage_account_id      = "id3"
  managed_network {
    isolation_mode = "AllowOnlyApprovedOutbound"
  }
  identity {
    type = "SystemAssigned"
  }
}

# ---- storage, key vault, container registry ---------------------------------------------------

resource "azurerm_storage_account" "sec005_fail" {
  name                     = "stsec005fail"
  location                 = azurerm_resource_group.rg.location
  resource_group_name      = azurerm_resource_group.rg.name
  account_tier             = "Standard"
  account_replication_type = "LRS"
}

resource "azurerm_storage_account" "sec005_pass" {
  name                          = "stsec005pass"
  location                      = azurerm_resource_group.rg.location
  resource_group_name           = azurerm_resource_group.rg.name
  account_tier                  = "Standard"
  account_replication_type      = "LRS"
  public_network_access_enabled = false
}

resource "azurerm_storage_account" "sec017_fail" {
  name                     = "stsec017fail"
  location                 = azurerm_resource_group.rg.location
  resource_group_name      = azurerm_resource_group.rg.name
  account_tier             = "Standard"
  account_replication_type = "LRS"
}

resource "azurerm_storage_account" "sec017_pass" {
  name                      = "stsec017pass"
  location                  = azurerm_resource_group.rg.location
  resource_group_name       = azurerm_resource_group.rg.name
  account_tier              = "Standard"
  account_replication_type  = "LRS"
  shared_access_key_enabled = false
}

# allow_nested_items_to_be_public defaults to true in azurerm.
resource "azurerm_storage_account" "sec018_fail" {
  name                     = "stsec018fail"
  location                 = azurerm_resource_group.rg.location
  resource_group_name      = azurerm_resource_group.rg.name
  account_tier             = "Standard"
  account_replication_type = "LRS"
}

resource "azurerm_storage_account" "sec018_pass" {
  name                            = "stsec018pass"
  location                        = azurerm_resource_group.rg.location
  resource_group_name             = azurerm_resource_group.rg.name
  account_tier                    = "Standard"
  account_replication_type        = "LRS"
  allow_nested_items_to_be_public = false
}

data "azurerm_client_config" "current" {}

resource "azurerm_key_vault" "sec006_fail" {
  name                = "kv-sec006-fail"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  tenant_id           = data.azurerm_client_config.current.tenant_id
  sku_name            = "standard"
}

resource "azurerm_key_vault" "sec006_pass" {
  name                = "kv-sec006-pass"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  tenant_id           = data.azurerm_client_config.current.tenant_id
  sku_name            = "standard"
  network_acls {
    default_action = "Deny"
    bypass         = "AzureServices"
  }
}

resource "azurerm_container_registry" "sec007_fail" {
  name                = "acrsec007fail"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  sku                 = "Basic"
}

resource "azurerm_container_registry" "sec007_pass" {
  name                          = "acrsec007pass"
  location                      = azurerm_resource_group.rg.location
  resource_group_name           = azurerm_resource_group.rg.name
  sku                           = "Premium"
  public_network_access_enabled = false
}

resource "azurerm_container_registry" "sec008_fail" {
  name                = "acrsec008fail"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  sku                 = "Premium"
  admin_enabled       = true
}

resource "azurerm_container_registry" "sec008_pass" {
  name                = "acrsec008pass"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  sku                 = "Premium"
  admin_enabled       = false
}

resource "azurerm_container_registry" "sec009_fail" {
  name                   = "acrsec009fail"
  location               = azurerm_resource_group.rg.location
  resource_group_name    = azurerm_resource_group.rg.name
  sku                    = "Standard"
  anonymous_pull_enabled = true
}

resource "azurerm_container_registry" "sec009_pass" {
  name                   = "acrsec009pass"
  location               = azurerm_resource_group.rg.location
  resource_group_name    = azurerm_resource_group.rg.name
  sku                    = "Standard"
  anonymous_pull_enabled = false
}

# ---- computes (of ws-sec016-fail: no managed network) -----------------------------------------

resource "azurerm_machine_learning_compute_cluster" "sec010_fail" {
  name                          = "cpu-sec010-fail"
  location                      = azurerm_resource_group.rg.location
  machine_learning_workspace_id = azurerm_machine_learning_workspace.sec016_fail.id
  vm_priority                   = "Dedicated"
  vm_size                       = "Standard_DS2_v2"
  subnet_resource_id            = azurerm_subnet.training.id
  scale_settings {
    min_node_count                       = 0
    max_node_count                       = 1
    scale_down_nodes_after_idle_duration = "PT30S"
  }
}

resource "azurerm_machine_learning_compute_cluster" "sec010_pass" {
  name                          = "cpu-sec010-pass"
  location                      = azurerm_resource_group.rg.location
  machine_learning_workspace_id = azurerm_machine_learning_workspace.sec016_fail.id
  vm_priority                   = "Dedicated"
  vm_size                       = "Standard_DS2_v2"
  local_auth_enabled            = false
  subnet_resource_id            = azurerm_subnet.training.id
  scale_settings {
    min_node_count                       = 0
    max_node_count                       = 1
    scale_down_nodes_after_idle_duration = "PT30S"
  }
}

resource "azurerm_machine_learning_compute_cluster" "sec011_fail" {
  name                          = "cpu-sec011-fail"
  location                      = azurerm_resource_group.rg.location
  machine_learning_workspace_id = azurerm_machine_learning_workspace.sec016_fail.id
  vm_priority                   = "Dedicated"
  vm_size                       = "Standard_DS2_v2"
  subnet_resource_id            = azurerm_subnet.training.id
  scale_settings {
    min_node_count                       = 1
    max_node_count                       = 2
    scale_down_nodes_after_idle_duration = "PT30S"
  }
}

resource "azurerm_machine_learning_compute_cluster" "sec011_pass" {
  name                          = "cpu-sec011-pass"
  location                      = azurerm_resource_group.rg.location
  machine_learning_workspace_id = azurerm_machine_learning_workspace.sec016_fail.id
  vm_priority                   = "Dedicated"
  vm_size                       = "Standard_DS2_v2"
  subnet_resource_id            = azurerm_subnet.training.id
  scale_settings {
    min_node_count                       = 0
    max_node_count                       = 2
    scale_down_nodes_after_idle_duration = "PT30S"
  }
}

resource "azurerm_machine_learning_compute_instance" "sec012_fail" {
  name                          = "ci-sec012-fail"
  machine_learning_workspace_id = azurerm_machine_learning_workspace.sec016_fail.id
  virtual_machine_size          = "Standard_DS2_v2"
  subnet_resource_id            = azurerm_subnet.training.id
}

resource "azurerm_machine_learning_compute_cluster" "sec013_fail" {
  name                          = "cpu-sec013-fail"
  location                      = azurerm_resource_group.rg.location
  machine_learning_workspace_id = azurerm_machine_learning_workspace.sec016_fail.id
  vm_priority                   = "Dedicated"
  vm_size                       = "Standard_DS2_v2"
  scale_settings {
    min_node_count                       = 0
    max_node_count                       = 1
    scale_down_nodes_after_idle_duration = "PT30S"
  }
}

resource "azurerm_machine_learning_compute_cluster" "sec013_pass" {
  name                          = "cpu-sec013-pass"
  location                      = azurerm_resource_group.rg.location
  machine_learning_workspace_id = azurerm_machine_learning_workspace.sec016_pass.id
  vm_priority                   = "Dedicated"
  vm_size                       = "Standard_DS2_v2"
  scale_settings {
    min_node_count                       = 0
    max_node_count                       = 1
    scale_down_nodes_after_idle_duration = "PT30S"
  }
}

# ---- container registry data endpoints ---------------------------------------------------------

resource "azurerm_container_registry" "sec019_fail" {
  name                = "acrsec019fail"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  sku                 = "Premium"
}

resource "azurerm_container_registry" "sec019_pass" {
  name                  = "acrsec019pass"
  location              = azurerm_resource_group.rg.location
  resource_group_name   = azurerm_resource_group.rg.name
  sku                   = "Premium"
  data_endpoint_enabled = true
}
