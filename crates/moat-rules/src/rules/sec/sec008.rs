//! SEC008 container-registry-admin-user.

use super::{needs, undecided};
use crate::change::{Change, Setting};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};

/// The rule.
pub struct Sec008;
/// Its registration.
pub static RULE: Sec008 = Sec008;

static DOC: RuleDoc = RuleDoc {
    code: "SEC008",
    name: "container-registry-admin-user",
    severity: Severity::Warning,
    what: "A container registry has its admin user enabled.",
    why: "The admin user is one shared name and password with push and pull rights on the whole registry, usable from any network the registry admits and not limited by Azure roles; Azure ML does not need it when the workspace's managed identity has access.",
    example: "container_registries: [{ name: acr, sku: Premium, admin_user_enabled: true }]",
    fix: "Disable the admin user and grant AcrPull/AcrPush to the identities that need them (the workspace's and the computes' managed identities).",
    fix_form: FixForm::Code,
    sources: &[
        "Azure Container Registry authentication options: admin account <https://learn.microsoft.com/azure/container-registry/container-registry-authentication>",
        "peers: checkov CKV_AZURE_137; PSRule Azure.ACR.AdminUser",
    ],
    covers: &[],
    path: false,
};

impl Rule for Sec008 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for a in
            cx.t.container_registries
                .iter()
                .filter(|a| a.admin_user_enabled)
        {
            let r = format!("acr/{}", a.name);
            out.push(
                Finding::new(
                    &DOC,
                    &r,
                    format!(
                        "container registry {} has its admin user enabled{}",
                        a.name,
                        undecided(cx, &r, "admin_user_enabled")
                    ),
                    DOC.fix,
                    &a.at,
                )
                .with_change(Change::set(&r, Setting::AdminUserDisabled))
                .needing(needs(cx, &r, "admin_user_enabled")),
            );
        }
    }
}
