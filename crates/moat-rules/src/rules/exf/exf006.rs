//! EXF006 policy-blocks-workspace-storage.

use crate::change::Change;
use crate::rules::sec::needs;
use crate::rules::util_items::{blocked_storage_of, default_storage_blocked};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_engine::Code;

/// The rule.
pub struct Exf006;
/// Its registration.
pub static RULE: Exf006 = Exf006;

static DOC: RuleDoc = RuleDoc {
    code: "EXF006",
    name: "policy-blocks-workspace-storage",
    severity: Severity::Error,
    what: "A compute reaches its workspace's default storage through a service endpoint whose policy does not list that account (path).",
    why: "A service endpoint policy denies every storage account it does not list. The workspace's default storage must be in the policy (service Microsoft.Storage, scope single account) unless the compute reaches it through a private endpoint, which the policy does not filter; otherwise jobs cannot read or write their data.",
    example: "workspaces: [{ name: ws, storage_account: st }]\nstorage_accounts: [{ name: st }]\ncomputes: [{ name: cpu, workspace: ws, type: AmlCompute, subnet: vnet/training }]\nservice_endpoint_policies: [{ name: ml-sep, definitions: [{ service: Global, service_resources: [/services/Azure/MachineLearning] }] }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: training, address_prefixes: [10.0.1.0/24], service_endpoints: [Microsoft.Storage], service_endpoint_policies: [ml-sep] }] }]",
    fix: "Add the workspace's default storage account to the service endpoint policy, or reach it through a private endpoint.",
    fix_form: FixForm::Code,
    sources: &[doc!(
        EXF,
        "Enable storage endpoint for the subnet (service endpoint policy)"
    )],
    covers: &["§7.sep-missing-default-storage", "§6.110"],
    path: true,
};

impl Rule for Exf006 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let from = out.len();
        default_storage_blocked(cx, &DOC, Code::SepDeny, "service endpoint policy", out);
        for f in &mut out[from..] {
            let Some((_, subnet, st)) = blocked_storage_of(cx, f) else {
                continue;
            };
            let Some(&(vi, si)) = cx.e.ix.subnets.get(subnet) else {
                continue;
            };
            let policies = &cx.t.virtual_networks[vi].subnets[si].service_endpoint_policies;
            // With one policy on the subnet, it is the one that denies; with several (or a list
            // the input leaves open), which one to change is a choice.
            let open = needs(cx, &format!("subnet/{subnet}"), "service_endpoint_policies");
            if let ([policy], None) = (policies.as_slice(), open)
                && cx.e.ix.storage_accounts.contains_key(st)
            {
                f.changes.push(Change::AddPolicyStorage {
                    policy: policy.clone(),
                    storage: format!("storage/{st}"),
                });
            }
        }
    }
}
