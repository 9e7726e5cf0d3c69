# Fixture for checkov CKV2_AZURE_50.
# As in the peers' own fixtures, a resource whose name ends in "pass" is one the check passes
# and "fail" one it fails; "passdiff" and "faildiff" are ones it passes or fails where moat's
# verdict differs, for the reason the README's peer table gives. Placeholder ids ("id1") are
# written as the peers' fixtures write them.

resource "azurerm_storage_account" "stclosed" {
  name                          = "stclosed"
  location                      = "eastus"
  resource_group_name           = "rg-peers"
  account_tier                  = "Standard"
  account_replication_type      = "LRS"
  public_network_access_enabled = false
}

resource "azurerm_storage_account" "stopen" {
  name                     = "stopen"
  location                 = "eastus"
  resource_group_name      = "rg-peers"
  account_tier             = "Standard"
  account_replication_type = "LRS"
}

resource "azurerm_storage_account" "stselected" {
  name                     = "stselected"
  location                 = "eastus"
  resource_group_name      = "rg-peers"
  account_tier             = "Standard"
  account_replication_type = "LRS"
  network_rules {
    default_action = "Deny"
    bypass         = ["AzureServices"]
  }
}

resource "azurerm_machine_learning_workspace" "ws_pass" {
  name                    = "ws-pass"
  location                = "eastus"
  resource_group_name     = "rg-peers"
  application_insights_id = "id1"
  key_vault_id            = "id2"
  storage_account_id      = azurerm_storage_account.stclosed.id
  high_business_impact    = true
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
  storage_account_id      = azurerm_storage_account.stopen.id
  high_business_impact    = true
  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_machine_learning_workspace" "ws_selected_faildiff" {
  name                    = "ws-selected-faildiff"
  location                = "eastus"
  resource_group_name     = "rg-peers"
  application_insights_id = "id1"
  key_vault_id            = "id2"
  storage_account_id      = azurerm_storage_account.stselected.id
  high_business_impact    = true
  identity {
    type = "SystemAssigned"
  }
}
