//! Routing: the effective routes of a subnet and the next hop of a destination.
//!
//! System routes (the VNet's address space, connected peerings, gateway-learned on-premises
//! prefixes, service endpoint routes, the internet default) and user-defined routes combine by
//! longest prefix match; on equal prefixes a user route beats a gateway route, which beats a
//! system route. Peering is not transitive: only directly peered VNets are routed.

use crate::space::{PrefixContext, Space};
use moat_model::enums::NextHopType;
use moat_model::values::AddressPrefix;
use moat_model::{Index, Topology};
use moat_packets::AddrSet;
use std::net::IpAddr;

/// Where a route sends traffic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NextHop {
    /// Within the VNet.
    VnetLocal,
    /// To a directly peered VNet.
    Peering { vnet: String },
    /// To the VNet's gateway (or a remote gateway through gateway transit), towards on-premises.
    Gateway { gateway: String },
    /// To the internet (SNAT to the source's public address).
    Internet,
    /// To a network virtual appliance or Azure Firewall.
    VirtualAppliance { ip: IpAddr },
    /// To an Azure service through the subnet's service endpoint.
    ServiceEndpoint { service: String },
    /// Dropped.
    None,
}

impl std::fmt::Display for NextHop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NextHop::VnetLocal => f.write_str("VnetLocal"),
            NextHop::Peering { vnet } => write!(f, "VNet peering to {vnet}"),
            NextHop::Gateway { gateway } => write!(f, "VirtualNetworkGateway {gateway}"),
            NextHop::Internet => f.write_str("Internet"),
            NextHop::VirtualAppliance { ip } => write!(f, "VirtualAppliance {ip}"),
            NextHop::ServiceEndpoint { service } => {
                write!(f, "VirtualNetworkServiceEndpoint ({service})")
            }
            NextHop::None => f.write_str("None (dropped)"),
        }
    }
}

/// Where a route came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RouteSource {
    System,
    Gateway,
    User { table: String, route: String },
}

/// One effective route.
#[derive(Clone, Debug)]
pub struct Route {
    pub prefix: AddressPrefix,
    pub next_hop: NextHop,
    pub source: RouteSource,
    /// What the prefix covers.
    pub sure: AddrSet,
    pub maybe: AddrSet,
    /// Specificity for longest prefix match (tags rank as more specific than any CIDR they
    /// could contain is unknowable; they rank just below host routes).
    pub len: u8,
}

impl Route {
    fn rank(&self) -> (u8, u8) {
        let src = match self.source {
            RouteSource::User { .. } => 2,
            RouteSource::Gateway => 1,
            RouteSource::System => 0,
        };
        (self.len, src)
    }

    /// A readable name for the trace.
    pub fn describe(&self) -> String {
        match &self.source {
            RouteSource::System => format!("system route {} -> {}", self.prefix, self.next_hop),
            RouteSource::Gateway => format!("gateway route {} -> {}", self.prefix, self.next_hop),
            RouteSource::User { table, route } => format!(
                "route {route} of {table}: {} -> {}",
                self.prefix, self.next_hop
            ),
        }
    }
}

/// Whether two VNets are connected by a peering declared on both sides.
pub fn peered(t: &Topology, ix: &Index, a: &str, b: &str) -> bool {
    let side = |x: &str, y: &str| {
        ix.virtual_networks.get(x).is_some_and(|&i| {
            t.virtual_networks[i]
                .peerings
                .iter()
                .any(|p| p.remote_vnet == y && p.allow_virtual_network_access)
        })
    };
    side(a, b) && side(b, a)
}

/// Whether traffic flows between VNets `a` and `b` by the VNet alone: one VNet, or peered both
/// ways. `Err(what is needed)` when the input leaves it open: a VNet known only through an
/// unknown reference may be the other one, and the peerings of a VNet the input does not
/// declare are unknown.
pub fn joined(t: &Topology, ix: &Index, a: &str, b: &str) -> Result<bool, String> {
    if moat_model::external::same_vnet(t, a, b)? || peered(t, ix, a, b) {
        return Ok(true);
    }
    for v in [a, b] {
        if let Some(u) = t.is_unknown(&format!("vnet/{v}"), "peerings") {
            return Err(u.need());
        }
    }
    Ok(false)
}

/// On-premises prefixes a VNet's gateway knows, with the gateway's name.
pub fn gateway_prefixes(t: &Topology, gateway: &str) -> Vec<ipnet::IpNet> {
    let mut out = Vec::new();
    for c in t
        .connections
        .iter()
        .filter(|c| c.virtual_network_gateway == gateway)
    {
        if let Some(l) = &c.local_network_gateway
            && let Some(lng) = t.local_network_gateways.iter().find(|g| &g.name == l)
        {
            out.extend(lng.address_prefixes.iter().copied());
        }
        out.extend(c.remote_address_prefixes.iter().copied());
    }
    if let Some(g) = t
        .virtual_network_gateways
        .iter()
        .find(|g| g.name == gateway)
    {
        out.extend(g.vpn_client_address_pool.iter().copied());
    }
    out
}

/// The gateway a VNet's traffic to on-premises uses: its own, or a peer's through gateway
/// transit (`use_remote_gateways` here, `allow_gateway_transit` there).
pub fn gateway_for(t: &Topology, ix: &Index, vnet: &str) -> Option<String> {
    if let Some(g) = t.virtual_network_gateways.iter().find(|g| g.vnet == vnet) {
        return Some(g.name.clone());
    }
    let v = &t.virtual_networks[*ix.virtual_networks.get(vnet)?];
    for p in v.peerings.iter().filter(|p| p.use_remote_gateways) {
        let remote = &t.virtual_networks[*ix.virtual_networks.get(&p.remote_vnet)?];
        let transit = remote
            .peerings
            .iter()
            .any(|q| q.remote_vnet == vnet && q.allow_gateway_transit);
        if transit
            && peered(t, ix, vnet, &p.remote_vnet)
            && let Some(g) = t
                .virtual_network_gateways
                .iter()
                .find(|g| g.vnet == remote.name)
        {
            return Some(g.name.clone());
        }
    }
    None
}

/// The `VirtualNetwork` service tag as seen from a VNet: its space, its peers', the
/// on-premises ranges of its gateway, the host's virtual IP (168.63.129.16), and the prefixes
/// of the user-defined routes on its subnets. Returns what the tag surely holds and what it
/// perhaps holds: Azure documents that it "might also contain default routes".
pub fn virtual_network_tag(t: &Topology, ix: &Index, vnet: &str) -> (AddrSet, AddrSet) {
    let Some(&vi) = ix.virtual_networks.get(vnet) else {
        return (AddrSet::none(), AddrSet::none());
    };
    let v = &t.virtual_networks[vi];
    let mut set = AddrSet::from_nets(v.address_space.iter().copied());
    // A VNet the input does not declare has an address space, peerings and gateways it does
    // not give, and so has a peer it does not declare: any address may be in the tag (the
    // prefixes of its known subnets surely are), but the service addresses moat places in its
    // own synthetic range.
    let open = v.external
        || v.peerings.iter().any(|p| {
            ix.virtual_networks
                .get(&p.remote_vnet)
                .is_none_or(|&ri| t.virtual_networks[ri].external)
        });
    if v.external {
        for s in &v.subnets {
            set = set.union(&AddrSet::from_nets(s.prefixes()));
        }
    }
    for p in &v.peerings {
        if peered(t, ix, vnet, &p.remote_vnet)
            && let Some(&ri) = ix.virtual_networks.get(&p.remote_vnet)
        {
            set = set.union(&AddrSet::from_nets(
                t.virtual_networks[ri].address_space.iter().copied(),
            ));
        }
    }
    if let Some(g) = gateway_for(t, ix, vnet) {
        set = set.union(&AddrSet::from_nets(gateway_prefixes(t, &g)));
    }
    set = set.union(&AddrSet::net("168.63.129.16/32".parse().expect("prefix")));
    let mut maybe = if open {
        AddrSet::any().difference(&crate::space::Space::synthetic_all())
    } else {
        AddrSet::none()
    };
    let tables: std::collections::BTreeSet<&String> = v
        .subnets
        .iter()
        .filter_map(|s| s.route_table.as_ref())
        .collect();
    for rt in tables
        .into_iter()
        .filter_map(|n| ix.route_tables.get(n))
        .map(|&i| &t.route_tables[i])
    {
        for r in &rt.routes {
            if let AddressPrefix::Net(n) = r.address_prefix {
                if n.prefix_len() == 0 {
                    maybe = maybe.union(&AddrSet::net(n));
                } else {
                    set = set.union(&AddrSet::net(n));
                }
            }
        }
    }
    (set, maybe)
}

/// The effective routes of a subnet (`vnet/subnet`), most specific first.
pub fn effective_routes(t: &Topology, ix: &Index, space: &Space, subnet: &str) -> Vec<Route> {
    let Some(&(vi, si)) = ix.subnets.get(subnet) else {
        return Vec::new();
    };
    let v = &t.virtual_networks[vi];
    let s = &v.subnets[si];
    let (virtual_network, virtual_network_maybe) = virtual_network_tag(t, ix, &v.name);
    let ctx = PrefixContext {
        virtual_network,
        virtual_network_maybe,
    };
    let mut routes = Vec::new();
    let push =
        |prefix: AddressPrefix, next_hop: NextHop, source: RouteSource, routes: &mut Vec<Route>| {
            let c = space.cover(&prefix, &ctx);
            let len = match &prefix {
                AddressPrefix::Net(n) => n.prefix_len(),
                AddressPrefix::Any => 0,
                AddressPrefix::Tag(_) => 1,
            };
            routes.push(Route {
                prefix,
                next_hop,
                source,
                sure: c.sure,
                maybe: c.maybe,
                len,
            });
        };
    for a in &v.address_space {
        push(
            AddressPrefix::Net(*a),
            NextHop::VnetLocal,
            RouteSource::System,
            &mut routes,
        );
    }
    for p in &v.peerings {
        if peered(t, ix, &v.name, &p.remote_vnet)
            && let Some(&ri) = ix.virtual_networks.get(&p.remote_vnet)
        {
            for a in &t.virtual_networks[ri].address_space {
                push(
                    AddressPrefix::Net(*a),
                    NextHop::Peering {
                        vnet: p.remote_vnet.clone(),
                    },
                    RouteSource::System,
                    &mut routes,
                );
            }
        }
    }
    let table = s
        .route_table
        .as_ref()
        .and_then(|n| ix.route_tables.get(n))
        .map(|&i| &t.route_tables[i]);
    let propagate = table.is_none_or(|rt| !rt.disable_bgp_route_propagation);
    if propagate && let Some(g) = gateway_for(t, ix, &v.name) {
        for p in gateway_prefixes(t, &g) {
            push(
                AddressPrefix::Net(p),
                NextHop::Gateway { gateway: g.clone() },
                RouteSource::Gateway,
                &mut routes,
            );
        }
    }
    for se in &s.service_endpoints {
        let base = match se.to_ascii_lowercase().as_str() {
            "microsoft.storage" | "microsoft.storage.global" => "Storage",
            "microsoft.keyvault" => "AzureKeyVault",
            "microsoft.containerregistry" => "AzureContainerRegistry",
            _ => continue,
        };
        // A service endpoint serves the service in the VNet's region (storage: also its pair).
        let tag = v
            .region
            .as_deref()
            .and_then(|r| space.catalog().regional_name(base, r))
            .unwrap_or_else(|| base.to_string());
        push(
            AddressPrefix::Tag(tag),
            NextHop::ServiceEndpoint {
                service: se.clone(),
            },
            RouteSource::System,
            &mut routes,
        );
    }
    // Whether the internet is actually reachable (public IP, NAT, default outbound access) is
    // decided where traffic leaves, not by the route.
    push(
        AddressPrefix::Net("0.0.0.0/0".parse().expect("prefix")),
        NextHop::Internet,
        RouteSource::System,
        &mut routes,
    );
    if let Some(rt) = table {
        for r in &rt.routes {
            let hop = match r.next_hop_type {
                NextHopType::VnetLocal => NextHop::VnetLocal,
                NextHopType::Internet => NextHop::Internet,
                NextHopType::None => NextHop::None,
                NextHopType::VirtualNetworkGateway => match gateway_for(t, ix, &v.name) {
                    Some(g) => NextHop::Gateway { gateway: g },
                    None => NextHop::None,
                },
                NextHopType::VirtualAppliance => match r.next_hop_ip_address {
                    Some(ip) => NextHop::VirtualAppliance { ip },
                    None => NextHop::None,
                },
            };
            push(
                r.address_prefix.clone(),
                hop,
                RouteSource::User {
                    table: rt.name.clone(),
                    route: r.name.clone(),
                },
                &mut routes,
            );
        }
    }
    routes.sort_by_key(|r| std::cmp::Reverse(r.rank()));
    routes
}

/// The route a destination takes.
#[derive(Clone, Debug)]
pub enum Lookup<'r> {
    /// One route surely carries every address of the destination.
    Route(&'r Route),
    /// Which route applies depends on addresses the model cannot pin down.
    Unknown { candidates: Vec<&'r Route> },
    /// No route (cannot happen with the system default route present).
    NoRoute,
}

/// Longest prefix match of a destination address set over effective routes. Service endpoint
/// routes win for the service they serve (Azure prefers them even over more specific routes).
pub fn lookup<'r>(routes: &'r [Route], dst: &AddrSet) -> Lookup<'r> {
    if let Some(se) = routes
        .iter()
        .find(|r| matches!(r.next_hop, NextHop::ServiceEndpoint { .. }) && dst.is_subset(&r.sure))
    {
        return Lookup::Route(se);
    }
    let mut remaining = dst.clone();
    let mut hits: Vec<&Route> = Vec::new();
    for r in routes {
        if remaining.is_empty() {
            break;
        }
        if matches!(r.next_hop, NextHop::ServiceEndpoint { .. }) {
            continue;
        }
        if remaining.intersects(&r.maybe) && !remaining.is_subset(&r.sure) {
            hits.push(r);
            return Lookup::Unknown { candidates: hits };
        }
        if remaining.intersects(&r.sure) {
            hits.push(r);
            remaining = remaining.difference(&r.sure);
        }
    }
    match hits.len() {
        0 => Lookup::NoRoute,
        1 => Lookup::Route(hits[0]),
        _ if hits.iter().all(|h| h.next_hop == hits[0].next_hop) => Lookup::Route(hits[0]),
        _ => Lookup::Unknown { candidates: hits },
    }
}

/// Where routing sends each address of a set of hosts, as [`lookup`] decides for each alone.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HostRoutes {
    /// The hosts whose route goes to the internet or is dropped, and those with no route.
    pub dropped: AddrSet,
    /// By appliance address, the hosts whose route goes to that virtual appliance.
    pub appliances: Vec<(IpAddr, AddrSet)>,
}

/// [`lookup`] of every address of `hosts` as a host of its own, worked out over the set at
/// once: a sweep asks it of thousands of endpoints from every source. Hosts whose route is
/// unknown, or goes anywhere else (the VNet, a peering, a gateway, a service endpoint), are in
/// neither part.
pub fn route_hosts(routes: &[Route], hosts: &AddrSet) -> HostRoutes {
    let mut rest = hosts.clone();
    // A service endpoint route takes every host it surely covers, before any other.
    for r in routes {
        if matches!(r.next_hop, NextHop::ServiceEndpoint { .. }) {
            rest = rest.difference(&r.sure);
        }
    }
    let mut out = HostRoutes::default();
    for r in routes {
        if rest.is_empty() {
            break;
        }
        if matches!(r.next_hop, NextHop::ServiceEndpoint { .. })
            || !(rest.intersects(&r.maybe) || rest.intersects(&r.sure))
        {
            continue;
        }
        // A host this route may cover but does not surely cover has an unknown route; one it
        // surely covers takes it. Either way the host's lookup ends here.
        let taken = rest.intersect(&r.sure);
        rest = rest.difference(&r.maybe).difference(&taken);
        match r.next_hop {
            NextHop::Internet | NextHop::None => out.dropped = out.dropped.union(&taken),
            NextHop::VirtualAppliance { ip } => {
                match out.appliances.iter_mut().find(|(a, _)| *a == ip) {
                    Some((_, s)) => *s = s.union(&taken),
                    None if !taken.is_empty() => out.appliances.push((ip, taken)),
                    None => {}
                }
            }
            _ => {}
        }
    }
    out.dropped = out.dropped.union(&rest);
    out
}
