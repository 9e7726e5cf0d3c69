//! Workspace managed networks: outbound rules, managed private endpoints, and the legacy managed VNet.

use super::{Code, Dst, Step, Target, Via, Walk, Walked, at, strip_sub};
use crate::place::Egress;
use moat_model::Open;
use moat_model::address::{Address, Kind};
use moat_model::enums::{FirewallProtocol, IsolationMode};
use moat_model::values::PortRange;
use moat_net::managed::{ManagedRuleKind, effective_rules, fqdn_matches, fqdn_matches_some_region};
use moat_packets::Protocol;

impl Walk<'_, '_> {
    /// Outbound from a workspace managed network.
    pub(super) fn managed(&mut self, workspace: &str, dst: &Dst) -> Walked {
        let t = self.t();
        let Some(&wi) = self.e.ix.workspaces.get(workspace) else {
            return Ok(());
        };
        let w = &t.workspaces[wi];
        let mode = w.managed_network.isolation_mode;
        let element = format!("managed network of {workspace}");
        match dst {
            Dst::ManagedPe { rule } => {
                let d = format!("private endpoint outbound rule {rule}");
                self.assume(
                    Step::ManagedNetwork,
                    element,
                    Code::MvnPrivateEndpoint,
                    d,
                    "managed private endpoint connections are approved on their targets",
                )
            }
            Dst::Private { ip, .. } => self.block(
                Step::ManagedNetwork,
                element,
                Code::MvnNoCustomerVnet,
                format!("{ip} is in a customer network; a managed network reaches it only through private endpoint rules"),
                at(&w.at),
                "add a private endpoint outbound rule to the resource",
            ),
            Dst::Public {
                set, fqdn, owner, ..
            } => {
                if mode == IsolationMode::AllowInternetOutbound {
                    self.pass(Step::ManagedNetwork, element, Code::MvnInternetOutbound, "AllowInternetOutbound lets the managed network reach the internet", at(&w.at));
                    return self.public_arrival(dst, &Via::ManagedNetwork);
                }
                let rules = effective_rules(t, w);
                let mut unsure: Option<String> = None;
                // What a decision that depends on the workspace's region needs, when the input
                // leaves it open.
                let region_open = w.region.as_deref().is_none_or(str::is_empty);
                let region_need = || {
                    self.e
                        .is_unknown(&format!("workspace/{workspace}"), "region")
                        .map(|u| u.need())
                        .unwrap_or_else(|| format!("the region of workspace {workspace}"))
                };
                for r in &rules {
                    match &r.kind {
                        ManagedRuleKind::ServiceTag { tag, protocol, ports, ports_documented, of_open_region } => {
                            let cover = self.e.space.cover(&moat_model::values::AddressPrefix::Tag(tag.clone()), &Default::default());
                            let l4_ok = transport_admits(*protocol, ports.known().map(Vec::as_slice), self.q.protocol, self.port);
                            if *of_open_region {
                                // The rule allows the tag of the workspace's region alone; the
                                // whole tag stands for it. No address is in every region's
                                // tag, so what it holds is allowed in some regions only.
                                if set.intersects(&cover.sure) || set.intersects(&cover.maybe) {
                                    unsure.get_or_insert_with(region_need);
                                }
                            } else if set.is_subset(&cover.sure) {
                                if l4_ok == Some(true) {
                                    let d = format!("{} rule {} allows {tag} {}", if r.required { "required" } else { "service tag" }, r.name, self.proto_port());
                                    self.pass(Step::ManagedNetwork, element, Code::MvnServiceTag, d, at(r.at.as_ref().unwrap_or(&w.at)));
                                    return self.public_arrival(dst, &Via::ManagedNetwork);
                                } else if l4_ok.is_none() {
                                    let open = moat_model::ml::service_tag_transport_open(*protocol, ports.known().map(Vec::as_slice)).unwrap_or_default();
                                    unsure.get_or_insert(format!("service tag rule {} for {tag}: {open}", r.name));
                                } else if !ports_documented {
                                    unsure.get_or_insert(format!("the ports of the required rule for {tag} are not documented"));
                                }
                            } else if set.intersects(&cover.maybe) || set.intersects(&cover.sure) {
                                unsure.get_or_insert(format!("whether {tag} covers {}", Self::describe_dst(dst)));
                            }
                        }
                        ManagedRuleKind::Fqdn { pattern } => {
                            let port_ok = self.q.protocol == Protocol::TCP && matches!(self.port, 80 | 443);
                            if port_ok && fqdn.as_deref().is_some_and(|f| fqdn_matches(pattern, f)) {
                                let d = format!("FQDN rule {} allows {pattern}", r.name);
                                self.pass(Step::ManagedNetwork, element, Code::MvnFqdn, d, at(r.at.as_ref().unwrap_or(&w.at)));
                                return self.public_arrival(dst, &Via::ManagedNetwork);
                            }
                            // A host named after a region the input leaves open: a rule naming
                            // one region allows it if that is the workspace's.
                            if port_ok && region_open && fqdn.as_deref().is_some_and(|f| fqdn_matches_some_region(pattern, f)) {
                                unsure.get_or_insert_with(region_need);
                            }
                        }
                        ManagedRuleKind::PrivateEndpoint { .. } => {}
                    }
                }
                if let Some(why) = unsure {
                    return self.unknown(Step::ManagedNetwork, element, Code::MvnUndecided, "no rule surely allows it", at(&w.at), why);
                }
                // Rules only approve: one among those the input leaves open may approve it.
                if let Some(u) = self.e.open_list(&format!("workspace/{workspace}"), "managed_network.outbound_rules") {
                    return self.unknown(Step::ManagedNetwork, element, Code::MvnUndecided, "no outbound rule the input gives allows it; those it leaves open may", at(&w.at), u.need());
                }
                let what = fqdn.clone().or_else(|| owner.as_ref().map(|o| o.to_string())).unwrap_or_else(|| "the destination".into());
                let fix = match owner {
                    Some(o) => format!("add a private endpoint outbound rule to {o}"),
                    None => format!("add an FQDN outbound rule for {what} (ports 80/443) or a service tag rule"),
                };
                self.block(Step::ManagedNetwork, element, Code::MvnNotApproved, format!("AllowOnlyApprovedOutbound: no outbound rule allows {what}"), at(&w.at), fix)
            }
        }
    }
}

pub(super) fn legacy(
    w: &mut Walk,
    workspace: &str,
    egress_enabled: bool,
    dst: &Dst,
    tg: &Target,
) -> Walked {
    let element = format!("deployment managed VNet ({workspace})");
    if egress_enabled {
        w.pass(
            Step::ManagedNetwork,
            element,
            Code::LegacyEgressPublic,
            "egress_public_network_access enabled: only public resources are reachable",
            None,
        );
        return match dst {
            Dst::Public { .. } => w.public_arrival(
                dst,
                &Via::Internet(Egress::Unknown("the deployment's outbound address".into())),
            ),
            _ => w.block(
                Step::ManagedNetwork,
                "deployment",
                Code::LegacyNoPrivate,
                "private addresses are not reachable with public egress",
                None,
                "set egress_public_network_access to disabled",
            ),
        };
    }
    // Egress disabled: the platform creates private endpoints to the workspace, its blob
    // storage and ACR, and to registry storage and ACR when assets come from a registry.
    let Some(ws) =
        w.e.ix
            .workspaces
            .get(workspace)
            .map(|&i| &w.e.t.workspaces[i])
    else {
        return Ok(());
    };
    let owner = tg.owner.clone().map(|o| strip_sub(&o));
    let allowed = match &owner {
        Some(Address::Resource {
            kind: Kind::Workspace,
            name,
            ..
        }) => name == workspace,
        Some(Address::Resource {
            kind: Kind::Storage,
            name,
            ..
        }) => ws.storage_account.as_deref() == Some(name),
        Some(Address::Resource {
            kind: Kind::Acr,
            name,
            ..
        }) => ws.container_registry.as_deref() == Some(name),
        _ => false,
    } || matches!(
        &tg.owner,
        Some(Address::Resource {
            kind: Kind::Registry,
            sub: Some(_),
            ..
        })
    );
    if allowed {
        w.pass(
            Step::ManagedNetwork,
            element,
            Code::LegacyPlatformPe,
            "a private endpoint the platform creates for the deployment",
            None,
        );
        Ok(())
    } else {
        w.block(
            Step::ManagedNetwork,
            element,
            Code::LegacyNotAssociated,
            "with egress disabled, a deployment reaches only the workspace's associated resources",
            None,
            "move the asset into the workspace's storage, or use the workspace managed network",
        )
    }
}

/// Whether a service tag rule's transport admits `protocol`/`port`: `None` when the rule's
/// protocol or ports are unknown and their possible values answer differently. Unknown ports
/// may hold the port or not; an unknown protocol may be any of TCP, UDP, ICMP or `*`.
fn transport_admits(
    rule_protocol: Open<FirewallProtocol>,
    rule_ports: Option<&[PortRange]>,
    protocol: Protocol,
    port: u16,
) -> Option<bool> {
    let protocols: &[FirewallProtocol] = match &rule_protocol {
        Open::Known(p) => std::slice::from_ref(p),
        Open::Unknown => &[
            FirewallProtocol::Tcp,
            FirewallProtocol::Udp,
            FirewallProtocol::Icmp,
            FirewallProtocol::Any,
        ],
    };
    // Unknown ports: every port, or one port that is not this one.
    let other = [PortRange::single(if port == 1 { 2 } else { 1 })];
    let every = [PortRange::ANY];
    let port_sets: Vec<&[PortRange]> = match rule_ports {
        Some(p) => vec![p],
        None => vec![&every, &other],
    };
    let mut answers = protocols.iter().flat_map(|p| {
        port_sets
            .iter()
            .map(move |ports| moat_net::filter::firewall_l4(&[*p], ports).contains(protocol, port))
    });
    let first = answers.next()?;
    answers.all(|a| a == first).then_some(first)
}
