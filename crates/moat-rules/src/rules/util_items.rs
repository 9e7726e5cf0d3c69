//! Helpers of the rules that check documented limits and settings: findings the model cannot
//! decide, subnet look-ups, counts per resource.

use crate::rules::util::compute_at;
use crate::rules::util_core::trace_finding;
use crate::{Context, Finding, RuleDoc, Severity};
use moat_model::address::{Address, Kind};
use moat_model::network::Subnet;
use moat_model::{Provenance, Unknown};
use moat_packets::Protocol;

/// A finding for a requirement the model cannot decide because a value it needs is unknown: a
/// warning (never more than the rule's severity) that names the value and why it is unknown.
pub fn undecided(
    doc: &RuleDoc,
    resource: String,
    what: &str,
    u: &Unknown,
    at: &Provenance,
) -> Finding {
    let message = if u.field == moat_model::external::ALL_FIELDS {
        // An external element: the reason names it and what is unknown of it.
        format!("cannot confirm that {what}: {}", u.reason)
    } else {
        format!(
            "cannot confirm that {what}: {} is not known ({})",
            u.field, u.reason
        )
    };
    // What it needs, as a trace names what its path depends on: the finding is not decided.
    let needs = u.need();
    let mut f = Finding::new(doc, resource, message, doc.fix, at).needing(Some(needs));
    f.severity = Severity::Warning.min(doc.severity);
    f
}

/// The unknown recorded for a subnet the input does not declare (or for its VNet, when the
/// VNet is not declared either), when `key` names one: every property of it is unknown.
pub fn external_subnet<'t>(cx: &Context<'_, 't>, key: &str) -> Option<&'t Unknown> {
    if !moat_model::external::is_external_subnet(cx.t, &cx.e.ix, key) {
        return None;
    }
    let (v, _) = key.split_once('/')?;
    cx.e.is_unknown(&format!("subnet/{key}"), moat_model::external::ALL_FIELDS)
        .or_else(|| {
            cx.e.is_unknown(&format!("vnet/{v}"), moat_model::external::ALL_FIELDS)
        })
}

/// A subnet by its `vnet/subnet` key.
pub fn subnet<'t>(cx: &Context<'_, 't>, key: &str) -> Option<&'t Subnet> {
    let &(v, s) = cx.e.ix.subnets.get(key)?;
    cx.t.virtual_networks.get(v)?.subnets.get(s)
}

/// One finding per VNet-placed compute whose flow to its workspace's default storage (blob,
/// TCP 443) the path engine stops at a hop with code `blocked_at`; `via` names the mechanism
/// in the message. Rules that differ only in which hop blocks share this walk.
pub fn default_storage_blocked(
    cx: &Context,
    doc: &'static RuleDoc,
    blocked_at: moat_engine::Code,
    via: &str,
    out: &mut Vec<Finding>,
) {
    for c in cx.t.computes.iter().filter(|c| c.subnet.is_some()) {
        let Some(&wi) = cx.e.ix.workspaces.get(&c.workspace) else {
            continue;
        };
        let Some(st) = &cx.t.workspaces[wi].storage_account else {
            continue;
        };
        let from = Address::Resource {
            kind: Kind::Compute,
            name: c.name.clone(),
            sub: None,
        };
        let to = Address::Resource {
            kind: Kind::Storage,
            name: st.clone(),
            sub: Some("blob".into()),
        };
        let Some(t) = cx.trace(from, to, Protocol::TCP, 443) else {
            continue;
        };
        if t.stopping_hop().map(|h| h.code) != Some(blocked_at) {
            continue;
        }
        let what = format!(
            "compute {} → default storage {st} of workspace {} ({via})",
            c.name, c.workspace
        );
        out.push(trace_finding(
            doc,
            format!("compute/{}", c.name),
            what,
            t,
            &compute_at(cx, &c.name),
        ));
    }
}

/// The compute of a finding of [`default_storage_blocked`] (`compute/<name>`), with its subnet
/// (`vnet/subnet`) and its workspace's default storage account.
pub fn blocked_storage_of<'t>(
    cx: &Context<'_, 't>,
    f: &Finding,
) -> Option<(&'t moat_model::ml::Compute, &'t str, &'t str)> {
    let c = f
        .resource
        .strip_prefix("compute/")
        .and_then(|n| cx.e.ix.computes.get(n))
        .map(|&i| &cx.t.computes[i])?;
    let storage =
        cx.e.ix
            .workspaces
            .get(&c.workspace)
            .and_then(|&wi| cx.t.workspaces[wi].storage_account.as_deref())?;
    Some((c, c.subnet.as_deref()?, storage))
}

/// The finding of a rule that compares where two resources live (their subscription or
/// tenant): `same` is the comparison's answer, or what it would need to know. A decided
/// mismatch is the rule's finding; an open one is information that names what is missing,
/// undecided (a reference whose value is unknown usually points into the same subscription, and
/// the input says nothing wrong). `None` when they match.
pub fn placement_finding(
    doc: &RuleDoc,
    resource: String,
    same: Result<bool, String>,
    mismatch: impl FnOnce() -> String,
    open: impl FnOnce() -> String,
    at: &Provenance,
) -> Option<Finding> {
    match same {
        Ok(true) => None,
        Ok(false) => Some(Finding::new(doc, resource, mismatch(), doc.fix, at)),
        Err(need) => {
            let mut f = Finding::new(doc, resource, open(), doc.fix, at).needing(Some(need));
            f.severity = Severity::Info;
            Some(f)
        }
    }
}

/// What the input leaves open of the list `field` of `resource`: the whole list, a block
/// holding it, or one of its elements (`managed_network.outbound_rules.<name>`). An element a
/// rule reports may be in the part the input does not give, so a rule that finds none in the
/// part it does give has not decided.
pub fn open_list<'t>(cx: &Context<'_, 't>, resource: &str, field: &str) -> Option<&'t Unknown> {
    cx.e.open_list(resource, field)
}

/// The undecided finding of a rule that found nothing to report in the part of the list
/// `field` of `resource` the input gives, when it leaves the rest open (see [`open_list`]);
/// `what` completes "cannot confirm that …".
pub fn open_list_finding(
    cx: &Context,
    doc: &RuleDoc,
    resource: String,
    field: &str,
    what: &str,
    at: &Provenance,
) -> Option<Finding> {
    let u = open_list(cx, &resource, field)?;
    Some(undecided(doc, resource, what, u, at))
}

/// [`open_list_finding`] for the outbound rules of a workspace's managed network.
pub fn open_outbound_rules(
    cx: &Context,
    doc: &RuleDoc,
    w: &moat_model::ml::Workspace,
    what: &str,
) -> Option<Finding> {
    let field = "managed_network.outbound_rules";
    open_list_finding(cx, doc, format!("workspace/{}", w.name), field, what, &w.at)
}

/// [`open_list_finding`] for the DNS zone group of a private endpoint.
pub fn open_zone_group(
    cx: &Context,
    doc: &RuleDoc,
    p: &moat_model::privatelink::PrivateEndpoint,
    what: &str,
) -> Option<Finding> {
    let resource = format!("private-endpoint/{}", p.name);
    open_list_finding(cx, doc, resource, "dns_zone_group", what, &p.at)
}
