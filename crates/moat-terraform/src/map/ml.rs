//! Azure Machine Learning: workspaces and their managed network rules, computes, inference
//! clusters, and role assignments.

use super::{Link, Mapper, UNKNOWN, at, blocks_of, get, strings_of};
use crate::ids::Ref;
use crate::value::{ResObj, Value};
use moat_model::address::{Address, Kind};
use moat_model::enums::*;
use moat_model::ml::*;
use moat_model::values::PortRange;

fn workspace_of(r: &Ref) -> Option<String> {
    match r {
        Ref::Workspace(n) => Some(n.clone()),
        _ => None,
    }
}

/// The address of an id, for role assignment scopes and outbound rule targets.
pub(super) fn address_of(r: &Ref) -> Option<Address> {
    let (kind, name) = match r {
        Ref::Workspace(n) => (Kind::Workspace, n),
        Ref::Registry(n) => (Kind::Registry, n),
        Ref::Storage(n) => (Kind::Storage, n),
        Ref::KeyVault(n) => (Kind::Keyvault, n),
        Ref::Acr(n) => (Kind::Acr, n),
        Ref::Ampls(n) => (Kind::Ampls, n),
        Ref::Vm(n) => (Kind::Vm, n),
        Ref::Aks(n) => (Kind::Aks, n),
        Ref::Firewall(n) => (Kind::Firewall, n),
        Ref::PrivateEndpoint(n) => (Kind::PrivateEndpoint, n),
        Ref::Compute(_, n) => (Kind::Compute, n),
        _ => return None,
    };
    Some(Address::resource(kind, name.clone()))
}

impl Mapper<'_> {
    /// A workspace: `azurerm_machine_learning_workspace`, or an AI Foundry hub
    /// (`azurerm_ai_foundry`, kind Hub) or project (`azurerm_ai_foundry_project`, kind Project,
    /// whose network, storage and key vault are its hub's).
    pub(super) fn workspace(&mut self, rtype: &str, o: &ResObj) -> bool {
        let name = self.name(o, "workspace");
        let res = format!("workspace/{name}");
        let foundry_hub = rtype == "azurerm_ai_foundry";
        let project = rtype == "azurerm_ai_foundry_project";
        let (public_network_access, allow_public_access_when_behind_vnet) = if foundry_hub {
            // Written as the API's word, "Enabled" when absent.
            let p = self
                .enum_of(
                    o,
                    "public_network_access",
                    &res,
                    "public_network_access",
                    PublicNetworkAccess::parse,
                    PublicNetworkAccess::NAMES,
                )
                .unwrap_or(PublicNetworkAccess::Enabled);
            (p, None)
        } else if project {
            (
                moat_model::ml::public_access_of(None, None)
                    .unwrap_or(PublicNetworkAccess::Enabled),
                None,
            )
        } else {
            self.workspace_public_access(o, &res)
        };
        let (identity, primary_user_assigned_identity, user_assigned_identities) =
            self.workspace_identity(o, &res);
        let storage_account = self.link_name(
            o,
            "storage_account_id",
            &res,
            "storage_account",
            "storage account",
            |r| match r {
                Ref::Storage(n) => Some(n.clone()),
                _ => None,
            },
        );
        let key_vault =
            self.link_name(
                o,
                "key_vault_id",
                &res,
                "key_vault",
                "key vault",
                |r| match r {
                    Ref::KeyVault(n) => Some(n.clone()),
                    _ => None,
                },
            );
        let container_registry = self.link_name(
            o,
            "container_registry_id",
            &res,
            "container_registry",
            "container registry",
            |r| match r {
                Ref::Acr(n) => Some(n.clone()),
                _ => None,
            },
        );
        let application_insights = self.link_name(
            o,
            "application_insights_id",
            &res,
            "application_insights",
            "Application Insights",
            |r| match r {
                Ref::AppInsights(n) => Some(n.clone()),
                _ => None,
            },
        );
        let mut managed_network = ManagedNetwork::default();
        if let Some(mn) = self.block(o, "managed_network", &res)
            && let Some(m) = self.enum_of(
                &mn,
                "isolation_mode",
                &res,
                "managed_network.isolation_mode",
                IsolationMode::parse,
                IsolationMode::NAMES,
            )
        {
            managed_network.isolation_mode = m;
        }
        let kind = match get(o, "kind") {
            _ if foundry_hub => Some(WorkspaceKind::Hub),
            _ if project => Some(WorkspaceKind::Project),
            Some(_) => self.enum_of(
                o,
                "kind",
                &res,
                "kind",
                WorkspaceKind::parse,
                WorkspaceKind::NAMES,
            ),
            None => None,
        };
        let hbi_key = if foundry_hub || project {
            "high_business_impact_enabled"
        } else {
            "high_business_impact"
        };
        let hbi_workspace = self.b(o, hbi_key, &res, "hbi_workspace").unwrap_or(false);
        let hub = if project {
            self.link_name(
                o,
                "ai_services_hub_id",
                &res,
                "hub",
                "workspace",
                workspace_of,
            )
        } else {
            None
        };
        let image_build_compute =
            self.s(o, "image_build_compute_name", &res, "image_build_compute");
        let v1_legacy_mode = self
            .b(o, "v1_legacy_mode_enabled", &res, "v1_legacy_mode")
            .unwrap_or(false);
        // Where serverless compute runs. azurerm sends `public_ip_enabled = false` unless told
        // otherwise, so the nodes have no public IP by default (unlike the ARM property's
        // default, which is the reverse).
        let serverless_compute = self.block(o, "serverless_compute", &res).map(|sc| {
            let subnet = self.placement_subnet(&sc, "subnet_id", &res, "serverless_compute.subnet");
            let public_ip = self
                .b(
                    &sc,
                    "public_ip_enabled",
                    &res,
                    "serverless_compute.no_public_ip",
                )
                .unwrap_or(false);
            ServerlessCompute {
                subnet,
                no_public_ip: !public_ip,
            }
        });
        let region = self.region(o, &res);
        let tags = self.tags(o);
        self.t.workspaces.push(Workspace {
            name,
            region,
            kind,
            workspace_id: None,
            public_network_access,
            network_acls: None,
            allow_public_access_when_behind_vnet,
            identity,
            primary_user_assigned_identity,
            user_assigned_identities,
            hbi_workspace,
            image_build_compute,
            storage_account,
            key_vault,
            container_registry,
            application_insights,
            managed_network,
            serverless_compute,
            container_registry_connections: Vec::new(),
            hub,
            v1_legacy_mode,
            uses_registries: Vec::new(),
            exfiltration_protection: false,
            shares_to: Vec::new(),
            tags,
            at: at(o),
        });
        true
    }

    /// The workspace (by name) a child resource's id attribute names.
    fn parent_workspace(&mut self, o: &ResObj, k: &str, res: &str) -> String {
        match self.link_name(o, k, res, "workspace", "workspace", workspace_of) {
            Some(w) => w,
            None => self.placeholder(UNKNOWN),
        }
    }

    pub(super) fn outbound_rule(&mut self, rtype: &str, o: &ResObj) -> bool {
        let res = format!("outbound-rule/{}", o.addr);
        let ws = self.parent_workspace(o, "workspace_id", &res);
        let Some(wi) = self.t.workspaces.iter().position(|w| w.name == ws) else {
            return false;
        };
        let wres = format!("workspace/{ws}");
        let name = crate::ids::name_or_addr(o);
        // A rule whose content is open is left out, and the list is marked open where the
        // engine looks for it, as the ARM importer does.
        let field = format!("managed_network.outbound_rules.{name}");
        let (kind, destination) = match rtype {
            "azurerm_machine_learning_workspace_network_outbound_rule_fqdn" => {
                let Some(f) = self.s(o, "destination_fqdn", &wres, &field) else {
                    return false;
                };
                (OutboundRuleType::Fqdn, OutboundDestination::Fqdn(f))
            }
            "azurerm_machine_learning_workspace_network_outbound_rule_private_endpoint" => {
                let service_resource = match get(o, "service_resource_id").map(|v| self.link(v)) {
                    Some(Link::Declared(r)) => address_of(&r).map(|a| a.to_string()),
                    Some(Link::External(r, id)) => match self.registry_managed(&r) {
                        Some(a) => Some(a.to_string()),
                        None => {
                            // A target outside the configuration (facts §5.4: targets "may
                            // be in another subscription"): the rule is kept with its id.
                            let loc = Self::attr_loc(o, "service_resource_id");
                            let what = Address::from_arm_id(&id)
                                .map_or_else(|| id.clone(), |a| format!("{a} ({id})"));
                            self.warn(
                                "external-reference",
                                format!("`{res}` connects to {what}, which the configuration does not declare; the rule is kept, what the managed network reaches through it is not analysed"),
                                &loc,
                                Some("include the resource in the configuration (or a plan) to have it analysed".into()),
                            );
                            self.unknown_at(
                                &wres,
                                &format!("managed_network/outbound_rules/{name}"),
                                format!("its target {what} is not declared by the configuration"),
                                &loc,
                            );
                            Some(id)
                        }
                    },
                    Some(Link::Unknown(u)) => {
                        self.unknown(&wres, &field, &u);
                        None
                    }
                    Some(Link::Invalid(s)) => {
                        self.invalid(
                            o,
                            "service_resource_id",
                            format!("`{s}` is not an Azure resource id"),
                            None,
                        );
                        None
                    }
                    None => None,
                };
                let Some(service_resource) = service_resource else {
                    return false;
                };
                let subresource_target = self
                    .s(o, "sub_resource_target", &wres, &field)
                    .unwrap_or_default();
                let spark_enabled = self.b(o, "spark_enabled", &wres, &field).unwrap_or(false);
                (
                    OutboundRuleType::PrivateEndpoint,
                    OutboundDestination::PrivateEndpoint(PrivateEndpointDestination {
                        service_resource,
                        subresource_target,
                        spark_enabled,
                    }),
                )
            }
            _ => {
                let Some(service_tag) = self.s(o, "service_tag", &wres, &field) else {
                    return false;
                };
                // Required by the provider; left out (or open), it is unknown, not `*`.
                let protocol = self.enum_of(
                    o,
                    "protocol",
                    &wres,
                    &field,
                    FirewallProtocol::parse,
                    FirewallProtocol::NAMES,
                );
                let mut port_ranges = Vec::new();
                for s in self.strs(o, "port_ranges", &wres, &field) {
                    for p in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                        match p.parse::<PortRange>() {
                            Ok(r) => port_ranges.push(r),
                            Err(e) => self.invalid(o, "port_ranges", e, None),
                        }
                    }
                }
                (
                    OutboundRuleType::ServiceTag,
                    OutboundDestination::ServiceTag(ServiceTagDestination::read(
                        service_tag,
                        protocol,
                        port_ranges,
                        Vec::new(),
                    )),
                )
            }
        };
        self.t.workspaces[wi]
            .managed_network
            .outbound_rules
            .push(OutboundRule {
                name,
                kind,
                destination,
                category: Some(OutboundRuleCategory::UserDefined),
                active: true,
                at: at(o),
            });
        true
    }

    pub(super) fn compute(&mut self, rtype: &str, o: &ResObj) -> bool {
        let name = self.name(o, "compute");
        let res = format!("compute/{name}");
        let workspace = self.parent_workspace(o, "machine_learning_workspace_id", &res);
        let instance = rtype == "azurerm_machine_learning_compute_instance";
        let vm_size = self.s(
            o,
            if instance {
                "virtual_machine_size"
            } else {
                "vm_size"
            },
            &res,
            "vm_size",
        );
        let (mut min_nodes, mut max_nodes) = (0, 1);
        if !instance && let Some(sc) = self.block(o, "scale_settings", &res) {
            min_nodes = self
                .u32_of(&sc, "min_node_count", &res, "min_nodes")
                .unwrap_or(0);
            max_nodes = self
                .u32_of(&sc, "max_node_count", &res, "max_nodes")
                .unwrap_or(1);
        }
        let subnet = self.placement_subnet(o, "subnet_resource_id", &res, "subnet");
        let enable_node_public_ip = self
            .b(o, "node_public_ip_enabled", &res, "enable_node_public_ip")
            .unwrap_or(true);
        let identity = self.block(o, "identity", &res).and_then(|i| {
            self.enum_of(
                &i,
                "type",
                &res,
                "identity",
                IdentityType::parse,
                IdentityType::NAMES,
            )
        });
        let disable_local_auth = self.compute_local_auth_disabled(o, &res);
        let region = self.region(o, &res);
        let tags = self.tags(o);
        self.t.computes.push(Compute {
            name,
            workspace,
            compute_type: if instance {
                ComputeType::ComputeInstance
            } else {
                ComputeType::AmlCompute
            },
            region,
            vm_size,
            gpu: None,
            min_nodes,
            max_nodes,
            subnet,
            enable_node_public_ip,
            identity,
            disable_local_auth,
            // azurerm has no idle shutdown attribute for compute instances.
            idle_time_before_shutdown: None,
            uses: Vec::new(),
            tags,
            at: at(o),
        });
        true
    }

    /// An AKS cluster attached for inference: its subnet and size come from the cluster itself.
    pub(super) fn inference_cluster(&mut self, o: &ResObj) -> bool {
        let name = self.name(o, "aks");
        let res = format!("aks/{name}");
        let workspace = self.parent_workspace(o, "machine_learning_workspace_id", &res);
        let mut subnet = None;
        let mut node_count = None;
        if let Some(Value::String(kid)) = get(o, "kubernetes_cluster_id").map(|v| self.resolve(v)) {
            let key = kid.to_ascii_lowercase();
            match self.declared.get(&key).copied() {
                Some(ki) => {
                    self.consumed[ki] = true;
                    let aks = self.recs[ki].obj.clone();
                    if let Some(pool) = blocks_of(&aks, "default_node_pool").into_iter().next() {
                        subnet = self.placement_subnet(&pool, "vnet_subnet_id", &res, "subnet");
                        node_count = self.u32_of(&pool, "node_count", &res, "node_count");
                    }
                }
                None => self.unknown_at(
                    &res,
                    "subnet",
                    format!("the AKS cluster {kid} is not declared in the configuration"),
                    &o.loc,
                ),
            }
        } else if let Some(Value::Unknown(u)) = get(o, "kubernetes_cluster_id") {
            let u = u.clone();
            self.unknown(&res, "subnet", &u);
        }
        let region = self.region(o, &res);
        let tags = self.tags(o);
        self.t.aks_clusters.push(AksCluster {
            name,
            workspace,
            region,
            subnet,
            node_count,
            tags,
            at: at(o),
        });
        true
    }

    pub(super) fn role_assignment(&mut self, o: &ResObj) -> bool {
        let res = format!("role-assignment/{}", o.addr);
        let role = match self.s(o, "role_definition_name", &res, "role") {
            Some(r) => r,
            None => match self.s(o, "role_definition_id", &res, "role") {
                Some(id) => id.rsplit('/').next().unwrap_or(&id).to_string(),
                None => UNKNOWN.to_string(),
            },
        };
        let principal = match get(o, "principal_id") {
            Some(Value::Unknown(u)) => {
                // A resource's managed identity: `<resource>.identity[0].principal_id`.
                let owner = u.origin.as_ref().and_then(|(addr, attr)| {
                    let base = addr
                        .rsplit_once(".identity[")
                        .map_or(addr.as_str(), |(a, _)| a);
                    (attr == "principal_id")
                        .then(|| self.principals.get(base).cloned())
                        .flatten()
                });
                match owner {
                    Some(p) => p,
                    None => {
                        let u = u.clone();
                        self.unknown(&res, "principal", &u);
                        self.placeholder(UNKNOWN)
                    }
                }
            }
            Some(v) => v.to_tf_string().unwrap_or_else(|| UNKNOWN.to_string()),
            None => UNKNOWN.to_string(),
        };
        let scope = match get(o, "scope").map(|v| self.link(v)) {
            Some(Link::Declared(r)) => address_of(&r),
            Some(Link::External(r, id)) => {
                let a = address_of(&r);
                if let Some(Address::Resource { name, .. }) = &a {
                    let name = name.clone();
                    self.external_ref(
                        &res,
                        "scope",
                        &name,
                        "the scope",
                        &id,
                        &Self::attr_loc(o, "scope"),
                    );
                }
                a
            }
            Some(Link::Unknown(u)) => {
                self.unknown(&res, "scope", &u);
                None
            }
            Some(Link::Invalid(_)) | None => None,
        };
        let Some(scope) = scope else {
            let scope_text = strings_of(o, "scope").join("");
            self.warn(
                "unmodelled",
                format!("role assignment `{}` is scoped to `{scope_text}`; the model holds role assignments on resources only", o.addr),
                &o.loc,
                None,
            );
            return false;
        };
        self.t.role_assignments.push(RoleAssignment {
            principal,
            role,
            scope,
            at: at(o),
        });
        true
    }
}
