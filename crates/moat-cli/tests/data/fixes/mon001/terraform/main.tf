# An Azure Monitor private link scope in Private Only mode for ingestion, Open for queries.
resource "azurerm_resource_group" "rg" {
  name     = "rg"
  location = "eastus"
}

resource "azurerm_monitor_private_link_scope" "ampls" {
  name                  = "ampls"
  resource_group_name   = azurerm_resource_group.rg.name
  ingestion_access_mode = "PrivateOnly"
  query_access_mode     = "Open"
}
