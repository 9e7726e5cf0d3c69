//! WS001 workspace-unreachable-by-clients.

use crate::rules::util::flow_finding;
use crate::rules::util_core::vnet_part;
use crate::rules::util_infra::source_vnet;
use crate::rules::util_items::undecided;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use moat_engine::Verdict;
use moat_model::address::{Address, Kind};
use moat_model::enums::PublicNetworkAccess;
use moat_packets::Protocol;
use std::collections::{HashMap, HashSet};

/// The rule.
pub struct Ws001;
/// Its registration.
pub static RULE: Ws001 = Ws001;

static DOC: RuleDoc = RuleDoc {
    code: "WS001",
    name: "workspace-unreachable-by-clients",
    severity: Severity::Error,
    what: "A workspace with public network access Disabled has no client location with a path to its API through a private endpoint.",
    why: "With public access disabled, studio, the SDK and the CLI work only over a private endpoint. Clients must be in, or connected to, a VNet that reaches one: a VPN (point-to-site or site-to-site), ExpressRoute, or a Bastion jump box. An input that declares no client location at all does not say where users work from: the rule then cannot decide, and says (as information, which does not fail a run) what to declare.",
    example: "workspaces: [{ name: ws, public_network_access: Disabled }]\nclients: [{ name: alice, location: internet }]",
    fix: "Give the clients a private path: a VPN gateway, ExpressRoute, or a jump box in a VNet with a workspace private endpoint.",
    fix_form: FixForm::Prose(prose::DESIGN),
    sources: &[
        doc!(SWV, "Securely connect to your workspace"),
        doc!(PL),
        doc!(REG),
    ],
    covers: &[],
    path: true,
};

/// What a workspace's reachability needs when the input declares no client location.
const NO_CLIENT: &str =
    "where users work from: the input declares no client, jump box, VPN or ExpressRoute gateway";

/// How to have it checked then.
const NO_CLIENT_FIX: &str = "Declare where users work from (a `clients` entry in a file given with --with, a jump box, or the VPN or ExpressRoute gateway they come through) to have their path to the workspace checked.";

impl Rule for Ws001 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        // Declared clients, or else every place a person could work from: VMs (jump boxes) and
        // on-premises sites behind a VPN or ExpressRoute gateway. The same for every workspace.
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
        // The sources in each VNet, in declaration order.
        let mut sources_in: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, s) in sources.iter().enumerate() {
            if let Some(v) = source_vnet(cx, s) {
                sources_in.entry(v).or_default().push(i);
            }
        }
        // The VNets holding each workspace's private endpoints.
        let mut endpoint_vnets: HashMap<&str, Vec<&str>> = HashMap::new();
        for pe in &cx.t.private_endpoints {
            if let Address::Resource {
                kind: Kind::Workspace,
                name,
                ..
            } = &pe.target
            {
                endpoint_vnets
                    .entry(name.as_str())
                    .or_default()
                    .push(vnet_part(&pe.subnet));
            }
        }
        for w in cx.t.workspaces.iter().filter(|w| {
            // A project is reached through its hub's network: the hub's finding covers it.
            // SecuredByPerimeter: its public endpoint takes whom the perimeter's rules admit,
            // which the traces leave unknown; a client reaching it through a private endpoint
            // settles it.
            w.public_network_access != PublicNetworkAccess::Enabled
                && moat_net::names::network_workspace(cx.t, &cx.e.ix, &w.name)
                    .is_some_and(|n| n.name == w.name)
        }) {
            let to = Address::resource(Kind::Workspace, &w.name);
            // Sources in or peered with a VNet of the workspace's endpoints are tried first:
            // with many jump boxes, each workspace is usually reached by the first try instead
            // of after a trace from every other network. The verdict does not depend on the
            // order; the finding names the first source in declaration order, as before.
            // They are found through the VNets, not by testing every source per workspace
            // (quadratic with a jump box per landing zone).
            let mut near: HashSet<&str> = HashSet::new();
            for &v in endpoint_vnets.get(w.name.as_str()).into_iter().flatten() {
                near.insert(v);
                for &j in cx.e.ix.peers.get(v).into_iter().flatten() {
                    near.insert(cx.t.virtual_networks[j].name.as_str());
                }
            }
            let mut first: Vec<usize> = near
                .iter()
                .flat_map(|v| sources_in.get(*v).into_iter().flatten().copied())
                .collect();
            first.sort_unstable();
            // Traces that did not reach it, with the source's place in declaration order.
            let mut traced: Vec<(usize, _)> = Vec::new();
            let mut reached = false;
            let try_source = |i: usize, traced: &mut Vec<(usize, _)>| {
                let Some(t) = cx.trace(sources[i].clone(), to.clone(), Protocol::TCP, 443) else {
                    return false;
                };
                if t.verdict == Verdict::Allowed {
                    return true;
                }
                traced.push((i, t));
                false
            };
            for &i in &first {
                if try_source(i, &mut traced) {
                    reached = true;
                    break;
                }
            }
            if !reached && !sources.is_empty() {
                let mut tried = vec![false; sources.len()];
                for &i in &first {
                    tried[i] = true;
                }
                for i in (0..sources.len()).filter(|&i| !tried[i]) {
                    if try_source(i, &mut traced) {
                        reached = true;
                        break;
                    }
                }
            }
            if reached {
                continue;
            }
            let resource = to.to_string();
            let private = if w.public_network_access == PublicNetworkAccess::Disabled {
                format!("private workspace {}", w.name)
            } else {
                format!("workspace {} (SecuredByPerimeter)", w.name)
            };
            // An endpoint in an external subnet: whatever reaches that subnet (its peerings,
            // gateways, jump boxes) is unknown, so no verdict here can say nobody has a path.
            if let Some(u) = external_endpoint(cx, &w.name) {
                let what = format!("a client has a path to {private}");
                out.push(undecided(&DOC, resource, &what, u, &w.at));
                continue;
            }
            // The first source in declaration order names the finding.
            match traced.into_iter().min_by_key(|(i, _)| *i).map(|(_, t)| t) {
                Some(t) => {
                    let what = format!("the path from {} to {private} (no client has one)", t.from);
                    let f = moat_engine::ops::FlowResult { purpose: String::new(), verdict: t.verdict, trace: t.into() };
                    out.push(flow_finding(&DOC, resource, what, &f, &w.at));
                }
                // Nothing to trace from: the input declares no place users work from. That is
                // a gap in what moat was told, not a broken deployment (a template of the
                // workspace alone rarely describes the networks its users come from), so the
                // requirement stays open and does not fail a run: information, undecided, that
                // says what to declare.
                None if sources.is_empty() => {
                    let mut f = Finding::new(
                        &DOC,
                        resource,
                        format!("cannot confirm that a client has a path to {private}: the input declares no client location (no client, jump box, VPN or ExpressRoute gateway)"),
                        NO_CLIENT_FIX,
                        &w.at,
                    )
                    .needing(Some(NO_CLIENT.to_string()));
                    f.severity = Severity::Info;
                    out.push(f);
                }
                None => out.push(
                    Finding::new(
                        &DOC,
                        &resource,
                        format!("workspace {} has public network access {} and no client location exists (no client, VPN, ExpressRoute or jump box)", w.name, w.public_network_access),
                        DOC.fix,
                        &w.at,
                    )
                    .needing(crate::rules::sec::perimeter_needs(cx, &resource)),
                ),
            }
        }
    }
}

/// The unknown behind a private endpoint of the workspace that sits in an external subnet.
fn external_endpoint<'t>(cx: &Context<'_, 't>, workspace: &str) -> Option<&'t moat_model::Unknown> {
    cx.e.ix
        .endpoints_of(cx.t, Kind::Workspace, workspace)
        .filter(|p| moat_model::external::is_external_subnet(cx.t, &cx.e.ix, &p.subnet))
        .find_map(|p| {
            let (v, _) = p.subnet.split_once('/')?;
            cx.e.is_unknown(&format!("subnet/{}", p.subnet), "*")
                .or_else(|| cx.e.is_unknown(&format!("vnet/{v}"), "*"))
        })
}
