//! EP007 endpoint-management-is-public.

use crate::rules::sec::{PUBLIC_ACCESS, undecided};
use crate::rules::util_infra::maybe_secure;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};

/// The rule.
pub struct Ep007;
/// Its registration.
pub static RULE: Ep007 = Ep007;

static DOC: RuleDoc = RuleDoc {
    code: "EP007",
    name: "endpoint-management-is-public",
    severity: Severity::Info,
    what: "A network-isolated workspace has managed online endpoints.",
    why: "Network isolation of a managed online endpoint covers scoring (the data plane). Creating, updating and deleting endpoints and deployments, and getting their keys, go through Azure Resource Manager's public endpoint, whatever the workspace's private endpoints.",
    example: "workspaces: [{ name: ws, public_network_access: Disabled }]\nonline_endpoints: [{ name: ep, workspace: ws, public_network_access: Disabled }]",
    fix: "Nothing to change: let the tools that manage endpoints reach management.azure.com (AzureResourceManager).",
    fix_form: FixForm::Prose(prose::NOTHING),
    sources: &[doc!(HOE, "Limitations")],
    covers: &["§6.82"],
    path: false,
};

impl Rule for Ep007 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for ep in &cx.t.online_endpoints {
            let Some(&wi) = cx.e.ix.workspaces.get(&ep.workspace) else {
                continue;
            };
            // A workspace SecuredByPerimeter is isolated if its perimeter's access rules close it.
            let Some(perimeter) = maybe_secure(cx, &cx.t.workspaces[wi]) else {
                continue;
            };
            let note = if perimeter.is_some() {
                undecided(cx, &format!("workspace/{}", ep.workspace), PUBLIC_ACCESS)
            } else {
                String::new()
            };
            out.push(
                Finding::new(
                    &DOC,
                    format!("online-endpoint/{}", ep.name),
                    format!(
                        "online endpoint {} is isolated for scoring; creating, updating, deleting it and getting its keys go through public Azure Resource Manager{note}",
                        ep.name
                    ),
                    DOC.fix,
                    &ep.at,
                )
                .needing(perimeter),
            );
        }
    }
}
