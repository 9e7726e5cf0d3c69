//! Traces to a bare public address: what a service tag or a service endpoint policy says about
//! an address depends on facts the address alone does not carry.

use moat_engine::{Code, Step};
use moat_engine::{Engine, HopDecision, Query, Trace, Verdict};
use moat_packets::Protocol;
use std::path::Path;

fn tags_file() -> &'static Path {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/ServiceTags_Public.json"
    ))
}

fn trace(yaml: &str, tags: Option<&Path>, to: &str) -> Trace {
    let t = moat_ingest::parse_native_str("t.yaml", yaml).unwrap();
    let e = Engine::for_topology(&t, tags).unwrap();
    let q = Query {
        from: "subnet/v/s".parse().unwrap(),
        to: to.parse().unwrap(),
        protocol: Protocol::TCP,
        port: 443,
    };
    moat_engine::trace::trace(&e, &q).unwrap()
}

fn decisive(t: &Trace) -> &moat_engine::Hop {
    t.hops
        .iter()
        .rfind(|h| h.decision != HopDecision::Pass && h.decision != HopDecision::Info)
        .unwrap_or_else(|| panic!("no deciding hop: {t:#?}"))
}

/// Outbound allowed only to the Azure Machine Learning service tag.
const TAG_ONLY: &str = r#"
region: eastus
virtual_networks:
  - name: v
    address_space: [10.0.0.0/16]
    subnets: [{ name: s, address_prefixes: [10.0.0.0/24], network_security_group: nsg }]
network_security_groups:
  - name: nsg
    rules:
      - { name: AzureML, priority: 100, direction: Outbound, access: Allow, protocol: Tcp, destination: AzureMachineLearning, destination_ports: 443 }
      - { name: DenyRest, priority: 4000, direction: Outbound, access: Deny, destination: Internet }
"#;

#[test]
fn a_public_address_against_a_tag_rule_needs_the_tags_file() {
    // "A service tag represents a group of IP address prefixes from a given Azure service"
    // (Azure virtual network service tags): which group an address belongs to is what the
    // published file says, so without it a rule naming a tag may or may not match the address.
    // 4.171.27.65 sits in AzureMachineLearning's published prefixes; 192.0.2.10 in none.
    let without = trace(TAG_ONLY, None, "ip:4.171.27.65");
    assert_eq!(without.verdict, Verdict::Unknown, "{without:#?}");
    assert_eq!(decisive(&without).step, Step::Nsg);

    let with = trace(TAG_ONLY, Some(tags_file()), "ip:4.171.27.65");
    assert_eq!(with.verdict, Verdict::Allowed, "{with:#?}");
    let elsewhere = trace(TAG_ONLY, Some(tags_file()), "ip:192.0.2.10");
    assert_eq!(elsewhere.verdict, Verdict::Denied, "{elsewhere:#?}");
    assert_eq!(decisive(&elsewhere).code, Code::NsgOutboundDeny);
}

#[test]
fn named_hosts_stay_decided_without_the_file() {
    // A host reached by name is placed in its tag symbolically, so the same rule decides it
    // without the file: github.com is in no Azure tag and meets DenyRest.
    let t = trace(TAG_ONLY, None, "fqdn:github.com");
    assert_eq!(t.verdict, Verdict::Denied, "{t:#?}");
}

/// A service endpoint and a policy admitting one account, as data exfiltration prevention sets
/// them up.
const SEP: &str = r#"
region: eastus
storage_accounts: [{ name: wsstorage }, { name: other }]
virtual_networks:
  - name: v
    address_space: [10.0.0.0/16]
    subnets:
      - name: s
        address_prefixes: [10.0.0.0/24]
        service_endpoints: [Microsoft.Storage]
        service_endpoint_policies: [pol]
service_endpoint_policies:
  - name: pol
    definitions:
      - name: d
        service: Microsoft.Storage
        service_resources:
          - /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/wsstorage
          - /services/Azure/MachineLearning
"#;

#[test]
fn a_storage_address_alone_does_not_name_the_account_a_policy_admits() {
    // Facts §7: the service endpoint policy's resource is the workspace's default storage
    // (Scope "Single account"): the policy admits accounts, and an address of the Storage tag
    // may serve any account of its region, listed or not.
    let by_address = trace(SEP, Some(tags_file()), "ip:13.68.163.33");
    assert_eq!(by_address.verdict, Verdict::Unknown, "{by_address:#?}");
    assert_eq!(decisive(&by_address).code, Code::SepAccountUnknown);
    assert!(
        by_address
            .missing
            .iter()
            .any(|m| m.contains("storage account"))
    );

    // Named accounts stay decided both ways.
    let listed = trace(SEP, Some(tags_file()), "storage/wsstorage");
    assert_eq!(listed.verdict, Verdict::Allowed, "{listed:#?}");
    let other = trace(SEP, Some(tags_file()), "storage/other");
    assert_eq!(other.verdict, Verdict::Denied, "{other:#?}");
    assert_eq!(decisive(&other).code, Code::SepDeny);
}
