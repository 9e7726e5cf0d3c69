//! OUT003 vscode-hosts-unreachable.

use crate::rules::util_fix::{approve_in_managed, https_in_firewall};
use crate::rules::util_infra::{blocked_finding, compute_groups, trace, worst};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_engine::{Trace, Verdict};
use moat_model::address::Address;
use moat_model::enums::ComputeType;
use moat_packets::Protocol;

/// The rule.
pub struct Out003;
/// Its registration.
pub static RULE: Out003 = Out003;

static DOC: RuleDoc = RuleDoc {
    code: "OUT003",
    name: "vscode-hosts-unreachable",
    severity: Severity::Info,
    what: "Compute instances declared to be used from Visual Studio Code (uses: vscode) cannot reach the hosts the VS Code server and its extensions come from.",
    why: "Connecting VS Code to a compute instance installs the VS Code server and the websocket server on the instance and downloads extensions: update.code.visualstudio.com, *.vo.msecnd.net, marketplace.visualstudio.com, vscode.blob.core.windows.net, *.gallerycdn.vsassets.io and raw.githubusercontent.com. Without them the remote connection cannot be set up.",
    example: "workspaces: [{ name: ws }]\ncomputes: [{ name: ci, workspace: ws, type: ComputeInstance, subnet: vnet/training, enable_node_public_ip: false, uses: [vscode] }]\nroute_tables: [{ name: rt, routes: [{ name: default, address_prefix: 0.0.0.0/0, next_hop_type: VirtualAppliance, next_hop_ip_address: 10.0.0.4 }] }]\nfirewalls: [{ name: fw, vnet: vnet, private_ip_address: 10.0.0.4, public_ips: [fw-pip], application_rule_collections: [{ name: packages, priority: 200, action: Allow, rules: [{ name: pypi, source_addresses: [10.0.1.0/24], protocols: [\"Https:443\"], target_fqdns: [pypi.org] }] }] }]\npublic_ips: [{ name: fw-pip }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: AzureFirewallSubnet, address_prefixes: [10.0.0.0/26] }, { name: training, address_prefixes: [10.0.1.0/24], route_table: rt }] }]",
    fix: "Allow the VS Code hosts on the firewall or as FQDN outbound rules of the managed network.",
    fix_form: FixForm::Code,
    sources: &[doc!(
        SWV,
        "Required public internet access (Visual Studio Code hosts)"
    )],
    covers: &[],
    path: true,
};

/// The documented hosts the instance side needs, with probe names for wildcards.
const HOSTS: &[(&str, &str)] = &[
    (
        "update.code.visualstudio.com",
        "update.code.visualstudio.com",
    ),
    ("*.vo.msecnd.net", "az764295.vo.msecnd.net"),
    (
        "marketplace.visualstudio.com",
        "marketplace.visualstudio.com",
    ),
    (
        "vscode.blob.core.windows.net",
        "vscode.blob.core.windows.net",
    ),
    (
        "*.gallerycdn.vsassets.io",
        "ms-toolsai.gallerycdn.vsassets.io",
    ),
    ("raw.githubusercontent.com", "raw.githubusercontent.com"),
];

impl Rule for Out003 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        // One finding per place, whatever the public-IP setting of its computes.
        let mut reported = std::collections::HashSet::new();
        for g in compute_groups(cx, |c| {
            c.compute_type == ComputeType::ComputeInstance
                && c.uses.iter().any(|u| u.eq_ignore_ascii_case("vscode"))
        }) {
            let from = g.probe();
            let mut failed = Vec::new();
            let mut traces = Vec::new();
            let mut first: Option<Trace> = None;
            for (pattern, host) in HOSTS {
                let Some(t) = trace(
                    cx,
                    &from,
                    Address::Fqdn(host.to_string()),
                    Protocol::TCP,
                    443,
                ) else {
                    continue;
                };
                if t.verdict == Verdict::Allowed {
                    continue;
                }
                failed.push(*pattern);
                traces.push(t.clone());
                first = worst(first, t);
            }
            let Some(t) = first else { continue };
            let what = format!(
                "outbound from {} (compute instances {}) to the VS Code hosts {} (TCP 443)",
                g.place(),
                g.names(),
                failed.join(", ")
            );
            if reported.insert(g.resource.clone()) {
                // As for package hosts: FQDN outbound rules in a managed network that
                // approves only its rules, else application rules on the firewall that no
                // rule of matches each host.
                let mut f = blocked_finding(&DOC, g.resource.clone(), what, t, &g.at);
                for c in approve_in_managed(&g, &failed) {
                    f = f.with_change(c);
                }
                for c in https_in_firewall(cx, &g, &failed, &traces) {
                    f = f.with_change(c);
                }
                out.push(f);
            }
        }
    }
}
