//! WS005 control-plane-is-public.

use crate::rules::sec::{PUBLIC_ACCESS, needs, secured_by_perimeter, undecided};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use moat_model::enums::PublicNetworkAccess;

/// The rule.
pub struct Ws005;
/// Its registration.
pub static RULE: Ws005 = Ws005;

static DOC: RuleDoc = RuleDoc {
    code: "WS005",
    name: "control-plane-is-public",
    severity: Severity::Info,
    what: "A private workspace (public network access Disabled) is still managed through Azure Resource Manager's public endpoint.",
    why: "Private endpoints carry the data plane only: studio, the workspace APIs, the SDK. Management operations — creating, updating or deleting compute, deleting the workspace — go to Azure Resource Manager over the public internet whatever the private endpoints, so the people and pipelines that perform them need to reach management.azure.com.",
    example: "workspaces: [{ name: ws, public_network_access: Disabled }]",
    fix: "Nothing to change; allow AzureResourceManager (management.azure.com) for whoever manages the workspace.",
    fix_form: FixForm::Prose(prose::NOTHING),
    sources: &[doc!(PL, "Limitations (control plane)")],
    covers: &["§6.3"],
    path: false,
};

impl Rule for Ws005 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for w in cx.t.workspaces.iter() {
            // SecuredByPerimeter: whether the workspace is private is its perimeter's access
            // rules' to say; Resource Manager stays public either way.
            let r = format!("workspace/{}", w.name);
            if w.public_network_access != PublicNetworkAccess::Disabled
                && !secured_by_perimeter(cx, &r)
            {
                continue;
            }
            out.push(
                Finding::new(
                    &DOC,
                    &r,
                    format!(
                        "workspace {} is private, but creating or deleting compute and deleting the workspace still go through Azure Resource Manager's public endpoint{}",
                        w.name,
                        undecided(cx, &r, PUBLIC_ACCESS)
                    ),
                    DOC.fix,
                    &w.at,
                )
                .needing(needs(cx, &r, PUBLIC_ACCESS)),
            );
        }
    }
}
