# The legacy switch and public_network_access_enabled, alone and together.

resource "azurerm_resource_group" "rg" {
  name     = "rg-legacy"
  location = "eastus"
}

# Both switches in one request, disagreeing: which one Azure keeps is unknown.
resource "azurerm_machine_learning_workspace" "both" {
  name                                         = "ws-both"
  location                                     = azurerm_resource_group.rg.location
  resource_group_name                          = azurerm_resource_group.rg.name
  application_insights_id                      = "id1"
  key_vault_id                                 = "id2"
  storage_account_id                           = "id3"
  public_network_access_enabled                = false
  public_access_behind_virtual_network_enabled = true
  identity {
    type = "SystemAssigned"
  }
}

# The legacy switch alone decides.
resource "azurerm_machine_learning_workspace" "legacy" {
  name                                         = "ws-legacy"
  location                                     = azurerm_resource_group.rg.location
  resource_group_name                          = azurerm_resource_group.rg.name
  application_insights_id                      = "id1"
  key_vault_id                                 = "id2"
  storage_account_id                           = "id3"
  public_access_behind_virtual_network_enabled = true
  identity {
    type = "SystemAssigned"
  }
}
