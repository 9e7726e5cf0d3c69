//! What the ARM importer's mapper says about the azapi resources of a Terraform configuration
//! names what the Terraform user wrote: the configuration and the resource whose body refers to
//! something, never a template, which a Terraform user has not written.

use moat_model::Diagnostic;
use moat_terraform::{TfOptions, load, load_str};
use std::path::Path;

fn no_template(warnings: &[Diagnostic]) {
    for w in warnings {
        let text = format!("{} {}", w.message, w.hint.as_deref().unwrap_or(""));
        assert!(!text.contains("template"), "{text}");
    }
}

/// A managed network rule to a storage account the configuration does not declare: the hint
/// names the body that refers to it.
#[test]
fn a_reference_outside_the_configuration_names_the_body_that_makes_it() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/azapi-v1-outbound");
    let l = load(&dir, &TfOptions::default()).unwrap_or_else(|e| panic!("{:?}", e.diagnostics));
    let w = l
        .warnings
        .iter()
        .find(|w| w.code == "dangling-reference")
        .unwrap_or_else(|| panic!("{:#?}", l.warnings));
    let hint = w.hint.as_deref().unwrap_or("");
    assert!(
        hint.contains(
            "the body of `azapi_resource.lake_rule` refers to a resource declared elsewhere"
        ),
        "{hint}"
    );
    no_template(&l.warnings);
}

/// A private endpoint written as an azapi resource in a subnet the configuration does not
/// declare: the subnet is external, and the hint asks for it in the configuration.
#[test]
fn an_external_subnet_is_asked_for_in_the_configuration() {
    let config = r#"
resource "azurerm_resource_group" "rg" {
  name     = "rg-words"
  location = "westeurope"
}

resource "azurerm_storage_account" "st" {
  name                     = "stwords01"
  resource_group_name      = azurerm_resource_group.rg.name
  location                 = "westeurope"
  account_tier             = "Standard"
  account_replication_type = "LRS"
}

resource "azapi_resource" "pe" {
  type      = "Microsoft.Network/privateEndpoints@2023-11-01"
  parent_id = azurerm_resource_group.rg.id
  name      = "pe-st"
  location  = "westeurope"
  body = {
    properties = {
      subnet = {
        id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-hub/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/snet-pe"
      }
      privateLinkServiceConnections = [{
        name = "st"
        properties = {
          privateLinkServiceId = azurerm_storage_account.st.id
          groupIds             = ["blob"]
        }
      }]
    }
  }
}
"#;
    let l = load_str("main.tf", config, &TfOptions::default())
        .unwrap_or_else(|e| panic!("{:?}", e.diagnostics));
    let w = l
        .warnings
        .iter()
        .find(|w| w.code == "external-subnet")
        .unwrap_or_else(|| panic!("{:#?}", l.warnings));
    assert!(
        w.message.contains("is not declared in this configuration"),
        "{}",
        w.message
    );
    assert_eq!(
        w.hint.as_deref(),
        Some(
            "declare the subnet in the configuration (or give a live export of it) to have it analysed"
        )
    );
    no_template(&l.warnings);
}
