//! DNS006 zone-not-linked-to-client-vnet.

use crate::change::Change;
use crate::rules::util_core::{
    answer_is_endpoint_of, describe_answer, resolve, resolver_of_subnet, served_names, vnet_part,
};
use crate::rules::util_items::open_list;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_model::address::{Address, Kind};
use moat_model::clients::ClientPlace;
use moat_net::dns::{Answer, Resolver};
use std::collections::BTreeMap;

/// The rule.
pub struct Dns006;
/// Its registration.
pub static RULE: Dns006 = Dns006;

static DOC: RuleDoc = RuleDoc {
    code: "DNS006",
    name: "zone-not-linked-to-client-vnet",
    severity: Severity::Error,
    what: "A private DNS zone holds the record of a private endpoint, and a VNet peered with the endpoint's VNet holds clients of it (a client VM, or computes of the workspace) and uses Azure DNS, but is not linked to the zone: there the name resolves to something other than the endpoint.",
    why: "In a hub-and-spoke design one private DNS zone serves every VNet: Azure DNS answers a VNet from the private zones linked to it, so the zone must be linked to each VNet whose clients connect to the private endpoint, not only to the endpoint's own VNet. A spoke without the link gets the public answer, and the private resource refuses it.",
    example: "workspaces: [{ name: ws, public_network_access: Disabled }]\nprivate_endpoints: [{ name: ws-pe, subnet: hub/pe, target: workspace/ws, group_id: amlworkspace, dns_zone_group: [privatelink.api.azureml.ms] }]\nprivate_dns_zones: [{ name: privatelink.api.azureml.ms, vnet_links: [hub] }]\ncomputes: [{ name: cpu, workspace: ws, type: AmlCompute, subnet: spoke/training }]\nvirtual_networks:\n  - { name: hub, address_space: [10.100.0.0/16], subnets: [{ name: pe, address_prefixes: [10.100.3.0/24] }], peerings: [{ remote_vnet: spoke }] }\n  - { name: spoke, address_space: [10.0.0.0/16], subnets: [{ name: training, address_prefixes: [10.0.1.0/24] }], peerings: [{ remote_vnet: hub }] }",
    fix: "Link the private DNS zone to the clients' VNet (one zone, linked to every VNet with clients).",
    fix_form: FixForm::Code,
    sources: &[doc!(
        PEDNS,
        "Virtual network workloads without custom DNS server (hub and spoke)"
    )],
    covers: &["§6.104"],
    path: false,
};

impl Rule for Dns006 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let t = cx.t;
        let ix = &cx.e.ix;
        // Client VNet -> (one subnet to resolve from, who sits there, the resources they use).
        let mut users: BTreeMap<String, (String, Vec<String>, Vec<Address>)> = BTreeMap::new();
        let mut add = |subnet: &str, who: String, targets: Vec<Address>| {
            let e = users
                .entry(vnet_part(subnet).to_string())
                .or_insert_with(|| (subnet.to_string(), Vec::new(), Vec::new()));
            e.1.push(who);
            e.2.extend(targets);
        };
        for c in &t.clients {
            let ClientPlace::Vm(vm) = &c.location else {
                continue;
            };
            let Some(subnet) = ix
                .virtual_machines
                .get(vm)
                .and_then(|&i| t.virtual_machines[i].network_interfaces.first())
                .and_then(|n| ix.network_interfaces.get(n))
                .map(|&i| t.network_interfaces[i].subnet.clone())
            else {
                continue;
            };
            let workspaces = t
                .workspaces
                .iter()
                .map(|w| Address::resource(Kind::Workspace, w.name.as_str()))
                .collect();
            add(&subnet, format!("client {}", c.name), workspaces);
        }
        for c in &t.computes {
            let (Some(subnet), Some(w)) = (
                c.subnet.as_deref(),
                ix.workspaces.get(&c.workspace).map(|&i| &t.workspaces[i]),
            ) else {
                continue;
            };
            let mut targets = vec![Address::resource(Kind::Workspace, w.name.as_str())];
            targets.extend(
                w.storage_account
                    .iter()
                    .map(|s| Address::resource(Kind::Storage, s.as_str())),
            );
            targets.extend(
                w.key_vault
                    .iter()
                    .map(|s| Address::resource(Kind::Keyvault, s.as_str())),
            );
            targets.extend(
                w.container_registry
                    .iter()
                    .map(|s| Address::resource(Kind::Acr, s.as_str())),
            );
            add(subnet, format!("compute {}", c.name), targets);
        }
        for (vnet, (subnet, who, targets)) in &users {
            if !ix.virtual_networks.contains_key(vnet) {
                continue;
            }
            let Some(Resolver::AzureDns { .. }) = resolver_of_subnet(cx, subnet) else {
                continue;
            };
            let peers = ix.peers.get(vnet).cloned().unwrap_or_default();
            let mut reported = Vec::new();
            // The endpoints of the resources used from this VNet, in declaration order, found
            // through the index rather than by visiting every endpoint for every VNet.
            let mut candidates: Vec<usize> = targets
                .iter()
                .filter_map(|a| match a {
                    Address::Resource { kind, name, .. } => {
                        ix.endpoints_by_target.get(&(*kind, name.clone()))
                    }
                    _ => None,
                })
                .flatten()
                .copied()
                .collect();
            candidates.sort_unstable();
            candidates.dedup();
            for pe in candidates.into_iter().map(|i| &t.private_endpoints[i]) {
                let pe_vnet = vnet_part(&pe.subnet);
                let peered = ix
                    .virtual_networks
                    .get(pe_vnet)
                    .is_some_and(|j| peers.contains(j));
                if pe_vnet == vnet || !peered {
                    continue;
                }
                for n in served_names(t, ix, pe) {
                    let zone = n.name.zone;
                    // The zone that holds the endpoint's record, declared in the input: one
                    // its zone group names or, where the input leaves the group open, the
                    // zone of the name's own (the group may name it: undecided).
                    let by_name = |z: &&moat_model::privatelink::PrivateDnsZone| {
                        z.name.eq_ignore_ascii_case(zone) && !z.external
                    };
                    let named = pe
                        .dns_zone_group
                        .iter()
                        .filter_map(|g| ix.private_dns_zones.get(g))
                        .map(|&i| &t.private_dns_zones[i])
                        .find(by_name);
                    let open = open_list(
                        cx,
                        &format!("private-endpoint/{}", pe.name),
                        "dns_zone_group",
                    );
                    let Some(z) =
                        named.or_else(|| open.and(t.private_dns_zones.iter().find(by_name)))
                    else {
                        continue;
                    };
                    let open = open.filter(|_| named.is_none());
                    if z.vnet_links.iter().any(|l| l == vnet) || reported.contains(&z.name) {
                        continue;
                    }
                    let r = resolve(cx, &n.name.fqdn, &Resolver::AzureDns { vnet: vnet.clone() });
                    // Links the input leaves open may or may not link the VNet: undecided.
                    let links_open = matches!(r.answer, Answer::Unknown { .. })
                        .then(|| {
                            open_list(cx, &format!("private-dns-zone/{}", z.name), "vnet_links")
                        })
                        .flatten();
                    if (matches!(r.answer, Answer::Unknown { .. }) && links_open.is_none())
                        || answer_is_endpoint_of(t, &r.answer, pe)
                    {
                        continue;
                    }
                    let (linked, resolves) = match links_open {
                        Some(_) => (
                            "may not be linked (its links are left open)",
                            format!("what {} resolves to depends on them", n.name.fqdn),
                        ),
                        None => (
                            "is not linked",
                            format!("{} resolves to {}", n.name.fqdn, describe_answer(&r.answer)),
                        ),
                    };
                    reported.push(z.name.clone());
                    let link = Change::LinkZone {
                        zone: z.name.clone(),
                        resource_group: z.resource_group.clone(),
                        vnet: vnet.clone(),
                    };
                    let mut f = Finding::new(
                        &DOC,
                        format!("private-dns-zone/{}", z.name),
                        format!(
                            "zone {} {} the record of private endpoint {} but {linked} to VNet {vnet}, where {} {}: from there {resolves}",
                            z.name,
                            if open.is_some() { "may hold (the endpoint's zone group is left open)" } else { "holds" },
                            pe.name,
                            who.join(", "),
                            if who.len() == 1 { "sits" } else { "sit" },
                        ),
                        format!("link private DNS zone {} to VNet {vnet}", z.name),
                        &z.at,
                    )
                    .with_change(link);
                    for u in open.iter().chain(&links_open) {
                        f = f.needing(Some(u.need()));
                        f.severity = Severity::Warning.min(DOC.severity);
                    }
                    out.push(f);
                }
            }
        }
    }
}
