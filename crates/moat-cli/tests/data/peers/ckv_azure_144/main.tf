# Fixture for checkov CKV_AZURE_144.
# As in the peers' own fixtures, a resource whose name ends in "pass" is one the check passes
# and "fail" one it fails; "passdiff" and "faildiff" are ones it passes or fails where moat's
# verdict differs, for the reason the README's peer table gives. Placeholder ids ("id1") are
# written as the peers' fixtures write them.

resource "azurerm_machine_learning_workspace" "ws_pass" {
  name                          = "ws-pass"
  location                      = "eastus"
  resource_group_name           = "rg-peers"
  application_insights_id       = "id1"
  key_vault_id                  = "id2"
  storage_account_id            = "id3"
  public_network_access_enabled = false
  identity {
    type = "SystemAssigned"
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
    type = "SystemAssigned"
  }
}

resource "azurerm_machine_learning_workspace" "ws_enabled_fail" {
  name                          = "ws-enabled-fail"
  location                      = "eastus"
  resource_group_name           = "rg-peers"
  application_insights_id       = "id1"
  key_vault_id                  = "id2"
  storage_account_id            = "id3"
  public_network_access_enabled = true
  identity {
    type = "SystemAssigned"
  }
}
