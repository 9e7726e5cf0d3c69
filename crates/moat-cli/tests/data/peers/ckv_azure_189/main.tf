# Fixture for checkov CKV_AZURE_189.
# As in the peers' own fixtures, a resource whose name ends in "pass" is one the check passes
# and "fail" one it fails; "passdiff" and "faildiff" are ones it passes or fails where moat's
# verdict differs, for the reason the README's peer table gives. Placeholder ids ("id1") are
# written as the peers' fixtures write them.

data "azurerm_client_config" "current" {}

resource "azurerm_key_vault" "kv_pass" {
  name                          = "kv-pass"
  location                      = "eastus"
  resource_group_name           = "rg-peers"
  tenant_id                     = data.azurerm_client_config.current.tenant_id
  sku_name                      = "standard"
  public_network_access_enabled = false
}

resource "azurerm_key_vault" "kv_fail" {
  name                = "kv-fail"
  location            = "eastus"
  resource_group_name = "rg-peers"
  tenant_id           = data.azurerm_client_config.current.tenant_id
  sku_name            = "standard"
}

resource "azurerm_key_vault" "kv_selected_faildiff" {
  name                          = "kv-selected-faildiff"
  location                      = "eastus"
  resource_group_name           = "rg-peers"
  tenant_id                     = data.azurerm_client_config.current.tenant_id
  sku_name                      = "standard"
  public_network_access_enabled = true
  network_acls {
    default_action = "Deny"
    bypass         = "AzureServices"
  }
}
