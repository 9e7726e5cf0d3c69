//! Atomic classes: the pieces of the packet space that no rule on a place's way out tells
//! apart.
//!
//! A place's outbound flows are decided by the rules that read them: the NSGs of its subnet
//! and NICs, the firewalls its routes may reach, the outbound rules of its managed network,
//! and two ports the engine itself singles out (80 and 443, the ports of FQDN rules). Each
//! rule contributes the set of (protocol, port) pairs it matches; refining the whole
//! transport space by every such set leaves classes whose members every rule treats alike, so
//! the trace of one member is the trace of all (the atomic predicates of APT, computed per
//! place). Sources are refined the same way by the source prefixes of those rules and by the
//! NICs that carry their own NSG or application security groups: when nothing splits a
//! subnet, the subnet is one class and is traced as a whole.

use moat_engine::Engine;
use moat_model::Topology;
use moat_model::enums::{Direction, FirewallProtocol};
use moat_model::values::{AddressPrefix, PortRange};
use moat_net::filter::{firewall_l4, nsg_l4};
use moat_net::managed::{ManagedRuleKind, effective_rules};
use moat_packets::{AddrSet, L4Set, Protocol};

/// Refines `classes` by `set`: every class meeting both `set` and its complement splits.
fn refine_l4(classes: Vec<L4Set>, set: &L4Set) -> Vec<L4Set> {
    let mut out = Vec::with_capacity(classes.len() + 1);
    for c in classes {
        let inside = c.intersect(set);
        if inside.is_empty() || inside == c {
            out.push(c);
            continue;
        }
        out.push(c.difference(set));
        out.push(inside);
    }
    out
}

/// The transport classes of a family of rule sets.
pub fn l4_classes(sets: &[L4Set]) -> Vec<L4Set> {
    let mut distinct: Vec<&L4Set> = Vec::new();
    for s in sets {
        if !s.is_empty() && !s.is_any() && !distinct.contains(&s) {
            distinct.push(s);
        }
    }
    let mut classes = vec![L4Set::any()];
    for s in distinct {
        classes = refine_l4(classes, s);
    }
    classes
}

/// The member of a class a witness shows: HTTPS if the class holds it, then HTTP, then the
/// most readable member.
pub fn representative(class: &L4Set) -> Option<(Protocol, u16)> {
    for port in [443, 80] {
        if class.contains(Protocol::TCP, port) {
            return Some((Protocol::TCP, port));
        }
    }
    class.sample()
}

/// The transport sets of a firewall's rules and its policy's (network rules by protocol and
/// port, application rules by their ports).
fn firewall_sets(t: &Topology, out: &mut Vec<L4Set>) {
    let app = |ports: &mut Vec<L4Set>, c: &moat_model::firewall::ApplicationRuleCollection| {
        for r in &c.rules {
            for p in &r.protocols {
                ports.push(L4Set::tcp([p.port..=p.port]));
            }
        }
    };
    for f in &t.firewalls {
        for c in &f.network_rule_collections {
            for r in &c.rules {
                out.push(firewall_l4(&r.protocols, &r.destination_ports));
            }
        }
        for c in &f.application_rule_collections {
            app(out, c);
        }
    }
    for p in &t.firewall_policies {
        for g in &p.rule_collection_groups {
            for c in &g.network_rule_collections {
                for r in &c.rules {
                    out.push(firewall_l4(&r.protocols, &r.destination_ports));
                }
            }
            for c in &g.application_rule_collections {
                app(out, c);
            }
        }
    }
}

/// The transport sets of an NSG's rules that may filter outbound traffic.
fn nsg_sets(t: &Topology, name: &str, out: &mut Vec<L4Set>) {
    let Some(n) = t.network_security_groups.iter().find(|n| n.name == name) else {
        return;
    };
    for r in &n.rules {
        if r.direction.may_be(&Direction::Outbound) {
            out.push(nsg_l4(r.protocol, &r.destination_ports));
        }
    }
}

/// Where a place's outbound rules come from.
#[derive(Clone, Debug)]
pub enum Scope<'a> {
    /// A subnet (`vnet/subnet`).
    Subnet(&'a str),
    /// The managed network of a workspace.
    Managed(&'a str),
    /// A place no customer rule filters (a service acting with its identity, a legacy
    /// deployment): only the ports the engine singles out.
    Platform,
}

/// The transport classes of a place.
pub fn place_l4(e: &Engine, scope: &Scope) -> Vec<L4Set> {
    let t = e.t;
    let mut sets = vec![
        L4Set::tcp([443..=443]),
        L4Set::tcp([80..=80]),
        L4Set::protocol(Protocol::TCP),
        L4Set::protocol(Protocol::UDP),
    ];
    match scope {
        Scope::Subnet(subnet) => {
            if let Some(&(vi, si)) = e.ix.subnets.get(*subnet) {
                let s = &t.virtual_networks[vi].subnets[si];
                if let Some(n) = &s.network_security_group {
                    nsg_sets(t, n, &mut sets);
                }
            }
            for nic in t.network_interfaces.iter().filter(|n| n.subnet == *subnet) {
                if let Some(n) = &nic.network_security_group {
                    nsg_sets(t, n, &mut sets);
                }
            }
            firewall_sets(t, &mut sets);
        }
        Scope::Managed(ws) => {
            if let Some(w) = e.ix.workspaces.get(*ws).map(|&i| &t.workspaces[i]) {
                for r in effective_rules(t, w) {
                    match r.kind {
                        // What a rule leaves unknown makes no cut: its flows stay undecided
                        // alike.
                        ManagedRuleKind::ServiceTag {
                            protocol, ports, ..
                        } => sets.push(firewall_l4(
                            &[protocol.get().unwrap_or(FirewallProtocol::Any)],
                            ports.known().map_or(&[PortRange::ANY][..], Vec::as_slice),
                        )),
                        ManagedRuleKind::Fqdn { .. } => sets.push(firewall_l4(
                            &[FirewallProtocol::Tcp],
                            &[PortRange { lo: 80, hi: 80 }, PortRange { lo: 443, hi: 443 }],
                        )),
                        ManagedRuleKind::PrivateEndpoint { .. } => {}
                    }
                }
            }
        }
        Scope::Platform => {}
    }
    l4_classes(&sets)
}

/// Refines address classes by `set`.
fn refine_addr(classes: Vec<AddrSet>, set: &AddrSet) -> Vec<AddrSet> {
    let mut out = Vec::with_capacity(classes.len() + 1);
    for c in classes {
        let inside = c.intersect(set);
        if inside.is_empty() || inside == c {
            out.push(c);
            continue;
        }
        out.push(c.difference(set));
        out.push(inside);
    }
    out
}

/// Every source-side cut of a deployment: the source prefixes of NSG, firewall and IP group
/// rules, and the address of every NIC with its own NSG or application security groups.
pub fn source_cuts(t: &Topology) -> Vec<AddrSet> {
    let mut cuts: Vec<AddrSet> = Vec::new();
    let prefix = |p: &AddressPrefix, cuts: &mut Vec<AddrSet>| {
        if let AddressPrefix::Net(n) = p {
            cuts.push(AddrSet::net(*n));
        }
    };
    for n in &t.network_security_groups {
        for r in &n.rules {
            r.source.iter().for_each(|p| prefix(p, &mut cuts));
        }
    }
    let fw_rules = t.network_rule_collections();
    for c in fw_rules {
        for r in &c.rules {
            r.source_addresses.iter().for_each(|p| prefix(p, &mut cuts));
        }
    }
    let app_rules = t.application_rule_collections();
    for c in app_rules {
        for r in &c.rules {
            r.source_addresses.iter().for_each(|p| prefix(p, &mut cuts));
        }
    }
    for g in &t.ip_groups {
        g.ip_addresses.iter().for_each(|p| prefix(p, &mut cuts));
    }
    // A NIC with its own filters sets its address apart; one Azure assigns may be any free
    // address of its subnet, all of which it sets apart.
    let addressing = moat_model::Addressing::new(t, &t.index());
    for nic in &t.network_interfaces {
        if nic.network_security_group.is_none() && nic.application_security_groups.is_empty() {
            continue;
        }
        match t.nic_address(&addressing, nic) {
            Some(moat_model::PrivateIp::Static(ip)) => cuts.push(AddrSet::host(ip)),
            Some(moat_model::PrivateIp::Dynamic(a)) => {
                cuts.push(moat_engine::engine::free_set_of(t, &addressing, &a.subnet))
            }
            None => {}
        }
    }
    cuts.sort();
    cuts.dedup();
    cuts
}

/// The source classes of a subnet: its address space refined by every cut of
/// [`source_cuts`] that splits it. One class when nothing splits it.
pub fn subnet_sources(e: &Engine, subnet: &str, cuts: &[AddrSet]) -> Vec<AddrSet> {
    let t = e.t;
    let Some(&(vi, si)) = e.ix.subnets.get(subnet) else {
        return Vec::new();
    };
    let space = AddrSet::from_nets(t.virtual_networks[vi].subnets[si].prefixes());
    if space.is_empty() {
        return Vec::new();
    }
    let mut classes = vec![space.clone()];
    for c in cuts {
        if c.intersects(&space) && !space.is_subset(c) {
            classes = refine_addr(classes, c);
        }
    }
    classes
}

/// The public prefixes the rules of a deployment name as destinations (NSG rules, firewall
/// network rules, routes), refined into classes: each is a part of the internet some rule
/// singles out.
pub fn public_destination_classes(t: &Topology) -> Vec<AddrSet> {
    let private = AddrSet::from_nets(
        moat_net::space::PRIVATE_V4
            .iter()
            .filter_map(|s| s.parse::<ipnet::IpNet>().ok()),
    );
    let mut sets: Vec<AddrSet> = Vec::new();
    let mut add = |p: &AddressPrefix| {
        if let AddressPrefix::Net(n @ ipnet::IpNet::V4(v)) = p
            && v.prefix_len() > 0
        {
            let s = AddrSet::net(*n).difference(&private);
            if !s.is_empty() && !sets.contains(&s) {
                sets.push(s);
            }
        }
    };
    for n in &t.network_security_groups {
        for r in &n.rules {
            r.destination.iter().for_each(&mut add);
        }
    }
    let fw_rules = t.network_rule_collections();
    for c in fw_rules {
        for r in &c.rules {
            r.destination_addresses.iter().for_each(&mut add);
        }
    }
    for rt in &t.route_tables {
        rt.routes.iter().for_each(|r| add(&r.address_prefix));
    }
    if sets.is_empty() {
        return Vec::new();
    }
    let union = sets.iter().fold(AddrSet::none(), |a, s| a.union(s));
    let mut classes = vec![union];
    for s in &sets {
        classes = refine_addr(classes, s);
    }
    classes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_classes_partition_the_space() {
        let classes = l4_classes(&[
            L4Set::tcp([443..=443]),
            L4Set::tcp([80..=443]),
            L4Set::udp([5831..=5831]),
            L4Set::protocol(Protocol::ICMP),
        ]);
        let union = classes.iter().fold(L4Set::none(), |a, c| a.union(c));
        assert!(union.is_any());
        for (i, a) in classes.iter().enumerate() {
            for b in &classes[i + 1..] {
                assert!(a.intersect(b).is_empty());
            }
        }
        // tcp/443, tcp/80-442, udp/5831, icmp, and everything else (no set holds it: one
        // class, however scattered).
        assert_eq!(classes.len(), 5);
        let https = classes
            .iter()
            .find(|c| c.contains(Protocol::TCP, 443))
            .unwrap();
        assert_eq!(https, &L4Set::tcp([443..=443]));
        assert_eq!(representative(https), Some((Protocol::TCP, 443)));
    }
}
