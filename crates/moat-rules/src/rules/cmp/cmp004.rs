//! CMP004 public-ip-compute.

use crate::change::{Change, Setting};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};

/// The rule.
pub struct Cmp004;
/// Its registration.
pub static RULE: Cmp004 = Cmp004;

static DOC: RuleDoc = RuleDoc {
    code: "CMP004",
    name: "public-ip-compute",
    severity: Severity::Warning,
    what: "A compute instance or compute cluster in a VNet or a managed network has a node public IP (enable_node_public_ip is true, Azure's default).",
    why: "A compute with a public IP needs inbound management traffic from Azure Machine Learning and Azure Batch, which NSGs must admit and, in a hub-spoke design, user-defined routes must send around the firewall. The documents recommend the no-public-IP option, which removes the inbound requirement.",
    example: "workspaces: [{ name: ws }]\ncomputes: [{ name: cpu, workspace: ws, type: AmlCompute, subnet: vnet/training }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: training, address_prefixes: [10.0.1.0/24] }] }]",
    fix: "Create the compute with enable_node_public_ip: false (no public IP), giving its subnet outbound through a NAT gateway or a firewall.",
    fix_form: FixForm::Code,
    sources: &[doc!(
        PLAN,
        "Outbound access (use the no public IP option to remove the inbound requirement)"
    )],
    covers: &["§6.59", "§7.inbound-44224"],
    path: false,
};

impl Rule for Cmp004 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let t = cx.t;
        for c in t.computes.iter().filter(|c| c.enable_node_public_ip) {
            let managed =
                cx.e.ix
                    .workspaces
                    .get(&c.workspace)
                    .is_some_and(|&i| t.workspaces[i].managed_network.enabled());
            let place = match (&c.subnet, managed) {
                (Some(s), _) => format!("subnet {s}"),
                (None, true) => format!("the managed network of workspace {}", c.workspace),
                // Without a VNet there is no private alternative to a public IP.
                (None, false) => continue,
            };
            let r = format!("compute/{}", c.name);
            out.push(Finding::new(
                &DOC,
                &r,
                format!(
                    "{} {} in {place} has a node public IP: Azure management traffic comes in from the internet",
                    match c.compute_type {
                        moat_model::enums::ComputeType::ComputeInstance => "compute instance",
                        moat_model::enums::ComputeType::AmlCompute => "compute cluster",
                    },
                    c.name
                ),
                DOC.fix,
                &c.at,
            )
.with_change(Change::set(&r, Setting::NodePublicIpDisabled)));
        }
    }
}
