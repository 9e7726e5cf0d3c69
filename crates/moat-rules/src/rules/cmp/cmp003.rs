//! CMP003 no-public-ip-inbound.

use crate::rules::util_fix::{Allow, allow_in_nsg, port_range};
use crate::rules::util_infra::{Origin, blocked_finding, compute_groups, on_ports, trace, worst};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_engine::Verdict;
use moat_model::address::Address;
use moat_packets::Protocol;

/// The rule.
pub struct Cmp003;
/// Its registration.
pub static RULE: Cmp003 = Cmp003;

static DOC: RuleDoc = RuleDoc {
    code: "CMP003",
    name: "no-public-ip-inbound",
    severity: Severity::Error,
    what: "The NSG of a no-public-IP compute drops VirtualNetwork to VirtualNetwork TCP 29876-29877, or AzureLoadBalancer to VirtualNetwork TCP 44224.",
    why: "Compute without a public IP is managed through a private link service inside the VNet: Batch node management arrives from the VNet on TCP 29876-29877 and the Azure load balancer probes TCP 44224. Azure's default NSG rules allow both; a user rule that denies them breaks compute creation.",
    example: "workspaces: [{ name: ws }]\ncomputes: [{ name: cpu, workspace: ws, type: AmlCompute, subnet: vnet/training, enable_node_public_ip: false }]\nnetwork_security_groups: [{ name: training-nsg, rules: [{ name: deny-in, priority: 200, direction: Inbound, access: Deny }] }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: training, address_prefixes: [10.0.1.0/24], network_security_group: training-nsg }] }]",
    fix: "Allow inbound TCP 29876-29877 from VirtualNetwork and TCP 44224 from AzureLoadBalancer to VirtualNetwork at a priority above any deny rule.",
    fix_form: FixForm::Code,
    sources: &[doc!(
        SWV,
        "Required public internet access (compute cluster with no public IP)"
    )],
    covers: &[],
    path: true,
};

impl Rule for Cmp003 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for g in compute_groups(cx, |c| c.subnet.is_some() && !c.enable_node_public_ip) {
            let Origin::Subnet(subnet) = &g.origin else {
                continue;
            };
            let (vnet, sn) = subnet.split_once('/').unwrap_or_default();
            let own = Address::Subnet {
                vnet: vnet.into(),
                subnet: sn.into(),
            };
            let to = g.probe();
            // The source as a rule writes it: the subnet is inside VirtualNetwork.
            let needs: [(Address, &str, &str, &[u16]); 2] = [
                (
                    own,
                    "VirtualNetwork (the subnet itself)",
                    "VirtualNetwork",
                    &[29876, 29877],
                ),
                (
                    Address::Tag("AzureLoadBalancer".into()),
                    "AzureLoadBalancer",
                    "AzureLoadBalancer",
                    &[44224],
                ),
            ];
            for (from, label, source, ports) in needs {
                let mut failed = Vec::new();
                let mut denied = Vec::new();
                let mut first: Option<moat_engine::Trace> = None;
                for &port in ports {
                    let Some(t) = trace(cx, &from, to.clone(), Protocol::TCP, port) else {
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
                    "inbound from {label} on TCP {} to the no-public-IP computes of {subnet} ({})",
                    failed
                        .iter()
                        .map(u16::to_string)
                        .collect::<Vec<_>>()
                        .join(", "),
                    g.names()
                );
                let mut f = on_ports(
                    blocked_finding(&DOC, g.resource.clone(), what, t, &g.at),
                    &denied,
                    &failed,
                );
                // Seed 002's rule: from the source to VirtualNetwork on the ports.
                let range = port_range(&failed);
                let allow = range.as_deref().and_then(|ports| {
                    allow_in_nsg(
                        cx,
                        &denied.iter().collect::<Vec<_>>(),
                        &Allow {
                            name: &["allow", source, ports],
                            protocol: "Tcp",
                            source,
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
