prefix = "Contoso"

subnets = {
  training = {
    newbits           = 8
    netnum            = 1
    service_endpoints = ["Microsoft.Storage", "Microsoft.KeyVault"]
  }
  pe = {
    newbits = 8
    netnum  = 2
  }
  AzureFirewallSubnet = {
    newbits = 10
    netnum  = 12
  }
}

allowed_ips = ["203.0.113.0/24"]
