//! REG015 registry-endpoints-outside-workspace-subnet.

use crate::change::Change;
use crate::rules::util_core::vnet_part;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_model::address::{Address, Kind};
use std::collections::BTreeSet;

/// The rule.
pub struct Reg015;
/// Its registration.
pub static RULE: Reg015 = Reg015;

static DOC: RuleDoc = RuleDoc {
    code: "REG015",
    name: "registry-endpoints-outside-workspace-subnet",
    severity: Severity::Warning,
    what: "In a VNet holding a workspace private endpoint, a private endpoint of a registry the workspace uses (registry, its storage or its container registry) is in a subnet other than the workspace endpoint's.",
    why: "To use a private registry's assets from a workspace, the documentation asks for the private endpoints of the registry, its managed storage and its managed container registry in the same subnet as the workspace's private endpoint, one set per registry.",
    example: "workspaces: [{ name: ws }]\nregistries: [{ name: contosoreg }]\nprivate_endpoints:\n  - { name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace }\n  - { name: reg-pe, subnet: vnet/other, target: registry/contosoreg, group_id: amlregistry }\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: pe, address_prefixes: [10.0.3.0/24] }, { name: other, address_prefixes: [10.0.4.0/24] }] }]",
    fix: "Create the registry's private endpoints (registry, storage blob, container registry) in the subnet of the workspace private endpoint (an endpoint is re-created to move it; one with a fixed address needs an address chosen in that subnet).",
    fix_form: FixForm::Code,
    sources: &[doc!(REG, "Use assets from registry in workspace")],
    covers: &["§6.92"],
    path: false,
};

impl Rule for Reg015 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for w in &cx.t.workspaces {
            let owner = w.hub.as_deref().unwrap_or(&w.name);
            let ix = &cx.e.ix;
            let ws_subnets: BTreeSet<&str> = ix
                .endpoints_of(cx.t, Kind::Workspace, owner)
                .chain(ix.endpoints_of(cx.t, Kind::Workspace, &w.name))
                .map(|p| p.subnet.as_str())
                .collect();
            let ws_vnets: BTreeSet<&str> = ws_subnets.iter().map(|s| vnet_part(s)).collect();
            let used: BTreeSet<&str> = cx
                .intent
                .registries_of(&w.name)
                .iter()
                .map(String::as_str)
                .collect();
            // The endpoints to the registries the workspace uses, in declaration order: looked
            // up per registry, not scanned per workspace.
            let mut to_used: Vec<usize> = used
                .iter()
                .filter_map(|r| ix.endpoints_by_target.get(&(Kind::Registry, r.to_string())))
                .flatten()
                .copied()
                .collect();
            to_used.sort_unstable();
            to_used.dedup();
            for p in to_used.into_iter().map(|i| &cx.t.private_endpoints[i]) {
                let Address::Resource {
                    kind: Kind::Registry,
                    name,
                    ..
                } = &p.target
                else {
                    continue;
                };
                if !used.contains(name.as_str())
                    || !ws_vnets.contains(vnet_part(&p.subnet))
                    || ws_subnets.contains(p.subnet.as_str())
                {
                    continue;
                }
                let wanted: Vec<&str> = ws_subnets
                    .iter()
                    .copied()
                    .filter(|s| vnet_part(s) == vnet_part(&p.subnet))
                    .collect();
                let mut f = Finding::new(
                    &DOC,
                    format!("private-endpoint/{}", p.name),
                    format!(
                        "private endpoint {} to {} is in subnet {}; the private endpoint of workspace {} is in {}",
                        p.name,
                        p.target,
                        p.subnet,
                        w.name,
                        wanted.join(", ")
                    ),
                    DOC.fix,
                    &p.at,
                );
                // One subnet to go to: the move is determined (a workspace endpoint in
                // several subnets of the VNet leaves the choice to the user).
                if let [to] = wanted.as_slice() {
                    f = f.with_change(Change::MoveEndpoint {
                        endpoint: p.name.clone(),
                        subnet: to.to_string(),
                    });
                }
                out.push(f);
            }
        }
    }
}
