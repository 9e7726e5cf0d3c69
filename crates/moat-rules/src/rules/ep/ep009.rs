//! EP009 batch-endpoint-private-link.

use crate::rules::util_infra::has_workspace_endpoint;
use crate::rules::ws::ws011::batch_endpoints;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};

/// The rule.
pub struct Ep009;
/// Its registration.
pub static RULE: Ep009 = Ep009;

static DOC: RuleDoc = RuleDoc {
    code: "EP009",
    name: "batch-endpoint-private-link",
    severity: Severity::Info,
    what: "A workspace with a private endpoint has batch endpoints.",
    why: "A batch endpoint's networking is fixed when it is created: it follows the workspace's private link setting then, and a later change of the workspace does not reach it (recreate the endpoint). In a private link workspace batch endpoints cannot be invoked from the studio UI, their jobs need the default storage's queue and table sub-resources as well as blob and file, and the container registry's quarantine feature is not supported.",
    example: "workspaces: [{ name: ws, public_network_access: Disabled }]\nprivate_endpoints: [{ name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace }]\nunmodelled: [{ resource_type: Microsoft.MachineLearningServices/workspaces/batchEndpoints, name: ws/scoring }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: pe, address_prefixes: [10.0.3.0/24] }] }]",
    fix: "Invoke batch endpoints with the CLI, SDK or REST from a network that reaches the workspace's private endpoint; give the default storage private endpoints for queue and table; recreate the endpoints after changing the workspace's network settings.",
    fix_form: FixForm::Prose(prose::OPERATION),
    sources: &[doc!(BAT, "Limitations")],
    covers: &["§6.111"],
    path: false,
};

impl Rule for Ep009 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for (w, name, at) in batch_endpoints(cx) {
            if !has_workspace_endpoint(cx, &w.name) {
                continue;
            }
            out.push(Finding::new(
                &DOC,
                format!("workspace/{}", w.name),
                format!(
                    "batch endpoint {name} of private link workspace {}: its networking is fixed at creation, it cannot be invoked from studio, and its jobs need the storage queue and table sub-resources",
                    w.name
                ),
                DOC.fix,
                at,
            ));
        }
    }
}
