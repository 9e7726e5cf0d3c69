//! NET001 docker-bridge-range.

use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use ipnet::IpNet;

/// The rule.
pub struct Net001;
/// Its registration.
pub static RULE: Net001 = Net001;

static DOC: RuleDoc = RuleDoc {
    code: "NET001",
    name: "docker-bridge-range",
    severity: Severity::Warning,
    what: "A VNet's address space (or one of its subnets) overlaps 172.17.0.0/16, the default range of Docker's bridge network.",
    why: "Azure ML runs jobs in Docker containers on the compute nodes; Docker's default bridge uses 172.17.0.0/16, so addresses of the VNet in that range are shadowed by the bridge on the nodes and cannot be reached from containers.",
    example: "virtual_networks: [{ name: vnet, address_space: [172.17.0.0/16], subnets: [{ name: training, address_prefixes: [172.17.1.0/24] }] }]",
    fix: "Choose another address range for the VNet (and mind 172.16.0.0/16 if on-premises uses it).",
    fix_form: FixForm::Prose(prose::DESIGN),
    sources: &[doc!(SWV, "Prerequisites (do not use 172.17.0.0/16)")],
    covers: &["§6.2"],
    path: false,
};

fn overlaps(a: &IpNet, b: &IpNet) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

impl Rule for Net001 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let docker: IpNet = "172.17.0.0/16".parse().expect("constant prefix");
        for v in &cx.t.virtual_networks {
            let space: Vec<String> = v
                .address_space
                .iter()
                .filter(|p| overlaps(p, &docker))
                .map(|p| p.to_string())
                .collect();
            let subnets: Vec<String> = v
                .subnets
                .iter()
                .filter(|s| s.prefixes().any(|p| overlaps(&p, &docker)))
                .map(|s| s.name.clone())
                .collect();
            if space.is_empty() && subnets.is_empty() {
                continue;
            }
            let sub = if subnets.is_empty() {
                String::new()
            } else {
                format!(" (subnets {})", subnets.join(", "))
            };
            out.push(Finding::new(
                &DOC,
                format!("vnet/{}", v.name),
                format!(
                    "VNet {} uses {}{sub}, which overlaps Docker's default bridge 172.17.0.0/16",
                    v.name,
                    if space.is_empty() {
                        "addresses".to_string()
                    } else {
                        space.join(", ")
                    }
                ),
                DOC.fix,
                &v.at,
            ));
        }
    }
}
