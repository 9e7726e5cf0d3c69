//! Helpers of the rules that check documented limits and settings: findings the model cannot
//! decide, subnet look-ups, counts per resource.

use crate::{Context, Finding, RuleDoc, Severity};
use moat_model::network::Subnet;
use moat_model::{Provenance, Unknown};

/// A finding for a requirement the model cannot decide because a value it needs is unknown: a
/// warning (never more than the rule's severity) that names the value and why it is unknown.
pub fn undecided(
    doc: &RuleDoc,
    resource: String,
    what: &str,
    u: &Unknown,
    at: &Provenance,
) -> Finding {
    let mut f = Finding::new(
        doc,
        resource,
        format!(
            "cannot confirm that {what}: {} is not known ({})",
            u.field, u.reason
        ),
        doc.fix,
        at,
    );
    f.severity = Severity::Warning.min(doc.severity);
    f
}

/// A subnet by its `vnet/subnet` key.
pub fn subnet<'t>(cx: &Context<'_, 't>, key: &str) -> Option<&'t Subnet> {
    let &(v, s) = cx.e.ix.subnets.get(key)?;
    cx.t.virtual_networks.get(v)?.subnets.get(s)
}
