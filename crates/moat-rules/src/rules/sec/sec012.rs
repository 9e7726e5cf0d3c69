//! SEC012 instance-idle-shutdown.

use super::{compute_exposed, exposure_needs, exposure_undecided, needs, undecided};
use crate::change::{Change, Setting};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_model::enums::ComputeType;

/// The rule.
pub struct Sec012;
/// Its registration.
pub static RULE: Sec012 = Sec012;

static DOC: RuleDoc = RuleDoc {
    code: "SEC012",
    name: "instance-idle-shutdown",
    severity: Severity::Info,
    what: "A compute instance that has an address on the internet (node public IP, Azure's default, or no network the deployment controls) has no idle shutdown (idleTimeBeforeShutdown not set).",
    why: "An instance that never stops when unused keeps running, costing money and staying reachable from the internet with whatever session and credentials it holds. An instance without public IP inside a network the deployment controls is reached only from that network: there an idle instance is a matter of cost, which moat does not report.",
    example: "workspaces: [{ name: ws }]\ncomputes: [{ name: ci, workspace: ws, type: ComputeInstance }]",
    fix: "Set idleTimeBeforeShutdown (for example PT30M; CLI YAML idle_time_before_shutdown_minutes). azurerm has no attribute for it: set it with azapi or after creation.",
    fix_form: FixForm::Code,
    sources: &[
        "Create an Azure Machine Learning compute instance: configure idle shutdown <https://learn.microsoft.com/azure/machine-learning/how-to-create-compute-instance>",
        "peers: PSRule Azure.ML.ComputeIdleShutdown (a cost rule that fails every instance without idle shutdown; moat passes an instance without public IP inside a network the deployment controls)",
    ],
    covers: &[],
    path: false,
};

impl Rule for Sec012 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for c in cx.t.computes.iter().filter(|c| {
            c.compute_type == ComputeType::ComputeInstance
                && c.idle_time_before_shutdown.is_none()
                && compute_exposed(cx, c)
        }) {
            let r = format!("compute/{}", c.name);
            out.push(
                Finding::new(
                    &DOC,
                    &r,
                    format!(
                        "compute instance {} never shuts down when idle{}{}",
                        c.name,
                        undecided(cx, &r, "idle_time_before_shutdown"),
                        exposure_undecided(cx, c, &r)
                    ),
                    DOC.fix,
                    &c.at,
                )
                .with_change(Change::set(&r, Setting::IdleShutdown30Minutes))
                .needing(needs(cx, &r, "idle_time_before_shutdown"))
                .needing(exposure_needs(cx, c, &r)),
            );
        }
    }
}
