//! DNS001 custom-dns-no-forwarder.

use crate::rules::util_core::{
    answer_is_endpoint_of, describe_answer, hit_linked_zone_without_record, resolve,
    resolver_of_subnet, served_names, subnet_address, vnet_at, vnet_part,
};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use moat_net::dns::{AZURE_DNS, Answer, Resolver};
use moat_net::names::public_zone_of;
use moat_packets::Protocol;
use std::collections::{BTreeSet, HashMap};

/// The rule.
pub struct Dns001;
/// Its registration.
pub static RULE: Dns001 = Dns001;

static DOC: RuleDoc = RuleDoc {
    code: "DNS001",
    name: "custom-dns-no-forwarder",
    severity: Severity::Error,
    what: "A VNet uses custom DNS servers, and the names of the private endpoints in it (or in VNets peered with it) do not resolve to those endpoints through them: the privatelink zones are neither forwarded to Azure DNS (168.63.129.16) nor hosted on the server.",
    why: "Private DNS zone records are served only by Azure DNS at 168.63.129.16, and only to queries coming from a VNet linked to the zone. A custom DNS server resolves everything else on the internet, where Azure's public DNS answers with the public endpoint. The server needs a conditional forwarder to Azure DNS for each zone (api.azureml.ms, notebooks.azure.net, blob.core.windows.net, vaultcore.azure.net, azurecr.io, ...), sent from a VNet linked to the privatelink zones.",
    example: "workspaces: [{ name: ws, public_network_access: Disabled }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], dns_servers: [10.0.0.4], subnets: [{ name: dns, address_prefixes: [10.0.0.0/24] }, { name: pe, address_prefixes: [10.0.3.0/24] }] }]\ndns_servers: [{ name: dns, address: 10.0.0.4 }]\nprivate_endpoints: [{ name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace, dns_zone_group: [privatelink.api.azureml.ms] }]\nprivate_dns_zones: [{ name: privatelink.api.azureml.ms, vnet_links: [vnet] }]",
    fix: "On the custom DNS server, add a conditional forwarder to 168.63.129.16 for each zone (from a VNet linked to the privatelink zones), or host the records there.",
    fix_form: FixForm::Prose(prose::OUTSIDE),
    sources: &[
        doc!(PLAN, "Key considerations (conditional forwarder)"),
        doc!(SWV, "Securely connect to your workspace (name resolution)"),
    ],
    covers: &["§6.96"],
    path: true,
};

impl Rule for Dns001 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        // Private endpoints by VNet, so each VNet visits only its own and its peers'.
        let mut endpoints: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, pe) in cx.t.private_endpoints.iter().enumerate() {
            endpoints.entry(vnet_part(&pe.subnet)).or_default().push(i);
        }
        for v in &cx.t.virtual_networks {
            let Some(sub) = v.subnets.first() else {
                continue;
            };
            let source = format!("{}/{}", v.name, sub.name);
            // Servers the input leaves open may be custom ones without forwarders: the engine
            // resolves through them as through an undescribed server (nothing decided).
            let open = cx.e.is_unknown(&format!("vnet/{}", v.name), "dns_servers");
            // Each custom server of the list: a VM may ask any of them (it falls back on the
            // next when one does not answer), so each must forward.
            let servers: Vec<(Resolver, String)> = match open {
                Some(_) => match resolver_of_subnet(cx, &source) {
                    Some(r) => vec![(r, "DNS servers the input leaves open".to_string())],
                    None => continue,
                },
                None => v
                    .dns_servers
                    .iter()
                    .filter(|&&ip| ip != AZURE_DNS)
                    .map(|&ip| (Resolver::Server(ip), format!("DNS server {ip}")))
                    .collect(),
            };
            // The endpoints this VNet's resources use: its own and those of peered VNets.
            let connected: BTreeSet<&str> = std::iter::once(v.name.as_str())
                .chain(v.peerings.iter().map(|p| p.remote_vnet.as_str()))
                .chain(
                    cx.e.ix
                        .peers
                        .get(&v.name)
                        .into_iter()
                        .flatten()
                        .map(|&j| cx.t.virtual_networks[j].name.as_str()),
                )
                .collect();
            // In declaration order, as the findings are reported.
            let mut here: Vec<usize> = connected
                .iter()
                .filter_map(|n| endpoints.get(n))
                .flatten()
                .copied()
                .collect();
            here.sort_unstable();
            for (resolver, server) in &servers {
                let mut zones_done = BTreeSet::new();
                for pe in here.iter().map(|&i| &cx.t.private_endpoints[i]) {
                    for n in served_names(cx.t, &cx.e.ix, pe) {
                        let r = resolve(cx, &n.name.fqdn, resolver);
                        if answer_is_endpoint_of(cx.t, &r.answer, pe)
                            || hit_linked_zone_without_record(&r)
                            || matches!(r.answer, Answer::ManagedPrivate { .. })
                        {
                            continue;
                        }
                        // One finding per zone: every name of a zone goes the same way.
                        if !zones_done.insert(n.name.zone) {
                            continue;
                        }
                        let pe_ip = pe
                            .ip_address
                            .map(|i| format!(" at {i}"))
                            .unwrap_or_default();
                        let cause = match &r.answer {
                            Answer::Private { .. } => format!(
                                "the record the server gives for {} is not the endpoint's",
                                n.name.fqdn
                            ),
                            _ => format!(
                                "{} is neither forwarded to Azure DNS nor hosted there",
                                public_zone_of(n.name.zone)
                            ),
                        };
                        let mut f = Finding::new(
                            &DOC,
                            format!("vnet/{}", v.name),
                            format!(
                                "VNet {} uses {server}: {} resolves to {} instead of private endpoint {}{pe_ip}: {cause}",
                                v.name,
                                n.name.fqdn,
                                describe_answer(&r.answer),
                                pe.name,
                            ),
                            format!(
                                "on {server}, forward {} to 168.63.129.16 from a VNet linked to {}",
                                public_zone_of(n.name.zone),
                                n.name.zone
                            ),
                            &vnet_at(cx, &v.name),
                        );
                        if let Answer::Unknown { why } = &r.answer {
                            // Not decided: what the server does with the name is what it needs.
                            f.severity = Severity::Warning;
                            f = f.needing(Some(why.clone()));
                        }
                        // Trace from the endpoint's own subnet when it is in this VNet.
                        let from_subnet = if vnet_part(&pe.subnet) == v.name {
                            pe.subnet.as_str()
                        } else {
                            source.as_str()
                        };
                        if let Some(from) = subnet_address(from_subnet)
                            && let Some(t) = cx.trace(from, n.address.clone(), Protocol::TCP, 443)
                        {
                            f = f.with_trace(t);
                        }
                        out.push(f);
                    }
                }
            }
        }
    }
}
