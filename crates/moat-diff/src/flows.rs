//! Reachability of a deployment, pair by pair, and how it changed.
//!
//! The pairs: every VM and declared client to every resource endpoint of the deployment
//! (workspaces, registries with their storage and container registry, storage blob and file,
//! key vaults, container registries) and every private endpoint's target, every compute and
//! AKS cluster to the endpoints its workspace uses, by name (so name resolution is part of the
//! answer) and, for what sits in the deployment, to the internet; every subnet holding computes to every private endpoint (by
//! its address) and to every service tag the deployment writes, through the engine's sweep
//! (endpoints no rule tells apart are traced once). Computes outside any subnet (a managed
//! network) go to the service tags by trace.
//!
//! Pairs are keyed by addresses (`compute/cpu-cluster` → `storage/data:blob`,
//! `subnet/vnet/training` → `private-endpoint/ws-pe`, `tag:Storage.EastUS`, `internet`), so
//! the two sides of a change are matched by name, never by position or private address.

use foldhash::HashMap;
use moat_engine::sweep;
use moat_engine::trace::{Query, Trace, Verdict};
use moat_engine::{Engine, Hop};
use moat_model::address::{Address, Kind};
use moat_model::presence::Variant;
use moat_packets::Protocol;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// A source and a destination, as addresses.
pub type Pair = (String, String);

/// What one side says about a pair: the verdict, the question to ask again, and the trace
/// when one was run for this pair.
#[derive(Clone, Debug)]
pub struct Reach {
    pub verdict: Verdict,
    pub query: Query,
    /// Shared with the operations that asked the same question.
    pub trace: Option<Arc<Trace>>,
}

/// The verdicts of the subnet sweep, one byte a pair: a large estate has millions of pairs
/// (every compute subnet to every private endpoint), which a map keyed by address text would
/// hold in gigabytes.
#[derive(Clone, Debug, Default)]
pub struct Swept {
    /// The sources (`subnet/vnet/name`) and the question's address of each.
    sources: Vec<(String, Address)>,
    /// The destinations (`private-endpoint/name`, `tag:Name`) and the question's address of
    /// each (a private endpoint's IP address, the tag).
    targets: Vec<(String, Address)>,
    source_ix: HashMap<String, usize>,
    target_ix: HashMap<String, usize>,
    /// Row-major, sources × targets; `None` where the sweep gave no verdict.
    verdicts: Vec<Option<Verdict>>,
}

impl Swept {
    fn new(sources: Vec<(String, Address)>, targets: Vec<(String, Address)>) -> Swept {
        let index = |v: &[(String, Address)]| {
            v.iter()
                .enumerate()
                .map(|(i, (k, _))| (k.clone(), i))
                .collect::<HashMap<_, _>>()
        };
        Swept {
            source_ix: index(&sources),
            target_ix: index(&targets),
            verdicts: vec![None; sources.len() * targets.len()],
            sources,
            targets,
        }
    }

    fn cell(&self, from: &str, to: &str) -> Option<usize> {
        Some(self.source_ix.get(from)? * self.targets.len() + self.target_ix.get(to)?)
    }

    /// The verdict of a pair, if the sweep gave one.
    pub fn get(&self, from: &str, to: &str) -> Option<Verdict> {
        self.verdicts[self.cell(from, to)?]
    }

    /// The question to ask of a swept pair.
    fn query(&self, from: &str, to: &str) -> Option<Query> {
        let (i, j) = (*self.source_ix.get(from)?, *self.target_ix.get(to)?);
        Some(q(self.sources[i].1.clone(), self.targets[j].1.clone()))
    }

    /// Every swept pair and its verdict.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str, Verdict)> {
        let n = self.targets.len();
        self.verdicts.iter().enumerate().filter_map(move |(c, v)| {
            let v = (*v)?;
            Some((
                self.sources[c / n.max(1)].0.as_str(),
                self.targets[c % n.max(1)].0.as_str(),
                v,
            ))
        })
    }

    /// Where each of `mine` is among `theirs`.
    fn positions(
        mine: &[(String, Address)],
        theirs: &HashMap<String, usize>,
    ) -> Vec<Option<usize>> {
        mine.iter().map(|(k, _)| theirs.get(k).copied()).collect()
    }

    /// The pairs whose verdicts differ between two sweeps (or that one side lacks). Rows and
    /// columns are matched by name once, then cells by position: millions of cells need no
    /// hashing of their names.
    fn differing(&self, other: &Swept) -> Vec<Pair> {
        let mut out = Vec::new();
        let pair = |s: &Swept, i: usize, j: usize| (s.sources[i].0.clone(), s.targets[j].0.clone());
        let (n, m) = (self.targets.len(), other.targets.len());
        let rows = Swept::positions(&self.sources, &other.source_ix);
        let cols = Swept::positions(&self.targets, &other.target_ix);
        for (i, row) in rows.iter().enumerate() {
            for (j, col) in cols.iter().enumerate() {
                let v = self.verdicts[i * n + j];
                let w = match (row, col) {
                    (Some(a), Some(b)) => other.verdicts[a * m + b],
                    _ => None,
                };
                if v != w {
                    out.push(pair(self, i, j));
                }
            }
        }
        // The other side's cells in a row or column this side lacks.
        let rows = Swept::positions(&other.sources, &self.source_ix);
        let cols = Swept::positions(&other.targets, &self.target_ix);
        for (a, row) in rows.iter().enumerate() {
            for (b, col) in cols.iter().enumerate() {
                if (row.is_none() || col.is_none()) && other.verdicts[a * m + b].is_some() {
                    out.push(pair(other, a, b));
                }
            }
        }
        out
    }
}

/// The reachability of one deployment.
#[derive(Clone, Debug, Default)]
pub struct Reachability {
    /// The pairs traced one by one (named sources, and swept pairs traced because their
    /// verdicts differ); they stand before the sweep's verdict of the same pair.
    pub pairs: BTreeMap<Pair, Reach>,
    /// The subnet sweep's verdicts.
    pub swept: Swept,
    /// The addresses of the sources and destinations the deployment has (tags and the
    /// internet are always there).
    pub elements: BTreeSet<String>,
    /// How many traces the sweep and the named pairs ran.
    pub traces: u64,
}

fn q(from: Address, to: Address) -> Query {
    Query {
        from,
        to,
        protocol: Protocol::TCP,
        port: 443,
    }
}

/// The address a private endpoint serves: its target, with the storage service it reaches
/// (`storage/data:blob`).
fn served(pe: &moat_model::privatelink::PrivateEndpoint) -> Address {
    match &pe.target {
        Address::Resource {
            kind: Kind::Storage,
            sub: None,
            ..
        } => pe.target.clone().with_sub(&pe.group_id),
        t => t.clone(),
    }
}

/// The service tags the deployment sends to ([`moat_engine::engine::destination_tag_names`]),
/// sorted. Tags that name no place to send to (`VirtualNetwork`, `AzureLoadBalancer`,
/// `Internet`: the internet has its own pairs) are left out.
fn destination_tags(t: &moat_model::Topology) -> Vec<String> {
    let mut out: Vec<String> = moat_engine::engine::destination_tag_names(t)
        .into_iter()
        .filter(|x| {
            !["virtualnetwork", "azureloadbalancer", "internet"]
                .contains(&x.to_ascii_lowercase().as_str())
        })
        .collect();
    out.sort();
    out
}

/// The endpoints a workspace's computes use: the workspace (and its hub), its storage (blob
/// and file), key vault and container registry, and the registries it uses or shares to.
/// Workspaces are found in the engine's index (an estate has a workspace per compute group,
/// and a scan per compute would grow with their product).
fn endpoints_of(e: &Engine, workspace: &str) -> Vec<Address> {
    let t = e.t;
    let ws = |name: &str| e.ix.workspaces.get(name).map(|&i| &t.workspaces[i]);
    let mut out = Vec::new();
    let mut names = vec![workspace];
    if let Some(h) = ws(workspace).and_then(|w| w.hub.as_deref())
        && h != workspace
    {
        names.push(h);
    }
    for w in names.into_iter().filter_map(ws) {
        out.push(Address::resource(Kind::Workspace, &w.name));
        if let Some(s) = &w.storage_account {
            out.push(Address::resource(Kind::Storage, s).with_sub("blob"));
            out.push(Address::resource(Kind::Storage, s).with_sub("file"));
        }
        if let Some(k) = &w.key_vault {
            out.push(Address::resource(Kind::Keyvault, k));
        }
        if let Some(a) = &w.container_registry {
            out.push(Address::resource(Kind::Acr, a));
        }
        let registries = w
            .uses_registries
            .iter()
            .chain(w.shares_to.iter().map(|s| &s.registry));
        for r in registries {
            let a = Address::resource(Kind::Registry, r);
            out.extend([a.clone(), a.clone().with_sub("storage"), a.with_sub("acr")]);
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Whether an address is a place in the deployment (not a client, a tag or the internet).
fn inside(a: &str) -> bool {
    !matches!(
        a.parse::<Address>(),
        Ok(Address::Resource {
            kind: Kind::Client,
            ..
        } | Address::Tag(_)
            | Address::Internet)
    )
}

impl Reachability {
    /// The verdict of a pair: its trace's, else the sweep's.
    pub fn verdict(&self, pair: &Pair) -> Option<Verdict> {
        match self.pairs.get(pair) {
            Some(r) => Some(r.verdict),
            None => self.swept.get(&pair.0, &pair.1),
        }
    }

    /// Every pair and its verdict: the traced ones, then the swept ones not traced.
    pub fn all(&self) -> impl Iterator<Item = (&str, &str, Verdict)> {
        self.pairs
            .iter()
            .map(|((f, t), r)| (f.as_str(), t.as_str(), r.verdict))
            .chain(self.swept.iter().filter(|(f, t, _)| {
                !self
                    .pairs
                    .contains_key(&((*f).to_string(), (*t).to_string()))
            }))
    }

    /// The pairs whose verdict may differ between two sides, in order and once each: every
    /// traced pair, and the swept pairs whose verdicts differ (`differing`, from
    /// [`Swept::differing`]). Borrowed: a large estate traces tens of thousands of pairs.
    fn candidates<'a>(&'a self, other: &'a Reachability, differing: &'a [Pair]) -> Vec<&'a Pair> {
        let mut keys: Vec<&Pair> = self
            .pairs
            .keys()
            .chain(other.pairs.keys())
            .chain(differing)
            .collect();
        keys.sort_unstable();
        keys.dedup();
        keys
    }
}

/// The engines of the may-exist `variants`, prepared once for every trace of a side.
fn variant_engines<'v>(e: &Engine, variants: &'v [Variant]) -> Vec<(&'v Variant, Engine<'v>)> {
    variants
        .iter()
        .map(|v| (v, e.variant(&v.topology)))
        .collect()
}

/// A trace on the deployment and its variants (unknown where they differ). Without variants
/// it is the engine's answer to the question, which the operations may have asked already.
fn trace(e: &Engine, variants: &[(&Variant, Engine)], q: &Query) -> Result<Arc<Trace>, String> {
    if variants.is_empty() {
        return moat_engine::trace::trace_shared(e, q);
    }
    moat_engine::presence::trace_on(e, variants, q).map(Arc::new)
}

/// Every pair of the deployment behind `e` (with its may-exist `variants`) and its verdict.
pub fn reachability(e: &Engine, variants: &[Variant]) -> Reachability {
    reachability_with(e, variants, sweep::Memo::Off)
}

/// [`reachability`], the subnet sweep of the deployment itself recording its traces or taking
/// recorded ones where the change allows (see [`crate::changed`]); its variants' sweeps trace
/// everything.
pub fn reachability_with(e: &Engine, variants: &[Variant], memo: sweep::Memo) -> Reachability {
    let t = e.t;
    let mut r = Reachability::default();
    // Every endpoint of the deployment's resources, and whatever a private endpoint serves.
    let res = |k: Kind, n: &str| Address::resource(k, n);
    let mut targets: Vec<Address> = t.private_endpoints.iter().map(served).collect();
    for w in &t.workspaces {
        targets.push(res(Kind::Workspace, &w.name));
    }
    for r in &t.registries {
        targets.push(res(Kind::Registry, &r.name));
        targets.push(res(Kind::Registry, &r.name).with_sub("storage"));
        targets.push(res(Kind::Registry, &r.name).with_sub("acr"));
    }
    for s in &t.storage_accounts {
        targets.push(res(Kind::Storage, &s.name).with_sub("blob"));
        targets.push(res(Kind::Storage, &s.name).with_sub("file"));
    }
    for k in &t.key_vaults {
        targets.push(res(Kind::Keyvault, &k.name));
    }
    for a in &t.container_registries {
        targets.push(res(Kind::Acr, &a.name));
    }
    targets.sort();
    targets.dedup();
    let tags = destination_tags(t);
    let subnets = sweep::compute_subnets(e);
    // Computes and AKS clusters go to what their workspace uses (a large estate has many of
    // them; its other endpoints they reach through the subnet sweep); VMs and clients, few,
    // to every endpoint.
    let named: Vec<(Address, Vec<Address>, bool)> = t
        .computes
        .iter()
        .map(|c| {
            let to = endpoints_of(e, &c.workspace);
            (
                Address::resource(Kind::Compute, &c.name),
                to,
                c.subnet.is_none(),
            )
        })
        .chain(t.aks_clusters.iter().map(|a| {
            let to = endpoints_of(e, &a.workspace);
            (Address::resource(Kind::Aks, &a.name), to, false)
        }))
        .chain(
            t.virtual_machines
                .iter()
                .map(|v| (Address::resource(Kind::Vm, &v.name), targets.clone(), false)),
        )
        .chain(t.clients.iter().map(|c| {
            (
                Address::resource(Kind::Client, &c.name),
                targets.clone(),
                false,
            )
        }))
        .collect();
    for (from, _, _) in &named {
        r.elements.insert(from.to_string());
    }
    for a in &targets {
        r.elements.insert(a.to_string());
    }
    for s in &subnets {
        r.elements.insert(format!("subnet/{s}"));
    }
    for pe in &t.private_endpoints {
        r.elements.insert(format!("private-endpoint/{}", pe.name));
    }
    // Named sources, traced by name: DNS decides where the flow goes.
    let engines = variant_engines(e, variants);
    for (from, to, unplaced) in &named {
        let mut to = to.clone();
        if inside(&from.to_string()) {
            to.push(Address::Internet);
        }
        // A compute outside any subnet is in a managed network the sweep does not cover.
        if *unplaced {
            to.extend(tags.iter().map(|x| Address::Tag(x.clone())));
        }
        for to in to {
            let query = q(from.clone(), to.clone());
            r.traces += 1;
            let Ok(tr) = trace(e, &engines, &query) else {
                continue;
            };
            r.pairs.insert(
                (from.to_string(), to.to_string()),
                Reach {
                    verdict: tr.verdict,
                    query,
                    trace: Some(tr),
                },
            );
        }
    }
    // Subnets, swept: private endpoints by address (static, or the endpoint itself when
    // Azure assigns it), service tags.
    let mut targets: Vec<(String, Address)> = Vec::new();
    let mut by_ip: HashMap<Address, usize> = HashMap::default();
    for pe in &t.private_endpoints {
        if let Some(to) = endpoint_destination(e, pe)
            && !by_ip.contains_key(&to)
        {
            by_ip.insert(to.clone(), targets.len());
            targets.push((format!("private-endpoint/{}", pe.name), to));
        }
    }
    let mut by_tag: HashMap<String, usize> = HashMap::default();
    for x in &tags {
        let a = Address::Tag(x.clone());
        by_tag.insert(a.to_string(), targets.len());
        targets.push((a.to_string(), a));
    }
    let sources: Vec<(String, Address)> = subnets
        .iter()
        .filter_map(|s| {
            let (vnet, subnet) = s.split_once('/')?;
            let a = Address::Subnet {
                vnet: vnet.into(),
                subnet: subnet.into(),
            };
            Some((a.to_string(), a))
        })
        .collect();
    // The sweep's sources are `subnets`, in order; those without a VNet have no row.
    let mut rows = Vec::with_capacity(subnets.len());
    let mut next = 0;
    for s in &subnets {
        rows.push(s.contains('/').then(|| {
            next += 1;
            next - 1
        }));
    }
    let n = targets.len();
    let mut swept = Swept::new(sources, targets);
    let m = {
        let mut cells = Cells::new(&rows, n, &by_ip, &by_tag);
        sweep::sweep_with(e, &subnets, &tags, memo, |c, v| {
            if let Some(i) = cells.index(c) {
                swept.verdicts[i] = Some(v);
            }
        })
    };
    r.traces += m.traces;
    // A verdict some variant does not share is unknown: the deployment does not decide it.
    // A variant's groups are its own, and so are its columns.
    for (_, ve) in &engines {
        let mut cells = Cells::new(&rows, n, &by_ip, &by_tag);
        let vm = sweep::sweep_with(ve, &subnets, &tags, sweep::Memo::Off, |c, verdict| {
            if let Some(i) = cells.index(c)
                && let Some(x) = &mut swept.verdicts[i]
                && *x != verdict
            {
                *x = Verdict::Unknown;
            }
        });
        r.traces += vm.traces;
    }
    r.swept = swept;
    r
}

/// Where the sweep's cells go in a [`Swept`]: its rows by source index, and its columns
/// looked up by address the first time each is seen (every row has the same columns).
struct Cells<'a> {
    rows: &'a [Option<usize>],
    n: usize,
    by_ip: &'a HashMap<Address, usize>,
    by_tag: &'a HashMap<String, usize>,
    /// By the sweep's column, the target's index (`None` inside: not a target here).
    columns: Vec<Option<Option<usize>>>,
}

impl<'a> Cells<'a> {
    fn new(
        rows: &'a [Option<usize>],
        n: usize,
        by_ip: &'a HashMap<Address, usize>,
        by_tag: &'a HashMap<String, usize>,
    ) -> Cells<'a> {
        Cells {
            rows,
            n,
            by_ip,
            by_tag,
            columns: Vec::new(),
        }
    }

    /// The index in [`Swept::verdicts`] of a cell of the sweep.
    fn index(&mut self, c: sweep::Cell) -> Option<usize> {
        if self.columns.len() <= c.column {
            self.columns.resize(c.column + 1, None);
        }
        let j = *self.columns[c.column].get_or_insert_with(|| match c.to {
            Address::Tag(_) => self.by_tag.get(&c.to.to_string()).copied(),
            other => self.by_ip.get(other).copied(),
        });
        Some(self.rows.get(c.source).copied().flatten()? * self.n + j?)
    }
}

/// The question to ask a deployment about a pair the other side has and this one lacks,
/// when both its ends exist here; `None` when one does not.
fn query_for(e: &Engine, r: &Reachability, pair: &Pair, other: &Query) -> Option<Query> {
    let exists = |a: &str| {
        matches!(
            a.parse::<Address>(),
            Ok(Address::Tag(_) | Address::Internet)
        ) || r.elements.contains(a)
    };
    if !exists(&pair.0) || !exists(&pair.1) {
        return None;
    }
    // A private endpoint is reached at its address on this side.
    let to = match pair.1.parse::<Address>() {
        Ok(Address::Resource {
            kind: Kind::PrivateEndpoint,
            name,
            ..
        }) => endpoint_destination(
            e,
            &e.t.private_endpoints[*e.ix.private_endpoints.get(&name)?],
        )?,
        _ => other.to.clone(),
    };
    Some(Query {
        to,
        ..other.clone()
    })
}

/// What a trace to private endpoint `pe` asks for: its static address, or the endpoint itself
/// when Azure assigns its address (none in a subnet the input does not declare).
fn endpoint_destination(
    e: &Engine,
    pe: &moat_model::privatelink::PrivateEndpoint,
) -> Option<Address> {
    match e.t.endpoint_address(e.dns.addressing(), pe)? {
        moat_model::PrivateIp::Static(ip) => Some(Address::Ip(ip)),
        moat_model::PrivateIp::Dynamic(_) => Some(Address::resource(
            moat_model::Kind::PrivateEndpoint,
            &pe.name,
        )),
    }
}

/// A pair one side must trace: the pair and the question the other side asked.
pub type Request = (Pair, Query);

/// What each side must still trace before the two can be compared: `(BASE's, HEAD's)`. A
/// pair whose verdicts differ needs a trace on both sides (the sweep gives verdicts only);
/// a pair one side lacks is asked there too, in case both its ends exist there.
pub fn requests(base: &Reachability, head: &Reachability) -> (Vec<Request>, Vec<Request>) {
    let (mut rb, mut rh) = (Vec::new(), Vec::new());
    let differing = base.swept.differing(&head.swept);
    for k in base.candidates(head, &differing) {
        // Each side's traced pair is looked up once.
        let (pb, ph) = (base.pairs.get(k), head.pairs.get(k));
        let verdict = |r: &Reachability, p: Option<&Reach>| {
            p.map(|x| x.verdict).or_else(|| r.swept.get(&k.0, &k.1))
        };
        let (vb, vh) = (verdict(base, pb), verdict(head, ph));
        if vb.is_some() && vb == vh {
            continue;
        }
        let question = |r: &Reachability, p: Option<&Reach>| {
            p.map(|x| x.query.clone())
                .or_else(|| r.swept.query(&k.0, &k.1))
        };
        let Some(q) = question(base, pb).or_else(|| question(head, ph)) else {
            continue;
        };
        let (trace_b, trace_h) = (
            pb.is_none_or(|b| b.trace.is_none()),
            ph.is_none_or(|h| h.trace.is_none()),
        );
        if trace_b {
            rb.push((k.clone(), q.clone()));
        }
        if trace_h {
            rh.push((k.clone(), q));
        }
    }
    (rb, rh)
}

/// Of a side's `requests`, those that give it a verdict it lacks: a pair this side has not
/// traced or swept, asked with the other side's question. A report that shows no traces
/// (SARIF: the new findings only) needs no others, since a swept pair's verdict is its
/// trace's verdict ([`sweep`]) and the run's exit status reads verdicts alone.
pub fn verdicts_only(r: &Reachability, requests: Vec<Request>) -> Vec<Request> {
    requests
        .into_iter()
        .filter(|(pair, _)| r.verdict(pair).is_none())
        .collect()
}

/// Traces the pairs `requests` name on this side: a pair it has is traced with its own
/// question; a pair it lacks, when both its ends exist here, with the other side's.
pub fn fill(e: &Engine, variants: &[Variant], r: &mut Reachability, requests: &[Request]) {
    let engines = variant_engines(e, variants);
    for (pair, other) in requests {
        let own = r
            .pairs
            .get(pair)
            .map(|x| x.query.clone())
            .or_else(|| r.swept.query(&pair.0, &pair.1));
        let query = match own {
            Some(q) => q,
            None => match query_for(e, r, pair, other) {
                Some(q) => q,
                None => continue,
            },
        };
        r.traces += 1;
        let Ok(tr) = trace(e, &engines, &query) else {
            continue;
        };
        r.pairs.insert(
            pair.clone(),
            Reach {
                verdict: tr.verdict,
                query,
                trace: Some(tr),
            },
        );
    }
}

/// How a pair's verdict changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    /// Denied (or absent) before, allowed now.
    Opened,
    /// Allowed before, denied (or absent) now.
    Closed,
    /// Now unknown, or unknown before and allowed now: it may be open now and was not
    /// surely open before.
    MayHaveOpened,
    /// Now unknown after being allowed, or unknown before and denied now.
    MayHaveClosed,
}

/// The kind of change from `before` to `after` (`None`: the pair does not exist on that
/// side); `None` when nothing that matters changed.
pub fn classify(before: Option<Verdict>, after: Option<Verdict>) -> Option<Change> {
    use Verdict::*;
    match (before, after) {
        (Some(b), Some(a)) if a == b => None,
        (Some(Denied) | None, Some(Allowed)) => Some(Change::Opened),
        (Some(Allowed), Some(Denied) | None) => Some(Change::Closed),
        (Some(Denied) | None, Some(Unknown)) | (Some(Unknown), Some(Allowed)) => {
            Some(Change::MayHaveOpened)
        }
        (Some(Allowed), Some(Unknown)) | (Some(Unknown), Some(Denied) | None) => {
            Some(Change::MayHaveClosed)
        }
        _ => None,
    }
}

/// One pair whose verdict changed, with the trace on each side and the hop that differs.
#[derive(Clone, Debug, Serialize)]
pub struct FlowChange {
    pub from: String,
    pub to: String,
    pub change: Change,
    /// `None` where the pair does not exist (an element added or removed).
    pub before: Option<Verdict>,
    pub after: Option<Verdict>,
    /// The first hop at which the traces part: the element of the change responsible.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<Cause>,
    /// Shared with the side's reachability (a change may part thousands of flows: their
    /// traces are not copied).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "shared_trace"
    )]
    pub trace_before: Option<Arc<Trace>>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "shared_trace"
    )]
    pub trace_after: Option<Arc<Trace>>,
}

/// A shared trace, serialised as the trace itself.
fn shared_trace<S: serde::Serializer>(t: &Option<Arc<Trace>>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_some(&**t),
        None => s.serialize_none(),
    }
}

/// The hop at which two traces of the same pair first differ (by element as data, decision
/// and code), as it was and as it is; one of them is absent when a trace ends there.
#[derive(Clone, Debug, Serialize)]
pub struct Cause {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<Hop>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<Hop>,
}

/// The first hop at which `a` and `b` differ.
pub fn cause(a: &Trace, b: &Trace) -> Option<Cause> {
    let same = |x: &Hop, y: &Hop| {
        x.element_id() == y.element_id() && x.decision == y.decision && x.code == y.code
    };
    let n = a.hops.len().max(b.hops.len());
    (0..n).find_map(|i| {
        let (x, y) = (a.hops.get(i), b.hops.get(i));
        match (x, y) {
            (Some(x), Some(y)) if same(x, y) => None,
            (None, None) => None,
            _ => Some(Cause {
                before: x.cloned(),
                after: y.cloned(),
            }),
        }
    })
}

/// The pairs whose verdict changed, in the order of their addresses.
pub fn compare(base: &Reachability, head: &Reachability) -> Vec<FlowChange> {
    let mut out = Vec::new();
    let differing = base.swept.differing(&head.swept);
    for k in base.candidates(head, &differing) {
        let (b, h) = (base.pairs.get(k), head.pairs.get(k));
        let (vb, vh) = (
            b.map(|x| x.verdict).or_else(|| base.swept.get(&k.0, &k.1)),
            h.map(|x| x.verdict).or_else(|| head.swept.get(&k.0, &k.1)),
        );
        let Some(change) = classify(vb, vh) else {
            continue;
        };
        let (tb, th) = (
            b.and_then(|x| x.trace.clone()),
            h.and_then(|x| x.trace.clone()),
        );
        out.push(FlowChange {
            from: k.0.clone(),
            to: k.1.clone(),
            change,
            before: vb,
            after: vh,
            cause: match (&tb, &th) {
                (Some(x), Some(y)) => cause(x, y),
                _ => None,
            },
            trace_before: tb,
            trace_after: th,
        });
    }
    out
}

impl FlowChange {
    /// Whether this opens a flow from the deployment to the internet or to storage outside it
    /// (a Storage service tag).
    pub fn opens_outward(&self) -> bool {
        self.change == Change::Opened && self.outward()
    }

    /// Whether this may have opened such a flow: it is unknown now, and was not surely open.
    pub fn may_open_outward(&self) -> bool {
        self.change == Change::MayHaveOpened && self.outward()
    }

    /// Whether the flow goes from the deployment to the internet or to a Storage service tag.
    fn outward(&self) -> bool {
        inside(&self.from)
            && match self.to.parse::<Address>() {
                Ok(Address::Internet) => true,
                // A Storage service tag, of any region.
                Ok(Address::Tag(t)) => t.starts_with("Storage"),
                _ => false,
            }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Verdict::*;

    #[test]
    fn unknown_stays_unknown() {
        // A decision is unknown unless every possible value gives the same answer: a flow that
        // was denied and is now unknown may be open, it is not known to be.
        assert_eq!(
            classify(Some(Denied), Some(Unknown)),
            Some(Change::MayHaveOpened)
        );
        assert_eq!(
            classify(Some(Unknown), Some(Allowed)),
            Some(Change::MayHaveOpened)
        );
        assert_eq!(
            classify(Some(Allowed), Some(Unknown)),
            Some(Change::MayHaveClosed)
        );
        assert_eq!(
            classify(Some(Unknown), Some(Denied)),
            Some(Change::MayHaveClosed)
        );
        assert_eq!(classify(Some(Unknown), Some(Unknown)), None);
        assert_eq!(classify(Some(Denied), Some(Allowed)), Some(Change::Opened));
        assert_eq!(classify(Some(Allowed), Some(Denied)), Some(Change::Closed));
        // A new element's flows: open if allowed, nothing to say if denied.
        assert_eq!(classify(None, Some(Allowed)), Some(Change::Opened));
        assert_eq!(classify(None, Some(Denied)), None);
        assert_eq!(classify(Some(Allowed), None), Some(Change::Closed));
    }
}
