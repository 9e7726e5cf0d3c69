//! Azure Firewall: DNAT rules for what arrives at its public addresses; network rules, then
//! application rules, then the implicit deny.
//!
//! Rules are terminating. Network rules are processed before application rules; within each
//! type, rule collection groups by priority (a parent policy's groups first), then rule
//! collections by priority. Application rules match HTTP(S) by host name (the TLS SNI or HTTP
//! Host), so traffic to a bare address never matches them. Whatever nothing allows is denied.

use crate::filter::{Decision, RuleRef, firewall_l4, open_cover, prefixes_cover};
use crate::managed::{fqdn_matches, fqdn_matches_some_region};
use crate::space::{PrefixContext, Space};
use foldhash::HashMap;
use moat_model::enums::{Access, ApplicationProtocol};
use moat_model::firewall::{
    ApplicationRuleCollection, Firewall, NatRuleCollection, NetworkRuleCollection, RuleValue,
};
use moat_model::values::AddressPrefix;
use moat_model::{Index, Open, Topology};
use moat_packets::{AddrSet, L4Set, PacketSet, Policy, Protocol};
use std::cell::RefCell;
use std::net::IpAddr;
use std::rc::Rc;
use std::sync::Arc;

/// A network-rule step: a decision, or no match (application rules are next).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Decided(Decision),
    NoMatch,
}

/// The rule collections in force on a firewall, in processing order: each with the firewall
/// or policy group it belongs to, and whether its place in the order is known.
pub struct Rules<'t> {
    pub network: Vec<(&'t NetworkRuleCollection, String, bool)>,
    pub application: Vec<(&'t ApplicationRuleCollection, String, bool)>,
    pub nat: Vec<(&'t NatRuleCollection, String, bool)>,
}

/// Sorts by priority, those whose priority is open first: such a one may come anywhere in
/// its block, and is decided both ways from the block's start (its action if it applies, the
/// rest of the list if not), which covers every place it may take.
fn by_priority<T>(items: &[T], priority: impl Fn(&T) -> Open<u32>) -> Vec<(&T, bool)> {
    let mut v: Vec<&T> = items.iter().collect();
    v.sort_by_key(|c| match priority(c).get() {
        None => (false, 0),
        Some(p) => (true, p),
    });
    v.into_iter()
        .map(|c| (c, priority(c).get().is_some()))
        .collect()
}

/// The collections of a firewall in processing order (policy inheritance included).
pub fn rules<'t>(t: &'t Topology, ix: &Index, fw: &'t Firewall) -> Rules<'t> {
    let mut network = Vec::new();
    let mut application = Vec::new();
    let mut nat = Vec::new();
    match &fw.firewall_policy {
        None => {
            let label = format!("firewall {}", fw.name);
            let n = by_priority(&fw.network_rule_collections, |c| c.priority);
            network.extend(n.into_iter().map(|(c, k)| (c, label.clone(), k)));
            let a = by_priority(&fw.application_rule_collections, |c| c.priority);
            application.extend(a.into_iter().map(|(c, k)| (c, label.clone(), k)));
            let d = by_priority(&fw.nat_rule_collections, |c| c.priority);
            nat.extend(d.into_iter().map(|(c, k)| (c, label.clone(), k)));
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
                // A group whose priority is open may come anywhere among its policy's groups:
                // none of its collections has a known place.
                for (g, gk) in by_priority(&pol.rule_collection_groups, |g| g.priority) {
                    let label = format!("firewall policy {} group {}", pol.name, g.name);
                    let n = by_priority(&g.network_rule_collections, |c| c.priority);
                    network.extend(n.into_iter().map(|(c, k)| (c, label.clone(), k && gk)));
                    let a = by_priority(&g.application_rule_collections, |c| c.priority);
                    application.extend(a.into_iter().map(|(c, k)| (c, label.clone(), k && gk)));
                    let d = by_priority(&g.nat_rule_collections, |c| c.priority);
                    nat.extend(d.into_iter().map(|(c, k)| (c, label.clone(), k && gk)));
                }
            }
        }
    }
    Rules {
        network,
        application,
        nat,
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

/// The names of a rule's open values, for its description: its own, then its collection's
/// (`placed`: the collection's place in the order is known; `action_known`: its action is).
fn open_names(open: &[RuleValue], placed: bool, action_known: bool) -> Vec<&'static str> {
    let mut v: Vec<&'static str> = open.iter().map(|v| v.name()).collect();
    if !placed {
        v.push("collection priority");
    }
    if !action_known {
        v.push("collection action");
    }
    v
}

/// A collection's action as a decision; `None` when the input leaves it open.
fn action_of(a: Open<Access>) -> Option<Decision> {
    a.get().map(|a| match a {
        Access::Allow => Decision::Allow,
        Access::Deny => Decision::Deny,
    })
}

/// The network rules of a firewall, compiled for one destination name.
pub struct CompiledNetwork {
    pub policy: Policy<Step, RuleRef>,
    /// The rule list after an entry, compiled on demand (see [`CompiledNetwork::evaluate`]).
    tails: RefCell<HashMap<usize, Rc<Policy<Step, RuleRef>>>>,
}

/// What the network rules make of a piece of a flow.
#[derive(Clone, Debug, PartialEq)]
pub enum NetOutcome {
    /// A rule decides it (an unknown decision names the rule that leaves it open).
    Decided(Decision, RuleRef),
    /// No network rule matches: application rules are next.
    NoMatch,
    /// The rule's action if it matches, otherwise no network rule matches; the application
    /// rules then decide whether the answer is sure.
    Either(Decision, RuleRef),
}

/// Why a piece of a flow gets its decision at the firewall.
#[derive(Clone, Debug, PartialEq)]
pub enum Cause {
    Network(RuleRef),
    Application(RuleRef),
    /// Nothing allows it: Azure Firewall denies by default.
    ImplicitDeny,
}

/// Depth of nested perhaps-matching rules followed before giving up (unknown).
const MAX_DEPTH: usize = 8;

impl CompiledNetwork {
    fn tail(&self, entry: usize) -> Rc<Policy<Step, RuleRef>> {
        if let Some(p) = self.tails.borrow().get(&entry) {
            return p.clone();
        }
        let rules: Vec<moat_packets::Rule<Step, RuleRef>> = self
            .policy
            .rules()
            .iter()
            .skip(entry + 1)
            .cloned()
            .collect();
        let p = Rc::new(Policy::new(rules, Step::NoMatch));
        self.tails.borrow_mut().insert(entry, p.clone());
        p
    }

    /// Pushes a flow through the network rules. A rule the flow only perhaps matches is
    /// decided both ways: its action if it applies, the rest of the list if not; the answer
    /// is unknown only where the two differ.
    pub fn evaluate(&self, flow: &PacketSet) -> Vec<(PacketSet, NetOutcome)> {
        self.evaluate_from(&self.policy, flow, 0)
    }

    fn evaluate_from(
        &self,
        policy: &Policy<Step, RuleRef>,
        flow: &PacketSet,
        depth: usize,
    ) -> Vec<(PacketSet, NetOutcome)> {
        let mut out = Vec::new();
        for (set, step, rule) in policy.apply(flow) {
            match (step, rule) {
                (Step::NoMatch, _) => out.push((set, NetOutcome::NoMatch)),
                (Step::Decided(Decision::Unknown), Some(r))
                    if r.if_match.is_some() && depth < MAX_DEPTH =>
                {
                    let a = r.if_match.unwrap_or(Decision::Unknown);
                    for (piece, rest) in self.evaluate_from(&self.tail(r.entry), &set, depth + 1) {
                        out.push((piece, either_way(a, r, rest)));
                    }
                }
                (Step::Decided(d), Some(r)) => out.push((set, NetOutcome::Decided(*d, r.clone()))),
                (Step::Decided(d), None) => out.push((
                    set,
                    NetOutcome::Decided(
                        *d,
                        RuleRef {
                            filter: "firewall".into(),
                            rule: "default".into(),
                            priority: None,
                            open: Vec::new(),
                            default: true,
                            uncertain: false,
                            if_match: None,
                            entry: 0,
                            at: Default::default(),
                        },
                    ),
                )),
            }
        }
        out
    }
}

/// The outcome where rule `r` (action `a` should it match) perhaps matches and `rest` is what
/// the rules after it make of the packet.
fn either_way(a: Decision, r: &RuleRef, rest: NetOutcome) -> NetOutcome {
    match rest {
        NetOutcome::Decided(d, later) if d == a => NetOutcome::Decided(d, later),
        NetOutcome::Decided(..) => NetOutcome::Decided(Decision::Unknown, r.clone()),
        NetOutcome::NoMatch => NetOutcome::Either(a, r.clone()),
        NetOutcome::Either(b, _) if b == a => NetOutcome::Either(a, r.clone()),
        NetOutcome::Either(..) => NetOutcome::Decided(Decision::Unknown, r.clone()),
    }
}

/// The firewall's decision for each piece of a flow: network outcomes, with the pieces no
/// network rule surely decides settled by the application rules (`app`: `None` when no
/// application rule matches, i.e. the implicit deny). `app` is consulted only when needed.
pub fn resolve(
    pieces: Vec<(PacketSet, NetOutcome)>,
    app: impl FnOnce() -> Option<(Decision, RuleRef)>,
) -> Vec<(Decision, Cause)> {
    let mut app = Some(app);
    let mut app_result: Option<Option<(Decision, RuleRef)>> = None;
    let mut application = || -> (Decision, Cause) {
        let r = app_result.get_or_insert_with(|| app.take().map(|f| f()).unwrap_or_default());
        match r {
            Some((d, rule)) => (*d, Cause::Application(rule.clone())),
            None => (Decision::Deny, Cause::ImplicitDeny),
        }
    };
    pieces
        .into_iter()
        .map(|(_, o)| match o {
            NetOutcome::Decided(d, r) => (d, Cause::Network(r)),
            NetOutcome::NoMatch => application(),
            NetOutcome::Either(a, r) => {
                let (d, cause) = application();
                if d == a {
                    (d, cause)
                } else {
                    (Decision::Unknown, Cause::Network(r))
                }
            }
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
) -> CompiledNetwork {
    let none: HashMap<String, AddrSet> = HashMap::default();
    let mut entries = Vec::new();
    for (c, label, placed) in &rules.network {
        // A collection whose action or place is open decides nothing by itself: each of its
        // rules is decided both ways (see [`CompiledNetwork::evaluate`]).
        let action = action_of(c.action);
        for r in &c.rules {
            let mut sources = r.source_addresses.clone();
            sources.extend(ip_groups(t, &r.source_ip_groups));
            let (src_sure, src_maybe) = open_cover(
                &r.open,
                RuleValue::Sources,
                prefixes_cover(space, ctx, &sources, &[], &none),
            );
            let (mut dst_sure, mut dst_maybe) =
                prefixes_cover(space, ctx, &r.destination_addresses, &[], &none);
            // FQDNs in network rules are resolved by the firewall's DNS proxy; they match the
            // flow's own destination when the names agree.
            let fqdn_hit = dns_proxy
                && dst_fqdn.is_some_and(|f| r.destination_fqdns.iter().any(|p| fqdn_matches(p, f)));
            // A host built with a region the input leaves open: a name of one region matches
            // it if that region is the one.
            let region_maybe = dns_proxy
                && dst_fqdn.is_some_and(|f| {
                    r.destination_fqdns
                        .iter()
                        .any(|p| fqdn_matches_some_region(p, f))
                });
            if fqdn_hit {
                dst_sure = AddrSet::any();
            } else if region_maybe {
                dst_maybe = AddrSet::any();
            }
            let (dst_sure, dst_maybe) =
                open_cover(&r.open, RuleValue::Destinations, (dst_sure, dst_maybe));
            let l4 = firewall_l4(&r.protocols, &r.destination_ports);
            // Open protocols or ports: the rule perhaps matches any of them.
            let (l4_sure, l4) = if r.open.contains(&RuleValue::Ports) {
                (L4Set::none(), L4Set::any())
            } else {
                (l4.clone(), l4)
            };
            // The rule's text once, shared by its entries.
            let (filter, name, at): (Arc<str>, Arc<str>, _) = (
                label.as_str().into(),
                format!("{}/{}", c.name, r.name).into(),
                Arc::new(r.at.clone()),
            );
            let rref = |uncertain: bool, entry: usize| RuleRef {
                filter: filter.clone(),
                rule: name.clone(),
                priority: c.priority.get(),
                open: open_names(&r.open, *placed, action.is_some()),
                default: false,
                uncertain,
                if_match: if uncertain { action } else { None },
                entry,
                at: at.clone(),
            };
            let sure = PacketSet::new(&src_sure, &dst_sure, &l4_sure);
            match action.filter(|_| *placed) {
                Some(a) => {
                    entries.push((sure.clone(), Step::Decided(a), rref(false, entries.len())))
                }
                None => entries.push((
                    sure.clone(),
                    Step::Decided(Decision::Unknown),
                    rref(true, entries.len()),
                )),
            }
            let maybe = PacketSet::new(
                &src_sure.union(&src_maybe),
                &dst_sure.union(&dst_maybe),
                &l4,
            )
            .difference(&sure);
            if !maybe.is_empty() {
                entries.push((
                    maybe,
                    Step::Decided(Decision::Unknown),
                    rref(true, entries.len()),
                ));
            }
        }
    }
    CompiledNetwork {
        policy: Policy::from_triples(entries, Step::NoMatch),
        tails: RefCell::new(HashMap::default()),
    }
}

/// The application rule that decides a flow by host name, if any: returns the decision and
/// the rule; `None` when no application rule matches (the implicit deny). `src` must lie
/// inside the rule's sources for a match.
///
/// A rule the flow only perhaps matches (an FQDN tag not documented to hold the name: Azure
/// maintains the tags' members; sources that cover part of the flow) is decided both ways: the
/// answer is unknown only where its action differs from what the later rules give.
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
    let none: HashMap<String, AddrSet> = HashMap::default();
    // (surely matches, action, rule) for each rule the flow may match, in processing order.
    let mut candidates: Vec<(bool, Option<Decision>, RuleRef)> = Vec::new();
    for (c, label, placed) in &rules.application {
        let action = action_of(c.action);
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
            let ports_open = r.open.contains(&RuleValue::Ports);
            if !proto_ok && !ports_open {
                continue;
            }
            let mut sources = r.source_addresses.clone();
            sources.extend(ip_groups(t, &r.source_ip_groups));
            let (sure, maybe) = open_cover(
                &r.open,
                RuleValue::Sources,
                prefixes_cover(space, ctx, &sources, &[], &none),
            );
            if !src.intersects(&sure) && !src.intersects(&maybe) {
                continue;
            }
            // A tag documented to hold the name matches it as surely as the name itself; a
            // tag whose set is not documented perhaps does, and so do names the input leaves
            // open.
            let names_open = r.open.contains(&RuleValue::Destinations);
            let name_hit = r.target_fqdns.iter().any(|p| fqdn_matches(p, fqdn))
                || r.fqdn_tags
                    .iter()
                    .any(|t| crate::fqdn_tags::holds(t, fqdn) == Some(true));
            // A host built with a region the input leaves open matches a name of one region
            // if that region is the one: perhaps.
            let region_maybe = r
                .target_fqdns
                .iter()
                .any(|p| fqdn_matches_some_region(p, fqdn));
            let tag_maybe = !r.fqdn_tags.is_empty() || names_open || region_maybe;
            if !name_hit && !tag_maybe {
                continue;
            }
            // A collection whose place or action is open decides its rules both ways.
            let surely = name_hit
                && !names_open
                && proto_ok
                && src.is_subset(&sure)
                && *placed
                && action.is_some();
            candidates.push((
                surely,
                action,
                RuleRef {
                    filter: label.as_str().into(),
                    rule: format!("{}/{}", c.name, r.name).into(),
                    priority: c.priority.get(),
                    open: open_names(&r.open, *placed, action.is_some()),
                    default: false,
                    uncertain: !surely,
                    if_match: if surely { None } else { action },
                    entry: 0,
                    at: Arc::new(r.at.clone()),
                },
            ));
        }
    }
    // From the implicit deny backwards: a sure match replaces what follows; a perhaps-match
    // keeps it where its action agrees, and is unknown where it does not.
    let mut result: Option<(Decision, RuleRef)> = None;
    for (surely, action, rref) in candidates.into_iter().rev() {
        let after = result.as_ref().map(|(d, _)| *d).unwrap_or(Decision::Deny);
        result = match action {
            Some(a) if surely => Some((a, rref)),
            Some(a) if after == a => {
                // Either way the same answer: keep the later rule (or the implicit deny).
                result
            }
            // An open action may differ from what follows, whatever that is.
            _ => Some((Decision::Unknown, rref)),
        };
    }
    result
}

/// Where a DNAT rule sends what it translates.
#[derive(Clone, Debug, PartialEq)]
pub enum Translated {
    Address(IpAddr),
    /// A name the firewall resolves when the connection is made.
    Fqdn(String),
    /// The input leaves the translated address open.
    Unknown,
}

/// A translation by a DNAT rule.
#[derive(Clone, Debug, PartialEq)]
pub struct Dnat {
    pub to: Translated,
    /// `None` when the input leaves the translated port open.
    pub port: Option<u16>,
    pub rule: RuleRef,
}

/// What the DNAT rules make of a packet to one of the firewall's addresses.
#[derive(Clone, Debug, PartialEq)]
pub enum DnatOutcome {
    Translated(Dnat),
    /// No DNAT rule matches: nothing allows the packet in.
    NoMatch,
    /// A rule perhaps matches, and whether it does changes the answer.
    Unknown(RuleRef),
}

/// The DNAT decision for a packet from `src` to the firewall address `dst`. DNAT rules are
/// processed before network and application rules and are terminating; a rule the packet only
/// perhaps matches (its source may or may not be among the rule's) is decided both ways and is
/// unknown only when the two answers differ.
#[allow(clippy::too_many_arguments)]
pub fn dnat(
    t: &Topology,
    rules: &Rules,
    space: &Space,
    ctx: &PrefixContext,
    src: &AddrSet,
    dst: IpAddr,
    protocol: Protocol,
    port: u16,
) -> DnatOutcome {
    let none: HashMap<String, AddrSet> = HashMap::default();
    let to = AddrSet::host(dst);
    let mut candidates: Vec<(bool, Dnat)> = Vec::new();
    for (c, label, placed) in &rules.nat {
        for r in &c.rules {
            let ports_open = r.open.contains(&RuleValue::Ports);
            let l4 = firewall_l4(&r.protocols, &r.destination_ports);
            if !l4.contains(protocol, port) && !ports_open {
                continue;
            }
            let (dst_sure, dst_maybe) = open_cover(
                &r.open,
                RuleValue::Destinations,
                prefixes_cover(space, ctx, &r.destination_addresses, &[], &none),
            );
            if !to.intersects(&dst_sure) && !to.intersects(&dst_maybe) {
                continue;
            }
            let mut sources = r.source_addresses.clone();
            sources.extend(ip_groups(t, &r.source_ip_groups));
            let (src_sure, src_maybe) = open_cover(
                &r.open,
                RuleValue::Sources,
                prefixes_cover(space, ctx, &sources, &[], &none),
            );
            if !src.intersects(&src_sure) && !src.intersects(&src_maybe) {
                continue;
            }
            let surely =
                *placed && !ports_open && to.is_subset(&dst_sure) && src.is_subset(&src_sure);
            let translated = match (r.translated_address, &r.translated_fqdn) {
                (Some(a), _) => Translated::Address(a),
                (None, Some(f)) => Translated::Fqdn(f.clone()),
                (None, None) => Translated::Unknown,
            };
            candidates.push((
                surely,
                Dnat {
                    to: translated,
                    port: r.translated_port,
                    rule: RuleRef {
                        filter: label.as_str().into(),
                        rule: format!("{}/{}", c.name, r.name).into(),
                        priority: c.priority.get(),
                        open: open_names(&r.open, *placed, true),
                        default: false,
                        uncertain: !surely,
                        if_match: None,
                        entry: 0,
                        at: Arc::new(r.at.clone()),
                    },
                },
            ));
        }
    }
    let mut result = DnatOutcome::NoMatch;
    for (surely, d) in candidates.into_iter().rev() {
        result = match (surely, result) {
            (true, _) => DnatOutcome::Translated(d),
            // Either way the packet goes to the same place.
            (false, DnatOutcome::Translated(later)) if later.to == d.to && later.port == d.port => {
                DnatOutcome::Translated(later)
            }
            (false, _) => DnatOutcome::Unknown(d.rule),
        };
    }
    result
}
