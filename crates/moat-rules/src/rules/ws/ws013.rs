//! WS013 serverless-no-public-ip-allow-list.

use crate::rules::sec::{PUBLIC_ACCESS, needs};
use crate::rules::util_endpoint::{endpoint_in, group_of};
use crate::rules::util_infra::endpoint_vnets;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_model::address::{Address, Kind};
use moat_model::enums::{DefaultAction, PublicNetworkAccess};

/// The rule.
pub struct Ws013;
/// Its registration.
pub static RULE: Ws013 = Ws013;

static DOC: RuleDoc = RuleDoc {
    code: "WS013",
    name: "serverless-no-public-ip-allow-list",
    severity: Severity::Error,
    what: "A workspace restricts its public endpoint to an IP allow list, and its serverless compute runs without public IP in a subnet whose VNet holds no private endpoint to the workspace.",
    why: "Serverless compute without public IP leaves through the subnet's default outbound access, whose address is dynamic and cannot be put on the workspace's IP allow list: the nodes cannot reach the workspace. The documented remedy is an outbound private endpoint to the workspace in the serverless compute's VNet.",
    example: "workspaces: [{ name: ws, network_acls: { default_action: Deny, ip_rules: [203.0.113.0/24] }, serverless_compute: { subnet: vnet/training, no_public_ip: true } }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: training, address_prefixes: [10.0.1.0/24] }] }]",
    fix: "Create a private endpoint to the workspace (group amlworkspace) in the VNet of the serverless compute's subnet, with its DNS zones linked there.",
    fix_form: FixForm::Code,
    sources: &[doc!(
        TRV,
        "Serverless compute without public IP and a workspace IP allow list"
    )],
    covers: &["§6.17"],
    path: false,
};

impl Rule for Ws013 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let t = cx.t;
        for w in &t.workspaces {
            let Some(sc) = &w.serverless_compute else {
                continue;
            };
            let Some(subnet) = &sc.subnet else { continue };
            let r = format!("workspace/{}", w.name);
            let ip_unknown = cx.e.is_unknown(&r, "serverless_compute.no_public_ip");
            if !sc.no_public_ip {
                continue;
            }
            let allow_list = w.public_network_access != PublicNetworkAccess::Disabled
                && w.network_acls
                    .as_ref()
                    .is_some_and(|a| a.default_action == DefaultAction::Deny);
            if !allow_list {
                continue;
            }
            let vnet = subnet.split('/').next().unwrap_or_default();
            // A VNet known only through an unknown reference may hold one of the endpoints.
            let mut open = None;
            let mut home = false;
            for v in endpoint_vnets(cx, Kind::Workspace, &w.name) {
                match moat_model::external::same_vnet(t, &v, vnet) {
                    Ok(same) => home |= same,
                    Err(n) => open = open.or(Some(n)),
                }
            }
            if home {
                continue;
            }
            // The workspace's endpoint in the serverless compute's VNet, in its subnet unless
            // the workspace's other endpoints there say otherwise.
            let target = Address::resource(Kind::Workspace, &w.name);
            let change = group_of(&target, "")
                .and_then(|g| endpoint_in(cx, &target, g, vnet, Some(&w.name), Some(subnet)));
            out.push(
                Finding::new(
                    &DOC,
                    &r,
                    format!(
                        "serverless compute of workspace {} runs without public IP in {subnet}, whose VNet holds no private endpoint to the workspace: its dynamic outbound address cannot pass the workspace's IP allow list",
                        w.name
                    ),
                    DOC.fix,
                    &w.at,
                )
                .needing(ip_unknown.map(|u| {
                    format!(
                        "serverless_compute.no_public_ip of {r}: {} ({})",
                        u.reason, u.at
                    )
                }))
                .needing(open)
                // SecuredByPerimeter: the perimeter's rules, not (or not only) the allow list,
                // decide which addresses pass.
                .needing(needs(cx, &r, PUBLIC_ACCESS))
                .with_changes(change),
            );
        }
    }
}
