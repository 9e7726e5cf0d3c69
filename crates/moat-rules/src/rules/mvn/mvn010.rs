//! MVN010 scope-lock-with-managed-network.

use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};

/// The rule.
pub struct Mvn010;
/// Its registration.
pub static RULE: Mvn010 = Mvn010;

static DOC: RuleDoc = RuleDoc {
    code: "MVN010",
    name: "scope-lock-with-managed-network",
    severity: Severity::Warning,
    what: "The deployment holds management locks (scope locks) beside a workspace with a managed network.",
    why: "Internal operations of the managed network (creating and deleting its private endpoints and firewall, provisioning) can be blocked by a scope lock on the Azure Machine Learning resources or their resource group; the documentation asks for no scope locks there. moat does not read which scope a lock applies to, so the finding is not decided: it holds when the lock covers the workspace, its resources or their resource group.",
    example: "workspaces: [{ name: ws, managed_network: { isolation_mode: AllowInternetOutbound } }]\nunmodelled: [{ resource_type: Microsoft.Authorization/locks, name: no-delete }]",
    fix: "Remove the lock from the Azure Machine Learning resources and their resource group (protect them with role assignments or Azure Policy instead).",
    fix_form: FixForm::Prose(prose::OUTSIDE),
    sources: &[doc!(MN, "Limitations")],
    covers: &["§6.68"],
    path: false,
};

/// Whether an unmodelled resource type is a management lock: `Microsoft.Authorization/locks`
/// (also as an extension resource, `<type>/providers/locks`) or Terraform's
/// `azurerm_management_lock`.
fn is_lock(resource_type: &str) -> bool {
    let t = resource_type.to_ascii_lowercase();
    t == "microsoft.authorization/locks"
        || t.ends_with("/providers/locks")
        || t == "azurerm_management_lock"
}

impl Rule for Mvn010 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let managed: Vec<&str> =
            cx.t.workspaces
                .iter()
                .filter(|w| w.managed_network.enabled())
                .map(|w| w.name.as_str())
                .collect();
        if managed.is_empty() {
            return;
        }
        for l in cx.t.unmodelled.iter().filter(|u| is_lock(&u.resource_type)) {
            out.push(
                Finding::new(
                    &DOC,
                    format!("workspace/{}", managed[0]),
                    format!(
                        "lock {} ({}) sits beside workspace{} {} with a managed network: a scope lock on the Azure ML resources or their resource group can block the managed network's internal operations",
                        l.name,
                        l.resource_type,
                        if managed.len() > 1 { "s" } else { "" },
                        managed.join(", ")
                    ),
                    DOC.fix,
                    &l.at,
                )
                .needing(Some(format!(
                    "the scope of lock {}: moat does not read what a lock applies to",
                    l.name
                ))),
            );
        }
    }
}
