//! DNS002 onprem-dns-no-forwarder.

use crate::rules::sec::secured_by_perimeter;
use crate::rules::util_core::resolved_privately;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use moat_engine::Step;
use moat_engine::Verdict;
use moat_model::address::{Address, Kind};
use moat_model::clients::ClientPlace;
use moat_model::enums::PublicNetworkAccess;
use moat_packets::Protocol;

/// The rule.
pub struct Dns002;
/// Its registration.
pub static RULE: Dns002 = Dns002;

static DOC: RuleDoc = RuleDoc {
    code: "DNS002",
    name: "onprem-dns-no-forwarder",
    severity: Severity::Error,
    what: "A client connected over VPN or ExpressRoute resolves the name of a workspace or registry whose public network access is Disabled to its public endpoint (or to nothing), not to its private endpoint.",
    why: "Azure DNS (168.63.129.16) cannot be reached from on premises or from point-to-site clients, so their DNS must hand the Azure ML zones (api.azureml.ms, notebooks.azure.net, instances.azureml.ms, inference.ml.azure.com) to a DNS server or private resolver inside a VNet linked to the privatelink zones. Otherwise they get the public answer, and the private workspace or registry refuses them.",
    example: "workspaces: [{ name: ws, public_network_access: Disabled }]\nprivate_endpoints: [{ name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace }]\nclients: [{ name: office, location: onprem, address: 192.168.10.25 }]\nvirtual_network_gateways: [{ name: vpn-gw, vnet: vnet, gateway_type: Vpn }]\nconnections: [{ name: s2s, connection_type: IPsec, virtual_network_gateway: vpn-gw, remote_address_prefixes: [192.168.0.0/16] }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: GatewaySubnet, address_prefixes: [10.0.0.0/27] }, { name: pe, address_prefixes: [10.0.3.0/24] }] }]",
    fix: "Forward the Azure ML zones from the on-premises DNS (or the VPN clients' DNS) to a DNS server or private resolver inbound endpoint in a VNet linked to the privatelink zones.",
    fix_form: FixForm::Prose(prose::OUTSIDE),
    sources: &[
        doc!(
            SWV,
            "Securely connect to your workspace (plan name resolution for VPN and ExpressRoute)"
        ),
        doc!(PLAN, "Key considerations"),
    ],
    covers: &[],
    path: true,
};

impl Rule for Dns002 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        // Declared on-premises and point-to-site clients with their intended operations; when
        // none is declared, each on-premises site behind a gateway connection, working with
        // workspaces (the assumed studio.open / sdk.connect).
        let mut sources: Vec<(Address, String, bool, bool)> = Vec::new();
        for c in &cx.t.clients {
            if !matches!(
                c.location,
                ClientPlace::OnPremises | ClientPlace::PointToSite(_)
            ) {
                continue;
            }
            // What the client works with, as the intent says (declared or assumed).
            let ops: &[String] = cx
                .intent
                .client_ops
                .get(&c.name)
                .map(|(o, _)| o.as_slice())
                .unwrap_or(&[]);
            sources.push((
                Address::resource(Kind::Client, &c.name),
                format!("client {}", c.name),
                ops.iter().any(|o| !registry_op(o)),
                ops.iter().any(|o| registry_op(o)),
            ));
        }
        if sources.is_empty() {
            for (site, ip) in cx.e.onprem_sites() {
                sources.push((
                    Address::Ip(ip),
                    format!("on-premises site {site} ({ip})"),
                    true,
                    false,
                ));
            }
        }
        for (from, who, uses_workspaces, uses_registries) in sources {
            let mut targets: Vec<(Address, String, &moat_model::Provenance)> = Vec::new();
            for w in cx.t.workspaces.iter().filter(|w| {
                uses_workspaces
                    && private_or_perimeter(cx, Kind::Workspace, &w.name, w.public_network_access)
                    // A project resolves through its hub's names; the hub's finding covers it.
                    && moat_net::names::network_workspace(cx.t, &cx.e.ix, &w.name)
                        .is_some_and(|n| n.name == w.name)
            }) {
                let a = Address::resource(Kind::Workspace, &w.name);
                targets.push((a.clone(), format!("workspace/{}", w.name), &w.at));
                targets.push((
                    a.with_sub("notebooks"),
                    format!("workspace/{}", w.name),
                    &w.at,
                ));
            }
            if uses_registries {
                for r in cx.t.registries.iter().filter(|r| {
                    private_or_perimeter(cx, Kind::Registry, &r.name, r.public_network_access)
                }) {
                    targets.push((
                        Address::resource(Kind::Registry, &r.name),
                        format!("registry/{}", r.name),
                        &r.at,
                    ));
                }
            }
            let mut reported = std::collections::HashSet::new();
            for (to, resource, at) in targets {
                if reported.contains(&resource) {
                    continue;
                }
                let Some(t) = cx.trace(from.clone(), to.clone(), Protocol::TCP, 443) else {
                    continue;
                };
                if t.verdict == Verdict::Allowed || resolved_privately(&t) {
                    continue;
                }
                // Only name resolution is this rule's concern: the trace must not have got a
                // private answer anywhere.
                if !t.hops.iter().any(|h| h.step == Step::Dns) {
                    continue;
                }
                reported.insert(resource.clone());
                let answer = t
                    .hops
                    .iter()
                    .rev()
                    .find(|h| h.step == Step::Dns)
                    .map(|h| format!(" (last answer: {})", h.detail))
                    .unwrap_or_default();
                let only = if secured_by_perimeter(cx, &resource) {
                    "the resource's public endpoint admits only what its network security perimeter's access rules allow"
                } else {
                    "the resource accepts private traffic only"
                };
                let mut f = Finding::new(
                    &DOC,
                    &resource,
                    format!("{who} gets no private address for {to}{answer}, and {only}"),
                    DOC.fix,
                    at,
                );
                if t.verdict == Verdict::Unknown {
                    f.severity = Severity::Warning;
                }
                out.push(f.with_trace(t));
            }
        }
    }
}

/// Whether a resource takes private traffic only (public access Disabled), or may: public
/// access SecuredByPerimeter with a private endpoint, where the public answer reaches only what
/// the perimeter's rules admit (the trace says so, undecided). Without a private endpoint such
/// a resource is used publicly by design.
fn private_or_perimeter(cx: &Context, kind: Kind, name: &str, pna: PublicNetworkAccess) -> bool {
    match pna {
        PublicNetworkAccess::Disabled => true,
        PublicNetworkAccess::Enabled => false,
        PublicNetworkAccess::SecuredByPerimeter => {
            cx.e.ix.endpoints_of(cx.t, kind, name).next().is_some()
        }
    }
}

/// Whether a declared operation acts on a registry (its catalog id says so).
fn registry_op(name: &str) -> bool {
    moat_engine::OpId::parse(name).is_some_and(moat_engine::OpId::is_registry)
}
