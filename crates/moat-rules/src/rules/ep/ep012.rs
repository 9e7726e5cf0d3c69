//! EP012 endpoint-resources-in-another-subscription.

use crate::rules::util_items::placement_finding;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use moat_model::placement::same_subscription;

/// The rule.
pub struct Ep012;
/// Its registration.
pub static RULE: Ep012 = Ep012;

static DOC: RuleDoc = RuleDoc {
    code: "EP012",
    name: "endpoint-resources-in-another-subscription",
    severity: Severity::Error,
    what: "A workspace with managed online endpoints has an associated resource (container registry, storage account, key vault, Application Insights) in another subscription or tenant than the workspace (information, undecided, when the input leaves that open).",
    why: "With network isolation, online endpoints can use workspace-associated resources from another resource group than the workspace's, but those resources must belong to the same subscription and tenant as the workspace. A resource the input declares is in the deployment's subscription; one named by an id of another subscription, or declared in `placements`, is where that says.",
    example: "subscription: 00000000-0000-0000-0000-000000000001\nworkspaces: [{ name: ws, storage_account: st }]\nstorage_accounts: [{ name: st }]\nonline_endpoints: [{ name: ep, workspace: ws }]\nplacements: [{ resource: storage/st, subscription: 00000000-0000-0000-0000-000000000002 }]",
    fix: "Use associated resources of the workspace's subscription and tenant (another resource group is fine).",
    fix_form: FixForm::Prose(prose::DESIGN),
    sources: &[doc!(
        HOE,
        "Limitations (workspace-associated resources in the same subscription and tenant)"
    )],
    covers: &["§6.81"],
    path: false,
};

impl Rule for Ep012 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let t = cx.t;
        for w in &t.workspaces {
            if !t.online_endpoints.iter().any(|e| e.workspace == w.name) {
                continue;
            }
            let ws = format!("workspace/{}", w.name);
            let associated = [
                ("storage", &w.storage_account),
                ("keyvault", &w.key_vault),
                ("acr", &w.container_registry),
                ("application-insights", &w.application_insights),
            ];
            for (kind, name) in associated {
                let Some(name) = name.as_deref() else {
                    continue;
                };
                let r = format!("{kind}/{name}");
                // One subscription is in one tenant: the subscription decides both.
                let same = same_subscription(t, &ws, &r);
                out.extend(placement_finding(
                    &DOC,
                    ws.clone(),
                    same,
                    || format!("{r}, associated with workspace {} that has online endpoints, is in another subscription or tenant than the workspace", w.name),
                    || format!("cannot confirm that {r}, associated with workspace {} that has online endpoints, is in the workspace's subscription and tenant", w.name),
                    &w.at,
                ));
            }
        }
    }
}
