//! A managed network service tag rule without `protocol` or `portRanges`. ARM's
//! `ServiceTagDestination` (Microsoft.MachineLearningServices workspaces/outboundRules) has
//! both as optional strings and documents no default for either, so a template that leaves one
//! out, or sets it from a parameter without a value, leaves it unknown: the rule is not read as
//! "any protocol, any port".

use moat_arm::{ArmOptions, load};
use moat_model::enums::FirewallProtocol;
use moat_model::ml::{OutboundDestination, ServiceTagDestination};

const TEMPLATE: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": { "dfProtocol": { "type": "string" } },
  "resources": [
    {
      "type": "Microsoft.MachineLearningServices/workspaces",
      "apiVersion": "2024-04-01",
      "name": "mlw",
      "location": "westeurope",
      "identity": { "type": "SystemAssigned" },
      "properties": {
        "managedNetwork": {
          "isolationMode": "AllowOnlyApprovedOutbound",
          "outboundRules": {
            "bare": { "type": "ServiceTag", "destination": { "serviceTag": "DataFactory" } },
            "ports-only": { "type": "ServiceTag", "destination": { "serviceTag": "DataFactory", "protocol": "[parameters('dfProtocol')]", "portRanges": "443" } },
            "full": { "type": "ServiceTag", "destination": { "serviceTag": "AzureMonitor", "protocol": "TCP", "portRanges": "443, 8080-8089" } }
          }
        }
      }
    }
  ]
}"#;

#[test]
fn left_out_protocol_and_ports_are_unknown() {
    let dir = std::env::temp_dir().join(format!("moat-arm-tag-rule-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("ws.json");
    std::fs::write(&p, TEMPLATE).unwrap();
    let l = load(&p, &ArmOptions::default()).unwrap_or_else(|e| panic!("{:#?}", e.diagnostics));
    std::fs::remove_dir_all(&dir).ok();
    let rules = &l.topology.workspaces[0].managed_network.outbound_rules;
    let tag = |name: &str| -> &ServiceTagDestination {
        match &rules.iter().find(|r| r.name == name).unwrap().destination {
            OutboundDestination::ServiceTag(d) => d,
            d => panic!("{d:?}"),
        }
    };
    let bare = tag("bare");
    assert!(bare.protocol.is_unknown(), "{bare:?}");
    assert!(bare.port_ranges.is_unknown(), "{bare:?}");
    let ports_only = tag("ports-only");
    assert!(ports_only.protocol.is_unknown(), "{ports_only:?}");
    assert_eq!(
        ports_only.port_ranges.known().map(|p| p.len()),
        Some(1),
        "{ports_only:?}"
    );
    let full = tag("full");
    assert_eq!(full.protocol.get(), Some(FirewallProtocol::Tcp));
    assert_eq!(full.port_ranges.known().map(|p| p.len()), Some(2));
    assert!(full.transport_open().is_none());
}
