//! A generated Terraform configuration: `copies` copies of one isolated Azure ML landing zone
//! (30 resource blocks each), every copy in its own resource group with its own VNet, and its
//! own private DNS zones of the same names as every other copy's, as estates that give each
//! team an isolated network write them. One file, as the largest real configurations are.

use std::fmt::Write;

/// The configuration's header: providers, the shared variables and the zone names.
const HEADER: &str = r#"terraform {
  required_providers {
    azurerm = { source = "hashicorp/azurerm", version = "~> 4.0" }
    azapi   = { source = "Azure/azapi", version = "~> 2.0" }
  }
}

provider "azurerm" {
  features {}
}

variable "location" {
  type    = string
  default = "eastus"
}

variable "admin_password" {
  type      = string
  sensitive = true
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
}

data "azurerm_client_config" "current" {}
"#;

/// One copy; `@K@` is the copy's number, `@NET@` the first three octets of its /24.
const COPY: &str = r#"
resource "azurerm_resource_group" "rg_@K@" {
  name     = "rg-team-@K@"
  location = var.location
}

resource "azurerm_virtual_network" "vnet_@K@" {
  name                = "vnet-@K@"
  location            = var.location
  resource_group_name = azurerm_resource_group.rg_@K@.name
  address_space       = ["@NET@.0/24"]
}

resource "azurerm_subnet" "training_@K@" {
  name                 = "training"
  resource_group_name  = azurerm_resource_group.rg_@K@.name
  virtual_network_name = azurerm_virtual_network.vnet_@K@.name
  address_prefixes     = ["@NET@.0/26"]
}

resource "azurerm_subnet" "pe_@K@" {
  name                 = "pe"
  resource_group_name  = azurerm_resource_group.rg_@K@.name
  virtual_network_name = azurerm_virtual_network.vnet_@K@.name
  address_prefixes     = ["@NET@.64/26"]
}

resource "azurerm_subnet" "bastion_@K@" {
  name                 = "AzureBastionSubnet"
  resource_group_name  = azurerm_resource_group.rg_@K@.name
  virtual_network_name = azurerm_virtual_network.vnet_@K@.name
  address_prefixes     = ["@NET@.128/26"]
}

resource "azurerm_subnet" "jumpbox_@K@" {
  name                 = "jumpbox"
  resource_group_name  = azurerm_resource_group.rg_@K@.name
  virtual_network_name = azurerm_virtual_network.vnet_@K@.name
  address_prefixes     = ["@NET@.192/26"]
}

resource "azurerm_network_security_group" "training_@K@" {
  name                = "training-nsg-@K@"
  location            = var.location
  resource_group_name = azurerm_resource_group.rg_@K@.name

  security_rule {
    name                       = "AzureML"
    priority                   = 100
    direction                  = "Outbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_address_prefix      = "*"
    source_port_range          = "*"
    destination_address_prefix = "AzureMachineLearning"
    destination_port_ranges    = ["443", "8787", "18881"]
  }

  security_rule {
    name                       = "EntraId"
    priority                   = 110
    direction                  = "Outbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_address_prefix      = "*"
    source_port_range          = "*"
    destination_address_prefix = "AzureActiveDirectory"
    destination_port_ranges    = ["80", "443"]
  }

  security_rule {
    name                       = "Storage"
    priority                   = 120
    direction                  = "Outbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_address_prefix      = "*"
    source_port_range          = "*"
    destination_address_prefix = "Storage.EastUS"
    destination_port_range     = "443"
  }
}

resource "azurerm_subnet_network_security_group_association" "training_@K@" {
  subnet_id                 = azurerm_subnet.training_@K@.id
  network_security_group_id = azurerm_network_security_group.training_@K@.id
}

resource "azurerm_public_ip" "nat_@K@" {
  name                = "nat-pip-@K@"
  location            = var.location
  resource_group_name = azurerm_resource_group.rg_@K@.name
  allocation_method   = "Static"
  sku                 = "Standard"
}

resource "azurerm_nat_gateway" "nat_@K@" {
  name                = "nat-@K@"
  location            = var.location
  resource_group_name = azurerm_resource_group.rg_@K@.name
  sku_name            = "Standard"
}

resource "azurerm_nat_gateway_public_ip_association" "nat_@K@" {
  nat_gateway_id       = azurerm_nat_gateway.nat_@K@.id
  public_ip_address_id = azurerm_public_ip.nat_@K@.id
}

resource "azurerm_subnet_nat_gateway_association" "training_@K@" {
  subnet_id      = azurerm_subnet.training_@K@.id
  nat_gateway_id = azurerm_nat_gateway.nat_@K@.id
}

resource "azurerm_storage_account" "st_@K@" {
  name                          = "st@K@"
  location                      = var.location
  resource_group_name           = azurerm_resource_group.rg_@K@.name
  account_tier                  = "Standard"
  account_replication_type      = "LRS"
  public_network_access_enabled = false
}

resource "azurerm_storage_account_network_rules" "st_@K@" {
  storage_account_id = azurerm_storage_account.st_@K@.id
  default_action     = "Deny"
  bypass             = ["AzureServices"]

  private_link_access {
    endpoint_resource_id = azapi_resource.ws_@K@.id
  }
}

resource "azurerm_key_vault" "kv_@K@" {
  name                          = "kv@K@"
  location                      = var.location
  resource_group_name           = azurerm_resource_group.rg_@K@.name
  tenant_id                     = data.azurerm_client_config.current.tenant_id
  sku_name                      = "standard"
  public_network_access_enabled = false

  network_acls {
    default_action = "Deny"
    bypass         = "AzureServices"
  }
}

resource "azurerm_container_registry" "acr_@K@" {
  name                          = "acrzone@K@"
  location                      = var.location
  resource_group_name           = azurerm_resource_group.rg_@K@.name
  sku                           = "Premium"
  public_network_access_enabled = false
}

resource "azapi_resource" "ws_@K@" {
  type      = "Microsoft.MachineLearningServices/workspaces@2024-04-01"
  name      = "ws@K@"
  parent_id = azurerm_resource_group.rg_@K@.id
  location  = var.location

  identity {
    type = "SystemAssigned"
  }

  body = {
    properties = {
      storageAccount      = azurerm_storage_account.st_@K@.id
      keyVault            = azurerm_key_vault.kv_@K@.id
      containerRegistry   = azurerm_container_registry.acr_@K@.id
      publicNetworkAccess = "Disabled"
      imageBuildCompute   = "cpu@K@"
    }
  }
}

resource "azurerm_machine_learning_compute_cluster" "cpu_@K@" {
  name                          = "cpu@K@"
  location                      = var.location
  machine_learning_workspace_id = azapi_resource.ws_@K@.id
  vm_priority                   = "Dedicated"
  vm_size                       = "Standard_DS3_v2"
  subnet_resource_id            = azurerm_subnet.training_@K@.id
  node_public_ip_enabled        = false

  scale_settings {
    min_node_count                       = 0
    max_node_count                       = 4
    scale_down_nodes_after_idle_duration = "PT120S"
  }
}

resource "azurerm_machine_learning_compute_instance" "ci_@K@" {
  name                          = "ci@K@"
  machine_learning_workspace_id = azapi_resource.ws_@K@.id
  virtual_machine_size          = "Standard_DS11_v2"
  subnet_resource_id            = azurerm_subnet.training_@K@.id
  node_public_ip_enabled        = false
}

resource "azurerm_private_dns_zone" "zone_@K@" {
  for_each            = local.zones
  name                = each.value
  resource_group_name = azurerm_resource_group.rg_@K@.name
}

resource "azurerm_private_dns_zone_virtual_network_link" "link_@K@" {
  for_each              = local.zones
  name                  = "vnet-@K@"
  resource_group_name   = azurerm_resource_group.rg_@K@.name
  private_dns_zone_name = azurerm_private_dns_zone.zone_@K@[each.key].name
  virtual_network_id    = azurerm_virtual_network.vnet_@K@.id
}

resource "azurerm_private_endpoint" "ws_@K@" {
  name                = "ws@K@-pe"
  location            = var.location
  resource_group_name = azurerm_resource_group.rg_@K@.name
  subnet_id           = azurerm_subnet.pe_@K@.id

  private_service_connection {
    name                           = "ws@K@-pe"
    private_connection_resource_id = azapi_resource.ws_@K@.id
    subresource_names              = ["amlworkspace"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "default"
    private_dns_zone_ids = [azurerm_private_dns_zone.zone_@K@["api"].id, azurerm_private_dns_zone.zone_@K@["notebooks"].id]
  }
}

resource "azurerm_private_endpoint" "blob_@K@" {
  name                = "st@K@-blob-pe"
  location            = var.location
  resource_group_name = azurerm_resource_group.rg_@K@.name
  subnet_id           = azurerm_subnet.pe_@K@.id

  private_service_connection {
    name                           = "st@K@-blob-pe"
    private_connection_resource_id = azurerm_storage_account.st_@K@.id
    subresource_names              = ["blob"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "default"
    private_dns_zone_ids = [azurerm_private_dns_zone.zone_@K@["blob"].id]
  }
}

resource "azurerm_private_endpoint" "file_@K@" {
  name                = "st@K@-file-pe"
  location            = var.location
  resource_group_name = azurerm_resource_group.rg_@K@.name
  subnet_id           = azurerm_subnet.pe_@K@.id

  private_service_connection {
    name                           = "st@K@-file-pe"
    private_connection_resource_id = azurerm_storage_account.st_@K@.id
    subresource_names              = ["file"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "default"
    private_dns_zone_ids = [azurerm_private_dns_zone.zone_@K@["file"].id]
  }
}

resource "azurerm_private_endpoint" "kv_@K@" {
  name                = "kv@K@-pe"
  location            = var.location
  resource_group_name = azurerm_resource_group.rg_@K@.name
  subnet_id           = azurerm_subnet.pe_@K@.id

  private_service_connection {
    name                           = "kv@K@-pe"
    private_connection_resource_id = azurerm_key_vault.kv_@K@.id
    subresource_names              = ["vault"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "default"
    private_dns_zone_ids = [azurerm_private_dns_zone.zone_@K@["vault"].id]
  }
}

resource "azurerm_private_endpoint" "acr_@K@" {
  name                = "acr@K@-pe"
  location            = var.location
  resource_group_name = azurerm_resource_group.rg_@K@.name
  subnet_id           = azurerm_subnet.pe_@K@.id

  private_service_connection {
    name                           = "acr@K@-pe"
    private_connection_resource_id = azurerm_container_registry.acr_@K@.id
    subresource_names              = ["registry"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "default"
    private_dns_zone_ids = [azurerm_private_dns_zone.zone_@K@["acr"].id]
  }
}

resource "azurerm_public_ip" "bastion_@K@" {
  name                = "bastion-pip-@K@"
  location            = var.location
  resource_group_name = azurerm_resource_group.rg_@K@.name
  allocation_method   = "Static"
  sku                 = "Standard"
}

resource "azurerm_bastion_host" "bastion_@K@" {
  name                = "bastion-@K@"
  location            = var.location
  resource_group_name = azurerm_resource_group.rg_@K@.name

  ip_configuration {
    name                 = "ipconfig"
    subnet_id            = azurerm_subnet.bastion_@K@.id
    public_ip_address_id = azurerm_public_ip.bastion_@K@.id
  }
}

resource "azurerm_network_interface" "jumpbox_@K@" {
  name                = "jumpbox-nic-@K@"
  location            = var.location
  resource_group_name = azurerm_resource_group.rg_@K@.name

  ip_configuration {
    name                          = "ipconfig"
    subnet_id                     = azurerm_subnet.jumpbox_@K@.id
    private_ip_address_allocation = "Dynamic"
  }
}

resource "azurerm_windows_virtual_machine" "jumpbox_@K@" {
  name                  = "jumpbox-@K@"
  location              = var.location
  resource_group_name   = azurerm_resource_group.rg_@K@.name
  size                  = "Standard_D2s_v3"
  admin_username        = "azureuser"
  admin_password        = var.admin_password
  network_interface_ids = [azurerm_network_interface.jumpbox_@K@.id]

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
"#;

/// Resource blocks in one copy.
pub const RESOURCES_PER_COPY: usize = 30;

/// Writes `copies` copies as one Terraform file (copy k in 10.{16 + k/256}.{k%256}.0/24, so up
/// to 4,096 copies have distinct address spaces).
pub fn terraform_estate(copies: usize) -> String {
    let mut o = String::with_capacity(HEADER.len() + copies * (COPY.len() + 512));
    o.push_str(HEADER);
    for k in 0..copies {
        let net = format!("10.{}.{}", 16 + k / 256, k % 256);
        let _ = write!(
            o,
            "{}",
            COPY.replace("@K@", &k.to_string()).replace("@NET@", &net)
        );
    }
    o
}
