//! Destinations outside the deployment, made traceable.
//!
//! "A storage account outside the deployment" is not in the input, so the path engine cannot
//! be asked about it by name. The analysis adds stand-ins to a copy of the topology: per
//! region, one storage account and one registry open to all networks, which no private
//! endpoint, DNS zone, service endpoint policy or rule of the deployment names; and per
//! managed network without a compute, one compute inside it. Everything between a place and
//! a stand-in is then decided by the engine as for any resource. Stand-ins never appear in a
//! report under their names: [`Oracle::trace`] replaces them by what they stand for.
//!
//! The oracle also carries the deployment's variants (resources that may or may not exist,
//! values left open), each with the stand-ins, so a verdict that differs between them is
//! unknown, exactly as `moat trace` decides it.

use moat_engine::presence::trace_on;
use moat_engine::trace::{Query, Trace};
use moat_engine::{Engine, Verdict};
use moat_model::Topology;
use moat_model::address::{Address, Kind};
use moat_model::enums::IsolationMode;
use moat_model::presence::Variant;
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};

/// How a stand-in appears in reports.
pub const STORAGE_STAND_IN: &str = "<storage account outside the deployment>";
/// How a stand-in registry appears in reports.
pub const REGISTRY_STAND_IN: &str = "<registry outside the deployment>";

/// The stand-ins added to a topology.
#[derive(Clone, Debug, Default)]
pub struct StandIns {
    /// Region -> stand-in storage account.
    pub storage: Vec<(String, String)>,
    /// Region -> stand-in registry.
    pub registries: Vec<(String, String)>,
    /// Workspace (the network's owner) -> a compute in its managed network, and whether it
    /// is a stand-in (the workspace has none of its own).
    pub managed_computes: Vec<(String, String, bool)>,
}

impl StandIns {
    /// The stand-in storage account of a region.
    pub fn storage_in(&self, region: &str) -> Option<&str> {
        self.storage
            .iter()
            .find(|(r, _)| r.eq_ignore_ascii_case(region))
            .map(|(_, n)| n.as_str())
    }

    /// The stand-in registry of a region.
    pub fn registry_in(&self, region: &str) -> Option<&str> {
        self.registries
            .iter()
            .find(|(r, _)| r.eq_ignore_ascii_case(region))
            .map(|(_, n)| n.as_str())
    }

    /// Replacements of stand-in names by what they stand for, longest names first.
    fn replacements(&self) -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = Vec::new();
        for (r, n) in &self.storage {
            v.push((
                n.clone(),
                format!("<storage account outside the deployment in {r}>"),
            ));
        }
        for (r, n) in &self.registries {
            v.push((
                n.clone(),
                format!("<registry outside the deployment in {r}>"),
            ));
        }
        for (ws, n, probe) in &self.managed_computes {
            if *probe {
                v.push((
                    format!("compute {n}"),
                    format!("a compute in the managed network of {ws}"),
                ));
                v.push((
                    n.clone(),
                    format!("<compute in the managed network of {ws}>"),
                ));
            }
        }
        v.sort_by_key(|(n, _)| std::cmp::Reverse(n.len()));
        v
    }
}

/// A name no resource of `taken` has, lowercase letters and digits only (a storage account
/// name's alphabet).
fn fresh(base: &str, taken: &dyn Fn(&str) -> bool) -> String {
    let base: String = base
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    let mut name = base.clone();
    let mut i = 0;
    while taken(&name) {
        i += 1;
        name = format!("{base}{i}");
    }
    name
}

/// The regions a deployment's places and rules are about: the deployment's default region,
/// each VNet's and workspace's, and the region of every `Storage.<region>` tag a rule names.
pub fn regions(t: &Topology) -> Vec<String> {
    let mut out: BTreeSet<String> = BTreeSet::new();
    out.extend(t.region.clone());
    out.extend(t.virtual_networks.iter().filter_map(|v| v.region.clone()));
    out.extend(t.workspaces.iter().filter_map(|w| w.region.clone()));
    for tag in moat_engine::engine::tag_names(t) {
        if let Some((base, r)) = moat_servicetags_split(&tag)
            && base.eq_ignore_ascii_case("Storage")
        {
            out.insert(r);
        }
    }
    out.into_iter().map(|r| r.to_ascii_lowercase()).collect()
}

/// `Storage.EastUS` -> (`Storage`, `eastus`), through the symbolic catalogue's region table.
fn moat_servicetags_split(tag: &str) -> Option<(String, String)> {
    match moat_net::tags::Catalog::symbolic().split(tag)? {
        (base, Some(r)) => Some((base, r)),
        _ => None,
    }
}

/// Chooses the stand-ins for `regions`: names no resource of `t` has.
pub fn stand_ins(t: &Topology, regions: &[String]) -> StandIns {
    let mut s = StandIns::default();
    for r in regions {
        let taken = |n: &str| {
            t.storage_accounts.iter().any(|a| a.name == n) || s.storage.iter().any(|(_, x)| x == n)
        };
        let name = fresh(&format!("outside{r}"), &taken);
        s.storage.push((r.clone(), name));
        let taken = |n: &str| {
            t.registries.iter().any(|a| a.name == n) || s.registries.iter().any(|(_, x)| x == n)
        };
        let name = fresh(&format!("outsidereg{r}"), &taken);
        s.registries.push((r.clone(), name));
    }
    // A managed network is a place even before a compute is created in it.
    for w in t
        .workspaces
        .iter()
        .filter(|w| w.managed_network.isolation_mode != IsolationMode::Disabled && w.hub.is_none())
    {
        let existing = t
            .computes
            .iter()
            .find(|c| c.workspace == w.name && c.subnet.is_none())
            .map(|c| c.name.clone());
        let entry = match existing {
            Some(n) => (w.name.clone(), n, false),
            None => {
                let taken = |n: &str| {
                    t.computes.iter().any(|c| c.name == n)
                        || s.managed_computes.iter().any(|(_, x, _)| x == n)
                };
                (
                    w.name.clone(),
                    fresh(&format!("managedprobe{}", w.name), &taken),
                    true,
                )
            }
        };
        s.managed_computes.push(entry);
    }
    s
}

/// A copy of `t` with the stand-ins added (the same names on the deployment and on each of
/// its variants).
pub fn apply(t: &Topology, s: &StandIns) -> Topology {
    let mut t = t.clone();
    for (r, name) in &s.storage {
        if let Ok(a) = serde_json::from_value(serde_json::json!({ "name": name, "region": r })) {
            t.storage_accounts.push(a);
        }
    }
    for (r, name) in &s.registries {
        if let Ok(reg) = serde_json::from_value(serde_json::json!({ "name": name, "region": r })) {
            t.registries.push(reg);
        }
    }
    for (ws, name, probe) in &s.managed_computes {
        if !probe || !t.workspaces.iter().any(|w| &w.name == ws) {
            continue;
        }
        let c = serde_json::json!({
            "name": name, "workspace": ws, "type": "AmlCompute", "enable_node_public_ip": false
        });
        if let Ok(c) = serde_json::from_value(c) {
            t.computes.push(c);
        }
    }
    t
}

/// A deployment prepared for the analysis: with stand-ins, and its variants with the same.
pub struct Prepared {
    pub topology: Topology,
    pub variants: Vec<Variant>,
    pub stand_ins: StandIns,
}

impl Prepared {
    /// Prepares `t`.
    pub fn new(t: &Topology) -> Prepared {
        let s = stand_ins(t, &regions(t));
        let variants = moat_model::presence::variants(t)
            .into_iter()
            .map(|mut v| {
                v.topology = apply(&v.topology, &s);
                v
            })
            .collect();
        Prepared {
            topology: apply(t, &s),
            variants,
            stand_ins: s,
        }
    }
}

/// What a place's destinations depend on: its region, its managed network, and whether it is
/// a service acting with its identity.
pub(crate) type DestKey = (Option<String>, Option<String>, bool);

/// The path engine over the topology with stand-ins, and its variants: every verdict the
/// analysis uses comes from here.
pub struct Oracle<'e, 't> {
    pub e: &'e Engine<'t>,
    variants: Vec<(&'e Variant, Engine<'e>)>,
    pub stand_ins: StandIns,
    replacements: Vec<(String, String)>,
    /// Traces already run, by query; `None` when the caller asks each query once.
    cache: Option<RefCell<HashMap<String, Trace>>>,
    shared: std::cell::OnceCell<crate::dest::Shared>,
    /// The destinations of places, by region, managed network and whether a service.
    pub(crate) destinations: RefCell<HashMap<DestKey, Vec<crate::dest::Dest>>>,
    /// Traces run (cache misses).
    pub traces: RefCell<u64>,
}

impl<'e, 't> Oracle<'e, 't> {
    /// An oracle over `e` (an engine of the topology with stand-ins) and the variants (each
    /// with the same stand-ins).
    pub fn new(e: &'e Engine<'t>, variants: &'e [Variant], stand_ins: StandIns) -> Self {
        let variants = variants
            .iter()
            .map(|v| (v, e.variant(&v.topology)))
            .collect();
        let replacements = stand_ins.replacements();
        Oracle {
            e,
            variants,
            stand_ins,
            replacements,
            cache: Some(RefCell::new(HashMap::new())),
            shared: std::cell::OnceCell::new(),
            destinations: RefCell::new(HashMap::new()),
            traces: RefCell::new(0),
        }
    }

    /// The same oracle keeping no traces: for a caller that asks each query once (the whole
    /// map asks each place's own queries, so no two coincide), where a cache would only hold
    /// every trace in memory until the end.
    pub fn uncached(mut self) -> Self {
        self.cache = None;
        self
    }

    /// What every place's destinations and sources are drawn from, computed once.
    pub fn shared(&self) -> &crate::dest::Shared {
        self.shared
            .get_or_init(|| crate::dest::Shared::of(self.e.t))
    }

    /// The trace of a flow on the deployment and its variants, with stand-in names replaced.
    pub fn trace(&self, q: &Query) -> Option<Trace> {
        let Some(cache) = &self.cache else {
            *self.traces.borrow_mut() += 1;
            let mut t = trace_on(self.e, &self.variants, q).ok()?;
            self.unname(&mut t);
            return Some(t);
        };
        let key = format!("{}|{}|{}|{}", q.from, q.to, q.protocol.number(), q.port);
        if let Some(t) = cache.borrow().get(&key) {
            return Some(t.clone());
        }
        *self.traces.borrow_mut() += 1;
        let mut t = trace_on(self.e, &self.variants, q).ok()?;
        self.unname(&mut t);
        cache.borrow_mut().insert(key, t.clone());
        Some(t)
    }

    /// The verdict of a flow (unknown when the engine cannot place its ends).
    pub fn verdict(&self, q: &Query) -> Verdict {
        self.trace(q).map(|t| t.verdict).unwrap_or(Verdict::Unknown)
    }

    /// Replaces stand-in names in a text.
    pub fn unname_text(&self, s: &str) -> String {
        let mut s = s.to_string();
        for (n, r) in &self.replacements {
            if s.contains(n.as_str()) {
                s = s.replace(n.as_str(), r);
            }
        }
        s
    }

    fn unname(&self, t: &mut Trace) {
        let fix = |s: &mut String| *s = self.unname_text(s);
        t.to.name_mut().into_iter().for_each(fix);
        t.from.name_mut().into_iter().for_each(fix);
        // A hop's words are shared with other traces: replaced, not edited in place.
        let fix_text = |s: &mut moat_engine::trace::Text| {
            let fixed = self.unname_text(s);
            if *fixed != **s {
                *s = fixed.into();
            }
        };
        for h in t.hops.iter_mut() {
            fix_text(&mut h.element);
            fix_text(&mut h.detail);
            h.resources.iter_mut().for_each(fix_text);
        }
        t.fix.iter_mut().for_each(fix);
        t.missing.iter_mut().for_each(fix);
        t.assumptions.iter_mut().for_each(fix);
    }

    /// Whether an address names a stand-in.
    pub fn is_stand_in(&self, a: &Address) -> bool {
        match a {
            Address::Resource { kind, name, .. } => match kind {
                Kind::Storage => self.stand_ins.storage.iter().any(|(_, n)| n == name),
                Kind::Registry => self.stand_ins.registries.iter().any(|(_, n)| n == name),
                Kind::Compute => self
                    .stand_ins
                    .managed_computes
                    .iter()
                    .any(|(_, n, probe)| *probe && n == name),
                _ => false,
            },
            _ => false,
        }
    }
}
