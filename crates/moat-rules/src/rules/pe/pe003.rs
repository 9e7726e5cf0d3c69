//! PE003 computes-outside-endpoint-vnet.

use crate::rules::util::{compute_at, destination, flow_finding, name_of};
use crate::rules::util_core::{aks_at, endpoints_of, trace_finding};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use moat_engine::OpId;
use moat_engine::Verdict;
use moat_model::address::{Address, Kind};
use moat_packets::Protocol;

/// The rule.
pub struct Pe003;
/// Its registration.
pub static RULE: Pe003 = Pe003;

static DOC: RuleDoc = RuleDoc {
    code: "PE003",
    name: "computes-outside-endpoint-vnet",
    severity: Severity::Error,
    what: "A workspace has a private endpoint, and one of its compute targets (compute instance, compute cluster, attached AKS) has no path to the workspace API from where it sits.",
    why: "Once a workspace is behind a private endpoint, its computes talk to it through an endpoint they can reach. Compute targets created before the endpoint, or placed in a VNet that neither holds a workspace endpoint nor reaches one, stop working.",
    example: "workspaces: [{ name: ws, public_network_access: Disabled }]\ncomputes: [{ name: cpu-cluster, workspace: ws, type: AmlCompute, subnet: other-vnet/training }]\nprivate_endpoints: [{ name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace }]\nvirtual_networks:\n  - { name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: pe, address_prefixes: [10.0.3.0/24] }] }\n  - { name: other-vnet, address_space: [10.1.0.0/16], subnets: [{ name: training, address_prefixes: [10.1.1.0/24] }] }",
    fix: "Move the compute into a VNet that reaches the workspace's private endpoint (or peer its VNet and link the privatelink zones), or add a workspace private endpoint in the compute's VNet.",
    fix_form: FixForm::Prose(prose::DESIGN),
    sources: &[doc!(PL, "Add a private endpoint to a workspace (warning)")],
    covers: &["§6.9"],
    path: true,
};

impl Rule for Pe003 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for r in cx.op(OpId::JobRun) {
            let Some(ws) = r.subject.name_of(moat_model::address::Kind::Workspace) else {
                continue;
            };
            if !has_endpoint(cx, ws) {
                continue;
            }
            let target = Address::resource(Kind::Workspace, ws);
            for f in r.flows.iter().filter(|f| f.verdict != Verdict::Allowed) {
                if destination(f).as_ref() != Some(&target) {
                    continue;
                }
                let compute = name_of(&f.trace.from).to_string();
                let what = format!(
                    "the path from compute {compute} to workspace {ws} (which has a private endpoint)"
                );
                out.push(flow_finding(
                    &DOC,
                    format!("compute/{compute}"),
                    what,
                    f,
                    &compute_at(cx, &compute),
                ));
            }
        }
        for a in &cx.t.aks_clusters {
            if !has_endpoint(cx, &a.workspace) || a.subnet.is_none() {
                continue;
            }
            let Some(t) = cx.trace(
                Address::resource(Kind::Aks, &a.name),
                Address::resource(Kind::Workspace, &a.workspace),
                Protocol::TCP,
                443,
            ) else {
                continue;
            };
            if t.verdict == Verdict::Allowed {
                continue;
            }
            let what = format!(
                "the path from AKS cluster {} to workspace {} (which has a private endpoint)",
                a.name, a.workspace
            );
            out.push(trace_finding(
                &DOC,
                format!("aks/{}", a.name),
                what,
                t,
                &aks_at(cx, &a.name),
            ));
        }
    }
}

/// Whether the workspace (or the hub it belongs to) has a customer private endpoint.
fn has_endpoint(cx: &Context, ws: &str) -> bool {
    let hub =
        cx.e.ix
            .workspaces
            .get(ws)
            .and_then(|&i| cx.t.workspaces[i].hub.clone());
    !endpoints_of(cx.e, Kind::Workspace, ws).is_empty()
        || hub.is_some_and(|h| !endpoints_of(cx.e, Kind::Workspace, &h).is_empty())
}
