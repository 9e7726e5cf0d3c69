# A workspace in the team's own VNet, written with azapi 2.x (HCL object bodies): private
# endpoints and their DNS zone groups as azapi resources, the network from a local module,
# the container registry closed by an update after azurerm created it.

terraform {
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.10"
    }
    azapi = {
      source  = "Azure/azapi"
      version = "~> 2.1"
    }
    random = {
      source = "hashicorp/random"
    }
  }
}

provider "azurerm" {
  features {}
}

variable "location" {
  type    = string
  default = "westeurope"
}

resource "random_id" "suffix" {
  byte_length = 3
}

locals {
  suffix = random_id.suffix.hex
}

resource "azurerm_resource_group" "this" {
  name     = "rg-ds-${local.suffix}"
  location = var.location
}

module "network" {
  source              = "./modules/network"
  name                = "vnet-ds-${local.suffix}"
  resource_group_name = azurerm_resource_group.this.name
  location            = azurerm_resource_group.this.location
  address_space       = "10.40.0.0/16"
  subnets = {
    "snet-training" = { index = 1 }
    "snet-pe"       = { index = 2, private_endpoints = true }
    "snet-jump"     = { index = 3 }
  }
  training_rules = [
    {
      name                       = "AllowAzureMLInbound"
      priority                   = 100
      direction                  = "Inbound"
      access                     = "Allow"
      protocol                   = "Tcp"
      destination_port_range     = "44224"
      source_address_prefix      = "AzureMachineLearning"
      destination_address_prefix = "VirtualNetwork"
    },
    {
      name                       = "DenyInternetOutbound"
      priority                   = 4000
      direction                  = "Outbound"
      access                     = "Deny"
      protocol                   = "*"
      destination_port_range     = "*"
      source_address_prefix      = "VirtualNetwork"
      destination_address_prefix = "Internet"
    },
  ]
}

# The NSG used to be declared here before the network moved into the module.
moved {
  from = azurerm_network_security_group.training
  to   = module.network.azurerm_network_security_group.training
}

resource "azurerm_storage_account" "this" {
  name                          = "stds${local.suffix}"
  resource_group_name           = azurerm_resource_group.this.name
  location                      = azurerm_resource_group.this.location
  account_tier                  = "Standard"
  account_replication_type      = "ZRS"
  public_network_access_enabled = false
}

resource "azurerm_key_vault" "this" {
  name                          = "kv-ds-${local.suffix}"
  resource_group_name           = azurerm_resource_group.this.name
  location                      = azurerm_resource_group.this.location
  tenant_id                     = "72f988bf-86f1-41af-91ab-2d7cd011db47"
  sku_name                      = "standard"
  public_network_access_enabled = false
}

resource "azurerm_application_insights" "this" {
  name                = "appi-ds-${local.suffix}"
  resource_group_name = azurerm_resource_group.this.name
  location            = azurerm_resource_group.this.location
  application_type    = "web"
}

resource "azurerm_container_registry" "this" {
  name                = "crds${local.suffix}"
  resource_group_name = azurerm_resource_group.this.name
  location            = azurerm_resource_group.this.location
  sku                 = "Premium"
  admin_enabled       = false
}

# Closed after creation, keeping trusted Azure services (Azure ML's image builds) allowed.
resource "azapi_update_resource" "registry_private" {
  type        = "Microsoft.ContainerRegistry/registries@2023-07-01"
  resource_id = azurerm_container_registry.this.id
  body = {
    properties = {
      publicNetworkAccess      = "Disabled"
      networkRuleBypassOptions = "AzureServices"
    }
  }
}

resource "azapi_resource" "workspace" {
  type      = "Microsoft.MachineLearningServices/workspaces@2024-10-01"
  name      = "mlw-ds-${local.suffix}"
  parent_id = azurerm_resource_group.this.id
  location  = azurerm_resource_group.this.location

  identity {
    type = "SystemAssigned"
  }

  body = {
    kind = "Default"
    sku  = { name = "Basic", tier = "Basic" }
    properties = {
      storageAccount      = azurerm_storage_account.this.id
      keyVault            = azurerm_key_vault.this.id
      applicationInsights = azurerm_application_insights.this.id
      containerRegistry   = azurerm_container_registry.this.id
      publicNetworkAccess = "Disabled"
      imageBuildCompute   = "cpu-cluster"
    }
  }

  response_export_values = {
    workspace_id = "properties.workspaceId"
  }
}

resource "azapi_resource" "cluster" {
  type      = "Microsoft.MachineLearningServices/workspaces/computes@2024-10-01"
  name      = "cpu-cluster"
  parent_id = azapi_resource.workspace.id
  location  = azurerm_resource_group.this.location
  body = {
    properties = {
      computeType = "AmlCompute"
      properties = {
        vmSize             = "Standard_DS3_v2"
        enableNodePublicIp = false
        subnet             = { id = module.network.subnet_ids["snet-training"] }
        scaleSettings = {
          minNodeCount = 0
          maxNodeCount = 2
        }
      }
    }
  }
}

locals {
  zones = {
    api       = "privatelink.api.azureml.ms"
    notebooks = "privatelink.notebooks.azure.net"
    blob      = "privatelink.blob.core.windows.net"
    file      = "privatelink.file.core.windows.net"
    vault     = "privatelink.vaultcore.azure.net"
    acr       = "privatelink.azurecr.io"
  }
  endpoints = {
    workspace = { target = azapi_resource.workspace.id, group = "amlworkspace", zones = ["api", "notebooks"] }
    blob      = { target = azurerm_storage_account.this.id, group = "blob", zones = ["blob"] }
    file      = { target = azurerm_storage_account.this.id, group = "file", zones = ["file"] }
    vault     = { target = azurerm_key_vault.this.id, group = "vault", zones = ["vault"] }
    registry  = { target = azurerm_container_registry.this.id, group = "registry", zones = ["acr"] }
  }
}

resource "azurerm_private_dns_zone" "this" {
  for_each            = local.zones
  name                = each.value
  resource_group_name = azurerm_resource_group.this.name
}

resource "azurerm_private_dns_zone_virtual_network_link" "this" {
  for_each              = local.zones
  name                  = "link-${each.key}"
  resource_group_name   = azurerm_resource_group.this.name
  private_dns_zone_name = azurerm_private_dns_zone.this[each.key].name
  virtual_network_id    = module.network.vnet_id
}

resource "azapi_resource" "pe" {
  for_each  = local.endpoints
  type      = "Microsoft.Network/privateEndpoints@2023-11-01"
  name      = "pe-${each.key}-${local.suffix}"
  parent_id = azurerm_resource_group.this.id
  location  = azurerm_resource_group.this.location
  body = {
    properties = {
      subnet = { id = module.network.subnet_ids["snet-pe"] }
      privateLinkServiceConnections = [{
        name = "psc-${each.key}"
        properties = {
          privateLinkServiceId = each.value.target
          groupIds             = [each.value.group]
        }
      }]
    }
  }
}

resource "azapi_resource" "pe_dns" {
  for_each  = local.endpoints
  type      = "Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2023-11-01"
  name      = "default"
  parent_id = azapi_resource.pe[each.key].id
  body = {
    properties = {
      privateDnsZoneConfigs = [for z in each.value.zones : {
        name       = replace(local.zones[z], ".", "-")
        properties = { privateDnsZoneId = azurerm_private_dns_zone.this[z].id }
      }]
    }
  }
}

# A jump box for the data scientists, in the same VNet.
resource "azurerm_network_interface" "jump" {
  name                = "nic-jump-${local.suffix}"
  resource_group_name = azurerm_resource_group.this.name
  location            = azurerm_resource_group.this.location
  ip_configuration {
    name                          = "internal"
    subnet_id                     = module.network.subnet_ids["snet-jump"]
    private_ip_address_allocation = "Dynamic"
  }
}

resource "azurerm_windows_virtual_machine" "jump" {
  name                  = "vm-jump"
  resource_group_name   = azurerm_resource_group.this.name
  location              = azurerm_resource_group.this.location
  size                  = "Standard_D2s_v5"
  admin_username        = "azureuser"
  admin_password        = "P@ssw0rd-not-used-1"
  network_interface_ids = [azurerm_network_interface.jump.id]
  os_disk {
    caching              = "ReadWrite"
    storage_account_type = "Premium_LRS"
  }
  source_image_reference {
    publisher = "MicrosoftWindowsDesktop"
    offer     = "Windows-11"
    sku       = "win11-23h2-pro"
    version   = "latest"
  }
}

output "workspace_id" {
  value = azapi_resource.workspace.output.workspace_id
}
