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
