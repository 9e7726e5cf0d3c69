# Fixture for checkov CKV_AZURE_36.
# As in the peers' own fixtures, a resource whose name ends in "pass" is one the check passes
# and "fail" one it fails; "passdiff" and "faildiff" are ones it passes or fails where moat's
# verdict differs, for the reason the README's peer table gives. Placeholder ids ("id1") are
# written as the peers' fixtures write them.

resource "azurerm_storage_account" "stpass" {
  name                     = "stpass"
  location                 = "eastus"
  resource_group_name      = "rg-peers"
  account_tier             = "Standard"
  account_replication_type = "LRS"
  network_rules {
    default_action = "Deny"
    bypass         = ["AzureServices"]
  }
}

resource "azurerm_storage_account" "stfail" {
  name                     = "stfail"
  location                 = "eastus"
  resource_group_name      = "rg-peers"
  account_tier             = "Standard"
  account_replication_type = "LRS"
  network_rules {
    default_action = "Deny"
    bypass         = ["None"]
  }
}

resource "azurerm_storage_account" "stunusedfaildiff" {
  name                     = "stunusedfaildiff"
  location                 = "eastus"
  resource_group_name      = "rg-peers"
  account_tier             = "Standard"
  account_replication_type = "LRS"
  network_rules {
    default_action = "Deny"
    bypass         = ["None"]
  }
}

resource "azurerm_machine_learning_workspace" "wsa" {
  name                    = "wsa"
  location                = "eastus"
  resource_group_name     = "rg-peers"
  application_insights_id = "id1"
  key_vault_id            = "id2"
  storage_account_id      = azurerm_storage_account.stpass.id
  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_machine_learning_workspace" "wsb" {
  name                    = "wsb"
  location                = "eastus"
  resource_group_name     = "rg-peers"
  application_insights_id = "id1"
  key_vault_id            = "id2"
  storage_account_id      = azurerm_storage_account.stfail.id
  identity {
    type = "SystemAssigned"
  }
}
