//! A list the input leaves open is never read as the part the importer could resolve.
//!
//! Seed 004 (planning for network isolation, "Key considerations"): "If you have your own DNS
//! server hosted in Azure or on-premises, you need to create a conditional forwarder in your
//! DNS server. The conditional forwarder sends DNS requests to the Azure DNS for all private
//! link enabled PaaS services." A VNet whose DNS servers are a parameter without value may use Azure DNS, or a
//! custom server that forwards nothing: DNS001 is undecided and names the parameter — not
//! silent, as it was when the importer's empty list was read as "Azure DNS". Given the value,
//! it is decided.

mod checked;

use std::process::Command;

const TEMPLATE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/open_lists/dns_servers.json"
);

/// The DNS001 findings of `check --format json`: (certainty, needs).
fn dns001(args: &[&str]) -> Vec<(String, Vec<String>)> {
    let mut all = vec![TEMPLATE, "--select", "DNS001"];
    all.extend_from_slice(args);
    checked::findings(all)
        .iter()
        .map(|f| (checked::text(f, "certainty"), checked::needs(f)))
        .collect()
}

#[test]
fn dns_servers_left_open_leave_the_forwarding_rule_undecided() {
    let open = dns001(&[]);
    assert!(!open.is_empty(), "DNS001 is silent on open DNS servers");
    for (certainty, needs) in &open {
        assert_eq!(certainty, "undecided");
        assert!(
            needs
                .iter()
                .any(|n| n.contains("dns_servers of vnet/vnet") && n.contains("dnsServers")),
            "{needs:?}"
        );
    }
    // Azure DNS (no custom server): nothing to report, decided.
    assert!(dns001(&["--parameters", "dnsServers=[]"]).is_empty());
}

#[test]
fn a_flow_resolving_through_open_dns_servers_is_unknown() {
    let out = Command::new(env!("CARGO_BIN_EXE_moat"))
        .args([
            "trace",
            TEMPLATE,
            "--from",
            "subnet/vnet/pe",
            "--to",
            "workspace/ws",
        ])
        .output()
        .expect("moat runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("UNKNOWN"), "{text}");
    assert!(
        text.contains("DNS servers of VNet vnet (left open by the input)"),
        "{text}"
    );
    let given = Command::new(env!("CARGO_BIN_EXE_moat"))
        .args([
            "trace",
            TEMPLATE,
            "--from",
            "subnet/vnet/pe",
            "--to",
            "workspace/ws",
        ])
        .args(["--parameters", "dnsServers=[]"])
        .output()
        .expect("moat runs");
    let text = String::from_utf8_lossy(&given.stdout);
    assert!(
        text.contains("Azure DNS (168.63.129.16) from VNet vnet"),
        "{text}"
    );
}
