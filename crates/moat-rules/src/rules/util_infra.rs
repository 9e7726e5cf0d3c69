//! Helpers shared by the infrastructure rules (ACR, CMP, EP, MVN, OUT, NET, EXF, MON): where
//! computes send traffic from, flows with documented alternatives, and findings built from
//! traces.

use crate::context::Context;
use crate::rules::util::flow_finding;
use crate::{Finding, RuleDoc, Severity};
use moat_engine::ops::FlowResult;
use moat_engine::{Code, Step};
use moat_engine::{Trace, Verdict};
use moat_model::address::{Address, Kind};
use moat_model::enums::PublicNetworkAccess;
use moat_model::ml::{Compute, Workspace};
use moat_model::{Provenance, Topology};
use moat_packets::Protocol;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

/// Where a group of computes sends its traffic from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A subnet of a customer VNet (`vnet/subnet`).
    Subnet(String),
    /// The workspace managed network.
    Managed,
    /// No VNet and no managed network (Azure's shared network).
    NoVnet,
    /// A network the input leaves open, as the engine leaves it
    /// ([`moat_engine::Engine::open_place`]): a project's compute outside a subnet, whose hub
    /// the input does not declare. The engine's name for it, and what it needs.
    Open { label: String, need: String },
}

/// Computes that leave the same way: one subnet (and the same public-IP setting, which decides
/// their egress), one managed network, or a single compute outside any network.
pub struct ComputeGroup<'t> {
    /// The subject of findings: `subnet/<vnet>/<subnet>`, `workspace/<n>`, `compute/<n>`.
    pub resource: String,
    pub at: Provenance,
    pub origin: Origin,
    pub workspace: &'t Workspace,
    pub computes: Vec<&'t Compute>,
}

impl ComputeGroup<'_> {
    /// The compute traced for the whole group.
    pub fn probe(&self) -> Address {
        Address::resource(Kind::Compute, &self.computes[0].name)
    }

    /// The computes' names, for messages.
    pub fn names(&self) -> String {
        self.computes
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The region the group's traffic starts in: its VNet's, else its workspace's.
    pub fn region(&self, cx: &Context) -> Option<String> {
        match &self.origin {
            Origin::Subnet(s) => vnet_region(cx, s.split('/').next().unwrap_or_default())
                .or_else(|| self.workspace.region.clone()),
            _ => self.workspace.region.clone(),
        }
    }

    /// Where the group sits, in words (`subnet vnet/training`).
    pub fn place(&self) -> String {
        match &self.origin {
            Origin::Subnet(s) => format!("subnet {s}"),
            Origin::Managed => format!("the managed network of workspace {}", self.workspace.name),
            Origin::NoVnet => format!("compute {} (no VNet)", self.computes[0].name),
            Origin::Open { label, .. } => label.clone(),
        }
    }

    /// Whether a compute of the group is a compute instance.
    pub fn has_instance(&self) -> bool {
        self.computes
            .iter()
            .any(|c| c.compute_type == moat_model::enums::ComputeType::ComputeInstance)
    }
}

/// The computes of the topology grouped by where they leave from, keeping input order.
pub fn compute_groups<'t>(
    cx: &Context<'_, 't>,
    keep: impl Fn(&Compute) -> bool,
) -> Vec<ComputeGroup<'t>> {
    let t: &'t Topology = cx.t;
    let mut out: Vec<ComputeGroup<'t>> = Vec::new();
    // (resource, node public IPs, workspace) -> the group's place in `out`: finding each compute's
    // group by a scan of the groups so far was quadratic in computes.
    let mut group_of: HashMap<(String, bool, &'t str), usize> = HashMap::new();
    for c in t.computes.iter().filter(|c| keep(c)) {
        let Some(w) =
            cx.e.ix
                .workspaces
                .get(&c.workspace)
                .map(|&i| &t.workspaces[i])
        else {
            continue;
        };
        // A project's computes run in its hub's managed network (facts §6 item 99), as the
        // engine places them: the group is the hub's.
        let network = moat_net::names::network_workspace(t, &cx.e.ix, &c.workspace).unwrap_or(w);
        let open = c
            .subnet
            .is_none()
            .then(|| cx.e.open_place(&Address::resource(Kind::Compute, &c.name)))
            .flatten();
        let (origin, resource, at, public_ip) = match (&c.subnet, open) {
            // Its own workspace's settings do not say where it sits: one group per compute.
            (None, Some((label, _, need))) => (
                Origin::Open { label, need },
                format!("compute/{}", c.name),
                c.at.clone(),
                c.enable_node_public_ip,
            ),
            (Some(s), _) => (
                Origin::Subnet(s.clone()),
                format!("subnet/{s}"),
                subnet_at(cx, s),
                c.enable_node_public_ip,
            ),
            (None, None) if network.managed_network.enabled() => (
                Origin::Managed,
                format!("workspace/{}", network.name),
                network.at.clone(),
                false,
            ),
            (None, None) => (
                Origin::NoVnet,
                format!("compute/{}", c.name),
                c.at.clone(),
                c.enable_node_public_ip,
            ),
        };
        let w = if origin == Origin::Managed {
            network
        } else {
            w
        };
        match group_of.entry((resource, public_ip, w.name.as_str())) {
            Entry::Occupied(g) => out[*g.get()].computes.push(c),
            Entry::Vacant(slot) => {
                let resource = slot.key().0.clone();
                slot.insert(out.len());
                out.push(ComputeGroup {
                    resource,
                    at,
                    origin,
                    workspace: w,
                    computes: vec![c],
                });
            }
        }
    }
    out
}

/// Where a subnet (`vnet/subnet`) is written.
pub fn subnet_at(cx: &Context, key: &str) -> Provenance {
    let (v, s) = key.split_once('/').unwrap_or((key, ""));
    // The first VNet of that name, as the index keeps it.
    cx.e.ix
        .virtual_networks
        .get(v)
        .map(|&i| &cx.t.virtual_networks[i])
        .and_then(|x| x.subnets.iter().find(|y| y.name == s))
        .map(|y| y.at.clone())
        .unwrap_or_default()
}

/// The region of a VNet, when known (of the first declared of its name).
pub fn vnet_region(cx: &Context, vnet: &str) -> Option<String> {
    let i = *cx.e.ix.virtual_networks.get(vnet)?;
    cx.t.virtual_networks[i].region.clone()
}

/// Whether a customer private endpoint targets the workspace.
pub fn has_workspace_endpoint(cx: &Context, workspace: &str) -> bool {
    cx.e.ix
        .endpoints_of(cx.t, Kind::Workspace, workspace)
        .next()
        .is_some()
}

/// A workspace secured for the network: public access Disabled, a private endpoint, or a
/// managed network.
pub fn is_secure(cx: &Context, w: &Workspace) -> bool {
    w.public_network_access == PublicNetworkAccess::Disabled
        || has_workspace_endpoint(cx, &w.name)
        || w.managed_network.enabled()
}

/// Whether a workspace may be secured for the network, and what that rests on: `Some(None)`
/// when it is ([`is_secure`]); `Some(Some(need))` when it is so only if its public access
/// SecuredByPerimeter closes it, which its perimeter's access rules decide; `None` otherwise.
pub fn maybe_secure(cx: &Context, w: &Workspace) -> Option<Option<String>> {
    if is_secure(cx, w) {
        return Some(None);
    }
    let r = format!("workspace/{}", w.name);
    crate::rules::sec::secured_by_perimeter(cx, &r)
        .then(|| crate::rules::sec::needs(cx, &r, crate::rules::sec::PUBLIC_ACCESS))
}

/// The VNets holding private endpoints to `target` (any sub-resource).
pub fn endpoint_vnets(cx: &Context, kind: Kind, name: &str) -> Vec<String> {
    let mut v: Vec<String> =
        cx.e.ix
            .endpoints_of(cx.t, kind, name)
            .map(|p| p.subnet.split('/').next().unwrap_or_default().to_string())
            .collect();
    v.sort();
    v.dedup();
    v
}

/// Traces one flow from `from`.
pub fn trace(
    cx: &Context,
    from: &Address,
    to: Address,
    protocol: Protocol,
    port: u16,
) -> Option<Trace> {
    cx.trace(from.clone(), to, protocol, port)
}

/// A flow a place needs, with the documented alternatives that satisfy it as well (every
/// alternative must pass, for instance the FQDNs that replace a service tag).
pub struct Need {
    /// What it is for, in words.
    pub label: String,
    pub to: Address,
    pub protocol: Protocol,
    pub port: u16,
    pub alternatives: Vec<Address>,
}

impl Need {
    /// A need without alternatives.
    pub fn new(label: impl Into<String>, to: Address, protocol: Protocol, port: u16) -> Need {
        Need {
            label: label.into(),
            to,
            protocol,
            port,
            alternatives: Vec::new(),
        }
    }

    /// The same need, also met when every one of `alternatives` passes.
    pub fn or_all(mut self, alternatives: Vec<Address>) -> Need {
        self.alternatives = alternatives;
        self
    }

    /// `tag:X tcp/443`, for messages.
    pub fn describe(&self) -> String {
        format!("{} {}/{}", self.to, self.protocol, self.port)
    }
}

/// The failing trace of a need from `from`, or `None` when it is met (by the main destination
/// or by all its alternatives) or cannot be traced. When the main destination fails and the
/// alternatives are not denied but some cannot be decided, the undecided alternative is the
/// answer (a warning saying what is missing), not the main destination's denial.
pub fn unmet(cx: &Context, from: &Address, need: &Need) -> Option<Trace> {
    let main = trace(cx, from, need.to.clone(), need.protocol, need.port)?;
    if main.verdict == Verdict::Allowed || need.alternatives.is_empty() {
        return (main.verdict != Verdict::Allowed).then_some(main);
    }
    let mut undecided = None;
    for a in &need.alternatives {
        let Some(t) = trace(cx, from, a.clone(), need.protocol, need.port) else {
            return Some(main);
        };
        match t.verdict {
            Verdict::Allowed => {}
            Verdict::Denied => return Some(main),
            Verdict::Unknown => {
                undecided.get_or_insert(t);
            }
        }
    }
    undecided
}

/// A finding for a flow that should pass and does not (denied: the rule's severity; unknown:
/// a warning saying what the model lacks), with its trace.
pub fn blocked_finding(
    doc: &RuleDoc,
    resource: impl Into<String>,
    what: impl Into<String>,
    t: Trace,
    at: &Provenance,
) -> Finding {
    // The engine's fix names a service tag by its address block; name the tag instead.
    let tag_fix = match (&t.to, t.blocked_by()) {
        (Address::Tag(tag), Some(h))
            if t.verdict == Verdict::Denied && matches!(h.step, Step::Nsg | Step::Firewall) =>
        {
            Some(format!(
                "allow {}/{} to service tag {tag} on {}",
                t.protocol, t.port, h.element
            ))
        }
        _ => None,
    };
    let f = FlowResult {
        purpose: String::new(),
        verdict: t.verdict,
        trace: t.into(),
    };
    let mut finding = flow_finding(doc, resource.into(), what.into(), &f, at);
    if let Some(fix) = tag_fix {
        finding.fix = fix;
    }
    finding
}

/// The finding of one flow on several ports (`ports`, the trace of each in `denied`): the
/// engine's fix names the port of the trace shown; when one NSG denies every port, the fix
/// names them all (`tcp/29876-29877`), so that following it admits the whole flow.
pub fn on_ports(mut f: Finding, denied: &[Trace], ports: &[u16]) -> Finding {
    let Some(t) = &f.trace else { return f };
    let element = |t: &Trace| t.blocked_by().map(|h| h.element_id());
    let one_element = denied
        .iter()
        .all(|d| d.verdict == Verdict::Denied && element(d).is_some() && element(d) == element(t));
    if ports.len() < 2 || !one_element {
        return f;
    }
    let mut sorted = ports.to_vec();
    sorted.sort_unstable();
    let all = crate::rules::util_fix::port_range(&sorted).unwrap_or_else(|| {
        sorted
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(",")
    });
    // An NSG rule's fix, written for every port; another element keeps the engine's fix,
    // written for the port of the trace shown.
    let Some(h) = t.blocked_by() else {
        return f;
    };
    if let (Code::NsgInboundDeny | Code::NsgOutboundDeny, Some(n)) = (h.code, &h.nsg_rule) {
        f.fix = moat_engine::trace::nsg_allow_fix(
            &n.nsg,
            n.direction,
            &format!("{}/{all}", t.protocol),
            &destination_of(t),
            n.priority.unwrap_or(65500),
        );
    }
    f
}

/// The destination of a trace as its hops established it, as a rule names it: the single
/// address it resolved to (the prefixes of the subnet Azure assigns it from, when Azure
/// does), else the address it was asked for.
fn destination_of(t: &Trace) -> String {
    t.hops
        .iter()
        .find_map(|h| h.address.as_deref())
        .map_or_else(
            || t.to.to_string(),
            |ip| match ip {
                moat_model::PrivateIp::Static(ip) => ip.to_string(),
                moat_model::PrivateIp::Dynamic(a) => moat_engine::trace::rule_prefixes(a),
            },
        )
}

/// A finding for a flow that should not pass and may: allowed flows are the documented risk
/// (the rule's severity); flows the model cannot decide are reported at most as warnings,
/// saying what is missing. Denied flows give no finding.
pub fn open_finding(
    doc: &RuleDoc,
    resource: impl Into<String>,
    what: &str,
    t: Trace,
    at: &Provenance,
) -> Option<Finding> {
    let message = match t.verdict {
        Verdict::Denied => return None,
        Verdict::Allowed => format!("{what} is open"),
        Verdict::Unknown => format!(
            "cannot tell whether {what} is closed: {}",
            t.missing
                .first()
                .cloned()
                .unwrap_or_else(|| "the model lacks a value".into())
        ),
    };
    let unknown = t.verdict == Verdict::Unknown;
    let mut f = Finding::new(doc, resource, message, doc.fix, at).with_trace(t);
    if unknown {
        f.severity = Severity::Warning.min(doc.severity);
    }
    Some(f)
}

/// Of two failing traces, the one that explains better: a denied trace before an undecided one,
/// otherwise the first.
pub fn worst(a: Option<Trace>, b: Trace) -> Option<Trace> {
    match a {
        Some(x) if !(x.verdict == Verdict::Unknown && b.verdict == Verdict::Denied) => Some(x),
        _ => Some(b),
    }
}

/// The destination address a trace resolved to, when it is a single address.
pub fn dest_ip(t: &Trace) -> Option<&moat_model::PrivateIp> {
    t.hops
        .iter()
        .find(|h| h.code == Code::DestAddress)
        .and_then(|h| h.address.as_deref())
}

/// The VNet a flow starts in, when its source sits in one.
pub fn source_vnet(cx: &Context, from: &Address) -> Option<String> {
    let (t, ix) = (cx.t, &cx.e.ix);
    let nic_vnet = |vm: &str| {
        ix.virtual_machines
            .get(vm)
            .and_then(|&i| t.virtual_machines[i].network_interfaces.first())
            .and_then(|n| ix.network_interfaces.get(n))
            .map(|&i| {
                let n = &t.network_interfaces[i];
                n.subnet.split('/').next().unwrap_or_default().to_string()
            })
    };
    let subnet_vnet = |s: &Option<String>| {
        s.as_ref()
            .map(|s| s.split('/').next().unwrap_or_default().to_string())
    };
    match from {
        Address::Subnet { vnet, .. } => Some(vnet.clone()),
        Address::Ip(ip) => {
            cx.e.subnet_of(*ip)
                .map(|s| s.split('/').next().unwrap_or_default().to_string())
        }
        Address::Resource { kind, name, .. } => match kind {
            Kind::Compute => ix
                .computes
                .get(name)
                .and_then(|&i| subnet_vnet(&t.computes[i].subnet)),
            Kind::Aks => ix
                .aks_clusters
                .get(name)
                .and_then(|&i| subnet_vnet(&t.aks_clusters[i].subnet)),
            Kind::Vm => nic_vnet(name),
            Kind::Client => match ix.clients.get(name).map(|&i| &t.clients[i].location) {
                Some(moat_model::clients::ClientPlace::Vm(vm)) => nic_vnet(vm),
                _ => None,
            },
            _ => None,
        },
        _ => None,
    }
}

/// Where a VNet is written.
pub fn vnet_at(t: &Topology, vnet: &str) -> Provenance {
    t.virtual_networks
        .iter()
        .find(|v| v.name == vnet)
        .map(|v| v.at.clone())
        .unwrap_or_default()
}
