//! CMP013 instance-outside-workspace-network.

use crate::rules::util_infra::{endpoint_vnets, has_workspace_endpoint, vnet_region};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use moat_model::address::Kind;
use moat_model::enums::ComputeType;

/// The rule.
pub struct Cmp013;
/// Its registration.
pub static RULE: Cmp013 = Cmp013;

static DOC: RuleDoc = RuleDoc {
    code: "CMP013",
    name: "instance-outside-workspace-network",
    severity: Severity::Error,
    what: "A compute instance is in another Azure region than its workspace, or in a VNet that holds none of the workspace's private endpoints.",
    why: "A compute instance cannot be in a different region or VNet than its workspace. A compute cluster can (created with the v2 CLI, SDK or studio), through VNet peering or a workspace private endpoint in its own VNet, as long as the workspace's storage, key vault and container registry are reachable from there: the path rules trace that for clusters. A workspace with a private endpoint or a managed network is checked for region by CMP001.",
    example: "region: eastus\nworkspaces: [{ name: ws }]\ncomputes: [{ name: ci, workspace: ws, type: ComputeInstance, region: westus }]",
    fix: "Create the compute instance in the workspace's region, in a subnet of a VNet that holds the workspace's private endpoint; use a compute cluster for work in another region or VNet.",
    fix_form: FixForm::Prose(prose::DESIGN),
    sources: &[doc!(
        TRV,
        "Compute instance and compute cluster in a different region or VNet than the workspace"
    )],
    covers: &["§6.56"],
    path: false,
};

impl Rule for Cmp013 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let t = cx.t;
        for c in t
            .computes
            .iter()
            .filter(|c| c.compute_type == ComputeType::ComputeInstance)
        {
            let Some(w) =
                cx.e.ix
                    .workspaces
                    .get(&c.workspace)
                    .map(|&i| &t.workspaces[i])
            else {
                continue;
            };
            let vnet = c
                .subnet
                .as_deref()
                .map(|s| s.split('/').next().unwrap_or_default().to_string());
            let region = c
                .region
                .clone()
                .or_else(|| vnet.as_deref().and_then(|v| vnet_region(cx, v)));
            let r = format!("compute/{}", c.name);
            // CMP001 reports the region of every compute of a private or managed workspace.
            let checked_by_cmp001 =
                has_workspace_endpoint(cx, &w.name) || w.managed_network.enabled();
            if let (Some(cr), Some(wr), false) = (&region, &w.region, checked_by_cmp001)
                && !cr.eq_ignore_ascii_case(wr)
            {
                out.push(Finding::new(
                    &DOC,
                    &r,
                    format!(
                        "compute instance {} is in {cr}, but workspace {} is in {wr}: a compute instance must be in its workspace's region",
                        c.name, w.name
                    ),
                    DOC.fix,
                    &c.at,
                ));
                continue;
            }
            let Some(v) = vnet else { continue };
            let homes = endpoint_vnets(cx, Kind::Workspace, &w.name);
            // A VNet known only through an unknown reference may be one of the homes.
            let mut open = None;
            let mut home = homes.is_empty();
            for h in &homes {
                match moat_model::external::same_vnet(t, h, &v) {
                    Ok(same) => home |= same,
                    Err(n) => open = open.or(Some(n)),
                }
            }
            if home {
                continue;
            }
            let is = if open.is_some() {
                "may not be"
            } else {
                "is not"
            };
            out.push(
                Finding::new(
                    &DOC,
                    &r,
                    format!(
                        "compute instance {} is in VNet {v}, but the private endpoints of workspace {} are in {}: a compute instance must be in its workspace's VNet, and this one {is}",
                        c.name,
                        w.name,
                        homes.join(", ")
                    ),
                    DOC.fix,
                    &c.at,
                )
                .needing(open),
            );
        }
    }
}
