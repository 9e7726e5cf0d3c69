//! MVN014 endpoint-target-in-another-tenant.

use crate::rules::util_items::open_outbound_rules;
use crate::rules::util_items::placement_finding;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use moat_model::address::Address;
use moat_model::ml::OutboundDestination;
use moat_model::placement::{compare_tenants, placement, subscription, subscription_of_reference};

/// The rule.
pub struct Mvn014;
/// Its registration.
pub static RULE: Mvn014 = Mvn014;

static DOC: RuleDoc = RuleDoc {
    code: "MVN014",
    name: "endpoint-target-in-another-tenant",
    severity: Severity::Error,
    what: "A managed network's private endpoint outbound rule targets a resource in another Microsoft Entra tenant than the workspace (information, undecided, when the target is in another subscription whose tenant the input does not give).",
    why: "The managed network creates its private endpoints only to resources in the workspace's tenant; the target may be in another subscription of that tenant. A target in the deployment's subscription is in its tenant; a target named by an id of another subscription is in a tenant the input must declare (`tenant:` for the deployment and a `placements` entry with the target's `tenant`) to be checked.",
    example: "subscription: 00000000-0000-0000-0000-000000000001\ntenant: 00000000-0000-0000-0000-00000000000a\nworkspaces: [{ name: ws, managed_network: { isolation_mode: AllowOnlyApprovedOutbound, outbound_rules: [{ name: data, type: PrivateEndpoint, destination: { service_resource: /subscriptions/00000000-0000-0000-0000-000000000002/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/data, subresource_target: blob } }] } }]\nstorage_accounts: [{ name: data }]\nplacements: [{ resource: storage/data, subscription: 00000000-0000-0000-0000-000000000002, tenant: 00000000-0000-0000-0000-00000000000b }]",
    fix: "Target a resource in the workspace's tenant (another subscription of that tenant is fine); reach a resource of another tenant by other means than a managed network private endpoint.",
    fix_form: FixForm::Prose(prose::VALUE),
    sources: &[doc!(
        MN,
        "Limitations (private endpoints to resources in the workspace's tenant)"
    )],
    covers: &["§6.74"],
    path: false,
};

impl Rule for Mvn014 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let t = cx.t;
        for w in t.workspaces.iter().filter(|w| w.managed_network.enabled()) {
            let ws = format!("workspace/{}", w.name);
            let ws_tenant = placement(t, &ws).and_then(|p| p.tenant.as_deref());
            let mut seen: Vec<String> = Vec::new();
            let before = out.len();
            for r in w.managed_network.outbound_rules.iter().filter(|r| r.active) {
                let OutboundDestination::PrivateEndpoint(d) = &r.destination else {
                    continue;
                };
                let id = d.service_resource.as_str();
                let Some(target) = id
                    .parse::<Address>()
                    .ok()
                    .or_else(|| Address::from_arm_id(id))
                else {
                    continue;
                };
                let target = match target {
                    Address::Resource { kind, name, .. } => Address::resource(kind, name),
                    other => other,
                }
                .to_string();
                if seen.contains(&target) {
                    continue;
                }
                seen.push(target.clone());
                // The id the rule names wins over what the model keeps of a namesake.
                let sub = subscription_of_reference(id).unwrap_or_else(|| subscription(t, &target));
                let declared = placement(t, &target).and_then(|p| p.tenant.as_deref());
                let same = compare_tenants(
                    t,
                    (&ws, &subscription(t, &ws), ws_tenant),
                    (&target, &sub, declared),
                );
                let at = if r.at.is_unknown() { &w.at } else { &r.at };
                out.extend(placement_finding(
                    &DOC,
                    ws.clone(),
                    same,
                    || format!("outbound rule {} of workspace {} creates a private endpoint to {target}, which is in another tenant than the workspace", r.name, w.name),
                    || format!("cannot confirm that {target}, the target of outbound rule {} of workspace {}, is in the workspace's tenant", r.name, w.name),
                    at,
                ));
            }
            if out.len() == before {
                out.extend(open_outbound_rules(cx, &DOC, w, &format!(
                        "every private endpoint outbound rule of workspace {} targets a resource in its tenant",
                        w.name
                    )));
            }
        }
    }
}
