//! SEC011 cluster-min-nodes.

use super::{needs, undecided};
use crate::change::{Change, Setting};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_model::enums::ComputeType;

/// The rule.
pub struct Sec011;
/// Its registration.
pub static RULE: Sec011 = Sec011;

static DOC: RuleDoc = RuleDoc {
    code: "SEC011",
    name: "cluster-min-nodes",
    severity: Severity::Info,
    what: "A compute cluster keeps nodes running when idle (minimum node count above 0).",
    why: "Nodes that never scale down cost money while idle and keep addresses in their subnet, and, with a node public IP, a public address, at all times.",
    example: "workspaces: [{ name: ws }]\ncomputes: [{ name: cpu, workspace: ws, type: AmlCompute, min_nodes: 1, max_nodes: 4 }]",
    fix: "Set the cluster's minimum node count to 0.",
    fix_form: FixForm::Code,
    sources: &[
        "Create an Azure Machine Learning compute cluster: minimum number of nodes <https://learn.microsoft.com/azure/machine-learning/how-to-create-attach-compute-cluster>",
        "peers: checkov CKV_AZURE_150",
    ],
    covers: &[],
    path: false,
};

impl Rule for Sec011 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for c in
            cx.t.computes
                .iter()
                .filter(|c| c.compute_type == ComputeType::AmlCompute && c.min_nodes > 0)
        {
            let r = format!("compute/{}", c.name);
            out.push(
                Finding::new(
                    &DOC,
                    &r,
                    format!(
                        "compute cluster {} keeps {} node(s) running when idle{}",
                        c.name,
                        c.min_nodes,
                        undecided(cx, &r, "min_nodes")
                    ),
                    DOC.fix,
                    &c.at,
                )
                .with_change(Change::set(&r, Setting::MinNodesZero))
                .needing(needs(cx, &r, "min_nodes")),
            );
        }
    }
}
