//! WS001 workspace-unreachable-by-clients.

use crate::rules::util::flow_finding;
use crate::{Context, Finding, Rule, RuleDoc, Severity};
use moat_engine::Verdict;
use moat_model::address::{Address, Kind};
use moat_model::enums::PublicNetworkAccess;
use moat_packets::Protocol;

/// The rule.
pub struct Ws001;
/// Its registration.
pub static RULE: Ws001 = Ws001;

static DOC: RuleDoc = RuleDoc {
    code: "WS001",
    name: "workspace-unreachable-by-clients",
    severity: Severity::Error,
    what: "A workspace with public network access Disabled has no client location with a path to its API through a private endpoint.",
    why: "With public access disabled, studio, the SDK and the CLI work only over a private endpoint. Clients must be in, or connected to, a VNet that reaches one: a VPN (point-to-site or site-to-site), ExpressRoute, or a Bastion jump box.",
    example: "workspaces: [{ name: ws, public_network_access: Disabled }]\nclients: [{ name: alice, location: internet }]",
    fix: "Give the clients a private path: a VPN gateway, ExpressRoute, or a jump box in a VNet with a workspace private endpoint.",
    sources: &[
        doc!(SWV, "Securely connect to your workspace"),
        doc!(PL),
        doc!(REG),
    ],
    covers: &[],
    path: true,
};

impl Rule for Ws001 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for w in cx.t.workspaces.iter().filter(|w| {
            // A project is reached through its hub's network: the hub's finding covers it.
            w.public_network_access == PublicNetworkAccess::Disabled
                && moat_net::names::network_workspace(cx.t, &cx.e.ix, &w.name)
                    .is_some_and(|n| n.name == w.name)
        }) {
            let to = Address::resource(Kind::Workspace, &w.name);
            // Declared clients, or else every place a person could work from: VMs (jump boxes)
            // and on-premises sites behind a VPN or ExpressRoute gateway.
            let mut sources: Vec<Address> =
                cx.t.clients
                    .iter()
                    .map(|c| Address::resource(Kind::Client, &c.name))
                    .collect();
            if sources.is_empty() {
                sources.extend(
                    cx.t.virtual_machines
                        .iter()
                        .map(|v| Address::resource(Kind::Vm, &v.name)),
                );
                sources.extend(
                    cx.e.onprem_sites()
                        .into_iter()
                        .map(|(_, ip)| Address::Ip(ip)),
                );
            }
            let mut failures = Vec::new();
            let mut reached = false;
            for from in &sources {
                let Some(t) = cx.trace(from.clone(), to.clone(), Protocol::TCP, 443) else {
                    continue;
                };
                if t.verdict == Verdict::Allowed {
                    reached = true;
                    break;
                }
                failures.push(t);
            }
            if reached {
                continue;
            }
            let resource = to.to_string();
            match failures.into_iter().next() {
                Some(t) => {
                    let what = format!("the path from {} to private workspace {} (no client has one)", t.from, w.name);
                    let f = moat_engine::ops::FlowResult { purpose: String::new(), verdict: t.verdict, trace: t };
                    out.push(flow_finding(&DOC, resource, what, &f, &w.at));
                }
                None => out.push(Finding::new(
                    &DOC,
                    resource,
                    format!("workspace {} has public network access Disabled and no client location exists (no client, VPN, ExpressRoute or jump box)", w.name),
                    DOC.fix,
                    &w.at,
                )),
            }
        }
    }
}
