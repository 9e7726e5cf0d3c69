//! REG010 registry-deploy-egress-enabled.

use crate::change::Change;
use crate::rules::util_core::online_endpoint_at;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_engine::{OpId, RuleCode};

/// The rule.
pub struct Reg010;
/// Its registration.
pub static RULE: Reg010 = Reg010;

static DOC: RuleDoc = RuleDoc {
    code: "REG010",
    name: "registry-deploy-egress-enabled",
    severity: Severity::Error,
    what: "A managed online deployment of a secure workspace (public access Disabled, no managed network) takes its model or environment from a registry while egress_public_network_access is enabled.",
    why: "To deploy a registry model to a secure managed online endpoint, the deployment must have egress_public_network_access=disabled: Azure Machine Learning then creates the private endpoints from the deployment to the registry's storage and container registry. With public egress the deployment reaches only public resources. The flag cannot be changed after the deployment is created.",
    example: "workspaces: [{ name: ws, public_network_access: Disabled }]\nregistries: [{ name: contosoreg }]\nonline_endpoints: [{ name: score, workspace: ws, deployments: [{ name: blue, egress_public_network_access: Enabled, model: azureml://registries/contosoreg/models/m/versions/1 }] }]",
    fix: "Recreate the deployment with egress_public_network_access=disabled (or move the workspace to a managed network).",
    fix_form: FixForm::Code,
    sources: &[doc!(REG, "Deploy a model from registry to workspace")],
    covers: &[],
    path: false,
};

impl Rule for Reg010 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for r in cx.op(OpId::EndpointDeployFromRegistry) {
            let Some(ep) = r.subject.name_of(moat_model::address::Kind::OnlineEndpoint) else {
                continue;
            };
            for q in r
                .requirements
                .iter()
                .filter(|q| q.rule == Some(RuleCode::Reg010) && q.met != Some(true))
            {
                // Open when whether the workspace is secure is: the finding is undecided and
                // names what decides.
                let open = q.met.is_none().then(|| q.why.clone());
                let message = match &open {
                    None => format!(
                        "{} with egress_public_network_access enabled: {}",
                        q.what, q.why
                    ),
                    Some(why) => format!(
                        "{} with egress_public_network_access enabled, which a secure workspace does not allow (not decided whether workspace {} is secure: {why})",
                        q.what,
                        cx.t.online_endpoints
                            .iter()
                            .find(|e| e.name == ep)
                            .map_or("", |e| e.workspace.as_str())
                    ),
                };
                let mut f = Finding::new(
                    &DOC,
                    r.subject.to_string(),
                    message,
                    DOC.fix,
                    &online_endpoint_at(cx, ep),
                )
                .needing(open);
                // The deployment the requirement names.
                let deployment =
                    cx.t.online_endpoints
                        .iter()
                        .filter(|e| e.name == ep)
                        .flat_map(|e| &e.deployments)
                        .find(|d| q.what.starts_with(&format!("deployment {} ", d.name)));
                if let Some(d) = deployment {
                    f = f.with_change(Change::egress_disabled(ep, &d.name));
                }
                out.push(f);
            }
        }
    }
}
