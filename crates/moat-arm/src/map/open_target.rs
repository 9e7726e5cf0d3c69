//! Private endpoints whose target the template leaves open: a `privateLinkServiceId` given by
//! a parameter without value, or an id whose unknown parts leave more than one resource of
//! the template possible. The endpoint exists — its subnet, address and DNS records are
//! known — so it is kept, its target a placeholder recorded as unknown; analyses try each
//! resource it may connect to ([`moat_model::choices`]).

use super::{MapContext, Rec, warning};
use moat_model::address::Address;
use moat_model::privatelink::PrivateEndpoint;
use moat_model::{Topology, Unknown, choices, external};

impl Rec {
    /// The placeholder target of an endpoint of group `group` whose target id is wholly
    /// unknown (already recorded as unknown); `None` when the group names no kind either.
    pub(super) fn open_target(&self, group: &str) -> Option<Address> {
        let kind = choices::target_kind(group)?;
        let reason = self
            .unknowns
            .iter()
            .rev()
            .find(|u| u.field == "target")
            .map_or("target", |u| u.reason.as_str());
        Some(Address::resource(kind, external::placeholder(reason)))
    }
}

/// Whether the endpoint's target is open already (a placeholder recorded as unknown).
pub(super) fn is_open(t: &Topology, pe: &PrivateEndpoint) -> bool {
    t.is_unknown(&format!("private-endpoint/{}", pe.name), "target")
        .is_some()
}

/// Keeps an endpoint whose target id `raw` has unknown parts and resolves to no single
/// resource of the template: its target becomes open. `false` when `raw` is fully known (a
/// resource outside the template) or its group names no kind.
pub(super) fn keep_partial(
    t: &mut Topology,
    ctx: &mut MapContext,
    pe: &mut PrivateEndpoint,
    raw: &str,
) -> bool {
    if !raw.contains('\u{27e8}') {
        return false;
    }
    let Some(kind) = choices::target_kind(&pe.group_id) else {
        return false;
    };
    let label = format!("private-endpoint/{}", pe.name);
    let reason = format!(
        "`{raw}` has unknown parts and may name any {} {} {}, or one outside it",
        kind.as_str(),
        ctx.input.the(),
        ctx.input.deploys()
    );
    t.unknowns.push(Unknown {
        resource: label.clone(),
        field: "target".into(),
        reason: reason.clone(),
        at: pe.at.clone(),
    });
    ctx.warnings.push(warning(
        "open-target",
        format!(
            "{label}: target: {reason}; the endpoint is kept and every possible target is analysed"
        ),
        &pe.at,
        Some("give the parameters the id is built from".into()),
    ));
    pe.target = Address::resource(kind, external::placeholder(raw));
    true
}
