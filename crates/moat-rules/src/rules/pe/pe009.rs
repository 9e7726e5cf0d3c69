//! PE009 private-endpoint-limit.

use crate::rules::util_core::vnet_part;
use crate::rules::util_infra::vnet_at;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use moat_model::address::{Address, Kind};
use std::collections::BTreeMap;

/// The rule.
pub struct Pe009;
/// Its registration.
pub static RULE: Pe009 = Pe009;

static DOC: RuleDoc = RuleDoc {
    code: "PE009",
    name: "private-endpoint-limit",
    severity: Severity::Error,
    what: "More private endpoints than Azure allows: over 1,000 in one VNet, 64 to one key vault, 200 to one storage account; over 10 to one container registry (a warning: the documented figure dates from 2021).",
    why: "Private Link limits are hard: the endpoint past the limit fails to create. Per-resource limits bite in hub designs that give every spoke its own endpoint set to shared services.",
    example: "container_registries: [{ name: wsacr, sku: Premium }]\nprivate_endpoints:   # 11 endpoints to one container registry, at most 10\n  - { name: acr-pe-1, subnet: vnet/pe, target: acr/wsacr, group_id: registry }\n  - { name: acr-pe-2, subnet: vnet/pe, target: acr/wsacr, group_id: registry }\n  - { name: acr-pe-3, subnet: vnet/pe, target: acr/wsacr, group_id: registry }\n  - { name: acr-pe-4, subnet: vnet/pe, target: acr/wsacr, group_id: registry }\n  - { name: acr-pe-5, subnet: vnet/pe, target: acr/wsacr, group_id: registry }\n  - { name: acr-pe-6, subnet: vnet/pe, target: acr/wsacr, group_id: registry }\n  - { name: acr-pe-7, subnet: vnet/pe, target: acr/wsacr, group_id: registry }\n  - { name: acr-pe-8, subnet: vnet/pe, target: acr/wsacr, group_id: registry }\n  - { name: acr-pe-9, subnet: vnet/pe, target: acr/wsacr, group_id: registry }\n  - { name: acr-pe-10, subnet: vnet/pe, target: acr/wsacr, group_id: registry }\n  - { name: acr-pe-11, subnet: vnet/pe, target: acr/wsacr, group_id: registry }\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: pe, address_prefixes: [10.0.3.0/24] }] }]",
    fix: "Share endpoints through a hub VNet that the spokes reach (peering and linked DNS zones) instead of one endpoint per spoke, or split the resource.",
    fix_form: FixForm::Prose(prose::DESIGN),
    sources: &[
        doc!(LIMITS, "Azure Private Link limits"),
        doc!(
            LIMITS,
            "Storage limits (private endpoints per storage account)"
        ),
        doc!(ACRPL, "Prerequisites (private endpoints per registry)"),
    ],
    covers: &[
        "§9.pe-per-vnet",
        "§9.pe-per-keyvault",
        "§9.pe-per-storage",
        "§9.pe-per-acr",
    ],
    path: false,
};

/// The documented limit for endpoints to a target kind, and whether exceeding it is certain
/// to fail (the container registry figure is old: a warning).
fn target_limit(kind: Kind) -> Option<(usize, bool)> {
    match kind {
        Kind::Keyvault => Some((64, true)),
        Kind::Storage => Some((200, true)),
        Kind::Acr => Some((10, false)),
        _ => None,
    }
}

/// Most private endpoints one VNet holds.
const PER_VNET: usize = 1000;

impl Rule for Pe009 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let mut per_vnet: BTreeMap<&str, usize> = BTreeMap::new();
        let mut per_target: BTreeMap<(Kind, &str), usize> = BTreeMap::new();
        for p in &cx.t.private_endpoints {
            *per_vnet.entry(vnet_part(&p.subnet)).or_default() += 1;
            if let Address::Resource { kind, name, .. } = &p.target {
                *per_target.entry((*kind, name.as_str())).or_default() += 1;
            }
        }
        for (vnet, n) in per_vnet.into_iter().filter(|&(_, n)| n > PER_VNET) {
            out.push(Finding::new(
                &DOC,
                format!("vnet/{vnet}"),
                format!("VNet {vnet} holds {n} private endpoints (at most {PER_VNET})"),
                DOC.fix,
                &vnet_at(cx.t, vnet),
            ));
        }
        for ((kind, name), n) in per_target {
            let Some((limit, hard)) = target_limit(kind) else {
                continue;
            };
            if n <= limit {
                continue;
            }
            let target = Address::Resource {
                kind,
                name: name.to_string(),
                sub: None,
            };
            let at = match kind {
                Kind::Keyvault => {
                    cx.e.ix
                        .key_vaults
                        .get(name)
                        .map(|&i| &cx.t.key_vaults[i].at)
                }
                Kind::Storage => {
                    cx.e.ix
                        .storage_accounts
                        .get(name)
                        .map(|&i| &cx.t.storage_accounts[i].at)
                }
                _ => {
                    cx.e.ix
                        .container_registries
                        .get(name)
                        .map(|&i| &cx.t.container_registries[i].at)
                }
            }
            .cloned()
            .unwrap_or_default();
            let mut f = Finding::new(
                &DOC,
                target.to_string(),
                format!(
                    "{n} private endpoints target {target} (at most {limit}{})",
                    if hard { "" } else { " documented in 2021" }
                ),
                DOC.fix,
                &at,
            );
            if !hard {
                f.severity = Severity::Warning;
            }
            out.push(f);
        }
    }
}
