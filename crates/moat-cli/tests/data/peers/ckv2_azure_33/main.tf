# Fixture for checkov CKV2_AZURE_33.
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

resource "azurerm_storage_account" "stpass" {
  name                          = "stpass"
  location                      = "eastus"
  resource_group_name           = "rg-peers"
  account_tier                  = "Standard"
  account_replication_type      = "LRS"
  public_network_access_enabled = false
}

resource "azurerm_private_endpoint" "pe_stpass" {
  name                = "pe-stpass"
  location            = "eastus"
  resource_group_name = "rg-peers"
  subnet_id           = azurerm_subnet.pe.id
  private_service_connection {
    name                           = "blob"
    private_connection_resource_id = azurerm_storage_account.stpass.id
    subresource_names              = ["blob"]
    is_manual_connection           = false
  }
}

resource "azurerm_storage_account" "stfail" {
  name                     = "stfail"
  location                 = "eastus"
  resource_group_name      = "rg-peers"
  account_tier             = "Standard"
  account_replication_type = "LRS"
}

resource "azurerm_storage_account" "stopenpassdiff" {
  name                     = "stopenpassdiff"
  location                 = "eastus"
  resource_group_name      = "rg-peers"
  account_tier             = "Standard"
  account_replication_type = "LRS"
}

resource "azurerm_private_endpoint" "pe_stopenpassdiff" {
  name                = "pe-stopenpassdiff"
  location            = "eastus"
  resource_group_name = "rg-peers"
  subnet_id           = azurerm_subnet.pe.id
  private_service_connection {
    name                           = "blob"
    private_connection_resource_id = azurerm_storage_account.stopenpassdiff.id
    subresource_names              = ["blob"]
    is_manual_connection           = false
  }
}

resource "azurerm_storage_account" "stselectedfaildiff" {
  name                     = "stselectedfaildiff"
  location                 = "eastus"
  resource_group_name      = "rg-peers"
  account_tier             = "Standard"
  account_replication_type = "LRS"
  network_rules {
    default_action = "Deny"
    bypass         = ["AzureServices"]
  }
}
