//! SEC013 compute-outside-network.

use super::{needs, undecided};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};

/// The rule.
pub struct Sec013;
/// Its registration.
pub static RULE: Sec013 = Sec013;

static DOC: RuleDoc = RuleDoc {
    code: "SEC013",
    name: "compute-outside-network",
    severity: Severity::Warning,
    what: "A compute instance or compute cluster is in no network the deployment controls: no subnet of a customer VNet, and its workspace has no managed network.",
    why: "Such a compute runs in an Azure-managed network with default outbound access to the internet and public inbound management; no NSG, firewall, private endpoint or service endpoint policy of the deployment applies to it, so nothing limits where its jobs send data.",
    example: "workspaces: [{ name: ws }]\ncomputes: [{ name: cpu, workspace: ws, type: AmlCompute }]",
    fix: "Give the workspace a managed network (AllowOnlyApprovedOutbound to control egress), or place the compute in a subnet of your VNet.",
    fix_form: FixForm::Prose(prose::DESIGN),
    sources: &[
        "Secure training environments with virtual networks <https://learn.microsoft.com/azure/machine-learning/how-to-secure-training-vnet>",
        "Workspace managed virtual network isolation <https://learn.microsoft.com/azure/machine-learning/how-to-managed-network>",
        "peers: PSRule Azure.ML.ComputeVnet (which also fails computes in a managed network; moat does not, as Azure places them in the workspace's managed VNet)",
    ],
    covers: &[],
    path: false,
};

impl Rule for Sec013 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for c in cx.t.computes.iter().filter(|c| c.subnet.is_none()) {
            // A project's computes run in its hub's managed network, if it has one.
            let managed =
                cx.e.ix
                    .workspaces
                    .get(&c.workspace)
                    .map(|&i| moat_engine::ops::managed_network(cx.t, &cx.t.workspaces[i]));
            if managed == Some(Ok(true)) {
                continue;
            }
            // A hub the input does not declare may have one; a mode it leaves unknown is asked
            // value by value, as every open setting is.
            let open = moat_net::names::hub_outside(cx.t, &cx.e.ix, &c.workspace)
                .map(|hub| moat_model::external::properties_need(&format!("workspace/{hub}")));
            let r = format!("compute/{}", c.name);
            out.push(Finding::new(
                &DOC,
                &r,
                format!(
                    "compute {} is in neither a subnet of your VNet nor a managed network of workspace {}{}{}",
                    c.name,
                    c.workspace,
                    undecided(cx, &r, "subnet"),
                    undecided(cx, &r, "workspace")
                ),
                DOC.fix,
                &c.at,
            )
            .needing(needs(cx, &r, "subnet"))
            .needing(needs(cx, &r, "workspace"))
            .needing(open));
        }
    }
}
