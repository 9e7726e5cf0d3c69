//! Virtual networks and everything that moves or filters packets in them.

use crate::Provenance;
use crate::enums::*;
use crate::firewall::RuleValue;
use crate::open::Open;
use crate::values::{AddressPrefix, PortRange, comma_list};
use ipnet::IpNet;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::IpAddr;

fn yes() -> bool {
    true
}

/// A virtual network (`Microsoft.Network/virtualNetworks`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VirtualNetwork {
    pub name: String,
    #[serde(default)]
    pub region: Option<String>,
    /// Address space prefixes.
    #[schemars(with = "Vec<String>")]
    pub address_space: Vec<IpNet>,
    /// Custom DNS servers; empty = Azure-provided DNS (168.63.129.16).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub dns_servers: Vec<IpAddr>,
    #[serde(default)]
    pub subnets: Vec<Subnet>,
    /// Peerings from this VNet (each side declares its own, as in Azure).
    #[serde(default)]
    pub peerings: Vec<Peering>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Referred to but not declared by the input (an existing VNet named by an id, a
    /// parameter or a data source): its address space, DNS servers, peerings and the subnets
    /// the input does not name are unknown, and decisions that read them are unknown.
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

/// A subnet of a virtual network.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Subnet {
    pub name: String,
    /// Address prefixes (usually one); empty for an external subnet, whose prefixes are unknown.
    #[serde(deserialize_with = "comma_list::deserialize")]
    #[schemars(with = "Vec<String>")]
    pub address_prefixes: Vec<IpNetStr>,
    /// Network security group (name).
    #[serde(default)]
    pub network_security_group: Option<String>,
    /// Route table (name).
    #[serde(default)]
    pub route_table: Option<String>,
    /// NAT gateway (name).
    #[serde(default)]
    pub nat_gateway: Option<String>,
    /// Service endpoints (`Microsoft.Storage`, `Microsoft.KeyVault`, ...).
    #[serde(default)]
    pub service_endpoints: Vec<String>,
    /// Service endpoint policies (names).
    #[serde(default)]
    pub service_endpoint_policies: Vec<String>,
    /// Delegations (service names such as `Microsoft.Web/serverFarms`).
    #[serde(default)]
    pub delegations: Vec<String>,
    /// Whether NSGs and UDRs apply to private endpoints here; Azure's default is `Disabled`.
    #[serde(default = "pe_policies_disabled")]
    pub private_endpoint_network_policies: PrivateEndpointNetworkPolicies,
    /// Default outbound access to the internet (false = private subnet).
    #[serde(default = "yes")]
    pub default_outbound_access: bool,
    /// Referred to but not declared by the input (an existing subnet passed by id, parameter
    /// or data source): every property above is unknown, whatever it reads, and so is the
    /// address of anything placed in it.
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

fn pe_policies_disabled() -> PrivateEndpointNetworkPolicies {
    PrivateEndpointNetworkPolicies::Disabled
}

/// A CIDR prefix read from a string (so comma lists can carry it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IpNetStr(pub IpNet);

impl std::str::FromStr for IpNetStr {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        s.trim().parse::<IpNet>().map(IpNetStr).map_err(|_| {
            format!(
                "`{}` is not a valid CIDR prefix (write 10.0.1.0/24)",
                s.trim()
            )
        })
    }
}

impl Serialize for IpNetStr {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl Subnet {
    /// The subnet's prefixes.
    pub fn prefixes(&self) -> impl Iterator<Item = IpNet> + '_ {
        self.address_prefixes.iter().map(|p| p.0)
    }

    /// Whether `ip` is inside the subnet.
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.prefixes().any(|p| p.contains(&ip))
    }
}

/// A VNet peering (`virtualNetworkPeerings`), declared on the local VNet.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Peering {
    #[serde(default)]
    pub name: Option<String>,
    /// The remote VNet (name).
    pub remote_vnet: String,
    #[serde(default = "yes")]
    pub allow_virtual_network_access: bool,
    /// Accept traffic forwarded by an appliance in the remote VNet.
    #[serde(default)]
    pub allow_forwarded_traffic: bool,
    /// Let the remote VNet use this VNet's gateway.
    #[serde(default)]
    pub allow_gateway_transit: bool,
    /// Use the remote VNet's gateway.
    #[serde(default)]
    pub use_remote_gateways: bool,
    #[serde(
        rename = "$at",
        default,
        skip_serializing_if = "Provenance::is_unknown"
    )]
    #[schemars(skip)]
    pub at: Provenance,
}

/// A network security group (`Microsoft.Network/networkSecurityGroups`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkSecurityGroup {
    pub name: String,
    #[serde(default)]
    pub region: Option<String>,
    /// Security rules; Azure's default rules are always appended.
    #[serde(default)]
    pub rules: Vec<SecurityRule>,
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

impl NetworkSecurityGroup {
    /// Whether `field` (as recorded in the topology's unknowns) is a rule field this NSG's
    /// rules carry as unknown, so that evaluating the rules already considers every value: an
    /// open priority, direction or access (`rules/<rule>/priority`), or the match values an
    /// importer records under the rule itself (`rules/<rule>`) when the rule marks them open.
    pub fn carries(&self, field: &str) -> bool {
        let Some(rest) = field.strip_prefix("rules/") else {
            return false;
        };
        let Some((rule, which)) = rest.rsplit_once('/') else {
            return self
                .rules
                .iter()
                .any(|r| r.name == rest && !r.open.is_empty());
        };
        self.rules.iter().any(|r| {
            r.name == rule
                && match which {
                    "priority" => r.priority.is_unknown(),
                    "direction" => r.direction.is_unknown(),
                    "access" => r.access.is_unknown(),
                    _ => false,
                }
        })
    }
}

/// A security rule of an NSG.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecurityRule {
    pub name: String,
    /// 100-4096 for user rules; lower is evaluated first. `unknown` when the input leaves it
    /// open: the rule may then come before or after any other user rule.
    pub priority: Open<u32>,
    /// `unknown` when the input leaves it open: the rule may filter either direction.
    pub direction: Open<Direction>,
    /// `unknown` when the input leaves it open: the rule may allow or deny what it matches.
    pub access: Open<Access>,
    #[serde(default = "any_proto")]
    pub protocol: NsgProtocol,
    /// Source prefixes: CIDRs, IPs, service tags, `*` (any when neither prefixes nor groups).
    #[serde(default, deserialize_with = "comma_list::deserialize")]
    #[schemars(with = "Vec<AddressPrefix>")]
    pub source: Vec<AddressPrefix>,
    /// Source application security groups (names).
    #[serde(default)]
    pub source_asgs: Vec<String>,
    #[serde(default = "any_ports", deserialize_with = "comma_list::deserialize")]
    #[schemars(with = "Vec<PortRange>")]
    pub source_ports: Vec<PortRange>,
    /// Destination prefixes: CIDRs, IPs, service tags, `*` (any when neither prefixes nor groups).
    #[serde(default, deserialize_with = "comma_list::deserialize")]
    #[schemars(with = "Vec<AddressPrefix>")]
    pub destination: Vec<AddressPrefix>,
    /// Destination application security groups (names).
    #[serde(default)]
    pub destination_asgs: Vec<String>,
    #[serde(default = "any_ports", deserialize_with = "comma_list::deserialize")]
    #[schemars(with = "Vec<PortRange>")]
    pub destination_ports: Vec<PortRange>,
    #[serde(default)]
    pub description: Option<String>,
    /// What of the rule's match the input leaves open (a parameter without value, an
    /// attribute known only after apply): the rule may or may not match on it, whatever it
    /// was read as.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub open: Vec<RuleValue>,
    #[serde(
        rename = "$at",
        default,
        skip_serializing_if = "Provenance::is_unknown"
    )]
    #[schemars(skip)]
    pub at: Provenance,
}

fn any_proto() -> NsgProtocol {
    NsgProtocol::Any
}
fn any_ports() -> Vec<PortRange> {
    vec![PortRange::ANY]
}

impl SecurityRule {
    /// The field an importer records, in the topology's unknowns, for a field of rule `rule`
    /// that the rule itself carries as unknown (`rules/deny-all/priority`).
    pub fn open_field(rule: &str, field: &str) -> String {
        format!("rules/{rule}/{field}")
    }

    /// Azure's default rules of every NSG, in priority order per direction.
    pub fn defaults() -> Vec<SecurityRule> {
        let r =
            |name: &str, priority, direction, access, src: AddressPrefix, dst: AddressPrefix| {
                SecurityRule {
                    name: name.into(),
                    priority: Open::Known(priority),
                    direction: Open::Known(direction),
                    access: Open::Known(access),
                    protocol: NsgProtocol::Any,
                    source: vec![src],
                    source_asgs: vec![],
                    source_ports: any_ports(),
                    destination: vec![dst],
                    destination_asgs: vec![],
                    destination_ports: any_ports(),
                    description: Some("Azure default rule".into()),
                    open: Vec::new(),
                    at: Provenance::default(),
                }
            };
        let vnet = || AddressPrefix::Tag("VirtualNetwork".into());
        use Access::*;
        use Direction::*;
        vec![
            r("AllowVnetInBound", 65000, Inbound, Allow, vnet(), vnet()),
            r(
                "AllowAzureLoadBalancerInBound",
                65001,
                Inbound,
                Allow,
                AddressPrefix::Tag("AzureLoadBalancer".into()),
                AddressPrefix::Any,
            ),
            r(
                "DenyAllInBound",
                65500,
                Inbound,
                Deny,
                AddressPrefix::Any,
                AddressPrefix::Any,
            ),
            r("AllowVnetOutBound", 65000, Outbound, Allow, vnet(), vnet()),
            r(
                "AllowInternetOutBound",
                65001,
                Outbound,
                Allow,
                AddressPrefix::Any,
                AddressPrefix::Tag("Internet".into()),
            ),
            r(
                "DenyAllOutBound",
                65500,
                Outbound,
                Deny,
                AddressPrefix::Any,
                AddressPrefix::Any,
            ),
        ]
    }
}

/// An application security group (`Microsoft.Network/applicationSecurityGroups`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationSecurityGroup {
    pub name: String,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(
        rename = "$at",
        default,
        skip_serializing_if = "Provenance::is_unknown"
    )]
    #[schemars(skip)]
    pub at: Provenance,
}

/// A route table (`Microsoft.Network/routeTables`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RouteTable {
    pub name: String,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub routes: Vec<Route>,
    /// Do not learn gateway (BGP) routes on associated subnets.
    #[serde(default)]
    pub disable_bgp_route_propagation: bool,
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

/// A user-defined route.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Route {
    pub name: String,
    /// Destination: a CIDR or a service tag (`AzureMachineLearning`).
    pub address_prefix: AddressPrefix,
    pub next_hop_type: NextHopType,
    /// For `VirtualAppliance`: the appliance's (firewall's) private IP.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub next_hop_ip_address: Option<IpAddr>,
    #[serde(
        rename = "$at",
        default,
        skip_serializing_if = "Provenance::is_unknown"
    )]
    #[schemars(skip)]
    pub at: Provenance,
}

/// A NAT gateway (`Microsoft.Network/natGateways`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NatGateway {
    pub name: String,
    #[serde(default)]
    pub region: Option<String>,
    /// Public IPs (names) used for SNAT.
    #[serde(default)]
    pub public_ips: Vec<String>,
    #[serde(
        rename = "$at",
        default,
        skip_serializing_if = "Provenance::is_unknown"
    )]
    #[schemars(skip)]
    pub at: Provenance,
}

/// A public IP address (`Microsoft.Network/publicIPAddresses`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicIp {
    pub name: String,
    #[serde(default)]
    pub region: Option<String>,
    /// The address, when known (Azure assigns it at deployment).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub ip_address: Option<IpAddr>,
    #[serde(default)]
    pub sku: Option<String>,
    #[serde(
        rename = "$at",
        default,
        skip_serializing_if = "Provenance::is_unknown"
    )]
    #[schemars(skip)]
    pub at: Provenance,
}

/// A VPN or ExpressRoute gateway in a VNet's `GatewaySubnet`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VirtualNetworkGateway {
    pub name: String,
    #[serde(default)]
    pub region: Option<String>,
    /// The VNet holding the gateway.
    pub vnet: String,
    pub gateway_type: GatewayType,
    /// Point-to-site client address pool, when point-to-site is configured.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub vpn_client_address_pool: Vec<IpNet>,
    #[serde(
        rename = "$at",
        default,
        skip_serializing_if = "Provenance::is_unknown"
    )]
    #[schemars(skip)]
    pub at: Provenance,
}

/// An on-premises network as Azure knows it (`Microsoft.Network/localNetworkGateways`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LocalNetworkGateway {
    pub name: String,
    #[serde(default)]
    pub region: Option<String>,
    /// On-premises address prefixes.
    #[schemars(with = "Vec<String>")]
    pub address_prefixes: Vec<IpNet>,
    /// The on-premises VPN device's public IP.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub gateway_ip_address: Option<IpAddr>,
    #[serde(
        rename = "$at",
        default,
        skip_serializing_if = "Provenance::is_unknown"
    )]
    #[schemars(skip)]
    pub at: Provenance,
}

/// A gateway connection (`Microsoft.Network/connections`): site-to-site, ExpressRoute or VNet-to-VNet.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GatewayConnection {
    pub name: String,
    pub connection_type: ConnectionType,
    pub virtual_network_gateway: String,
    /// The on-premises side of a site-to-site connection.
    #[serde(default)]
    pub local_network_gateway: Option<String>,
    /// On-premises prefixes advertised over ExpressRoute.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub remote_address_prefixes: Vec<IpNet>,
    #[serde(
        rename = "$at",
        default,
        skip_serializing_if = "Provenance::is_unknown"
    )]
    #[schemars(skip)]
    pub at: Provenance,
}

/// An Azure Bastion host in a VNet's `AzureBastionSubnet`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BastionHost {
    pub name: String,
    #[serde(default)]
    pub region: Option<String>,
    pub vnet: String,
    #[serde(default)]
    pub public_ip: Option<String>,
    #[serde(
        rename = "$at",
        default,
        skip_serializing_if = "Provenance::is_unknown"
    )]
    #[schemars(skip)]
    pub at: Provenance,
}

/// A virtual machine (a jump box, a DNS server, a client).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VirtualMachine {
    pub name: String,
    #[serde(default)]
    pub region: Option<String>,
    /// Network interfaces (names); the first is primary.
    pub network_interfaces: Vec<String>,
    /// The workspace it is attached to as a compute target (declared: templates attach it
    /// once both exist).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attached_to: Option<String>,
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

/// A network interface (`Microsoft.Network/networkInterfaces`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkInterface {
    pub name: String,
    #[serde(default)]
    pub region: Option<String>,
    /// Subnet (`vnet/subnet`).
    pub subnet: String,
    /// Private IP, when static; absent, Azure assigns one of the subnet's free addresses at
    /// deployment (see [`crate::addressing`]).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub private_ip_address: Option<IpAddr>,
    /// Public IP (name).
    #[serde(default)]
    pub public_ip: Option<String>,
    /// NIC-level network security group (name).
    #[serde(default)]
    pub network_security_group: Option<String>,
    /// Application security groups (names).
    #[serde(default)]
    pub application_security_groups: Vec<String>,
    /// IP forwarding (network virtual appliances).
    #[serde(default)]
    pub enable_ip_forwarding: bool,
    #[serde(
        rename = "$at",
        default,
        skip_serializing_if = "Provenance::is_unknown"
    )]
    #[schemars(skip)]
    pub at: Provenance,
}

/// A service endpoint policy (`Microsoft.Network/serviceEndpointPolicies`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceEndpointPolicy {
    pub name: String,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub definitions: Vec<ServiceEndpointPolicyDefinition>,
    #[serde(
        rename = "$at",
        default,
        skip_serializing_if = "Provenance::is_unknown"
    )]
    #[schemars(skip)]
    pub at: Provenance,
}

/// One definition of a service endpoint policy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceEndpointPolicyDefinition {
    #[serde(default)]
    pub name: Option<String>,
    /// `Microsoft.Storage` (or `Global` for aliases).
    #[serde(default = "storage_service")]
    pub service: String,
    /// Allowed storage accounts (names or ARM ids) and aliases (`/services/Azure/MachineLearning`).
    pub service_resources: Vec<String>,
}

fn storage_service() -> String {
    "Microsoft.Storage".into()
}

/// Whether a service endpoint's service (as written: `Microsoft.Storage`,
/// `Microsoft.Storage.Global`, in any case) is Azure Storage's.
pub fn is_storage_service(service: &str) -> bool {
    service
        .get(..17)
        .is_some_and(|p| p.eq_ignore_ascii_case("microsoft.storage"))
}

#[cfg(test)]
mod tests {
    use super::is_storage_service;

    #[test]
    fn storage_service_endpoints_in_any_case_and_the_global_one() {
        // Azure names the storage service endpoints Microsoft.Storage and
        // Microsoft.Storage.Global; resource provider names are case-insensitive.
        for s in [
            "Microsoft.Storage",
            "microsoft.storage",
            "Microsoft.Storage.Global",
        ] {
            assert!(is_storage_service(s), "{s}");
        }
        for s in ["Microsoft.KeyVault", "Microsoft.Stor", "", "Microsoft.Sql"] {
            assert!(!is_storage_service(s), "{s}");
        }
    }
}
