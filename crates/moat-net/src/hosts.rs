//! Internet host names and the service tags behind them.
//!
//! A trace to `pypi.org` must know whether a firewall rule for `AzureActiveDirectory` could
//! apply. Hosts the Azure ML documentation names (facts §4) map to the tag that serves them;
//! other hosts under Microsoft's domains may sit behind any tag (unknown); every other host is
//! taken to be outside Azure's service tags — an assumption the trace states.

/// What is known of a host's service tag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostTag {
    /// Served from this tag's addresses (global tag name).
    Tag(&'static str),
    /// A Microsoft host whose tag the model does not know.
    Microsoft,
    /// A third-party host, assumed outside Azure's service tags.
    ThirdParty,
}

/// Documented hosts and their tags; `*.` entries match any subdomain.
const KNOWN: &[(&str, &str)] = &[
    ("ml.azure.com", "AzureFrontDoor.Frontend"),
    (
        "automlresources-prod-d0eaehh7g8andvav.b02.azurefd.net",
        "AzureFrontDoor.Frontend",
    ),
    ("login.microsoftonline.com", "AzureActiveDirectory"),
    ("graph.windows.net", "AzureActiveDirectory"),
    ("graph.microsoft.com", "AzureActiveDirectory"),
    ("management.azure.com", "AzureResourceManager"),
    ("mcr.microsoft.com", "MicrosoftContainerRegistry"),
    ("*.data.mcr.microsoft.com", "AzureFrontDoor.FirstParty"),
    ("*.blob.core.windows.net", "Storage"),
    ("*.file.core.windows.net", "Storage"),
    ("*.queue.core.windows.net", "Storage"),
    ("*.table.core.windows.net", "Storage"),
    ("*.dfs.core.windows.net", "Storage"),
    ("*.vault.azure.net", "AzureKeyVault"),
    ("*.azurecr.io", "AzureContainerRegistry"),
    ("*.api.azureml.ms", "AzureMachineLearning"),
    ("*.instances.azureml.ms", "AzureMachineLearning"),
    ("*.instances.azureml.net", "AzureMachineLearning"),
    ("*.tundra.azureml.ms", "AzureMachineLearning"),
    ("*.batch.azure.com", "BatchNodeManagement"),
    ("*.applicationinsights.azure.com", "AzureMonitor"),
    ("*.in.applicationinsights.azure.com", "AzureMonitor"),
];

/// The Python package hosts (facts §4.5): the pattern a firewall rule names, and a host under
/// it that a client actually contacts.
pub const PACKAGE_HOSTS: &[(&str, &str)] = &[
    ("pypi.org", "pypi.org"),
    ("*.pythonhosted.org", "files.pythonhosted.org"),
    ("anaconda.com", "anaconda.com"),
    ("*.anaconda.com", "repo.anaconda.com"),
    ("*.anaconda.org", "conda.anaconda.org"),
];

/// Microsoft Container Registry's host (facts §4.4, "always needed").
pub const MCR: &str = "mcr.microsoft.com";

/// The regional MCR data endpoint image layers come from (`*.data.mcr.microsoft.com`, facts
/// §4.4).
pub fn mcr_data_host(region: &str) -> String {
    format!("{}.data.mcr.microsoft.com", region.to_ascii_lowercase())
}

/// Microsoft domains whose hosts may sit behind any service tag.
const MICROSOFT: &[&str] = &[
    "azure.com",
    "azure.net",
    "windows.net",
    "microsoft.com",
    "azureml.ms",
    "azureml.net",
    "azureedge.net",
    "azurefd.net",
    "visualstudio.com",
    "vsassets.io",
    "msecnd.net",
    "microsoftonline.com",
    "aznbcontent.net",
    "azure-automation.net",
    "opinsights.azure.com",
    "aka.ms",
];

fn matches(pattern: &str, host: &str) -> bool {
    match pattern.strip_prefix("*.") {
        Some(suffix) => in_domain(host, suffix),
        None => host == pattern,
    }
}

/// Whether `host` ends with `.domain` (a trace asks for every host it resolves: no text is
/// built to ask).
fn in_domain(host: &str, domain: &str) -> bool {
    host.strip_suffix(domain)
        .is_some_and(|rest| rest.ends_with('.'))
}

/// The service tag behind a host name.
pub fn host_tag(host: &str) -> HostTag {
    let h = host.trim_end_matches('.').to_ascii_lowercase();
    if let Some((_, tag)) = KNOWN.iter().find(|(p, _)| matches(p, &h)) {
        return HostTag::Tag(tag);
    }
    if MICROSOFT.iter().any(|d| h == *d || in_domain(&h, d)) {
        return HostTag::Microsoft;
    }
    HostTag::ThirdParty
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_hosts() {
        assert_eq!(
            host_tag("ml.azure.com"),
            HostTag::Tag("AzureFrontDoor.Frontend")
        );
        assert_eq!(host_tag("x.blob.core.windows.net"), HostTag::Tag("Storage"));
        assert_eq!(host_tag("code.visualstudio.com"), HostTag::Microsoft);
        assert_eq!(host_tag("pypi.org"), HostTag::ThirdParty);
        assert_eq!(host_tag("repo.anaconda.com"), HostTag::ThirdParty);
    }
}
