//! Which model kind an ARM resource type is: top-level kinds ([`Kind`]) and the child types
//! that join a parent ([`ChildKind`]), with the labels unknowns and messages use.

use super::last_segment;

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
    ResolverInbound,
    LogAnalytics,
    Identity,
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
            Kind::ResolverInbound => "dns-resolver-inbound-endpoint",
            Kind::LogAnalytics => "log-analytics-workspace",
            Kind::Identity => "managed-identity",
        }
    }

    pub(super) fn what(self) -> &'static str {
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
            Kind::ResolverInbound => "DNS resolver inbound endpoint",
            Kind::LogAnalytics => "Log Analytics workspace",
            Kind::Identity => "managed identity",
        }
    }
}

/// The model kind of an ARM resource type ([`crate::types::TYPES`]) that the mapper maps as
/// a resource of its own, if the model covers it. An AKS cluster is read when a compute
/// attaches it, an inbound endpoint as its resolver's child; Log Analytics workspaces and
/// managed identities are not modelled.
pub fn kind_of(rtype: &str) -> Option<Kind> {
    crate::types::of_azure(rtype).map(|t| t.kind).filter(|k| {
        !matches!(
            k,
            Kind::Aks | Kind::ResolverInbound | Kind::LogAnalytics | Kind::Identity
        )
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
pub(super) enum ChildKind {
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
    RegistryAsset,
}

impl ChildKind {
    pub(super) fn label(self) -> &'static str {
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
            ChildKind::RegistryAsset => "registry-asset-version",
        }
    }

    /// Where the parent's list records what this child leaves open of itself, as the field
    /// of the parent the same value written inline would be recorded under: the child's own
    /// field where its mapper already names the list item (`rules/<rule>`), or under the
    /// list and the item's key. `None` for children that are model elements of their own
    /// (resolver endpoints), whose unknowns stay with them. What names the child itself (its
    /// name, region) stays with it, but for a zone group or zone link whose parent's segment
    /// of the name is open (`parent_known` false): which endpoint or zone it belongs to is
    /// then open. A link whose own name alone is open (`<zone>/<uniqueString(…)>`) belongs to
    /// a zone the input determines, and no decision reads a link's name.
    pub(super) fn parent_field(
        self,
        leaf: &str,
        field: &str,
        parent_known: bool,
    ) -> Option<String> {
        let under = |list: &str| Some(format!("{list}/{leaf}/{field}"));
        let own = matches!(field, "name" | "region" | "kind");
        match self {
            ChildKind::ZoneGroup | ChildKind::VnetLink if own && parent_known => None,
            ChildKind::ZoneGroup | ChildKind::VnetLink => Some(field.to_string()),
            _ if own => None,
            // A subnet not imported (its prefix open) is recorded under its own label, inline
            // too.
            ChildKind::Subnet => field.starts_with("subnets/").then(|| field.to_string()),
            ChildKind::Peering
            | ChildKind::SecurityRule
            | ChildKind::Route
            | ChildKind::SepDefinition
            | ChildKind::OutboundRule
            | ChildKind::RulesetLink
            | ChildKind::ScopedResource => Some(field.to_string()),
            ChildKind::RuleCollectionGroup => under("rule_collection_groups"),
            ChildKind::RecordA | ChildKind::RecordAaaa | ChildKind::RecordCname => under("records"),
            ChildKind::ForwardingRule => under("rules"),
            ChildKind::OnlineDeployment => under("deployments"),
            ChildKind::InboundEndpoint | ChildKind::OutboundEndpoint | ChildKind::RegistryAsset => {
                None
            }
        }
    }

    pub(super) fn parent(self) -> Kind {
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
            // Shares join the workspace their URI names (see `shares`).
            ChildKind::RegistryAsset => Kind::Workspace,
        }
    }
}

pub(super) fn child_kind(rtype: &str) -> Option<ChildKind> {
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
        t if super::shares::is_asset_version(t) => ChildKind::RegistryAsset,
        _ => return None,
    })
}
