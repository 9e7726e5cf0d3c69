//! A managed network hop that a user's outbound rule lets through names that rule's place. In
//! AllowOnlyApprovedOutbound mode "egress only to service tags / FQDNs / PEs configured" (facts
//! §5.1): the element that decides is the outbound rule, written here as a resource of its own
//! (`azurerm_machine_learning_workspace_network_outbound_rule_fqdn`, `..._service_tag`), so
//! the trace, and what findings quote of it, points at that resource, not at the workspace.

use std::path::Path;
use std::process::Command;

fn decisive_line(to: &str, port: &str) -> (String, u64) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/managed_rule_location");
    let o = Command::new(env!("CARGO_BIN_EXE_moat"))
        .arg("trace")
        .arg(&dir)
        .args(["--from", "compute/cpu", "--to", to, "--port", port])
        .args(["--format", "json"])
        .env("NO_COLOR", "1")
        .output()
        .expect("moat runs");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON trace");
    assert_eq!(v["verdict"], "allowed", "{v:#}");
    let hop = v["hops"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["step"] == "managed-network")
        .cloned()
        .unwrap_or_else(|| panic!("a managed network hop: {v:#}"));
    (
        hop["at"]["pointer"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        hop["at"]["line"].as_u64().unwrap_or_default(),
    )
}

#[test]
fn the_fqdn_rule_that_allows_is_where_the_hop_points() {
    let (pointer, line) = decisive_line("fqdn:mirror.example.org", "443");
    assert_eq!(
        pointer,
        "azurerm_machine_learning_workspace_network_outbound_rule_fqdn.mirror"
    );
    assert_eq!(line, 46);
}

#[test]
fn the_service_tag_rule_that_allows_is_where_the_hop_points() {
    let (pointer, line) = decisive_line("tag:Sql", "1433");
    assert_eq!(
        pointer,
        "azurerm_machine_learning_workspace_network_outbound_rule_service_tag.sql"
    );
    assert_eq!(line, 52);
}
