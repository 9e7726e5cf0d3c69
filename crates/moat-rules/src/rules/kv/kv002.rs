//! KV002 keyvault-service-endpoint-without-bypass.

use crate::change::{Change, Setting};
use crate::rules::sec::perimeter_needs;
use crate::rules::util_core::keyvault;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_model::enums::{Bypass, DefaultAction, PublicNetworkAccess};

/// The rule.
pub struct Kv002;
/// Its registration.
pub static RULE: Kv002 = Kv002;

static DOC: RuleDoc = RuleDoc {
    code: "KV002",
    name: "keyvault-service-endpoint-without-bypass",
    severity: Severity::Error,
    what: "A workspace's key vault is restricted to selected networks (service endpoint rules) and does not let trusted Microsoft services bypass its firewall.",
    why: "With a key vault behind a service endpoint, Azure Machine Learning reaches the vault as a trusted Microsoft service: 'Allow trusted Microsoft services to bypass this firewall' must stay on. Without it the workspace cannot read or write its secrets (storage keys, registry credentials, datastore secrets), and creating managed online endpoints with key authentication fails.",
    example: "workspaces: [{ name: ws, key_vault: kv }]\nkey_vaults: [{ name: kv, network_acls: { default_action: Deny, bypass: None, virtual_network_rules: [vnet/training] } }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: training, address_prefixes: [10.0.1.0/24], service_endpoints: [Microsoft.KeyVault] }] }]",
    fix: "Set the key vault firewall's bypass to AzureServices (allow trusted Microsoft services).",
    fix_form: FixForm::Code,
    sources: &[
        doc!(SWV, "Secure Azure Key Vault (service endpoint)"),
        doc!(
            OET,
            "Online endpoint creation fails with key authentication (key vault bypass)"
        ),
    ],
    covers: &["§6.38"],
    path: false,
};

impl Rule for Kv002 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let mut seen = std::collections::HashSet::new();
        for w in &cx.t.workspaces {
            let Some(name) = &w.key_vault else { continue };
            let Some(k) = keyvault(cx, name) else {
                continue;
            };
            let acl = &k.network_acls;
            if k.public_network_access == PublicNetworkAccess::Disabled
                || acl.default_action != DefaultAction::Deny
                || acl.bypass == Bypass::AzureServices
                || !seen.insert(k.name.clone())
            {
                continue;
            }
            let r = format!("keyvault/{}", k.name);
            out.push(Finding::new(
                &DOC,
                &r,
                format!(
                    "key vault {} of workspace {} is limited to selected networks and does not allow trusted Microsoft services",
                    k.name, w.name
                ),
                DOC.fix,
                &k.at,
            )
.with_change(Change::set(&r, Setting::TrustedServicesAllowed))
            // SecuredByPerimeter: in Enforced mode the perimeter's rules, not the firewall and
            // its bypass, decide.
            .needing(perimeter_needs(cx, &r)));
        }
    }
}
