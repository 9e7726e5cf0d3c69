//! REG013 system-registry-exfiltration.

use crate::rules::util::regional;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use moat_engine::Verdict;
use moat_model::address::{Address, Kind};
use moat_packets::Protocol;
use std::collections::HashSet;

/// The rule.
pub struct Reg013;
/// Its registration.
pub static RULE: Reg013 = Reg013;

/// The alias a service endpoint policy uses to admit the storage accounts Azure Machine
/// Learning manages (system registries, compute set-up).
pub const ML_ALIAS: &str = "/services/Azure/MachineLearning";

/// The name of Azure Machine Learning's system registry (curated environments, models).
pub const SYSTEM_REGISTRY: &str = "azureml";

static DOC: RuleDoc = RuleDoc {
    code: "REG013",
    name: "system-registry-exfiltration",
    severity: Severity::Warning,
    what: "Computes in a customer VNet use a system registry, can reach Storage without restriction, and their subnet has no service endpoint policy with the /services/Azure/MachineLearning alias.",
    why: "Assets of a system registry live in storage accounts Microsoft manages, so computes need outbound to Storage to use them — and that outbound reaches any storage account, which makes it a data exfiltration path. A service endpoint policy on the compute subnet with the /services/Azure/MachineLearning alias limits the Storage outbound to the accounts Azure Machine Learning manages. A system registry is one the workspace uses (declared, or named by a deployment's azureml://registries/<name>/ asset id) that is named azureml or is not part of the deployment.",
    example: "workspaces: [{ name: ws, uses_registries: [azureml] }]\nregistries: [{ name: azureml }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: training, address_prefixes: [10.0.1.0/24] }] }]\ncomputes: [{ name: cpu-cluster, workspace: ws, type: AmlCompute, subnet: vnet/training }]",
    fix: "Add a Microsoft.Storage service endpoint and a service endpoint policy with the /services/Azure/MachineLearning alias (plus the workspace's own storage) to the compute subnet, and drop the open Storage outbound.",
    fix_form: FixForm::Prose(prose::DESIGN),
    sources: &[
        doc!(REG, "Data exfiltration protection"),
        doc!(PLAN, "Data exfiltration prevention"),
    ],
    covers: &["§7.sep-system-registry"],
    path: false,
};

impl Rule for Reg013 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for w in &cx.t.workspaces {
            let system: Vec<&String> = cx
                .intent
                .registries_of(&w.name)
                .iter()
                .filter(|r| {
                    r.eq_ignore_ascii_case(SYSTEM_REGISTRY) || !cx.e.ix.registries.contains_key(*r)
                })
                .collect();
            if system.is_empty() {
                continue;
            }
            let tag = regional("Storage", w.region.as_deref());
            let mut seen = HashSet::new();
            for c in cx.e.ix.computes_of(cx.t, &w.name) {
                let Some(subnet) = &c.subnet else { continue };
                if !seen.insert(subnet.clone()) {
                    continue;
                }
                let Some(&(vi, si)) = cx.e.ix.subnets.get(subnet) else {
                    continue;
                };
                let s = &cx.t.virtual_networks[vi].subnets[si];
                let has_alias = s.service_endpoint_policies.iter().any(|p| {
                    cx.e.ix.service_endpoint_policies.get(p).is_some_and(|&i| {
                        cx.t.service_endpoint_policies[i]
                            .definitions
                            .iter()
                            .flat_map(|d| d.service_resources.iter())
                            .any(|r| r.eq_ignore_ascii_case(ML_ALIAS))
                    })
                });
                if has_alias {
                    continue;
                }
                let Some(t) = cx.trace(
                    Address::resource(Kind::Compute, &c.name),
                    Address::Tag(tag.clone()),
                    Protocol::TCP,
                    443,
                ) else {
                    continue;
                };
                if t.verdict != Verdict::Allowed {
                    continue;
                }
                let names: Vec<&str> = system.iter().map(|s| s.as_str()).collect();
                let f = Finding::new(
                    &DOC,
                    format!("subnet/{subnet}"),
                    format!(
                        "computes in {subnet} (compute {}) use system registry {} and reach {tag} without a service endpoint policy for {ML_ALIAS}: any storage account is reachable",
                        c.name,
                        names.join(", ")
                    ),
                    DOC.fix,
                    &s.at,
                )
                .with_trace(t);
                out.push(f);
            }
        }
    }
}
