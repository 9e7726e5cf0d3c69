//! PE004 no-endpoint-beside-dependencies.

use crate::rules::util_core::{endpoints_of, vnet_part};
use crate::rules::util_endpoint::{endpoint_in, group_of};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_model::address::{Address, Kind};
use std::collections::BTreeSet;

/// The rule.
pub struct Pe004;
/// Its registration.
pub static RULE: Pe004 = Pe004;

static DOC: RuleDoc = RuleDoc {
    code: "PE004",
    name: "no-endpoint-beside-dependencies",
    severity: Severity::Error,
    what: "A workspace with several private endpoints has none in a VNet that also holds the private endpoints of its default storage, key vault and container registry.",
    why: "With several workspace private endpoints, one of them must sit in the same VNet as the endpoints of the workspace's dependencies (a 'services' VNet); that is where the workspace communicates with them. Other VNets (for clients, for AKS) may hold only a workspace endpoint.",
    example: "workspaces: [{ name: ws, storage_account: st }]\nstorage_accounts: [{ name: st, public_network_access: Disabled }]\nprivate_endpoints:\n  - { name: ws-pe-a, subnet: vnet-a/pe, target: workspace/ws, group_id: amlworkspace }\n  - { name: ws-pe-b, subnet: vnet-b/pe, target: workspace/ws, group_id: amlworkspace }\n  - { name: st-pe, subnet: vnet-c/pe, target: storage/st, group_id: blob }\nvirtual_networks:\n  - { name: vnet-a, address_space: [10.1.0.0/16], subnets: [{ name: pe, address_prefixes: [10.1.3.0/24] }] }\n  - { name: vnet-b, address_space: [10.2.0.0/16], subnets: [{ name: pe, address_prefixes: [10.2.3.0/24] }] }\n  - { name: vnet-c, address_space: [10.3.0.0/16], subnets: [{ name: pe, address_prefixes: [10.3.3.0/24] }] }",
    fix: "Put one workspace private endpoint in the VNet that holds the storage, key vault and container registry endpoints (a shared 'services' VNet).",
    fix_form: FixForm::Code,
    sources: &[doc!(PL, "Limitations (multiple private endpoints)")],
    covers: &["§6.7"],
    path: false,
};

impl Rule for Pe004 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for w in &cx.t.workspaces {
            let ws_vnets: BTreeSet<&str> = endpoints_of(cx.e, Kind::Workspace, &w.name)
                .iter()
                .map(|p| vnet_part(&p.subnet))
                .collect();
            if endpoints_of(cx.e, Kind::Workspace, &w.name).len() < 2 {
                continue;
            }
            // The dependencies reached through private endpoints, with the VNets holding them.
            let deps: Vec<(String, BTreeSet<&str>)> = [
                (Kind::Storage, &w.storage_account),
                (Kind::Keyvault, &w.key_vault),
                (Kind::Acr, &w.container_registry),
            ]
            .into_iter()
            .filter_map(|(k, n)| {
                let n = n.as_ref()?;
                let vnets: BTreeSet<&str> = endpoints_of(cx.e, k, n)
                    .iter()
                    .map(|p| vnet_part(&p.subnet))
                    .collect();
                (!vnets.is_empty()).then(|| (format!("{k}/{n}"), vnets))
            })
            .collect();
            if deps.is_empty() {
                continue;
            }
            let beside = ws_vnets
                .iter()
                .any(|v| deps.iter().all(|(_, vs)| vs.contains(v)));
            if beside {
                continue;
            }
            let detail: Vec<String> = deps
                .iter()
                .map(|(d, vs)| {
                    format!(
                        "{d} in {}",
                        vs.iter().copied().collect::<Vec<_>>().join(", ")
                    )
                })
                .collect();
            // The workspace's endpoint in the one VNet that holds every dependency's (beside
            // them, in the subnet that holds them); where several VNets do, which one serves
            // the workspace is the user's to say.
            let mut holding = deps.iter().map(|(_, vs)| vs);
            let first = holding.next().cloned().unwrap_or_default();
            let common: Vec<&str> = holding
                .fold(first, |all, vs| all.intersection(vs).copied().collect())
                .into_iter()
                .collect();
            let ws = Address::resource(Kind::Workspace, &w.name);
            let change = match (common.as_slice(), group_of(&ws, "")) {
                ([vnet], Some(group)) => endpoint_in(cx, &ws, group, vnet, None, None),
                _ => None,
            };
            out.push(Finding::new(
                &DOC,
                format!("workspace/{}", w.name),
                format!(
                    "workspace {} has private endpoints in {}, but none in a VNet holding the endpoints of all its dependencies ({})",
                    w.name,
                    ws_vnets.iter().copied().collect::<Vec<_>>().join(", "),
                    detail.join("; ")
                ),
                DOC.fix,
                &w.at,
            )
            .with_changes(change));
        }
    }
}
