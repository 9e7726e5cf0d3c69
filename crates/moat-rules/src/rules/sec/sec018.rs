//! SEC018 storage-anonymous-blob-open.

use super::{needs, storage_open, undecided};
use crate::change::{Change, Setting};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};

/// The rule.
pub struct Sec018;
/// Its registration.
pub static RULE: Sec018 = Sec018;

static DOC: RuleDoc = RuleDoc {
    code: "SEC018",
    name: "storage-anonymous-blob-open",
    severity: Severity::Warning,
    what: "A storage account that accepts connections from every network also permits anonymous read access to its containers and blobs (allowBlobPublicAccess true; azurerm's allow_nested_items_to_be_public defaults to true).",
    why: "With anonymous access permitted on the account, any container whose access level is set to Blob or Container serves its data to whoever has the URL, without a key, a SAS token or an identity; one misconfigured container is then a download link for the internet. The account setting is the gate that container settings cannot open. On an account limited to selected networks or private endpoints, only those networks reach it.",
    example: "storage_accounts: [{ name: st, allow_blob_public_access: true }]",
    fix: "Set allowBlobPublicAccess to false (azurerm: allow_nested_items_to_be_public = false); move data that must be public to an account of its own. Or limit the account to selected networks or private endpoints.",
    fix_form: FixForm::Code,
    sources: &[
        "Remediate anonymous read access to blob data (Azure Resource Manager deployments) <https://learn.microsoft.com/azure/storage/blobs/anonymous-read-access-prevent>",
        "peers: checkov CKV2_AZURE_47, CKV_AZURE_190; PSRule Azure.Storage.BlobPublicAccess (which fail the setting on any account; moat reports it where the account answers every network)",
    ],
    covers: &[],
    path: false,
};

impl Rule for Sec018 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for s in
            cx.t.storage_accounts
                .iter()
                .filter(|s| s.allow_blob_public_access && storage_open(s))
        {
            let r = format!("storage/{}", s.name);
            out.push(
                Finding::new(
                    &DOC,
                    &r,
                    format!(
                        "storage account {} permits anonymous blob access and accepts connections from every network{}",
                        s.name,
                        undecided(cx, &r, "allow_blob_public_access")
                    ),
                    DOC.fix,
                    &s.at,
                )
                .needing(needs(cx, &r, "allow_blob_public_access"))
                .needing(super::perimeter_needs(cx, &r))
                .with_change(Change::set(&r, Setting::BlobPublicAccessDisabled)),
            );
        }
    }
}
