//! PE005 endpoint-vnet-lacks-dependencies.

use crate::rules::util_core::{
    acr, acr_restricted, endpoints_maybe_used, storage, storage_restricted, subnet_address,
    trace_finding, vnet_at, vnet_part,
};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_engine::Verdict;
use moat_model::address::{Address, Kind};
use moat_packets::Protocol;
use std::collections::HashSet;

/// The rule.
pub struct Pe005;
/// Its registration.
pub static RULE: Pe005 = Pe005;

static DOC: RuleDoc = RuleDoc {
    code: "PE005",
    name: "endpoint-vnet-lacks-dependencies",
    severity: Severity::Error,
    what: "A VNet holding a workspace private endpoint that clients, AKS clusters or computes come through cannot reach the workspace's default storage or container registry (traced from the endpoint's subnet).",
    why: "Every VNet that holds a workspace private endpoint must also reach the workspace's storage account, key vault and container registry — usually through private endpoints of their own in that VNet (the 'isolated clients' and 'isolated AKS' designs). A client VNet with only a workspace endpoint opens studio but cannot read data or images. The key vault is checked by KV001. With a workspace managed network the computes reach the dependencies from the managed network, so client VNets need the storage only.",
    example: "workspaces: [{ name: ws, public_network_access: Disabled, storage_account: st }]\nstorage_accounts: [{ name: st, public_network_access: Disabled }]\nprivate_endpoints: [{ name: client-ws-pe, subnet: client-vnet/pe, target: workspace/ws, group_id: amlworkspace, dns_zone_group: [privatelink.api.azureml.ms] }]\nprivate_dns_zones: [{ name: privatelink.api.azureml.ms, vnet_links: [client-vnet] }]\nclients: [{ name: datasci, location: vm/jumpbox }]\nvirtual_machines: [{ name: jumpbox, network_interfaces: [jumpbox-nic] }]\nnetwork_interfaces: [{ name: jumpbox-nic, subnet: client-vnet/jumpbox }]\nvirtual_networks: [{ name: client-vnet, address_space: [10.5.0.0/16], subnets: [{ name: jumpbox, address_prefixes: [10.5.1.0/24] }, { name: pe, address_prefixes: [10.5.3.0/24] }] }]",
    fix: "Create private endpoints for the workspace's storage account (blob and file) and container registry in that VNet, with their DNS zones linked.",
    fix_form: FixForm::Code,
    sources: &[doc!(
        PL,
        "Multiple private endpoints (important note); Scenario: Isolated clients; Scenario: Isolated Azure Kubernetes Service"
    )],
    covers: &["§6.8"],
    path: true,
};

impl Rule for Pe005 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let mut seen = HashSet::new();
        for w in &cx.t.workspaces {
            let managed = w.managed_network.enabled();
            let mut deps: Vec<Address> = Vec::new();
            if let Some(s) = w.storage_account.as_deref().and_then(|n| storage(cx, n))
                && storage_restricted(s)
            {
                deps.push(Address::resource(Kind::Storage, &s.name).with_sub("blob"));
                deps.push(Address::resource(Kind::Storage, &s.name).with_sub("file"));
            }
            if !managed
                && let Some(a) = w.container_registry.as_deref().and_then(|n| acr(cx, n))
                && acr_restricted(a)
            {
                deps.push(Address::resource(Kind::Acr, &a.name));
            }
            if deps.is_empty() {
                continue;
            }
            // The VNets whose workspace endpoint is in use: by a client, an AKS cluster or a
            // compute in a subnet, each found by tracing it to the workspace.
            let mut users: Vec<(Address, String)> =
                cx.t.clients
                    .iter()
                    .map(|c| {
                        (
                            Address::resource(Kind::Client, &c.name),
                            format!("client {}", c.name),
                        )
                    })
                    .collect();
            for a in cx.t.aks_clusters.iter().filter(|a| a.workspace == w.name) {
                users.push((
                    Address::resource(Kind::Aks, &a.name),
                    format!("AKS cluster {}", a.name),
                ));
            }
            for c in
                cx.e.ix
                    .computes_of(cx.t, &w.name)
                    .filter(|c| c.subnet.is_some())
            {
                users.push((
                    Address::resource(Kind::Compute, &c.name),
                    format!("compute {}", c.name),
                ));
            }
            let ws = Address::resource(Kind::Workspace, &w.name);
            for (from, who) in users {
                let Some(t) = cx.trace(from, ws.clone(), Protocol::TCP, 443) else {
                    continue;
                };
                // A use the input leaves open may be a use: reported, undecided.
                if t.verdict == Verdict::Denied {
                    continue;
                }
                let open_use = (t.verdict == Verdict::Unknown).then(|| {
                    format!(
                        "whether {who} uses the workspace's private endpoint: {}",
                        t.missing
                            .first()
                            .map_or("the model lacks a value", String::as_str)
                    )
                });
                for pe in endpoints_maybe_used(cx, &t, &w.name) {
                    let vnet = vnet_part(&pe.subnet).to_string();
                    // The VNet's own vantage point: the subnet of its workspace endpoint.
                    let Some(source) = subnet_address(&pe.subnet) else {
                        continue;
                    };
                    for dep in &deps {
                        if !seen.insert((vnet.clone(), dep.clone())) {
                            continue;
                        }
                        let Some(d) = cx.trace(source.clone(), dep.clone(), Protocol::TCP, 443)
                        else {
                            continue;
                        };
                        if d.verdict == Verdict::Allowed {
                            continue;
                        }
                        let what = format!(
                            "VNet {vnet} holds workspace {}'s private endpoint {} (used by {who}), but subnet {} → {dep}",
                            w.name, pe.name, pe.subnet
                        );
                        let change = dependency_endpoint(cx, &d, dep, &w.name, &pe.subnet);
                        out.push(
                            trace_finding(
                                &DOC,
                                format!("vnet/{vnet}"),
                                what,
                                d,
                                &vnet_at(cx, &vnet),
                            )
                            .with_changes(change)
                            .needing(open_use.clone()),
                        );
                    }
                }
            }
        }
    }
}

/// The dependency's endpoint in the VNet of the workspace endpoint's subnet, beside it, where
/// the dependency's own firewall refuses the flow there or Azure DNS finds no record for it (a
/// flow stopped on its way, by an NSG or a route, is not one an endpoint lets through). The endpoint's zone is created or linked
/// as the model shows it missing; none where another endpoint of the dependency holds the
/// zone's record (see `util_endpoint::endpoint_in`).
fn dependency_endpoint(
    cx: &Context,
    d: &moat_engine::Trace,
    dep: &Address,
    workspace: &str,
    subnet: &str,
) -> Option<crate::change::Change> {
    // Azure DNS answers the VNet from its linked zones, where the endpoint's record goes: a
    // name it fails to resolve (a linked zone without the record) resolves once the endpoint
    // is there. A DNS server's answer depends on how it forwards.
    let azure_dns = matches!(
        crate::rules::util_core::resolver_of_subnet(cx, subnet),
        Some(moat_net::dns::Resolver::AzureDns { vnet }) if vnet == vnet_part(subnet)
    );
    let step = d.blocked_by().map(|h| h.step);
    let refused = d.verdict == Verdict::Denied
        && (step == Some(moat_engine::Step::ResourceFirewall)
            || (step == Some(moat_engine::Step::Dns) && azure_dns));
    if !refused {
        return None;
    }
    let Address::Resource { kind, name, sub } = dep else {
        return None;
    };
    let (target, group) = match (kind, sub.as_deref()) {
        (Kind::Storage, Some(service)) => {
            (Address::resource(Kind::Storage, name.as_str()), service)
        }
        (Kind::Acr, None) => (dep.clone(), "registry"),
        _ => return None,
    };
    crate::rules::util_endpoint::endpoint_in(
        cx,
        &target,
        group,
        vnet_part(subnet),
        Some(workspace),
        Some(subnet),
    )
}
