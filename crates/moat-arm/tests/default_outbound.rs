//! A subnet that leaves `defaultOutboundAccess` out: what it gets depends on the API version
//! the template sends it with.
//!
//! Default outbound access in Azure: "For the API released after March 31, 2026, new virtual
//! networks default to using private subnets, meaning that an explicit outbound method must be
//! enabled in order to reach public endpoints on the internet and within Microsoft." The Azure
//! Networking Blog ("Private subnets by default") names that version: "With API version
//! 2025-07-01 and later: Subnets in newly created VNets are private by default. The subnet
//! property `defaultOutboundAccess` is set to false."

use moat_arm::{ArmOptions, load_str};
use moat_model::Topology;

/// A VNet with one inline subnet and one child subnet, both without `defaultOutboundAccess`,
/// and a third inline subnet that sets it; every resource at `version`.
fn template(version: &str) -> String {
    format!(
        r#"{{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {{
      "type": "Microsoft.Network/virtualNetworks", "apiVersion": "{version}", "name": "spoke",
      "location": "eastus",
      "properties": {{
        "addressSpace": {{ "addressPrefixes": ["10.8.0.0/16"] }},
        "subnets": [
          {{ "name": "training", "properties": {{ "addressPrefix": "10.8.1.0/24" }} }},
          {{ "name": "open", "properties": {{ "addressPrefix": "10.8.3.0/24", "defaultOutboundAccess": true }} }}
        ]
      }}
    }},
    {{
      "type": "Microsoft.Network/virtualNetworks/subnets", "apiVersion": "{version}",
      "name": "spoke/scoring",
      "dependsOn": ["[resourceId('Microsoft.Network/virtualNetworks', 'spoke')]"],
      "properties": {{ "addressPrefix": "10.8.2.0/24" }}
    }}
  ]
}}"#
    )
}

fn subnets(version: &str) -> Vec<(String, bool)> {
    let l = load_str("vnet.json", &template(version), &ArmOptions::default())
        .unwrap_or_else(|e| panic!("{version}: {:#?}", e.diagnostics));
    let t: &Topology = &l.topology;
    let mut out: Vec<(String, bool)> = t.virtual_networks[0]
        .subnets
        .iter()
        .map(|s| (s.name.clone(), s.default_outbound_access))
        .collect();
    out.sort();
    out
}

#[test]
fn subnets_sent_with_2025_07_01_or_later_are_private_unless_they_say_otherwise() {
    for version in ["2025-07-01", "2025-09-01"] {
        assert_eq!(
            subnets(version),
            vec![
                ("open".to_string(), true),
                ("scoring".to_string(), false),
                ("training".to_string(), false)
            ],
            "{version}"
        );
    }
}

#[test]
fn subnets_sent_with_an_earlier_or_preview_version_keep_default_outbound_access() {
    // Before that version a subnet without the property keeps default outbound access; a
    // preview version is not the dated release the documents name.
    for version in ["2024-01-01", "2025-05-01", "2025-07-01-preview"] {
        assert_eq!(
            subnets(version),
            vec![
                ("open".to_string(), true),
                ("scoring".to_string(), true),
                ("training".to_string(), true)
            ],
            "{version}"
        );
    }
}

/// A child subnet at `version` of VNet `corp-vnet`, which the template does not declare (an
/// existing VNet), with `extra` properties beside its prefix.
fn existing_vnet_template(version: &str, extra: &str) -> String {
    format!(
        r#"{{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {{
      "type": "Microsoft.Network/virtualNetworks/subnets", "apiVersion": "{version}",
      "name": "corp-vnet/snet-train",
      "properties": {{ "addressPrefix": "10.20.5.0/24"{extra} }}
    }}
  ]
}}"#
    )
}

/// The subnet's default outbound access, and whether the model leaves it open.
fn existing_vnet_subnet(version: &str, extra: &str) -> (bool, bool) {
    let l = load_str(
        "subnet.json",
        &existing_vnet_template(version, extra),
        &ArmOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{version}: {:#?}", e.diagnostics));
    let t = &l.topology;
    let v = t
        .virtual_networks
        .iter()
        .find(|v| v.name == "corp-vnet")
        .expect("the external VNet");
    assert!(v.external, "{version}: the VNet is not declared");
    let s = v
        .subnets
        .iter()
        .find(|s| s.name == "snet-train")
        .expect("the subnet");
    // The VNet is open as a whole; the subnet's own value is recorded besides.
    let open = t.unknowns.iter().any(|u| {
        u.resource == "vnet/corp-vnet" && u.field == "subnets/snet-train/default_outbound_access"
    });
    (s.default_outbound_access, open)
}

/// The private default is for new VNets: "Subnets in newly created VNets are private by
/// default" (Azure Networking Blog, "Private subnets by default"), while "Existing VNets or
/// VMs using DOA" and "New VMs in existing VNets" are "Unchanged". A subnet added at 2025-07-01
/// to a VNet the template does not declare (an existing one) is not documented either way: its
/// default outbound access is open, never read as private.
#[test]
fn a_subnet_added_to_an_existing_vnet_at_2025_07_01_has_open_default_outbound_access() {
    for version in ["2025-07-01", "2025-09-01"] {
        assert_eq!(
            existing_vnet_subnet(version, ""),
            (true, true),
            "{version}: default outbound access open, never private"
        );
    }
}

#[test]
fn a_subnet_of_an_existing_vnet_that_says_or_predates_the_change_is_decided() {
    // What the subnet writes is what it gets, in any VNet.
    assert_eq!(
        existing_vnet_subnet("2025-07-01", r#", "defaultOutboundAccess": false"#),
        (false, false)
    );
    assert_eq!(
        existing_vnet_subnet("2025-07-01", r#", "defaultOutboundAccess": true"#),
        (true, false)
    );
    // Before that version, or at a preview, a subnet keeps default outbound access.
    for version in ["2024-05-01", "2025-07-01-preview"] {
        assert_eq!(
            existing_vnet_subnet(version, ""),
            (true, false),
            "{version}"
        );
    }
}
