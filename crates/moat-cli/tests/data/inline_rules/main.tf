# A training subnet whose NSG denies the internet inline, while a separate rule resource opens
# HTTPS to it: azurerm overwrites one with the other on each apply.

resource "azurerm_resource_group" "train" {
  name     = "rg-train"
  location = "uksouth"
}

resource "azurerm_virtual_network" "train" {
  name                = "vnet-train"
  address_space       = ["10.72.0.0/16"]
  location            = azurerm_resource_group.train.location
  resource_group_name = azurerm_resource_group.train.name
}

resource "azurerm_subnet" "jobs" {
  name                 = "jobs"
  resource_group_name  = azurerm_resource_group.train.name
  virtual_network_name = azurerm_virtual_network.train.name
  address_prefixes     = ["10.72.2.0/24"]
}

resource "azurerm_network_security_group" "jobs" {
  name                = "nsg-jobs"
  location            = azurerm_resource_group.train.location
  resource_group_name = azurerm_resource_group.train.name

  security_rule {
    name                       = "no-internet"
    priority                   = 4000
    direction                  = "Outbound"
    access                     = "Deny"
    protocol                   = "*"
    source_port_range          = "*"
    destination_port_range     = "*"
    source_address_prefix      = "*"
    destination_address_prefix = "Internet"
  }
}

resource "azurerm_network_security_rule" "https_out" {
  name                        = "https-out"
  priority                    = 200
  direction                   = "Outbound"
  access                      = "Allow"
  protocol                    = "Tcp"
  source_port_range           = "*"
  destination_port_range      = "443"
  source_address_prefix       = "*"
  destination_address_prefix  = "Internet"
  resource_group_name         = azurerm_resource_group.train.name
  network_security_group_name = azurerm_network_security_group.jobs.name
}

resource "azurerm_subnet_network_security_group_association" "jobs" {
  subnet_id                 = azurerm_subnet.jobs.id
  network_security_group_id = azurerm_network_security_group.jobs.id
}

resource "azurerm_storage_account" "train" {
  name                     = "sttraininline"
  location                 = azurerm_resource_group.train.location
  resource_group_name      = azurerm_resource_group.train.name
  account_tier             = "Standard"
  account_replication_type = "LRS"
}

resource "azurerm_key_vault" "train" {
  name                = "kv-train-inline"
  location            = azurerm_resource_group.train.location
  resource_group_name = azurerm_resource_group.train.name
  tenant_id           = "00000000-0000-0000-0000-000000000000"
  sku_name            = "standard"
}

resource "azurerm_application_insights" "train" {
  name                = "appi-train"
  location            = azurerm_resource_group.train.location
  resource_group_name = azurerm_resource_group.train.name
  application_type    = "web"
}

resource "azurerm_machine_learning_workspace" "train" {
  name                    = "mlw-train"
  location                = azurerm_resource_group.train.location
  resource_group_name     = azurerm_resource_group.train.name
  application_insights_id = azurerm_application_insights.train.id
  key_vault_id            = azurerm_key_vault.train.id
  storage_account_id      = azurerm_storage_account.train.id
  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_machine_learning_compute_cluster" "train" {
  name                          = "cpu"
  location                      = azurerm_resource_group.train.location
  machine_learning_workspace_id = azurerm_machine_learning_workspace.train.id
  vm_priority                   = "Dedicated"
  vm_size                       = "STANDARD_DS3_V2"
  subnet_resource_id            = azurerm_subnet.jobs.id
  node_public_ip_enabled        = false
  scale_settings {
    min_node_count                       = 0
    max_node_count                       = 2
    scale_down_nodes_after_idle_duration = "PT30M"
  }
}
