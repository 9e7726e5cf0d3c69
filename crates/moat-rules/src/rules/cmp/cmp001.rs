//! CMP001 compute-region-mismatch.

use crate::rules::util_infra::{has_workspace_endpoint, vnet_region};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use moat_model::Provenance;

/// The rule.
pub struct Cmp001;
/// Its registration.
pub static RULE: Cmp001 = Cmp001;

static DOC: RuleDoc = RuleDoc {
    code: "CMP001",
    name: "compute-region-mismatch",
    severity: Severity::Error,
    what: "A compute instance, compute cluster or attached AKS cluster is in another Azure region than its workspace, and the workspace has a private endpoint (or a managed network).",
    why: "Computes created in a workspace that uses a private endpoint must be in the workspace's region, and an AKS cluster attached to such a workspace as well. With a managed network, a compute cluster in another region is not supported either.",
    example: "region: eastus\nworkspaces: [{ name: ws, public_network_access: Disabled }]\ncomputes: [{ name: cpu, workspace: ws, type: AmlCompute, region: westus, subnet: vnet/training }]\nprivate_endpoints: [{ name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: training, address_prefixes: [10.0.1.0/24] }, { name: pe, address_prefixes: [10.0.3.0/24] }] }]",
    fix: "Create the compute (or AKS cluster) in the workspace's region, in a subnet of a VNet of that region: which VNet and subnet is yours to choose (a compute's subnet is in its region).",
    fix_form: FixForm::Prose(prose::DESIGN),
    sources: &[
        doc!(
            PL,
            "Limitations (computes and AKS in the workspace's region)"
        ),
        doc!(PLAN, "Put all resources in the same region"),
    ],
    covers: &["§6.4", "§6.6"],
    path: false,
};

impl Rule for Cmp001 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let t = cx.t;
        // A compute's region: its own, else its VNet's.
        let region_of = |own: &Option<String>, subnet: &Option<String>| {
            own.clone().or_else(|| {
                subnet
                    .as_ref()
                    .and_then(|s| vnet_region(cx, s.split('/').next().unwrap_or_default()))
            })
        };
        for w in &t.workspaces {
            let Some(wr) = &w.region else { continue };
            let why = if has_workspace_endpoint(cx, &w.name) {
                "has a private endpoint"
            } else if w.managed_network.enabled() {
                "uses a managed network"
            } else {
                continue;
            };
            let mut found: Vec<(String, String, String, Provenance)> = Vec::new();
            for c in cx.e.ix.computes_of(t, &w.name) {
                if let Some(r) = region_of(&c.region, &c.subnet) {
                    found.push((
                        format!("compute/{}", c.name),
                        format!("compute {}", c.name),
                        r,
                        c.at.clone(),
                    ));
                }
            }
            for k in t.aks_clusters.iter().filter(|k| k.workspace == w.name) {
                if let Some(r) = region_of(&k.region, &k.subnet) {
                    found.push((
                        format!("aks/{}", k.name),
                        format!("AKS cluster {}", k.name),
                        r,
                        k.at.clone(),
                    ));
                }
            }
            for (resource, who, r, at) in found {
                if r.eq_ignore_ascii_case(wr) {
                    continue;
                }
                out.push(Finding::new(
                    &DOC,
                    resource,
                    format!(
                        "{who} is in {r}, but workspace {} is in {wr} and {why}: computes must be in the workspace's region",
                        w.name
                    ),
                    DOC.fix,
                    &at,
                ));
            }
        }
    }
}
