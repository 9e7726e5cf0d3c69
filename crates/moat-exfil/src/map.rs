//! The exfiltration map: for every place data lives or runs, every destination outside the
//! deployment it can reach.

use crate::classes::{Scope, place_l4, subnet_sources};
use crate::dest::{Access, Category, Control, Dest, destinations};
use crate::probe::Oracle;
use crate::reach::{Context, Reach, Source, reach};
use moat_engine::Verdict;
use moat_model::address::{Address, Kind};
use moat_packets::{AddrSet, L4Set};
use serde::Serialize;

/// What kind of place data lives or runs in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PlaceKind {
    /// A subnet holding computes or AKS clusters.
    ComputeSubnet,
    /// A workspace managed network (its computes and online deployments).
    ManagedNetwork,
    /// Online deployments isolated the legacy way (their own managed VNet).
    OnlineDeployment,
    /// The workspace or registry service acting with its identity.
    Service,
    /// A place the input leaves open, as the engine leaves it
    /// ([`moat_engine::Engine::open_place`]): a compute or online deployment of a project
    /// whose hub the input does not declare, a VM whose network interfaces it leaves open.
    /// Where its packets leave, and so every destination, is unknown.
    Open,
}

/// A place, ready to trace from.
#[derive(Clone, Debug)]
pub struct PlaceSpec {
    /// How reports and invariants name it (`subnet/spoke-vnet/training`,
    /// `managed-network/ws`, `online-endpoint/ep`, `workspace/ws`).
    pub id: String,
    pub kind: PlaceKind,
    pub label: String,
    pub region: Option<String>,
    /// The workspace whose managed network it is.
    pub managed: Option<String>,
    pub sources: Vec<Source>,
    pub l4: Vec<L4Set>,
    pub node_public_ip: bool,
}

/// The region of a subnet's VNet.
fn vnet_region(o: &Oracle, subnet: &str) -> Option<String> {
    let vnet = subnet.split('/').next()?;
    o.e.ix
        .virtual_networks
        .get(vnet)
        .and_then(|&i| o.e.t.virtual_networks[i].region.clone())
        .or_else(|| o.e.t.region.clone())
}

fn ws_region(o: &Oracle, ws: &str) -> Option<String> {
    o.e.ix
        .workspaces
        .get(ws)
        .and_then(|&i| o.e.t.workspaces[i].region.clone())
        .or_else(|| o.e.t.region.clone())
}

/// A subnet place, traced from `from` (the subnet, or a compute in it whose nodes have public
/// IPs the subnet alone would not show).
pub fn subnet_place(o: &Oracle, subnet: &str, from: Address, label: String) -> PlaceSpec {
    let t = o.e.t;
    let node_public_ip = t
        .computes
        .iter()
        .any(|c| c.subnet.as_deref() == Some(subnet) && c.enable_node_public_ip);
    let classes = subnet_sources(o.e, subnet, &o.shared().source_cuts);
    let sources = if classes.len() <= 1 {
        vec![Source { from, class: None }]
    } else {
        classes
            .into_iter()
            .filter_map(|c| {
                AddrSet::min(&c).map(|ip| Source {
                    from: Address::Ip(ip),
                    class: Some(c),
                })
            })
            .collect()
    };
    PlaceSpec {
        id: format!("subnet/{subnet}"),
        kind: PlaceKind::ComputeSubnet,
        label,
        region: vnet_region(o, subnet),
        managed: None,
        sources,
        l4: place_l4(o.e, &Scope::Subnet(subnet)),
        node_public_ip,
    }
}

/// The region of the workspace a compute or online endpoint belongs to, else the
/// deployment's.
fn owner_region(o: &Oracle, a: &Address) -> Option<String> {
    let t = o.e.t;
    let ix = &o.e.ix;
    let ws = match a {
        Address::Resource {
            kind: Kind::Compute,
            name,
            ..
        } => ix
            .computes
            .get(name)
            .map(|&i| t.computes[i].workspace.as_str()),
        Address::Resource {
            kind: Kind::OnlineEndpoint,
            name,
            ..
        } => ix
            .online_endpoints
            .get(name)
            .map(|&i| t.online_endpoints[i].workspace.as_str()),
        _ => None,
    };
    match ws {
        Some(ws) => ws_region(o, ws),
        None => t.region.clone(),
    }
}

/// The place of `from` when the engine leaves it open ([`moat_engine::Engine::open_place`],
/// the one definition of such places): traced as any other, each flow from it is unknown
/// with what it needs. No rule of the deployment splits its packets, so one class of every
/// transport stands for them.
pub fn open_spec(o: &Oracle, id: String, from: &Address) -> Option<PlaceSpec> {
    let (label, ..) = o.e.open_place(from)?;
    Some(PlaceSpec {
        id,
        kind: PlaceKind::Open,
        label,
        region: owner_region(o, from),
        managed: None,
        sources: vec![Source {
            from: from.clone(),
            class: None,
        }],
        l4: vec![L4Set::any()],
        node_public_ip: false,
    })
}

/// Every place data lives or runs in.
pub fn places(o: &Oracle) -> Vec<PlaceSpec> {
    let t = o.e.t;
    let mut out = Vec::new();
    for subnet in moat_engine::sweep::compute_subnets(o.e) {
        let holders: Vec<String> = t
            .computes
            .iter()
            .filter(|c| c.subnet.as_deref() == Some(subnet.as_str()))
            .map(|c| c.name.clone())
            .chain(
                t.aks_clusters
                    .iter()
                    .filter(|a| a.subnet.as_deref() == Some(subnet.as_str()))
                    .map(|a| a.name.clone()),
            )
            .collect();
        let public = t
            .computes
            .iter()
            .find(|c| c.subnet.as_deref() == Some(subnet.as_str()) && c.enable_node_public_ip);
        let from = match public {
            Some(c) => Address::resource(Kind::Compute, &c.name),
            None => {
                let (v, s) = subnet.split_once('/').unwrap_or((subnet.as_str(), ""));
                Address::Subnet {
                    vnet: v.into(),
                    subnet: s.into(),
                }
            }
        };
        let label = format!("subnet {subnet} ({})", holders.join(", "));
        out.push(subnet_place(o, &subnet, from, label));
    }
    for (ws, compute, _) in &o.stand_ins.managed_computes {
        let mut runs: Vec<String> = t
            .computes
            .iter()
            .filter(|c| &c.workspace == ws && c.subnet.is_none())
            .filter(|c| !o.is_stand_in(&Address::resource(Kind::Compute, &c.name)))
            .map(|c| c.name.clone())
            .collect();
        runs.extend(
            t.online_endpoints
                .iter()
                .filter(|e| &e.workspace == ws)
                .map(|e| format!("online endpoint {}", e.name)),
        );
        let mode =
            o.e.ix
                .workspaces
                .get(ws)
                .map(|&i| format!("{:?}", t.workspaces[i].managed_network.isolation_mode))
                .unwrap_or_default();
        out.push(PlaceSpec {
            id: format!("managed-network/{ws}"),
            kind: PlaceKind::ManagedNetwork,
            label: if runs.is_empty() {
                format!("managed network of {ws} ({mode})")
            } else {
                format!("managed network of {ws} ({mode}: {})", runs.join(", "))
            },
            region: ws_region(o, ws),
            managed: Some(ws.clone()),
            sources: vec![Source {
                from: Address::resource(Kind::Compute, compute),
                class: None,
            }],
            l4: place_l4(o.e, &Scope::Managed(ws)),
            node_public_ip: false,
        });
    }
    // Computes outside any subnet that the engine leaves open (a project's, whose hub the
    // input does not declare): not in a managed network of the deployment, nor absent.
    for c in t.computes.iter().filter(|c| c.subnet.is_none()) {
        let addr = Address::resource(Kind::Compute, &c.name);
        out.extend(open_spec(o, addr.to_string(), &addr));
    }
    for ep in &t.online_endpoints {
        let addr = Address::resource(Kind::OnlineEndpoint, &ep.name);
        if let Some(p) = open_spec(o, format!("online-endpoint/{}", ep.name), &addr) {
            out.push(p);
        } else if matches!(
            o.e.place(&addr),
            Ok(moat_engine::place::Place::LegacyDeployment { .. })
        ) {
            out.push(PlaceSpec {
                id: format!("online-endpoint/{}", ep.name),
                kind: PlaceKind::OnlineDeployment,
                label: format!(
                    "deployments of online endpoint {} (legacy isolation)",
                    ep.name
                ),
                region: ws_region(o, &ep.workspace),
                managed: None,
                sources: vec![Source {
                    from: addr,
                    class: None,
                }],
                l4: place_l4(o.e, &Scope::Platform),
                node_public_ip: false,
            });
        }
    }
    for w in t.workspaces.iter().filter(|w| w.hub.is_none()) {
        out.push(service_place(o, Kind::Workspace, &w.name, w.region.clone()));
    }
    for r in &t.registries {
        if o.is_stand_in(&Address::resource(Kind::Registry, &r.name)) {
            continue;
        }
        out.push(service_place(o, Kind::Registry, &r.name, r.region.clone()));
    }
    out
}

fn service_place(o: &Oracle, kind: Kind, name: &str, region: Option<String>) -> PlaceSpec {
    PlaceSpec {
        id: format!("{kind}/{name}"),
        kind: PlaceKind::Service,
        label: format!("the Azure ML service acting as {kind} {name}"),
        region: region.or_else(|| o.e.t.region.clone()),
        managed: None,
        sources: vec![Source {
            from: Address::resource(kind, name),
            class: None,
        }],
        l4: place_l4(o.e, &Scope::Platform),
        node_public_ip: false,
    }
}

/// One row of the map: a destination and what the place reaches of it.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    #[serde(flatten)]
    pub dest: Dest,
    #[serde(flatten)]
    pub reach: Reach,
}

/// How open a category is from a place.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Openness {
    /// Any destination of the category is reachable.
    Open,
    /// Only destinations the rules name are reachable.
    Narrowed,
    /// Nothing of it is reachable.
    Closed,
    /// The model cannot decide.
    Unknown,
    /// Reachable (or undecided) only by Azure ML acting with its identity, which the
    /// deployment's network does not carry ([`Control::BeyondNetwork`]): not an opening of
    /// the deployment's, and nothing its network can close.
    BeyondNetwork,
}

/// A category as seen from a place.
#[derive(Clone, Debug, Serialize)]
pub struct CategorySummary {
    pub category: Category,
    pub openness: Openness,
    /// The read/write members the deployment's network lets through (what data could leave
    /// through).
    pub read_write_open: usize,
}

/// A place and every destination outside the deployment it can reach.
#[derive(Clone, Debug, Serialize)]
pub struct PlaceMap {
    pub place: String,
    pub kind: PlaceKind,
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// How the place's packets were split: source classes × transport classes.
    pub source_classes: usize,
    pub transport_classes: usize,
    pub summary: Vec<CategorySummary>,
    pub destinations: Vec<Row>,
}

/// The whole map.
#[derive(Clone, Debug, Serialize)]
pub struct ExfilMap {
    pub places: Vec<PlaceMap>,
    /// Traces run to build it.
    pub traces: u64,
}

impl Row {
    /// Whether the deployment's network lets data out here: a destination not documented as
    /// read-only that the network does not surely deny.
    pub fn opened_by_network(&self) -> bool {
        self.dest.control == Control::Network
            && self.dest.access != Access::ReadOnly
            && self.reach.verdict != Verdict::Denied
    }

    /// Whether data may leave here by a way the deployment's network does not govern.
    pub fn beyond_network(&self) -> bool {
        self.dest.control == Control::BeyondNetwork
            && self.dest.access != Access::ReadOnly
            && self.reach.verdict != Verdict::Denied
    }
}

impl ExfilMap {
    /// Whether any place's network lets data out: a read/write (or unclassified) destination
    /// reachable or undecided through the deployment's network. What Azure ML reaches acting
    /// with its identity is not counted: the network neither opens nor can close it.
    pub fn read_write_exposed(&self) -> bool {
        self.places
            .iter()
            .any(|p| p.destinations.iter().any(Row::opened_by_network))
    }
}

/// The destinations of a place. They depend only on its region, its managed network and
/// whether it is a service, which most places of an estate share: computed once per key.
pub fn place_destinations(o: &Oracle, p: &PlaceSpec) -> Vec<Dest> {
    let key = (
        p.region.clone(),
        p.managed.clone(),
        p.kind == PlaceKind::Service,
    );
    if let Some(d) = o.destinations.borrow().get(&key) {
        return d.clone();
    }
    let d = destinations(
        o.e.t,
        o.shared(),
        &o.stand_ins,
        p.region.as_deref(),
        p.managed.as_deref(),
        p.kind == PlaceKind::Service,
    );
    o.destinations.borrow_mut().insert(key, d.clone());
    d
}

/// The map of one place.
pub fn map_place(o: &Oracle, p: &PlaceSpec) -> PlaceMap {
    let cx = Context {
        sources: &p.sources,
        l4: &p.l4,
        node_public_ip: p.node_public_ip,
    };
    let mut dests = place_destinations(o, p);
    dests.sort_by_key(|d| (d.category, !d.whole));
    let rows: Vec<Row> = dests
        .into_iter()
        .map(|dest| {
            let reach = reach(o, &cx, &dest.to, None);
            Row { dest, reach }
        })
        .collect();
    let summary = Category::ALL
        .iter()
        .filter_map(|&c| {
            let of: Vec<&Row> = rows.iter().filter(|r| r.dest.category == c).collect();
            if of.is_empty() {
                return None;
            }
            let whole = |v: Verdict| of.iter().any(|r| r.dest.whole && r.reach.verdict == v);
            let any = |v: Verdict| of.iter().any(|r| r.reach.verdict == v);
            let beyond = of.iter().all(|r| r.dest.control == Control::BeyondNetwork);
            let openness = if beyond && !of.iter().all(|r| r.reach.verdict == Verdict::Denied) {
                Openness::BeyondNetwork
            } else if whole(Verdict::Allowed) {
                Openness::Open
            } else if whole(Verdict::Unknown) {
                Openness::Unknown
            } else if any(Verdict::Allowed) {
                Openness::Narrowed
            } else if any(Verdict::Unknown) {
                Openness::Unknown
            } else {
                Openness::Closed
            };
            Some(CategorySummary {
                category: c,
                openness,
                read_write_open: of
                    .iter()
                    .filter(|r| {
                        r.dest.control == Control::Network
                            && r.dest.access == Access::ReadWrite
                            && r.reach.verdict == Verdict::Allowed
                    })
                    .count(),
            })
        })
        .collect();
    PlaceMap {
        place: p.id.clone(),
        kind: p.kind,
        label: o.unname_text(&p.label),
        region: p.region.clone(),
        source_classes: p.sources.len(),
        transport_classes: p.l4.len(),
        summary,
        destinations: rows,
    }
}

/// The map of every place.
pub fn map(o: &Oracle) -> ExfilMap {
    let places = places(o).iter().map(|p| map_place(o, p)).collect();
    ExfilMap {
        places,
        traces: *o.traces.borrow(),
    }
}
