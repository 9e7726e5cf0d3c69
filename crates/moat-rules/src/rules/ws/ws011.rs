//! WS011 batch-endpoint-selected-ips.

use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use moat_model::Provenance;
use moat_model::enums::{DefaultAction, PublicNetworkAccess};
use moat_model::ml::Workspace;

/// The rule.
pub struct Ws011;
/// Its registration.
pub static RULE: Ws011 = Ws011;

static DOC: RuleDoc = RuleDoc {
    code: "WS011",
    name: "batch-endpoint-selected-ips",
    severity: Severity::Error,
    what: "A workspace with batch endpoints is in \"Enabled from selected IP addresses\" mode.",
    why: "The selected IPs configuration is not supported for batch endpoints: they have no public network access flag of their own and follow the workspace's private link setting, so an IP allow list on the workspace does not give the listed addresses access to them.",
    example: "workspaces: [{ name: ws, public_network_access: Enabled, network_acls: { default_action: Deny, ip_rules: [203.0.113.0/24] } }]\nunmodelled: [{ resource_type: Microsoft.MachineLearningServices/workspaces/batchEndpoints, name: ws/scoring }]",
    fix: "Invoke batch endpoints through the workspace's private endpoint (a VNet, VPN or ExpressRoute), and keep the IP allow list for the workspace's other clients.",
    fix_form: FixForm::Prose(prose::OPERATION),
    sources: &[doc!(
        PL,
        "Scenario: Batch endpoints with access from selected IP addresses"
    )],
    covers: &["§6.16"],
    path: false,
};

/// The batch endpoints of the deployment (moat keeps them as resources it does not model),
/// with their workspace: `<workspace>/<endpoint>` as ARM and exports name them, or the only
/// workspace of the deployment.
pub(crate) fn batch_endpoints<'t>(
    cx: &Context<'_, 't>,
) -> Vec<(&'t Workspace, &'t str, &'t Provenance)> {
    let t = cx.t;
    t.unmodelled
        .iter()
        .filter(|u| {
            u.resource_type
                .eq_ignore_ascii_case("Microsoft.MachineLearningServices/workspaces/batchEndpoints")
        })
        .filter_map(|u| {
            let (ws, name) = match u.name.split_once('/') {
                Some((w, n)) => (cx.e.ix.workspaces.get(w).map(|&i| &t.workspaces[i])?, n),
                None if t.workspaces.len() == 1 => (&t.workspaces[0], u.name.as_str()),
                None => return None,
            };
            Some((ws, name, &u.at))
        })
        .collect()
}

impl Rule for Ws011 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for (w, name, at) in batch_endpoints(cx) {
            let selected = w.public_network_access != PublicNetworkAccess::Disabled
                && w.network_acls
                    .as_ref()
                    .is_some_and(|a| a.default_action == DefaultAction::Deny);
            if !selected {
                continue;
            }
            let resource = format!("workspace/{}", w.name);
            out.push(
                Finding::new(
                    &DOC,
                    resource.clone(),
                    format!(
                        "workspace {} admits selected IP addresses, a configuration batch endpoint {name} does not support",
                        w.name
                    ),
                    DOC.fix,
                    at,
                )
                .needing(crate::rules::sec::needs(cx, &resource, "public_network_access")),
            );
        }
    }
}
