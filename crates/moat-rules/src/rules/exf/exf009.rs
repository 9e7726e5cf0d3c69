//! EXF009 service-endpoint-policy-limits.

use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};

/// The rule.
pub struct Exf009;
/// Its registration.
pub static RULE: Exf009 = Exf009;

static DOC: RuleDoc = RuleDoc {
    code: "EXF009",
    name: "service-endpoint-policy-limits",
    severity: Severity::Error,
    what: "A subnet has more than 100 service endpoint policies, or a policy definition lists more than 200 resources.",
    why: "Service endpoint policies have hard limits: at most 100 policies on one subnet and 200 resources in one policy definition. A deployment past them fails; exfiltration designs that list every storage account a workspace uses reach them in large estates.",
    example: "service_endpoint_policies: [{ name: sep, definitions: [{ service: Microsoft.Storage, service_resources: [ ...201 storage account ids... ] }] }]",
    fix: "Split the resources across several policy definitions (and policies), or list resource groups or subscriptions instead of single accounts where the exfiltration design allows it.",
    fix_form: FixForm::Prose(prose::DESIGN),
    sources: &[doc!(SEP, "Limitations")],
    covers: &["§7.sep-limits"],
    path: false,
};

/// Policies per subnet.
const PER_SUBNET: usize = 100;
/// Resources per policy definition.
const PER_DEFINITION: usize = 200;

impl Rule for Exf009 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for v in &cx.t.virtual_networks {
            for s in &v.subnets {
                let n = s.service_endpoint_policies.len();
                if n > PER_SUBNET {
                    out.push(Finding::new(
                        &DOC,
                        format!("subnet/{}/{}", v.name, s.name),
                        format!(
                            "subnet {}/{} has {n} service endpoint policies (at most {PER_SUBNET})",
                            v.name, s.name
                        ),
                        DOC.fix,
                        &s.at,
                    ));
                }
            }
        }
        for p in &cx.t.service_endpoint_policies {
            for (i, d) in p.definitions.iter().enumerate() {
                let n = d.service_resources.len();
                if n <= PER_DEFINITION {
                    continue;
                }
                let name = d.name.clone().unwrap_or_else(|| format!("#{}", i + 1));
                out.push(Finding::new(
                    &DOC,
                    format!("service-endpoint-policy/{}", p.name),
                    format!(
                        "definition {name} of service endpoint policy {} lists {n} resources (at most {PER_DEFINITION})",
                        p.name
                    ),
                    DOC.fix,
                    &p.at,
                ));
            }
        }
    }
}
