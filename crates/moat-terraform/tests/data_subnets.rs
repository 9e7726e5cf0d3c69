//! Subnets read through `data "azurerm_subnet"` whose VNet name is a variable without a value.
//!
//! Terraform semantics checked: the data source reads "the subnet `name` in the virtual network
//! `virtual_network_name` of resource group `resource_group_name`" (azurerm provider, data
//! source `azurerm_subnet`, arguments). Two data sources given the same VNet name and group read
//! subnets of one VNet even while that name is unknown, so the structure stays definite; a
//! different variable leaves the VNet open. The subnet names the configuration writes are kept.
//! A `data "azurerm_virtual_network"` given that name reads the same VNet, so a private DNS
//! zone linked to it is linked to the VNet of those subnets.

use moat_model::Topology;
use moat_terraform::{TfOptions, load};
use std::path::Path;

fn topology() -> Topology {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/data-subnets");
    load(&dir, &TfOptions::default())
        .unwrap_or_else(|e| panic!("{:?}", e.diagnostics))
        .topology
}

fn compute_subnet(t: &Topology, name: &str) -> String {
    t.computes
        .iter()
        .find(|c| c.name == name)
        .and_then(|c| c.subnet.clone())
        .unwrap_or_else(|| panic!("compute {name} has no subnet"))
}

#[test]
fn data_sources_given_one_vnet_name_read_subnets_of_one_vnet() {
    let t = topology();
    let pe: Vec<&str> = t
        .private_endpoints
        .iter()
        .map(|p| p.subnet.as_str())
        .collect();
    assert_eq!(
        pe,
        [
            "<spoke_vnet_name>/snet-endpoints",
            "<spoke_vnet_name>/snet-endpoints"
        ]
    );
    assert_eq!(
        compute_subnet(&t, "train"),
        "<spoke_vnet_name>/snet-training"
    );
    assert_eq!(compute_subnet(&t, "batch"), "<batch_vnet_name>/snet-batch");

    // One external VNet per VNet name, each of whose properties stays unknown.
    let external: Vec<&str> = t
        .virtual_networks
        .iter()
        .filter(|v| v.external)
        .map(|v| v.name.as_str())
        .collect();
    assert_eq!(external, ["<spoke_vnet_name>", "<batch_vnet_name>"]);
    for v in external {
        assert!(t.is_unknown(&format!("vnet/{v}"), "peerings").is_some());
    }
    // What the subnet holds and how it is set up stays unknown.
    let u = t
        .is_unknown(
            "subnet/<spoke_vnet_name>/snet-endpoints",
            "network_security_group",
        )
        .unwrap_or_else(|| panic!("{:#?}", t.unknowns));
    assert!(u.reason.contains("pe-cr-"), "{}", u.reason);
}

#[test]
fn a_vnet_data_source_given_the_same_name_is_that_vnet() {
    let t = topology();
    let z = t
        .private_dns_zones
        .iter()
        .find(|z| z.name == "privatelink.azurecr.io")
        .expect("the zone");
    let links: Vec<&str> = z.vnet_links.iter().map(|l| l.as_str()).collect();
    assert_eq!(links, ["<spoke_vnet_name>"]);
    assert_eq!(
        t.virtual_networks.iter().filter(|v| v.external).count(),
        2,
        "{:#?}",
        t.virtual_networks
    );
}

#[test]
fn a_storage_rule_naming_a_subnet_data_source_names_that_subnet_and_keeps_its_default_action() {
    // azurerm `network_rules`: `default_action` "Specifies the default action of allow or deny
    // when no other rules match"; `virtual_network_subnet_ids` "A list of resource ids for
    // subnets". The subnet is the one the data source reads; the default action is written.
    let t = topology();
    let sa = t
        .storage_accounts
        .iter()
        .find(|s| s.name == "azurerm_storage_account.data")
        .unwrap_or_else(|| panic!("{:#?}", t.storage_accounts));
    assert_eq!(
        sa.network_rules.virtual_network_rules,
        ["<spoke_vnet_name>/snet-training"]
    );
    assert_eq!(
        sa.network_rules.default_action,
        moat_model::enums::DefaultAction::Deny
    );
    let r = "storage/azurerm_storage_account.data";
    for field in ["network_rules.default_action", "network_rules.bypass"] {
        assert!(
            t.is_unknown(r, field).is_none(),
            "{field}: {:#?}",
            t.unknowns
        );
    }
}

#[test]
fn two_attributes_of_one_object_variable_are_two_subnets() {
    // Terraform: `var.network.pe_subnet_id` and `var.network.training_subnet_id` are two
    // attributes of the object the variable holds; without a value they may be any two
    // subnets, so neither is placed in the other's subnet (or VNet).
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/object-variables");
    let t = load(&dir, &TfOptions::default())
        .unwrap_or_else(|e| panic!("{:?}", e.diagnostics))
        .topology;
    assert_eq!(
        t.private_endpoints[0].subnet,
        "<network.pe_subnet_id>/<network.pe_subnet_id>"
    );
    assert_eq!(
        compute_subnet(&t, "train"),
        "<network.training_subnet_id>/<network.training_subnet_id>"
    );
    assert_eq!(
        compute_subnet(&t, "nb-objvar"),
        "<subnet_ids[\"training\"]>/<subnet_ids[\"training\"]>"
    );
    // The reason still says what the input lacks.
    let u = t
        .is_unknown("private-endpoint/pe-acr", "subnet")
        .unwrap_or_else(|| panic!("{:#?}", t.unknowns));
    assert!(
        u.reason.contains("variable `network` has no value"),
        "{}",
        u.reason
    );
}
