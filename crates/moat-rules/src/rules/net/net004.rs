//! NET004 cross-region-resources.

use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};

/// The rule.
pub struct Net004;
/// Its registration.
pub static RULE: Net004 = Net004;

static DOC: RuleDoc = RuleDoc {
    code: "NET004",
    name: "cross-region-resources",
    severity: Severity::Warning,
    what: "The resources of a workspace are not all in its region: its storage, key vault, container registry, the VNets of its computes and private endpoints, or (for a workspace without private endpoint or managed network) its computes. Its Application Insights is not one of them.",
    why: "The recommended architectures put every resource in one region: service endpoints and their policies work within a region, private endpoints must be in their VNet's region, and traffic across regions costs latency and egress. (Computes of a workspace with a private endpoint or managed network are checked by CMP001, as an error.) Application Insights is reached through the AzureMonitor service tag, which the required outbound table lists without a region (\"AzureMonitor: Used to log monitoring and metrics to App Insights and Azure Monitor\", beside Storage.region and BatchNodeManagement.region), and through an Azure Monitor private link scope rather than a private endpoint of its own: its region changes no rule the network needs. It is not offered in every region, and Azure's own workspace template places it in a neighbouring one where the workspace's region has none.",
    example: "region: eastus\nworkspaces: [{ name: ws, storage_account: st }]\nstorage_accounts: [{ name: st, region: westeurope }]",
    fix: "Create the workspace's resources in its region.",
    fix_form: FixForm::Prose(prose::DESIGN),
    sources: &[
        doc!(TRV, "Limitations"),
        doc!(PLAN, "Recommended architecture"),
        doc!(SWV, "Required public internet access"),
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
            // Each resource looked up in the index (the first declared of its name), not
            // scanned per workspace.
            let ix = &cx.e.ix;
            let first = |m: &foldhash::HashMap<String, usize>, name: &Option<String>| {
                name.as_ref().and_then(|n| m.get(n).copied())
            };
            if let Some(s) =
                first(&ix.storage_accounts, &w.storage_account).map(|i| &t.storage_accounts[i])
            {
                note(format!("storage {}", s.name), s.region.as_ref());
            }
            if let Some(k) = first(&ix.key_vaults, &w.key_vault).map(|i| &t.key_vaults[i]) {
                note(format!("key vault {}", k.name), k.region.as_ref());
            }
            if let Some(a) = first(&ix.container_registries, &w.container_registry)
                .map(|i| &t.container_registries[i])
            {
                note(format!("container registry {}", a.name), a.region.as_ref());
            }
            let mut vnets: Vec<String> = Vec::new();
            let endpoints = || ix.endpoints_of(t, moat_model::Kind::Workspace, &w.name);
            let cmp001 = endpoints().next().is_some() || w.managed_network.enabled();
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
            for p in endpoints() {
                vnets.push(p.subnet.split('/').next().unwrap_or_default().to_string());
            }
            vnets.sort();
            vnets.dedup();
            for v in vnets {
                let region = ix
                    .virtual_networks
                    .get(&v)
                    .and_then(|&i| t.virtual_networks[i].region.as_ref());
                note(format!("VNet {v}"), region);
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
