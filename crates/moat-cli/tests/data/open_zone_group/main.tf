# A private workspace whose endpoints get their DNS zone group only when the platform team
# passes the ids of its central zones (no value here).

variable "central_zone_ids" {
  type = list(string)
}

resource "azurerm_resource_group" "lab" {
  name     = "rg-lab"
  location = "swedencentral"
}

resource "azurerm_virtual_network" "lab" {
  name                = "vnet-lab"
  address_space       = ["10.61.0.0/16"]
  location            = azurerm_resource_group.lab.location
  resource_group_name = azurerm_resource_group.lab.name
}

resource "azurerm_subnet" "endpoints" {
  name                 = "endpoints"
  resource_group_name  = azurerm_resource_group.lab.name
  virtual_network_name = azurerm_virtual_network.lab.name
  address_prefixes     = ["10.61.1.0/24"]
}

resource "azurerm_storage_account" "lab" {
  name                          = "stlabzonegroup"
  location                      = azurerm_resource_group.lab.location
  resource_group_name           = azurerm_resource_group.lab.name
  account_tier                  = "Standard"
  account_replication_type      = "LRS"
  public_network_access_enabled = false
}

resource "azurerm_key_vault" "lab" {
  name                          = "kv-lab-zonegroup"
  location                      = azurerm_resource_group.lab.location
  resource_group_name           = azurerm_resource_group.lab.name
  tenant_id                     = "00000000-0000-0000-0000-000000000000"
  sku_name                      = "standard"
  public_network_access_enabled = false
}

resource "azurerm_application_insights" "lab" {
  name                = "appi-lab"
  location            = azurerm_resource_group.lab.location
  resource_group_name = azurerm_resource_group.lab.name
  application_type    = "web"
}

resource "azurerm_machine_learning_workspace" "lab" {
  name                          = "mlw-lab"
  location                      = azurerm_resource_group.lab.location
  resource_group_name           = azurerm_resource_group.lab.name
  application_insights_id       = azurerm_application_insights.lab.id
  key_vault_id                  = azurerm_key_vault.lab.id
  storage_account_id            = azurerm_storage_account.lab.id
  public_network_access_enabled = false
  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_private_endpoint" "workspace" {
  name                = "pe-lab-workspace"
  location            = azurerm_resource_group.lab.location
  resource_group_name = azurerm_resource_group.lab.name
  subnet_id           = azurerm_subnet.endpoints.id

  private_service_connection {
    name                           = "workspace"
    private_connection_resource_id = azurerm_machine_learning_workspace.lab.id
    subresource_names              = ["amlworkspace"]
    is_manual_connection           = false
  }

  dynamic "private_dns_zone_group" {
    for_each = length(var.central_zone_ids) > 0 ? ["central"] : []
    content {
      name                 = private_dns_zone_group.value
      private_dns_zone_ids = var.central_zone_ids
    }
  }
}
