//! ACR003 image-build-compute-missing.

use crate::rules::util::workspace_at;
use crate::{Context, Finding, Rule, RuleDoc, Severity};
use moat_engine::{OpId, RuleCode};

/// The rule.
pub struct Acr003;
/// Its registration.
pub static RULE: Acr003 = Acr003;

static DOC: RuleDoc = RuleDoc {
    code: "ACR003",
    name: "image-build-compute-missing",
    severity: Severity::Error,
    what: "The workspace's container registry is behind a VNet (a private endpoint, or public access Disabled) and image_build_compute is not set.",
    why: "When the container registry is behind a VNet, Azure Machine Learning cannot use it to build images directly; images are built on a compute cluster named by image_build_compute. Without it, environment builds fail.",
    example: "workspaces: [{ name: ws, container_registry: wsacr }]\ncontainer_registries: [{ name: wsacr, sku: Premium, public_network_access: Disabled }]",
    fix: "Set image_build_compute to a CPU compute cluster in the VNet (az ml workspace update --image-build-compute <cluster>).",
    sources: &[doc!(SWV, "Enable Azure Container Registry (ACR)"), doc!(PL)],
    covers: &["§6.45"],
    path: false,
};

impl Rule for Acr003 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for r in cx.op(OpId::ImageBuild) {
            for req in r
                .requirements
                .iter()
                .filter(|q| q.rule == Some(RuleCode::Acr003) && q.met == Some(false))
            {
                let Some(ws) = r.subject.name_of(moat_model::address::Kind::Workspace) else {
                    continue;
                };
                out.push(Finding::new(
                    &DOC,
                    r.subject.to_string(),
                    format!("workspace {ws}: {}", req.why),
                    DOC.fix,
                    &workspace_at(cx, ws),
                ));
            }
        }
    }
}
