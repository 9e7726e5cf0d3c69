# A compute subnet whose routes come from a variable (a hub team hands them over), with no value here.

variable "extra_routes" {
  type = map(object({ prefix = string, hop = string, ip = string }))
}

resource "azurerm_resource_group" "rg" {
  name     = "rg-routes"
  location = "eastus"
}

resource "azurerm_virtual_network" "v" {
  name                = "vnet-routes"
  address_space       = ["10.91.0.0/16"]
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
}

resource "azurerm_subnet" "train" {
  name                 = "train"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.v.name
  address_prefixes     = ["10.91.1.0/24"]
}

resource "azurerm_route_table" "train" {
  name                = "rt-jobs"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  dynamic "route" {
    for_each = var.extra_routes
    content {
      name                   = route.key
      address_prefix         = route.value.prefix
      next_hop_type          = route.value.hop
      next_hop_in_ip_address = route.value.ip
    }
  }
}

resource "azurerm_subnet_route_table_association" "train" {
  subnet_id      = azurerm_subnet.train.id
  route_table_id = azurerm_route_table.train.id
}

resource "azurerm_storage_account" "st" {
  name                     = "stroutesws01"
  location                 = azurerm_resource_group.rg.location
  resource_group_name      = azurerm_resource_group.rg.name
  account_tier             = "Standard"
  account_replication_type = "LRS"
}

resource "azurerm_key_vault" "kv" {
  name                = "kv-routes-ws-01"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  tenant_id           = "00000000-0000-0000-0000-000000000000"
  sku_name            = "standard"
}

resource "azurerm_application_insights" "ai" {
  name                = "appi-routes"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  application_type    = "web"
}

resource "azurerm_machine_learning_workspace" "ws" {
  name                    = "mlw-routes"
  location                = azurerm_resource_group.rg.location
  resource_group_name     = azurerm_resource_group.rg.name
  application_insights_id = azurerm_application_insights.ai.id
  key_vault_id            = azurerm_key_vault.kv.id
  storage_account_id      = azurerm_storage_account.st.id
  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_machine_learning_compute_cluster" "cc" {
  name                          = "cpu"
  location                      = azurerm_resource_group.rg.location
  machine_learning_workspace_id = azurerm_machine_learning_workspace.ws.id
  vm_priority                   = "Dedicated"
  vm_size                       = "STANDARD_DS3_V2"
  subnet_resource_id            = azurerm_subnet.train.id
  scale_settings {
    min_node_count                       = 0
    max_node_count                       = 2
    scale_down_nodes_after_idle_duration = "PT30M"
  }
}
