//! ST001 studio-storage-service-endpoint-subnet.

use crate::rules::util_core::{endpoints_of, storage, studio_endpoints};
use crate::{Context, Finding, Rule, RuleDoc, Severity};
use moat_model::address::Kind;
use moat_model::enums::{DefaultAction, PublicNetworkAccess};

/// The rule.
pub struct St001;
/// Its registration.
pub static RULE: St001 = St001;

static DOC: RuleDoc = RuleDoc {
    code: "ST001",
    name: "studio-storage-service-endpoint-subnet",
    severity: Severity::Error,
    what: "Studio is used through a workspace private endpoint, the default storage is behind the VNet through a service endpoint, and the workspace private endpoint is not in a subnet the storage admits through its service endpoint.",
    why: "When studio is used and the storage account sits behind the VNet through a service endpoint, the workspace private endpoint and the storage service endpoint must be in the same subnet; otherwise studio's access to the data fails validation.",
    example: "workspaces: [{ name: ws, public_network_access: Disabled, storage_account: st }]\nstorage_accounts: [{ name: st, network_rules: { default_action: Deny, virtual_network_rules: [vnet/training] } }]\nprivate_endpoints: [{ name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace }]\nclients: [{ name: datasci, location: vm/jumpbox, operations: [studio.open] }]",
    fix: "Put the workspace private endpoint in the subnet that has the Microsoft.Storage service endpoint and the storage virtual network rule (or add that subnet to the storage's rules).",
    sources: &[doc!(
        SWV,
        "Limitations, Azure storage account (service endpoint)"
    )],
    covers: &["§6.21"],
    path: false,
};

impl Rule for St001 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for w in &cx.t.workspaces {
            let Some(st) = w.storage_account.as_deref().and_then(|n| storage(cx, n)) else {
                continue;
            };
            let rules = &st.network_rules;
            let via_service_endpoint = st.public_network_access != PublicNetworkAccess::Disabled
                && rules.default_action == DefaultAction::Deny
                && !rules.virtual_network_rules.is_empty()
                && endpoints_of(cx.t, Kind::Storage, &st.name).is_empty();
            if !via_service_endpoint {
                continue;
            }
            let mut seen = std::collections::HashSet::new();
            for (client, pe, t) in studio_endpoints(cx, &w.name) {
                let admitted = rules.virtual_network_rules.iter().any(|s| s == &pe.subnet);
                let has_endpoint = cx.e.ix.subnets.get(&pe.subnet).is_some_and(|&(vi, si)| {
                    cx.t.virtual_networks[vi].subnets[si]
                        .service_endpoints
                        .iter()
                        .any(|e| e.to_ascii_lowercase().starts_with("microsoft.storage"))
                });
                if (admitted && has_endpoint) || !seen.insert(pe.name.clone()) {
                    continue;
                }
                let why = if admitted {
                    format!(
                        "subnet {} has no Microsoft.Storage service endpoint",
                        pe.subnet
                    )
                } else {
                    format!(
                        "storage {} admits only {} through its service endpoint",
                        st.name,
                        rules.virtual_network_rules.join(", ")
                    )
                };
                out.push(
                    Finding::new(
                        &DOC,
                        format!("storage/{}", st.name),
                        format!(
                            "client {client} uses studio through workspace private endpoint {} in subnet {}, but {why}",
                            pe.name, pe.subnet
                        ),
                        DOC.fix,
                        &st.at,
                    )
                    .with_trace(t),
                );
            }
        }
    }
}
