//! Private endpoints and private DNS: endpoints and their zone groups, private DNS zones with
//! their links and records, DNS private resolvers and forwarding rulesets.

use super::*;

pub(super) fn map_private_endpoint(
    t: &mut Topology,
    res: &ArmResource,
    mut rec: Rec,
    ctx: &mut MapContext,
) {
    let p = &res.properties;
    let name = res.name.clone();
    let subnet = rec.subnet_id(p, &["subnet", "id"], "subnet");
    let auto = rec.list(p, &["privateLinkServiceConnections"], "target");
    let manual = rec.list(p, &["manualPrivateLinkServiceConnections"], "target");
    let (conn, is_manual) = match (auto.first(), manual.first()) {
        (Some(c), _) => ((*c).clone(), false),
        (None, Some(c)) => ((*c).clone(), true),
        (None, None) => {
            drop_resource(
                t,
                ctx,
                rec,
                res,
                "target",
                "the private endpoint's connection (target and group id) is unknown or absent",
            );
            return;
        }
    };
    if auto.len() + manual.len() > 1 {
        rec.warn(format!(
            "{}: only the first private link service connection is imported",
            rec.resource
        ));
    }
    let target = rec.id(&conn, &["properties", "privateLinkServiceId"], "target");
    let groups = rec.strings(&conn, &["properties", "groupIds"], "group_id");
    let Some(group_id) = groups.first().cloned() else {
        drop_resource(
            t,
            ctx,
            rec,
            res,
            "group_id",
            "the private endpoint's group id is unknown",
        );
        return;
    };
    let open = match &target {
        Some(_) => None,
        None => match rec.open_target(&group_id) {
            Some(a) => Some(a),
            None => {
                let why = "the private endpoint's target is unknown";
                drop_resource(t, ctx, rec, res, "target", why);
                return;
            }
        },
    };
    let target = target.unwrap_or_default();
    let target_type = type_of_id(&target).unwrap_or_default().to_ascii_lowercase();
    let addr_kind = match kind_of(&target_type).and_then(link_target_kind) {
        _ if open.is_some() => AddrKind::Workspace,
        Some(k) => k,
        None => {
            // A target the model cannot address (AI Services, Search, ...): kept as unmodelled.
            rec.warn(format!(
                "{}: the target `{}` is of a type the model does not cover; the private endpoint is listed as unmodelled",
                rec.resource,
                type_of_id(&target).unwrap_or_else(|| target.clone())
            ));
            unmodelled(t, ctx, res);
            flush(t, ctx, rec);
            return;
        }
    };
    let Some(subnet) = subnet else {
        drop_resource(
            t,
            ctx,
            rec,
            res,
            "subnet",
            "the private endpoint's subnet is unknown",
        );
        return;
    };
    // A manual connection waits for the target's owner: pending when deployed from a template,
    // whatever state it writes; a deployed endpoint reports the state it reached.
    let state = if is_manual && !ctx.deployed {
        ConnectionState::Pending
    } else {
        rec.enm(
            &conn,
            &["properties", "privateLinkServiceConnectionState", "status"],
            "connection_state",
            ConnectionState::parse,
            ConnectionState::Approved,
            ConnectionState::Pending,
        )
    };
    let mut addresses: Vec<IpAddr> = Vec::new();
    for cfg in rec.list(p, &["ipConfigurations"], "ip_address") {
        if let Some(ip) = rec.ip(cfg, &["properties", "privateIPAddress"], "ip_address") {
            push_new(&mut addresses, ip);
        }
    }
    // Without static addresses, a deployed endpoint reports those Azure gave it with the
    // names they serve (`customDnsConfigs`, filled when no zone group writes them); its
    // network interface lists them too (see `endpoint_nics`).
    if addresses.is_empty() {
        for c in rec.list(p, &["customDnsConfigs"], "ip_address") {
            for s in rec.strings(c, &["ipAddresses"], "ip_address") {
                if let Ok(ip) = s.trim().parse::<IpAddr>() {
                    push_new(&mut addresses, ip);
                }
            }
        }
    }
    let ip_address = addresses.first().copied();
    let member_addresses = addresses.iter().skip(1).copied().collect();
    ctx.register(&res.id, Kind::PrivateEndpoint, &name);
    t.private_endpoints.push(PrivateEndpoint {
        name,
        region: res.location.clone(),
        subnet,
        target: open.unwrap_or(Address::Resource {
            kind: addr_kind,
            name: target,
            sub: None,
        }),
        group_id,
        ip_address,
        member_addresses,
        connection_state: state,
        dns_zone_group: Vec::new(),
        created: None,
        tags: BTreeMap::new(),
        at: res.at.clone(),
    });
    flush(t, ctx, rec);
}

fn push_new(v: &mut Vec<IpAddr>, ip: IpAddr) {
    if !v.contains(&ip) {
        v.push(ip);
    }
}

/// The network interface Azure creates for a private endpoint (`properties.privateEndpoint`),
/// as a live export holds it: its addresses, primary first.
pub(super) fn endpoint_nic(res: &ArmResource, rec: &mut Rec, ctx: &mut MapContext) -> bool {
    let p = &res.properties;
    let Some(pe) = rec.id(p, &["privateEndpoint", "id"], "private_endpoint") else {
        return false;
    };
    let mut cfgs = rec.list(p, &["ipConfigurations"], "private_ip_address");
    cfgs.sort_by_key(|c| !at(c, &["properties", "primary"]).is_known_true());
    let mut ips = Vec::new();
    for c in cfgs {
        if let Some(ip) = rec.ip(c, &["properties", "privateIPAddress"], "private_ip_address") {
            push_new(&mut ips, ip);
        }
    }
    ctx.endpoint_nics.push((pe, ips));
    true
}

/// Gives each private endpoint the addresses its network interface holds: an endpoint is one
/// element with its addresses, never a host of its subnet beside itself.
pub(super) fn endpoint_nics(t: &mut Topology, ctx: &mut MapContext) {
    for (pe, ips) in std::mem::take(&mut ctx.endpoint_nics) {
        let Ok(tg) = ctx.resolve(&pe, &[Kind::PrivateEndpoint]) else {
            continue;
        };
        let Some(e) = t.private_endpoints.iter_mut().find(|e| e.name == tg.name) else {
            continue;
        };
        for ip in ips {
            if e.ip_address.is_none() {
                e.ip_address = Some(ip);
            } else if e.ip_address != Some(ip) {
                push_new(&mut e.member_addresses, ip);
            }
        }
    }
}

pub(super) fn map_dns_zone(t: &mut Topology, res: &ArmResource, rec: Rec, ctx: &mut MapContext) {
    let name = res.name.clone();
    // A deployed zone reports how many record sets it holds (read-only), its SOA included.
    match at(&res.properties, &["numberOfRecordSets"]) {
        F::Known(n) => {
            if let Some(n) = n.as_u64() {
                ctx.zone_record_sets.push((res.at.clone(), Ok(n)));
            }
        }
        // Properties the input leaves open (a zone listed without them) leave its records open.
        F::Unknown(r) => ctx.zone_record_sets.push((res.at.clone(), Err(r))),
        F::Absent => {}
    }
    ctx.register(&res.id, Kind::DnsZone, &name);
    ctx.zones
        .insert((res.at.clone(), name.to_ascii_lowercase()), res.id.clone());
    t.private_dns_zones.push(PrivateDnsZone {
        name,
        resource_group: None,
        vnet_links: Vec::new(),
        records: Vec::new(),
        fallback_to_internet: false,
        tags: BTreeMap::new(),
        external: false,
        at: res.at.clone(),
    });
    flush(t, ctx, rec);
}

pub(super) fn map_dns_resolver(
    t: &mut Topology,
    res: &ArmResource,
    mut rec: Rec,
    ctx: &mut MapContext,
) {
    let p = &res.properties;
    let name = res.name.clone();
    let region = res.location.clone();
    let Some(vnet) = rec.id(p, &["virtualNetwork", "id"], "vnet") else {
        drop_resource(
            t,
            ctx,
            rec,
            res,
            "vnet",
            "the resolver names no virtual network",
        );
        return;
    };
    ctx.register(&res.id, Kind::DnsResolver, &name);
    t.dns_resolvers.push(DnsResolver {
        name,
        region,
        vnet,
        inbound_endpoints: Vec::new(),
        outbound_endpoints: Vec::new(),
        at: res.at.clone(),
    });
    flush(t, ctx, rec);
}

pub(super) fn map_ruleset(t: &mut Topology, res: &ArmResource, mut rec: Rec, ctx: &mut MapContext) {
    let p = &res.properties;
    let name = res.name.clone();
    let region = res.location.clone();
    let outbound_endpoints = rec.ids(p, &["dnsResolverOutboundEndpoints"], "outbound_endpoints");
    ctx.register(&res.id, Kind::Ruleset, &name);
    t.dns_forwarding_rulesets.push(DnsForwardingRuleset {
        name,
        region,
        outbound_endpoints,
        vnet_links: Vec::new(),
        rules: Vec::new(),
        at: res.at.clone(),
    });
    flush(t, ctx, rec);
}

/// A private DNS zone group: the zones an endpoint's records go to.
pub(super) fn zone_group(res: &ArmResource, rec: &mut Rec) -> Option<Payload> {
    let p = &res.properties;
    let mut zones = Vec::new();
    for c in rec.list(p, &["privateDnsZoneConfigs"], "dns_zone_group") {
        if let Some(z) = rec.id(c, &["properties", "privateDnsZoneId"], "dns_zone_group") {
            zones.push(z);
        }
    }
    Some(Payload::ZoneIds(zones))
}

/// A private DNS zone's link to a VNet.
pub(super) fn vnet_link(res: &ArmResource, rec: &mut Rec) -> Option<Payload> {
    let p = &res.properties;
    let vnet = rec.id(p, &["virtualNetwork", "id"], "vnet_links");
    let fallback = rec
        .str(p, &["resolutionPolicy"], "fallback_to_internet")
        .is_some_and(|r| r.eq_ignore_ascii_case("NxDomainRedirect"));
    Some(Payload::VnetLink(vnet, fallback))
}

/// An A, AAAA or CNAME record of a private DNS zone.
pub(super) fn record(
    ck: ChildKind,
    res: &ArmResource,
    leaf: &str,
    rec: &mut Rec,
) -> Option<Payload> {
    let p = &res.properties;
    let (rt, values) = match ck {
        ChildKind::RecordA => (RecordType::A, {
            let mut v = Vec::new();
            for r in rec.list(p, &["aRecords"], "records") {
                v.extend(rec.str(r, &["ipv4Address"], "records"));
            }
            v
        }),
        ChildKind::RecordAaaa => (RecordType::Aaaa, {
            let mut v = Vec::new();
            for r in rec.list(p, &["aaaaRecords"], "records") {
                v.extend(rec.str(r, &["ipv6Address"], "records"));
            }
            v
        }),
        _ => (
            RecordType::Cname,
            rec.str(p, &["cnameRecord", "cname"], "records")
                .into_iter()
                .collect(),
        ),
    };
    if values.is_empty() {
        None
    } else {
        Some(Payload::Record(DnsRecord {
            name: leaf.to_string(),
            record_type: rt,
            values,
            at: res.at.clone(),
        }))
    }
}

/// An inbound or outbound endpoint of a DNS private resolver.
pub(super) fn resolver_endpoint(
    ck: ChildKind,
    res: &ArmResource,
    leaf: &str,
    rec: &mut Rec,
) -> Option<Payload> {
    let p = &res.properties;
    let (subnet, ip) = if ck == ChildKind::InboundEndpoint {
        let cfg = rec
            .list(p, &["ipConfigurations"], "subnet")
            .first()
            .copied()
            .cloned()
            .unwrap_or(Json::Null);
        (
            rec.subnet_id(&cfg, &["subnet", "id"], "subnet"),
            rec.ip(&cfg, &["privateIpAddress"], "ip_address"),
        )
    } else {
        (rec.subnet_id(p, &["subnet", "id"], "subnet"), None)
    };
    match subnet {
        Some(subnet) => Some(Payload::Endpoint(ResolverEndpoint {
            name: leaf.to_string(),
            subnet,
            ip_address: ip,
        })),
        None => {
            rec.unknown("subnet", "the endpoint's subnet is unknown; not imported");
            None
        }
    }
}

/// A rule of a DNS forwarding ruleset.
pub(super) fn forwarding_rule(res: &ArmResource, leaf: &str, rec: &mut Rec) -> Option<Payload> {
    let p = &res.properties;
    let domain = rec.str(p, &["domainName"], "domain_name");
    let mut servers = Vec::new();
    for s in rec.list(p, &["targetDnsServers"], "target_dns_servers") {
        if let Some(ip) = rec.ip(s, &["ipAddress"], "target_dns_servers") {
            servers.push(ip);
        }
    }
    let state = rec.enm(
        p,
        &["forwardingRuleState"],
        "state",
        RuleState::parse,
        RuleState::Enabled,
        RuleState::Enabled,
    );
    domain.map(|domain_name| {
        Payload::ForwardingRule(ForwardingRule {
            name: leaf.to_string(),
            domain_name,
            target_dns_servers: servers,
            state,
        })
    })
}

pub(super) fn target_raw(a: &Address) -> String {
    match a {
        Address::Resource { name, .. } => name.clone(),
        other => other.to_string(),
    }
}

/// The address of a private link target id (a registry's managed storage account or
/// container registry becomes `registry/<name>:storage` / `:acr`).
pub(super) fn address_of(ctx: &MapContext, raw: &str, group: &str) -> Option<Address> {
    let kinds = [
        Kind::Workspace,
        Kind::Registry,
        Kind::Storage,
        Kind::KeyVault,
        Kind::Acr,
        Kind::Ampls,
    ];
    if let Ok(tg) = ctx.resolve(raw, &kinds) {
        return Some(target_address(tg));
    }
    let ty = type_of_id(raw).unwrap_or_default().to_ascii_lowercase();
    let leaf = last_segment(raw).to_ascii_lowercase();
    if ty == "microsoft.storage/storageaccounts"
        && let Some(r) = ctx.registry_storage.get(&leaf)
    {
        return Some(Address::resource(AddrKind::Registry, r.clone()).with_sub("storage"));
    }
    if ty == "microsoft.containerregistry/registries"
        && let Some(r) = ctx.registry_acr.get(&leaf)
    {
        return Some(Address::resource(AddrKind::Registry, r.clone()).with_sub("acr"));
    }
    let _ = group;
    None
}

/// The address kind of a resource a private endpoint can target.
fn link_target_kind(k: Kind) -> Option<AddrKind> {
    Some(match k {
        Kind::Workspace => AddrKind::Workspace,
        Kind::Registry => AddrKind::Registry,
        Kind::Storage => AddrKind::Storage,
        Kind::KeyVault => AddrKind::Keyvault,
        Kind::Acr => AddrKind::Acr,
        Kind::Ampls => AddrKind::Ampls,
        _ => return None,
    })
}

fn target_address(tg: Target) -> Address {
    Address::resource(
        link_target_kind(tg.kind).unwrap_or(AddrKind::Ampls),
        tg.name,
    )
}

/// The one declared resource of the type and name a target id gives, with its id.
pub(super) fn namesake<'c>(ctx: &'c MapContext, raw: &str) -> Option<(&'c str, &'c Target)> {
    ctx.namesakes.find(raw)
}

/// A target id that is not the id of a declared resource, but gives the type and name of one
/// (identity by reference): it names that resource when the subscription and resource group
/// that tell the two apart may be the same, being unknown on either side (a template deployed
/// to a resource group it does not name, a parameter without value). Two known and different
/// scopes name a namesake, which [`external::endpoint_target`] keeps as an external element.
fn same_resource(
    ctx: &mut MapContext,
    raw: &str,
    resource: &str,
    at: &Provenance,
) -> Option<Address> {
    let (id, tg) = namesake(ctx, raw)?;
    if !ctx.same_scope_possible(raw, id) {
        return None;
    }
    let a = target_address(tg.clone());
    ctx.warnings.push(warning(
        "target-by-name",
        format!(
            "{resource}: target: `{raw}` is read as {a}, which {} {} with that type and name: the subscription or resource group that would tell them apart is unknown",
            ctx.input.the(),
            ctx.input.deploys()
        ),
        at,
        Some("give --subscription and --resource-group to have ids compared in full".into()),
    ));
    Some(a)
}

/// The resource group of an id that names a registry's storage account or container registry
/// (`registry/<name>:storage`, `:acr`): the registry's managed group, which Azure names with a
/// GUID of its own, noted on the registry when the id determines it.
fn managed_group(t: &mut Topology, a: &Address, raw: &str) {
    let Address::Resource {
        kind: AddrKind::Registry,
        name,
        sub: Some(_),
    } = a
    else {
        return;
    };
    let Some(rg) = resource_group_of(raw).filter(|rg| !crate::idmatch::has_unknown(rg)) else {
        return;
    };
    if let Some(r) = t.registries.iter_mut().find(|r| r.name == *name)
        && r.managed_resource_group.is_none()
    {
        r.managed_resource_group = Some(rg);
    }
}

/// Endpoints' subnets, targets and zones; zones' links; resolvers' VNets and subnets;
/// rulesets' endpoints and links.
pub(super) fn resolve(t: &mut Topology, ctx: &mut MapContext) {
    // Resolving endpoints adds no resource a private endpoint can target: one index serves
    // every endpoint.
    let declared = t.index();
    let mut pes = std::mem::take(&mut t.private_endpoints);
    pes.retain_mut(|pe| {
        let label = format!("private-endpoint/{}", pe.name);
        pe.subnet = external::subnet(t, ctx, &pe.subnet, &label, &pe.at);
        let raw = target_raw(&pe.target);
        let found = address_of(ctx, &raw, &pe.group_id)
            .or_else(|| same_resource(ctx, &raw, &label, &pe.at));
        match found {
            Some(a) => {
                managed_group(t, &a, &raw);
                pe.target = a;
            }
            None if open_target::is_open(t, pe)
                || open_target::keep_partial(t, ctx, pe, &raw)
                || external::endpoint_target(t, ctx, &declared, pe, &raw) => {}
            None => {
                dangling(
                    t,
                    ctx,
                    label,
                    "target",
                    format!("`{raw}` is not {}", ctx.input.deployed_by()),
                    &pe.at,
                    "the private endpoint is not imported",
                );
                return false;
            }
        }
        external::zone_group(t, ctx, &mut pe.dns_zone_group, &label, &pe.at);
        true
    });
    t.private_endpoints = pes;
    let mut zones = std::mem::take(&mut t.private_dns_zones);
    for z in &mut zones {
        let label = format!("private-dns-zone/{}", z.name);
        external::vnet_links(t, ctx, &mut z.vnet_links, &label, &z.at);
    }
    t.private_dns_zones = zones;
    let mut resolvers = std::mem::take(&mut t.dns_resolvers);
    resolvers.retain_mut(|r| {
        let label = format!("dns-resolver/{}", r.name);
        match external::vnet(t, ctx, &r.vnet, &label, "vnet", &r.at) {
            Ok(v) => r.vnet = v,
            Err(e) => {
                dangling(
                    t,
                    ctx,
                    label,
                    "vnet",
                    e,
                    &r.at,
                    "the resolver is not imported",
                );
                return false;
            }
        }
        for eps in [&mut r.inbound_endpoints, &mut r.outbound_endpoints] {
            for e in eps.iter_mut() {
                let what = format!("{label}/{}", e.name);
                e.subnet = external::subnet(t, ctx, &e.subnet, &what, &r.at);
            }
        }
        true
    });
    t.dns_resolvers = resolvers;
    let mut rulesets = std::mem::take(&mut t.dns_forwarding_rulesets);
    for rs in &mut rulesets {
        let label = format!("dns-forwarding-ruleset/{}", rs.name);
        list(
            t,
            ctx,
            &mut rs.outbound_endpoints,
            &[Kind::ResolverOutbound],
            &label,
            "outbound_endpoints",
            &rs.at,
        );
        list(
            t,
            ctx,
            &mut rs.vnet_links,
            &[Kind::Vnet],
            &label,
            "vnet_links",
            &rs.at,
        );
    }
    t.dns_forwarding_rulesets = rulesets;
}

/// Zones that hold more record sets than the input gives (a deployed zone counts them in
/// `numberOfRecordSets`, its SOA record set included; Azure Resource Graph returns the zone
/// but not its record sets): a name the input gives no record for may have one, so its
/// answer there is unknown, never "no such name".
pub(super) fn zone_record_counts(t: &mut Topology, ctx: &mut MapContext) {
    for (at_, count) in std::mem::take(&mut ctx.zone_record_sets) {
        let Some(z) = t.private_dns_zones.iter().find(|z| z.at == at_) else {
            continue;
        };
        let sets: HashSet<(String, RecordType)> = z
            .records
            .iter()
            .map(|r| (r.name.to_ascii_lowercase(), r.record_type))
            .collect();
        let known = sets.len() as u64 + 1;
        let reason = match count {
            Ok(count) if count > known => format!(
                "the zone holds {count} record sets, its SOA included, and the input gives {}: the others are not in the export (Azure Resource Graph returns no record sets: add `az resource show --ids` of the zone's record sets and of the private endpoints' zone groups)",
                known - 1
            ),
            Ok(_) => continue,
            Err(r) => r,
        };
        t.unknowns.push(Unknown {
            resource: format!("private-dns-zone/{}", z.name),
            field: "records".into(),
            reason,
            at: at_,
        });
    }
}

/// The subscription an id names.
pub(super) fn subscription_of(id: &str) -> Option<&str> {
    let mut segs = id.trim_start_matches('/').split('/');
    segs.next()
        .filter(|s| s.eq_ignore_ascii_case("subscriptions"))
        .and_then(|_| segs.next())
        .filter(|s| !s.is_empty())
}

/// Zones of one name: declared twice under one id, they are one zone; in several resource
/// groups, each is kept and named `<resource_group>/<zone>` (`<resource_group>@<subscription>`
/// for a group of one name in several subscriptions).
pub(super) fn dedupe_zones(t: &mut Topology, ctx: &mut MapContext) {
    let zones = std::mem::take(&mut t.private_dns_zones);
    let mut by_name: IndexMap<String, Vec<(PrivateDnsZone, String)>> = IndexMap::new();
    for z in zones {
        let id = ctx
            .zones
            .get(&(z.at.clone(), z.name.to_ascii_lowercase()))
            .cloned()
            .unwrap_or_default();
        by_name
            .entry(z.name.to_ascii_lowercase())
            .or_default()
            .push((z, id));
    }
    for (_, group) in by_name {
        let mut kept: Vec<(PrivateDnsZone, String)> = Vec::new();
        // A zone name repeats in every landing zone: the ids already kept are looked up, not
        // scanned.
        let mut kept_ids: std::collections::HashMap<String, usize> = Default::default();
        for (z, id) in group {
            if let Some((first, _)) = kept_ids.get(&canonical_id(&id)).map(|&i| &kept[i]) {
                ctx.warnings.push(warning(
                    "duplicate-resource",
                    format!("private DNS zone `{}` is declared more than once; the first declaration is imported", z.name),
                    &z.at,
                    Some(format!("first declared at {}", first.at)),
                ));
                continue;
            }
            kept_ids.insert(canonical_id(&id), kept.len());
            kept.push((z, id));
        }
        let several = kept.len() > 1;
        // Groups of one name in several subscriptions: each qualified by its subscription.
        let mut groups: std::collections::HashMap<String, usize> = Default::default();
        if several {
            for (_, id) in &kept {
                if let Some(rg) = resource_group_of(id) {
                    *groups.entry(rg.to_ascii_lowercase()).or_default() += 1;
                }
            }
        }
        for (mut z, id) in kept {
            if several {
                z.resource_group = resource_group_of(&id).map(|rg| match subscription_of(&id) {
                    Some(sub) if groups[&rg.to_ascii_lowercase()] > 1 => {
                        moat_model::external::namesake(&rg, sub)
                    }
                    _ => rg,
                });
                let key = z.key();
                ctx.redeclare(
                    &id,
                    Target {
                        kind: Kind::DnsZone,
                        name: key.clone(),
                    },
                );
                ctx.names
                    .insert((Kind::DnsZone, key.to_ascii_lowercase()), key);
            }
            t.private_dns_zones.push(z);
        }
    }
}
