//! Helpers shared by rules: failing flows of operations, addresses, regions.

use crate::context::Context;
use moat_engine::ops::{FlowResult, OpResult};
use moat_engine::{OpId, Verdict};
use moat_model::Provenance;
use moat_model::address::{Address, Kind};

/// The flows of an operation that did not pass, with their operation result.
pub fn failing_flows<'c>(cx: &'c Context, op: OpId) -> Vec<(&'c OpResult, &'c FlowResult)> {
    cx.op(op)
        .flat_map(|r| {
            r.flows
                .iter()
                .filter(|f| f.verdict != Verdict::Allowed)
                .map(move |f| (r, f))
        })
        .collect()
}

/// The destination address of a flow's trace.
pub fn destination(f: &FlowResult) -> Option<Address> {
    Some(f.trace.to.clone())
}

/// Whether an address is a given kind and sub-resource.
pub fn is(a: &Address, kind: Kind, sub: Option<&str>) -> bool {
    matches!(a, Address::Resource { kind: k, sub: s, .. } if *k == kind && s.as_deref() == sub)
}

/// The name in a resource address.
pub fn name_of(a: &Address) -> &str {
    match a {
        Address::Resource { name, .. } => name,
        _ => "",
    }
}

/// Where a workspace is written.
pub fn workspace_at(cx: &Context, name: &str) -> Provenance {
    cx.e.ix
        .workspaces
        .get(name)
        .map(|&i| cx.t.workspaces[i].at.clone())
        .unwrap_or_default()
}

/// Where a compute is written.
pub fn compute_at(cx: &Context, name: &str) -> Provenance {
    cx.e.ix
        .computes
        .get(name)
        .map(|&i| cx.t.computes[i].at.clone())
        .unwrap_or_default()
}

/// Where a registry is written.
pub fn registry_at(cx: &Context, name: &str) -> Provenance {
    cx.e.ix
        .registries
        .get(name)
        .map(|&i| cx.t.registries[i].at.clone())
        .unwrap_or_default()
}

/// The regional spelling of a tag for a region (`Storage.EastUS`).
pub fn regional(base: &str, region: Option<&str>) -> String {
    match region {
        Some(r) => format!("{base}.{}", moat_net::tags::region_suffix(r)),
        None => base.to_string(),
    }
}

/// A short verdict word for messages.
pub fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Allowed => "allowed",
        Verdict::Denied => "blocked",
        Verdict::Unknown => "not decidable from the model",
    }
}

/// A finding for a flow that did not pass: errors for denied flows; for flows the model cannot
/// decide, a warning that says what is missing.
pub fn flow_finding(
    doc: &crate::RuleDoc,
    resource: String,
    what: String,
    f: &FlowResult,
    at: &Provenance,
) -> crate::Finding {
    let t = &f.trace;
    let (message, severity) = match t.verdict {
        Verdict::Unknown => (
            format!(
                "cannot confirm that {what}: {}",
                t.missing
                    .first()
                    .cloned()
                    .unwrap_or_else(|| "the model lacks a value".into())
            ),
            crate::Severity::Warning.min(doc.severity),
        ),
        _ => {
            let by = t
                .blocked_by()
                .map(|h| format!(" ({}: {})", h.element, h.detail))
                .unwrap_or_default();
            (
                format!("{what} is {}{by}", verdict_word(t.verdict)),
                doc.severity,
            )
        }
    };
    let fix = t.fix.clone().unwrap_or_else(|| doc.fix.to_string());
    let mut finding = crate::Finding::new(doc, resource, message, fix, at).with_trace(t.clone());
    finding.severity = severity;
    finding
}
