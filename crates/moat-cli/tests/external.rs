//! Resources a deployment refers to but does not declare. The rule for what is referenced but not declared: "A resource that
//! is referenced but not declared (an existing subnet passed as a parameter or read through a
//! data source, a zone in another subscription) becomes an *external* element with unknown
//! properties, and what the deployment puts into it (a private endpoint in that subnet) still
//! exists and is analysed." And the behaviour it replaces: "An ARM private endpoint placed in
//! `parameters('subnetId')` (an existing subnet, the common case in enterprise templates) is
//! dropped as a dangling reference, and the workspace gets WS001 + WS004."
//!
//! The same deployment is written three ways (an ARM template, a Terraform configuration, a
//! live export); in each, the workspace's only private endpoint sits in a subnet the input
//! does not declare.

use moat_engine::trace::{Query, trace};
use moat_engine::{Engine, Verdict};
use moat_model::address::{Address, Kind};
use moat_model::{Topology, external};
use moat_packets::Protocol;
use moat_rules::Severity;
use moat_rules::check::{Selection, run};
use std::path::{Path, PathBuf};

fn data(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/external")
        .join(p)
}

fn load(path: &Path, opts: moat_ingest::Options) -> Topology {
    match moat_ingest::load_opts(path, &opts) {
        Ok(l) => l.topology,
        Err(e) => panic!("{} does not load: {:#?}", path.display(), e.diagnostics),
    }
}

fn verdict(t: &Topology, from: Address, to: Address) -> Verdict {
    let e = Engine::for_topology(t, None).expect("engine");
    let q = Query {
        from,
        to,
        protocol: Protocol::TCP,
        port: 443,
    };
    trace(&e, &q).expect("trace").verdict
}

/// (code, severity) of every finding of `codes`.
fn findings(t: &Topology, codes: &[&str]) -> Vec<(String, Severity)> {
    let e = Engine::for_topology(t, None).expect("engine");
    let cx = moat_rules::Context::new(&e);
    run(&cx, &Selection::default())
        .into_iter()
        .filter(|f| codes.contains(&f.code))
        .map(|f| (f.code.to_string(), f.severity))
        .collect()
}

fn ws() -> Address {
    Address::resource(Kind::Workspace, "ws")
}

fn vm() -> Address {
    Address::resource(Kind::Vm, "jumpbox")
}

/// The private endpoint is kept, in the external subnet `subnet`, its address unknown.
fn endpoint_kept_in(t: &Topology, subnet: &str) {
    assert_eq!(t.private_endpoints.len(), 1, "{:#?}", t.private_endpoints);
    let pe = &t.private_endpoints[0];
    assert_eq!((pe.name.as_str(), pe.subnet.as_str()), ("ws-pe", subnet));
    assert_eq!(pe.ip_address, None);
    assert!(
        t.is_unknown("private-endpoint/ws-pe", "ip_address")
            .is_some()
    );
    assert!(external::is_external_subnet(t, &t.index(), subnet));
    let (v, _) = subnet.split_once('/').unwrap();
    assert!(
        external::list(t).contains(&format!("subnet/{subnet}"))
            && external::list(t).contains(&format!("vnet/{v}")),
        "{:?}",
        external::list(t)
    );
}

/// What reaches the workspace depends on the endpoint's unknown address: unknown, never
/// allowed or denied; what does not depend on it (the internet, refused by the disabled
/// public access) stays decided.
fn verdicts_rest_on_the_unknown_subnet(t: &Topology) {
    assert_eq!(verdict(t, vm(), ws()), Verdict::Unknown);
    assert_eq!(verdict(t, Address::Internet, ws()), Verdict::Denied);
}

/// No WS001 or WS004 error: WS004 (no private endpoint) does not hold, WS001 cannot be decided.
fn no_false_errors(t: &Topology) {
    let f = findings(t, &["WS001", "WS004", "CMP007"]);
    assert_eq!(f, vec![("WS001".to_string(), Severity::Warning)], "{f:?}");
}

#[test]
fn arm_private_endpoint_in_a_subnet_parameter_without_value() {
    let t = load(
        &data("pe-in-existing-subnet.json"),
        moat_ingest::Options::default(),
    );
    // Named after the parameter the subnet id comes from.
    endpoint_kept_in(&t, "<peSubnetId>/<peSubnetId>");
    verdicts_rest_on_the_unknown_subnet(&t);
    no_false_errors(&t);
}

#[test]
fn arm_private_endpoint_in_an_existing_subnet_named_by_its_id() {
    let opts = moat_ingest::Options {
        parameter_values: vec![(
            "peSubnetId".into(),
            "/subscriptions/9b2e4a71-3c5d-4f80-a1b2-c3d4e5f60718/resourceGroups/rg-hub/providers/Microsoft.Network/virtualNetworks/hub/subnets/endpoints".into(),
        )],
        ..Default::default()
    };
    let t = load(&data("pe-in-existing-subnet.json"), opts);
    // Named from the known parts of the id.
    endpoint_kept_in(&t, "hub/endpoints");
    verdicts_rest_on_the_unknown_subnet(&t);
    no_false_errors(&t);
}

#[test]
fn live_export_private_endpoint_in_a_subnet_outside_the_export() {
    let t = load(&data("live-estate.json"), moat_ingest::Options::default());
    endpoint_kept_in(&t, "hub/endpoints");
    verdicts_rest_on_the_unknown_subnet(&t);
    no_false_errors(&t);
}

#[test]
fn terraform_compute_in_a_data_source_subnet_and_endpoint_in_a_variable_subnet() {
    let t = load(&data("terraform"), moat_ingest::Options::default());
    // The variable has no value: one placeholder subnet named after it.
    endpoint_kept_in(&t, "<pe_subnet_id>/<pe_subnet_id>");
    // The compute read through `data.azurerm_subnet` is in that subnet, not "no VNet".
    let c = &t.computes[0];
    assert_eq!(c.subnet.as_deref(), Some("hub/training"));
    assert!(external::is_external_subnet(&t, &t.index(), "hub/training"));
    // Every flow out of the external subnet depends on its NSG, routes and DNS: unknown.
    let compute = Address::resource(Kind::Compute, "cpu-cluster");
    let storage = Address::resource(Kind::Storage, "extstorage");
    assert_eq!(verdict(&t, compute.clone(), storage), Verdict::Unknown);
    assert_eq!(verdict(&t, compute, Address::Internet), Verdict::Unknown);
    assert_eq!(verdict(&t, Address::Internet, ws()), Verdict::Denied);
    // No client location is declared; the external subnet's VNet may hold one.
    no_false_errors(&t);
}

/// The rule for what is referenced but not declared: "a zone in another subscription" becomes an external element. The endpoint
/// writes its record into a central zone the template does not deploy; whether that zone is
/// linked to the jump box's VNet is unknown, so is what the workspace name resolves to there.
#[test]
fn arm_zone_group_entry_for_a_central_zone_of_another_subscription() {
    let t = load(&data("central-zone.json"), moat_ingest::Options::default());
    let zone = "privatelink.api.azureml.ms";
    assert_eq!(t.private_endpoints[0].dns_zone_group, vec![zone]);
    assert_eq!(external::list(&t), vec![format!("private-dns-zone/{zone}")]);
    assert!(t.private_dns_zones[0].external);
    // Before, the entry was left out and the name resolved publicly: a definite "denied".
    assert_eq!(verdict(&t, vm(), ws()), Verdict::Unknown);
    assert_eq!(verdict(&t, Address::Internet, ws()), Verdict::Denied);
    let f = findings(&t, &["WS001", "WS004"]);
    assert_eq!(f, vec![("WS001".to_string(), Severity::Warning)], "{f:?}");
}

/// What is referenced but not declared, for a private endpoint's target and a zone's VNet link: a resource
/// referred to by its full id but not declared (the shared key vault of another subscription,
/// the corporate VNet) is an external element; the endpoint to it and the link to it are kept.
/// Before, the ARM importer dropped both ("not deployed by this template"), and the Terraform
/// importer kept the link to a VNet that was nowhere in the model. Written as an ARM template
/// and as a Terraform configuration, the deployment reads the same.
fn endpoint_to_an_external_vault_and_link_to_an_external_vnet(t: &Topology) {
    assert!(
        moat_model::validate(t).is_empty(),
        "{:#?}",
        moat_model::validate(t)
    );
    assert_eq!(t.private_endpoints.len(), 1);
    let pe = &t.private_endpoints[0];
    assert_eq!(
        (pe.name.as_str(), pe.subnet.as_str(), pe.group_id.as_str()),
        ("kv-pe", "spoke/pe", "vault")
    );
    assert_eq!(pe.target, Address::resource(Kind::Keyvault, "shared-kv"));
    // Its connection is to a resource whose settings are unknown: recorded, never defaulted.
    assert!(t.is_unknown("private-endpoint/kv-pe", "target").is_some());
    assert_eq!(external::list(t), vec!["vnet/corp", "keyvault/shared-kv"]);
    let z = &t.private_dns_zones[0];
    assert_eq!(z.vnet_links, vec!["spoke", "corp"]);
    // The links themselves are known: nothing about the zone is unknown.
    assert!(
        t.is_unknown(&format!("private-dns-zone/{}", z.name), "vnet_links")
            .is_none()
    );
    let corp = t
        .virtual_networks
        .iter()
        .find(|v| v.name == "corp")
        .unwrap();
    assert!(corp.external && t.is_unknown("vnet/corp", "dns_servers").is_some());
    // The endpoint is analysed: it has its zone group, so no finding about its DNS.
    let f = findings(t, &["PE001", "DNS001", "DNS003"]);
    assert!(f.is_empty(), "{f:?}");
}

#[test]
fn arm_endpoint_to_a_vault_outside_the_template_and_link_to_an_outside_vnet() {
    let t = load(
        &data("external-target.json"),
        moat_ingest::Options::default(),
    );
    endpoint_to_an_external_vault_and_link_to_an_external_vnet(&t);
}

#[test]
fn terraform_endpoint_to_a_vault_outside_the_configuration_and_link_to_an_outside_vnet() {
    let t = load(&data("external-target-tf"), moat_ingest::Options::default());
    endpoint_to_an_external_vault_and_link_to_an_external_vnet(&t);
}

/// What is referenced but not declared, for the hub's own services: a firewall, a VPN gateway, a bastion host and
/// a DNS resolver's inbound endpoint placed in subnets of a hub VNet the input does not declare
/// are kept, in external subnets. A firewall's private address comes from its
/// AzureFirewallSubnet, so with that subnet's prefix unknown, its address is unknown, never
/// made up; a spoke routed to an appliance address it may hold is unknown.
/// Before, all four were dropped ("not deployed by this template" in ARM; "the firewall is
/// not modelled" and VNets absent from the model in Terraform). ARM and Terraform agree.
fn hub_services_in_subnets_outside_the_input(t: &Topology) {
    assert!(
        moat_model::validate(t).is_empty(),
        "{:#?}",
        moat_model::validate(t)
    );
    assert_eq!(
        external::list(t),
        vec![
            "vnet/hub",
            "subnet/hub/AzureFirewallSubnet",
            "subnet/hub/GatewaySubnet",
            "subnet/hub/AzureBastionSubnet",
            "subnet/hub/dns-in"
        ]
    );
    let fw = &t.firewalls[0];
    assert_eq!((fw.name.as_str(), fw.vnet.as_str()), ("hub-fw", "hub"));
    assert_eq!(fw.private_ip_address, None);
    assert!(
        t.is_unknown("firewall/hub-fw", "private_ip_address")
            .is_some()
    );
    assert_eq!(fw.public_ips, vec!["fw-pip"]);
    assert_eq!(t.virtual_network_gateways[0].vnet, "hub");
    assert_eq!(t.bastion_hosts[0].vnet, "hub");
    let r = &t.dns_resolvers[0];
    assert_eq!(r.vnet, "hub");
    assert_eq!(r.inbound_endpoints.len(), 1);
    assert_eq!(r.inbound_endpoints[0].subnet, "hub/dns-in");
    assert_eq!(r.inbound_endpoints[0].ip_address, None);
    assert_eq!(verdict(t, vm(), Address::Internet), Verdict::Unknown);
}

#[test]
fn arm_hub_services_in_subnets_of_a_vnet_given_by_parameter() {
    let t = load(&data("hub-outside.json"), moat_ingest::Options::default());
    hub_services_in_subnets_outside_the_input(&t);
}

#[test]
fn terraform_hub_services_in_subnets_read_through_data_sources() {
    let t = load(&data("hub-outside-tf"), moat_ingest::Options::default());
    hub_services_in_subnets_outside_the_input(&t);
}

/// Rules that read a subnet's own settings — its delegations (CMP009: "a subnet that is not
/// delegated to any other service"), its default outbound access and NAT gateway (CMP010), its
/// private endpoint network policies (PE008) — read nothing certain from a subnet the input
/// does not declare: they answer "cannot confirm", undecided, never a decided error and never
/// Azure's default for a new subnet.
#[test]
fn rules_on_an_outside_subnets_settings_are_undecided() {
    let t = load(
        &data("compute-outside.json"),
        moat_ingest::Options::default(),
    );
    let e = Engine::for_topology(&t, None).expect("engine");
    let cx = moat_rules::Context::new(&e);
    let all = run(&cx, &Selection::default());
    assert!(
        all.iter().all(|f| f.severity != Severity::Error),
        "{:#?}",
        all.iter()
            .filter(|f| f.severity == Severity::Error)
            .collect::<Vec<_>>()
    );
    for code in ["CMP009", "CMP010", "PE008"] {
        let f: Vec<_> = all.iter().filter(|f| f.code == code).collect();
        assert_eq!(f.len(), 1, "{code}: {f:#?}");
        assert_eq!(f[0].severity, Severity::Warning, "{code}");
        assert!(
            f[0].message.starts_with("cannot confirm"),
            "{}",
            f[0].message
        );
        assert_eq!(moat_report::check::certainty(f[0]).0, "undecided", "{code}");
    }
}
