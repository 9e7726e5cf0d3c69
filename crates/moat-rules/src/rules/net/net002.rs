//! NET002 address-overlap.

use crate::rules::util_items::{open_list, open_list_finding, undecided};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use ipnet::IpNet;

/// The rule.
pub struct Net002;
/// Its registration.
pub static RULE: Net002 = Net002;

static DOC: RuleDoc = RuleDoc {
    code: "NET002",
    name: "address-overlap",
    severity: Severity::Error,
    what: "The address spaces of two peered VNets overlap, or a VNet's space overlaps an on-premises range (or point-to-site client pool) it is connected to through a gateway.",
    why: "Routing needs one place for every address: Azure refuses peerings between overlapping VNets, and an on-premises range that overlaps the VNet is unreachable (or hides VNet addresses) across a VPN or ExpressRoute. Plan the ranges before deploying.",
    example: "virtual_networks:\n  - { name: hub, address_space: [10.0.0.0/16], peerings: [{ remote_vnet: spoke }] }\n  - { name: spoke, address_space: [10.0.0.0/16], peerings: [{ remote_vnet: hub }] }",
    fix: "Re-plan the address spaces so that peered VNets and connected on-premises networks do not overlap.",
    fix_form: FixForm::Prose(prose::DESIGN),
    sources: &[doc!(
        SWV,
        "Prerequisites (ranges that conflict with on-premises, 172.16.0.0/16)"
    )],
    covers: &["§6.2"],
    path: false,
};

fn overlapping(a: &[IpNet], b: &[IpNet]) -> Vec<String> {
    let mut v = Vec::new();
    for x in a {
        for y in b {
            if x.contains(&y.network()) || y.contains(&x.network()) {
                v.push(format!("{x} and {y}"));
            }
        }
    }
    v
}

impl Rule for Net002 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let t = cx.t;
        let vnets = &t.virtual_networks;
        for (i, a) in vnets.iter().enumerate() {
            // Each pair once (from its first VNet), in declaration order; a peering declared on
            // either side counts: Azure refuses the second side when the spaces overlap, and a
            // one-sided peering is still a design intent.
            let peers = cx.e.ix.peers.get(&a.name).map_or(&[][..], Vec::as_slice);
            let space = |v: &str| format!("vnet/{v}");
            for b in peers.iter().filter(|&&j| j > i).map(|&j| &vnets[j]) {
                let o = overlapping(&a.address_space, &b.address_space);
                if o.is_empty() {
                    // A space the input leaves partly open may hold the overlapping range.
                    let what = format!(
                        "the address spaces of peered VNets {} and {} do not overlap",
                        a.name, b.name
                    );
                    let open =
                        open_list_finding(cx, &DOC, space(&a.name), "address_space", &what, &a.at)
                            .or_else(|| {
                                let u = open_list(cx, &space(&b.name), "address_space")?;
                                Some(undecided(&DOC, space(&a.name), &what, u, &a.at))
                            });
                    out.extend(open);
                    continue;
                }
                out.push(Finding::new(
                    &DOC,
                    format!("vnet/{}", a.name),
                    format!(
                        "VNets {} and {} are peered but their address spaces overlap ({})",
                        a.name,
                        b.name,
                        o.join("; ")
                    ),
                    DOC.fix,
                    &a.at,
                ));
            }
            let Some(g) = moat_net::routing::gateway_for(t, &cx.e.ix, &a.name) else {
                continue;
            };
            let remote = moat_net::routing::gateway_prefixes(t, &g);
            let o = overlapping(&a.address_space, &remote);
            if o.is_empty() {
                out.extend(open_list_finding(
                    cx,
                    &DOC,
                    space(&a.name),
                    "address_space",
                    &format!(
                        "VNet {} overlaps none of the on-premises or point-to-site ranges behind gateway {g}",
                        a.name
                    ),
                    &a.at,
                ));
                continue;
            }
            out.push(Finding::new(
                &DOC,
                format!("vnet/{}", a.name),
                format!(
                    "VNet {} overlaps the on-premises or point-to-site ranges behind gateway {g} ({})",
                    a.name,
                    o.join("; ")
                ),
                DOC.fix,
                &a.at,
            ));
        }
    }
}
