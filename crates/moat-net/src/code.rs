//! The stable explanation codes of trace hops and DNS steps.
//!
//! A code names why a hop decided as it did. The engine emits them, rules match on them and
//! reports print them; as one enum, a code a rule matches is a code that exists. Each
//! serializes to its upper-case name (`RF_PUBLIC_DISABLED`), the text of JSON, SARIF and the
//! text reports.

use serde::{Serialize, Serializer};
use std::fmt;

macro_rules! codes {
    ($($(#[$m:meta])* $v:ident = $s:literal,)*) => {
        /// Why a hop decided as it did.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $($(#[$m])* $v,)*
        }

        impl Code {
            /// Every code, in declaration order.
            pub const ALL: &'static [Code] = &[$(Code::$v,)*];

            /// The code as written in reports (`RF_PUBLIC_DISABLED`).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Code::$v => $s,)*
                }
            }
        }
    };
}

codes! {
    // Where the source sits and what the query names.
    InfraTarget = "INFRA_TARGET",
    InputUnknown = "INPUT_UNKNOWN",
    ServiceTarget = "SERVICE_TARGET",
    Source = "SOURCE",
    SourceExternal = "SOURCE_EXTERNAL",
    SourceOpen = "SOURCE_OPEN",
    TagUnknown = "TAG_UNKNOWN",
    // Name resolution (the `dns` hops).
    DestAddress = "DEST_ADDRESS",
    DnsAssumedRecursive = "DNS_ASSUMED_RECURSIVE",
    DnsAzureDnsUnreachable = "DNS_AZURE_DNS_UNREACHABLE",
    DnsCnamePrivatelink = "DNS_CNAME_PRIVATELINK",
    /// A compute instance's name answered as its workspace's API name (facts §2.2).
    DnsInstanceWorkspace = "DNS_INSTANCE_WORKSPACE",
    DnsFirewallNotProxy = "DNS_FIREWALL_NOT_PROXY",
    DnsFirewallProxy = "DNS_FIREWALL_PROXY",
    DnsForward = "DNS_FORWARD",
    DnsForwardAzure = "DNS_FORWARD_AZURE",
    DnsHostedCname = "DNS_HOSTED_CNAME",
    DnsHostedNoRecord = "DNS_HOSTED_NO_RECORD",
    DnsHostedZone = "DNS_HOSTED_ZONE",
    DnsManagedPe = "DNS_MANAGED_PE",
    DnsNoPublicRecord = "DNS_NO_PUBLIC_RECORD",
    DnsNxdomain = "DNS_NXDOMAIN",
    DnsPrivateCname = "DNS_PRIVATE_CNAME",
    DnsPrivateUnknown = "DNS_PRIVATE_UNKNOWN",
    DnsPrivateZone = "DNS_PRIVATE_ZONE",
    DnsPublic = "DNS_PUBLIC",
    DnsPublicEndpoint = "DNS_PUBLIC_ENDPOINT",
    DnsRecordOpen = "DNS_RECORD_OPEN",
    DnsRecursive = "DNS_RECURSIVE",
    DnsResolverInbound = "DNS_RESOLVER_INBOUND",
    DnsRulesetForward = "DNS_RULESET_FORWARD",
    DnsServerUndescribed = "DNS_SERVER_UNDESCRIBED",
    /// Several servers any of which may answer, answering differently.
    DnsServersDisagree = "DNS_SERVERS_DISAGREE",
    DnsUnknown = "DNS_UNKNOWN",
    DnsZoneExternal = "DNS_ZONE_EXTERNAL",
    DnsZoneFallback = "DNS_ZONE_FALLBACK",
    DnsZoneLinksOpen = "DNS_ZONE_LINKS_OPEN",
    DnsZoneNoRecord = "DNS_ZONE_NO_RECORD",
    // Network security groups.
    NsgInboundAllow = "NSG_INBOUND_ALLOW",
    NsgInboundDeny = "NSG_INBOUND_DENY",
    NsgNone = "NSG_NONE",
    NsgOutboundAllow = "NSG_OUTBOUND_ALLOW",
    NsgOutboundDeny = "NSG_OUTBOUND_DENY",
    NsgUndecided = "NSG_UNDECIDED",
    NsgUndeclared = "NSG_UNDECLARED",
    PePoliciesOff = "PE_POLICIES_OFF",
    // Routing, peering and the way out to the internet.
    EgressNone = "EGRESS_NONE",
    EgressSnat = "EGRESS_SNAT",
    InternetToPrivate = "INTERNET_TO_PRIVATE",
    PublicIpClosed = "PUBLIC_IP_CLOSED",
    PublicIpInbound = "PUBLIC_IP_INBOUND",
    PublicIpSkuOpen = "PUBLIC_IP_SKU_OPEN",
    NovnetEgress = "NOVNET_EGRESS",
    NovnetToPrivate = "NOVNET_TO_PRIVATE",
    PeeringForwardedBlocked = "PEERING_FORWARDED_BLOCKED",
    PeeringForwardedOk = "PEERING_FORWARDED_OK",
    PeeringNotTransitive = "PEERING_NOT_TRANSITIVE",
    RouteAppliance = "ROUTE_APPLIANCE",
    RouteDrop = "ROUTE_DROP",
    RouteGateway = "ROUTE_GATEWAY",
    RouteInternet = "ROUTE_INTERNET",
    RouteLoop = "ROUTE_LOOP",
    RouteNone = "ROUTE_NONE",
    RouteNoPath = "ROUTE_NO_PATH",
    RoutePrivateToInternet = "ROUTE_PRIVATE_TO_INTERNET",
    RouteServiceEndpoint = "ROUTE_SERVICE_ENDPOINT",
    RouteUndecided = "ROUTE_UNDECIDED",
    RouteVnet = "ROUTE_VNET",
    // Azure Firewall and other appliances.
    ApplianceUnmodelled = "APPLIANCE_UNMODELLED",
    ApplianceUnreachable = "APPLIANCE_UNREACHABLE",
    FirewallAddressAssumed = "FIREWALL_ADDRESS_ASSUMED",
    FwApplicationAllow = "FW_APPLICATION_ALLOW",
    FwApplicationDeny = "FW_APPLICATION_DENY",
    FwDnat = "FW_DNAT",
    FwDnatFqdn = "FW_DNAT_FQDN",
    FwDnatNoRule = "FW_DNAT_NO_RULE",
    FwDnatOpen = "FW_DNAT_OPEN",
    FwImplicitDeny = "FW_IMPLICIT_DENY",
    FwNetworkAllow = "FW_NETWORK_ALLOW",
    FwNetworkDeny = "FW_NETWORK_DENY",
    FwSubnetMissing = "FW_SUBNET_MISSING",
    FwUndecided = "FW_UNDECIDED",
    // Private endpoints.
    PeApproved = "PE_APPROVED",
    PeNotApproved = "PE_NOT_APPROVED",
    PeWrongGroup = "PE_WRONG_GROUP",
    PeWrongTarget = "PE_WRONG_TARGET",
    // Resource firewalls and service endpoint policies.
    RfIpNotAllowed = "RF_IP_NOT_ALLOWED",
    RfIpRule = "RF_IP_RULE",
    RfIpUndecided = "RF_IP_UNDECIDED",
    RfNoVnetRule = "RF_NO_VNET_RULE",
    /// Public network access `SecuredByPerimeter`: a network security perimeter's access
    /// rules decide, which the model does not describe.
    RfPerimeter = "RF_PERIMETER",
    RfPublicAll = "RF_PUBLIC_ALL",
    RfPublicDisabled = "RF_PUBLIC_DISABLED",
    RfResourceInstance = "RF_RESOURCE_INSTANCE",
    RfSameRegion = "RF_SAME_REGION",
    RfSameRegionUndecided = "RF_SAME_REGION_UNDECIDED",
    RfService = "RF_SERVICE",
    RfServiceDenied = "RF_SERVICE_DENIED",
    RfTrustedService = "RF_TRUSTED_SERVICE",
    RfVnetRule = "RF_VNET_RULE",
    RfWorkspacePrivate = "RF_WORKSPACE_PRIVATE",
    SepAccountUnknown = "SEP_ACCOUNT_UNKNOWN",
    SepAllow = "SEP_ALLOW",
    SepDeny = "SEP_DENY",
    /// No service endpoint policy on a subnet whose Microsoft.Storage service endpoint admits
    /// every storage account (an element `exfil` reports; no trace hop carries it).
    SepMissing = "SEP_MISSING",
    // The workspace managed network (and the legacy managed VNet).
    LegacyEgressPublic = "LEGACY_EGRESS_PUBLIC",
    LegacyNotAssociated = "LEGACY_NOT_ASSOCIATED",
    LegacyNoPrivate = "LEGACY_NO_PRIVATE",
    LegacyPlatformPe = "LEGACY_PLATFORM_PE",
    MvnFqdn = "MVN_FQDN",
    MvnInternetOutbound = "MVN_INTERNET_OUTBOUND",
    MvnNotApproved = "MVN_NOT_APPROVED",
    MvnNoCustomerVnet = "MVN_NO_CUSTOMER_VNET",
    MvnNoInbound = "MVN_NO_INBOUND",
    MvnPrivateEndpoint = "MVN_PRIVATE_ENDPOINT",
    MvnServiceTag = "MVN_SERVICE_TAG",
    MvnUndecided = "MVN_UNDECIDED",
    // Gateways and on-premises sites.
    OnpremGateway = "ONPREM_GATEWAY",
    OnpremInternet = "ONPREM_INTERNET",
    OnpremNoGateway = "ONPREM_NO_GATEWAY",
    OnpremNoTransit = "ONPREM_NO_TRANSIT",
    OnpremSpaceUnknown = "ONPREM_SPACE_UNKNOWN",
    OnpremTransit = "ONPREM_TRANSIT",
    // The destination.
    DestExternal = "DEST_EXTERNAL",
    /// A static address no endpoint declares, among the free addresses Azure may assign an
    /// endpoint without a static address.
    DestMayBeAssigned = "DEST_MAY_BE_ASSIGNED",
    DestInternet = "DEST_INTERNET",
    DestNoSubnet = "DEST_NO_SUBNET",
    DestOpen = "DEST_OPEN",
    DestOnprem = "DEST_ONPREM",
    DestReached = "DEST_REACHED",
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Code;

    #[test]
    fn names_are_unique_and_upper_snake_case() {
        let mut seen = std::collections::BTreeSet::new();
        for c in Code::ALL {
            let s = c.as_str();
            assert!(seen.insert(s), "{s} twice");
            assert!(
                s.chars().all(|ch| ch.is_ascii_uppercase() || ch == '_'),
                "{s} is not upper snake case"
            );
            assert_eq!(serde_json::to_string(c).unwrap(), format!("\"{s}\""));
        }
    }
}
