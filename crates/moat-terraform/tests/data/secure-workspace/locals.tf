locals {
  name = lower("${var.prefix}-ml")
  tags = merge({ env = "test" }, { owner = "moat" })

  dns_zones = toset([
    "privatelink.api.azureml.ms",
    "privatelink.notebooks.azure.net",
    "privatelink.blob.core.windows.net",
    "privatelink.file.core.windows.net",
    "privatelink.vaultcore.azure.net",
    "privatelink.azurecr.io",
  ])

  storage_endpoints = {
    blob = "privatelink.blob.core.windows.net"
    file = "privatelink.file.core.windows.net"
  }

  nsg_rules = [
    { name = "AllowAzureML", priority = 100, port = "44224", source = "AzureMachineLearning" },
    { name = "AllowBatch", priority = 110, port = "29876-29877", source = "BatchNodeManagement" },
  ]

  # try() falls back when the lookup fails; can() tests without failing.
  acr_sku  = try(var.subnets["missing"].sku, "Premium")
  has_fw   = can(var.subnets["AzureFirewallSubnet"])
  ws_name  = format("%s-%s", local.name, "ws")
  fw_count = local.has_fw ? 1 : 0
}
