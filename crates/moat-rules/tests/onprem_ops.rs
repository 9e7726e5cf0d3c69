//! An operation run from an on-premises site behind a site-to-site VPN gateway (a local
//! network gateway and a connection): studio access to a private workspace through its
//! private endpoint, with and without the on-premises DNS's conditional forwarder. `ops` and
//! `check` must say the same.
//!
//! Seed 002, "Securely connect to your workspace": "Azure VPN gateway - Connects on-premises
//! networks to the VNet over a private connection." Facts §2.3 (DNS for on-premises clients):
//! the on-premises DNS forwards `api.azureml.ms` (and `notebooks.azure.net`) to a DNS server in
//! the VNet, which asks Azure DNS; without the forwarder the workspace's name resolves to its
//! public address, where a workspace whose public access is disabled refuses (DNS002).

use moat_engine::intent::Intent;
use moat_engine::ops::{Filter, OpResult, Status, evaluate};
use moat_engine::{Code, OpId, Step, Verdict};
use moat_rules::Finding;
use moat_rules::check::{Selection, run};

const SITE: &str = r#"
region: eastus
workspaces:
  - { name: ws, public_network_access: Disabled, workspace_id: 11111111-2222-3333-4444-555555555555 }
virtual_networks:
  - name: vnet
    address_space: [10.0.0.0/16]
    subnets:
      - { name: GatewaySubnet, address_prefixes: [10.0.255.0/27] }
      - { name: dns, address_prefixes: [10.0.2.0/24] }
      - { name: pe, address_prefixes: [10.0.3.0/24] }
virtual_network_gateways: [{ name: gw, vnet: vnet, gateway_type: Vpn }]
local_network_gateways: [{ name: office, address_prefixes: [192.168.0.0/16] }]
connections: [{ name: s2s, connection_type: IPsec, virtual_network_gateway: gw, local_network_gateway: office }]
dns_servers:
  - { name: onprem-dns, address: 192.168.0.53, forwarders: [{ zone: api.azureml.ms, to: [10.0.2.4] }, { zone: notebooks.azure.net, to: [10.0.2.4] }] }
  - { name: vnet-dns, address: 10.0.2.4, forwarders: [{ zone: api.azureml.ms, to: [168.63.129.16] }, { zone: notebooks.azure.net, to: [168.63.129.16] }] }
private_endpoints:
  - { name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace, ip_address: 10.0.3.4,
      dns_zone_group: [privatelink.api.azureml.ms, privatelink.notebooks.azure.net] }
private_dns_zones:
  - { name: privatelink.api.azureml.ms, vnet_links: [vnet] }
  - { name: privatelink.notebooks.azure.net, vnet_links: [vnet] }
clients:
  - { name: analyst, location: onprem, address: 192.168.1.10, dns_servers: [192.168.0.53], operations: [studio.open] }
"#;

/// The same site whose DNS has no conditional forwarder for `api.azureml.ms`.
fn without_forwarder() -> String {
    let s = SITE.replace(
        "forwarders: [{ zone: api.azureml.ms, to: [10.0.2.4] }, { zone: notebooks.azure.net, to: [10.0.2.4] }] }",
        "forwarders: [{ zone: notebooks.azure.net, to: [10.0.2.4] }] }",
    );
    assert_ne!(s, SITE);
    s
}

/// `studio.open` as `moat ops` evaluates it, and every finding of `moat check`.
fn ops_and_check(yaml: &str) -> (OpResult, Vec<Finding>) {
    let t = match moat_ingest::parse_native_str("t.yaml", yaml) {
        Ok(t) => t,
        Err(d) => panic!("bad test topology: {d:#?}"),
    };
    let e = moat_engine::Engine::for_topology(&t, None).expect("engine");
    let f = Filter {
        op: Some(OpId::StudioOpen),
        ..Default::default()
    };
    let mut ops = evaluate(&e, &Intent::of(&t), &f);
    assert_eq!(ops.len(), 1, "{ops:#?}");
    let cx = moat_rules::Context::new(&e);
    (ops.remove(0), run(&cx, &Selection::default()))
}

/// The flow of the operation to the workspace's API from the on-premises client.
fn api_flow(r: &OpResult) -> &moat_engine::ops::FlowResult {
    r.flows
        .iter()
        .find(|f| f.trace.to.to_string() == "workspace/ws" && f.trace.port == 443)
        .unwrap_or_else(|| panic!("no flow to the workspace: {r:#?}"))
}

#[test]
fn studio_from_the_site_with_the_forwarder_works_through_the_private_endpoint() {
    let (r, findings) = ops_and_check(SITE);
    assert_eq!(r.status, Status::Works, "{r:#?}");
    let f = api_flow(&r);
    assert_eq!(f.verdict, Verdict::Allowed, "{:#?}", f.trace);
    assert!(
        f.trace.from.to_string().contains("analyst"),
        "from the on-premises client: {}",
        f.trace.from
    );
    // The name resolves to the private endpoint, reached over the gateway.
    let pe = f
        .trace
        .hops
        .iter()
        .find(|h| h.step == Step::PrivateEndpoint)
        .unwrap_or_else(|| panic!("no private endpoint hop: {:#?}", f.trace));
    assert_eq!(
        pe.subject.as_ref().map(|s| s.to_string()).as_deref(),
        Some("private-endpoint/ws-pe")
    );
    // check agrees: no site is without a path, no forwarder is missing, no operation fails.
    for code in ["DNS002", "WS001", "OPS001"] {
        let v: Vec<&Finding> = findings.iter().filter(|x| x.code == code).collect();
        assert!(v.is_empty(), "{code}: {v:#?}");
    }
}

#[test]
fn studio_from_the_site_without_the_forwarder_fails_and_check_says_so() {
    let (r, findings) = ops_and_check(&without_forwarder());
    assert_eq!(r.status, Status::Fails, "{r:#?}");
    let f = api_flow(&r);
    assert_eq!(f.verdict, Verdict::Denied, "{:#?}", f.trace);
    let b = f.trace.blocked_by().expect("a blocking hop");
    assert_eq!(b.code, Code::RfPublicDisabled, "{:#?}", f.trace);
    // check reports the same failure, decided, through the rule that owns it.
    let dns002: Vec<&Finding> = findings.iter().filter(|x| x.code == "DNS002").collect();
    assert_eq!(dns002.len(), 1, "{findings:#?}");
    assert!(dns002[0].needs.is_empty());
    let covering: Vec<&Finding> = findings
        .iter()
        .filter(|x| moat_rules::covers(x, &f.trace))
        .collect();
    assert!(!covering.is_empty(), "no finding reports {:#?}", f.trace);
    assert!(
        covering.iter().any(|x| x.needs.is_empty()
            && x.trace
                .as_ref()
                .is_some_and(|t| t.verdict == Verdict::Denied)),
        "{covering:#?}"
    );
}
