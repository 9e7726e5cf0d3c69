//! ACR005 image-build-no-internet.

use crate::change::{Change, FirewallAllow};
use crate::rules::util::{destination, failing_flows, flow_finding, workspace_at};
use crate::rules::util_fix::{allow_in_firewall, allow_to_tag, subnet_prefix};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_engine::{OpId, Trace};
use moat_model::Address;
use moat_model::address::Kind;
use moat_net::hosts::HostTag;

/// The rule.
pub struct Acr005;
/// Its registration.
pub static RULE: Acr005 = Acr005;

static DOC: RuleDoc = RuleDoc {
    code: "ACR005",
    name: "image-build-no-internet",
    severity: Severity::Error,
    what: "The image build cluster cannot reach the internet hosts builds need: Microsoft Container Registry and the package indexes.",
    why: "Image builds pull base images from mcr.microsoft.com and install packages from PyPI or Conda. A cluster without public IP has no internet unless a route sends it through a firewall or a NAT gateway with a public IP.",
    example: "workspaces: [{ name: ws, container_registry: wsacr, image_build_compute: cpu-cluster }]\ncontainer_registries: [{ name: wsacr, sku: Premium, public_network_access: Disabled }]\ncomputes: [{ name: cpu-cluster, workspace: ws, type: AmlCompute, subnet: vnet/training, enable_node_public_ip: false }]\nnetwork_security_groups: [{ name: training-nsg, rules: [{ name: deny-internet, priority: 4000, direction: Outbound, access: Deny, destination: Internet }] }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: training, address_prefixes: [10.0.1.0/24], network_security_group: training-nsg }] }]",
    fix: "Route the build cluster's subnet through a firewall that allows the hosts, or attach a NAT gateway.",
    fix_form: FixForm::Code,
    sources: &[doc!(
        SWV,
        "Azure Container Registry (compute cluster used to build Docker images)"
    )],
    covers: &["§6.46"],
    path: true,
};

impl Rule for Acr005 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for (r, f) in failing_flows(cx, OpId::ImageBuild) {
            if !matches!(destination(f), Some(Address::Fqdn(_))) {
                continue;
            }
            let Some(ws) = r.subject.name_of(moat_model::address::Kind::Workspace) else {
                continue;
            };
            out.push(
                flow_finding(
                    &DOC,
                    r.subject.to_string(),
                    f.purpose.clone(),
                    f,
                    &workspace_at(cx, ws),
                )
                .with_changes(allow_host(cx, &f.trace)),
            );
        }
    }
}

/// The rule that admits the build cluster to a host: a host behind a service tag by that tag,
/// in the NSG that denies it or the firewall no rule of which matches it; any other host by an
/// application rule of that firewall (an NSG cannot name a host, and admitting the whole
/// internet would open more than the build needs).
fn allow_host(cx: &Context, t: &Trace) -> Option<Change> {
    let Address::Fqdn(host) = &t.to else {
        return None;
    };
    let compute = t.from.name_of(Kind::Compute)?;
    let subnet =
        cx.t.computes
            .iter()
            .find(|c| c.name == compute)?
            .subnet
            .as_deref();
    match moat_net::hosts::host_tag(host) {
        HostTag::Tag(tag) => allow_to_tag(cx, t, subnet, tag),
        _ => {
            let protocol = match t.port {
                443 => "Https",
                80 => "Http",
                _ => return None,
            };
            allow_in_firewall(
                cx,
                t,
                &["allow", host],
                FirewallAllow::Application {
                    source: subnet_prefix(cx, subnet?)?,
                    fqdn: host.clone(),
                    protocol,
                    port: t.port,
                },
            )
        }
    }
}
