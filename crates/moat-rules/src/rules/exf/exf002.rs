//! EXF002 frontdoor-outbound-open.

use crate::rules::util_infra::{Origin, compute_groups, open_finding, trace};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use moat_model::address::Address;
use moat_packets::Protocol;

/// The rule.
pub struct Exf002;
/// Its registration.
pub static RULE: Exf002 = Exf002;

static DOC: RuleDoc = RuleDoc {
    code: "EXF002",
    name: "frontdoor-outbound-open",
    severity: Severity::Warning,
    what: "Computes in a VNet or managed network can reach the whole AzureFrontDoor.Frontend service tag on TCP 443. Where the deployment declares exfiltration protection (a managed network in AllowOnlyApprovedOutbound mode, a service endpoint policy on the subnet, or exfiltration_protection: true), the built-in invariants prove this over every packet instead (INV001).",
    why: "AzureFrontDoor.Frontend is read/write outbound: any site behind Azure Front Door accepts uploads, so the tag is a way out for data. Azure ML only needs ml.azure.com and its AutoML content host behind it, which a firewall can allow by name instead.",
    example: "workspaces: [{ name: ws }]\ncomputes: [{ name: cpu, workspace: ws, type: AmlCompute, subnet: vnet/training, enable_node_public_ip: false }]\nnetwork_security_groups: [{ name: training-nsg, rules: [{ name: frontdoor, priority: 100, direction: Outbound, access: Allow, destination: AzureFrontDoor.Frontend, destination_ports: 443 }] }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: training, address_prefixes: [10.0.1.0/24], network_security_group: training-nsg }] }]",
    fix: "Replace the AzureFrontDoor.Frontend tag by firewall application rules for ml.azure.com and automlresources-prod-d0eaehh7g8andvav.b02.azurefd.net.",
    fix_form: FixForm::Prose(prose::DESIGN),
    sources: &[doc!(
        PLAN,
        "Data exfiltration protection (frontdoor.frontend is read/write outbound)"
    )],
    covers: &["§7.frontdoor-read-write"],
    path: true,
};

impl Rule for Exf002 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let mut reported = std::collections::HashSet::new();
        for g in compute_groups(cx, |_| true) {
            if g.origin == Origin::NoVnet
                || reported.contains(&g.resource)
                || super::proven_by_invariants(cx, &g)
            {
                continue;
            }
            let Some(tr) = trace(
                cx,
                &g.probe(),
                Address::Tag("AzureFrontDoor.Frontend".into()),
                Protocol::TCP,
                443,
            ) else {
                continue;
            };
            let what = format!(
                "outbound from {} ({}) to the AzureFrontDoor.Frontend service tag (TCP 443)",
                g.place(),
                g.names()
            );
            if let Some(mut f) = open_finding(&DOC, g.resource.clone(), &what, tr, &g.at) {
                f.fix = super::fix_for(&g, DOC.fix);
                reported.insert(g.resource.clone());
                out.push(f);
            }
        }
    }
}
