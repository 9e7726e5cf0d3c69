//! ST007 storage-vnet-rule-missing.

use crate::change::Change;
use crate::rules::util_items::{blocked_storage_of, default_storage_blocked};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_engine::Code;

/// The rule.
pub struct St007;
/// Its registration.
pub static RULE: St007 = St007;

static DOC: RuleDoc = RuleDoc {
    code: "ST007",
    name: "storage-vnet-rule-missing",
    severity: Severity::Error,
    what: "A compute reaches its workspace's default storage through a service endpoint, and the storage firewall has no virtual network rule for the compute's subnet (path).",
    why: "A storage account secured with service endpoints admits only the subnets its virtual network rules list: the compute instances and clusters must be in a subnet the account admits, or jobs cannot read or write the workspace's data.",
    example: "workspaces: [{ name: ws, storage_account: st }]\nstorage_accounts: [{ name: st, network_rules: { default_action: Deny, virtual_network_rules: [vnet/other] } }]\ncomputes: [{ name: cpu, workspace: ws, type: AmlCompute, subnet: vnet/training }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: training, address_prefixes: [10.0.1.0/24], service_endpoints: [Microsoft.Storage] }, { name: other, address_prefixes: [10.0.2.0/24], service_endpoints: [Microsoft.Storage] }] }]",
    fix: "Add a virtual network rule for the compute's subnet to the storage account (with the Microsoft.Storage service endpoint on that subnet), or reach the account through a private endpoint.",
    fix_form: FixForm::Code,
    sources: &[doc!(
        SWV,
        "Secure Azure storage accounts (service endpoint)"
    )],
    covers: &["§6.25"],
    path: true,
};

impl Rule for St007 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let from = out.len();
        default_storage_blocked(cx, &DOC, Code::RfNoVnetRule, "service endpoint", out);
        for f in &mut out[from..] {
            if let Some((_, subnet, st)) = blocked_storage_of(cx, f) {
                f.changes.push(Change::AddVnetRule {
                    resource: format!("storage/{st}"),
                    subnet: format!("subnet/{subnet}"),
                });
            }
        }
    }
}
