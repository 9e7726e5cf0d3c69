//! ST009 default-storage-outside-workspace-vnet.

use crate::rules::sec::perimeter_needs;
use crate::rules::util_core::{endpoints_of, storage, storage_restricted, vnet_part};
use crate::rules::util_endpoint::{endpoint_in, group_of};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_model::address::{Address, Kind};
use std::collections::BTreeSet;

/// The rule.
pub struct St009;
/// Its registration.
pub static RULE: St009 = St009;

static DOC: RuleDoc = RuleDoc {
    code: "ST009",
    name: "default-storage-outside-workspace-vnet",
    severity: Severity::Error,
    what: "A workspace with private endpoints in customer VNets has a default storage account behind the VNet (private endpoints or service endpoint rules) in none of those VNets.",
    why: "In a custom VNet design the workspace and its default storage account must be in the same VNet (different subnets are fine): the storage account gets a private endpoint, or a service endpoint admitted by its firewall, in the VNet that holds the workspace's private endpoint. Key vault and container registry are only recommended there (peered VNets work for them).",
    example: "workspaces: [{ name: ws, public_network_access: Disabled, storage_account: st }]\nstorage_accounts: [{ name: st, public_network_access: Disabled }]\nprivate_endpoints:\n  - { name: ws-pe, subnet: ml-vnet/pe, target: workspace/ws, group_id: amlworkspace }\n  - { name: st-pe, subnet: data-vnet/pe, target: storage/st, group_id: blob }\nvirtual_networks:\n  - { name: ml-vnet, address_space: [10.0.0.0/16], subnets: [{ name: pe, address_prefixes: [10.0.3.0/24] }] }\n  - { name: data-vnet, address_space: [10.1.0.0/16], subnets: [{ name: pe, address_prefixes: [10.1.3.0/24] }] }",
    fix: "Create private endpoints (blob, file) for the default storage account in the VNet of the workspace's private endpoint, or admit a subnet of that VNet through a Microsoft.Storage service endpoint.",
    fix_form: FixForm::Code,
    sources: &[doc!(NSO, "Limitations")],
    covers: &["§6.20"],
    path: false,
};

impl Rule for St009 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let t = cx.t;
        for w in t.workspaces.iter().filter(|w| w.hub.is_none()) {
            let Some(st) = w.storage_account.as_deref().and_then(|n| storage(cx, n)) else {
                continue;
            };
            if !storage_restricted(st) {
                continue;
            }
            let ws_vnets: BTreeSet<&str> = endpoints_of(cx.e, Kind::Workspace, &w.name)
                .iter()
                .map(|p| vnet_part(&p.subnet))
                .collect();
            let st_vnets: BTreeSet<&str> = endpoints_of(cx.e, Kind::Storage, &st.name)
                .iter()
                .map(|p| vnet_part(&p.subnet))
                .chain(
                    st.network_rules
                        .virtual_network_rules
                        .iter()
                        .map(|s| vnet_part(s)),
                )
                .collect();
            // Without a workspace endpoint, or with storage reached neither way, other rules
            // (WS001, ST004, PE005) say what is missing.
            if ws_vnets.is_empty() || st_vnets.is_empty() || !ws_vnets.is_disjoint(&st_vnets) {
                continue;
            }
            let list = |s: &BTreeSet<&str>| s.iter().copied().collect::<Vec<_>>().join(", ");
            let mut f = Finding::new(
                &DOC,
                format!("storage/{}", st.name),
                format!(
                    "workspace {}'s private endpoints are in VNet {}, and its default storage {} is behind VNet {}: they must share a VNet",
                    w.name,
                    list(&ws_vnets),
                    st.name,
                    list(&st_vnets)
                ),
                DOC.fix,
                &st.at,
            )
            // Behind a perimeter, not a VNet, when public access is SecuredByPerimeter.
            .needing(perimeter_needs(cx, &format!("storage/{}", st.name)));
            // Blob and file beside the workspace's endpoint in its (first) VNet.
            let target = Address::resource(Kind::Storage, &st.name);
            if let Some(vnet) = ws_vnets.first() {
                for service in ["blob", "file"] {
                    if let Some(c) = group_of(&target, service)
                        .and_then(|g| endpoint_in(cx, &target, g, vnet, Some(&w.name), None))
                    {
                        f = f.with_change(c);
                    }
                }
            }
            out.push(f);
        }
    }
}
