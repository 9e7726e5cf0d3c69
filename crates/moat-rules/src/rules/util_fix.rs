//! Changes for flows that a network security group denies: the allow rule that admits them,
//! placed in front of the rule that decides today.

use crate::Finding;
use crate::change::Change;
use crate::context::Context;
use crate::rules::util_infra::{ComputeGroup, Origin};
use moat_engine::{Step, Trace, Verdict};
use moat_model::Topology;
use moat_model::enums::{Direction, IsolationMode};
use std::collections::HashSet;

/// The lowest and highest priority of a user rule (Azure: 100 to 4096).
const PRIORITIES: std::ops::RangeInclusive<u32> = 100..=4096;

/// The NSG that denies every one of `denied` (traces of one flow on several ports), the
/// direction and the lowest priority of the rules that deny them: `None` when another element
/// blocks one of them or the traces disagree on the NSG.
fn denying_nsg(denied: &[&Trace]) -> Option<(String, Direction, u32)> {
    let mut found: Option<(String, Direction, u32)> = None;
    for t in denied {
        if t.verdict != Verdict::Denied {
            return None;
        }
        let hop = t.blocked_by().filter(|h| h.step == Step::Nsg)?;
        let moat_engine::trace::NsgDecision {
            nsg,
            direction,
            priority,
            ..
        } = hop.nsg_rule.as_deref().cloned()?;
        let priority = priority?;
        found = match found {
            None => Some((nsg, direction, priority)),
            Some((n, d, p)) if n == nsg && d == direction => Some((n, d, p.min(priority))),
            Some(_) => return None,
        };
    }
    found
}

/// The highest priority free in `direction` of the NSG below `bound`: the new rule is
/// evaluated right before the denying rule, after every rule that did not match the flow.
/// `None` when a rule of the NSG has an unknown priority or direction, or no number is free.
fn free_priority(cx: &Context, nsg: &str, direction: Direction, bound: u32) -> Option<u32> {
    let g =
        cx.t.network_security_groups
            .iter()
            .find(|g| g.name == nsg)?;
    let mut taken = Vec::new();
    for r in &g.rules {
        let (Some(p), Some(d)) = (r.priority.known(), r.direction.known()) else {
            return None;
        };
        if *d == direction {
            taken.push(*p);
        }
    }
    let top = bound.saturating_sub(1).min(*PRIORITIES.end());
    (*PRIORITIES.start()..=top)
        .rev()
        .find(|p| !taken.contains(p))
}

/// A flow the NSG denies, and what an allow rule for it says.
pub struct Allow<'a> {
    /// Words of the rule's name (`allow`, the source, the ports).
    pub name: &'a [&'a str],
    /// `Tcp`, `Udp` or `*`.
    pub protocol: &'static str,
    pub source: &'a str,
    pub destination: &'a str,
    /// The port range (`29876-29877`).
    pub ports: &'a str,
}

/// The rule that admits a flow an NSG denies on each of `denied` (its traces, one a port):
/// in that NSG, in the direction of the denying rule, in front of it.
pub fn allow_in_nsg(cx: &Context, denied: &[&Trace], allow: &Allow) -> Option<Change> {
    if denied.is_empty() {
        return None;
    }
    let (nsg, direction, bound) = denying_nsg(denied)?;
    let priority = free_priority(cx, &nsg, direction, bound)?;
    let name = Change::rule_name(allow.name);
    // A rule of that name is the user's: changing it is not adding one.
    let taken =
        cx.t.network_security_groups
            .iter()
            .filter(|g| g.name == nsg)
            .any(|g| g.rules.iter().any(|r| r.name.eq_ignore_ascii_case(&name)));
    if taken {
        return None;
    }
    Some(Change::AllowInNsg {
        nsg,
        name,
        direction: match direction {
            Direction::Inbound => "Inbound",
            Direction::Outbound => "Outbound",
        },
        priority,
        protocol: allow.protocol,
        source: allow.source.to_string(),
        destination: allow.destination.to_string(),
        ports: allow.ports.to_string(),
    })
}

/// The address prefix of a subnet (`vnet/subnet`), when it has exactly one.
pub fn subnet_prefix(cx: &Context, subnet: &str) -> Option<String> {
    let &(vi, si) = cx.e.ix.subnets.get(subnet)?;
    match cx.t.virtual_networks[vi].subnets[si]
        .address_prefixes
        .as_slice()
    {
        [one] => Some(one.0.to_string()),
        _ => None,
    }
}

/// The address of a storage account's one `file` private endpoint (or its subnet's prefix),
/// where SMB goes: none when it has none or several, as which to admit is the user's.
pub fn file_endpoint(cx: &Context, st: &str) -> Option<String> {
    let mut pes = cx.t.private_endpoints.iter().filter(|p| {
        p.target.name_of(moat_model::address::Kind::Storage) == Some(st)
            && p.group_id.eq_ignore_ascii_case("file")
    });
    let (pe, None) = (pes.next()?, pes.next()) else {
        return None;
    };
    match pe.ip_address {
        Some(ip) => Some(ip.to_string()),
        None => subnet_prefix(cx, &pe.subnet),
    }
}

/// The rule that admits a flow a firewall denies by default (no rule of it matches the
/// flow): `None` when something else stops the flow, a rule denies it, or a rule of the
/// firewall has the name already.
pub fn allow_in_firewall(
    cx: &Context,
    t: &Trace,
    name: &[&str],
    rule: crate::change::FirewallAllow,
) -> Option<Change> {
    let hop = t.blocked_by().filter(|h| {
        t.verdict == Verdict::Denied
            && h.step == Step::Firewall
            && h.code == moat_engine::Code::FwImplicitDeny
    })?;
    let firewall = hop
        .subject
        .as_ref()?
        .name_of(moat_model::address::Kind::Firewall)?;
    let fw = cx.t.firewalls.iter().find(|f| f.name == firewall)?;
    let name = Change::rule_name(name);
    let policy = fw
        .firewall_policy
        .as_ref()
        .and_then(|p| cx.t.firewall_policies.iter().find(|x| &x.name == p));
    let groups = policy.into_iter().flat_map(|p| &p.rule_collection_groups);
    let mut names = groups
        .clone()
        .flat_map(|g| &g.network_rule_collections)
        .chain(&fw.network_rule_collections)
        .flat_map(|c| c.rules.iter().map(|r| &r.name))
        .chain(
            groups
                .flat_map(|g| &g.application_rule_collections)
                .chain(&fw.application_rule_collections)
                .flat_map(|c| c.rules.iter().map(|r| &r.name)),
        );
    if names.any(|n| n.eq_ignore_ascii_case(&name)) {
        return None;
    }
    Some(Change::AllowInFirewall {
        firewall: firewall.to_string(),
        name,
        rule,
    })
}

/// The rule that admits a flow from a compute subnet (`vnet/subnet`, when the computes are in
/// one) to a service tag: in the NSG that denies it, or else in the firewall no rule of which
/// matches it.
pub fn allow_to_tag(cx: &Context, t: &Trace, subnet: Option<&str>, tag: &str) -> Option<Change> {
    let port = t.port.to_string();
    let udp = t.protocol.eq_ignore_ascii_case("udp");
    let name = ["allow", tag, port.as_str()];
    allow_in_nsg(
        cx,
        &[t],
        &Allow {
            name: &name,
            protocol: if udp { "Udp" } else { "Tcp" },
            source: "VirtualNetwork",
            destination: tag,
            ports: &port,
        },
    )
    .filter(|c| matches!(c, Change::AllowInNsg { direction, .. } if *direction == "Outbound"))
    .or_else(|| {
        allow_in_firewall(
            cx,
            t,
            &name,
            crate::change::FirewallAllow::Network {
                protocol: if udp { "UDP" } else { "TCP" },
                source: subnet_prefix(cx, subnet?)?,
                destination: tag.to_string(),
                port: port.clone(),
            },
        )
    })
}

/// Application rules on Https:443 for `hosts` (names or wildcards; `traces[i]` is the flow to
/// `hosts[i]`) from the group's subnet, in the firewall that no rule of matches each: all of
/// them, or none (a fix that leaves one host blocked is no fix).
pub fn https_in_firewall(
    cx: &Context,
    g: &ComputeGroup,
    hosts: &[&str],
    traces: &[Trace],
) -> Vec<Change> {
    let Origin::Subnet(subnet) = &g.origin else {
        return Vec::new();
    };
    let Some(source) = subnet_prefix(cx, subnet) else {
        return Vec::new();
    };
    if hosts.len() != traces.len() {
        return Vec::new();
    }
    let rules: Option<Vec<Change>> = hosts
        .iter()
        .zip(traces)
        .map(|(host, t)| {
            let name = match host.strip_prefix("*.") {
                Some(rest) => vec!["allow", "any", rest],
                None => vec!["allow", host],
            };
            allow_in_firewall(
                cx,
                t,
                &name,
                crate::change::FirewallAllow::Application {
                    source: source.clone(),
                    fqdn: host.to_string(),
                    protocol: "Https",
                    port: 443,
                },
            )
        })
        .collect();
    rules.unwrap_or_default()
}

/// Ports as an NSG port range: `29876-29877` for consecutive ports, else none.
pub fn port_range(ports: &[u16]) -> Option<String> {
    let (first, last) = (*ports.iter().min()?, *ports.iter().max()?);
    if usize::from(last - first) + 1 != ports.len() {
        return None;
    }
    Some(if first == last {
        first.to_string()
    } else {
        format!("{first}-{last}")
    })
}

/// Gives the allow rules that findings add to one NSG distinct priorities (Azure rejects two
/// rules of a direction with one priority): a rule that collides with one before it moves to
/// the next free number below, still in front of the rule it must precede. A rule with no
/// number left is dropped.
pub fn distinct_priorities(t: &Topology, findings: &mut [Finding]) {
    let mut given: HashSet<(String, &'static str, u32)> = HashSet::new();
    // The priorities the input writes, per NSG name and direction, built once and only when
    // a fix adds a rule: looking each candidate up by scanning every NSG grew with fixes ×
    // NSGs.
    let mut written: Option<HashSet<(&str, &str, u32)>> = None;
    for f in findings.iter_mut() {
        f.changes.retain_mut(|c| {
            let Change::AllowInNsg {
                nsg,
                direction,
                priority,
                ..
            } = c
            else {
                return true;
            };
            let written = written.get_or_insert_with(|| {
                t.network_security_groups
                    .iter()
                    .flat_map(|g| g.rules.iter().map(move |r| (g, r)))
                    .filter_map(|(g, r)| {
                        Some((
                            g.name.as_str(),
                            r.direction.known()?.as_str(),
                            *r.priority.known()?,
                        ))
                    })
                    .collect()
            });
            let mut p = *priority;
            while given.contains(&(nsg.clone(), *direction, p))
                || written.contains(&(nsg.as_str(), *direction, p))
            {
                if p <= *PRIORITIES.start() {
                    return false;
                }
                p -= 1;
            }
            *priority = p;
            given.insert((nsg.clone(), *direction, p));
            true
        });
    }
}

/// Keeps allow rules (in an NSG or a firewall) as code for established findings only. A
/// finding the input leaves undecided (what denies it — an NSG rule, a firewall's missing
/// rule — may not be deployed as read, or a value left open decides it) says a rule is needed
/// only if the flow is denied: written as code, it would read as the fix, and open a port in
/// front of a rule that may not be there. The rule stays in the fix's words, with that
/// condition.
pub fn allow_rules_only_where_decided(findings: &mut [Finding]) {
    for f in findings.iter_mut().filter(|f| !f.decided()) {
        let mut deniers: Vec<String> = Vec::new();
        f.changes.retain(|c| {
            let denier = match c {
                Change::AllowInNsg { nsg, .. } => format!("NSG {nsg}"),
                Change::AllowInFirewall { firewall, .. } => format!("firewall {firewall}"),
                _ => return true,
            };
            if !deniers.contains(&denier) {
                deniers.push(denier);
            }
            false
        });
        if !deniers.is_empty() {
            f.fix = format!(
                "needed only if {} denies the flow, which the input leaves open: {}",
                deniers.join(" or "),
                f.fix
            );
        }
    }
}

/// Drops the FQDN outbound rules findings propose for a storage account's host: "you can't
/// use an FQDN rule to access Azure Storage Accounts" in a managed network, so such a rule
/// would fix nothing.
pub fn no_storage_fqdn_rules(findings: &mut [Finding]) {
    for f in findings.iter_mut() {
        f.changes.retain(|c| {
            !matches!(c, Change::AddFqdnRule { destination, .. }
                if moat_net::managed::is_storage_host(destination))
        });
    }
}

/// FQDN outbound rules for `hosts` (names or wildcards) in the managed network the group's
/// computes leave from, when it approves only its rules: the topology's own way to allow a
/// host. None for a custom VNet (whose firewall is the user's to change), another mode, or a
/// storage host among them.
pub fn approve_in_managed(g: &ComputeGroup, hosts: &[&str]) -> Vec<Change> {
    let approved_only =
        g.workspace.managed_network.isolation_mode == IsolationMode::AllowOnlyApprovedOutbound;
    // "You can't use an FQDN rule to access Azure Storage Accounts": a fix that would leave
    // one host blocked is no fix.
    let storage = hosts.iter().any(|h| moat_net::managed::is_storage_host(h));
    if !matches!(g.origin, Origin::Managed) || !approved_only || storage {
        return Vec::new();
    }
    hosts
        .iter()
        .map(|h| Change::fqdn_rule(format!("workspace/{}", g.workspace.name), h))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn ranges_of_consecutive_ports() {
        assert_eq!(
            super::port_range(&[29876, 29877]).as_deref(),
            Some("29876-29877")
        );
        assert_eq!(super::port_range(&[44224]).as_deref(), Some("44224"));
        assert_eq!(super::port_range(&[80, 443]), None);
        assert_eq!(super::port_range(&[]), None);
    }
}
