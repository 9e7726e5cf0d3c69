# A workspace with a managed virtual network in allow only approved outbound mode: FQDN rules for
# Python packages, private endpoint rules to the private registry contosoreg, its storage account
# and its container registry. People connect over point-to-site VPN to a client VNet with private
# endpoints to the workspace, its storage and the registry, and resolve names through a DNS
# private resolver.

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

# The resource group Azure creates for the registry's storage account and container registry
# (azureml-rg-<registry>_<guid>); the rules and endpoints to those two are created once the
# registry exists.
variable "registry_managed_resource_group" {
  type    = string
  default = "azureml-rg-contosoreg_9e4b1f27-6d3a-4c85-b0e2-7f18d5a93c64"
}

variable "vpn_client_address_pool" {
  type    = string
  default = "172.20.0.0/24"
}

locals {
  private_dns_zones = {
    api       = "privatelink.api.azureml.ms"
    notebooks = "privatelink.notebooks.azure.net"
    blob      = "privatelink.blob.core.windows.net"
    file      = "privatelink.file.core.windows.net"
  }

  # Outbound rules of the managed network.
  fqdn_rules = {
    pypi          = "pypi.org"
    pythonhosted  = "*.pythonhosted.org"
    anaconda      = "*.anaconda.com"
    anaconda-apex = "anaconda.com"
    anaconda-org  = "*.anaconda.org"
  }
  private_endpoint_rules = {
    "contosoreg"         = { target = azapi_resource.registry.id, sub = "amlregistry" }
    "contosoreg-storage" = { target = data.azurerm_storage_account.registry.id, sub = "blob" }
    "contosoreg-acr"     = { target = data.azurerm_container_registry.registry.id, sub = "registry" }
  }
}

data "azurerm_client_config" "current" {}

resource "azurerm_resource_group" "rg" {
  name     = "rg-ml-managed-approved-outbound"
  location = var.location
}

# ---- the client network: point-to-site VPN and a DNS private resolver ----------------------

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

resource "azurerm_subnet" "dns_inbound" {
  name                 = "dns-inbound"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.client.name
  address_prefixes     = ["10.1.2.0/28"]

  delegation {
    name = "dnsresolvers"
    service_delegation {
      name    = "Microsoft.Network/dnsResolvers"
      actions = ["Microsoft.Network/virtualNetworks/subnets/join/action"]
    }
  }
}

resource "azurerm_subnet" "pe" {
  name                              = "pe"
  resource_group_name               = azurerm_resource_group.rg.name
  virtual_network_name              = azurerm_virtual_network.client.name
  address_prefixes                  = ["10.1.3.0/24"]
  private_endpoint_network_policies = "Disabled"
}

resource "azurerm_subnet" "gateway" {
  name                 = "GatewaySubnet"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.client.name
  address_prefixes     = ["10.1.255.0/27"]
}

resource "azurerm_public_ip" "vpn" {
  name                = "vpn-gw-pip"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  allocation_method   = "Static"
  sku                 = "Standard"
}

resource "azurerm_virtual_network_gateway" "vpn" {
  name                = "vpn-gw"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  type                = "Vpn"
  vpn_type            = "RouteBased"
  sku                 = "VpnGw1"

  ip_configuration {
    name                          = "default"
    private_ip_address_allocation = "Dynamic"
    subnet_id                     = azurerm_subnet.gateway.id
    public_ip_address_id          = azurerm_public_ip.vpn.id
  }

  vpn_client_configuration {
    address_space        = [var.vpn_client_address_pool]
    vpn_client_protocols = ["OpenVPN"]
    vpn_auth_types       = ["AAD"]
    aad_tenant           = "https://login.microsoftonline.com/${data.azurerm_client_config.current.tenant_id}/"
    aad_audience         = "41b23e61-6c1e-4545-b367-cd054e0ed4b4"
    aad_issuer           = "https://sts.windows.net/${data.azurerm_client_config.current.tenant_id}/"
  }
}

resource "azurerm_private_dns_resolver" "resolver" {
  name                = "resolver"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  virtual_network_id  = azurerm_virtual_network.client.id
}

resource "azurerm_private_dns_resolver_inbound_endpoint" "inbound" {
  name                    = "inbound"
  location                = azurerm_resource_group.rg.location
  private_dns_resolver_id = azurerm_private_dns_resolver.resolver.id

  ip_configurations {
    subnet_id                    = azurerm_subnet.dns_inbound.id
    private_ip_allocation_method = "Static"
    private_ip_address           = "10.1.2.4"
  }
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

# ---- the workspace and its managed network -------------------------------------------------

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
      managedNetwork = {
        isolationMode = "AllowOnlyApprovedOutbound"
      }
    }
  }
}

resource "azapi_resource" "fqdn_rule" {
  for_each  = local.fqdn_rules
  type      = "Microsoft.MachineLearningServices/workspaces/outboundRules@2024-04-01"
  name      = each.key
  parent_id = azapi_resource.ws.id

  body = {
    properties = {
      type        = "FQDN"
      category    = "UserDefined"
      destination = each.value
    }
  }
}

resource "azapi_resource" "private_endpoint_rule" {
  for_each  = local.private_endpoint_rules
  type      = "Microsoft.MachineLearningServices/workspaces/outboundRules@2024-04-01"
  name      = each.key
  parent_id = azapi_resource.ws.id

  body = {
    properties = {
      type     = "PrivateEndpoint"
      category = "UserDefined"
      destination = {
        serviceResourceId = each.value.target
        subresourceTarget = each.value.sub
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
  subnet_id           = azurerm_subnet.pe.id

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
  subnet_id           = azurerm_subnet.pe.id

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
  subnet_id           = azurerm_subnet.pe.id

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

  private_dns_zone_group {
    name                 = "default"
    private_dns_zone_ids = [azurerm_private_dns_zone.zone["blob"].id]
  }
}
