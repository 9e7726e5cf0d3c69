//! REG005 share-blocked-by-storage-firewall.

use crate::change::Change;
use crate::rules::sec::perimeter_needs;
use crate::rules::util_core::{is_registry_instance_rule, storage};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_engine::Verdict;
use moat_model::address::{Address, Kind};
use moat_model::enums::{DefaultAction, PublicNetworkAccess};
use moat_packets::Protocol;

/// The rule.
pub struct Reg005;
/// Its registration.
pub static RULE: Reg005 = Reg005;

static DOC: RuleDoc = RuleDoc {
    code: "REG005",
    name: "share-blocked-by-storage-firewall",
    severity: Severity::Error,
    what: "A workspace shares assets to a registry, and the workspace storage holding them has public access Disabled, or is limited to selected networks without a resource-instance rule naming that registry.",
    why: "Sharing copies the asset out of the workspace's storage account, read by the registry's service. Data exfiltration protection refuses that read when the account's public access is Disabled. The documented set-up is public access 'Enabled from selected virtual networks and IP addresses' with a resource instance of type Microsoft.MachineLearningServices/registries naming the target registry; the trusted-services exception is not what the documents prescribe.",
    example: "workspaces: [{ name: ws, storage_account: st, shares_to: [{ registry: contosoreg }] }]\nregistries: [{ name: contosoreg }]\nstorage_accounts: [{ name: st, public_network_access: Enabled, network_rules: { default_action: Deny } }]",
    fix: "On the workspace storage account, set public network access to 'Enabled from selected virtual networks and IP addresses' and add a resource instance rule for Microsoft.MachineLearningServices/registries naming the registry.",
    fix_form: FixForm::Code,
    sources: &[doc!(
        REG,
        "Share assets from workspace to registry (both scenarios)"
    )],
    covers: &["§6.89"],
    path: false,
};

impl Rule for Reg005 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for w in &cx.t.workspaces {
            let Some(st) = w.storage_account.as_deref().and_then(|n| storage(cx, n)) else {
                continue;
            };
            for s in &w.shares_to {
                let named = st.network_rules.resource_access_rules.iter().any(|r| {
                    is_registry_instance_rule(&r.resource_type)
                        && (r.name == s.registry || r.name == "*")
                });
                let closed = st.public_network_access == PublicNetworkAccess::Disabled;
                // SecuredByPerimeter: whether the registry's service passes is its network
                // security perimeter's access rules.
                let perimeter = perimeter_needs(cx, &format!("storage/{}", st.name));
                let problem = if closed {
                    "has public network access Disabled"
                } else if perimeter.is_some() {
                    "has public network access SecuredByPerimeter, whose perimeter may not admit the registry"
                } else if st.network_rules.default_action == DefaultAction::Deny && !named {
                    "is limited to selected networks without a resource instance rule for this registry"
                } else {
                    continue;
                };
                let mut f = Finding::new(
                    &DOC,
                    format!("storage/{}", st.name),
                    format!(
                        "workspace {} shares assets to registry {}, but its storage {} {problem}: data exfiltration protection blocks the share",
                        w.name, s.registry, st.name
                    ),
                    format!(
                        "set storage {} to 'Enabled from selected virtual networks and IP addresses' with a resource instance rule for Microsoft.MachineLearningServices/registries named {}",
                        st.name, s.registry
                    ),
                    &st.at,
                );
                // Limited to selected networks: the rule naming the registry is the one change.
                // A closed account would open to its IP rules, VNet rules and trusted services
                // too: which of them to keep is the user's to say.
                f = f.needing(perimeter.clone());
                if !closed && perimeter.is_none() {
                    f = f.with_change(Change::AddRegistryInstanceRule {
                        storage: format!("storage/{}", st.name),
                        registry: s.registry.clone(),
                    });
                }
                // The registry's service reading the account, as the engine sees it.
                if let Some(t) = cx.trace(
                    Address::resource(Kind::Registry, &s.registry),
                    Address::resource(Kind::Storage, &st.name).with_sub("blob"),
                    Protocol::TCP,
                    443,
                ) && t.verdict != Verdict::Allowed
                {
                    f = f.with_trace(t);
                }
                out.push(f);
            }
        }
    }
}
