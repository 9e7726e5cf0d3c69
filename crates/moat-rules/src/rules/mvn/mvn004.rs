//! MVN004 managed-network-firewall-premium.

use crate::change::{Change, Setting};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_model::enums::FirewallSku;

/// The rule.
pub struct Mvn004;
/// Its registration.
pub static RULE: Mvn004 = Mvn004;

static DOC: RuleDoc = RuleDoc {
    code: "MVN004",
    name: "managed-network-firewall-premium",
    severity: Severity::Error,
    what: "A workspace managed network asks for a Premium Azure Firewall.",
    why: "The managed Azure Firewall that a managed network provisions for FQDN rules comes in the Standard or Basic SKU only; Premium is not supported, and the managed network configuration is rejected.",
    example: "workspaces: [{ name: ws, managed_network: { isolation_mode: AllowOnlyApprovedOutbound, firewall_sku: Premium } }]",
    fix: "Set the managed network firewall SKU to Standard (or Basic).",
    fix_form: FixForm::Code,
    sources: &[doc!(MN, "Limitations")],
    covers: &["§6.71"],
    path: false,
};

impl Rule for Mvn004 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for w in &cx.t.workspaces {
            let mn = &w.managed_network;
            if !mn.enabled() || mn.firewall_sku != Some(FirewallSku::Premium) {
                continue;
            }
            out.push(Finding::new(
                &DOC,
                format!("workspace/{}", w.name),
                format!(
                    "the managed network of workspace {} asks for a Premium firewall, which managed networks do not support",
                    w.name
                ),
                DOC.fix,
                &w.at,
            ).with_change(Change::set(
                format!("workspace/{}", w.name),
                Setting::ManagedFirewallStandard,
            )));
        }
    }
}
