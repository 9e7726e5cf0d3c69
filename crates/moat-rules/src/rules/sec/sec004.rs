//! SEC004 registry-public.

use super::{needs, undecided};
use crate::change::{Change, Setting};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_model::enums::PublicNetworkAccess;

/// The rule.
pub struct Sec004;
/// Its registration.
pub static RULE: Sec004 = Sec004;

static DOC: RuleDoc = RuleDoc {
    code: "SEC004",
    name: "registry-public",
    severity: Severity::Info,
    what: "An Azure ML registry accepts connections from every network (public network access Enabled, Azure's default).",
    why: "A registry holds models, environments and components shared across workspaces; with public access enabled it answers any network, and its managed storage and container registry follow it unless locked separately (REG003).",
    example: "registries: [{ name: reg }]",
    fix: "Set the registry's public network access to Disabled and reach it through a private endpoint (group id amlregistry) from the VNets that use it.",
    fix_form: FixForm::Code,
    sources: &[
        "Network isolation with Azure Machine Learning registries <https://learn.microsoft.com/azure/machine-learning/how-to-registry-network-isolation>",
        "peers: none (neither checkov nor PSRule for Azure checks registries)",
    ],
    covers: &[],
    path: false,
};

impl Rule for Sec004 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for g in
            cx.t.registries
                .iter()
                .filter(|g| g.public_network_access != PublicNetworkAccess::Disabled)
        {
            let r = format!("registry/{}", g.name);
            out.push(
                Finding::new(
                    &DOC,
                    &r,
                    format!(
                        "registry {} accepts connections from every network{}",
                        g.name,
                        undecided(cx, &r, "public_network_access")
                    ),
                    DOC.fix,
                    &g.at,
                )
                .with_change(Change::set(&r, Setting::PublicNetworkAccessDisabled))
                .needing(needs(cx, &r, "public_network_access")),
            );
        }
    }
}
