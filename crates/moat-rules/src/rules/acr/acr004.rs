//! ACR004 image-build-compute-gpu.

use crate::rules::util::workspace_at;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use moat_engine::{OpId, RuleCode};

/// The rule.
pub struct Acr004;
/// Its registration.
pub static RULE: Acr004 = Acr004;

static DOC: RuleDoc = RuleDoc {
    code: "ACR004",
    name: "image-build-compute-gpu",
    severity: Severity::Error,
    what: "image_build_compute names a compute that cannot build images: a GPU compute (NC, ND, NV, NG sizes), or a compute instance in a workspace without a managed network.",
    why: "When the workspace's container registry is behind a VNet, environment images are built on the compute named by image_build_compute: a CPU compute cluster, or in a managed network also a compute instance. A GPU compute, or an instance outside a managed network, leaves image builds failing.",
    example: "workspaces: [{ name: ws, image_build_compute: gpu-cluster }]\ncomputes: [{ name: gpu-cluster, workspace: ws, type: AmlCompute, vm_size: Standard_NC6s_v3 }]",
    fix: "Create a CPU compute cluster (for example Standard_DS3_v2) and name it in image_build_compute.",
    fix_form: FixForm::Prose(prose::DESIGN),
    sources: &[
        doc!(
            SWV,
            "Compute cluster used for image builds (only a CPU SKU is supported)"
        ),
        doc!(MN, "Configure image builds"),
    ],
    covers: &["§6.46"],
    path: false,
};

impl Rule for Acr004 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        // The image.build operation states the requirement; this rule reports it.
        for r in cx.op(OpId::ImageBuild) {
            let Some(ws) = r.subject.name_of(moat_model::address::Kind::Workspace) else {
                continue;
            };
            let Some(w) = cx.e.ix.workspaces.get(ws).map(|&i| &cx.t.workspaces[i]) else {
                continue;
            };
            if !r
                .requirements
                .iter()
                .any(|q| q.rule == Some(RuleCode::Acr004) && q.met == Some(false))
            {
                continue;
            }
            let name = w.image_build_compute.clone().unwrap_or_default();
            let what = match cx
                .e
                .ix
                .computes_of(cx.t, &w.name)
                .find(|c| c.local_name() == name)
            {
                Some(c) if c.is_gpu() => format!(
                    "{name} runs on GPU nodes ({})",
                    c.vm_size.as_deref().unwrap_or("gpu: true")
                ),
                Some(c) if c.compute_type == moat_model::enums::ComputeType::ComputeInstance => {
                    format!(
                        "{name} is a compute instance, not a cluster, and the workspace has no managed network"
                    )
                }
                _ => format!("{name} is not a CPU compute cluster"),
            };
            let f = Finding::new(
                &DOC,
                r.subject.to_string(),
                format!(
                    "workspace {ws} builds images on image_build_compute {name}, but {what}: {}",
                    "only a CPU compute cluster (or, in a managed network, a CPU compute instance) builds images"
                ),
                DOC.fix,
                &workspace_at(cx, ws),
            );
            out.push(super::acr003::with_build_cluster(cx, ws, f));
        }
    }
}
