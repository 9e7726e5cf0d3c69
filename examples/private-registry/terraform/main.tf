# A secure workspace (private endpoints for the workspace, its storage, key vault and container
# registry; a compute cluster without public IPs behind an NSG and a NAT gateway) using the
# private registry contosoreg through private endpoints to the registry, its storage account and
# its container registry, and a jump box reached through Azure Bastion.

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

variable "resource_group_name" {
  type    = string
  default = "rg-ml-private-registry"
}

# The resource group Azure creates for the registry's storage account and container registry
# (azureml-rg-<registry>_<guid>); the endpoints to those two are created once the registry exists.
variable "registry_managed_resource_group" {
  type    = string
  default = "azureml-rg-contosoreg_5c0d7e2a-41b9-4f63-8e1d-a27c93b6f054"
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

  # Outbound rules of the training subnet: the custom-VNet requirements; the registry, its
  # storage and its container registry are reached through private endpoints.
  training_outbound = [
    { name = "EntraId", priority = 100, protocol = "Tcp", destination = "AzureActiveDirectory", ports = ["80", "443"] },
    { name = "AzureML", priority = 110, protocol = "Tcp", destination = "AzureMachineLearning", ports = ["443", "8787", "18881"] },
    { name = "AzureMLUdp", priority = 120, protocol = "Udp", destination = "AzureMachineLearning", ports = ["5831"] },
    { name = "BatchNode", priority = 130, protocol = "*", destination = "BatchNodeManagement.EastUS", ports = ["443"] },
    { name = "Arm", priority = 140, protocol = "Tcp", destination = "AzureResourceManager", ports = ["443"] },
    { name = "Storage", priority = 150, protocol = "Tcp", destination = "Storage.EastUS", ports = ["443"] },
    { name = "FrontDoor", priority = 160, protocol = "Tcp", destination = "AzureFrontDoor.Frontend", ports = ["443"] },
    { name = "Mcr", priority = 170, protocol = "Tcp", destination = "MicrosoftContainerRegistry.EastUS", ports = ["443"] },
    { name = "FrontDoorFirstParty", priority = 175, protocol = "Tcp", destination = "AzureFrontDoor.FirstParty", ports = ["443"] },
    { name = "Monitor", priority = 190, protocol = "Tcp", destination = "AzureMonitor", ports = ["443"] },
    { name = "PrivateEndpoints", priority = 200, protocol = "Tcp", destination = "VirtualNetwork", ports = ["443", "445"] },
  ]
}

data "azurerm_client_config" "current" {}

resource "azurerm_resource_group" "rg" {
  name     = var.resource_group_name
  location = var.location
}

# ---- network -------------------------------------------------------------------------------

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

resource "azurerm_network_security_group" "training" {
  name                = "training-nsg"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name

  security_rule {
    name                       = "BatchNodeInbound"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_address_prefix      = "VirtualNetwork"
    source_port_range          = "*"
    destination_address_prefix = "VirtualNetwork"
    destination_port_range     = "29876-29877"
  }

  security_rule {
    name                       = "AmlLoadBalancerInbound"
    priority                   = 110
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_address_prefix      = "AzureLoadBalancer"
    source_port_range          = "*"
    destination_address_prefix = "VirtualNetwork"
    destination_port_range     = "44224"
  }

  dynamic "security_rule" {
    for_each = local.training_outbound
    content {
      name                       = security_rule.value.name
      priority                   = security_rule.value.priority
      direction                  = "Outbound"
      access                     = "Allow"
      protocol                   = security_rule.value.protocol
      source_address_prefix      = "*"
      source_port_range          = "*"
      destination_address_prefix = security_rule.value.destination
      destination_port_ranges    = security_rule.value.ports
    }
  }
}

resource "azurerm_subnet_network_security_group_association" "training" {
  subnet_id                 = azurerm_subnet.training.id
  network_security_group_id = azurerm_network_security_group.training.id
}

resource "azurerm_public_ip" "nat" {
  name                = "nat-pip"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  allocation_method   = "Static"
  sku                 = "Standard"
}

resource "azurerm_nat_gateway" "nat" {
  name                    = "nat"
  location                = azurerm_resource_group.rg.location
  resource_group_name     = azurerm_resource_group.rg.name
  sku_name                = "Standard"
  idle_timeout_in_minutes = 4
}

resource "azurerm_nat_gateway_public_ip_association" "nat" {
  nat_gateway_id       = azurerm_nat_gateway.nat.id
  public_ip_address_id = azurerm_public_ip.nat.id
}

resource "azurerm_subnet_nat_gateway_association" "training" {
  subnet_id      = azurerm_subnet.training.id
  nat_gateway_id = azurerm_nat_gateway.nat.id
}

# ---- the registry --------------------------------------------------------------------------

# azurerm has no Azure Machine Learning registry resource.
resource "azapi_resource" "registry" {
  type      = "Microsoft.MachineLearningServices/registries@2024-04-01"
  name      = "contosoreg"
  parent_id = azurerm_resource_group.rg.id
  location  = azurerm_resource_group.rg.location

  identity {
    type = "SystemAssigned"
  }

  body = {
    properties = {
      publicNetworkAccess = "Disabled"
      regionDetails = [
        {
          location = azurerm_resource_group.rg.location
          storageAccountDetails = [
            {
              systemCreatedStorageAccount = {
                storageAccountName       = "contosoregsa"
                storageAccountType       = "Standard_LRS"
                storageAccountHnsEnabled = false
                allowBlobPublicAccess    = false
              }
            }
          ]
          acrDetails = [
            {
              systemCreatedAcrAccount = {
                acrAccountName = "contosoregacr"
                acrAccountSku  = "Premium"
              }
            }
          ]
        }
      ]
    }
  }
}

# The storage account and container registry Azure created for the registry.
data "azurerm_storage_account" "registry" {
  name                = "contosoregsa"
  resource_group_name = var.registry_managed_resource_group
  depends_on          = [azapi_resource.registry]
}

data "azurerm_container_registry" "registry" {
  name                = "contosoregacr"
  resource_group_name = var.registry_managed_resource_group
  depends_on          = [azapi_resource.registry]
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
  public_network_access_enabled   = true
}

# Selected networks only: trusted Azure services, and the workspace and the registry by their
# identities (so models can be shared to the registry).
resource "azurerm_storage_account_network_rules" "ws" {
  storage_account_id = azurerm_storage_account.ws.id
  default_action     = "Deny"
  bypass             = ["AzureServices"]

  private_link_access {
    endpoint_resource_id = azurerm_machine_learning_workspace.ws.id
    endpoint_tenant_id   = data.azurerm_client_config.current.tenant_id
  }

  private_link_access {
    endpoint_resource_id = azapi_resource.registry.id
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

  network_acls {
    default_action = "Deny"
    bypass         = "AzureServices"
  }
}

resource "azurerm_container_registry" "ws" {
  name                          = "wsacr"
  location                      = azurerm_resource_group.rg.location
  resource_group_name           = azurerm_resource_group.rg.name
  sku                           = "Premium"
  admin_enabled                 = false
  public_network_access_enabled = false
  network_rule_bypass_option    = "AzureServices"

  network_rule_set {
    default_action = "Deny"
  }
}

resource "azurerm_log_analytics_workspace" "ws" {
  name                = "wslogs"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  sku                 = "PerGB2018"
  retention_in_days   = 30
}

resource "azurerm_application_insights" "ws" {
  name                = "wsappi"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  workspace_id        = azurerm_log_analytics_workspace.ws.id
  application_type    = "web"
}

resource "azurerm_machine_learning_workspace" "ws" {
  name                          = "ws"
  friendly_name                 = "ws"
  location                      = azurerm_resource_group.rg.location
  resource_group_name           = azurerm_resource_group.rg.name
  storage_account_id            = azurerm_storage_account.ws.id
  key_vault_id                  = azurerm_key_vault.ws.id
  container_registry_id         = azurerm_container_registry.ws.id
  application_insights_id       = azurerm_application_insights.ws.id
  public_network_access_enabled = false
  image_build_compute_name      = "cpu-cluster"

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_machine_learning_compute_cluster" "cpu" {
  name                          = "cpu-cluster"
  location                      = azurerm_resource_group.rg.location
  machine_learning_workspace_id = azurerm_machine_learning_workspace.ws.id
  vm_priority                   = "Dedicated"
  vm_size                       = "Standard_DS3_v2"
  subnet_resource_id            = azurerm_subnet.training.id
  node_public_ip_enabled        = false

  scale_settings {
    min_node_count                       = 0
    max_node_count                       = 4
    scale_down_nodes_after_idle_duration = "PT120S"
  }

  depends_on = [azurerm_private_endpoint.ws]
}

# ---- private endpoints and DNS -------------------------------------------------------------

resource "azurerm_private_dns_zone" "zone" {
  for_each            = local.private_dns_zones
  name                = each.value
  resource_group_name = azurerm_resource_group.rg.name
}

resource "azurerm_private_dns_zone_virtual_network_link" "vnet" {
  for_each              = local.private_dns_zones
  name                  = "vnet-link"
  resource_group_name   = azurerm_resource_group.rg.name
  private_dns_zone_name = azurerm_private_dns_zone.zone[each.key].name
  virtual_network_id    = azurerm_virtual_network.vnet.id
  registration_enabled  = false
}

resource "azurerm_private_endpoint" "ws" {
  name                = "ws-pe"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  subnet_id           = azurerm_subnet.pe.id

  private_service_connection {
    name                           = "ws-pe"
    private_connection_resource_id = azurerm_machine_learning_workspace.ws.id
    subresource_names              = ["amlworkspace"]
    is_manual_connection           = false
  }

  ip_configuration {
    name               = "ws-pe-ip"
    private_ip_address = "10.0.3.4"
    subresource_name   = "amlworkspace"
    member_name        = "default"
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
  subnet_id           = azurerm_subnet.pe.id

  private_service_connection {
    name                           = "wsstorage-blob-pe"
    private_connection_resource_id = azurerm_storage_account.ws.id
    subresource_names              = ["blob"]
    is_manual_connection           = false
  }

  ip_configuration {
    name               = "wsstorage-blob-pe-ip"
    private_ip_address = "10.0.3.5"
    subresource_name   = "blob"
    member_name        = "blob"
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
  subnet_id           = azurerm_subnet.pe.id

  private_service_connection {
    name                           = "wsstorage-file-pe"
    private_connection_resource_id = azurerm_storage_account.ws.id
    subresource_names              = ["file"]
    is_manual_connection           = false
  }

  ip_configuration {
    name               = "wsstorage-file-pe-ip"
    private_ip_address = "10.0.3.6"
    subresource_name   = "file"
    member_name        = "file"
  }

  private_dns_zone_group {
    name                 = "default"
    private_dns_zone_ids = [azurerm_private_dns_zone.zone["file"].id]
  }
}

resource "azurerm_private_endpoint" "key_vault" {
  name                = "wskv-pe"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  subnet_id           = azurerm_subnet.pe.id

  private_service_connection {
    name                           = "wskv-pe"
    private_connection_resource_id = azurerm_key_vault.ws.id
    subresource_names              = ["vault"]
    is_manual_connection           = false
  }

  ip_configuration {
    name               = "wskv-pe-ip"
    private_ip_address = "10.0.3.7"
    subresource_name   = "vault"
    member_name        = "default"
  }

  private_dns_zone_group {
    name                 = "default"
    private_dns_zone_ids = [azurerm_private_dns_zone.zone["vault"].id]
  }
}

resource "azurerm_private_endpoint" "acr" {
  name                = "wsacr-pe"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  subnet_id           = azurerm_subnet.pe.id

  private_service_connection {
    name                           = "wsacr-pe"
    private_connection_resource_id = azurerm_container_registry.ws.id
    subresource_names              = ["registry"]
    is_manual_connection           = false
  }

  ip_configuration {
    name               = "wsacr-pe-ip"
    private_ip_address = "10.0.3.8"
    subresource_name   = "registry"
    member_name        = "registry"
  }

  private_dns_zone_group {
    name                 = "default"
    private_dns_zone_ids = [azurerm_private_dns_zone.zone["acr"].id]
  }
}

resource "azurerm_private_endpoint" "registry" {
  name                = "contosoreg-pe"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  subnet_id           = azurerm_subnet.pe.id

  private_service_connection {
    name                           = "contosoreg-pe"
    private_connection_resource_id = azapi_resource.registry.id
    subresource_names              = ["amlregistry"]
    is_manual_connection           = false
  }

  ip_configuration {
    name               = "contosoreg-pe-ip"
    private_ip_address = "10.0.3.9"
    subresource_name   = "amlregistry"
    member_name        = "default"
  }

  private_dns_zone_group {
    name                 = "default"
    private_dns_zone_ids = [azurerm_private_dns_zone.zone["api"].id]
  }
}

resource "azurerm_private_endpoint" "registry_storage" {
  name                = "contosoreg-storage-pe"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  subnet_id           = azurerm_subnet.pe.id

  private_service_connection {
    name                           = "contosoreg-storage-pe"
    private_connection_resource_id = data.azurerm_storage_account.registry.id
    subresource_names              = ["blob"]
    is_manual_connection           = false
  }

  ip_configuration {
    name               = "contosoreg-storage-pe-ip"
    private_ip_address = "10.0.3.10"
    subresource_name   = "blob"
    member_name        = "blob"
  }

  private_dns_zone_group {
    name                 = "default"
    private_dns_zone_ids = [azurerm_private_dns_zone.zone["blob"].id]
  }
}

resource "azurerm_private_endpoint" "registry_acr" {
  name                = "contosoreg-acr-pe"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  subnet_id           = azurerm_subnet.pe.id

  private_service_connection {
    name                           = "contosoreg-acr-pe"
    private_connection_resource_id = data.azurerm_container_registry.registry.id
    subresource_names              = ["registry"]
    is_manual_connection           = false
  }

  ip_configuration {
    name               = "contosoreg-acr-pe-ip"
    private_ip_address = "10.0.3.11"
    subresource_name   = "registry"
    member_name        = "registry"
  }

  private_dns_zone_group {
    name                 = "default"
    private_dns_zone_ids = [azurerm_private_dns_zone.zone["acr"].id]
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
    private_ip_address_allocation = "Static"
    private_ip_address            = "10.0.5.4"
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
