//! ST004 storage-workspace-access-missing.

use crate::change::{Change, Setting};
use crate::rules::util_core::storage;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_engine::{Code, Step, Verdict};
use moat_model::address::{Address, Kind};
use moat_packets::Protocol;

/// The rule.
pub struct St004;
/// Its registration.
pub static RULE: St004 = St004;

static DOC: RuleDoc = RuleDoc {
    code: "ST004",
    name: "storage-workspace-access-missing",
    severity: Severity::Error,
    what: "The workspace's default storage is limited to selected networks, has no resource-instance rule admitting the workspace, and does not let trusted Azure services through.",
    why: "Part of Azure Machine Learning's access to the default storage comes from the service itself, acting with the workspace's managed identity, not from inside the VNet. With 'Selected networks' the storage firewall admits it only through a resource instance rule for Microsoft.MachineLearningServices/workspaces naming the workspace, or through the trusted-services exception.",
    example: "workspaces: [{ name: ws, storage_account: st }]\nstorage_accounts: [{ name: st, network_rules: { default_action: Deny, bypass: [None] } }]",
    fix: "Add a resource instance rule for Microsoft.MachineLearningServices/workspaces naming the workspace to the storage firewall (or allow trusted Azure services).",
    fix_form: FixForm::Code,
    sources: &[
        doc!(SWV, "Secure Azure storage accounts, steps 3-4 and tip"),
        "peers: checkov CKV_AZURE_36 (which fails any account that denies by default without the trusted-services exception; moat reports it where a workspace needs the exception, and passes an account that admits the workspace by a resource instance rule)",
    ],
    covers: &["§6.24"],
    path: false,
};

impl Rule for St004 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for w in &cx.t.workspaces {
            let Some(st) = w.storage_account.as_deref().and_then(|n| storage(cx, n)) else {
                continue;
            };
            // The workspace's service reaching its storage, as the engine's resource firewall
            // decides it: only the "selected networks, neither instance nor trusted" outcome is
            // this rule's.
            let Some(t) = cx.trace(
                Address::resource(Kind::Workspace, &w.name),
                Address::resource(Kind::Storage, &st.name).with_sub("blob"),
                Protocol::TCP,
                443,
            ) else {
                continue;
            };
            // The storage firewall refuses the service, or may: it let the service through as
            // a resource instance or a trusted service reading a value the input leaves open
            // (its instance rules, its exceptions), and another value may admit it as neither.
            let Some(hop) = t.may_stop_at(Step::ResourceFirewall) else {
                continue;
            };
            let open = t.open_hops().any(|h| std::ptr::eq(h, hop));
            let may_refuse = hop.code == Code::RfServiceDenied
                || open && matches!(hop.code, Code::RfTrustedService | Code::RfResourceInstance);
            if !may_refuse {
                continue;
            }
            // Trusted services let through when the firewall lets nothing else through by
            // exception: setting the list then drops no Logging or Metrics exception (none
            // the input leaves open either).
            let r = format!("storage/{}", st.name);
            let no_exception = st
                .network_rules
                .bypass
                .iter()
                .all(|b| b.eq_ignore_ascii_case("None"))
                && cx.e.is_unknown(&r, "network_rules.bypass").is_none();
            let message = if t.verdict == Verdict::Unknown {
                format!(
                    "cannot confirm that storage {} admits the service of workspace {} (a resource instance rule, or the trusted-services exception): {}",
                    st.name,
                    w.name,
                    t.missing
                        .first()
                        .map_or("the model lacks a value", String::as_str)
                )
            } else {
                format!(
                    "storage {} admits selected networks only, with no resource instance rule for workspace {} and no trusted-services exception: the workspace's service is refused",
                    st.name, w.name
                )
            };
            let mut f = Finding::new(
                    &DOC,
                    &r,
                    message,
                    format!(
                        "add a resource instance rule (Microsoft.MachineLearningServices/workspaces, {}) to storage {}, or let trusted Azure services through its firewall",
                        w.name, st.name
                    ),
                    &st.at,
                )
                .with_trace(t);
            if no_exception {
                f = f.with_change(Change::set(&r, Setting::TrustedServicesAllowed));
            }
            out.push(f);
        }
    }
}
