//! The Azure documentation pages rules cite, each written once: `doc!(SWV, "Limitations")`
//! expands to `"<title> — Limitations <<link>>"`, a `&'static str` usable in a rule's
//! `sources`.

/// The title and link of a page, by short name.
macro_rules! page {
    (REG) => {
        "Network isolation with Azure Machine Learning registries <https://learn.microsoft.com/azure/machine-learning/how-to-registry-network-isolation>"
    };
    (SWV) => {
        "Secure an Azure Machine Learning workspace with virtual networks <https://learn.microsoft.com/azure/machine-learning/how-to-secure-workspace-vnet>"
    };
    (PL) => {
        "Configure a private endpoint for an Azure Machine Learning workspace <https://learn.microsoft.com/azure/machine-learning/how-to-configure-private-link>"
    };
    (PLAN) => {
        "Plan for network isolation <https://learn.microsoft.com/azure/machine-learning/how-to-network-isolation-planning>"
    };
    (TRV) => {
        "Secure an Azure Machine Learning training environment with virtual networks <https://learn.microsoft.com/azure/machine-learning/how-to-secure-training-vnet>"
    };
    (MN) => {
        "Managed virtual network isolation <https://learn.microsoft.com/azure/machine-learning/how-to-managed-network>"
    };
    (MNC) => {
        "Managed compute in a managed virtual network <https://learn.microsoft.com/azure/machine-learning/how-to-managed-network-compute>"
    };
    (FW) => {
        "Configure inbound and outbound network traffic <https://learn.microsoft.com/azure/machine-learning/how-to-access-azureml-behind-firewall>"
    };
    (DNS) => {
        "How to use your workspace with a custom DNS server <https://learn.microsoft.com/azure/machine-learning/how-to-custom-dns>"
    };
    (STU) => {
        "Use Azure Machine Learning studio in an Azure virtual network <https://learn.microsoft.com/azure/machine-learning/how-to-enable-studio-virtual-network>"
    };
    (NSO) => {
        "Secure Azure Machine Learning workspace resources using virtual networks <https://learn.microsoft.com/azure/machine-learning/how-to-network-security-overview>"
    };
    (EXF) => {
        "Azure Machine Learning data exfiltration prevention <https://learn.microsoft.com/azure/machine-learning/how-to-prevent-data-loss-exfiltration>"
    };
    (COE) => {
        "Network isolation with managed online endpoints <https://learn.microsoft.com/azure/machine-learning/concept-secure-online-endpoint>"
    };
    (HOE) => {
        "How to secure managed online endpoints with network isolation <https://learn.microsoft.com/azure/machine-learning/how-to-secure-online-endpoint>"
    };
    (OET) => {
        "Troubleshooting online endpoints deployment and scoring <https://learn.microsoft.com/azure/machine-learning/how-to-troubleshoot-online-endpoints>"
    };
    (BAT) => {
        "Network isolation in batch endpoints <https://learn.microsoft.com/azure/machine-learning/how-to-secure-batch-endpoint>"
    };
    (YWS) => {
        "CLI (v2) workspace YAML schema <https://learn.microsoft.com/azure/machine-learning/reference-yaml-workspace>"
    };
    (PEDNS) => {
        "Azure Private Endpoint DNS configuration <https://learn.microsoft.com/azure/private-link/private-endpoint-dns>"
    };
    (PEDNSI) => {
        "Azure Private Endpoint DNS integration <https://learn.microsoft.com/azure/private-link/private-endpoint-dns-integration>"
    };
    (LIMITS) => {
        "Azure subscription and service limits, quotas, and constraints <https://learn.microsoft.com/azure/azure-resource-manager/management/azure-subscription-service-limits>"
    };
    (ACRPL) => {
        "Connect privately to an Azure container registry using Azure Private Link <https://learn.microsoft.com/azure/container-registry/container-registry-private-link>"
    };
    (SEP) => {
        "Virtual network service endpoint policies for Azure Storage <https://learn.microsoft.com/azure/virtual-network/virtual-network-service-endpoint-policies-overview>"
    };
    (VNFAQ) => {
        "Azure Virtual Network frequently asked questions <https://learn.microsoft.com/azure/virtual-network/virtual-networks-faq>"
    };
    (PENP) => {
        "Manage network policies for private endpoints <https://learn.microsoft.com/azure/private-link/disable-private-endpoint-network-policy>"
    };
    (STLIM) => {
        "Azure Storage network security limitations <https://learn.microsoft.com/azure/storage/common/storage-network-security-limitations>"
    };
    (AZFWFQDN) => {
        "Use FQDN filtering in network rules <https://learn.microsoft.com/azure/firewall/fqdn-filtering-network-rules>"
    };
    (TSC) => {
        "Troubleshoot connection to a workspace with a private endpoint <https://learn.microsoft.com/azure/machine-learning/how-to-troubleshoot-secure-connection-workspace>"
    };
    (AUTH) => {
        "Set up authentication between Azure Machine Learning and other services <https://learn.microsoft.com/azure/machine-learning/how-to-identity-based-service-authentication>"
    };
    (AMPLS) => {
        "Use Azure Private Link to connect networks to Azure Monitor <https://learn.microsoft.com/azure/azure-monitor/logs/private-link-security>"
    };
}

/// A rule source: a page of [`page!`] and the section the rule comes from.
macro_rules! doc {
    ($p:ident) => {
        page!($p)
    };
    ($p:ident, $section:literal) => {
        concat!($section, " — ", page!($p))
    };
}
