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
