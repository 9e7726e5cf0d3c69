//! Azure Machine Learning resources: workspaces, registries, computes, endpoints, roles.

use crate::Provenance;
use crate::address::Address;
use crate::enums::*;
use crate::open::Open;
use crate::values::{PortRange, comma_list};
use ipnet::IpNet;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

fn enabled() -> PublicNetworkAccess {
    PublicNetworkAccess::Enabled
}
fn yes() -> bool {
    true
}

/// Resource firewall of a workspace (`networkAcls`): the IP allow list used when public network
/// access is "Enabled from selected IP addresses".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkAcls {
    /// `Deny` with IP rules = enabled from selected IP addresses; `Allow` = all networks.
    #[serde(default = "allow")]
    pub default_action: DefaultAction,
    /// Public IPv4 addresses or CIDR ranges allowed in; a single address (`203.0.113.7`) is
    /// read as its host prefix (`/32`), as Azure reads it.
    #[serde(default, deserialize_with = "host_or_prefix_list")]
    #[schemars(with = "Vec<String>")]
    pub ip_rules: Vec<IpNet>,
}

/// Reads a list of CIDR prefixes or single addresses (each as its host prefix).
fn host_or_prefix_list<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<IpNet>, D::Error> {
    Vec::<String>::deserialize(d)?
        .iter()
        .map(|s| crate::values::parse_net(s).map_err(serde::de::Error::custom))
        .collect()
}

fn allow() -> DefaultAction {
    DefaultAction::Allow
}

/// An Azure Machine Learning workspace (`Microsoft.MachineLearningServices/workspaces`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Workspace {
    pub name: String,
    /// Azure region (`eastus`); defaults to the topology's region.
    #[serde(default)]
    pub region: Option<String>,
    /// Workspace kind (hub workspaces share their network with projects).
    #[serde(default)]
    pub kind: Option<WorkspaceKind>,
    /// The workspace id (a GUID) used in its FQDNs; derived from the name when not given.
    #[serde(default)]
    pub workspace_id: Option<String>,
    /// Public network access; Azure's default is `Enabled`.
    #[serde(default = "enabled")]
    pub public_network_access: PublicNetworkAccess,
    /// IP allow list ("Enabled from selected IP addresses").
    #[serde(default)]
    pub network_acls: Option<NetworkAcls>,
    /// The legacy switch (SDK v1 `allow_public_access_when_behind_vnet`, ARM
    /// `allowPublicAccessWhenBehindVnet`), as the input gives it; importers fold it into
    /// `public_network_access` with [`public_access_of`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_public_access_when_behind_vnet: Option<bool>,
    /// Managed identity kind of the workspace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<IdentityType>,
    /// The user-assigned identity the workspace uses by default (`primaryUserAssignedIdentity`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_user_assigned_identity: Option<String>,
    /// The user-assigned identities attached to the workspace (their resource ids).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub user_assigned_identities: Vec<String>,
    /// High business impact workspace (`hbi_workspace`): adds outbound to the Batch key vault.
    #[serde(default)]
    pub hbi_workspace: bool,
    /// Compute cluster used to build images (`image_build_compute`).
    #[serde(default)]
    pub image_build_compute: Option<String>,
    /// Default storage account (name).
    #[serde(default)]
    pub storage_account: Option<String>,
    /// Key vault (name).
    #[serde(default)]
    pub key_vault: Option<String>,
    /// Container registry (name); Azure creates one lazily when absent.
    #[serde(default)]
    pub container_registry: Option<String>,
    /// Application Insights component (name).
    #[serde(default)]
    pub application_insights: Option<String>,
    /// The workspace managed virtual network.
    #[serde(default)]
    pub managed_network: ManagedNetwork,
    /// Container registries the workspace pulls images from through workspace connections
    /// (names; declared), besides its own `container_registry`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub container_registry_connections: Vec<String>,
    /// Where serverless compute runs (`serverlessComputeSettings`); absent = Azure's network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serverless_compute: Option<ServerlessCompute>,
    /// The hub workspace of a project workspace.
    #[serde(default)]
    pub hub: Option<String>,
    /// v1 legacy mode (must be false for managed online endpoints).
    #[serde(default)]
    pub v1_legacy_mode: bool,
    /// Intent: registries whose assets this workspace's jobs and deployments use.
    #[serde(default)]
    pub uses_registries: Vec<String>,
    /// Intent: the deployment means to keep this workspace's data from leaving (seed 004,
    /// "Data exfiltration prevention"); `moat check` then proves the hardened configuration's
    /// invariants from every place its computes run.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub exfiltration_protection: bool,
    /// Intent: registries this workspace shares assets to, and which kinds.
    #[serde(default)]
    pub shares_to: Vec<ShareIntent>,
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

/// Intent: a workspace shares assets to a registry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareIntent {
    /// The registry name.
    pub registry: String,
    /// Asset kinds shared: `model`, `environment`, `component`, `data`.
    #[serde(default = "default_share_assets")]
    pub assets: Vec<AssetKind>,
}

fn default_share_assets() -> Vec<AssetKind> {
    vec![AssetKind::Model]
}

azure_enum! {
    /// The kind of an Azure ML asset.
    pub enum AssetKind {
        Model = "model",
        Environment = "environment",
        Component = "component",
        Data = "data",
    }
}

/// The managed virtual network of a workspace (`managedNetwork`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ManagedNetwork {
    /// `Disabled` (no managed network), `AllowInternetOutbound` or `AllowOnlyApprovedOutbound`.
    #[serde(default = "isolation_disabled")]
    pub isolation_mode: IsolationMode,
    /// SKU of the managed Azure Firewall created for FQDN rules.
    #[serde(default)]
    pub firewall_sku: Option<FirewallSku>,
    /// User-defined outbound rules.
    #[serde(default)]
    pub outbound_rules: Vec<OutboundRule>,
    /// Whether the managed network is provisioned (`provision_network_now`).
    #[serde(default)]
    pub provisioned: Option<bool>,
}

fn isolation_disabled() -> IsolationMode {
    IsolationMode::Disabled
}

impl Default for ManagedNetwork {
    fn default() -> Self {
        ManagedNetwork {
            isolation_mode: IsolationMode::Disabled,
            firewall_sku: None,
            outbound_rules: Vec::new(),
            provisioned: None,
        }
    }
}

impl ManagedNetwork {
    /// Whether the workspace uses a managed network at all.
    pub fn enabled(&self) -> bool {
        self.isolation_mode != IsolationMode::Disabled
    }
}

/// A managed network outbound rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OutboundRule {
    /// Rule name (unique in the workspace).
    pub name: String,
    /// `PrivateEndpoint`, `ServiceTag` or `FQDN`.
    #[serde(rename = "type")]
    pub kind: OutboundRuleType,
    /// The destination; its shape depends on the type.
    pub destination: OutboundDestination,
    #[serde(default)]
    pub category: Option<OutboundRuleCategory>,
    /// `Active` or `Inactive`; inactive rules allow nothing.
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(
        rename = "$at",
        default,
        skip_serializing_if = "Provenance::is_unknown"
    )]
    #[schemars(skip)]
    pub at: Provenance,
}

/// The destination of an outbound rule.
///
/// Written untagged; read by its shape (see the `Deserialize` impl), not with
/// `#[serde(untagged)]`, which buffers the value first and so loses both the loose readings of
/// the document reader (`spark_enabled: "true"`) and the place of an error inside the map.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum OutboundDestination {
    /// An FQDN rule destination (`pypi.org`, `*.anaconda.com`).
    Fqdn(String),
    /// A private endpoint rule destination.
    PrivateEndpoint(PrivateEndpointDestination),
    /// A service tag rule destination.
    ServiceTag(ServiceTagDestination),
}

impl<'de> Deserialize<'de> for OutboundDestination {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Shape;
        impl<'de> serde::de::Visitor<'de> for Shape {
            type Value = OutboundDestination;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a host name (FQDN rule) or a map of destination fields")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<OutboundDestination, E> {
                Ok(OutboundDestination::Fqdn(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<OutboundDestination, A::Error> {
                let f = DestinationFields::deserialize(
                    serde::de::value::MapAccessDeserializer::new(map),
                )?;
                f.into_destination()
            }
        }
        d.deserialize_any(Shape)
    }
}

/// Every field a destination map may hold; which ones it holds says its kind.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DestinationFields {
    /// `service_resource_id` is the Azure ML CLI's spelling.
    #[serde(default, alias = "service_resource_id")]
    service_resource: Option<String>,
    #[serde(default)]
    subresource_target: Option<String>,
    #[serde(default)]
    spark_enabled: Option<bool>,
    #[serde(default)]
    service_tag: Option<String>,
    /// Absent: the native format's `*`.
    #[serde(default)]
    protocol: Option<Open<FirewallProtocol>>,
    #[serde(default, deserialize_with = "some_open_ports")]
    port_ranges: Option<Open<Vec<PortRange>>>,
    #[serde(default)]
    address_prefixes: Option<Vec<IpNet>>,
}

fn some_open_ports<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Open<Vec<PortRange>>>, D::Error> {
    open_ports(d).map(Some)
}

/// Ports as a list or one comma-separated string, or `unknown`.
fn open_ports<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Open<Vec<PortRange>>, D::Error> {
    /// A port range, or `unknown`.
    struct Item(Option<PortRange>);
    impl std::str::FromStr for Item {
        type Err = String;
        fn from_str(s: &str) -> Result<Item, String> {
            if s.trim() == crate::open::UNKNOWN {
                return Ok(Item(None));
            }
            s.parse().map(|p| Item(Some(p)))
        }
    }
    let items: Vec<Item> = comma_list::deserialize(d)?;
    match items.as_slice() {
        [Item(None)] => Ok(Open::Unknown),
        _ => items
            .into_iter()
            .map(|i| i.0)
            .collect::<Option<Vec<_>>>()
            .map(Open::Known)
            .ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "`{}` stands for the whole list, not for one port of it",
                    crate::open::UNKNOWN
                ))
            }),
    }
}

impl DestinationFields {
    fn into_destination<E: serde::de::Error>(self) -> Result<OutboundDestination, E> {
        let endpoint = self.service_resource.is_some()
            || self.subresource_target.is_some()
            || self.spark_enabled.is_some();
        let tag = self.service_tag.is_some()
            || self.protocol.is_some()
            || self.port_ranges.is_some()
            || self.address_prefixes.is_some();
        match (endpoint, tag) {
            (true, true) => Err(E::custom(
                "this destination mixes private endpoint fields (service_resource, subresource_target, spark_enabled) with service tag fields (service_tag, protocol, port_ranges, address_prefixes)",
            )),
            (true, false) => Ok(OutboundDestination::PrivateEndpoint(
                PrivateEndpointDestination {
                    service_resource: self
                        .service_resource
                        .ok_or_else(|| E::missing_field("service_resource"))?,
                    subresource_target: self
                        .subresource_target
                        .ok_or_else(|| E::missing_field("subresource_target"))?,
                    spark_enabled: self.spark_enabled.unwrap_or(false),
                },
            )),
            (false, true) => Ok(OutboundDestination::ServiceTag(ServiceTagDestination {
                service_tag: self
                    .service_tag
                    .ok_or_else(|| E::missing_field("service_tag"))?,
                protocol: self.protocol.unwrap_or_else(any_fw_protocol),
                port_ranges: self.port_ranges.unwrap_or_else(any_ports),
                address_prefixes: self.address_prefixes.unwrap_or_default(),
            })),
            (false, false) => Err(E::custom(
                "an empty destination: a private endpoint rule's is {service_resource, subresource_target}, a service tag rule's {service_tag, protocol, port_ranges}",
            )),
        }
    }
}

/// Destination of a private endpoint outbound rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PrivateEndpointDestination {
    /// The target resource, as an address (`storage/data`, `registry/contosoreg`) or an ARM id.
    pub service_resource: String,
    /// The target sub-resource (group id): `blob`, `amlregistry`, `vault`, `registry`, ...
    pub subresource_target: String,
    #[serde(default)]
    pub spark_enabled: bool,
}

/// Destination of a service tag outbound rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceTagDestination {
    pub service_tag: String,
    /// `TCP`, `UDP`, `ICMP` or `*` (the default); `unknown` where an imported rule leaves it
    /// out (see [`ServiceTagDestination::read`]).
    #[serde(default = "any_fw_protocol")]
    pub protocol: Open<FirewallProtocol>,
    /// Ports, as a list or as one string (`"80, 8080-8089"`); `*` by default; `unknown` as for
    /// the protocol.
    #[serde(default = "any_ports", deserialize_with = "open_ports")]
    #[schemars(with = "Open<Vec<PortRange>>")]
    pub port_ranges: Open<Vec<PortRange>>,
    /// Explicit address prefixes (ARM `addressPrefixes`), used instead of the tag when given.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub address_prefixes: Vec<IpNet>,
}

fn any_fw_protocol() -> Open<FirewallProtocol> {
    Open::Known(FirewallProtocol::Any)
}
fn any_ports() -> Open<Vec<PortRange>> {
    Open::Known(vec![PortRange::ANY])
}

impl ServiceTagDestination {
    /// A service tag rule as an importer reads it (ARM, Terraform, the Azure ML CLI). Azure
    /// documents no default for the protocol or the ports: ARM's `ServiceTagDestination` leaves
    /// both optional without one, azurerm's
    /// `azurerm_machine_learning_workspace_network_outbound_rule_service_tag` marks both
    /// Required, and the Azure ML CLI and SDK take them as written
    /// (`ServiceTagDestination(service_tag, protocol, port_ranges)`). One the input leaves
    /// out (`None`, or no port) is unknown, not `*`.
    pub fn read(
        service_tag: String,
        protocol: Option<FirewallProtocol>,
        port_ranges: Vec<PortRange>,
        address_prefixes: Vec<IpNet>,
    ) -> ServiceTagDestination {
        ServiceTagDestination {
            service_tag,
            protocol: protocol.into(),
            port_ranges: (!port_ranges.is_empty()).then_some(port_ranges).into(),
            address_prefixes,
        }
    }

    /// What a decision on the rule's transport needs when its protocol or ports are unknown.
    pub fn transport_open(&self) -> Option<&'static str> {
        service_tag_transport_open(self.protocol, self.port_ranges.known().map(Vec::as_slice))
    }
}

/// What a decision on a service tag rule's transport needs when its protocol or ports are
/// unknown (see [`ServiceTagDestination::read`]).
pub fn service_tag_transport_open(
    protocol: Open<FirewallProtocol>,
    ports: Option<&[PortRange]>,
) -> Option<&'static str> {
    match (protocol.get(), ports) {
        (Some(_), Some(_)) => None,
        (None, Some(_)) => {
            Some("its protocol, which the input leaves out and Azure gives no default for")
        }
        (Some(_), None) => {
            Some("its port ranges, which the input leaves out and Azure gives no default for")
        }
        (None, None) => Some(
            "its protocol and port ranges, which the input leaves out and Azure gives no default for",
        ),
    }
}

/// An Azure Machine Learning registry (`Microsoft.MachineLearningServices/registries`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Registry {
    pub name: String,
    /// Primary region.
    #[serde(default)]
    pub region: Option<String>,
    /// Every region the registry replicates to (the primary included when omitted).
    #[serde(default)]
    pub regions: Vec<String>,
    /// Registry GUID used in its private FQDN; derived from the name when not given.
    #[serde(default)]
    pub registry_id: Option<String>,
    #[serde(default = "enabled")]
    pub public_network_access: PublicNetworkAccess,
    /// The registry's managed storage account (in `azureml-rg-<name>_<guid>`).
    #[serde(default)]
    pub storage: RegistryManagedResource,
    /// The registry's managed container registry.
    #[serde(default)]
    pub acr: RegistryManagedResource,
    /// Suffix of the managed resource group `azureml-rg-<name>_<guid>`.
    #[serde(default)]
    pub managed_resource_group: Option<String>,
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

/// A storage account or container registry Azure creates for a registry.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistryManagedResource {
    /// Resource name, when known.
    #[serde(default)]
    pub name: Option<String>,
    /// Public network access; `Enabled` unless set.
    #[serde(default)]
    pub public_network_access: Option<PublicNetworkAccess>,
    /// Container registry SKU (ACR only).
    #[serde(default)]
    pub sku: Option<AcrSku>,
}

/// A workspace's serverless compute settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServerlessCompute {
    /// Subnet (`vnet/subnet`) of a customer VNet the serverless nodes join.
    #[serde(default)]
    pub subnet: Option<String>,
    /// The nodes have no public IP (`serverlessComputeNoPublicIP`); Azure's default is false.
    #[serde(default)]
    pub no_public_ip: bool,
}

/// An Azure Machine Learning compute instance or compute cluster.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Compute {
    pub name: String,
    /// The workspace it belongs to.
    pub workspace: String,
    /// `ComputeInstance` or `AmlCompute` (cluster).
    #[serde(rename = "type")]
    pub compute_type: ComputeType,
    #[serde(default)]
    pub region: Option<String>,
    /// VM size (`Standard_DS3_v2`); GPU sizes (NC, ND, NV families) are recognised.
    #[serde(default)]
    pub vm_size: Option<String>,
    /// Overrides the GPU detection from the VM size.
    #[serde(default)]
    pub gpu: Option<bool>,
    #[serde(default)]
    pub min_nodes: u32,
    /// Maximum nodes (cluster); 1 for an instance.
    #[serde(default = "one")]
    pub max_nodes: u32,
    /// Subnet (`vnet/subnet`) in a customer VNet; absent = the managed network, or no VNet.
    #[serde(default)]
    pub subnet: Option<String>,
    /// Node public IP (`enable_node_public_ip`); Azure's default is true.
    #[serde(default = "yes")]
    pub enable_node_public_ip: bool,
    #[serde(default)]
    pub identity: Option<IdentityType>,
    /// Local authentication (SSH keys and keys of the compute) turned off
    /// (`disableLocalAuth`); Azure's default is false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disable_local_auth: bool,
    /// Idle time before a compute instance shuts down (ISO 8601, `PT30M`); absent = never.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_time_before_shutdown: Option<String>,
    /// Intent: what this compute does beyond jobs (`install-packages`, `vscode`, `rstudio`).
    #[serde(default)]
    pub uses: Vec<String>,
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

fn key_auth() -> EndpointAuthMode {
    EndpointAuthMode::Key
}

fn one() -> u32 {
    1
}

/// A workspace's public network access from its two switches, as Azure applies them.
///
/// `publicNetworkAccess` and the legacy `allowPublicAccessWhenBehindVnet` overwrite each other:
/// the last one written wins (facts §1.1). Alone, either decides (`true` = Enabled, `false` =
/// Disabled); neither = Azure's default, Enabled. A template sends both in one request, so when
/// they agree that is the answer, and when they disagree which one the service applied last
/// cannot be known from the input: `None`, unknown.
pub fn public_access_of(
    public_network_access: Option<PublicNetworkAccess>,
    allow_public_access_when_behind_vnet: Option<bool>,
) -> Option<PublicNetworkAccess> {
    let legacy = allow_public_access_when_behind_vnet.map(|b| {
        if b {
            PublicNetworkAccess::Enabled
        } else {
            PublicNetworkAccess::Disabled
        }
    });
    match (public_network_access, legacy) {
        (None, None) => Some(PublicNetworkAccess::Enabled),
        (Some(p), None) => Some(p),
        (None, Some(l)) => Some(l),
        (Some(p), Some(l)) => {
            let open = |x: PublicNetworkAccess| x != PublicNetworkAccess::Disabled;
            (open(p) == open(l)).then_some(p)
        }
    }
}

/// Why [`public_access_of`] answered unknown, for the located unknown importers record.
pub const PUBLIC_ACCESS_CONFLICT: &str = "publicNetworkAccess and allowPublicAccessWhenBehindVnet disagree: Azure keeps whichever was written last, and one request sends both";

impl Compute {
    /// The compute's own name in its workspace: its key without the `<workspace>/` that
    /// [`crate::scope::qualify_computes`] adds when another workspace has a compute of that name.
    pub fn local_name(&self) -> &str {
        self.name
            .strip_prefix(self.workspace.as_str())
            .and_then(|r| r.strip_prefix('/'))
            .unwrap_or(&self.name)
    }

    /// Whether the compute runs on GPU nodes (explicit, or from the VM size family).
    pub fn is_gpu(&self) -> bool {
        if let Some(g) = self.gpu {
            return g;
        }
        let Some(size) = &self.vm_size else {
            return false;
        };
        let s = size.to_ascii_lowercase();
        let family = s.strip_prefix("standard_").unwrap_or(&s);
        ["nc", "nd", "nv", "ng"]
            .iter()
            .any(|p| family.starts_with(p))
    }

    /// Private IPs the compute needs in its subnet at full scale.
    pub fn ips_needed(&self) -> u32 {
        match self.compute_type {
            ComputeType::ComputeInstance => 1,
            ComputeType::AmlCompute => self.max_nodes.max(self.min_nodes),
        }
    }
}

/// An Azure Kubernetes Service cluster attached to a workspace for inference.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AksCluster {
    pub name: String,
    pub workspace: String,
    #[serde(default)]
    pub region: Option<String>,
    /// Subnet of the AKS nodes (`vnet/subnet`).
    #[serde(default)]
    pub subnet: Option<String>,
    /// Node count (for address planning).
    #[serde(default)]
    pub node_count: Option<u32>,
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

/// A model deployment to Azure Container Instances.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AciDeployment {
    pub name: String,
    pub workspace: String,
    #[serde(default)]
    pub region: Option<String>,
    /// Subnet when deployed into a VNet.
    #[serde(default)]
    pub subnet: Option<String>,
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

/// A managed online endpoint and its deployments.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OnlineEndpoint {
    pub name: String,
    pub workspace: String,
    #[serde(default)]
    pub region: Option<String>,
    /// Inbound scoring from public networks; Azure's default is enabled.
    #[serde(default = "enabled")]
    pub public_network_access: PublicNetworkAccess,
    /// How scoring requests authenticate (`auth_mode`); the CLI's default is key.
    #[serde(default = "key_auth")]
    pub auth_mode: EndpointAuthMode,
    #[serde(default)]
    pub deployments: Vec<OnlineDeployment>,
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

/// A deployment of a managed online endpoint.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OnlineDeployment {
    pub name: String,
    /// Legacy outbound isolation (`egress_public_network_access`); Azure's default is enabled.
    #[serde(default = "enabled")]
    pub egress_public_network_access: PublicNetworkAccess,
    /// Model asset id (`azureml://registries/<name>/models/<model>/versions/<v>` for a registry).
    #[serde(default)]
    pub model: Option<String>,
    /// Environment asset id.
    #[serde(default)]
    pub environment: Option<String>,
    #[serde(
        rename = "$at",
        default,
        skip_serializing_if = "Provenance::is_unknown"
    )]
    #[schemars(skip)]
    pub at: Provenance,
}

impl OnlineDeployment {
    /// The registry a model or environment comes from, if any (`azureml://registries/<name>/...`).
    pub fn registry_sources(&self) -> Vec<String> {
        [&self.model, &self.environment]
            .into_iter()
            .flatten()
            .filter_map(|id| registry_of_asset(id))
            .collect()
    }
}

/// The registry named in an `azureml://registries/<name>/...` asset id.
pub fn registry_of_asset(id: &str) -> Option<String> {
    let rest = id.strip_prefix("azureml://registries/")?;
    let name = rest.split('/').next()?;
    (!name.is_empty()).then(|| name.to_string())
}

/// Built-in role definition ids (as templates name a role) and the roles' names.
pub const ROLE_DEFINITIONS: &[(&str, &str)] = &[
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

/// The built-in role definition id of a role, by name (case-insensitive).
pub fn role_definition_id(role: &str) -> Option<&'static str> {
    ROLE_DEFINITIONS
        .iter()
        .find(|(_, n)| n.eq_ignore_ascii_case(role))
        .map(|(id, _)| *id)
}

/// A role assignment the documents name (AzureML Registry User, Owner, Contributor, ...).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleAssignment {
    /// Principal: a client name, a user or group, or a resource's identity (`workspace/ws`).
    pub principal: String,
    /// Role name (`AzureML Registry User`, `Owner`, `Contributor`, `Reader`, ...).
    pub role: String,
    /// The scope, as an address (`registry/contosoreg`).
    pub scope: Address,
    #[serde(
        rename = "$at",
        default,
        skip_serializing_if = "Provenance::is_unknown"
    )]
    #[schemars(skip)]
    pub at: Provenance,
}
