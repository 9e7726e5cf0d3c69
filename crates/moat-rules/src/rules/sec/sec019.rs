//! SEC019 container-registry-shared-data-endpoint.

use super::{needs, undecided};
use crate::change::{Change, Setting};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_model::enums::{AcrSku, PublicNetworkAccess};

/// The rule.
pub struct Sec019;
/// Its registration.
pub static RULE: Sec019 = Sec019;

static DOC: RuleDoc = RuleDoc {
    code: "SEC019",
    name: "container-registry-shared-data-endpoint",
    severity: Severity::Info,
    what: "A container registry that answers on its public endpoint has no dedicated data endpoints.",
    why: "Image layers are served from data endpoints. Without dedicated ones they come from storage under the wildcard *.blob.core.windows.net, so a firewall that filters the outbound traffic of computes pulling from the registry must allow every storage account in Azure, which is a path for data exfiltration. Dedicated data endpoints (<registry>.<region>.data.azurecr.io, Premium tier) let the firewall name this registry alone. A registry with public network access Disabled is reached through its private endpoint, whose addresses already cover its data endpoints, and is not reported (checkov's CKV_AZURE_237 fails it too).",
    example: "container_registries: [{ name: acr, sku: Premium }]",
    fix: "Enable dedicated data endpoints (dataEndpointEnabled; Terraform: data_endpoint_enabled = true) and allow <registry>.<region>.data.azurecr.io instead of *.blob.core.windows.net; or disable public network access and pull through a private endpoint.",
    fix_form: FixForm::Code,
    sources: &[
        "Mitigate data exfiltration with dedicated data endpoints <https://learn.microsoft.com/azure/container-registry/container-registry-dedicated-data-endpoints>",
        "peers: checkov CKV_AZURE_237 (its failing case where the registry is public; a registry reached only through a private endpoint is not reported)",
    ],
    covers: &[],
    path: false,
};

impl Rule for Sec019 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for a in cx.t.container_registries.iter().filter(|a| {
            !a.data_endpoint_enabled && a.public_network_access != PublicNetworkAccess::Disabled
        }) {
            let r = format!("acr/{}", a.name);
            let mut unknown = needs(cx, &r, "data_endpoint_enabled");
            unknown = unknown.or_else(|| needs(cx, &r, "public_network_access"));
            out.push(
                Finding::new(
                    &DOC,
                    &r,
                    format!(
                        "container registry {} serves image layers from shared storage endpoints (*.blob.core.windows.net): a firewall must allow all of them for computes to pull{}{}",
                        a.name,
                        undecided(cx, &r, "data_endpoint_enabled"),
                        undecided(cx, &r, "public_network_access")
                    ),
                    DOC.fix,
                    &a.at,
                )
                .needing(unknown)
                .with_change(Change::Set {
                    resource: r.clone(),
                    // Dedicated data endpoints are a Premium feature.
                    settings: if a.sku == AcrSku::Premium {
                        vec![Setting::DataEndpointEnabled]
                    } else {
                        vec![Setting::SkuPremium, Setting::DataEndpointEnabled]
                    },
                }),
            );
        }
    }
}
