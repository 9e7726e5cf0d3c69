//! `azapi_update_resource` on resources the configuration declares.
//!
//! Semantics checked (azapi provider, resource `azapi_update_resource`): it "can manage a
//! subset of any existing Azure resource manager resource's properties": the provider reads the
//! resource, merges `body` into it and writes it back. So the settings the body writes replace
//! the declared ones, a setting the body leaves out keeps the declared value, and a body value
//! the input leaves open stays open.

use moat_model::Topology;
use moat_model::enums::{IsolationMode, PublicNetworkAccess};
use moat_terraform::{TfOptions, load};
use std::path::Path;

fn topology() -> Topology {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/azapi-update");
    load(&dir, &TfOptions::default())
        .unwrap_or_else(|e| panic!("{:?}", e.diagnostics))
        .topology
}

#[test]
fn the_body_replaces_the_settings_it_writes_and_keeps_the_others() {
    let t = topology();
    let st = t
        .storage_accounts
        .iter()
        .find(|s| s.name == "stpatched01")
        .expect("the storage account");
    assert_eq!(st.public_network_access, PublicNetworkAccess::Disabled);
    // Declared by the azurerm block, untouched by the body.
    assert_eq!(st.minimum_tls_version.as_deref(), Some("TLS1_2"));
    assert!(st.at.line > 0 && st.at.file.ends_with("main.tf"));
    // The update is applied, not listed as a resource moat does not model.
    assert!(
        t.unmodelled
            .iter()
            .all(|u| u.resource_type != "azapi_update_resource"),
        "{:#?}",
        t.unmodelled
    );
}

#[test]
fn a_managed_network_written_by_the_body_joins_the_declared_outbound_rules() {
    let t = topology();
    let w = t
        .workspaces
        .iter()
        .find(|w| w.name == "mlw-patched")
        .expect("the workspace");
    assert_eq!(w.public_network_access, PublicNetworkAccess::Disabled);
    assert_eq!(
        w.managed_network.isolation_mode,
        IsolationMode::AllowOnlyApprovedOutbound
    );
    let mut rules: Vec<&str> = w
        .managed_network
        .outbound_rules
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    rules.sort();
    assert_eq!(rules, ["conda", "pypi"]);
    // The declaration's other settings stand.
    assert_eq!(w.storage_account.as_deref(), Some("stpatched01"));
}

#[test]
fn a_body_value_the_input_leaves_open_stays_open() {
    let t = topology();
    let u = t
        .is_unknown("storage/stpatchedlogs", "public_network_access")
        .unwrap_or_else(|| panic!("{:#?}", t.unknowns));
    assert!(u.reason.contains("storage_public_access"), "{}", u.reason);
}

/// The provider writes what the body says even where it is what an empty body would give:
/// Azure's own default for a storage account's network rules is `Allow`, and an update that
/// writes `defaultAction = "Allow"` over an azurerm declaration that denies opens the account
/// to every network, as the merge ("if overlaps, use new value") does. The internet reaches
/// it; the declaration alone would say it does not.
#[test]
fn a_body_writing_the_azure_default_still_replaces_the_declared_value() {
    let config = r#"
resource "azurerm_resource_group" "rg" {
  name     = "rg-reopened"
  location = "westeurope"
}

resource "azurerm_storage_account" "st" {
  name                     = "streopened01"
  resource_group_name      = azurerm_resource_group.rg.name
  location                 = "westeurope"
  account_tier             = "Standard"
  account_replication_type = "LRS"
  network_rules {
    default_action = "Deny"
    ip_rules       = ["203.0.113.7"]
  }
}

resource "azapi_update_resource" "st_open" {
  type        = "Microsoft.Storage/storageAccounts@2023-01-01"
  resource_id = azurerm_storage_account.st.id
  body = jsonencode({
    properties = {
      networkAcls = {
        defaultAction = "Allow"
      }
    }
  })
}
"#;
    let t = moat_terraform::load_str("main.tf", config, &TfOptions::default())
        .unwrap_or_else(|e| panic!("{:?}", e.diagnostics))
        .topology;
    let st = &t.storage_accounts[0];
    assert_eq!(
        st.network_rules.default_action,
        moat_model::enums::DefaultAction::Allow
    );
    // Not written by the body: the declared IP rule stays.
    assert_eq!(st.network_rules.ip_rules.len(), 1);
    let e = moat_engine::Engine::for_topology(&t, None).expect("engine");
    let q = moat_engine::trace::Query {
        from: "internet".parse().unwrap(),
        to: "storage/streopened01:blob".parse().unwrap(),
        protocol: moat_packets::Protocol::TCP,
        port: 443,
    };
    let v = moat_engine::presence::trace(&e, &moat_model::presence::variants(&t), &q)
        .expect("trace")
        .verdict;
    assert_eq!(v, moat_engine::Verdict::Allowed);
}

/// A subnet azurerm declares, given its NSG by an update (the body need not repeat the
/// prefix: the provider merges it into the subnet it reads). The NSG's deny decides the
/// subnet's outbound traffic; what the body leaves out (service endpoints, endpoint network
/// policies) stays as declared. Left out, the subnet would have no NSG and the internet
/// would be reached.
#[test]
fn an_nsg_written_onto_a_declared_subnet_filters_its_traffic() {
    let config = r#"
resource "azurerm_resource_group" "rg" {
  name     = "rg-subnet-patch"
  location = "westeurope"
}

resource "azurerm_virtual_network" "v" {
  name                = "vnet-patched"
  resource_group_name = azurerm_resource_group.rg.name
  location            = "westeurope"
  address_space       = ["10.9.0.0/16"]
}

resource "azurerm_subnet" "a" {
  name                              = "snet-a"
  resource_group_name               = azurerm_resource_group.rg.name
  virtual_network_name              = azurerm_virtual_network.v.name
  address_prefixes                  = ["10.9.1.0/24"]
  service_endpoints                 = ["Microsoft.Storage"]
  private_endpoint_network_policies = "Disabled"
}

resource "azurerm_network_security_group" "deny" {
  name                = "nsg-deny-out"
  resource_group_name = azurerm_resource_group.rg.name
  location            = "westeurope"
  security_rule {
    name                       = "deny-all-out"
    priority                   = 100
    direction                  = "Outbound"
    access                     = "Deny"
    protocol                   = "*"
    source_port_range          = "*"
    destination_port_range     = "*"
    source_address_prefix      = "*"
    destination_address_prefix = "*"
  }
}

resource "azapi_update_resource" "subnet_nsg" {
  type        = "Microsoft.Network/virtualNetworks/subnets@2023-11-01"
  resource_id = azurerm_subnet.a.id
  body = {
    properties = {
      networkSecurityGroup = { id = azurerm_network_security_group.deny.id }
    }
  }
}
"#;
    let t = moat_terraform::load_str("main.tf", config, &TfOptions::default())
        .unwrap_or_else(|e| panic!("{:?}", e.diagnostics))
        .topology;
    let s = &t.virtual_networks[0].subnets[0];
    assert_eq!(s.network_security_group.as_deref(), Some("nsg-deny-out"));
    assert_eq!(s.service_endpoints, ["Microsoft.Storage"]);
    assert_eq!(
        s.private_endpoint_network_policies,
        moat_model::enums::PrivateEndpointNetworkPolicies::Disabled
    );
    assert!(
        t.unmodelled
            .iter()
            .all(|u| u.resource_type != "azapi_update_resource"),
        "{:#?}",
        t.unmodelled
    );
    let e = moat_engine::Engine::for_topology(&t, None).expect("engine");
    let q = moat_engine::trace::Query {
        from: "subnet/vnet-patched/snet-a".parse().unwrap(),
        to: "internet".parse().unwrap(),
        protocol: moat_packets::Protocol::TCP,
        port: 443,
    };
    let v = moat_engine::presence::trace(&e, &moat_model::presence::variants(&t), &q)
        .expect("trace")
        .verdict;
    assert_eq!(v, moat_engine::Verdict::Denied);
}

/// An empty list in the body replaces the declared one: the provider's merge takes the new
/// list when the lengths differ ("if overlaps, use new value"). Storage IP rules written `[]`
/// over two declared rules leave none, so the address the declaration let in is refused.
#[test]
fn an_empty_list_in_the_body_clears_the_declared_one() {
    let config = r#"
resource "azurerm_resource_group" "rg" {
  name     = "rg-cleared"
  location = "westeurope"
}

resource "azurerm_storage_account" "st" {
  name                     = "stcleared01"
  resource_group_name      = azurerm_resource_group.rg.name
  location                 = "westeurope"
  account_tier             = "Standard"
  account_replication_type = "LRS"
  network_rules {
    default_action = "Deny"
    ip_rules       = ["203.0.113.7", "198.51.100.0/24"]
  }
}

resource "azapi_update_resource" "st_clear" {
  type        = "Microsoft.Storage/storageAccounts@2023-01-01"
  resource_id = azurerm_storage_account.st.id
  body = {
    properties = {
      networkAcls = {
        ipRules = []
      }
    }
  }
}
"#;
    let t = moat_terraform::load_str("main.tf", config, &TfOptions::default())
        .unwrap_or_else(|e| panic!("{:?}", e.diagnostics))
        .topology;
    let st = &t.storage_accounts[0];
    assert!(
        st.network_rules.ip_rules.is_empty(),
        "{:?}",
        st.network_rules
    );
    assert_eq!(
        st.network_rules.default_action,
        moat_model::enums::DefaultAction::Deny
    );
    let e = moat_engine::Engine::for_topology(&t, None).expect("engine");
    let q = moat_engine::trace::Query {
        from: "ip:203.0.113.7".parse().unwrap(),
        to: "storage/stcleared01:blob".parse().unwrap(),
        protocol: moat_packets::Protocol::TCP,
        port: 443,
    };
    let v = moat_engine::presence::trace(&e, &moat_model::presence::variants(&t), &q)
        .expect("trace")
        .verdict;
    assert_eq!(v, moat_engine::Verdict::Denied);
}

/// An update that names its target by `parent_id` and `name`, the name being that of a
/// resource whose own name holds a `random_string` result: the target is that resource (its
/// name and resource group are the same unknown values), so the vault the update closes is
/// closed. Read as a resource named after the update itself, the update was left unapplied
/// and the internet reached the vault.
#[test]
fn an_update_named_by_a_reference_to_an_unknown_name_targets_that_resource() {
    let config = r#"
resource "random_string" "sfx" {
  length  = 6
  special = false
  upper   = false
}

resource "azurerm_resource_group" "rg" {
  name     = "rg-named-${random_string.sfx.result}"
  location = "westeurope"
}

resource "azurerm_key_vault" "kv" {
  name                = "kv-named-${random_string.sfx.result}"
  resource_group_name = azurerm_resource_group.rg.name
  location            = "westeurope"
  tenant_id           = "00000000-0000-0000-0000-000000000000"
  sku_name            = "standard"
}

resource "azapi_update_resource" "kv_private" {
  type      = "Microsoft.KeyVault/vaults@2023-07-01"
  parent_id = azurerm_resource_group.rg.id
  name      = azurerm_key_vault.kv.name
  body      = { properties = { publicNetworkAccess = "Disabled" } }
}
"#;
    let t = moat_terraform::load_str("main.tf", config, &TfOptions::default())
        .unwrap_or_else(|e| panic!("{:?}", e.diagnostics))
        .topology;
    assert_eq!(
        t.key_vaults[0].public_network_access,
        PublicNetworkAccess::Disabled
    );
    assert!(
        t.unmodelled
            .iter()
            .all(|u| u.resource_type != "azapi_update_resource"),
        "{:#?}",
        t.unmodelled
    );
}

/// A setting the declaration leaves open (a variable without value) and the update writes:
/// the update runs after the account is created and merges its body in, so once applied the
/// account's public access is what the body says, whatever the variable. The internet is
/// refused, decided.
#[test]
fn a_setting_the_declaration_leaves_open_is_known_once_the_update_writes_it() {
    let config = r#"
variable "public" {
  type = bool
}

resource "azurerm_resource_group" "rg" {
  name     = "rg-settled"
  location = "westeurope"
}

resource "azurerm_storage_account" "st" {
  name                          = "stsettled01"
  resource_group_name           = azurerm_resource_group.rg.name
  location                      = "westeurope"
  account_tier                  = "Standard"
  account_replication_type      = "LRS"
  public_network_access_enabled = var.public
}

resource "azapi_update_resource" "st_private" {
  type        = "Microsoft.Storage/storageAccounts@2023-01-01"
  resource_id = azurerm_storage_account.st.id
  body        = { properties = { publicNetworkAccess = "Disabled" } }
}
"#;
    let t = moat_terraform::load_str("main.tf", config, &TfOptions::default())
        .unwrap_or_else(|e| panic!("{:?}", e.diagnostics))
        .topology;
    assert!(
        t.is_unknown("storage/stsettled01", "public_network_access")
            .is_none(),
        "{:#?}",
        t.unknowns
    );
    assert_eq!(
        t.storage_accounts[0].public_network_access,
        PublicNetworkAccess::Disabled
    );
    let e = moat_engine::Engine::for_topology(&t, None).expect("engine");
    let q = moat_engine::trace::Query {
        from: "internet".parse().unwrap(),
        to: "storage/stsettled01:blob".parse().unwrap(),
        protocol: moat_packets::Protocol::TCP,
        port: 443,
    };
    let v = moat_engine::presence::trace(&e, &moat_model::presence::variants(&t), &q)
        .expect("trace")
        .verdict;
    assert_eq!(v, moat_engine::Verdict::Denied);
}

/// An update whose result the configuration does not determine (one rule written onto an NSG
/// that holds one: the provider merges lists of one length element by element, in the order
/// Azure returns them) leaves what it writes open: the subnet's traffic through that NSG is
/// undecided, never allowed by the declared rule the update changes.
#[test]
fn what_an_unapplied_update_writes_is_open_not_the_declared_value() {
    let config = r#"
resource "azurerm_resource_group" "rg" {
  name     = "rg-nsg-patch"
  location = "westeurope"
}

resource "azurerm_virtual_network" "v" {
  name                = "vnet-nsg-patch"
  resource_group_name = azurerm_resource_group.rg.name
  location            = "westeurope"
  address_space       = ["10.9.0.0/16"]
}

resource "azurerm_subnet" "a" {
  name                 = "snet-a"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.v.name
  address_prefixes     = ["10.9.1.0/24"]
}

resource "azurerm_network_security_group" "n" {
  name                = "nsg-patched"
  resource_group_name = azurerm_resource_group.rg.name
  location            = "westeurope"
  security_rule {
    name                       = "allow-out"
    priority                   = 200
    direction                  = "Outbound"
    access                     = "Allow"
    protocol                   = "*"
    source_port_range          = "*"
    destination_port_range     = "*"
    source_address_prefix      = "*"
    destination_address_prefix = "*"
  }
}

resource "azurerm_subnet_network_security_group_association" "a" {
  subnet_id                 = azurerm_subnet.a.id
  network_security_group_id = azurerm_network_security_group.n.id
}

resource "azapi_update_resource" "nsg_rules" {
  type        = "Microsoft.Network/networkSecurityGroups@2023-11-01"
  resource_id = azurerm_network_security_group.n.id
  body = {
    properties = {
      securityRules = [{
        name = "deny-out"
        properties = {
          priority                 = 100
          direction                = "Outbound"
          access                   = "Deny"
          protocol                 = "*"
          sourcePortRange          = "*"
          destinationPortRange     = "*"
          sourceAddressPrefix      = "*"
          destinationAddressPrefix = "*"
        }
      }]
    }
  }
}
"#;
    let t = moat_terraform::load_str("main.tf", config, &TfOptions::default())
        .unwrap_or_else(|e| panic!("{:?}", e.diagnostics))
        .topology;
    assert!(
        t.unknowns
            .iter()
            .any(|u| u.resource == "nsg/nsg-patched" && u.reason.contains("nsg_rules")),
        "{:#?}",
        t.unknowns
    );
    let e = moat_engine::Engine::for_topology(&t, None).expect("engine");
    let q = moat_engine::trace::Query {
        from: "subnet/vnet-nsg-patch/snet-a".parse().unwrap(),
        to: "internet".parse().unwrap(),
        protocol: moat_packets::Protocol::TCP,
        port: 443,
    };
    let v = moat_engine::presence::trace(&e, &moat_model::presence::variants(&t), &q)
        .expect("trace")
        .verdict;
    assert_eq!(v, moat_engine::Verdict::Unknown);
}
