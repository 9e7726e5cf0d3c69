//! From ARM resources to the model.
//!
//! [`map_resource`] maps one resource with its properties already evaluated (unknown values
//! encoded as `{"$unknown": "<reason>"}`), so other importers that hold ARM resources (the
//! Terraform importer's `azapi_resource`) reuse it. References between resources are written
//! as ARM ids and resolved by [`finish`] once every resource is mapped: an id names the
//! resource the template deploys under that id, whatever expression produced it.
//!
//! What cannot be resolved is never dropped silently: an unknown field is recorded in
//! `topology.unknowns` and takes the most conservative value (see the crate documentation);
//! a reference to a resource the template does not deploy is recorded too, with a warning,
//! and neutralised so the model stays consistent.
//!
//! One module per resource family maps that family's resources and children and resolves
//! their references: [`ml`] (workspaces, registries, computes, endpoints), [`data`] (storage,
//! key vault, container registry, monitoring), [`network`] (VNets, subnets, NSGs, routes,
//! NICs), [`firewall`], [`gateways`] (on-premises and bastion), [`privatelink`] (private
//! endpoints and DNS), [`roles`]. [`read`] reads evaluated properties, [`context`] holds what
//! the mapping of one deployment shares, [`finish`] links it all.

use indexmap::IndexMap;
use ipnet::IpNet;
use moat_model::address::{Address, Kind as AddrKind};
use moat_model::deps::*;
use moat_model::enums::*;
use moat_model::firewall::*;
use moat_model::ml::*;
use moat_model::network::*;
use moat_model::privatelink::*;
use moat_model::values::{AddressPrefix, parse_net};
use moat_model::{Diagnostic, Open, Provenance, Topology, Unknown, Unmodelled};
use serde_json::Value as Json;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr};

mod context;
mod data;
mod external;
mod finish;
mod firewall;
mod gateways;
mod ids;
mod kinds;
mod ml;
mod network;
mod open_target;
mod policy_unknowns;
mod posture;
mod privatelink;
mod read;
mod roles;
mod rules;
mod scoped;
mod shares;
#[cfg(test)]
mod tests;
mod wording;

use context::*;
use privatelink::{address_of, target_raw};
use read::*;
use rules::{map_route, map_rule};

pub use context::MapContext;
pub use external::{ZoneScopes, admitted_external_subnet, plain_zone_keys, zone_scope};
pub use finish::finish;
pub(crate) use firewall::firewall_address;
pub(crate) use ids::resource_group_of;
pub use ids::{canonical_id, type_of_id};
use ids::{last_segment, parent_id};
use kinds::{ChildKind, child_kind};
pub use kinds::{Kind, kind_of, resource_label};
pub use roles::MANAGED_IDENTITY_PREFIX;
pub use wording::Input;

/// One ARM resource with evaluated properties.
#[derive(Clone, Debug, PartialEq)]
pub struct ArmResource {
    /// Full resource type (`Microsoft.Network/virtualNetworks/subnets`).
    pub rtype: String,
    /// Full ARM name (`vnet/subnet` for a child).
    pub name: String,
    /// The resolved resource id (unknown parts of a partly known id marked `⟨…⟩`).
    pub id: String,
    pub location: Option<String>,
    pub sku: Option<Json>,
    pub kind: Option<String>,
    pub identity: Option<Json>,
    /// Properties; an unknown value is `{"$unknown": "<reason>"}`.
    pub properties: Json,
    /// The API version the resource is sent to Azure with (`2023-09-01`); `None` when the
    /// input does not say. What a PUT does with a property left out can depend on it.
    pub api_version: Option<String>,
    pub at: Provenance,
}

/// Maps one ARM resource into the topology. Types the model does not cover go to
/// `topology.unmodelled`; references are resolved by [`finish`].
pub fn map_resource(t: &mut Topology, res: &ArmResource, ctx: &mut MapContext) {
    ctx.note_written(&res.properties);
    if let Some(ck) = child_kind(&res.rtype) {
        map_child(t, res, ck, ctx);
        return;
    }
    let Some(kind) = kind_of(&res.rtype) else {
        let lt = res.rtype.to_ascii_lowercase();
        if lt == "microsoft.authorization/roleassignments" {
            if !roles::map_role_assignment(t, res, ctx) {
                unmodelled(t, ctx, res);
            }
        } else if lt == "microsoft.containerservice/managedclusters" {
            ml::map_managed_cluster(t, res, ctx);
        } else {
            unmodelled(t, ctx, res);
        }
        return;
    };
    let rec = Rec::new(resource_label(&res.rtype, &res.name), &res.at);
    let map = match kind {
        Kind::Workspace => ml::map_workspace,
        Kind::Registry => ml::map_registry,
        Kind::Compute => ml::map_compute,
        Kind::OnlineEndpoint => ml::map_online_endpoint,
        Kind::Storage => data::map_storage,
        Kind::KeyVault => data::map_key_vault,
        Kind::Acr => data::map_acr,
        Kind::AppInsights => data::map_app_insights,
        Kind::Ampls => data::map_ampls,
        Kind::Vnet => network::map_vnet,
        Kind::Nsg => network::map_nsg,
        Kind::Asg => network::map_asg,
        Kind::RouteTable => network::map_route_table,
        Kind::NatGateway => network::map_nat_gateway,
        Kind::PublicIp => network::map_public_ip,
        Kind::Vm => network::map_vm,
        Kind::Nic => network::map_nic,
        Kind::ServiceEndpointPolicy => network::map_service_endpoint_policy,
        Kind::Firewall => firewall::map_firewall,
        Kind::FirewallPolicy => firewall::map_firewall_policy,
        Kind::IpGroup => firewall::map_ip_group,
        Kind::VnetGateway => gateways::map_vnet_gateway,
        Kind::LocalGateway => gateways::map_local_gateway,
        Kind::Connection => gateways::map_connection,
        Kind::Bastion => gateways::map_bastion,
        Kind::PrivateEndpoint => privatelink::map_private_endpoint,
        Kind::DnsZone => privatelink::map_dns_zone,
        Kind::DnsResolver => privatelink::map_dns_resolver,
        Kind::Ruleset => privatelink::map_ruleset,
        // Subnets are children; outbound endpoints and clusters are mapped by their parents.
        Kind::Subnet
        | Kind::ResolverOutbound
        | Kind::Aks
        | Kind::ResolverInbound
        | Kind::LogAnalytics
        | Kind::Identity => {
            unmodelled(t, ctx, res);
            flush(t, ctx, rec);
            return;
        }
    };
    map(t, res, rec, ctx);
}

/// Maps a child resource declared on its own; it joins its parent in [`finish`].
fn map_child(t: &mut Topology, res: &ArmResource, ck: ChildKind, ctx: &mut MapContext) {
    let leaf = last_segment(&res.name);
    let mut rec = Rec::new(format!("{}/{}", ck.label(), res.name), &res.at);
    let p = &res.properties;
    let leaf_json = Json::String(leaf.clone());
    let payload = match ck {
        ChildKind::Subnet => {
            let vnet = res
                .name
                .rsplit_once('/')
                .map(|(v, _)| v)
                .unwrap_or_default()
                .to_string();
            let default_outbound =
                network::default_outbound_when_absent(res.api_version.as_deref(), ctx.deployed);
            network::map_subnet(
                &leaf_json,
                Some(p),
                &vnet,
                &res.at,
                default_outbound,
                &mut rec,
            )
            .map(Payload::Subnet)
        }
        ChildKind::Peering => {
            network::map_peering(&leaf_json, Some(p), &res.at, &mut rec).map(Payload::Peering)
        }
        ChildKind::SecurityRule => {
            map_rule(&leaf_json, Some(p), &res.at, &mut rec).map(Payload::Rule)
        }
        ChildKind::Route => map_route(&leaf_json, Some(p), &res.at, &mut rec).map(Payload::Route),
        ChildKind::SepDefinition => Some(Payload::SepDefinition(network::map_sep_definition(
            Some(leaf.clone()),
            p,
            &mut rec,
        ))),
        ChildKind::RuleCollectionGroup => firewall::rule_collection_group(res, &leaf, &mut rec),
        ChildKind::ZoneGroup => privatelink::zone_group(res, &mut rec),
        ChildKind::VnetLink => privatelink::vnet_link(res, &mut rec),
        ChildKind::RecordA | ChildKind::RecordAaaa | ChildKind::RecordCname => {
            privatelink::record(ck, res, &leaf, &mut rec)
        }
        ChildKind::InboundEndpoint | ChildKind::OutboundEndpoint => {
            privatelink::resolver_endpoint(ck, res, &leaf, &mut rec)
        }
        ChildKind::ForwardingRule => privatelink::forwarding_rule(res, &leaf, &mut rec),
        ChildKind::RulesetLink => Some(Payload::RulesetLink(rec.id(
            p,
            &["virtualNetwork", "id"],
            "vnet_links",
        ))),
        ChildKind::OutboundRule => {
            ml::map_outbound_rule(&leaf, p, &res.at, &mut rec).map(Payload::OutboundRule)
        }
        ChildKind::OnlineDeployment => ml::online_deployment(res, &leaf, &mut rec),
        ChildKind::RegistryAsset => match shares::registry_asset(res, &mut rec) {
            Some(p) => Some(p),
            None => {
                // A version that is not read from a workspace declares no share.
                flush(t, ctx, rec);
                unmodelled(t, ctx, res);
                return;
            }
        },
        ChildKind::ScopedResource => Some(Payload::Scoped(rec.id(
            p,
            &["linkedResourceId"],
            "scoped_resources",
        ))),
    };
    // A child that is not imported still leaves its parent's list open where it is open.
    let payload = payload.or_else(|| (!rec.unknowns.is_empty()).then_some(Payload::Open));
    if let Some(payload) = payload {
        ctx.pending.push(Pending {
            kind: ck,
            res: res.clone(),
            payload,
        });
    }
    flush(t, ctx, rec);
}
