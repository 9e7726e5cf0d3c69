//! ACR007 acr-trusted-services-off.

use crate::change::{Change, Setting};
use crate::rules::sec::perimeter_needs;
use crate::rules::util_infra::endpoint_vnets;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_model::address::Kind;
use moat_model::enums::{DefaultAction, PublicNetworkAccess};

/// The rule.
pub struct Acr007;
/// Its registration.
pub static RULE: Acr007 = Acr007;

static DOC: RuleDoc = RuleDoc {
    code: "ACR007",
    name: "acr-trusted-services-off",
    severity: Severity::Warning,
    what: "A workspace's container registry is behind a VNet (private endpoint, public access Disabled, or a firewall that denies by default) and does not allow access by trusted Azure services.",
    why: "The steps for putting the workspace's registry in a VNet include enabling \"Allow access by trusted services\": Azure Machine Learning reaches the registry as a trusted service for some of its own work, which the registry's firewall otherwise refuses.",
    example: "workspaces: [{ name: ws, container_registry: wsacr }]\ncontainer_registries: [{ name: wsacr, sku: Premium, public_network_access: Disabled, network_rule_set: { default_action: Deny, bypass: None } }]",
    fix: "Enable \"Allow access by trusted services\" on the container registry (network_rule_set.bypass: AzureServices).",
    fix_form: FixForm::Code,
    sources: &[doc!(
        SWV,
        "Enable Azure Container Registry (step 3, allow access by trusted services)"
    )],
    covers: &["§6.44"],
    path: false,
};

impl Rule for Acr007 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let t = cx.t;
        for a in t.container_registries.iter().filter(|a| {
            !a.trusted_services()
                && t.workspaces
                    .iter()
                    .any(|w| w.container_registry.as_deref() == Some(a.name.as_str()))
        }) {
            let mut why = Vec::new();
            if !endpoint_vnets(cx, Kind::Acr, &a.name).is_empty() {
                why.push("a private endpoint");
            }
            if a.public_network_access == PublicNetworkAccess::Disabled {
                why.push("public network access Disabled");
            }
            if a.network_rule_set.default_action == DefaultAction::Deny {
                why.push("a firewall that denies by default");
            }
            let r = format!("acr/{}", a.name);
            // Behind its network security perimeter, perhaps: that perimeter's rules say.
            let perimeter = why.is_empty().then(|| perimeter_needs(cx, &r)).flatten();
            if perimeter.is_some() {
                why.push("public network access SecuredByPerimeter");
            }
            if why.is_empty() {
                continue;
            }
            out.push(Finding::new(
                &DOC,
                &r,
                format!(
                    "container registry {} is behind the VNet ({}) but does not allow trusted Azure services",
                    a.name,
                    why.join(", ")
                ),
                DOC.fix,
                &a.at,
            )
.with_change(Change::set(&r, Setting::TrustedServicesAllowed))
            .needing(perimeter));
        }
    }
}
