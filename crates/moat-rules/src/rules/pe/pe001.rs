//! PE001 endpoint-without-dns.

use crate::rules::util_core::{
    answer_is_endpoint_of, describe_answer, resolve, resolver_of_subnet, served_names,
    subnet_address, vnet_part,
};
use crate::rules::util_zone_group::edit_zone_group;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_engine::Verdict;
use moat_net::dns::{Answer, Resolver};
use moat_net::names::zones_for_group;
use moat_packets::Protocol;

/// The rule.
pub struct Pe001;
/// Its registration.
pub static RULE: Pe001 = Pe001;

static DOC: RuleDoc = RuleDoc {
    code: "PE001",
    name: "endpoint-without-dns",
    severity: Severity::Error,
    what: "A private endpoint has no DNS zone group for a privatelink zone its target needs, and from the endpoint's own VNet the target's names do not resolve to the endpoint (no linked zone with the record, no custom DNS answering it).",
    why: "A private endpoint is only used when the resource's name resolves to its address. Azure writes those records into the private DNS zones named in the endpoint's zone group (for a workspace: privatelink.api.azureml.ms and privatelink.notebooks.azure.net); without a zone group, and without a zone or DNS server that answers the names otherwise, clients keep resolving the public endpoint.",
    example: "workspaces: [{ name: ws, public_network_access: Disabled }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: pe, address_prefixes: [10.0.3.0/24] }] }]\nprivate_endpoints: [{ name: ws-pe, subnet: vnet/pe, target: workspace/ws, group_id: amlworkspace }]",
    fix: "Create the privatelink zones, link them to the VNet, and add them to the endpoint's DNS zone group (or add the records to the DNS that VNet uses).",
    fix_form: FixForm::Code,
    sources: &[doc!(
        PL,
        "Create a workspace that uses a private endpoint (private DNS zone commands)"
    )],
    covers: &["§6.100"],
    path: true,
};

impl Rule for Pe001 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for pe in &cx.t.private_endpoints {
            if zones_for_group(&pe.group_id).is_empty() {
                continue;
            }
            let grouped: Vec<String> = pe
                .dns_zone_group
                .iter()
                .filter_map(|z| cx.e.ix.private_dns_zones.get(z))
                .map(|&i| cx.t.private_dns_zones[i].name.to_ascii_lowercase())
                .collect();
            let Some(resolver) = resolver_of_subnet(cx, &pe.subnet) else {
                continue;
            };
            let failing: Vec<_> = served_names(cx.t, &cx.e.ix, pe)
                .into_iter()
                .filter(|n| !grouped.contains(&n.name.zone.to_ascii_lowercase()))
                .filter_map(|n| {
                    let r = resolve(cx, &n.name.fqdn, &resolver);
                    (!answer_is_endpoint_of(cx.t, &r.answer, pe)).then_some((n, r))
                })
                .collect();
            let Some((first, r)) = failing.first() else {
                continue;
            };
            let Some(from) = subnet_address(&pe.subnet) else {
                continue;
            };
            let zones: Vec<&str> = {
                let mut z: Vec<&str> = failing.iter().map(|(n, _)| n.name.zone).collect();
                z.dedup();
                z
            };
            let what = format!(
                "private endpoint {} has no DNS zone group entry for {}; from {resolver}, {} resolves to {}, not to the endpoint",
                pe.name,
                zones.join(" or "),
                first.name.fqdn,
                describe_answer(&r.answer)
            );
            let fix = format!(
                "add {} (created, and linked to VNet {}) to the DNS zone group of private endpoint {}",
                zones.join(" and "),
                pe.subnet.split('/').next().unwrap_or_default(),
                pe.name
            );
            let mut f = Finding::new(
                &DOC,
                format!("private-endpoint/{}", pe.name),
                what,
                fix,
                &pe.at,
            );
            // The DNS answer decides the finding; the trace shows the flow it leaves. A flow
            // left open further on (to a target the input does not declare) does not make a
            // decided answer undecided.
            let answer_unknown = matches!(r.answer, Answer::Unknown { .. });
            if let Some(t) = cx.trace(from, first.address.clone(), Protocol::TCP, 443)
                && (answer_unknown || t.verdict != Verdict::Unknown)
            {
                f = f.with_trace(t);
            }
            if let Answer::Unknown { why } = &r.answer {
                // The model cannot tell what the DNS server answers: undecided, by the trace
                // when it says so, else by what the answer needs.
                f.severity = Severity::Warning;
                if f.trace
                    .as_ref()
                    .is_none_or(|t| t.verdict != Verdict::Unknown)
                {
                    f = f.needing(Some(why.clone()));
                }
            }
            // Azure DNS answers the endpoint's VNet from the zones linked to it, where the zone
            // group writes the records: adding the zones is the fix. A DNS server's answer
            // depends on how it forwards, which the zone group does not change.
            let azure_dns =
                matches!(&resolver, Resolver::AzureDns { vnet } if vnet == vnet_part(&pe.subnet));
            let decided = failing
                .iter()
                .all(|(_, r)| !matches!(r.answer, Answer::Unknown { .. }));
            if azure_dns
                && decided
                && let Some(c) = edit_zone_group(cx, pe, &zones, &[])
            {
                f = f.with_change(c);
            }
            out.push(f);
        }
    }
}
