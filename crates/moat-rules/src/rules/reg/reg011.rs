//! REG011 registry-private-fqdn-unresolvable.

use crate::change::Change;
use crate::rules::util::{compute_at, flow_finding};
use crate::rules::util_core::{resolver_of_subnet, vnet_part};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
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
    example: "workspaces: [{ name: ws, uses_registries: [contosoreg] }]\nregistries: [{ name: contosoreg, public_network_access: Disabled }]\ncomputes: [{ name: cpu, workspace: ws, type: AmlCompute, subnet: vnet/training }]\nprivate_endpoints: [{ name: reg-pe, subnet: vnet/pe, target: registry/contosoreg, group_id: amlregistry, dns_zone_group: [privatelink.api.azureml.ms] }]\nprivate_dns_zones: [{ name: privatelink.api.azureml.ms }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: training, address_prefixes: [10.0.1.0/24] }, { name: pe, address_prefixes: [10.0.3.0/24] }] }]",
    fix: "Link privatelink.api.azureml.ms to the VNet (with the endpoint's zone group), or forward api.azureml.ms from the custom DNS server to 168.63.129.16.",
    fix_form: FixForm::Code,
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
                    // Name resolution fails, or may: it read a value the input leaves open (the
                    // VNet's DNS servers, a zone's links, the endpoint's zone group).
                    let dns_failed = t.verdict != Verdict::Allowed
                        && t.may_stop_at(Step::Dns).is_some()
                        || t.hops.iter().any(|h| h.code == Code::DnsNoPublicRecord);
                    if !dns_failed {
                        continue;
                    }
                    let what =
                        format!("the private name of registry {reg} from compute {}", c.name);
                    let undecided = t.verdict == Verdict::Unknown;
                    let f = FlowResult {
                        purpose: String::new(),
                        verdict: t.verdict,
                        trace: t.into(),
                    };
                    let mut finding = flow_finding(
                        &DOC,
                        format!("registry/{reg}"),
                        what.clone(),
                        &f,
                        &compute_at(cx, &c.name),
                    );
                    finding.message = if undecided {
                        format!(
                            "cannot confirm that {what} resolves to the registry's private endpoint: {}",
                            f.trace
                                .missing
                                .first()
                                .map_or("the model lacks a value", String::as_str)
                        )
                    } else {
                        format!("{what} does not resolve to the registry's private endpoint")
                    };
                    if let Some(link) = c.subnet.as_deref().and_then(|s| zone_link(cx, s, reg)) {
                        finding = finding.with_change(link);
                    }
                    out.push(finding);
                }
            }
        }
    }
}

/// The link that lets the compute subnet's VNet resolve the registry's private name: where the
/// VNet asks Azure DNS, and the one declared zone that holds the record of a registry endpoint
/// in that VNet or a peered one (the endpoint's zone group names it) is not linked to it. A
/// custom DNS server (a forwarder to configure), an endpoint whose zone is linked already, or
/// two zones that could serve leave the fix in words.
fn zone_link(cx: &Context, subnet: &str, reg: &str) -> Option<Change> {
    use moat_net::dns::Resolver;
    let Some(Resolver::AzureDns { .. }) = resolver_of_subnet(cx, subnet) else {
        return None;
    };
    let (t, ix) = (cx.t, &cx.e.ix);
    let vnet = vnet_part(subnet);
    let peers = ix.peers.get(vnet).cloned().unwrap_or_default();
    let zone_names =
        moat_net::names::zones_for_group(moat_net::names::registry_api("", "").group_id);
    let mut zones: Vec<&moat_model::privatelink::PrivateDnsZone> = Vec::new();
    for pe in ix.endpoints_of(t, Kind::Registry, reg) {
        if !matches!(&pe.target, Address::Resource { sub: None, .. }) {
            continue;
        }
        let pe_vnet = vnet_part(&pe.subnet);
        let reachable = pe_vnet == vnet
            || ix
                .virtual_networks
                .get(pe_vnet)
                .is_some_and(|j| peers.contains(j));
        if !reachable {
            continue;
        }
        for z in pe
            .dns_zone_group
            .iter()
            .filter_map(|g| ix.private_dns_zones.get(g))
            .map(|&i| &t.private_dns_zones[i])
            .filter(|z| zone_names.iter().any(|n| z.name.eq_ignore_ascii_case(n)))
        {
            if z.external || z.vnet_links.iter().any(|l| l.as_str() == vnet) {
                return None;
            }
            if !zones.iter().any(|x| std::ptr::eq(*x, z)) {
                zones.push(z);
            }
        }
    }
    let [z] = zones.as_slice() else {
        return None;
    };
    Some(Change::LinkZone {
        zone: z.name.clone(),
        resource_group: z.resource_group.clone(),
        vnet: vnet.to_string(),
    })
}
