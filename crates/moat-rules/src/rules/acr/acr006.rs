//! ACR006 acr-vnet-managed-identity.

use crate::change::{Change, Setting};
use crate::rules::sec::{needs, undecided};
use crate::rules::util_infra::endpoint_vnets;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_model::address::Kind;
use moat_model::deps::ContainerRegistry;
use moat_model::enums::{ComputeType, DefaultAction, IdentityType};
use moat_model::ml::Compute;

/// The rule.
pub struct Acr006;
/// Its registration.
pub static RULE: Acr006 = Acr006;

static DOC: RuleDoc = RuleDoc {
    code: "ACR006",
    name: "acr-vnet-managed-identity",
    severity: Severity::Error,
    what: "The workspace's container registry uses a private endpoint or a service endpoint, and a compute cluster of the workspace is configured with a managed identity: an error when the registry's admin user is disabled, information when it is enabled.",
    why: "The page on securing a workspace with virtual networks warns, among the limitations of Azure Container Registry, that a compute cluster cannot use a managed identity with a registry that communicates with the VNet through a private endpoint or a service endpoint. The authentication page says the compute cluster uses a managed identity to pull Docker images from the registry, and that Azure ML uses a managed identity to build and pull images when the registry's admin user is disabled. Together: with the admin user disabled the cluster pulls with its managed identity, which the private or service endpoint rules out, and its job images fail to pull (an error). With the admin user enabled Azure ML pulls with the admin credentials, so no pull is shown to fail, and the documents' warning is reported as information, with no change. An admin user the input leaves unknown leaves the error undecided.",
    example: "workspaces: [{ name: ws, container_registry: wsacr }]\ncontainer_registries: [{ name: wsacr, sku: Premium, public_network_access: Disabled, admin_user_enabled: false }]\nprivate_endpoints: [{ name: acr-pe, subnet: vnet/pe, target: acr/wsacr, group_id: registry }]\ncomputes: [{ name: cpu, workspace: ws, type: AmlCompute, subnet: vnet/training, identity: SystemAssigned }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: training, address_prefixes: [10.0.1.0/24] }, { name: pe, address_prefixes: [10.0.3.0/24] }] }]",
    fix: "Remove the managed identity from the compute cluster and let it use the registry's admin credentials (or another documented authentication).",
    fix_form: FixForm::Code,
    sources: &[
        doc!(
            SWV,
            "Limitations, Azure Container Registry (no managed identity with a compute cluster)"
        ),
        doc!(
            AUTH,
            "Scenario: Azure Container Registry without admin user (the compute cluster pulls with a managed identity)"
        ),
    ],
    covers: &[],
    path: false,
};

/// How a workspace's container registry communicates with the VNet, when it does through a
/// private endpoint or a service endpoint (virtual network rules with default action Deny):
/// where a compute cluster cannot use a managed identity with it.
pub(crate) fn vnet_link(cx: &Context, a: &ContainerRegistry) -> Option<&'static str> {
    if !endpoint_vnets(cx, Kind::Acr, &a.name).is_empty() {
        return Some("a private endpoint");
    }
    (!a.network_rule_set.virtual_network_rules.is_empty()
        && a.network_rule_set.default_action == DefaultAction::Deny)
        .then_some("a service endpoint")
}

/// Whether a compute is a compute cluster configured with a managed identity.
fn cluster_with_identity(c: &Compute) -> bool {
    c.compute_type == ComputeType::AmlCompute && c.identity.is_some_and(|i| i != IdentityType::None)
}

impl Rule for Acr006 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let t = cx.t;
        for w in &t.workspaces {
            let Some(a) = w
                .container_registry
                .as_ref()
                .and_then(|n| t.container_registries.iter().find(|x| &x.name == n))
            else {
                continue;
            };
            let Some(how) = vnet_link(cx, a) else {
                continue;
            };
            // The admin credentials are what the cluster then pulls with: a registry whose
            // admin user is disabled needs it enabled as well.
            let fix = if a.admin_user_enabled {
                DOC.fix.to_string()
            } else {
                format!(
                    "{} Container registry {} has its admin user disabled: enable it too.",
                    DOC.fix, a.name
                )
            };
            let ar = format!("acr/{}", a.name);
            // Whether the admin user is enabled decides what the cluster pulls with.
            let admin = match needs(cx, &ar, "admin_user_enabled") {
                Some(n) => Err(n),
                None => Ok(a.admin_user_enabled),
            };
            for c in t
                .computes
                .iter()
                .filter(|c| c.workspace == w.name && cluster_with_identity(c))
            {
                let r = format!("compute/{}", c.name);
                let identity = c.identity.map(|i| i.as_str()).unwrap_or_default();
                let f = match &admin {
                    Ok(true) => Finding {
                        // Azure ML pulls with the admin credentials: no pull is shown to fail.
                        severity: Severity::Info,
                        ..Finding::new(
                            &DOC,
                            &r,
                            format!(
                                "compute cluster {} uses a {identity} managed identity while container registry {} is reached through {how}, where the documents say a compute cluster cannot use a managed identity; the registry's admin user is enabled, which Azure ML pulls with",
                                c.name, a.name
                            ),
                            "Nothing fails while the admin user stays enabled; to follow the documents, remove the managed identity from the compute cluster.",
                            &c.at,
                        )
                    },
                    _ => Finding::new(
                        &DOC,
                        &r,
                        format!(
                            "compute cluster {} uses a {identity} managed identity while container registry {} is reached through {how}: the cluster cannot pull from it with that identity{}",
                            c.name,
                            a.name,
                            undecided(cx, &ar, "admin_user_enabled")
                        ),
                        fix.clone(),
                        &c.at,
                    )
                    .with_change(Change::set(&r, Setting::ComputeIdentityNone))
                    .needing(admin.clone().err()),
                };
                out.push(f);
            }
        }
    }
}
