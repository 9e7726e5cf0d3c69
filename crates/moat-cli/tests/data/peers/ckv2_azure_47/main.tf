# Fixture for checkov CKV2_AZURE_47 and CKV_AZURE_190.
# As in the peers' own fixtures, a resource whose name ends in "pass" is one the check passes
# and "fail" one it fails; "passdiff" and "faildiff" are ones it passes or fails where moat's
# verdict differs, for the reason the README's peer table gives. Placeholder ids ("id1") are
# written as the peers' fixtures write them.

resource "azurerm_storage_account" "stpass" {
  name                            = "stpass"
  location                        = "eastus"
  resource_group_name             = "rg-peers"
  account_tier                    = "Standard"
  account_replication_type        = "LRS"
  allow_nested_items_to_be_public = false
}

resource "azurerm_storage_account" "stfail" {
  name                            = "stfail"
  location                        = "eastus"
  resource_group_name             = "rg-peers"
  account_tier                    = "Standard"
  account_replication_type        = "LRS"
  allow_nested_items_to_be_public = true
}

resource "azurerm_storage_account" "stselectedfaildiff" {
  name                            = "stselectedfaildiff"
  location                        = "eastus"
  resource_group_name             = "rg-peers"
  account_tier                    = "Standard"
  account_replication_type        = "LRS"
  allow_nested_items_to_be_public = true
  network_rules {
    default_action = "Deny"
    bypass         = ["AzureServices"]
  }
}
