//! NET005 subnet-too-small.

use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use ipnet::IpNet;

/// The rule.
pub struct Net005;
/// Its registration.
pub static RULE: Net005 = Net005;

static DOC: RuleDoc = RuleDoc {
    code: "NET005",
    name: "subnet-too-small",
    severity: Severity::Error,
    what: "A subnet has an IPv4 prefix smaller than /29 (a /30, /31 or /32).",
    why: "The smallest IPv4 subnet Azure accepts is /29: Azure reserves five addresses in every subnet (network, gateway, two for Azure DNS, broadcast), which leaves three usable in a /29. A smaller prefix fails to create.",
    example: "virtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: pe, address_prefixes: [10.0.3.0/30] }] }]",
    fix: "Give the subnet a /29 or larger prefix (size it for every compute node and private endpoint it holds, plus 5).",
    fix_form: FixForm::Prose(prose::DESIGN),
    sources: &[doc!(
        VNFAQ,
        "How small and how large can virtual networks and subnets be?"
    )],
    covers: &["§9.subnet-min"],
    path: false,
};

/// The longest IPv4 prefix Azure accepts for a subnet.
const SMALLEST: u8 = 29;

impl Rule for Net005 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for v in &cx.t.virtual_networks {
            for s in &v.subnets {
                let small: Vec<String> = s
                    .prefixes()
                    .filter(|p| matches!(p, IpNet::V4(n) if n.prefix_len() > SMALLEST))
                    .map(|p| p.to_string())
                    .collect();
                if small.is_empty() {
                    continue;
                }
                out.push(Finding::new(
                    &DOC,
                    format!("subnet/{}/{}", v.name, s.name),
                    format!(
                        "subnet {}/{} has prefix {} (the smallest is /{SMALLEST})",
                        v.name,
                        s.name,
                        small.join(", ")
                    ),
                    DOC.fix,
                    &s.at,
                ));
            }
        }
    }
}
