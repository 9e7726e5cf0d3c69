//! ACR003 image-build-compute-missing.

use crate::change::Change;
use crate::rules::util::workspace_at;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_engine::ops::type_builds_images;
use moat_engine::{OpId, RuleCode};
use moat_model::enums::ComputeType;
use moat_model::ml::Compute;

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
    example: "workspaces: [{ name: ws, container_registry: wsacr }]\ncontainer_registries: [{ name: wsacr, sku: Premium, public_network_access: Disabled }]\ncomputes: [{ name: cpu-cluster, workspace: ws, type: AmlCompute, subnet: vnet/training }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: training, address_prefixes: [10.0.1.0/24] }] }]",
    fix: "Set image_build_compute to a CPU compute cluster in the VNet (az ml workspace update --image-build-compute <cluster>).",
    fix_form: FixForm::Code,
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
                .filter(|q| q.rule == Some(RuleCode::Acr003) && q.met != Some(true))
            {
                let Some(ws) = r.subject.name_of(moat_model::address::Kind::Workspace) else {
                    continue;
                };
                let cluster = build_cluster(cx, ws);
                // In a managed network an instance serves too: "configure your workspace to use
                // a compute cluster or compute instance to build images" (Managed virtual
                // network isolation, Configure image builds).
                let managed = cx.e.ix.workspaces.get(ws).is_some_and(|&i| {
                    type_builds_images(cx.t, &cx.t.workspaces[i], ComputeType::ComputeInstance)
                        == Ok(true)
                });
                // An operation whose requirement is open is unknown: the finding says so too,
                // undecided, with what it rests on.
                let (message, needs) = match req.met {
                    None => (
                        format!(
                            "workspace {ws} builds images on serverless compute, which cannot build in a container registry behind a VNet (not decided: {})",
                            req.why
                        ),
                        Some(req.why.clone()),
                    ),
                    _ => (format!("workspace {ws}: {}", req.why), None),
                };
                let finding = Finding::new(
                    &DOC,
                    r.subject.to_string(),
                    message,
                    match cluster {
                        Some(c) => format!(
                            "Set image_build_compute to {}, the first CPU compute cluster of the workspace in a VNet (any such cluster builds images).",
                            c.local_name()
                        ),
                        None if managed => "Set image_build_compute to a CPU compute cluster or compute instance of the workspace, in its managed network (az ml workspace update --image-build-compute <name>).".to_string(),
                        None => DOC.fix.to_string(),
                    },
                    &workspace_at(cx, ws),
                );
                out.push(finding.needing(needs).with_changes(cluster.map(|c| {
                    Change::SetImageBuildCompute {
                        workspace: format!("workspace/{ws}"),
                        compute: c.local_name().to_string(),
                    }
                })));
            }
        }
    }
}

/// The first compute of the workspace, in declaration order, that can build its images: a CPU
/// compute cluster in a subnet of a customer VNet, nothing about it unknown (a name, size or
/// subnet the input leaves open makes it no sure choice).
pub(super) fn build_cluster<'t>(cx: &Context<'_, 't>, ws: &str) -> Option<&'t Compute> {
    cx.e.ix.computes_of(cx.t, ws).find(|c| {
        c.compute_type == ComputeType::AmlCompute
            && !c.is_gpu()
            && c.subnet.is_some()
            && cx.e.unknowns_of(&format!("compute/{}", c.name)).is_empty()
    })
}

/// A finding about a workspace's image build compute with the fix that names the workspace's
/// [`build_cluster`] instead, when it has one; the rule's own words otherwise.
pub(super) fn with_build_cluster(cx: &Context, ws: &str, f: Finding) -> Finding {
    match build_cluster(cx, ws) {
        Some(c) => Finding {
            fix: format!(
                "Set image_build_compute to {}, the first CPU compute cluster of the workspace in a VNet (any such cluster builds images).",
                c.local_name()
            ),
            ..f
        }
        .with_change(Change::SetImageBuildCompute {
            workspace: format!("workspace/{ws}"),
            compute: c.local_name().to_string(),
        }),
        None => f,
    }
}
