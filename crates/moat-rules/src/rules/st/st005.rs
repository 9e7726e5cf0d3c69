//! ST005 storage-smb-through-firewall.

use crate::change::FirewallAllow;
use crate::rules::util::{destination, failing_flows, flow_finding, name_of};
use crate::rules::util_core::storage;
use crate::rules::util_fix::{allow_in_firewall, file_endpoint, subnet_prefix};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_engine::ops::FlowResult;
use moat_engine::{Code, Hop, OpId, Step, Trace, Verdict};
use moat_model::address::{Address, Kind};

/// The rule.
pub struct St005;
/// Its registration.
pub static RULE: St005 = St005;

static DOC: RuleDoc = RuleDoc {
    code: "ST005",
    name: "storage-smb-through-firewall",
    severity: Severity::Error,
    what: "A firewall sits between a compute and the private endpoint of the workspace storage's file service, and does not let TCP 445 (SMB) through.",
    why: "Compute instances and clusters mount the default storage's file share over SMB on TCP 445. When a firewall is on the path to the storage private endpoints (a route through a hub appliance), port 445 must be allowed there as well as 443.",
    example: "workspaces: [{ name: ws, storage_account: st }]\nstorage_accounts: [{ name: st, public_network_access: Disabled }]\ncomputes: [{ name: cpu-cluster, workspace: ws, type: AmlCompute, subnet: spoke/training, enable_node_public_ip: false }]\nprivate_endpoints:\n  - { name: st-blob, subnet: spoke/pe, target: storage/st, group_id: blob, dns_zone_group: [privatelink.blob.core.windows.net] }\n  - { name: st-file, subnet: spoke/pe, target: storage/st, group_id: file, dns_zone_group: [privatelink.file.core.windows.net] }\nprivate_dns_zones: [{ name: privatelink.blob.core.windows.net, vnet_links: [spoke] }, { name: privatelink.file.core.windows.net, vnet_links: [spoke] }]\nroute_tables: [{ name: rt, routes: [{ name: pe-via-fw, address_prefix: 10.1.3.0/24, next_hop_type: VirtualAppliance, next_hop_ip_address: 10.100.0.4 }] }]\nfirewalls: [{ name: hub-fw, vnet: hub, private_ip_address: 10.100.0.4, network_rule_collections: [{ name: to-pe, priority: 100, action: Allow, rules: [{ name: https, protocols: [TCP], source_addresses: [10.1.1.0/24], destination_addresses: [10.1.3.0/24], destination_ports: [443] }] }] }]\nvirtual_networks:\n  - { name: hub, address_space: [10.100.0.0/16], subnets: [{ name: AzureFirewallSubnet, address_prefixes: [10.100.0.0/26] }], peerings: [{ remote_vnet: spoke, allow_forwarded_traffic: true }] }\n  - { name: spoke, address_space: [10.1.0.0/16], subnets: [{ name: training, address_prefixes: [10.1.1.0/24], route_table: rt }, { name: pe, address_prefixes: [10.1.3.0/24] }], peerings: [{ remote_vnet: hub, allow_forwarded_traffic: true }] }",
    fix: "Allow TCP 445 from the compute subnets to the storage private endpoints on the firewall.",
    fix_form: FixForm::Code,
    sources: &[doc!(
        SWV,
        "Required public internet access (Storage.region, 445 note)"
    )],
    covers: &["§6.55"],
    path: true,
};

/// The hop of the firewall that stops the flow on its way to a private address (the storage's
/// private endpoint), or may: one with a value the input leaves open, or a route or peering
/// left open that may lead the flow through one of the deployment's firewalls.
fn firewall_on_the_way<'t>(cx: &Context, t: &'t Trace) -> Option<&'t Hop> {
    if !t.hops.iter().any(|h| h.code == Code::DestAddress) {
        return None;
    }
    t.may_stop_at(Step::Firewall).or_else(|| {
        (t.verdict == Verdict::Unknown && !cx.t.firewalls.is_empty())
            .then(|| t.open_hops().find(|h| h.step == Step::Route))
            .flatten()
    })
}

impl Rule for St005 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let mut seen = std::collections::HashSet::new();
        for (_, f) in failing_flows(cx, OpId::JobRun) {
            if f.trace.port != 445 {
                continue;
            }
            let Some(dst) = destination(f) else { continue };
            if !matches!(
                &dst,
                Address::Resource {
                    kind: Kind::Storage,
                    ..
                }
            ) {
                continue;
            }
            // The flow as traced or, past a name the input leaves open, as it may go.
            let others: Vec<FlowResult> = moat_engine::trace::past_open_names(cx.e, &f.trace)
                .into_iter()
                .map(|t| FlowResult {
                    purpose: f.purpose.clone(),
                    verdict: t.verdict,
                    trace: t.into(),
                })
                .collect();
            let Some((f, hop)) = std::iter::once(f)
                .chain(&others)
                .find_map(|f| Some((f, firewall_on_the_way(cx, &f.trace)?)))
            else {
                continue;
            };
            let Some(compute) = f.trace.from.name_of(Kind::Compute).map(String::from) else {
                continue;
            };
            let subnet =
                cx.e.ix
                    .computes
                    .get(&compute)
                    .and_then(|&i| cx.t.computes[i].subnet.clone())
                    .unwrap_or_default();
            if !seen.insert((subnet.clone(), dst.to_string(), hop.element_id())) {
                continue;
            }
            let what = if hop.step == Step::Firewall {
                format!(
                    "SMB (TCP 445) from compute {compute} to {dst} through {}",
                    hop.element
                )
            } else {
                format!(
                    "SMB (TCP 445) from compute {compute} to {dst} is not stopped by a firewall that {} may lead it through",
                    hop.element
                )
            };
            let at = storage(cx, name_of(&dst))
                .map(|s| s.at.clone())
                .unwrap_or_default();
            let mut finding = flow_finding(&DOC, dst.to_string(), what, f, &at);
            // The network rule from the compute subnet to the file endpoint.
            let allow = (|| {
                let source = subnet_prefix(cx, &subnet)?;
                allow_in_firewall(
                    cx,
                    &f.trace,
                    &["allow", "smb", &source],
                    FirewallAllow::Network {
                        protocol: "TCP",
                        source: source.clone(),
                        destination: file_endpoint(cx, name_of(&dst))?,
                        port: "445".into(),
                    },
                )
            })();
            if let Some(c) = allow {
                finding = finding.with_change(c);
            }
            out.push(finding);
        }
    }
}
