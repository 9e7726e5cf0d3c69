//! OUT001 required-outbound-missing.

use crate::change::FirewallAllow;
use crate::rules::util::regional;
use crate::rules::util_fix::{Allow, allow_in_firewall, allow_in_nsg, subnet_prefix};
use crate::rules::util_infra::{
    ComputeGroup, Need, Origin, blocked_finding, compute_groups, unmet,
};
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_model::Topology;
use moat_model::address::{Address, Kind};
use moat_net::names;
use moat_packets::Protocol;
use std::collections::HashSet;

/// The rule.
pub struct Out001;
/// Its registration.
pub static RULE: Out001 = Out001;

static DOC: RuleDoc = RuleDoc {
    code: "OUT001",
    name: "required-outbound-missing",
    severity: Severity::Error,
    what: "Computes in a custom VNet cannot reach a required outbound destination: AzureActiveDirectory (TCP 80, 443), AzureMachineLearning (TCP 443, UDP 5831; TCP 18881 with compute instances, 8787 for RStudio), BatchNodeManagement.<region>, AzureResourceManager, Storage.<region>, AzureFrontDoor.Frontend, MicrosoftContainerRegistry.<region> with AzureFrontDoor.FirstParty, AzureMonitor (for the workspace's Application Insights, unless Azure Monitor is reached through private link), AzureKeyVault.<region> (hbi_workspace), all on TCP 443 unless stated.",
    why: "Compute instances and clusters in your own VNet talk to the Azure ML service, Azure Batch, storage, Microsoft's container registry and Entra ID over these service tags; the NSG of their subnet and any firewall their routes lead to must let each flow out, or computes fail to start, jobs fail to run and images fail to pull. Where the documents give FQDNs instead of a tag (ml.azure.com and the AutoML CDN for Front Door, mcr.microsoft.com for the registry), those are accepted.",
    example: "workspaces: [{ name: ws }]\ncomputes: [{ name: cpu, workspace: ws, type: AmlCompute, subnet: vnet/training, enable_node_public_ip: false }]\nnetwork_security_groups: [{ name: training-nsg, rules: [{ name: deny-internet, priority: 4000, direction: Outbound, access: Deny, destination: Internet }] }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: training, address_prefixes: [10.0.1.0/24], network_security_group: training-nsg }] }]",
    fix: "Allow the service tag (and port) on the subnet's NSG and on the firewall the subnet routes through.",
    fix_form: FixForm::Code,
    sources: &[doc!(SWV, "Required public internet access")],
    covers: &["§6.115"],
    path: true,
};

/// The Azure Monitor private link scope covers the workspace's Application Insights and is
/// reached through a private endpoint: the AzureMonitor tag is then not needed.
fn monitor_private(t: &Topology, ai: Option<&String>) -> bool {
    let Some(ai) = ai else { return false };
    t.monitor_private_link_scopes.iter().any(|s| {
        s.scoped_resources.iter().any(|r| r == ai || r.rsplit('/').next() == Some(ai.as_str()))
            && t.private_endpoints.iter().any(|p| {
                matches!(&p.target, Address::Resource { kind: Kind::Ampls, name, .. } if *name == s.name)
            })
    })
}

/// What a group of computes needs outbound.
fn needs(t: &Topology, g: &ComputeGroup) -> Vec<Need> {
    let w = g.workspace;
    let region = w.region.as_deref();
    let r = names::region_label(region);
    let tag = |s: &str| Address::Tag(s.to_string());
    let fqdn = |s: &str| Address::Fqdn(s.to_string());
    let tcp = Protocol::TCP;
    let aad_alt = vec![fqdn("login.microsoftonline.com")];
    let mut v = vec![
        Need::new("Microsoft Entra ID", tag("AzureActiveDirectory"), tcp, 80).or_all(aad_alt.clone()),
        Need::new("Microsoft Entra ID", tag("AzureActiveDirectory"), tcp, 443).or_all(aad_alt),
        Need::new("the Azure ML service", tag("AzureMachineLearning"), tcp, 443),
        Need::new("compute instance lifecycle", tag("AzureMachineLearning"), Protocol::UDP, 5831)
            .or_all(vec![fqdn(&format!("{r}.tundra.azureml.ms"))]),
        Need::new("the Azure Batch back end", tag(&regional("BatchNodeManagement", region)), tcp, 443).or_all(vec![
            fqdn(&format!("node.{r}.batch.azure.com")),
            fqdn(&format!("node.{r}.service.batch.azure.com")),
        ]),
        Need::new("Azure Resource Manager", tag("AzureResourceManager"), tcp, 443)
            .or_all(vec![fqdn("management.azure.com")]),
        Need::new("storage of computes", tag(&regional("Storage", region)), tcp, 443),
        Need::new("Microsoft container images", tag(&regional("MicrosoftContainerRegistry", region)), tcp, 443)
            .or_all(vec![fqdn("mcr.microsoft.com")]),
        Need::new(
            "Microsoft container images (AzureFrontDoor.FirstParty, which MicrosoftContainerRegistry depends on)",
            tag("AzureFrontDoor.FirstParty"),
            tcp,
            443,
        )
        .or_all(vec![fqdn(&format!("{r}.data.mcr.microsoft.com"))]),
    ];
    // Front Door is not used in Azure operated by 21Vianet.
    if !r.starts_with("china") {
        v.push(
            Need::new(
                "studio and AutoML images (Front Door)",
                tag("AzureFrontDoor.Frontend"),
                tcp,
                443,
            )
            .or_all(vec![
                fqdn("ml.azure.com"),
                fqdn("automlresources-prod-d0eaehh7g8andvav.b02.azurefd.net"),
            ]),
        );
    }
    if g.has_instance() {
        v.push(Need::new(
            "notebook IntelliSense on compute instances",
            tag("AzureMachineLearning"),
            tcp,
            18881,
        ));
    }
    if g.computes
        .iter()
        .any(|c| c.uses.iter().any(|u| u.eq_ignore_ascii_case("rstudio")))
    {
        v.push(Need::new(
            "RStudio on compute instances",
            tag("AzureMachineLearning"),
            tcp,
            8787,
        ));
    }
    // Azure Monitor is situational: needed for the workspace's Application Insights unless
    // that is reached through an Azure Monitor private link scope.
    if w.application_insights.is_some() && !monitor_private(t, w.application_insights.as_ref()) {
        v.push(
            Need::new(
                "Azure Monitor (not secured with private link)",
                tag("AzureMonitor"),
                tcp,
                443,
            )
            .or_all(vec![
                fqdn("dc.applicationinsights.azure.com"),
                fqdn("dc.services.visualstudio.com"),
            ]),
        );
    }
    if w.hbi_workspace {
        v.push(
            Need::new(
                "the Batch back end's key vault (hbi_workspace)",
                tag(&regional("AzureKeyVault", region)),
                tcp,
                443,
            )
            .or_all(vec![fqdn("batch.vault.azure.net")]),
        );
    }
    v
}

impl Rule for Out001 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let mut seen = HashSet::new();
        for g in compute_groups(cx, |c| c.subnet.is_some()) {
            let from = g.probe();
            for n in needs(cx.t, &g) {
                let key = (g.resource.clone(), n.describe());
                if seen.contains(&key) {
                    continue;
                }
                let Some(t) = unmet(cx, &from, &n) else {
                    continue;
                };
                seen.insert(key);
                let via = if t.to == n.to {
                    String::new()
                } else {
                    format!(" (through its documented alternative {})", t.to)
                };
                let what = format!(
                    "outbound from {} ({}) to {} for {}{via}",
                    g.place(),
                    g.names(),
                    n.describe(),
                    n.label
                );
                // The service tag itself denied by an NSG: the rule that allows it.
                let allow = match (&n.to, via.is_empty()) {
                    (Address::Tag(tag), true) => {
                        let port = t.port.to_string();
                        let protocol = if t.protocol.eq_ignore_ascii_case("udp") {
                            "Udp"
                        } else {
                            "Tcp"
                        };
                        allow_in_nsg(
                            cx,
                            &[&t],
                            &Allow {
                                name: &["allow", tag, &port],
                                protocol,
                                source: "VirtualNetwork",
                                destination: tag,
                                ports: &port,
                            },
                        )
                    }
                    _ => None,
                };
                // Or denied by a firewall that no rule of matches: a network rule for it.
                let allow = allow.or_else(|| match (&n.to, via.is_empty(), &g.origin) {
                    (Address::Tag(tag), true, Origin::Subnet(subnet)) => allow_in_firewall(
                        cx,
                        &t,
                        &["allow", tag, &t.port.to_string()],
                        FirewallAllow::Network {
                            protocol: if t.protocol.eq_ignore_ascii_case("udp") {
                                "UDP"
                            } else {
                                "TCP"
                            },
                            source: subnet_prefix(cx, subnet)?,
                            destination: tag.clone(),
                            port: t.port.to_string(),
                        },
                    ),
                    _ => None,
                });
                let mut f = blocked_finding(&DOC, g.resource.clone(), what, t, &g.at);
                if let Some(c) = allow {
                    f = f.with_change(c);
                }
                out.push(f);
            }
        }
    }
}
