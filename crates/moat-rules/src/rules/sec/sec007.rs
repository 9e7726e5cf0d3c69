//! SEC007 container-registry-open-to-all-networks.

use super::{needs, rule_set_open, undecided};
use crate::change::{Change, Setting};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_model::enums::{AcrSku, PublicNetworkAccess};

/// The rule.
pub struct Sec007;
/// Its registration.
pub static RULE: Sec007 = Sec007;

static DOC: RuleDoc = RuleDoc {
    code: "SEC007",
    name: "container-registry-open-to-all-networks",
    severity: Severity::Warning,
    what: "A container registry accepts connections from every network: public network access is not Disabled and it has no firewall that denies by default (only the Premium tier has one).",
    why: "The images the workspace builds and runs, with whatever they embed, can be pulled from any network by an identity with access; and a registry reachable from everywhere is where a tampered image would come from.",
    example: "container_registries: [{ name: acr, sku: Basic }]",
    fix: "Use the Premium tier, set public network access to Disabled and add a private endpoint (group id registry); set image_build_compute, since serverless image builds cannot reach a private registry.",
    fix_form: FixForm::Code,
    sources: &[
        "Connect privately to an Azure container registry using Azure Private Link <https://learn.microsoft.com/azure/container-registry/container-registry-private-link>",
        "peers: checkov CKV_AZURE_139 (which also fails a Premium registry whose firewall denies by default); PSRule Azure.ACR.Firewall",
    ],
    covers: &[],
    path: false,
};

impl Rule for Sec007 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for a in cx.t.container_registries.iter().filter(|a| {
            // Below Premium the firewall does not exist: only Disabled closes the endpoint.
            if a.sku == AcrSku::Premium {
                rule_set_open(a.public_network_access, &a.network_rule_set)
            } else {
                a.public_network_access != PublicNetworkAccess::Disabled
            }
        }) {
            let r = format!("acr/{}", a.name);
            out.push(
                Finding::new(
                    &DOC,
                    &r,
                    format!(
                        "container registry {} ({}) accepts connections from every network{}",
                        a.name,
                        a.sku,
                        undecided(cx, &r, "public_network_access")
                    ),
                    DOC.fix,
                    &a.at,
                )
                .with_change(Change::Set {
                    resource: r.clone(),
                    settings: if a.sku == AcrSku::Premium {
                        vec![Setting::PublicNetworkAccessDisabled]
                    } else {
                        // Below Premium, public network access cannot be Disabled.
                        vec![Setting::SkuPremium, Setting::PublicNetworkAccessDisabled]
                    },
                })
                .needing(needs(cx, &r, "public_network_access")),
            );
        }
    }
}
