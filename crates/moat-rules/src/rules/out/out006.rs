//! OUT006 instance-websocket-hosts-unreachable.

use crate::rules::util_fix::{approve_in_managed, https_in_firewall};
use crate::rules::util_infra::{blocked_finding, compute_groups, trace, worst};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_engine::{Trace, Verdict};
use moat_model::address::Address;
use moat_model::enums::ComputeType;
use moat_packets::Protocol;

/// The rule.
pub struct Out006;
/// Its registration.
pub static RULE: Out006 = Out006;

static DOC: RuleDoc = RuleDoc {
    code: "OUT006",
    name: "instance-websocket-hosts-unreachable",
    severity: Severity::Error,
    what: "Compute instances cannot reach the compute instance hosts *.instances.azureml.ms and *.instances.azureml.net on TCP 443 (path).",
    why: "Jupyter, JupyterLab and terminals on a compute instance talk over WebSocket connections through *.instances.azureml.ms and *.instances.azureml.net; a firewall or NSG that does not let them through (for instance one that filters by FQDN without these names, or drops the AzureMachineLearning tag) breaks the instance's interactive use.",
    example: "workspaces: [{ name: ws }]\ncomputes: [{ name: ci, workspace: ws, type: ComputeInstance, subnet: vnet/training, enable_node_public_ip: false }]\nroute_tables: [{ name: rt, routes: [{ name: default, address_prefix: 0.0.0.0/0, next_hop_type: VirtualAppliance, next_hop_ip_address: 10.0.0.4 }] }]\nfirewalls: [{ name: fw, vnet: vnet, private_ip_address: 10.0.0.4, public_ips: [fw-pip], application_rule_collections: [{ name: packages, priority: 200, action: Allow, rules: [{ name: pypi, source_addresses: [10.0.1.0/24], protocols: [\"Https:443\"], target_fqdns: [pypi.org] }] }] }]\npublic_ips: [{ name: fw-pip }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: AzureFirewallSubnet, address_prefixes: [10.0.0.0/26] }, { name: training, address_prefixes: [10.0.1.0/24], route_table: rt }] }]",
    fix: "Allow TCP 443 to *.instances.azureml.ms and *.instances.azureml.net (application rules on Azure Firewall, or the AzureMachineLearning service tag).",
    fix_form: FixForm::Code,
    sources: &[
        doc!(
            TRV,
            "Compute instance and compute cluster (allow WebSocket communication)"
        ),
        doc!(FW, "Compute instance and compute cluster hosts"),
    ],
    covers: &["§6.62"],
    path: true,
};

impl Rule for Out006 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let mut reported = std::collections::HashSet::new();
        for g in compute_groups(cx, |c| c.compute_type == ComputeType::ComputeInstance) {
            let from = g.probe();
            // `<instance>.<region>.instances.azureml.ms`; without a known region the probe
            // keeps to the instance label, which the same wildcard host covers.
            let mut label = g.computes[0].local_name().to_ascii_lowercase();
            if let Some(r) = &g.workspace.region {
                label = format!("{label}.{}", r.to_ascii_lowercase().replace(' ', ""));
            }
            let mut failed = Vec::new();
            let mut traces = Vec::new();
            let mut first: Option<Trace> = None;
            for suffix in ["instances.azureml.ms", "instances.azureml.net"] {
                let host = format!("{label}.{suffix}");
                let Some(t) = trace(cx, &from, Address::Fqdn(host), Protocol::TCP, 443) else {
                    continue;
                };
                if t.verdict == Verdict::Allowed {
                    continue;
                }
                failed.push(format!("*.{suffix}"));
                traces.push(t.clone());
                first = worst(first, t);
            }
            let Some(t) = first else { continue };
            let what = format!(
                "outbound from {} (compute instances {}) to {} (TCP 443, WebSocket)",
                g.place(),
                g.names(),
                failed.join(", ")
            );
            if reported.insert(g.resource.clone()) {
                // The wildcard hosts, as the firewall's application rules or the managed
                // network's FQDN rules name them.
                let hosts: Vec<&str> = failed.iter().map(String::as_str).collect();
                let f = blocked_finding(&DOC, g.resource.clone(), what, t, &g.at)
                    .with_changes(approve_in_managed(&g, &hosts))
                    .with_changes(https_in_firewall(cx, &g, &hosts, &traces));
                out.push(f);
            }
        }
    }
}
