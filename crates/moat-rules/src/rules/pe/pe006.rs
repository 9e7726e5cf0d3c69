//! PE006 endpoint-region-mismatch.

use crate::rules::util_core::vnet_part;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};

/// The rule.
pub struct Pe006;
/// Its registration.
pub static RULE: Pe006 = Pe006;

static DOC: RuleDoc = RuleDoc {
    code: "PE006",
    name: "endpoint-region-mismatch",
    severity: Severity::Error,
    what: "A private endpoint is declared in a region other than the region of its VNet.",
    why: "A private endpoint is a network interface in a subnet; it is created in the region of the virtual network that subnet belongs to (the portal asks for 'the same region as your virtual network'). A template that places it elsewhere fails to deploy.",
    example: "registries: [{ name: contosoreg }]\nvirtual_networks: [{ name: vnet, region: eastus, address_space: [10.0.0.0/16], subnets: [{ name: pe, address_prefixes: [10.0.3.0/24] }] }]\nprivate_endpoints: [{ name: reg-pe, region: westeurope, subnet: vnet/pe, target: registry/contosoreg, group_id: amlregistry }]",
    fix: "Recreate the private endpoint in the region of its VNet.",
    fix_form: FixForm::Code,
    sources: &[
        doc!(REG, "How to create a private endpoint, step 3"),
        doc!(PL, "Add a private endpoint to a workspace (portal)"),
    ],
    covers: &[],
    path: false,
};

impl Rule for Pe006 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for pe in &cx.t.private_endpoints {
            let vnet = vnet_part(&pe.subnet);
            let Some(v) =
                cx.e.ix
                    .virtual_networks
                    .get(vnet)
                    .map(|&i| &cx.t.virtual_networks[i])
            else {
                continue;
            };
            let (Some(pr), Some(vr)) = (&pe.region, &v.region) else {
                continue;
            };
            if pr.eq_ignore_ascii_case(vr) {
                continue;
            }
            out.push(
                Finding::new(
                    &DOC,
                    format!("private-endpoint/{}", pe.name),
                    format!(
                        "private endpoint {} is in region {pr}, but its VNet {vnet} is in {vr}",
                        pe.name
                    ),
                    format!("recreate private endpoint {} in region {vr}", pe.name),
                    &pe.at,
                )
                .with_change(crate::change::Change::SetEndpointRegion {
                    endpoint: pe.name.clone(),
                    vnet: vnet.to_string(),
                    region: vr.clone(),
                }),
            );
        }
    }
}
