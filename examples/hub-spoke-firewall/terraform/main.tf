# Hub and spoke: a hub VNet with Azure Firewall, a custom DNS server and a VPN gateway to
# on-premises; a spoke VNet with training, scoring and private endpoint subnets whose internet
# traffic goes through the firewall and whose DNS is the hub's server. The privatelink zones are
# linked to the hub, where the DNS server resolves.

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

variable "on_premises_address_space" {
  type    = list(string)
  default = ["192.168.0.0/16"]
}

variable "on_premises_gateway_address" {
  type    = string
  default = "203.0.113.1"
}

variable "vpn_shared_key" {
  type      = string
  sensitive = true
}

variable "dns_server_admin_username" {
  type    = string
  default = "azureuser"
}

variable "dns_server_admin_password" {
  type      = string
  sensitive = true
}

locals {
  spoke_address_space = "10.0.0.0/16"
  dns_server_ip       = "10.100.1.4"

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

  # Network rules of the firewall: the service tags Azure Machine Learning needs.
  service_tag_rules = [
    { name = "entra", protocols = ["TCP"], destinations = ["AzureActiveDirectory"], ports = ["80", "443"] },
    { name = "azureml", protocols = ["TCP"], destinations = ["AzureMachineLearning"], ports = ["443", "8787", "18881"] },
    { name = "azureml-udp", protocols = ["UDP"], destinations = ["AzureMachineLearning"], ports = ["5831"] },
    { name = "batch", protocols = ["Any"], destinations = ["BatchNodeManagement.EastUS"], ports = ["443"] },
    { name = "arm", protocols = ["TCP"], destinations = ["AzureResourceManager"], ports = ["443"] },
    { name = "storage", protocols = ["TCP"], destinations = ["Storage.EastUS"], ports = ["443"] },
    { name = "frontdoor", protocols = ["TCP"], destinations = ["AzureFrontDoor.Frontend", "AzureFrontDoor.FirstParty"], ports = ["443"] },
    { name = "mcr", protocols = ["TCP"], destinations = ["MicrosoftContainerRegistry"], ports = ["443"] },
    { name = "monitor", protocols = ["TCP"], destinations = ["AzureMonitor"], ports = ["443"] },
  ]
}

data "azurerm_client_config" "current" {}

resource "azurerm_resource_group" "rg" {
  name     = "rg-ml-hub-spoke"
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

resource "azurerm_subnet" "dns" {
  name                 = "dns"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.hub.name
  address_prefixes     = ["10.100.1.0/24"]
}

resource "azurerm_subnet" "gateway" {
  name                 = "GatewaySubnet"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.hub.name
  address_prefixes     = ["10.100.255.0/27"]
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
        source_addresses      = [local.spoke_address_space]
        destination_addresses = rule.value.destinations
        destination_ports     = rule.value.ports
      }
    }
  }

  application_rule_collection {
    name     = "packages"
    priority = 200
    action   = "Allow"

    rule {
      name              = "python"
      source_addresses  = [local.spoke_address_space]
      destination_fqdns = ["pypi.org", "*.pythonhosted.org", "anaconda.com", "*.anaconda.com", "*.anaconda.org"]
      protocols {
        type = "Https"
        port = 443
      }
    }

    rule {
      name              = "images"
      source_addresses  = [local.spoke_address_space]
      destination_fqdns = ["mcr.microsoft.com", "*.data.mcr.microsoft.com"]
      protocols {
        type = "Https"
        port = 443
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
}

resource "azurerm_local_network_gateway" "onprem" {
  name                = "onprem"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  gateway_address     = var.on_premises_gateway_address
  address_space       = var.on_premises_address_space
}

resource "azurerm_virtual_network_gateway_connection" "onprem" {
  name                       = "onprem-s2s"
  location                   = azurerm_resource_group.rg.location
  resource_group_name        = azurerm_resource_group.rg.name
  type                       = "IPsec"
  connection_protocol        = "IKEv2"
  virtual_network_gateway_id = azurerm_virtual_network_gateway.vpn.id
  local_network_gateway_id   = azurerm_local_network_gateway.onprem.id
  shared_key                 = var.vpn_shared_key
}

# The hub's DNS server (its forwarding is configured on the VM).
resource "azurerm_network_interface" "dns" {
  name                = "hub-dns-nic"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name

  ip_configuration {
    name                          = "ipconfig1"
    subnet_id                     = azurerm_subnet.dns.id
    private_ip_address_allocation = "Static"
    private_ip_address            = local.dns_server_ip
  }
}

resource "azurerm_linux_virtual_machine" "dns" {
  name                            = "hub-dns"
  location                        = azurerm_resource_group.rg.location
  resource_group_name             = azurerm_resource_group.rg.name
  size                            = "Standard_B2s"
  admin_username                  = var.dns_server_admin_username
  admin_password                  = var.dns_server_admin_password
  disable_password_authentication = false
  network_interface_ids           = [azurerm_network_interface.dns.id]

  os_disk {
    caching              = "ReadWrite"
    storage_account_type = "StandardSSD_LRS"
  }

  source_image_reference {
    publisher = "Canonical"
    offer     = "0001-com-ubuntu-server-jammy"
    sku       = "22_04-lts-gen2"
    version   = "latest"
  }
}

# ---- the spoke -----------------------------------------------------------------------------

resource "azurerm_virtual_network" "spoke" {
  name                = "spoke-vnet"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  address_space       = [local.spoke_address_space]
  dns_servers         = [local.dns_server_ip]
}

resource "azurerm_subnet" "training" {
  name                 = "training"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.spoke.name
  address_prefixes     = ["10.0.1.0/24"]
}

resource "azurerm_subnet" "scoring" {
  name                 = "scoring"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.spoke.name
  address_prefixes     = ["10.0.2.0/24"]
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
  allow_gateway_transit        = true

  depends_on = [azurerm_virtual_network_gateway.vpn]
}

resource "azurerm_virtual_network_peering" "spoke_to_hub" {
  name                         = "spoke-to-hub"
  resource_group_name          = azurerm_resource_group.rg.name
  virtual_network_name         = azurerm_virtual_network.spoke.name
  remote_virtual_network_id    = azurerm_virtual_network.hub.id
  allow_virtual_network_access = true
  allow_forwarded_traffic      = true
  use_remote_gateways          = true

  depends_on = [azurerm_virtual_network_peering.hub_to_spoke]
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

resource "azurerm_subnet_route_table_association" "scoring" {
  subnet_id      = azurerm_subnet.scoring.id
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

resource "azurerm_machine_learning_compute_instance" "alice" {
  name                          = "ci-alice"
  machine_learning_workspace_id = azapi_resource.ws.id
  virtual_machine_size          = "Standard_DS11_v2"
  subnet_resource_id            = azurerm_subnet.training.id
  node_public_ip_enabled        = false

  depends_on = [azurerm_private_endpoint.ws, azurerm_firewall.hub]
}

resource "azurerm_kubernetes_cluster" "scoring" {
  name                = "scoring-aks"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  dns_prefix          = "scoring-aks"

  default_node_pool {
    name           = "system"
    node_count     = 3
    vm_size        = "Standard_D4s_v3"
    vnet_subnet_id = azurerm_subnet.scoring.id
  }

  identity {
    type = "SystemAssigned"
  }

  network_profile {
    network_plugin = "azure"
    outbound_type  = "userDefinedRouting"
    service_cidr   = "172.16.0.0/16"
    dns_service_ip = "172.16.0.10"
  }

  depends_on = [azurerm_subnet_route_table_association.scoring, azurerm_firewall.hub]
}

resource "azurerm_machine_learning_inference_cluster" "scoring" {
  name                          = "scoring-aks"
  location                      = azurerm_resource_group.rg.location
  machine_learning_workspace_id = azapi_resource.ws.id
  kubernetes_cluster_id         = azurerm_kubernetes_cluster.scoring.id
  cluster_purpose               = "FastProd"
}

# ---- private endpoints in the spoke, zones linked to the hub -------------------------------

resource "azurerm_private_dns_zone" "zone" {
  for_each            = local.private_dns_zones
  name                = each.value
  resource_group_name = azurerm_resource_group.rg.name
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
