//! EXF010 endpoint-policy-without-private-endpoints.

use crate::change::Change;
use crate::rules::util_core::{endpoints_of, vnet_part};
use crate::rules::util_endpoint::{endpoint_in, group_of};
use crate::rules::util_items::subnet;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_model::address::{Address, Kind};

/// The rule.
pub struct Exf010;
/// Its registration.
pub static RULE: Exf010 = Exf010;

static DOC: RuleDoc = RuleDoc {
    code: "EXF010",
    name: "endpoint-policy-without-private-endpoints",
    severity: Severity::Warning,
    what: "Computes sit in a subnet with a service endpoint policy (the exfiltration design), but their workspace has no private endpoint, or its default storage account has none.",
    why: "The data exfiltration prevention design assumes private endpoints for the workspace and for its default storage: the service endpoint policy then only has to admit Microsoft-managed storage (the /services/Azure/MachineLearning alias) and the accounts listed. Without those private endpoints, traffic to the workspace's own storage goes through the service endpoint and the policy, and the design's prerequisites are not met. Computes created before December 2022 must also be recreated (instances) or scaled to zero (clusters) to pick the policy up.",
    example: "workspaces: [{ name: ws, storage_account: st }]\nstorage_accounts: [{ name: st }]\ncomputes: [{ name: cpu, workspace: ws, type: AmlCompute, subnet: vnet/training }]\nservice_endpoint_policies: [{ name: ml-sep, definitions: [{ service: Microsoft.Storage, service_resources: [st] }] }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: training, address_prefixes: [10.0.1.0/24], service_endpoints: [Microsoft.Storage], service_endpoint_policies: [ml-sep] }] }]",
    fix: "Create a private endpoint for the workspace and private endpoints (blob, file) for its default storage account.",
    fix_form: FixForm::Code,
    sources: &[doc!(EXF, "Prerequisites")],
    covers: &["§6.107"],
    path: false,
};

impl Rule for Exf010 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let t = cx.t;
        let mut seen = Vec::new();
        for c in &t.computes {
            let Some(key) = &c.subnet else { continue };
            let Some(s) = subnet(cx, key) else { continue };
            if s.service_endpoint_policies.is_empty() || seen.contains(&c.workspace) {
                continue;
            }
            let Some(w) =
                cx.e.ix
                    .workspaces
                    .get(&c.workspace)
                    .map(|&i| &t.workspaces[i])
            else {
                continue;
            };
            let mut missing = Vec::new();
            // The endpoints that are missing, as the other endpoint fixes place them in the
            // compute's VNet: the workspace's, the default storage's blob and file.
            let mut wanted: Vec<(Address, &str)> = Vec::new();
            if endpoints_of(cx.e, Kind::Workspace, &w.name).is_empty() {
                missing.push(format!("workspace {}", w.name));
                wanted.push((Address::resource(Kind::Workspace, &w.name), ""));
            }
            if let Some(st) = &w.storage_account
                && endpoints_of(cx.e, Kind::Storage, st).is_empty()
            {
                missing.push(format!("default storage {st}"));
                for service in ["blob", "file"] {
                    wanted.push((Address::resource(Kind::Storage, st), service));
                }
            }
            if missing.is_empty() {
                continue;
            }
            seen.push(c.workspace.clone());
            // Each endpoint placed, or none: a part of the set leaves the finding.
            let changes: Option<Vec<Change>> = wanted
                .iter()
                .map(|(a, service)| {
                    endpoint_in(
                        cx,
                        a,
                        group_of(a, service)?,
                        vnet_part(key),
                        Some(&w.name),
                        Some(key),
                    )
                })
                .collect();
            out.push(Finding::new(
                &DOC,
                format!("workspace/{}", w.name),
                format!(
                    "compute {} sits in {key}, which has a service endpoint policy, but {} has no private endpoint",
                    c.name,
                    missing.join(" and ")
                ),
                DOC.fix,
                &w.at,
            )
            .with_changes(changes.unwrap_or_default()));
        }
    }
}
