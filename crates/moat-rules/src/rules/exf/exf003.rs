//! EXF003 internet-outbound-open.

use crate::rules::util_infra::{Origin, compute_groups, open_finding, trace};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use moat_model::address::Address;
use moat_packets::Protocol;

/// The rule.
pub struct Exf003;
/// Its registration.
pub static RULE: Exf003 = Exf003;

/// A third-party host no rule of a deployment should name: reaching it means arbitrary
/// internet destinations are reachable.
const ANY_HOST: &str = "example.com";

static DOC: RuleDoc = RuleDoc {
    code: "EXF003",
    name: "internet-outbound-open",
    severity: Severity::Warning,
    what: "Computes in a VNet or managed network can reach arbitrary internet hosts on TCP 443: a public IP, a NAT gateway or default outbound access without a filtering firewall, an NSG or firewall rule open to the internet, or a managed network allowing internet outbound. Where the deployment declares exfiltration protection (a managed network in AllowOnlyApprovedOutbound mode, a service endpoint policy on the subnet, or exfiltration_protection: true), the built-in invariants prove this over every packet instead (INV001).",
    why: "Open internet egress lets a job send data anywhere. The exfiltration-prevention designs route compute traffic through a firewall that allows only named FQDNs and service tags, or use a managed network in allow-only-approved-outbound mode.",
    example: "workspaces: [{ name: ws }]\ncomputes: [{ name: cpu, workspace: ws, type: AmlCompute, subnet: vnet/training, enable_node_public_ip: false }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: training, address_prefixes: [10.0.1.0/24], nat_gateway: nat }] }]\nnat_gateways: [{ name: nat }]",
    fix: "Route the subnet through a firewall that allows only the required service tags and FQDNs, or use a managed network in AllowOnlyApprovedOutbound mode.",
    fix_form: FixForm::Prose(prose::DESIGN),
    sources: &[doc!(
        PLAN,
        "Data exfiltration prevention, Allow only approved outbound mode"
    )],
    covers: &[],
    path: true,
};

impl Rule for Exf003 {
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
                Address::Fqdn(ANY_HOST.into()),
                Protocol::TCP,
                443,
            ) else {
                continue;
            };
            let what = format!(
                "outbound from {} ({}) to an arbitrary internet host ({ANY_HOST}, TCP 443)",
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
