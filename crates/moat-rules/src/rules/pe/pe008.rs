//! PE008 endpoint-subnet-network-policies.

use crate::change::{Change, Setting};
use crate::rules::util_items::{external_subnet, subnet, undecided};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_model::address::{Address, Kind};
use moat_model::enums::PrivateEndpointNetworkPolicies;

/// The rule.
pub struct Pe008;
/// Its registration.
pub static RULE: Pe008 = Pe008;

static DOC: RuleDoc = RuleDoc {
    code: "PE008",
    name: "endpoint-subnet-network-policies",
    severity: Severity::Warning,
    what: "A workspace private endpoint is in a subnet whose private endpoint network policies are not Disabled.",
    why: "The workspace private link documentation asks to disable private endpoint network policies on the endpoint's subnet before adding the endpoint. With them enabled, the subnet's NSG rules and user-defined routes apply to the endpoint's traffic: a deny rule or a route to an appliance then stands between clients and the workspace.",
    example: "workspaces: [{ name: ws }]\nprivate_endpoints: [{ name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: pe, address_prefixes: [10.0.3.0/24], private_endpoint_network_policies: Enabled }] }]",
    fix: "Set the subnet's private endpoint network policies to Disabled, or make sure its NSG rules and routes admit the clients of the workspace.",
    fix_form: FixForm::Code,
    sources: &[doc!(PL, "Prerequisites"), doc!(PENP)],
    covers: &["§6.1"],
    path: false,
};

impl Rule for Pe008 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for p in &cx.t.private_endpoints {
            if !matches!(
                &p.target,
                Address::Resource {
                    kind: Kind::Workspace,
                    ..
                }
            ) {
                continue;
            }
            let Some(s) = subnet(cx, &p.subnet) else {
                continue;
            };
            // A subnet the input does not declare: its network policies are unknown.
            if let Some(u) = external_subnet(cx, &p.subnet) {
                let what = format!(
                    "subnet {} of private endpoint {} has private endpoint network policies Disabled",
                    p.subnet, p.name
                );
                out.push(undecided(
                    &DOC,
                    format!("subnet/{}", p.subnet),
                    &what,
                    u,
                    &p.at,
                ));
                continue;
            }
            if s.private_endpoint_network_policies == PrivateEndpointNetworkPolicies::Disabled {
                continue;
            }
            let r = format!("subnet/{}", p.subnet);
            out.push(Finding::new(
                &DOC,
                &r,
                format!(
                    "private endpoint {} to {} is in subnet {}, whose private endpoint network policies are {}",
                    p.name,
                    p.target,
                    p.subnet,
                    s.private_endpoint_network_policies
                ),
                DOC.fix,
                &s.at,
            )
            .with_change(Change::set(&r, Setting::PrivateEndpointPoliciesDisabled)));
        }
    }
}
