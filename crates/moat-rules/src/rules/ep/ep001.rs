//! EP001 endpoint-public-inbound.

use crate::change::{Change, Setting};
use crate::rules::sec::{PUBLIC_ACCESS, needs, undecided};
use crate::rules::util_infra::maybe_secure;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_model::enums::PublicNetworkAccess;

/// The rule.
pub struct Ep001;
/// Its registration.
pub static RULE: Ep001 = Ep001;

static DOC: RuleDoc = RuleDoc {
    code: "EP001",
    name: "endpoint-public-inbound",
    severity: Severity::Warning,
    what: "A managed online endpoint of a secure workspace (public access Disabled, a private endpoint, or a managed network) keeps public_network_access enabled, Azure's default.",
    why: "Scoring requests reach a managed online endpoint through the workspace's private endpoint only when the endpoint's public_network_access is disabled; left enabled, the endpoint also answers from the internet, outside the isolation the workspace was given. With the workspace's public access Disabled the combination is not supported.",
    example: "workspaces: [{ name: ws, public_network_access: Disabled }]\nonline_endpoints: [{ name: scoring, workspace: ws }]",
    fix: "Set public_network_access: disabled on the endpoint and score through the workspace's private endpoint.",
    fix_form: FixForm::Code,
    sources: &[doc!(
        PLAN,
        "Managed online endpoints (inbound communication)"
    )],
    covers: &["§8.endpoint-public-inbound"],
    path: false,
};

impl Rule for Ep001 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let t = cx.t;
        for e in t
            .online_endpoints
            .iter()
            .filter(|e| e.public_network_access != PublicNetworkAccess::Disabled)
        {
            let Some(w) =
                cx.e.ix
                    .workspaces
                    .get(&e.workspace)
                    .map(|&i| &t.workspaces[i])
            else {
                continue;
            };
            // A workspace SecuredByPerimeter may be as closed as one with public access
            // Disabled: whether it is secure is its perimeter's to say.
            let wr = format!("workspace/{}", w.name);
            let Some(perimeter_ws) = maybe_secure(cx, w) else {
                continue;
            };
            let r = format!("online-endpoint/{}", e.name);
            let note = if w.public_network_access == PublicNetworkAccess::Disabled {
                " (with the workspace's public access Disabled this combination is not supported)"
            } else {
                ""
            };
            out.push(
                Finding::new(
                    &DOC,
                    &r,
                    format!(
                        "managed online endpoint {} of secure workspace {} accepts scoring from public networks{note}{}{}",
                        e.name,
                        w.name,
                        undecided(cx, &r, PUBLIC_ACCESS),
                        if perimeter_ws.is_some() { undecided(cx, &wr, PUBLIC_ACCESS) } else { String::new() }
                    ),
                    DOC.fix,
                    &e.at,
                )
                .with_change(Change::set(&r, Setting::PublicNetworkAccessDisabled))
                .needing(needs(cx, &r, PUBLIC_ACCESS))
                .needing(perimeter_ws),
            );
        }
    }
}
