//! DNS003 zone-group-other-service.

use crate::rules::util_items::open_zone_group;
use crate::rules::util_zone_group::{edit_zone_group, zone_name};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_net::names::zones_for_group;

/// The rule.
pub struct Dns003;
/// Its registration.
pub static RULE: Dns003 = Dns003;

static DOC: RuleDoc = RuleDoc {
    code: "DNS003",
    name: "zone-group-other-service",
    severity: Severity::Warning,
    what: "A private endpoint's DNS zone group names the privatelink zone of another service (a vault endpoint writing into privatelink.blob.core.windows.net).",
    why: "Each service has its own privatelink zone, and a zone should hold the records of one service only. An endpoint whose zone group names another service's zone writes its A record where no client looks, while its own name still resolves publicly; the zone now mixes records of two services.",
    example: "key_vaults: [{ name: kv }]\nprivate_endpoints: [{ name: kv-pe, subnet: vnet/pe, target: keyvault/kv, group_id: vault, dns_zone_group: [privatelink.blob.core.windows.net] }]\nprivate_dns_zones: [{ name: privatelink.blob.core.windows.net, vnet_links: [vnet] }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: pe, address_prefixes: [10.0.3.0/24] }] }]",
    fix: "Put the zone recommended for the endpoint's sub-resource in its zone group (privatelink.vaultcore.azure.net for a vault) and remove the other service's zone.",
    fix_form: FixForm::Code,
    sources: &[doc!(
        PEDNS,
        "Private DNS zone values (one zone per service; do not share a zone between services)"
    )],
    covers: &["§6.101"],
    path: false,
};

impl Rule for Dns003 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for p in &cx.t.private_endpoints {
            let want = zones_for_group(&p.group_id);
            if want.is_empty() {
                continue;
            }
            // A zone group names a zone as `zone` or, where several resource groups hold a
            // zone of that name, `resource-group/zone`.
            let other: Vec<&String> = p
                .dns_zone_group
                .iter()
                .filter(|z| {
                    let zone = zone_name(z);
                    !want.contains(&zone.as_str()) && zone.starts_with("privatelink.")
                })
                .collect();
            // One change for the endpoint, on its first finding: the other services' zones
            // removed (no client looks up the endpoint's names there, so nothing resolves
            // through them), and its own zones added where that can be decided.
            let remove: Vec<String> = other.iter().map(|z| z.to_string()).collect();
            let mut change = edit_zone_group(cx, p, want, &remove)
                .or_else(|| edit_zone_group(cx, p, &[], &remove));
            if other.is_empty() {
                out.extend(open_zone_group(
                    cx,
                    &DOC,
                    p,
                    &format!(
                        "the zone group of private endpoint {} names no other service's zone",
                        p.name
                    ),
                ));
            }
            for z in other {
                out.push(
                    Finding::new(
                        &DOC,
                        format!("private-endpoint/{}", p.name),
                        format!(
                            "private endpoint {} ({} {}) has zone {z} in its zone group, the zone of another service; its records belong in {}",
                            p.name,
                            p.target,
                            p.group_id,
                            want.join(", ")
                        ),
                        DOC.fix,
                        &p.at,
                    )
                    .with_changes(change.take()),
                );
            }
        }
    }
}
