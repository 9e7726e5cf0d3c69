//! CMP006 aks-outbound-missing.

use crate::rules::util_fix::allow_to_tag;
use crate::rules::util_infra::{Need, blocked_finding, unmet};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_model::address::{Address, Kind};
use moat_net::hosts::HostTag;
use moat_packets::Protocol;

/// The rule.
pub struct Cmp006;
/// Its registration.
pub static RULE: Cmp006 = Cmp006;

static DOC: RuleDoc = RuleDoc {
    code: "CMP006",
    name: "aks-outbound-missing",
    severity: Severity::Error,
    what: "An AKS cluster attached to a workspace cannot reach mcr.microsoft.com (and its data endpoints), or the Azure endpoints every AKS cluster needs outbound (management.azure.com, login.microsoftonline.com).",
    why: "Azure Machine Learning sets up its router on AKS from images in the Microsoft Container Registry, and AKS itself pulls system images from mcr.microsoft.com and talks to Azure Resource Manager and Microsoft Entra ID. When the AKS VNet restricts outbound (NSG, firewall, no internet path), those flows must be allowed.",
    example: "workspaces: [{ name: ws }]\naks_clusters: [{ name: scoring, workspace: ws, subnet: vnet/scoring }]\nnetwork_security_groups: [{ name: scoring-nsg, rules: [{ name: deny-internet, priority: 4000, direction: Outbound, access: Deny, destination: Internet }] }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: scoring, address_prefixes: [10.0.2.0/24], network_security_group: scoring-nsg }] }]",
    fix: "Allow the AKS subnet outbound to mcr.microsoft.com and *.data.mcr.microsoft.com (or MicrosoftContainerRegistry and AzureFrontDoor.FirstParty), AzureResourceManager and AzureActiveDirectory on TCP 443, with an internet path (firewall or NAT gateway).",
    fix_form: FixForm::Code,
    sources: &[doc!(
        SWV,
        "Using AKS with Azure Machine Learning (AKS egress requirements, outbound to mcr.microsoft.com)"
    )],
    covers: &[],
    path: true,
};

impl Rule for Cmp006 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let t = cx.t;
        for k in t.aks_clusters.iter().filter(|k| k.subnet.is_some()) {
            let region = k.region.clone().or_else(|| {
                cx.e.ix
                    .workspaces
                    .get(&k.workspace)
                    .and_then(|&i| t.workspaces[i].region.clone())
            });
            let fqdn = |s: &str| Address::Fqdn(s.to_string());
            let mut needs = vec![
                Need::new(
                    "Microsoft container images",
                    fqdn("mcr.microsoft.com"),
                    Protocol::TCP,
                    443,
                ),
                Need::new(
                    "Azure Resource Manager",
                    fqdn("management.azure.com"),
                    Protocol::TCP,
                    443,
                ),
                Need::new(
                    "Microsoft Entra ID",
                    fqdn("login.microsoftonline.com"),
                    Protocol::TCP,
                    443,
                ),
            ];
            if let Some(r) = &region {
                // The registry's content comes from its regional data endpoint.
                needs.insert(
                    1,
                    Need::new(
                        "the Microsoft Container Registry data endpoint (*.data.mcr.microsoft.com)",
                        fqdn(&format!("{r}.data.mcr.microsoft.com")),
                        Protocol::TCP,
                        443,
                    ),
                );
            }
            let from = Address::resource(Kind::Aks, &k.name);
            for n in &needs {
                let Some(tr) = unmet(cx, &from, n) else {
                    continue;
                };
                let what = format!(
                    "outbound from AKS cluster {} to {} ({})",
                    k.name,
                    n.label,
                    n.describe()
                );
                // The service tag behind the host, admitted from the AKS subnet in the NSG
                // that denies it or the firewall no rule of which matches it.
                let change = match &n.to {
                    Address::Fqdn(host) => match moat_net::hosts::host_tag(host) {
                        HostTag::Tag(tag) => allow_to_tag(cx, &tr, k.subnet.as_deref(), tag),
                        _ => None,
                    },
                    _ => None,
                };
                out.push(
                    blocked_finding(&DOC, format!("aks/{}", k.name), what, tr, &k.at)
                        .with_changes(change),
                );
            }
        }
    }
}
