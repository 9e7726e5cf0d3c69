//! EP008 egress-flag-ignored.

use crate::change::{Change, Setting};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_model::enums::PublicNetworkAccess;

/// The rule.
pub struct Ep008;
/// Its registration.
pub static RULE: Ep008 = Ep008;

static DOC: RuleDoc = RuleDoc {
    code: "EP008",
    name: "egress-flag-ignored",
    severity: Severity::Info,
    what: "A managed online deployment sets egress_public_network_access to disabled in a workspace with a managed network.",
    why: "With a workspace managed network, deployments send their outbound traffic through it and share its private endpoints; egress_public_network_access, the legacy per-deployment isolation flag, does not apply and the documentation says not to set it. Its value changes nothing: the managed network's mode and outbound rules decide what the deployment reaches.",
    example: "workspaces: [{ name: ws, managed_network: { isolation_mode: AllowOnlyApprovedOutbound } }]\nonline_endpoints: [{ name: scoring, workspace: ws, deployments: [{ name: blue, egress_public_network_access: disabled }] }]",
    fix: "Remove egress_public_network_access from the deployment; control its outbound with the managed network's isolation mode and outbound rules.",
    fix_form: FixForm::Code,
    sources: &[doc!(
        COE,
        "Secure outbound access with a workspace managed virtual network"
    )],
    covers: &["§8.egress-with-managed-network"],
    path: false,
};

impl Rule for Ep008 {
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
            if !w.managed_network.enabled() {
                continue;
            }
            for d in e
                .deployments
                .iter()
                .filter(|d| d.egress_public_network_access == PublicNetworkAccess::Disabled)
            {
                out.push(
                    Finding::new(
                        &DOC,
                        format!("online-endpoint/{}", e.name),
                        format!(
                            "deployment {} of endpoint {} sets egress_public_network_access disabled, which does not apply in workspace {}: its managed network decides the deployment's outbound",
                            d.name, e.name, w.name
                        ),
                        DOC.fix,
                        &d.at,
                    )
                    // Enabled is the flag's default: written, it says what removing it does.
                    .with_change(Change::set(
                        format!("online-deployment/{}/{}", e.name, d.name),
                        Setting::EgressPublicNetworkAccessEnabled,
                    )),
                );
            }
        }
    }
}
