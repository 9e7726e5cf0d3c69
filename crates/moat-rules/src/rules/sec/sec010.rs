//! SEC010 compute-local-auth.

use super::{compute_exposed, exposure_needs, exposure_undecided, needs, undecided};
use crate::change::{Change, Setting};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};

/// The rule.
pub struct Sec010;
/// Its registration.
pub static RULE: Sec010 = Sec010;

static DOC: RuleDoc = RuleDoc {
    code: "SEC010",
    name: "compute-local-auth",
    severity: Severity::Warning,
    what: "A compute instance or compute cluster that has an address on the internet (node public IP, Azure's default, or no network the deployment controls) keeps local authentication enabled (disableLocalAuth false, Azure's default).",
    why: "With local authentication the compute can be reached with keys and SSH credentials that are not Microsoft Entra identities: they are not governed by Azure roles or conditional access, and they work from wherever the compute can be reached. On a compute with a public address that is anywhere; a compute without public IP in a subnet of your VNet or a managed network is reached only from inside that network, where the network's own controls apply, so moat does not report it.",
    example: "workspaces: [{ name: ws }]\ncomputes: [{ name: cpu, workspace: ws, type: AmlCompute }]",
    fix: "Set disableLocalAuth to true (azurerm: local_auth_enabled = false) so only Microsoft Entra identities authenticate.",
    fix_form: FixForm::Code,
    sources: &[
        "Azure Machine Learning compute: disableLocalAuth <https://learn.microsoft.com/azure/templates/microsoft.machinelearningservices/workspaces/computes>",
        "Compute instance and cluster without public IP <https://learn.microsoft.com/azure/machine-learning/how-to-secure-training-vnet>",
        "peers: checkov CKV_AZURE_142 (compute clusters); PSRule Azure.ML.DisableLocalAuth (both fail local authentication on any compute; moat passes a compute without public IP inside a network the deployment controls)",
    ],
    covers: &[],
    path: false,
};

impl Rule for Sec010 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for c in
            cx.t.computes
                .iter()
                .filter(|c| !c.disable_local_auth && compute_exposed(cx, c))
        {
            let r = format!("compute/{}", c.name);
            out.push(
                Finding::new(
                    &DOC,
                    &r,
                    format!(
                        "compute {} of workspace {} has a public address and accepts local authentication{}{}{}",
                        c.name,
                        c.workspace,
                        undecided(cx, &r, "disable_local_auth"),
                        undecided(cx, &r, "enable_node_public_ip"),
                        exposure_undecided(cx, c, &r)
                    ),
                    DOC.fix,
                    &c.at,
                )
                .with_change(Change::set(&r, Setting::LocalAuthDisabled))
                .needing(needs(cx, &r, "disable_local_auth"))
                .needing(exposure_needs(cx, c, &r)),
            );
        }
    }
}
