//! ACR001 acr-not-premium.

use crate::change::{Change, Setting};
use crate::rules::sec::{PUBLIC_ACCESS, needs, undecided};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_model::address::{Address, Kind};
use moat_model::enums::{AcrSku, PublicNetworkAccess};
use moat_net::managed::{ManagedRuleKind, effective_rules};

/// The rule.
pub struct Acr001;
/// Its registration.
pub static RULE: Acr001 = Acr001;

static DOC: RuleDoc = RuleDoc {
    code: "ACR001",
    name: "acr-not-premium",
    severity: Severity::Error,
    what: "A container registry reached through a private endpoint or a service endpoint (virtual network rules) is not on the Premium tier.",
    why: "Only Premium container registries support private endpoints and virtual network rules. A Basic or Standard registry cannot be put behind the VNet, so the workspace's images stay on the public endpoint or the deployment of the endpoint fails. This includes the private endpoint a workspace managed network creates to its registry, and the managed registry of an Azure ML registry reached privately.",
    example: "workspaces: [{ name: ws, container_registry: wsacr }]\ncontainer_registries: [{ name: wsacr, sku: Standard }]\nprivate_endpoints: [{ name: acr-pe, subnet: vnet/pe, target: acr/wsacr, group_id: registry }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: pe, address_prefixes: [10.0.3.0/24] }] }]",
    fix: "Upgrade the container registry to the Premium SKU (az acr update --sku Premium) before adding private endpoints or network rules.",
    fix_form: FixForm::Code,
    sources: &[
        doc!(SWV, "Azure Container Registry (must be Premium)"),
        "peers: PSRule Azure.ACR.MinSku (which asks for Standard or Premium on every registry; moat asks for Premium where the network design needs it, and not otherwise)",
    ],
    covers: &["§6.41"],
    path: false,
};

fn targets(p: &Address, kind: Kind, name: &str, sub: Option<&str>) -> bool {
    matches!(p, Address::Resource { kind: k, name: n, sub: s } if *k == kind && n == name && s.as_deref() == sub)
}

impl Rule for Acr001 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let t = cx.t;
        for a in t
            .container_registries
            .iter()
            .filter(|a| a.sku != AcrSku::Premium)
        {
            let mut how: Vec<String> = t
                .private_endpoints
                .iter()
                .filter(|p| targets(&p.target, Kind::Acr, &a.name, None))
                .map(|p| format!("private endpoint {}", p.name))
                .collect();
            for w in &t.workspaces {
                let managed = effective_rules(t, w).into_iter().any(|r| {
                    matches!(&r.kind, ManagedRuleKind::PrivateEndpoint { target, .. } if targets(target, Kind::Acr, &a.name, None))
                });
                if managed {
                    how.push(format!("the managed network of workspace {}", w.name));
                }
            }
            if !a.network_rule_set.virtual_network_rules.is_empty() {
                how.push(format!(
                    "virtual network rules (service endpoints) for {}",
                    a.network_rule_set.virtual_network_rules.join(", ")
                ));
            }
            if how.is_empty() {
                continue;
            }
            let r = format!("acr/{}", a.name);
            out.push(Finding::new(
                &DOC,
                &r,
                format!(
                    "container registry {} is {} but is reached through {}: only Premium supports private endpoints and network rules",
                    a.name,
                    a.sku,
                    how.join("; ")
                ),
                DOC.fix,
                &a.at,
            )
.with_change(Change::set(&r, Setting::SkuPremium)));
        }
        // The container registry Azure manages for a registry, reached privately.
        for r in &t.registries {
            let Some(sku) = r.acr.sku.filter(|s| *s != AcrSku::Premium) else {
                continue;
            };
            let endpoint = t
                .private_endpoints
                .iter()
                .find(|p| targets(&p.target, Kind::Registry, &r.name, Some("acr")));
            let private = r.acr.public_network_access == Some(PublicNetworkAccess::Disabled);
            // SecuredByPerimeter (or unknown): its perimeter's access rules may isolate it.
            let open = needs(cx, &format!("registry/{}:acr", r.name), PUBLIC_ACCESS)
                .filter(|_| endpoint.is_none());
            if endpoint.is_none() && !private && open.is_none() {
                continue;
            }
            let how = match (endpoint, &open) {
                (Some(p), _) => format!("private endpoint {}", p.name),
                (None, None) => "public network access Disabled".to_string(),
                (None, Some(_)) => format!(
                    "public network access {}",
                    r.acr
                        .public_network_access
                        .unwrap_or(PublicNetworkAccess::Enabled)
                ),
            };
            let acr = format!("registry/{}:acr", r.name);
            let open_why = if open.is_some() {
                undecided(cx, &acr, PUBLIC_ACCESS)
            } else {
                String::new()
            };
            let f = Finding::new(
                &DOC,
                format!("registry/{}", r.name),
                format!(
                    "the container registry of registry {} is {sku} but is isolated ({how}): only Premium supports private endpoints{}",
                    r.name, open_why
                ),
                "Recreate the registry with a Premium managed container registry.",
                &r.at,
            );
            out.push(f.needing(open));
        }
    }
}
