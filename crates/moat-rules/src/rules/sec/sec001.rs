//! SEC001 workspace-open-to-all-networks.

use super::{needs, undecided};
use crate::rules::util_core::{endpoints_of, endpoints_open};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use moat_model::address::Kind;
use moat_model::enums::{DefaultAction, PublicNetworkAccess};
use moat_model::ml::Workspace;

/// The rule.
pub struct Sec001;
/// Its registration.
pub static RULE: Sec001 = Sec001;

static DOC: RuleDoc = RuleDoc {
    code: "SEC001",
    name: "workspace-open-to-all-networks",
    severity: Severity::Warning,
    what: "A workspace accepts connections from every network on its public endpoint (public network access Enabled, Azure's default, without an IP allow list) and has no private endpoint. Where the input leaves its private endpoints open, the finding stands on the open public endpoint alone and says so: one beside a private endpoint is SEC002's, the same warning.",
    why: "Such a workspace is reachable only over the internet: its API, studio and the credentials they hand out are exposed to any network, and none of the isolation around its storage, key vault and computes protects the way in.",
    example: "workspaces: [{ name: ws }]",
    fix: "Add a private endpoint in the clients' VNet and set public network access to Disabled, or, if it must stay public, limit it to the clients' addresses with an IP allow list.",
    fix_form: FixForm::Prose(prose::DESIGN),
    sources: &[
        "Configure a private endpoint for an Azure Machine Learning workspace <https://learn.microsoft.com/azure/machine-learning/how-to-configure-private-link>",
        "peers: checkov CKV_AZURE_144, CKV2_AZURE_49; PSRule Azure.ML.PublicAccess (CKV2_AZURE_49 passes a workspace that leaves public network access unset; Azure applies Enabled, and moat reports it)",
    ],
    covers: &[],
    path: false,
};

/// Whether the workspace (or the hub it is reached through) has a private endpoint.
pub(crate) fn has_endpoint(cx: &Context, w: &Workspace) -> bool {
    !endpoints_of(cx.e, Kind::Workspace, &w.name).is_empty()
        || w.hub
            .as_deref()
            .is_some_and(|h| !endpoints_of(cx.e, Kind::Workspace, h).is_empty())
}

/// Whether the workspace's public endpoint is limited to an IP allow list.
pub(crate) fn allow_listed(w: &Workspace) -> bool {
    w.network_acls
        .as_ref()
        .is_some_and(|a| a.default_action == DefaultAction::Deny)
}

impl Rule for Sec001 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for w in cx.t.workspaces.iter().filter(|w| {
            // A project is reached through its hub's network (facts §6 item 99): the hub's
            // public access decides, and the hub's finding covers it.
            moat_net::names::network_workspace(cx.t, &cx.e.ix, &w.name)
                .is_none_or(|n| n.name == w.name)
                && w.public_network_access != PublicNetworkAccess::Disabled
                && !allow_listed(w)
                && !has_endpoint(cx, w)
        }) {
            let r = format!("workspace/{}", w.name);
            // Open to every network holds whatever private endpoints it has; which finding it
            // is (this one, or SEC002 beside a private endpoint) is what an open set of
            // endpoints leaves undecided, and the message says so instead of resting on it.
            let endpoints = match endpoints_open(cx.t, Kind::Workspace, &w.name) {
                Some(_) => ", with or without the private endpoints the input leaves open",
                None => " and has no private endpoint",
            };
            out.push(
                Finding::new(
                    &DOC,
                    &r,
                    format!(
                        "workspace {} accepts connections from every network{endpoints}{}",
                        w.name,
                        undecided(cx, &r, "public_network_access")
                    ),
                    DOC.fix,
                    &w.at,
                )
                .needing(needs(cx, &r, "public_network_access")),
            );
        }
    }
}
