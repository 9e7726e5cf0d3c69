//! MON002 one-ampls-per-dns.

use crate::rules::util_core::vnet_part;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use moat_model::address::{Address, Kind};

/// The rule.
pub struct Mon002;
/// Its registration.
pub static RULE: Mon002 = Mon002;

static DOC: RuleDoc = RuleDoc {
    code: "MON002",
    name: "one-ampls-per-dns",
    severity: Severity::Error,
    what: "Private endpoints to two different Azure Monitor private link scopes share DNS: they sit in the same VNet, or write their records into the same private DNS zone.",
    why: "An Azure Monitor private link scope's private endpoint writes the shared global Azure Monitor names (api, global and regional ingestion hosts) into the privatelink zones. A second scope's endpoint on the same DNS overwrites those records, so the networks behind the first one send their telemetry to addresses that no longer serve their resources. The documentation asks for one private link scope per DNS: a VNet connects to one scope, and networks that share DNS share one scope.",
    example: "monitor_private_link_scopes: [{ name: ampls-a }, { name: ampls-b }]\nprivate_endpoints:\n  - { name: ampls-a-pe, subnet: vnet/pe, target: ampls/ampls-a, group_id: azuremonitor }\n  - { name: ampls-b-pe, subnet: vnet/pe, target: ampls/ampls-b, group_id: azuremonitor }\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: pe, address_prefixes: [10.0.3.0/24] }] }]",
    fix: "Connect every network that shares this DNS to one Azure Monitor private link scope, and add all the monitoring resources to that scope.",
    fix_form: FixForm::Prose(prose::DESIGN),
    sources: &[doc!(AMPLS, "Plan by network topology (one AMPLS per DNS)")],
    covers: &["§6.51"],
    path: false,
};

impl Rule for Mon002 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let t = cx.t;
        let scope = |a: &Address| match a {
            Address::Resource {
                kind: Kind::Ampls,
                name,
                ..
            } => Some(name.clone()),
            _ => None,
        };
        let pes: Vec<_> = t
            .private_endpoints
            .iter()
            .filter_map(|p| scope(&p.target).map(|s| (s, p)))
            .collect();
        let mut reported: Vec<(String, String)> = Vec::new();
        for (i, (a, pa)) in pes.iter().enumerate() {
            for (b, pb) in &pes[i + 1..] {
                if a == b {
                    continue;
                }
                let same_vnet = vnet_part(&pa.subnet) == vnet_part(&pb.subnet);
                let zone = pa
                    .dns_zone_group
                    .iter()
                    .find(|z| pb.dns_zone_group.iter().any(|y| y.eq_ignore_ascii_case(z)));
                let how = match (same_vnet, zone) {
                    (true, _) => format!("both sit in VNet {}", vnet_part(&pa.subnet)),
                    (false, Some(z)) => format!("both write into zone {z}"),
                    (false, None) => continue,
                };
                let pair = if a < b {
                    (a.clone(), b.clone())
                } else {
                    (b.clone(), a.clone())
                };
                if reported.contains(&pair) {
                    continue;
                }
                reported.push(pair);
                out.push(Finding::new(
                    &DOC,
                    format!("ampls/{b}"),
                    format!(
                        "private endpoints {} (scope {a}) and {} (scope {b}) share DNS ({how}): one scope's records overwrite the other's",
                        pa.name, pb.name
                    ),
                    DOC.fix,
                    &pb.at,
                ));
            }
        }
    }
}
