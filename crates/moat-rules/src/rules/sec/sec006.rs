//! SEC006 key-vault-open-to-all-networks.

use super::{needs, rule_set_open, undecided};
use crate::change::{Change, Setting};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};

/// The rule.
pub struct Sec006;
/// Its registration.
pub static RULE: Sec006 = Sec006;

static DOC: RuleDoc = RuleDoc {
    code: "SEC006",
    name: "key-vault-open-to-all-networks",
    severity: Severity::Warning,
    what: "A key vault accepts connections from every network: public network access is not Disabled and its firewall's default action is Allow (Azure's defaults).",
    why: "The workspace's key vault holds the secrets of its connections and datastores; open to all networks, it is one stolen token away from any network.",
    example: "key_vaults: [{ name: kv }]",
    fix: "Set the firewall's default action to Deny and allow trusted services (and the compute subnets if needed), or set public network access to Disabled and add a private endpoint (group id vault).",
    fix_form: FixForm::Code,
    sources: &[
        "Configure Azure Key Vault networking settings <https://learn.microsoft.com/azure/key-vault/general/how-to-azure-key-vault-network-security>",
        "peers: checkov CKV_AZURE_189, CKV_AZURE_109, CKV2_AZURE_32; PSRule Azure.KeyVault.Firewall (each reads one setting; moat passes a vault closed by the other: public access Disabled, or a firewall that denies by default, and a private endpoint alone does not close the public endpoint)",
    ],
    covers: &[],
    path: false,
};

impl Rule for Sec006 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for k in
            cx.t.key_vaults
                .iter()
                .filter(|k| rule_set_open(k.public_network_access, &k.network_acls))
        {
            let r = format!("keyvault/{}", k.name);
            out.push(
                Finding::new(
                    &DOC,
                    &r,
                    format!(
                        "key vault {} accepts connections from every network{}",
                        k.name,
                        undecided(cx, &r, "public_network_access")
                    ),
                    DOC.fix,
                    &k.at,
                )
                .with_change(Change::set(&r, Setting::PublicNetworkAccessDisabled))
                .needing(needs(cx, &r, "public_network_access")),
            );
        }
    }
}
