//! EXF005 policy-without-service-endpoint.

use crate::change::Change;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};

/// The rule.
pub struct Exf005;
/// Its registration.
pub static RULE: Exf005 = Exf005;

static DOC: RuleDoc = RuleDoc {
    code: "EXF005",
    name: "policy-without-service-endpoint",
    severity: Severity::Warning,
    what: "A subnet carries a service endpoint policy but no Microsoft.Storage service endpoint.",
    why: "A service endpoint policy filters only traffic that leaves the subnet through the Microsoft.Storage service endpoint. Without the endpoint, storage traffic takes the internet path and the policy filters nothing: the exfiltration protection it is meant to give is not there.",
    example: "service_endpoint_policies: [{ name: ml-sep }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: training, address_prefixes: [10.0.1.0/24], service_endpoint_policies: [ml-sep] }] }]",
    fix: "Add the Microsoft.Storage service endpoint to the subnet.",
    fix_form: FixForm::Code,
    sources: &[
        doc!(SEP, "Configuration"),
        doc!(EXF, "Enable storage endpoint for the subnet"),
    ],
    covers: &["§7.sep-without-service-endpoint"],
    path: false,
};

impl Rule for Exf005 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for v in &cx.t.virtual_networks {
            for s in &v.subnets {
                if s.service_endpoint_policies.is_empty()
                    || s.service_endpoints
                        .iter()
                        .any(|e| moat_model::network::is_storage_service(e))
                {
                    continue;
                }
                let r = format!("subnet/{}/{}", v.name, s.name);
                // Service endpoints the input leaves open may hold Microsoft.Storage: the
                // finding is undecided, and no endpoint is added to a list not known.
                if let Some(u) = cx.e.is_unknown(&r, "service_endpoints") {
                    out.push(
                        Finding::new(
                            &DOC,
                            &r,
                            format!(
                                "subnet {}/{} has service endpoint policy {} and its service endpoints are not known: the policy filters nothing unless they include Microsoft.Storage",
                                v.name,
                                s.name,
                                s.service_endpoint_policies.join(", ")
                            ),
                            DOC.fix,
                            &s.at,
                        )
                        .needing(Some(u.need())),
                    );
                    continue;
                }
                out.push(
                    Finding::new(
                    &DOC,
                    &r,
                    format!(
                        "subnet {}/{} has service endpoint policy {} but no Microsoft.Storage service endpoint: the policy filters nothing",
                        v.name,
                        s.name,
                        s.service_endpoint_policies.join(", ")
                    ),
                    DOC.fix,
                    &s.at,
                )
                    .with_change(Change::AddServiceEndpoint {
                        subnet: r.clone(),
                        service: "Microsoft.Storage".into(),
                    }),
                );
            }
        }
    }
}
