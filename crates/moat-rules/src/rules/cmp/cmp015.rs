//! CMP015 compute-vnet-in-another-subscription.

use crate::rules::util_items::placement_finding;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use moat_model::placement::same_subscription;

/// The rule.
pub struct Cmp015;
/// Its registration.
pub static RULE: Cmp015 = Cmp015;

static DOC: RuleDoc = RuleDoc {
    code: "CMP015",
    name: "compute-vnet-in-another-subscription",
    severity: Severity::Error,
    what: "A compute instance or compute cluster is placed in a VNet of another subscription than its workspace (information, undecided, when the input leaves the VNet's subscription open).",
    why: "To use a compute instance or compute cluster in a virtual network, the virtual network must be in the same subscription as the workspace. A resource the input declares is in the deployment's subscription; a VNet named by a full id is in that id's subscription; one reached through a parameter or variable has an unknown subscription, and the rule then says what it would need (the deployment's subscription id, `subscription:`, or a `placements` entry for the VNet).",
    example: "subscription: 00000000-0000-0000-0000-000000000001\nworkspaces: [{ name: ws }]\ncomputes: [{ name: cpu, workspace: ws, type: AmlCompute, subnet: spoke/training }]\nvirtual_networks: [{ name: spoke, address_space: [10.0.0.0/16], subnets: [{ name: training, address_prefixes: [10.0.1.0/24] }] }]\nplacements: [{ resource: vnet/spoke, subscription: 00000000-0000-0000-0000-000000000002 }]",
    fix: "Place the compute in a VNet of the workspace's subscription (peer it with the other subscription's VNet if that network is needed).",
    fix_form: FixForm::Prose(prose::DESIGN),
    sources: &[doc!(
        TRV,
        "Compute instance/cluster network requirements (the virtual network must be in the same subscription and region as the workspace)"
    )],
    covers: &["§6.52"],
    path: false,
};

impl Rule for Cmp015 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let t = cx.t;
        for c in &t.computes {
            let Some(vnet) = c.subnet.as_deref().and_then(|s| s.split('/').next()) else {
                continue;
            };
            let (v, w) = (format!("vnet/{vnet}"), format!("workspace/{}", c.workspace));
            out.extend(placement_finding(
                &DOC,
                format!("compute/{}", c.name),
                same_subscription(t, &w, &v),
                || format!("compute {} of workspace {} is in VNet {vnet}, which is in another subscription than the workspace", c.name, c.workspace),
                || format!("cannot confirm that VNet {vnet} of compute {} is in the subscription of workspace {}", c.name, c.workspace),
                &c.at,
            ));
        }
    }
}
