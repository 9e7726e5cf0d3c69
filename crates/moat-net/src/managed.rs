//! The workspace managed virtual network: which outbound rules are in force (facts §5).
//!
//! Azure adds required rules by itself: private endpoints to the workspace, its default
//! storage, key vault and container registry (in AllowInternetOutbound only for those whose
//! public network access is disabled; in AllowOnlyApprovedOutbound for all four), and the
//! required service tags. Users add private endpoint, service tag and FQDN rules.

use crate::names;
use moat_model::address::{Address, Kind};
use moat_model::enums::{FirewallProtocol, IsolationMode, OutboundRuleType, PublicNetworkAccess};
use moat_model::ml::{OutboundDestination, Workspace};
use moat_model::values::PortRange;
use moat_model::{Open, Topology};

/// An outbound rule in force in a managed network.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManagedRule {
    pub name: String,
    pub kind: ManagedRuleKind,
    /// Added by Azure (required) rather than by the user.
    pub required: bool,
    /// Where a user's rule is written (required rules are the workspace's own).
    pub at: Option<moat_model::Provenance>,
}

/// What a managed rule allows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ManagedRuleKind {
    /// A private endpoint to a resource's sub-resource.
    PrivateEndpoint { target: Address, group_id: String },
    /// A service tag, with protocol and ports; `ports_documented` is false for required rules
    /// whose ports the documentation does not state (then only the documented ones are sure).
    /// A user's rule may leave its protocol or ports unknown (see
    /// [`moat_model::ml::ServiceTagDestination::read`]).
    ServiceTag {
        tag: String,
        protocol: Open<FirewallProtocol>,
        ports: Open<Vec<PortRange>>,
        ports_documented: bool,
        /// The tag is the workspace region's (`BatchNodeManagement.<region>`) and the input
        /// leaves the region open: `tag` is the whole tag, which holds every region's, and
        /// what the rule allows of it depends on the region.
        of_open_region: bool,
    },
    /// An FQDN (ports 80 and 443 only, through the managed Azure Firewall).
    Fqdn { pattern: String },
}

/// The required service tags of a managed network (facts §3.6). Ports are documented only
/// for AzureMachineLearning (18881 for IntelliSense, 5831 UDP for compute lifecycle); HTTPS is
/// assumed for every tag and other ports are reported as unknown.
fn required_tags(batch: String) -> Vec<(String, FirewallProtocol, Vec<PortRange>, bool)> {
    let p = |ports: &[u16]| {
        ports
            .iter()
            .map(|&x| PortRange::single(x))
            .collect::<Vec<_>>()
    };
    vec![
        (
            "AzureMachineLearning".into(),
            FirewallProtocol::Tcp,
            p(&[443, 18881]),
            true,
        ),
        (
            "AzureMachineLearning".into(),
            FirewallProtocol::Udp,
            p(&[5831]),
            true,
        ),
        (
            "AzureActiveDirectory".into(),
            FirewallProtocol::Tcp,
            p(&[80, 443]),
            false,
        ),
        (batch, FirewallProtocol::Any, p(&[443]), false),
        (
            "AzureResourceManager".into(),
            FirewallProtocol::Tcp,
            p(&[443]),
            false,
        ),
        (
            "AzureFrontDoor.FirstParty".into(),
            FirewallProtocol::Tcp,
            p(&[443]),
            false,
        ),
        (
            "MicrosoftContainerRegistry".into(),
            FirewallProtocol::Tcp,
            p(&[443]),
            false,
        ),
        (
            "AzureMonitor".into(),
            FirewallProtocol::Tcp,
            p(&[443]),
            false,
        ),
    ]
}

fn pna_disabled(t: &Topology, kind: Kind, name: &str) -> bool {
    let d = |p: PublicNetworkAccess| p == PublicNetworkAccess::Disabled;
    match kind {
        Kind::Workspace => t
            .workspaces
            .iter()
            .any(|x| x.name == name && d(x.public_network_access)),
        Kind::Storage => t
            .storage_accounts
            .iter()
            .any(|x| x.name == name && d(x.public_network_access)),
        Kind::Keyvault => t
            .key_vaults
            .iter()
            .any(|x| x.name == name && d(x.public_network_access)),
        Kind::Acr => t
            .container_registries
            .iter()
            .any(|x| x.name == name && d(x.public_network_access)),
        _ => false,
    }
}

/// The rules in force in a workspace's managed network (empty when it has none).
pub fn effective_rules(t: &Topology, w: &Workspace) -> Vec<ManagedRule> {
    let mode = w.managed_network.isolation_mode;
    if mode == IsolationMode::Disabled {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut deps: Vec<(Kind, &String, &[&str])> =
        vec![(Kind::Workspace, &w.name, &["amlworkspace"])];
    if let Some(s) = &w.storage_account {
        deps.push((Kind::Storage, s, &["blob", "file"]));
    }
    if let Some(k) = &w.key_vault {
        deps.push((Kind::Keyvault, k, &["vault"]));
    }
    if let Some(a) = &w.container_registry {
        deps.push((Kind::Acr, a, &["registry"]));
    }
    for (kind, name, groups) in deps {
        if mode == IsolationMode::AllowOnlyApprovedOutbound || pna_disabled(t, kind, name) {
            for g in groups {
                out.push(ManagedRule {
                    name: format!("__required_{kind}_{name}_{g}"),
                    kind: ManagedRuleKind::PrivateEndpoint {
                        target: Address::resource(kind, name.as_str()),
                        group_id: g.to_string(),
                    },
                    required: true,
                    at: None,
                });
            }
        }
    }
    if mode == IsolationMode::AllowOnlyApprovedOutbound {
        // The region's Batch tag; the whole tag when the region is unknown, as the flows that
        // need it name it.
        let region = w.region.as_deref().filter(|r| !r.is_empty());
        let batch = match region {
            Some(r) => format!("BatchNodeManagement.{}", crate::tags::region_suffix(r)),
            None => "BatchNodeManagement".to_string(),
        };
        for (i, (tag, protocol, ports, documented)) in required_tags(batch).into_iter().enumerate()
        {
            let of_open_region = region.is_none() && tag == "BatchNodeManagement";
            out.push(ManagedRule {
                name: format!("__required_tag_{i}_{tag}"),
                kind: ManagedRuleKind::ServiceTag {
                    tag,
                    protocol: Open::Known(protocol),
                    ports: Open::Known(ports),
                    ports_documented: documented,
                    of_open_region,
                },
                required: true,
                at: None,
            });
        }
    }
    for r in w.managed_network.outbound_rules.iter().filter(|r| r.active) {
        let kind = match (&r.kind, &r.destination) {
            (OutboundRuleType::PrivateEndpoint, OutboundDestination::PrivateEndpoint(d)) => {
                match d.service_resource.parse::<Address>() {
                    Ok(target) => ManagedRuleKind::PrivateEndpoint {
                        target,
                        group_id: d.subresource_target.clone(),
                    },
                    Err(_) => continue,
                }
            }
            // Service tag and FQDN rules only exist in AllowOnlyApprovedOutbound (facts §5.1);
            // in AllowInternetOutbound the internet is open anyway.
            (OutboundRuleType::ServiceTag, OutboundDestination::ServiceTag(d))
                if mode == IsolationMode::AllowOnlyApprovedOutbound =>
            {
                ManagedRuleKind::ServiceTag {
                    tag: d.service_tag.clone(),
                    protocol: d.protocol,
                    ports: d.port_ranges.clone(),
                    ports_documented: true,
                    of_open_region: false,
                }
            }
            // An FQDN rule cannot reach storage accounts in AllowOnlyApprovedOutbound: "you
            // can't use an FQDN rule to access Azure Storage Accounts. You must use a private
            // endpoint instead" (facts §6.70); such a rule allows nothing.
            (OutboundRuleType::Fqdn, OutboundDestination::Fqdn(f))
                if mode == IsolationMode::AllowOnlyApprovedOutbound && !is_storage_host(f) =>
            {
                ManagedRuleKind::Fqdn {
                    pattern: f.to_ascii_lowercase(),
                }
            }
            _ => continue,
        };
        out.push(ManagedRule {
            name: r.name.clone(),
            kind,
            required: false,
            at: Some(r.at.clone()),
        });
    }
    out
}

/// Azure Storage service host suffixes (blob, file, queue, table, dfs, static web) in the
/// public, US Government and China clouds.
const STORAGE_SERVICES: &[&str] = &["blob", "file", "queue", "table", "dfs", "web"];
const STORAGE_CLOUDS: &[&str] = &[
    "core.windows.net",
    "core.usgovcloudapi.net",
    "core.chinacloudapi.cn",
];

/// Whether an FQDN rule destination (`contoso.blob.core.windows.net`, `*.blob.core.windows.net`,
/// with or without scheme or port) names Azure Storage hosts.
pub fn is_storage_host(destination: &str) -> bool {
    let d = destination
        .trim()
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let d = d.rsplit("://").next().unwrap_or_default();
    let host = d.split([':', '/']).next().unwrap_or_default();
    STORAGE_SERVICES.iter().any(|s| {
        STORAGE_CLOUDS.iter().any(|c| {
            let suffix = format!("{s}.{c}");
            host == suffix || host.ends_with(&format!(".{suffix}"))
        })
    })
}

/// The managed private endpoint rule of `workspace` that serves `fqdn`, if any.
pub fn private_endpoint_rule_for(
    t: &Topology,
    ix: &moat_model::Index,
    workspace: &str,
    fqdn: &str,
) -> Option<String> {
    let w = &t.workspaces[*ix.workspaces.get(workspace)?];
    effective_rules(t, w)
        .into_iter()
        .find_map(|r| match &r.kind {
            ManagedRuleKind::PrivateEndpoint { target, group_id } => {
                names::endpoint_names(t, ix, target, group_id)
                    .iter()
                    .any(|n| {
                        n.fqdn.eq_ignore_ascii_case(fqdn)
                            && n.group_id.eq_ignore_ascii_case(group_id)
                    })
                    .then(|| r.name.clone())
            }
            _ => None,
        })
}

/// Whether an FQDN rule pattern (`pypi.org`, `*.anaconda.com`) matches a host name.
pub fn fqdn_matches(pattern: &str, host: &str) -> bool {
    let p = pattern.trim_end_matches('.').to_ascii_lowercase();
    let h = host.trim_end_matches('.').to_ascii_lowercase();
    match p.strip_prefix("*.") {
        Some(suffix) => h.ends_with(&format!(".{suffix}")),
        None if p == "*" => true,
        None => p == h,
    }
}

/// Whether `pattern` matches `host` for some region, `host` built with the label of a region
/// the input leaves open ([`names::UNKNOWN_REGION`]) while `pattern` names one
/// (`*.eastus.batch.azure.com`): the open label read as each label of the pattern in turn.
pub fn fqdn_matches_some_region(pattern: &str, host: &str) -> bool {
    let h = host.trim_end_matches('.').to_ascii_lowercase();
    let labels: Vec<&str> = h.split('.').collect();
    let Some(i) = labels.iter().position(|l| *l == names::UNKNOWN_REGION) else {
        return false;
    };
    let p = pattern.trim_end_matches('.').to_ascii_lowercase();
    p.split('.').filter(|l| *l != "*").any(|region| {
        let mut with = labels.clone();
        with[i] = region;
        fqdn_matches(&p, &with.join("."))
    })
}

#[cfg(test)]
mod tests {
    use super::fqdn_matches;

    #[test]
    fn storage_hosts() {
        use super::is_storage_host;
        assert!(is_storage_host("contoso.blob.core.windows.net"));
        assert!(is_storage_host("*.dfs.core.windows.net"));
        assert!(is_storage_host("https://x.file.core.usgovcloudapi.net:443"));
        assert!(!is_storage_host("pypi.org"));
        assert!(!is_storage_host("blob.core.windows.net.evil.com"));
    }

    #[test]
    fn a_region_left_open_may_match_a_regional_pattern() {
        use super::fqdn_matches_some_region as some;
        let host = "node.unknown.batch.azure.com";
        assert!(some("*.eastus.batch.azure.com", host));
        assert!(some("node.westeurope.batch.azure.com", host));
        assert!(!some("*.eastus.service.batch.azure.com", host));
        assert!(!some("pypi.org", host));
        // A host built with a known region has no open label.
        assert!(!some(
            "*.eastus.batch.azure.com",
            "node.westus.batch.azure.com"
        ));
    }

    #[test]
    fn fqdn_patterns() {
        assert!(fqdn_matches("pypi.org", "PyPI.org"));
        assert!(!fqdn_matches("pypi.org", "files.pypi.org"));
        assert!(fqdn_matches("*.anaconda.com", "repo.anaconda.com"));
        assert!(!fqdn_matches("*.anaconda.com", "anaconda.com"));
    }
}
