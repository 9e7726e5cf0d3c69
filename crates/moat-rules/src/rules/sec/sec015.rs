//! SEC015 hbi-workspace-storage-open.

use super::{needs, storage_open, undecided};
use crate::change::{Change, Setting};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};

/// The rule.
pub struct Sec015;
/// Its registration.
pub static RULE: Sec015 = Sec015;

static DOC: RuleDoc = RuleDoc {
    code: "SEC015",
    name: "hbi-workspace-storage-open",
    severity: Severity::Warning,
    what: "A high-business-impact workspace (hbi_workspace) has a default storage account that accepts connections from every network.",
    why: "Marking a workspace high business impact declares its data sensitive; its default storage, which holds that data, should then not answer every network.",
    example: "workspaces: [{ name: ws, hbi_workspace: true, storage_account: st }]\nstorage_accounts: [{ name: st }]",
    fix: "Set the storage account's public network access to Disabled (with private endpoints for blob and file), or limit it to selected networks.",
    fix_form: FixForm::Code,
    sources: &[
        "Data encryption with Azure Machine Learning: hbi_workspace <https://learn.microsoft.com/azure/machine-learning/concept-data-encryption>",
        "peers: checkov CKV2_AZURE_50 (which fails any storage with public network access enabled; moat passes one limited to selected networks, which does not answer every network)",
    ],
    covers: &[],
    path: false,
};

impl Rule for Sec015 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for w in cx.t.workspaces.iter().filter(|w| w.hbi_workspace) {
            let Some(st) = &w.storage_account else {
                continue;
            };
            let Some(s) = cx.t.storage_accounts.iter().find(|s| &s.name == st) else {
                continue;
            };
            if !storage_open(s) {
                continue;
            }
            let r = format!("workspace/{}", w.name);
            out.push(Finding::new(
                &DOC,
                &r,
                format!(
                    "high-business-impact workspace {} keeps its data in storage account {st}, which accepts connections from every network{}",
                    w.name,
                    undecided(cx, &format!("storage/{st}"), "public_network_access")
                ),
                DOC.fix,
                &w.at,
            )
            .with_change(Change::set(format!("storage/{st}"), Setting::PublicNetworkAccessDisabled))
            .needing(needs(cx, &format!("storage/{st}"), "public_network_access")));
        }
    }
}
