//! The whole deployment: every resource, by kind, plus what importers could not resolve.

use crate::Provenance;
use crate::address::{Address, Kind};
use crate::clients::Client;
use crate::deps::*;
use crate::firewall::*;
use crate::ml::*;
use crate::network::*;
use crate::presence::MayExist;
use crate::privatelink::*;
use foldhash::HashMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A deployment: the vendor-neutral model every importer produces and every analysis reads.
///
/// Resources are grouped by kind and refer to one another by name (subnets as `vnet/subnet`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = schema_key)]
pub struct Topology {
    /// A name for the deployment.
    #[serde(default)]
    pub name: Option<String>,
    /// Default Azure region of resources that name none.
    #[serde(default)]
    pub region: Option<String>,
    /// The id of the subscription the deployment is deployed into, when the input says it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription: Option<String>,
    /// The id of that subscription's tenant, when the input says it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// Resources in another subscription or tenant than the deployment's, or whose
    /// subscription the input leaves open (see [`crate::placement`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub placements: Vec<crate::placement::Placement>,

    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub workspaces: Vec<Workspace>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub registries: Vec<Registry>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub computes: Vec<Compute>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aks_clusters: Vec<AksCluster>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aci_deployments: Vec<AciDeployment>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub online_endpoints: Vec<OnlineEndpoint>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub role_assignments: Vec<RoleAssignment>,

    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub storage_accounts: Vec<StorageAccount>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key_vaults: Vec<KeyVault>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub container_registries: Vec<ContainerRegistry>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub application_insights: Vec<ApplicationInsights>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub monitor_private_link_scopes: Vec<MonitorPrivateLinkScope>,

    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub virtual_networks: Vec<VirtualNetwork>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub network_security_groups: Vec<NetworkSecurityGroup>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub application_security_groups: Vec<ApplicationSecurityGroup>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub route_tables: Vec<RouteTable>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nat_gateways: Vec<NatGateway>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub public_ips: Vec<PublicIp>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub firewalls: Vec<Firewall>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub firewall_policies: Vec<FirewallPolicy>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ip_groups: Vec<IpGroup>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub virtual_network_gateways: Vec<VirtualNetworkGateway>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub local_network_gateways: Vec<LocalNetworkGateway>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub connections: Vec<GatewayConnection>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bastion_hosts: Vec<BastionHost>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub virtual_machines: Vec<VirtualMachine>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub network_interfaces: Vec<NetworkInterface>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub service_endpoint_policies: Vec<ServiceEndpointPolicy>,

    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub private_endpoints: Vec<PrivateEndpoint>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub private_dns_zones: Vec<PrivateDnsZone>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dns_servers: Vec<DnsServer>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dns_resolvers: Vec<DnsResolver>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dns_forwarding_rulesets: Vec<DnsForwardingRuleset>,

    /// People and programs that use the deployment, and where they sit.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clients: Vec<Client>,

    /// Values an importer could not resolve; analyses that need them answer "unknown".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unknowns: Vec<Unknown>,
    /// Resources present in the input that the model does not cover.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unmodelled: Vec<Unmodelled>,
    /// Resources whose deployment the input leaves open (an unknown `count` or `condition`):
    /// imported, and analysed with and without them (see [`crate::presence`]).
    /// Importers infer it; the native format, which the schema describes, has no `count` or
    /// `condition` to leave open and does not take it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(skip)]
    pub may_exist: Vec<MayExist>,
}

/// The schema of the native format names the key a file may point at its schema with, which
/// the native reader accepts beside the model's fields.
fn schema_key(s: &mut schemars::Schema) {
    if let Some(props) = s
        .ensure_object()
        .get_mut("properties")
        .and_then(serde_json::Value::as_object_mut)
    {
        props.insert(
            "$schema".into(),
            serde_json::json!({
                "description": "The JSON Schema the file follows (`moat schema` prints it); the reader ignores it.",
                "type": "string"
            }),
        );
    }
}

/// Hands every field of [`Topology`] to the macro `$m`, by name, in three groups:
///
/// - `scalars`: the deployment's one-value fields (`Option<String>`);
/// - `lists`: what an input declares, a list each (the resources by kind, the clients, the
///   placements, the values left open, the resources not modelled), in the order the native
///   format names its keys;
/// - `inferred`: lists an importer infers from what its input leaves open (an unknown `count`
///   or `condition`), which no input writes.
///
/// Code that treats every field alike goes through this list, so a field added to `Topology`
/// is placed once, here; [`every_field_listed`] fails to compile until it is.
///
/// ```
/// macro_rules! count {
///     (scalars: [$($s:ident),*], lists: [$($l:ident),*], inferred: [$($i:ident),*] $(,)?) => {
///         [$(stringify!($s)),*].len() + [$(stringify!($l)),*].len() + [$(stringify!($i)),*].len()
///     };
/// }
/// assert!(moat_model::topology_fields!(count) > 30);
/// ```
#[macro_export]
macro_rules! topology_fields {
    ($m:ident) => {
        $m! {
            scalars: [name, region, subscription, tenant],
            lists: [
                workspaces,
                registries,
                computes,
                aks_clusters,
                aci_deployments,
                online_endpoints,
                role_assignments,
                storage_accounts,
                key_vaults,
                container_registries,
                application_insights,
                monitor_private_link_scopes,
                virtual_networks,
                network_security_groups,
                application_security_groups,
                route_tables,
                nat_gateways,
                public_ips,
                firewalls,
                firewall_policies,
                ip_groups,
                virtual_network_gateways,
                local_network_gateways,
                connections,
                bastion_hosts,
                virtual_machines,
                network_interfaces,
                service_endpoint_policies,
                private_endpoints,
                private_dns_zones,
                dns_servers,
                dns_resolvers,
                dns_forwarding_rulesets,
                clients,
                placements,
                unknowns,
                unmodelled
            ],
            inferred: [may_exist],
        }
    };
}

/// Names every field of `Topology` from [`topology_fields!`] in a pattern without `..`, with
/// each group's type: a field the list misses, or one in the wrong group, does not compile.
const _: fn(&Topology) = every_field_listed;
fn every_field_listed(t: &Topology) {
    macro_rules! check {
        (scalars: [$($s:ident),*], lists: [$($l:ident),*], inferred: [$($i:ident),*] $(,)?) => {
            let Topology { $($s: _,)* $($l: _,)* $($i: _,)* } = t;
            $(let _: &Option<String> = &t.$s;)*
            $(let _: &Vec<_> = &t.$l;)*
            $(let _: &Vec<_> = &t.$i;)*
        };
    }
    topology_fields!(check);
}

/// A value an importer could not resolve (an ARM `reference()` to something outside the
/// template, a Terraform attribute known only after apply, a parameter without a value).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Unknown {
    /// The resource, as an address or `<kind>/<name>` (`storage/wsdata`, `subnet/vnet/pe`).
    pub resource: String,
    /// The field whose value is unknown (`public_network_access`, `ip_address`).
    pub field: String,
    /// Why it is unknown (the expression that could not be evaluated).
    pub reason: String,
    #[serde(
        rename = "$at",
        default,
        skip_serializing_if = "Provenance::is_unknown"
    )]
    #[schemars(skip)]
    pub at: Provenance,
}

impl Unknown {
    /// What an answer that reads this value needs, as findings and traces name it: one line
    /// per missing input (everything about an undeclared element is one input).
    pub fn need(&self) -> String {
        if self.field == crate::external::ALL_FIELDS {
            crate::external::properties_need(&self.resource)
        } else {
            format!(
                "{} of {}: {} ({})",
                self.field, self.resource, self.reason, self.at
            )
        }
    }
}

/// A resource of a type the model does not cover.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Unmodelled {
    /// Resource type as the input spells it (`Microsoft.Web/sites`, `azurerm_linux_web_app`).
    pub resource_type: String,
    pub name: String,
    #[serde(
        rename = "$at",
        default,
        skip_serializing_if = "Provenance::is_unknown"
    )]
    #[schemars(skip)]
    pub at: Provenance,
}

/// Looks resources up by name.
#[derive(Clone, Debug, Default)]
pub struct Index {
    pub workspaces: HashMap<String, usize>,
    pub registries: HashMap<String, usize>,
    pub computes: HashMap<String, usize>,
    pub aks_clusters: HashMap<String, usize>,
    pub online_endpoints: HashMap<String, usize>,
    pub storage_accounts: HashMap<String, usize>,
    pub key_vaults: HashMap<String, usize>,
    pub container_registries: HashMap<String, usize>,
    pub application_insights: HashMap<String, usize>,
    pub monitor_private_link_scopes: HashMap<String, usize>,
    pub virtual_networks: HashMap<String, usize>,
    /// VNet name -> indices of the VNets peered with it, a peering declared on either side
    /// counting; ascending, without repeats. Peerings naming an undeclared VNet are left out.
    pub peers: HashMap<String, Vec<usize>>,
    /// `vnet/subnet` -> (vnet index, subnet index).
    pub subnets: HashMap<String, (usize, usize)>,
    pub network_security_groups: HashMap<String, usize>,
    pub application_security_groups: HashMap<String, usize>,
    pub route_tables: HashMap<String, usize>,
    pub nat_gateways: HashMap<String, usize>,
    pub public_ips: HashMap<String, usize>,
    pub firewalls: HashMap<String, usize>,
    pub firewall_policies: HashMap<String, usize>,
    pub ip_groups: HashMap<String, usize>,
    pub virtual_network_gateways: HashMap<String, usize>,
    pub local_network_gateways: HashMap<String, usize>,
    pub bastion_hosts: HashMap<String, usize>,
    pub virtual_machines: HashMap<String, usize>,
    pub network_interfaces: HashMap<String, usize>,
    pub service_endpoint_policies: HashMap<String, usize>,
    pub private_endpoints: HashMap<String, usize>,
    /// Target resource (kind, name) -> indices of the private endpoints whose target it is,
    /// any sub-resource, in declaration order: rules ask this per resource, and a scan of
    /// every endpoint each time grows with resources × endpoints.
    pub endpoints_by_target: HashMap<(Kind, String), Vec<usize>>,
    /// Workspace name -> indices of the computes declared in it, in declaration order.
    pub computes_by_workspace: HashMap<String, Vec<usize>>,
    pub private_dns_zones: HashMap<String, usize>,
    pub dns_servers: HashMap<String, usize>,
    pub dns_resolvers: HashMap<String, usize>,
    pub clients: HashMap<String, usize>,
}

fn by_name<'a, T: 'a>(items: &'a [T], name: impl Fn(&T) -> &str) -> HashMap<String, usize> {
    let mut m = HashMap::with_capacity_and_hasher(items.len(), Default::default());
    for (i, it) in items.iter().enumerate() {
        // The first declaration wins; duplicates are reported by validation.
        m.entry(name(it).to_string()).or_insert(i);
    }
    m
}

impl Index {
    /// The private endpoints whose target is the resource `kind/name` (any sub-resource), in
    /// declaration order.
    pub fn endpoints_of<'t>(
        &self,
        t: &'t Topology,
        kind: Kind,
        name: &str,
    ) -> impl Iterator<Item = &'t PrivateEndpoint> {
        self.endpoints_by_target
            .get(&(kind, name.to_string()))
            .into_iter()
            .flatten()
            .map(move |&i| &t.private_endpoints[i])
    }

    /// The computes of workspace `workspace`, in declaration order.
    pub fn computes_of<'t>(
        &self,
        t: &'t Topology,
        workspace: &str,
    ) -> impl Iterator<Item = &'t Compute> {
        self.computes_by_workspace
            .get(workspace)
            .into_iter()
            .flatten()
            .map(move |&i| &t.computes[i])
    }
}

impl Topology {
    /// Builds the name index.
    pub fn index(&self) -> Index {
        let mut subnets = HashMap::default();
        for (vi, v) in self.virtual_networks.iter().enumerate() {
            for (si, s) in v.subnets.iter().enumerate() {
                subnets
                    .entry(format!("{}/{}", v.name, s.name))
                    .or_insert((vi, si));
            }
        }
        let virtual_networks = by_name(&self.virtual_networks, |x| &x.name);
        let mut peers: HashMap<String, Vec<usize>> = HashMap::default();
        for (i, v) in self.virtual_networks.iter().enumerate() {
            for p in &v.peerings {
                if let Some(&j) = virtual_networks.get(&p.remote_vnet) {
                    peers.entry(v.name.clone()).or_default().push(j);
                    peers.entry(p.remote_vnet.clone()).or_default().push(i);
                }
            }
        }
        for v in peers.values_mut() {
            v.sort_unstable();
            v.dedup();
        }
        Index {
            workspaces: by_name(&self.workspaces, |x| &x.name),
            registries: by_name(&self.registries, |x| &x.name),
            computes: by_name(&self.computes, |x| &x.name),
            aks_clusters: by_name(&self.aks_clusters, |x| &x.name),
            online_endpoints: by_name(&self.online_endpoints, |x| &x.name),
            storage_accounts: by_name(&self.storage_accounts, |x| &x.name),
            key_vaults: by_name(&self.key_vaults, |x| &x.name),
            container_registries: by_name(&self.container_registries, |x| &x.name),
            application_insights: by_name(&self.application_insights, |x| &x.name),
            monitor_private_link_scopes: by_name(&self.monitor_private_link_scopes, |x| &x.name),
            virtual_networks,
            peers,
            subnets,
            network_security_groups: by_name(&self.network_security_groups, |x| &x.name),
            application_security_groups: by_name(&self.application_security_groups, |x| &x.name),
            route_tables: by_name(&self.route_tables, |x| &x.name),
            nat_gateways: by_name(&self.nat_gateways, |x| &x.name),
            public_ips: by_name(&self.public_ips, |x| &x.name),
            firewalls: by_name(&self.firewalls, |x| &x.name),
            firewall_policies: by_name(&self.firewall_policies, |x| &x.name),
            ip_groups: by_name(&self.ip_groups, |x| &x.name),
            virtual_network_gateways: by_name(&self.virtual_network_gateways, |x| &x.name),
            local_network_gateways: by_name(&self.local_network_gateways, |x| &x.name),
            bastion_hosts: by_name(&self.bastion_hosts, |x| &x.name),
            virtual_machines: by_name(&self.virtual_machines, |x| &x.name),
            network_interfaces: by_name(&self.network_interfaces, |x| &x.name),
            service_endpoint_policies: by_name(&self.service_endpoint_policies, |x| &x.name),
            private_endpoints: by_name(&self.private_endpoints, |x| &x.name),
            endpoints_by_target: {
                let mut m: HashMap<(Kind, String), Vec<usize>> = HashMap::default();
                for (i, p) in self.private_endpoints.iter().enumerate() {
                    if let Address::Resource { kind, name, .. } = &p.target {
                        m.entry((*kind, name.clone())).or_default().push(i);
                    }
                }
                m
            },
            computes_by_workspace: {
                let mut m: HashMap<String, Vec<usize>> = HashMap::default();
                for (i, c) in self.computes.iter().enumerate() {
                    m.entry(c.workspace.clone()).or_default().push(i);
                }
                m
            },
            private_dns_zones: {
                // Zones are found by `<rg>/<zone>` and, when the name is unique, by name alone.
                let mut m = HashMap::default();
                let mut count: HashMap<&str, usize> = HashMap::default();
                for z in &self.private_dns_zones {
                    *count.entry(z.name.as_str()).or_default() += 1;
                }
                for (i, z) in self.private_dns_zones.iter().enumerate() {
                    m.entry(z.key()).or_insert(i);
                    if count[z.name.as_str()] == 1 {
                        m.entry(z.name.clone()).or_insert(i);
                    }
                }
                m
            },
            dns_servers: by_name(&self.dns_servers, |x| &x.name),
            dns_resolvers: by_name(&self.dns_resolvers, |x| &x.name),
            clients: by_name(&self.clients, |x| &x.name),
        }
    }

    /// Counts of resources per kind, in a stable order, omitting empty kinds.
    pub fn counts(&self) -> Vec<(&'static str, usize)> {
        // External elements are referred to, not declared: counted apart.
        let declared = |v: &&crate::network::VirtualNetwork| !v.external;
        let vnets = self.virtual_networks.iter().filter(declared).count();
        let subnets = |external: bool| -> usize {
            self.virtual_networks
                .iter()
                .map(|v| v.subnets.iter().filter(|s| s.external == external).count())
                .sum()
        };
        let nsg_rules: usize = self
            .network_security_groups
            .iter()
            .map(|n| n.rules.len())
            .sum();
        let deployments: usize = self
            .online_endpoints
            .iter()
            .map(|e| e.deployments.len())
            .sum();
        let all = [
            ("workspaces", self.workspaces.len()),
            ("registries", self.registries.len()),
            ("computes", self.computes.len()),
            ("aks clusters", self.aks_clusters.len()),
            ("aci deployments", self.aci_deployments.len()),
            ("online endpoints", self.online_endpoints.len()),
            ("online deployments", deployments),
            ("role assignments", self.role_assignments.len()),
            ("storage accounts", self.storage_accounts.len()),
            ("key vaults", self.key_vaults.len()),
            ("container registries", self.container_registries.len()),
            ("application insights", self.application_insights.len()),
            (
                "monitor private link scopes",
                self.monitor_private_link_scopes.len(),
            ),
            ("virtual networks", vnets),
            ("subnets", subnets(false)),
            (
                "external virtual networks",
                self.virtual_networks.len() - vnets,
            ),
            ("external subnets", subnets(true)),
            (
                "network security groups",
                self.network_security_groups.len(),
            ),
            ("nsg rules", nsg_rules),
            (
                "application security groups",
                self.application_security_groups.len(),
            ),
            ("route tables", self.route_tables.len()),
            ("nat gateways", self.nat_gateways.len()),
            ("public ips", self.public_ips.len()),
            ("firewalls", self.firewalls.len()),
            ("firewall policies", self.firewall_policies.len()),
            ("ip groups", self.ip_groups.len()),
            (
                "virtual network gateways",
                self.virtual_network_gateways.len(),
            ),
            ("local network gateways", self.local_network_gateways.len()),
            ("connections", self.connections.len()),
            ("bastion hosts", self.bastion_hosts.len()),
            ("virtual machines", self.virtual_machines.len()),
            ("network interfaces", self.network_interfaces.len()),
            (
                "service endpoint policies",
                self.service_endpoint_policies.len(),
            ),
            ("private endpoints", self.private_endpoints.len()),
            ("private dns zones", self.private_dns_zones.len()),
            ("dns servers", self.dns_servers.len()),
            ("dns resolvers", self.dns_resolvers.len()),
            (
                "dns forwarding rulesets",
                self.dns_forwarding_rulesets.len(),
            ),
            ("clients", self.clients.len()),
        ];
        all.into_iter().filter(|(_, n)| *n > 0).collect()
    }

    /// Whether an importer marked `field` of `resource` as unknown.
    pub fn is_unknown(&self, resource: &str, field: &str) -> Option<&Unknown> {
        self.unknowns
            .iter()
            .find(|u| u.resource == resource && crate::external::leaves_open(&u.field, field))
    }
}
