# A training subnet whose route table keeps VNet traffic local inline, while a separate route
# resource drops everything else: azurerm overwrites one with the other on each apply.

resource "azurerm_resource_group" "train" {
  name     = "rg-train"
  location = "uksouth"
}

resource "azurerm_virtual_network" "train" {
  name                = "vnet-train"
  address_space       = ["10.72.0.0/16"]
  location            = azurerm_resource_group.train.location
  resource_group_name = azurerm_resource_group.train.name
}

resource "azurerm_subnet" "jobs" {
  name                 = "jobs"
  resource_group_name  = azurerm_resource_group.train.name
  virtual_network_name = azurerm_virtual_network.train.name
  address_prefixes     = ["10.72.2.0/24"]
}

resource "azurerm_route_table" "jobs" {
  name                = "rt-jobs"
  location            = azurerm_resource_group.train.location
  resource_group_name = azurerm_resource_group.train.name

  route {
    name           = "local"
    address_prefix = "10.72.0.0/16"
    next_hop_type  = "VnetLocal"
  }
}

resource "azurerm_route" "no_internet" {
  name                = "no-internet"
  resource_group_name = azurerm_resource_group.train.name
  route_table_name    = azurerm_route_table.jobs.name
  address_prefix      = "0.0.0.0/0"
  next_hop_type       = "None"
}

resource "azurerm_subnet_route_table_association" "jobs" {
  subnet_id      = azurerm_subnet.jobs.id
  route_table_id = azurerm_route_table.jobs.id
}
