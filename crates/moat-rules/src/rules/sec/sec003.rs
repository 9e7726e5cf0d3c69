//! SEC003 workspace-public-ip-allow-list.

use super::sec001::allow_listed;
use super::{needs, undecided};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use moat_model::enums::PublicNetworkAccess;

/// The rule.
pub struct Sec003;
/// Its registration.
pub static RULE: Sec003 = Sec003;

static DOC: RuleDoc = RuleDoc {
    code: "SEC003",
    name: "workspace-public-ip-allow-list",
    severity: Severity::Info,
    what: "A workspace's public endpoint is enabled from selected IP addresses (public network access Enabled with an IP allow list).",
    why: "The workspace is public, but only to the listed addresses: a narrower exposure than one open to every network, and one the peers' checks do not tell apart. The allow list is the boundary, so it must hold only the egress addresses of the people and services that use the workspace (WS003 traces clients against it).",
    example: "workspaces: [{ name: ws, network_acls: { default_action: Deny, ip_rules: [203.0.113.0/24] } }]",
    fix: "Keep the allow list to the clients' egress addresses, or set public network access to Disabled and use a private endpoint.",
    fix_form: FixForm::Prose(prose::NOTHING),
    sources: &[
        "Manage workspace IP network rules <https://learn.microsoft.com/azure/machine-learning/how-to-configure-private-link#enable-public-access-only-from-internet-ip-ranges>",
        "peers: checkov CKV_AZURE_144, CKV2_AZURE_49; PSRule Azure.ML.PublicAccess (all fail it as public)",
    ],
    covers: &[],
    path: false,
};

impl Rule for Sec003 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for w in
            cx.t.workspaces.iter().filter(|w| {
                w.public_network_access != PublicNetworkAccess::Disabled && allow_listed(w)
            })
        {
            let r = format!("workspace/{}", w.name);
            let n = w.network_acls.as_ref().map_or(0, |a| a.ip_rules.len());
            out.push(
                Finding::new(
                    &DOC,
                    &r,
                    format!(
                        "workspace {} is public to the {n} address range(s) of its IP allow list{}",
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
