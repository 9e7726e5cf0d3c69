//! ST002 studio-storage-endpoint-vnet.

use crate::rules::util_core::vnet_part;
use crate::rules::util_core::{storage, studio_endpoints};
use crate::rules::util_endpoint::{endpoint_in, group_of};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_engine::RuleCode;
use moat_model::address::{Address, Kind};

/// The rule.
pub struct St002;
/// Its registration.
pub static RULE: St002 = St002;

static DOC: RuleDoc = RuleDoc {
    code: "ST002",
    name: "studio-storage-endpoint-vnet",
    severity: Severity::Error,
    what: "Studio is used through a workspace private endpoint in a VNet that holds no private endpoint of the workspace's default storage, which is reached through private endpoints elsewhere.",
    why: "When studio is used and the storage account uses a private endpoint, the workspace private endpoint and the storage private endpoint must be in the same VNet (subnets may differ); otherwise studio cannot work with the data.",
    example: "workspaces: [{ name: ws, public_network_access: Disabled, storage_account: st }]\nstorage_accounts: [{ name: st, public_network_access: Disabled }]\nprivate_endpoints:\n  - { name: ws-pe, subnet: client-vnet/pe, target: workspace/ws, group_id: amlworkspace, dns_zone_group: [privatelink.api.azureml.ms] }\n  - { name: st-pe, subnet: vnet/pe, target: storage/st, group_id: blob }\nprivate_dns_zones: [{ name: privatelink.api.azureml.ms, vnet_links: [client-vnet] }]\nclients: [{ name: datasci, location: vm/jumpbox, operations: [studio.open] }]\nvirtual_machines: [{ name: jumpbox, network_interfaces: [jumpbox-nic] }]\nnetwork_interfaces: [{ name: jumpbox-nic, subnet: client-vnet/jumpbox }]\nvirtual_networks:\n  - { name: client-vnet, address_space: [10.5.0.0/16], subnets: [{ name: jumpbox, address_prefixes: [10.5.1.0/24] }, { name: pe, address_prefixes: [10.5.3.0/24] }] }\n  - { name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: pe, address_prefixes: [10.0.3.0/24] }] }",
    fix: "Create a private endpoint for the storage account in the VNet of the workspace private endpoint studio users come through (any subnet).",
    fix_form: FixForm::Code,
    sources: &[doc!(
        SWV,
        "Limitations, Azure storage account (private endpoint)"
    )],
    covers: &["§6.22"],
    path: false,
};

impl Rule for St002 {
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
                if c.rule != RuleCode::St002 || c.met || !seen.insert(pe.name.clone()) {
                    continue;
                }
                let mut f = Finding::new(
                    &DOC,
                    format!("storage/{}", st.name),
                    format!("client {client} uses studio, but {}", c.why),
                    c.fix,
                    &st.at,
                )
                .with_trace(t);
                // Blob and file (studio reads both) beside the workspace endpoint studio
                // users come through.
                let target = Address::resource(Kind::Storage, &st.name);
                for service in ["blob", "file"] {
                    if let Some(c) = group_of(&target, service).and_then(|g| {
                        endpoint_in(
                            cx,
                            &target,
                            g,
                            vnet_part(&pe.subnet),
                            None,
                            Some(&pe.subnet),
                        )
                    }) {
                        f = f.with_change(c);
                    }
                }
                out.push(f);
            }
        }
    }
}
