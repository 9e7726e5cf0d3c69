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
