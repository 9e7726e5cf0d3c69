resource "azurerm_private_dns_zone" "zone" {
  for_each            = local.dns_zones
  name                = each.value
  resource_group_name = azurerm_resource_group.rg.name
}

resource "azurerm_private_dns_zone_virtual_network_link" "link" {
  for_each              = azurerm_private_dns_zone.zone
  name                  = "${replace(each.key, ".", "-")}-link"
  resource_group_name   = azurerm_resource_group.rg.name
  private_dns_zone_name = each.value.name
  virtual_network_id    = module.network.vnet_id
}

resource "azurerm_private_endpoint" "ws" {
  name                = "${local.name}-ws-pe"
  resource_group_name = azurerm_resource_group.rg.name
  location            = azurerm_resource_group.rg.location
  subnet_id           = module.network.subnet_ids["pe"]

  private_service_connection {
    name                           = "ws"
    private_connection_resource_id = azurerm_machine_learning_workspace.ws.id
    subresource_names              = ["amlworkspace"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name = "ws"
    private_dns_zone_ids = [
      azurerm_private_dns_zone.zone["privatelink.api.azureml.ms"].id,
      azurerm_private_dns_zone.zone["privatelink.notebooks.azure.net"].id,
    ]
  }
}

resource "azurerm_private_endpoint" "storage" {
  for_each            = local.storage_endpoints
  name                = "${local.name}-sa-${each.key}-pe"
  resource_group_name = azurerm_resource_group.rg.name
  location            = azurerm_resource_group.rg.location
  subnet_id           = module.network.subnet_ids["pe"]

  private_service_connection {
    name                           = each.key
    private_connection_resource_id = azurerm_storage_account.sa.id
    subresource_names              = [each.key]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = each.key
    private_dns_zone_ids = [azurerm_private_dns_zone.zone[each.value].id]
  }
}

resource "azurerm_private_endpoint" "kv" {
  name                = "${local.name}-kv-pe"
  resource_group_name = azurerm_resource_group.rg.name
  location            = azurerm_resource_group.rg.location
  subnet_id           = module.network.subnet_ids["pe"]

  private_service_connection {
    name                           = "kv"
    private_connection_resource_id = azurerm_key_vault.kv.id
    subresource_names              = ["vault"]
    is_manual_connection           = true
    request_message                = "please approve"
  }

  ip_configuration {
    name               = "kv"
    private_ip_address = cidrhost(module.network.subnet_cidrs["pe"], 10)
    subresource_name   = "vault"
    member_name        = "default"
  }
}

# An endpoint in the hub network, which this configuration does not manage.
resource "azurerm_private_endpoint" "acr_hub" {
  name                = "${local.name}-acr-hub-pe"
  resource_group_name = azurerm_resource_group.rg.name
  location            = azurerm_resource_group.rg.location
  subnet_id           = var.shared_subnet_id

  private_service_connection {
    name                           = "acr"
    private_connection_resource_id = azurerm_container_registry.acr.id
    subresource_names              = ["registry"]
    is_manual_connection           = false
  }
}

resource "azurerm_private_dns_a_record" "jumpbox" {
  name                = "jumpbox"
  zone_name           = azurerm_private_dns_zone.zone["privatelink.api.azureml.ms"].name
  resource_group_name = azurerm_resource_group.rg.name
  ttl                 = 300
  records             = [azurerm_network_interface.jump.private_ip_address]
}
