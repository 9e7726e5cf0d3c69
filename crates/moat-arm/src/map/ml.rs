//! Azure Machine Learning: workspaces (with their managed network and outbound rules),
//! registries, computes, attached AKS clusters, online endpoints and their deployments.

use super::*;

pub(super) fn map_workspace(
    t: &mut Topology,
    res: &ArmResource,
    mut rec: Rec,
    ctx: &mut MapContext,
) {
    let ws = workspace_of(res, &mut rec);
    note_connections(res, &["privateEndpointConnections"], &mut rec, ctx);
    ctx.register(&res.id, Kind::Workspace, &ws.name);
    t.workspaces.push(ws);
    flush(t, ctx, rec);
}

/// Notes the private endpoints a deployed workspace or registry lists as connected to it, with
/// their subnets (read-only: `privateEndpoint.subnetArmId`), in the list under `keys`.
fn note_connections(res: &ArmResource, keys: &[&str], rec: &mut Rec, ctx: &mut MapContext) {
    for c in rec.list(&res.properties, keys, "private_endpoints") {
        let Some(p) = get(c, "properties") else {
            continue;
        };
        let pe = get(p, "privateEndpoint");
        let (Some(endpoint), Some(subnet)) = (
            pe.and_then(|p| get(p, "id")).and_then(json_text),
            pe.and_then(|p| get(p, "subnetArmId")).and_then(json_text),
        ) else {
            continue;
        };
        let status = [
            "privateLinkServiceConnectionState",
            "registryPrivateLinkServiceConnectionState",
        ]
        .iter()
        .find_map(|k| get(p, k))
        .and_then(|s| get(s, "status"))
        .and_then(json_text);
        ctx.connected_endpoints.push(ConnectedEndpoint {
            target: res.id.clone(),
            endpoint,
            subnet,
            status,
            at: res.at.clone(),
        });
    }
}

/// The endpoints a deployed workspace or registry lists as connected that the input does not
/// hold (one in a client VNet of another subscription): the resource has them, in the subnets
/// they name, so it is not without a private endpoint.
pub(super) fn connected_endpoints(t: &mut Topology, ctx: &mut MapContext) {
    for c in std::mem::take(&mut ctx.connected_endpoints) {
        if ctx.resolve(&c.endpoint, &[Kind::PrivateEndpoint]).is_ok() {
            continue;
        }
        let name = last_segment(&c.endpoint);
        if name.is_empty() || t.private_endpoints.iter().any(|p| p.name == name) {
            continue;
        }
        let state = c
            .status
            .as_deref()
            .and_then(ConnectionState::parse)
            .unwrap_or(ConnectionState::Pending);
        let (kind, group_id) = match type_of_id(&c.target) {
            Some(t) if t.eq_ignore_ascii_case("Microsoft.MachineLearningServices/registries") => {
                (AddrKind::Registry, "amlregistry")
            }
            _ => (AddrKind::Workspace, "amlworkspace"),
        };
        ctx.register(&c.endpoint, Kind::PrivateEndpoint, &name);
        t.private_endpoints.push(PrivateEndpoint {
            name,
            region: None,
            subnet: c.subnet,
            target: Address::Resource {
                kind,
                name: c.target,
                sub: None,
            },
            group_id: group_id.into(),
            ip_address: None,
            member_addresses: Vec::new(),
            connection_state: state,
            dns_zone_group: Vec::new(),
            created: None,
            tags: BTreeMap::new(),
            at: c.at,
        });
    }
}

pub(super) fn map_registry(
    t: &mut Topology,
    res: &ArmResource,
    mut rec: Rec,
    ctx: &mut MapContext,
) {
    let p = &res.properties;
    let name = res.name.clone();
    let region = res.location.clone();
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
    // API 2023-04-01 named the list `privateEndpointConnections`.
    note_connections(res, &["registryPrivateEndpointConnections"], &mut rec, ctx);
    note_connections(res, &["privateEndpointConnections"], &mut rec, ctx);
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
    ctx.register(&res.id, Kind::Registry, &name);
    t.registries.push(r);
    flush(t, ctx, rec);
}

pub(super) fn map_online_endpoint(
    t: &mut Topology,
    res: &ArmResource,
    mut rec: Rec,
    ctx: &mut MapContext,
) {
    let p = &res.properties;
    let region = res.location.clone();
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
    ctx.register(&res.id, Kind::OnlineEndpoint, &leaf);
    t.online_endpoints.push(e);
    flush(t, ctx, rec);
}

/// An AKS cluster (`Microsoft.ContainerService/managedClusters`): kept aside until a compute
/// attaches it ([`merge_clusters`]); a cluster no workspace uses is unmodelled.
pub(super) fn map_managed_cluster(t: &mut Topology, res: &ArmResource, ctx: &mut MapContext) {
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
}

pub(super) fn workspace_of(res: &ArmResource, rec: &mut Rec) -> Workspace {
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
    // A deployed workspace reports its managed network's state (`status.status`, `Active` once
    // provisioned, `Inactive` before): what is deployed says it, whatever was asked at creation.
    if !whole_unknown && mn.provisioned != Some(true) {
        match rec
            .str(
                p,
                &["managedNetwork", "status", "status"],
                "managed_network.provisioned",
            )
            .as_deref()
        {
            Some(s) if s.eq_ignore_ascii_case("Active") => mn.provisioned = Some(true),
            Some(s) if s.eq_ignore_ascii_case("Inactive") => mn.provisioned = Some(false),
            _ => {}
        }
    }
    let (public_network_access, allow_public_access_when_behind_vnet) =
        posture::workspace_public_access(p, rec);
    let (identity, primary_user_assigned_identity, user_assigned_identities) =
        posture::workspace_identity(res, rec);
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
        // The GUID Azure gives the workspace, in its host names; a deployed one reports it.
        workspace_id: rec
            .str(p, &["workspaceId"], "workspace_id")
            .filter(|s| !s.trim().is_empty()),
        public_network_access,
        network_acls,
        allow_public_access_when_behind_vnet,
        identity,
        primary_user_assigned_identity,
        user_assigned_identities,
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

pub(super) fn map_outbound_rule(
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
            // Left out, or an expression the template does not settle: unknown (no default).
            let protocol = rec.opt_enm(
                p,
                &["destination", "protocol"],
                &field,
                FirewallProtocol::parse,
            );
            let port_ranges = match at(p, &["destination", "portRanges"]) {
                F::Known(_) => rec.ports(
                    get(p, "destination").unwrap_or(&Json::Null),
                    "portRanges",
                    "portRanges",
                    &field,
                ),
                F::Unknown(r) => {
                    rec.unknown(&field, &r);
                    Vec::new()
                }
                F::Absent => Vec::new(),
            };
            let address_prefixes = rec.nets(p, &["destination", "addressPrefixes"], &field);
            OutboundDestination::ServiceTag(ServiceTagDestination::read(
                service_tag,
                protocol,
                port_ranges,
                address_prefixes,
            ))
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

pub(super) fn map_compute(t: &mut Topology, res: &ArmResource, mut rec: Rec, ctx: &mut MapContext) {
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
    if ctype.eq_ignore_ascii_case("VirtualMachine") {
        // An attached virtual machine: the VM joins the workspace as a compute target.
        match rec.id(p, &["resourceId"], "attached_to") {
            Some(vm) => ctx.attached_vms.push((vm, workspace, res.clone())),
            None => unmodelled(t, ctx, res),
        }
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

/// An online deployment (child of an online endpoint).
pub(super) fn online_deployment(res: &ArmResource, leaf: &str, rec: &mut Rec) -> Option<Payload> {
    let p = &res.properties;
    Some(Payload::OnlineDeployment(OnlineDeployment {
        name: leaf.to_string(),
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
    }))
}

pub(super) fn merge_clusters(t: &mut Topology, ctx: &mut MapContext) {
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

/// Workspaces' dependencies, and the workspace of computes, clusters and endpoints.
pub(super) fn resolve(t: &mut Topology, ctx: &mut MapContext) {
    // Workspaces.
    let mut ws = std::mem::take(&mut t.workspaces);
    for w in &mut ws {
        let label = format!("workspace/{}", w.name);
        opt_kept(
            t,
            ctx,
            &mut w.storage_account,
            &[Kind::Storage],
            &label,
            "storage_account",
            &w.at,
        );
        opt_kept(
            t,
            ctx,
            &mut w.key_vault,
            &[Kind::KeyVault],
            &label,
            "key_vault",
            &w.at,
        );
        opt_kept(
            t,
            ctx,
            &mut w.container_registry,
            &[Kind::Acr],
            &label,
            "container_registry",
            &w.at,
        );
        opt_kept(
            t,
            ctx,
            &mut w.application_insights,
            &[Kind::AppInsights],
            &label,
            "application_insights",
            &w.at,
        );
        // A hub of another deployment, given by id, exists all the same: the project is
        // reached through it, so it is kept by its name (its settings unknown).
        opt_kept(t, ctx, &mut w.hub, &[Kind::Workspace], &label, "hub", &w.at);
        if let Some(sc) = &mut w.serverless_compute {
            opt_subnet(t, ctx, &mut sc.subnet, &label, &w.at);
        }
        for r in &mut w.managed_network.outbound_rules {
            let OutboundDestination::PrivateEndpoint(d) = &mut r.destination else {
                continue;
            };
            if let Some(a) = address_of(ctx, &d.service_resource, &d.subresource_target) {
                d.service_resource = a.to_string();
            } else if let Some(a) = moat_model::address::Address::from_arm_id(&d.service_resource) {
                // A target outside the template (facts §5.4: targets "may be in another
                // subscription"): the rule is kept with the id that names it.
                let reason = format!(
                    "private endpoint rule `{}` connects to {a} ({}), which the input does not declare",
                    r.name, d.service_resource
                );
                dangling(
                    t,
                    ctx,
                    label.clone(),
                    &format!("managed_network/outbound_rules/{}", r.name),
                    reason,
                    &r.at,
                    "the rule is kept; what the managed network reaches through it is not analysed",
                );
            }
        }
    }
    t.workspaces = ws;
    // Computes, clusters, endpoints: their workspace is their parent. A compute whose
    // workspace is named by a full id but not in the input (an export of computes alone, as
    // PSRule for Azure reads them) is kept in that external workspace, as Terraform keeps it:
    // the compute's own settings are known, its workspace's are not.
    let mut computes = std::mem::take(&mut t.computes);
    computes.retain_mut(|c| {
        let label = format!("compute/{}", c.name);
        match req(ctx, &c.workspace, &[Kind::Workspace]) {
            Ok(n) => c.workspace = n,
            Err(e) => match external_workspace(&c.workspace) {
                Some(name) => {
                    let kept = format!(
                        "the compute is kept in the external workspace `{name}`, whose settings are unknown"
                    );
                    dangling(t, ctx, label.clone(), "workspace", e, &c.at, &kept);
                    c.workspace = name;
                }
                None => {
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
            },
        }
        opt_subnet(t, ctx, &mut c.subnet, &label, &c.at);
        true
    });
    t.computes = computes;
    // Attached virtual machines: a VM and workspace the template declares are linked; an
    // attachment to anything else stays outside the model.
    for (vm, workspace, res) in std::mem::take(&mut ctx.attached_vms) {
        let linked = match (
            ctx.resolve(&vm, &[Kind::Vm]),
            req(ctx, &workspace, &[Kind::Workspace]),
        ) {
            (Ok(v), Ok(w)) => t
                .virtual_machines
                .iter_mut()
                .find(|x| x.name == v.name)
                .map(|x| x.attached_to = Some(w))
                .is_some(),
            _ => false,
        };
        if !linked {
            unmodelled(t, ctx, &res);
        }
    }
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
}

/// The name of the workspace a full, known id names (`.../workspaces/<name>`), for a reference
/// to a workspace the input does not contain.
fn external_workspace(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let ws = type_of_id(raw)
        .is_some_and(|t| t.eq_ignore_ascii_case("Microsoft.MachineLearningServices/workspaces"));
    (raw.starts_with('/') && ws && !crate::idmatch::has_unknown(raw))
        .then(|| last_segment(raw))
        .filter(|n| !n.is_empty())
}
