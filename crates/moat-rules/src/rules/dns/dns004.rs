//! DNS004 zone-name-not-recommended.

use crate::rules::util_core::{resolver_of_subnet, vnet_part};
use crate::rules::util_items::open_zone_group;
use crate::rules::util_zone_group::{edit_zone_group, zone_name};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_net::dns::Resolver;
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
    example: "storage_accounts: [{ name: st }]\nprivate_endpoints: [{ name: st-blob, subnet: vnet/pe, target: storage/st, group_id: blob, dns_zone_group: [blob.core.windows.net] }]\nprivate_dns_zones: [{ name: blob.core.windows.net, vnet_links: [vnet] }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: pe, address_prefixes: [10.0.3.0/24] }] }]",
    fix: "Use the recommended zone for the sub-resource (privatelink.blob.core.windows.net for blob), linked to the clients' VNets.",
    fix_form: FixForm::Code,
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
            // A zone group names a zone as `zone` or, where several resource groups hold a
            // zone of that name, `resource-group/zone`.
            let other: Vec<&String> = p
                .dns_zone_group
                .iter()
                .filter(|z| {
                    let zone = zone_name(z);
                    !want.contains(&zone.as_str()) && !zone.starts_with("privatelink.")
                })
                .collect();
            let remove: Vec<String> = other.iter().map(|z| z.to_string()).collect();
            let mut change = replacement(cx, p, want, &remove);
            if other.is_empty() {
                out.extend(open_zone_group(
                    cx,
                    &DOC,
                    p,
                    &format!(
                        "the zone group of private endpoint {} names only privatelink zones",
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
                            "private endpoint {} ({} {}) has zone {z} in its zone group; automatic DNS configuration applies only to {}",
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

/// The endpoint's zones in place of the others (one change, on its first finding). A zone
/// outside the privatelink names may answer the endpoint's name directly where it is linked:
/// the change is made only where that is the endpoint's own VNet alone, which Azure DNS
/// answers (the privatelink zones added are linked there), so no client loses the answer.
fn replacement(
    cx: &Context,
    p: &moat_model::privatelink::PrivateEndpoint,
    want: &[&str],
    remove: &[String],
) -> Option<crate::change::Change> {
    let vnet = vnet_part(&p.subnet);
    let azure_dns = matches!(resolver_of_subnet(cx, &p.subnet), Some(Resolver::AzureDns { vnet: v }) if v == vnet);
    let only_here = remove.iter().all(|r| {
        cx.e.ix.private_dns_zones.get(r).is_some_and(|&i| {
            let z = &cx.t.private_dns_zones[i];
            !z.external && z.vnet_links.iter().all(|l| l == vnet)
        })
    });
    if !azure_dns || !only_here {
        return None;
    }
    edit_zone_group(cx, p, want, remove)
}
