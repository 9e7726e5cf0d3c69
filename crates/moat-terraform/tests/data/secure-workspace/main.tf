resource "azurerm_resource_group" "rg" {
  name     = "${local.name}-rg"
  location = var.location
}

module "network" {
  source         = "./modules/network"
  name           = local.name
  resource_group = azurerm_resource_group.rg.name
  location       = azurerm_resource_group.rg.location
  address_space  = var.address_space
  subnets        = var.subnets
  nsg_rules      = local.nsg_rules
  route_next_hop = azurerm_firewall.fw[0].ip_configuration[0].private_ip_address
}

data "azurerm_client_config" "current" {}

resource "azurerm_storage_account" "sa" {
  name                          = replace("${local.name}sa", "-", "")
  resource_group_name           = azurerm_resource_group.rg.name
  location                      = azurerm_resource_group.rg.location
  account_tier                  = "Standard"
  account_replication_type      = "LRS"
  public_network_access_enabled = false

  network_rules {
    default_action             = "Deny"
    bypass                     = ["AzureServices"]
    ip_rules                   = var.allowed_ips
    virtual_network_subnet_ids = [module.network.subnet_ids["training"]]
  }

  tags = local.tags
}

resource "azurerm_key_vault" "kv" {
  name                          = "${local.name}-kv"
  resource_group_name           = azurerm_resource_group.rg.name
  location                      = azurerm_resource_group.rg.location
  tenant_id                     = data.azurerm_client_config.current.tenant_id
  sku_name                      = "standard"
  public_network_access_enabled = false

  network_acls {
    bypass         = "AzureServices"
    default_action = "Deny"
  }
}

resource "azurerm_container_registry" "acr" {
  name                          = "${replace(local.name, "-", "")}acr"
  resource_group_name           = azurerm_resource_group.rg.name
  location                      = azurerm_resource_group.rg.location
  sku                           = local.acr_sku
  public_network_access_enabled = false
  network_rule_bypass_option    = "AzureServices"
}

resource "azurerm_log_analytics_workspace" "law" {
  name                = "${local.name}-law"
  resource_group_name = azurerm_resource_group.rg.name
  location            = azurerm_resource_group.rg.location
}

resource "azurerm_application_insights" "appi" {
  name                = "${local.name}-appi"
  resource_group_name = azurerm_resource_group.rg.name
  location            = azurerm_resource_group.rg.location
  workspace_id        = azurerm_log_analytics_workspace.law.id
  application_type    = "web"
}

resource "azurerm_machine_learning_workspace" "ws" {
  name                          = local.ws_name
  resource_group_name           = azurerm_resource_group.rg.name
  location                      = azurerm_resource_group.rg.location
  application_insights_id       = azurerm_application_insights.appi.id
  key_vault_id                  = azurerm_key_vault.kv.id
  storage_account_id            = azurerm_storage_account.sa.id
  container_registry_id         = azurerm_container_registry.acr.id
  public_network_access_enabled = false
  image_build_compute_name      = "cpu-cluster-0"
  high_business_impact          = true

  identity {
    type = "SystemAssigned"
  }

  managed_network {
    isolation_mode = "Disabled"
  }
}
