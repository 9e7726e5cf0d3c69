variable "resource_group_name" {
  type = string
}

variable "location" {
  type = string
}

variable "private_endpoints" {
  type = map(object({
    name                           = string
    subnet_resource_id             = string
    private_connection_resource_id = string
    subresource_name               = string
    private_dns_zone_group_name    = optional(string, "default")
    private_dns_zone_resource_ids  = optional(list(string), [])
  }))
}

resource "azurerm_private_endpoint" "this" {
  for_each            = var.private_endpoints
  name                = each.value.name
  resource_group_name = var.resource_group_name
  location            = var.location
  subnet_id           = each.value.subnet_resource_id

  private_service_connection {
    name                           = each.value.name
    private_connection_resource_id = each.value.private_connection_resource_id
    subresource_names              = [each.value.subresource_name]
    is_manual_connection           = false
  }

  dynamic "private_dns_zone_group" {
    for_each = length(each.value.private_dns_zone_resource_ids) > 0 ? [1] : []
    content {
      name                 = each.value.private_dns_zone_group_name
      private_dns_zone_ids = each.value.private_dns_zone_resource_ids
    }
  }
}

output "resource_ids" {
  value = { for k, p in azurerm_private_endpoint.this : k => p.id }
}
