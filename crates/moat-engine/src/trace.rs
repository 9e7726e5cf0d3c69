//! `trace`: can a principal at a place reach a destination?
//!
//! The walk follows what Azure does, in order: name resolution from the source's place; the
//! source's outbound NSGs (NIC, then subnet); the source subnet's effective routes; a firewall
//! or appliance on the way, with its own routes onward; the destination side (a private
//! endpoint and, if its network policies are on, its subnet's NSG; a VM's inbound NSGs); and
//! for public endpoints the resource firewall, which sees the source's public address, its
//! subnet through a service endpoint, or its managed identity.
//!
//! Every hop records the element that decided, the rule or setting, and a stable code. The
//! verdict is three-valued: a hop that cannot be decided from the model makes the trace
//! unknown and says what is missing; "allowed" needs every hop to pass.

use crate::engine::Engine;
use crate::place::{Egress, Place};
use moat_model::address::{Address, Kind};
use moat_model::enums::{
    ConnectionState, DefaultAction, Direction, IsolationMode, PublicNetworkAccess,
};
use moat_model::{Provenance, Topology};
pub use moat_net::code::Code;
use moat_net::dns::{Answer, Resolver};
use moat_net::filter::Decision;
use moat_net::firewall;
use moat_net::managed::{ManagedRuleKind, effective_rules, fqdn_matches};
use moat_net::names;
use moat_net::routing::{Lookup, NextHop};
use moat_packets::{AddrSet, L4Set, PacketSet, Protocol};
use serde::Serialize;
use std::net::IpAddr;

mod dnat;
mod public_rules;

/// What to trace.
#[derive(Clone, Debug)]
pub struct Query {
    pub from: Address,
    pub to: Address,
    pub protocol: Protocol,
    pub port: u16,
}

/// The answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Allowed,
    Denied,
    Unknown,
}

/// What one hop did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HopDecision {
    /// The packet passes this element.
    Pass,
    /// The element stops the packet.
    Block,
    /// Whether it passes cannot be decided from the model.
    Unknown,
    /// A fact along the way (where the source sits, what a name resolved to).
    Info,
    /// The packet passes under an assumption the model cannot confirm (listed in the trace's
    /// `assumptions`); in strict mode such a hop is `Unknown` instead.
    Assumed,
}

/// The kind of a hop: which element of the path it is. Serialized in kebab case
/// (`private-endpoint`), as the reports print it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    /// Where the source sits.
    Source,
    /// What the input leaves open about the query itself.
    Import,
    /// Name resolution.
    Dns,
    /// A network security group (NIC or subnet).
    Nsg,
    /// Effective routes of a subnet or appliance.
    Route,
    /// Forwarding across a VNet peering.
    Peering,
    /// Azure Firewall or another appliance.
    Firewall,
    /// The way out to the internet (SNAT).
    Egress,
    /// A service endpoint policy of the source subnet.
    ServiceEndpointPolicy,
    /// A private endpoint of the destination.
    PrivateEndpoint,
    /// The firewall of a resource's public endpoint.
    ResourceFirewall,
    /// A workspace managed network.
    ManagedNetwork,
    /// The destination itself.
    Destination,
}

impl Step {
    /// Every kind of hop.
    pub const ALL: &'static [Step] = &[
        Step::Source,
        Step::Import,
        Step::Dns,
        Step::Nsg,
        Step::Route,
        Step::Peering,
        Step::Firewall,
        Step::Egress,
        Step::ServiceEndpointPolicy,
        Step::PrivateEndpoint,
        Step::ResourceFirewall,
        Step::ManagedNetwork,
        Step::Destination,
    ];

    /// The kind as reports print it (`private-endpoint`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Step::Source => "source",
            Step::Import => "import",
            Step::Dns => "dns",
            Step::Nsg => "nsg",
            Step::Route => "route",
            Step::Peering => "peering",
            Step::Firewall => "firewall",
            Step::Egress => "egress",
            Step::ServiceEndpointPolicy => "service-endpoint-policy",
            Step::PrivateEndpoint => "private-endpoint",
            Step::ResourceFirewall => "resource-firewall",
            Step::ManagedNetwork => "managed-network",
            Step::Destination => "destination",
        }
    }
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// One hop of a trace.
#[derive(Clone, Debug, Serialize)]
pub struct Hop {
    /// The kind of hop.
    pub step: Step,
    /// The element (`nsg training-nsg`, `route table spoke-rt`, `storage wsstorage`).
    pub element: String,
    pub decision: HopDecision,
    /// Stable explanation code.
    pub code: Code,
    /// The rule or setting that decided, in words.
    pub detail: String,
    /// Where that rule or setting is written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<Provenance>,
    /// The resources whose settings this hop read (`nsg/training-nsg`, `storage/data`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<String>,
    /// The element that decided, as data, when it is a resource or subnet the model names
    /// (`private-endpoint/ws-pe` for a private endpoint hop, the subnet an egress hop leaves
    /// from). Rules read this, never `element`'s text.
    #[serde(skip)]
    pub subject: Option<Address>,
    /// The single address the destination resolved to, on the hop that establishes it
    /// (`DEST_ADDRESS`).
    #[serde(skip)]
    pub address: Option<IpAddr>,
}

/// A trace: the verdict, the hops, what blocked, and the fix.
#[derive(Clone, Debug, Serialize)]
pub struct Trace {
    pub verdict: Verdict,
    pub from: String,
    pub to: String,
    pub protocol: String,
    pub port: u16,
    pub hops: Vec<Hop>,
    /// The hop that stopped the flow (or could not be decided).
    pub blocked_by: Option<Hop>,
    /// What to change so the flow passes.
    pub fix: Option<String>,
    /// For unknown verdicts: what the model lacks.
    pub missing: Vec<String>,
    /// What the trace took for granted.
    pub assumptions: Vec<String>,
}

fn at(p: &Provenance) -> Option<Provenance> {
    if p.is_unknown() {
        None
    } else {
        Some(p.clone())
    }
}

/// A destination after name resolution.
#[derive(Clone, Debug)]
enum Dst {
    /// A private address in a VNet (or on premises).
    Private(IpAddr),
    /// A private endpoint inside a workspace managed network.
    ManagedPe { rule: String },
    /// A public endpoint: its address set, the resource behind it if modelled, and the name
    /// it was reached by (a host name, or a service tag).
    Public {
        set: AddrSet,
        owner: Option<Address>,
        fqdn: Option<String>,
        label: Option<String>,
    },
}

/// What the query points at.
struct Target {
    label: String,
    fqdn: Option<String>,
    owner: Option<Address>,
    /// The group id (private endpoint sub-resource) that serves the target.
    group: Option<String>,
    ip: Option<IpAddr>,
    tag: Option<String>,
    /// The resource whose private endpoints serve the target, when not the target itself: a
    /// project's hub, an online endpoint's workspace (scoring enters through the workspace
    /// private endpoint, seed 004).
    served_by: Option<Address>,
    /// The external subnet the target sits in (a compute or subnet the input refers to but
    /// does not declare): what reaches it is unknown.
    external_subnet: Option<String>,
}

struct Walk<'e, 't> {
    e: &'e Engine<'t>,
    q: &'e Query,
    hops: Vec<Hop>,
    fix: Option<String>,
    missing: Vec<String>,
    assumptions: Vec<String>,
    /// The destination FQDN (application rules and FQDN outbound rules match on it).
    fqdn: Option<String>,
    target: Option<Address>,
    /// The resource whose private endpoints serve the target (see [`Target::served_by`]).
    served_by: Option<Address>,
    group: Option<String>,
    /// Resources read since the last hop; the next hop records them.
    touched: Vec<String>,
    /// The destination port as the packet now carries it (a DNAT rule may translate it).
    port: u16,
    /// The element of the next hop as data (see [`Hop::subject`]).
    subject: Option<Address>,
    /// The destination address the next hop establishes (see [`Hop::address`]).
    address: Option<IpAddr>,
}

type Walked = Result<(), Verdict>;

impl<'e, 't> Walk<'e, 't> {
    fn t(&self) -> &'t Topology {
        self.e.t
    }

    fn hop(
        &mut self,
        step: Step,
        element: impl Into<String>,
        decision: HopDecision,
        code: Code,
        detail: impl Into<String>,
        at: Option<Provenance>,
    ) {
        let resources = std::mem::take(&mut self.touched);
        self.hops.push(Hop {
            step,
            element: element.into(),
            decision,
            code,
            detail: detail.into(),
            at,
            resources,
            subject: self.subject.take(),
            address: self.address.take(),
        });
    }

    /// Names the element of the next hop as data.
    fn about(&mut self, subject: Address) {
        self.subject = Some(subject);
    }

    /// Notes that the next hop reads the settings of `resource` (`<kind>/<name>`).
    fn touch(&mut self, resource: impl Into<String>) {
        self.touched.push(resource.into());
    }

    fn pass(
        &mut self,
        step: Step,
        element: impl Into<String>,
        code: Code,
        detail: impl Into<String>,
        at: Option<Provenance>,
    ) {
        self.hop(step, element, HopDecision::Pass, code, detail, at);
    }

    fn info(
        &mut self,
        step: Step,
        element: impl Into<String>,
        code: Code,
        detail: impl Into<String>,
    ) {
        self.hop(step, element, HopDecision::Info, code, detail, None);
    }

    fn block(
        &mut self,
        step: Step,
        element: impl Into<String>,
        code: Code,
        detail: impl Into<String>,
        at: Option<Provenance>,
        fix: impl Into<String>,
    ) -> Walked {
        self.hop(step, element, HopDecision::Block, code, detail, at);
        self.fix = Some(fix.into());
        Err(Verdict::Denied)
    }

    fn unknown(
        &mut self,
        step: Step,
        element: impl Into<String>,
        code: Code,
        detail: impl Into<String>,
        at: Option<Provenance>,
        missing: impl Into<String>,
    ) -> Walked {
        self.hop(step, element, HopDecision::Unknown, code, detail, at);
        self.missing.push(missing.into());
        Err(Verdict::Unknown)
    }

    /// A hop that passes only under an assumption: recorded as such, or, in strict mode,
    /// unknown with the assumption as what is missing.
    fn assume(
        &mut self,
        step: Step,
        element: impl Into<String>,
        code: Code,
        detail: impl Into<String>,
        assumption: impl Into<String>,
    ) -> Walked {
        let assumption = assumption.into();
        if self.e.strict {
            return self.unknown(
                step,
                element,
                code,
                format!("{} (strict: not assumed)", detail.into()),
                None,
                format!("confirmation that {assumption}"),
            );
        }
        self.hop(step, element, HopDecision::Assumed, code, detail, None);
        if !self.assumptions.contains(&assumption) {
            self.assumptions.push(assumption);
        }
        Ok(())
    }

    fn l4(&self) -> L4Set {
        let r = self.port..=self.port;
        if self.q.protocol.has_ports() {
            L4Set::ports([self.q.protocol], [r])
        } else {
            L4Set::protocol(self.q.protocol)
        }
    }

    fn proto_port(&self) -> String {
        if self.q.protocol.has_ports() {
            format!("{}/{}", self.q.protocol, self.port)
        } else {
            self.q.protocol.to_string()
        }
    }

    fn dst_set(dst: &Dst) -> AddrSet {
        match dst {
            Dst::Private(ip) => AddrSet::host(*ip),
            Dst::Public { set, .. } => set.clone(),
            Dst::ManagedPe { .. } => AddrSet::none(),
        }
    }

    fn describe_dst(dst: &Dst) -> String {
        match dst {
            Dst::Private(ip) => ip.to_string(),
            Dst::ManagedPe { rule } => format!("managed private endpoint {rule}"),
            Dst::Public { owner: Some(o), .. } => format!("the public endpoint of {o}"),
            Dst::Public { fqdn: Some(f), .. } => f.clone(),
            Dst::Public { label: Some(l), .. } => l.clone(),
            Dst::Public { set, .. } => set.to_string(),
        }
    }

    /// An NSG on the way, in one direction.
    fn nsg(
        &mut self,
        name: &str,
        direction: Direction,
        vnet: &str,
        src: &AddrSet,
        dst: &Dst,
        scope: &str,
    ) -> Walked {
        self.touch(format!("nsg/{name}"));
        let Some(c) = self.e.nsg(name, direction, vnet) else {
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
        let element = format!("nsg {name} ({dir}, {scope})");
        let rule = out.rule.clone();
        let rule_text = rule
            .as_ref()
            .map(|r| r.describe())
            .unwrap_or_else(|| "no rule".into());
        let rule_at = rule.as_ref().and_then(|r| at(&r.at));
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
                    format!("allowed by {rule_text}"),
                    rule_at,
                );
                Ok(())
            }
            Decision::Deny => {
                let who = if out.denied_sources == *src {
                    String::new()
                } else {
                    format!(" for sources {}", out.denied_sources)
                };
                let prio = rule.as_ref().and_then(|r| r.priority).unwrap_or(65500);
                let fix = format!(
                    "in NSG {name}, allow {dir} {} to {} at a priority below {prio}",
                    self.proto_port(),
                    Self::describe_dst(dst)
                );
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
                                x.name == r.rule
                                    && x.source.iter().chain(&x.destination).any(|p| matches!(p, moat_model::values::AddressPrefix::Tag(t) if t.eq_ignore_ascii_case("VirtualNetwork")))
                            })
                        })
                });
                let private_dst = matches!(dst, Dst::Private(_));
                let missing = if vnet_tag && private_dst {
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

    fn subnet_nsg(&self, subnet: &str) -> Option<String> {
        let &(vi, si) = self.e.ix.subnets.get(subnet)?;
        self.t().virtual_networks[vi].subnets[si]
            .network_security_group
            .clone()
    }

    /// From a source inside a subnet.
    fn leave_subnet(
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
                    &format!("NIC {}", nic.name),
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
                &format!("subnet {subnet}"),
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

    /// Routes from a subnet onwards. `via_appliance` names the appliance that forwarded the
    /// packet, if any (peerings must then allow forwarded traffic).
    fn route(
        &mut self,
        subnet: &str,
        src: &AddrSet,
        egress: &Egress,
        dst: &Dst,
        via_appliance: Option<&str>,
        depth: usize,
    ) -> Walked {
        if depth > 6 {
            return self.unknown(
                Step::Route,
                format!("subnet {subnet}"),
                Code::RouteLoop,
                "the path loops between appliances",
                None,
                "a loop-free route to the destination",
            );
        }
        let routes = self.e.routes(subnet);
        self.touch(format!("subnet/{subnet}"));
        if let Some(&(vi, si)) = self.e.ix.subnets.get(subnet) {
            let v = &self.t().virtual_networks[vi];
            self.touch(format!("vnet/{}", v.name));
            if let Some(rt) = &v.subnets[si].route_table {
                self.touch(format!("route-table/{rt}"));
            }
            if let Some(nat) = &v.subnets[si].nat_gateway {
                self.touch(format!("nat-gateway/{nat}"));
            }
        }
        let set = Self::dst_set(dst);
        let route = match moat_net::routing::lookup(&routes, &set) {
            Lookup::Route(r) => r.clone(),
            Lookup::NoRoute => {
                return self.block(
                    Step::Route,
                    format!("subnet {subnet}"),
                    Code::RouteNone,
                    "no route covers the destination",
                    None,
                    "add a route",
                );
            }
            Lookup::Unknown { candidates } => {
                let names: Vec<String> = candidates.iter().map(|r| r.describe()).collect();
                return self.unknown(
                    Step::Route,
                    format!("routes of subnet {subnet}"),
                    Code::RouteUndecided,
                    format!("the destination may match {}", names.join(" or ")),
                    None,
                    "the addresses of the destination (pass --service-tags) to pick the route",
                );
            }
        };
        let route_at = match &route.source {
            moat_net::routing::RouteSource::User { table, route: name } => self
                .e
                .ix
                .route_tables
                .get(table)
                .and_then(|&i| {
                    self.t().route_tables[i]
                        .routes
                        .iter()
                        .find(|r| &r.name == name)
                })
                .and_then(|r| at(&r.at)),
            _ => None,
        };
        let element = format!("routes of subnet {subnet}");
        match &route.next_hop {
            NextHop::None => self.block(
                Step::Route,
                element,
                Code::RouteDrop,
                format!("{} drops the packet", route.describe()),
                route_at,
                "change the route's next hop",
            ),
            NextHop::VnetLocal | NextHop::Peering { .. } => {
                let Dst::Private(ip) = dst else {
                    return self.block(
                        Step::Route,
                        element,
                        Code::RouteNoPath,
                        format!("{} cannot carry a public destination", route.describe()),
                        route_at,
                        "route public destinations to the internet or a firewall",
                    );
                };
                self.pass(
                    Step::Route,
                    element,
                    Code::RouteVnet,
                    route.describe(),
                    route_at,
                );
                let from_vnet = subnet.split('/').next().unwrap_or_default().to_string();
                self.deliver_private(*ip, &from_vnet, src, via_appliance)
            }
            NextHop::VirtualAppliance { ip } => {
                self.pass(
                    Step::Route,
                    element,
                    Code::RouteAppliance,
                    route.describe(),
                    route_at,
                );
                self.appliance(*ip, subnet, src, dst, depth)
            }
            NextHop::Internet => {
                if let Dst::Private(ip) = dst {
                    // A private address in a VNet two peerings away: name the real cause.
                    let src_vnet = subnet.split('/').next().unwrap_or_default().to_string();
                    let dst_vnet = self
                        .e
                        .subnet_of(*ip)
                        .map(|s| s.split('/').next().unwrap_or_default().to_string());
                    if let Some(dv) = dst_vnet.filter(|dv| {
                        self.t().virtual_networks.iter().any(|hub| {
                            moat_net::routing::peered(self.t(), &self.e.ix, &src_vnet, &hub.name)
                                && moat_net::routing::peered(self.t(), &self.e.ix, &hub.name, dv)
                        })
                    }) {
                        return self.block(
                            Step::Route,
                            element,
                            Code::PeeringNotTransitive,
                            format!("{ip} is in {dv}, two peerings away from {src_vnet}: peering is not transitive, and {} sends it to the internet, where Azure drops it", route.describe()),
                            route_at,
                            format!("peer {src_vnet} with {dv}, or route {src_vnet}'s traffic through a firewall in the hub (next hop VirtualAppliance)"),
                        );
                    }
                    return self.block(Step::Route, element, Code::RoutePrivateToInternet, format!("{} sends private address {ip} to the internet, where Azure drops it", route.describe()), route_at, "peer the VNets, or route through a gateway or firewall that reaches the address");
                }
                self.pass(
                    Step::Route,
                    element,
                    Code::RouteInternet,
                    route.describe(),
                    route_at,
                );
                self.about(subnet_address(subnet));
                match egress {
                    Egress::None(why) => {
                        let why = why.clone();
                        return self.block(Step::Egress, format!("subnet {subnet}"), Code::EgressNone, format!("no way to the internet: {why}"), None, "add a NAT gateway to the subnet, or route 0.0.0.0/0 through a firewall");
                    }
                    Egress::Known(ip, how) => {
                        let d = format!("leaves as {ip} ({how})");
                        self.pass(
                            Step::Egress,
                            format!("subnet {subnet}"),
                            Code::EgressSnat,
                            d,
                            None,
                        );
                    }
                    Egress::Unknown(how) => {
                        let d = format!("leaves through {how}");
                        self.pass(
                            Step::Egress,
                            format!("subnet {subnet}"),
                            Code::EgressSnat,
                            d,
                            None,
                        );
                    }
                }
                self.public_arrival(dst, &Via::Internet(egress.clone()))
            }
            NextHop::ServiceEndpoint { service } => {
                self.pass(
                    Step::Route,
                    element,
                    Code::RouteServiceEndpoint,
                    route.describe(),
                    route_at,
                );
                let service = service.clone();
                self.service_endpoint_policy(subnet, dst, &service)?;
                self.public_arrival(dst, &Via::ServiceEndpoint(subnet.to_string()))
            }
            NextHop::Gateway { gateway } => {
                self.pass(
                    Step::Route,
                    element,
                    Code::RouteGateway,
                    route.describe(),
                    route_at,
                );
                self.assume(
                    Step::Destination,
                    format!("gateway {gateway}"),
                    Code::DestOnprem,
                    "handed to the on-premises network",
                    format!("the on-premises network behind gateway {gateway} accepts the traffic"),
                )
            }
        }
    }

    /// A service endpoint policy on the subnet filters which accounts the endpoint reaches.
    fn service_endpoint_policy(&mut self, subnet: &str, dst: &Dst, service: &str) -> Walked {
        let Some(&(vi, si)) = self.e.ix.subnets.get(subnet) else {
            return Ok(());
        };
        let s = &self.t().virtual_networks[vi].subnets[si];
        if s.service_endpoint_policies.is_empty()
            || !service
                .to_ascii_lowercase()
                .starts_with("microsoft.storage")
        {
            return Ok(());
        }
        let (owner, by_tag) = match dst {
            Dst::Public { owner, label, .. } => (
                owner.clone(),
                label
                    .as_deref()
                    .is_some_and(|l| l.starts_with("service tag ")),
            ),
            _ => (None, false),
        };
        // An address alone does not say which account it serves (accounts share the addresses
        // of their storage stamp), and the policy admits accounts, not addresses.
        if owner.is_none() && self.fqdn.is_none() && !by_tag {
            let p = &s.service_endpoint_policies[0];
            let pat = self
                .e
                .ix
                .service_endpoint_policies
                .get(p)
                .and_then(|&pi| at(&self.t().service_endpoint_policies[pi].at));
            return self.unknown(
                Step::ServiceEndpointPolicy,
                format!("service endpoint policy {p}"),
                Code::SepAccountUnknown,
                format!(
                    "{} may serve any storage account, and the policy admits only the accounts it lists",
                    Self::describe_dst(dst)
                ),
                pat,
                "the storage account the traffic is for (trace to storage/<name> or its host name)",
            );
        }
        // Registry-managed storage and the storage Azure ML itself manages (reached by its
        // service tag) are what the /services/Azure/MachineLearning alias covers.
        let account = match &owner {
            Some(Address::Resource {
                kind: Kind::Storage,
                name,
                ..
            }) => Some((name.clone(), false)),
            Some(Address::Resource {
                kind: Kind::Registry,
                name,
                sub: Some(s),
            }) if s == "storage" => Some((name.clone(), true)),
            // A storage host no modelled account owns is somebody else's account; only the
            // storage Azure ML manages, reached by its service tag, is what the alias covers.
            None if self.fqdn.is_none() => Some((String::new(), true)),
            None => Some((self.fqdn.clone().unwrap_or_default(), false)),
            _ => None,
        };
        for p in &s.service_endpoint_policies {
            let Some(&pi) = self.e.ix.service_endpoint_policies.get(p) else {
                continue;
            };
            let pol = &self.t().service_endpoint_policies[pi];
            let allowed = pol
                .definitions
                .iter()
                .flat_map(|d| d.service_resources.iter())
                .any(|r| match &account {
                    Some((name, false)) => {
                        r == name
                            || r.to_ascii_lowercase().ends_with(&format!(
                                "/storageaccounts/{}",
                                name.to_ascii_lowercase()
                            ))
                    }
                    Some((_, true)) => r.eq_ignore_ascii_case("/services/Azure/MachineLearning"),
                    None => false,
                });
            if !allowed {
                let what = owner
                    .as_ref()
                    .map(|o| o.to_string())
                    .unwrap_or_else(|| "this storage account".into());
                return self.block(
                    Step::ServiceEndpointPolicy,
                    format!("service endpoint policy {p}"),
                    Code::SepDeny,
                    format!("{what} is not listed in the policy"),
                    at(&pol.at),
                    format!("add {what} to service endpoint policy {p}"),
                );
            }
            self.pass(
                Step::ServiceEndpointPolicy,
                format!("service endpoint policy {p}"),
                Code::SepAllow,
                "the account is listed",
                at(&pol.at),
            );
        }
        Ok(())
    }

    /// A private address reached inside Azure.
    fn deliver_private(
        &mut self,
        ip: IpAddr,
        from_vnet: &str,
        src: &AddrSet,
        via_appliance: Option<&str>,
    ) -> Walked {
        let Some(subnet) = self.e.subnet_of(ip) else {
            return self.block(
                Step::Destination,
                format!("address {ip}"),
                Code::DestNoSubnet,
                "no subnet holds this address",
                None,
                "fix the address or the DNS record that gave it",
            );
        };
        let dst_vnet = subnet.split('/').next().unwrap_or_default().to_string();
        if let Some(appliance_vnet) = via_appliance {
            if dst_vnet != appliance_vnet {
                let Some(&vi) = self.e.ix.virtual_networks.get(&dst_vnet) else {
                    return Ok(());
                };
                let v = &self.t().virtual_networks[vi];
                let p = v.peerings.iter().find(|p| p.remote_vnet == appliance_vnet);
                match p {
                    Some(p) if p.allow_forwarded_traffic => {
                        let d = format!(
                            "peering {} of {dst_vnet} allows forwarded traffic",
                            p.name.clone().unwrap_or_default()
                        );
                        self.pass(
                            Step::Peering,
                            format!("VNet {dst_vnet}"),
                            Code::PeeringForwardedOk,
                            d,
                            at(&p.at),
                        );
                    }
                    Some(p) => {
                        let pat = at(&p.at);
                        return self.block(
                            Step::Peering,
                            format!("VNet {dst_vnet}"),
                            Code::PeeringForwardedBlocked,
                            format!("the peering from {dst_vnet} to {appliance_vnet} does not allow forwarded traffic"),
                            pat,
                            format!("set allow_forwarded_traffic on the peering from {dst_vnet} to {appliance_vnet}"),
                        );
                    }
                    None => {}
                }
            }
        } else if dst_vnet != from_vnet
            && !moat_net::routing::peered(self.t(), &self.e.ix, from_vnet, &dst_vnet)
        {
            return self.block(
                Step::Route,
                format!("VNet {from_vnet}"),
                Code::PeeringNotTransitive,
                format!("{dst_vnet} is not peered with {from_vnet}; peering is not transitive"),
                None,
                format!("peer {from_vnet} with {dst_vnet}, or route through a hub firewall"),
            );
        }
        // A private endpoint?
        if let Some(pi) = self
            .t()
            .private_endpoints
            .iter()
            .position(|p| p.ip_address == Some(ip))
        {
            return self.private_endpoint(pi, &subnet, src);
        }
        let nsg_sub = self.subnet_nsg(&subnet);
        if let Some(n) = nsg_sub {
            self.nsg(
                &n,
                Direction::Inbound,
                &dst_vnet,
                src,
                &Dst::Private(ip),
                &format!("subnet {subnet}"),
            )?;
        }
        if let Some(nic) = self
            .t()
            .network_interfaces
            .iter()
            .find(|n| n.private_ip_address == Some(ip))
        {
            if let Some(n) = nic.network_security_group.clone() {
                let name = nic.name.clone();
                self.nsg(
                    &n,
                    Direction::Inbound,
                    &dst_vnet,
                    src,
                    &Dst::Private(ip),
                    &format!("NIC {name}"),
                )?;
            }
            let d = format!("network interface {} in {subnet}", nic.name);
            self.pass(
                Step::Destination,
                format!("address {ip}"),
                Code::DestReached,
                d,
                at(&nic.at),
            );
            return Ok(());
        }
        if let Some(fw) = self
            .t()
            .firewalls
            .iter()
            .find(|f| f.private_ip_address == Some(ip))
        {
            let d = format!("firewall {}", fw.name);
            self.pass(
                Step::Destination,
                format!("address {ip}"),
                Code::DestReached,
                d,
                at(&fw.at),
            );
            return Ok(());
        }
        self.pass(
            Step::Destination,
            format!("address {ip}"),
            Code::DestReached,
            format!("an address of subnet {subnet}"),
            None,
        );
        Ok(())
    }

    fn private_endpoint(&mut self, pi: usize, subnet: &str, src: &AddrSet) -> Walked {
        let pe = self.t().private_endpoints[pi].clone();
        self.touch(format!("private-endpoint/{}", pe.name));
        let element = format!("private endpoint {}", pe.name);
        let &(vi, si) = self.e.ix.subnets.get(subnet).expect("subnet of an address");
        let s = &self.t().virtual_networks[vi].subnets[si];
        let policies = s.private_endpoint_network_policies;
        let dst_vnet = self.t().virtual_networks[vi].name.clone();
        if policies.nsg_applies() {
            if let Some(n) = s.network_security_group.clone() {
                self.nsg(
                    &n,
                    Direction::Inbound,
                    &dst_vnet,
                    src,
                    &Dst::Private(pe.ip_address.expect("ip")),
                    &format!("private endpoint subnet {subnet}"),
                )?;
            }
        } else if s.network_security_group.is_some() {
            self.info(Step::Nsg, format!("subnet {subnet}"), Code::PePoliciesOff, "private endpoint network policies are off: the subnet's NSG does not apply to the endpoint");
        }
        if pe.connection_state != ConnectionState::Approved {
            return self.block(
                Step::PrivateEndpoint,
                element,
                Code::PeNotApproved,
                format!(
                    "the connection is {}: traffic through it fails",
                    pe.connection_state
                ),
                at(&pe.at),
                format!("approve the private endpoint connection on {}", pe.target),
            );
        }
        if let Some(target) = self.served_by.as_ref().or(self.target.as_ref()) {
            let same_resource = match (&pe.target, target) {
                (
                    Address::Resource {
                        kind: k1,
                        name: n1,
                        sub: s1,
                    },
                    Address::Resource {
                        kind: k2,
                        name: n2,
                        sub: s2,
                    },
                ) => {
                    k1 == k2
                        && n1 == n2
                        && (*k1 != Kind::Registry || s1 == s2 || s2.as_deref() == Some("notebooks"))
                }
                _ => false,
            };
            let same_resource = same_resource
                || (matches!(
                    target,
                    Address::Resource {
                        kind: Kind::Workspace,
                        ..
                    }
                ) && pe.target == strip_sub(target));
            if !same_resource {
                return self.block(
                    Step::PrivateEndpoint,
                    element,
                    Code::PeWrongTarget,
                    format!(
                        "the address belongs to an endpoint of {}, not of {target}",
                        pe.target
                    ),
                    at(&pe.at),
                    format!(
                        "fix the DNS record that points {target} at {}",
                        pe.ip_address.map(|i| i.to_string()).unwrap_or_default()
                    ),
                );
            }
            if let Some(g) = &self.group
                && !pe.group_id.eq_ignore_ascii_case(g)
            {
                return self.block(
                    Step::PrivateEndpoint,
                    element,
                    Code::PeWrongGroup,
                    format!("the endpoint serves sub-resource {}, not {g}", pe.group_id),
                    at(&pe.at),
                    format!("create a private endpoint with group id {g} for {target}"),
                );
            }
        }
        let d = format!(
            "{} [{}], connection Approved; reaches the resource privately",
            pe.target, pe.group_id
        );
        self.about(Address::Resource {
            kind: Kind::PrivateEndpoint,
            name: pe.name.clone(),
            sub: None,
        });
        self.pass(
            Step::PrivateEndpoint,
            element,
            Code::PeApproved,
            d,
            at(&pe.at),
        );
        Ok(())
    }

    /// A next hop that is an appliance: an Azure Firewall, or something moat does not model.
    fn appliance(
        &mut self,
        ip: IpAddr,
        from_subnet: &str,
        src: &AddrSet,
        dst: &Dst,
        depth: usize,
    ) -> Walked {
        let Some(fi) = self
            .t()
            .firewalls
            .iter()
            .position(|f| f.private_ip_address == Some(ip))
        else {
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
        let fw = self.t().firewalls[fi].clone();
        self.touch(format!("firewall/{}", fw.name));
        if let Some(p) = &fw.firewall_policy {
            self.touch(format!("firewall-policy/{p}"));
        }
        let from_vnet = from_subnet.split('/').next().unwrap_or_default();
        if fw.vnet != from_vnet
            && !moat_net::routing::peered(self.t(), &self.e.ix, from_vnet, &fw.vnet)
        {
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
        let rules = firewall::rules(self.t(), &self.e.ix, &fw);
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
                &rules,
                &self.e.space,
                &ctx,
                self.fqdn.as_deref(),
                proxy,
            )
        });
        let flow = PacketSet::new(src, &Self::dst_set(dst), &self.l4());
        let element = format!("firewall {}", fw.name);
        let (e, fqdn, protocol, port) = (self.e, self.fqdn.clone(), self.q.protocol, self.port);
        let decided = firewall::resolve(policy.evaluate(&flow), || {
            firewall::application_decision(
                e.t,
                &rules,
                &e.space,
                &ctx,
                src,
                fqdn.as_deref(),
                protocol,
                port,
            )
        });
        self.firewall_verdict(&fw, element, dst, decided)?;
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
        if !self.e.ix.subnets.contains_key(&fw_subnet) {
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
    fn firewall_verdict(
        &mut self,
        fw: &moat_model::firewall::Firewall,
        element: String,
        dst: &Dst,
        decided: Vec<(Decision, firewall::Cause)>,
    ) -> Walked {
        use firewall::Cause;
        let host = self.fqdn.clone().unwrap_or_default();
        if !decided.is_empty() && decided.iter().all(|(d, _)| *d == Decision::Allow) {
            match decided[0].1.clone() {
                Cause::Network(r) => self.pass(
                    Step::Firewall,
                    element,
                    Code::FwNetworkAllow,
                    format!("allowed by network rule {} ({})", r.rule, r.filter),
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
                Cause::ImplicitDeny => {}
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
                            Self::describe_dst(dst)
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
        let (kind, r, missing) = match decided.iter().find(|(d, _)| *d == Decision::Unknown) {
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
        let detail = match &r {
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

    fn route_from_appliance(
        &mut self,
        subnet: &str,
        src: &AddrSet,
        egress: &Egress,
        dst: &Dst,
        appliance_vnet: &str,
        depth: usize,
    ) -> Walked {
        self.route(subnet, src, egress, dst, Some(appliance_vnet), depth)
    }

    /// Arrival at a public endpoint: the resource's own firewall decides.
    fn public_arrival(&mut self, dst: &Dst, via: &Via) -> Walked {
        if let Some((fi, ip)) = self.firewall_public_ip(dst) {
            return self.dnat(fi, ip, via);
        }
        let Dst::Public { owner, fqdn, .. } = dst else {
            return Ok(());
        };
        let Some(owner) = owner.clone() else {
            let what = fqdn.clone().unwrap_or_else(|| "the destination".into());
            return self.assume(
                Step::Destination,
                what,
                Code::DestInternet,
                "an internet host: what it accepts is outside the model",
                "internet hosts accept the connection",
            );
        };
        self.resource_firewall(&owner, via)
    }

    fn resource_firewall(&mut self, owner: &Address, via: &Via) -> Walked {
        let t = self.t();
        let ix = &self.e.ix;
        let Address::Resource { kind, name, sub } = owner else {
            return Ok(());
        };
        self.touch(format!("{kind}/{name}"));
        let element = format!("{kind} {name}");
        match kind {
            Kind::Workspace => {
                // A project's public network access is its hub's (facts §6 item 99).
                let w = names::network_workspace(t, ix, name).expect("workspace of a target");
                let element = if &w.name == name {
                    element
                } else {
                    format!("{element} (network of hub {})", w.name)
                };
                if let Via::Service(_) = via {
                    self.pass(
                        Step::ResourceFirewall,
                        element,
                        Code::RfService,
                        "the workspace's own service",
                        at(&w.at),
                    );
                    return Ok(());
                }
                if w.public_network_access == PublicNetworkAccess::Disabled {
                    return self.block(Step::ResourceFirewall, element, Code::RfPublicDisabled, "public network access is Disabled: only private endpoints reach it", at(&w.at), format!("reach workspace {name} through a private endpoint (a VPN, ExpressRoute or a jump box in its VNet), or enable public network access"));
                }
                match &w.network_acls {
                    Some(acl) if acl.default_action == DefaultAction::Deny => {
                        let rules: Vec<moat_model::values::AddressPrefix> = acl
                            .ip_rules
                            .iter()
                            .map(|n| moat_model::values::AddressPrefix::Net(*n))
                            .collect();
                        self.ip_rules(
                            &element,
                            &rules,
                            via,
                            at(&w.at),
                            "the workspace IP allow list",
                        )
                    }
                    _ => {
                        self.pass(
                            Step::ResourceFirewall,
                            element,
                            Code::RfPublicAll,
                            "public network access Enabled from all networks",
                            at(&w.at),
                        );
                        Ok(())
                    }
                }
            }
            Kind::Registry => {
                let r = &t.registries[ix.registries[name]];
                let (pna, what) = match sub.as_deref() {
                    Some("storage") => (
                        r.storage
                            .public_network_access
                            .unwrap_or(PublicNetworkAccess::Enabled),
                        "managed storage",
                    ),
                    Some("acr") => (
                        r.acr
                            .public_network_access
                            .unwrap_or(PublicNetworkAccess::Enabled),
                        "managed container registry",
                    ),
                    _ => (r.public_network_access, "registry"),
                };
                let element = format!("registry {name} {what}");
                if matches!(via, Via::Service(_)) {
                    self.pass(
                        Step::ResourceFirewall,
                        element,
                        Code::RfService,
                        "the registry back end",
                        at(&r.at),
                    );
                    return Ok(());
                }
                if pna == PublicNetworkAccess::Disabled {
                    return self.block(
                        Step::ResourceFirewall,
                        element,
                        Code::RfPublicDisabled,
                        format!("the {what}'s public network access is Disabled"),
                        at(&r.at),
                        format!("create a private endpoint to {owner} in the source's VNet"),
                    );
                }
                self.pass(
                    Step::ResourceFirewall,
                    element,
                    Code::RfPublicAll,
                    "public network access Enabled",
                    at(&r.at),
                );
                Ok(())
            }
            Kind::Storage => {
                let s = &t.storage_accounts[ix.storage_accounts[name]];
                let r = &s.network_rules;
                if let Via::Service(p) = via {
                    return self.service_access(
                        &element,
                        p,
                        s.public_network_access,
                        r.default_action,
                        r.trusted_services(),
                        &r.resource_access_rules,
                        at(&s.at),
                    );
                }
                if s.public_network_access == PublicNetworkAccess::Disabled {
                    return self.block(
                        Step::ResourceFirewall,
                        element,
                        Code::RfPublicDisabled,
                        "public network access is Disabled: only private endpoints reach it",
                        at(&s.at),
                        format!("create a private endpoint to storage {name} in the source's VNet"),
                    );
                }
                if r.default_action == DefaultAction::Allow {
                    self.pass(
                        Step::ResourceFirewall,
                        element,
                        Code::RfPublicAll,
                        "public network access Enabled from all networks",
                        at(&s.at),
                    );
                    return Ok(());
                }
                if let Via::ServiceEndpoint(subnet) = via {
                    return self.vnet_rule(&element, &r.virtual_network_rules, subnet, at(&s.at));
                }
                self.storage_ip_rules(s, via)
            }
            Kind::Keyvault => {
                let k = &t.key_vaults[ix.key_vaults[name]];
                let r = &k.network_acls;
                if let Via::Service(p) = via {
                    return self.service_access(
                        &element,
                        p,
                        k.public_network_access,
                        r.default_action,
                        r.bypass == moat_model::enums::Bypass::AzureServices,
                        &[],
                        at(&k.at),
                    );
                }
                if k.public_network_access == PublicNetworkAccess::Disabled {
                    return self.block(
                        Step::ResourceFirewall,
                        element,
                        Code::RfPublicDisabled,
                        "public network access is Disabled",
                        at(&k.at),
                        format!(
                            "create a private endpoint to key vault {name} in the source's VNet"
                        ),
                    );
                }
                if r.default_action == DefaultAction::Allow {
                    self.pass(
                        Step::ResourceFirewall,
                        element,
                        Code::RfPublicAll,
                        "public network access from all networks",
                        at(&k.at),
                    );
                    return Ok(());
                }
                if let Via::ServiceEndpoint(subnet) = via {
                    return self.vnet_rule(&element, &r.virtual_network_rules, subnet, at(&k.at));
                }
                self.ip_rules(
                    &element,
                    &r.ip_rules,
                    via,
                    at(&k.at),
                    "the key vault firewall",
                )
            }
            Kind::Acr => {
                let a = &t.container_registries[ix.container_registries[name]];
                let r = &a.network_rule_set;
                if let Via::Service(p) = via {
                    return self.service_access(
                        &element,
                        p,
                        a.public_network_access,
                        r.default_action,
                        a.trusted_services(),
                        &[],
                        at(&a.at),
                    );
                }
                if a.public_network_access == PublicNetworkAccess::Disabled {
                    return self.block(Step::ResourceFirewall, element, Code::RfPublicDisabled, "public network access is Disabled", at(&a.at), format!("create a private endpoint to container registry {name} in the source's VNet"));
                }
                if r.default_action == DefaultAction::Allow {
                    self.pass(
                        Step::ResourceFirewall,
                        element,
                        Code::RfPublicAll,
                        "public network access from all networks",
                        at(&a.at),
                    );
                    return Ok(());
                }
                if let Via::ServiceEndpoint(subnet) = via {
                    return self.vnet_rule(&element, &r.virtual_network_rules, subnet, at(&a.at));
                }
                self.ip_rules(
                    &element,
                    &r.ip_rules,
                    via,
                    at(&a.at),
                    "the registry firewall",
                )
            }
            Kind::OnlineEndpoint => {
                let e = &t.online_endpoints[ix.online_endpoints[name]];
                if e.public_network_access == PublicNetworkAccess::Disabled {
                    return self.block(Step::ResourceFirewall, element, Code::RfPublicDisabled, "public_network_access is disabled: scoring only through the workspace's private endpoint", at(&e.at), format!("score from a VNet with a private endpoint to workspace {}", e.workspace));
                }
                let ws = names::network_workspace(t, ix, &e.workspace)
                    .filter(|w| w.public_network_access != PublicNetworkAccess::Disabled);
                let Some(w) = ws else {
                    return self.block(Step::ResourceFirewall, element, Code::RfWorkspacePrivate, format!("workspace {} has public network access Disabled, so the endpoint rejects public requests", e.workspace), at(&e.at), format!("score through a private endpoint of workspace {}", e.workspace));
                };
                self.endpoint_public(e, w, element, via)
            }
            _ => Ok(()),
        }
    }

    fn vnet_rule(
        &mut self,
        element: &str,
        rules: &[String],
        subnet: &str,
        at_: Option<Provenance>,
    ) -> Walked {
        if rules.iter().any(|r| r == subnet) {
            self.pass(
                Step::ResourceFirewall,
                element.to_string(),
                Code::RfVnetRule,
                format!("virtual network rule for {subnet} (service endpoint)"),
                at_,
            );
            Ok(())
        } else {
            self.block(
                Step::ResourceFirewall,
                element.to_string(),
                Code::RfNoVnetRule,
                format!("no virtual network rule admits {subnet}"),
                at_,
                format!("add {subnet} to the virtual network rules of {element}"),
            )
        }
    }

    fn ip_rules(
        &mut self,
        element: &str,
        rules: &[moat_model::values::AddressPrefix],
        via: &Via,
        at_: Option<Provenance>,
        what: &str,
    ) -> Walked {
        let egress = match via {
            Via::Internet(e) => e.clone(),
            Via::ManagedNetwork => Egress::Unknown("the managed network's outbound address".into()),
            _ => Egress::Unknown("an Azure address".into()),
        };
        match egress {
            Egress::Known(ip, how) => {
                let hit = rules.iter().any(|p| match p {
                    moat_model::values::AddressPrefix::Net(n) => n.contains(&ip),
                    moat_model::values::AddressPrefix::Any => true,
                    moat_model::values::AddressPrefix::Tag(_) => false,
                });
                if hit {
                    self.pass(
                        Step::ResourceFirewall,
                        element.to_string(),
                        Code::RfIpRule,
                        format!("{ip} ({how}) is in {what}"),
                        at_,
                    );
                    Ok(())
                } else {
                    self.block(
                        Step::ResourceFirewall,
                        element.to_string(),
                        Code::RfIpNotAllowed,
                        format!("{ip} ({how}) is not in {what}"),
                        at_,
                        format!("add {ip} to {what}, or connect through a private endpoint"),
                    )
                }
            }
            Egress::Unknown(how) => {
                if rules.is_empty() {
                    return self.block(
                        Step::ResourceFirewall,
                        element.to_string(),
                        Code::RfIpNotAllowed,
                        format!(
                            "public access is limited to selected networks and none admits {how}"
                        ),
                        at_,
                        format!(
                            "connect through a private endpoint, or admit the source in {what}"
                        ),
                    );
                }
                self.unknown(
                    Step::ResourceFirewall,
                    element.to_string(),
                    Code::RfIpUndecided,
                    format!("the source leaves through {how}; whether {what} admits it is unknown"),
                    at_,
                    format!("the public address of {how}"),
                )
            }
            Egress::None(why) => self.block(
                Step::ResourceFirewall,
                element.to_string(),
                Code::EgressNone,
                why,
                at_,
                "give the source a way out",
            ),
        }
    }

    /// A service acting with its managed identity: trusted services and resource instances.
    #[allow(clippy::too_many_arguments)]
    fn service_access(
        &mut self,
        element: &str,
        principal: &Address,
        pna: PublicNetworkAccess,
        default: DefaultAction,
        trusted: bool,
        instances: &[moat_model::deps::ResourceAccessRule],
        at_: Option<Provenance>,
    ) -> Walked {
        let (ptype, pname) = match principal {
            Address::Resource {
                kind: Kind::Workspace,
                name,
                ..
            } => ("microsoft.machinelearningservices/workspaces", name.clone()),
            Address::Resource {
                kind: Kind::Registry,
                name,
                ..
            } => ("microsoft.machinelearningservices/registries", name.clone()),
            _ => ("", String::new()),
        };
        // Seed 000: sharing from a workspace to a registry fails when the storage holding the
        // asset has public network access Disabled (data exfiltration protection), whatever the
        // exceptions. For other principals, trusted-service and resource-instance exceptions set
        // in Selected networks stay effective after Disabled (facts §6, item 36).
        if pna == PublicNetworkAccess::Disabled && ptype.ends_with("/registries") {
            return self.block(
                Step::ResourceFirewall,
                element.to_string(),
                Code::RfPublicDisabled,
                format!("public network access is Disabled: the registry back end of {principal} cannot read it (data exfiltration protection)"),
                at_,
                format!("set public network access to Enabled from selected networks and add a resource instance rule for {principal}"),
            );
        }
        let instance = instances.iter().find(|r| {
            let rt = r.resource_type.to_ascii_lowercase();
            // The docs spell the workspace type three ways (facts C13).
            let type_ok = rt == ptype
                || (ptype.ends_with("/workspaces")
                    && rt.starts_with("microsoft.machinelearningservice")
                    && rt.contains("workspace"));
            type_ok && (r.name == pname || r.name == "*")
        });
        if let Some(r) = instance {
            self.pass(
                Step::ResourceFirewall,
                element.to_string(),
                Code::RfResourceInstance,
                format!("resource instance rule for {} {}", r.resource_type, r.name),
                at_,
            );
            return Ok(());
        }
        if pna == PublicNetworkAccess::Disabled && trusted {
            self.pass(
                Step::ResourceFirewall,
                element.to_string(),
                Code::RfTrustedService,
                "trusted Azure services keep their exception after public access is Disabled",
                at_,
            );
            return Ok(());
        }
        if pna == PublicNetworkAccess::Disabled {
            return self.block(Step::ResourceFirewall, element.to_string(), Code::RfPublicDisabled, format!("public network access is Disabled and no resource instance rule names {principal}"), at_, format!("set public network access to Enabled from selected networks and add a resource instance rule for {principal}"));
        }
        if default == DefaultAction::Allow {
            self.pass(
                Step::ResourceFirewall,
                element.to_string(),
                Code::RfPublicAll,
                "public network access from all networks",
                at_,
            );
            return Ok(());
        }
        if trusted {
            self.pass(
                Step::ResourceFirewall,
                element.to_string(),
                Code::RfTrustedService,
                "trusted Azure services may bypass the firewall",
                at_,
            );
            return Ok(());
        }
        self.block(Step::ResourceFirewall, element.to_string(), Code::RfServiceDenied, format!("selected networks only; {principal} is neither a resource instance nor a trusted service"), at_, format!("add a resource instance rule for {principal}"))
    }

    /// Outbound from a workspace managed network.
    fn managed(&mut self, workspace: &str, dst: &Dst) -> Walked {
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
            Dst::Private(ip) => self.block(
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
                for r in &rules {
                    match &r.kind {
                        ManagedRuleKind::ServiceTag { tag, protocol, ports, ports_documented } => {
                            let cover = self.e.space.cover(&moat_model::values::AddressPrefix::Tag(tag.clone()), &Default::default());
                            let l4 = moat_net::filter::firewall_l4(&[*protocol], ports);
                            let l4_ok = l4.contains(self.q.protocol, self.port);
                            if set.is_subset(&cover.sure) {
                                if l4_ok {
                                    let d = format!("{} rule {} allows {tag} {}", if r.required { "required" } else { "service tag" }, r.name, self.proto_port());
                                    self.pass(Step::ManagedNetwork, element, Code::MvnServiceTag, d, at(&w.at));
                                    return self.public_arrival(dst, &Via::ManagedNetwork);
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
                                self.pass(Step::ManagedNetwork, element, Code::MvnFqdn, d, at(&w.at));
                                return self.public_arrival(dst, &Via::ManagedNetwork);
                            }
                        }
                        ManagedRuleKind::PrivateEndpoint { .. } => {}
                    }
                }
                if let Some(why) = unsure {
                    return self.unknown(Step::ManagedNetwork, element, Code::MvnUndecided, "no rule surely allows it", at(&w.at), why);
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

    fn onprem(
        &mut self,
        addr: IpAddr,
        gateway: Option<String>,
        egress: &Egress,
        dst: &Dst,
    ) -> Walked {
        match dst {
            Dst::Public { .. } => {
                self.info(
                    Step::Egress,
                    "on-premises network",
                    Code::OnpremInternet,
                    "public destinations are reached over the internet",
                );
                self.public_arrival(dst, &Via::Internet(egress.clone()))
            }
            Dst::ManagedPe { .. } => self.block(
                Step::Destination,
                "managed network",
                Code::MvnNoInbound,
                "managed private endpoints are not reachable from outside",
                None,
                "use a private endpoint in a customer VNet",
            ),
            Dst::Private(ip) => {
                let gw = gateway.or_else(|| self.gateway_for_onprem(addr));
                let Some(gw) = gw else {
                    // A connected site whose address space is unknown may cover the address.
                    if let Some(site) = self.onprem_site_unknown() {
                        return self.unknown(
                            Step::Route,
                            "on-premises network",
                            Code::OnpremSpaceUnknown,
                            format!("the address space of local network gateway {site} is unknown: it may cover {addr}"),
                            None,
                            format!("the address space of local network gateway {site}"),
                        );
                    }
                    return self.block(Step::Route, "on-premises network", Code::OnpremNoGateway, format!("no VPN or ExpressRoute connection covers {addr}"), None, "connect the on-premises network with a site-to-site VPN or ExpressRoute, or use a point-to-site VPN");
                };
                let Some(&gi) = self.e.ix.virtual_network_gateways.get(&gw) else {
                    return Ok(());
                };
                let gvnet = self.t().virtual_network_gateways[gi].vnet.clone();
                self.pass(
                    Step::Route,
                    format!("gateway {gw}"),
                    Code::OnpremGateway,
                    format!("enters VNet {gvnet} through gateway {gw}"),
                    at(&self.t().virtual_network_gateways[gi].at),
                );
                let Some(dst_subnet) = self.e.subnet_of(*ip) else {
                    return self.block(
                        Step::Destination,
                        format!("address {ip}"),
                        Code::DestNoSubnet,
                        "no subnet holds this address",
                        None,
                        "fix the address or the DNS record that gave it",
                    );
                };
                let dst_vnet = dst_subnet.split('/').next().unwrap_or_default().to_string();
                if dst_vnet != gvnet {
                    // On-premises learns a spoke's routes only when the spoke uses the hub's gateway.
                    let uses =
                        self.e.ix.virtual_networks.get(&dst_vnet).is_some_and(|&i| {
                            self.t().virtual_networks[i]
                                .peerings
                                .iter()
                                .any(|p| p.remote_vnet == gvnet && p.use_remote_gateways)
                        }) && moat_net::routing::gateway_for(self.t(), &self.e.ix, &dst_vnet)
                            .as_deref()
                            == Some(gw.as_str());
                    if !uses {
                        return self.block(
                            Step::Route,
                            format!("gateway {gw}"),
                            Code::OnpremNoTransit,
                            format!("{dst_vnet} does not use gateway {gw} (peering with use_remote_gateways and gateway transit)"),
                            None,
                            format!("peer {dst_vnet} with {gvnet} using the remote gateway, or place a private endpoint in {gvnet}"),
                        );
                    }
                    self.pass(
                        Step::Route,
                        format!("VNet {gvnet}"),
                        Code::OnpremTransit,
                        format!("{dst_vnet} uses gateway {gw} through its peering"),
                        None,
                    );
                }
                let src = AddrSet::host(addr);
                self.deliver_private(*ip, &dst_vnet, &src, None)
            }
        }
    }

    /// A local network gateway with a connection whose address space the input leaves
    /// unknown.
    fn onprem_site_unknown(&self) -> Option<String> {
        let t = self.t();
        t.connections
            .iter()
            .filter_map(|c| c.local_network_gateway.as_ref())
            .find(|l| {
                t.is_unknown(&format!("local-gateway/{l}"), "address_prefixes")
                    .is_some()
            })
            .cloned()
    }

    fn gateway_for_onprem(&self, addr: IpAddr) -> Option<String> {
        let t = self.t();
        for c in &t.connections {
            let covered = c.remote_address_prefixes.iter().any(|p| p.contains(&addr))
                || c.local_network_gateway
                    .as_ref()
                    .and_then(|l| t.local_network_gateways.iter().find(|g| &g.name == l))
                    .is_some_and(|g| g.address_prefixes.iter().any(|p| p.contains(&addr)));
            if covered {
                return Some(c.virtual_network_gateway.clone());
            }
        }
        None
    }
}

/// How a packet arrives at a public endpoint.
#[derive(Clone, Debug)]
enum Via {
    /// Over the internet, from a public address.
    Internet(Egress),
    /// Through a subnet's service endpoint.
    ServiceEndpoint(String),
    /// From a workspace managed network.
    ManagedNetwork,
    /// As an Azure service with a managed identity.
    Service(Address),
}

/// A subnet key (`vnet/subnet`) as an address.
pub fn subnet_address(key: &str) -> Address {
    let (vnet, subnet) = key.split_once('/').unwrap_or((key, ""));
    Address::Subnet {
        vnet: vnet.to_string(),
        subnet: subnet.to_string(),
    }
}

fn strip_sub(a: &Address) -> Address {
    match a {
        Address::Resource { kind, name, .. } => Address::resource(*kind, name.clone()),
        o => o.clone(),
    }
}

/// What a destination address points at.
fn target(e: &Engine, to: &Address) -> Result<Target, String> {
    let t = e.t;
    let ix = &e.ix;
    let region = |r: &Option<String>| r.clone().unwrap_or_else(|| "unknown".into());
    let missing = |what: &str, name: &str| format!("{what} `{name}` is not in the topology");
    let res = |n: names::ResourceName, owner: Address| Target {
        label: owner.to_string(),
        fqdn: Some(n.fqdn),
        group: Some(n.group_id.to_string()),
        owner: Some(owner),
        ip: None,
        tag: None,
        served_by: None,
        external_subnet: None,
    };
    Ok(match to {
        Address::Internet => Target {
            label: "the internet".into(),
            fqdn: None,
            owner: None,
            group: None,
            ip: None,
            tag: None,
            served_by: None,
            external_subnet: None,
        },
        Address::Ip(ip) => Target {
            label: ip.to_string(),
            fqdn: None,
            owner: None,
            group: None,
            ip: Some(*ip),
            tag: None,
            served_by: None,
            external_subnet: None,
        },
        Address::Tag(tag) => Target {
            label: format!("service tag {tag}"),
            fqdn: None,
            owner: None,
            group: None,
            ip: None,
            tag: Some(tag.clone()),
            served_by: None,
            external_subnet: None,
        },
        Address::Fqdn(f) => Target {
            label: f.clone(),
            fqdn: Some(f.clone()),
            owner: e.dns.owner(f).cloned(),
            group: e.dns.resource_name(f).map(|n| n.group_id.to_string()),
            ip: None,
            tag: None,
            served_by: None,
            external_subnet: None,
        },
        Address::Subnet { vnet, subnet } => {
            let key = format!("{vnet}/{subnet}");
            let &(vi, si) = ix
                .subnets
                .get(&key)
                .ok_or_else(|| missing("subnet", &key))?;
            let s = &t.virtual_networks[vi].subnets[si];
            let ip = s.prefixes().next().map(|p| match p {
                ipnet::IpNet::V4(n) => IpAddr::V4(std::net::Ipv4Addr::from(
                    u32::from(n.network()).saturating_add(4),
                )),
                ipnet::IpNet::V6(n) => IpAddr::V6(n.network()),
            });
            Target {
                label: format!("subnet {key}"),
                fqdn: None,
                owner: None,
                group: None,
                ip,
                tag: None,
                served_by: None,
                external_subnet: s.external.then(|| key.clone()),
            }
        }
        Address::Resource { kind, name, sub } => match kind {
            Kind::Workspace => {
                // A project is reached by its hub's names and endpoints (facts §6 item 99).
                let w = names::network_workspace(t, ix, name)
                    .ok_or_else(|| missing("workspace", name))?;
                let guid = w.workspace_id.clone().unwrap_or_default();
                let n = if sub.as_deref() == Some("notebooks") {
                    names::workspace_notebooks(&w.name, &guid, &region(&w.region))
                } else {
                    names::workspace_api(&guid, &region(&w.region))
                };
                let mut tg = res(n, to.clone());
                if &w.name != name {
                    tg.served_by = Some(Address::resource(Kind::Workspace, &w.name));
                }
                tg
            }
            Kind::Registry => {
                let r = &t.registries[*ix
                    .registries
                    .get(name)
                    .ok_or_else(|| missing("registry", name))?];
                match sub.as_deref() {
                    Some("storage") => {
                        let n =
                            names::registry_managed_name(t, name, "storage").unwrap_or_default();
                        res(names::storage(&n, "blob"), to.clone())
                    }
                    Some("acr") => {
                        let n = names::registry_managed_name(t, name, "acr").unwrap_or_default();
                        res(names::acr(&n), to.clone())
                    }
                    _ => res(
                        names::registry_api(
                            r.registry_id.as_deref().unwrap_or_default(),
                            &region(&r.region),
                        ),
                        to.clone(),
                    ),
                }
            }
            Kind::Storage => {
                ix.storage_accounts
                    .get(name)
                    .ok_or_else(|| missing("storage account", name))?;
                let sub = sub.clone().unwrap_or_else(|| "blob".into());
                res(
                    names::storage(name, &sub),
                    Address::resource(Kind::Storage, name).with_sub(&sub),
                )
            }
            Kind::Keyvault => {
                ix.key_vaults
                    .get(name)
                    .ok_or_else(|| missing("key vault", name))?;
                res(names::key_vault(name), to.clone())
            }
            Kind::Acr => {
                ix.container_registries
                    .get(name)
                    .ok_or_else(|| missing("container registry", name))?;
                res(names::acr(name), to.clone())
            }
            Kind::OnlineEndpoint => {
                let ep = &t.online_endpoints[*ix
                    .online_endpoints
                    .get(name)
                    .ok_or_else(|| missing("online endpoint", name))?];
                let w = names::network_workspace(t, ix, &ep.workspace)
                    .ok_or_else(|| missing("workspace", &ep.workspace))?;
                let n = names::endpoint_scoring(t, ix, ep)
                    .ok_or_else(|| missing("workspace", &ep.workspace))?;
                let mut tg = res(n, to.clone());
                tg.served_by = Some(Address::resource(Kind::Workspace, &w.name));
                tg
            }
            Kind::Vm => {
                let vm = &t.virtual_machines[*ix
                    .virtual_machines
                    .get(name)
                    .ok_or_else(|| missing("virtual machine", name))?];
                let nic = vm
                    .network_interfaces
                    .first()
                    .and_then(|n| ix.network_interfaces.get(n))
                    .map(|&i| &t.network_interfaces[i]);
                let ip = nic
                    .and_then(|n| n.private_ip_address)
                    .ok_or_else(|| format!("VM {name} has no private address"))?;
                Target {
                    label: format!("VM {name} ({ip})"),
                    fqdn: None,
                    owner: None,
                    group: None,
                    ip: Some(ip),
                    tag: None,
                    served_by: None,
                    external_subnet: None,
                }
            }
            Kind::Compute | Kind::Aks => {
                let subnet = if *kind == Kind::Compute {
                    t.computes
                        .get(
                            *ix.computes
                                .get(name)
                                .ok_or_else(|| missing("compute", name))?,
                        )
                        .and_then(|c| c.subnet.clone())
                } else {
                    t.aks_clusters
                        .get(
                            *ix.aks_clusters
                                .get(name)
                                .ok_or_else(|| missing("aks cluster", name))?,
                        )
                        .and_then(|c| c.subnet.clone())
                };
                let subnet =
                    subnet.ok_or_else(|| format!("{kind} {name} is not in a customer subnet"))?;
                let (v, s) = subnet.split_once('/').unwrap_or_default();
                let mut tg = target(
                    e,
                    &Address::Subnet {
                        vnet: v.into(),
                        subnet: s.into(),
                    },
                )?;
                tg.label = format!("{kind} {name} (a node in {subnet})");
                tg
            }
            other => return Err(format!("{other} cannot be a destination")),
        },
    })
}

/// Traces a flow.
pub fn trace(e: &Engine, q: &Query) -> Result<Trace, String> {
    let place = e.place(&q.from).map_err(|p| p.0)?;
    let tg = target(e, &q.to)?;
    let mut w = Walk {
        e,
        q,
        hops: Vec::new(),
        fix: None,
        missing: Vec::new(),
        assumptions: Vec::new(),
        fqdn: tg.fqdn.clone(),
        target: tg.owner.clone(),
        served_by: tg.served_by.clone(),
        group: tg.group.clone(),
        touched: Vec::new(),
        port: q.port,
        subject: None,
        address: None,
    };
    if let Address::Resource { kind, name, .. } = &q.from
        && matches!(
            kind,
            Kind::Compute | Kind::Vm | Kind::Aks | Kind::OnlineEndpoint | Kind::Client
        )
    {
        w.touch(format!("{kind}/{name}"));
    }
    w.info(
        Step::Source,
        place.label().to_string(),
        Code::Source,
        format!("to {} {}", tg.label, w.proto_port()),
    );
    let result = run(&mut w, &place, &tg);
    let verdict = match result {
        Ok(()) => Verdict::Allowed,
        Err(v) => v,
    };
    // Values an importer could not resolve: a hop that read such a resource cannot be sure.
    // An allowed trace becomes unknown if any hop did; a denied one if the blocking hop did.
    let mut verdict = verdict;
    let unknowns_of = |hops: &[Hop]| -> Vec<String> {
        let mut v = Vec::new();
        for h in hops {
            for r in &h.resources {
                for u in e.t.unknowns.iter().filter(|u| {
                    &u.resource == r
                        && u.field != "name"
                        && !after_decision(e.t, h, &u.resource, &u.field)
                }) {
                    let m = format!("{} of {}: {} ({})", u.field, u.resource, u.reason, u.at);
                    if !v.contains(&m) {
                        v.push(m);
                    }
                }
            }
        }
        v
    };
    let decisive: Vec<Hop> = match verdict {
        Verdict::Allowed => w.hops.clone(),
        Verdict::Denied => w
            .hops
            .iter()
            .rev()
            .find(|h| h.decision == HopDecision::Block)
            .cloned()
            .into_iter()
            .collect(),
        Verdict::Unknown => Vec::new(),
    };
    let unresolved = unknowns_of(&decisive);
    if !unresolved.is_empty() {
        verdict = Verdict::Unknown;
        w.hops.push(Hop {
            step: Step::Import,
            element: "values the input leaves open".into(),
            decision: HopDecision::Unknown,
            code: Code::InputUnknown,
            detail: format!(
                "{} value(s) this path depends on could not be resolved from the input",
                unresolved.len()
            ),
            at: None,
            resources: Vec::new(),
            subject: None,
            address: None,
        });
        w.missing.extend(unresolved);
    }
    let blocked_by = if verdict == Verdict::Allowed {
        None
    } else {
        w.hops
            .iter()
            .rev()
            .find(|h| matches!(h.decision, HopDecision::Block | HopDecision::Unknown))
            .cloned()
    };
    Ok(Trace {
        verdict,
        from: q.from.to_string(),
        to: q.to.to_string(),
        protocol: q.protocol.to_string(),
        port: q.port,
        hops: w.hops,
        blocked_by,
        fix: if verdict == Verdict::Denied {
            w.fix
        } else {
            None
        },
        missing: w.missing,
        assumptions: w.assumptions,
    })
}

fn run(w: &mut Walk, place: &Place, tg: &Target) -> Walked {
    // A service acting with its identity is decided by the resource firewall alone.
    if let Place::Service { principal, .. } = place {
        let Some(owner) = tg.owner.clone() else {
            return w.unknown(
                Step::Destination,
                tg.label.clone(),
                Code::ServiceTarget,
                "a service identity reaches resources, not addresses",
                None,
                "a resource destination",
            );
        };
        return w.resource_firewall(&owner, &Via::Service(principal.clone()));
    }
    // Azure infrastructure sending from a tag reaches the destination subnet directly.
    if let Place::Infrastructure { tag, .. } = place {
        let Some(ip) = tg.ip else {
            return w.unknown(
                Step::Destination,
                tg.label.clone(),
                Code::InfraTarget,
                "infrastructure traffic targets computes and subnets",
                None,
                "a private destination",
            );
        };
        let ctx = Default::default();
        let c =
            w.e.space
                .cover(&moat_model::values::AddressPrefix::Tag(tag.clone()), &ctx);
        let src = if c.sure.is_empty() { c.maybe } else { c.sure };
        let Some(dst_subnet) = w.e.subnet_of(ip) else {
            return w.block(
                Step::Destination,
                tg.label.clone(),
                Code::DestNoSubnet,
                "no subnet holds this address",
                None,
                "fix the address",
            );
        };
        let vnet = dst_subnet.split('/').next().unwrap_or_default().to_string();
        return w.deliver_private(ip, &vnet, &src, None);
    }
    external_ends(w, place, tg)?;
    // Name resolution from the source's place.
    let dst = match (&tg.fqdn, tg.ip, &tg.tag) {
        (Some(f), _, _) => {
            let resolver = w.e.resolver_of(place);
            let r = w.e.dns.resolve(f, &resolver);
            for s in &r.steps {
                if s.assumed {
                    w.assume(
                        Step::Dns,
                        s.server.clone(),
                        s.code,
                        format!("{}: {}", s.query, s.result),
                        format!(
                            "{} resolves public names like any recursive resolver",
                            s.server
                        ),
                    )?;
                    continue;
                }
                w.hops.push(Hop {
                    step: Step::Dns,
                    element: s.server.clone(),
                    decision: HopDecision::Pass,
                    code: s.code,
                    detail: format!("{}: {}", s.query, s.result),
                    at: None,
                    resources: Vec::new(),
                    subject: None,
                    address: None,
                });
            }
            match r.answer {
                Answer::Private { ip, zone, .. } => {
                    w.touch(format!(
                        "private-dns-zone/{}",
                        zone.rsplit('/').next().unwrap_or(&zone)
                    ));
                    Dst::Private(ip)
                }
                Answer::ManagedPrivate { rule, .. } => Dst::ManagedPe { rule },
                Answer::Public { fqdn } => {
                    let owner = w.e.dns.owner(&fqdn).cloned().or_else(|| tg.owner.clone());
                    let near = region_of_place(w.e, place);
                    let set = public_set(w.e, owner.as_ref(), &fqdn, near.as_deref());
                    Dst::Public {
                        set,
                        owner,
                        fqdn: Some(f.clone()),
                        label: None,
                    }
                }
                Answer::NxDomain { why } => {
                    let fix = dns_fix(w.e, &resolver, f);
                    return w.block(
                        Step::Dns,
                        resolver.to_string(),
                        Code::DnsNxdomain,
                        why,
                        None,
                        fix,
                    );
                }
                Answer::Unknown { why } => {
                    return w.unknown(
                        Step::Dns,
                        resolver.to_string(),
                        Code::DnsUnknown,
                        why.clone(),
                        None,
                        why,
                    );
                }
            }
        }
        (None, Some(ip), _) => {
            if moat_net::space::PRIVATE_V4
                .iter()
                .any(|p| p.parse::<ipnet::IpNet>().is_ok_and(|n| n.contains(&ip)))
                || ip.is_ipv6()
            {
                Dst::Private(ip)
            } else {
                Dst::Public {
                    set: AddrSet::host(ip),
                    owner: None,
                    fqdn: None,
                    label: None,
                }
            }
        }
        (None, None, Some(tag)) => {
            let c = w.e.space.cover(
                &moat_model::values::AddressPrefix::Tag(tag.clone()),
                &Default::default(),
            );
            if c.sure.is_empty() {
                return w.unknown(
                    Step::Destination,
                    tg.label.clone(),
                    Code::TagUnknown,
                    format!("{tag} is not a known service tag"),
                    None,
                    format!("the addresses of {tag} (pass --service-tags)"),
                );
            }
            Dst::Public {
                set: c.sure,
                owner: None,
                fqdn: None,
                label: Some(format!("service tag {tag}")),
            }
        }
        (None, None, None) => Dst::Public {
            set: moat_net::space::Space::external(),
            owner: None,
            fqdn: None,
            label: Some("the internet".into()),
        },
    };
    if let Dst::Private(ip) = &dst {
        w.address = Some(*ip);
        w.info(
            Step::Dns,
            tg.label.clone(),
            Code::DestAddress,
            format!("destination address {ip}"),
        );
    }
    match place {
        Place::Subnet {
            subnet,
            src,
            nic,
            egress,
            ..
        } => w.leave_subnet(subnet, src, *nic, egress, &dst, 0),
        Place::OnPremises { addr, egress, .. } => w.onprem(*addr, None, egress, &dst),
        Place::PointToSite { addr, gateway, .. } => w.onprem(
            *addr,
            Some(gateway.clone()),
            &Egress::Unknown("the client's internet address".into()),
            &dst,
        ),
        Place::Internet { egress, .. } => match &dst {
            Dst::Public { .. } => w.public_arrival(&dst, &Via::Internet(egress.clone())),
            _ => w.block(
                Step::Route,
                "the internet",
                Code::InternetToPrivate,
                format!(
                    "{} is a private address, unreachable from the internet",
                    Walk::describe_dst(&dst)
                ),
                None,
                "connect through a VPN, ExpressRoute, or a jump box in the VNet",
            ),
        },
        Place::Managed { workspace, .. } => w.managed(workspace, &dst),
        Place::NoVnet { .. } => match &dst {
            Dst::Public { .. } => {
                w.info(
                    Step::Egress,
                    "Azure network",
                    Code::NovnetEgress,
                    "a compute outside any VNet reaches services over Azure's public network",
                );
                w.public_arrival(
                    &dst,
                    &Via::Internet(Egress::Unknown("an Azure-assigned public address".into())),
                )
            }
            _ => w.block(
                Step::Route,
                "Azure network",
                Code::NovnetToPrivate,
                "a compute outside any VNet cannot reach private addresses",
                None,
                "put the compute in the VNet, or use a managed network with private endpoint rules",
            ),
        },
        Place::LegacyDeployment {
            workspace,
            egress_enabled,
            ..
        } => legacy(w, workspace, *egress_enabled, &dst, tg),
        Place::Service { .. } | Place::Infrastructure { .. } => Ok(()),
    }
}

fn legacy(w: &mut Walk, workspace: &str, egress_enabled: bool, dst: &Dst, tg: &Target) -> Walked {
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

/// The address set of a public endpoint.
fn public_set(e: &Engine, owner: Option<&Address>, fqdn: &str, near: Option<&str>) -> AddrSet {
    let t = e.t;
    let ix = &e.ix;
    let Some(Address::Resource { kind, name, sub }) = owner else {
        return e.space.host(fqdn, near);
    };
    let (tag, region): (Option<&str>, Option<String>) = match kind {
        Kind::Workspace | Kind::OnlineEndpoint => (
            Some("AzureMachineLearning"),
            ix.workspaces
                .get(name)
                .and_then(|&i| t.workspaces[i].region.clone())
                .or_else(|| {
                    ix.online_endpoints
                        .get(name)
                        .and_then(|&i| ix.workspaces.get(&t.online_endpoints[i].workspace))
                        .and_then(|&w| t.workspaces[w].region.clone())
                }),
        ),
        Kind::Registry => {
            let r = ix
                .registries
                .get(name)
                .and_then(|&i| t.registries[i].region.clone());
            match sub.as_deref() {
                Some("storage") => (Some("Storage"), r),
                Some("acr") => (Some("AzureContainerRegistry"), r),
                _ => (Some("AzureMachineLearning"), r),
            }
        }
        Kind::Storage => (
            Some("Storage"),
            ix.storage_accounts
                .get(name)
                .and_then(|&i| t.storage_accounts[i].region.clone()),
        ),
        Kind::Keyvault => (
            Some("AzureKeyVault"),
            ix.key_vaults
                .get(name)
                .and_then(|&i| t.key_vaults[i].region.clone()),
        ),
        Kind::Acr => (
            Some("AzureContainerRegistry"),
            ix.container_registries
                .get(name)
                .and_then(|&i| t.container_registries[i].region.clone()),
        ),
        _ => (None, None),
    };
    // The notebooks host is served by the Azure ML service's front end; its tag is not documented.
    let tag = if sub.as_deref() == Some("notebooks") {
        None
    } else {
        tag
    };
    e.space.endpoint(tag, region.as_deref(), fqdn)
}

/// A flow from or to an external subnet (one the input refers to but does not declare): its
/// addresses, NSG, route table and DNS are unknown, so is every verdict that leaves or
/// enters it.
fn external_ends(w: &mut Walk, place: &Place, tg: &Target) -> Walked {
    let external = |s: &str| {
        w.e.ix
            .subnets
            .get(s)
            .is_some_and(|&(v, i)| w.t().virtual_networks[v].subnets[i].external)
    };
    if let Place::Subnet { subnet, label, .. } = place
        && external(subnet)
    {
        w.touch(format!("subnet/{subnet}"));
        return w.unknown(
            Step::Source,
            label.clone(),
            Code::SourceExternal,
            format!("subnet {subnet} is not declared by the input: its addresses, NSG, routes and DNS are unknown"),
            None,
            format!("the properties of subnet {subnet} (give its template, or a live export)"),
        );
    }
    if let Some(subnet) = tg.external_subnet.as_deref() {
        w.touch(format!("subnet/{subnet}"));
        return w.unknown(
            Step::Destination,
            tg.label.clone(),
            Code::DestExternal,
            format!(
                "subnet {subnet} is not declared by the input: its addresses and NSG are unknown"
            ),
            None,
            format!("the properties of subnet {subnet} (give its template, or a live export)"),
        );
    }
    Ok(())
}

/// Whether an unresolved NSG rule comes after the rule that decided a hop, so it cannot
/// change the hop's outcome (NSG rules are first-match in priority order).
fn after_decision(t: &Topology, hop: &Hop, resource: &str, field: &str) -> bool {
    let Some(nsg) = resource
        .strip_prefix("nsg/")
        .and_then(|n| t.network_security_groups.iter().find(|x| x.name == n))
    else {
        return false;
    };
    // A rule field the rule carries as unknown was considered by the NSG's evaluation.
    if nsg.carries(field) {
        return true;
    }
    let Some(rule) = field.strip_prefix("rules/") else {
        return false;
    };
    let Some(decided) = hop
        .detail
        .split("(priority ")
        .nth(1)
        .and_then(|x| x.split(')').next())
        .and_then(|x| x.trim().parse::<u32>().ok())
    else {
        return false;
    };
    let direction = if hop.element.contains("(outbound") {
        moat_model::enums::Direction::Outbound
    } else {
        moat_model::enums::Direction::Inbound
    };
    nsg.rules.iter().find(|r| r.name == rule).is_some_and(|r| {
        r.direction.get().is_some_and(|d| d != direction)
            || r.priority.get().is_some_and(|p| p > decided)
    })
}

/// The Azure region a place sits in, if it has one.
fn region_of_place(e: &Engine, place: &Place) -> Option<String> {
    match place {
        Place::Subnet { subnet, .. } => {
            let vnet = subnet.split('/').next()?;
            e.ix.virtual_networks
                .get(vnet)
                .and_then(|&i| e.t.virtual_networks[i].region.clone())
        }
        Place::Managed { workspace, .. }
        | Place::NoVnet { workspace, .. }
        | Place::LegacyDeployment { workspace, .. } => {
            e.ix.workspaces
                .get(workspace)
                .and_then(|&i| e.t.workspaces[i].region.clone())
        }
        _ => None,
    }
}

/// How to fix a name that does not resolve from a place.
fn dns_fix(e: &Engine, resolver: &Resolver, fqdn: &str) -> String {
    let zone = e.dns.resource_name(fqdn).map(|n| n.zone);
    match (resolver, zone) {
        (Resolver::AzureDns { vnet }, Some(z)) => format!(
            "link private DNS zone {z} to VNet {vnet} (and give the endpoint a zone group), or create the missing record"
        ),
        (Resolver::Server(ip), Some(z)) => format!(
            "on DNS server {ip}, forward {} to Azure DNS (168.63.129.16) from a VNet linked to {z}",
            names::public_zone_of(z)
        ),
        (_, Some(z)) => {
            format!("resolve {fqdn} through a DNS server that can see private zone {z}")
        }
        _ => format!("make {fqdn} resolvable from the source"),
    }
}
