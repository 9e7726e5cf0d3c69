//! DNS004 zone-name-not-recommended.

use crate::{Context, Finding, Rule, RuleDoc, Severity};
use moat_net::names::zones_for_group;

/// The rule.
pub struct Dns004;
/// Its registration.
pub static RULE: Dns004 = Dns004;

static DOC: RuleDoc = RuleDoc {
    code: "DNS004",
    name: "zone-name-not-recommended",
    severity: Severity::Warning,
    what: "A private endpoint's DNS zone group names a zone that is not a privatelink zone (for instance blob.core.windows.net or a company zone).",
    why: "Azure configures a private endpoint's DNS automatically only in the recommended privatelink zone of its service: the public name CNAMEs to the privatelink name, and only that zone answers it. Records in any other zone are not on the resolution path, so clients get the public address.",
    example: "private_endpoints: [{ name: st-blob, subnet: vnet/pe, target: storage/st, group_id: blob, dns_zone_group: [blob.core.windows.net] }]",
    fix: "Use the recommended zone for the sub-resource (privatelink.blob.core.windows.net for blob), linked to the clients' VNets.",
    sources: &[doc!(PEDNSI, "Private DNS zone values")],
    covers: &["§6.103"],
    path: false,
};

impl Rule for Dns004 {
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
                if want.contains(&zone.as_str()) || zone.starts_with("privatelink.") {
                    continue;
                }
                out.push(Finding::new(
                    &DOC,
                    format!("private-endpoint/{}", p.name),
                    format!(
                        "private endpoint {} ({} {}) has zone {z} in its zone group; automatic DNS configuration applies only to {}",
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
