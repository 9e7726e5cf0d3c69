# The data scientists' way in: Bastion to a Windows VM inside the VNet.
resource "azurerm_public_ip" "bastion" {
  name                = "pip-bastion-${local.suffix}"
  location            = local.common.location
  resource_group_name = local.common.resource_group_name
  allocation_method   = "Static"
  sku                 = "Standard"
}

resource "azurerm_bastion_host" "this" {
  name                = "bas-${local.suffix}"
  location            = local.common.location
  resource_group_name = local.common.resource_group_name

  ip_configuration {
    name                 = "ipconfig"
    subnet_id            = azurerm_subnet.bastion.id
    public_ip_address_id = azurerm_public_ip.bastion.id
  }
}

resource "azurerm_network_interface" "jumpbox" {
  name                = "nic-jumpbox-${local.suffix}"
  location            = local.common.location
  resource_group_name = local.common.resource_group_name

  ip_configuration {
    name                          = "internal"
    subnet_id                     = azurerm_subnet.jumpbox.id
    private_ip_address_allocation = "Dynamic"
  }
}

resource "azurerm_windows_virtual_machine" "jumpbox" {
  name                  = "vm-jump-${var.stage}"
  location              = local.common.location
  resource_group_name   = local.common.resource_group_name
  size                  = "Standard_D2s_v5"
  admin_username        = "azureuser"
  admin_password        = var.jumpbox_password
  network_interface_ids = [azurerm_network_interface.jumpbox.id]

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
