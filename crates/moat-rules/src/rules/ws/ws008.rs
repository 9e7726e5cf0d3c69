//! WS008 selected-ips-without-isolation.

use crate::rules::sec::{PUBLIC_ACCESS, needs};
use crate::rules::util_core::{reached_privately, resolved_privately};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use moat_engine::Verdict;
use moat_model::address::{Address, Kind};
use moat_model::enums::{ComputeType, DefaultAction, PublicNetworkAccess};
use moat_model::ml::Workspace;
use moat_packets::Protocol;

/// The rule.
pub struct Ws008;
/// Its registration.
pub static RULE: Ws008 = Ws008;

static DOC: RuleDoc = RuleDoc {
    code: "WS008",
    name: "selected-ips-without-isolation",
    severity: Severity::Error,
    what: "A workspace in 'Enabled from selected IP addresses' mode has online deployments without a managed network, or computes that do not reach it through a private endpoint (path).",
    why: "With selected IPs, managed online deployments fail unless the workspace has a managed network, and compute instances, clusters and serverless compute work only with end-to-end isolation: a private endpoint to the workspace from the compute's network, or the managed network. Compute instance provisioning can fail otherwise.",
    example: "workspaces: [{ name: ws, public_network_access: Enabled, network_acls: { default_action: Deny, ip_rules: [20.1.2.0/24] } }]\ncomputes: [{ name: ci, workspace: ws, type: ComputeInstance, subnet: vnet/training }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: training, address_prefixes: [10.0.1.0/24] }] }]",
    fix: "Enable the workspace managed network, or add a private endpoint to the workspace in the computes' VNet (with its privatelink DNS zones).",
    fix_form: FixForm::Prose(prose::DESIGN),
    sources: &[doc!(
        PL,
        "Enable public access only from internet IP ranges (limitations)"
    )],
    covers: &["§6.14", "§6.15"],
    path: true,
};

/// Public access limited to an IP allow list.
fn selected_ips(w: &Workspace) -> bool {
    w.public_network_access != PublicNetworkAccess::Disabled
        && w.network_acls
            .as_ref()
            .is_some_and(|a| a.default_action == DefaultAction::Deny)
}

impl Rule for Ws008 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for w in cx.t.workspaces.iter().filter(|w| selected_ips(w)) {
            if w.managed_network.enabled() {
                continue;
            }
            // SecuredByPerimeter: whether the allow list applies at all (Enforced mode obeys
            // only the perimeter's rules) is the perimeter's to say.
            let wr = format!("workspace/{}", w.name);
            for ep in
                cx.t.online_endpoints
                    .iter()
                    .filter(|e| e.workspace == w.name)
            {
                if ep.deployments.is_empty() {
                    continue;
                }
                out.push(Finding::new(
                    &DOC,
                    format!("online-endpoint/{}", ep.name),
                    format!(
                        "online endpoint {} has deployments in workspace {}, which allows selected IP addresses without a managed network: the deployments fail",
                        ep.name, w.name
                    ),
                    "Enable the workspace managed network (deployments then use it for outbound).",
                    &ep.at,
                ).needing(needs(cx, &wr, PUBLIC_ACCESS)));
            }
            let to = Address::Resource {
                kind: Kind::Workspace,
                name: w.name.clone(),
                sub: None,
            };
            for c in cx.e.ix.computes_of(cx.t, &w.name) {
                let from = Address::Resource {
                    kind: Kind::Compute,
                    name: c.name.clone(),
                    sub: None,
                };
                let Some(t) = cx.trace(from, to.clone(), Protocol::TCP, 443) else {
                    continue;
                };
                if t.verdict == Verdict::Allowed && reached_privately(&t) {
                    continue;
                }
                let kind = match c.compute_type {
                    ComputeType::ComputeInstance => "compute instance",
                    ComputeType::AmlCompute => "compute cluster",
                };
                // A name that resolves to the public endpoint is decided: the flow does not go
                // through a private endpoint, whatever the allow list would say.
                let (message, severity) = match t.verdict {
                    Verdict::Unknown if resolved_privately(&t) => (
                        format!(
                            "cannot confirm that {kind} {} reaches workspace {} (selected IP addresses) through a private endpoint: {}",
                            c.name,
                            w.name,
                            t.missing.first().cloned().unwrap_or_default()
                        ),
                        Severity::Warning,
                    ),
                    _ => (
                        format!(
                            "{kind} {} does not reach workspace {} through a private endpoint; with selected IP addresses it needs end-to-end isolation (provisioning and jobs fail)",
                            c.name, w.name
                        ),
                        Severity::Error,
                    ),
                };
                let mut f =
                    Finding::new(&DOC, format!("compute/{}", c.name), message, DOC.fix, &c.at)
                        .with_trace(t)
                        .needing(needs(cx, &wr, PUBLIC_ACCESS));
                f.severity = severity;
                out.push(f);
            }
        }
    }
}
