//! EP003 legacy-endpoint-isolation.

use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use moat_model::enums::PublicNetworkAccess;

/// The rule.
pub struct Ep003;
/// Its registration.
pub static RULE: Ep003 = Ep003;

static DOC: RuleDoc = RuleDoc {
    code: "EP003",
    name: "legacy-endpoint-isolation",
    severity: Severity::Info,
    what: "A managed online endpoint is isolated with the legacy per-deployment managed VNet (egress_public_network_access disabled) in a workspace without a managed network.",
    why: "Custom VNets do not host managed online endpoints; their outbound can only be secured by the legacy method, which gives each deployment its own managed VNet with private endpoints to the workspace, its blob storage and its container registry. The documents do not recommend it: the workspace managed network is the supported way. With it come fixed facts: egress_public_network_access cannot be changed after the deployment is created; a deployment with egress disabled reaches only the workspace's own secured resources (its model assets must be in the workspace's storage); the deployment's managed VNet cannot be peered with your VNets; and each deployment is network-isolated from the others, whatever their settings.",
    example: "workspaces: [{ name: ws, public_network_access: Disabled }]\nonline_endpoints: [{ name: scoring, workspace: ws, deployments: [{ name: blue, egress_public_network_access: disabled }] }]",
    fix: "Move the endpoints to a workspace with a managed network (recreate them there, then switch clients).",
    fix_form: FixForm::Prose(prose::OPERATION),
    sources: &[
        doc!(
            PLAN,
            "Custom network isolation (legacy managed online endpoint managed VNet, not recommended)"
        ),
        doc!(
            COE,
            "Secure outbound access with legacy network isolation method"
        ),
    ],
    covers: &["§8.legacy-custom-vnet", "§6.83", "§6.85", "§6.86"],
    path: false,
};

impl Rule for Ep003 {
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
            let legacy: Vec<&str> = e
                .deployments
                .iter()
                .filter(|d| d.egress_public_network_access == PublicNetworkAccess::Disabled)
                .map(|d| d.name.as_str())
                .collect();
            if legacy.is_empty() {
                continue;
            }
            out.push(Finding::new(
                &DOC,
                format!("online-endpoint/{}", e.name),
                format!(
                    "endpoint {} isolates deployment(s) {} with the legacy managed VNet method (workspace {} has no managed network): each deployment gets its own private endpoints; the workspace managed network is recommended",
                    e.name,
                    legacy.join(", "),
                    w.name
                ),
                DOC.fix,
                &e.at,
            ));
        }
    }
}
