//! Network security groups: a NIC's and a subnet's rules, in and out.

use super::{Code, Dst, NsgScope, Step, Walk, Walked, at};
use crate::place::Egress;
use moat_model::enums::Direction;
use moat_net::filter::Decision;
use moat_packets::{AddrSet, PacketSet};

/// The fix of a flow an NSG rule denies: an allowing rule for `what` (`tcp/443`, or several
/// ports) to `to`, evaluated before the denying rule at priority `below`.
pub fn allow_fix(nsg: &str, direction: Direction, what: &str, to: &str, below: u32) -> String {
    let dir = match direction {
        Direction::Inbound => "inbound",
        Direction::Outbound => "outbound",
    };
    format!("in NSG {nsg}, allow {dir} {what} to {to} at a priority below {below}")
}

impl Walk<'_, '_> {
    /// An NSG on the way, in one direction.
    pub(super) fn nsg(
        &mut self,
        name: &str,
        direction: Direction,
        vnet: &str,
        src: &AddrSet,
        dst: &Dst,
        scope: NsgScope,
    ) -> Walked {
        self.touch_fmt(format_args!("nsg/{name}"));
        // A NIC at the destination whose address Azure assigns is known by name.
        let dst_nic = match dst {
            Dst::Private {
                ip: moat_model::PrivateIp::Dynamic(a),
                ..
            } => a
                .holder
                .strip_prefix("nic/")
                .and_then(|n| self.e.ix.network_interfaces.get(n))
                .copied(),
            _ => None,
        };
        let Some(c) = self
            .e
            .nsg_between(name, direction, vnet, self.src_nic, dst_nic)
        else {
            return self.unknown(
                Step::Nsg,
                format!("nsg {name}"),
                Code::NsgUndeclared,
                "the NSG is not in the topology",
                None,
                format!("network security group {name}"),
            );
        };
        let flow = PacketSet::new(src, &Self::dst_set(dst), &self.l4());
        let out = c.evaluate(&flow);
        let dir = match direction {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
        };
        let quiet = self.quiet;
        let element = if quiet {
            String::new()
        } else {
            format!("nsg {name} ({dir}, {scope})")
        };
        let rule = out.rule.as_ref();
        let rule_text = match &rule {
            _ if quiet => String::new(),
            Some(r) => r.describe(),
            None => "no rule".into(),
        };
        let rule_at = rule.as_ref().and_then(|r| at(&r.at));
        let partial = (out.decision == Decision::Deny && out.denied_sources != *src)
            .then(|| out.denied_sources.clone());
        // The rule that decided serves the rules and the values left open (see
        // `Walk::untouched`): a walk for its verdict alone without such values keeps none.
        if !self.untouched() {
            self.nsg_rule = Some(super::NsgDecision {
                nsg: name.to_string(),
                direction,
                priority: rule.as_ref().and_then(|r| r.priority),
                rule: rule.as_ref().map(|r| r.rule.to_string()),
                scope: scope.clone(),
                sources: partial,
            });
        }
        match out.decision {
            Decision::Allow => {
                self.pass(
                    Step::Nsg,
                    element,
                    if direction == Direction::Inbound {
                        Code::NsgInboundAllow
                    } else {
                        Code::NsgOutboundAllow
                    },
                    if quiet {
                        String::new()
                    } else {
                        format!("allowed by {rule_text}")
                    },
                    rule_at,
                );
                Ok(())
            }
            Decision::Deny => {
                let who = if quiet || out.denied_sources == *src {
                    String::new()
                } else {
                    format!(" for sources {}", out.denied_sources)
                };
                let prio = rule.as_ref().and_then(|r| r.priority).unwrap_or(65500);
                let fix = if quiet {
                    String::new()
                } else {
                    allow_fix(
                        name,
                        direction,
                        &self.proto_port(),
                        &Self::rule_dst(dst),
                        prio,
                    )
                };
                self.block(
                    Step::Nsg,
                    element,
                    if direction == Direction::Inbound {
                        Code::NsgInboundDeny
                    } else {
                        Code::NsgOutboundDeny
                    },
                    format!("denied{who} by {rule_text}"),
                    rule_at,
                    fix,
                )
            }
            Decision::Unknown => {
                let vnet_tag = rule.as_ref().is_some_and(|r| {
                    r.default && r.rule.contains("Vnet")
                        || self.e.ix.network_security_groups.get(name).is_some_and(|&i| {
                            self.t().network_security_groups[i].rules.iter().any(|x| {
                                x.name == *r.rule
                                    && x.source.iter().chain(&x.destination).any(|p| matches!(p, moat_model::values::AddressPrefix::Tag(t) if t.eq_ignore_ascii_case("VirtualNetwork")))
                            })
                        })
                });
                let private_dst = matches!(dst, Dst::Private { .. });
                // A destination whose address Azure assigns: the rule tells its possible
                // addresses apart.
                let assigned = match dst {
                    Dst::Private {
                        ip: moat_model::PrivateIp::Dynamic(a),
                        ..
                    } => Some(a),
                    _ => None,
                };
                // A rule whose match the input leaves open: the values that decide it.
                let open: Vec<String> = rule
                    .as_ref()
                    .filter(|r| !r.default)
                    .map(|r| {
                        let field = format!("rules/{}", r.rule);
                        self.e
                            .unknowns_of(&format!("nsg/{name}"))
                            .iter()
                            .filter(|u| u.field == field)
                            .map(|u| u.need())
                            .collect()
                    })
                    .unwrap_or_default();
                let missing = if !open.is_empty() {
                    open.join("; ")
                } else if let Some(a) = assigned.filter(|_| !vnet_tag) {
                    format!("{}: {rule_text} decides differently across it", a.need())
                } else if let Some(need) = vnet_tag.then(|| self.open_vnet_tag(vnet)).flatten() {
                    need
                } else if vnet_tag && private_dst {
                    format!(
                        "whether the VirtualNetwork tag includes the 0.0.0.0/0 user-defined route of VNet {vnet} (Azure documents that it might); a rule for {} in NSG {name} decides it",
                        Self::describe_dst(dst)
                    )
                } else if self.e.space.catalog().has_file() {
                    format!(
                        "which of its addresses {} uses, relative to {rule_text}",
                        Self::describe_dst(dst)
                    )
                } else {
                    format!(
                        "whether {rule_text} covers {} (pass --service-tags with Azure's service tags file)",
                        Self::describe_dst(dst)
                    )
                };
                self.unknown(
                    Step::Nsg,
                    element,
                    Code::NsgUndecided,
                    format!("cannot decide {rule_text}"),
                    rule_at,
                    missing,
                )
            }
        }
    }

    pub(super) fn subnet_nsg(&self, subnet: &str) -> Option<String> {
        let (vi, si) = self.e.subnet_at(subnet)?;
        self.t().virtual_networks[vi].subnets[si]
            .network_security_group
            .clone()
    }

    /// From a source inside a subnet.
    pub(super) fn leave_subnet(
        &mut self,
        subnet: &str,
        src: &AddrSet,
        nic: Option<usize>,
        egress: &Egress,
        dst: &Dst,
        depth: usize,
    ) -> Walked {
        let vnet = subnet.split('/').next().unwrap_or_default().to_string();
        if let Some(ni) = nic {
            let nic = &self.t().network_interfaces[ni];
            if let Some(n) = nic.network_security_group.clone() {
                self.nsg(
                    &n,
                    Direction::Outbound,
                    &vnet,
                    src,
                    dst,
                    NsgScope::Nic(nic.name.clone()),
                )?;
            }
        }
        if let Some(n) = self.subnet_nsg(subnet) {
            self.nsg(
                &n,
                Direction::Outbound,
                &vnet,
                src,
                dst,
                NsgScope::Subnet(subnet.to_string()),
            )?;
        } else {
            self.info(
                Step::Nsg,
                format!("subnet {subnet}"),
                Code::NsgNone,
                "no NSG on the subnet: Azure lets the packet out",
            );
        }
        self.route(subnet, src, egress, dst, None, depth)
    }
}

impl Walk<'_, '_> {
    /// What leaves open the `VirtualNetwork` tag of `vnet`: the properties of the VNet, or of
    /// a peer, that the input does not declare (see `moat_net::routing::virtual_network_tag`).
    fn open_vnet_tag(&self, vnet: &str) -> Option<String> {
        let t = self.t();
        let v = &t.virtual_networks[*self.e.ix.virtual_networks.get(vnet)?];
        std::iter::once(v.name.as_str())
            .chain(v.peerings.iter().map(|p| p.remote_vnet.as_str()))
            .find_map(|n| {
                let declared = self.e.ix.virtual_networks.get(n).map(|&i| &t.virtual_networks[i]);
                match declared {
                    Some(x) if !x.external => None,
                    _ => Some(
                        self.e
                            .is_unknown(&format!("vnet/{n}"), "address_space")
                            .map(|u| u.need())
                            .unwrap_or_else(|| {
                                format!("the address space and peerings of VNet {n}, which the input does not declare")
                            }),
                    ),
                }
            })
    }
}
