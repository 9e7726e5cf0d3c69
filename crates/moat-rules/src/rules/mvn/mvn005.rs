//! MVN005 outbound-rules-without-effect.

use crate::rules::util_items::open_outbound_rules;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use moat_model::enums::{IsolationMode, OutboundRuleCategory, OutboundRuleType};

/// The rule.
pub struct Mvn005;
/// Its registration.
pub static RULE: Mvn005 = Mvn005;

static DOC: RuleDoc = RuleDoc {
    code: "MVN005",
    name: "outbound-rules-without-effect",
    severity: Severity::Warning,
    what: "A managed network in AllowInternetOutbound mode has service tag or FQDN outbound rules.",
    why: "Service tag and FQDN outbound rules exist only in AllowOnlyApprovedOutbound mode. In AllowInternetOutbound mode every outbound destination is already open, so such rules restrict nothing: a design that counts on them to limit outbound traffic does not.",
    example: "workspaces: [{ name: ws, managed_network: { isolation_mode: AllowInternetOutbound, outbound_rules: [{ name: pypi, type: FQDN, destination: pypi.org }] } }]",
    fix: "Switch the managed network to AllowOnlyApprovedOutbound if outbound must be limited to these rules; otherwise remove them.",
    fix_form: FixForm::Prose(prose::DESIGN),
    sources: &[doc!(
        MN,
        "Managed virtual network architecture (outbound rules)"
    )],
    covers: &["§6.66"],
    path: false,
};

impl Rule for Mvn005 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for w in
            cx.t.workspaces.iter().filter(|w| {
                w.managed_network.isolation_mode == IsolationMode::AllowInternetOutbound
            })
        {
            let names: Vec<&str> = w
                .managed_network
                .outbound_rules
                .iter()
                .filter(|r| {
                    matches!(
                        r.kind,
                        OutboundRuleType::Fqdn | OutboundRuleType::ServiceTag
                    )
                })
                .filter(|r| {
                    !matches!(
                        r.category,
                        Some(OutboundRuleCategory::Required | OutboundRuleCategory::Dependency)
                    )
                })
                .map(|r| r.name.as_str())
                .collect();
            if names.is_empty() {
                out.extend(open_outbound_rules(cx, &DOC, w, &format!(
                        "the managed network of workspace {}, which allows internet outbound, has no service tag or FQDN rule of its own (such rules restrict nothing there)",
                        w.name
                    )));
                continue;
            }
            out.push(Finding::new(
                &DOC,
                format!("workspace/{}", w.name),
                format!(
                    "the managed network of workspace {} allows internet outbound; its service tag and FQDN rules ({}) restrict nothing",
                    w.name,
                    names.join(", ")
                ),
                DOC.fix,
                &w.at,
            ));
        }
    }
}
