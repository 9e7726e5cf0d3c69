# Fixture for checkov CKV_AZURE_142.
# As in the peers' own fixtures, a resource whose name ends in "pass" is one the check passes
# and "fail" one it fails; "passdiff" and "faildiff" are ones it passes or fails where moat's
# verdict differs, for the reason the README's peer table gives. Placeholder ids ("id1") are
# written as the peers' fixtures write them.

resource "azurerm_virtual_network" "vnet" {
  name                = "vnet"
  location            = "eastus"
  resource_group_name = "rg-peers"
  address_space       = ["10.0.0.0/16"]
}

resource "azurerm_subnet" "training" {
  name                 = "training"
  resource_group_name  = "rg-peers"
  virtual_network_name = azurerm_virtual_network.vnet.name
  address_prefixes     = ["10.0.1.0/24"]
}

resource "azurerm_subnet" "pe" {
  name                 = "pe"
  resource_group_name  = "rg-peers"
  virtual_network_name = azurerm_virtual_network.vnet.name
  address_prefixes     = ["10.0.2.0/24"]
}

resource "azurerm_machine_learning_workspace" "ws_host" {
  name                    = "ws-host"
  location                = "eastus"
  resource_group_name     = "rg-peers"
  application_insights_id = "id1"
  key_vault_id            = "id2"
  storage_account_id      = "id3"
  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_machine_learning_compute_cluster" "cc_pass" {
  name                          = "cc-pass"
  location                      = "eastus"
  machine_learning_workspace_id = azurerm_machine_learning_workspace.ws_host.id
  vm_priority                   = "Dedicated"
  vm_size                       = "Standard_DS2_v2"
  local_auth_enabled            = false
  scale_settings {
    min_node_count                       = 0
    max_node_count                       = 2
    scale_down_nodes_after_idle_duration = "PT30S"
  }
  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_machine_learning_compute_cluster" "cc_fail" {
  name                          = "cc-fail"
  location                      = "eastus"
  machine_learning_workspace_id = azurerm_machine_learning_workspace.ws_host.id
  vm_priority                   = "Dedicated"
  vm_size                       = "Standard_DS2_v2"
  scale_settings {
    min_node_count                       = 0
    max_node_count                       = 2
    scale_down_nodes_after_idle_duration = "PT30S"
  }
  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_machine_learning_compute_cluster" "cc_private_faildiff" {
  name                          = "cc-private-faildiff"
  location                      = "eastus"
  machine_learning_workspace_id = azurerm_machine_learning_workspace.ws_host.id
  vm_priority                   = "Dedicated"
  vm_size                       = "Standard_DS2_v2"
  subnet_resource_id            = azurerm_subnet.training.id
  node_public_ip_enabled        = false
  scale_settings {
    min_node_count                       = 0
    max_node_count                       = 2
    scale_down_nodes_after_idle_duration = "PT30S"
  }
  identity {
    type = "SystemAssigned"
  }
}
