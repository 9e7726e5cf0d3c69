//! REG011 registry-private-fqdn-unresolvable.

use crate::rules::util::{compute_at, flow_finding};
use crate::{Context, Finding, Rule, RuleDoc, Severity};
use moat_engine::Verdict;
use moat_engine::ops::FlowResult;
use moat_engine::{Code, Step};
use moat_model::address::{Address, Kind};
use moat_packets::Protocol;

/// The rule.
pub struct Reg011;
/// Its registration.
pub static RULE: Reg011 = Reg011;

static DOC: RuleDoc = RuleDoc {
    code: "REG011",
    name: "registry-private-fqdn-unresolvable",
    severity: Severity::Error,
    what: "From a place that uses a private registry, <registry-guid>.registry.<region>.privatelink.api.azureml.ms does not resolve to the registry's private endpoint.",
    why: "There is no public resource-specific name for a registry that Azure DNS resolves recursively: only the privatelink.api.azureml.ms zone answers it. A VNet without the zone linked, or a custom DNS server without a forwarder to 168.63.129.16, cannot find the registry.",
    example: "registries: [{ name: contosoreg, public_network_access: Disabled }]\nprivate_endpoints: [{ name: reg-pe, subnet: vnet/pe, target: registry/contosoreg, group_id: amlregistry }]\nprivate_dns_zones: [{ name: privatelink.api.azureml.ms }]",
    fix: "Link privatelink.api.azureml.ms to the VNet (with the endpoint's zone group), or forward api.azureml.ms from the custom DNS server to 168.63.129.16.",
    sources: &[doc!(
        REG,
        "How to find the registry's fully qualified domain name"
    )],
    covers: &["§6.95", "§10.registry-fqdn"],
    path: true,
};

impl Rule for Reg011 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for w in &cx.t.workspaces {
            for reg in cx.intent.registries_of(&w.name) {
                let private = cx.t.private_endpoints.iter().any(|p| matches!(&p.target, Address::Resource { kind: Kind::Registry, name, sub: None } if name == reg))
                    || w.managed_network.outbound_rules.iter().any(|r| matches!(&r.destination, moat_model::ml::OutboundDestination::PrivateEndpoint(d) if d.service_resource == format!("registry/{reg}")));
                if !private {
                    continue;
                }
                let mut seen = std::collections::HashSet::new();
                for c in cx.e.ix.computes_of(cx.t, &w.name) {
                    if !seen.insert(c.subnet.clone()) {
                        continue;
                    }
                    let Some(t) = cx.trace(
                        Address::resource(Kind::Compute, &c.name),
                        Address::resource(Kind::Registry, reg),
                        Protocol::TCP,
                        443,
                    ) else {
                        continue;
                    };
                    let dns_failed = t.verdict != Verdict::Allowed
                        && t.blocked_by.as_ref().is_some_and(|h| h.step == Step::Dns)
                        || t.hops.iter().any(|h| h.code == Code::DnsNoPublicRecord);
                    if !dns_failed {
                        continue;
                    }
                    let what =
                        format!("the private name of registry {reg} from compute {}", c.name);
                    let f = FlowResult {
                        purpose: String::new(),
                        verdict: t.verdict,
                        trace: t,
                    };
                    let mut finding = flow_finding(
                        &DOC,
                        format!("registry/{reg}"),
                        what,
                        &f,
                        &compute_at(cx, &c.name),
                    );
                    finding.message = format!(
                        "{} does not resolve to the registry's private endpoint",
                        finding.message.split(" is ").next().unwrap_or_default()
                    );
                    out.push(finding);
                }
            }
        }
    }
}
