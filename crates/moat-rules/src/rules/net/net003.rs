//! NET003 peering-not-transitive.

use crate::rules::util::flow_finding;
use crate::rules::util_infra::{dest_ip, source_vnet, vnet_at};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use moat_engine::ops::{FlowResult, OpResult};
use moat_engine::{Code, Verdict};
use std::collections::HashSet;

/// The rule.
pub struct Net003;
/// Its registration.
pub static RULE: Net003 = Net003;

static DOC: RuleDoc = RuleDoc {
    code: "NET003",
    name: "peering-not-transitive",
    severity: Severity::Error,
    what: "A flow an operation needs would have to cross two VNet peerings (spoke to hub to spoke), or reach a spoke from on premises through a hub gateway the spoke does not use, and nothing in the hub forwards it.",
    why: "VNet peering is not transitive: a spoke reaches only the VNets it is peered with. In a hub-spoke design spoke-to-spoke traffic needs a user-defined route to a firewall or appliance in the hub, and on-premises traffic reaches a spoke only when the spoke uses the hub's gateway (gateway transit).",
    example: "workspaces: [{ name: ws, public_network_access: Disabled }]\ncomputes: [{ name: cpu, workspace: ws, type: AmlCompute, subnet: spoke-a/training, enable_node_public_ip: false }]\nprivate_endpoints: [{ name: ws-pe, subnet: spoke-b/pe, target: workspace/ws, group_id: amlworkspace, dns_zone_group: [privatelink.api.azureml.ms] }]\nprivate_dns_zones: [{ name: privatelink.api.azureml.ms, vnet_links: [spoke-a, spoke-b] }]\nvirtual_networks:\n  - { name: hub, address_space: [10.100.0.0/16], peerings: [{ remote_vnet: spoke-a }, { remote_vnet: spoke-b }] }\n  - { name: spoke-a, address_space: [10.1.0.0/16], subnets: [{ name: training, address_prefixes: [10.1.1.0/24] }], peerings: [{ remote_vnet: hub }] }\n  - { name: spoke-b, address_space: [10.2.0.0/16], subnets: [{ name: pe, address_prefixes: [10.2.3.0/24] }], peerings: [{ remote_vnet: hub }] }",
    fix: "Route spoke traffic through a firewall in the hub (0.0.0.0/0 or the other spoke's range to the firewall, allowing forwarded traffic), peer the spokes directly, or enable gateway transit (use_remote_gateways) for on-premises.",
    fix_form: FixForm::Prose(prose::DESIGN),
    sources: &[doc!(
        PLAN,
        "Outbound access (hub-spoke: computes in the spoke must reach the firewall)"
    )],
    covers: &[],
    path: true,
};

impl Rule for Net003 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let mut seen = HashSet::new();
        for r in cx.ops() {
            for f in r.flows.iter().filter(|f| f.verdict != Verdict::Allowed) {
                // The flow as traced or, past a name the input leaves open, as it may go.
                let others: Vec<FlowResult> = moat_engine::trace::past_open_names(cx.e, &f.trace)
                    .into_iter()
                    .map(|t| FlowResult {
                        purpose: f.purpose.clone(),
                        verdict: t.verdict,
                        trace: t.into(),
                    })
                    .collect();
                for f in std::iter::once(f).chain(&others) {
                    check_flow(cx, r, f, &mut seen, out);
                }
            }
        }
    }
}

/// The finding of one flow that did not pass, unless `seen` holds its VNets.
fn check_flow(
    cx: &Context,
    r: &OpResult,
    f: &FlowResult,
    seen: &mut HashSet<(String, String)>,
    out: &mut Vec<Finding>,
) {
    let t = cx.t;
    let tr = &f.trace;
    let Some(hop) = tr.stopping_hop() else {
        return;
    };
    let Some(dst_vnet) = dest_ip(tr)
        .and_then(|ip| cx.e.subnet_of_private(ip))
        .map(|s| s.split('/').next().unwrap_or_default().to_string())
    else {
        return;
    };
    let src_vnet = source_vnet(cx, &tr.from);
    // The VNet to change, and what it misses.
    let (subject, why) = match (hop.code, src_vnet) {
        (Code::PeeringNotTransitive, Some(s)) => {
            let hub = t.virtual_networks.iter().find(|h| {
                h.name != s
                    && h.name != dst_vnet
                    && moat_net::routing::peered(t, &cx.e.ix, &h.name, &s)
                    && moat_net::routing::peered(t, &cx.e.ix, &h.name, &dst_vnet)
            });
            let why = match hub {
                Some(hub) => format!(
                    "VNet {dst_vnet} is two peerings away from VNet {s}, across {}",
                    hub.name
                ),
                None => format!("VNet {dst_vnet} is not peered with VNet {s}"),
            };
            (s, why)
        }
        // Dropped on the way to a private address: with the peerings the input leaves open,
        // the two VNets may be spokes of one hub (the trace is then unknown).
        (Code::RoutePrivateToInternet, Some(s)) if tr.verdict == Verdict::Unknown => {
            let Some(hub) = t.virtual_networks.iter().find(|h| {
                h.name != s
                    && h.name != dst_vnet
                    && maybe_peered(cx, &h.name, &s)
                    && maybe_peered(cx, &h.name, &dst_vnet)
            }) else {
                return;
            };
            let why = format!(
                "VNet {dst_vnet} may be two peerings away from VNet {s}, across {}, with the peerings the input leaves open",
                hub.name
            );
            (s, why)
        }
        (Code::OnpremNoTransit, _) => (
            dst_vnet.clone(),
            format!("VNet {dst_vnet} does not use the gateway of the hub it is peered with"),
        ),
        _ => return,
    };
    if !seen.insert((subject.clone(), dst_vnet.clone())) {
        return;
    }
    let what = format!("{} → {} ({}: {}; {why})", tr.from, tr.to, r.op, f.purpose);
    out.push(flow_finding(
        &DOC,
        format!("vnet/{subject}"),
        what,
        f,
        &vnet_at(t, &subject),
    ));
}

/// Whether VNets `a` and `b` are peered, or may be: each side declares the peering or leaves
/// its peerings open.
fn maybe_peered(cx: &Context, a: &str, b: &str) -> bool {
    let side = |x: &str, y: &str| {
        cx.e.is_unknown(&format!("vnet/{x}"), "peerings").is_some()
            || cx.e.ix.virtual_networks.get(x).is_some_and(|&i| {
                cx.t.virtual_networks[i]
                    .peerings
                    .iter()
                    .any(|p| p.remote_vnet == y && p.allow_virtual_network_access)
            })
    };
    side(a, b) && side(b, a)
}
