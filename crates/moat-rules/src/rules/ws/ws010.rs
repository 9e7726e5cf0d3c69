//! WS010 studio-front-end-blocked.

use crate::change::Change;
use crate::rules::util::{destination, failing_flows, flow_finding, name_of};
use crate::rules::util_fix::{Allow, allow_in_nsg};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_engine::OpId;
use moat_model::address::Address;

/// The rule.
pub struct Ws010;
/// Its registration.
pub static RULE: Ws010 = Ws010;

static DOC: RuleDoc = RuleDoc {
    code: "WS010",
    name: "studio-front-end-blocked",
    severity: Severity::Error,
    what: "A client that opens studio cannot reach the studio front end, ml.azure.com (the AzureFrontDoor.Frontend service tag) (path).",
    why: "Studio is a web application served through Azure Front Door: a browser inside a VNet loads it from ml.azure.com before it talks to the workspace's private endpoint. The documentation asks for outbound to the AzureFrontDoor.Frontend service tag (or the studio host names) from VNets whose clients use studio; without it studio does not load at all.",
    example: "workspaces: [{ name: ws }]\nclients: [{ name: analyst, location: vm/jumpbox, operations: [studio.open] }]\nvirtual_machines: [{ name: jumpbox, network_interfaces: [jumpbox-nic] }]\nnetwork_interfaces: [{ name: jumpbox-nic, subnet: vnet/jumpbox }]\nnetwork_security_groups: [{ name: nsg, rules: [{ name: deny-internet, priority: 4000, direction: Outbound, access: Deny, destination: Internet }] }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: jumpbox, address_prefixes: [10.0.1.0/24], network_security_group: nsg }] }]",
    fix: "Allow outbound TCP 443 to AzureFrontDoor.Frontend (or the FQDN ml.azure.com) on the NSG and firewall in front of the clients.",
    fix_form: FixForm::Code,
    sources: &[
        doc!(STU, "Required outbound (AzureFrontDoor.Frontend)"),
        doc!(FW, "Azure Machine Learning studio hosts"),
    ],
    covers: &["§6.31"],
    path: true,
};

impl Rule for Ws010 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let studio = Address::Fqdn("ml.azure.com".into());
        let mut seen = Vec::new();
        for (_, f) in failing_flows(cx, OpId::StudioOpen) {
            if destination(f).as_ref() != Some(&studio) {
                continue;
            }
            // One finding per client, whatever the number of workspaces it opens.
            if seen.contains(&f.trace.from) {
                continue;
            }
            seen.push(f.trace.from.clone());
            let client = name_of(&f.trace.from).to_string();
            let at =
                cx.e.ix
                    .clients
                    .get(&client)
                    .map(|&i| cx.t.clients[i].at.clone())
                    .unwrap_or_default();
            let mut finding = flow_finding(
                &DOC,
                f.trace.from.to_string(),
                format!(
                    "client {client} → studio front end ml.azure.com (AzureFrontDoor.Frontend)"
                ),
                f,
                &at,
            );
            // The client's way out: an outbound rule to the front end's service tag.
            let allow = allow_in_nsg(
                cx,
                &[&f.trace],
                &Allow {
                    name: &["allow", "AzureFrontDoor.Frontend", "443"],
                    protocol: "Tcp",
                    source: "VirtualNetwork",
                    destination: "AzureFrontDoor.Frontend",
                    ports: "443",
                },
            );
            if let Some(c) = allow.filter(
                |c| matches!(c, Change::AllowInNsg { direction, .. } if *direction == "Outbound"),
            ) {
                finding = finding.with_change(c);
            }
            out.push(finding);
        }
    }
}
