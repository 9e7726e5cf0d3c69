//! Documented requirements that are behaviour of the path engine rather than a rule: each test
//! names its item of the network requirements reference, which the catalog test reads.

use moat_engine::{Code, Step};
use moat_engine::{Engine, Trace, Verdict};
use moat_model::Address;
use moat_packets::Protocol;

fn trace(yaml: &str, from: &str, to: &str) -> Trace {
    let t = match moat_ingest::parse_native_str("t.yaml", yaml) {
        Ok(t) => t,
        Err(d) => panic!("bad test topology: {d:#?}"),
    };
    let e = Engine::for_topology(&t, None).unwrap();
    let q = moat_engine::Query {
        from: from.parse::<Address>().unwrap(),
        to: to.parse::<Address>().unwrap(),
        protocol: Protocol::TCP,
        port: 443,
    };
    moat_engine::trace::trace(&e, &q).unwrap()
}

fn through_endpoint(t: &Trace) -> bool {
    t.verdict == Verdict::Allowed && t.hops.iter().any(|h| h.code == Code::PeApproved)
}

/// A workspace with a private endpoint, a client VM in the VNet, zones linked, and a client on
/// the internet.
const BASE: &str = r#"
region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled }
virtual_networks:
  - name: vnet
    address_space: [10.0.0.0/16]
    subnets:
      - { name: clients, address_prefixes: [10.0.1.0/24] }
      - { name: pe, address_prefixes: [10.0.3.0/24] }
virtual_machines:
  - { name: jumpbox, network_interfaces: [nic] }
network_interfaces:
  - { name: nic, subnet: vnet/clients, private_ip_address: 10.0.1.4 }
private_endpoints:
  - { name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace, ip_address: 10.0.3.4,
      dns_zone_group: [privatelink.api.azureml.ms] }
private_dns_zones:
  - { name: privatelink.api.azureml.ms, vnet_links: [vnet] }
clients:
  - { name: home, location: internet, public_address: 20.1.2.3 }
"#;

#[test]
fn public_access_keeps_private_paths_private() {
    // §6.11 (Configure a private endpoint, "Enable public access"): enabling public network
    // access keeps the existing private endpoints; clients in their VNet still go through
    // them, and internet clients now reach the public endpoint.
    let public = BASE.replace(
        "{ name: ws, public_network_access: Disabled }",
        "{ name: ws, public_network_access: Enabled }",
    );
    assert!(through_endpoint(&trace(
        &public,
        "vm/jumpbox",
        "workspace/ws"
    )));
    assert_eq!(
        trace(&public, "client/home", "workspace/ws").verdict,
        Verdict::Allowed
    );
    assert_eq!(
        trace(BASE, "client/home", "workspace/ws").verdict,
        Verdict::Denied
    );
}

#[test]
fn scoring_enters_through_the_workspace_endpoint() {
    // §8.scoring-through-ws-pe (Network isolation with managed online endpoints, inbound):
    // scoring a managed online endpoint whose public access is disabled goes through the
    // workspace's private endpoint; public callers are refused.
    let yaml = format!(
        "{BASE}online_endpoints:\n  - {{ name: ep, workspace: ws, public_network_access: Disabled }}\n"
    );
    assert!(through_endpoint(&trace(
        &yaml,
        "vm/jumpbox",
        "online-endpoint/ep"
    )));
    assert_ne!(
        trace(&yaml, "client/home", "online-endpoint/ep").verdict,
        Verdict::Allowed
    );
}

#[test]
fn instance_rules_survive_disabled_public_access() {
    // §6.36 (Azure Storage network security limitations): trusted-service access and
    // resource-instance rules set while "selected networks" stay effective after public
    // network access is set to Disabled; other accounts refuse the service. (A registry's
    // back end is the documented exception, §6.89.)
    let yaml = r#"
region: eastus
workspaces: [{ name: ws }]
storage_accounts:
  - name: st
    public_network_access: Disabled
    network_rules:
      default_action: Deny
      bypass: [None]
      resource_access_rules: [{ resource_type: Microsoft.MachineLearningServices/workspaces, name: ws }]
  - name: other
    public_network_access: Disabled
    network_rules: { default_action: Deny, bypass: [None] }
"#;
    assert_eq!(
        trace(yaml, "workspace/ws", "storage/st").verdict,
        Verdict::Allowed
    );
    assert_ne!(
        trace(yaml, "workspace/ws", "storage/other").verdict,
        Verdict::Allowed
    );
}

#[test]
fn projects_use_their_hub_endpoint() {
    // §6.99 (How to use your workspace with a custom DNS server): project workspaces inherit
    // the hub's FQDNs, so clients reach a project through the hub's private endpoint.
    let yaml = BASE.replace(
        "  - { name: ws, public_network_access: Disabled }",
        "  - { name: ws, kind: Hub, public_network_access: Disabled }\n  - { name: proj, kind: Project, hub: ws, public_network_access: Disabled }",
    );
    assert!(through_endpoint(&trace(
        &yaml,
        "vm/jumpbox",
        "workspace/proj"
    )));
    // A workspace that is not a project of the hub has no endpoint here.
    let alone = yaml.replace("kind: Project, hub: ws, ", "");
    assert!(!through_endpoint(&trace(
        &alone,
        "vm/jumpbox",
        "workspace/proj"
    )));
}

#[test]
fn endpoint_honours_the_workspace_allow_list() {
    // §8.selected-ips-endpoint (Configure a private endpoint for an Azure Machine Learning
    // workspace, "Enabled from selected IP addresses"): with the workspace "Enabled from
    // selected IPs" and the endpoint's public network access Enabled, "Yes" — the endpoint
    // honours the workspace's IP rules. A single address in the list is its /32.
    let yaml = format!(
        "{}online_endpoints:\n  - {{ name: ep, workspace: ws, public_network_access: Enabled }}\n",
        BASE.replace(
            "{ name: ws, public_network_access: Disabled }",
            "{ name: ws, public_network_access: Enabled, network_acls: { default_action: Deny, ip_rules: [20.1.2.3] } }",
        )
    );
    assert_eq!(
        trace(&yaml, "client/home", "online-endpoint/ep").verdict,
        Verdict::Allowed
    );
    assert_eq!(
        trace(&yaml, "client/home", "workspace/ws").verdict,
        Verdict::Allowed
    );
    let elsewhere = yaml.replace("public_address: 20.1.2.3", "public_address: 20.9.9.9");
    let t = trace(&elsewhere, "client/home", "online-endpoint/ep");
    assert_eq!(t.verdict, Verdict::Denied);
    assert!(
        t.hops.iter().any(|h| h.code == Code::RfIpNotAllowed),
        "{:#?}",
        t.hops
    );
}

#[test]
fn notebook_label_is_kept_within_63_characters() {
    // §6.98 (How to use your workspace with a custom DNS server): "The workspace name for
    // this FQDN might be truncated. Truncation is done to keep
    // ml-<workspace-name, truncated>-<region>-<workspace-guid> at 63 characters or less."
    let guid = "fb7e20a0-8891-458b-b969-55ddb3382f51";
    let yaml = BASE
        .replace(
            "{ name: ws, public_network_access: Disabled }",
            &format!(
                "{{ name: a-very-long-workspace-name-for-research, workspace_id: {guid}, public_network_access: Disabled }}"
            ),
        )
        .replace("target: workspace/ws", "target: workspace/a-very-long-workspace-name-for-research")
        .replace(
            "dns_zone_group: [privatelink.api.azureml.ms] }",
            "dns_zone_group: [privatelink.api.azureml.ms, privatelink.notebooks.azure.net] }",
        )
        .replace(
            "  - { name: privatelink.api.azureml.ms, vnet_links: [vnet] }\n",
            "  - { name: privatelink.api.azureml.ms, vnet_links: [vnet] }\n  - { name: privatelink.notebooks.azure.net, vnet_links: [vnet] }\n",
        );
    let t = trace(
        &yaml,
        "vm/jumpbox",
        "workspace/a-very-long-workspace-name-for-research:notebooks",
    );
    assert!(through_endpoint(&t), "{:#?}", t.hops);
    let label = format!("ml-a-very-long-work-eastus-{guid}");
    assert_eq!(label.len(), 63);
    assert!(
        t.hops.iter().any(|h| h.step == Step::Dns
            && h.detail
                .contains(&format!("{label}.eastus.notebooks.azure.net"))),
        "{:#?}",
        t.hops
    );
    // A short name is kept whole.
    let short = yaml.replace("a-very-long-workspace-name-for-research", "ws");
    let t = trace(&short, "vm/jumpbox", "workspace/ws:notebooks");
    assert!(
        t.hops.iter().any(|h| h.step == Step::Dns
            && h.detail
                .contains(&format!("ml-ws-eastus-{guid}.eastus.notebooks.azure.net"))),
        "{:#?}",
        t.hops
    );
}

#[test]
fn compute_instance_name_resolves_to_the_workspace_endpoint() {
    // §6.97 (How to use your workspace with a custom DNS server, "Manual DNS server
    // integration"): for `<instance-name>.<region>.instances...`, "The IP address for this
    // FQDN is not the IP of the compute instance. Instead, use the private IP address of the
    // workspace private endpoint (the IP of the *.api.azureml.ms entries.)"
    let yaml = format!(
        "{BASE}computes:\n  - {{ name: ci, workspace: ws, type: ComputeInstance, subnet: vnet/clients }}\n"
    );
    let name = "fqdn:ci.eastus.instances.azureml.ms";
    let t = trace(&yaml, "vm/jumpbox", name);
    assert!(through_endpoint(&t), "{:#?}", t.hops);
    assert!(
        t.hops.iter().any(|h| h.code == Code::DnsInstanceWorkspace),
        "{:#?}",
        t.hops
    );
    // From the internet the name is the workspace's public endpoint, closed here.
    let t = trace(&yaml, "client/home", name);
    assert_eq!(t.verdict, Verdict::Denied, "{:#?}", t.hops);
    assert!(!t.hops.iter().any(|h| h.code == Code::PeApproved));
}
