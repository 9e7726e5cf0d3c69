//! PE007 registry-storage-wrong-subresource.

use crate::change::Change;
use crate::rules::util::workspace_at;
use crate::rules::util_zone_group::{edit_zone_group_of, zone_name};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_model::address::{Address, Kind};
use moat_model::ml::OutboundDestination;
use moat_net::names::zones_for_group;

/// The rule.
pub struct Pe007;
/// Its registration.
pub static RULE: Pe007 = Pe007;

static DOC: RuleDoc = RuleDoc {
    code: "PE007",
    name: "registry-storage-wrong-subresource",
    severity: Severity::Error,
    what: "A private endpoint (or a managed network private endpoint rule) to a registry's storage account targets a sub-resource other than blob.",
    why: "Registry assets are read from the blob service of the registry's storage account. An endpoint for file, queue, table or dfs does not carry those reads, so the registry's storage stays unreachable privately.",
    example: "registries: [{ name: contosoreg }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: pe, address_prefixes: [10.0.3.0/24] }] }]\nprivate_endpoints: [{ name: reg-st-pe, subnet: vnet/pe, target: \"registry/contosoreg:storage\", group_id: file }]",
    fix: "Recreate the private endpoint with sub-resource blob.",
    fix_form: FixForm::Code,
    sources: &[doc!(
        REG,
        "How to create a private endpoint for the Azure Storage Account, step 4"
    )],
    covers: &[],
    path: false,
};

fn is_registry_storage(a: &Address) -> bool {
    matches!(a, Address::Resource { kind: Kind::Registry, sub: Some(s), .. } if s == "storage")
}

impl Rule for Pe007 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for pe in
            cx.t.private_endpoints.iter().filter(|p| {
                is_registry_storage(&p.target) && !p.group_id.eq_ignore_ascii_case("blob")
            })
        {
            out.push(
                Finding::new(
                    &DOC,
                    format!("private-endpoint/{}", pe.name),
                    format!(
                        "private endpoint {} to {} targets sub-resource {}, not blob",
                        pe.name, pe.target, pe.group_id
                    ),
                    format!(
                        "recreate private endpoint {} with sub-resource blob",
                        pe.name
                    ),
                    &pe.at,
                )
                .with_changes(blob_instead(cx, pe)),
            );
        }
        for w in &cx.t.workspaces {
            for r in &w.managed_network.outbound_rules {
                let OutboundDestination::PrivateEndpoint(d) = &r.destination else {
                    continue;
                };
                let target = d
                    .service_resource
                    .parse::<Address>()
                    .ok()
                    .or_else(|| Address::from_arm_id(&d.service_resource));
                if !target.as_ref().is_some_and(is_registry_storage)
                    || d.subresource_target.eq_ignore_ascii_case("blob")
                {
                    continue;
                }
                let at = if r.at.is_unknown() {
                    workspace_at(cx, &w.name)
                } else {
                    r.at.clone()
                };
                out.push(Finding::new(
                    &DOC,
                    format!("workspace/{}", w.name),
                    format!(
                        "outbound rule {} of workspace {}'s managed network targets sub-resource {} of {}, not blob",
                        r.name, w.name, d.subresource_target, d.service_resource
                    ),
                    format!("set subresource_target of outbound rule {} to blob", r.name),
                    &at,
                ));
            }
        }
    }
}

/// The endpoint recreated for blob, its zone group naming the blob zone instead of the zones
/// of its old sub-resource. None where the target has a blob endpoint in that VNet already
/// (a second one is not the fix) or the zone group cannot be decided.
fn blob_instead(cx: &Context, pe: &moat_model::privatelink::PrivateEndpoint) -> Vec<Change> {
    let vnet = crate::rules::util_core::vnet_part(&pe.subnet);
    let twin = cx.t.private_endpoints.iter().any(|p| {
        p.name != pe.name
            && p.target == pe.target
            && p.group_id.eq_ignore_ascii_case("blob")
            && crate::rules::util_core::vnet_part(&p.subnet) == vnet
    });
    if twin {
        return Vec::new();
    }
    let want = zones_for_group("blob");
    let remove: Vec<String> = pe
        .dns_zone_group
        .iter()
        .filter(|z| !want.contains(&zone_name(z).as_str()))
        .cloned()
        .collect();
    let Some(zones) = edit_zone_group_of(cx, pe, "blob", want, &remove) else {
        return Vec::new();
    };
    vec![
        Change::SetEndpointGroup {
            endpoint: pe.name.clone(),
            group_id: "blob".to_string(),
        },
        zones,
    ]
}
