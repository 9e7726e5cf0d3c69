//! Helpers for the workspace, registry, private endpoint, DNS, storage and key vault rules:
//! where resources are written, which private endpoints serve a resource, what a trace says
//! about the path it took, and what a private endpoint's names resolve to from a place.
//!
//! Nothing here decides reachability: traces and name resolution come from the engine.

use crate::context::Context;
use crate::rules::util::flow_finding;
use crate::{Finding, RuleDoc};
use moat_engine::Engine;
use moat_engine::OpId;
use moat_engine::Trace;
use moat_engine::ops::FlowResult;
use moat_engine::{Code, Step};
use moat_model::address::{Address, Kind};
use moat_model::deps::{ContainerRegistry, KeyVault, StorageAccount};
use moat_model::enums::{DefaultAction, PublicNetworkAccess};
use moat_model::privatelink::PrivateEndpoint;
use moat_model::{Provenance, Topology};
use moat_net::dns::{Answer, Resolution, Resolver};
use moat_net::names::{self, ResourceName};

/// The VNet part of a `vnet/subnet` reference.
pub fn vnet_part(subnet: &str) -> &str {
    subnet.split('/').next().unwrap_or(subnet)
}

/// The address of a subnet given as `vnet/subnet`.
pub fn subnet_address(subnet: &str) -> Option<Address> {
    let (vnet, s) = subnet.split_once('/')?;
    Some(Address::Subnet {
        vnet: vnet.to_string(),
        subnet: s.to_string(),
    })
}

/// The resource an address names, without its sub-resource.
pub fn strip_sub(a: &Address) -> Address {
    match a {
        Address::Resource { kind, name, .. } => Address::resource(*kind, name.clone()),
        other => other.clone(),
    }
}

/// Customer private endpoints whose target is the resource `kind/name` (any sub-resource).
pub fn endpoints_of<'t>(e: &Engine<'t>, kind: Kind, name: &str) -> Vec<&'t PrivateEndpoint> {
    e.ix.endpoints_of(e.t, kind, name).collect()
}

/// What leaves open which private endpoints the resource `kind/name` has (a Terraform module
/// that is given the resource but is not installed may deploy some), in the words of a
/// finding's `needs`; a finding that rests on the endpoints a resource lacks is then undecided.
pub fn endpoints_open(t: &Topology, kind: Kind, name: &str) -> Option<String> {
    let resource = format!("{}/{name}", kind.as_str());
    t.is_unknown(&resource, "private_endpoints")
        .filter(|u| u.field == "private_endpoints")
        .map(|u| format!("private endpoints of {resource}: {} ({})", u.reason, u.at))
}

/// The private endpoint a trace went through, if it reached its destination through one.
pub fn endpoint_used<'t>(cx: &Context<'_, 't>, trace: &Trace) -> Option<&'t PrivateEndpoint> {
    let hop = trace
        .hops
        .iter()
        .find(|h| h.step == Step::PrivateEndpoint && h.code == Code::PeApproved)?;
    let Some(Address::Resource {
        kind: Kind::PrivateEndpoint,
        name,
        ..
    }) = hop.subject.as_deref()
    else {
        return None;
    };
    // The first endpoint of that name, as the index keeps it.
    let &i = cx.e.ix.private_endpoints.get(name.as_str())?;
    Some(&cx.t.private_endpoints[i])
}

/// The private endpoints of `workspace` a flow may go through: the one its trace went through
/// or, when what the input leaves open makes the trace unknown before it reached one, any of
/// the workspace's (each may be the one the flow takes; the trace keeps the finding undecided).
pub fn endpoints_maybe_used<'t>(
    cx: &Context<'_, 't>,
    trace: &Trace,
    workspace: &str,
) -> Vec<&'t PrivateEndpoint> {
    match endpoint_used(cx, trace) {
        Some(pe) => vec![pe],
        None if trace.verdict == moat_engine::Verdict::Unknown => {
            endpoints_of(cx.e, Kind::Workspace, workspace)
        }
        None => Vec::new(),
    }
}

/// Whether a trace reached its destination through a private endpoint (customer or managed).
pub fn reached_privately(trace: &Trace) -> bool {
    trace
        .hops
        .iter()
        .any(|h| matches!(h.code, Code::PeApproved | Code::MvnPrivateEndpoint))
}

/// Whether a trace may reach its destination through a private endpoint: it did, or what the
/// input leaves open made it unknown before name resolution settled on a public address (an
/// address space, a route or a zone the input leaves open may lead it to an endpoint).
pub fn maybe_reached_privately(trace: &Trace) -> bool {
    reached_privately(trace)
        || (trace.verdict == moat_engine::Verdict::Unknown
            && !trace.hops.iter().any(|h| {
                h.step == Step::Dns
                    && h.decision != moat_engine::HopDecision::Unknown
                    && matches!(h.code, Code::DnsPublicEndpoint | Code::DnsPublic)
            }))
}

/// Whether the destination name resolved to a private address on the way.
pub fn resolved_privately(trace: &Trace) -> bool {
    trace
        .hops
        .iter()
        .any(|h| matches!(h.code, Code::DestAddress | Code::DnsManagedPe))
}

/// A finding for a traced flow (an error when denied, a warning saying what is missing when
/// the model cannot decide), carrying the trace.
pub fn trace_finding(
    doc: &RuleDoc,
    resource: String,
    what: String,
    trace: Trace,
    at: &Provenance,
) -> Finding {
    let f = FlowResult {
        purpose: String::new(),
        verdict: trace.verdict,
        trace: trace.into(),
    };
    flow_finding(doc, resource, what, &f, at)
}

/// Whether a resource may be restricted to selected networks or private access: public access
/// Disabled, a firewall that denies by default, or public access SecuredByPerimeter, where the
/// perimeter's access rules decide ("Enforced: the resource obeys only network security
/// perimeter access rules"). A finding that rests on the last names those rules
/// ([`crate::rules::sec::perimeter_needs`]).
fn restricted(pna: PublicNetworkAccess, default_action: DefaultAction) -> bool {
    pna != PublicNetworkAccess::Enabled || default_action == DefaultAction::Deny
}

/// Whether a storage account may be restricted to selected networks or private access (see
/// [`restricted`]).
pub fn storage_restricted(s: &StorageAccount) -> bool {
    restricted(s.public_network_access, s.network_rules.default_action)
}

/// Whether a key vault may be restricted to selected networks or private access (see
/// [`restricted`]).
pub fn keyvault_restricted(k: &KeyVault) -> bool {
    restricted(k.public_network_access, k.network_acls.default_action)
}

/// Whether a container registry may be restricted to selected networks or private access
/// (see [`restricted`]).
pub fn acr_restricted(a: &ContainerRegistry) -> bool {
    restricted(a.public_network_access, a.network_rule_set.default_action)
}

pub use moat_engine::ops::acr_behind_vnet;

/// The storage account of a name.
pub fn storage<'t>(cx: &Context<'_, 't>, name: &str) -> Option<&'t StorageAccount> {
    cx.e.ix
        .storage_accounts
        .get(name)
        .map(|&i| &cx.t.storage_accounts[i])
}

/// The key vault of a name.
pub fn keyvault<'t>(cx: &Context<'_, 't>, name: &str) -> Option<&'t KeyVault> {
    cx.e.ix.key_vaults.get(name).map(|&i| &cx.t.key_vaults[i])
}

/// The container registry of a name.
pub fn acr<'t>(cx: &Context<'_, 't>, name: &str) -> Option<&'t ContainerRegistry> {
    cx.e.ix
        .container_registries
        .get(name)
        .map(|&i| &cx.t.container_registries[i])
}

/// Where a VNet is written.
pub fn vnet_at(cx: &Context, name: &str) -> Provenance {
    cx.e.ix
        .virtual_networks
        .get(name)
        .map(|&i| cx.t.virtual_networks[i].at.clone())
        .unwrap_or_default()
}

/// Where an online endpoint is written.
pub fn online_endpoint_at(cx: &Context, name: &str) -> Provenance {
    cx.e.ix
        .online_endpoints
        .get(name)
        .map(|&i| cx.t.online_endpoints[i].at.clone())
        .unwrap_or_default()
}

/// Where an AKS cluster is written.
pub fn aks_at(cx: &Context, name: &str) -> Provenance {
    cx.e.ix
        .aks_clusters
        .get(name)
        .map(|&i| cx.t.aks_clusters[i].at.clone())
        .unwrap_or_default()
}

/// The clients that perform any of `ops`, in name order, without repeats.
pub fn clients_doing_any(cx: &Context, ops: &[OpId]) -> Vec<String> {
    let mut v: Vec<String> = ops
        .iter()
        .flat_map(|o| cx.intent.clients_doing(*o))
        .map(str::to_string)
        .collect();
    v.sort();
    v.dedup();
    v
}

/// A name a private endpoint serves, and the address a trace uses to reach it.
pub struct ServedName {
    pub name: ResourceName,
    pub address: Address,
}

/// The names a private endpoint serves that a client resolves (wildcard, certificate and
/// container registry data-endpoint names are left out: they share the zone and the record
/// source of the names kept), each with the address that reaches it.
pub fn served_names(t: &Topology, ix: &moat_model::Index, pe: &PrivateEndpoint) -> Vec<ServedName> {
    let Address::Resource { kind, .. } = &pe.target else {
        return Vec::new();
    };
    names::endpoint_names(t, ix, &pe.target, &pe.group_id)
        .into_iter()
        .filter(|n| {
            !n.fqdn.contains('*') && !n.fqdn.contains(".cert.") && !n.fqdn.contains(".data.")
        })
        .map(|n| {
            let address = match kind {
                Kind::Workspace if n.zone.contains("notebooks") => {
                    strip_sub(&pe.target).with_sub("notebooks")
                }
                Kind::Workspace => strip_sub(&pe.target),
                Kind::Storage => strip_sub(&pe.target).with_sub(n.group_id),
                _ => pe.target.clone(),
            };
            ServedName { name: n, address }
        })
        .collect()
}

/// Whether an answer is the address of `pe` or of another private endpoint with the same
/// target and group (an endpoint of the same resource in a connected VNet serves it as well).
/// An address Azure assigns is the endpoint's by identity, never by value.
pub fn answer_is_endpoint_of(t: &Topology, answer: &Answer, pe: &PrivateEndpoint) -> bool {
    let Answer::Private { ip, .. } = answer else {
        return false;
    };
    let is = |p: &PrivateEndpoint| match ip {
        moat_model::PrivateIp::Static(ip) => {
            p.ip_address == Some(*ip) || p.member_addresses.contains(ip)
        }
        moat_model::PrivateIp::Dynamic(a) => {
            a.holder.strip_prefix("private-endpoint/") == Some(p.name.as_str())
        }
    };
    t.private_endpoints
        .iter()
        .any(|p| is(p) && p.target == pe.target && p.group_id.eq_ignore_ascii_case(&pe.group_id))
}

/// The resolver used from a subnet (`vnet/subnet`), as the engine places it.
pub fn resolver_of_subnet(cx: &Context, subnet: &str) -> Option<Resolver> {
    let place = cx.e.place(&subnet_address(subnet)?).ok()?;
    Some(cx.e.resolver_of(&place))
}

/// Resolves `name` from a resolver with the engine's name space.
pub fn resolve(cx: &Context, name: &str, from: &Resolver) -> Resolution {
    cx.e.dns.resolve(name, from)
}

/// A short description of a resolution's answer, for messages.
pub fn describe_answer(a: &Answer) -> String {
    match a {
        Answer::Private { ip, zone, .. } => format!("{ip} (zone {zone})"),
        Answer::ManagedPrivate { rule, .. } => format!("the managed private endpoint {rule}"),
        Answer::Public { fqdn } => format!("the public address of {fqdn}"),
        Answer::NxDomain { why } => format!("no address ({why})"),
        Answer::Unknown { why } => format!("an unknown answer ({why})"),
    }
}

/// Whether a resolution went through a lookup of a linked zone that lacked the record (a zone
/// group or record problem rather than a forwarding one).
pub fn hit_linked_zone_without_record(r: &Resolution) -> bool {
    r.steps.iter().any(|s| s.code == Code::DnsZoneNoRecord)
}

/// Whether a resource-access rule names a registry (`Microsoft.MachineLearningServices/registries`).
pub fn is_registry_instance_rule(resource_type: &str) -> bool {
    let rt = resource_type.to_ascii_lowercase();
    rt.starts_with("microsoft.machinelearning") && rt.ends_with("/registries")
}

/// The sub-resource groups of a set of private endpoints, lower case.
pub fn groups(pes: &[&PrivateEndpoint]) -> Vec<String> {
    let mut g: Vec<String> = pes
        .iter()
        .map(|p| p.group_id.to_ascii_lowercase())
        .collect();
    g.sort();
    g.dedup();
    g
}

/// The workspace private endpoints studio users come in through: for each client that opens
/// studio or previews data (declared or assumed), the endpoint its path to the workspace API
/// takes, with that trace. Clients that reach the workspace otherwise (publicly, or not at
/// all) are left out; a client whose path the input leaves open is kept, with its undecided
/// trace (it may come in through that endpoint).
pub fn studio_endpoints<'t>(
    cx: &Context<'_, 't>,
    workspace: &str,
) -> Vec<(String, &'t PrivateEndpoint, Trace)> {
    let to = Address::resource(Kind::Workspace, workspace);
    clients_doing_any(cx, &[OpId::StudioOpen, OpId::StudioData])
        .into_iter()
        .filter_map(|c| {
            let t = cx.trace(
                Address::resource(Kind::Client, &c),
                to.clone(),
                moat_packets::Protocol::TCP,
                443,
            )?;
            if t.verdict == moat_engine::Verdict::Denied {
                return None;
            }
            let pes = endpoints_maybe_used(cx, &t, workspace);
            Some(pes.into_iter().map(move |pe| (c.clone(), pe, t.clone())))
        })
        .flatten()
        .collect()
}
