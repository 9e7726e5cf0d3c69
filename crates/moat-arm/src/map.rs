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

use indexmap::IndexMap;
use ipnet::IpNet;
use moat_model::address::{Address, Kind as AddrKind};
use moat_model::deps::*;
use moat_model::enums::*;
use moat_model::firewall::*;
use moat_model::ml::*;
use moat_model::network::*;
use moat_model::privatelink::*;
use moat_model::values::{AddressPrefix, PortRange, parse_net};
use moat_model::{Diagnostic, Level, Location, Provenance, Topology, Unknown, Unmodelled};
use serde_json::Value as Json;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr};

mod external;
mod open_target;
mod policy_unknowns;
mod posture;
mod rules;
mod scoped;
use rules::{map_route, map_rule};

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
    pub at: Provenance,
}

/// What model resource an ARM id resolves to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Workspace,
    Registry,
    Storage,
    KeyVault,
    Acr,
    AppInsights,
    Ampls,
    Vnet,
    Subnet,
    Nsg,
    Asg,
    RouteTable,
    NatGateway,
    PublicIp,
    Firewall,
    FirewallPolicy,
    IpGroup,
    VnetGateway,
    LocalGateway,
    Connection,
    Bastion,
    Vm,
    Nic,
    ServiceEndpointPolicy,
    PrivateEndpoint,
    DnsZone,
    DnsResolver,
    ResolverOutbound,
    Ruleset,
    Compute,
    Aks,
    OnlineEndpoint,
}

impl Kind {
    /// The label used in unknowns and messages (`workspace/ws`, `vnet/hub`).
    pub fn label(self) -> &'static str {
        match self {
            Kind::Workspace => "workspace",
            Kind::Registry => "registry",
            Kind::Storage => "storage",
            Kind::KeyVault => "keyvault",
            Kind::Acr => "acr",
            Kind::AppInsights => "app-insights",
            Kind::Ampls => "ampls",
            Kind::Vnet => "vnet",
            Kind::Subnet => "subnet",
            Kind::Nsg => "nsg",
            Kind::Asg => "asg",
            Kind::RouteTable => "route-table",
            Kind::NatGateway => "nat-gateway",
            Kind::PublicIp => "public-ip",
            Kind::Firewall => "firewall",
            Kind::FirewallPolicy => "firewall-policy",
            Kind::IpGroup => "ip-group",
            Kind::VnetGateway => "vnet-gateway",
            Kind::LocalGateway => "local-gateway",
            Kind::Connection => "connection",
            Kind::Bastion => "bastion",
            Kind::Vm => "vm",
            Kind::Nic => "nic",
            Kind::ServiceEndpointPolicy => "service-endpoint-policy",
            Kind::PrivateEndpoint => "private-endpoint",
            Kind::DnsZone => "private-dns-zone",
            Kind::DnsResolver => "dns-resolver",
            Kind::ResolverOutbound => "dns-resolver-outbound-endpoint",
            Kind::Ruleset => "dns-forwarding-ruleset",
            Kind::Compute => "compute",
            Kind::Aks => "aks",
            Kind::OnlineEndpoint => "online-endpoint",
        }
    }

    fn what(self) -> &'static str {
        match self {
            Kind::Workspace => "workspace",
            Kind::Registry => "Azure ML registry",
            Kind::Storage => "storage account",
            Kind::KeyVault => "key vault",
            Kind::Acr => "container registry",
            Kind::AppInsights => "Application Insights component",
            Kind::Ampls => "monitor private link scope",
            Kind::Vnet => "virtual network",
            Kind::Subnet => "subnet",
            Kind::Nsg => "network security group",
            Kind::Asg => "application security group",
            Kind::RouteTable => "route table",
            Kind::NatGateway => "NAT gateway",
            Kind::PublicIp => "public IP",
            Kind::Firewall => "firewall",
            Kind::FirewallPolicy => "firewall policy",
            Kind::IpGroup => "IP group",
            Kind::VnetGateway => "virtual network gateway",
            Kind::LocalGateway => "local network gateway",
            Kind::Connection => "connection",
            Kind::Bastion => "bastion host",
            Kind::Vm => "virtual machine",
            Kind::Nic => "network interface",
            Kind::ServiceEndpointPolicy => "service endpoint policy",
            Kind::PrivateEndpoint => "private endpoint",
            Kind::DnsZone => "private DNS zone",
            Kind::DnsResolver => "DNS resolver",
            Kind::ResolverOutbound => "DNS resolver outbound endpoint",
            Kind::Ruleset => "DNS forwarding ruleset",
            Kind::Compute => "compute",
            Kind::Aks => "AKS cluster",
            Kind::OnlineEndpoint => "online endpoint",
        }
    }
}

/// The model kind of a top-level ARM resource type, if the model covers it.
pub fn kind_of(rtype: &str) -> Option<Kind> {
    let t = rtype.to_ascii_lowercase();
    Some(match t.as_str() {
        "microsoft.machinelearningservices/workspaces" => Kind::Workspace,
        "microsoft.machinelearningservices/registries" => Kind::Registry,
        "microsoft.storage/storageaccounts" => Kind::Storage,
        "microsoft.keyvault/vaults" => Kind::KeyVault,
        "microsoft.containerregistry/registries" => Kind::Acr,
        "microsoft.insights/components" => Kind::AppInsights,
        "microsoft.insights/privatelinkscopes" => Kind::Ampls,
        "microsoft.network/virtualnetworks" => Kind::Vnet,
        "microsoft.network/virtualnetworks/subnets" => Kind::Subnet,
        "microsoft.network/networksecuritygroups" => Kind::Nsg,
        "microsoft.network/applicationsecuritygroups" => Kind::Asg,
        "microsoft.network/routetables" => Kind::RouteTable,
        "microsoft.network/natgateways" => Kind::NatGateway,
        "microsoft.network/publicipaddresses" => Kind::PublicIp,
        "microsoft.network/azurefirewalls" => Kind::Firewall,
        "microsoft.network/firewallpolicies" => Kind::FirewallPolicy,
        "microsoft.network/ipgroups" => Kind::IpGroup,
        "microsoft.network/virtualnetworkgateways" => Kind::VnetGateway,
        "microsoft.network/localnetworkgateways" => Kind::LocalGateway,
        "microsoft.network/connections" => Kind::Connection,
        "microsoft.network/bastionhosts" => Kind::Bastion,
        "microsoft.compute/virtualmachines" => Kind::Vm,
        "microsoft.network/networkinterfaces" => Kind::Nic,
        "microsoft.network/serviceendpointpolicies" => Kind::ServiceEndpointPolicy,
        "microsoft.network/privateendpoints" => Kind::PrivateEndpoint,
        "microsoft.network/privatednszones" => Kind::DnsZone,
        "microsoft.network/dnsresolvers" => Kind::DnsResolver,
        "microsoft.network/dnsresolvers/outboundendpoints" => Kind::ResolverOutbound,
        "microsoft.network/dnsforwardingrulesets" => Kind::Ruleset,
        "microsoft.machinelearningservices/workspaces/computes" => Kind::Compute,
        "microsoft.machinelearningservices/workspaces/onlineendpoints" => Kind::OnlineEndpoint,
        _ => return None,
    })
}

/// The label of a resource in unknowns: `<kind>/<name>` (`subnet/vnet/pe` for a subnet), or
/// the ARM type and name for types the model does not cover.
pub fn resource_label(rtype: &str, name: &str) -> String {
    match kind_of(rtype) {
        // Computes and endpoints are named in the model without their workspace.
        Some(k @ (Kind::Compute | Kind::OnlineEndpoint)) => {
            format!("{}/{}", k.label(), last_segment(name))
        }
        Some(k) => format!("{}/{name}", k.label()),
        None => match child_kind(rtype) {
            Some(ck) => format!("{}/{name}", ck.label()),
            None => format!("{rtype}/{name}"),
        },
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ChildKind {
    Subnet,
    Peering,
    SecurityRule,
    Route,
    RuleCollectionGroup,
    ZoneGroup,
    VnetLink,
    RecordA,
    RecordAaaa,
    RecordCname,
    InboundEndpoint,
    OutboundEndpoint,
    ForwardingRule,
    RulesetLink,
    OutboundRule,
    OnlineDeployment,
    ScopedResource,
    SepDefinition,
}

impl ChildKind {
    fn label(self) -> &'static str {
        match self {
            ChildKind::Subnet => "subnet",
            ChildKind::Peering => "vnet-peering",
            ChildKind::SecurityRule => "nsg-rule",
            ChildKind::Route => "route",
            ChildKind::RuleCollectionGroup => "rule-collection-group",
            ChildKind::ZoneGroup => "private-dns-zone-group",
            ChildKind::VnetLink => "private-dns-zone-link",
            ChildKind::RecordA | ChildKind::RecordAaaa | ChildKind::RecordCname => "dns-record",
            ChildKind::InboundEndpoint => "dns-resolver-inbound-endpoint",
            ChildKind::OutboundEndpoint => "dns-resolver-outbound-endpoint",
            ChildKind::ForwardingRule => "dns-forwarding-rule",
            ChildKind::RulesetLink => "dns-forwarding-ruleset-link",
            ChildKind::OutboundRule => "outbound-rule",
            ChildKind::OnlineDeployment => "online-deployment",
            ChildKind::ScopedResource => "ampls-scoped-resource",
            ChildKind::SepDefinition => "service-endpoint-policy-definition",
        }
    }

    fn parent(self) -> Kind {
        match self {
            ChildKind::Subnet | ChildKind::Peering => Kind::Vnet,
            ChildKind::SecurityRule => Kind::Nsg,
            ChildKind::Route => Kind::RouteTable,
            ChildKind::RuleCollectionGroup => Kind::FirewallPolicy,
            ChildKind::ZoneGroup => Kind::PrivateEndpoint,
            ChildKind::VnetLink
            | ChildKind::RecordA
            | ChildKind::RecordAaaa
            | ChildKind::RecordCname => Kind::DnsZone,
            ChildKind::InboundEndpoint | ChildKind::OutboundEndpoint => Kind::DnsResolver,
            ChildKind::ForwardingRule | ChildKind::RulesetLink => Kind::Ruleset,
            ChildKind::OutboundRule => Kind::Workspace,
            ChildKind::OnlineDeployment => Kind::OnlineEndpoint,
            ChildKind::ScopedResource => Kind::Ampls,
            ChildKind::SepDefinition => Kind::ServiceEndpointPolicy,
        }
    }
}

fn child_kind(rtype: &str) -> Option<ChildKind> {
    let t = rtype.to_ascii_lowercase();
    Some(match t.as_str() {
        "microsoft.network/virtualnetworks/subnets" => ChildKind::Subnet,
        "microsoft.network/virtualnetworks/virtualnetworkpeerings" => ChildKind::Peering,
        "microsoft.network/networksecuritygroups/securityrules" => ChildKind::SecurityRule,
        "microsoft.network/routetables/routes" => ChildKind::Route,
        "microsoft.network/firewallpolicies/rulecollectiongroups" => ChildKind::RuleCollectionGroup,
        "microsoft.network/privateendpoints/privatednszonegroups" => ChildKind::ZoneGroup,
        "microsoft.network/privatednszones/virtualnetworklinks" => ChildKind::VnetLink,
        "microsoft.network/privatednszones/a" => ChildKind::RecordA,
        "microsoft.network/privatednszones/aaaa" => ChildKind::RecordAaaa,
        "microsoft.network/privatednszones/cname" => ChildKind::RecordCname,
        "microsoft.network/dnsresolvers/inboundendpoints" => ChildKind::InboundEndpoint,
        "microsoft.network/dnsresolvers/outboundendpoints" => ChildKind::OutboundEndpoint,
        "microsoft.network/dnsforwardingrulesets/forwardingrules" => ChildKind::ForwardingRule,
        "microsoft.network/dnsforwardingrulesets/virtualnetworklinks" => ChildKind::RulesetLink,
        "microsoft.machinelearningservices/workspaces/outboundrules" => ChildKind::OutboundRule,
        "microsoft.machinelearningservices/workspaces/onlineendpoints/deployments" => {
            ChildKind::OnlineDeployment
        }
        "microsoft.insights/privatelinkscopes/scopedresources" => ChildKind::ScopedResource,
        "microsoft.network/serviceendpointpolicies/serviceendpointpolicydefinitions" => {
            ChildKind::SepDefinition
        }
        _ => return None,
    })
}

/// Well-known role definition ids and their names.
const ROLES: &[(&str, &str)] = &[
    (
        "1823dd4f-9b8c-4ab6-ab4e-7397a3684615",
        "AzureML Registry User",
    ),
    ("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner"),
    ("b24988ac-6180-42a0-ab88-20f7382dd24c", "Contributor"),
    ("acdd72a7-3385-48ef-bd42-f606fba81ae7", "Reader"),
    (
        "f6c7c914-8db3-469d-8ca1-694a8f32e121",
        "AzureML Data Scientist",
    ),
    (
        "e503ece1-11d0-4e8e-8e2c-7a6c3bf38815",
        "AzureML Compute Operator",
    ),
    (
        "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
        "User Access Administrator",
    ),
];

/// The principal reason prefix the evaluator gives a resource's own managed identity, so a
/// role assignment to `reference(x).identity.principalId` names resource `x`.
pub const MANAGED_IDENTITY_PREFIX: &str = "the principal id of the managed identity of ";

// ----- reading evaluated properties -----

/// A property that may be absent, known, or unknown.
enum F<T> {
    Absent,
    Known(T),
    Unknown(String),
}

fn unknown_of(v: &Json) -> Option<&str> {
    v.as_object()
        .and_then(|o| o.get("$unknown"))
        .and_then(Json::as_str)
}

/// The mark (`⟨…⟩`) of the unknown value at `keys`, as strings built from it show it.
fn unknown_mark(v: &Json, keys: &[&str]) -> Option<String> {
    let mut cur = v;
    for k in keys {
        cur = get(cur, k)?;
    }
    cur.as_object()?
        .get("$key")
        .and_then(Json::as_str)
        .filter(|k| !k.is_empty())
        .map(String::from)
}

fn partial_of(v: &Json) -> Option<&str> {
    v.as_object()
        .and_then(|o| o.get("$partial"))
        .and_then(Json::as_str)
}

fn get<'a>(v: &'a Json, key: &str) -> Option<&'a Json> {
    let o = v.as_object()?;
    if o.contains_key("$unknown") {
        return None;
    }
    o.get(key).or_else(|| {
        o.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// Follows `keys` from `v`.
fn at<'a>(v: &'a Json, keys: &[&str]) -> F<&'a Json> {
    let mut cur = v;
    for k in keys {
        if let Some(r) = unknown_of(cur) {
            return F::Unknown(r.to_string());
        }
        match get(cur, k) {
            Some(n) => cur = n,
            None => return F::Absent,
        }
    }
    match unknown_of(cur) {
        Some(r) => F::Unknown(r.to_string()),
        None if cur.is_null() => F::Absent,
        None => F::Known(cur),
    }
}

fn json_text(v: &Json) -> Option<String> {
    match v {
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        Json::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn json_bool(v: &Json) -> Option<bool> {
    match v {
        Json::Bool(b) => Some(*b),
        Json::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Json::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// Records unknowns and warnings for one resource.
struct Rec {
    resource: String,
    at: Provenance,
    unknowns: Vec<Unknown>,
    warnings: Vec<Diagnostic>,
}

fn location_of(at: &Provenance) -> Location {
    Location {
        file: at.file.clone(),
        line: at.line,
        column: at.column,
        offset: at.offset,
        len: at.len,
    }
}

fn warning(code: &str, message: String, at: &Provenance, hint: Option<String>) -> Diagnostic {
    Diagnostic {
        level: Level::Warning,
        code: code.into(),
        message,
        location: location_of(at),
        hint,
    }
}

impl Rec {
    fn new(resource: String, at: &Provenance) -> Rec {
        Rec {
            resource,
            at: at.clone(),
            unknowns: Vec::new(),
            warnings: Vec::new(),
        }
    }

    fn unknown(&mut self, field: &str, reason: &str) {
        self.unknowns.push(Unknown {
            resource: self.resource.clone(),
            field: field.into(),
            reason: reason.into(),
            at: self.at.clone(),
        });
    }

    fn warn(&mut self, message: String) {
        self.warnings
            .push(warning("unsupported-value", message, &self.at, None));
    }

    /// An address that does not parse. Written as an address (numbers, dots, a prefix length)
    /// it is one Azure rejects at deployment (an octet over 255, a prefix longer than 32): an
    /// error at the resource. Anything else is a form moat does not read: `warning`.
    fn bad_address(&mut self, text: &str, why: impl std::fmt::Display, warning_text: String) {
        if !address_shaped(text) {
            self.warn(warning_text);
            return;
        }
        self.warnings.push(Diagnostic {
            level: Level::Error,
            code: "invalid-value".into(),
            message: format!(
                "{}: `{text}`: {why}; Azure rejects it at deployment",
                self.resource
            ),
            location: location_of(&self.at),
            hint: Some(
                "write an IPv4 address as four numbers 0-255, with a prefix length of at most 32"
                    .into(),
            ),
        });
    }

    fn str(&mut self, v: &Json, keys: &[&str], field: &str) -> Option<String> {
        match at(v, keys) {
            F::Known(x) => json_text(x),
            F::Unknown(r) => {
                self.unknown(field, &r);
                None
            }
            F::Absent => None,
        }
    }

    /// A reference (an ARM id). A partly known id is kept: it still names one resource and
    /// links by identity; a wholly unknown one is recorded.
    fn id(&mut self, v: &Json, keys: &[&str], field: &str) -> Option<String> {
        let mut cur = v;
        for k in keys {
            if let Some(r) = unknown_of(cur) {
                self.unknown(field, r);
                return None;
            }
            cur = get(cur, k)?;
        }
        if let Some(p) = partial_of(cur) {
            return Some(p.to_string());
        }
        if let Some(r) = unknown_of(cur) {
            self.unknown(field, r);
            return None;
        }
        json_text(cur).filter(|s| !s.is_empty())
    }

    /// References given as a list of strings.
    fn id_strings(&mut self, v: &Json, keys: &[&str], field: &str) -> Vec<String> {
        let mut out = Vec::new();
        for x in self.list(v, keys, field) {
            if let Some(p) = partial_of(x) {
                out.push(p.to_string());
            } else if let Some(r) = unknown_of(x) {
                self.unknown(field, r);
            } else if let Some(s) = json_text(x) {
                out.extend(
                    s.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(String::from),
                );
            }
        }
        out
    }

    /// A boolean; `conservative` when unknown (recorded), `default` when absent.
    fn bool(
        &mut self,
        v: &Json,
        keys: &[&str],
        field: &str,
        default: bool,
        conservative: bool,
    ) -> bool {
        match at(v, keys) {
            F::Known(x) => match json_bool(x) {
                Some(b) => b,
                None => {
                    self.warn(format!(
                        "`{}` of {} is not a boolean; using {default}",
                        keys.join("."),
                        self.resource
                    ));
                    default
                }
            },
            F::Unknown(r) => {
                self.unknown(field, &r);
                conservative
            }
            F::Absent => default,
        }
    }

    /// An enumeration; `conservative` when unknown (recorded) or invalid (warned), `default`
    /// when absent.
    fn enm<T: Copy>(
        &mut self,
        v: &Json,
        keys: &[&str],
        field: &str,
        parse: fn(&str) -> Option<T>,
        default: T,
        conservative: T,
    ) -> T {
        match at(v, keys) {
            F::Known(x) => match json_text(x).as_deref().and_then(parse) {
                Some(e) => e,
                None => {
                    self.warn(format!(
                        "`{}` of {} has an unrecognised value {x}",
                        keys.join("."),
                        self.resource
                    ));
                    conservative
                }
            },
            F::Unknown(r) => {
                self.unknown(field, &r);
                conservative
            }
            F::Absent => default,
        }
    }

    fn opt_enm<T>(
        &mut self,
        v: &Json,
        keys: &[&str],
        field: &str,
        parse: fn(&str) -> Option<T>,
    ) -> Option<T> {
        match at(v, keys) {
            F::Known(x) => {
                let r = json_text(x).as_deref().and_then(parse);
                if r.is_none() {
                    self.warn(format!(
                        "`{}` of {} has an unrecognised value {x}",
                        keys.join("."),
                        self.resource
                    ));
                }
                r
            }
            F::Unknown(r) => {
                self.unknown(field, &r);
                None
            }
            F::Absent => None,
        }
    }

    fn u32(&mut self, v: &Json, keys: &[&str], field: &str) -> Option<u32> {
        match at(v, keys) {
            F::Known(x) => x
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .or_else(|| x.as_str().and_then(|s| s.trim().parse().ok())),
            F::Unknown(r) => {
                self.unknown(field, &r);
                None
            }
            F::Absent => None,
        }
    }

    /// A list; unknown lists are recorded and read as empty.
    fn list<'a>(&mut self, v: &'a Json, keys: &[&str], field: &str) -> Vec<&'a Json> {
        match at(v, keys) {
            F::Known(x) => match x {
                Json::Array(a) => a.iter().collect(),
                other => vec![other],
            },
            F::Unknown(r) => {
                self.unknown(field, &r);
                Vec::new()
            }
            F::Absent => Vec::new(),
        }
    }

    /// Strings of a list (each may be unknown: recorded and skipped).
    fn strings(&mut self, v: &Json, keys: &[&str], field: &str) -> Vec<String> {
        let mut out = Vec::new();
        for x in self.list(v, keys, field) {
            if let Some(r) = unknown_of(x) {
                self.unknown(field, r);
            } else if let Some(s) = json_text(x) {
                out.extend(
                    s.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(String::from),
                );
            }
        }
        out
    }

    /// The `id` of each element of a list of `{id}` objects.
    fn ids(&mut self, v: &Json, keys: &[&str], field: &str) -> Vec<String> {
        let mut out = Vec::new();
        for x in self.list(v, keys, field) {
            out.extend(self.id(x, &["id"], field));
        }
        out
    }

    /// Address prefixes (CIDRs, IPs, service tags). An unknown prefix widens to `*`, except a
    /// regional service tag with an unknown region, which widens to the global tag.
    fn prefixes(
        &mut self,
        v: &Json,
        single: &str,
        plural: &str,
        field: &str,
    ) -> Vec<AddressPrefix> {
        let raw = raw_values(v, single, plural);
        let mut out = Vec::new();
        for x in raw {
            if let Some(r) = unknown_of(x) {
                let p = widen_prefix(partial_of(x));
                self.unknown(field, &format!("{r} (read as {p})"));
                out.push(p);
                continue;
            }
            let Some(s) = json_text(x) else { continue };
            for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                match part.parse::<AddressPrefix>() {
                    Ok(p) => out.push(p),
                    Err(e) => {
                        let w = format!("{}: {e}; the prefix is ignored", self.resource);
                        self.bad_address(part, e, w)
                    }
                }
            }
        }
        out
    }

    /// Port ranges; an unknown port widens to `*`.
    fn ports(&mut self, v: &Json, single: &str, plural: &str, field: &str) -> Vec<PortRange> {
        let raw = raw_values(v, single, plural);
        let mut out = Vec::new();
        for x in raw {
            if let Some(r) = unknown_of(x) {
                self.unknown(field, &format!("{r} (read as *)"));
                out.push(PortRange::ANY);
                continue;
            }
            let Some(s) = json_text(x) else { continue };
            for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                match part.parse::<PortRange>() {
                    Ok(p) => out.push(p),
                    Err(e) => self.warn(format!("{}: {e}; the port is ignored", self.resource)),
                }
            }
        }
        out
    }

    fn ip(&mut self, v: &Json, keys: &[&str], field: &str) -> Option<IpAddr> {
        let s = self.str(v, keys, field)?;
        match s.trim().parse::<IpAddr>() {
            Ok(ip) => Some(ip),
            Err(e) => {
                let w = format!("{}: `{s}` is not an IP address", self.resource);
                self.bad_address(s.trim(), e, w);
                None
            }
        }
    }

    fn nets(&mut self, v: &Json, keys: &[&str], field: &str) -> Vec<IpNet> {
        let mut out = Vec::new();
        for s in self.strings(v, keys, field) {
            match parse_net(&s) {
                Ok(n) => out.push(n),
                Err(e) => {
                    let w = format!("{}: {e}", self.resource);
                    self.bad_address(s.trim(), e, w)
                }
            }
        }
        out
    }
}

/// Whether `text` is written as an IPv4 address or prefix: four dot-separated numbers,
/// optionally `/` and a number. Only such text is certainly meant as an address.
fn address_shaped(text: &str) -> bool {
    let digits = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
    let (addr, len) = match text.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (text, None),
    };
    let parts: Vec<&str> = addr.split('.').collect();
    parts.len() == 4 && parts.iter().all(|p| digits(p)) && len.is_none_or(digits)
}

/// The values of a property written in the singular or the plural (`sourceAddressPrefix` or
/// `sourceAddressPrefixes`), unknown values included as they are.
fn raw_values<'a>(v: &'a Json, single: &str, plural: &str) -> Vec<&'a Json> {
    if unknown_of(v).is_some() {
        return vec![v];
    }
    let mut out: Vec<&Json> = Vec::new();
    for key in [plural, single] {
        match get(v, key) {
            Some(Json::Array(a)) => out.extend(a.iter()),
            Some(Json::Null) | None => {}
            Some(other) => out.push(other),
        }
        if !out.is_empty() {
            break;
        }
    }
    out
}

/// The widest prefix an unknown one may be: the global tag of a regional service tag whose
/// region is unknown (`Storage.⟨region⟩` reads as `Storage`), `*` otherwise.
fn widen_prefix(partial: Option<&str>) -> AddressPrefix {
    if let Some(p) = partial
        && let Some((tag, rest)) = p.split_once('.')
        && rest.starts_with('⟨')
        && !tag.is_empty()
        && !tag.contains('⟨')
        && let Ok(AddressPrefix::Tag(t)) = tag.parse::<AddressPrefix>()
    {
        return AddressPrefix::Tag(t);
    }
    AddressPrefix::Any
}

/// Canonical form of an id, for comparisons (ARM ids are case-insensitive).
pub fn canonical_id(id: &str) -> String {
    id.trim().trim_end_matches('/').to_lowercase()
}

/// The id of the parent of a child resource id (`…/virtualNetworks/v/subnets/s` → `…/virtualNetworks/v`).
fn parent_id(id: &str) -> Option<String> {
    let t = id.trim_end_matches('/');
    let (rest, _) = t.rsplit_once('/')?;
    let (rest, _) = rest.rsplit_once('/')?;
    Some(rest.to_string())
}

fn last_segment(name: &str) -> String {
    name.rsplit('/').next().unwrap_or(name).to_string()
}

/// The resource type named by an id (`Microsoft.Storage/storageAccounts`).
pub fn type_of_id(id: &str) -> Option<String> {
    let lower = id.to_ascii_lowercase();
    let pos = lower.rfind("/providers/")?;
    let rest = &id[pos + "/providers/".len()..];
    let segs: Vec<&str> = rest.split('/').collect();
    let mut t = segs.first()?.to_string();
    let mut i = 1;
    while i < segs.len() {
        t.push('/');
        t.push_str(segs[i]);
        i += 2;
    }
    Some(t)
}

// ----- the mapping context -----

#[derive(Clone, Debug)]
struct Target {
    kind: Kind,
    name: String,
}

struct Pending {
    kind: ChildKind,
    res: ArmResource,
    payload: Payload,
}

enum Payload {
    Subnet(Subnet),
    Peering(Peering),
    Rule(SecurityRule),
    Route(Route),
    Rcg(RuleCollectionGroup, Vec<(usize, usize, String)>),
    ZoneIds(Vec<String>),
    VnetLink(Option<String>, bool),
    Record(DnsRecord),
    Endpoint(ResolverEndpoint),
    ForwardingRule(ForwardingRule),
    RulesetLink(Option<String>),
    OutboundRule(OutboundRule),
    OnlineDeployment(OnlineDeployment),
    Scoped(Option<String>),
    SepDefinition(ServiceEndpointPolicyDefinition),
}

struct Cluster {
    id: String,
    rtype: String,
    name: String,
    at: Provenance,
    node_count: Option<u32>,
    subnet: Option<String>,
}

/// State shared by the mapping of every resource of a deployment, consumed by [`finish`].
#[derive(Default)]
pub struct MapContext {
    ids: HashMap<String, Target>,
    names: HashMap<(Kind, String), String>,
    pending: Vec<Pending>,
    registry_storage: HashMap<String, String>,
    registry_acr: HashMap<String, String>,
    clusters: Vec<Cluster>,
    /// Firewalls whose private IP the template does not give (derived from their subnet).
    firewall_ip_from_subnet: HashSet<String>,
    /// VNets whose address space is unknown.
    vnet_space_unknown: HashSet<String>,
    /// Ids of resources listed as unmodelled (their children are unmodelled too).
    unmodelled_ids: HashSet<String>,
    /// Ids of private DNS zones, by declaration and name (zones of one name may live in
    /// several resource groups).
    zones: HashMap<(Provenance, String), String>,
    /// Destination IP groups of firewall network rules: (firewall or policy, path, group ids).
    dest_ip_groups: Vec<(Kind, String, Vec<usize>, Vec<String>)>,
    /// Warnings met while mapping (references to resources the template does not deploy,
    /// values not understood).
    pub warnings: Vec<Diagnostic>,
}

impl MapContext {
    pub fn new() -> MapContext {
        MapContext::default()
    }

    fn register(&mut self, id: &str, kind: Kind, name: &str) {
        if !id.is_empty() {
            self.ids.entry(canonical_id(id)).or_insert(Target {
                kind,
                name: name.to_string(),
            });
        }
        self.names
            .entry((kind, name.to_ascii_lowercase()))
            .or_insert_with(|| name.to_string());
    }

    /// The model name of the resource `raw` (an id, or a plain name) refers to.
    fn resolve(&self, raw: &str, kinds: &[Kind]) -> Result<Target, String> {
        let raw = raw.trim();
        if raw.starts_with('/') {
            // An id with unknown parts names the one declared resource it may name.
            let found = self.ids.get(&canonical_id(raw)).or_else(|| {
                crate::idmatch::has_unknown(raw)
                    .then(|| crate::idmatch::unique(raw, self.ids.keys().map(|k| (k.as_str(), k))))
                    .flatten()
                    .and_then(|k| self.ids.get(k))
            });
            return match found {
                Some(t) if kinds.contains(&t.kind) => Ok(t.clone()),
                Some(t) => Err(format!(
                    "`{raw}` names a {}, not a {}",
                    t.kind.what(),
                    kinds[0].what()
                )),
                None => Err(format!("`{raw}` is not deployed by this template")),
            };
        }
        for k in kinds {
            if let Some(n) = self.names.get(&(*k, raw.to_ascii_lowercase())) {
                return Ok(Target {
                    kind: *k,
                    name: n.clone(),
                });
            }
        }
        Err(format!(
            "{} `{raw}` is not deployed by this template",
            kinds[0].what()
        ))
    }
}

fn flush(t: &mut Topology, ctx: &mut MapContext, rec: Rec) {
    t.unknowns.extend(rec.unknowns);
    ctx.warnings.extend(rec.warnings);
}

fn unmodelled(t: &mut Topology, ctx: &mut MapContext, res: &ArmResource) {
    ctx.unmodelled_ids.insert(canonical_id(&res.id));
    t.unmodelled.push(Unmodelled {
        resource_type: res.rtype.clone(),
        name: res.name.clone(),
        at: res.at.clone(),
    });
}

fn pna(s: &str) -> Option<PublicNetworkAccess> {
    PublicNetworkAccess::parse(s)
}

/// Maps one ARM resource into the topology. Types the model does not cover go to
/// `topology.unmodelled`; references are resolved by [`finish`].
pub fn map_resource(t: &mut Topology, res: &ArmResource, ctx: &mut MapContext) {
    if let Some(ck) = child_kind(&res.rtype) {
        map_child(t, res, ck, ctx);
        return;
    }
    let Some(kind) = kind_of(&res.rtype) else {
        let lt = res.rtype.to_ascii_lowercase();
        if lt == "microsoft.authorization/roleassignments" {
            if !map_role_assignment(t, res, ctx) {
                unmodelled(t, ctx, res);
            }
        } else if lt == "microsoft.containerservice/managedclusters" {
            let mut rec = Rec::new(resource_label(&res.rtype, &res.name), &res.at);
            let p = &res.properties;
            let pools = rec.list(p, &["agentPoolProfiles"], "agent_pools");
            let mut count: Option<u32> = Some(0);
            let mut subnet = None;
            for pool in pools {
                match at(pool, &["count"]) {
                    F::Known(c) => count = count.and_then(|n| c.as_u64().map(|c| n + c as u32)),
                    F::Unknown(r) => {
                        rec.unknown("node_count", &r);
                        count = None;
                    }
                    F::Absent => {}
                }
                if subnet.is_none() {
                    subnet = rec.id(pool, &["vnetSubnetID"], "subnet");
                }
            }
            ctx.clusters.push(Cluster {
                id: res.id.clone(),
                rtype: res.rtype.clone(),
                name: res.name.clone(),
                at: res.at.clone(),
                node_count: count.filter(|c| *c > 0),
                subnet,
            });
            flush(t, ctx, rec);
        } else {
            unmodelled(t, ctx, res);
        }
        return;
    };
    let name = res.name.clone();
    let mut rec = Rec::new(resource_label(&res.rtype, &name), &res.at);
    let p = &res.properties;
    let region = res.location.clone();
    match kind {
        Kind::Workspace => {
            let ws = map_workspace(res, &mut rec);
            ctx.register(&res.id, kind, &ws.name);
            t.workspaces.push(ws);
        }
        Kind::Registry => {
            let mut regions = Vec::new();
            let mut storage = RegistryManagedResource::default();
            let mut acr = RegistryManagedResource::default();
            // The marks of unknown managed resource names, so ids built from the same unknown
            // name still find the registry.
            let (mut storage_mark, mut acr_mark) = (None, None);
            for (i, rd) in rec
                .list(p, &["regionDetails"], "regions")
                .into_iter()
                .enumerate()
            {
                if let Some(l) = rec.str(rd, &["location"], "regions") {
                    regions.push(l);
                }
                if i > 0 {
                    continue;
                }
                let sa = rec
                    .list(rd, &["storageAccountDetails"], "storage")
                    .first()
                    .copied()
                    .cloned();
                if let Some(sa) = sa {
                    storage_mark =
                        unknown_mark(&sa, &["systemCreatedStorageAccount", "storageAccountName"]);
                    storage.name = rec.str(
                        &sa,
                        &["systemCreatedStorageAccount", "storageAccountName"],
                        "storage.name",
                    );
                    if storage.name.is_none()
                        && let Some(id) = rec.id(
                            &sa,
                            &["userCreatedStorageAccount", "armResourceId", "resourceId"],
                            "storage.name",
                        )
                    {
                        storage.name = Some(last_segment(&id));
                    }
                }
                let ad = rec
                    .list(rd, &["acrDetails"], "acr")
                    .first()
                    .copied()
                    .cloned();
                if let Some(ad) = ad {
                    acr_mark = unknown_mark(&ad, &["systemCreatedAcrAccount", "acrAccountName"]);
                    acr.name = rec.str(
                        &ad,
                        &["systemCreatedAcrAccount", "acrAccountName"],
                        "acr.name",
                    );
                    acr.sku = rec.opt_enm(
                        &ad,
                        &["systemCreatedAcrAccount", "acrAccountSku"],
                        "acr.sku",
                        AcrSku::parse,
                    );
                    if acr.name.is_none()
                        && let Some(id) = rec.id(
                            &ad,
                            &["userCreatedAcrAccount", "armResourceId", "resourceId"],
                            "acr.name",
                        )
                    {
                        acr.name = Some(last_segment(&id));
                    }
                }
            }
            if let Some(s) = storage.name.clone().or(storage_mark) {
                ctx.registry_storage
                    .insert(s.to_ascii_lowercase(), name.clone());
            }
            if let Some(a) = acr.name.clone().or(acr_mark) {
                ctx.registry_acr
                    .insert(a.to_ascii_lowercase(), name.clone());
            }
            let r = Registry {
                name: name.clone(),
                region,
                regions,
                registry_id: None,
                public_network_access: rec.enm(
                    p,
                    &["publicNetworkAccess"],
                    "public_network_access",
                    pna,
                    PublicNetworkAccess::Enabled,
                    PublicNetworkAccess::Enabled,
                ),
                storage,
                acr,
                managed_resource_group: None,
                tags: BTreeMap::new(),
                at: res.at.clone(),
            };
            ctx.register(&res.id, kind, &name);
            t.registries.push(r);
        }
        Kind::Storage => {
            let rules = StorageNetworkRules {
                default_action: rec.enm(
                    p,
                    &["networkAcls", "defaultAction"],
                    "network_rules.default_action",
                    DefaultAction::parse,
                    DefaultAction::Allow,
                    DefaultAction::Allow,
                ),
                bypass: match at(p, &["networkAcls", "bypass"]) {
                    F::Known(b) => json_text(b)
                        .map(|s| {
                            s.split(',')
                                .map(|x| x.trim().to_string())
                                .filter(|x| !x.is_empty())
                                .collect()
                        })
                        .unwrap_or_default(),
                    F::Unknown(r) => {
                        rec.unknown("network_rules.bypass", &r);
                        vec!["AzureServices".into()]
                    }
                    F::Absent => vec!["AzureServices".into()],
                },
                ip_rules: {
                    let mut out = Vec::new();
                    for r in rec.list(p, &["networkAcls", "ipRules"], "network_rules.ip_rules") {
                        let v = get(r, "value").or_else(|| get(r, "ipAddressOrRange"));
                        match v {
                            Some(x) if unknown_of(x).is_some() => rec.unknown(
                                "network_rules.ip_rules",
                                unknown_of(x).unwrap_or_default(),
                            ),
                            Some(x) => match json_text(x).map(|s| s.parse::<AddressPrefix>()) {
                                Some(Ok(pr)) => out.push(pr),
                                _ => rec.warn(format!(
                                    "{}: storage IP rule {x} is not an address",
                                    rec.resource
                                )),
                            },
                            None => {}
                        }
                    }
                    out
                },
                virtual_network_rules: rec.ids(
                    p,
                    &["networkAcls", "virtualNetworkRules"],
                    "network_rules.virtual_network_rules",
                ),
                resource_access_rules: {
                    let mut out = Vec::new();
                    for r in rec.list(
                        p,
                        &["networkAcls", "resourceAccessRules"],
                        "network_rules.resource_access_rules",
                    ) {
                        let Some(id) =
                            rec.id(r, &["resourceId"], "network_rules.resource_access_rules")
                        else {
                            continue;
                        };
                        // The id, resolved to the model name of the resource it names once
                        // every resource is read (`resource_access`).
                        out.push(ResourceAccessRule {
                            resource_type: type_of_id(&id).unwrap_or_default(),
                            name: id,
                            tenant_id: rec.str(
                                r,
                                &["tenantId"],
                                "network_rules.resource_access_rules",
                            ),
                        });
                    }
                    out
                },
            };
            let (shared_key, min_tls) = posture::storage_keys_and_tls(p, &mut rec);
            let sa = StorageAccount {
                name: name.clone(),
                region,
                public_network_access: rec.enm(
                    p,
                    &["publicNetworkAccess"],
                    "public_network_access",
                    pna,
                    PublicNetworkAccess::Enabled,
                    PublicNetworkAccess::Enabled,
                ),
                network_rules: rules,
                is_hns_enabled: rec.bool(p, &["isHnsEnabled"], "is_hns_enabled", false, false),
                sku: res.sku.as_ref().and_then(|s| rec.str(s, &["name"], "sku")),
                allow_shared_key_access: shared_key,
                allow_blob_public_access: posture::storage_blob_public_access(p, &mut rec),
                minimum_tls_version: min_tls,
                tags: BTreeMap::new(),
                at: res.at.clone(),
            };
            ctx.register(&res.id, kind, &name);
            t.storage_accounts.push(sa);
        }
        Kind::KeyVault => {
            let kv = KeyVault {
                name: name.clone(),
                region,
                public_network_access: rec.enm(
                    p,
                    &["publicNetworkAccess"],
                    "public_network_access",
                    pna,
                    PublicNetworkAccess::Enabled,
                    PublicNetworkAccess::Enabled,
                ),
                network_acls: rule_set(p, &["networkAcls"], &["networkAcls", "bypass"], &mut rec),
                tags: BTreeMap::new(),
                at: res.at.clone(),
            };
            ctx.register(&res.id, kind, &name);
            t.key_vaults.push(kv);
        }
        Kind::Acr => {
            let sku = match res.sku.as_ref().map(|s| at(s, &["name"])) {
                Some(F::Known(s)) => match json_text(s).as_deref().and_then(AcrSku::parse) {
                    Some(k) => k,
                    None => {
                        rec.warn(format!(
                            "{}: unrecognised SKU {s}; read as Basic",
                            rec.resource
                        ));
                        AcrSku::Basic
                    }
                },
                Some(F::Unknown(r)) => {
                    // Basic: no private endpoints, no firewall (the least isolated SKU).
                    rec.unknown("sku", &r);
                    AcrSku::Basic
                }
                _ => AcrSku::Basic,
            };
            let acr = ContainerRegistry {
                name: name.clone(),
                region,
                sku,
                public_network_access: rec.enm(
                    p,
                    &["publicNetworkAccess"],
                    "public_network_access",
                    pna,
                    PublicNetworkAccess::Enabled,
                    PublicNetworkAccess::Enabled,
                ),
                network_rule_set: rule_set(
                    p,
                    &["networkRuleSet"],
                    &["networkRuleBypassOptions"],
                    &mut rec,
                ),
                data_endpoint_enabled: rec.bool(
                    p,
                    &["dataEndpointEnabled"],
                    "data_endpoint_enabled",
                    false,
                    true,
                ),
                admin_user_enabled: rec.bool(
                    p,
                    &["adminUserEnabled"],
                    "admin_user_enabled",
                    false,
                    true,
                ),
                anonymous_pull_enabled: posture::acr_anonymous_pull(p, &mut rec),
                tags: BTreeMap::new(),
                at: res.at.clone(),
            };
            ctx.register(&res.id, kind, &name);
            t.container_registries.push(acr);
        }
        Kind::AppInsights => {
            let workspace_based = match at(p, &["WorkspaceResourceId"]) {
                F::Known(_) | F::Unknown(_) => true,
                F::Absent => rec
                    .str(p, &["IngestionMode"], "workspace_based")
                    .is_some_and(|m| m.eq_ignore_ascii_case("LogAnalytics")),
            };
            let ai = ApplicationInsights {
                name: name.clone(),
                region,
                workspace_based,
                public_network_access_for_ingestion: rec.enm(
                    p,
                    &["publicNetworkAccessForIngestion"],
                    "public_network_access_for_ingestion",
                    pna,
                    PublicNetworkAccess::Enabled,
                    PublicNetworkAccess::Enabled,
                ),
                public_network_access_for_query: rec.enm(
                    p,
                    &["publicNetworkAccessForQuery"],
                    "public_network_access_for_query",
                    pna,
                    PublicNetworkAccess::Enabled,
                    PublicNetworkAccess::Enabled,
                ),
                tags: BTreeMap::new(),
                at: res.at.clone(),
            };
            ctx.register(&res.id, kind, &name);
            t.application_insights.push(ai);
        }
        Kind::Ampls => {
            let mode = |s: &str| AmplsAccessMode::parse(s);
            let a = MonitorPrivateLinkScope {
                name: name.clone(),
                ingestion_access_mode: rec.enm(
                    p,
                    &["accessModeSettings", "ingestionAccessMode"],
                    "ingestion_access_mode",
                    mode,
                    AmplsAccessMode::Open,
                    AmplsAccessMode::Open,
                ),
                query_access_mode: rec.enm(
                    p,
                    &["accessModeSettings", "queryAccessMode"],
                    "query_access_mode",
                    mode,
                    AmplsAccessMode::Open,
                    AmplsAccessMode::Open,
                ),
                scoped_resources: Vec::new(),
                tags: BTreeMap::new(),
                at: res.at.clone(),
            };
            ctx.register(&res.id, kind, &name);
            t.monitor_private_link_scopes.push(a);
        }
        Kind::Vnet => {
            let mut address_space = Vec::new();
            match at(p, &["addressSpace", "addressPrefixes"]) {
                F::Unknown(r) => {
                    rec.unknown(
                        "address_space",
                        &format!("{r} (read as the union of its subnets)"),
                    );
                    ctx.vnet_space_unknown.insert(name.clone());
                }
                _ => {
                    let before = rec.unknowns.len();
                    address_space =
                        rec.nets(p, &["addressSpace", "addressPrefixes"], "address_space");
                    if rec.unknowns.len() > before {
                        ctx.vnet_space_unknown.insert(name.clone());
                    }
                }
            }
            let dns_servers = rec
                .strings(p, &["dhcpOptions", "dnsServers"], "dns_servers")
                .into_iter()
                .filter_map(|s| s.parse::<IpAddr>().ok())
                .collect();
            let mut subnets = Vec::new();
            for s in rec.list(p, &["subnets"], "subnets") {
                if let Some(sn) = map_subnet(s, None, &name, &res.at, &mut rec) {
                    ctx.register(
                        &format!("{}/subnets/{}", res.id, sn.name),
                        Kind::Subnet,
                        &format!("{name}/{}", sn.name),
                    );
                    subnets.push(sn);
                }
            }
            let mut peerings = Vec::new();
            for pe in rec.list(p, &["virtualNetworkPeerings"], "peerings") {
                if let Some(x) = map_peering(pe, None, &res.at, &mut rec) {
                    peerings.push(x);
                }
            }
            ctx.register(&res.id, kind, &name);
            t.virtual_networks.push(VirtualNetwork {
                name,
                region,
                address_space,
                dns_servers,
                subnets,
                peerings,
                tags: BTreeMap::new(),
                external: false,
                at: res.at.clone(),
            });
        }
        Kind::Nsg => {
            let mut rules = Vec::new();
            for r in rec.list(p, &["securityRules"], "rules") {
                if let Some(x) = map_rule(r, None, &res.at, &mut rec) {
                    rules.push(x);
                }
            }
            ctx.register(&res.id, kind, &name);
            t.network_security_groups.push(NetworkSecurityGroup {
                name,
                region,
                rules,
                tags: BTreeMap::new(),
                at: res.at.clone(),
            });
        }
        Kind::Asg => {
            ctx.register(&res.id, kind, &name);
            t.application_security_groups
                .push(ApplicationSecurityGroup {
                    name,
                    region,
                    at: res.at.clone(),
                });
        }
        Kind::RouteTable => {
            let mut routes = Vec::new();
            for r in rec.list(p, &["routes"], "routes") {
                if let Some(x) = map_route(r, None, &res.at, &mut rec) {
                    routes.push(x);
                }
            }
            let disable = rec.bool(
                p,
                &["disableBgpRoutePropagation"],
                "disable_bgp_route_propagation",
                false,
                false,
            );
            ctx.register(&res.id, kind, &name);
            t.route_tables.push(RouteTable {
                name,
                region,
                routes,
                disable_bgp_route_propagation: disable,
                tags: BTreeMap::new(),
                at: res.at.clone(),
            });
        }
        Kind::NatGateway => {
            let public_ips = rec.ids(p, &["publicIpAddresses"], "public_ips");
            ctx.register(&res.id, kind, &name);
            t.nat_gateways.push(NatGateway {
                name,
                region,
                public_ips,
                at: res.at.clone(),
            });
        }
        Kind::PublicIp => {
            let ip_address = rec.ip(p, &["ipAddress"], "ip_address");
            let sku = res.sku.as_ref().and_then(|s| rec.str(s, &["name"], "sku"));
            ctx.register(&res.id, kind, &name);
            t.public_ips.push(PublicIp {
                name,
                region,
                ip_address,
                sku,
                at: res.at.clone(),
            });
        }
        Kind::Firewall => map_firewall(t, res, &mut rec, ctx),
        Kind::FirewallPolicy => {
            let base_policy = rec.id(p, &["basePolicy", "id"], "base_policy");
            let dns_proxy = rec.bool(
                p,
                &["dnsSettings", "enableProxy"],
                "dns_proxy",
                false,
                false,
            );
            ctx.register(&res.id, kind, &name);
            t.firewall_policies.push(FirewallPolicy {
                name,
                region,
                base_policy,
                dns_proxy,
                rule_collection_groups: Vec::new(),
                tags: BTreeMap::new(),
                at: res.at.clone(),
            });
        }
        Kind::IpGroup => {
            let mut ip_addresses = Vec::new();
            for s in rec.strings(p, &["ipAddresses"], "ip_addresses") {
                match s.parse::<AddressPrefix>() {
                    Ok(a) => ip_addresses.push(a),
                    Err(e) => rec.warn(format!("{}: {e}", rec.resource)),
                }
            }
            ctx.register(&res.id, kind, &name);
            t.ip_groups.push(IpGroup {
                name,
                region,
                ip_addresses,
                at: res.at.clone(),
            });
        }
        Kind::VnetGateway => {
            let gateway_type = rec.enm(
                p,
                &["gatewayType"],
                "gateway_type",
                GatewayType::parse,
                GatewayType::Vpn,
                GatewayType::Vpn,
            );
            let subnet = rec
                .list(p, &["ipConfigurations"], "vnet")
                .first()
                .and_then(|c| rec.subnet_id(c, &["properties", "subnet", "id"], "vnet"));
            let pool = rec.nets(
                p,
                &[
                    "vpnClientConfiguration",
                    "vpnClientAddressPool",
                    "addressPrefixes",
                ],
                "vpn_client_address_pool",
            );
            let Some(subnet) = subnet else {
                drop_resource(t, ctx, rec, res, "vnet", "the gateway names no subnet");
                return;
            };
            ctx.register(&res.id, kind, &name);
            t.virtual_network_gateways.push(VirtualNetworkGateway {
                name,
                region,
                vnet: subnet,
                gateway_type,
                vpn_client_address_pool: pool,
                at: res.at.clone(),
            });
        }
        Kind::LocalGateway => {
            let address_prefixes = rec.nets(
                p,
                &["localNetworkAddressSpace", "addressPrefixes"],
                "address_prefixes",
            );
            let gateway_ip_address = rec.ip(p, &["gatewayIpAddress"], "gateway_ip_address");
            ctx.register(&res.id, kind, &name);
            t.local_network_gateways.push(LocalNetworkGateway {
                name,
                region,
                address_prefixes,
                gateway_ip_address,
                at: res.at.clone(),
            });
        }
        Kind::Connection => {
            let connection_type = rec.enm(
                p,
                &["connectionType"],
                "connection_type",
                ConnectionType::parse,
                ConnectionType::IPsec,
                ConnectionType::IPsec,
            );
            let gw = rec.id(
                p,
                &["virtualNetworkGateway1", "id"],
                "virtual_network_gateway",
            );
            let local = rec.id(p, &["localNetworkGateway2", "id"], "local_network_gateway");
            let Some(gw) = gw else {
                drop_resource(
                    t,
                    ctx,
                    rec,
                    res,
                    "virtual_network_gateway",
                    "the connection names no virtual network gateway",
                );
                return;
            };
            ctx.register(&res.id, kind, &name);
            t.connections.push(GatewayConnection {
                name,
                connection_type,
                virtual_network_gateway: gw,
                local_network_gateway: local,
                remote_address_prefixes: Vec::new(),
                at: res.at.clone(),
            });
        }
        Kind::Bastion => {
            let cfg = rec
                .list(p, &["ipConfigurations"], "vnet")
                .first()
                .copied()
                .cloned();
            let subnet = cfg
                .as_ref()
                .and_then(|c| rec.subnet_id(c, &["properties", "subnet", "id"], "vnet"));
            let public_ip = cfg
                .as_ref()
                .and_then(|c| rec.id(c, &["properties", "publicIPAddress", "id"], "public_ip"));
            let Some(subnet) = subnet else {
                drop_resource(t, ctx, rec, res, "vnet", "the bastion host names no subnet");
                return;
            };
            ctx.register(&res.id, kind, &name);
            t.bastion_hosts.push(BastionHost {
                name,
                region,
                vnet: subnet,
                public_ip,
                at: res.at.clone(),
            });
        }
        Kind::Vm => {
            let network_interfaces = rec.ids(
                p,
                &["networkProfile", "networkInterfaces"],
                "network_interfaces",
            );
            if !rec
                .list(
                    p,
                    &["networkProfile", "networkInterfaceConfigurations"],
                    "network_interfaces",
                )
                .is_empty()
            {
                rec.warn(format!("{}: network interfaces declared inside the VM (networkInterfaceConfigurations) are not imported", rec.resource));
            }
            ctx.register(&res.id, kind, &name);
            t.virtual_machines.push(VirtualMachine {
                name,
                region,
                network_interfaces,
                attached_to: None,
                tags: BTreeMap::new(),
                at: res.at.clone(),
            });
        }
        Kind::Nic => {
            let cfgs = rec.list(p, &["ipConfigurations"], "subnet");
            let primary = cfgs
                .iter()
                .find(|c| at(c, &["properties", "primary"]).is_known_true())
                .or(cfgs.first())
                .copied()
                .cloned();
            let Some(cfg) = primary else {
                drop_resource(
                    t,
                    ctx,
                    rec,
                    res,
                    "subnet",
                    "the network interface has no IP configuration",
                );
                return;
            };
            let subnet = rec.subnet_id(&cfg, &["properties", "subnet", "id"], "subnet");
            let private_ip_address = rec.ip(
                &cfg,
                &["properties", "privateIPAddress"],
                "private_ip_address",
            );
            let public_ip = rec.id(&cfg, &["properties", "publicIPAddress", "id"], "public_ip");
            let asgs = rec.ids(
                &cfg,
                &["properties", "applicationSecurityGroups"],
                "application_security_groups",
            );
            let nsg = rec.id(p, &["networkSecurityGroup", "id"], "network_security_group");
            let fwd = rec.bool(
                p,
                &["enableIPForwarding"],
                "enable_ip_forwarding",
                false,
                true,
            );
            let Some(subnet) = subnet else {
                drop_resource(
                    t,
                    ctx,
                    rec,
                    res,
                    "subnet",
                    "the network interface names no subnet",
                );
                return;
            };
            ctx.register(&res.id, kind, &name);
            t.network_interfaces.push(NetworkInterface {
                name,
                region,
                subnet,
                private_ip_address,
                public_ip,
                network_security_group: nsg,
                application_security_groups: asgs,
                enable_ip_forwarding: fwd,
                at: res.at.clone(),
            });
        }
        Kind::ServiceEndpointPolicy => {
            let mut definitions = Vec::new();
            for d in rec.list(p, &["serviceEndpointPolicyDefinitions"], "definitions") {
                let props = get(d, "properties").cloned().unwrap_or(Json::Null);
                definitions.push(map_sep_definition(
                    get(d, "name").and_then(json_text),
                    &props,
                    &mut rec,
                ));
            }
            ctx.register(&res.id, kind, &name);
            t.service_endpoint_policies.push(ServiceEndpointPolicy {
                name,
                region,
                definitions,
                at: res.at.clone(),
            });
        }
        Kind::PrivateEndpoint => return map_private_endpoint(t, res, rec, ctx),
        Kind::DnsZone => {
            ctx.register(&res.id, kind, &name);
            ctx.zones
                .insert((res.at.clone(), name.to_ascii_lowercase()), res.id.clone());
            t.private_dns_zones.push(PrivateDnsZone {
                name,
                resource_group: None,
                vnet_links: Vec::new(),
                records: Vec::new(),
                fallback_to_internet: false,
                tags: BTreeMap::new(),
                external: false,
                at: res.at.clone(),
            });
        }
        Kind::DnsResolver => {
            let Some(vnet) = rec.id(p, &["virtualNetwork", "id"], "vnet") else {
                drop_resource(
                    t,
                    ctx,
                    rec,
                    res,
                    "vnet",
                    "the resolver names no virtual network",
                );
                return;
            };
            ctx.register(&res.id, kind, &name);
            t.dns_resolvers.push(DnsResolver {
                name,
                region,
                vnet,
                inbound_endpoints: Vec::new(),
                outbound_endpoints: Vec::new(),
                at: res.at.clone(),
            });
        }
        Kind::Ruleset => {
            let outbound_endpoints =
                rec.ids(p, &["dnsResolverOutboundEndpoints"], "outbound_endpoints");
            ctx.register(&res.id, kind, &name);
            t.dns_forwarding_rulesets.push(DnsForwardingRuleset {
                name,
                region,
                outbound_endpoints,
                vnet_links: Vec::new(),
                rules: Vec::new(),
                at: res.at.clone(),
            });
        }
        Kind::Compute => return map_compute(t, res, rec, ctx),
        Kind::OnlineEndpoint => {
            let leaf = last_segment(&res.name);
            let e = OnlineEndpoint {
                name: leaf.clone(),
                workspace: parent_id(&res.id).unwrap_or_default(),
                region,
                public_network_access: rec.enm(
                    p,
                    &["publicNetworkAccess"],
                    "public_network_access",
                    pna,
                    PublicNetworkAccess::Enabled,
                    PublicNetworkAccess::Enabled,
                ),
                // An unreadable mode is taken as key, the mode whose requirements are checked.
                auth_mode: rec.enm(
                    p,
                    &["authMode"],
                    "auth_mode",
                    EndpointAuthMode::parse,
                    EndpointAuthMode::Key,
                    EndpointAuthMode::Key,
                ),
                deployments: Vec::new(),
                tags: BTreeMap::new(),
                at: res.at.clone(),
            };
            ctx.register(&res.id, kind, &leaf);
            t.online_endpoints.push(e);
        }
        Kind::Subnet | Kind::ResolverOutbound | Kind::Aks => unmodelled(t, ctx, res),
    }
    flush(t, ctx, rec);
}

trait KnownTrue {
    fn is_known_true(&self) -> bool;
}

impl KnownTrue for F<&Json> {
    fn is_known_true(&self) -> bool {
        matches!(self, F::Known(v) if json_bool(v) == Some(true))
    }
}

/// Records that a resource cannot be placed in the model and is left out.
fn drop_resource(
    t: &mut Topology,
    ctx: &mut MapContext,
    mut rec: Rec,
    res: &ArmResource,
    field: &str,
    why: &str,
) {
    rec.unknown(field, &format!("{why}; the resource is not imported"));
    rec.warnings.push(warning(
        "not-imported",
        format!("{} is not imported: {why}", rec.resource),
        &res.at,
        None,
    ));
    flush(t, ctx, rec);
}

fn join_path<'a>(base: &[&'a str], k: &'a str) -> Vec<&'a str> {
    base.iter().copied().chain(std::iter::once(k)).collect()
}

fn rule_set(p: &Json, base: &[&str], bypass_path: &[&str], rec: &mut Rec) -> NetworkRuleSet {
    let path = |k: &'static str| join_path(base, k);
    let default_action = rec.enm(
        p,
        &path("defaultAction"),
        "network_acls.default_action",
        DefaultAction::parse,
        DefaultAction::Allow,
        DefaultAction::Allow,
    );
    let bypass = rec.enm(
        p,
        bypass_path,
        "network_acls.bypass",
        |s| Bypass::parse(s.split(',').next().unwrap_or(s).trim()),
        Bypass::AzureServices,
        Bypass::AzureServices,
    );
    let mut ip_rules = Vec::new();
    for r in rec.list(p, &path("ipRules"), "network_acls.ip_rules") {
        let v = get(r, "value").or_else(|| get(r, "ipAddressOrRange"));
        match v {
            Some(x) if unknown_of(x).is_some() => {
                rec.unknown("network_acls.ip_rules", unknown_of(x).unwrap_or_default())
            }
            Some(x) => match json_text(x).map(|s| s.parse::<AddressPrefix>()) {
                Some(Ok(pr)) => ip_rules.push(pr),
                _ => rec.warn(format!("{}: IP rule {x} is not an address", rec.resource)),
            },
            None => {}
        }
    }
    let virtual_network_rules = {
        let mut out = Vec::new();
        for r in rec.list(
            p,
            &path("virtualNetworkRules"),
            "network_acls.virtual_network_rules",
        ) {
            let id = rec
                .id(r, &["id"], "network_acls.virtual_network_rules")
                .or_else(|| {
                    rec.id(
                        r,
                        &["virtualNetworkResourceId"],
                        "network_acls.virtual_network_rules",
                    )
                });
            out.extend(id);
        }
        out
    };
    NetworkRuleSet {
        default_action,
        bypass,
        ip_rules,
        virtual_network_rules,
    }
}

fn map_workspace(res: &ArmResource, rec: &mut Rec) -> Workspace {
    let p = &res.properties;
    let kind = match res.kind.as_deref() {
        Some(k) => {
            let r = WorkspaceKind::parse(k);
            if r.is_none() {
                rec.warn(format!(
                    "{}: unrecognised workspace kind `{k}`",
                    rec.resource
                ));
            }
            r
        }
        None => None,
    };
    let mut network_acls = None;
    let mut acl_rules = Vec::new();
    for r in rec.list(p, &["networkAcls", "ipRules"], "network_acls.ip_rules") {
        match get(r, "value") {
            Some(x) if unknown_of(x).is_some() => {
                rec.unknown("network_acls.ip_rules", unknown_of(x).unwrap_or_default())
            }
            Some(x) => match json_text(x).map(|s| parse_net(&s)) {
                Some(Ok(n)) => acl_rules.push(n),
                _ => rec.warn(format!("{}: IP rule {x} is not an address", rec.resource)),
            },
            None => {}
        }
    }
    let allow_list = rec.nets(p, &["ipAllowlist"], "network_acls.ip_rules");
    let acl_action = rec.opt_enm(
        p,
        &["networkAcls", "defaultAction"],
        "network_acls.default_action",
        DefaultAction::parse,
    );
    if acl_action.is_some() || !acl_rules.is_empty() || !allow_list.is_empty() {
        let mut ip_rules = acl_rules;
        ip_rules.extend(allow_list.iter().copied());
        let default_action = acl_action.unwrap_or(if ip_rules.is_empty() {
            DefaultAction::Allow
        } else {
            DefaultAction::Deny
        });
        network_acls = Some(NetworkAcls {
            default_action,
            ip_rules,
        });
    }
    let mut mn = ManagedNetwork::default();
    let whole_unknown = match at(p, &["managedNetwork"]) {
        F::Unknown(r) => {
            // The whole setting is unknown: read as no managed network.
            rec.unknown("managed_network", &r);
            true
        }
        _ => false,
    };
    if !whole_unknown {
        mn.isolation_mode = rec.enm(
            p,
            &["managedNetwork", "isolationMode"],
            "managed_network.isolation_mode",
            IsolationMode::parse,
            IsolationMode::Disabled,
            IsolationMode::Disabled,
        );
        mn.firewall_sku = rec.opt_enm(
            p,
            &["managedNetwork", "firewallSku"],
            "managed_network.firewall_sku",
            FirewallSku::parse,
        );
    }
    match at(p, &["managedNetwork", "outboundRules"]) {
        _ if whole_unknown => {}
        F::Known(Json::Object(rules)) => {
            for (rname, rule) in rules {
                if let Some(r) = unknown_of(rule) {
                    rec.unknown(&format!("managed_network.outbound_rules.{rname}"), r);
                    continue;
                }
                let props = get(rule, "properties").unwrap_or(rule).clone();
                if let Some(r) = map_outbound_rule(rname, &props, &res.at, rec) {
                    mn.outbound_rules.push(r);
                }
            }
        }
        F::Unknown(r) => rec.unknown("managed_network.outbound_rules", &r),
        _ => {}
    }
    match at(p, &["provisionNetworkNow"]) {
        F::Known(v) => mn.provisioned = json_bool(v),
        F::Unknown(r) => rec.unknown("managed_network.provisioned", &r),
        F::Absent => {}
    }
    let (public_network_access, allow_public_access_when_behind_vnet) =
        posture::workspace_public_access(p, rec);
    let (identity, primary_user_assigned_identity) = posture::workspace_identity(res, rec);
    let serverless_compute = match at(p, &["serverlessComputeSettings"]) {
        F::Absent => None,
        _ => Some(ServerlessCompute {
            subnet: rec
                .subnet_id(
                    p,
                    &["serverlessComputeSettings", "serverlessComputeCustomSubnet"],
                    "serverless_compute.subnet",
                )
                .filter(|s| !s.is_empty()),
            no_public_ip: rec.bool(
                p,
                &["serverlessComputeSettings", "serverlessComputeNoPublicIP"],
                "serverless_compute.no_public_ip",
                false,
                // Unknown: read as without public IP, the case a rule checks (and says undecided).
                true,
            ),
        }),
    };
    Workspace {
        name: res.name.clone(),
        region: res.location.clone(),
        kind,
        workspace_id: None,
        public_network_access,
        network_acls,
        allow_public_access_when_behind_vnet,
        identity,
        primary_user_assigned_identity,
        hbi_workspace: rec.bool(p, &["hbiWorkspace"], "hbi_workspace", false, false),
        image_build_compute: rec
            .str(p, &["imageBuildCompute"], "image_build_compute")
            .filter(|s| !s.is_empty()),
        storage_account: rec
            .id(p, &["storageAccount"], "storage_account")
            .filter(|s| !s.is_empty()),
        key_vault: rec
            .id(p, &["keyVault"], "key_vault")
            .filter(|s| !s.is_empty()),
        container_registry: rec
            .id(p, &["containerRegistry"], "container_registry")
            .filter(|s| !s.is_empty()),
        application_insights: rec
            .id(p, &["applicationInsights"], "application_insights")
            .filter(|s| !s.is_empty()),
        managed_network: mn,
        serverless_compute,
        container_registry_connections: Vec::new(),
        hub: rec
            .id(p, &["hubResourceId"], "hub")
            .filter(|s| !s.is_empty()),
        v1_legacy_mode: rec.bool(p, &["v1LegacyMode"], "v1_legacy_mode", false, false),
        uses_registries: Vec::new(),
        exfiltration_protection: false,
        shares_to: Vec::new(),
        tags: BTreeMap::new(),
        at: res.at.clone(),
    }
}

fn map_outbound_rule(
    rname: &str,
    p: &Json,
    at_: &Provenance,
    rec: &mut Rec,
) -> Option<OutboundRule> {
    let field = format!("managed_network.outbound_rules.{rname}");
    let kind = match at(p, &["type"]) {
        F::Known(v) => match json_text(v).as_deref().and_then(OutboundRuleType::parse) {
            Some(k) => k,
            None => {
                rec.warn(format!(
                    "{}: outbound rule `{rname}` has an unrecognised type {v}; not imported",
                    rec.resource
                ));
                return None;
            }
        },
        F::Unknown(r) => {
            rec.unknown(&field, &format!("{r}; the rule is not imported"));
            return None;
        }
        F::Absent => {
            rec.warn(format!(
                "{}: outbound rule `{rname}` has no type; not imported",
                rec.resource
            ));
            return None;
        }
    };
    let destination = match kind {
        OutboundRuleType::Fqdn => match at(p, &["destination"]) {
            F::Known(v) => OutboundDestination::Fqdn(json_text(v)?),
            F::Unknown(r) => {
                rec.unknown(&field, &format!("{r}; the rule is not imported"));
                return None;
            }
            F::Absent => return None,
        },
        OutboundRuleType::PrivateEndpoint => {
            let Some(service_resource) = rec.id(p, &["destination", "serviceResourceId"], &field)
            else {
                rec.unknown(
                    &field,
                    "the destination resource of the rule is unknown; the rule is not imported",
                );
                return None;
            };
            let Some(subresource_target) =
                rec.str(p, &["destination", "subresourceTarget"], &field)
            else {
                rec.unknown(
                    &field,
                    "the rule's sub-resource is unknown; the rule is not imported",
                );
                return None;
            };
            OutboundDestination::PrivateEndpoint(PrivateEndpointDestination {
                service_resource,
                subresource_target,
                spark_enabled: rec.bool(p, &["destination", "sparkEnabled"], &field, false, true),
            })
        }
        OutboundRuleType::ServiceTag => {
            let Some(service_tag) = rec.str(p, &["destination", "serviceTag"], &field) else {
                rec.unknown(
                    &field,
                    "the rule's service tag is unknown; the rule is not imported",
                );
                return None;
            };
            let protocol = rec.enm(
                p,
                &["destination", "protocol"],
                &field,
                FirewallProtocol::parse,
                FirewallProtocol::Any,
                FirewallProtocol::Any,
            );
            let mut port_ranges = rec.ports(
                get(p, "destination").unwrap_or(&Json::Null),
                "portRanges",
                "portRanges",
                &field,
            );
            if port_ranges.is_empty() {
                port_ranges.push(PortRange::ANY);
            }
            let address_prefixes = rec.nets(p, &["destination", "addressPrefixes"], &field);
            OutboundDestination::ServiceTag(ServiceTagDestination {
                service_tag,
                protocol,
                port_ranges,
                address_prefixes,
            })
        }
    };
    let category = rec.opt_enm(p, &["category"], &field, OutboundRuleCategory::parse);
    let active = match rec.str(p, &["status"], &field) {
        Some(s) => !s.eq_ignore_ascii_case("Inactive"),
        None => true,
    };
    Some(OutboundRule {
        name: rname.to_string(),
        kind,
        destination,
        category,
        active,
        at: at_.clone(),
    })
}

fn map_subnet(
    s: &Json,
    props: Option<&Json>,
    vnet: &str,
    at_: &Provenance,
    rec: &mut Rec,
) -> Option<Subnet> {
    let (name, p) = match props {
        Some(p) => (None, p.clone()),
        None => (
            get(s, "name").and_then(json_text),
            get(s, "properties").cloned().unwrap_or(Json::Null),
        ),
    };
    let name = match props {
        Some(_) => s.as_str().map(String::from),
        None => name,
    };
    let Some(name) = name else {
        rec.warn(format!(
            "{}: a subnet without a name is ignored",
            rec.resource
        ));
        return None;
    };
    let field = format!("subnets/{name}");
    let mut prefixes: Vec<IpNetStr> = Vec::new();
    let mut unknown_prefix = None;
    for key in ["addressPrefixes", "addressPrefix"] {
        match at(&p, &[key]) {
            F::Known(v) => {
                let list: Vec<&Json> = match v {
                    Json::Array(a) => a.iter().collect(),
                    other => vec![other],
                };
                for x in list {
                    if let Some(r) = unknown_of(x) {
                        unknown_prefix = Some(r.to_string());
                        continue;
                    }
                    let Some(t) = json_text(x) else { continue };
                    match t.parse::<IpNetStr>() {
                        Ok(n) => prefixes.push(n),
                        Err(e) => {
                            let w = format!("{}: subnet `{name}`: {e}", rec.resource);
                            rec.bad_address(t.trim(), format!("subnet `{name}`: {e}"), w)
                        }
                    }
                }
            }
            F::Unknown(r) => unknown_prefix = Some(r),
            F::Absent => {}
        }
        if !prefixes.is_empty() {
            break;
        }
    }
    if prefixes.is_empty() {
        let why = unknown_prefix.unwrap_or_else(|| "the subnet has no address prefix".into());
        rec.unknowns.push(Unknown {
            resource: format!("subnet/{vnet}/{name}"),
            field: "address_prefixes".into(),
            reason: format!("{why}; the subnet is not imported"),
            at: at_.clone(),
        });
        rec.warnings.push(warning(
            "not-imported",
            format!("subnet `{vnet}/{name}` is not imported: its address prefix is unknown"),
            at_,
            None,
        ));
        return None;
    }
    let service_endpoints = {
        let mut out = Vec::new();
        for e in rec.list(&p, &["serviceEndpoints"], &field) {
            match at(e, &["service"]) {
                F::Known(v) => out.extend(json_text(v)),
                F::Unknown(r) => rec.unknown(&field, &r),
                F::Absent => {}
            }
        }
        out
    };
    let delegations = {
        let mut out = Vec::new();
        for d in rec.list(&p, &["delegations"], &field) {
            match at(d, &["properties", "serviceName"]) {
                F::Known(v) => out.extend(json_text(v)),
                F::Unknown(r) => rec.unknown(&field, &r),
                F::Absent => out.extend(get(d, "serviceName").and_then(json_text)),
            }
        }
        out
    };
    Some(Subnet {
        name: name.clone(),
        address_prefixes: prefixes,
        network_security_group: rec.id(
            &p,
            &["networkSecurityGroup", "id"],
            &format!("{field}/network_security_group"),
        ),
        route_table: rec.id(&p, &["routeTable", "id"], &format!("{field}/route_table")),
        nat_gateway: rec.id(&p, &["natGateway", "id"], &format!("{field}/nat_gateway")),
        service_endpoints,
        service_endpoint_policies: rec.ids(
            &p,
            &["serviceEndpointPolicies"],
            &format!("{field}/service_endpoint_policies"),
        ),
        delegations,
        private_endpoint_network_policies: rec.enm(
            &p,
            &["privateEndpointNetworkPolicies"],
            &format!("{field}/private_endpoint_network_policies"),
            PrivateEndpointNetworkPolicies::parse,
            PrivateEndpointNetworkPolicies::Disabled,
            PrivateEndpointNetworkPolicies::Disabled,
        ),
        default_outbound_access: rec.bool(
            &p,
            &["defaultOutboundAccess"],
            &format!("{field}/default_outbound_access"),
            true,
            true,
        ),
        external: false,
        at: at_.clone(),
    })
}

fn map_peering(
    pe: &Json,
    props: Option<&Json>,
    at_: &Provenance,
    rec: &mut Rec,
) -> Option<Peering> {
    let (name, p) = match props {
        Some(p) => (pe.as_str().map(String::from), p.clone()),
        None => (
            get(pe, "name").and_then(json_text),
            get(pe, "properties").cloned().unwrap_or(Json::Null),
        ),
    };
    let field = format!("peerings/{}", name.clone().unwrap_or_default());
    let Some(remote) = rec.id(&p, &["remoteVirtualNetwork", "id"], &field) else {
        rec.unknown(
            &field,
            "the peering's remote virtual network is unknown; the peering is not imported",
        );
        return None;
    };
    Some(Peering {
        name,
        remote_vnet: remote,
        allow_virtual_network_access: rec.bool(
            &p,
            &["allowVirtualNetworkAccess"],
            &field,
            true,
            true,
        ),
        allow_forwarded_traffic: rec.bool(&p, &["allowForwardedTraffic"], &field, false, true),
        allow_gateway_transit: rec.bool(&p, &["allowGatewayTransit"], &field, false, true),
        use_remote_gateways: rec.bool(&p, &["useRemoteGateways"], &field, false, true),
        at: at_.clone(),
    })
}

fn map_sep_definition(
    name: Option<String>,
    p: &Json,
    rec: &mut Rec,
) -> ServiceEndpointPolicyDefinition {
    let field = format!("definitions/{}", name.clone().unwrap_or_default());
    ServiceEndpointPolicyDefinition {
        service: rec
            .str(p, &["service"], &field)
            .unwrap_or_else(|| "Microsoft.Storage".into()),
        service_resources: rec.id_strings(p, &["serviceResources"], &field),
        name,
    }
}

fn action_of(rec: &mut Rec, v: &Json, field: &str) -> Option<Access> {
    let a = at(v, &["action", "type"]);
    match a {
        F::Known(x) => json_text(x).as_deref().and_then(Access::parse),
        F::Unknown(r) => {
            rec.unknown(field, &format!("{r}; the rule collection is not imported"));
            None
        }
        F::Absent => match at(v, &["action"]) {
            F::Known(x) => json_text(x).as_deref().and_then(Access::parse),
            _ => None,
        },
    }
}

fn app_protocols(rec: &mut Rec, r: &Json, field: &str) -> Vec<AppProtocolPort> {
    let mut out = Vec::new();
    for pr in rec.list(r, &["protocols"], field) {
        let proto = rec.str(pr, &["protocolType"], field);
        let port = rec.u32(pr, &["port"], field);
        let Some(proto) = proto.and_then(|x| ApplicationProtocol::parse(&x)) else {
            continue;
        };
        let port = port
            .and_then(|p| u16::try_from(p).ok())
            .unwrap_or(match proto {
                ApplicationProtocol::Http => 80,
                ApplicationProtocol::Https => 443,
                ApplicationProtocol::Mssql => 1433,
            });
        out.push(AppProtocolPort {
            protocol: proto,
            port,
        });
    }
    if out.is_empty() {
        out = vec![
            AppProtocolPort {
                protocol: ApplicationProtocol::Http,
                port: 80,
            },
            AppProtocolPort {
                protocol: ApplicationProtocol::Https,
                port: 443,
            },
        ];
    }
    out
}

fn net_rule(
    rec: &mut Rec,
    r: &Json,
    field: &str,
    protocols_key: &str,
) -> (NetworkRule, Vec<String>) {
    let mut protocols = Vec::new();
    for s in rec.strings(r, &[protocols_key], field) {
        match FirewallProtocol::parse(&s) {
            Some(p) => protocols.push(p),
            None => rec.warn(format!(
                "{}: firewall protocol `{s}` is not understood",
                rec.resource
            )),
        }
    }
    if protocols.is_empty() {
        protocols.push(FirewallProtocol::Any);
    }
    let dest_groups = rec.id_strings(r, &["destinationIpGroups"], field);
    let rule = NetworkRule {
        name: rec.str(r, &["name"], field).unwrap_or_default(),
        protocols,
        source_addresses: rec.prefixes(r, "sourceAddresses", "sourceAddresses", field),
        source_ip_groups: rec.id_strings(r, &["sourceIpGroups"], field),
        destination_addresses: rec.prefixes(
            r,
            "destinationAddresses",
            "destinationAddresses",
            field,
        ),
        destination_fqdns: rec.strings(r, &["destinationFqdns"], field),
        destination_ports: rec.ports(r, "destinationPorts", "destinationPorts", field),
        at: rec.at.clone(),
    };
    (rule, dest_groups)
}

fn app_rule(rec: &mut Rec, r: &Json, field: &str) -> ApplicationRule {
    ApplicationRule {
        name: rec.str(r, &["name"], field).unwrap_or_default(),
        source_addresses: rec.prefixes(r, "sourceAddresses", "sourceAddresses", field),
        source_ip_groups: rec.id_strings(r, &["sourceIpGroups"], field),
        protocols: app_protocols(rec, r, field),
        target_fqdns: rec.strings(r, &["targetFqdns"], field),
        fqdn_tags: rec.strings(r, &["fqdnTags"], field),
        at: rec.at.clone(),
    }
}

/// A DNAT rule, classic (`protocols`) or of a policy (`ipProtocols`).
fn nat_rule(rec: &mut Rec, r: &Json, field: &str, protocols_key: &str) -> NatRule {
    let (net, _) = net_rule(rec, r, field, protocols_key);
    let translated_port =
        rec.str(r, &["translatedPort"], field)
            .and_then(|p| match p.trim().parse::<u16>() {
                Ok(n) => Some(n),
                Err(_) => {
                    rec.warn(format!(
                        "{}: DNAT translated port `{p}` is not a port",
                        rec.resource
                    ));
                    None
                }
            });
    NatRule {
        name: net.name,
        protocols: net.protocols,
        source_addresses: net.source_addresses,
        source_ip_groups: net.source_ip_groups,
        destination_addresses: net.destination_addresses,
        destination_ports: net.destination_ports,
        translated_address: rec.ip(r, &["translatedAddress"], field),
        translated_fqdn: rec.str(r, &["translatedFqdn"], field),
        translated_port,
        at: rec.at.clone(),
    }
}

/// The classic DNAT rule collections of a firewall.
fn nat_collections(rec: &mut Rec, p: &Json, at_: &Provenance) -> Vec<NatRuleCollection> {
    let mut out = Vec::new();
    for c in rec.list(p, &["natRuleCollections"], "nat_rule_collections") {
        let cname = get(c, "name").and_then(json_text).unwrap_or_default();
        let field = format!("nat_rule_collections/{cname}");
        let cp = get(c, "properties").cloned().unwrap_or(Json::Null);
        let Some(priority) = rec.u32(&cp, &["priority"], &field) else {
            continue;
        };
        let rules = rec
            .list(&cp, &["rules"], &field)
            .into_iter()
            .map(|r| nat_rule(rec, r, &field, "protocols"))
            .collect();
        out.push(NatRuleCollection {
            name: cname,
            priority,
            rules,
            at: at_.clone(),
        });
    }
    out
}

fn map_firewall(t: &mut Topology, res: &ArmResource, rec: &mut Rec, ctx: &mut MapContext) {
    let p = &res.properties;
    let name = res.name.clone();
    let cfgs = rec.list(p, &["ipConfigurations"], "vnet");
    let first = cfgs.first().copied().cloned();
    let subnet = first
        .as_ref()
        .and_then(|c| rec.subnet_id(c, &["properties", "subnet", "id"], "vnet"));
    let explicit_ip = first
        .as_ref()
        .and_then(|c| rec.ip(c, &["properties", "privateIPAddress"], "private_ip_address"));
    let public_ips: Vec<String> = cfgs
        .iter()
        .filter_map(|c| rec.id(c, &["properties", "publicIPAddress", "id"], "public_ips"))
        .collect();
    let Some(subnet) = subnet else {
        rec.unknown(
            "vnet",
            "the firewall names no subnet; the firewall is not imported",
        );
        rec.warnings.push(warning(
            "not-imported",
            format!("{} is not imported: it names no subnet", rec.resource),
            &res.at,
            None,
        ));
        return;
    };
    let sku = res
        .sku
        .as_ref()
        .and_then(|s| rec.opt_enm(s, &["tier"], "sku", FirewallSku::parse));
    let dns_proxy = rec.bool(
        p,
        &["additionalProperties", "Network.DNS.EnableProxy"],
        "dns_proxy",
        false,
        false,
    );
    let dns_servers = rec
        .strings(
            p,
            &["additionalProperties", "Network.DNS.Servers"],
            "dns_servers",
        )
        .into_iter()
        .filter_map(|s| s.parse::<IpAddr>().ok())
        .collect();
    let mut network_rule_collections = Vec::new();
    for c in rec.list(p, &["networkRuleCollections"], "network_rule_collections") {
        let cname = get(c, "name").and_then(json_text).unwrap_or_default();
        let field = format!("network_rule_collections/{cname}");
        let cp = get(c, "properties").cloned().unwrap_or(Json::Null);
        let Some(action) = action_of(rec, &cp, &field) else {
            continue;
        };
        let Some(priority) = rec.u32(&cp, &["priority"], &field) else {
            continue;
        };
        let mut rules = Vec::new();
        let ci = network_rule_collections.len();
        for r in rec.list(&cp, &["rules"], &field) {
            let (rule, groups) = net_rule(rec, r, &field, "protocols");
            if !groups.is_empty() {
                ctx.dest_ip_groups.push((
                    Kind::Firewall,
                    name.clone(),
                    vec![0, ci, rules.len()],
                    groups,
                ));
            }
            rules.push(rule);
        }
        network_rule_collections.push(NetworkRuleCollection {
            name: cname,
            priority,
            action,
            rules,
            at: res.at.clone(),
        });
    }
    let mut application_rule_collections = Vec::new();
    for c in rec.list(
        p,
        &["applicationRuleCollections"],
        "application_rule_collections",
    ) {
        let cname = get(c, "name").and_then(json_text).unwrap_or_default();
        let field = format!("application_rule_collections/{cname}");
        let cp = get(c, "properties").cloned().unwrap_or(Json::Null);
        let Some(action) = action_of(rec, &cp, &field) else {
            continue;
        };
        let Some(priority) = rec.u32(&cp, &["priority"], &field) else {
            continue;
        };
        let rules = rec
            .list(&cp, &["rules"], &field)
            .into_iter()
            .map(|r| app_rule(rec, r, &field))
            .collect();
        application_rule_collections.push(ApplicationRuleCollection {
            name: cname,
            priority,
            action,
            rules,
            at: res.at.clone(),
        });
    }
    let nat_rule_collections = nat_collections(rec, p, &res.at);
    if explicit_ip.is_none() {
        ctx.firewall_ip_from_subnet.insert(name.clone());
    }
    ctx.register(&res.id, Kind::Firewall, &name);
    t.firewalls.push(Firewall {
        name,
        region: res.location.clone(),
        vnet: subnet,
        private_ip_address: explicit_ip,
        public_ips,
        sku,
        firewall_policy: rec.id(p, &["firewallPolicy", "id"], "firewall_policy"),
        dns_proxy,
        dns_servers,
        network_rule_collections,
        application_rule_collections,
        nat_rule_collections,
        tags: BTreeMap::new(),
        at: res.at.clone(),
    });
}

fn map_private_endpoint(t: &mut Topology, res: &ArmResource, mut rec: Rec, ctx: &mut MapContext) {
    let p = &res.properties;
    let name = res.name.clone();
    let subnet = rec.subnet_id(p, &["subnet", "id"], "subnet");
    let auto = rec.list(p, &["privateLinkServiceConnections"], "target");
    let manual = rec.list(p, &["manualPrivateLinkServiceConnections"], "target");
    let (conn, is_manual) = match (auto.first(), manual.first()) {
        (Some(c), _) => ((*c).clone(), false),
        (None, Some(c)) => ((*c).clone(), true),
        (None, None) => {
            drop_resource(
                t,
                ctx,
                rec,
                res,
                "target",
                "the private endpoint's connection (target and group id) is unknown or absent",
            );
            return;
        }
    };
    if auto.len() + manual.len() > 1 {
        rec.warn(format!(
            "{}: only the first private link service connection is imported",
            rec.resource
        ));
    }
    let target = rec.id(&conn, &["properties", "privateLinkServiceId"], "target");
    let groups = rec.strings(&conn, &["properties", "groupIds"], "group_id");
    let Some(group_id) = groups.first().cloned() else {
        drop_resource(
            t,
            ctx,
            rec,
            res,
            "group_id",
            "the private endpoint's group id is unknown",
        );
        return;
    };
    let open = match &target {
        Some(_) => None,
        None => match rec.open_target(&group_id) {
            Some(a) => Some(a),
            None => {
                let why = "the private endpoint's target is unknown";
                drop_resource(t, ctx, rec, res, "target", why);
                return;
            }
        },
    };
    let target = target.unwrap_or_default();
    let target_type = type_of_id(&target).unwrap_or_default().to_ascii_lowercase();
    let addr_kind = match target_type.as_str() {
        _ if open.is_some() => AddrKind::Workspace,
        "microsoft.machinelearningservices/workspaces" => AddrKind::Workspace,
        "microsoft.machinelearningservices/registries" => AddrKind::Registry,
        "microsoft.storage/storageaccounts" => AddrKind::Storage,
        "microsoft.keyvault/vaults" => AddrKind::Keyvault,
        "microsoft.containerregistry/registries" => AddrKind::Acr,
        "microsoft.insights/privatelinkscopes" => AddrKind::Ampls,
        _ => {
            // A target the model cannot address (AI Services, Search, ...): kept as unmodelled.
            rec.warn(format!(
                "{}: the target `{}` is of a type the model does not cover; the private endpoint is listed as unmodelled",
                rec.resource,
                type_of_id(&target).unwrap_or_else(|| target.clone())
            ));
            unmodelled(t, ctx, res);
            flush(t, ctx, rec);
            return;
        }
    };
    let Some(subnet) = subnet else {
        drop_resource(
            t,
            ctx,
            rec,
            res,
            "subnet",
            "the private endpoint's subnet is unknown",
        );
        return;
    };
    let state = if is_manual {
        ConnectionState::Pending
    } else {
        rec.enm(
            &conn,
            &["properties", "privateLinkServiceConnectionState", "status"],
            "connection_state",
            ConnectionState::parse,
            ConnectionState::Approved,
            ConnectionState::Pending,
        )
    };
    let mut ip_address = None;
    for cfg in rec.list(p, &["ipConfigurations"], "ip_address") {
        if let Some(ip) = rec.ip(cfg, &["properties", "privateIPAddress"], "ip_address") {
            ip_address.get_or_insert(ip);
        }
    }
    ctx.register(&res.id, Kind::PrivateEndpoint, &name);
    t.private_endpoints.push(PrivateEndpoint {
        name,
        region: res.location.clone(),
        subnet,
        target: open.unwrap_or(Address::Resource {
            kind: addr_kind,
            name: target,
            sub: None,
        }),
        group_id,
        ip_address,
        connection_state: state,
        dns_zone_group: Vec::new(),
        created: None,
        tags: BTreeMap::new(),
        at: res.at.clone(),
    });
    flush(t, ctx, rec);
}

fn map_compute(t: &mut Topology, res: &ArmResource, mut rec: Rec, ctx: &mut MapContext) {
    let p = &res.properties;
    let leaf = last_segment(&res.name);
    let workspace = parent_id(&res.id).unwrap_or_default();
    let region = res.location.clone();
    let ctype = match at(p, &["computeType"]) {
        F::Known(v) => json_text(v).unwrap_or_default(),
        F::Unknown(r) => {
            drop_resource(
                t,
                ctx,
                rec,
                res,
                "type",
                &format!("{r}: the compute type is unknown"),
            );
            return;
        }
        F::Absent => String::new(),
    };
    let inner = get(p, "properties").cloned().unwrap_or(Json::Null);
    if ctype.eq_ignore_ascii_case("AKS") || ctype.eq_ignore_ascii_case("Kubernetes") {
        let subnet = rec.subnet_id(
            &inner,
            &["aksNetworkingConfiguration", "subnetId"],
            "subnet",
        );
        let node_count = rec.u32(&inner, &["agentCount"], "node_count");
        let cluster = rec.id(p, &["resourceId"], "cluster");
        ctx.register(&res.id, Kind::Aks, &leaf);
        if let Some(c) = &cluster {
            // The cluster's own declaration fills what the attachment leaves out (in finish).
            ctx.register(c, Kind::Aks, &leaf);
        }
        t.aks_clusters.push(AksCluster {
            name: leaf,
            workspace,
            region,
            subnet,
            node_count,
            tags: BTreeMap::new(),
            at: res.at.clone(),
        });
        flush(t, ctx, rec);
        return;
    }
    let Some(compute_type) = ComputeType::parse(&ctype) else {
        unmodelled(t, ctx, res);
        flush(t, ctx, rec);
        return;
    };
    let (min_nodes, max_nodes) = match compute_type {
        ComputeType::ComputeInstance => (0, 1),
        ComputeType::AmlCompute => (
            rec.u32(&inner, &["scaleSettings", "minNodeCount"], "min_nodes")
                .unwrap_or(0),
            rec.u32(&inner, &["scaleSettings", "maxNodeCount"], "max_nodes")
                .unwrap_or(1),
        ),
    };
    let identity = match res.identity.as_ref().map(|i| at(i, &["type"])) {
        Some(F::Known(v)) => json_text(v).as_deref().and_then(IdentityType::parse),
        Some(F::Unknown(r)) => {
            rec.unknown("identity", &r);
            None
        }
        _ => None,
    };
    let c = Compute {
        name: leaf.clone(),
        workspace,
        compute_type,
        // The resource's own location (already reported when unknown) comes first.
        region: region.or_else(|| {
            get(p, "computeLocation")
                .filter(|v| unknown_of(v).is_none())
                .and_then(json_text)
        }),
        vm_size: rec.str(&inner, &["vmSize"], "vm_size"),
        gpu: None,
        min_nodes,
        max_nodes,
        subnet: rec.subnet_id(&inner, &["subnet", "id"], "subnet"),
        enable_node_public_ip: rec.bool(
            &inner,
            &["enableNodePublicIp"],
            "enable_node_public_ip",
            true,
            true,
        ),
        identity,
        disable_local_auth: posture::compute_local_auth_disabled(p, &mut rec),
        idle_time_before_shutdown: match compute_type {
            ComputeType::ComputeInstance => posture::idle_time_before_shutdown(&inner, &mut rec),
            ComputeType::AmlCompute => None,
        },
        uses: Vec::new(),
        tags: BTreeMap::new(),
        at: res.at.clone(),
    };
    ctx.register(&res.id, Kind::Compute, &leaf);
    t.computes.push(c);
    flush(t, ctx, rec);
}

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
            map_subnet(&leaf_json, Some(p), &vnet, &res.at, &mut rec).map(Payload::Subnet)
        }
        ChildKind::Peering => {
            map_peering(&leaf_json, Some(p), &res.at, &mut rec).map(Payload::Peering)
        }
        ChildKind::SecurityRule => {
            map_rule(&leaf_json, Some(p), &res.at, &mut rec).map(Payload::Rule)
        }
        ChildKind::Route => map_route(&leaf_json, Some(p), &res.at, &mut rec).map(Payload::Route),
        ChildKind::RuleCollectionGroup => {
            let priority = rec.u32(p, &["priority"], "priority");
            match priority {
                None => {
                    rec.unknown(
                        "priority",
                        "the rule collection group has no known priority; not imported",
                    );
                    None
                }
                Some(priority) => {
                    let mut g = RuleCollectionGroup {
                        name: leaf.clone(),
                        priority,
                        network_rule_collections: Vec::new(),
                        application_rule_collections: Vec::new(),
                        nat_rule_collections: Vec::new(),
                        at: res.at.clone(),
                    };
                    let mut groups = Vec::new();
                    for c in rec.list(p, &["ruleCollections"], "rule_collections") {
                        let cname = get(c, "name").and_then(json_text).unwrap_or_default();
                        let field = format!("rule_collections/{cname}");
                        let kind = get(c, "ruleCollectionType").and_then(json_text);
                        if kind.as_deref().is_some_and(|k| {
                            k.eq_ignore_ascii_case("FirewallPolicyNatRuleCollection")
                        }) {
                            let Some(cprio) = rec.u32(c, &["priority"], &field) else {
                                continue;
                            };
                            let rules = rec
                                .list(c, &["rules"], &field)
                                .into_iter()
                                .map(|r| nat_rule(&mut rec, r, &field, "ipProtocols"))
                                .collect();
                            g.nat_rule_collections.push(NatRuleCollection {
                                name: cname,
                                priority: cprio,
                                rules,
                                at: res.at.clone(),
                            });
                            continue;
                        }
                        let Some(action) = action_of(&mut rec, c, &field) else {
                            continue;
                        };
                        let Some(cprio) = rec.u32(c, &["priority"], &field) else {
                            continue;
                        };
                        let mut nrules = Vec::new();
                        let mut arules = Vec::new();
                        for r in rec.list(c, &["rules"], &field) {
                            let rt = get(r, "ruleType")
                                .and_then(json_text)
                                .unwrap_or_default()
                                .to_ascii_lowercase();
                            match rt.as_str() {
                                "networkrule" => {
                                    let (rule, dg) = net_rule(&mut rec, r, &field, "ipProtocols");
                                    if !dg.is_empty() {
                                        groups.push((
                                            g.network_rule_collections.len(),
                                            nrules.len(),
                                            dg.join(","),
                                        ));
                                    }
                                    nrules.push(rule);
                                }
                                "applicationrule" => arules.push(app_rule(&mut rec, r, &field)),
                                other => rec.warn(format!(
                                    "{}: `{other}` rules are not imported",
                                    rec.resource
                                )),
                            }
                        }
                        if !nrules.is_empty() {
                            g.network_rule_collections.push(NetworkRuleCollection {
                                name: cname.clone(),
                                priority: cprio,
                                action,
                                rules: nrules,
                                at: res.at.clone(),
                            });
                        }
                        if !arules.is_empty() {
                            g.application_rule_collections
                                .push(ApplicationRuleCollection {
                                    name: cname,
                                    priority: cprio,
                                    action,
                                    rules: arules,
                                    at: res.at.clone(),
                                });
                        }
                    }
                    Some(Payload::Rcg(g, groups))
                }
            }
        }
        ChildKind::ZoneGroup => {
            let mut zones = Vec::new();
            for c in rec.list(p, &["privateDnsZoneConfigs"], "dns_zone_group") {
                if let Some(z) = rec.id(c, &["properties", "privateDnsZoneId"], "dns_zone_group") {
                    zones.push(z);
                }
            }
            Some(Payload::ZoneIds(zones))
        }
        ChildKind::VnetLink => {
            let vnet = rec.id(p, &["virtualNetwork", "id"], "vnet_links");
            let fallback = rec
                .str(p, &["resolutionPolicy"], "fallback_to_internet")
                .is_some_and(|r| r.eq_ignore_ascii_case("NxDomainRedirect"));
            Some(Payload::VnetLink(vnet, fallback))
        }
        ChildKind::RecordA | ChildKind::RecordAaaa | ChildKind::RecordCname => {
            let (rt, values) = match ck {
                ChildKind::RecordA => (RecordType::A, {
                    let mut v = Vec::new();
                    for r in rec.list(p, &["aRecords"], "records") {
                        v.extend(rec.str(r, &["ipv4Address"], "records"));
                    }
                    v
                }),
                ChildKind::RecordAaaa => (RecordType::Aaaa, {
                    let mut v = Vec::new();
                    for r in rec.list(p, &["aaaaRecords"], "records") {
                        v.extend(rec.str(r, &["ipv6Address"], "records"));
                    }
                    v
                }),
                _ => (
                    RecordType::Cname,
                    rec.str(p, &["cnameRecord", "cname"], "records")
                        .into_iter()
                        .collect(),
                ),
            };
            if values.is_empty() {
                None
            } else {
                Some(Payload::Record(DnsRecord {
                    name: leaf.clone(),
                    record_type: rt,
                    values,
                    at: res.at.clone(),
                }))
            }
        }
        ChildKind::InboundEndpoint | ChildKind::OutboundEndpoint => {
            let (subnet, ip) = if ck == ChildKind::InboundEndpoint {
                let cfg = rec
                    .list(p, &["ipConfigurations"], "subnet")
                    .first()
                    .copied()
                    .cloned()
                    .unwrap_or(Json::Null);
                (
                    rec.subnet_id(&cfg, &["subnet", "id"], "subnet"),
                    rec.ip(&cfg, &["privateIpAddress"], "ip_address"),
                )
            } else {
                (rec.subnet_id(p, &["subnet", "id"], "subnet"), None)
            };
            match subnet {
                Some(subnet) => Some(Payload::Endpoint(ResolverEndpoint {
                    name: leaf.clone(),
                    subnet,
                    ip_address: ip,
                })),
                None => {
                    rec.unknown("subnet", "the endpoint's subnet is unknown; not imported");
                    None
                }
            }
        }
        ChildKind::ForwardingRule => {
            let domain = rec.str(p, &["domainName"], "domain_name");
            let mut servers = Vec::new();
            for s in rec.list(p, &["targetDnsServers"], "target_dns_servers") {
                if let Some(ip) = rec.ip(s, &["ipAddress"], "target_dns_servers") {
                    servers.push(ip);
                }
            }
            let state = rec.enm(
                p,
                &["forwardingRuleState"],
                "state",
                RuleState::parse,
                RuleState::Enabled,
                RuleState::Enabled,
            );
            domain.map(|domain_name| {
                Payload::ForwardingRule(ForwardingRule {
                    name: leaf.clone(),
                    domain_name,
                    target_dns_servers: servers,
                    state,
                })
            })
        }
        ChildKind::RulesetLink => Some(Payload::RulesetLink(rec.id(
            p,
            &["virtualNetwork", "id"],
            "vnet_links",
        ))),
        ChildKind::OutboundRule => {
            map_outbound_rule(&leaf, p, &res.at, &mut rec).map(Payload::OutboundRule)
        }
        ChildKind::OnlineDeployment => Some(Payload::OnlineDeployment(OnlineDeployment {
            name: leaf.clone(),
            egress_public_network_access: rec.enm(
                p,
                &["egressPublicNetworkAccess"],
                "egress_public_network_access",
                pna,
                PublicNetworkAccess::Enabled,
                PublicNetworkAccess::Enabled,
            ),
            model: rec.str(p, &["model"], "model"),
            environment: rec.str(p, &["environmentId"], "environment"),
            at: res.at.clone(),
        })),
        ChildKind::ScopedResource => Some(Payload::Scoped(rec.id(
            p,
            &["linkedResourceId"],
            "scoped_resources",
        ))),
        ChildKind::SepDefinition => Some(Payload::SepDefinition(map_sep_definition(
            Some(leaf.clone()),
            p,
            &mut rec,
        ))),
    };
    if let Some(payload) = payload {
        ctx.pending.push(Pending {
            kind: ck,
            res: res.clone(),
            payload,
        });
    }
    flush(t, ctx, rec);
}

// ----- finish: linking by resolved identity -----

fn find(list_names: &[&str], name: &str) -> Option<usize> {
    list_names.iter().position(|n| n.eq_ignore_ascii_case(name))
}

macro_rules! names_of {
    ($list:expr) => {
        $list.iter().map(|x| x.name.as_str()).collect::<Vec<&str>>()
    };
}

/// Reports a reference the template makes to something it does not deploy.
fn dangling(
    t: &mut Topology,
    ctx: &mut MapContext,
    resource: String,
    field: &str,
    reason: String,
    at: &Provenance,
    consequence: &str,
) {
    t.unknowns.push(Unknown {
        resource: resource.clone(),
        field: field.into(),
        reason: format!("{reason}; {consequence}"),
        at: at.clone(),
    });
    ctx.warnings.push(warning(
        "dangling-reference",
        format!("{resource}: {field}: {reason}"),
        at,
        Some(format!("{consequence}; the template refers to a resource declared elsewhere, which the importer cannot check")),
    ));
}

fn parent_index(t: &Topology, kind: Kind, name: &str) -> Option<usize> {
    match kind {
        Kind::Vnet => find(&names_of!(t.virtual_networks), name),
        Kind::Nsg => find(&names_of!(t.network_security_groups), name),
        Kind::RouteTable => find(&names_of!(t.route_tables), name),
        Kind::FirewallPolicy => find(&names_of!(t.firewall_policies), name),
        Kind::PrivateEndpoint => find(&names_of!(t.private_endpoints), name),
        Kind::DnsZone => {
            let keys: Vec<String> = t
                .private_dns_zones
                .iter()
                .map(PrivateDnsZone::key)
                .collect();
            keys.iter().position(|k| k.eq_ignore_ascii_case(name))
        }
        Kind::DnsResolver => find(&names_of!(t.dns_resolvers), name),
        Kind::Ruleset => find(&names_of!(t.dns_forwarding_rulesets), name),
        Kind::Workspace => find(&names_of!(t.workspaces), name),
        Kind::OnlineEndpoint => find(&names_of!(t.online_endpoints), name),
        Kind::Ampls => find(&names_of!(t.monitor_private_link_scopes), name),
        Kind::ServiceEndpointPolicy => find(&names_of!(t.service_endpoint_policies), name),
        _ => None,
    }
}

fn attach(t: &mut Topology, ctx: &mut MapContext) {
    let pending = std::mem::take(&mut ctx.pending);
    let mut left: Vec<Pending> = Vec::new();
    for pd in pending {
        let parent_kind = pd.kind.parent();
        let from_id = parent_id(&pd.res.id).and_then(|pid| ctx.resolve(&pid, &[parent_kind]).ok());
        let parent = from_id.map(|t| t.name).or_else(|| {
            let (pname, _) = pd.res.name.rsplit_once('/')?;
            let pname = match parent_kind {
                Kind::OnlineEndpoint => last_segment(pname),
                _ => pname.to_string(),
            };
            ctx.resolve(&pname, &[parent_kind]).ok().map(|t| t.name)
        });
        let Some(i) = parent.and_then(|p| parent_index(t, parent_kind, &p)) else {
            left.push(pd);
            continue;
        };
        match pd.payload {
            Payload::Subnet(s) => {
                let v = &mut t.virtual_networks[i];
                let full = format!("{}/{}", v.name, s.name);
                match v
                    .subnets
                    .iter()
                    .position(|x| x.name.eq_ignore_ascii_case(&s.name))
                {
                    Some(j) => v.subnets[j] = s,
                    None => v.subnets.push(s),
                }
                ctx.register(&pd.res.id, Kind::Subnet, &full);
            }
            Payload::Peering(pe) => t.virtual_networks[i].peerings.push(pe),
            Payload::Rule(r) => {
                let n = &mut t.network_security_groups[i];
                match n
                    .rules
                    .iter()
                    .position(|x| x.name.eq_ignore_ascii_case(&r.name))
                {
                    Some(j) => n.rules[j] = r,
                    None => n.rules.push(r),
                }
            }
            Payload::Route(r) => t.route_tables[i].routes.push(r),
            Payload::Rcg(g, groups) => {
                let fp = &mut t.firewall_policies[i];
                let gi = fp.rule_collection_groups.len();
                let pname = fp.name.clone();
                fp.rule_collection_groups.push(g);
                for (ci, ri, ids) in groups {
                    ctx.dest_ip_groups.push((
                        Kind::FirewallPolicy,
                        pname.clone(),
                        vec![gi, ci, ri],
                        ids.split(',').map(String::from).collect(),
                    ));
                }
            }
            Payload::ZoneIds(z) => t.private_endpoints[i].dns_zone_group.extend(z),
            Payload::VnetLink(vnet, fallback) => {
                let zone = &mut t.private_dns_zones[i];
                zone.fallback_to_internet |= fallback;
                zone.vnet_links.extend(vnet);
            }
            Payload::Record(r) => t.private_dns_zones[i].records.push(r),
            Payload::Endpoint(e) => {
                let r = &mut t.dns_resolvers[i];
                let full = format!("{}/{}", r.name, e.name);
                if pd.kind == ChildKind::InboundEndpoint {
                    r.inbound_endpoints.push(e);
                } else {
                    r.outbound_endpoints.push(e);
                    ctx.register(&pd.res.id, Kind::ResolverOutbound, &full);
                }
            }
            Payload::ForwardingRule(fr) => t.dns_forwarding_rulesets[i].rules.push(fr),
            Payload::RulesetLink(v) => t.dns_forwarding_rulesets[i].vnet_links.extend(v),
            Payload::OutboundRule(r) => {
                let w = &mut t.workspaces[i];
                match w
                    .managed_network
                    .outbound_rules
                    .iter()
                    .position(|x| x.name.eq_ignore_ascii_case(&r.name))
                {
                    Some(j) => w.managed_network.outbound_rules[j] = r,
                    None => w.managed_network.outbound_rules.push(r),
                }
            }
            Payload::OnlineDeployment(d) => t.online_endpoints[i].deployments.push(d),
            Payload::Scoped(id) => t.monitor_private_link_scopes[i].scoped_resources.extend(id),
            Payload::SepDefinition(d) => t.service_endpoint_policies[i].definitions.push(d),
        }
    }
    for pd in left {
        let Some(pd) = external::subnet_of_existing_vnet(t, ctx, pd) else {
            continue;
        };
        let parent_kind = pd.kind.parent();
        let pid = parent_id(&pd.res.id).unwrap_or_default();
        if ctx.unmodelled_ids.contains(&canonical_id(&pid)) {
            unmodelled(t, ctx, &pd.res);
            continue;
        }
        dangling(
            t,
            ctx,
            resource_label(&pd.res.rtype, &pd.res.name),
            "parent",
            format!(
                "its parent {} `{pid}` is not deployed by this template",
                parent_kind.what()
            ),
            &pd.res.at,
            "it is not imported",
        );
    }
}

fn merge_clusters(t: &mut Topology, ctx: &mut MapContext) {
    let clusters = std::mem::take(&mut ctx.clusters);
    for c in clusters {
        let used = match ctx.ids.get(&canonical_id(&c.id)) {
            Some(tg) if tg.kind == Kind::Aks => Some(tg.name.clone()),
            _ => None,
        };
        match used {
            Some(aks_name) => {
                for a in t.aks_clusters.iter_mut().filter(|a| a.name == aks_name) {
                    if a.subnet.is_none() {
                        a.subnet.clone_from(&c.subnet);
                    }
                    if a.node_count.is_none() {
                        a.node_count = c.node_count;
                    }
                }
            }
            None => t.unmodelled.push(Unmodelled {
                resource_type: c.rtype,
                name: c.name,
                at: c.at,
            }),
        }
    }
}

/// Resolves a required reference; `Err` carries the reason when it dangles.
fn req(ctx: &MapContext, raw: &str, kinds: &[Kind]) -> Result<String, String> {
    ctx.resolve(raw, kinds).map(|t| t.name)
}

fn opt(
    t: &mut Topology,
    ctx: &mut MapContext,
    v: &mut Option<String>,
    kinds: &[Kind],
    resource: &str,
    field: &str,
    at: &Provenance,
) {
    let Some(raw) = v.clone() else { return };
    match ctx.resolve(&raw, kinds) {
        Ok(tg) => *v = Some(tg.name),
        Err(e) => {
            *v = None;
            dangling(
                t,
                ctx,
                resource.to_string(),
                field,
                e,
                at,
                "read as not set",
            );
        }
    }
}

fn list(
    t: &mut Topology,
    ctx: &mut MapContext,
    v: &mut Vec<String>,
    kinds: &[Kind],
    resource: &str,
    field: &str,
    at: &Provenance,
) {
    let raw = std::mem::take(v);
    for r in raw {
        match ctx.resolve(&r, kinds) {
            Ok(tg) => {
                if !v.contains(&tg.name) {
                    v.push(tg.name);
                }
            }
            Err(e) => dangling(
                t,
                ctx,
                resource.to_string(),
                field,
                e,
                at,
                "the entry is left out",
            ),
        }
    }
}

fn resolve_refs(t: &mut Topology, ctx: &mut MapContext) {
    // Workspaces.
    let mut ws = std::mem::take(&mut t.workspaces);
    for w in &mut ws {
        let label = format!("workspace/{}", w.name);
        opt(
            t,
            ctx,
            &mut w.storage_account,
            &[Kind::Storage],
            &label,
            "storage_account",
            &w.at,
        );
        opt(
            t,
            ctx,
            &mut w.key_vault,
            &[Kind::KeyVault],
            &label,
            "key_vault",
            &w.at,
        );
        opt(
            t,
            ctx,
            &mut w.container_registry,
            &[Kind::Acr],
            &label,
            "container_registry",
            &w.at,
        );
        opt(
            t,
            ctx,
            &mut w.application_insights,
            &[Kind::AppInsights],
            &label,
            "application_insights",
            &w.at,
        );
        opt(t, ctx, &mut w.hub, &[Kind::Workspace], &label, "hub", &w.at);
        if let Some(sc) = &mut w.serverless_compute {
            opt_subnet(t, ctx, &mut sc.subnet, &label, &w.at);
        }
        for r in &mut w.managed_network.outbound_rules {
            if let OutboundDestination::PrivateEndpoint(d) = &mut r.destination
                && let Some(a) = address_of(ctx, &d.service_resource, &d.subresource_target)
            {
                d.service_resource = a.to_string();
            }
        }
    }
    t.workspaces = ws;
    // Computes, clusters, endpoints: their workspace is their parent.
    let mut computes = std::mem::take(&mut t.computes);
    computes.retain_mut(|c| {
        let label = format!("compute/{}", c.name);
        match req(ctx, &c.workspace, &[Kind::Workspace]) {
            Ok(n) => c.workspace = n,
            Err(e) => {
                dangling(
                    t,
                    ctx,
                    label,
                    "workspace",
                    e,
                    &c.at,
                    "the compute is not imported",
                );
                return false;
            }
        }
        opt_subnet(t, ctx, &mut c.subnet, &label, &c.at);
        true
    });
    t.computes = computes;
    let mut aks = std::mem::take(&mut t.aks_clusters);
    aks.retain_mut(|a| {
        let label = format!("aks/{}", a.name);
        match req(ctx, &a.workspace, &[Kind::Workspace]) {
            Ok(n) => a.workspace = n,
            Err(e) => {
                dangling(
                    t,
                    ctx,
                    label,
                    "workspace",
                    e,
                    &a.at,
                    "the cluster is not imported",
                );
                return false;
            }
        }
        opt_subnet(t, ctx, &mut a.subnet, &label, &a.at);
        true
    });
    t.aks_clusters = aks;
    let mut eps = std::mem::take(&mut t.online_endpoints);
    eps.retain_mut(|e| match req(ctx, &e.workspace, &[Kind::Workspace]) {
        Ok(n) => {
            e.workspace = n;
            true
        }
        Err(err) => {
            dangling(
                t,
                ctx,
                format!("online-endpoint/{}", e.name),
                "workspace",
                err,
                &e.at,
                "the endpoint is not imported",
            );
            false
        }
    });
    t.online_endpoints = eps;
    // Dependencies' firewalls.
    let mut sas = std::mem::take(&mut t.storage_accounts);
    for s in &mut sas {
        let label = format!("storage/{}", s.name);
        subnets(
            t,
            ctx,
            &mut s.network_rules.virtual_network_rules,
            &label,
            "network_rules.virtual_network_rules",
            &s.at,
        );
        for r in &mut s.network_rules.resource_access_rules {
            resource_access(t, ctx, r, &label, &s.at);
        }
    }
    t.storage_accounts = sas;
    let mut kvs = std::mem::take(&mut t.key_vaults);
    for k in &mut kvs {
        let label = format!("keyvault/{}", k.name);
        subnets(
            t,
            ctx,
            &mut k.network_acls.virtual_network_rules,
            &label,
            "network_acls.virtual_network_rules",
            &k.at,
        );
    }
    t.key_vaults = kvs;
    let mut acrs = std::mem::take(&mut t.container_registries);
    for a in &mut acrs {
        let label = format!("acr/{}", a.name);
        subnets(
            t,
            ctx,
            &mut a.network_rule_set.virtual_network_rules,
            &label,
            "network_rule_set.virtual_network_rules",
            &a.at,
        );
    }
    t.container_registries = acrs;
    let mut ampls = std::mem::take(&mut t.monitor_private_link_scopes);
    for a in &mut ampls {
        let raw = std::mem::take(&mut a.scoped_resources);
        for r in raw {
            match ctx.resolve(&r, &[Kind::AppInsights]) {
                Ok(tg) => a.scoped_resources.push(tg.name),
                // Log Analytics workspaces are not modelled; keep their names.
                Err(_) => a.scoped_resources.push(last_segment(&r)),
            }
        }
    }
    t.monitor_private_link_scopes = ampls;
    // Networks.
    let mut vnets = std::mem::take(&mut t.virtual_networks);
    for v in &mut vnets {
        for s in &mut v.subnets {
            let label = format!("subnet/{}/{}", v.name, s.name);
            opt(
                t,
                ctx,
                &mut s.network_security_group,
                &[Kind::Nsg],
                &label,
                "network_security_group",
                &s.at,
            );
            opt(
                t,
                ctx,
                &mut s.route_table,
                &[Kind::RouteTable],
                &label,
                "route_table",
                &s.at,
            );
            opt(
                t,
                ctx,
                &mut s.nat_gateway,
                &[Kind::NatGateway],
                &label,
                "nat_gateway",
                &s.at,
            );
            list(
                t,
                ctx,
                &mut s.service_endpoint_policies,
                &[Kind::ServiceEndpointPolicy],
                &label,
                "service_endpoint_policies",
                &s.at,
            );
        }
        let label = format!("vnet/{}", v.name);
        let peerings = std::mem::take(&mut v.peerings);
        for mut p in peerings {
            match req(ctx, &p.remote_vnet, &[Kind::Vnet]) {
                Ok(n) => {
                    p.remote_vnet = n;
                    v.peerings.push(p);
                }
                Err(e) => dangling(
                    t,
                    ctx,
                    label.clone(),
                    "peerings",
                    e,
                    &p.at,
                    "the peering is not imported",
                ),
            }
        }
    }
    t.virtual_networks = vnets;
    let mut nsgs = std::mem::take(&mut t.network_security_groups);
    for n in &mut nsgs {
        for r in &mut n.rules {
            let label = format!("nsg/{}", n.name);
            list(
                t,
                ctx,
                &mut r.source_asgs,
                &[Kind::Asg],
                &label,
                &format!("rules/{}/source_asgs", r.name),
                &r.at,
            );
            list(
                t,
                ctx,
                &mut r.destination_asgs,
                &[Kind::Asg],
                &label,
                &format!("rules/{}/destination_asgs", r.name),
                &r.at,
            );
        }
    }
    t.network_security_groups = nsgs;
    let mut nats = std::mem::take(&mut t.nat_gateways);
    for n in &mut nats {
        let label = format!("nat-gateway/{}", n.name);
        list(
            t,
            ctx,
            &mut n.public_ips,
            &[Kind::PublicIp],
            &label,
            "public_ips",
            &n.at,
        );
    }
    t.nat_gateways = nats;
    let mut fws = std::mem::take(&mut t.firewalls);
    fws.retain_mut(|f| {
        let label = format!("firewall/{}", f.name);
        let subnet = external::subnet(t, ctx, &f.vnet.clone(), &label, &f.at);
        f.vnet = subnet
            .split_once('/')
            .map_or(subnet.clone(), |(v, _)| v.to_string());
        if ctx.firewall_ip_from_subnet.contains(&f.name) {
            // Azure gives a firewall the first usable address of its subnet; when the
            // subnet's prefixes are unknown, so is the address, and the firewall stays.
            f.private_ip_address = first_usable(t, &subnet);
            if f.private_ip_address.is_none() {
                t.unknowns.push(Unknown {
                    resource: label.clone(),
                    field: "private_ip_address".into(),
                    reason: format!("Azure gives it the first usable address of subnet `{subnet}`, whose IPv4 prefix is unknown"),
                    at: f.at.clone(),
                });
            }
        }
        list(
            t,
            ctx,
            &mut f.public_ips,
            &[Kind::PublicIp],
            &label,
            "public_ips",
            &f.at,
        );
        opt(
            t,
            ctx,
            &mut f.firewall_policy,
            &[Kind::FirewallPolicy],
            &label,
            "firewall_policy",
            &f.at,
        );
        for c in &mut f.network_rule_collections {
            for r in &mut c.rules {
                list(
                    t,
                    ctx,
                    &mut r.source_ip_groups,
                    &[Kind::IpGroup],
                    &label,
                    "source_ip_groups",
                    &r.at,
                );
            }
        }
        for c in &mut f.application_rule_collections {
            for r in &mut c.rules {
                list(
                    t,
                    ctx,
                    &mut r.source_ip_groups,
                    &[Kind::IpGroup],
                    &label,
                    "source_ip_groups",
                    &r.at,
                );
            }
        }
        true
    });
    t.firewalls = fws;
    let mut pols = std::mem::take(&mut t.firewall_policies);
    for p in &mut pols {
        let label = format!("firewall-policy/{}", p.name);
        opt(
            t,
            ctx,
            &mut p.base_policy,
            &[Kind::FirewallPolicy],
            &label,
            "base_policy",
            &p.at,
        );
        for g in &mut p.rule_collection_groups {
            for c in &mut g.network_rule_collections {
                for r in &mut c.rules {
                    list(
                        t,
                        ctx,
                        &mut r.source_ip_groups,
                        &[Kind::IpGroup],
                        &label,
                        "source_ip_groups",
                        &r.at,
                    );
                }
            }
            for c in &mut g.application_rule_collections {
                for r in &mut c.rules {
                    list(
                        t,
                        ctx,
                        &mut r.source_ip_groups,
                        &[Kind::IpGroup],
                        &label,
                        "source_ip_groups",
                        &r.at,
                    );
                }
            }
        }
    }
    t.firewall_policies = pols;
    resolve_dest_ip_groups(t, ctx);
    let mut gws = std::mem::take(&mut t.virtual_network_gateways);
    for g in &mut gws {
        let label = format!("vnet-gateway/{}", g.name);
        g.vnet = external::vnet_of_subnet(t, ctx, &g.vnet, &label, &g.at);
    }
    t.virtual_network_gateways = gws;
    let mut conns = std::mem::take(&mut t.connections);
    conns.retain_mut(|c| {
        let label = format!("connection/{}", c.name);
        match req(ctx, &c.virtual_network_gateway, &[Kind::VnetGateway]) {
            Ok(n) => c.virtual_network_gateway = n,
            Err(e) => {
                dangling(
                    t,
                    ctx,
                    label,
                    "virtual_network_gateway",
                    e,
                    &c.at,
                    "the connection is not imported",
                );
                return false;
            }
        }
        opt(
            t,
            ctx,
            &mut c.local_network_gateway,
            &[Kind::LocalGateway],
            &label,
            "local_network_gateway",
            &c.at,
        );
        true
    });
    t.connections = conns;
    let mut bas = std::mem::take(&mut t.bastion_hosts);
    bas.retain_mut(|b| {
        let label = format!("bastion/{}", b.name);
        b.vnet = external::vnet_of_subnet(t, ctx, &b.vnet, &label, &b.at);
        opt(
            t,
            ctx,
            &mut b.public_ip,
            &[Kind::PublicIp],
            &label,
            "public_ip",
            &b.at,
        );
        true
    });
    t.bastion_hosts = bas;
    let mut nics = std::mem::take(&mut t.network_interfaces);
    nics.retain_mut(|n| {
        let label = format!("nic/{}", n.name);
        n.subnet = external::subnet(t, ctx, &n.subnet, &label, &n.at);
        opt(
            t,
            ctx,
            &mut n.public_ip,
            &[Kind::PublicIp],
            &label,
            "public_ip",
            &n.at,
        );
        opt(
            t,
            ctx,
            &mut n.network_security_group,
            &[Kind::Nsg],
            &label,
            "network_security_group",
            &n.at,
        );
        list(
            t,
            ctx,
            &mut n.application_security_groups,
            &[Kind::Asg],
            &label,
            "application_security_groups",
            &n.at,
        );
        true
    });
    t.network_interfaces = nics;
    let mut vms = std::mem::take(&mut t.virtual_machines);
    for vm in &mut vms {
        let label = format!("vm/{}", vm.name);
        list(
            t,
            ctx,
            &mut vm.network_interfaces,
            &[Kind::Nic],
            &label,
            "network_interfaces",
            &vm.at,
        );
    }
    t.virtual_machines = vms;
    let mut seps = std::mem::take(&mut t.service_endpoint_policies);
    for s in &mut seps {
        for d in &mut s.definitions {
            for r in &mut d.service_resources {
                if let Ok(tg) = ctx.resolve(r, &[Kind::Storage]) {
                    *r = tg.name;
                }
            }
        }
    }
    t.service_endpoint_policies = seps;
    // Private link and DNS.
    let mut pes = std::mem::take(&mut t.private_endpoints);
    pes.retain_mut(|pe| {
        let label = format!("private-endpoint/{}", pe.name);
        pe.subnet = external::subnet(t, ctx, &pe.subnet, &label, &pe.at);
        let raw = target_raw(&pe.target);
        match address_of(ctx, &raw, &pe.group_id) {
            Some(a) => pe.target = a,
            None if open_target::is_open(t, pe)
                || open_target::keep_partial(t, ctx, pe, &raw)
                || external::endpoint_target(t, ctx, pe, &raw) => {}
            None => {
                dangling(
                    t,
                    ctx,
                    label,
                    "target",
                    format!("`{raw}` is not deployed by this template"),
                    &pe.at,
                    "the private endpoint is not imported",
                );
                return false;
            }
        }
        external::zone_group(t, ctx, &mut pe.dns_zone_group, &label, &pe.at);
        true
    });
    t.private_endpoints = pes;
    let mut zones = std::mem::take(&mut t.private_dns_zones);
    for z in &mut zones {
        let label = format!("private-dns-zone/{}", z.name);
        external::vnet_links(t, ctx, &mut z.vnet_links, &label, &z.at);
    }
    t.private_dns_zones = zones;
    let mut resolvers = std::mem::take(&mut t.dns_resolvers);
    resolvers.retain_mut(|r| {
        let label = format!("dns-resolver/{}", r.name);
        match external::vnet(t, ctx, &r.vnet, &label, "vnet", &r.at) {
            Ok(v) => r.vnet = v,
            Err(e) => {
                dangling(
                    t,
                    ctx,
                    label,
                    "vnet",
                    e,
                    &r.at,
                    "the resolver is not imported",
                );
                return false;
            }
        }
        for eps in [&mut r.inbound_endpoints, &mut r.outbound_endpoints] {
            for e in eps.iter_mut() {
                let what = format!("{label}/{}", e.name);
                e.subnet = external::subnet(t, ctx, &e.subnet, &what, &r.at);
            }
        }
        true
    });
    t.dns_resolvers = resolvers;
    let mut rulesets = std::mem::take(&mut t.dns_forwarding_rulesets);
    for rs in &mut rulesets {
        let label = format!("dns-forwarding-ruleset/{}", rs.name);
        list(
            t,
            ctx,
            &mut rs.outbound_endpoints,
            &[Kind::ResolverOutbound],
            &label,
            "outbound_endpoints",
            &rs.at,
        );
        list(
            t,
            ctx,
            &mut rs.vnet_links,
            &[Kind::Vnet],
            &label,
            "vnet_links",
            &rs.at,
        );
    }
    t.dns_forwarding_rulesets = rulesets;
    // Role assignments.
    let mut ras = std::mem::take(&mut t.role_assignments);
    ras.retain_mut(|ra| {
        let label = format!("role-assignment/{}", ra.role);
        let raw = target_raw(&ra.scope);
        let Some(scope) = address_any(ctx, &raw) else {
            dangling(
                t,
                ctx,
                label,
                "scope",
                format!("`{raw}` is not a resource this template deploys"),
                &ra.at,
                "the role assignment is not imported",
            );
            return false;
        };
        ra.scope = scope;
        if let Some(id) = ra.principal.strip_prefix("identity:") {
            ra.principal = match address_any(ctx, id) {
                Some(a) => a.to_string(),
                None => format!("identity of {id}"),
            };
        }
        true
    });
    t.role_assignments = ras;
}

/// A storage account's resource instance rule: its id names a workspace or registry the
/// template deploys (by its model name, even when that name is unknown: the same unknown value
/// on both sides), or one outside it (by the id's last segment). A name of unknown text that
/// names no deployed resource is recorded as unknown: which instance the rule admits is open.
fn resource_access(
    t: &mut Topology,
    ctx: &mut MapContext,
    r: &mut ResourceAccessRule,
    resource: &str,
    at: &Provenance,
) {
    let raw = std::mem::take(&mut r.name);
    if let Ok(tg) = ctx.resolve(&raw, &[Kind::Workspace, Kind::Registry]) {
        r.name = tg.name;
        return;
    }
    r.name = last_segment(&raw);
    if r.name.contains('\u{27e8}') {
        t.unknowns.push(Unknown {
            resource: resource.to_string(),
            field: "network_rules.resource_access_rules".into(),
            reason: format!(
                "the resource instance rule `{raw}` names a {} whose name is unknown",
                r.resource_type
            ),
            at: at.clone(),
        });
    }
}

fn target_raw(a: &Address) -> String {
    match a {
        Address::Resource { name, .. } => name.clone(),
        other => other.to_string(),
    }
}

/// A compute's or cluster's subnet: absent is no VNet; one the template does not deploy is
/// external, never read as absent.
fn opt_subnet(
    t: &mut Topology,
    ctx: &mut MapContext,
    v: &mut Option<String>,
    resource: &str,
    at: &Provenance,
) {
    if let Some(raw) = v.take() {
        *v = Some(external::subnet(t, ctx, &raw, resource, at));
    }
}

fn subnets(
    t: &mut Topology,
    ctx: &mut MapContext,
    v: &mut Vec<String>,
    resource: &str,
    field: &str,
    at: &Provenance,
) {
    list(t, ctx, v, &[Kind::Subnet], resource, field, at);
}

/// The address of a private link target id (a registry's managed storage account or
/// container registry becomes `registry/<name>:storage` / `:acr`).
fn address_of(ctx: &MapContext, raw: &str, group: &str) -> Option<Address> {
    let kinds = [
        Kind::Workspace,
        Kind::Registry,
        Kind::Storage,
        Kind::KeyVault,
        Kind::Acr,
        Kind::Ampls,
    ];
    if let Ok(tg) = ctx.resolve(raw, &kinds) {
        let kind = match tg.kind {
            Kind::Workspace => AddrKind::Workspace,
            Kind::Registry => AddrKind::Registry,
            Kind::Storage => AddrKind::Storage,
            Kind::KeyVault => AddrKind::Keyvault,
            Kind::Acr => AddrKind::Acr,
            _ => AddrKind::Ampls,
        };
        return Some(Address::resource(kind, tg.name));
    }
    let ty = type_of_id(raw).unwrap_or_default().to_ascii_lowercase();
    let leaf = last_segment(raw).to_ascii_lowercase();
    if ty == "microsoft.storage/storageaccounts"
        && let Some(r) = ctx.registry_storage.get(&leaf)
    {
        return Some(Address::resource(AddrKind::Registry, r.clone()).with_sub("storage"));
    }
    if ty == "microsoft.containerregistry/registries"
        && let Some(r) = ctx.registry_acr.get(&leaf)
    {
        return Some(Address::resource(AddrKind::Registry, r.clone()).with_sub("acr"));
    }
    let _ = group;
    None
}

/// The address of any addressable resource the template deploys.
fn address_any(ctx: &MapContext, raw: &str) -> Option<Address> {
    if let Some(a) = address_of(ctx, raw, "") {
        return Some(a);
    }
    let tg = ctx
        .resolve(
            raw,
            &[
                Kind::Compute,
                Kind::Vm,
                Kind::Aks,
                Kind::OnlineEndpoint,
                Kind::Firewall,
                Kind::PrivateEndpoint,
            ],
        )
        .ok()?;
    let kind = match tg.kind {
        Kind::Compute => AddrKind::Compute,
        Kind::Vm => AddrKind::Vm,
        Kind::Aks => AddrKind::Aks,
        Kind::OnlineEndpoint => AddrKind::OnlineEndpoint,
        Kind::Firewall => AddrKind::Firewall,
        _ => AddrKind::PrivateEndpoint,
    };
    Some(Address::resource(kind, tg.name))
}

fn first_usable(t: &Topology, subnet: &str) -> Option<IpAddr> {
    let (vnet, sn) = subnet.split_once('/')?;
    let v = t
        .virtual_networks
        .iter()
        .find(|v| v.name.eq_ignore_ascii_case(vnet))?;
    let s = v.subnets.iter().find(|s| s.name.eq_ignore_ascii_case(sn))?;
    s.prefixes().find_map(|p| match p {
        IpNet::V4(p4) => u32::from(p4.network())
            .checked_add(4)
            .map(|a| IpAddr::V4(Ipv4Addr::from(a))),
        IpNet::V6(_) => None,
    })
}

/// Destination IP groups of network rules become the groups' addresses.
fn resolve_dest_ip_groups(t: &mut Topology, ctx: &mut MapContext) {
    let groups = std::mem::take(&mut ctx.dest_ip_groups);
    for (kind, owner, path, ids) in groups {
        let mut addrs = Vec::new();
        let mut missing = Vec::new();
        for id in &ids {
            match ctx.resolve(id, &[Kind::IpGroup]) {
                Ok(tg) => {
                    if let Some(g) = t.ip_groups.iter().find(|g| g.name == tg.name) {
                        addrs.extend(g.ip_addresses.iter().cloned());
                    }
                }
                Err(e) => missing.push(e),
            }
        }
        let rule: Option<&mut NetworkRule> = match kind {
            Kind::Firewall => t
                .firewalls
                .iter_mut()
                .find(|f| f.name == owner)
                .and_then(|f| f.network_rule_collections.get_mut(path[1]))
                .and_then(|c| c.rules.get_mut(path[2])),
            _ => t
                .firewall_policies
                .iter_mut()
                .find(|f| f.name == owner)
                .and_then(|f| f.rule_collection_groups.get_mut(path[0]))
                .and_then(|g| g.network_rule_collections.get_mut(path[1]))
                .and_then(|c| c.rules.get_mut(path[2])),
        };
        let Some(rule) = rule else { continue };
        rule.destination_addresses.extend(addrs);
        let at = rule.at.clone();
        let rname = rule.name.clone();
        for e in missing {
            dangling(
                t,
                ctx,
                format!("{}/{owner}", kind.label()),
                &format!("rules/{rname}/destination_ip_groups"),
                e,
                &at,
                "the group's addresses are left out",
            );
        }
    }
}

/// VNets whose address space is unknown read as the union of their subnets' prefixes.
fn vnet_spaces(t: &mut Topology, ctx: &MapContext) {
    for v in &mut t.virtual_networks {
        if ctx.vnet_space_unknown.contains(&v.name) {
            for s in &v.subnets {
                for p in s.prefixes() {
                    if !v.address_space.iter().any(|a| a.contains(&p)) {
                        v.address_space.push(p);
                    }
                }
            }
        }
    }
}

/// The same resource declared twice (in two nested deployments, or twice in a copy loop
/// whose names collide) is kept once.
fn dedupe(t: &mut Topology, ctx: &mut MapContext) {
    macro_rules! dd {
        ($($list:ident: $what:literal),* $(,)?) => {$(
            let mut seen: IndexMap<String, Provenance> = IndexMap::new();
            let mut kept = Vec::new();
            for x in std::mem::take(&mut t.$list) {
                let key = x.name.to_ascii_lowercase();
                if let Some(first) = seen.get(&key) {
                    ctx.warnings.push(warning(
                        "duplicate-resource",
                        format!("{} `{}` is declared more than once; the first declaration is imported", $what, x.name),
                        &x.at,
                        Some(format!("first declared at {first}")),
                    ));
                    continue;
                }
                seen.insert(key, x.at.clone());
                kept.push(x);
            }
            t.$list = kept;
        )*};
    }
    dd!(
        workspaces: "workspace", registries: "registry", aks_clusters: "AKS cluster",
        online_endpoints: "online endpoint", storage_accounts: "storage account", key_vaults: "key vault",
        container_registries: "container registry", application_insights: "Application Insights component",
        monitor_private_link_scopes: "monitor private link scope", virtual_networks: "virtual network",
        network_security_groups: "network security group", application_security_groups: "application security group",
        route_tables: "route table", nat_gateways: "NAT gateway", public_ips: "public IP", firewalls: "firewall",
        firewall_policies: "firewall policy", ip_groups: "IP group", virtual_network_gateways: "virtual network gateway",
        local_network_gateways: "local network gateway", connections: "connection", bastion_hosts: "bastion host",
        virtual_machines: "virtual machine", network_interfaces: "network interface",
        service_endpoint_policies: "service endpoint policy", private_endpoints: "private endpoint",
        dns_resolvers: "DNS resolver", dns_forwarding_rulesets: "DNS forwarding ruleset",
    );
    scoped::dedupe_computes(t, ctx);
    dedupe_zones(t, ctx);
}

/// The resource group named in an id.
fn resource_group_of(id: &str) -> Option<String> {
    let lower = id.to_ascii_lowercase();
    let pos = lower.find("/resourcegroups/")? + "/resourcegroups/".len();
    id[pos..].split('/').next().map(String::from)
}

/// Zones of one name: declared twice under one id, they are one zone; in several resource
/// groups, each is kept and named `<resource_group>/<zone>`.
fn dedupe_zones(t: &mut Topology, ctx: &mut MapContext) {
    let zones = std::mem::take(&mut t.private_dns_zones);
    let mut by_name: IndexMap<String, Vec<(PrivateDnsZone, String)>> = IndexMap::new();
    for z in zones {
        let id = ctx
            .zones
            .get(&(z.at.clone(), z.name.to_ascii_lowercase()))
            .cloned()
            .unwrap_or_default();
        by_name
            .entry(z.name.to_ascii_lowercase())
            .or_default()
            .push((z, id));
    }
    for (_, group) in by_name {
        let mut kept: Vec<(PrivateDnsZone, String)> = Vec::new();
        for (z, id) in group {
            if let Some((first, _)) = kept
                .iter()
                .find(|(_, kid)| canonical_id(kid) == canonical_id(&id))
            {
                ctx.warnings.push(warning(
                    "duplicate-resource",
                    format!("private DNS zone `{}` is declared more than once; the first declaration is imported", z.name),
                    &z.at,
                    Some(format!("first declared at {}", first.at)),
                ));
                continue;
            }
            kept.push((z, id));
        }
        let several = kept.len() > 1;
        for (mut z, id) in kept {
            if several {
                z.resource_group = resource_group_of(&id);
                let key = z.key();
                ctx.ids.insert(
                    canonical_id(&id),
                    Target {
                        kind: Kind::DnsZone,
                        name: key.clone(),
                    },
                );
                ctx.names
                    .insert((Kind::DnsZone, key.to_ascii_lowercase()), key);
            }
            t.private_dns_zones.push(z);
        }
    }
}

/// Maps a role assignment (`Microsoft.Authorization/roleAssignments`). The scope is the
/// resource the assignment extends (`…/providers/Microsoft.Authorization/roleAssignments/x`).
fn map_role_assignment(t: &mut Topology, res: &ArmResource, ctx: &mut MapContext) -> bool {
    let lower = res.id.to_ascii_lowercase();
    let Some(pos) = lower.rfind("/providers/microsoft.authorization/roleassignments/") else {
        return false;
    };
    let scope = res.id[..pos].to_string();
    if !scope.to_ascii_lowercase().contains("/providers/") {
        // Assigned on a subscription or resource group: not an address in the model.
        return false;
    }
    let mut rec = Rec::new(resource_label(&res.rtype, &res.name), &res.at);
    let p = &res.properties;
    let role = match at(p, &["roleDefinitionId"]) {
        F::Known(v) => {
            let id = json_text(v).unwrap_or_default();
            let guid = last_segment(&id).to_ascii_lowercase();
            ROLES
                .iter()
                .find(|(g, _)| *g == guid)
                .map(|(_, n)| n.to_string())
                .unwrap_or(guid)
        }
        F::Unknown(r) => {
            drop_resource(
                t,
                ctx,
                rec,
                res,
                "role",
                &format!("{r}: the role is unknown"),
            );
            return true;
        }
        F::Absent => {
            rec.warn(format!(
                "{}: the role assignment names no role",
                rec.resource
            ));
            flush(t, ctx, rec);
            return true;
        }
    };
    let principal = match at(p, &["principalId"]) {
        F::Known(v) => json_text(v).unwrap_or_default(),
        F::Unknown(r) => match r.strip_prefix(MANAGED_IDENTITY_PREFIX) {
            Some(id) => format!("identity:{id}"),
            None => {
                rec.unknown("principal", &r);
                "unresolved-principal".into()
            }
        },
        F::Absent => "unresolved-principal".into(),
    };
    t.role_assignments.push(moat_model::ml::RoleAssignment {
        principal,
        role,
        scope: Address::Resource {
            kind: AddrKind::Workspace,
            name: scope,
            sub: None,
        },
        at: res.at.clone(),
    });
    flush(t, ctx, rec);
    true
}

/// Links everything [`map_resource`] left as ARM ids, once all resources are mapped:
/// children join their parents, references become names, and what refers outside the
/// template is recorded as unknown (with a warning) and neutralised.
pub fn finish(t: &mut Topology, ctx: &mut MapContext) {
    dedupe(t, ctx);
    attach(t, ctx);
    merge_clusters(t, ctx);
    resolve_refs(t, ctx);
    vnet_spaces(t, ctx);
    policy_unknowns::lift_to_policies(t);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const RG: &str = "/subscriptions/s/resourceGroups/rg/providers";

    fn res(rtype: &str, name: &str, props: Json) -> ArmResource {
        let mut id = format!("{RG}/{}", rtype.split('/').next().unwrap());
        for (t, n) in rtype.split('/').skip(1).zip(name.split('/')) {
            id.push_str(&format!("/{t}/{n}"));
        }
        ArmResource {
            rtype: rtype.into(),
            name: name.into(),
            id,
            location: Some("westeurope".into()),
            sku: None,
            kind: None,
            identity: None,
            properties: props,
            at: Provenance {
                file: "t.json".into(),
                line: 1,
                column: 1,
                pointer: format!("/{name}"),
                offset: 0,
                len: 0,
            },
        }
    }

    fn map_all(list: &[ArmResource]) -> (Topology, MapContext) {
        let mut t = Topology::default();
        let mut ctx = MapContext::new();
        for r in list {
            map_resource(&mut t, r, &mut ctx);
        }
        finish(&mut t, &mut ctx);
        (t, ctx)
    }

    fn vnet() -> ArmResource {
        res(
            "Microsoft.Network/virtualNetworks",
            "v",
            json!({"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                   "subnets": [{"name": "s", "properties": {"addressPrefix": "10.0.0.0/24"}}]}),
        )
    }

    #[test]
    fn unknown_values_take_conservative_values_and_are_recorded() {
        let ws = res(
            "Microsoft.MachineLearningServices/workspaces",
            "ws",
            json!({"publicNetworkAccess": {"$unknown": "parameters('pna')"},
                   "hbiWorkspace": {"$unknown": "parameters('hbi')"},
                   "managedNetwork": {"$unknown": "parameters('mn')"}}),
        );
        let sa = res(
            "Microsoft.Storage/storageAccounts",
            "sa",
            json!({"networkAcls": {"defaultAction": {"$unknown": "parameters('da')"}, "bypass": {"$unknown": "parameters('b')"}}}),
        );
        let c = res(
            "Microsoft.MachineLearningServices/workspaces/computes",
            "ws/c",
            json!({"computeType": "AmlCompute", "properties": {"enableNodePublicIp": {"$unknown": "parameters('ip')"}}}),
        );
        let (t, _) = map_all(&[ws, sa, c]);
        let w = &t.workspaces[0];
        assert_eq!(w.public_network_access, PublicNetworkAccess::Enabled);
        assert!(!w.hbi_workspace);
        assert_eq!(w.managed_network.isolation_mode, IsolationMode::Disabled);
        assert_eq!(
            t.storage_accounts[0].network_rules.default_action,
            DefaultAction::Allow
        );
        assert!(t.storage_accounts[0].network_rules.trusted_services());
        assert!(t.computes[0].enable_node_public_ip);
        let mut rec: Vec<String> = t
            .unknowns
            .iter()
            .map(|u| format!("{} {} {}", u.resource, u.field, u.reason))
            .collect();
        rec.sort();
        assert_eq!(
            rec,
            vec![
                "compute/c enable_node_public_ip parameters('ip')",
                "storage/sa network_rules.bypass parameters('b')",
                "storage/sa network_rules.default_action parameters('da')",
                "workspace/ws hbi_workspace parameters('hbi')",
                "workspace/ws managed_network parameters('mn')",
                "workspace/ws public_network_access parameters('pna')",
            ]
        );
    }

    #[test]
    fn unknown_prefixes_ports_and_rule_fields() {
        let nsg = res(
            "Microsoft.Network/networkSecurityGroups",
            "n",
            json!({"securityRules": [
                {"name": "tag", "properties": {"priority": 100, "direction": "Outbound", "access": "Allow",
                    "destinationAddressPrefix": {"$unknown": "resourceGroup().location", "$partial": "Storage.⟨0123⟩"},
                    "destinationPortRange": {"$unknown": "parameters('port')"}}},
                {"name": "any", "properties": {"priority": 110, "direction": "Outbound", "access": "Deny",
                    "destinationAddressPrefix": {"$unknown": "parameters('p')"}}},
                {"name": "gone", "properties": {"priority": {"$unknown": "parameters('prio')"}, "direction": "Inbound", "access": "Allow"}}
            ]}),
        );
        let (t, _) = map_all(&[nsg]);
        let rules = &t.network_security_groups[0].rules;
        // The rule whose priority is unknown is kept, its priority open.
        assert_eq!(rules.len(), 3);
        assert_eq!(rules[2].priority, moat_model::Open::Unknown);
        assert_eq!(
            rules[0].destination,
            vec![AddressPrefix::Tag("Storage".into())]
        );
        assert_eq!(rules[0].destination_ports, vec![PortRange::ANY]);
        assert_eq!(rules[1].destination, vec![AddressPrefix::Any]);
        assert!(
            t.unknowns
                .iter()
                .any(|u| u.field == "rules/gone/priority" && u.reason.contains("prio"))
        );
        assert!(
            t.unknowns
                .iter()
                .any(|u| u.field == "rules/tag" && u.reason.contains("read as Storage"))
        );
    }

    #[test]
    fn children_link_to_parents_by_id_in_any_order() {
        let sub = res(
            "Microsoft.Network/virtualNetworks/subnets",
            "v/extra",
            json!({"addressPrefix": "10.0.1.0/24"}),
        );
        let rule = res(
            "Microsoft.Network/networkSecurityGroups/securityRules",
            "n/r",
            json!({"priority": 200, "direction": "Inbound", "access": "Deny", "sourceAddressPrefix": "*", "destinationAddressPrefix": "*"}),
        );
        let nsg = res("Microsoft.Network/networkSecurityGroups", "n", json!({}));
        // The private endpoint's subnet and target are partly known ids: they still link.
        let pe = res(
            "Microsoft.Network/privateEndpoints",
            "pe",
            json!({"subnet": {"id": {"$unknown": "x", "$partial": format!("{RG}/Microsoft.Network/virtualNetworks/v/subnets/extra")}},
                   "privateLinkServiceConnections": [{"properties": {"privateLinkServiceId": format!("{RG}/Microsoft.KeyVault/vaults/kv"), "groupIds": ["vault"]}}]}),
        );
        let kv = res("Microsoft.KeyVault/vaults", "kv", json!({}));
        let zg = res(
            "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
            "pe/default",
            json!({"privateDnsZoneConfigs": [{"properties": {"privateDnsZoneId": format!("{RG}/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net")}}]}),
        );
        let zone = res(
            "Microsoft.Network/privateDnsZones",
            "privatelink.vaultcore.azure.net",
            json!({}),
        );
        let (t, ctx) = map_all(&[sub, rule, zg, pe, nsg, kv, zone, vnet()]);
        assert!(ctx.warnings.is_empty(), "{:?}", ctx.warnings);
        assert_eq!(t.virtual_networks[0].subnets.len(), 2);
        assert_eq!(t.network_security_groups[0].rules.len(), 1);
        let pe = &t.private_endpoints[0];
        assert_eq!(
            (pe.subnet.as_str(), pe.target.to_string()),
            ("v/extra", "keyvault/kv".to_string())
        );
        assert_eq!(pe.dns_zone_group, vec!["privatelink.vaultcore.azure.net"]);
        assert!(moat_model::validate(&t).is_empty());
    }

    #[test]
    fn references_outside_the_template_are_neutralised() {
        let nic = res(
            "Microsoft.Network/networkInterfaces",
            "nic",
            json!({"ipConfigurations": [{"properties": {"subnet": {"id": "/subscriptions/x/resourceGroups/y/providers/Microsoft.Network/virtualNetworks/corp/subnets/s"}}}]}),
        );
        let ws = res(
            "Microsoft.MachineLearningServices/workspaces",
            "ws",
            json!({"storageAccount": "/subscriptions/x/resourceGroups/y/providers/Microsoft.Storage/storageAccounts/ext"}),
        );
        let link = res(
            "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
            "z/l",
            json!({"virtualNetwork": {"id": format!("{RG}/Microsoft.Network/virtualNetworks/v")}}),
        );
        let (t, ctx) = map_all(&[nic, ws, link, vnet()]);
        assert!(t.workspaces[0].storage_account.is_none());
        // A NIC in a subnet the template does not deploy is kept, in an external subnet
        // named by its id, whose properties are unknown.
        assert_eq!(t.network_interfaces[0].subnet, "corp/s");
        let corp = t
            .virtual_networks
            .iter()
            .find(|v| v.name == "corp")
            .unwrap();
        assert!(corp.external && corp.subnets[0].external);
        let fields: Vec<(&str, &str)> = t
            .unknowns
            .iter()
            .map(|u| (u.resource.as_str(), u.field.as_str()))
            .collect();
        assert_eq!(
            fields,
            vec![
                ("private-dns-zone-link/z/l", "parent"),
                ("workspace/ws", "storage_account"),
                ("vnet/corp", "*"),
                ("subnet/corp/s", "*")
            ]
        );
        let codes: Vec<&str> = ctx.warnings.iter().map(|w| w.code.as_str()).collect();
        assert_eq!(
            codes,
            vec![
                "dangling-reference",
                "dangling-reference",
                "external-subnet"
            ]
        );
        assert!(ctx.warnings.iter().all(|w| w.level == Level::Warning));
        assert!(moat_model::validate(&t).is_empty());
    }

    #[test]
    fn zones_of_one_name_in_two_resource_groups() {
        let mut a = res(
            "Microsoft.Network/privateDnsZones",
            "privatelink.api.azureml.ms",
            json!({}),
        );
        let mut b = a.clone();
        a.id = "/subscriptions/s/resourceGroups/one/providers/Microsoft.Network/privateDnsZones/privatelink.api.azureml.ms".into();
        b.id = "/subscriptions/s/resourceGroups/two/providers/Microsoft.Network/privateDnsZones/privatelink.api.azureml.ms".into();
        b.at.pointer = "/other".into();
        let mut link = res(
            "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
            "privatelink.api.azureml.ms/l",
            json!({"virtualNetwork": {"id": format!("{RG}/Microsoft.Network/virtualNetworks/v")}}),
        );
        link.id = format!("{}/virtualNetworkLinks/l", b.id);
        let same = a.clone();
        let (t, ctx) = map_all(&[a, b, same, link, vnet()]);
        let keys: Vec<String> = t
            .private_dns_zones
            .iter()
            .map(PrivateDnsZone::key)
            .collect();
        assert_eq!(
            keys,
            vec![
                "one/privatelink.api.azureml.ms",
                "two/privatelink.api.azureml.ms"
            ]
        );
        assert!(t.private_dns_zones[0].vnet_links.is_empty());
        assert_eq!(t.private_dns_zones[1].vnet_links, vec!["v"]);
        assert_eq!(
            ctx.warnings
                .iter()
                .filter(|w| w.code == "duplicate-resource")
                .count(),
            1
        );
    }

    #[test]
    fn registry_managed_resources_clusters_and_roles() {
        let reg = res(
            "Microsoft.MachineLearningServices/registries",
            "r",
            json!({"publicNetworkAccess": "Disabled", "regionDetails": [{"location": "westeurope",
                "acrDetails": [{"systemCreatedAcrAccount": {"acrAccountName": "racr", "acrAccountSku": "Premium"}}]}]}),
        );
        let pe = res(
            "Microsoft.Network/privateEndpoints",
            "pe-acr",
            json!({"subnet": {"id": format!("{RG}/Microsoft.Network/virtualNetworks/v/subnets/s")},
                   "privateLinkServiceConnections": [{"properties": {"privateLinkServiceId": "/subscriptions/m/resourceGroups/azureml-rg-r/providers/Microsoft.ContainerRegistry/registries/racr", "groupIds": ["registry"]}}]}),
        );
        let ws = res(
            "Microsoft.MachineLearningServices/workspaces",
            "ws",
            json!({}),
        );
        let cluster = res(
            "Microsoft.ContainerService/managedClusters",
            "k",
            json!({"agentPoolProfiles": [{"count": 2, "vnetSubnetID": format!("{RG}/Microsoft.Network/virtualNetworks/v/subnets/s")}, {"count": 3}]}),
        );
        let aks = res(
            "Microsoft.MachineLearningServices/workspaces/computes",
            "ws/k",
            json!({"computeType": "AKS", "resourceId": format!("{RG}/Microsoft.ContainerService/managedClusters/k")}),
        );
        let lonely = res(
            "Microsoft.ContainerService/managedClusters",
            "other",
            json!({}),
        );
        let mut role = res(
            "Microsoft.Authorization/roleAssignments",
            "g",
            json!({"roleDefinitionId": "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c",
                   "principalId": {"$unknown": format!("{MANAGED_IDENTITY_PREFIX}{RG}/Microsoft.MachineLearningServices/workspaces/ws")}}),
        );
        role.id = format!(
            "{RG}/Microsoft.MachineLearningServices/registries/r/providers/Microsoft.Authorization/roleAssignments/g"
        );
        let (t, _) = map_all(&[reg, pe, ws, cluster, aks, lonely, role, vnet()]);
        assert_eq!(t.private_endpoints[0].target.to_string(), "registry/r:acr");
        let a = &t.aks_clusters[0];
        assert_eq!(
            (a.workspace.as_str(), a.subnet.as_deref(), a.node_count),
            ("ws", Some("v/s"), Some(5))
        );
        assert_eq!(t.unmodelled.len(), 1);
        assert_eq!(t.unmodelled[0].name, "other");
        let ra = &t.role_assignments[0];
        assert_eq!(
            (
                ra.principal.as_str(),
                ra.role.as_str(),
                ra.scope.to_string()
            ),
            ("workspace/ws", "Contributor", "registry/r".to_string())
        );
        assert!(moat_model::validate(&t).is_empty());
    }

    #[test]
    fn every_uncovered_type_is_listed() {
        let (t, _) = map_all(&[
            res("Microsoft.Web/sites", "app", json!({})),
            res(
                "Microsoft.Storage/storageAccounts/blobServices",
                "sa/default",
                json!({}),
            ),
        ]);
        let names: Vec<(&str, &str)> = t
            .unmodelled
            .iter()
            .map(|u| (u.resource_type.as_str(), u.name.as_str()))
            .collect();
        assert_eq!(
            names,
            vec![
                ("Microsoft.Web/sites", "app"),
                (
                    "Microsoft.Storage/storageAccounts/blobServices",
                    "sa/default"
                )
            ]
        );
        assert_eq!(
            resource_label("Microsoft.Network/virtualNetworks/subnets", "v/s"),
            "subnet/v/s"
        );
        assert_eq!(
            type_of_id(&format!(
                "{RG}/Microsoft.Network/virtualNetworks/v/subnets/s"
            ))
            .as_deref(),
            Some("Microsoft.Network/virtualNetworks/subnets")
        );
    }
}
