//! MVN007 managed-network-unsupported-compute.

use crate::rules::util::compute_at;
use crate::rules::util_core::aks_at;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};

/// The rule.
pub struct Mvn007;
/// Its registration.
pub static RULE: Mvn007 = Mvn007;

static DOC: RuleDoc = RuleDoc {
    code: "MVN007",
    name: "managed-network-unsupported-compute",
    severity: Severity::Error,
    what: "A workspace with a managed network has an attached Kubernetes cluster, a compute placed in a customer VNet subnet, or a compute cluster in another region.",
    why: "Managed network computes live in the workspace's managed VNet: they cannot be injected into a customer VNet, compute clusters in another region are not supported, and Kubernetes clusters (and attached VMs) cannot be used with a managed network.",
    example: "workspaces: [{ name: ws, managed_network: { isolation_mode: AllowInternetOutbound } }]\ncomputes: [{ name: cpu, workspace: ws, type: AmlCompute, subnet: vnet/training }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: training, address_prefixes: [10.0.1.0/24] }] }]",
    fix: "Create the compute without a subnet (it joins the managed network) in the workspace's region; for Kubernetes, use a workspace without a managed network.",
    fix_form: FixForm::Prose(prose::DESIGN),
    sources: &[doc!(MN, "Limitations"), doc!(MNC, "Limitations")],
    covers: &["§6.69"],
    path: false,
};

impl Rule for Mvn007 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let norm = |r: &str| r.replace([' ', '-'], "").to_ascii_lowercase();
        for w in
            cx.t.workspaces
                .iter()
                .filter(|w| w.managed_network.enabled())
        {
            for c in cx.e.ix.computes_of(cx.t, &w.name) {
                let why = if let Some(s) = &c.subnet {
                    format!("is placed in customer subnet {s}")
                } else if let (Some(cr), Some(wr)) = (&c.region, &w.region)
                    && norm(cr) != norm(wr)
                {
                    format!("is in {cr}, the workspace in {wr}")
                } else {
                    continue;
                };
                out.push(Finding::new(
                    &DOC,
                    format!("compute/{}", c.name),
                    format!(
                        "compute {} {why}: not supported with the managed network of workspace {}",
                        c.name, w.name
                    ),
                    DOC.fix,
                    &compute_at(cx, &c.name),
                ));
            }
            for k in cx.t.aks_clusters.iter().filter(|k| k.workspace == w.name) {
                out.push(Finding::new(
                    &DOC,
                    format!("aks/{}", k.name),
                    format!(
                        "Kubernetes cluster {} is attached to workspace {}, which has a managed network (not supported)",
                        k.name, w.name
                    ),
                    DOC.fix,
                    &aks_at(cx, &k.name),
                ));
            }
        }
    }
}
