//! Fixes as data: the change that removes a finding, typed and free of any input language. The
//! report stage renders each change in the language of the input that declares the resource
//! (native YAML, Terraform, an ARM template, or the `az` command), so rules never spell a
//! property.

use serde::Serialize;

/// A change to the deployment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Change {
    /// Give settings of one resource (named by address: `storage/st`, `compute/cpu`) the values
    /// that remove the finding.
    Set {
        resource: String,
        settings: Vec<Setting>,
    },
    /// Name the compute cluster that builds a workspace's images (`image_build_compute`): a
    /// setting whose value is a name, which [`Setting`] (values only) cannot carry.
    SetImageBuildCompute {
        /// The workspace, by address (`workspace/ws`).
        workspace: String,
        /// The compute's name in its workspace (`cpu-cluster`).
        compute: String,
    },
    /// Name the user-assigned identity a workspace uses by default
    /// (`primaryUserAssignedIdentity`): one of the identities attached to it, by resource id.
    SetPrimaryIdentity {
        /// The workspace, by address (`workspace/ws`).
        workspace: String,
        /// The identity's resource id, as the input gives it.
        identity: String,
    },
    /// Add an FQDN outbound rule (ports 80 and 443) to a workspace's managed network.
    AddFqdnRule {
        /// The workspace, by address (`workspace/ws`).
        workspace: String,
        /// The rule's name, unique in the workspace.
        name: String,
        /// The host name or wildcard (`pypi.org`, `*.anaconda.com`).
        destination: String,
    },
    /// Link a private DNS zone to a VNet (without auto-registration), so that Azure DNS answers
    /// that VNet from the zone.
    LinkZone {
        /// The zone's name (`privatelink.api.azureml.ms`).
        zone: String,
        /// The zone's resource group, when the model tells two zones of that name apart.
        resource_group: Option<String>,
        /// The VNet's name.
        vnet: String,
    },
    /// Add a security rule that allows one flow to a network security group, at a priority
    /// in front of the rule that denies it (Azure evaluates the lowest number first).
    AllowInNsg {
        /// The NSG's name.
        nsg: String,
        /// The rule's name, unique in the NSG.
        name: String,
        /// `Inbound` or `Outbound`.
        direction: &'static str,
        /// 100-4096, free in that direction, below the denying rule's.
        priority: u32,
        /// `Tcp`, `Udp` or `*`.
        protocol: &'static str,
        /// The source prefix: a service tag, a CIDR or `*`.
        source: String,
        /// The destination prefix: a service tag, a CIDR or `*`.
        destination: String,
        /// The destination port range (`29876-29877`, `443`).
        ports: String,
    },
    /// Add a private endpoint to a resource (or one sub-resource of it), with a DNS zone group
    /// that names the privatelink zones of that sub-resource; the zones the model lacks are
    /// created, and the zones not linked to the endpoint's VNet are linked.
    AddPrivateEndpoint {
        /// The endpoint's name, unique among the deployment's endpoints (`wskv-vault-pe`).
        name: String,
        /// The resource, by address (`keyvault/kv`, `storage/st`, `workspace/ws`,
        /// `registry/reg:storage`).
        target: String,
        /// The sub-resource (`vault`, `blob`, `file`, `amlworkspace`, `registry`).
        group_id: String,
        /// The subnet the endpoint goes in (`vnet/subnet`).
        subnet: String,
        /// The privatelink zones of the endpoint's zone group, in the order Azure lists them.
        zones: Vec<EndpointZone>,
    },
    /// Add a rule that allows one flow to an Azure Firewall, in the first collection of its
    /// kind that allows (of its policy, else its own): for a flow no rule matches, which the
    /// firewall denies by default, so that any allowing rule admits it.
    AllowInFirewall {
        /// The firewall's name.
        firewall: String,
        /// The rule's name, unique in the firewall's rules.
        name: String,
        rule: FirewallAllow,
    },
    /// Add a service endpoint to a subnet, keeping the ones it has (a list, not one value:
    /// the subnet's other services keep their endpoints).
    AddServiceEndpoint {
        /// The subnet, by address (`subnet/vnet/training`).
        subnet: String,
        /// The service (`Microsoft.Storage`).
        service: String,
    },
    /// Add a virtual network rule that admits a subnet to a storage account's firewall,
    /// keeping the rules it has.
    AddVnetRule {
        /// The storage account, by address (`storage/st`).
        resource: String,
        /// The subnet, by address (`subnet/vnet/training`).
        subnet: String,
    },
    /// Put a private endpoint in another subnet of its VNet. Azure sets an endpoint's subnet
    /// when it creates it: the endpoint is re-created there (its name, target and zone group
    /// kept, its address assigned by Azure in the new subnet).
    MoveEndpoint {
        /// The endpoint's name.
        endpoint: String,
        /// The subnet it goes in (`vnet/subnet`).
        subnet: String,
    },
    /// Add a definition to a service endpoint policy that admits one storage account (service
    /// Microsoft.Storage), beside the definitions it has.
    AddPolicyStorage {
        /// The policy's name.
        policy: String,
        /// The storage account, by address (`storage/st`).
        storage: String,
    },
    /// Put a service endpoint policy in the region of the VNet whose subnets use it (Azure
    /// sets a policy's region when it creates it: the policy is re-created there).
    SetPolicyRegion {
        /// The policy's name.
        policy: String,
        /// The VNet, by name (a template or configuration names its region by reference).
        vnet: String,
        /// The VNet's region (`eastus`).
        region: String,
    },
    /// Assign a role to a principal on a resource.
    AssignRole {
        /// The principal as the input names it (a client's principal, or the client).
        principal: String,
        /// The role's name (`AzureML Registry User`).
        role: String,
        /// The resource, by address (`registry/contosoreg`).
        scope: String,
    },
    /// Assign a role on a resource to a workspace's managed identity (a role assignment
    /// beside the ones the deployment has).
    AssignWorkspaceRole {
        /// The assignment's name, unique among the changes (`ws-approver-partner`).
        name: String,
        /// The workspace whose identity gets the role, by address (`workspace/ws`).
        principal: String,
        /// The role's name (`Azure AI Enterprise Network Connection Approver`).
        role: String,
        /// The resource the role is assigned on, by address (`storage/partner`).
        scope: String,
    },
    /// Add host names to a client's proxy bypass list, keeping the ones it has, so that the
    /// client resolves and reaches them directly (through the private endpoints).
    AddProxyBypass {
        /// The client's name.
        client: String,
        /// The host names and wildcards (`*.api.azureml.ms`), in order.
        hosts: Vec<String>,
    },
    /// Replace a managed network's FQDN outbound rule to a storage account's host by a private
    /// endpoint rule (of the same name) to that account's sub-resource.
    FqdnRuleToEndpoint {
        /// The workspace, by address (`workspace/ws`).
        workspace: String,
        /// The rule's name.
        name: String,
        /// The storage account, by address (`storage/data`).
        storage: String,
        /// The sub-resource (`blob`, `file`, `queue`, `table`, `dfs`, `web`).
        subresource: String,
    },
    /// Change a private endpoint's DNS zone group: the privatelink zones it lacks added (the
    /// zones the model lacks created, those not linked to the endpoint's VNet linked, as for
    /// [`Change::AddPrivateEndpoint`]), and the zones that do not belong in it removed. A group
    /// the endpoint lacks is created (named `default`).
    EditZoneGroup {
        /// The endpoint's name.
        endpoint: String,
        /// The endpoint's VNet, which the zones it adds are linked to.
        vnet: String,
        /// The zones added, in the order Azure lists them.
        add: Vec<EndpointZone>,
        /// The zones removed, as the zone group names them (`zone` or `resource-group/zone`).
        remove: Vec<String>,
    },
    /// A private endpoint for another sub-resource of its target: Azure does not change an
    /// endpoint's group id in place, so the endpoint is replaced (as infrastructure as code
    /// does when the value changes).
    SetEndpointGroup {
        /// The endpoint's name.
        endpoint: String,
        /// The sub-resource (`blob`).
        group_id: String,
    },
    /// A private endpoint in the region of its VNet (Azure sets an endpoint's region when it
    /// creates it: the endpoint is re-created there).
    SetEndpointRegion {
        /// The endpoint's name.
        endpoint: String,
        /// The VNet, by name (a template or configuration names its region by reference).
        vnet: String,
        /// The VNet's region (`eastus`).
        region: String,
    },
    /// Add an address to a workspace's IP allow list (public access enabled from selected IP
    /// addresses), keeping the addresses and ranges it has.
    AddWorkspaceIpRule {
        /// The workspace, by address (`workspace/ws`).
        workspace: String,
        /// The IPv4 address (`20.1.2.3`), which Azure reads as its host prefix.
        address: String,
    },
    /// Add a resource instance rule that admits a registry to a storage account's firewall,
    /// keeping the rules it has.
    AddRegistryInstanceRule {
        /// The storage account, by address (`storage/st`).
        storage: String,
        /// The registry's name.
        registry: String,
    },
}

/// A privatelink zone a new private endpoint's zone group names, and what it lacks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EndpointZone {
    /// The zone's name (`privatelink.vaultcore.azure.net`).
    pub name: String,
    /// The zone's resource group, when the model tells two zones of that name apart.
    pub resource_group: Option<String>,
    /// The deployment has no zone of that name: it is created.
    pub create: bool,
    /// The zone is not linked to the endpoint's VNet: the link is added (without
    /// auto-registration).
    pub link: bool,
}

/// What a firewall rule allows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum FirewallAllow {
    /// A network rule: `TCP`, `UDP` or `Any`, from a source prefix to a destination prefix,
    /// service tag or address, on a port range.
    Network {
        protocol: &'static str,
        source: String,
        destination: String,
        port: String,
    },
    /// An application rule: from a source prefix to a host name or wildcard, on `Https` or
    /// `Http` and a port.
    Application {
        source: String,
        fqdn: String,
        protocol: &'static str,
        port: u16,
    },
}

impl Change {
    /// An FQDN outbound rule for `destination`, named after it (`allow-pypi-org`; a wildcard
    /// `allow-any-anaconda-com`, apart from `anaconda.com`'s).
    pub fn fqdn_rule(workspace: impl Into<String>, destination: &str) -> Change {
        let (any, host) = match destination.strip_prefix("*.") {
            Some(rest) => ("any-", rest),
            None => ("", destination),
        };
        let name: String = host
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        Change::AddFqdnRule {
            workspace: workspace.into(),
            name: format!("allow-{any}{name}"),
            destination: destination.to_string(),
        }
    }

    /// A name Azure accepts for a rule or route (letters, digits, `-`, `.`, `_`; at most 80)
    /// from words (`allow`, `AzureLoadBalancer`, `44224` → `allow-azureloadbalancer-44224`).
    pub fn rule_name(words: &[&str]) -> String {
        let name: String = words
            .iter()
            .map(|w| {
                w.chars()
                    .map(|c| {
                        if c.is_ascii_alphanumeric() || c == '.' {
                            c.to_ascii_lowercase()
                        } else {
                            '-'
                        }
                    })
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("-");
        name.chars().take(80).collect()
    }

    /// A managed online deployment's legacy egress isolation on: its address
    /// (`online-deployment/endpoint/deployment`) and setting.
    pub fn egress_disabled(endpoint: &str, deployment: &str) -> Change {
        Change::set(
            format!("online-deployment/{endpoint}/{deployment}"),
            Setting::EgressPublicNetworkAccessDisabled,
        )
    }

    /// One setting of one resource.
    pub fn set(resource: impl Into<String>, setting: Setting) -> Change {
        Change::Set {
            resource: resource.into(),
            settings: vec![setting],
        }
    }
}

/// A setting and the value it takes, whatever the resource's kind spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Setting {
    /// Public network access Disabled: workspace, registry, storage account, key vault,
    /// container registry, online endpoint.
    PublicNetworkAccessDisabled,
    /// A container registry's admin user off.
    AdminUserDisabled,
    /// A container registry's anonymous pull off.
    AnonymousPullDisabled,
    /// A container registry in the Premium tier.
    SkuPremium,
    /// Trusted Azure services admitted through the firewall (container registry, key vault,
    /// storage account).
    TrustedServicesAllowed,
    /// A compute's local authentication off (Microsoft Entra only).
    LocalAuthDisabled,
    /// A compute cluster's minimum node count 0.
    MinNodesZero,
    /// A compute instance shut down after 30 idle minutes.
    IdleShutdown30Minutes,
    /// A compute without node public IP.
    NodePublicIpDisabled,
    /// A storage account's shared key (account key and SAS) authorization off.
    SharedKeyAccessDisabled,
    /// A workspace managed network's firewall (for FQDN rules) in the Standard SKU.
    ManagedFirewallStandard,
    /// A storage account's anonymous blob access off.
    BlobPublicAccessDisabled,
    /// A container registry's dedicated data endpoints on.
    DataEndpointEnabled,
    /// A workspace managed network that allows internet outbound.
    ManagedNetworkInternetOutbound,
    /// A subnet's private endpoint network policies Disabled.
    PrivateEndpointPoliciesDisabled,
    /// A workspace's v1 legacy mode off.
    V1LegacyModeDisabled,
    /// A managed online deployment's `egress_public_network_access` disabled (set when the
    /// deployment is created).
    EgressPublicNetworkAccessDisabled,
    /// An Azure Monitor private link scope's ingestion access mode Open.
    IngestionAccessModeOpen,
    /// An Azure Monitor private link scope's query access mode Open.
    QueryAccessModeOpen,
    /// Public network access Disabled on the storage account Azure manages for a registry.
    ManagedStoragePublicNetworkAccessDisabled,
    /// Public network access Disabled on the container registry Azure manages for a registry.
    ManagedAcrPublicNetworkAccessDisabled,
    /// A managed online deployment's `egress_public_network_access` enabled, its default: the
    /// legacy flag that a workspace managed network makes moot, as good as removed.
    EgressPublicNetworkAccessEnabled,
    /// A workspace's managed network provisioned now (in a template, at deployment; from Azure,
    /// by `az ml workspace provision-network`).
    ManagedNetworkProvisioned,
    /// A compute cluster without a managed identity (identity type None; in Terraform, no
    /// `identity` block, as azurerm has no such type).
    ComputeIdentityNone,
}

impl Setting {
    /// In words, for a change no renderer can spell.
    pub fn describe(self) -> &'static str {
        match self {
            Setting::PublicNetworkAccessDisabled => "public network access Disabled",
            Setting::AdminUserDisabled => "admin user disabled",
            Setting::AnonymousPullDisabled => "anonymous pull disabled",
            Setting::SkuPremium => "the Premium tier",
            Setting::TrustedServicesAllowed => "trusted Azure services allowed",
            Setting::LocalAuthDisabled => "local authentication disabled",
            Setting::MinNodesZero => "minimum node count 0",
            Setting::IdleShutdown30Minutes => "shut down after 30 idle minutes",
            Setting::NodePublicIpDisabled => "no node public IP",
            Setting::SharedKeyAccessDisabled => "shared key access disabled",
            Setting::ManagedFirewallStandard => "the managed network firewall in the Standard SKU",
            Setting::BlobPublicAccessDisabled => "anonymous blob access disabled",
            Setting::DataEndpointEnabled => "dedicated data endpoints enabled",
            Setting::ManagedNetworkInternetOutbound => {
                "a managed network that allows internet outbound"
            }
            Setting::PrivateEndpointPoliciesDisabled => {
                "private endpoint network policies Disabled"
            }
            Setting::V1LegacyModeDisabled => "v1 legacy mode off",
            Setting::EgressPublicNetworkAccessDisabled => "egress public network access disabled",
            Setting::IngestionAccessModeOpen => "ingestion access mode Open",
            Setting::QueryAccessModeOpen => "query access mode Open",
            Setting::ManagedStoragePublicNetworkAccessDisabled => {
                "public network access Disabled on the registry's storage account"
            }
            Setting::ManagedAcrPublicNetworkAccessDisabled => {
                "public network access Disabled on the registry's container registry"
            }
            Setting::EgressPublicNetworkAccessEnabled => "egress public network access enabled",
            Setting::ManagedNetworkProvisioned => "the managed network provisioned",
            Setting::ComputeIdentityNone => "no managed identity",
        }
    }
}
