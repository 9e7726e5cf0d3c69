# An AKS cluster attached to the workspace for inference, in a VNet of its own that reaches the
# workspace and its dependencies through private endpoints of its own; the workspace VNet holds
# the compute cluster, the same private endpoints and a jump box reached through Azure Bastion.
# Each VNet has its own copy of the privatelink zones (one resource group each).

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
  name     = "rg-ml-isolated-aks"
  location = var.location
}

# Each VNet resolves privatelink names through its own copy of the zones.
resource "azurerm_resource_group" "main_dns" {
  name     = "main"
  location = var.location
}

resource "azurerm_resource_group" "aks_dns" {
  name     = "aks"
  location = var.location
}

# ---- networks ------------------------------------------------------------------------------

resource "azurerm_virtual_network" "vnet" {
  name                = "vnet"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = ["10.0.0.0/16"]
}

resource "azurerm_subnet" "training" {
  name                 = "training"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.vnet.name
  address_prefixes     = ["10.0.1.0/24"]
}

resource "azurerm_subnet" "pe" {
  name                              = "pe"
  resource_group_name               = azurerm_resource_group.rg.name
  virtual_network_name              = azurerm_virtual_network.vnet.name
  address_prefixes                  = ["10.0.3.0/24"]
  private_endpoint_network_policies = "Disabled"
}

resource "azurerm_subnet" "bastion" {
  name                 = "AzureBastionSubnet"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.vnet.name
  address_prefixes     = ["10.0.4.0/26"]
}

resource "azurerm_subnet" "jumpbox" {
  name                 = "jumpbox"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.vnet.name
  address_prefixes     = ["10.0.5.0/24"]
}

resource "azurerm_virtual_network" "aks" {
  name                = "aks-vnet"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = ["10.2.0.0/16"]
}

resource "azurerm_subnet" "aks" {
  name                 = "aks"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.aks.name
  address_prefixes     = ["10.2.0.0/22"]
}

resource "azurerm_subnet" "aks_pe" {
  name                              = "pe"
  resource_group_name               = azurerm_resource_group.rg.name
  virtual_network_name              = azurerm_virtual_network.aks.name
  address_prefixes                  = ["10.2.8.0/24"]
  private_endpoint_network_policies = "Disabled"
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

resource "azurerm_public_ip" "aks_nat" {
  name                = "aks-nat-pip"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  allocation_method   = "Static"
  sku                 = "Standard"
}

resource "azurerm_nat_gateway" "aks" {
  name                = "aks-nat"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  sku_name            = "Standard"
}

resource "azurerm_nat_gateway_public_ip_association" "aks" {
  nat_gateway_id       = azurerm_nat_gateway.aks.id
  public_ip_address_id = azurerm_public_ip.aks_nat.id
}

resource "azurerm_subnet_nat_gateway_association" "aks" {
  subnet_id      = azurerm_subnet.aks.id
  nat_gateway_id = azurerm_nat_gateway.aks.id
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

  depends_on = [azurerm_private_endpoint.main]
}

# ---- the inference cluster -----------------------------------------------------------------

resource "azurerm_kubernetes_cluster" "scoring" {
  name                = "scoring-aks"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  dns_prefix          = "scoring-aks"

  default_node_pool {
    name           = "system"
    node_count     = 3
    vm_size        = "Standard_D4s_v3"
    vnet_subnet_id = azurerm_subnet.aks.id
  }

  identity {
    type = "SystemAssigned"
  }

  network_profile {
    network_plugin = "azure"
    outbound_type  = "userAssignedNATGateway"
    service_cidr   = "172.16.0.0/16"
    dns_service_ip = "172.16.0.10"
  }

  depends_on = [azurerm_subnet_nat_gateway_association.aks]
}

resource "azurerm_machine_learning_inference_cluster" "scoring" {
  name                          = "scoring-aks"
  location                      = azurerm_resource_group.rg.location
  machine_learning_workspace_id = azapi_resource.ws.id
  kubernetes_cluster_id         = azurerm_kubernetes_cluster.scoring.id
  cluster_purpose               = "FastProd"

  depends_on = [azurerm_private_endpoint.aks]
}

# ---- private endpoints and DNS: the workspace VNet -----------------------------------------

resource "azurerm_private_dns_zone" "main" {
  for_each            = local.private_dns_zones
  name                = each.value
  resource_group_name = azurerm_resource_group.main_dns.name
}

resource "azurerm_private_dns_zone_virtual_network_link" "main" {
  for_each              = local.private_dns_zones
  name                  = "vnet-link"
  resource_group_name   = azurerm_resource_group.main_dns.name
  private_dns_zone_name = azurerm_private_dns_zone.main[each.key].name
  virtual_network_id    = azurerm_virtual_network.vnet.id
  registration_enabled  = false
}

resource "azurerm_private_endpoint" "main" {
  for_each            = local.endpoints
  name                = each.key
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  subnet_id           = azurerm_subnet.pe.id

  private_service_connection {
    name                           = each.key
    private_connection_resource_id = each.value.target
    subresource_names              = [each.value.group]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "default"
    private_dns_zone_ids = [for z in each.value.zones : azurerm_private_dns_zone.main[z].id]
  }
}

# ---- private endpoints and DNS: the AKS VNet -----------------------------------------------

resource "azurerm_private_dns_zone" "aks" {
  for_each            = local.private_dns_zones
  name                = each.value
  resource_group_name = azurerm_resource_group.aks_dns.name
}

resource "azurerm_private_dns_zone_virtual_network_link" "aks" {
  for_each              = local.private_dns_zones
  name                  = "aks-vnet-link"
  resource_group_name   = azurerm_resource_group.aks_dns.name
  private_dns_zone_name = azurerm_private_dns_zone.aks[each.key].name
  virtual_network_id    = azurerm_virtual_network.aks.id
  registration_enabled  = false
}

resource "azurerm_private_endpoint" "aks" {
  for_each            = local.endpoints
  name                = "aks-${each.key}"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  subnet_id           = azurerm_subnet.aks_pe.id

  private_service_connection {
    name                           = "aks-${each.key}"
    private_connection_resource_id = each.value.target
    subresource_names              = [each.value.group]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "default"
    private_dns_zone_ids = [for z in each.value.zones : azurerm_private_dns_zone.aks[z].id]
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
    subnet_id                     = azurerm_subnet.jumpbox.id
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
