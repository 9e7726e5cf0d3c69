//! MVN009 endpoint-and-service-endpoint.

use crate::rules::util_items::open_list_finding;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use moat_model::address::{Address, Kind};
use moat_net::managed::{ManagedRuleKind, effective_rules};

/// The rule.
pub struct Mvn009;
/// Its registration.
pub static RULE: Mvn009 = Mvn009;

static DOC: RuleDoc = RuleDoc {
    code: "MVN009",
    name: "endpoint-and-service-endpoint",
    severity: Severity::Error,
    what: "A resource the workspace's managed network reaches through a private endpoint (its default storage, key vault or container registry, or the target of a private endpoint outbound rule) also admits subnets through service endpoints (virtual network rules).",
    why: "The managed network reaches private resources through private endpoint connections, and a resource cannot have a private endpoint and a service endpoint at the same time in that design: the documentation lists it among the managed network's limitations and recommends private endpoints in all scenarios.",
    example: "workspaces: [{ name: ws, storage_account: st, managed_network: { isolation_mode: AllowOnlyApprovedOutbound } }]\nstorage_accounts: [{ name: st, network_rules: { default_action: Deny, virtual_network_rules: [vnet/clients] } }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: clients, address_prefixes: [10.0.4.0/24], service_endpoints: [Microsoft.Storage] }] }]",
    fix: "Remove the virtual network rules (and the service endpoints that use them) and give the clients in those subnets a private endpoint to the resource instead.",
    fix_form: FixForm::Prose(prose::DESIGN),
    sources: &[doc!(MN, "Limitations")],
    covers: &["§6.67"],
    path: false,
};

impl Rule for Mvn009 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let t = cx.t;
        let ix = &cx.e.ix;
        for w in t.workspaces.iter().filter(|w| w.managed_network.enabled()) {
            let mut seen = Vec::new();
            for r in effective_rules(t, w) {
                let ManagedRuleKind::PrivateEndpoint { target, .. } = &r.kind else {
                    continue;
                };
                let Address::Resource { kind, name, .. } = target else {
                    continue;
                };
                let (subnets, at, field) = match kind {
                    Kind::Storage => match ix.storage_accounts.get(name) {
                        Some(&i) => (
                            &t.storage_accounts[i].network_rules.virtual_network_rules,
                            &t.storage_accounts[i].at,
                            "network_rules.virtual_network_rules",
                        ),
                        None => continue,
                    },
                    Kind::Keyvault => match ix.key_vaults.get(name) {
                        Some(&i) => (
                            &t.key_vaults[i].network_acls.virtual_network_rules,
                            &t.key_vaults[i].at,
                            "network_acls.virtual_network_rules",
                        ),
                        None => continue,
                    },
                    Kind::Acr => match ix.container_registries.get(name) {
                        Some(&i) => (
                            &t.container_registries[i]
                                .network_rule_set
                                .virtual_network_rules,
                            &t.container_registries[i].at,
                            "network_rule_set.virtual_network_rules",
                        ),
                        None => continue,
                    },
                    _ => continue,
                };
                let resource = format!("{kind}/{name}");
                if seen.contains(&resource) {
                    continue;
                }
                seen.push(resource.clone());
                if subnets.is_empty() {
                    out.extend(open_list_finding(
                        cx,
                        &DOC,
                        resource.clone(),
                        field,
                        &format!(
                            "{resource}, which the managed network of workspace {} reaches through a private endpoint, admits no subnet through service endpoints",
                            w.name
                        ),
                        at,
                    ));
                    continue;
                }
                out.push(Finding::new(
                    &DOC,
                    resource.clone(),
                    format!(
                        "the managed network of workspace {} reaches {resource} through a private endpoint, and {resource} also admits {} through service endpoints: a managed network does not support both on one resource",
                        w.name,
                        subnets.join(", ")
                    ),
                    DOC.fix,
                    at,
                ));
            }
        }
    }
}
