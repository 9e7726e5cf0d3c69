//! Azure Firewall: network rules, then application rules, then the implicit deny.
//!
//! Rules are terminating. Network rules are processed before application rules; within each
//! type, rule collection groups by priority (a parent policy's groups first), then rule
//! collections by priority. Application rules match HTTP(S) by host name (the TLS SNI or HTTP
//! Host), so traffic to a bare address never matches them. Whatever nothing allows is denied.

use crate::filter::{Decision, RuleRef, firewall_l4, prefixes_cover};
use crate::managed::fqdn_matches;
use crate::space::{PrefixContext, Space};
use moat_model::enums::{Access, ApplicationProtocol};
use moat_model::firewall::{ApplicationRuleCollection, Firewall, NetworkRuleCollection};
use moat_model::values::AddressPrefix;
use moat_model::{Index, Topology};
use moat_packets::{AddrSet, PacketSet, Policy, Protocol};
use std::collections::HashMap;

/// A network-rule step: a decision, or no match (application rules are next).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Decided(Decision),
    NoMatch,
}

/// The rule collections in force on a firewall, in processing order.
pub struct Rules<'t> {
    pub network: Vec<(&'t NetworkRuleCollection, String)>,
    pub application: Vec<(&'t ApplicationRuleCollection, String)>,
}

/// The collections of a firewall in processing order (policy inheritance included).
pub fn rules<'t>(t: &'t Topology, ix: &Index, fw: &'t Firewall) -> Rules<'t> {
    let mut network = Vec::new();
    let mut application = Vec::new();
    match &fw.firewall_policy {
        None => {
            let mut n: Vec<_> = fw.network_rule_collections.iter().collect();
            n.sort_by_key(|c| c.priority);
            network.extend(n.into_iter().map(|c| (c, format!("firewall {}", fw.name))));
            let mut a: Vec<_> = fw.application_rule_collections.iter().collect();
            a.sort_by_key(|c| c.priority);
            application.extend(a.into_iter().map(|c| (c, format!("firewall {}", fw.name))));
        }
        Some(p) => {
            // Parent policies first; guard against inheritance cycles.
            let mut chain = Vec::new();
            let mut cur = ix.firewall_policies.get(p).copied();
            while let Some(i) = cur {
                if chain.contains(&i) {
                    break;
                }
                chain.push(i);
                cur = t.firewall_policies[i]
                    .base_policy
                    .as_ref()
                    .and_then(|b| ix.firewall_policies.get(b))
                    .copied();
            }
            for &i in chain.iter().rev() {
                let pol = &t.firewall_policies[i];
                let mut groups: Vec<_> = pol.rule_collection_groups.iter().collect();
                groups.sort_by_key(|g| g.priority);
                for g in groups {
                    let label = format!("firewall policy {} group {}", pol.name, g.name);
                    let mut n: Vec<_> = g.network_rule_collections.iter().collect();
                    n.sort_by_key(|c| c.priority);
                    network.extend(n.into_iter().map(|c| (c, label.clone())));
                    let mut a: Vec<_> = g.application_rule_collections.iter().collect();
                    a.sort_by_key(|c| c.priority);
                    application.extend(a.into_iter().map(|c| (c, label.clone())));
                }
            }
        }
    }
    Rules {
        network,
        application,
    }
}

fn ip_groups(t: &Topology, names: &[String]) -> Vec<AddressPrefix> {
    names
        .iter()
        .flat_map(|n| {
            t.ip_groups
                .iter()
                .filter(move |g| &g.name == n)
                .flat_map(|g| g.ip_addresses.clone())
        })
        .collect()
}

/// Compiles the network rules of a firewall.
pub fn compile_network(
    t: &Topology,
    rules: &Rules,
    space: &Space,
    ctx: &PrefixContext,
    dst_fqdn: Option<&str>,
    dns_proxy: bool,
) -> Policy<Step, RuleRef> {
    let none: HashMap<String, AddrSet> = HashMap::new();
    let mut entries = Vec::new();
    for (c, label) in &rules.network {
        let action = match c.action {
            Access::Allow => Decision::Allow,
            Access::Deny => Decision::Deny,
        };
        for r in &c.rules {
            let mut sources = r.source_addresses.clone();
            sources.extend(ip_groups(t, &r.source_ip_groups));
            let (src_sure, src_maybe) = prefixes_cover(space, ctx, &sources, &[], &none);
            let (mut dst_sure, dst_maybe) =
                prefixes_cover(space, ctx, &r.destination_addresses, &[], &none);
            // FQDNs in network rules are resolved by the firewall's DNS proxy; they match the
            // flow's own destination when the names agree.
            let fqdn_hit = dns_proxy
                && dst_fqdn.is_some_and(|f| r.destination_fqdns.iter().any(|p| fqdn_matches(p, f)));
            if fqdn_hit {
                dst_sure = AddrSet::any();
            }
            let l4 = firewall_l4(&r.protocols, &r.destination_ports);
            let rref = |uncertain| RuleRef {
                filter: label.clone(),
                rule: format!("{}/{}", c.name, r.name),
                priority: Some(c.priority),
                open: Vec::new(),
                default: false,
                uncertain,
                if_match: None,
                entry: 0,
                at: r.at.clone(),
            };
            let sure = PacketSet::new(&src_sure, &dst_sure, &l4);
            entries.push((sure.clone(), Step::Decided(action), rref(false)));
            let maybe = PacketSet::new(
                &src_sure.union(&src_maybe),
                &dst_sure.union(&dst_maybe),
                &l4,
            )
            .difference(&sure);
            if !maybe.is_empty() {
                entries.push((maybe, Step::Decided(Decision::Unknown), rref(true)));
            }
        }
    }
    Policy::from_triples(entries, Step::NoMatch)
}

/// The application rule that decides a flow by host name, if any: returns the decision and
/// the rule. `src` must lie inside the rule's sources for a match.
#[allow(clippy::too_many_arguments)]
pub fn application_decision(
    t: &Topology,
    rules: &Rules,
    space: &Space,
    ctx: &PrefixContext,
    src: &AddrSet,
    fqdn: Option<&str>,
    protocol: Protocol,
    port: u16,
) -> Option<(Decision, RuleRef)> {
    let fqdn = fqdn?;
    if protocol != Protocol::TCP {
        return None;
    }
    let none: HashMap<String, AddrSet> = HashMap::new();
    for (c, label) in &rules.application {
        for r in &c.rules {
            let proto_ok = r.protocols.iter().any(|p| {
                p.port == port
                    && matches!(
                        p.protocol,
                        ApplicationProtocol::Http
                            | ApplicationProtocol::Https
                            | ApplicationProtocol::Mssql
                    )
            });
            if !proto_ok {
                continue;
            }
            let mut sources = r.source_addresses.clone();
            sources.extend(ip_groups(t, &r.source_ip_groups));
            let (sure, maybe) = prefixes_cover(space, ctx, &sources, &[], &none);
            if !src.intersects(&sure) && !src.intersects(&maybe) {
                continue;
            }
            let rref = |uncertain| RuleRef {
                filter: label.clone(),
                rule: format!("{}/{}", c.name, r.name),
                priority: Some(c.priority),
                open: Vec::new(),
                default: false,
                uncertain,
                if_match: None,
                entry: 0,
                at: r.at.clone(),
            };
            let name_hit = r.target_fqdns.iter().any(|p| fqdn_matches(p, fqdn));
            let tag_maybe = !r.fqdn_tags.is_empty();
            if !name_hit && !tag_maybe {
                continue;
            }
            let partial_src = !src.is_subset(&sure);
            let action = match c.action {
                Access::Allow => Decision::Allow,
                Access::Deny => Decision::Deny,
            };
            // FQDN tags are Microsoft-maintained lists the model does not hold.
            if !name_hit || partial_src {
                return Some((Decision::Unknown, rref(true)));
            }
            return Some((action, rref(false)));
        }
    }
    None
}
