//! REG002 registry-acr-unreachable.

use crate::rules::util::{destination, failing_flows, flow_finding, is, name_of, registry_at};
use crate::rules::util_endpoint::flow_endpoint;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_engine::OpId;
use moat_model::address::Kind;

/// The rule.
pub struct Reg002;
/// Its registration.
pub static RULE: Reg002 = Reg002;

static DOC: RuleDoc = RuleDoc {
    code: "REG002",
    name: "registry-acr-unreachable",
    severity: Severity::Error,
    what: "A place that uses a registry's assets cannot reach the registry's managed container registry.",
    why: "Environments and their images are stored in a container registry Azure creates for the registry; jobs and deployments pull from it over its own private endpoint or its public endpoint.",
    example: "workspaces: [{ name: ws, uses_registries: [contosoreg] }]\nregistries: [{ name: contosoreg, public_network_access: Disabled, acr: { public_network_access: Disabled } }]\ncomputes: [{ name: cpu, workspace: ws, type: AmlCompute, subnet: vnet/training }]\nprivate_endpoints: [{ name: reg-pe, subnet: vnet/pe, target: registry/contosoreg, group_id: amlregistry, dns_zone_group: [privatelink.api.azureml.ms] }]\nprivate_dns_zones: [{ name: privatelink.api.azureml.ms, vnet_links: [vnet] }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: training, address_prefixes: [10.0.1.0/24] }, { name: pe, address_prefixes: [10.0.3.0/24] }] }]",
    fix: "Create a private endpoint to the registry's container registry (sub-resource registry) in the VNet that uses the registry.",
    fix_form: FixForm::Code,
    sources: &[doc!(REG, "Use assets from registry in workspace")],
    covers: &[],
    path: true,
};

impl Rule for Reg002 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for op in [
            OpId::JobRegistryAsset,
            OpId::RegistryCreateFromLocal,
            OpId::EndpointDeployFromRegistry,
        ] {
            for (r, f) in failing_flows(cx, op) {
                let Some(dst) = destination(f) else { continue };
                if !is(&dst, Kind::Registry, Some("acr")) {
                    continue;
                }
                let reg = name_of(&dst).to_string();
                let what = format!(
                    "{} → registry {reg}'s managed container registry",
                    f.trace.from
                );
                let finding = flow_finding(&DOC, dst.to_string(), what, f, &registry_at(cx, &reg));
                let ws = r.subject.name_of(Kind::Workspace);
                out.push(finding.with_changes(flow_endpoint(cx, ws, &f.trace, &dst)));
            }
        }
    }
}
