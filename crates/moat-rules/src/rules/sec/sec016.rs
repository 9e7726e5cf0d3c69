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
    what: "A workspace open to public access has neither a private endpoint nor a managed network: nothing about it is private, inbound or outbound.",
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
            // A project workspace takes its hub's managed network.
            let hub_managed = w.hub.as_deref().is_some_and(|h| {
                cx.t.workspaces
                    .iter()
                    .any(|x| x.name == h && x.managed_network.enabled())
            });
            if hub_managed {
                continue;
            }
            let r = format!("workspace/{}", w.name);
            let mut f = Finding::new(
                &DOC,
                &r,
                format!(
                    "workspace {} has no private endpoint and no managed network{}",
                    w.name,
                    undecided(cx, &r, PUBLIC_ACCESS)
                ),
                DOC.fix,
                &w.at,
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
            if !in_vnet {
                f = f.with_change(Change::set(&r, Setting::ManagedNetworkInternetOutbound));
            }
            out.push(f);
        }
    }
}
