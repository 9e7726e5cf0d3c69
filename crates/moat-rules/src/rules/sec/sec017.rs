//! SEC017 storage-shared-key-open.

use super::{needs, storage_open, undecided};
use crate::change::{Change, Setting};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};

/// The rule.
pub struct Sec017;
/// Its registration.
pub static RULE: Sec017 = Sec017;

static DOC: RuleDoc = RuleDoc {
    code: "SEC017",
    name: "storage-shared-key-open",
    severity: Severity::Warning,
    what: "A storage account that accepts connections from every network also accepts shared key authorization (account keys and SAS tokens; Azure's default).",
    why: "An account key or SAS token is a bearer credential outside Microsoft Entra ID: on an account open to every network, whoever holds one reads or writes the data from anywhere. On an account limited to selected networks or private endpoints, the network still bounds where a leaked key works.",
    example: "storage_accounts: [{ name: st }]",
    fix: "Set allowSharedKeyAccess to false (azurerm: shared_access_key_enabled = false; the workspace then needs identity-based datastore access), or limit the account to selected networks or private endpoints.",
    fix_form: FixForm::Code,
    sources: &[
        "Prevent Shared Key authorization for an Azure Storage account <https://learn.microsoft.com/azure/storage/common/shared-key-authorization-prevent>",
        "peers: checkov CKV2_AZURE_40 (which fails shared keys on any account; moat reports them where the network does not bound them)",
    ],
    covers: &[],
    path: false,
};

impl Rule for Sec017 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for s in
            cx.t.storage_accounts
                .iter()
                .filter(|s| s.allow_shared_key_access && storage_open(s))
        {
            let r = format!("storage/{}", s.name);
            out.push(Finding::new(
                &DOC,
                &r,
                format!(
                    "storage account {} accepts account keys and SAS tokens from every network{}",
                    s.name,
                    undecided(cx, &r, "allow_shared_key_access")
                ),
                DOC.fix,
                &s.at,
            )
                .with_change(Change::set(&r, Setting::SharedKeyAccessDisabled))
                .needing(needs(cx, &r, "allow_shared_key_access"))
                .needing(super::perimeter_needs(cx, &r)));
        }
    }
}
