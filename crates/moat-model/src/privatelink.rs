//! Private endpoints and name resolution: private DNS zones, custom DNS servers, private resolvers.

use crate::Provenance;
use crate::address::Address;
use crate::enums::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::IpAddr;

fn approved() -> ConnectionState {
    ConnectionState::Approved
}

/// A private endpoint (`Microsoft.Network/privateEndpoints`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PrivateEndpoint {
    pub name: String,
    #[serde(default)]
    pub region: Option<String>,
    /// Subnet (`vnet/subnet`).
    pub subnet: String,
    /// Target resource: `workspace/ws`, `registry/contosoreg`, `registry/contosoreg:storage`,
    /// `registry/contosoreg:acr`, `storage/x`, `keyvault/x`, `acr/x`, `ampls/x`.
    pub target: Address,
    /// Group id (sub-resource): `amlworkspace`, `amlregistry`, `blob`, `file`, `queue`, `table`,
    /// `dfs`, `vault`, `registry`, `azuremonitor`.
    pub group_id: String,
    /// The endpoint's private IP, when static; absent, Azure assigns one of the subnet's free
    /// addresses at deployment (see [`crate::addressing`]).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub ip_address: Option<IpAddr>,
    /// Further addresses the endpoint holds: a target of several members (a workspace's API,
    /// notebooks and inference hosts, a container registry's data endpoint) gets one address
    /// per member, as a deployed endpoint's network interface lists them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "Vec<String>")]
    pub member_addresses: Vec<IpAddr>,
    /// Connection state on the target; Azure auto-approves when the creator may approve.
    #[serde(default = "approved")]
    pub connection_state: ConnectionState,
    /// Private DNS zones in the endpoint's DNS zone group (zone names, or
    /// `<resource_group>/<zone>`); Azure writes the A records.
    #[serde(default)]
    pub dns_zone_group: Vec<String>,
    /// When the endpoint was created (`YYYY-MM-DD`, or a timestamp starting with it), declared
    /// for one that exists already; templates create theirs when they are deployed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(
        rename = "$at",
        default,
        skip_serializing_if = "Provenance::is_unknown"
    )]
    #[schemars(skip)]
    pub at: Provenance,
}

/// A private DNS zone (`Microsoft.Network/privateDnsZones`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PrivateDnsZone {
    /// Zone name (`privatelink.api.azureml.ms`).
    pub name: String,
    /// Resource group, when two zones of the same name exist (isolated VNets each with their
    /// own copy); references then write `<resource_group>/<zone>`.
    #[serde(default)]
    pub resource_group: Option<String>,
    /// VNets linked to the zone (names).
    #[serde(default)]
    pub vnet_links: Vec<String>,
    /// Records written by hand (zone groups add their own).
    #[serde(default)]
    pub records: Vec<DnsRecord>,
    /// Resolve names missing from the zone on the internet (`resolutionPolicy: NxDomainRedirect`).
    #[serde(default)]
    pub fallback_to_internet: bool,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Referred to but not declared by the input (a zone in another subscription that a private
    /// endpoint's zone group writes into): which VNets it is linked to, and its other records,
    /// are unknown.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub external: bool,
    #[serde(
        rename = "$at",
        default,
        skip_serializing_if = "Provenance::is_unknown"
    )]
    #[schemars(skip)]
    pub at: Provenance,
}

impl PrivateDnsZone {
    /// The key references use: `<resource_group>/<zone>` when a resource group is given.
    pub fn key(&self) -> String {
        match &self.resource_group {
            Some(rg) => format!("{rg}/{}", self.name),
            None => self.name.clone(),
        }
    }
}

/// A record in a private DNS zone.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DnsRecord {
    /// Relative name (`<guid>.workspace.eastus`), `@` for the apex, or `*.x` wildcards.
    pub name: String,
    #[serde(rename = "type", default = "a_record")]
    pub record_type: RecordType,
    /// Addresses (A/AAAA) or a target name (CNAME). An A record may name the private
    /// endpoint whose address it holds (`private-endpoint/<name>`), as a configuration that
    /// reads the endpoint's address before Azure assigns it does.
    pub values: Vec<String>,
    #[serde(
        rename = "$at",
        default,
        skip_serializing_if = "Provenance::is_unknown"
    )]
    #[schemars(skip)]
    pub at: Provenance,
}

fn a_record() -> RecordType {
    RecordType::A
}

/// A DNS server the model knows how it answers: a VM or appliance in a VNet, an on-premises
/// server, or an Azure Firewall DNS proxy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DnsServer {
    pub name: String,
    /// The address it listens on.
    #[schemars(with = "String")]
    pub address: IpAddr,
    /// Conditional forwarders, most specific zone wins.
    #[serde(default)]
    pub forwarders: Vec<ConditionalForwarder>,
    /// Zones the server hosts itself (records answered directly).
    #[serde(default)]
    pub zones: Vec<HostedZone>,
    /// Where other names go: `recursive` (public resolution) or addresses to forward to.
    #[serde(default)]
    pub default: DnsDefault,
    #[serde(
        rename = "$at",
        default,
        skip_serializing_if = "Provenance::is_unknown"
    )]
    #[schemars(skip)]
    pub at: Provenance,
}

/// A conditional forwarder: queries under `zone` go to `to`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConditionalForwarder {
    /// The zone (`api.azureml.ms` or `privatelink.api.azureml.ms`).
    pub zone: String,
    /// Target servers (`168.63.129.16` = Azure DNS).
    #[schemars(with = "Vec<String>")]
    pub to: Vec<IpAddr>,
}

/// A zone a custom DNS server hosts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HostedZone {
    pub zone: String,
    #[serde(default)]
    pub records: Vec<DnsRecord>,
}

/// What a DNS server does with names no forwarder or zone covers.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum DnsDefault {
    /// Resolves recursively on the internet (public answers only).
    #[default]
    Recursive,
    /// Forwards everything else to these servers.
    #[schemars(with = "Vec<String>")]
    Forward(Vec<IpAddr>),
}

/// An Azure DNS Private Resolver (`Microsoft.Network/dnsResolvers`) with its endpoints.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DnsResolver {
    pub name: String,
    #[serde(default)]
    pub region: Option<String>,
    /// The VNet it resolves in (it sees the private zones linked to that VNet).
    pub vnet: String,
    /// Inbound endpoints (on-premises or other VNets send queries here).
    #[serde(default)]
    pub inbound_endpoints: Vec<ResolverEndpoint>,
    /// Outbound endpoints (used by forwarding rulesets).
    #[serde(default)]
    pub outbound_endpoints: Vec<ResolverEndpoint>,
    #[serde(
        rename = "$at",
        default,
        skip_serializing_if = "Provenance::is_unknown"
    )]
    #[schemars(skip)]
    pub at: Provenance,
}

/// An endpoint of a private resolver.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolverEndpoint {
    pub name: String,
    /// Subnet (`vnet/subnet`), delegated to `Microsoft.Network/dnsResolvers`.
    pub subnet: String,
    /// The inbound endpoint's IP, when static.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub ip_address: Option<IpAddr>,
}

/// A DNS forwarding ruleset (`Microsoft.Network/dnsForwardingRulesets`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DnsForwardingRuleset {
    pub name: String,
    #[serde(default)]
    pub region: Option<String>,
    /// Outbound endpoints (`resolver/endpoint`).
    #[serde(default)]
    pub outbound_endpoints: Vec<String>,
    /// VNets linked to the ruleset: their Azure DNS queries follow the rules.
    #[serde(default)]
    pub vnet_links: Vec<String>,
    #[serde(default)]
    pub rules: Vec<ForwardingRule>,
    #[serde(
        rename = "$at",
        default,
        skip_serializing_if = "Provenance::is_unknown"
    )]
    #[schemars(skip)]
    pub at: Provenance,
}

/// A forwarding rule of a ruleset.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ForwardingRule {
    pub name: String,
    /// Domain (`contoso.com.`); the most specific rule wins.
    pub domain_name: String,
    #[schemars(with = "Vec<String>")]
    pub target_dns_servers: Vec<IpAddr>,
    #[serde(default = "rule_enabled")]
    pub state: RuleState,
}

fn rule_enabled() -> RuleState {
    RuleState::Enabled
}
