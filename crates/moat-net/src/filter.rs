//! Packet filters: network security groups, compiled once into first-match policies over
//! packet sets with three outcomes.
//!
//! An NSG is evaluated in priority order, user rules then Azure's default rules, separately per
//! direction. Each rule becomes up to two entries of a [`Policy`]: the packets it surely matches
//! take its action; the packets it only perhaps matches (a public CIDR against a symbolic
//! service endpoint, a source port constraint against an ephemeral port) are *Unknown* at that
//! rule, because whether Azure applies the rule there cannot be decided from the model.
//!
//! A rule whose priority, direction or access the input leaves open is compiled the same way:
//! with an open priority or direction it *may* apply (at the earliest place its priority could
//! take, in every direction it could filter), with an open access it may allow or deny. A
//! decision such a rule could change is unknown; one that every value leaves alone (an earlier
//! known rule decides, or the rest of the list gives the rule's own action) stays definite.

use crate::space::{PrefixContext, Space};
use foldhash::HashMap;
use moat_model::enums::{Access, Direction, FirewallProtocol, NsgProtocol};
use moat_model::firewall::RuleValue;
use moat_model::network::{NetworkSecurityGroup, SecurityRule};
use moat_model::values::{AddressPrefix, PortRange};
use moat_packets::{AddrSet, L4Set, PacketSet, Policy, Protocol};
use std::ops::RangeInclusive;
use std::sync::Arc;

/// A three-valued filtering decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Decision {
    Allow,
    Deny,
    Unknown,
}

/// The rule behind a decision. Its text is shared: a compiled policy holds one per entry
/// (an estate's NSGs compile to hundreds of thousands), and each outcome clones one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleRef {
    /// The filter (`nsg training-nsg`, `firewall hub-fw`), one allocation per filter.
    pub filter: Arc<str>,
    /// The rule's name, shared by the entries of one rule.
    pub rule: Arc<str>,
    /// `None` when the input leaves it open.
    pub priority: Option<u32>,
    /// The rule's fields the input leaves open (`direction`, `access`), besides the priority.
    pub open: Vec<&'static str>,
    /// An Azure default rule rather than one the user wrote.
    pub default: bool,
    /// The entry for packets the rule only perhaps matches.
    pub uncertain: bool,
    /// For an uncertain entry: the rule's action, should it match.
    pub if_match: Option<Decision>,
    /// The entry's position in its policy (what follows it is the rest of the rule list).
    pub entry: usize,
    pub at: Arc<moat_model::Provenance>,
}

impl RuleRef {
    /// `rule DenyInternet (priority 4000) of nsg training-nsg`.
    pub fn describe(&self) -> String {
        let kind = if self.default { "default rule" } else { "rule" };
        let mut about = vec![match self.priority {
            Some(p) => format!("priority {p}"),
            None => "priority unknown".to_string(),
        }];
        about.extend(self.open.iter().map(|f| format!("{f} unknown")));
        format!(
            "{kind} {} ({}) of {}",
            self.rule,
            about.join(", "),
            self.filter
        )
    }
}

/// Ports as inclusive ranges.
pub fn port_ranges(ports: &[PortRange]) -> Vec<RangeInclusive<u16>> {
    ports.iter().map(|p| p.lo..=p.hi).collect()
}

fn any_port(ports: &[PortRange]) -> bool {
    ports.is_empty() || ports.contains(&PortRange::ANY)
}

/// The transport set of an NSG rule.
pub fn nsg_l4(protocol: NsgProtocol, ports: &[PortRange]) -> L4Set {
    let protos: Option<Vec<Protocol>> = match protocol {
        NsgProtocol::Any => None,
        NsgProtocol::Tcp => Some(vec![Protocol::TCP]),
        NsgProtocol::Udp => Some(vec![Protocol::UDP]),
        NsgProtocol::Icmp => Some(vec![Protocol::ICMP]),
        NsgProtocol::Esp => Some(vec![Protocol(50)]),
        NsgProtocol::Ah => Some(vec![Protocol(51)]),
    };
    let ranges = port_ranges(ports);
    let ports = if any_port(ports) {
        None
    } else {
        Some(ranges.as_slice())
    };
    L4Set::from_parts(protos.as_deref(), ports)
}

/// The transport set of a firewall network rule.
pub fn firewall_l4(protocols: &[FirewallProtocol], ports: &[PortRange]) -> L4Set {
    let mut protos = Vec::new();
    for p in protocols {
        match p {
            FirewallProtocol::Any => {
                protos.clear();
                break;
            }
            FirewallProtocol::Tcp => protos.push(Protocol::TCP),
            FirewallProtocol::Udp => protos.push(Protocol::UDP),
            FirewallProtocol::Icmp => protos.push(Protocol::ICMP),
        }
    }
    let ranges = port_ranges(ports);
    let ports = if any_port(ports) {
        None
    } else {
        Some(ranges.as_slice())
    };
    let protos = if protos.is_empty() {
        None
    } else {
        Some(protos.as_slice())
    };
    L4Set::from_parts(protos, ports)
}

/// The sure and maybe sets of a list of prefixes plus application security groups.
pub fn prefixes_cover(
    space: &Space,
    ctx: &PrefixContext,
    prefixes: &[AddressPrefix],
    asgs: &[String],
    asg_members: &HashMap<String, AddrSet>,
) -> (AddrSet, AddrSet) {
    let mut sure = AddrSet::none();
    let mut maybe = AddrSet::none();
    for p in prefixes {
        let c = space.cover(p, ctx);
        sure = sure.union(&c.sure);
        maybe = maybe.union(&c.maybe);
    }
    for a in asgs {
        if let Some(m) = asg_members.get(a) {
            sure = sure.union(m);
        }
    }
    let maybe = maybe.difference(&sure);
    (sure, maybe)
}

/// A compiled NSG for one direction.
pub struct CompiledNsg {
    pub policy: Policy<Decision, RuleRef>,
    /// The rule list after an entry, compiled on demand: where a packet goes when a rule it
    /// only perhaps matches does not apply.
    tails: std::cell::RefCell<HashMap<usize, std::rc::Rc<Policy<Decision, RuleRef>>>>,
}

impl CompiledNsg {
    fn tail(&self, entry: usize) -> std::rc::Rc<Policy<Decision, RuleRef>> {
        if let Some(p) = self.tails.borrow().get(&entry) {
            return p.clone();
        }
        let rules: Vec<moat_packets::Rule<Decision, RuleRef>> = self
            .policy
            .rules()
            .iter()
            .skip(entry + 1)
            .cloned()
            .collect();
        let p = std::rc::Rc::new(Policy::new(rules, *self.policy.default_action()));
        self.tails.borrow_mut().insert(entry, p.clone());
        p
    }

    /// Pushes a flow through the NSG. A rule the flow only perhaps matches is decided both
    /// ways: if it applies the packet gets its action; if not, the rest of the list decides.
    /// When both ways agree the outcome is sure (two allow rules in a row), otherwise unknown.
    pub fn evaluate(&self, flow: &PacketSet) -> Outcome {
        self.evaluate_from(&self.policy, flow, 0)
    }

    fn evaluate_from(
        &self,
        policy: &Policy<Decision, RuleRef>,
        flow: &PacketSet,
        depth: usize,
    ) -> Outcome {
        let pieces = policy.apply(flow);
        let mut resolved: Vec<(PacketSet, Decision, Option<RuleRef>)> = Vec::new();
        for (set, action, rule) in pieces {
            let rule = rule.cloned();
            if let (Decision::Unknown, Some(r)) = (action, &rule)
                && let Some(a) = r.if_match
                && depth < 8
            {
                let rest = self.evaluate_from(&self.tail(r.entry), &set, depth + 1);
                let uniform = rest.rules.iter().all(|(d, _)| *d == a);
                if rest.decision == a && uniform {
                    resolved.push((set, a, rest.rule.or(rule)));
                    continue;
                }
            }
            resolved.push((set, *action, rule));
        }
        summarise(resolved)
    }
}

/// The sure and maybe sets of a rule's addresses when the input may leave them open: an open
/// value may be any address, so nothing is sure and everything may match.
pub(crate) fn open_cover(
    open: &[RuleValue],
    which: RuleValue,
    cover: (AddrSet, AddrSet),
) -> (AddrSet, AddrSet) {
    if open.contains(&which) {
        (AddrSet::none(), AddrSet::any())
    } else {
        cover
    }
}

/// The addresses of the members of each application security group, as a rule's source and
/// as its destination sees them: membership is a NIC's, and a NIC whose address Azure assigns
/// is known as a member only on the side of a flow it is at (its address alone does not tell
/// it from the other endpoints of its subnet).
#[derive(Clone, Copy)]
pub struct AsgMembers<'a> {
    pub source: &'a HashMap<String, AddrSet>,
    pub destination: &'a HashMap<String, AddrSet>,
}

/// Compiles one direction of an NSG, read in the context of the VNet it applies in.
pub fn compile_nsg(
    nsg: &NetworkSecurityGroup,
    direction: Direction,
    space: &Space,
    ctx: &PrefixContext,
    asg_members: AsgMembers,
) -> CompiledNsg {
    // A rule whose direction is open may filter this direction too; one whose priority is
    // open may come first among the user rules (Azure's lowest user priority is 100).
    let mut rules: Vec<&SecurityRule> = nsg
        .rules
        .iter()
        .filter(|r| r.direction.may_be(&direction))
        .collect();
    rules.sort_by_key(|r| match r.priority.get() {
        Some(p) => (p, false),
        None => (100, true),
    });
    let defaults = SecurityRule::defaults();
    let mut entries = Vec::new();
    let filter: Arc<str> = format!("nsg {}", nsg.name).into();
    for (r, default) in rules.into_iter().map(|r| (r, false)).chain(
        defaults
            .iter()
            .filter(|r| r.direction.may_be(&direction))
            .map(|r| (r, true)),
    ) {
        // A side that names neither prefixes nor groups means any address (`*`).
        let any = [AddressPrefix::Any];
        let src_p = if r.source.is_empty() && r.source_asgs.is_empty() {
            &any[..]
        } else {
            &r.source[..]
        };
        let dst_p = if r.destination.is_empty() && r.destination_asgs.is_empty() {
            &any[..]
        } else {
            &r.destination[..]
        };
        // Match values the input leaves open: the rule perhaps matches any of them, and its
        // evaluation decides the flows it may match both ways.
        let (src_sure, src_maybe) = open_cover(
            &r.open,
            RuleValue::Sources,
            prefixes_cover(space, ctx, src_p, &r.source_asgs, asg_members.source),
        );
        let (dst_sure, dst_maybe) = open_cover(
            &r.open,
            RuleValue::Destinations,
            prefixes_cover(
                space,
                ctx,
                dst_p,
                &r.destination_asgs,
                asg_members.destination,
            ),
        );
        let (l4_sure, l4) = if r.open.contains(&RuleValue::Ports) {
            (L4Set::none(), L4Set::any())
        } else {
            let l4 = nsg_l4(r.protocol, &r.destination_ports);
            (l4.clone(), l4)
        };
        // The action should the rule match: `None` when its access is open.
        let action = r.access.get().map(|a| match a {
            Access::Allow => Decision::Allow,
            Access::Deny => Decision::Deny,
        });
        // Whether the rule surely applies where it matches, and where it sits in the list.
        let placed = r.priority.get().is_some() && r.direction.get().is_some();
        let open: Vec<&'static str> = [
            ("direction", r.direction.is_unknown()),
            ("access", r.access.is_unknown()),
        ]
        .into_iter()
        .filter_map(|(f, o)| o.then_some(f))
        .chain(r.open.iter().map(|v| v.name()))
        .collect();
        let name: Arc<str> = r.name.as_str().into();
        let rule_at = Arc::new(if default {
            nsg.at.clone()
        } else {
            r.at.clone()
        });
        let rref = |uncertain: bool, entry: usize| RuleRef {
            filter: filter.clone(),
            rule: name.clone(),
            priority: r.priority.get(),
            open: open.clone(),
            default,
            uncertain,
            if_match: if uncertain { action } else { None },
            entry,
            at: rule_at.clone(),
        };
        // A source-port constraint cannot be decided for an ephemeral source port.
        let src_ports_any = any_port(&r.source_ports);
        let sure = PacketSet::new(&src_sure, &dst_sure, &l4_sure);
        if let (true, true, Some(action)) = (src_ports_any, placed, action) {
            entries.push((sure.clone(), action, rref(false, entries.len())));
        } else {
            entries.push((sure.clone(), Decision::Unknown, rref(true, entries.len())));
        }
        let src_all = src_sure.union(&src_maybe);
        let dst_all = dst_sure.union(&dst_maybe);
        let maybe = PacketSet::new(&src_all, &dst_all, &l4).difference(&sure);
        if !maybe.is_empty() {
            entries.push((maybe, Decision::Unknown, rref(true, entries.len())));
        }
    }
    // The default rules end in DenyAll, so the policy default is never reached.
    CompiledNsg {
        policy: Policy::from_triples(entries, Decision::Deny),
        tails: Default::default(),
    }
}

/// The outcome of pushing a flow through a filter.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// Allowed whatever the exact source address and destination address inside the flow.
    pub decision: Decision,
    /// The rule that decided (for Deny/Unknown, the first deciding rule met).
    pub rule: Option<RuleRef>,
    /// For a flow whose sources are treated differently: the sources that are denied.
    pub denied_sources: AddrSet,
    /// Every rule that decided part of the flow.
    pub rules: Vec<(Decision, RuleRef)>,
}

/// Pushes `flow` through a policy. The source set is real variation (any node of a subnet may
/// send); the destination set is uncertainty (a service's address somewhere in its prefixes).
/// A source is allowed when every destination address is allowed for it, denied when every one
/// is denied; the flow is allowed when every source is.
pub fn evaluate(policy: &Policy<Decision, RuleRef>, flow: &PacketSet) -> Outcome {
    let pieces = policy
        .apply(flow)
        .into_iter()
        .map(|(set, a, r)| (set, *a, r.cloned()))
        .collect();
    summarise(pieces)
}

fn summarise(pieces: Vec<(PacketSet, Decision, Option<RuleRef>)>) -> Outcome {
    let mut allow_src = AddrSet::none();
    let mut deny_src = AddrSet::none();
    let mut unknown_src = AddrSet::none();
    let mut rules: Vec<(Decision, RuleRef)> = Vec::new();
    for (set, action, rule) in &pieces {
        let src = set.src_set();
        match action {
            Decision::Allow => allow_src = allow_src.union(&src),
            Decision::Deny => deny_src = deny_src.union(&src),
            Decision::Unknown => unknown_src = unknown_src.union(&src),
        }
        if let Some(r) = rule
            && !rules.iter().any(|(d, x)| d == action && x == r)
        {
            rules.push((*action, r.clone()));
        }
    }
    // Sources seeing several outcomes across destination addresses are uncertain.
    let mixed = allow_src.intersect(&deny_src).union(&unknown_src);
    let surely_denied = deny_src.difference(&allow_src).difference(&unknown_src);
    let decision = if !surely_denied.is_empty() {
        Decision::Deny
    } else if !mixed.is_empty() {
        Decision::Unknown
    } else if !allow_src.is_empty() {
        Decision::Allow
    } else {
        Decision::Deny
    };
    let rule = rules
        .iter()
        .find(|(d, _)| *d == decision)
        .or_else(|| rules.first())
        .map(|(_, r)| r.clone());
    Outcome {
        decision,
        rule,
        denied_sources: surely_denied,
        rules,
    }
}
