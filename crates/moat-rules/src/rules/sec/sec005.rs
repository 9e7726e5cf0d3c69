//! SEC005 storage-open-to-all-networks.

use super::{needs, storage_open, undecided};
use crate::change::{Change, Setting};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};

/// The rule.
pub struct Sec005;
/// Its registration.
pub static RULE: Sec005 = Sec005;

static DOC: RuleDoc = RuleDoc {
    code: "SEC005",
    name: "storage-open-to-all-networks",
    severity: Severity::Warning,
    what: "A storage account accepts connections from every network: public network access is not Disabled and its firewall's default action is Allow (Azure's defaults).",
    why: "The account's data (datasets, model artifacts, the workspace's own files) is reachable from any network for whoever holds a key, a SAS token or a role on it. Limited to selected networks, or Disabled with private endpoints, only the networks that need it get in.",
    example: "storage_accounts: [{ name: st }]",
    fix: "Set the firewall's default action to Deny and admit the compute subnets (service endpoint), the workspace (resource-instance rule) and trusted services, or set public network access to Disabled and add private endpoints.",
    fix_form: FixForm::Code,
    sources: &[
        "Configure Azure Storage firewalls and virtual networks <https://learn.microsoft.com/azure/storage/common/storage-network-security>",
        "peers: checkov CKV_AZURE_59, CKV_AZURE_35, CKV2_AZURE_33; PSRule Azure.Storage.Firewall (each reads one setting; moat passes an account closed by the other: public access Disabled, or a firewall that denies by default, and a private endpoint alone does not close the public endpoint)",
    ],
    covers: &[],
    path: false,
};

impl Rule for Sec005 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for s in cx.t.storage_accounts.iter().filter(|s| storage_open(s)) {
            let r = format!("storage/{}", s.name);
            out.push(
                Finding::new(
                    &DOC,
                    &r,
                    format!(
                        "storage account {} accepts connections from every network{}",
                        s.name,
                        undecided(cx, &r, "public_network_access")
                    ),
                    DOC.fix,
                    &s.at,
                )
                .with_change(Change::set(&r, Setting::PublicNetworkAccessDisabled))
                .needing(needs(cx, &r, "public_network_access")),
            );
        }
    }
}
