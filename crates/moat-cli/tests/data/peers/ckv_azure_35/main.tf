# Fixture for checkov CKV_AZURE_35 and PSRule Azure.Storage.Firewall.
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
    default_action = "Allow"
  }
}

resource "azurerm_storage_account" "stdisabledfaildiff" {
  name                          = "stdisabledfaildiff"
  location                      = "eastus"
  resource_group_name           = "rg-peers"
  account_tier                  = "Standard"
  account_replication_type      = "LRS"
  public_network_access_enabled = false
  network_rules {
    default_action = "Allow"
  }
}
