# Fixture for checkov CKV_AZURE_243.
# As in the peers' own fixtures, a resource whose name ends in "pass" is one the check passes
# and "fail" one it fails; "passdiff" and "faildiff" are ones it passes or fails where moat's
# verdict differs, for the reason the README's peer table gives. Placeholder ids ("id1") are
# written as the peers' fixtures write them.

resource "azurerm_storage_account" "stdata" {
  name                          = "stdata"
  location                      = "eastus"
  resource_group_name           = "rg-peers"
  account_tier                  = "Standard"
  account_replication_type      = "LRS"
  public_network_access_enabled = false
}

resource "azurerm_machine_learning_workspace" "ws_pass" {
  name                    = "ws-pass"
  location                = "eastus"
  resource_group_name     = "rg-peers"
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

resource "azurerm_machine_learning_workspace_network_outbound_rule_private_endpoint" "ws_pass_data" {
  name                = "data-blob"
  workspace_id        = azurerm_machine_learning_workspace.ws_pass.id
  service_resource_id = azurerm_storage_account.stdata.id
  sub_resource_target = "blob"
}

resource "azurerm_machine_learning_workspace" "ws_fail" {
  name                    = "ws-fail"
  location                = "eastus"
  resource_group_name     = "rg-peers"
  application_insights_id = "id1"
  key_vault_id            = "id2"
  storage_account_id      = "id3"
  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_machine_learning_workspace" "ws_managed_faildiff" {
  name                    = "ws-managed-faildiff"
  location                = "eastus"
  resource_group_name     = "rg-peers"
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
