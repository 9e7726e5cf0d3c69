//! NET004 cross-region-resources.

use crate::rules::util_infra::{has_workspace_endpoint, vnet_region};
use crate::{Context, Finding, Rule, RuleDoc, Severity};

/// The rule.
pub struct Net004;
/// Its registration.
pub static RULE: Net004 = Net004;

static DOC: RuleDoc = RuleDoc {
    code: "NET004",
    name: "cross-region-resources",
    severity: Severity::Warning,
    what: "The resources of a workspace are not all in its region: its storage, key vault, container registry, Application Insights, the VNets of its computes and private endpoints, or (for a workspace without private endpoint or managed network) its computes.",
    why: "The recommended architectures put every resource in one region: service endpoints and their policies work within a region, private endpoints must be in their VNet's region, and traffic across regions costs latency and egress. (Computes of a workspace with a private endpoint or managed network are checked by CMP001, as an error.)",
    example: "region: eastus\nworkspaces: [{ name: ws, storage_account: st }]\nstorage_accounts: [{ name: st, region: westeurope }]",
    fix: "Create the workspace's resources in its region.",
    sources: &[
        doc!(TRV, "Limitations"),
        doc!(PLAN, "Recommended architecture"),
    ],
    covers: &[],
    path: false,
};

impl Rule for Net004 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let t = cx.t;
        for w in &t.workspaces {
            let Some(wr) = &w.region else { continue };
            let mut off: Vec<String> = Vec::new();
            let mut note = |what: String, r: Option<&String>| {
                if let Some(r) = r
                    && !r.eq_ignore_ascii_case(wr)
                {
                    off.push(format!("{what} ({r})"));
                }
            };
            if let Some(s) = t
                .storage_accounts
                .iter()
                .find(|x| Some(&x.name) == w.storage_account.as_ref())
            {
                note(format!("storage {}", s.name), s.region.as_ref());
            }
            if let Some(k) = t
                .key_vaults
                .iter()
                .find(|x| Some(&x.name) == w.key_vault.as_ref())
            {
                note(format!("key vault {}", k.name), k.region.as_ref());
            }
            if let Some(a) = t
                .container_registries
                .iter()
                .find(|x| Some(&x.name) == w.container_registry.as_ref())
            {
                note(format!("container registry {}", a.name), a.region.as_ref());
            }
            if let Some(a) = t
                .application_insights
                .iter()
                .find(|x| Some(&x.name) == w.application_insights.as_ref())
            {
                note(
                    format!("Application Insights {}", a.name),
                    a.region.as_ref(),
                );
            }
            let mut vnets: Vec<String> = Vec::new();
            let cmp001 = has_workspace_endpoint(t, &w.name) || w.managed_network.enabled();
            for c in cx.e.ix.computes_of(t, &w.name) {
                if !cmp001 {
                    note(format!("compute {}", c.name), c.region.as_ref());
                }
                if let Some(s) = &c.subnet {
                    vnets.push(s.split('/').next().unwrap_or_default().to_string());
                }
            }
            for k in t.aks_clusters.iter().filter(|k| k.workspace == w.name) {
                if let Some(s) = &k.subnet {
                    vnets.push(s.split('/').next().unwrap_or_default().to_string());
                }
            }
            for p in t.private_endpoints.iter().filter(|p| {
                matches!(&p.target, moat_model::Address::Resource { kind: moat_model::Kind::Workspace, name, .. } if *name == w.name)
            }) {
                vnets.push(p.subnet.split('/').next().unwrap_or_default().to_string());
            }
            vnets.sort();
            vnets.dedup();
            for v in vnets {
                note(format!("VNet {v}"), vnet_region(t, &v).as_ref());
            }
            if off.is_empty() {
                continue;
            }
            out.push(Finding::new(
                &DOC,
                format!("workspace/{}", w.name),
                format!(
                    "workspace {} is in {wr}, but not all its resources are: {}",
                    w.name,
                    off.join(", ")
                ),
                DOC.fix,
                &w.at,
            ));
        }
    }
}
