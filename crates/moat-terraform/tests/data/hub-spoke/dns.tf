resource "azurerm_private_dns_zone" "corp" {
  name                = "corp.contoso.com"
  resource_group_name = local.rg
}

resource "azurerm_private_dns_zone_virtual_network_link" "corp_spoke" {
  name                  = "spoke"
  resource_group_name   = local.rg
  private_dns_zone_name = azurerm_private_dns_zone.corp.name
  virtual_network_id    = azurerm_virtual_network.spoke.id
  resolution_policy     = "NxDomainRedirect"
}

resource "azurerm_private_dns_cname_record" "api" {
  name                = "api"
  zone_name           = azurerm_private_dns_zone.corp.name
  resource_group_name = local.rg
  ttl                 = 300
  record              = "spoke-ws.api.azureml.ms"
}

resource "azurerm_private_dns_resolver" "hub" {
  name                = "hub-resolver"
  resource_group_name = local.rg
  location            = local.location
  virtual_network_id  = azurerm_virtual_network.hub.id
}

resource "azurerm_private_dns_resolver_inbound_endpoint" "in" {
  name                    = "inbound"
  private_dns_resolver_id = azurerm_private_dns_resolver.hub.id
  location                = local.location

  ip_configurations {
    subnet_id                    = azurerm_subnet.hub["dns-in"].id
    private_ip_allocation_method = "Static"
    private_ip_address           = "10.0.3.4"
  }
}

resource "azurerm_private_dns_resolver_outbound_endpoint" "out" {
  name                    = "outbound"
  private_dns_resolver_id = azurerm_private_dns_resolver.hub.id
  location                = local.location
  subnet_id               = azurerm_subnet.hub["dns-out"].id
}

resource "azurerm_private_dns_resolver_dns_forwarding_ruleset" "onprem" {
  name                                       = "onprem-rules"
  resource_group_name                        = local.rg
  location                                   = local.location
  private_dns_resolver_outbound_endpoint_ids = [azurerm_private_dns_resolver_outbound_endpoint.out.id]
}

resource "azurerm_private_dns_resolver_forwarding_rule" "contoso" {
  name                      = "contoso"
  dns_forwarding_ruleset_id = azurerm_private_dns_resolver_dns_forwarding_ruleset.onprem.id
  domain_name               = "contoso.com."
  enabled                   = true

  target_dns_servers {
    ip_address = "192.168.1.10"
    port       = 53
  }
}

resource "azurerm_private_dns_resolver_virtual_network_link" "spoke" {
  name                      = "spoke"
  dns_forwarding_ruleset_id = azurerm_private_dns_resolver_dns_forwarding_ruleset.onprem.id
  virtual_network_id        = azurerm_virtual_network.spoke.id
}
