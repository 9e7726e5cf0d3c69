//! EXF004 share-to-public-registry.

use crate::rules::util_items::open_list_finding;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use moat_model::enums::PublicNetworkAccess;

/// The rule.
pub struct Exf004;
/// Its registration.
pub static RULE: Exf004 = Exf004;

static DOC: RuleDoc = RuleDoc {
    code: "EXF004",
    name: "share-to-public-registry",
    severity: Severity::Info,
    what: "A storage account admits an Azure ML registry as a resource instance (Microsoft.MachineLearningServices/registries): assets in it can be shared from the workspace to that registry.",
    why: "Sharing assets from a secure workspace to a registry works only because the storage firewall lets the registry in; that is a deliberate way out of the workspace's data boundary, by design, to wherever the registry is used (a public registry in particular).",
    example: "storage_accounts: [{ name: wsstorage, network_rules: { default_action: Deny, resource_access_rules: [{ resource_type: Microsoft.MachineLearningServices/registries, name: contosoreg }] } }]",
    fix: "None needed if sharing is intended; otherwise remove the resource instance rule.",
    fix_form: FixForm::Prose(prose::NOTHING),
    sources: &[doc!(
        REG,
        "Share assets from workspace to registry (storage resource instance for the registry)"
    )],
    covers: &[],
    path: false,
};

impl Rule for Exf004 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let t = cx.t;
        for s in &t.storage_accounts {
            let before = out.len();
            for r in s.network_rules.resource_access_rules.iter().filter(|r| {
                r.resource_type
                    .to_ascii_lowercase()
                    .starts_with("microsoft.machinelearningservices/registr")
            }) {
                let users: Vec<&str> = t
                    .workspaces
                    .iter()
                    .filter(|w| w.storage_account.as_deref() == Some(s.name.as_str()))
                    .map(|w| w.name.as_str())
                    .collect();
                let whose = if users.is_empty() {
                    String::new()
                } else {
                    format!(" (default storage of workspace {})", users.join(", "))
                };
                let registry = if r.name == "*" {
                    "every registry of the tenant".to_string()
                } else {
                    let public = t.registries.iter().find(|x| x.name == r.name).map(|x| {
                        match x.public_network_access {
                            PublicNetworkAccess::Disabled => " (private)",
                            PublicNetworkAccess::Enabled => " (public)",
                            PublicNetworkAccess::SecuredByPerimeter => {
                                " (public access as its network security perimeter's rules allow)"
                            }
                        }
                    });
                    format!("registry {}{}", r.name, public.unwrap_or(""))
                };
                out.push(Finding::new(
                    &DOC,
                    format!("storage/{}", s.name),
                    format!(
                        "storage {}{whose} admits {registry} as a resource instance: workspace assets can be shared out to it",
                        s.name
                    ),
                    DOC.fix,
                    &s.at,
                ));
            }
            if out.len() == before {
                out.extend(open_list_finding(
                    cx,
                    &DOC,
                    format!("storage/{}", s.name),
                    "network_rules.resource_access_rules",
                    &format!(
                        "storage {} admits no Azure ML registry as a resource instance",
                        s.name
                    ),
                    &s.at,
                ));
            }
        }
    }
}
