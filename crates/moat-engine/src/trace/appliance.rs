//! Azure Firewall and other appliances on the way: reaching them, their network and application rules.

use super::{Code, Dst, Step, Walk, Walked, at};
use crate::place::Egress;
use moat_model::address::{Address, Kind};
use moat_net::filter::Decision;
use moat_net::firewall;
use moat_packets::{AddrSet, PacketSet, Protocol};
use std::net::IpAddr;

/// What a firewall rule naming one region's host needs, for a host built with a region the
/// input leaves open.
const REGION_OPEN: &str = "the region the host name is built with (the region of the resource it names, which the input leaves open): the rule names one region";

impl Walk<'_, '_> {
    /// A next hop that is an appliance: an Azure Firewall, or something moat does not model.
    pub(super) fn appliance(
        &mut self,
        ip: IpAddr,
        from_subnet: &str,
        src: &AddrSet,
        dst: &Dst,
        depth: usize,
    ) -> Walked {
        let Some(fi) = self.e.firewall_at(ip) else {
            // A firewall whose address is unknown (its subnet is not declared) may be this one.
            let open: Vec<&str> = self
                .t()
                .firewalls
                .iter()
                .filter(|f| f.private_ip_address.is_none())
                .map(|f| f.name.as_str())
                .collect();
            let detail = if open.is_empty() {
                "the next hop is not an Azure Firewall in the topology".to_string()
            } else {
                format!(
                    "the next hop may be firewall {}, whose address is unknown, or another appliance",
                    open.join(", ")
                )
            };
            return self.unknown(
                Step::Firewall,
                format!("appliance {ip}"),
                Code::ApplianceUnmodelled,
                detail,
                None,
                format!("what the appliance at {ip} forwards (declare it as a firewall)"),
            );
        };
        let fw = &self.t().firewalls[fi];
        // An address the input does not state is the firewall's only by assumption (see
        // `Firewall::private_ip_assumed`): the route reaches it if Azure gave it this one.
        // The hop reads nothing: what the walk has touched stays for the hops that read it
        // (the firewall's, whose unknowns decide whether its verdict is sure).
        if let Some(assumption) = fw.address_assumption() {
            let touched = std::mem::take(&mut self.touched);
            self.assume(
                Step::Route,
                format!("firewall {}", fw.name),
                Code::FirewallAddressAssumed,
                format!(
                    "{ip} is taken as the address of {}: the first usable address of its AzureFirewallSubnet, which Azure assigns and the input does not state",
                    fw.name
                ),
                assumption,
            )?;
            self.touched = touched;
        }
        self.touch_fmt(format_args!("firewall/{}", fw.name));
        if let Some(p) = &fw.firewall_policy {
            self.touch_fmt(format_args!("firewall-policy/{p}"));
        }
        let from_vnet = from_subnet.split('/').next().unwrap_or_default();
        if fw.vnet != from_vnet
            && !moat_net::routing::peered(self.t(), &self.e.ix, from_vnet, &fw.vnet)
        {
            // Reachability reads the peerings of both VNets, and of the firewall only where
            // it sits.
            self.touch_fields(format!("vnet/{from_vnet}"), &["peerings"]);
            self.touch_fields(format!("vnet/{}", fw.vnet), &["peerings"]);
            self.reading_only(&["vnet"]);
            return self.block(
                Step::Route,
                format!("firewall {}", fw.name),
                Code::ApplianceUnreachable,
                format!(
                    "{} sits in {}, which is not peered with {from_vnet}",
                    fw.name, fw.vnet
                ),
                at(&fw.at),
                format!("peer {from_vnet} with {}", fw.vnet),
            );
        }
        // The rules in order are needed to compile the firewall (once) and for its application
        // rules: a walk that finds it compiled and is decided by a network rule needs neither.
        let (t, engine) = (self.t(), self.e);
        let ordered = std::cell::OnceCell::new();
        let rules = || ordered.get_or_init(|| firewall::rules(t, &engine.ix, fw));
        let ctx = self.e.context(&fw.vnet);
        let proxy = fw.dns_proxy
            || fw
                .firewall_policy
                .as_ref()
                .and_then(|p| self.e.ix.firewall_policies.get(p))
                .is_some_and(|&i| self.t().firewall_policies[i].dns_proxy);
        let policy = self.e.firewall_policy(&fw.name, self.fqdn.as_deref(), || {
            firewall::compile_network(
                self.t(),
                rules(),
                &self.e.space,
                &ctx,
                self.fqdn.as_deref(),
                proxy,
            )
        });
        let flow = PacketSet::new(src, &Self::dst_set(dst), &self.l4());
        // A walk for its verdict alone writes no words (see `Walk::hop`).
        let element = if self.quiet {
            String::new()
        } else {
            format!("firewall {}", fw.name)
        };
        let (e, fqdn, protocol, port) = (self.e, self.fqdn.clone(), self.q.protocol, self.port);
        let pieces = policy.evaluate(&flow);
        let sources: Vec<AddrSet> = pieces.iter().map(|(p, _)| p.src_set()).collect();
        let decided = firewall::resolve(pieces, || {
            firewall::application_decision(
                e.t,
                rules(),
                &e.space,
                &ctx,
                src,
                fqdn.as_deref(),
                protocol,
                port,
            )
        });
        // Towards an address Azure assigns, a source the rules allow to some of its possible
        // addresses and deny to others: which it is decides.
        if let Dst::Private {
            ip: moat_model::PrivateIp::Dynamic(a),
            ..
        } = dst
        {
            let (mut allowed, mut denied) = (AddrSet::none(), AddrSet::none());
            for (s, (d, _)) in sources.iter().zip(&decided) {
                match d {
                    Decision::Allow => allowed = allowed.union(s),
                    Decision::Deny => denied = denied.union(s),
                    Decision::Unknown => {}
                }
            }
            if allowed.intersects(&denied) {
                self.about(Address::resource(Kind::Firewall, fw.name.clone()));
                return self.unknown(
                    Step::Firewall,
                    element,
                    Code::FwUndecided,
                    format!(
                        "the rules allow some of the addresses {} may have and deny others",
                        Self::describe_dst(dst)
                    ),
                    None,
                    a.need(),
                );
            }
        }
        self.firewall_verdict(fw, element, dst, decided)?;
        // Onwards from the firewall's own subnet, SNAT to its public IP towards the internet.
        let fw_subnet = format!("{}/AzureFirewallSubnet", fw.vnet);
        let egress = match fw.public_ips.first() {
            Some(p) => match self
                .e
                .ix
                .public_ips
                .get(p)
                .and_then(|&i| self.t().public_ips[i].ip_address)
            {
                Some(ip) => Egress::Known(ip, format!("firewall {} ({p})", fw.name)),
                None => Egress::Unknown(format!("firewall {} public IP {p}", fw.name)),
            },
            None => Egress::None(format!("firewall {} has no public IP", fw.name)),
        };
        if self.e.subnet_at(&fw_subnet).is_none() {
            return self.unknown(
                Step::Route,
                format!("firewall {}", fw.name),
                Code::FwSubnetMissing,
                format!("{} has no AzureFirewallSubnet", fw.vnet),
                at(&fw.at),
                format!("the AzureFirewallSubnet of {}", fw.vnet),
            );
        }
        let vnet = fw.vnet.clone();
        self.route_from_appliance(&fw_subnet, src, &egress, dst, &vnet, depth + 1)
    }

    /// The firewall hop from the decisions of the pieces of a flow: it passes when every
    /// piece is allowed, blocks when a piece is denied, and is unknown otherwise.
    pub(super) fn firewall_verdict(
        &mut self,
        fw: &moat_model::firewall::Firewall,
        element: String,
        dst: &Dst,
        decided: Vec<(Decision, firewall::Cause)>,
    ) -> Walked {
        use firewall::Cause;
        self.about(Address::resource(Kind::Firewall, fw.name.clone()));
        let host = self.fqdn.clone().unwrap_or_default();
        if !decided.is_empty() && decided.iter().all(|(d, _)| *d == Decision::Allow) {
            match &decided[0].1 {
                Cause::Network(r) => self.pass(
                    Step::Firewall,
                    element,
                    Code::FwNetworkAllow,
                    if self.quiet {
                        String::new()
                    } else {
                        format!("allowed by network rule {} ({})", r.rule, r.filter)
                    },
                    at(&r.at),
                ),
                Cause::Application(r) => self.pass(
                    Step::Firewall,
                    element,
                    Code::FwApplicationAllow,
                    format!(
                        "{host} allowed by application rule {} ({})",
                        r.rule, r.filter
                    ),
                    at(&r.at),
                ),
                // No hop: the firewall is not the next hop's element.
                Cause::ImplicitDeny => self.subject = None,
            }
            return Ok(());
        }
        if let Some((_, cause)) = decided.iter().find(|(d, _)| *d == Decision::Deny) {
            return match cause.clone() {
                Cause::Network(r) => self.block(
                    Step::Firewall,
                    element,
                    Code::FwNetworkDeny,
                    format!("denied by network rule {} ({})", r.rule, r.filter),
                    at(&r.at),
                    format!("change network rule {} of firewall {}", r.rule, fw.name),
                ),
                Cause::Application(r) => {
                    let how = if r.uncertain {
                        "denied whether or not it matches application rule"
                    } else {
                        "denied by application rule"
                    };
                    self.block(
                        Step::Firewall,
                        element,
                        Code::FwApplicationDeny,
                        format!("{how} {} ({})", r.rule, r.filter),
                        at(&r.at),
                        format!("change application rule {} of firewall {}", r.rule, fw.name),
                    )
                }
                Cause::ImplicitDeny => {
                    let what = match (&self.fqdn, dst) {
                        (Some(f), _)
                            if self.q.protocol == Protocol::TCP
                                && matches!(self.port, 80 | 443) =>
                        {
                            format!("an application rule for {f} on {}", self.proto_port())
                        }
                        _ => format!(
                            "a network rule for {} to {}",
                            self.proto_port(),
                            Self::rule_dst(dst)
                        ),
                    };
                    self.block(
                        Step::Firewall,
                        element,
                        Code::FwImplicitDeny,
                        "no rule allows it: Azure Firewall denies by default",
                        at(&fw.at),
                        format!("add {what} on firewall {}", fw.name),
                    )
                }
            };
        }
        // A host named with the label of a region the input leaves open: a rule naming one
        // region matches it only if that is the resource's region.
        let open_region = self
            .fqdn
            .as_deref()
            .is_some_and(|f| f.split('.').any(|l| l == moat_net::names::UNKNOWN_REGION));
        let (kind, r, missing) = match decided.iter().find(|(d, _)| *d == Decision::Unknown) {
            Some((_, Cause::Application(r))) if open_region => {
                ("application", Some(r.clone()), REGION_OPEN)
            }
            Some((_, Cause::Network(r))) if open_region => {
                ("network", Some(r.clone()), REGION_OPEN)
            }
            Some((_, Cause::Application(r))) => (
                "application",
                Some(r.clone()),
                "the FQDN tag's members or the rule's sources",
            ),
            Some((_, Cause::Network(r))) => (
                "network",
                Some(r.clone()),
                "the destination's addresses (pass --service-tags)",
            ),
            _ => ("network", None, "the destination's exact address"),
        };
        let missing = match r.as_ref().and_then(|r| self.open_rule_values(fw, r)) {
            Some(open) => open,
            None => missing.to_string(),
        };
        let detail = match &r {
            Some(r) if !r.open.is_empty() => format!(
                "cannot decide {kind} rule {} ({}): its {} the input leaves open",
                r.rule,
                r.filter,
                r.open.join(", ")
            ),
            Some(r) => format!("cannot decide {kind} rule {} ({})", r.rule, r.filter),
            None => "the rules decide part of the flow only".into(),
        };
        self.unknown(
            Step::Firewall,
            element,
            Code::FwUndecided,
            detail,
            r.as_ref().and_then(|r| at(&r.at)),
            missing,
        )
    }
    /// The values the input leaves open in firewall rule `r` (as recorded by the importer),
    /// when it has any: what a decision that rule leaves undecided is missing.
    pub(super) fn open_rule_values(
        &self,
        fw: &moat_model::firewall::Firewall,
        r: &moat_net::filter::RuleRef,
    ) -> Option<String> {
        if r.open.is_empty() {
            return None;
        }
        let (collection, rule) = r.rule.split_once('/')?;
        let tail = moat_model::firewall::open_rule_field(collection, rule);
        // The collection's own open priority or action is recorded on the collection.
        let of_collection = format!("/{collection}");
        let mut owners = vec![format!("firewall/{}", fw.name)];
        owners.extend(
            fw.firewall_policy
                .iter()
                .map(|p| format!("firewall-policy/{p}")),
        );
        let found: Vec<String> = self
            .t()
            .unknowns
            .iter()
            .filter(|u| {
                owners.contains(&u.resource)
                    && (u.field.ends_with(&tail) || u.field.ends_with(&of_collection))
            })
            .map(|u| u.need())
            .collect();
        Some(if found.is_empty() {
            format!(
                "the {} of firewall rule {} ({})",
                r.open.join(", "),
                r.rule,
                r.filter
            )
        } else {
            found.join("; ")
        })
    }
}
