//! WS004 removed-endpoints-not-public.

use crate::rules::sec::{PUBLIC_ACCESS, needs, secured_by_perimeter, undecided};
use crate::rules::util_core::{endpoints_of, endpoints_open};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use moat_model::address::Kind;
use moat_model::enums::PublicNetworkAccess;

/// The rule.
pub struct Ws004;
/// Its registration.
pub static RULE: Ws004 = Ws004;

static DOC: RuleDoc = RuleDoc {
    code: "WS004",
    name: "removed-endpoints-not-public",
    severity: Severity::Info,
    what: "A workspace has public network access Disabled and no private endpoint.",
    why: "Deleting a workspace's private endpoints takes it out of the VNets they were in; it does not open the public endpoint. Such a workspace answers nobody until a private endpoint is added again or public network access is set to Enabled.",
    example: "workspaces: [{ name: ws, public_network_access: Disabled }]",
    fix: "If the workspace is meant to be public, set public network access to Enabled; otherwise add a private endpoint in the clients' VNet.",
    fix_form: FixForm::Prose(prose::DESIGN),
    sources: &[doc!(PL, "Remove a private endpoint")],
    covers: &["§6.10"],
    path: false,
};

impl Rule for Ws004 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for w in cx.t.workspaces.iter() {
            // SecuredByPerimeter: whether anything reaches it publicly is its perimeter's
            // access rules' to say, so "nothing reaches it" is undecided.
            let r = format!("workspace/{}", w.name);
            if w.public_network_access != PublicNetworkAccess::Disabled
                && !secured_by_perimeter(cx, &r)
            {
                continue;
            }
            // A project workspace is reached through its hub's endpoints.
            let owner = w.hub.as_deref().unwrap_or(&w.name);
            if !endpoints_of(cx.e, Kind::Workspace, owner).is_empty()
                || !endpoints_of(cx.e, Kind::Workspace, &w.name).is_empty()
            {
                continue;
            }
            out.push(
                Finding::new(
                    &DOC,
                    &r,
                    format!(
                        "workspace {} has public network access {} and no private endpoint: it is not public, and nothing reaches it{}",
                        w.name,
                        w.public_network_access,
                        undecided(cx, &r, PUBLIC_ACCESS)
                    ),
                    DOC.fix,
                    &w.at,
                )
                .needing(needs(cx, &r, PUBLIC_ACCESS))
                .needing(endpoints_open(cx.t, Kind::Workspace, &w.name)),
            );
        }
    }
}
