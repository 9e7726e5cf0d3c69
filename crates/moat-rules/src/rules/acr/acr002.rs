//! ACR002 acr-network-mismatch.

use crate::rules::util_infra::endpoint_vnets;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use moat_model::address::Kind;
use moat_model::enums::DefaultAction;

/// The rule.
pub struct Acr002;
/// Its registration.
pub static RULE: Acr002 = Acr002;

static DOC: RuleDoc = RuleDoc {
    code: "ACR002",
    name: "acr-network-mismatch",
    severity: Severity::Error,
    what: "A workspace's container registry is behind a private endpoint outside the VNets of its compute targets and storage, or behind a service endpoint that is not on the subnet of its compute targets and storage.",
    why: "Computes pull job and inference images from the workspace's container registry. With a private endpoint the registry must sit in the same VNet as the storage account and the training and inference computes (a peered VNet also works); with a service endpoint it must be in the same VNet and subnet, because a virtual network rule only admits the subnets it names.",
    example: "workspaces: [{ name: ws, container_registry: wsacr }]\ncontainer_registries: [{ name: wsacr, sku: Premium, public_network_access: Disabled }]\ncomputes: [{ name: cpu, workspace: ws, type: AmlCompute, subnet: train-vnet/training }]\nprivate_endpoints: [{ name: acr-pe, subnet: other-vnet/pe, target: acr/wsacr, group_id: registry }]\nvirtual_networks:\n  - { name: train-vnet, address_space: [10.0.0.0/16], subnets: [{ name: training, address_prefixes: [10.0.1.0/24] }] }\n  - { name: other-vnet, address_space: [10.1.0.0/16], subnets: [{ name: pe, address_prefixes: [10.1.3.0/24] }] }",
    fix: "Create the registry's private endpoint in the computes' VNet (or peer the VNets); with a service endpoint, admit the computes' subnet in the registry's network rules.",
    fix_form: FixForm::Prose(prose::DESIGN),
    sources: &[doc!(
        SWV,
        "Azure Container Registry (private endpoint / service endpoint placement)"
    )],
    covers: &["§6.42"],
    path: false,
};

/// Whether `v` is the same VNet as one of `homes`, or peered with it both ways (traffic
/// flows): `Err(what is needed)` when no home is decided near and one is left open (a VNet
/// known only through a parameter may be the other, an undeclared VNet's peerings are
/// unknown).
fn near_any(cx: &Context, homes: &[String], v: &str) -> Result<bool, String> {
    let mut open = None;
    for h in homes {
        match moat_net::routing::joined(cx.t, &cx.e.ix, h, v) {
            Ok(true) => return Ok(true),
            Ok(false) => {}
            Err(n) => open = open.or(Some(n)),
        }
    }
    open.map_or(Ok(false), Err)
}

impl Rule for Acr002 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let t = cx.t;
        for a in &t.container_registries {
            let users: Vec<_> = t
                .workspaces
                .iter()
                .filter(|w| w.container_registry.as_deref() == Some(a.name.as_str()))
                .collect();
            if users.is_empty() {
                continue;
            }
            // Subnets of the compute targets (training computes and AKS) of those workspaces.
            let mut targets: Vec<(String, String)> = Vec::new();
            for w in &users {
                for c in cx.e.ix.computes_of(t, &w.name) {
                    if let Some(s) = &c.subnet {
                        targets.push((format!("compute {}", c.name), s.clone()));
                    }
                }
                for k in t.aks_clusters.iter().filter(|k| k.workspace == w.name) {
                    if let Some(s) = &k.subnet {
                        targets.push((format!("AKS cluster {}", k.name), s.clone()));
                    }
                }
            }
            let storages: Vec<&String> = users
                .iter()
                .filter_map(|w| w.storage_account.as_ref())
                .collect();
            let acr_vnets = endpoint_vnets(cx, Kind::Acr, &a.name);
            let mut problems = Vec::new();
            // What a problem left open by the input needs; a decided problem decides the
            // finding.
            let mut needs: Vec<String> = Vec::new();
            let mut decided = false;
            if !acr_vnets.is_empty() {
                for (who, s) in &targets {
                    let v = s.split('/').next().unwrap_or_default();
                    let answer = near_any(cx, &acr_vnets, v);
                    if answer == Ok(true) {
                        continue;
                    }
                    problems.push(if answer.is_ok() {
                        format!(
                            "{who} is in VNet {v}, which holds no private endpoint of the registry and is not peered with {}",
                            acr_vnets.join(", ")
                        )
                    } else {
                        format!(
                            "{who} is in VNet {v}, which the input does not show to be {} or peered with it",
                            acr_vnets.join(", ")
                        )
                    });
                    match answer {
                        Err(n) => needs.push(n),
                        Ok(_) => decided = true,
                    }
                }
                for st in &storages {
                    let st_vnets = endpoint_vnets(cx, Kind::Storage, st);
                    let mut open = None;
                    let mut met = false;
                    for v in &st_vnets {
                        match near_any(cx, &acr_vnets, v) {
                            Ok(true) => met = true,
                            Ok(false) => {}
                            Err(n) => open = open.or(Some(n)),
                        }
                    }
                    if st_vnets.is_empty() || met {
                        continue;
                    }
                    let what = if open.is_some() {
                        "none of them known to be"
                    } else {
                        "none of them"
                    };
                    problems.push(format!(
                        "storage {st} has private endpoints in {}, {what} in or peered with the registry's VNets ({})",
                        st_vnets.join(", "),
                        acr_vnets.join(", ")
                    ));
                    match open {
                        Some(n) => needs.push(n),
                        None => decided = true,
                    }
                }
            } else if !a.network_rule_set.virtual_network_rules.is_empty()
                && a.network_rule_set.default_action == DefaultAction::Deny
            {
                let rules = &a.network_rule_set.virtual_network_rules;
                for (who, s) in &targets {
                    if !rules.contains(s) {
                        problems.push(format!(
                            "{who} is in subnet {s}, which the registry's service endpoint rules ({}) do not name",
                            rules.join(", ")
                        ));
                        decided = true;
                    }
                }
                for st in &storages {
                    let Some(sa) = t.storage_accounts.iter().find(|x| &x.name == *st) else {
                        continue;
                    };
                    let st_rules = &sa.network_rules.virtual_network_rules;
                    if !st_rules.is_empty() && !st_rules.iter().any(|s| rules.contains(s)) {
                        problems.push(format!(
                            "storage {st} admits subnets {} through its service endpoint, none of which the registry admits",
                            st_rules.join(", ")
                        ));
                        decided = true;
                    }
                }
            }
            if problems.is_empty() {
                continue;
            }
            if decided {
                needs.clear();
            }
            needs.sort();
            needs.dedup();
            let f = Finding::new(
                &DOC,
                format!("acr/{}", a.name),
                format!(
                    "container registry {} {} where its users are: {}",
                    a.name,
                    if decided { "is not" } else { "may not be" },
                    problems.join("; ")
                ),
                DOC.fix,
                &a.at,
            );
            let f = needs.into_iter().fold(f, |f, n| f.needing(Some(n)));
            out.push(f);
        }
    }
}
