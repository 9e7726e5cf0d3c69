# Fixture for checkov CKV_AZURE_139.
# As in the peers' own fixtures, a resource whose name ends in "pass" is one the check passes
# and "fail" one it fails; "passdiff" and "faildiff" are ones it passes or fails where moat's
# verdict differs, for the reason the README's peer table gives. Placeholder ids ("id1") are
# written as the peers' fixtures write them.

resource "azurerm_container_registry" "acrpass" {
  name                          = "acrpass"
  location                      = "eastus"
  resource_group_name           = "rg-peers"
  sku                           = "Premium"
  public_network_access_enabled = false
}

resource "azurerm_container_registry" "acrfail" {
  name                = "acrfail"
  location            = "eastus"
  resource_group_name = "rg-peers"
  sku                 = "Premium"
}

resource "azurerm_container_registry" "acrselectedfaildiff" {
  name                = "acrselectedfaildiff"
  location            = "eastus"
  resource_group_name = "rg-peers"
  sku                 = "Premium"
  network_rule_set {
    default_action = "Deny"
  }
}
