# Multiple private endpoints: a workload VNet for the compute cluster and a separate, unpeered
# client VNet, each with its own private endpoints to the workspace, its storage, key vault and
# container registry, and its own copy of the privatelink zones (one resource group each).

terraform {
  required_version = ">= 1.5"
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.0"
    }
    azapi = {
      source  = "Azure/azapi"
      version = "~> 2.0"
    }
  }
}

provider "azurerm" {
  features {}
}

provider "azapi" {}

variable "location" {
  type    = string
  default = "eastus"
}

variable "jumpbox_admin_username" {
  type    = string
  default = "azureuser"
}

variable "jumpbox_admin_password" {
  type      = string
  sensitive = true
}

locals {
  private_dns_zones = {
    api       = "privatelink.api.azureml.ms"
    notebooks = "privatelink.notebooks.azure.net"
    blob      = "privatelink.blob.core.windows.net"
    file      = "privatelink.file.core.windows.net"
    vault     = "privatelink.vaultcore.azure.net"
    acr       = "privatelink.azurecr.io"
  }

  # The endpoints each VNet holds: target, sub-resource and zones (keys of private_dns_zones).
  endpoints = {
    "ws-pe"             = { target = azapi_resource.ws.id, group = "amlworkspace", zones = ["api", "notebooks"] }
    "wsstorage-blob-pe" = { target = azurerm_storage_account.ws.id, group = "blob", zones = ["blob"] }
    "wsstorage-file-pe" = { target = azurerm_storage_account.ws.id, group = "file", zones = ["file"] }
    "wskv-pe"           = { target = azurerm_key_vault.ws.id, group = "vault", zones = ["vault"] }
    "wsacr-pe"          = { target = azurerm_container_registry.ws.id, group = "registry", zones = ["acr"] }
  }
}

data "azurerm_client_config" "current" {}

resource "azurerm_resource_group" "rg" {
  name     = "rg-ml-isolated-clients"
  location = var.location
}

# Each VNet resolves privatelink names through its own copy of the zones.
resource "azurerm_resource_group" "workload_dns" {
  name     = "workload"
  location = var.location
}

resource "azurerm_resource_group" "client_dns" {
  name     = "clients"
  location = var.location
}

# ---- networks ------------------------------------------------------------------------------

resource "azurerm_virtual_network" "workload" {
  name                = "workload-vnet"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = ["10.0.0.0/16"]
}

resource "azurerm_subnet" "training" {
  name                 = "training"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.workload.name
  address_prefixes     = ["10.0.1.0/24"]
}

resource "azurerm_subnet" "workload_pe" {
  name                              = "pe"
  resource_group_name               = azurerm_resource_group.rg.name
  virtual_network_name              = azurerm_virtual_network.workload.name
  address_prefixes                  = ["10.0.3.0/24"]
  private_endpoint_network_policies = "Disabled"
}

resource "azurerm_virtual_network" "client" {
  name                = "client-vnet"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = ["10.1.0.0/16"]
}

resource "azurerm_subnet" "clients" {
  name                 = "clients"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.client.name
  address_prefixes     = ["10.1.1.0/24"]
}

resource "azurerm_subnet" "client_pe" {
  name                              = "pe"
  resource_group_name               = azurerm_resource_group.rg.name
  virtual_network_name              = azurerm_virtual_network.client.name
  address_prefixes                  = ["10.1.3.0/24"]
  private_endpoint_network_policies = "Disabled"
}

resource "azurerm_subnet" "bastion" {
  name                 = "AzureBastionSubnet"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.client.name
  address_prefixes     = ["10.1.4.0/26"]
}

resource "azurerm_public_ip" "nat" {
  name                = "nat-pip"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  allocation_method   = "Static"
  sku                 = "Standard"
}

resource "azurerm_nat_gateway" "nat" {
  name                = "nat"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  sku_name            = "Standard"
}

resource "azurerm_nat_gateway_public_ip_association" "nat" {
  nat_gateway_id       = azurerm_nat_gateway.nat.id
  public_ip_address_id = azurerm_public_ip.nat.id
}

resource "azurerm_subnet_nat_gateway_association" "training" {
  subnet_id      = azurerm_subnet.training.id
  nat_gateway_id = azurerm_nat_gateway.nat.id
}

# ---- the workspace and its dependencies ----------------------------------------------------

resource "azurerm_storage_account" "ws" {
  name                            = "wsstorage"
  location                        = azurerm_resource_group.rg.location
  resource_group_name             = azurerm_resource_group.rg.name
  account_kind                    = "StorageV2"
  account_tier                    = "Standard"
  account_replication_type        = "LRS"
  min_tls_version                 = "TLS1_2"
  allow_nested_items_to_be_public = false
  public_network_access_enabled   = false
}

resource "azurerm_storage_account_network_rules" "ws" {
  storage_account_id = azurerm_storage_account.ws.id
  default_action     = "Deny"
  bypass             = ["AzureServices"]

  private_link_access {
    endpoint_resource_id = azapi_resource.ws.id
    endpoint_tenant_id   = data.azurerm_client_config.current.tenant_id
  }
}

resource "azurerm_key_vault" "ws" {
  name                          = "wskv"
  location                      = azurerm_resource_group.rg.location
  resource_group_name           = azurerm_resource_group.rg.name
  tenant_id                     = data.azurerm_client_config.current.tenant_id
  sku_name                      = "standard"
  enable_rbac_authorization     = true
  public_network_access_enabled = false
}

resource "azurerm_container_registry" "ws" {
  name                          = "wsacr"
  location                      = azurerm_resource_group.rg.location
  resource_group_name           = azurerm_resource_group.rg.name
  sku                           = "Premium"
  admin_enabled                 = false
  public_network_access_enabled = false
}

# azurerm_machine_learning_workspace requires an Application Insights component, which this
# deployment does not have: the workspace is declared through azapi.
resource "azapi_resource" "ws" {
  type      = "Microsoft.MachineLearningServices/workspaces@2024-04-01"
  name      = "ws"
  parent_id = azurerm_resource_group.rg.id
  location  = azurerm_resource_group.rg.location

  identity {
    type = "SystemAssigned"
  }

  body = {
    sku = { name = "Basic", tier = "Basic" }
    properties = {
      friendlyName        = "ws"
      storageAccount      = azurerm_storage_account.ws.id
      keyVault            = azurerm_key_vault.ws.id
      containerRegistry   = azurerm_container_registry.ws.id
      publicNetworkAccess = "Disabled"
      imageBuildCompute   = "cpu-cluster"
    }
  }
}

resource "azurerm_machine_learning_compute_cluster" "cpu" {
  name                          = "cpu-cluster"
  location                      = azurerm_resource_group.rg.location
  machine_learning_workspace_id = azapi_resource.ws.id
  vm_priority                   = "Dedicated"
  vm_size                       = "Standard_DS3_v2"
  subnet_resource_id            = azurerm_subnet.training.id
  node_public_ip_enabled        = false

  scale_settings {
    min_node_count                       = 0
    max_node_count                       = 4
    scale_down_nodes_after_idle_duration = "PT120S"
  }

  depends_on = [azurerm_private_endpoint.workload]
}

# ---- private endpoints and DNS: the workload VNet ------------------------------------------

resource "azurerm_private_dns_zone" "workload" {
  for_each            = local.private_dns_zones
  name                = each.value
  resource_group_name = azurerm_resource_group.workload_dns.name
}

resource "azurerm_private_dns_zone_virtual_network_link" "workload" {
  for_each              = local.private_dns_zones
  name                  = "workload-vnet-link"
  resource_group_name   = azurerm_resource_group.workload_dns.name
  private_dns_zone_name = azurerm_private_dns_zone.workload[each.key].name
  virtual_network_id    = azurerm_virtual_network.workload.id
  registration_enabled  = false
}

resource "azurerm_private_endpoint" "workload" {
  for_each            = local.endpoints
  name                = each.key
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  subnet_id           = azurerm_subnet.workload_pe.id

  private_service_connection {
    name                           = each.key
    private_connection_resource_id = each.value.target
    subresource_names              = [each.value.group]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "default"
    private_dns_zone_ids = [for z in each.value.zones : azurerm_private_dns_zone.workload[z].id]
  }
}

# ---- private endpoints and DNS: the client VNet --------------------------------------------

resource "azurerm_private_dns_zone" "client" {
  for_each            = local.private_dns_zones
  name                = each.value
  resource_group_name = azurerm_resource_group.client_dns.name
}

resource "azurerm_private_dns_zone_virtual_network_link" "client" {
  for_each              = local.private_dns_zones
  name                  = "client-vnet-link"
  resource_group_name   = azurerm_resource_group.client_dns.name
  private_dns_zone_name = azurerm_private_dns_zone.client[each.key].name
  virtual_network_id    = azurerm_virtual_network.client.id
  registration_enabled  = false
}

resource "azurerm_private_endpoint" "client" {
  for_each            = local.endpoints
  name                = "client-${each.key}"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  subnet_id           = azurerm_subnet.client_pe.id

  private_service_connection {
    name                           = "client-${each.key}"
    private_connection_resource_id = each.value.target
    subresource_names              = [each.value.group]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "default"
    private_dns_zone_ids = [for z in each.value.zones : azurerm_private_dns_zone.client[z].id]
  }
}

# ---- the jump box in the client VNet -------------------------------------------------------

resource "azurerm_public_ip" "bastion" {
  name                = "bastion-pip"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  allocation_method   = "Static"
  sku                 = "Standard"
}

resource "azurerm_bastion_host" "bastion" {
  name                = "bastion"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name

  ip_configuration {
    name                 = "bastion-ipconfig"
    subnet_id            = azurerm_subnet.bastion.id
    public_ip_address_id = azurerm_public_ip.bastion.id
  }
}

resource "azurerm_network_interface" "jumpbox" {
  name                = "jumpbox-nic"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name

  ip_configuration {
    name                          = "ipconfig1"
    subnet_id                     = azurerm_subnet.clients.id
    private_ip_address_allocation = "Dynamic"
  }
}

resource "azurerm_windows_virtual_machine" "jumpbox" {
  name                  = "jumpbox"
  location              = azurerm_resource_group.rg.location
  resource_group_name   = azurerm_resource_group.rg.name
  size                  = "Standard_D2s_v3"
  admin_username        = var.jumpbox_admin_username
  admin_password        = var.jumpbox_admin_password
  network_interface_ids = [azurerm_network_interface.jumpbox.id]

  os_disk {
    caching              = "ReadWrite"
    storage_account_type = "Premium_LRS"
  }

  source_image_reference {
    publisher = "microsoft-dsvm"
    offer     = "dsvm-win-2019"
    sku       = "server-2019"
    version   = "latest"
  }
}
