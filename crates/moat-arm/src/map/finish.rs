//! Linking once every resource is mapped: duplicates are dropped, children join their
//! parents, references become model names (family by family), and what refers outside the
//! template is recorded.

use super::*;
use std::collections::HashMap;

/// Links everything [`map_resource`] left as ARM ids, once all resources are mapped:
/// children join their parents, references become names, and what refers outside the
/// template is recorded as unknown (with a warning) and neutralised.
pub fn finish(t: &mut Topology, ctx: &mut MapContext) {
    dedupe(t, ctx);
    attach(t, ctx);
    firewall::listed_groups(t, ctx);
    ml::connected_endpoints(t, ctx);
    ml::merge_clusters(t, ctx);
    resolve_refs(t, ctx);
    external::plain_zone_keys(t);
    privatelink::endpoint_nics(t, ctx);
    privatelink::zone_record_counts(t, ctx);
    let shares = std::mem::take(&mut ctx.shares);
    shares::attach(t, ctx, shares);
    network::vnet_spaces(t, ctx);
    policy_unknowns::lift_to_policies(t);
}

/// The parents children can join, by kind and lower-cased name (a private DNS zone by its
/// key), built once: looking each child's parent up in its list was quadratic in resources.
/// The first of two parents of one name wins, as a scan from the start would find.
struct Parents(HashMap<(Kind, String), usize>);

impl Parents {
    fn of(t: &Topology) -> Self {
        let mut m = HashMap::new();
        let mut add = |kind: Kind, names: &mut dyn Iterator<Item = String>| {
            for (i, n) in names.enumerate() {
                m.entry((kind, n.to_ascii_lowercase())).or_insert(i);
            }
        };
        macro_rules! names {
            ($list:expr) => {
                &mut $list.iter().map(|x| x.name.clone())
            };
        }
        add(Kind::Vnet, names!(t.virtual_networks));
        add(Kind::Nsg, names!(t.network_security_groups));
        add(Kind::RouteTable, names!(t.route_tables));
        add(Kind::FirewallPolicy, names!(t.firewall_policies));
        add(Kind::PrivateEndpoint, names!(t.private_endpoints));
        add(
            Kind::DnsZone,
            &mut t.private_dns_zones.iter().map(PrivateDnsZone::key),
        );
        add(Kind::DnsResolver, names!(t.dns_resolvers));
        add(Kind::Ruleset, names!(t.dns_forwarding_rulesets));
        add(Kind::Workspace, names!(t.workspaces));
        add(Kind::OnlineEndpoint, names!(t.online_endpoints));
        add(Kind::Ampls, names!(t.monitor_private_link_scopes));
        add(
            Kind::ServiceEndpointPolicy,
            names!(t.service_endpoint_policies),
        );
        Parents(m)
    }

    fn index(&self, kind: Kind, name: &str) -> Option<usize> {
        self.0.get(&(kind, name.to_ascii_lowercase())).copied()
    }
}

pub(super) fn attach(t: &mut Topology, ctx: &mut MapContext) {
    let pending = std::mem::take(&mut ctx.pending);
    let mut left: Vec<Pending> = Vec::new();
    // Joining children adds none of these lists' members, so both indexes hold throughout.
    let parents = Parents::of(t);
    let mut unknowns_of: HashMap<String, Vec<usize>> = HashMap::new();
    for (k, u) in t.unknowns.iter().enumerate() {
        unknowns_of.entry(u.resource.clone()).or_default().push(k);
    }
    for pd in pending {
        if matches!(pd.payload, Payload::Share(..)) {
            // Joined once references are names (a storage account's, for one).
            ctx.shares.push(pd);
            continue;
        }
        let parent_kind = pd.kind.parent();
        let from_id = parent_id(&pd.res.id).and_then(|pid| ctx.resolve(&pid, &[parent_kind]).ok());
        let parent = from_id.map(|t| t.name).or_else(|| {
            let (pname, _) = pd.res.name.rsplit_once('/')?;
            let pname = match parent_kind {
                Kind::OnlineEndpoint => last_segment(pname),
                _ => pname.to_string(),
            };
            ctx.resolve(&pname, &[parent_kind]).ok().map(|t| t.name)
        });
        let Some(i) = parent.and_then(|p| parents.index(parent_kind, &p)) else {
            left.push(pd);
            continue;
        };
        let to = format!("{}/{}", parent_kind.label(), parent_name(t, parent_kind, i));
        lift_unknowns(t, &unknowns_of, pd.kind, &pd.res, &to);
        match pd.payload {
            Payload::Subnet(mut s) => {
                let v = &mut t.virtual_networks[i];
                let child = s.name.clone();
                let listed = v
                    .subnets
                    .iter()
                    .position(|x| x.name.eq_ignore_ascii_case(&s.name));
                // One subnet, whichever case each writes its name in: the name the VNet
                // registered for it stays the one its references resolve to.
                if let Some(j) = listed {
                    s.name = v.subnets[j].name.clone();
                }
                let full = format!("{}/{}", v.name, s.name);
                match listed {
                    Some(j) => v.subnets[j] = s,
                    None => v.subnets.push(s),
                }
                ctx.register(&pd.res.id, Kind::Subnet, &full);
                let vnet = v.name.clone();
                network::beside_inline(t, ctx, &pd.res, Kind::Vnet, &vnet, &child);
            }
            Payload::Peering(pe) => t.virtual_networks[i].peerings.push(pe),
            Payload::Rule(r) => {
                let n = &mut t.network_security_groups[i];
                let child = r.name.clone();
                match n
                    .rules
                    .iter()
                    .position(|x| x.name.eq_ignore_ascii_case(&r.name))
                {
                    Some(j) => n.rules[j] = r,
                    None => n.rules.push(r),
                }
                let nsg = n.name.clone();
                network::beside_inline(t, ctx, &pd.res, Kind::Nsg, &nsg, &child);
            }
            Payload::Route(r) => {
                let rt = &mut t.route_tables[i];
                let child = r.name.clone();
                // A route of a name the table lists inline is that route, as written last.
                match rt
                    .routes
                    .iter()
                    .position(|x| x.name.eq_ignore_ascii_case(&r.name))
                {
                    Some(j) => rt.routes[j] = r,
                    None => rt.routes.push(r),
                }
                let table = rt.name.clone();
                network::beside_inline(t, ctx, &pd.res, Kind::RouteTable, &table, &child);
            }
            Payload::Rcg(g, groups) => {
                let fp = &mut t.firewall_policies[i];
                let gi = fp.rule_collection_groups.len();
                let pname = fp.name.clone();
                fp.rule_collection_groups.push(g);
                for (ci, ri, ids) in groups {
                    ctx.dest_ip_groups.push((
                        Kind::FirewallPolicy,
                        pname.clone(),
                        vec![gi, ci, ri],
                        ids.split(',').map(String::from).collect(),
                    ));
                }
            }
            Payload::ZoneIds(z) => t.private_endpoints[i].dns_zone_group.extend(z),
            Payload::VnetLink(vnet, fallback) => {
                let zone = &mut t.private_dns_zones[i];
                zone.fallback_to_internet |= fallback;
                zone.vnet_links.extend(vnet);
            }
            Payload::Record(r) => t.private_dns_zones[i].records.push(r),
            Payload::Endpoint(e) => {
                let r = &mut t.dns_resolvers[i];
                let full = format!("{}/{}", r.name, e.name);
                if pd.kind == ChildKind::InboundEndpoint {
                    r.inbound_endpoints.push(e);
                } else {
                    r.outbound_endpoints.push(e);
                    ctx.register(&pd.res.id, Kind::ResolverOutbound, &full);
                }
            }
            Payload::ForwardingRule(fr) => t.dns_forwarding_rulesets[i].rules.push(fr),
            Payload::RulesetLink(v) => t.dns_forwarding_rulesets[i].vnet_links.extend(v),
            Payload::OutboundRule(r) => {
                let w = &mut t.workspaces[i];
                match w
                    .managed_network
                    .outbound_rules
                    .iter()
                    .position(|x| x.name.eq_ignore_ascii_case(&r.name))
                {
                    Some(j) => w.managed_network.outbound_rules[j] = r,
                    None => w.managed_network.outbound_rules.push(r),
                }
            }
            Payload::OnlineDeployment(d) => t.online_endpoints[i].deployments.push(d),
            Payload::Scoped(id) => t.monitor_private_link_scopes[i].scoped_resources.extend(id),
            Payload::SepDefinition(d) => t.service_endpoint_policies[i].definitions.push(d),
            // Set aside above; nothing but unknowns, lifted above.
            Payload::Share(..) | Payload::Open => {}
        }
    }
    for pd in left {
        // Not imported anyway; what it leaves open stays under its own name.
        if matches!(pd.payload, Payload::Open) {
            continue;
        }
        let Some(pd) = external::subnet_of_existing_vnet(t, ctx, pd) else {
            continue;
        };
        let Some(pd) = external::link_to_existing_zone(t, ctx, pd) else {
            continue;
        };
        let parent_kind = pd.kind.parent();
        let pid = parent_id(&pd.res.id).unwrap_or_default();
        if ctx.unmodelled_ids.contains(&canonical_id(&pid)) {
            unmodelled(t, ctx, &pd.res);
            continue;
        }
        dangling(
            t,
            ctx,
            resource_label(&pd.res.rtype, &pd.res.name),
            "parent",
            format!(
                "its parent {} `{pid}` is not {}",
                parent_kind.what(),
                ctx.input.deployed_by()
            ),
            &pd.res.at,
            "it is not imported",
        );
    }
}

/// Moves what a child resource leaves open of itself to its parent, under the field the
/// same value written inline in the parent is recorded (see [`ChildKind::parent_field`]):
/// Azure deploys a child resource and the parent's property alike, and the model, the
/// engine and the rules read the parent's.
fn lift_unknowns(
    t: &mut Topology,
    unknowns_of: &HashMap<String, Vec<usize>>,
    kind: ChildKind,
    res: &ArmResource,
    to: &str,
) {
    let from = format!("{}/{}", kind.label(), res.name);
    let leaf = last_segment(&res.name);
    let parent_known = parent_segment_known(res);
    for &k in unknowns_of.get(&from).into_iter().flatten() {
        let u = &mut t.unknowns[k];
        // Already lifted when two children share a label.
        if u.resource != from {
            continue;
        }
        if let Some(field) = kind.parent_field(&leaf, &u.field, parent_known) {
            u.resource = to.to_string();
            u.field = field;
        }
    }
}

/// Whether the id of a child resource names its parent with known text: the id has the
/// child's shape (`…/<parent type>/<parent>/<child type>/<child>`) and the parent's segment
/// holds no unknown part. A child whose own name alone is open (a zone link named
/// `<zone>/<uniqueString(…)>`) then belongs to a parent the input determines.
fn parent_segment_known(res: &ArmResource) -> bool {
    type_of_id(&res.id).is_some_and(|ty| ty.eq_ignore_ascii_case(&res.rtype))
        && parent_id(&res.id).is_some_and(|p| !crate::idmatch::has_unknown(&last_segment(&p)))
}

/// The model name of the parent at index `i` of its list, as its label names it.
fn parent_name(t: &Topology, kind: Kind, i: usize) -> String {
    match kind {
        Kind::Vnet => t.virtual_networks[i].name.clone(),
        Kind::Nsg => t.network_security_groups[i].name.clone(),
        Kind::RouteTable => t.route_tables[i].name.clone(),
        Kind::FirewallPolicy => t.firewall_policies[i].name.clone(),
        Kind::PrivateEndpoint => t.private_endpoints[i].name.clone(),
        Kind::DnsZone => t.private_dns_zones[i].name.clone(),
        Kind::DnsResolver => t.dns_resolvers[i].name.clone(),
        Kind::Ruleset => t.dns_forwarding_rulesets[i].name.clone(),
        Kind::Workspace => t.workspaces[i].name.clone(),
        Kind::OnlineEndpoint => t.online_endpoints[i].name.clone(),
        Kind::Ampls => t.monitor_private_link_scopes[i].name.clone(),
        Kind::ServiceEndpointPolicy => t.service_endpoint_policies[i].name.clone(),
        _ => String::new(),
    }
}

/// Resolves every reference, family by family (the order fixes the order of unknowns).
fn resolve_refs(t: &mut Topology, ctx: &mut MapContext) {
    ml::resolve(t, ctx);
    data::resolve(t, ctx);
    network::resolve(t, ctx);
    firewall::resolve(t, ctx);
    firewall::named_uses(t, ctx);
    gateways::resolve(t, ctx);
    network::resolve_hosts(t, ctx);
    privatelink::resolve(t, ctx);
    roles::resolve(t, ctx);
}

/// The same resource declared twice (in two nested deployments, or twice in a copy loop
/// whose names collide) is kept once.
pub(super) fn dedupe(t: &mut Topology, ctx: &mut MapContext) {
    macro_rules! dd {
        ($($list:ident: $what:literal),* $(,)?) => {$(
            let mut seen: IndexMap<String, Provenance> = IndexMap::new();
            let mut kept = Vec::new();
            for x in std::mem::take(&mut t.$list) {
                let key = x.name.to_ascii_lowercase();
                if let Some(first) = seen.get(&key) {
                    ctx.warnings.push(warning(
                        "duplicate-resource",
                        format!("{} `{}` is declared more than once; the first declaration is imported", $what, x.name),
                        &x.at,
                        Some(format!("first declared at {first}")),
                    ));
                    continue;
                }
                seen.insert(key, x.at.clone());
                kept.push(x);
            }
            t.$list = kept;
        )*};
    }
    dd!(
        workspaces: "workspace", registries: "registry", aks_clusters: "AKS cluster",
        online_endpoints: "online endpoint", storage_accounts: "storage account", key_vaults: "key vault",
        container_registries: "container registry", application_insights: "Application Insights component",
        monitor_private_link_scopes: "monitor private link scope", virtual_networks: "virtual network",
        network_security_groups: "network security group", application_security_groups: "application security group",
        route_tables: "route table", nat_gateways: "NAT gateway", public_ips: "public IP", firewalls: "firewall",
        firewall_policies: "firewall policy", ip_groups: "IP group", virtual_network_gateways: "virtual network gateway",
        local_network_gateways: "local network gateway", connections: "connection", bastion_hosts: "bastion host",
        virtual_machines: "virtual machine", network_interfaces: "network interface",
        service_endpoint_policies: "service endpoint policy", private_endpoints: "private endpoint",
        dns_resolvers: "DNS resolver", dns_forwarding_rulesets: "DNS forwarding ruleset",
    );
    scoped::dedupe_computes(t, ctx);
    privatelink::dedupe_zones(t, ctx);
}
