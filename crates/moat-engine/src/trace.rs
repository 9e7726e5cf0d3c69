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
//!
//! This module holds the trace's types and composes the walk; each kind of hop is decided in
//! its own module: `dns` (names), `routing` (routes, service endpoints and their policies,
//! peering, delivery), `nsg`, `appliance` and `dnat` (Azure Firewall and other appliances),
//! `private_endpoint`, `resource_firewall` and `public_rules` (a public endpoint's firewall),
//! `managed` (workspace managed networks) and `onprem` (gateways and on-premises sites).

use crate::engine::Engine;
use crate::place::{Egress, Place};
use moat_model::address::{Address, Kind};
use moat_model::{PrivateIp, Provenance, Topology};
pub use moat_net::code::Code;
use moat_packets::{AddrSet, L4Set, Protocol};
use serde::Serialize;
use std::net::IpAddr;

mod appliance;
mod dnat;
mod dns;
mod managed;
mod nsg;
mod onprem;
mod open;
mod private_endpoint;
mod public_ip;
mod public_rules;
mod resource_firewall;
mod routing;
mod target;

use dns::resolve;
use managed::legacy;
pub use nsg::allow_fix as nsg_allow_fix;
pub use open::{left_open, past_open_names};
use target::target;

/// What to trace.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
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

/// Text a trace shares with others that say the same (see [`Engine::text`]).
pub type Text = std::sync::Arc<str>;

/// Serialises shared text as the string it holds.
fn text<S: serde::Serializer>(t: &Text, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(t)
}

/// Serialises a shared place as the place.
fn place<S: serde::Serializer>(
    p: &Option<std::sync::Arc<Provenance>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    p.as_deref().serialize(s)
}

/// Serialises a list of shared text as strings.
fn texts<S: serde::Serializer>(t: &[Text], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(t.iter().map(|t| &**t))
}

/// One hop of a trace.
#[derive(Clone, Debug, Serialize)]
pub struct Hop {
    /// The kind of hop.
    pub step: Step,
    /// The element (`nsg training-nsg`, `route table spoke-rt`, `storage wsstorage`).
    #[serde(serialize_with = "text")]
    pub element: Text,
    pub decision: HopDecision,
    /// Stable explanation code.
    pub code: Code,
    /// The rule or setting that decided, in words.
    #[serde(serialize_with = "text")]
    pub detail: Text,
    /// Where that rule or setting is written: shared with every hop that cites the same
    /// place (a check holds hundreds of thousands of hops, and a few thousand places).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "place")]
    pub at: Option<std::sync::Arc<Provenance>>,
    /// The resources whose settings this hop read (`nsg/training-nsg`, `storage/data`).
    #[serde(skip_serializing_if = "<[Text]>::is_empty", serialize_with = "texts")]
    pub resources: Box<[Text]>,
    /// The element that decided, as data, when it is a resource or subnet the model names
    /// (`private-endpoint/ws-pe` for a private endpoint hop, the subnet an egress hop leaves
    /// from). Rules read this, never `element`'s text. Boxed, as the fields below: most hops
    /// have none of them.
    #[serde(skip)]
    pub subject: Option<Box<Address>>,
    /// The single address the destination resolved to, on the hop that establishes it
    /// (`DEST_ADDRESS`): a static one, or the one Azure assigns an endpoint.
    #[serde(skip)]
    pub address: Option<Box<PrivateIp>>,
    /// The Azure service a service endpoint route hands the packet to (`Microsoft.Storage`),
    /// on the `ROUTE_SERVICE_ENDPOINT` hop.
    #[serde(skip)]
    pub service: Option<Box<str>>,
    /// On a resource firewall's IP rule hop, the public address the source shows there (its
    /// own, its NAT gateway's or its proxy's), when the model knows it.
    #[serde(skip)]
    pub source_address: Option<IpAddr>,
    /// On an NSG hop, the NSG, where it applies, and the direction and priority of the rule
    /// that decided: the rules after it (and those of the other direction) did not count.
    /// Shared with every hop the same rule decided the same way.
    #[serde(skip)]
    pub nsg_rule: Option<std::sync::Arc<NsgDecision>>,
    /// What the decision read of some settings only, when it did (see [`OnlyRead`]).
    #[serde(skip)]
    pub only: Option<Box<OnlyRead>>,
}

/// The settings a hop's decision read when it did not read every setting of what it read: a
/// value the input leaves open in another field cannot change it.
#[derive(Clone, Debug, Default)]
pub struct OnlyRead {
    /// The only settings of the hop's `resources` the decision read (public network access
    /// Disabled decides alone). `None`: every field counts.
    pub reads: Option<&'static [&'static str]>,
    /// Resources the hop read only some settings of (a peered VNet's address space and
    /// peerings), with those settings.
    pub partly: Box<[Partly]>,
}

/// A resource (`<kind>/<name>`) and the only settings of it a hop read.
pub type Partly = (String, &'static [&'static str]);

/// Which element a hop is about, as data (see [`Hop::element_id`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ElementId {
    pub step: Step,
    pub subject: Option<Address>,
    /// On an NSG hop, the NSG, the direction and where it applies.
    pub nsg: Option<(String, moat_model::enums::Direction, NsgScope)>,
    /// The resources the hop read, sorted.
    pub resources: Vec<Text>,
}

impl Hop {
    /// The element the hop is about, as data: its kind, the resource or subnet it names, the
    /// NSG and where it applies, and the resources it read. Two hops with equal ids are about
    /// one element, whatever their words; the deciding rule is not part of it.
    pub fn element_id(&self) -> ElementId {
        let mut resources = self.resources.to_vec();
        resources.sort_unstable();
        resources.dedup();
        ElementId {
            step: self.step,
            subject: self.subject.as_deref().cloned(),
            nsg: self
                .nsg_rule
                .as_ref()
                .map(|n| (n.nsg.clone(), n.direction, n.scope.clone())),
            resources,
        }
    }
}

/// The NSG rule that decided an NSG hop.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NsgDecision {
    /// The NSG's name.
    pub nsg: String,
    pub direction: moat_model::enums::Direction,
    /// The deciding rule's priority: `None` when no single rule decided, or the input leaves
    /// the priority open.
    pub priority: Option<u32>,
    /// The deciding rule's name (an Azure default rule's, such as `DenyAllOutBound`, for
    /// those): `None` when no single rule decided.
    pub rule: Option<String>,
    /// Where the NSG is applied on this hop.
    pub scope: NsgScope,
    /// On a deny, the source addresses the rule denies when it denies only some of the
    /// source's: two sources denied for different addresses are not one cause.
    pub sources: Option<AddrSet>,
}

/// Where an NSG applies on a hop: to a NIC or a subnet (on the source's side or the
/// destination's), or to the subnet of a private endpoint.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum NsgScope {
    /// A network interface, by name.
    Nic(String),
    /// A subnet (`vnet/subnet`).
    Subnet(String),
    /// The subnet (`vnet/subnet`) of a private endpoint whose network policies are on.
    PrivateEndpointSubnet(String),
}

impl std::fmt::Display for NsgScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NsgScope::Nic(n) => write!(f, "NIC {n}"),
            NsgScope::Subnet(s) => write!(f, "subnet {s}"),
            NsgScope::PrivateEndpointSubnet(s) => write!(f, "private endpoint subnet {s}"),
        }
    }
}

/// A trace: the verdict, the hops, what blocked, and the fix.
#[derive(Clone, Debug)]
pub struct Trace {
    pub verdict: Verdict,
    pub from: Address,
    pub to: Address,
    pub protocol: String,
    pub port: u16,
    pub hops: Vec<Hop>,
    /// Which of `hops` stopped the flow (or could not be decided): see [`Trace::blocked_by`].
    /// An index, not a copy: a check holds tens of thousands of traces.
    pub blocked: Option<usize>,
    /// What to change so the flow passes.
    pub fix: Option<String>,
    /// For unknown verdicts: what the model lacks.
    pub missing: Vec<String>,
    /// What the trace took for granted.
    pub assumptions: Vec<String>,
    /// The hops that read a value the input leaves open, which made the verdict unknown: the
    /// path or the decision there may be other than the one recorded (see [`Trace::open_hops`]).
    pub open: Vec<usize>,
}

/// Serialises a shared trace as the trace itself (without serde's `rc` feature, which would
/// allow deserialising into copies of what was shared).
pub fn serialize_shared<S: serde::Serializer, T: std::ops::Deref<Target = Trace>>(
    t: &T,
    s: S,
) -> Result<S::Ok, S::Error> {
    t.deref().serialize(s)
}

/// Serialised with the blocking hop itself under `blocked_by`, as it reads.
impl Serialize for Trace {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut m = s.serialize_struct("Trace", 10)?;
        m.serialize_field("verdict", &self.verdict)?;
        m.serialize_field("from", &self.from)?;
        m.serialize_field("to", &self.to)?;
        m.serialize_field("protocol", &self.protocol)?;
        m.serialize_field("port", &self.port)?;
        m.serialize_field("hops", &self.hops)?;
        m.serialize_field("blocked_by", &self.blocked_by())?;
        m.serialize_field("fix", &self.fix)?;
        m.serialize_field("missing", &self.missing)?;
        m.serialize_field("assumptions", &self.assumptions)?;
        m.end()
    }
}

impl Trace {
    /// The hop that stopped the flow (or could not be decided).
    pub fn blocked_by(&self) -> Option<&Hop> {
        self.blocked.and_then(|i| self.hops.get(i))
    }

    /// The same, to change it.
    pub fn blocked_by_mut(&mut self) -> Option<&mut Hop> {
        self.blocked.and_then(|i| self.hops.get_mut(i))
    }

    /// The hops that read a value the input leaves open (see [`Trace::open`]).
    pub fn open_hops(&self) -> impl Iterator<Item = &Hop> {
        self.open.iter().filter_map(|&i| self.hops.get(i))
    }

    /// The element of kind `step` that stops the flow, or may: the stopping hop if it is one,
    /// else the first such hop the trace passed that read a value the input leaves open (with
    /// it given, that element may stop the flow; the verdict is then unknown).
    pub fn may_stop_at(&self, step: Step) -> Option<&Hop> {
        self.stopping_hop()
            .filter(|h| h.step == step)
            .or_else(|| self.open_hops().find(|h| h.step == step))
    }

    /// The hop that stops the flow. It is [`Trace::blocked_by`], except where the stopping
    /// hop read a value the input leaves open: the trace then ends in the hop of those
    /// values (its verdict unknown), and this is the hop before it that stops the flow with
    /// the value as imported. A finding about that hop is undecided through the trace.
    pub fn stopping_hop(&self) -> Option<&Hop> {
        match self.blocked_by() {
            Some(h) if h.code == Code::InputUnknown => self
                .hops
                .iter()
                .rev()
                .find(|h| h.decision == HopDecision::Block),
            other => other,
        }
    }
}

fn at(p: &Provenance) -> Option<&Provenance> {
    // Borrowed: a walk for its verdict alone cites no place, and copies none.
    if p.is_unknown() { None } else { Some(p) }
}

/// A destination after name resolution.
#[derive(Clone, Debug)]
enum Dst {
    /// A private address in a VNet (or on premises), as the input determines it, with the
    /// addresses it may be (one, or the free addresses Azure assigns it from).
    Private { ip: PrivateIp, set: AddrSet },
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
    ip: Option<PrivateIp>,
    tag: Option<String>,
    /// The resource whose private endpoints serve the target, when not the target itself: a
    /// project's hub, an online endpoint's workspace (scoring enters through the workspace
    /// private endpoint, seed 004).
    served_by: Option<Address>,
    /// The external subnet the target sits in (a compute or subnet the input refers to but
    /// does not declare): what reaches it is unknown.
    external_subnet: Option<String>,
    /// The resource a private endpoint connects to without the input declaring it: its
    /// public access, network rules and connection approval are unknown.
    external_target: Option<Address>,
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
    touched: Vec<Text>,
    /// Resources read in part since the last hop (see [`Hop::partly`]).
    partly: Vec<Partly>,
    /// The destination port as the packet now carries it (a DNAT rule may translate it).
    port: u16,
    /// The element of the next hop as data (see [`Hop::subject`]).
    subject: Option<Address>,
    /// The destination address the next hop establishes (see [`Hop::address`]).
    address: Option<PrivateIp>,
    /// The service of the next hop's service endpoint (see [`Hop::service`]).
    service: Option<String>,
    /// The public address the next hop's IP rules judge (see [`Hop::source_address`]).
    source_address: Option<IpAddr>,
    /// The fields the next hop's decision reads alone (see [`Hop::reads`]).
    reads: Option<&'static [&'static str]>,
    /// The NSG rule that decides the next hop (see [`Hop::nsg_rule`]).
    nsg_rule: Option<NsgDecision>,
    /// The network interface the packet leaves from (its index), while it carries that
    /// NIC's address: NSGs count the NIC in its application security groups.
    src_nic: Option<usize>,
    /// Only the verdict is wanted: hops keep what decides it (their kind, decision, code,
    /// the resources and fields read, the deciding NSG rule) and drop their words.
    quiet: bool,
    /// What leaves open another way to the destination than the one walked (a managed
    /// network's outbound rule of unknown target may be a private endpoint to it): a hop that
    /// blocks the walked way then leaves the flow unknown, not denied.
    other_way: Option<String>,
    /// The destination name was resolved by public DNS, where a private endpoint changes no
    /// answer (its privatelink name resolves to the public address there).
    public_dns: bool,
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
        at: Option<&Provenance>,
    ) {
        let resources = std::mem::take(&mut self.touched).into_boxed_slice();
        let partly = std::mem::take(&mut self.partly);
        let only = (self.reads.is_some() || !partly.is_empty()).then(|| {
            Box::new(OnlyRead {
                reads: self.reads.take(),
                partly: partly.into_boxed_slice(),
            })
        });
        let (element, detail, at) = if self.quiet {
            (Text::default(), Text::default(), None)
        } else {
            let (element, detail): (String, String) = (element.into(), detail.into());
            (
                self.e.text(&element),
                self.e.text(&detail),
                at.map(|at| self.e.position(at)),
            )
        };
        self.hops.push(Hop {
            step,
            element,
            decision,
            code,
            detail,
            at,
            resources,
            subject: self.subject.take().map(Box::new),
            address: self.address.take().map(Box::new),
            service: self.service.take().map(String::into_boxed_str),
            source_address: self.source_address.take(),
            // A verdict's hops are dropped as soon as it is read: shared only if kept.
            nsg_rule: self.nsg_rule.take().map(|n| {
                if self.quiet {
                    std::sync::Arc::new(n)
                } else {
                    self.e.nsg_decision(n)
                }
            }),
            only,
        });
    }

    /// Notes that the next hop decides by these fields of the resources it read, alone.
    fn reading_only(&mut self, fields: &'static [&'static str]) {
        self.reads = Some(fields);
    }

    /// Names the element of the next hop as data.
    fn about(&mut self, subject: Address) {
        self.subject = Some(subject);
    }

    /// Notes that the next hop reads the settings of `resource` (`<kind>/<name>`).
    fn touch(&mut self, resource: impl Into<String>) {
        if self.untouched() {
            return;
        }
        let resource: String = resource.into();
        self.touched.push(self.e.text(&resource));
    }

    /// [`Walk::touch`], the name written only when it is noted.
    fn touch_fmt(&mut self, resource: std::fmt::Arguments) {
        if self.untouched() {
            return;
        }
        self.touched.push(self.e.text(&resource.to_string()));
    }

    /// Whether what hops read goes unnoted: a walk for its verdict alone keeps its hops only
    /// for the values the input leaves open that they read ([`hop_unknowns`]), and a model
    /// that leaves none open gives every hop none (a sweep walks millions of hops).
    fn untouched(&self) -> bool {
        self.quiet && !self.e.leaves_open()
    }

    /// Notes that the next hop reads only `fields` of `resource`.
    fn touch_fields(&mut self, resource: impl Into<String>, fields: &'static [&'static str]) {
        if self.untouched() {
            return;
        }
        self.partly.push((resource.into(), fields));
    }

    fn pass(
        &mut self,
        step: Step,
        element: impl Into<String>,
        code: Code,
        detail: impl Into<String>,
        at: Option<&Provenance>,
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
        at: Option<&Provenance>,
        fix: impl Into<String>,
    ) -> Walked {
        if let Some(need) = self.other_way.clone() {
            return self.unknown(step, element, code, detail, at, need);
        }
        self.hop(step, element, HopDecision::Block, code, detail, at);
        if !self.quiet {
            self.fix = Some(fix.into());
        }
        Err(Verdict::Denied)
    }

    fn unknown(
        &mut self,
        step: Step,
        element: impl Into<String>,
        code: Code,
        detail: impl Into<String>,
        at: Option<&Provenance>,
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

    /// A private destination at `ip`.
    fn private(&self, ip: PrivateIp) -> Dst {
        Dst::Private {
            set: self.e.addresses(&ip),
            ip,
        }
    }

    fn dst_set(dst: &Dst) -> AddrSet {
        match dst {
            Dst::Private { set, .. } => set.clone(),
            Dst::Public { set, .. } => set.clone(),
            Dst::ManagedPe { .. } => AddrSet::none(),
        }
    }

    /// The destination as a rule that admits it names it: its address, or the prefixes of
    /// the subnet Azure assigns it from (a rule on those admits it whatever it gets).
    fn rule_dst(dst: &Dst) -> String {
        match dst {
            Dst::Private {
                ip: PrivateIp::Dynamic(a),
                ..
            } => rule_prefixes(a),
            other => Self::describe_dst(other),
        }
    }

    fn describe_dst(dst: &Dst) -> String {
        match dst {
            Dst::Private {
                ip: PrivateIp::Static(ip),
                ..
            } => ip.to_string(),
            Dst::Private {
                ip: PrivateIp::Dynamic(a),
                ..
            } => format!("{} ({a})", moat_model::addressing::holder_words(&a.holder)),
            Dst::ManagedPe { rule } => format!("managed private endpoint {rule}"),
            Dst::Public { owner: Some(o), .. } => format!("the public endpoint of {o}"),
            Dst::Public { fqdn: Some(f), .. } => f.clone(),
            Dst::Public { label: Some(l), .. } => l.clone(),
            Dst::Public { set, .. } => set.to_string(),
        }
    }
}

/// The prefixes of the subnet an address is assigned from, as a rule names them.
pub fn rule_prefixes(a: &moat_model::Assigned) -> String {
    let p: Vec<String> = a.prefixes.iter().map(ToString::to_string).collect();
    p.join(", ")
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

/// Traces a flow.
pub fn trace(e: &Engine, q: &Query) -> Result<Trace, String> {
    if !e.remembers_traces() {
        return walk(e, q, false, None);
    }
    remembered(e, q).map(std::sync::Arc::unwrap_or_clone)
}

/// A trace as it is shared, or why a question has none.
pub type Shared = Result<std::sync::Arc<Trace>, String>;

/// [`trace`], recorded with what it read when the engine records traces, or taken from
/// another deployment's record when the engine may (see [`Engine::reuse_traces`]).
fn remembered(e: &Engine, q: &Query) -> Shared {
    if let Some(t) = e.reused_trace(q) {
        return t;
    }
    if !e.records_traces() {
        return walk(e, q, false, None).map(std::sync::Arc::new);
    }
    let (t, keys) = e.recording(|| walk(e, q, false, None).map(std::sync::Arc::new));
    e.note_trace(q, &t, keys);
    t
}

/// [`trace`], answered once per question on this engine: the operations and the flows of a
/// diff ask many of the same questions, and a trace depends only on the question and the
/// engine's model, which never changes.
pub fn trace_shared(e: &Engine, q: &Query) -> Result<std::sync::Arc<Trace>, String> {
    // Strict mode changes answers: a trace is reused only in the mode it was run in.
    if let Some((strict, t)) = e.traces.borrow().get(q)
        && *strict == e.strict
    {
        return t.clone();
    }
    let t = remembered(e, q);
    e.traces
        .borrow_mut()
        .insert(Box::new(q.clone()), (e.strict, t.clone()));
    t
}

/// The answer [`trace_shared`] already holds for this question on this engine (in its mode),
/// if any, without running a trace: a caller that keeps its own copy reads it from there.
pub fn traced(e: &Engine, q: &Query) -> Option<Result<std::sync::Arc<Trace>, String>> {
    match e.traces.borrow().get(q) {
        Some((strict, t)) if *strict == e.strict => Some(t.clone()),
        _ => None,
    }
}

/// The verdict of a flow, as [`trace`] gives it, without the words of its hops: for sweeps,
/// which keep only verdicts. The walk is the same; only what it writes down differs.
pub fn verdict(e: &Engine, q: &Query) -> Result<Verdict, String> {
    walk(e, q, true, None).map(|t| t.verdict)
}

/// The walk of [`trace`]; `quiet`: the hops without their words (see [`verdict`]);
/// `resolved`: the address the destination's name is taken to resolve to (see
/// [`past_open_names`]).
fn walk(e: &Engine, q: &Query, quiet: bool, resolved: Option<PrivateIp>) -> Result<Trace, String> {
    // A source the input leaves unplaced is walked no further than itself.
    let source = match e.open_place(&q.from) {
        Some(open) => Err(open),
        None => Ok(e.place(&q.from).map_err(|p| p.0)?),
    };
    // A destination VM the input leaves unplaced: what reaches it is unknown.
    let dest_open = match &q.to {
        Address::Resource { kind: Kind::Vm, .. } => e.open_place(&q.to),
        _ => None,
    };
    let mut tg = match (&dest_open, target(e, &q.to)) {
        (Some((label, ..)), _) => Target {
            label: label.clone(),
            fqdn: None,
            owner: Some(q.to.clone()),
            group: None,
            ip: None,
            tag: None,
            served_by: None,
            external_subnet: None,
            external_target: None,
        },
        (None, Ok(tg)) => tg,
        (None, Err(missing)) => external_target(e, &q.to).ok_or(missing)?,
    };
    // The name keeps its part in the firewalls' application rules; only its answer is given.
    let fqdn = tg.fqdn.clone();
    if let Some(ip) = resolved {
        tg.fqdn = None;
        tg.ip = Some(ip);
    }
    let mut w = Walk {
        e,
        q,
        hops: Vec::new(),
        fix: None,
        missing: Vec::new(),
        assumptions: Vec::new(),
        fqdn,
        target: tg.owner.clone(),
        served_by: tg.served_by.clone(),
        group: tg.group.clone(),
        touched: Vec::new(),
        partly: Vec::new(),
        port: q.port,
        subject: None,
        address: None,
        service: None,
        source_address: None,
        reads: None,
        nsg_rule: None,
        src_nic: None,
        quiet,
        other_way: None,
        public_dns: false,
    };
    if let Address::Resource { kind, name, .. } = &q.from
        && matches!(
            kind,
            Kind::Compute | Kind::Vm | Kind::Aks | Kind::OnlineEndpoint | Kind::Client
        )
    {
        w.touch_fmt(format_args!("{kind}/{name}"));
    }
    let (element, detail) = if quiet {
        (String::new(), String::new())
    } else {
        let label = match &source {
            Ok(place) => place.label().to_string(),
            Err((label, ..)) => label.clone(),
        };
        (label, format!("to {} {}", tg.label, w.proto_port()))
    };
    w.info(Step::Source, element, Code::Source, detail);
    let result = match (&source, &dest_open) {
        (Ok(_), Some((label, _, need))) => w.unknown(
            Step::Destination,
            label.clone(),
            Code::DestOpen,
            "its network interfaces are left open by the input: the address it receives on, the subnet it sits in and the NSGs before it are unknown",
            None,
            need.clone(),
        ),
        (Ok(place), None) => run(&mut w, place, &tg),
        (Err((label, why, need)), _) => w.unknown(
            Step::Source,
            label.clone(),
            Code::SourceOpen,
            why.clone(),
            None,
            need.clone(),
        ),
    };
    let verdict = match result {
        Ok(()) => Verdict::Allowed,
        Err(v) => v,
    };
    // Values an importer could not resolve: a hop that read such a resource cannot be sure.
    // An allowed trace becomes unknown if any hop did; a denied one if the blocking hop did.
    let mut verdict = verdict;
    let decisive: Vec<usize> = match verdict {
        Verdict::Allowed => (0..w.hops.len()).collect(),
        Verdict::Denied => w
            .hops
            .iter()
            .rposition(|h| h.decision == HopDecision::Block)
            .into_iter()
            .collect(),
        Verdict::Unknown => Vec::new(),
    };
    let mut unresolved = Vec::new();
    let mut open = Vec::new();
    for i in decisive {
        for u in hop_unknowns(e, &w.hops[i]) {
            let m = u.need();
            if !unresolved.contains(&m) {
                unresolved.push(m);
            }
            if open.last() != Some(&i) {
                open.push(i);
            }
        }
    }
    if !unresolved.is_empty() {
        verdict = Verdict::Unknown;
        w.hops.push(Hop {
            step: Step::Import,
            element: e.text("values the input leaves open"),
            decision: HopDecision::Unknown,
            code: Code::InputUnknown,
            detail: e.text(&format!(
                "{} value(s) this path depends on could not be resolved from the input",
                unresolved.len()
            )),
            at: None,
            resources: Box::default(),
            subject: None,
            address: None,
            service: None,
            source_address: None,
            nsg_rule: None,
            only: None,
        });
        w.missing.extend(unresolved);
    }
    let blocked = if verdict == Verdict::Allowed {
        None
    } else {
        w.hops
            .iter()
            .rposition(|h| matches!(h.decision, HopDecision::Block | HopDecision::Unknown))
    };
    // Traces are kept by the thousand (operation results, findings): no spare capacity.
    w.hops.shrink_to_fit();
    w.missing.shrink_to_fit();
    w.assumptions.shrink_to_fit();
    Ok(Trace {
        verdict,
        from: q.from.clone(),
        to: q.to.clone(),
        protocol: q.protocol.to_string(),
        port: q.port,
        hops: w.hops,
        blocked,
        fix: if verdict == Verdict::Denied {
            w.fix
        } else {
            None
        },
        missing: w.missing,
        assumptions: w.assumptions,
        open,
    })
}

/// The values the input leaves open that hop `h` read: in the resources it read (only the
/// fields it decided by, when it names them), and in the fields it read of others; not those
/// its decision did not depend on (see [`after_decision`]).
fn hop_unknowns<'a, 't: 'a>(
    e: &'a Engine<'t>,
    h: &'a Hop,
) -> impl Iterator<Item = &'t moat_model::Unknown> + 'a {
    let whole = h.resources.iter().flat_map(move |r| {
        e.unknowns_of(r).iter().copied().filter(move |u| {
            h.only.as_ref().and_then(|o| o.reads).is_none_or(|fs| {
                fs.iter()
                    .any(|f| moat_model::external::leaves_open(&u.field, f))
            })
        })
    });
    let partly = h
        .only
        .iter()
        .flat_map(|o| o.partly.iter())
        .flat_map(move |(r, fs)| {
            e.unknowns_of(r).iter().copied().filter(move |u| {
                fs.iter()
                    .any(|f| moat_model::external::leaves_open(&u.field, f))
            })
        });
    whole
        .chain(partly)
        .filter(move |u| u.field != "name" && !after_decision(e, h, &u.resource, &u.field))
        // The source's own region decides nothing: the region its flows depend on is its
        // network's (its VNet's, its workspace's), read by the decisions that need it. Nor do
        // the settings of a compute that say how people sign in to it, what it runs on or
        // when it stops: none of them moves its packets.
        .filter(move |u| !(h.step == Step::Source && SOURCE_SETTINGS.contains(&u.field.as_str())))
}

/// Fields of a source that no flow from it depends on.
const SOURCE_SETTINGS: &[&str] = &[
    "region",
    "disable_local_auth",
    "idle_time_before_shutdown",
    "vm_size",
    "identity",
    "tags",
];

fn run(w: &mut Walk, place: &Place, tg: &Target) -> Walked {
    // A target the input does not declare: what it accepts is unknown, from any source.
    if let Some(a) = &tg.external_target {
        w.touch(a.to_string());
        let by = connecting_endpoints(w.e, a);
        let why = if by.is_empty() {
            format!(
                "workspace {} names it",
                naming_workspaces(w.e, a).join(", ")
            )
        } else {
            format!("private endpoint {} connects to it", by.join(", "))
        };
        return w.unknown(
            Step::Destination,
            tg.label.clone(),
            Code::DestExternal,
            format!(
                "{a} is not declared by the input ({why}): its public network access, network rules and the approval of its private endpoint connections are unknown"
            ),
            None,
            moat_model::external::properties_need(&a.to_string()),
        );
    }
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
        // A subnet the input does not declare has addresses it does not give.
        if tg.external_subnet.is_some() {
            external_ends(w, place, tg)?;
        }
        let Some(ip) = tg.ip.clone() else {
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
        let dst_subnet = match &ip {
            PrivateIp::Static(ip) => w.e.subnet_of(*ip),
            PrivateIp::Dynamic(a) => Some(a.subnet.clone()),
        };
        let Some(dst_subnet) = dst_subnet else {
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
        // The target gives its address itself (no name to resolve): the first hop of the
        // delivery carries it as data.
        w.address = Some(ip.clone());
        return w.deliver_private(&ip, &vnet, &src, None);
    }
    external_ends(w, place, tg)?;
    if let Place::Subnet { nic, .. } = place {
        w.src_nic = *nic;
    }
    let dst = resolve(w, place, tg)?;
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
            // A network interface with a public IP receives from the internet through it.
            Dst::Private { ip, .. } if let Some(ni) = w.nic_with_public_ip(ip) => {
                w.nic_public_arrival(ni, ip, egress)
            }
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

/// A flow from or to an external subnet (one the input refers to but does not declare): its
/// addresses, NSG, route table and DNS are unknown, so is every verdict that leaves or
/// enters it.
fn external_ends(w: &mut Walk, place: &Place, tg: &Target) -> Walked {
    let external = |s: &str| {
        w.e.subnet_at(s)
            .is_some_and(|(v, i)| w.t().virtual_networks[v].subnets[i].external)
    };
    if let Place::Subnet { subnet, label, .. } = place
        && external(subnet)
    {
        w.touch_fmt(format_args!("subnet/{subnet}"));
        return w.unknown(
            Step::Source,
            label.clone(),
            Code::SourceExternal,
            format!("subnet {subnet} is not declared by the input: its addresses, NSG, routes and DNS are unknown"),
            None,
            moat_model::external::properties_need(&format!("subnet/{subnet}")),
        );
    }
    if let Some(subnet) = tg.external_subnet.as_deref() {
        w.touch_fmt(format_args!("subnet/{subnet}"));
        return w.unknown(
            Step::Destination,
            tg.label.clone(),
            Code::DestExternal,
            format!(
                "subnet {subnet} is not declared by the input: its addresses and NSG are unknown"
            ),
            None,
            moat_model::external::properties_need(&format!("subnet/{subnet}")),
        );
    }
    Ok(())
}

/// The private endpoints that connect to `a`, a resource the input does not declare
/// (compared without sub-resource).
fn connecting_endpoints<'e>(e: &'e Engine, a: &Address) -> &'e [&'e str] {
    e.external_endpoints
        .get(&strip_sub(a))
        .map_or(&[], Vec::as_slice)
}

/// The workspaces that name `a` as their storage account, key vault or container registry
/// without the input declaring it.
fn naming_workspaces<'e>(e: &'e Engine, a: &Address) -> &'e [&'e str] {
    e.external_dependencies
        .get(&strip_sub(a))
        .map_or(&[], Vec::as_slice)
}

/// A destination the input does not declare but a private endpoint connects to (a key vault
/// of a shared subscription, given by id), or a workspace names as its storage account, key
/// vault or container registry: it exists, so a trace to it is not an error, and what decides
/// whether it accepts the flow is unknown. `None` for any other missing name.
fn external_target(e: &Engine, to: &Address) -> Option<Target> {
    let Address::Resource { .. } = to else {
        return None;
    };
    if moat_model::external::target_declared(&e.ix, &strip_sub(to))
        || (connecting_endpoints(e, to).is_empty() && naming_workspaces(e, to).is_empty())
    {
        return None;
    }
    Some(Target {
        label: strip_sub(to).to_string(),
        fqdn: None,
        owner: Some(to.clone()),
        group: None,
        ip: None,
        tag: None,
        served_by: None,
        external_subnet: None,
        external_target: Some(strip_sub(to)),
    })
}

/// Whether an unresolved NSG rule comes after the rule that decided a hop, so it cannot
/// change the hop's outcome (NSG rules are first-match in priority order); or whether the
/// open value is one the hop's own evaluation already tried every way (an NSG rule's open
/// priority, access or direction; a firewall rule's open addresses, ports or translation).
fn after_decision(e: &Engine, hop: &Hop, resource: &str, field: &str) -> bool {
    // Looked up in the model's index (the first of namesakes, as the walk reads it), not
    // scanned per unknown of every hop.
    let (t, ix) = (e.t, &e.ix);
    if let Some(name) = resource.strip_prefix("firewall/") {
        return ix
            .firewalls
            .get(name)
            .is_some_and(|&i| t.firewalls[i].carries(field));
    }
    if let Some(name) = resource.strip_prefix("firewall-policy/") {
        return ix
            .firewall_policies
            .get(name)
            .is_some_and(|&i| t.firewall_policies[i].carries(field));
    }
    let Some(nsg) = resource
        .strip_prefix("nsg/")
        .and_then(|n| ix.network_security_groups.get(n))
        .map(|&i| &t.network_security_groups[i])
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
    let Some(NsgDecision {
        direction,
        priority: Some(decided),
        ..
    }) = hop.nsg_rule.as_deref()
    else {
        return false;
    };
    let (direction, decided) = (*direction, *decided);
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
