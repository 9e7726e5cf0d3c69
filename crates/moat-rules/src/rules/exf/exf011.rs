//! EXF011 curated-environments-under-endpoint-policy.

use crate::rules::util_items::subnet;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};

/// The rule.
pub struct Exf011;
/// Its registration.
pub static RULE: Exf011 = Exf011;

static DOC: RuleDoc = RuleDoc {
    code: "EXF011",
    name: "curated-environments-under-endpoint-policy",
    severity: Severity::Info,
    what: "Computes sit in a subnet with a service endpoint policy.",
    why: "Under a service endpoint policy, curated environments must come from Microsoft Container Registry (mcr.microsoft.com, with the MicrosoftContainerRegistry and AzureFrontDoor.FirstParty tags): curated environment images hosted on viennaglobal.azurecr.io cannot be used, because their storage is not in the policy.",
    example: "workspaces: [{ name: ws, storage_account: st }]\nstorage_accounts: [{ name: st }]\ncomputes: [{ name: cpu, workspace: ws, type: AmlCompute, subnet: vnet/training }]\nservice_endpoint_policies: [{ name: ml-sep, definitions: [{ service: Microsoft.Storage, service_resources: [st] }, { service: Global, service_resources: [/services/Azure/MachineLearning] }] }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: training, address_prefixes: [10.0.1.0/24], service_endpoints: [Microsoft.Storage], service_endpoint_policies: [ml-sep] }] }]",
    fix: "Use curated environments whose images come from mcr.microsoft.com (or your own images in the workspace's registry).",
    fix_form: FixForm::Prose(prose::OUTSIDE),
    sources: &[doc!(EXF, "Curated environments")],
    covers: &["§6.109"],
    path: false,
};

impl Rule for Exf011 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let mut seen: Vec<&str> = Vec::new();
        for c in &cx.t.computes {
            let Some(key) = &c.subnet else { continue };
            let Some(s) = subnet(cx, key) else { continue };
            if s.service_endpoint_policies.is_empty() || seen.contains(&key.as_str()) {
                continue;
            }
            seen.push(key);
            out.push(Finding::new(
                &DOC,
                format!("subnet/{key}"),
                format!(
                    "computes of subnet {key} run under service endpoint policy {}: curated environments must come from mcr.microsoft.com, not viennaglobal.azurecr.io",
                    s.service_endpoint_policies.join(", ")
                ),
                DOC.fix,
                &s.at,
            ));
        }
    }
}
