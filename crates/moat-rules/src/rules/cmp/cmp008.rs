//! CMP008 no-public-ip-without-workspace-endpoint.

use crate::rules::util::workspace_at;
use crate::rules::util_core::vnet_part;
use crate::rules::util_endpoint::{endpoint_in, group_of};
use crate::rules::util_infra::has_workspace_endpoint;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_model::address::{Address, Kind};

/// The rule.
pub struct Cmp008;
/// Its registration.
pub static RULE: Cmp008 = Cmp008;

static DOC: RuleDoc = RuleDoc {
    code: "CMP008",
    name: "no-public-ip-without-workspace-endpoint",
    severity: Severity::Error,
    what: "A compute instance or cluster without a public IP is in a VNet of a workspace that has no private endpoint (and no managed network).",
    why: "A compute without public IP receives no inbound management traffic from the internet: it talks to the service through the workspace's private endpoint. Azure Machine Learning requires the private endpoint for no-public-IP computes in a customer VNet; without it the compute fails to create or stays unusable.",
    example: "workspaces: [{ name: ws }]\ncomputes: [{ name: cpu, workspace: ws, type: AmlCompute, subnet: vnet/training, enable_node_public_ip: false }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: training, address_prefixes: [10.0.1.0/24] }] }]",
    fix: "Add a private endpoint to the workspace (group amlworkspace) reachable from the compute's VNet, with its privatelink DNS zones, or create the compute with a public IP.",
    fix_form: FixForm::Code,
    sources: &[doc!(
        TRV,
        "Compute instance/cluster with no public IP (prerequisites)"
    )],
    covers: &["§6.57"],
    path: false,
};

impl Rule for Cmp008 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for c in &cx.t.computes {
            if c.enable_node_public_ip || c.subnet.is_none() {
                continue;
            }
            let Some(&wi) = cx.e.ix.workspaces.get(&c.workspace) else {
                continue;
            };
            let w = &cx.t.workspaces[wi];
            if w.managed_network.enabled() {
                continue;
            }
            // A project workspace is reached through its hub's endpoints.
            let owner = w.hub.as_deref().unwrap_or(&w.name);
            if has_workspace_endpoint(cx, owner) || has_workspace_endpoint(cx, &w.name) {
                continue;
            }
            let at = if c.at.is_unknown() {
                workspace_at(cx, &w.name)
            } else {
                c.at.clone()
            };
            // The endpoint of the workspace whose network the compute uses (a project's hub),
            // in the compute's subnet.
            let target = Address::resource(Kind::Workspace, owner);
            let change = c.subnet.as_deref().and_then(|s| {
                group_of(&target, "")
                    .and_then(|g| endpoint_in(cx, &target, g, vnet_part(s), None, Some(s)))
            });
            out.push(
                Finding::new(
                    &DOC,
                    format!("compute/{}", c.name),
                    format!(
                        "compute {} has no public IP, and workspace {} has no private endpoint",
                        c.name, w.name
                    ),
                    DOC.fix,
                    &at,
                )
                .with_changes(change),
            );
        }
    }
}
