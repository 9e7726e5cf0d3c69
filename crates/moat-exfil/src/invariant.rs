//! Reachability invariants: what must never (or must always) reach what, proven over the
//! whole packet space.
//!
//! An invariant names sources (`from`: an address or a pattern over places and resources,
//! `compute/*`, `subnet/*/*`, `managed-network/*`), destinations (`to`: an address, or a class:
//! `internet`, `storage-outside`, `frontdoor`, `registry-outside`, `service`, `read-write`,
//! `outside`), destinations left out (`except`), and what is expected (`denied` or
//! `allowed`). Each source is split into its atomic classes and every class of packets to
//! every destination is traced ([`crate::reach`]), so a proof covers every address, protocol
//! and port in scope:
//!
//! * `expect = "denied"` holds when every class is surely denied; one surely allowed class is
//!   a violation, with that class's flow as the witness; otherwise it is undecided.
//! * `expect = "allowed"` holds when every destination is surely reached from every source
//!   (on some protocol and port); one surely unreachable destination is a violation.

use crate::classes::{Scope, place_l4};
use crate::dest::{Access, Category, Control, Dest, host_category, split_tag, tag_access};
use crate::map::{PlaceKind, PlaceSpec, open_spec, place_destinations, places, subnet_place};
use crate::probe::Oracle;
use crate::reach::{Context, Source, Witness, reach};
use moat_engine::Verdict;
use moat_engine::place::Place;
use moat_model::address::{Address, Kind};
use serde::Serialize;
use std::collections::HashMap;

/// What an invariant expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Expect {
    Denied,
    Allowed,
}

/// One invariant as written.
#[derive(Clone, Debug, Serialize)]
pub struct Invariant {
    pub name: String,
    pub from: String,
    pub to: String,
    pub except: Vec<String>,
    pub expect: Expect,
    /// Where it is written (`moat.toml:3:1`).
    pub at: String,
}

/// The classes of destinations `to` may name. `<class>:any` keeps only the destinations that
/// stand for the whole class (any internet host, the whole Front Door tag), not the members
/// rules name.
pub const CLASSES: &[&str] = &[
    "internet",
    "storage-outside",
    "frontdoor",
    "registry-outside",
    "service",
    "read-write",
    "outside",
];

/// Whether `to` is a class or a well-formed address; the message otherwise.
pub fn check_to(to: &str) -> Result<(), String> {
    let class = to.strip_suffix(":any").unwrap_or(to);
    if CLASSES.contains(&class) || to.parse::<Address>().is_ok() {
        return Ok(());
    }
    Err(format!(
        "`{to}` is neither an address nor a class ({}, each also as <class>:any)",
        CLASSES.join(", ")
    ))
}

/// The outcome of a proof.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Holds,
    Violated,
    Undecided,
}

/// A proof (or refutation) of an invariant.
#[derive(Clone, Debug, Serialize)]
pub struct Proof {
    pub invariant: Invariant,
    pub outcome: Outcome,
    /// For a violation: the source and destination of the witness.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
    /// A concrete flow: for a violation, one that breaks the invariant; for an undecided
    /// invariant, one the model cannot decide.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub witness: Option<Witness>,
    /// For an undecided invariant: what the model lacks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub needs: Vec<String>,
    /// The witness's destination is reached by Azure ML acting with its identity, which the
    /// deployment's network does not carry ([`Control::BeyondNetwork`]): no network change
    /// closes it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub beyond_network: bool,
    /// Source × destination pairs proven.
    pub pairs: usize,
    /// Classes of packets traced.
    pub classes: usize,
}

/// Glob matching: `*` any text (including `/`), `?` one character; case-sensitive, as names
/// are. Linear backtracking over the last `*`, so no pattern is slow.
pub fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// A place for one source address, as the engine places it (or leaves it open); why the
/// engine cannot place it otherwise.
fn spec_for(o: &Oracle, id: String, addr: Address) -> Result<PlaceSpec, String> {
    if let Some(p) = open_spec(o, id.clone(), &addr) {
        return Ok(p);
    }
    let t = o.e.t;
    let place = o.e.place(&addr).map_err(|e| e.0)?;
    let region = |r: Option<String>| r.or_else(|| t.region.clone());
    Ok(match place {
        Place::Subnet { subnet, label, .. }
            if matches!(
                addr,
                Address::Subnet { .. }
                    | Address::Resource {
                        kind: Kind::Compute | Kind::Aks,
                        ..
                    }
            ) =>
        {
            let mut p = subnet_place(o, &subnet, addr, label);
            p.id = id;
            p
        }
        Place::Subnet { subnet, label, .. } => {
            let vnet = subnet.split('/').next().unwrap_or_default().to_string();
            PlaceSpec {
                id,
                kind: PlaceKind::ComputeSubnet,
                label,
                region: region(
                    o.e.ix
                        .virtual_networks
                        .get(&vnet)
                        .and_then(|&i| t.virtual_networks[i].region.clone()),
                ),
                managed: None,
                sources: vec![Source {
                    from: addr,
                    class: None,
                }],
                l4: place_l4(o.e, &Scope::Subnet(&subnet)),
                node_public_ip: false,
            }
        }
        Place::Managed { workspace, label } => PlaceSpec {
            id,
            kind: PlaceKind::ManagedNetwork,
            label,
            region: region(
                o.e.ix
                    .workspaces
                    .get(&workspace)
                    .and_then(|&i| t.workspaces[i].region.clone()),
            ),
            l4: place_l4(o.e, &Scope::Managed(&workspace)),
            managed: Some(workspace),
            sources: vec![Source {
                from: addr,
                class: None,
            }],
            node_public_ip: false,
        },
        other => PlaceSpec {
            id,
            kind: if matches!(other, Place::Service { .. }) {
                PlaceKind::Service
            } else {
                PlaceKind::OnlineDeployment
            },
            label: other.label().to_string(),
            region: t.region.clone(),
            managed: None,
            sources: vec![Source {
                from: addr,
                class: None,
            }],
            l4: place_l4(o.e, &Scope::Platform),
            node_public_ip: false,
        },
    })
}

/// Every source an invariant's `from` may name: the places of the map and every resource
/// that can start a flow.
fn candidates(o: &Oracle) -> Vec<(String, Option<Address>)> {
    let t = o.e.t;
    let mut out: Vec<(String, Option<Address>)> =
        places(o).into_iter().map(|p| (p.id, None)).collect();
    let mut add = |kind: Kind, name: &str| {
        let a = Address::resource(kind, name);
        if !o.is_stand_in(&a) {
            out.push((a.to_string(), Some(a)));
        }
    };
    t.computes.iter().for_each(|c| add(Kind::Compute, &c.name));
    t.aks_clusters.iter().for_each(|c| add(Kind::Aks, &c.name));
    t.virtual_machines
        .iter()
        .for_each(|c| add(Kind::Vm, &c.name));
    t.clients.iter().for_each(|c| add(Kind::Client, &c.name));
    t.online_endpoints
        .iter()
        .for_each(|c| add(Kind::OnlineEndpoint, &c.name));
    for v in &t.virtual_networks {
        for s in &v.subnets {
            let a = Address::Subnet {
                vnet: v.name.clone(),
                subnet: s.name.clone(),
            };
            let id = a.to_string();
            if !out.iter().any(|(x, _)| x == &id) {
                out.push((id, Some(a)));
            }
        }
    }
    out
}

/// The sources `from` names, and those the engine cannot place (each with why): a source
/// left out would let the invariant hold without being proven from it.
pub fn sources(o: &Oracle, from: &str) -> (Vec<PlaceSpec>, Vec<(String, String)>) {
    let map_places = places(o);
    let mut out = Vec::new();
    let mut unplaced = Vec::new();
    let mut add = |id: String, spec: Result<PlaceSpec, String>| match spec {
        Ok(p) => out.push(p),
        Err(why) => unplaced.push((id, why)),
    };
    for (id, addr) in candidates(o) {
        if !glob(from, &id) {
            continue;
        }
        match addr {
            None => {
                if let Some(p) = map_places.iter().find(|p| p.id == id) {
                    add(id, Ok(p.clone()));
                }
            }
            Some(a) => add(id.clone(), spec_for(o, id, a)),
        }
    }
    if out.is_empty()
        && unplaced.is_empty()
        && !from.contains(['*', '?'])
        && let Ok(a) = from.parse::<Address>()
    {
        // A source the topology does not hold names nothing to prove from (said below).
        if let Ok(p) = spec_for(o, from.to_string(), a) {
            out.push(p);
        }
    }
    (out, unplaced)
}

/// The destination an address names, classified (`service`: from Azure ML acting with its
/// identity, which the deployment's network does not carry).
fn address_dest(a: &Address, service: bool) -> Dest {
    let (category, access) = match a {
        Address::Fqdn(f) => host_category(f),
        Address::Tag(t) => {
            let (base, _) = split_tag(t);
            let c = if base.eq_ignore_ascii_case("AzureFrontDoor.Frontend") {
                Category::FrontDoor
            } else {
                Category::Service
            };
            (c, tag_access(&base))
        }
        Address::Internet => (Category::Internet, Access::ReadWrite),
        _ => (Category::Service, Access::Unclassified),
    };
    Dest {
        category,
        label: a.to_string(),
        to: a.clone(),
        address: Some(a.to_string()),
        whole: true,
        access,
        control: if service {
            Control::BeyondNetwork
        } else {
            Control::Network
        },
    }
}

/// The destinations `to` names from a source, without those `except` names.
pub fn destinations(o: &Oracle, p: &PlaceSpec, to: &str, except: &[String]) -> Vec<Dest> {
    let all = || place_destinations(o, p);
    let (to, whole_only) = match to.strip_suffix(":any") {
        Some(class) if CLASSES.contains(&class) => (class, true),
        _ => (to, false),
    };
    let mut out: Vec<Dest> = match to {
        "internet" => filter(all(), |d| d.category == Category::Internet),
        "storage-outside" => filter(all(), |d| d.category == Category::StorageOutside),
        "frontdoor" => filter(all(), |d| d.category == Category::FrontDoor),
        "registry-outside" => filter(all(), |d| d.category == Category::RegistryOutside),
        "service" => filter(all(), |d| d.category == Category::Service),
        "read-write" => filter(all(), |d| d.access == Access::ReadWrite),
        "outside" => all(),
        other => match other.parse::<Address>() {
            Ok(a) => vec![address_dest(&a, p.kind == PlaceKind::Service)],
            Err(_) => Vec::new(),
        },
    };
    if whole_only {
        out.retain(|d| d.whole);
    }
    out.retain(|d| {
        !except.iter().any(|x| {
            x.eq_ignore_ascii_case(&d.label)
                || d.address
                    .as_deref()
                    .is_some_and(|a| x.eq_ignore_ascii_case(a))
        })
    });
    out
}

fn filter(v: Vec<Dest>, keep: impl Fn(&Dest) -> bool) -> Vec<Dest> {
    v.into_iter().filter(|d| keep(d)).collect()
}

/// Proves an invariant.
pub fn prove(o: &Oracle, inv: &Invariant) -> Proof {
    let mut proof = Proof {
        invariant: inv.clone(),
        outcome: Outcome::Holds,
        place: None,
        destination: None,
        witness: None,
        needs: Vec::new(),
        beyond_network: false,
        pairs: 0,
        classes: 0,
    };
    let (srcs, unplaced) = sources(o, &inv.from);
    if srcs.is_empty() && unplaced.is_empty() {
        proof.outcome = Outcome::Undecided;
        proof.needs.push(format!(
            "a place or resource that `from = \"{}\"` names",
            inv.from
        ));
        return proof;
    }
    let mut undecided: Option<(String, String, Witness)> = None;
    for p in &srcs {
        let dests = destinations(o, p, &inv.to, &inv.except);
        let cx = Context {
            sources: &p.sources,
            l4: &p.l4,
            node_public_ip: p.node_public_ip,
        };
        for d in dests {
            let r = reach(o, &cx, &d.to, None);
            proof.pairs += 1;
            proof.classes += r.classes;
            let (broken, open) = match inv.expect {
                Expect::Denied => (r.verdict == Verdict::Allowed, r.verdict != Verdict::Denied),
                Expect::Allowed => (r.verdict == Verdict::Denied, r.verdict != Verdict::Allowed),
            };
            if broken {
                proof.outcome = Outcome::Violated;
                proof.place = Some(p.id.clone());
                proof.destination = Some(d.label.clone());
                proof.witness = r.witness;
                proof.beyond_network = d.control == Control::BeyondNetwork;
                proof.needs.clear();
                return proof;
            }
            if open {
                for m in &r.missing {
                    if proof.needs.len() < 8 && !proof.needs.contains(m) {
                        proof.needs.push(m.clone());
                    }
                }
                if undecided.is_none()
                    && let Some(w) = r.witness
                {
                    undecided = Some((p.id.clone(), d.label.clone(), w));
                }
            }
        }
    }
    // Sources the engine cannot place: nothing is proven from them.
    for (id, why) in &unplaced {
        if proof.needs.len() < 8 {
            proof.needs.push(format!("where {id} sits: {why}"));
        }
    }
    if undecided.is_none() && !unplaced.is_empty() {
        proof.outcome = Outcome::Undecided;
        proof.place = unplaced.first().map(|(id, _)| id.clone());
    }
    if let Some((place, dest, w)) = undecided {
        proof.outcome = Outcome::Undecided;
        proof.place = Some(place);
        proof.destination = Some(dest);
        proof.witness = Some(w);
        if proof.needs.is_empty() {
            proof
                .needs
                .push("what the model cannot decide on the witness's path".into());
        }
    } else if proof.pairs == 0 {
        proof.outcome = Outcome::Undecided;
        proof.needs.push(format!(
            "a destination that `to = \"{}\"` names from {}",
            inv.to, inv.from
        ));
    }
    proof
}

/// The invariants of seed 004's hardened configuration, for the places whose deployment
/// declares the intent of exfiltration protection: a workspace managed network in
/// AllowOnlyApprovedOutbound mode ("Use this option if you want to minimize data exfiltration
/// risk"), a compute subnet with a service endpoint policy ("a service endpoint and service
/// endpoint policy are in place to prevent data exfiltration"), or a workspace marked
/// `exfiltration_protection: true` in the native format (every place its computes run), each
/// with where the intent is written (`file:line:column`, empty when unknown).
///
/// An isolation mode the input leaves open (a parameter without value, a live export without
/// the workspace's properties) declares nothing: the mode the model reads there is one value
/// it may take, not what the deployment says, and the place keeps the probes of places
/// without the intent.
pub fn declared_places(t: &moat_model::Topology) -> Vec<(String, String)> {
    use moat_model::enums::IsolationMode;
    let mut places: Vec<(String, String)> = Vec::new();
    let open_mode: std::collections::HashSet<&str> = t
        .unknowns
        .iter()
        .filter(|u| u.field == "managed_network" || u.field == "managed_network.isolation_mode")
        .filter_map(|u| u.resource.strip_prefix("workspace/"))
        .collect();
    for w in t.workspaces.iter().filter(|w| w.hub.is_none()) {
        if w.managed_network.isolation_mode == IsolationMode::AllowOnlyApprovedOutbound
            && !open_mode.contains(w.name.as_str())
        {
            places.push((format!("managed-network/{}", w.name), where_(&w.at)));
        }
    }
    let compute_subnets: std::collections::HashSet<&str> = t
        .computes
        .iter()
        .filter_map(|c| c.subnet.as_deref())
        .chain(t.aks_clusters.iter().filter_map(|a| a.subnet.as_deref()))
        .collect();
    for v in &t.virtual_networks {
        for s in v
            .subnets
            .iter()
            .filter(|s| !s.service_endpoint_policies.is_empty())
        {
            let key = format!("{}/{}", v.name, s.name);
            if compute_subnets.contains(key.as_str()) {
                let at = if s.at.is_unknown() { &v.at } else { &s.at };
                places.push((format!("subnet/{key}"), where_(at)));
            }
        }
    }
    // A workspace that declares the intent: its managed network, and every subnet its
    // computes (and its projects') sit in. Computes grouped by workspace once, so the pass
    // stays linear in workspaces and computes.
    let mut subnets_of: HashMap<&str, Vec<&str>> = HashMap::new();
    for c in &t.computes {
        if let Some(s) = &c.subnet {
            subnets_of.entry(c.workspace.as_str()).or_default().push(s);
        }
    }
    let first_workspace: HashMap<&str, &moat_model::ml::Workspace> = t
        .workspaces
        .iter()
        .rev()
        .map(|w| (w.name.as_str(), w))
        .collect();
    for w in t.workspaces.iter().filter(|w| w.exfiltration_protection) {
        let network = w.hub.as_deref().unwrap_or(&w.name);
        let at = where_(&w.at);
        if let Some(n) = first_workspace.get(network)
            && n.managed_network.isolation_mode != IsolationMode::Disabled
        {
            places.push((format!("managed-network/{network}"), at.clone()));
        }
        for s in subnets_of.get(w.name.as_str()).into_iter().flatten() {
            places.push((format!("subnet/{s}"), at.clone()));
        }
        // A project whose hub the input does not declare: its computes outside a subnet and
        // its online deployments sit in that hub's network (facts §6 item 99), places the
        // map leaves open ([`crate::map::open_spec`]). They are proven from, not passed over.
        if !first_workspace.contains_key(network) {
            let open = t
                .computes
                .iter()
                .filter(|c| c.workspace == w.name && c.subnet.is_none())
                .map(|c| format!("compute/{}", c.name))
                .chain(
                    t.online_endpoints
                        .iter()
                        .filter(|e| e.workspace == w.name)
                        .map(|e| format!("online-endpoint/{}", e.name)),
                );
            places.extend(open.map(|id| (id, at.clone())));
        }
    }
    // One set per place, however many reasons declare it.
    let mut seen = std::collections::HashSet::new();
    places.retain(|(from, _)| seen.insert(from.clone()));
    places
}

/// The built-in invariants: from each place of [`declared_places`], no storage account
/// outside the deployment, no site behind Front Door as a whole, and no internet host beyond
/// those rules name. They replace the single-probe rules EXF001-EXF003 for those places.
pub fn builtin(t: &moat_model::Topology) -> Vec<Invariant> {
    let places = declared_places(t);
    let mut out = Vec::new();
    for (from, at) in places {
        for (what, to) in [
            ("storage-outside", "storage-outside"),
            ("frontdoor", "frontdoor:any"),
            ("internet", "internet:any"),
        ] {
            out.push(Invariant {
                name: format!("exfiltration-protection/{what}"),
                from: from.clone(),
                to: to.into(),
                except: Vec::new(),
                expect: Expect::Denied,
                at: at.clone(),
            });
        }
    }
    out
}

/// `file:line:column` of a provenance (empty when unknown).
fn where_(p: &moat_model::Provenance) -> String {
    if p.is_unknown() {
        String::new()
    } else {
        format!("{}:{}:{}", p.file, p.line, p.column)
    }
}
