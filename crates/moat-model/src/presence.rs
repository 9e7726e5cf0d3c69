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
//! them besides the base), together with every value left open, up to [`max_variants`]:
//! [`MAX_VARIANTS`] on any deployment, and up to [`MOST_VARIANTS`] on one small enough that
//! analysing them all stays within [`VARIANT_BUDGET`]. Past that, each dimension is varied
//! alone (groups absent all at once past [`MAX_GROUPS`]), and since a result may change in a
//! combination no variant covers, no result is decided: [`unexplored`] says what each one
//! depends on.

use crate::topology::Topology;
use crate::{Provenance, validate};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Most groups of may-exist resources whose every combination is analysed whatever the size
/// of the deployment; past it, when they cannot all be combined, they are absent all at once.
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
/// ([`ListWrite::LeftOut`]) is the same case. Every importer says so in these words. When the
/// run sends the separate resource after the parent (an ARM deployment whose `dependsOn`, or a
/// `reference()` or `list*()` of the parent by name, orders it so), it is added back before the run ends: it is deployed in the state after the
/// run, and only [`InlineConflict::message_ordered`] warns of the removal meanwhile.
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

    /// The warning's message when the run sends the separate resource after the parent (an
    /// ARM child whose `dependsOn`, or a `reference()` or `list*()` by name, reaches the
    /// parent): it is removed during each run and added
    /// back before the run ends, and moat analyses the state once the run is done.
    pub fn message_ordered(&self) -> String {
        let Self {
            resource,
            parent,
            owner,
            what,
            written_as,
            run,
            how,
        } = self;
        let back = format!(
            "each {run} of `{owner}` removes it until its own PUT, which the {run} sends after `{owner}`'s, adds it back: it is missing for a while during each {run} (or the {run} fails where Azure will not remove it while it is in use); moat analyses the state once the {run} is done, in which it is deployed"
        );
        match how {
            ListWrite::Inline => format!(
                "`{resource}` adds to {parent}, whose resource `{owner}` also writes its {what} inline (`{written_as}`): {back}"
            ),
            ListWrite::LeftOut {
                api_version,
                keeps_from,
            } => format!(
                "`{resource}` adds to {parent}, whose resource `{owner}` leaves its {what} out (no `{written_as}`) with {}: before {keeps_from}, Azure's PUT removes the {what} it leaves out, so {back}",
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

/// The deployment without some of its may-exist resources, with values the input leaves
/// open taken to be some of their possible values ([`crate::choices`],
/// [`crate::open_settings`]), or both.
#[derive(Clone, Debug)]
pub struct Variant {
    pub topology: Topology,
    /// The may-exist resources left out, as [`MayExist::resource`] names them.
    pub absent: Vec<String>,
    /// Further elements left out because they sat in or referred to one left out.
    pub dependents: usize,
    /// What leaves them open, when they share it (a single group).
    pub reason: Option<String>,
    /// The open values this variant fixes, one per element (or per cause of open settings).
    pub choices: Vec<Choice>,
    /// Set when the variants this one belongs to do not cover every combination of what the
    /// input leaves open: what every result then depends on ([`unexplored`]).
    pub unexplored: Option<String>,
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

impl Choice {
    /// "what private endpoint `pe` connects to (its target is unknown: ...)".
    fn question(&self) -> String {
        format!("what {} {} ({})", self.element, self.relation, self.reason)
    }

    /// "private endpoint `pe` connects to workspace/ws".
    fn fact(&self) -> String {
        format!("{} {} {}", self.element, self.relation, self.value)
    }
}

impl Variant {
    /// Where a result is unknown because of this variant: "whether `a` is deployed (…)",
    /// "what private endpoint `pe` connects to (…)", or several of these joined by "and".
    pub fn question(&self) -> String {
        let mut parts = Vec::new();
        if !self.absent.is_empty() {
            parts.push(self.absence_question());
        }
        parts.extend(self.choices.iter().map(Choice::question));
        parts.join(" and ")
    }

    /// The variant as a condition, for "…: {if} the flow is denied": "without it",
    /// "if it connects to workspace/ws", "if `a` is not deployed and private endpoint `pe`
    /// connects to workspace/ws".
    pub fn condition(&self) -> String {
        match (self.absent.len(), self.choices.as_slice()) {
            (0, [c]) => format!("if it {} {}", c.relation, c.value),
            (1, []) => "without it".into(),
            (_, []) => "without them".into(),
            _ => format!("if {}", self.facts().join(" and ")),
        }
    }

    /// When a finding holds that the deployment as written gives (`in_base`) or that only
    /// this variant gives: "so", "not", "it does not connect to workspace/ws".
    pub fn holds_if(&self, in_base: bool) -> String {
        match (self.absent.len(), self.choices.as_slice(), in_base) {
            (_, [], true) => "so".into(),
            (_, [], false) => "not".into(),
            (0, [c], true) => format!("it {} something other than {}", c.relation, c.value),
            (0, [c], false) => format!("it {} {}", c.relation, c.value),
            (_, _, true) => format!("it is not the case that {}", self.facts().join(" and ")),
            (_, _, false) => self.facts().join(" and "),
        }
    }

    /// When an operation the deployment as written performs is performed, given that this
    /// variant does not perform it: "if `a` is deployed", "if private endpoint `pe` connects
    /// to something other than workspace/ws".
    pub fn performed_if(&self) -> String {
        match (self.absent.len(), self.choices.as_slice()) {
            (n, []) => format!(
                "if {} {} deployed",
                self.subject(),
                if n == 1 { "is" } else { "are" }
            ),
            (0, [c]) => format!(
                "if {} {} something other than {}",
                c.element, c.relation, c.value
            ),
            _ => format!("unless {}", self.facts().join(" and ")),
        }
    }

    /// The resources left out, for a sentence: "`a`", "`a` and `b`", "`a`, `b` and 3 more";
    /// for a variant that only fixes values, the element whose value it fixes first.
    pub fn subject(&self) -> String {
        match self.choices.first() {
            Some(c) if self.absent.is_empty() => c.element.clone(),
            _ => listing(&self.absent),
        }
    }

    /// What the variant takes to hold, one sentence each: "`a` is not deployed", "private
    /// endpoint `pe` connects to workspace/ws".
    fn facts(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.absent.is_empty() {
            let verb = if self.absent.len() == 1 { "is" } else { "are" };
            out.push(format!("{} {verb} not deployed", listing(&self.absent)));
        }
        out.extend(self.choices.iter().map(Choice::fact));
        out
    }

    /// What the variant takes to hold, as one sentence: "`a` is not deployed and private
    /// endpoint `pe` connects to workspace/ws".
    pub fn stated(&self) -> String {
        self.facts().join(" and ")
    }

    /// Whether this variant takes everything `other` takes (its resources absent, its
    /// values) and maybe more: a result that differs in `other` already says it depends on
    /// those, so a note for this one would only repeat them.
    pub fn refines(&self, other: &Variant) -> bool {
        other.absent.iter().all(|a| self.absent.contains(a))
            && other.choices.iter().all(|c| self.choices.contains(c))
    }

    /// "whether `a` is deployed (its count is unknown: ...)", for what a result depends on.
    fn absence_question(&self) -> String {
        let verb = if self.absent.len() == 1 { "is" } else { "are" };
        let who = listing(&self.absent);
        match &self.reason {
            Some(r) => format!("whether {who} {verb} deployed ({r})"),
            None => format!("whether {who} {verb} deployed"),
        }
    }
}

/// Variants analysed besides the deployment as written on any deployment when every
/// combination of what the input leaves open is analysed: 6 groups of may-exist resources, or
/// fewer with open values.
pub const MAX_VARIANTS: usize = (1 << MAX_GROUPS) - 1;

/// Most variants analysed besides the deployment as written, on the smallest deployments:
/// 10 groups.
pub const MOST_VARIANTS: usize = (1 << 10) - 1;

/// Elements (resources, subnets, NSG rules, ... as [`Topology::counts`] counts them) that the
/// deployment and its variants may hold together when more than [`MAX_VARIANTS`] variants are
/// analysed. Each variant is a copy of the deployment analysed in full, so its cost grows
/// with its size (and more than linearly: the open settings of a listed estate make each
/// variant cost more than its element count says): a template of 8 elements has every
/// combination of 9 groups analysed, one of 16 of 8, one of 32 of 7, one of 33 or more of 6.
pub const VARIANT_BUDGET: usize = 4_096;

/// How many variants of `t` are analysed besides `t` itself when every combination of what
/// it leaves open is: [`MAX_VARIANTS`], doubled (plus one) while the deployment and its
/// variants stay within [`VARIANT_BUDGET`] elements, up to [`MOST_VARIANTS`].
pub fn max_variants(t: &Topology) -> usize {
    let size = t.counts().iter().map(|(_, n)| n).sum::<usize>().max(1);
    let mut cap = MAX_VARIANTS;
    while cap < MOST_VARIANTS && (2 * cap + 2) * size <= VARIANT_BUDGET {
        cap = 2 * cap + 1;
    }
    cap
}

/// The variants an analysis must agree on besides the deployment itself.
///
/// Each dimension the input leaves open — whether a group of may-exist resources is
/// deployed, what a private endpoint of unknown target connects to, what value an open
/// setting takes — is varied together with every other: a result need not follow from them
/// one at a time (an allow rule in one group above a deny rule in another; a flow that
/// either of two open settings allows). When the combinations are more than
/// [`max_variants`], each dimension is varied alone (groups absent all at once past
/// [`MAX_GROUPS`]), and [`unexplored`] says what every result depends on. Empty when nothing
/// is open.
pub fn variants(t: &Topology) -> Vec<Variant> {
    let cap = max_variants(t);
    if let Some(all) = product(t, cap) {
        return all;
    }
    let groups = groups(t);
    let every = groups.len() <= MAX_GROUPS;
    let mut out = absence_variants(t, &groups, every);
    out.extend(crate::choices::variants(t));
    out.extend(crate::open_settings::variants(t));
    let question = unexplored_question(t, &out, cap);
    for v in &mut out {
        v.unexplored = Some(question.clone());
    }
    out
}

/// Every combination of the dimensions left open, when there are at most `cap` besides the
/// deployment as written (`cap` + 1 a power of two).
fn product(t: &Topology, cap: usize) -> Option<Vec<Variant>> {
    let groups = groups(t);
    if (1usize << groups.len().min(usize::BITS as usize - 1)) > cap + 1 {
        return None;
    }
    // The combinations of values (the one as written first) that leave room for every
    // combination of groups with each.
    let room = (cap + 1) >> groups.len();
    let mut valued = Vec::new();
    values(t, Vec::new(), &mut Vec::new(), room, &mut valued)?;
    let mut out = Vec::new();
    for (i, (topology, choices)) in valued.into_iter().enumerate() {
        let mut absent = absence_variants(&topology, &groups, true);
        for a in &mut absent {
            a.choices = choices.clone();
        }
        if i > 0 {
            out.push(Variant {
                topology,
                absent: Vec::new(),
                dependents: 0,
                reason: None,
                choices,
                unexplored: None,
            });
        }
        out.extend(absent);
    }
    Some(out)
}

/// The combinations of open values of `t` past the dimensions in `done`, each with the
/// choices that lead to it (`chosen` so far), into `out`; `None` past `room` of them.
///
/// One dimension at a time: its value as written (the dimension stays open in the model,
/// as in the deployment itself), then each other value, and for each the rest of the
/// dimensions.
fn values(
    t: &Topology,
    chosen: Vec<Choice>,
    done: &mut Vec<(String, String)>,
    room: usize,
    out: &mut Vec<(Topology, Vec<Choice>)>,
) -> Option<()> {
    let key = |c: &Choice| (c.element.clone(), c.reason.clone());
    let mut one = Vec::new();
    crate::choices::within(t, room, &mut one).ok()?;
    one.extend(crate::open_settings::within(t, room)?);
    one.retain(|v| v.choices.first().is_some_and(|c| !done.contains(&key(c))));
    let Some(dimension) = one.first().and_then(|v| v.choices.first()).map(key) else {
        out.push((t.clone(), chosen));
        return (out.len() <= room).then_some(());
    };
    one.retain(|v| v.choices.first().is_some_and(|c| key(c) == dimension));
    done.push(dimension);
    values(t, chosen.clone(), done, room, out)?;
    for v in one {
        let mut next = chosen.clone();
        next.extend(v.choices);
        values(&v.topology, next, done, room, out)?;
    }
    done.pop();
    Some(())
}

/// The variants of `t` without may-exist resources: every combination of `groups` absent
/// when `every` (the caller bounds their number), else all absent at once.
fn absence_variants(
    t: &Topology,
    groups: &BTreeMap<&str, Vec<&MayExist>>,
    every: bool,
) -> Vec<Variant> {
    if groups.is_empty() {
        return Vec::new();
    }
    let mut sets: Vec<Vec<&MayExist>> = Vec::new();
    let groups: Vec<&Vec<&MayExist>> = groups.values().collect();
    if every {
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
        sets.push(groups.iter().flat_map(|g| g.iter().copied()).collect());
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
                choices: Vec::new(),
                unexplored: None,
            }
        })
        .collect()
}

/// Whether `variants` vary one dimension only: one group of may-exist resources, or one open
/// value (by element and reason). Then the values a variant fixes are the only way a result
/// can differ from the deployment as written, and a note may say "only if"; with several, a
/// variant leaves the others as written, and shows no more than that its own values, with
/// those, change the result.
pub fn one_dimension(variants: &[Variant]) -> bool {
    // Past the combinations analysed, groups are left out all at once: one set of them is
    // still several dimensions.
    if unexplored(variants).is_some() {
        return false;
    }
    let mut values: foldhash::HashSet<(&str, &str)> = foldhash::HashSet::default();
    let mut absent: foldhash::HashSet<Vec<&str>> = foldhash::HashSet::default();
    for v in variants {
        values.extend(
            v.choices
                .iter()
                .map(|c| (c.element.as_str(), c.reason.as_str())),
        );
        if !v.absent.is_empty() {
            let mut set: Vec<&str> = v.absent.iter().map(String::as_str).collect();
            set.sort_unstable();
            absent.insert(set);
        }
    }
    // One group is left out whole in every variant that leaves any of it out.
    values.len() + absent.len().min(2) <= 1
}

/// Resources for a sentence: "`a`", "`a` and `b`", "`a`, `b` and 3 more".
fn listing(resources: &[String]) -> String {
    let names: Vec<String> = resources.iter().map(|a| format!("`{a}`")).collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [first, second, _, _, ..] => {
            format!("{first}, {second} and {} more", names.len() - 2)
        }
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// What every result depends on when `variants` do not cover every combination of what the
/// input leaves open ([`max_variants`]): "whether `a`, `b` and 5 more are deployed and what
/// private endpoint `pe` connects to (...): past the combinations analysed ...". `None` when they do.
///
/// A result the deployment as written and the variants agree on may still differ in a
/// combination no variant covers (two conditional allow rules above a conditional deny rule,
/// each on its own condition), so it is not decided: an undecided answer names what to fix,
/// while a decided one taken from part of the combinations could be a wrong "allowed".
pub fn unexplored(variants: &[Variant]) -> Option<&str> {
    variants.first().and_then(|v| v.unexplored.as_deref())
}

/// The question [`unexplored`] gives for the variants of `t` one dimension at a time.
fn unexplored_question(t: &Topology, one_by_one: &[Variant], cap: usize) -> String {
    let mut parts = Vec::new();
    let groups = groups(t).len();
    if groups > 0 {
        let resources: Vec<String> = t.may_exist.iter().map(|m| m.resource.clone()).collect();
        let verb = if resources.len() == 1 { "is" } else { "are" };
        parts.push(format!(
            "whether {} {verb} deployed ({groups} {})",
            listing(&resources),
            if groups == 1 { "group" } else { "groups" }
        ));
    }
    let mut open: Vec<&Choice> = Vec::new();
    for c in one_by_one.iter().flat_map(|v| &v.choices) {
        if !open
            .iter()
            .any(|o| o.element == c.element && o.reason == c.reason)
        {
            open.push(c);
        }
    }
    parts.extend(open.iter().take(3).map(|c| c.question()));
    if open.len() > 3 {
        parts.push(format!("{} more values left open", open.len() - 3));
    }
    format!(
        "{}: these leave more than {cap} combinations, which are not analysed one by one; give them values",
        parts.join(" and ")
    )
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
    let written: Vec<String> = t.index().subnets.into_keys().collect();
    forget_rules_to_removed_subnets(&mut current, &written);
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
        forget_rules_to_removed_subnets(&mut current, &written);
    }
    (current, dependents)
}

/// Drops, from the resource firewalls of `t`, the virtual network rules to subnets of
/// `written` that `t` no longer has. A storage account, key vault or registry whose rule names
/// a deleted subnet is still deployed (Azure keeps the rule, in state `NetworkSourceDeleted`);
/// the rule only admits nothing. Rules to subnets the deployment never had are kept, for
/// `validate` to report.
fn forget_rules_to_removed_subnets(t: &mut Topology, written: &[String]) {
    let present = t.index().subnets;
    let removed = |sn: &String| written.contains(sn) && !present.contains_key(sn);
    for s in &mut t.storage_accounts {
        s.network_rules
            .virtual_network_rules
            .retain(|sn| !removed(sn));
    }
    for k in &mut t.key_vaults {
        k.network_acls
            .virtual_network_rules
            .retain(|sn| !removed(sn));
    }
    for a in &mut t.container_registries {
        a.network_rule_set
            .virtual_network_rules
            .retain(|sn| !removed(sn));
    }
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
