//! MVN006 managed-network-not-provisioned.

use crate::change::{Change, Setting};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};

/// The rule.
pub struct Mvn006;
/// Its registration.
pub static RULE: Mvn006 = Mvn006;

static DOC: RuleDoc = RuleDoc {
    code: "MVN006",
    name: "managed-network-not-provisioned",
    severity: Severity::Error,
    what: "A workspace with a managed network has managed online deployments, and its managed network is not provisioned (or nothing says it is).",
    why: "Online deployments use the workspace managed network, which Azure creates lazily with the first compute. Deploying before it exists fails: provision the managed network first.",
    example: "workspaces: [{ name: ws, managed_network: { isolation_mode: AllowOnlyApprovedOutbound, provisioned: false } }]\nonline_endpoints: [{ name: ep, workspace: ws, deployments: [{ name: blue }] }]",
    fix: "Provision the managed network (az ml workspace provision-network) before creating deployments, and record it (managed_network.provisioned: true).",
    fix_form: FixForm::Code,
    sources: &[
        doc!(MN, "Manually provision a managed VNet"),
        doc!(HOE, "Prerequisites"),
    ],
    covers: &["§6.75"],
    path: false,
};

impl Rule for Mvn006 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for w in
            cx.t.workspaces
                .iter()
                .filter(|w| w.managed_network.enabled())
        {
            let Some(ep) =
                cx.t.online_endpoints
                    .iter()
                    .find(|e| e.workspace == w.name && !e.deployments.is_empty())
            else {
                continue;
            };
            let (message, severity) = match w.managed_network.provisioned {
                Some(true) => continue,
                Some(false) => (
                    format!(
                        "online endpoint {} has deployments, and the managed network of workspace {} is not provisioned: the deployments fail",
                        ep.name, w.name
                    ),
                    Severity::Error,
                ),
                // Provisioning is an action, not a property a template sets: undecided.
                None => (
                    format!(
                        "cannot confirm that the managed network of workspace {} is provisioned before online endpoint {} deploys: nothing says it is",
                        w.name, ep.name
                    ),
                    Severity::Warning,
                ),
            };
            let mut f = Finding::new(
                &DOC,
                format!("workspace/{}", w.name),
                message,
                DOC.fix,
                &w.at,
            );
            f.severity = severity;
            out.push(f.with_change(Change::set(
                format!("workspace/{}", w.name),
                Setting::ManagedNetworkProvisioned,
            )));
        }
    }
}
