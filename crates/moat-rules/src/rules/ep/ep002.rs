//! EP002 deployment-egress-public.

use crate::change::Change;
use crate::rules::sec::{PUBLIC_ACCESS, undecided};
use crate::rules::util_infra::maybe_secure;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_model::enums::PublicNetworkAccess;

/// The rule.
pub struct Ep002;
/// Its registration.
pub static RULE: Ep002 = Ep002;

static DOC: RuleDoc = RuleDoc {
    code: "EP002",
    name: "deployment-egress-public",
    severity: Severity::Warning,
    what: "A managed online deployment of a secure workspace without a managed network has egress_public_network_access enabled (Azure's default).",
    why: "With the legacy isolation method, a deployment whose egress is enabled reaches only public resources and leaves over the internet, so its model and image must come from public endpoints and any data it handles can leave too. The flag cannot be changed after the deployment is created. A custom VNet does not host managed online endpoints: without a workspace managed network, this legacy flag is the only outbound isolation they have. Workspaces with a managed network ignore the flag and are not reported.",
    example: "workspaces: [{ name: ws, public_network_access: Disabled }]\nonline_endpoints: [{ name: scoring, workspace: ws, deployments: [{ name: blue }] }]",
    fix: "Recreate the deployment with egress_public_network_access: disabled, or move the workspace to a managed network (outbound then goes through it).",
    fix_form: FixForm::Code,
    sources: &[
        doc!(PLAN, "Managed online endpoints (outbound communication)"),
        doc!(REG, "Deploy a model from registry to workspace"),
        doc!(PLAN, "Custom network isolation"),
    ],
    covers: &["§8.legacy-egress", "§6.77"],
    path: false,
};

impl Rule for Ep002 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let t = cx.t;
        for e in &t.online_endpoints {
            let Some(w) =
                cx.e.ix
                    .workspaces
                    .get(&e.workspace)
                    .map(|&i| &t.workspaces[i])
            else {
                continue;
            };
            if w.managed_network.enabled() {
                continue;
            }
            // A workspace SecuredByPerimeter is secure if its perimeter's access rules close it.
            let Some(perimeter) = maybe_secure(cx, w) else {
                continue;
            };
            let wr = format!("workspace/{}", w.name);
            let note = if perimeter.is_some() {
                undecided(cx, &wr, PUBLIC_ACCESS)
            } else {
                String::new()
            };
            for d in e
                .deployments
                .iter()
                .filter(|d| d.egress_public_network_access != PublicNetworkAccess::Disabled)
            {
                out.push(Finding::new(
                    &DOC,
                    format!("online-endpoint/{}", e.name),
                    format!(
                        "deployment {} of endpoint {} has egress_public_network_access enabled: its outbound goes to public networks, outside workspace {}'s isolation{note}",
                        d.name, e.name, w.name
                    ),
                    DOC.fix,
                    &d.at,
                ).with_change(Change::egress_disabled(&e.name, &d.name))
                .needing(perimeter.clone()));
            }
        }
    }
}
