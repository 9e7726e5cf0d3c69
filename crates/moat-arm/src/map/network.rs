//! Virtual networks and what sits in them: subnets, peerings, NSGs and ASGs, route tables,
//! NAT gateways, public IPs, service endpoint policies, VMs and their network interfaces.

use super::*;

pub(super) fn map_vnet(t: &mut Topology, res: &ArmResource, mut rec: Rec, ctx: &mut MapContext) {
    let p = &res.properties;
    let name = res.name.clone();
    let region = res.location.clone();
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
            address_space = rec.nets(p, &["addressSpace", "addressPrefixes"], "address_space");
            if rec.unknowns.len() > before {
                ctx.vnet_space_unknown.insert(name.clone());
            }
        }
    }
    let mut dns_servers: Vec<IpAddr> = Vec::new();
    let mut named = 0;
    for x in rec.list(p, &["dhcpOptions", "dnsServers"], "dns_servers") {
        // The firewall's own address, as `reference()` gives it: its DNS proxy, whose address
        // is known once every resource is mapped.
        if let Some(id) = firewall::firewall_of(x) {
            rec.firewall_uses.push(FirewallUse {
                at: res.at.clone(),
                id: id.to_string(),
                by: UsedBy::DnsServer {
                    vnet: name.clone(),
                    index: dns_servers.len() + named,
                },
            });
            named += 1;
            continue;
        }
        let texts = rec.texts(x, "dns_servers");
        dns_servers.extend(texts.iter().filter_map(|s| s.parse::<IpAddr>().ok()));
    }
    let mut subnets = Vec::new();
    let default_outbound = default_outbound_when_absent(res.api_version.as_deref(), ctx.deployed);
    for s in rec.list(p, &["subnets"], "subnets") {
        if let Some(sn) = map_subnet(s, None, &name, &res.at, default_outbound, &mut rec) {
            ctx.register(
                &format!("{}/subnets/{}", res.id, sn.name),
                Kind::Subnet,
                &format!("{name}/{}", sn.name),
            );
            subnets.push(sn);
        }
    }
    note_inline(ctx, p, Kind::Vnet, res);
    let mut peerings = Vec::new();
    for pe in rec.list(p, &["virtualNetworkPeerings"], "peerings") {
        if let Some(x) = map_peering(pe, None, &res.at, &mut rec) {
            peerings.push(x);
        }
    }
    ctx.register(&res.id, Kind::Vnet, &name);
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
    flush(t, ctx, rec);
}

/// The property in which a VNet (NSG, route table) writes its subnets (security rules,
/// routes) inline, and what the model calls them.
fn inline_list(kind: Kind) -> Option<(&'static str, &'static str)> {
    match kind {
        Kind::Vnet => Some(("subnets", "subnets")),
        Kind::Nsg => Some(("securityRules", "rules")),
        Kind::RouteTable => Some(("routes", "routes")),
        _ => None,
    }
}

/// The first API version of `Microsoft.Network/virtualNetworks` whose PUT keeps the subnets a
/// body without `subnets` leaves out. Azure Networking Blog, "Azure Virtual Network now
/// supports updates without subnet property": before it, "If a subnet property isn't included,
/// the subnets are deleted"; from it, "If a PUT virtual network doesn't include a subnet
/// property, no changes to the existing set of subnets is made", "available with API version
/// 2023-09-01". Nothing is documented for NSGs' rules or route tables' routes left out.
const VNET_KEEPS_SUBNETS_FROM: &str = "2023-09-01";

/// Whether a PUT of a VNet at `api_version` keeps the subnets its body leaves out: only a
/// plain dated version at or after [`VNET_KEEPS_SUBNETS_FROM`] is documented to; one the input
/// leaves open may be earlier.
fn vnet_put_keeps_subnets(api_version: Option<&str>) -> bool {
    dated_from(api_version, VNET_KEEPS_SUBNETS_FROM)
}

/// Whether `api_version` is a plain dated version (`2023-09-01`, no `-preview`) at or after
/// `from`; one the input leaves open is not.
fn dated_from(api_version: Option<&str>, from: &str) -> bool {
    let Some(v) = api_version else {
        return false;
    };
    let dated = v.len() == 10
        && v.char_indices().all(|(i, c)| {
            if i == 4 || i == 7 {
                c == '-'
            } else {
                c.is_ascii_digit()
            }
        });
    dated && v >= from
}

/// The first API version of `Microsoft.Network/virtualNetworks` (and its subnets) whose
/// subnets are private when they leave `defaultOutboundAccess` out. Default outbound access in
/// Azure: "For the API released after March 31, 2026, new virtual networks default to using
/// private subnets, meaning that an explicit outbound method must be enabled in order to reach
/// public endpoints on the internet and within Microsoft"; Azure Networking Blog, "Private
/// subnets by default": "With API version 2025-07-01 and later: Subnets in newly created VNets
/// are private by default. The subnet property `defaultOutboundAccess` is set to false."
const PRIVATE_SUBNETS_FROM: &str = "2025-07-01";

/// What a subnet sent with `api_version` that leaves `defaultOutboundAccess` out gets: off
/// from [`PRIVATE_SUBNETS_FROM`] on (a template creates its VNets), on before it, and on for a
/// deployed subnet, which reports the property when it is off.
pub(super) fn default_outbound_when_absent(api_version: Option<&str>, deployed: bool) -> bool {
    deployed || !dated_from(api_version, PRIVATE_SUBNETS_FROM)
}

/// Leaves open the default outbound access of `s`, a child subnet `res` adds to a VNet the
/// input does not declare, when it read as private only because it leaves
/// `defaultOutboundAccess` out at a version from [`PRIVATE_SUBNETS_FROM`] on. The private
/// default is for new VNets: Azure Networking Blog, "Private subnets by default": "Subnets in
/// newly created VNets are private by default", while for "Existing VNets or VMs using DOA"
/// and "New VMs in existing VNets" the behavior is "Unchanged"; what a subnet created at that
/// version in an existing VNet gets is not documented, so it is neither private nor open.
/// The value stays as a subnet with default outbound access (the conservative one), recorded
/// as unknown where a VNet's inline subnet records it.
pub(super) fn open_outbound_in_existing_vnet(
    t: &mut Topology,
    res: &ArmResource,
    deployed: bool,
    vnet: &str,
    s: &mut Subnet,
) {
    let left_out = matches!(at(&res.properties, &["defaultOutboundAccess"]), F::Absent);
    if !left_out || default_outbound_when_absent(res.api_version.as_deref(), deployed) {
        return;
    }
    s.default_outbound_access = true;
    t.unknowns.push(Unknown {
        resource: format!("vnet/{vnet}"),
        field: format!("subnets/{}/default_outbound_access", s.name),
        reason: format!(
            "subnet `{vnet}/{}` leaves `defaultOutboundAccess` out at API version {}, from which subnets of new VNets are private, but VNet `{vnet}` is not declared by the input: whether a subnet added to an existing VNet is private is not documented",
            s.name,
            res.api_version.as_deref().unwrap_or_default()
        ),
        at: res.at.clone(),
    });
}

/// How a PUT of a VNet (NSG, route table) sets its list.
pub(super) enum ListSet {
    /// The list is written (even empty or open): the names it writes, lower-cased.
    Inline(HashSet<String>),
    /// A VNet leaves it out, with an API version (`None`: not known) whose PUT removes the
    /// subnets all the same.
    LeftOut(Option<String>),
}

/// A VNet (NSG, route table) whose PUT sets its list: its id, and how the PUT sets the list.
pub(super) struct ParentList {
    pub(super) id: String,
    pub(super) set: ListSet,
}

/// Notes that the resource `res` of `kind`, of properties `p`, writes its list inline (even
/// empty or open), with the names it lists, or that it is a VNet that leaves the list out with
/// an API version whose PUT still sets it; when the input is mapped whole.
fn note_inline(ctx: &mut MapContext, p: &Json, kind: Kind, res: &ArmResource) {
    let Some((key, _)) = inline_list(kind) else {
        return;
    };
    let Some(inline) = &mut ctx.inline_lists else {
        return;
    };
    let set = match at(p, &[key]) {
        F::Absent if kind == Kind::Vnet && !vnet_put_keeps_subnets(res.api_version.as_deref()) => {
            ListSet::LeftOut(res.api_version.clone())
        }
        F::Absent => return,
        F::Unknown(_) => ListSet::Inline(HashSet::new()),
        F::Known(v) => ListSet::Inline(
            v.as_array()
                .into_iter()
                .flatten()
                .filter_map(|x| get(x, "name").and_then(json_text))
                .map(|n| n.to_lowercase())
                .collect(),
        ),
    };
    inline.insert(
        (kind, res.name.clone()),
        ParentList {
            id: res.id.clone(),
            set,
        },
    );
}

/// A subnet (security rule, route) declared as a child resource
/// (`Microsoft.Network/virtualNetworks/subnets`, `networkSecurityGroups/securityRules`,
/// `routeTables/routes`, at the top or in the parent's `resources`) of a VNet (NSG, route
/// table) that also writes that list inline. Each deployment of the parent sends its list to
/// Azure, whose PUT removes what the list leaves out, until the child's own PUT adds it back.
/// A VNet that leaves `subnets` out with an API version before [`VNET_KEEPS_SUBNETS_FROM`]
/// removes every child subnet the same way. A child of `name` that the list also writes is in
/// every PUT of the parent, so it is never removed. A name with an open part is the same
/// value wherever it reads the same, so only a name the list writes alike settles that.
///
/// moat reads the state once the deployment is done. A child whose PUT the template orders
/// after every PUT of the parent (its `dependsOn`, or a `reference()` or `list*()` call by
/// name, reaches the parent, see
/// [`crate::engine::Order`]) is added back before the deployment ends, so it is deployed;
/// the warning still says that each deployment removes it for a while. Otherwise Azure may
/// send the two PUTs in either order ("When resources aren't dependent on each other,
/// Resource Manager deploys them in parallel"): whether the child, and what is placed in it
/// or depends on it, is deployed once the deployment is done is open, as it is for
/// Terraform's separate resources beside inline ones.
pub(super) fn beside_inline(
    t: &mut Topology,
    ctx: &mut MapContext,
    res: &ArmResource,
    kind: Kind,
    parent_name: &str,
    name: &str,
) {
    let Some((key, what)) = inline_list(kind) else {
        return;
    };
    let Some(list) = ctx
        .inline_lists
        .as_ref()
        .and_then(|v| v.get(&(kind, parent_name.to_string())))
    else {
        return;
    };
    let how = match &list.set {
        ListSet::Inline(listed) if listed.contains(&name.to_lowercase()) => return,
        ListSet::Inline(_) => moat_model::presence::ListWrite::Inline,
        ListSet::LeftOut(v) => moat_model::presence::ListWrite::LeftOut {
            api_version: v.as_deref(),
            keeps_from: VNET_KEEPS_SUBNETS_FROM,
        },
    };
    let parent_id = list.id.clone();
    let ordered = ctx
        .order
        .as_mut()
        .is_some_and(|o| o.after(&res.id, &parent_id));
    let resource = resource_label(&res.rtype, &res.name);
    let parent = format!("{}/{parent_name}", kind.label());
    let written_as = format!("properties.{key}");
    let conflict = moat_model::presence::InlineConflict {
        resource: &resource,
        parent: &parent,
        owner: &parent,
        what,
        written_as: &written_as,
        run: "deployment",
        how,
    };
    let message = if ordered {
        conflict.message_ordered()
    } else {
        conflict.message()
    };
    ctx.warnings.push(warning(
        moat_model::presence::INLINE_CONFLICT,
        message,
        &res.at,
        Some(conflict.hint()),
    ));
    if !ordered {
        t.may_exist.push(conflict.may_exist(res.at.clone()));
    }
}

pub(super) fn map_nsg(t: &mut Topology, res: &ArmResource, mut rec: Rec, ctx: &mut MapContext) {
    let p = &res.properties;
    let name = res.name.clone();
    let region = res.location.clone();
    let mut rules = Vec::new();
    for r in rec.list(p, &["securityRules"], "rules") {
        if let Some(x) = map_rule(r, None, &res.at, &mut rec) {
            rules.push(x);
        }
    }
    note_inline(ctx, p, Kind::Nsg, res);
    ctx.register(&res.id, Kind::Nsg, &name);
    t.network_security_groups.push(NetworkSecurityGroup {
        name,
        region,
        rules,
        tags: BTreeMap::new(),
        at: res.at.clone(),
    });
    flush(t, ctx, rec);
}

pub(super) fn map_asg(t: &mut Topology, res: &ArmResource, rec: Rec, ctx: &mut MapContext) {
    let name = res.name.clone();
    let region = res.location.clone();
    ctx.register(&res.id, Kind::Asg, &name);
    t.application_security_groups
        .push(ApplicationSecurityGroup {
            name,
            region,
            at: res.at.clone(),
        });
    flush(t, ctx, rec);
}

pub(super) fn map_route_table(
    t: &mut Topology,
    res: &ArmResource,
    mut rec: Rec,
    ctx: &mut MapContext,
) {
    let p = &res.properties;
    let name = res.name.clone();
    let region = res.location.clone();
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
    note_inline(ctx, p, Kind::RouteTable, res);
    ctx.register(&res.id, Kind::RouteTable, &name);
    t.route_tables.push(RouteTable {
        name,
        region,
        routes,
        disable_bgp_route_propagation: disable,
        tags: BTreeMap::new(),
        at: res.at.clone(),
    });
    flush(t, ctx, rec);
}

pub(super) fn map_nat_gateway(
    t: &mut Topology,
    res: &ArmResource,
    mut rec: Rec,
    ctx: &mut MapContext,
) {
    let p = &res.properties;
    let name = res.name.clone();
    let region = res.location.clone();
    let public_ips = rec.ids(p, &["publicIpAddresses"], "public_ips");
    ctx.register(&res.id, Kind::NatGateway, &name);
    t.nat_gateways.push(NatGateway {
        name,
        region,
        public_ips,
        at: res.at.clone(),
    });
    flush(t, ctx, rec);
}

pub(super) fn map_public_ip(
    t: &mut Topology,
    res: &ArmResource,
    mut rec: Rec,
    ctx: &mut MapContext,
) {
    let p = &res.properties;
    let name = res.name.clone();
    let region = res.location.clone();
    let ip_address = rec.ip(p, &["ipAddress"], "ip_address");
    let sku = res.sku.as_ref().and_then(|s| rec.str(s, &["name"], "sku"));
    ctx.register(&res.id, Kind::PublicIp, &name);
    t.public_ips.push(PublicIp {
        name,
        region,
        ip_address,
        sku,
        at: res.at.clone(),
    });
    flush(t, ctx, rec);
}

pub(super) fn map_vm(t: &mut Topology, res: &ArmResource, mut rec: Rec, ctx: &mut MapContext) {
    let p = &res.properties;
    let name = res.name.clone();
    let region = res.location.clone();
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
    ctx.register(&res.id, Kind::Vm, &name);
    t.virtual_machines.push(VirtualMachine {
        name,
        region,
        network_interfaces,
        attached_to: None,
        tags: BTreeMap::new(),
        at: res.at.clone(),
    });
    flush(t, ctx, rec);
}

pub(super) fn map_nic(t: &mut Topology, res: &ArmResource, mut rec: Rec, ctx: &mut MapContext) {
    if privatelink::endpoint_nic(res, &mut rec, ctx) {
        flush(t, ctx, rec);
        return;
    }
    let p = &res.properties;
    let name = res.name.clone();
    let region = res.location.clone();
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
    ctx.register(&res.id, Kind::Nic, &name);
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
    flush(t, ctx, rec);
}

pub(super) fn map_service_endpoint_policy(
    t: &mut Topology,
    res: &ArmResource,
    mut rec: Rec,
    ctx: &mut MapContext,
) {
    let p = &res.properties;
    let name = res.name.clone();
    let region = res.location.clone();
    let mut definitions = Vec::new();
    for d in rec.list(p, &["serviceEndpointPolicyDefinitions"], "definitions") {
        let props = get(d, "properties").cloned().unwrap_or(Json::Null);
        definitions.push(map_sep_definition(
            get(d, "name").and_then(json_text),
            &props,
            &mut rec,
        ));
    }
    ctx.register(&res.id, Kind::ServiceEndpointPolicy, &name);
    t.service_endpoint_policies.push(ServiceEndpointPolicy {
        name,
        region,
        definitions,
        at: res.at.clone(),
    });
    flush(t, ctx, rec);
}

/// A subnet, inline in VNet `vnet` (`props` `None`) or a child resource (its properties);
/// `default_outbound` is what it gets when it leaves `defaultOutboundAccess` out
/// ([`default_outbound_when_absent`]).
pub(super) fn map_subnet(
    s: &Json,
    props: Option<&Json>,
    vnet: &str,
    at_: &Provenance,
    default_outbound: bool,
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
            default_outbound,
            true,
        ),
        external: false,
        at: at_.clone(),
    })
}

pub(super) fn map_peering(
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
    // A deployed peering reports its state (read-only): Azure establishes it, and carries
    // traffic over it, only once both sides are `Connected`; `Initiated` (the other side is
    // not created) and `Disconnected` (the other side was deleted) carry none.
    if let Some(state) = rec.str(&p, &["peeringState"], &field)
        && !state.eq_ignore_ascii_case("Connected")
    {
        rec.warn(format!(
            "{}: peering `{}` is {state}: Azure carries no traffic over it until both sides are Connected; not imported",
            rec.resource,
            name.clone().unwrap_or_default()
        ));
        return None;
    }
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

pub(super) fn map_sep_definition(
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

/// Subnets' NSGs, route tables, NAT gateways and policies; peerings; NSG rules' ASGs;
/// NAT gateways' public IPs.
pub(super) fn resolve(t: &mut Topology, ctx: &mut MapContext) {
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
}

/// Network interfaces, VMs and service endpoint policies.
pub(super) fn resolve_hosts(t: &mut Topology, ctx: &mut MapContext) {
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
}

/// VNets whose address space is unknown read as the union of their subnets' prefixes.
pub(super) fn vnet_spaces(t: &mut Topology, ctx: &MapContext) {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// "This capability is now available with API version 2023-09-01": from that version a
    /// VNet's PUT keeps the subnets it leaves out; before it, or at a version the input leaves
    /// open or that is not a plain date, it is not documented to.
    #[test]
    fn a_vnet_put_keeps_left_out_subnets_from_2023_09_01() {
        for (v, keeps) in [
            (Some("2022-05-01"), false),
            (Some("2023-06-01"), false),
            (Some("2023-09-01"), true),
            (Some("2024-05-01"), true),
            (Some("2023-09-01-preview"), false),
            (Some("[parameters('v')]"), false),
            (None, false),
        ] {
            assert_eq!(vnet_put_keeps_subnets(v), keeps, "{v:?}");
        }
    }
}
