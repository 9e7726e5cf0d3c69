//! EP010 key-auth-endpoint-vault-bypass.

use crate::change::{Change, Setting};
use crate::rules::sec::perimeter_needs;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_model::enums::{Bypass, DefaultAction, EndpointAuthMode, PublicNetworkAccess};

/// The rule.
pub struct Ep010;
/// Its registration.
pub static RULE: Ep010 = Ep010;

static DOC: RuleDoc = RuleDoc {
    code: "EP010",
    name: "key-auth-endpoint-vault-bypass",
    severity: Severity::Error,
    what: "A managed online endpoint uses key authentication (the default) while its workspace's key vault restricts network access without letting trusted Azure services bypass its firewall.",
    why: "Creating an endpoint with key authentication stores its keys in the workspace's key vault through the trusted-services path. When the vault's network rules deny by default (or its public access is disabled) and their bypass is not AzureServices, the service cannot write the keys and the endpoint's creation fails.",
    example: "workspaces: [{ name: ws, key_vault: kv }]\nkey_vaults: [{ name: kv, network_acls: { default_action: Deny, bypass: None } }]\nonline_endpoints: [{ name: ep, workspace: ws }]",
    fix: "Set the key vault's network rules bypass to AzureServices (az keyvault update --bypass AzureServices), or use token authentication (auth_mode: aml_token or aad_token) for the endpoint.",
    fix_form: FixForm::Code,
    sources: &[doc!(
        OET,
        "Online endpoint creation fails with key-based authentication (key vault network rules: bypass AzureServices)"
    )],
    covers: &["§6.40"],
    path: false,
};

impl Rule for Ep010 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for e in &cx.t.online_endpoints {
            let r = format!("online-endpoint/{}", e.name);
            let mode_unknown = cx.e.is_unknown(&r, "auth_mode");
            if e.auth_mode != EndpointAuthMode::Key && mode_unknown.is_none() {
                continue;
            }
            let Some(w) = cx.t.workspaces.iter().find(|w| w.name == e.workspace) else {
                continue;
            };
            let Some(kv_name) = &w.key_vault else {
                continue;
            };
            let Some(kv) = cx.t.key_vaults.iter().find(|k| &k.name == kv_name) else {
                continue;
            };
            let restricted = kv.network_acls.default_action == DefaultAction::Deny
                || kv.public_network_access == PublicNetworkAccess::Disabled;
            let kr = format!("keyvault/{}", kv.name);
            // SecuredByPerimeter: the perimeter's access rules may restrict it.
            let perimeter = (!restricted).then(|| perimeter_needs(cx, &kr)).flatten();
            if (!restricted && perimeter.is_none())
                || kv.network_acls.bypass == Bypass::AzureServices
            {
                continue;
            }
            let unknown = mode_unknown
                .map(|u| format!("auth_mode of {r}: {} ({})", u.reason, u.at))
                .or_else(|| {
                    // The finding reads the default action and the bypass.
                    ["network_acls.default_action", "network_acls.bypass"]
                        .into_iter()
                        .find_map(|f| {
                            cx.e.is_unknown(&kr, f)
                                .map(|u| format!("{f} of {kr}: {} ({})", u.reason, u.at))
                        })
                });
            out.push(
                Finding::new(
                    &DOC,
                    &r,
                    format!(
                        "online endpoint {} uses key authentication, and key vault {} of workspace {} restricts network access with bypass {}: creating the endpoint fails",
                        e.name, kv.name, w.name, kv.network_acls.bypass
                    ),
                    DOC.fix,
                    &e.at,
                )
                .needing(unknown)
                .needing(perimeter)
                .with_change(Change::set(&kr, Setting::TrustedServicesAllowed)),
            );
        }
    }
}
