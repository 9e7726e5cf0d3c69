# A workspace with a managed virtual network in allow internet outbound mode: its compute
# cluster and compute instance live in the managed network, a user-defined rule adds a private
# endpoint to the datalake storage account, and people reach the workspace through private
# endpoints in their own VNet and a jump box reached through Azure Bastion.

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
  }
}

data "azurerm_client_config" "current" {}

resource "azurerm_resource_group" "rg" {
  name     = "rg-ml-managed-internet-outbound"
  location = var.location
}

# ---- the client network --------------------------------------------------------------------

resource "azurerm_virtual_network" "client" {
  name                = "client-vnet"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = ["10.1.0.0/16"]

  subnet {
    name             = "clients"
    address_prefixes = ["10.1.1.0/24"]
  }

  subnet {
    name                              = "pe"
    address_prefixes                  = ["10.1.3.0/24"]
    private_endpoint_network_policies = "Disabled"
  }

  subnet {
    name             = "AzureBastionSubnet"
    address_prefixes = ["10.1.4.0/26"]
  }
}

locals {
  subnet_ids = { for s in azurerm_virtual_network.client.subnet : s.name => s.id }
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

resource "azurerm_storage_account" "datalake" {
  name                            = "datalake"
  location                        = azurerm_resource_group.rg.location
  resource_group_name             = azurerm_resource_group.rg.name
  account_kind                    = "StorageV2"
  account_tier                    = "Standard"
  account_replication_type        = "ZRS"
  is_hns_enabled                  = true
  min_tls_version                 = "TLS1_2"
  allow_nested_items_to_be_public = false
  public_network_access_enabled   = false
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
      managedNetwork = {
        isolationMode = "AllowInternetOutbound"
      }
    }
  }
}

# A private endpoint from the managed network to the data lake.
resource "azapi_resource" "datalake_rule" {
  type      = "Microsoft.MachineLearningServices/workspaces/outboundRules@2024-04-01"
  name      = "datalake-blob"
  parent_id = azapi_resource.ws.id

  body = {
    properties = {
      type     = "PrivateEndpoint"
      category = "UserDefined"
      destination = {
        serviceResourceId = azurerm_storage_account.datalake.id
        subresourceTarget = "blob"
        sparkEnabled      = false
      }
    }
  }
}

resource "azurerm_machine_learning_compute_cluster" "cpu" {
  name                          = "cpu-cluster"
  location                      = azurerm_resource_group.rg.location
  machine_learning_workspace_id = azapi_resource.ws.id
  vm_priority                   = "Dedicated"
  vm_size                       = "Standard_DS3_v2"
  node_public_ip_enabled        = false

  scale_settings {
    min_node_count                       = 0
    max_node_count                       = 4
    scale_down_nodes_after_idle_duration = "PT120S"
  }
}

resource "azurerm_machine_learning_compute_instance" "alice" {
  name                          = "ci-alice"
  machine_learning_workspace_id = azapi_resource.ws.id
  virtual_machine_size          = "Standard_DS11_v2"
  node_public_ip_enabled        = false
}

# ---- private endpoints and DNS in the client network ---------------------------------------

resource "azurerm_private_dns_zone" "zone" {
  for_each            = local.private_dns_zones
  name                = each.value
  resource_group_name = azurerm_resource_group.rg.name
}

resource "azurerm_private_dns_zone_virtual_network_link" "client" {
  for_each              = local.private_dns_zones
  name                  = "client-vnet-link"
  resource_group_name   = azurerm_resource_group.rg.name
  private_dns_zone_name = azurerm_private_dns_zone.zone[each.key].name
  virtual_network_id    = azurerm_virtual_network.client.id
  registration_enabled  = false
}

resource "azurerm_private_endpoint" "ws" {
  name                = "ws-pe"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  subnet_id           = local.subnet_ids["pe"]

  private_service_connection {
    name                           = "ws-pe"
    private_connection_resource_id = azapi_resource.ws.id
    subresource_names              = ["amlworkspace"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name = "default"
    private_dns_zone_ids = [
      azurerm_private_dns_zone.zone["api"].id,
      azurerm_private_dns_zone.zone["notebooks"].id,
    ]
  }
}

resource "azurerm_private_endpoint" "storage_blob" {
  name                = "wsstorage-blob-pe"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  subnet_id           = local.subnet_ids["pe"]

  private_service_connection {
    name                           = "wsstorage-blob-pe"
    private_connection_resource_id = azurerm_storage_account.ws.id
    subresource_names              = ["blob"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "default"
    private_dns_zone_ids = [azurerm_private_dns_zone.zone["blob"].id]
  }
}

resource "azurerm_private_endpoint" "storage_file" {
  name                = "wsstorage-file-pe"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  subnet_id           = local.subnet_ids["pe"]

  private_service_connection {
    name                           = "wsstorage-file-pe"
    private_connection_resource_id = azurerm_storage_account.ws.id
    subresource_names              = ["file"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "default"
    private_dns_zone_ids = [azurerm_private_dns_zone.zone["file"].id]
  }
}

# ---- the jump box --------------------------------------------------------------------------

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
    subnet_id            = local.subnet_ids["AzureBastionSubnet"]
    public_ip_address_id = azurerm_public_ip.bastion.id
  }
}

resource "azurerm_network_interface" "jumpbox" {
  name                = "jumpbox-nic"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name

  ip_configuration {
    name                          = "ipconfig1"
    subnet_id                     = local.subnet_ids["clients"]
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
