//! CMP002 public-ip-compute-inbound.

use crate::rules::util::regional;
use crate::rules::util_fix::{Allow, allow_in_nsg, port_range};
use crate::rules::util_infra::{blocked_finding, compute_groups, on_ports, trace, worst};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_engine::Verdict;
use moat_model::address::Address;
use moat_packets::Protocol;

/// The rule.
pub struct Cmp002;
/// Its registration.
pub static RULE: Cmp002 = Cmp002;

static DOC: RuleDoc = RuleDoc {
    code: "CMP002",
    name: "public-ip-compute-inbound",
    severity: Severity::Error,
    what: "A compute with a public IP does not receive inbound management traffic: from BatchNodeManagement.<region> on TCP 29876-29877, or from AzureMachineLearning on TCP 44224.",
    why: "Compute instances and clusters with a public IP are created, updated and deleted by Azure Batch and Azure Machine Learning connecting in to the nodes. If the subnet's NSG (or the NIC's) drops that traffic, compute creation fails. The no-public-IP option removes the requirement.",
    example: "workspaces: [{ name: ws }]\ncomputes: [{ name: cpu, workspace: ws, type: AmlCompute, subnet: vnet/training }]\nnetwork_security_groups: [{ name: training-nsg }]   # default rules deny inbound from service tags\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: training, address_prefixes: [10.0.1.0/24], network_security_group: training-nsg }] }]",
    fix: "Allow inbound TCP 29876-29877 from BatchNodeManagement.<region> and TCP 44224 from AzureMachineLearning on the subnet's NSG, or recreate the compute without a public IP.",
    fix_form: FixForm::Code,
    sources: &[doc!(SWV, "Required public internet access (inbound rows)")],
    covers: &["§6.61"],
    path: true,
};

impl Rule for Cmp002 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for g in compute_groups(cx, |c| c.subnet.is_some() && c.enable_node_public_ip) {
            let to = g.probe();
            let batch = regional("BatchNodeManagement", g.workspace.region.as_deref());
            let needs: [(&str, &[u16]); 2] = [
                (&batch, &[29876, 29877]),
                ("AzureMachineLearning", &[44224]),
            ];
            for (tag, ports) in needs {
                let mut failed = Vec::new();
                let mut denied = Vec::new();
                let mut first = None;
                for &port in ports {
                    let Some(t) = trace(
                        cx,
                        &Address::Tag(tag.to_string()),
                        to.clone(),
                        Protocol::TCP,
                        port,
                    ) else {
                        continue;
                    };
                    if t.verdict == Verdict::Allowed {
                        continue;
                    }
                    failed.push(port);
                    denied.push(t.clone());
                    first = worst(first, t);
                }
                let Some(t) = first else { continue };
                let what = format!(
                    "inbound from {tag} on TCP {} to the public-IP computes of {} ({})",
                    failed
                        .iter()
                        .map(u16::to_string)
                        .collect::<Vec<_>>()
                        .join(", "),
                    g.resource.trim_start_matches("subnet/"),
                    g.names()
                );
                let mut f = on_ports(
                    blocked_finding(&DOC, g.resource.clone(), what, t, &g.at),
                    &denied,
                    &failed,
                );
                // Seed 002's inbound rows: from the tag to the nodes, on any source port.
                let range = port_range(&failed);
                let allow = range.as_deref().and_then(|ports| {
                    allow_in_nsg(
                        cx,
                        &denied.iter().collect::<Vec<_>>(),
                        &Allow {
                            name: &["allow", tag, ports],
                            protocol: "Tcp",
                            source: tag,
                            destination: "VirtualNetwork",
                            ports,
                        },
                    )
                });
                if let Some(c) = allow {
                    f = f.with_change(c);
                }
                out.push(f);
            }
        }
    }
}
