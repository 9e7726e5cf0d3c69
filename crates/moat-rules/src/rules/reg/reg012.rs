//! REG012 registry-per-registry-endpoints.

use crate::rules::util::{destination, name_of, workspace_at};
use crate::rules::util_core::{reached_privately, subnet_address, vnet_at, vnet_part};
use crate::rules::util_endpoint::flow_endpoint;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_engine::OpId;
use moat_engine::ops::FlowResult;
use moat_model::address::{Address, Kind};
use moat_model::enums::PublicNetworkAccess;
use std::collections::BTreeMap;

/// The rule.
pub struct Reg012;
/// Its registration.
pub static RULE: Reg012 = Reg012;

static DOC: RuleDoc = RuleDoc {
    code: "REG012",
    name: "registry-per-registry-endpoints",
    severity: Severity::Error,
    what: "Computes that reach some of the registries they use through private endpoints do not reach every private registry they use — the registry, its storage and its container registry — through private endpoints.",
    why: "Each registry has its own API, its own managed storage account and its own managed container registry. Private endpoints for one registry do nothing for another: a network that uses several registries privately needs one complete set — registry, storage (blob) and container registry — per registry.",
    example: "workspaces: [{ name: ws, uses_registries: [rega, regb] }]\nregistries: [{ name: rega, public_network_access: Disabled }, { name: regb, public_network_access: Disabled }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: training, address_prefixes: [10.0.1.0/24] }, { name: pe, address_prefixes: [10.0.3.0/24] }] }]\ncomputes: [{ name: cpu-cluster, workspace: ws, type: AmlCompute, subnet: vnet/training }]\nprivate_endpoints:\n  - { name: rega-pe, subnet: vnet/pe, target: registry/rega, group_id: amlregistry, dns_zone_group: [privatelink.api.azureml.ms] }\n  - { name: rega-st, subnet: vnet/pe, target: \"registry/rega:storage\", group_id: blob, dns_zone_group: [privatelink.blob.core.windows.net] }\n  - { name: rega-acr, subnet: vnet/pe, target: \"registry/rega:acr\", group_id: registry, dns_zone_group: [privatelink.azurecr.io] }\nprivate_dns_zones:\n  - { name: privatelink.api.azureml.ms, vnet_links: [vnet] }\n  - { name: privatelink.blob.core.windows.net, vnet_links: [vnet] }\n  - { name: privatelink.azurecr.io, vnet_links: [vnet] }",
    fix: "Create a private endpoint to each registry used, and to its storage (blob) and container registry, in the network the computes use.",
    fix_form: FixForm::Code,
    sources: &[doc!(
        REG,
        "Use assets from registry in workspace (private registry scenario)"
    )],
    covers: &[],
    path: false,
};

const PARTS: [(Option<&str>, &str); 3] = [
    (None, "API"),
    (Some("storage"), "storage"),
    (Some("acr"), "container registry"),
];

impl Rule for Reg012 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for r in cx.op(OpId::JobRegistryAsset) {
            let Some(ws) = r.subject.name_of(moat_model::address::Kind::Workspace) else {
                continue;
            };
            // Place (a compute subnet, or the workspace's managed network) -> registry -> the
            // flows to its parts. Every node of one place meets the same rules.
            let mut places: BTreeMap<String, BTreeMap<String, Vec<&FlowResult>>> = BTreeMap::new();
            for f in &r.flows {
                let Some(dst) = destination(f) else { continue };
                let Address::Resource {
                    kind: Kind::Registry,
                    ..
                } = &dst
                else {
                    continue;
                };
                let compute = name_of(&f.trace.from);
                let managed =
                    cx.e.ix
                        .workspaces
                        .get(ws)
                        .is_some_and(|&i| cx.t.workspaces[i].managed_network.enabled());
                let place =
                    cx.e.ix
                        .computes
                        .get(compute)
                        .and_then(|&i| cx.t.computes[i].subnet.clone())
                        .unwrap_or_else(|| {
                            if managed {
                                format!("the managed network of workspace {ws}")
                            } else {
                                format!("no VNet (workspace {ws})")
                            }
                        });
                places
                    .entry(place)
                    .or_default()
                    .entry(name_of(&dst).to_string())
                    .or_default()
                    .push(f);
            }
            for (place, regs) in &places {
                let any_private = regs.values().flatten().any(|f| reached_privately(&f.trace));
                if !any_private {
                    continue;
                }
                let private_set: Vec<&String> = regs
                    .iter()
                    .filter(|(_, fs)| fs.iter().all(|f| reached_privately(&f.trace)))
                    .map(|(n, _)| n)
                    .collect();
                for (reg, fs) in regs {
                    let missing: Vec<(&str, &FlowResult)> = PARTS
                        .iter()
                        .filter_map(|(sub, label)| {
                            let f = fs.iter().find(|f| {
                                destination(f).is_some_and(|d| {
                                    matches!(&d, Address::Resource { sub: s, .. } if s.as_deref() == *sub)
                                })
                            })?;
                            (!reached_privately(&f.trace)).then_some((*label, *f))
                        })
                        .collect();
                    if missing.is_empty() {
                        continue;
                    }
                    let public_registry = cx.e.ix.registries.get(reg).is_some_and(|&i| {
                        let x = &cx.t.registries[i];
                        x.public_network_access != PublicNetworkAccess::Disabled
                            && x.storage.public_network_access
                                != Some(PublicNetworkAccess::Disabled)
                            && x.acr.public_network_access != Some(PublicNetworkAccess::Disabled)
                    });
                    // A public registry used entirely over its public endpoints is the seeds'
                    // "public registry" design, not an incomplete endpoint set.
                    if public_registry && missing.len() == PARTS.len() {
                        continue;
                    }
                    let (resource, at) = match subnet_address(place) {
                        Some(_) => (
                            format!("vnet/{}", vnet_part(place)),
                            vnet_at(cx, vnet_part(place)),
                        ),
                        None => (format!("workspace/{ws}"), workspace_at(cx, ws)),
                    };
                    let others: Vec<&str> = private_set
                        .iter()
                        .filter(|n| *n != &reg)
                        .map(|n| n.as_str())
                        .collect();
                    let labels: Vec<&str> = missing.iter().map(|(l, _)| *l).collect();
                    let mut finding = Finding::new(
                        &DOC,
                        resource,
                        format!(
                            "computes in {place} reach {} privately, but not registry {reg}'s {}",
                            if others.is_empty() {
                                "other parts of this registry".to_string()
                            } else {
                                format!("registry {}", others.join(", "))
                            },
                            labels.join(", ")
                        ),
                        format!(
                            "create private endpoints for registry {reg}'s {} where {place} reaches them",
                            labels.join(", ")
                        ),
                        &at,
                    );
                    finding = finding.with_trace(missing[0].1.trace.clone());
                    // One endpoint for each part the computes miss.
                    for (_, f) in &missing {
                        if let Some(to) = destination(f) {
                            finding =
                                finding.with_changes(flow_endpoint(cx, Some(ws), &f.trace, &to));
                        }
                    }
                    out.push(finding);
                }
            }
        }
    }
}
