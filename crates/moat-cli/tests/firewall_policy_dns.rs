//! Where a firewall's DNS proxy forwards when its policy's servers come from a template
//! parameter.
//!
//! The templates of `firewall_policy_dns/` give the spoke VNet the hub firewall as its DNS
//! server; the firewall's policy turns its proxy on and names its servers by a parameter
//! (`dnsSettings.servers`). The storage account's privatelink zone is linked to the hub only.

use serde_json::Value;
use std::process::Command;

/// `moat trace <template> --from subnet/spoke/training --to fqdn:mlstore.blob.core.windows.net
/// --port 443 --format json`.
fn blob_from_spoke(file: &str) -> Value {
    let path = format!(
        "{}/tests/data/firewall_policy_dns/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let out = Command::new(env!("CARGO_BIN_EXE_moat"))
        .args(["trace", &path, "--from", "subnet/spoke/training"])
        .args([
            "--to",
            "fqdn:mlstore.blob.core.windows.net",
            "--port",
            "443",
        ])
        .args(["--format", "json"])
        .output()
        .expect("moat runs");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Seed 004: "If you have your own DNS server hosted in Azure or on-premises, you need to
/// create a conditional forwarder in your DNS server. The conditional forwarder sends DNS
/// requests to the Azure DNS for all private link enabled PaaS services." A parameter without
/// value may name such a server, or none (Azure DNS): the two answer the privatelink name
/// differently, so the flow is undecided and names the parameter, never allowed on Azure
/// DNS's answer.
#[test]
fn servers_a_parameter_leaves_open_leave_the_proxys_answer_open() {
    let v = blob_from_spoke("servers_open.json");
    assert_eq!(v["verdict"], "unknown", "{v:#}");
    let missing: Vec<&str> = v["missing"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        missing.iter().any(
            |m| m.contains("firewall-policy/hub-fw-policy") && m.contains("upstreamDnsServers")
        ),
        "{v:#}"
    );
}

/// Azure Firewall DNS settings: "By default, Azure Firewall uses Azure DNS for name
/// resolution." A parameter whose default is the empty list names none: the proxy forwards to
/// Azure DNS from the hub, whose linked zone answers with the endpoint's address.
#[test]
fn an_empty_default_is_azure_dns_and_decides() {
    let v = blob_from_spoke("servers_default_empty.json");
    assert_eq!(v["verdict"], "allowed", "{v:#}");
    let hops = v["hops"].as_array().unwrap();
    assert!(
        hops.iter().any(|h| h["code"] == "DNS_FIREWALL_PROXY"
            && h["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("Azure DNS")),
        "{v:#}"
    );
    assert!(hops.iter().any(|h| h["code"] == "PE_APPROVED"), "{v:#}");
}
