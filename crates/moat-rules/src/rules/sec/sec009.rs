//! SEC009 container-registry-anonymous-pull.

use super::{needs, undecided};
use crate::change::{Change, Setting};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_model::enums::AcrSku;

/// The rule.
pub struct Sec009;
/// Its registration.
pub static RULE: Sec009 = Sec009;

static DOC: RuleDoc = RuleDoc {
    code: "SEC009",
    name: "container-registry-anonymous-pull",
    severity: Severity::Warning,
    what: "A Standard or Premium container registry allows anonymous (unauthenticated) pull.",
    why: "Anyone who can reach the registry's endpoint can pull every image without credentials; the network path is then the only boundary around the workspace's images.",
    example: "container_registries: [{ name: acr, sku: Premium, anonymous_pull_enabled: true }]",
    fix: "Disable anonymous pull and grant AcrPull to the identities that pull.",
    fix_form: FixForm::Code,
    sources: &[
        "Make your container registry content publicly available <https://learn.microsoft.com/azure/container-registry/anonymous-pull-access>",
        "peers: checkov CKV_AZURE_138; PSRule Azure.ACR.AnonymousAccess",
    ],
    covers: &[],
    path: false,
};

impl Rule for Sec009 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        // Anonymous pull exists on the Standard and Premium tiers only.
        for a in
            cx.t.container_registries
                .iter()
                .filter(|a| a.anonymous_pull_enabled && a.sku != AcrSku::Basic)
        {
            let r = format!("acr/{}", a.name);
            out.push(Finding::new(
                &DOC,
                &r,
                format!(
                    "container registry {} lets anyone who reaches it pull images without credentials{}",
                    a.name,
                    undecided(cx, &r, "anonymous_pull_enabled")
                ),
                DOC.fix,
                &a.at,
            )
.with_change(Change::set(&r, Setting::AnonymousPullDisabled)).needing(needs(cx, &r, "anonymous_pull_enabled")));
        }
    }
}
