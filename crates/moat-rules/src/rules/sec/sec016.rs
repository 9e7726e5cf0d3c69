//! SEC016 workspace-nothing-private.

use super::sec001::has_endpoint;
use super::{PUBLIC_ACCESS, needs, undecided};
use crate::change::{Change, Setting};
use crate::rules::util_core::endpoints_open;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_model::address::Kind;
use moat_model::enums::PublicNetworkAccess;

/// The rule.
pub struct Sec016;
/// Its registration.
pub static RULE: Sec016 = Sec016;

static DOC: RuleDoc = RuleDoc {
    code: "SEC016",
    name: "workspace-nothing-private",
    severity: Severity::Info,
    what: "A workspace open to public access has neither a private endpoint nor a managed network: nothing about it is private, inbound or outbound. A hub-based project takes its hub's network and is judged by its hub's finding; one whose hub the input does not declare is undecided.",
    why: "Without a private endpoint clients reach it over the internet; without a managed network its managed computes and endpoints reach its storage, key vault and container registry over public endpoints. A managed network gives it private endpoints to those (Azure adds them as required outbound rules) and control of egress.",
    example: "workspaces: [{ name: ws }]",
    fix: "Enable a managed network (isolation_mode AllowOnlyApprovedOutbound or AllowInternetOutbound), add private endpoint outbound rules for other data stores, and add a private endpoint for the workspace in the clients' VNet.",
    fix_form: FixForm::Code,
    sources: &[
        "Workspace managed virtual network isolation: required outbound rules <https://learn.microsoft.com/azure/machine-learning/how-to-managed-network>",
        "peers: checkov CKV_AZURE_243, CKV_AZURE_239 in earlier releases (which asks for a private endpoint outbound rule written in the template; moat counts the private endpoints Azure adds for the workspace's own resources, and the workspace's own private endpoint)",
    ],
    covers: &[],
    path: false,
};

impl Rule for Sec016 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for w in
            cx.t.workspaces
                .iter()
                // Public access Disabled without a private endpoint is not open either: WS004.
                .filter(|w| {
                    w.public_network_access != PublicNetworkAccess::Disabled
                        && !w.managed_network.enabled()
                        && !has_endpoint(cx, w)
                })
        {
            // A project takes its hub's network: "Project workspaces that are created using a
            // hub inherit the same security settings" (Manage, collaborate, and organize with
            // hubs), and "a managed virtual network is created for the hub" (Configure a
            // managed network for hubs). A hub in the input is judged itself, and its finding
            // covers its projects; a project cannot be given a network of its own.
            if w.hub.is_some() && moat_net::names::hub_outside(cx.t, &cx.e.ix, &w.name).is_none() {
                continue;
            }
            let r = format!("workspace/{}", w.name);
            // A hub the input does not declare has settings the input does not give: the
            // finding on its project is undecided, and its fix is the hub's.
            let outside = moat_net::names::hub_outside(cx.t, &cx.e.ix, &w.name);
            let fix = match outside {
                Some(hub) => format!(
                    "Enable a managed network on hub {hub} (its projects take it) and add a private endpoint for the hub in the clients' VNet: a project has no network of its own."
                ),
                None => DOC.fix.to_string(),
            };
            let mut f = Finding::new(
                &DOC,
                &r,
                format!(
                    "workspace {} has no private endpoint and no managed network{}",
                    w.name,
                    undecided(cx, &r, PUBLIC_ACCESS)
                ),
                fix,
                &w.at,
            )
            .needing(
                outside
                    .map(|hub| moat_model::external::properties_need(&format!("workspace/{hub}"))),
            )
            // Behind a network security perimeter, inbound is as private as its rules make it;
            // a private endpoint the input leaves open may be there.
            .needing(needs(cx, &r, PUBLIC_ACCESS))
            .needing(endpoints_open(cx.t, Kind::Workspace, &w.name))
            .needing(
                w.hub
                    .as_deref()
                    .and_then(|h| endpoints_open(cx.t, Kind::Workspace, h)),
            );
            // The managed network that changes least (internet outbound stays allowed), where
            // no compute of the workspace sits in a subnet of the user's VNet: those would
            // have to move.
            let in_vnet =
                cx.t.computes
                    .iter()
                    .any(|c| c.workspace == w.name && c.subnet.is_some());
            if !in_vnet && outside.is_none() {
                f = f.with_change(Change::set(&r, Setting::ManagedNetworkInternetOutbound));
            }
            out.push(f);
        }
    }
}
