//! WS006 workspace-without-compute-cluster.

use crate::rules::sec::perimeter_needs;
use crate::rules::util_core::{acr, acr_behind_vnet};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use moat_engine::ops::type_builds_images;

/// The rule.
pub struct Ws006;
/// Its registration.
pub static RULE: Ws006 = Ws006;

static DOC: RuleDoc = RuleDoc {
    code: "WS006",
    name: "workspace-without-compute-cluster",
    severity: Severity::Error,
    what: "The workspace's container registry is behind a VNet (public access Disabled, a private endpoint, or service-endpoint rules) and the workspace has no compute cluster (in a managed network, no compute cluster or compute instance).",
    why: "Azure Machine Learning cannot build images directly in a container registry that sits behind a VNet; it builds them on a compute cluster of the workspace instead. Without any cluster there is nothing to build environment images on, so jobs and deployments that need a custom image fail.",
    example: "workspaces: [{ name: ws, container_registry: wsacr }]\ncontainer_registries: [{ name: wsacr, sku: Premium, public_network_access: Disabled }]",
    fix: "Create a CPU compute cluster in the workspace and set it as image_build_compute (its VM size and subnet are yours to choose).",
    fix_form: FixForm::Prose(prose::DESIGN),
    sources: &[
        doc!(SWV, "Azure Container Registry prerequisites"),
        doc!(SWV, "Enable Azure Container Registry (ACR), step 4"),
        doc!(MN, "Configure image builds"),
    ],
    covers: &["§6.43"],
    path: false,
};

impl Rule for Ws006 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for w in &cx.t.workspaces {
            let Some(a) = w.container_registry.as_deref().and_then(|n| acr(cx, n)) else {
                continue;
            };
            // Not behind a VNet, but SecuredByPerimeter: its perimeter's access rules may put
            // it there as well.
            let perimeter = (!acr_behind_vnet(cx.e, a))
                .then(|| perimeter_needs(cx, &format!("acr/{}", a.name)));
            if perimeter.as_ref().is_some_and(Option::is_none) {
                continue;
            }
            // Somewhere to build images: a compute cluster, or in a managed network a compute
            // instance too; undecided when that rests on an open value.
            let mut open = None;
            let mut builds = false;
            for c in cx.e.ix.computes_of(cx.t, &w.name) {
                match type_builds_images(cx.t, w, c.compute_type) {
                    Ok(b) => builds |= b,
                    Err(why) => open = Some(why),
                }
            }
            if builds {
                continue;
            }
            let what = if w.managed_network.enabled() {
                "no compute cluster or compute instance"
            } else {
                "no compute cluster"
            };
            out.push(
                Finding::new(
                    &DOC,
                    format!("workspace/{}", w.name),
                    format!(
                        "container registry {} of workspace {} is behind a VNet, and the workspace has {what} to build images on",
                        a.name, w.name
                    ),
                    if w.managed_network.enabled() {
                        "Create a CPU compute cluster or compute instance in the workspace (either builds images in a managed network) and set it as image_build_compute."
                    } else {
                        DOC.fix
                    },
                    &w.at,
                )
                .needing(open)
                .needing(perimeter.flatten()),
            );
        }
    }
}
