//! `azurerm_machine_learning_workspace_network_outbound_rule_service_tag`: `protocol` and
//! `port_ranges` are Required arguments, and Azure documents no default for either (ARM's
//! `ServiceTagDestination`). A configuration that leaves them out does not
//! say what the rule carries: both stay unknown, and a flow to the tag that no other rule
//! allows is unknown, not allowed as by "any protocol, any port".

use moat_engine::trace::Query;
use moat_engine::{Engine, Verdict};
use moat_model::enums::FirewallProtocol;
use moat_model::ml::{OutboundDestination, ServiceTagDestination};
use moat_packets::Protocol;

mod scratch;
use scratch::Scratch;

const CONFIG: &str = r#"

resource "azurerm_machine_learning_workspace" "ws" {
  name                    = "wstags"
  location                = "eastus"
  resource_group_name     = "rg"
  application_insights_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Insights/components/ai"
  key_vault_id            = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv"
  storage_account_id      = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st"

  identity {
    type = "SystemAssigned"
  }

  managed_network {
    isolation_mode = "AllowOnlyApprovedOutbound"
  }
}

resource "azurerm_machine_learning_compute_cluster" "cc" {
  name                          = "cc"
  location                      = "eastus"
  machine_learning_workspace_id = azurerm_machine_learning_workspace.ws.id
  vm_priority                   = "Dedicated"
  vm_size                       = "Standard_DS3_v2"
  node_public_ip_enabled        = false

  scale_settings {
    min_node_count                       = 0
    max_node_count                       = 2
    scale_down_nodes_after_idle_duration = "PT15M"
  }
}

resource "azurerm_machine_learning_workspace_network_outbound_rule_service_tag" "bare" {
  name         = "bare"
  workspace_id = azurerm_machine_learning_workspace.ws.id
  service_tag  = "DataFactory"
}

resource "azurerm_machine_learning_workspace_network_outbound_rule_service_tag" "tcp" {
  name         = "tcp"
  workspace_id = azurerm_machine_learning_workspace.ws.id
  service_tag  = "Sql"
  protocol     = "TCP"
}

resource "azurerm_machine_learning_workspace_network_outbound_rule_service_tag" "full" {
  name         = "full"
  workspace_id = azurerm_machine_learning_workspace.ws.id
  service_tag  = "EventHub"
  protocol     = "TCP"
  port_ranges  = "443"
}
"#;

#[test]
fn left_out_protocol_and_ports_are_unknown() {
    let s = Scratch::new("service-tag-transport", &[("main.tf", CONFIG)]);
    let l = moat_terraform::load(&s.0, &Default::default())
        .unwrap_or_else(|e| panic!("{:#?}", e.diagnostics));
    let t = &l.topology;
    let rules = &t.workspaces[0].managed_network.outbound_rules;
    let tag = |name: &str| -> &ServiceTagDestination {
        match &rules
            .iter()
            .find(|r| r.name == name)
            .unwrap_or_else(|| panic!("{name}: {rules:#?}"))
            .destination
        {
            OutboundDestination::ServiceTag(d) => d,
            d => panic!("{d:?}"),
        }
    };
    let bare = tag("bare");
    assert!(
        bare.protocol.is_unknown() && bare.port_ranges.is_unknown(),
        "{bare:?}"
    );
    let tcp = tag("tcp");
    assert_eq!(tcp.protocol.get(), Some(FirewallProtocol::Tcp));
    assert!(tcp.port_ranges.is_unknown(), "{tcp:?}");
    let full = tag("full");
    assert!(full.transport_open().is_none(), "{full:?}");

    let e = Engine::for_topology(t, None).unwrap();
    let verdict = |tag: &str, protocol: Protocol, port: u16| {
        let q = Query {
            from: "compute/cc".parse().unwrap(),
            to: format!("tag:{tag}").parse().unwrap(),
            protocol,
            port,
        };
        moat_engine::trace::trace(&e, &q).unwrap().verdict
    };
    assert_eq!(verdict("DataFactory", Protocol::TCP, 443), Verdict::Unknown);
    assert_eq!(verdict("Sql", Protocol::TCP, 1433), Verdict::Unknown);
    // TCP only, whatever the ports: UDP is refused.
    assert_eq!(verdict("Sql", Protocol::UDP, 1433), Verdict::Denied);
    assert_eq!(verdict("EventHub", Protocol::TCP, 443), Verdict::Allowed);
}
