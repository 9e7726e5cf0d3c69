//! Azure Firewall FQDN tags in application rules.
//!
//! Azure Firewall, "FQDN tags overview": an FQDN tag represents a group of FQDNs of a known
//! Microsoft service; "you can't create your own FQDN tags, nor can you specify which FQDNs
//! are included within a tag. Microsoft manages the FQDNs encompassed by the FQDN tag". The
//! sets are therefore not documented as a whole: a name under a tag is covered only where a
//! document says the tag holds it, and otherwise may or may not be.

use crate::managed::fqdn_matches;

/// The names a tag is documented to hold, by tag (case-insensitive), with the page that
/// says so.
const DOCUMENTED: &[(&str, &[&str])] = &[
    // AKS, "Control egress traffic using Azure Firewall in AKS": "The FQDN tag contains all
    // the FQDNs listed in outbound network and FQDN rules for AKS clusters"; the global
    // cloud's required FQDNs of that page ("Outbound network and FQDN rules for Azure
    // Kubernetes Service (AKS) clusters"). The API server's name carries the cluster's
    // region: `*.hcp.<location>.azmk8s.io`.
    (
        "AzureKubernetesService",
        &[
            "*.azmk8s.io",
            "mcr.microsoft.com",
            "*.data.mcr.microsoft.com",
            "mcr-0001.mcr-msedge.net",
            "management.azure.com",
            "login.microsoftonline.com",
            "packages.microsoft.com",
            "acs-mirror.azureedge.net",
            "packages.aks.azure.com",
        ],
    ),
];

/// Whether FQDN tag `tag` holds `host`: `Some(true)` where a document says it does; `None`
/// where the tag's set is not documented so far (it may or may not).
pub fn holds(tag: &str, host: &str) -> Option<bool> {
    let (_, names) = DOCUMENTED
        .iter()
        .find(|(t, _)| t.eq_ignore_ascii_case(tag))?;
    if names.iter().any(|p| covers_aks(p, host)) {
        return Some(true);
    }
    None
}

/// `fqdn_matches`, with the API server's `*.hcp.<location>.azmk8s.io` read as any name
/// under `hcp.<region>.azmk8s.io`.
fn covers_aks(pattern: &str, host: &str) -> bool {
    if pattern == "*.azmk8s.io" {
        let h = host.trim_end_matches('.').to_ascii_lowercase();
        let Some(rest) = h.strip_suffix(".azmk8s.io") else {
            return false;
        };
        // `<cluster>.hcp.<region>`: the region is the last label, `hcp` the one before.
        let labels: Vec<&str> = rest.split('.').collect();
        return labels.len() >= 3 && labels[labels.len() - 2] == "hcp";
    }
    fqdn_matches(pattern, host)
}

#[cfg(test)]
mod tests {
    use super::holds;

    #[test]
    fn aks_tag_holds_the_documented_required_names() {
        assert_eq!(
            holds("AzureKubernetesService", "mcr.microsoft.com"),
            Some(true)
        );
        assert_eq!(
            holds("azurekubernetesservice", "x.data.mcr.microsoft.com"),
            Some(true)
        );
        assert_eq!(
            holds("AzureKubernetesService", "aks-1.hcp.eastus.azmk8s.io"),
            Some(true)
        );
        assert_eq!(
            holds("AzureKubernetesService", "hcp.eastus.azmk8s.io"),
            None
        );
        // Not documented either way: may or may not be in the tag.
        assert_eq!(holds("AzureKubernetesService", "pypi.org"), None);
        assert_eq!(holds("WindowsUpdate", "mcr.microsoft.com"), None);
    }
}
