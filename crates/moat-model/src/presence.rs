//! Resources that may or may not be deployed.
//!
//! A Terraform `count = var.enable ? 1 : 0` whose variable has no value, or an ARM
//! `condition` that cannot be evaluated, leaves open whether the resource exists. It is
//! neither dropped (absent is a default too) nor taken for granted: the importer imports it
//! and lists it in [`Topology::may_exist`]. Analyses then run on every [`variant`](variants)
//! of the deployment — with the resources, and without each group of them — and a result
//! that differs between variants is not decided.
//!
//! Resources that share the reason (the same unset variable, the same condition) exist or not
//! together, so they form one group. Every combination of groups is a variant (2^n − 1 of
//! them besides the base); with more than [`MAX_GROUPS`] groups, only the two extreme
//! variants (all present, all absent) are considered.

use crate::topology::Topology;
use crate::{Provenance, validate};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Most groups of may-exist resources analysed one by one.
pub const MAX_GROUPS: usize = 6;

/// A resource whose deployment the input leaves open.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MayExist {
    /// The resource as the input names it (`azurerm_machine_learning_compute_cluster.cpu`,
    /// `Microsoft.Network/privateEndpoints/pe`).
    pub resource: String,
    /// What leaves it open (`count` is unknown: `var.enable_cluster` has no value).
    pub reason: String,
    /// Where the resource is written; every element of the model with this provenance came
    /// from it.
    #[serde(
        rename = "$at",
        default,
        skip_serializing_if = "Provenance::is_unknown"
    )]
    #[schemars(skip)]
    pub at: Provenance,
    /// Fields of other elements the resource sets (a Terraform subnet–NSG association sets
    /// the subnet's NSG): without the resource they are not set.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sets: Vec<FieldSet>,
}

/// A field of an element that a may-exist resource sets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldSet {
    /// The element, as an address (`subnet/vnet/training`).
    pub element: String,
    /// The field: `network_security_group`, `route_table` or `nat_gateway` of a subnet.
    pub field: String,
}

/// The diagnostic code of a separate resource added to a parent that writes the same list
/// inline ([`InlineConflict`]).
pub const INLINE_CONFLICT: &str = "inline-conflict";

/// A rule (route, subnet) written as a separate resource and added to an NSG (route table,
/// VNet) that also writes its rules (routes, subnets) inline. Each run of the parent (a
/// Terraform apply, an ARM deployment) sends its list to Azure, whose PUT sets the parent's
/// list to it and removes the others, until the separate resource adds itself back: whether it
/// is deployed at a given time is open, and so is what is placed in it. A parent that leaves
/// the list out of a PUT whose API version still reads that as an empty list
/// ([`ListWrite::LeftOut`]) is the same case. Every importer says so in these words.
pub struct InlineConflict<'a> {
    /// The separate resource, as the input names it.
    pub resource: &'a str,
    /// The parent, as the model labels it (`vnet/core`).
    pub parent: &'a str,
    /// The resource that writes the list inline, as the input names it.
    pub owner: &'a str,
    /// What the list holds (`subnets`).
    pub what: &'a str,
    /// What writes the list in `owner` (`subnet`, `properties.subnets`).
    pub written_as: &'a str,
    /// What sends the parent to Azure: `apply`, `deployment`.
    pub run: &'a str,
    /// How `owner` sets the list.
    pub how: ListWrite<'a>,
}

/// How the parent of an [`InlineConflict`] sets its list.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ListWrite<'a> {
    /// It writes the list (even empty).
    Inline,
    /// It leaves the list out, and is sent with an API version (`None`: one the input leaves
    /// open) whose PUT removes what it leaves out all the same: only PUTs of API version
    /// `keeps_from` or later keep it.
    LeftOut {
        api_version: Option<&'a str>,
        keeps_from: &'a str,
    },
}

impl InlineConflict<'_> {
    /// The warning's message.
    pub fn message(&self) -> String {
        let Self {
            resource,
            parent,
            owner,
            what,
            written_as,
            run,
            how,
        } = self;
        match how {
            ListWrite::Inline => format!(
                "`{resource}` adds to {parent}, whose resource `{owner}` also writes its {what} inline (`{written_as}`): each {run} of `{owner}` removes it until it is added back, so whether it is deployed is left open"
            ),
            ListWrite::LeftOut {
                api_version,
                keeps_from,
            } => format!(
                "`{resource}` adds to {parent}, whose resource `{owner}` leaves its {what} out (no `{written_as}`) with {}: before {keeps_from}, Azure's PUT removes the {what} it leaves out, so each {run} of `{owner}` removes it until it is added back, and whether it is deployed is left open",
                version_phrase(*api_version)
            ),
        }
    }

    /// The warning's hint.
    pub fn hint(&self) -> String {
        let Self {
            owner,
            what,
            written_as,
            how,
            ..
        } = self;
        match how {
            ListWrite::Inline => format!(
                "write every one of the {what} inline in `{owner}`, or none of them (and no `{written_as}`) and each as a separate resource"
            ),
            ListWrite::LeftOut { keeps_from, .. } => format!(
                "send `{owner}` with API version {keeps_from} or later, whose PUT keeps the {what} it leaves out, or write every one of the {what} inline in `{owner}`"
            ),
        }
    }

    /// The separate resource, written at `at`, as one that may or may not exist. Each such
    /// resource is added back by its own PUT, in no order the input fixes, so each is open on
    /// its own: the reason names it, and it forms a group of its own.
    pub fn may_exist(&self, at: Provenance) -> MayExist {
        let Self {
            resource,
            owner,
            what,
            run,
            how,
            ..
        } = self;
        let reason = match how {
            ListWrite::Inline => format!(
                "`{owner}` writes its {what} inline, which removes `{resource}` on each {run} until it is added back"
            ),
            ListWrite::LeftOut { api_version, .. } => format!(
                "`{owner}` leaves its {what} out with {}, which removes `{resource}` on each {run} until it is added back",
                version_phrase(*api_version)
            ),
        };
        MayExist {
            resource: resource.to_string(),
            reason,
            at,
            sets: Vec::new(),
        }
    }
}

/// "API version 2022-05-01", or what stands for a version the input leaves open.
fn version_phrase(v: Option<&str>) -> String {
    match v {
        Some(v) => format!("API version {v}"),
        None => "an API version the input leaves open".into(),
    }
}

/// Clears, in `t`, the fields `sets` name (they are not set without the resource that sets
/// them).
fn unset(t: &mut Topology, sets: &[FieldSet]) {
    for f in sets {
        let Some(key) = f.element.strip_prefix("subnet/") else {
            continue;
        };
        let Some((vnet, subnet)) = key.split_once('/') else {
            continue;
        };
        let found = t
            .virtual_networks
            .iter_mut()
            .filter(|v| v.name == vnet)
            .flat_map(|v| v.subnets.iter_mut())
            .find(|s| s.name == subnet);
        if let Some(s) = found {
            match f.field.as_str() {
                "network_security_group" => s.network_security_group = None,
                "route_table" => s.route_table = None,
                "nat_gateway" => s.nat_gateway = None,
                _ => {}
            }
        }
    }
}

/// The deployment without some of its may-exist resources, or with one value the input
/// leaves open taken to be one of its possible values ([`crate::choices`]).
#[derive(Clone, Debug)]
pub struct Variant {
    pub topology: Topology,
    /// The may-exist resources left out, as [`MayExist::resource`] names them.
    pub absent: Vec<String>,
    /// Further elements left out because they sat in or referred to one left out.
    pub dependents: usize,
    /// What leaves them open, when they share it (a single group).
    pub reason: Option<String>,
    /// The open value this variant fixes, when it fixes one instead of leaving resources out.
    pub choice: Option<Choice>,
}

/// A value the input leaves open, fixed to one of its possible values in a variant.
#[derive(Clone, Debug, PartialEq)]
pub struct Choice {
    /// The element whose value it is, for a sentence (`` private endpoint `ws-pe` ``).
    pub element: String,
    /// What the value is (`connects to`).
    pub relation: String,
    /// The value in this variant (`workspace/ws`).
    pub value: String,
    /// What leaves it open.
    pub reason: String,
}

impl Variant {
    /// Where a result is unknown because of this variant: "whether `a` is deployed (…)",
    /// "what private endpoint `pe` connects to (…)".
    pub fn question(&self) -> String {
        if let Some(c) = &self.choice {
            return format!("what {} {} ({})", c.element, c.relation, c.reason);
        }
        self.absence_question()
    }

    /// The variant as a condition, for "…: {if} the flow is denied": "without it",
    /// "if it connects to workspace/ws".
    pub fn condition(&self) -> String {
        match &self.choice {
            Some(c) => format!("if it {} {}", c.relation, c.value),
            None if self.absent.len() == 1 => "without it".into(),
            None => "without them".into(),
        }
    }

    /// When a finding holds that the deployment as written gives (`in_base`) or that only
    /// this variant gives: "so", "not", "it does not connect to workspace/ws".
    pub fn holds_if(&self, in_base: bool) -> String {
        match (&self.choice, in_base) {
            (None, true) => "so".into(),
            (None, false) => "not".into(),
            (Some(c), true) => format!("it {} something other than {}", c.relation, c.value),
            (Some(c), false) => format!("it {} {}", c.relation, c.value),
        }
    }

    /// The resources left out, for a sentence: "`a`", "`a` and `b`", "`a`, `b` and 3 more";
    /// for a variant that fixes a value, the element whose value it is.
    pub fn subject(&self) -> String {
        if let Some(c) = &self.choice {
            return c.element.clone();
        }
        let names: Vec<String> = self.absent.iter().map(|a| format!("`{a}`")).collect();
        match names.len() {
            0 => String::new(),
            1 => names[0].clone(),
            2 | 3 => format!(
                "{} and {}",
                names[..names.len() - 1].join(", "),
                names[names.len() - 1]
            ),
            n => format!("{}, {} and {} more", names[0], names[1], n - 2),
        }
    }

    /// "whether `a` is deployed (its count is unknown: ...)", for what a result depends on.
    fn absence_question(&self) -> String {
        let verb = if self.absent.len() == 1 { "is" } else { "are" };
        match &self.reason {
            Some(r) => format!("whether {} {verb} deployed ({r})", self.subject()),
            None => format!("whether {} {verb} deployed", self.subject()),
        }
    }
}

/// The variants an analysis must agree on besides the deployment itself: without each group
/// of may-exist resources, and without all of them; and with each value the input leaves open
/// among the deployment's own elements ([`crate::choices`]). Empty when nothing is open.
pub fn variants(t: &Topology) -> Vec<Variant> {
    let mut out = absence_variants(t);
    out.extend(crate::choices::variants(t));
    out.extend(crate::open_settings::variants(t));
    out
}

/// The variants without may-exist resources.
fn absence_variants(t: &Topology) -> Vec<Variant> {
    let groups = groups(t);
    if groups.is_empty() {
        return Vec::new();
    }
    let mut sets: Vec<Vec<&MayExist>> = Vec::new();
    let groups: Vec<&Vec<&MayExist>> = groups.values().collect();
    if groups.len() <= MAX_GROUPS {
        // Every combination of groups absent: a result need not be monotone in what is
        // deployed (an allow rule in one group above a deny rule in another, a third group
        // allowing below both), so each group absent alone and all absent together do not
        // cover two absent at once.
        for mask in 1u32..(1 << groups.len()) {
            sets.push(
                groups
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| mask & (1 << i) != 0)
                    .flat_map(|(_, g)| g.iter().copied())
                    .collect(),
            );
        }
    } else {
        sets.push(t.may_exist.iter().collect());
    }
    sets.into_iter()
        .map(|set| {
            let ats: Vec<&Provenance> = set.iter().map(|m| &m.at).collect();
            let (mut topology, dependents) = without(t, &ats);
            for m in &set {
                unset(&mut topology, &m.sets);
            }
            let reason = set
                .iter()
                .all(|m| m.reason == set[0].reason)
                .then(|| set[0].reason.clone());
            Variant {
                topology,
                absent: set.iter().map(|m| m.resource.clone()).collect(),
                dependents,
                reason,
                choice: None,
            }
        })
        .collect()
}

/// Whether the variants are complete: every combination that matters is among them (one
/// group, or groups analysed one by one).
pub fn groups_covered(t: &Topology) -> bool {
    groups(t).len() <= MAX_GROUPS
}

/// The may-exist resources grouped by reason, in a stable order.
fn groups(t: &Topology) -> BTreeMap<&str, Vec<&MayExist>> {
    let mut out: BTreeMap<&str, Vec<&MayExist>> = BTreeMap::new();
    for m in &t.may_exist {
        out.entry(m.reason.as_str()).or_default().push(m);
    }
    out
}

/// Whether `p` is the provenance `of` names (the same file and element).
fn same(p: &Provenance, of: &Provenance) -> bool {
    if p.file != of.file {
        return false;
    }
    if !of.pointer.is_empty() {
        p.pointer == of.pointer
    } else {
        p.line == of.line && p.column == of.column && p.line != 0
    }
}

/// `t` without the elements written at `ats`, and without what then refers to a missing
/// element (a private endpoint in a subnet that is not deployed is not deployed either);
/// with the number of such dependents.
pub fn without(t: &Topology, ats: &[&Provenance]) -> (Topology, usize) {
    let mut value = match serde_json::to_value(t) {
        Ok(v) => v,
        Err(_) => return (t.clone(), 0),
    };
    let mut gone: Vec<Provenance> = ats.iter().map(|p| (*p).clone()).collect();
    strip(&mut value, &gone);
    let mut current: Topology = match serde_json::from_value(value.clone()) {
        Ok(t) => t,
        Err(_) => return (t.clone(), 0),
    };
    current
        .may_exist
        .retain(|m| !ats.iter().any(|a| same(&m.at, a)));
    // Dangling references that the deployment itself did not have come from the removal.
    let before: Vec<Provenance> = dangling(t);
    let mut dependents = 0;
    // Each round removes at least one element, so the loop ends; the bound keeps it cheap.
    for _ in 0..16 {
        let fresh: Vec<Provenance> = dangling(&current)
            .into_iter()
            .filter(|p| !p.is_unknown() && !before.contains(p) && !gone.contains(p))
            .collect();
        if fresh.is_empty() {
            break;
        }
        dependents += fresh.len();
        gone.extend(fresh.iter().cloned());
        let mut v = match serde_json::to_value(&current) {
            Ok(v) => v,
            Err(_) => break,
        };
        strip(&mut v, &fresh);
        match serde_json::from_value(v) {
            Ok(t) => current = t,
            Err(_) => break,
        }
    }
    (current, dependents)
}

/// Where the dangling references of `t` are written.
fn dangling(t: &Topology) -> Vec<Provenance> {
    let mut out: Vec<Provenance> = validate(t)
        .into_iter()
        .filter(|p| p.code == "dangling-reference")
        .map(|p| p.at)
        .collect();
    out.dedup();
    out
}

/// Removes, from every list inside `v`, the objects whose `$at` is one of `ats`.
fn strip(v: &mut serde_json::Value, ats: &[Provenance]) {
    use serde_json::Value;
    match v {
        Value::Array(items) => {
            items.retain(|x| {
                let Some(at) = x.get("$at") else {
                    return true;
                };
                let Ok(at) = serde_json::from_value::<Provenance>(at.clone()) else {
                    return true;
                };
                !ats.iter().any(|a| same(&at, a))
            });
            for x in items {
                strip(x, ats);
            }
        }
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                // The may-exist list itself names the removed resources; it is kept apart.
                if k != "may_exist" {
                    strip(x, ats);
                }
            }
        }
        _ => {}
    }
}
