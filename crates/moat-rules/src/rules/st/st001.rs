//! ST001 studio-storage-service-endpoint-subnet.

use crate::rules::util_core::{storage, studio_endpoints};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use moat_engine::RuleCode;

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
    example: "workspaces: [{ name: ws, public_network_access: Disabled, storage_account: st }]\nstorage_accounts: [{ name: st, network_rules: { default_action: Deny, virtual_network_rules: [vnet/training] } }]\nprivate_endpoints: [{ name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace, dns_zone_group: [privatelink.api.azureml.ms] }]\nprivate_dns_zones: [{ name: privatelink.api.azureml.ms, vnet_links: [vnet] }]\nclients: [{ name: datasci, location: vm/jumpbox, operations: [studio.open] }]\nvirtual_machines: [{ name: jumpbox, network_interfaces: [jumpbox-nic] }]\nnetwork_interfaces: [{ name: jumpbox-nic, subnet: vnet/training }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: training, address_prefixes: [10.0.1.0/24], service_endpoints: [Microsoft.Storage] }, { name: pe, address_prefixes: [10.0.3.0/24] }] }]",
    fix: "Put the workspace private endpoint in the subnet that has the Microsoft.Storage service endpoint and the storage virtual network rule (or add that subnet to the storage's rules).",
    fix_form: FixForm::Prose(prose::DESIGN),
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
            let mut seen = std::collections::HashSet::new();
            for (client, pe, t) in studio_endpoints(cx, &w.name) {
                let Some(c) = moat_engine::studio::colocation(cx.e, w, pe) else {
                    continue;
                };
                if c.rule != RuleCode::St001 || c.met || !seen.insert(pe.name.clone()) {
                    continue;
                }
                // Undecided where the subnets the storage admits are open: a warning naming
                // them, as a trace names what it lacks.
                let message = match c.open {
                    Some(_) => format!(
                        "cannot confirm studio's data access for client {client}: {}",
                        c.why
                    ),
                    None => format!("client {client} uses studio, but {}", c.why),
                };
                let mut f = Finding::new(
                    &DOC,
                    format!("storage/{}", st.name),
                    message,
                    DOC.fix,
                    &st.at,
                )
                .with_trace(t);
                if let Some(need) = c.open {
                    f.severity = Severity::Warning.min(DOC.severity);
                    f = f.needing(Some(need));
                }
                out.push(f);
            }
        }
    }
}
