//! ST006 default-storage-premium-or-hns.

use crate::rules::util_core::storage;
use crate::rules::util_items::undecided;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};

/// The rule.
pub struct St006;
/// Its registration.
pub static RULE: St006 = St006;

static DOC: RuleDoc = RuleDoc {
    code: "ST006",
    name: "default-storage-premium-or-hns",
    severity: Severity::Error,
    what: "A workspace's default storage account is a Premium account or has a hierarchical namespace (Data Lake Storage Gen2).",
    why: "The default storage account of a workspace cannot be Premium or hierarchical-namespace enabled: workspace creation fails, or the workspace cannot use it for its file shares and artifacts. Such accounts can still be attached as datastores.",
    example: "workspaces: [{ name: ws, storage_account: st }]\nstorage_accounts: [{ name: st, sku: Premium_LRS }]",
    fix: "Use a Standard general-purpose v2 account without hierarchical namespace as the default storage, and register the Premium or Data Lake account as a datastore.",
    fix_form: FixForm::Prose(prose::DESIGN),
    sources: &[doc!(YWS, "storage_account")],
    covers: &["§6.34"],
    path: false,
};

impl Rule for St006 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for w in &cx.t.workspaces {
            let Some(name) = &w.storage_account else {
                continue;
            };
            let Some(s) = storage(cx, name) else { continue };
            let resource = format!("storage/{}", s.name);
            let mut problems = Vec::new();
            if let Some(sku) = &s.sku
                && sku.to_ascii_lowercase().starts_with("premium")
            {
                problems.push(format!("SKU {sku}"));
            }
            if s.is_hns_enabled {
                problems.push("hierarchical namespace enabled".to_string());
            }
            if problems.is_empty() {
                if let Some(u) = cx.e.is_unknown(&resource, "is_hns_enabled") {
                    let what = format!(
                        "the default storage {} of workspace {} has no hierarchical namespace",
                        s.name, w.name
                    );
                    out.push(undecided(&DOC, resource, &what, u, &s.at));
                }
                continue;
            }
            out.push(Finding::new(
                &DOC,
                resource,
                format!(
                    "storage account {}, the default storage of workspace {}, cannot be: {}",
                    s.name,
                    w.name,
                    problems.join(", ")
                ),
                DOC.fix,
                &s.at,
            ));
        }
    }
}
