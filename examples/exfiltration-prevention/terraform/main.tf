# Data exfiltration prevention: the training subnet of the spoke has a Microsoft.Storage service
# endpoint with a service endpoint policy that allows only the workspace's storage account and
# the Azure Machine Learning managed storage accounts; its internet traffic goes through a hub
# firewall that allows service tags without Storage and narrows Azure Front Door to FQDNs. A jump
# box in the hub is reached through Azure Bastion.

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
  training_prefix = "10.0.1.0/24"

  private_dns_zones = {
    api       = "privatelink.api.azureml.ms"
    notebooks = "privatelink.notebooks.azure.net"
    blob      = "privatelink.blob.core.windows.net"
    file      = "privatelink.file.core.windows.net"
    vault     = "privatelink.vaultcore.azure.net"
    acr       = "privatelink.azurecr.io"
  }

  endpoints = {
    "ws-pe"             = { target = azapi_resource.ws.id, group = "amlworkspace", zones = ["api", "notebooks"] }
    "wsstorage-blob-pe" = { target = azurerm_storage_account.ws.id, group = "blob", zones = ["blob"] }
    "wsstorage-file-pe" = { target = azurerm_storage_account.ws.id, group = "file", zones = ["file"] }
    "wskv-pe"           = { target = azurerm_key_vault.ws.id, group = "vault", zones = ["vault"] }
    "wsacr-pe"          = { target = azurerm_container_registry.ws.id, group = "registry", zones = ["acr"] }
  }

  # Network rules of the firewall: service tags, without Storage (storage goes through the
  # service endpoint and its policy) and with Front Door narrowed to its first-party tag.
  service_tag_rules = [
    { name = "entra", protocols = ["TCP"], destinations = ["AzureActiveDirectory"], ports = ["80", "443"] },
    { name = "arm", protocols = ["TCP"], destinations = ["AzureResourceManager"], ports = ["443"] },
    { name = "batch", protocols = ["Any"], destinations = ["BatchNodeManagement.EastUS"], ports = ["443"] },
    { name = "azureml", protocols = ["TCP"], destinations = ["AzureMachineLearning"], ports = ["443"] },
    { name = "azureml-udp", protocols = ["UDP"], destinations = ["AzureMachineLearning"], ports = ["5831"] },
    { name = "mcr", protocols = ["TCP"], destinations = ["MicrosoftContainerRegistry.EastUS", "AzureFrontDoor.FirstParty"], ports = ["443"] },
  ]

  # Application rules: studio and the AutoML CDN, Batch, images and Python packages.
  fqdn_rules = [
    { name = "frontdoor-fqdns", fqdns = ["ml.azure.com", "automlresources-prod-d0eaehh7g8andvav.b02.azurefd.net"] },
    { name = "batch", fqdns = ["*.eastus.batch.azure.com", "*.eastus.service.batch.azure.com"] },
    { name = "images", fqdns = ["mcr.microsoft.com", "*.data.mcr.microsoft.com"] },
    { name = "python-packages", fqdns = ["pypi.org", "*.pythonhosted.org", "anaconda.com", "*.anaconda.com", "*.anaconda.org"] },
  ]
}

data "azurerm_client_config" "current" {}

resource "azurerm_resource_group" "rg" {
  name     = "rg-ml-exfiltration-prevention"
  location = var.location
}

# ---- the hub -------------------------------------------------------------------------------

resource "azurerm_virtual_network" "hub" {
  name                = "hub-vnet"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = ["10.100.0.0/16"]
}

resource "azurerm_subnet" "firewall" {
  name                 = "AzureFirewallSubnet"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.hub.name
  address_prefixes     = ["10.100.0.0/26"]
}

resource "azurerm_subnet" "bastion" {
  name                 = "AzureBastionSubnet"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.hub.name
  address_prefixes     = ["10.100.2.0/26"]
}

resource "azurerm_subnet" "jumpbox" {
  name                 = "jumpbox"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.hub.name
  address_prefixes     = ["10.100.3.0/24"]
}

resource "azurerm_public_ip" "firewall" {
  name                = "fw-pip"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  allocation_method   = "Static"
  sku                 = "Standard"
}

resource "azurerm_firewall_policy" "policy" {
  name                     = "fw-policy"
  location                 = azurerm_resource_group.rg.location
  resource_group_name      = azurerm_resource_group.rg.name
  sku                      = "Standard"
  threat_intelligence_mode = "Alert"
}

resource "azurerm_firewall_policy_rule_collection_group" "azureml" {
  name               = "azureml"
  firewall_policy_id = azurerm_firewall_policy.policy.id
  priority           = 100

  network_rule_collection {
    name     = "aml-service-tags"
    priority = 100
    action   = "Allow"

    dynamic "rule" {
      for_each = local.service_tag_rules
      content {
        name                  = rule.value.name
        protocols             = rule.value.protocols
        source_addresses      = [local.training_prefix]
        destination_addresses = rule.value.destinations
        destination_ports     = rule.value.ports
      }
    }
  }

  application_rule_collection {
    name     = "studio-and-images"
    priority = 200
    action   = "Allow"

    dynamic "rule" {
      for_each = local.fqdn_rules
      content {
        name              = rule.value.name
        source_addresses  = [local.training_prefix]
        destination_fqdns = rule.value.fqdns
        protocols {
          type = "Https"
          port = 443
        }
      }
    }
  }
}

resource "azurerm_firewall" "hub" {
  name                = "hub-fw"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  sku_name            = "AZFW_VNet"
  sku_tier            = "Standard"
  firewall_policy_id  = azurerm_firewall_policy.policy.id

  ip_configuration {
    name                 = "fw-ipconfig"
    subnet_id            = azurerm_subnet.firewall.id
    public_ip_address_id = azurerm_public_ip.firewall.id
  }
}

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

# ---- the spoke -----------------------------------------------------------------------------

resource "azurerm_virtual_network" "spoke" {
  name                = "spoke-vnet"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = ["10.0.0.0/16"]
}

# Storage traffic of the training subnet takes the service endpoint, and the policy lets it
# reach only the workspace's storage account and the Azure ML managed storage accounts.
resource "azurerm_subnet_service_endpoint_storage_policy" "aml" {
  name                = "aml-storage-policy"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name

  definition {
    name              = "workspace-storage"
    service           = "Microsoft.Storage"
    service_resources = [azurerm_storage_account.ws.id]
  }

  definition {
    name              = "azureml-managed-storage"
    service           = "Global"
    service_resources = ["/services/Azure/MachineLearning"]
  }
}

resource "azurerm_subnet" "training" {
  name                        = "training"
  resource_group_name         = azurerm_resource_group.rg.name
  virtual_network_name        = azurerm_virtual_network.spoke.name
  address_prefixes            = [local.training_prefix]
  service_endpoints           = ["Microsoft.Storage"]
  service_endpoint_policy_ids = [azurerm_subnet_service_endpoint_storage_policy.aml.id]
}

resource "azurerm_subnet" "pe" {
  name                              = "pe"
  resource_group_name               = azurerm_resource_group.rg.name
  virtual_network_name              = azurerm_virtual_network.spoke.name
  address_prefixes                  = ["10.0.3.0/24"]
  private_endpoint_network_policies = "Disabled"
}

resource "azurerm_virtual_network_peering" "hub_to_spoke" {
  name                         = "hub-to-spoke"
  resource_group_name          = azurerm_resource_group.rg.name
  virtual_network_name         = azurerm_virtual_network.hub.name
  remote_virtual_network_id    = azurerm_virtual_network.spoke.id
  allow_virtual_network_access = true
  allow_forwarded_traffic      = true
}

resource "azurerm_virtual_network_peering" "spoke_to_hub" {
  name                         = "spoke-to-hub"
  resource_group_name          = azurerm_resource_group.rg.name
  virtual_network_name         = azurerm_virtual_network.spoke.name
  remote_virtual_network_id    = azurerm_virtual_network.hub.id
  allow_virtual_network_access = true
  allow_forwarded_traffic      = true
}

resource "azurerm_route_table" "spoke" {
  name                          = "spoke-rt"
  location                      = azurerm_resource_group.rg.location
  resource_group_name           = azurerm_resource_group.rg.name
  bgp_route_propagation_enabled = true

  route {
    name                   = "to-firewall"
    address_prefix         = "0.0.0.0/0"
    next_hop_type          = "VirtualAppliance"
    next_hop_in_ip_address = azurerm_firewall.hub.ip_configuration[0].private_ip_address
  }
}

resource "azurerm_subnet_route_table_association" "training" {
  subnet_id      = azurerm_subnet.training.id
  route_table_id = azurerm_route_table.spoke.id
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

  security_rule {
    name                       = "Storage"
    priority                   = 100
    direction                  = "Outbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_address_prefix      = "*"
    source_port_range          = "*"
    destination_address_prefix = "Storage.EastUS"
    destination_port_range     = "443"
  }
}

resource "azurerm_subnet_network_security_group_association" "training" {
  subnet_id                 = azurerm_subnet.training.id
  network_security_group_id = azurerm_network_security_group.training.id
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
    max_node_count                       = 8
    scale_down_nodes_after_idle_duration = "PT120S"
  }

  depends_on = [azurerm_private_endpoint.ws, azurerm_firewall.hub]
}

# ---- private endpoints in the spoke, zones linked to both VNets ----------------------------

resource "azurerm_private_dns_zone" "zone" {
  for_each            = local.private_dns_zones
  name                = each.value
  resource_group_name = azurerm_resource_group.rg.name
}

resource "azurerm_private_dns_zone_virtual_network_link" "spoke" {
  for_each              = local.private_dns_zones
  name                  = "spoke-vnet-link"
  resource_group_name   = azurerm_resource_group.rg.name
  private_dns_zone_name = azurerm_private_dns_zone.zone[each.key].name
  virtual_network_id    = azurerm_virtual_network.spoke.id
  registration_enabled  = false
}

resource "azurerm_private_dns_zone_virtual_network_link" "hub" {
  for_each              = local.private_dns_zones
  name                  = "hub-vnet-link"
  resource_group_name   = azurerm_resource_group.rg.name
  private_dns_zone_name = azurerm_private_dns_zone.zone[each.key].name
  virtual_network_id    = azurerm_virtual_network.hub.id
  registration_enabled  = false
}

resource "azurerm_private_endpoint" "ws" {
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
    private_dns_zone_ids = [for z in each.value.zones : azurerm_private_dns_zone.zone[z].id]
  }
}
