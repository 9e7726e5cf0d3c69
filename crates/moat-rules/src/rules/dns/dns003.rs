//! DNS003 zone-group-other-service.

use crate::{Context, Finding, Rule, RuleDoc, Severity};
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
    example: "private_endpoints: [{ name: kv-pe, subnet: vnet/pe, target: keyvault/kv, group_id: vault, dns_zone_group: [privatelink.blob.core.windows.net] }]",
    fix: "Put the zone recommended for the endpoint's sub-resource in its zone group (privatelink.vaultcore.azure.net for a vault) and remove the other service's zone.",
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
            for z in &p.dns_zone_group {
                // A zone group names a zone as `zone` or, where several resource groups hold
                // a zone of that name, `resource-group/zone`.
                let name = z.rsplit('/').next().unwrap_or(z);
                let zone = name.trim_end_matches('.').to_ascii_lowercase();
                if want.contains(&zone.as_str()) || !zone.starts_with("privatelink.") {
                    continue;
                }
                out.push(Finding::new(
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
                ));
            }
        }
    }
}
