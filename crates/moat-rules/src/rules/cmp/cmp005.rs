//! CMP005 aci-with-private-workspace.

use crate::rules::util_infra::has_workspace_endpoint;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};

/// The rule.
pub struct Cmp005;
/// Its registration.
pub static RULE: Cmp005 = Cmp005;

static DOC: RuleDoc = RuleDoc {
    code: "CMP005",
    name: "aci-with-private-workspace",
    severity: Severity::Error,
    what: "A model is deployed to Azure Container Instances in a VNet while the workspace has a private endpoint.",
    why: "Deploying to Azure Container Instances in a VNet is not supported when the workspace is configured with a private endpoint; the deployment fails. Managed online endpoints with network isolation are the supported alternative.",
    example: "workspaces: [{ name: ws }]\naci_deployments: [{ name: scoring, workspace: ws, subnet: vnet/aci }]\nprivate_endpoints: [{ name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: aci, address_prefixes: [10.0.2.0/24] }, { name: pe, address_prefixes: [10.0.3.0/24] }] }]",
    fix: "Deploy to a managed online endpoint with network isolation instead of Azure Container Instances.",
    fix_form: FixForm::Prose(prose::DESIGN),
    sources: &[doc!(SWV, "Limitations, Azure Container Instances")],
    covers: &["§6.49"],
    path: false,
};

impl Rule for Cmp005 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let t = cx.t;
        for a in &t.aci_deployments {
            let Some(s) = &a.subnet else { continue };
            if !has_workspace_endpoint(cx, &a.workspace) {
                continue;
            }
            out.push(Finding::new(
                &DOC,
                format!("workspace/{}", a.workspace),
                format!(
                    "Azure Container Instances deployment {} runs in subnet {s}, but workspace {} has a private endpoint: ACI in a VNet is not supported then",
                    a.name, a.workspace
                ),
                DOC.fix,
                &a.at,
            ));
        }
    }
}
