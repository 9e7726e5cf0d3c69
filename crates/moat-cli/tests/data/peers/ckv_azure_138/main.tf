# Fixture for checkov CKV_AZURE_138 and PSRule Azure.ACR.AnonymousAccess.
# As in the peers' own fixtures, a resource whose name ends in "pass" is one the check passes
# and "fail" one it fails; "passdiff" and "faildiff" are ones it passes or fails where moat's
# verdict differs, for the reason the README's peer table gives. Placeholder ids ("id1") are
# written as the peers' fixtures write them.

resource "azurerm_container_registry" "acrpass" {
  name                   = "acrpass"
  location               = "eastus"
  resource_group_name    = "rg-peers"
  sku                    = "Standard"
  anonymous_pull_enabled = false
}

resource "azurerm_container_registry" "acrfail" {
  name                   = "acrfail"
  location               = "eastus"
  resource_group_name    = "rg-peers"
  sku                    = "Standard"
  anonymous_pull_enabled = true
}
