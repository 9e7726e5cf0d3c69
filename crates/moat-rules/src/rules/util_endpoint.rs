//! Changes that add a private endpoint: the subnet it goes in, a name no endpoint has, and the
//! privatelink zones of its sub-resource (moat-net's table, the one place that fact is written),
//! created or linked to the endpoint's VNet where the model shows them missing.

use crate::change::{Change, EndpointZone};
use crate::context::Context;
use crate::rules::util_core::vnet_part;
use moat_model::address::{Address, Kind};
use moat_net::names::{self, zones_for_group};

/// Subnets Azure reserves for a gateway, a firewall, Bastion or a route server: none holds a
/// private endpoint.
const RESERVED: &[&str] = &[
    "GatewaySubnet",
    "AzureFirewallSubnet",
    "AzureFirewallManagementSubnet",
    "AzureBastionSubnet",
    "RouteServerSubnet",
];

/// Whether a private endpoint can go in the subnet `vnet/name`: it is declared, not reserved,
/// and not delegated to a service.
fn can_hold(cx: &Context, subnet: &str) -> bool {
    let Some(&(vi, si)) = cx.e.ix.subnets.get(subnet) else {
        return false;
    };
    let s = &cx.t.virtual_networks[vi].subnets[si];
    !RESERVED.iter().any(|r| r.eq_ignore_ascii_case(&s.name)) && s.delegations.is_empty()
}

/// The subnet of `vnet` a new private endpoint goes in, as a user would put it: beside the
/// workspace's private endpoint there (the registry documentation asks for that subnet), else
/// beside the target's own endpoints there, else in the subnet that holds the VNet's other
/// endpoints, else `near` — the subnet of the computes or clients that need the flow. `None`
/// when none of these is in the VNet and can hold it.
pub fn endpoint_subnet(
    cx: &Context,
    vnet: &str,
    workspace: Option<&str>,
    target: &Address,
    near: Option<&str>,
) -> Option<String> {
    let beside = |kind: Kind, name: &str| -> Option<String> {
        let mut subnets: Vec<&str> =
            cx.e.ix
                .endpoints_of(cx.t, kind, name)
                .map(|p| p.subnet.as_str())
                .filter(|s| vnet_part(s) == vnet && can_hold(cx, s))
                .collect();
        subnets.sort_unstable();
        subnets.first().map(|s| s.to_string())
    };
    let own = match target {
        Address::Resource { kind, name, .. } => beside(*kind, name),
        _ => None,
    };
    workspace
        .and_then(|w| beside(Kind::Workspace, w))
        .or(own)
        .or_else(|| {
            cx.endpoint_subnet_of(vnet)
                .filter(|s| can_hold(cx, s))
                .map(str::to_string)
        })
        .or_else(|| {
            near.filter(|s| vnet_part(s) == vnet && can_hold(cx, s))
                .map(str::to_string)
        })
}

/// A name for the endpoint no endpoint of the deployment has: `<resource>-<group>-pe` (a
/// registry's part: `<registry>-<part>-pe`), numbered when it is taken.
fn endpoint_name(cx: &Context, target: &Address, group_id: &str) -> Option<String> {
    let Address::Resource { name, sub, .. } = target else {
        return None;
    };
    // A namesake is named `<name>@<resource group>`; its endpoint takes the plain name.
    let base = name.split('@').next().unwrap_or(name);
    let stem = match sub {
        Some(part) => format!("{base}-{part}-pe"),
        None => format!("{base}-{}-pe", group_id.to_ascii_lowercase()),
    };
    let taken = |n: &str| cx.e.ix.private_endpoints.contains_key(n);
    if !taken(&stem) {
        return Some(stem);
    }
    (2..100).map(|i| format!("{stem}-{i}")).find(|n| !taken(n))
}

/// The zone of that name the endpoint's zone group names, and what it lacks for `vnet`: none
/// declared (created and linked), one not linked there (linked). A zone the input refers to
/// without declaring has unknown links: none is added. `None` when that zone holds the record
/// of another endpoint of the same target and group: a zone has one record per name, so the
/// two endpoints would take it from each other, and which copy of the zone the new one needs
/// (isolated networks each keep their own) is the user's to say.
pub fn zone(
    cx: &Context,
    target: &Address,
    group_id: &str,
    name: &str,
    vnet: &str,
) -> Option<EndpointZone> {
    let t = cx.t;
    let found: Vec<&moat_model::privatelink::PrivateDnsZone> =
        match cx.e.ix.private_dns_zones.get(name) {
            Some(&i) => vec![&t.private_dns_zones[i]],
            // Several zones of the name (isolated networks each with their own copy).
            None => t
                .private_dns_zones
                .iter()
                .filter(|z| z.name.eq_ignore_ascii_case(name))
                .collect(),
        };
    let linked = found
        .iter()
        .find(|z| z.external || z.vnet_links.iter().any(|l| l == vnet));
    let chosen = linked.or(found.first());
    if let (Some(z), Address::Resource { kind, name: n, .. }) = (chosen, target) {
        let taken = cx.e.ix.endpoints_of(t, *kind, n).any(|p| {
            p.target == *target
                && p.group_id.eq_ignore_ascii_case(group_id)
                && p.dns_zone_group
                    .iter()
                    .any(|r| *r == z.name || *r == z.key())
        });
        if taken {
            return None;
        }
    }
    Some(match (linked, found.first()) {
        (Some(z), _) => EndpointZone {
            name: z.name.clone(),
            resource_group: z.resource_group.clone(),
            create: false,
            link: false,
        },
        (None, Some(z)) => EndpointZone {
            name: z.name.clone(),
            resource_group: z.resource_group.clone(),
            create: false,
            link: true,
        },
        (None, None) => EndpointZone {
            name: name.to_string(),
            resource_group: None,
            create: true,
            link: true,
        },
    })
}

/// The private endpoint of `target`'s sub-resource `group_id` in `subnet`, with its zone group.
pub fn add_endpoint(
    cx: &Context,
    target: &Address,
    group_id: &str,
    subnet: &str,
) -> Option<Change> {
    let vnet = vnet_part(subnet);
    let zones = zones_for_group(group_id)
        .iter()
        .map(|z| zone(cx, target, group_id, z, vnet))
        .collect::<Option<_>>()?;
    Some(Change::AddPrivateEndpoint {
        name: endpoint_name(cx, target, group_id)?,
        target: target.to_string(),
        group_id: group_id.to_string(),
        subnet: subnet.to_string(),
        zones,
    })
}

/// The endpoint of `target`'s `group_id` in `vnet`, placed by [`endpoint_subnet`]: none when
/// no subnet is determined.
pub fn endpoint_in(
    cx: &Context,
    target: &Address,
    group_id: &str,
    vnet: &str,
    workspace: Option<&str>,
    near: Option<&str>,
) -> Option<Change> {
    // An endpoint of that group there already: another one is not the fix.
    if let Address::Resource { kind, name, .. } = target {
        let there = cx.e.ix.endpoints_of(cx.t, *kind, name).any(|p| {
            p.target == *target
                && p.group_id.eq_ignore_ascii_case(group_id)
                && vnet_part(&p.subnet) == vnet
        });
        if there {
            return None;
        }
    }
    let subnet = endpoint_subnet(cx, vnet, workspace, target, near)?;
    add_endpoint(cx, target, group_id, &subnet)
}

/// The group id of the endpoint that serves `target` (a storage account's for `service`:
/// `blob`, `file`, ...), as moat-net's names of each resource give it.
pub fn group_of(target: &Address, service: &str) -> Option<&'static str> {
    let Address::Resource { kind, sub, .. } = target else {
        return None;
    };
    Some(match (kind, sub.as_deref()) {
        (Kind::Workspace, None) => names::workspace_api("", "").group_id,
        (Kind::Registry, None) => names::registry_api("", "").group_id,
        (Kind::Registry, Some("storage")) => names::storage("", "blob").group_id,
        (Kind::Registry, Some("acr")) => names::acr("").group_id,
        (Kind::Storage, None) => names::storage("", service).group_id,
        (Kind::Keyvault, None) => names::key_vault("").group_id,
        (Kind::Acr, None) => names::acr("").group_id,
        _ => return None,
    })
}

/// The subnet a flow starts from (a compute's, a client's VM's, a subnet's), as the engine
/// places it.
pub fn source_subnet(cx: &Context, from: &Address) -> Option<String> {
    match cx.e.place(from) {
        Ok(moat_engine::place::Place::Subnet { subnet, .. }) => Some(subnet),
        _ => None,
    }
}

/// The endpoint a flow denied on its way to `to` (a registry, its storage or its container
/// registry) needs, in the VNet the flow starts from, beside the workspace's endpoint there.
pub fn flow_endpoint(
    cx: &Context,
    workspace: Option<&str>,
    trace: &moat_engine::Trace,
    to: &Address,
) -> Option<Change> {
    if trace.verdict != moat_engine::Verdict::Denied {
        return None;
    }
    let subnet = source_subnet(cx, &trace.from)?;
    let g = group_of(to, "")?;
    endpoint_in(cx, to, g, vnet_part(&subnet), workspace, Some(&subnet))
}
