//! SEC010 compute-local-auth.

use super::{needs, undecided};
use crate::{Context, Finding, Rule, RuleDoc, Severity};

/// The rule.
pub struct Sec010;
/// Its registration.
pub static RULE: Sec010 = Sec010;

static DOC: RuleDoc = RuleDoc {
    code: "SEC010",
    name: "compute-local-auth",
    severity: Severity::Info,
    what: "A compute instance or compute cluster keeps local authentication enabled (disableLocalAuth false, Azure's default).",
    why: "With local authentication the compute can be reached with keys and SSH credentials that are not Microsoft Entra identities: they are not governed by Azure roles or conditional access, and they work from wherever the compute can be reached.",
    example: "computes: [{ name: cpu, workspace: ws, type: AmlCompute }]",
    fix: "Set disableLocalAuth to true (azurerm: local_auth_enabled = false) so only Microsoft Entra identities authenticate.",
    sources: &[
        "Azure Machine Learning compute: disableLocalAuth <https://learn.microsoft.com/azure/templates/microsoft.machinelearningservices/workspaces/computes>",
        "peers: checkov CKV_AZURE_142 (compute clusters); PSRule Azure.ML.DisableLocalAuth",
    ],
    covers: &[],
    path: false,
};

impl Rule for Sec010 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for c in cx.t.computes.iter().filter(|c| !c.disable_local_auth) {
            let r = format!("compute/{}", c.name);
            out.push(
                Finding::new(
                    &DOC,
                    &r,
                    format!(
                        "compute {} of workspace {} accepts local authentication{}",
                        c.name,
                        c.workspace,
                        undecided(cx, &r, "disable_local_auth")
                    ),
                    DOC.fix,
                    &c.at,
                )
                .needing(needs(cx, &r, "disable_local_auth")),
            );
        }
    }
}
