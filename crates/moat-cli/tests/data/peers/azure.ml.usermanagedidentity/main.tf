# Fixture for PSRule Azure.ML.UserManagedIdentity.
# As in the peers' own fixtures, a resource whose name ends in "pass" is one the check passes
# and "fail" one it fails; "passdiff" and "faildiff" are ones it passes or fails where moat's
# verdict differs, for the reason the README's peer table gives. Placeholder ids ("id1") are
# written as the peers' fixtures write them.

resource "azurerm_user_assigned_identity" "id_ws" {
  name                = "id-ws"
  location            = "eastus"
  resource_group_name = "rg-peers"
}

resource "azurerm_machine_learning_workspace" "ws_pass" {
  name                           = "ws-pass"
  location                       = "eastus"
  resource_group_name            = "rg-peers"
  application_insights_id        = "id1"
  key_vault_id                   = "id2"
  storage_account_id             = "id3"
  primary_user_assigned_identity = azurerm_user_assigned_identity.id_ws.id
  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.id_ws.id]
  }
}

resource "azurerm_machine_learning_workspace" "ws_fail" {
  name                    = "ws-fail"
  location                = "eastus"
  resource_group_name     = "rg-peers"
  application_insights_id = "id1"
  key_vault_id            = "id2"
  storage_account_id      = "id3"
  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.id_ws.id]
  }
}

resource "azurerm_machine_learning_workspace" "ws_system_faildiff" {
  name                    = "ws-system-faildiff"
  location                = "eastus"
  resource_group_name     = "rg-peers"
  application_insights_id = "id1"
  key_vault_id            = "id2"
  storage_account_id      = "id3"
  identity {
    type = "SystemAssigned"
  }
}
