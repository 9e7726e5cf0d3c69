//! ST007 storage-vnet-rule-missing.

use crate::rules::util::compute_at;
use crate::rules::util_core::trace_finding;
use crate::{Context, Finding, Rule, RuleDoc, Severity};
use moat_model::address::{Address, Kind};
use moat_packets::Protocol;

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
    example: "storage_accounts: [{ name: st, network_rules: { default_action: Deny, virtual_network_rules: [vnet/other] } }]\nvirtual_networks: [{ name: vnet, subnets: [{ name: training, address_prefixes: [10.0.1.0/24], service_endpoints: [Microsoft.Storage] }] }]",
    fix: "Add a virtual network rule for the compute's subnet to the storage account (with the Microsoft.Storage service endpoint on that subnet), or reach the account through a private endpoint.",
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
        for c in cx.t.computes.iter().filter(|c| c.subnet.is_some()) {
            let Some(&wi) = cx.e.ix.workspaces.get(&c.workspace) else {
                continue;
            };
            let Some(st) = &cx.t.workspaces[wi].storage_account else {
                continue;
            };
            let from = Address::Resource {
                kind: Kind::Compute,
                name: c.name.clone(),
                sub: None,
            };
            let to = Address::Resource {
                kind: Kind::Storage,
                name: st.clone(),
                sub: Some("blob".into()),
            };
            let Some(t) = cx.trace(from, to, Protocol::TCP, 443) else {
                continue;
            };
            if t.blocked_by.as_ref().map(|h| h.code) != Some("RF_NO_VNET_RULE") {
                continue;
            }
            let what = format!(
                "compute {} → default storage {st} of workspace {} (service endpoint)",
                c.name, c.workspace
            );
            out.push(trace_finding(
                &DOC,
                format!("compute/{}", c.name),
                what,
                t,
                &compute_at(cx, &c.name),
            ));
        }
    }
}
