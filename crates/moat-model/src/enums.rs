//! Azure's enumerations, spelled as Azure spells them and read as Azure reads them.
//!
//! Azure Resource Manager compares enum values case-insensitively (real templates write
//! `AllowInternetOutBound`), and the Azure ML CLI writes the same values in snake case
//! (`allow_internet_outbound`). Every enum here therefore accepts any casing with `_`, `-` and
//! spaces ignored, and always writes the canonical Azure spelling.

/// Normalises an enum spelling for comparison: lower case without `_`, `-`, or spaces.
pub fn normalise(s: &str) -> String {
    normalised(s).collect()
}

/// The characters of [`normalise`]'s result, without building it.
fn normalised(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars()
        .filter(|c| !matches!(c, '_' | '-' | ' '))
        .flat_map(char::to_lowercase)
}

/// Whether two spellings normalise alike, compared a character at a time: every NSG rule
/// reads three enumerations, and building both strings for each accepted spelling took
/// nearly a tenth of loading a large estate.
pub fn same_spelling(a: &str, b: &str) -> bool {
    normalised(a).eq(normalised(b))
}

/// Declares an Azure enumeration with canonical spellings and extra accepted aliases.
macro_rules! azure_enum {
    (
        $(#[$m:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vm:meta])* $var:ident = $canon:literal $(| $alias:literal)* ),+ $(,)?
        }
    ) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name { $( $(#[$vm])* $var ),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$var),+];
            /// Canonical spellings, in declaration order.
            pub const NAMES: &'static [&'static str] = &[$($canon),+];

            /// The canonical Azure spelling.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$var => $canon),+ }
            }

            /// Parses any accepted spelling (case, `_`, `-` and spaces ignored).
            pub fn parse(s: &str) -> Option<Self> {
                $(
                    if $crate::enums::same_spelling(s, $canon) $(|| $crate::enums::same_spelling(s, $alias))* {
                        return Some($name::$var);
                    }
                )+
                None
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                $name::parse(s).ok_or_else(|| format!(
                    "`{}` is not a valid {}; expected one of: {}",
                    s, stringify!($name), $name::NAMES.join(", ")
                ))
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> ::serde::de::Visitor<'de> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        write!(f, "one of {}", $name::NAMES.join(", "))
                    }
                    fn visit_str<E: ::serde::de::Error>(self, v: &str) -> Result<$name, E> {
                        $name::parse(v).ok_or_else(|| E::unknown_variant(v, $name::NAMES))
                    }
                    fn visit_bool<E: ::serde::de::Error>(self, v: bool) -> Result<$name, E> {
                        // Loose spellings (`true`/`false`) map onto Enabled/Disabled-like enums.
                        self.visit_str(if v { "Enabled" } else { "Disabled" })
                    }
                }
                d.deserialize_str(V)
            }
        }

        impl ::schemars::JsonSchema for $name {
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                ::schemars::json_schema!({
                    "type": "string",
                    "enum": $name::NAMES,
                    "description": "Case-insensitive; `_`, `-` and spaces are ignored."
                })
            }
        }
    };
}
pub(crate) use azure_enum;

azure_enum! {
    /// Public network access of a workspace, registry, storage account, key vault or container
    /// registry (`publicNetworkAccess`).
    pub enum PublicNetworkAccess {
        Enabled = "Enabled" | "true" | "on",
        Disabled = "Disabled" | "false" | "off",
        /// Public access governed by the network security perimeter the resource is
        /// associated with: its access rules decide (and, in Learning mode, the resource's own
        /// firewall after them). The model does not describe perimeters: public paths to such
        /// a resource are unknown.
        SecuredByPerimeter = "SecuredByPerimeter",
    }
}

azure_enum! {
    /// Default action of a resource firewall (`networkAcls.defaultAction`).
    pub enum DefaultAction {
        Allow = "Allow",
        Deny = "Deny",
    }
}

azure_enum! {
    /// Isolation mode of a workspace managed virtual network (`managedNetwork.isolationMode`).
    pub enum IsolationMode {
        Disabled = "Disabled",
        AllowInternetOutbound = "AllowInternetOutbound",
        AllowOnlyApprovedOutbound = "AllowOnlyApprovedOutbound",
    }
}

azure_enum! {
    /// Type of a managed network outbound rule.
    pub enum OutboundRuleType {
        PrivateEndpoint = "PrivateEndpoint",
        ServiceTag = "ServiceTag",
        Fqdn = "FQDN",
    }
}

azure_enum! {
    /// Category of a managed network outbound rule.
    pub enum OutboundRuleCategory {
        Required = "Required",
        Recommended = "Recommended",
        UserDefined = "UserDefined",
        Dependency = "Dependency",
    }
}

azure_enum! {
    /// Status of a private endpoint connection as the target resource sees it.
    pub enum ConnectionState {
        Approved = "Approved" | "AutoApproval" | "Auto",
        Pending = "Pending" | "ManualApproval" | "Manual",
        Rejected = "Rejected",
        Disconnected = "Disconnected",
    }
}

azure_enum! {
    /// Azure Machine Learning compute type.
    pub enum ComputeType {
        ComputeInstance = "ComputeInstance" | "instance",
        AmlCompute = "AmlCompute" | "cluster" | "compute_cluster",
    }
}

azure_enum! {
    /// How a managed online endpoint authenticates scoring requests (`auth_mode`).
    pub enum EndpointAuthMode {
        Key = "Key",
        AmlToken = "AMLToken" | "aml_token",
        AadToken = "AADToken" | "aad_token",
    }
}

azure_enum! {
    /// Managed identity of a resource.
    pub enum IdentityType {
        None = "None",
        SystemAssigned = "SystemAssigned",
        UserAssigned = "UserAssigned",
        SystemAssignedUserAssigned = "SystemAssigned,UserAssigned" | "SystemAndUserAssigned",
    }
}

azure_enum! {
    /// Container registry SKU.
    pub enum AcrSku {
        Basic = "Basic",
        Standard = "Standard",
        Premium = "Premium",
    }
}

azure_enum! {
    /// Azure Monitor private link scope access mode.
    pub enum AmplsAccessMode {
        Open = "Open",
        PrivateOnly = "PrivateOnly",
    }
}

azure_enum! {
    /// Direction of an NSG rule.
    pub enum Direction {
        Inbound = "Inbound" | "in",
        Outbound = "Outbound" | "out",
    }
}

azure_enum! {
    /// Access of an NSG rule or firewall rule collection.
    pub enum Access {
        Allow = "Allow",
        Deny = "Deny",
    }
}

azure_enum! {
    /// Protocol of an NSG rule (`*` is any).
    pub enum NsgProtocol {
        Any = "*" | "Any",
        Tcp = "Tcp",
        Udp = "Udp",
        Icmp = "Icmp",
        Esp = "Esp",
        Ah = "Ah",
    }
}

azure_enum! {
    /// Next hop type of a route.
    pub enum NextHopType {
        VirtualNetworkGateway = "VirtualNetworkGateway",
        VnetLocal = "VnetLocal",
        Internet = "Internet",
        VirtualAppliance = "VirtualAppliance",
        None = "None",
    }
}

azure_enum! {
    /// Private endpoint network policies of a subnet (`privateEndpointNetworkPolicies`).
    pub enum PrivateEndpointNetworkPolicies {
        Disabled = "Disabled",
        Enabled = "Enabled",
        NetworkSecurityGroupEnabled = "NetworkSecurityGroupEnabled",
        RouteTableEnabled = "RouteTableEnabled",
    }
}

impl PrivateEndpointNetworkPolicies {
    /// Whether NSGs on the subnet apply to private endpoints in it.
    pub fn nsg_applies(self) -> bool {
        matches!(self, Self::Enabled | Self::NetworkSecurityGroupEnabled)
    }
    /// Whether user-defined routes on the subnet apply to traffic to its private endpoints.
    pub fn udr_applies(self) -> bool {
        matches!(self, Self::Enabled | Self::RouteTableEnabled)
    }
}

azure_enum! {
    /// Protocol of an Azure Firewall network rule.
    pub enum FirewallProtocol {
        Any = "Any" | "*",
        Tcp = "TCP",
        Udp = "UDP",
        Icmp = "ICMP",
    }
}

azure_enum! {
    /// Protocol of an Azure Firewall application rule.
    pub enum ApplicationProtocol {
        Http = "Http",
        Https = "Https",
        Mssql = "Mssql",
    }
}

azure_enum! {
    /// Virtual network gateway type.
    pub enum GatewayType {
        Vpn = "Vpn",
        ExpressRoute = "ExpressRoute",
    }
}

azure_enum! {
    /// Type of a virtual network gateway connection.
    pub enum ConnectionType {
        IPsec = "IPsec" | "SiteToSite",
        ExpressRoute = "ExpressRoute",
        Vnet2Vnet = "Vnet2Vnet",
    }
}

azure_enum! {
    /// Trusted Azure services bypass of a key vault or container registry firewall.
    pub enum Bypass {
        AzureServices = "AzureServices",
        None = "None",
    }
}

azure_enum! {
    /// Azure Firewall SKU tier (also the managed network firewall SKU).
    pub enum FirewallSku {
        Basic = "Basic",
        Standard = "Standard",
        Premium = "Premium",
    }
}

azure_enum! {
    /// Workspace kind.
    pub enum WorkspaceKind {
        Default = "Default",
        Hub = "Hub",
        Project = "Project",
        FeatureStore = "FeatureStore",
    }
}

azure_enum! {
    /// DNS record type in a private DNS zone.
    pub enum RecordType {
        A = "A",
        Aaaa = "AAAA",
        Cname = "CNAME",
    }
}

azure_enum! {
    /// State of a DNS forwarding rule.
    pub enum RuleState {
        Enabled = "Enabled",
        Disabled = "Disabled",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_compare_as_their_normal_forms() {
        // Azure compares enum values case-insensitively; the CLI writes snake case.
        assert_eq!(Direction::parse("InBound"), Some(Direction::Inbound));
        assert_eq!(Direction::parse("out_bound"), Some(Direction::Outbound));
        assert_eq!(Access::parse(" ALLOW "), Some(Access::Allow));
        assert_eq!(Direction::parse("Inbou"), None);
        assert_eq!(Direction::parse("Inboundx"), None);
        assert_eq!(Direction::parse(""), None);
        let words = [
            "", "a", "A", "a-b", "A_B", "ab", "abc", "İ", "i̇", "ß", "SS", "Inbound", "in bound",
        ];
        for a in words {
            for b in words {
                assert_eq!(
                    same_spelling(a, b),
                    normalise(a) == normalise(b),
                    "{a:?} {b:?}"
                );
            }
        }
    }
}
