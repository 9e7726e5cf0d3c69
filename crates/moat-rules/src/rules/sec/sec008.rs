//! SEC008 container-registry-admin-user.

use super::{needs, undecided};
use crate::change::{Change, Setting};
use crate::rules::acr::acr006::vnet_link;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_model::deps::ContainerRegistry;
use moat_model::enums::ComputeType;

/// The rule.
pub struct Sec008;
/// Its registration.
pub static RULE: Sec008 = Sec008;

static DOC: RuleDoc = RuleDoc {
    code: "SEC008",
    name: "container-registry-admin-user",
    severity: Severity::Warning,
    what: "A container registry has its admin user enabled. Where a workspace's compute cluster pulls from it through a private endpoint or a service endpoint, the cluster needs it, and the finding is information.",
    why: "The admin user is one shared name and password with push and pull rights on the whole registry, usable from any network the registry admits and not limited by Azure roles; Azure ML does not need it when the workspace's managed identity has access. A compute cluster cannot use a managed identity with a registry that communicates with the VNet through a private endpoint or a service endpoint: there it pulls with the admin credentials (ACR006), and disabling them breaks its jobs.",
    example: "container_registries: [{ name: acr, sku: Premium, admin_user_enabled: true }]",
    fix: "Disable the admin user and grant AcrPull/AcrPush to the identities that need them (the workspace's and the computes' managed identities).",
    fix_form: FixForm::Code,
    sources: &[
        "Azure Container Registry authentication options: admin account <https://learn.microsoft.com/azure/container-registry/container-registry-authentication>",
        "peers: checkov CKV_AZURE_137; PSRule Azure.ACR.AdminUser",
    ],
    covers: &[],
    path: false,
};

/// The finding on a registry whose admin user a workspace's compute cluster pulls with: one
/// reaching it through a private endpoint or a service endpoint cannot use a managed identity
/// (ACR006), so the admin user stays, and no change disables it.
fn needed_by_clusters(cx: &Context, a: &ContainerRegistry, r: &str) -> Option<Finding> {
    let how = vnet_link(cx, a)?;
    let mut clusters: Vec<&str> =
        cx.t.workspaces
            .iter()
            .filter(|w| w.container_registry.as_deref() == Some(a.name.as_str()))
            .flat_map(|w| {
                cx.t.computes.iter().filter(move |c| {
                    c.workspace == w.name && c.compute_type == ComputeType::AmlCompute
                })
            })
            .map(|c| c.name.as_str())
            .collect();
    if clusters.is_empty() {
        return None;
    }
    clusters.sort_unstable();
    Some(
        Finding {
            severity: Severity::Info,
            ..Finding::new(
                &DOC,
                r,
                format!(
                    "container registry {} has its admin user enabled, which compute cluster(s) {} pull with: the registry is reached through {how}, where a cluster cannot use a managed identity{}",
                    a.name,
                    clusters.join(", "),
                    undecided(cx, r, "admin_user_enabled")
                ),
                "Keep the admin user while compute clusters pull from the registry through its private or service endpoint; keep its credentials to those who need them.",
                &a.at,
            )
        }
        .needing(needs(cx, r, "admin_user_enabled")),
    )
}

impl Rule for Sec008 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for a in
            cx.t.container_registries
                .iter()
                .filter(|a| a.admin_user_enabled)
        {
            let r = format!("acr/{}", a.name);
            if let Some(f) = needed_by_clusters(cx, a, &r) {
                out.push(f);
                continue;
            }
            out.push(
                Finding::new(
                    &DOC,
                    &r,
                    format!(
                        "container registry {} has its admin user enabled{}",
                        a.name,
                        undecided(cx, &r, "admin_user_enabled")
                    ),
                    DOC.fix,
                    &a.at,
                )
                .with_change(Change::set(&r, Setting::AdminUserDisabled))
                .needing(needs(cx, &r, "admin_user_enabled")),
            );
        }
    }
}
