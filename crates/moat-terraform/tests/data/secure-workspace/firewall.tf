resource "azurerm_public_ip" "fw" {
  count               = local.fw_count
  name                = "${local.name}-fw-pip"
  resource_group_name = azurerm_resource_group.rg.name
  location            = azurerm_resource_group.rg.location
  allocation_method   = "Static"
  sku                 = "Standard"
}

resource "azurerm_firewall_policy" "fw" {
  name                = "${local.name}-fw-policy"
  resource_group_name = azurerm_resource_group.rg.name
  location            = azurerm_resource_group.rg.location

  dns {
    proxy_enabled = true
  }
}

resource "azurerm_firewall_policy_rule_collection_group" "ml" {
  name               = "ml"
  firewall_policy_id = azurerm_firewall_policy.fw.id
  priority           = 200

  application_rule_collection {
    name     = "ml-app"
    priority = 300
    action   = "Allow"

    dynamic "rule" {
      for_each = {
        pypi  = ["pypi.org", "*.pythonhosted.org"]
        conda = ["*.anaconda.com"]
      }
      content {
        name              = rule.key
        source_addresses  = [module.network.subnet_cidrs["training"]]
        destination_fqdns = rule.value
        protocols {
          type = "Https"
          port = 443
        }
      }
    }
  }

  network_rule_collection {
    name     = "ml-net"
    priority = 200
    action   = "Allow"

    rule {
      name                  = "aml"
      protocols             = ["TCP"]
      source_addresses      = [module.network.subnet_cidrs["training"]]
      destination_addresses = ["AzureMachineLearning"]
      destination_ports     = ["443", "8787"]
    }
  }
}

resource "azurerm_firewall" "fw" {
  count               = local.fw_count
  name                = "${local.name}-fw"
  resource_group_name = azurerm_resource_group.rg.name
  location            = azurerm_resource_group.rg.location
  sku_name            = "AZFW_VNet"
  sku_tier            = "Standard"
  firewall_policy_id  = azurerm_firewall_policy.fw.id

  ip_configuration {
    name                 = "cfg"
    subnet_id            = module.network.subnet_ids["AzureFirewallSubnet"]
    public_ip_address_id = azurerm_public_ip.fw[count.index].id
  }
}
