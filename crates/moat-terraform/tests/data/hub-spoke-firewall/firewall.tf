resource "azurerm_public_ip" "fw" {
  name                = "pip-fw-${var.workload}"
  location            = azurerm_resource_group.hub.location
  resource_group_name = azurerm_resource_group.hub.name
  allocation_method   = "Static"
  sku                 = "Standard"
}

resource "azurerm_firewall_policy" "hub" {
  name                = "afwp-${var.workload}"
  location            = azurerm_resource_group.hub.location
  resource_group_name = azurerm_resource_group.hub.name

  dns {
    proxy_enabled = true
    servers       = var.upstream_dns
  }
}

resource "azurerm_firewall" "hub" {
  name                = "afw-${var.workload}"
  location            = azurerm_resource_group.hub.location
  resource_group_name = azurerm_resource_group.hub.name
  sku_name            = "AZFW_VNet"
  sku_tier            = "Standard"
  firewall_policy_id  = azurerm_firewall_policy.hub.id

  ip_configuration {
    name                 = "fw-ipconfig"
    subnet_id            = azurerm_subnet.firewall.id
    public_ip_address_id = azurerm_public_ip.fw.id
  }
}

locals {
  # Service tags the training subnet needs, written per port set.
  tag_rules = {
    aad       = { tags = ["AzureActiveDirectory"], ports = ["80", "443"], protocols = ["TCP"] }
    aml       = { tags = ["AzureMachineLearning"], ports = ["443", "18881"], protocols = ["TCP"] }
    aml-udp   = { tags = ["AzureMachineLearning"], ports = ["5831"], protocols = ["UDP"] }
    platform  = { tags = ["BatchNodeManagement.${var.location}", "AzureResourceManager", "AzureMonitor"], ports = ["443"], protocols = ["TCP"] }
    data      = { tags = ["Storage.${var.location}", "AzureKeyVault.${var.location}"], ports = ["443"], protocols = ["TCP"] }
    images    = { tags = ["MicrosoftContainerRegistry.${var.location}", "AzureFrontDoor.FirstParty", "AzureContainerRegistry.${var.location}"], ports = ["443"], protocols = ["TCP"] }
    frontdoor = { tags = ["AzureFrontDoor.FrontEnd"], ports = ["443"], protocols = ["TCP"] }
  }
}

resource "azurerm_firewall_policy_rule_collection_group" "ml" {
  name               = "rcg-azureml"
  firewall_policy_id = azurerm_firewall_policy.hub.id
  priority           = 200

  network_rule_collection {
    name     = "azureml-service-tags"
    priority = 100
    action   = "Allow"

    dynamic "rule" {
      for_each = local.tag_rules
      content {
        name                  = rule.key
        protocols             = rule.value.protocols
        source_addresses      = [var.spoke_cidr]
        destination_addresses = rule.value.tags
        destination_ports     = rule.value.ports
      }
    }
  }

  application_rule_collection {
    name     = "package-hosts"
    priority = 300
    action   = "Allow"

    rule {
      name              = "python"
      source_addresses  = [var.spoke_cidr]
      destination_fqdns = ["pypi.org", "files.pythonhosted.org", "*.anaconda.com", "*.anaconda.org", "conda.anaconda.org"]

      protocols {
        type = "Https"
        port = 443
      }
    }
  }
}
