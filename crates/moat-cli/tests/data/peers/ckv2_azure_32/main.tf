# Fixture for checkov CKV2_AZURE_32.
# As in the peers' own fixtures, a resource whose name ends in "pass" is one the check passes
# and "fail" one it fails; "passdiff" and "faildiff" are ones it passes or fails where moat's
# verdict differs, for the reason the README's peer table gives. Placeholder ids ("id1") are
# written as the peers' fixtures write them.

resource "azurerm_virtual_network" "vnet" {
  name                = "vnet"
  location            = "eastus"
  resource_group_name = "rg-peers"
  address_space       = ["10.0.0.0/16"]
}

resource "azurerm_subnet" "training" {
  name                 = "training"
  resource_group_name  = "rg-peers"
  virtual_network_name = azurerm_virtual_network.vnet.name
  address_prefixes     = ["10.0.1.0/24"]
}

resource "azurerm_subnet" "pe" {
  name                 = "pe"
  resource_group_name  = "rg-peers"
  virtual_network_name = azurerm_virtual_network.vnet.name
  address_prefixes     = ["10.0.2.0/24"]
}

data "azurerm_client_config" "current" {}

resource "azurerm_key_vault" "kv_pass" {
  name                          = "kv-pass"
  location                      = "eastus"
  resource_group_name           = "rg-peers"
  tenant_id                     = data.azurerm_client_config.current.tenant_id
  sku_name                      = "standard"
  public_network_access_enabled = false
}

resource "azurerm_private_endpoint" "pe_kv_pass" {
  name                = "pe-kv-pass"
  location            = "eastus"
  resource_group_name = "rg-peers"
  subnet_id           = azurerm_subnet.pe.id
  private_service_connection {
    name                           = "vault"
    private_connection_resource_id = azurerm_key_vault.kv_pass.id
    subresource_names              = ["vault"]
    is_manual_connection           = false
  }
}

resource "azurerm_key_vault" "kv_fail" {
  name                = "kv-fail"
  location            = "eastus"
  resource_group_name = "rg-peers"
  tenant_id           = data.azurerm_client_config.current.tenant_id
  sku_name            = "standard"
}

resource "azurerm_key_vault" "kv_open_passdiff" {
  name                = "kv-open-passdiff"
  location            = "eastus"
  resource_group_name = "rg-peers"
  tenant_id           = data.azurerm_client_config.current.tenant_id
  sku_name            = "standard"
}

resource "azurerm_private_endpoint" "pe_kv_open_passdiff" {
  name                = "pe-kv-open-passdiff"
  location            = "eastus"
  resource_group_name = "rg-peers"
  subnet_id           = azurerm_subnet.pe.id
  private_service_connection {
    name                           = "vault"
    private_connection_resource_id = azurerm_key_vault.kv_open_passdiff.id
    subresource_names              = ["vault"]
    is_manual_connection           = false
  }
}

resource "azurerm_key_vault" "kv_selected_faildiff" {
  name                = "kv-selected-faildiff"
  location            = "eastus"
  resource_group_name = "rg-peers"
  tenant_id           = data.azurerm_client_config.current.tenant_id
  sku_name            = "standard"
  network_acls {
    default_action = "Deny"
    bypass         = "AzureServices"
  }
}
