//! MVN001 fqdn-rules-cost.

use crate::rules::util_items::open_outbound_rules;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use moat_model::enums::{IsolationMode, OutboundRuleType};

/// The rule.
pub struct Mvn001;
/// Its registration.
pub static RULE: Mvn001 = Mvn001;

static DOC: RuleDoc = RuleDoc {
    code: "MVN001",
    name: "fqdn-rules-cost",
    severity: Severity::Info,
    what: "A managed network in AllowOnlyApprovedOutbound mode has FQDN outbound rules, so Azure provisions a managed Azure Firewall for it.",
    why: "The managed network itself is free, but FQDN rules are enforced by an Azure Firewall that Azure creates with the first FQDN rule (Standard SKU unless firewall_sku is Basic) and bills to the workspace's subscription.",
    example: "workspaces: [{ name: ws, managed_network: { isolation_mode: AllowOnlyApprovedOutbound, outbound_rules: [{ name: pypi, type: FQDN, destination: pypi.org }] } }]",
    fix: "None needed; budget for the firewall, or choose firewall_sku: Basic where its limits suit.",
    fix_form: FixForm::Prose(prose::NOTHING),
    sources: &[doc!(
        PLAN,
        "Comparison of configurations (extra costs for Azure Firewall and FQDN rules)"
    )],
    covers: &[],
    path: false,
};

impl Rule for Mvn001 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for w in cx.t.workspaces.iter().filter(|w| {
            w.managed_network.isolation_mode == IsolationMode::AllowOnlyApprovedOutbound
        }) {
            let fqdn: Vec<&str> = w
                .managed_network
                .outbound_rules
                .iter()
                .filter(|r| r.active && r.kind == OutboundRuleType::Fqdn)
                .map(|r| r.name.as_str())
                .collect();
            if fqdn.is_empty() {
                out.extend(open_outbound_rules(cx, &DOC, w, &format!(
                        "the managed network of workspace {} has no FQDN rule (which makes Azure provision a managed Azure Firewall)",
                        w.name
                    )));
                continue;
            }
            let sku = w
                .managed_network
                .firewall_sku
                .map(|s| s.as_str())
                .unwrap_or("Standard");
            out.push(Finding::new(
                &DOC,
                format!("workspace/{}", w.name),
                format!(
                    "the managed network of workspace {} has {} FQDN rule(s) ({}): Azure provisions and bills a managed Azure Firewall ({sku} SKU)",
                    w.name,
                    fqdn.len(),
                    fqdn.join(", ")
                ),
                DOC.fix,
                &w.at,
            ));
        }
    }
}
