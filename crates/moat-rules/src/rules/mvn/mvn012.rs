//! MVN012 service-tag-rule-not-a-tenant-boundary.

use crate::rules::util_items::open_outbound_rules;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use moat_model::enums::{IsolationMode, OutboundRuleCategory, OutboundRuleType};
use moat_model::ml::OutboundDestination;

/// The rule.
pub struct Mvn012;
/// Its registration.
pub static RULE: Mvn012 = Mvn012;

static DOC: RuleDoc = RuleDoc {
    code: "MVN012",
    name: "service-tag-rule-not-a-tenant-boundary",
    severity: Severity::Info,
    what: "A managed network in AllowOnlyApprovedOutbound mode has user service tag outbound rules.",
    why: "A service tag names the addresses of a whole Azure service, for every customer: a rule for it opens the managed network to other tenants' resources of that service, not only to yours. Service tags are no tenant isolation boundary; private endpoint rules to your own resources are, and each added rule weakens the mode's data exfiltration protection.",
    example: "workspaces: [{ name: ws, managed_network: { isolation_mode: AllowOnlyApprovedOutbound, outbound_rules: [{ name: sql, type: ServiceTag, destination: { service_tag: Sql, protocol: TCP, port_ranges: [1433] } }] } }]",
    fix: "Where the destination is one of your resources, replace the service tag rule by a private endpoint outbound rule to it.",
    fix_form: FixForm::Prose(prose::DESIGN),
    sources: &[
        doc!(
            MN,
            "Configure a managed virtual network to allow only approved outbound"
        ),
        doc!(MN, "Limitations"),
    ],
    covers: &["§6.78"],
    path: false,
};

impl Rule for Mvn012 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for w in cx.t.workspaces.iter().filter(|w| {
            w.managed_network.isolation_mode == IsolationMode::AllowOnlyApprovedOutbound
        }) {
            let tags: Vec<String> = w
                .managed_network
                .outbound_rules
                .iter()
                .filter(|r| r.active && r.kind == OutboundRuleType::ServiceTag)
                .filter(|r| {
                    !matches!(
                        r.category,
                        Some(OutboundRuleCategory::Required | OutboundRuleCategory::Dependency)
                    )
                })
                .filter_map(|r| match &r.destination {
                    OutboundDestination::ServiceTag(d) => {
                        Some(format!("{} ({})", r.name, d.service_tag))
                    }
                    _ => None,
                })
                .collect();
            if tags.is_empty() {
                out.extend(open_outbound_rules(
                    cx,
                    &DOC,
                    w,
                    &format!(
                        "the managed network of workspace {} allows no service tag of its own",
                        w.name
                    ),
                ));
                continue;
            }
            out.push(Finding::new(
                &DOC,
                format!("workspace/{}", w.name),
                format!(
                    "the managed network of workspace {} allows service tags {}: each admits every tenant's resources of that service",
                    w.name,
                    tags.join(", ")
                ),
                DOC.fix,
                &w.at,
            ));
        }
    }
}
