# Two classes of error in one configuration: a value of the wrong type (found while mapping)
# and a name declared twice (found by validation). One run reports both.

resource "azurerm_storage_account" "a" {
  name                     = "stdup"
  location                 = "eastus"
  resource_group_name      = "rg"
  account_tier             = "Standard"
  account_replication_type = "LRS"
}

resource "azurerm_storage_account" "b" {
  name                     = "stdup"
  location                 = "eastus"
  resource_group_name      = "rg"
  account_tier             = "Standard"
  account_replication_type = "LRS"
}

resource "azurerm_container_registry" "acr" {
  name                = "acrbad"
  location            = "eastus"
  resource_group_name = "rg"
  sku                 = "Premium"
  admin_enabled       = "sometimes"
}
