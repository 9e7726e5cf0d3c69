//! DNS005 zone-group-too-many-zones.

use crate::rules::util_items::open_zone_group;
use crate::rules::util_zone_group::{MAX_ZONES, edit_zone_group, zone_name};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_net::names::zones_for_group;

/// The rule.
pub struct Dns005;
/// Its registration.
pub static RULE: Dns005 = Dns005;

static DOC: RuleDoc = RuleDoc {
    code: "DNS005",
    name: "zone-group-too-many-zones",
    severity: Severity::Error,
    what: "A private endpoint's DNS zone group names more than 5 zones.",
    why: "A private endpoint has one DNS zone group, and a zone group holds at most 5 private DNS zones; a larger group fails to create, and the endpoint's names are then in no zone.",
    example: "storage_accounts: [{ name: st }]\nprivate_endpoints:\n  - { name: st-blob, subnet: vnet/pe, target: storage/st, group_id: blob, dns_zone_group: [privatelink.blob.core.windows.net, z2.example, z3.example, z4.example, z5.example, z6.example] }\nprivate_dns_zones: [{ name: privatelink.blob.core.windows.net }, { name: z2.example }, { name: z3.example }, { name: z4.example }, { name: z5.example }, { name: z6.example }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: pe, address_prefixes: [10.0.3.0/24] }] }]",
    fix: "Keep at most 5 zones in the group: only the zones the endpoint's sub-resource needs.",
    fix_form: FixForm::Code,
    sources: &[doc!(LIMITS, "Azure Private Link limits")],
    covers: &["§6.105"],
    path: false,
};

impl Rule for Dns005 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for p in &cx.t.private_endpoints {
            if p.dns_zone_group.len() <= MAX_ZONES {
                out.extend(open_zone_group(
                    cx,
                    &DOC,
                    p,
                    &format!(
                        "the zone group of private endpoint {} names at most {MAX_ZONES} zones",
                        p.name
                    ),
                ));
                continue;
            }
            // The group fails to create, so no zone holds the endpoint's records: keeping
            // only the zones of its sub-resource (when they fit) breaks nothing that works.
            let want = zones_for_group(&p.group_id);
            let remove: Vec<String> = p
                .dns_zone_group
                .iter()
                .filter(|z| !want.contains(&zone_name(z).as_str()))
                .cloned()
                .collect();
            let change = (!want.is_empty())
                .then(|| edit_zone_group(cx, p, &[], &remove))
                .flatten();
            out.push(Finding::new(
                &DOC,
                format!("private-endpoint/{}", p.name),
                format!(
                    "the zone group of private endpoint {} names {} zones (at most {MAX_ZONES})",
                    p.name,
                    p.dns_zone_group.len()
                ),
                DOC.fix,
                &p.at,
            ).with_changes(change));
        }
    }
}
