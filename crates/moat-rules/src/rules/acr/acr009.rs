//! ACR009 private-acr-through-connection.

use crate::rules::sec::perimeter_needs;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use moat_model::enums::{DefaultAction, PublicNetworkAccess};

/// The rule.
pub struct Acr009;
/// Its registration.
pub static RULE: Acr009 = Acr009;

static DOC: RuleDoc = RuleDoc {
    code: "ACR009",
    name: "private-acr-through-connection",
    severity: Severity::Error,
    what: "A workspace without a managed network pulls images from a container registry behind a VNet through a workspace connection, not as its own (default) container registry.",
    why: "With the workspace in a customer VNet, images can be pulled from a container registry behind the VNet only when it is the workspace's default registry: using such a registry through a workspace connection is not supported, and the pulls fail.",
    example: "workspaces: [{ name: ws, container_registry: wsacr, container_registry_connections: [teamacr] }]\ncontainer_registries: [{ name: wsacr, sku: Premium }, { name: teamacr, sku: Premium, public_network_access: Disabled }]",
    fix: "Make the registry the workspace's default container registry, or give the workspace a managed network with a private endpoint outbound rule to it.",
    fix_form: FixForm::Prose(prose::DESIGN),
    sources: &[doc!(
        SWV,
        "Azure Container Registry (a private registry used through a workspace connection)"
    )],
    covers: &["§6.47"],
    path: false,
};

impl Rule for Acr009 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let t = cx.t;
        for w in t.workspaces.iter().filter(|w| !w.managed_network.enabled()) {
            for name in &w.container_registry_connections {
                if w.container_registry.as_deref() == Some(name.as_str()) {
                    continue;
                }
                let Some(a) = t.container_registries.iter().find(|a| &a.name == name) else {
                    continue;
                };
                let private = a.public_network_access == PublicNetworkAccess::Disabled
                    || a.network_rule_set.default_action == DefaultAction::Deny;
                // SecuredByPerimeter: its perimeter's access rules may make it private.
                let perimeter = (!private)
                    .then(|| perimeter_needs(cx, &format!("acr/{}", a.name)))
                    .flatten();
                if !private && perimeter.is_none() {
                    continue;
                }
                out.push(Finding::new(
                    &DOC,
                    format!("workspace/{}", w.name),
                    format!(
                        "workspace {} pulls images from container registry {name}, which is behind the VNet, through a workspace connection: not supported; only its default registry can be private",
                        w.name
                    ),
                    DOC.fix,
                    &w.at,
                )
                .needing(perimeter));
            }
        }
    }
}
