//! EP006 endpoint-public-under-private-workspace.

use crate::change::{Change, Setting};
use crate::rules::sec::{PUBLIC_ACCESS, needs, secured_by_perimeter, undecided};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_model::enums::PublicNetworkAccess;

/// The rule.
pub struct Ep006;
/// Its registration.
pub static RULE: Ep006 = Ep006;

static DOC: RuleDoc = RuleDoc {
    code: "EP006",
    name: "endpoint-public-under-private-workspace",
    severity: Severity::Warning,
    what: "A managed online endpoint has public network access enabled while its workspace's public access is Disabled.",
    why: "Scoring enters through the workspace: with workspace public access Disabled every public caller is rejected, whatever the endpoint says. The combination is documented as not supported; the endpoint's setting promises a public access that does not exist.",
    example: "workspaces: [{ name: ws, public_network_access: Disabled }]\nonline_endpoints: [{ name: ep, workspace: ws, public_network_access: Enabled }]",
    fix: "Set the endpoint's public network access to disabled and score through the workspace private endpoint, or open the workspace (all or selected IP addresses).",
    fix_form: FixForm::Code,
    sources: &[doc!(
        PL,
        "Enable public access only from internet IP ranges (managed online endpoints)"
    )],
    covers: &["§8.ws-disabled-endpoint-enabled"],
    path: false,
};

impl Rule for Ep006 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for ep in &cx.t.online_endpoints {
            if ep.public_network_access == PublicNetworkAccess::Disabled {
                continue;
            }
            let Some(&wi) = cx.e.ix.workspaces.get(&ep.workspace) else {
                continue;
            };
            // A workspace SecuredByPerimeter rejects every public caller its perimeter does
            // not admit: whether that is every one is the perimeter's to say.
            let wr = format!("workspace/{}", ep.workspace);
            let perimeter_ws = secured_by_perimeter(cx, &wr);
            if cx.t.workspaces[wi].public_network_access != PublicNetworkAccess::Disabled
                && !perimeter_ws
            {
                continue;
            }
            let r = format!("online-endpoint/{}", ep.name);
            out.push(Finding::new(
                &DOC,
                &r,
                format!(
                    "online endpoint {} allows public access, but workspace {} rejects every public caller (unsupported combination){}{}",
                    ep.name, ep.workspace,
                    undecided(cx, &r, PUBLIC_ACCESS),
                    undecided(cx, &wr, PUBLIC_ACCESS)
                ),
                DOC.fix,
                &ep.at,
            )
            .needing(needs(cx, &r, PUBLIC_ACCESS))
            .needing(needs(cx, &wr, PUBLIC_ACCESS))
            // The first fix: the endpoint private as well, scored through the workspace's
            // private endpoint.
            .with_change(Change::set(&r, Setting::PublicNetworkAccessDisabled)));
        }
    }
}
