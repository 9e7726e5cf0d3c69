//! REG007 registry-client-off-network.

use crate::rules::sec::secured_by_perimeter;
use crate::rules::util::{destination, failing_flows, flow_finding, name_of, registry_at};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use moat_engine::OpId;
use moat_model::address::{Address, Kind};
use moat_model::enums::PublicNetworkAccess;

/// The rule.
pub struct Reg007;
/// Its registration.
pub static RULE: Reg007 = Reg007;

static DOC: RuleDoc = RuleDoc {
    code: "REG007",
    name: "registry-client-off-network",
    severity: Severity::Error,
    what: "A client creates assets from local files in a registry whose public network access is Disabled, and has no path to the registry through its private endpoint.",
    why: "A private registry answers only through its private endpoints, and its name resolves only through the privatelink.api.azureml.ms zone. Clients must be on the VNet the registry's endpoint is in: through a VPN gateway (point-to-site or site-to-site), ExpressRoute, or a jump box reached through Azure Bastion.",
    example: "registries: [{ name: contosoreg, public_network_access: Disabled }]\nclients: [{ name: laptop, location: internet, operations: [registry.create-from-local] }]",
    fix: "Connect the client to the VNet with the registry's private endpoint: a VPN gateway, ExpressRoute, or a Bastion jump box in that VNet.",
    fix_form: FixForm::Prose(prose::DESIGN),
    sources: &[doc!(
        REG,
        "Create assets in registry from local files; Securely connect to your registry"
    )],
    covers: &["§6.91"],
    path: true,
};

impl Rule for Reg007 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for (_, f) in failing_flows(cx, OpId::RegistryCreateFromLocal) {
            let Some(dst) = destination(f) else { continue };
            if !matches!(
                &dst,
                Address::Resource {
                    kind: Kind::Registry,
                    sub: None,
                    ..
                }
            ) {
                continue;
            }
            let reg = name_of(&dst).to_string();
            // SecuredByPerimeter: its perimeter's access rules may close it as Disabled does;
            // the flow's trace, unknown there, keeps the finding undecided.
            let private = cx.e.ix.registries.get(&reg).is_some_and(|&i| {
                cx.t.registries[i].public_network_access == PublicNetworkAccess::Disabled
            }) || secured_by_perimeter(cx, &format!("registry/{reg}"));
            if !private {
                continue;
            }
            let what = format!(
                "the path from {} to private registry {reg} (through its private endpoint)",
                f.trace.from
            );
            out.push(flow_finding(
                &DOC,
                dst.to_string(),
                what,
                f,
                &registry_at(cx, &reg),
            ));
        }
    }
}
