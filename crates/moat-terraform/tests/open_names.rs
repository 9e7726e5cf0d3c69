//! A data source read by a name the configuration leaves unknown (`name = var.kv_name`, the
//! variable without value) reads a resource of a known type; which one is unknown, and it may
//! be one the configuration declares. The importer said it was "a resource the configuration
//! does not declare", once per reference; it says what is unknown, once per data source.
//!
//! Behaviour checked: Terraform's data sources "allow Terraform to use information defined
//! outside of Terraform, or defined by another separate Terraform configuration"
//! (developer.hashicorp.com/terraform/language/data-sources): what the data source reads is
//! decided by its arguments; with the name unknown, so is the resource.

use moat_terraform::{TfOptions, load};

const CONFIG: &str = r#"
variable "kv_name" {}

data "azurerm_key_vault" "kv" {
  name                = var.kv_name
  resource_group_name = "rg-shared"
}

resource "azurerm_virtual_network" "v" {
  name                = "v"
  location            = "eastus"
  resource_group_name = "rg"
  address_space       = ["10.0.0.0/16"]
}

resource "azurerm_subnet" "pe" {
  name                 = "pe"
  resource_group_name  = "rg"
  virtual_network_name = azurerm_virtual_network.v.name
  address_prefixes     = ["10.0.1.0/24"]
}

resource "azurerm_private_endpoint" "a" {
  name                = "pe-a"
  location            = "eastus"
  resource_group_name = "rg"
  subnet_id           = azurerm_subnet.pe.id
  private_service_connection {
    name                           = "kv"
    private_connection_resource_id = data.azurerm_key_vault.kv.id
    subresource_names              = ["vault"]
    is_manual_connection           = false
  }
}

resource "azurerm_private_endpoint" "b" {
  name                = "pe-b"
  location            = "eastus"
  resource_group_name = "rg"
  subnet_id           = azurerm_subnet.pe.id
  private_service_connection {
    name                           = "kv"
    private_connection_resource_id = data.azurerm_key_vault.kv.id
    subresource_names              = ["vault"]
    is_manual_connection           = false
  }
}
"#;

#[test]
fn a_data_source_of_unknown_name_is_said_to_be_open_once() {
    let dir = std::env::temp_dir().join(format!("moat-tf-open-names-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("main.tf"), CONFIG).unwrap();
    let l = load(&dir, &TfOptions::default()).unwrap_or_else(|e| panic!("{:#?}", e.diagnostics));
    let _ = std::fs::remove_dir_all(&dir);
    let about: Vec<_> = l
        .warnings
        .iter()
        .filter(|w| w.message.contains("data.azurerm_key_vault.kv"))
        .collect();
    assert_eq!(about.len(), 1, "{about:#?}");
    assert_eq!(about[0].code, "open-name");
    assert!(
        about[0]
            .message
            .starts_with("`data.azurerm_key_vault.kv` is read by a name that is unknown"),
        "{}",
        about[0].message
    );
    assert!(!about[0].message.contains("does not declare"));
    // Both endpoints are kept, their targets open, never an outside resource.
    let t = &l.topology;
    assert_eq!(t.private_endpoints.len(), 2);
    for pe in &t.private_endpoints {
        let u = t
            .is_unknown(&format!("private-endpoint/{}", pe.name), "target")
            .expect("the target is open");
        assert!(
            u.reason.contains("is read by a name that is unknown"),
            "{}",
            u.reason
        );
    }
    assert!(moat_model::external::list(t).is_empty());
}
