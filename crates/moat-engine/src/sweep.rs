//! Reachability sweeps: from every compute subnet to every private endpoint and service tag.
//!
//! An estate of thousands of subnets and endpoints has millions of pairs; tracing each would
//! be slow and mostly pointless. The sweep groups endpoints that no rule, route or subnet
//! boundary tells apart (atomic address classes, as atomic-predicate verifiers do), prunes the
//! groups a source's routes send nowhere (the internet, or a dropped route), and traces one
//! representative of each remaining group with the same engine `trace` uses. The verdicts are
//! therefore exactly the traces' verdicts; only the number of traces changes.

use crate::engine::Engine;
use crate::trace::{Query, Verdict, verdict};
use foldhash::{HashMap, HashSet};
use moat_model::address::Address;
use moat_model::enums::ConnectionState;
use moat_model::enums::Direction;
use moat_model::values::AddressPrefix;
use moat_net::filter::Decision;
use moat_net::routing::route_hosts;
use moat_packets::{AddrAtomiser, AddrSet, L4Set, PacketSet, Protocol};
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;

/// Totals of a sweep.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Matrix {
    pub sources: usize,
    pub endpoints: usize,
    pub tags: usize,
    /// Source × destination pairs decided.
    pub pairs: u64,
    pub allowed: u64,
    pub denied: u64,
    pub unknown: u64,
    /// Endpoint groups (endpoints no rule tells apart).
    pub groups: usize,
    /// Traces actually run.
    pub traces: u64,
}

/// A group of private endpoints that every rule treats alike.
struct Group {
    /// What a trace to the group asks for: its first endpoint's static address, or the
    /// endpoint itself when Azure assigns its address.
    representative: Address,
    /// The representative's static address (`None`: assigned by Azure).
    ip: Option<IpAddr>,
    /// The endpoints as traces ask for them, the representative first.
    members: Vec<Address>,
}

/// Groups the private endpoints of a topology by address class, subnet and connection state,
/// for a sweep from `sources`.
///
/// Two addresses share a class when every set of addresses a rule, route, firewall rule,
/// address space or tag covers holds both or neither. Each set is its own label, or addresses
/// inside one and outside another would share a class that a rule tells apart. The sets
/// routing decides by are taken from the sources' effective routes and the VNets' tags as the
/// engine works them out (a gateway's on-premises prefixes, a peer's space, a tag route's
/// addresses, what an open value may cover).
fn endpoint_groups(e: &Engine, sources: &[String]) -> Vec<Group> {
    let t = e.t;
    let mut atoms: AddrAtomiser<AddrSet> = AddrAtomiser::new();
    let mut seen: HashSet<AddrSet> = HashSet::default();
    let mut label = |set: AddrSet| {
        if !set.is_empty() && !seen.contains(&set) {
            atoms.add_set(set.clone(), &set);
            seen.insert(set);
        }
    };
    let net = |p: &AddressPrefix| match p {
        AddressPrefix::Net(n) => AddrSet::net(n.trunc()),
        _ => AddrSet::none(),
    };
    // A network rule naming a destination by FQDN matches what that name resolves to, which
    // may be one endpoint's address: then each endpoint is a class of its own.
    let mut by_name = false;
    for n in &t.network_security_groups {
        for r in &n.rules {
            r.source
                .iter()
                .chain(&r.destination)
                .for_each(|p| label(net(p)));
        }
    }
    for rt in &t.route_tables {
        rt.routes.iter().for_each(|r| label(net(&r.address_prefix)));
    }
    let rules = t
        .firewalls
        .iter()
        .flat_map(|f| &f.network_rule_collections)
        .chain(
            t.firewall_policies
                .iter()
                .flat_map(|p| &p.rule_collection_groups)
                .flat_map(|g| &g.network_rule_collections),
        )
        .flat_map(|c| &c.rules);
    for r in rules {
        r.destination_addresses.iter().for_each(|p| label(net(p)));
        by_name |= !r.destination_fqdns.is_empty();
    }
    for v in &t.virtual_networks {
        v.address_space
            .iter()
            .for_each(|a| label(AddrSet::net(a.trunc())));
        for s in &v.subnets {
            s.prefixes().for_each(|p| label(AddrSet::net(p.trunc())));
        }
        let (sure, maybe) = e.vnet_tag(&v.name);
        label(sure);
        label(maybe);
    }
    for s in sources {
        for r in e.routes(s).iter() {
            label(r.sure.clone());
            label(r.maybe.clone());
        }
    }
    if by_name {
        for pe in &t.private_endpoints {
            if let Some(moat_model::PrivateIp::Static(ip)) =
                t.endpoint_address(e.dns.addressing(), pe)
            {
                label(AddrSet::host(ip));
            }
        }
    }
    let atoms = atoms.build();
    // Endpoints whose address Azure assigns in one subnet may each have any free address
    // of it: no rule tells them apart (class `None`).
    let mut groups: BTreeMap<(Option<u32>, String, bool), Group> = BTreeMap::new();
    for pe in &t.private_endpoints {
        let (class, ip, to) = match t.endpoint_address(e.dns.addressing(), pe) {
            Some(moat_model::PrivateIp::Static(ip)) => {
                (Some(atoms.class_of(ip)), Some(ip), Address::Ip(ip))
            }
            Some(moat_model::PrivateIp::Dynamic(_)) => (
                None,
                None,
                Address::resource(moat_model::Kind::PrivateEndpoint, &pe.name),
            ),
            None => continue,
        };
        let key = (
            class,
            pe.subnet.clone(),
            pe.connection_state == ConnectionState::Approved,
        );
        groups
            .entry(key)
            .or_insert(Group {
                representative: to.clone(),
                ip,
                members: Vec::new(),
            })
            .members
            .push(to);
    }
    groups.into_values().collect()
}

/// Every subnet that holds a compute (instance, cluster) or an AKS cluster.
pub fn compute_subnets(e: &Engine) -> Vec<String> {
    let mut v: Vec<String> =
        e.t.computes
            .iter()
            .filter_map(|c| c.subnet.clone())
            .chain(e.t.aks_clusters.iter().filter_map(|a| a.subnet.clone()))
            .collect();
    v.sort();
    v.dedup();
    v
}

/// The addresses of `hosts` routing alone drops from a source whose effective routes are
/// `routes`: its route sends them to the internet or nowhere, or to a firewall whose own
/// routes do. What a firewall's routes drop is the same from every source: `beyond` keeps it
/// by firewall address, worked out once over `all` the endpoints (an estate's hub has many
/// routes, and every spoke asks about every endpoint).
fn undeliverable(
    e: &Engine,
    routes: &[moat_net::routing::Route],
    hosts: &AddrSet,
    all: &AddrSet,
    beyond: &mut Beyond,
) -> AddrSet {
    let parts = route_hosts(routes, hosts);
    let mut dropped = parts.dropped;
    for (fw_ip, via) in parts.appliances {
        let (past, fw_subnet) = beyond.entry(fw_ip).or_insert_with(|| {
            let Some(fw) =
                e.t.firewalls
                    .iter()
                    .find(|f| f.private_ip_address == Some(fw_ip))
            else {
                return (AddrSet::none(), None);
            };
            let fw_subnet = format!("{}/AzureFirewallSubnet", fw.vnet);
            let past = match e.subnet_at(&fw_subnet) {
                Some(_) => route_hosts(&e.routes(&fw_subnet), all).dropped,
                None => AddrSet::none(),
            };
            (past, Some(fw_subnet))
        });
        // Kept from another source, it is read again by this one: a record of what this
        // source read holds the firewall subnet's routes too.
        if let Some(s) = fw_subnet {
            e.subnet_at(s);
            e.routes(s);
        }
        dropped = dropped.union(&via.intersect(past));
    }
    dropped
}

/// What a firewall's routes drop of every endpoint, by firewall address, and the firewall's
/// subnet they were read from.
type Beyond = HashMap<IpAddr, (AddrSet, Option<String>)>;

/// What a sweep of one deployment traced: for every source, the verdict of every question it
/// asked the engine and the keys of what that trace read ([`crate::reads`]). A sweep of a
/// changed deployment takes a verdict from here instead of tracing when the question is the
/// same and its trace read nothing the change touched (see [`Memo::Reuse`]).
#[derive(Debug, Default)]
pub struct Recorded {
    /// The mode the traces ran in: strict mode gives other answers.
    strict: bool,
    /// By source subnet (`vnet/subnet`), by destination.
    rows: HashMap<String, Row>,
    /// The groups (representative, members) and tags the rows were worked out for.
    shape: Vec<(Address, Vec<Address>)>,
    tags: Vec<String>,
    /// By source subnet, its whole row: what working it out read (the source's NSG and
    /// routes, the firewalls' routes, every trace) and its verdicts by group and by tag.
    whole: HashMap<String, Whole>,
    /// The sets of reads, each kept once (most traces of a row read the same things).
    sets: HashSet<Arc<[u64]>>,
}

/// A source's whole row, as recorded.
#[derive(Debug)]
struct Whole {
    keys: Arc<[u64]>,
    groups: Vec<Verdict>,
    tags: Vec<Verdict>,
}

/// A source's recorded traces: by destination, the verdict and what the trace read.
type Row = HashMap<Address, (Verdict, Arc<[u64]>)>;

/// What a sweep does with recorded verdicts.
pub enum Memo<'a> {
    /// Traces every question.
    Off,
    /// Traces every question and records its verdict and reads.
    Record(&'a mut Recorded),
    /// Takes the verdict `base` recorded for the same question when its trace read no key of
    /// `touched`: what the trace read is the same on both sides, so is its verdict. Every
    /// other question is traced.
    Reuse {
        base: &'a Recorded,
        touched: &'a HashSet<u64>,
    },
}

impl Memo<'_> {
    /// The verdict of a question of the sweep, traced or taken from the record; whether it
    /// was traced.
    fn verdict(&mut self, e: &Engine, source: &str, q: &Query) -> (Verdict, bool) {
        let run = || verdict(e, q).unwrap_or(Verdict::Unknown);
        match self {
            Memo::Off => (run(), true),
            Memo::Record(r) => {
                let (v, keys) = e.recording(run);
                let keys: Arc<[u64]> = match r.sets.get(keys.as_slice()) {
                    Some(k) => k.clone(),
                    None => {
                        let k: Arc<[u64]> = keys.into();
                        r.sets.insert(k.clone());
                        k
                    }
                };
                // A row asks many questions: its source is copied once, for the first.
                if !r.rows.contains_key(source) {
                    r.rows.insert(source.to_string(), Row::default());
                }
                if let Some(row) = r.rows.get_mut(source) {
                    row.insert(q.to.clone(), (v, keys));
                }
                (v, true)
            }
            Memo::Reuse { base, touched } => {
                let kept = (base.strict == e.strict)
                    .then(|| base.rows.get(source)?.get(&q.to))
                    .flatten()
                    .filter(|(_, keys)| !keys.iter().any(|k| touched.contains(k)));
                match kept {
                    Some((v, _)) => (*v, false),
                    None => (run(), true),
                }
            }
        }
    }
}

/// The reachability matrix from `sources` (subnets `vnet/subnet`) to every private endpoint
/// and to each of `tags`, on TCP 443.
pub fn matrix(e: &Engine, sources: &[String], tags: &[String]) -> Matrix {
    sweep(e, sources, tags, |_, _, _| {})
}

/// [`matrix`], also handing every pair's verdict to `visit` (source subnet, destination: the
/// endpoint's address or the tag, verdict), sources in order, endpoints grouped.
pub fn sweep(
    e: &Engine,
    sources: &[String],
    tags: &[String],
    mut visit: impl FnMut(&str, &Address, Verdict),
) -> Matrix {
    sweep_with(e, sources, tags, Memo::Off, |c, v| visit(c.name, c.to, v))
}

/// Where a verdict of the sweep belongs. Every source's row has the same columns in the same
/// order (the endpoints group by group, then the tags), so a caller keeping a matrix finds a
/// cell by the two indexes, without comparing names: an estate's sweep hands over millions.
#[derive(Clone, Copy, Debug)]
pub struct Cell<'a> {
    /// The source's index in `sources`, and its name (`vnet/subnet`).
    pub source: usize,
    pub name: &'a str,
    /// The destination's column, and its address (the endpoint's, or the tag).
    pub column: usize,
    pub to: &'a Address,
}

/// [`sweep`], with `memo` recording the traces' verdicts or taking recorded ones, handing each
/// verdict over with its [`Cell`]. Only the traces change: the groups, and what the source's
/// NSG and routes decide without a trace, are worked out on this deployment as [`sweep`]
/// does, so the verdicts are [`sweep`]'s.
pub fn sweep_with(
    e: &Engine,
    sources: &[String],
    tags: &[String],
    mut memo: Memo,
    mut visit: impl FnMut(Cell, Verdict),
) -> Matrix {
    let groups = endpoint_groups(e, sources);
    let endpoints: usize = groups.iter().map(|g| g.members.len()).sum();
    let mut m = Matrix {
        sources: sources.len(),
        endpoints,
        tags: tags.len(),
        groups: groups.len(),
        ..Matrix::default()
    };
    let count = |m: &mut Matrix, v: Verdict| {
        m.pairs += 1;
        match v {
            Verdict::Allowed => m.allowed += 1,
            Verdict::Denied => m.denied += 1,
            Verdict::Unknown => m.unknown += 1,
        }
    };
    let reps = AddrSet::from_nets(groups.iter().filter_map(|g| g.ip).map(ipnet::IpNet::from));
    let shape: Vec<(Address, Vec<Address>)> = groups
        .iter()
        .map(|g| (g.representative.clone(), g.members.clone()))
        .collect();
    // A whole row is taken from the record only when the groups and tags are the ones it was
    // worked out for: then the same steps give the same verdicts.
    let same_shape = match &memo {
        Memo::Reuse { base, .. } => {
            base.strict == e.strict && base.shape == shape && base.tags == tags
        }
        _ => false,
    };
    if let Memo::Record(r) = &mut memo {
        r.strict = e.strict;
        r.shape = shape;
        r.tags = tags.to_vec();
    }
    let mut beyond = HashMap::default();
    let tag_addresses: Vec<Address> = tags.iter().map(|t| Address::Tag(t.clone())).collect();
    for (i, s) in sources.iter().enumerate() {
        let kept = match &memo {
            Memo::Reuse { base, touched } if same_shape => base
                .whole
                .get(s)
                .filter(|w| !w.keys.iter().any(|k| touched.contains(k)))
                .map(|w| (w.groups.clone(), w.tags.clone())),
            _ => None,
        };
        let verdicts = match kept {
            Some(v) => Some(v),
            None if matches!(memo, Memo::Record(_)) => {
                let (v, keys) =
                    e.recording(|| row(e, s, &groups, &reps, tags, &mut memo, &mut beyond, &mut m));
                if let (Memo::Record(r), Some((g, t))) = (&mut memo, &v) {
                    let w = Whole {
                        keys: keys.into(),
                        groups: g.clone(),
                        tags: t.clone(),
                    };
                    r.whole.insert(s.clone(), w);
                }
                v
            }
            None => row(e, s, &groups, &reps, tags, &mut memo, &mut beyond, &mut m),
        };
        let Some((by_group, by_tag)) = verdicts else {
            continue;
        };
        let cell = |column, to| Cell {
            source: i,
            name: s,
            column,
            to,
        };
        let members = groups
            .iter()
            .zip(&by_group)
            .flat_map(|(g, &v)| g.members.iter().map(move |member| (member, v)));
        let tagged = tag_addresses.iter().zip(by_tag.iter().copied());
        for (column, (to, v)) in members.chain(tagged).enumerate() {
            count(&mut m, v);
            visit(cell(column, to), v);
        }
    }
    m
}

/// The verdicts of one source's row, by group and by tag; `None` for a source that is no
/// subnet of the model.
#[allow(clippy::too_many_arguments)]
fn row(
    e: &Engine,
    s: &str,
    groups: &[Group],
    reps: &AddrSet,
    tags: &[String],
    memo: &mut Memo,
    beyond: &mut Beyond,
    m: &mut Matrix,
) -> Option<(Vec<Verdict>, Vec<Verdict>)> {
    let (vnet, subnet) = s.split_once('/')?;
    let from = Address::Subnet {
        vnet: vnet.into(),
        subnet: subnet.into(),
    };
    let routes = e.routes(s);
    let (vi, si) = e.subnet_at(s)?;
    let src = AddrSet::from_nets(e.t.virtual_networks[vi].subnets[si].prefixes());
    // The source's outbound NSG, once for every endpoint: what it surely denies needs no
    // trace; what it surely allows goes on to routing.
    let (mut allowed, mut denied) = (reps.clone(), AddrSet::none());
    if let Some(name) = &e.t.virtual_networks[vi].subnets[si].network_security_group
        && let Some(nsg) = e.nsg(name, Direction::Outbound, vnet)
    {
        let flow = PacketSet::new(&src, reps, &L4Set::tcp([443..=443]));
        allowed = AddrSet::none();
        for (piece, action, _) in nsg.policy.apply(&flow) {
            if piece.src_set() != src {
                continue;
            }
            match action {
                Decision::Allow => allowed = allowed.union(&piece.dst_set()),
                Decision::Deny => denied = denied.union(&piece.dst_set()),
                Decision::Unknown => {}
            }
        }
    }
    let mut ask = |to: Address| {
        let q = Query {
            from: from.clone(),
            to,
            protocol: Protocol::TCP,
            port: 443,
        };
        let (v, traced) = memo.verdict(e, s, &q);
        m.traces += u64::from(traced);
        v
    };
    // What the source NSG surely denies, or routing alone drops, needs no trace.
    let dropped = undeliverable(e, &routes, &allowed.difference(&denied), reps, beyond);
    let by_group = groups
        .iter()
        .map(|g| match g.ip {
            Some(ip) if denied.contains(ip) || dropped.contains(ip) => Verdict::Denied,
            _ => ask(g.representative.clone()),
        })
        .collect();
    let by_tag = tags.iter().map(|t| ask(Address::Tag(t.clone()))).collect();
    Some((by_group, by_tag))
}
