//! SEC002 workspace-public-beside-private-endpoint.

use super::sec001::{allow_listed, has_endpoint};
use super::{needs, undecided};
use crate::change::{Change, Setting};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_model::enums::PublicNetworkAccess;

/// The rule.
pub struct Sec002;
/// Its registration.
pub static RULE: Sec002 = Sec002;

static DOC: RuleDoc = RuleDoc {
    code: "SEC002",
    name: "workspace-public-beside-private-endpoint",
    severity: Severity::Warning,
    what: "A workspace has a private endpoint, yet its public endpoint still accepts connections from every network (public network access Enabled without an IP allow list).",
    why: "A private endpoint adds a private way in; it does not close the public one. Unless public network access is Disabled (or limited to an IP allow list), the workspace answers the internet as well as the VNet, and the isolation the private endpoint was meant to give is not there.",
    example: "workspaces: [{ name: ws }]\nprivate_endpoints: [{ name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: pe, address_prefixes: [10.0.3.0/24] }] }]",
    fix: "Set the workspace's public network access to Disabled (clients then come through the private endpoint), or limit the public endpoint to known addresses with an IP allow list.",
    fix_form: FixForm::Code,
    sources: &[
        "Configure a private endpoint for an Azure Machine Learning workspace: Enable public access <https://learn.microsoft.com/azure/machine-learning/how-to-configure-private-link>",
        "peers: checkov CKV_AZURE_144, CKV2_AZURE_49; PSRule Azure.ML.PublicAccess",
    ],
    covers: &[],
    path: false,
};

impl Rule for Sec002 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for w in cx.t.workspaces.iter().filter(|w| {
            // A project's public endpoint is its hub's (the engine reads it so too): the hub
            // is reported, once.
            w.hub.is_none()
                && w.public_network_access != PublicNetworkAccess::Disabled
                && !allow_listed(w)
                && has_endpoint(cx, w)
        }) {
            let r = format!("workspace/{}", w.name);
            out.push(Finding::new(
                &DOC,
                &r,
                format!(
                    "workspace {} has a private endpoint but its public endpoint still accepts every network{}",
                    w.name,
                    undecided(cx, &r, "public_network_access")
                ),
                DOC.fix,
                &w.at,
            )
.with_change(Change::set(&r, Setting::PublicNetworkAccessDisabled)).needing(needs(cx, &r, "public_network_access")));
        }
    }
}
