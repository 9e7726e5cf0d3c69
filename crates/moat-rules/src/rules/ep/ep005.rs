//! EP005 legacy-egress-needs-public-workspace.

use crate::change::Change;
use crate::rules::util_core::{online_endpoint_at, trace_finding};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_engine::Verdict;
use moat_model::address::{Address, Kind};
use moat_model::enums::PublicNetworkAccess;
use moat_packets::Protocol;

/// The rule.
pub struct Ep005;
/// Its registration.
pub static RULE: Ep005 = Ep005;

static DOC: RuleDoc = RuleDoc {
    code: "EP005",
    name: "legacy-egress-needs-public-workspace",
    severity: Severity::Error,
    what: "A managed online deployment with egress_public_network_access enabled (legacy isolation) cannot reach its workspace, whose public access is off (path).",
    why: "With the legacy per-deployment network, a deployment whose public egress is enabled reaches only public resources, and it calls the workspace API to start: the workspace must allow public network access, or the deployment fails.",
    example: "workspaces: [{ name: ws, public_network_access: Disabled }]\nonline_endpoints: [{ name: ep, workspace: ws, deployments: [{ name: blue, egress_public_network_access: Enabled }] }]",
    fix: "Set the deployment's egress_public_network_access to disabled (it then reaches the workspace through private endpoints), or move the workspace to a managed network.",
    fix_form: FixForm::Code,
    sources: &[doc!(
        COE,
        "Secure outbound access with legacy network isolation method"
    )],
    covers: &["§6.84"],
    path: true,
};

impl Rule for Ep005 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for ep in &cx.t.online_endpoints {
            let Some(&wi) = cx.e.ix.workspaces.get(&ep.workspace) else {
                continue;
            };
            if cx.t.workspaces[wi].managed_network.enabled() {
                continue;
            }
            let Some(d) = ep
                .deployments
                .iter()
                .find(|d| d.egress_public_network_access != PublicNetworkAccess::Disabled)
            else {
                continue;
            };
            let from = Address::Resource {
                kind: Kind::OnlineEndpoint,
                name: ep.name.clone(),
                sub: None,
            };
            let to = Address::Resource {
                kind: Kind::Workspace,
                name: ep.workspace.clone(),
                sub: None,
            };
            let Some(t) = cx.trace(from, to, Protocol::TCP, 443) else {
                continue;
            };
            if t.verdict == Verdict::Allowed {
                continue;
            }
            let what = format!(
                "deployment {} of online endpoint {} (public egress) → workspace {}",
                d.name, ep.name, ep.workspace
            );
            // Every deployment with public egress: the endpoint's are isolated together.
            let mut f = trace_finding(
                &DOC,
                format!("online-endpoint/{}", ep.name),
                what,
                t,
                &online_endpoint_at(cx, &ep.name),
            );
            for d in ep
                .deployments
                .iter()
                .filter(|d| d.egress_public_network_access != PublicNetworkAccess::Disabled)
            {
                f = f.with_change(Change::egress_disabled(&ep.name, &d.name));
            }
            out.push(f);
        }
    }
}
