//! The resource types moat reads, once: each Azure resource type, the azurerm resource types
//! that declare it, and the model kind it becomes. The ARM mapper (and through it the live
//! export and azapi bodies) reads a type's kind here, the Terraform importer the Azure type of
//! an azurerm resource and the kind an id names; none keeps a table of its own.

use crate::map::Kind;

/// One resource type.
#[derive(Debug)]
pub struct ResourceType {
    /// The Azure type as ARM writes it (`Microsoft.Network/virtualNetworks/subnets`).
    pub azure: &'static str,
    /// The azurerm resource types whose instances are resources of this type.
    pub azurerm: &'static [&'static str],
    /// What the model makes of it.
    pub kind: Kind,
}

const fn ty(azure: &'static str, azurerm: &'static [&'static str], kind: Kind) -> ResourceType {
    ResourceType {
        azure,
        azurerm,
        kind,
    }
}

/// Every type moat reads.
pub static TYPES: &[ResourceType] = &[
    ty(
        "Microsoft.MachineLearningServices/workspaces",
        &[
            "azurerm_machine_learning_workspace",
            "azurerm_ai_foundry",
            "azurerm_ai_foundry_project",
        ],
        Kind::Workspace,
    ),
    ty(
        "Microsoft.MachineLearningServices/registries",
        &[],
        Kind::Registry,
    ),
    ty(
        "Microsoft.MachineLearningServices/workspaces/computes",
        &[
            "azurerm_machine_learning_compute_cluster",
            "azurerm_machine_learning_compute_instance",
            "azurerm_machine_learning_inference_cluster",
        ],
        Kind::Compute,
    ),
    ty(
        "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
        &[],
        Kind::OnlineEndpoint,
    ),
    ty(
        "Microsoft.Storage/storageAccounts",
        &["azurerm_storage_account"],
        Kind::Storage,
    ),
    ty(
        "Microsoft.KeyVault/vaults",
        &["azurerm_key_vault"],
        Kind::KeyVault,
    ),
    ty(
        "Microsoft.ContainerRegistry/registries",
        &["azurerm_container_registry"],
        Kind::Acr,
    ),
    ty(
        "Microsoft.Insights/components",
        &["azurerm_application_insights"],
        Kind::AppInsights,
    ),
    ty(
        "Microsoft.Insights/privateLinkScopes",
        &["azurerm_monitor_private_link_scope"],
        Kind::Ampls,
    ),
    ty(
        "Microsoft.OperationalInsights/workspaces",
        &["azurerm_log_analytics_workspace"],
        Kind::LogAnalytics,
    ),
    ty(
        "Microsoft.Network/virtualNetworks",
        &["azurerm_virtual_network"],
        Kind::Vnet,
    ),
    ty(
        "Microsoft.Network/virtualNetworks/subnets",
        &["azurerm_subnet"],
        Kind::Subnet,
    ),
    ty(
        "Microsoft.Network/networkSecurityGroups",
        &["azurerm_network_security_group"],
        Kind::Nsg,
    ),
    ty(
        "Microsoft.Network/applicationSecurityGroups",
        &["azurerm_application_security_group"],
        Kind::Asg,
    ),
    ty(
        "Microsoft.Network/routeTables",
        &["azurerm_route_table"],
        Kind::RouteTable,
    ),
    ty(
        "Microsoft.Network/natGateways",
        &["azurerm_nat_gateway"],
        Kind::NatGateway,
    ),
    ty(
        "Microsoft.Network/publicIPAddresses",
        &["azurerm_public_ip"],
        Kind::PublicIp,
    ),
    ty(
        "Microsoft.Network/azureFirewalls",
        &["azurerm_firewall"],
        Kind::Firewall,
    ),
    ty(
        "Microsoft.Network/firewallPolicies",
        &["azurerm_firewall_policy"],
        Kind::FirewallPolicy,
    ),
    ty(
        "Microsoft.Network/ipGroups",
        &["azurerm_ip_group"],
        Kind::IpGroup,
    ),
    ty(
        "Microsoft.Network/virtualNetworkGateways",
        &["azurerm_virtual_network_gateway"],
        Kind::VnetGateway,
    ),
    ty(
        "Microsoft.Network/localNetworkGateways",
        &["azurerm_local_network_gateway"],
        Kind::LocalGateway,
    ),
    ty(
        "Microsoft.Network/connections",
        &["azurerm_virtual_network_gateway_connection"],
        Kind::Connection,
    ),
    ty(
        "Microsoft.Network/bastionHosts",
        &["azurerm_bastion_host"],
        Kind::Bastion,
    ),
    ty(
        "Microsoft.Compute/virtualMachines",
        &[
            "azurerm_linux_virtual_machine",
            "azurerm_windows_virtual_machine",
            "azurerm_virtual_machine",
        ],
        Kind::Vm,
    ),
    ty(
        "Microsoft.Network/networkInterfaces",
        &["azurerm_network_interface"],
        Kind::Nic,
    ),
    ty(
        "Microsoft.Network/serviceEndpointPolicies",
        &["azurerm_subnet_service_endpoint_storage_policy"],
        Kind::ServiceEndpointPolicy,
    ),
    ty(
        "Microsoft.Network/privateEndpoints",
        &["azurerm_private_endpoint"],
        Kind::PrivateEndpoint,
    ),
    ty(
        "Microsoft.Network/privateDnsZones",
        &["azurerm_private_dns_zone"],
        Kind::DnsZone,
    ),
    ty(
        "Microsoft.Network/dnsResolvers",
        &["azurerm_private_dns_resolver"],
        Kind::DnsResolver,
    ),
    ty(
        "Microsoft.Network/dnsResolvers/inboundEndpoints",
        &["azurerm_private_dns_resolver_inbound_endpoint"],
        Kind::ResolverInbound,
    ),
    ty(
        "Microsoft.Network/dnsResolvers/outboundEndpoints",
        &["azurerm_private_dns_resolver_outbound_endpoint"],
        Kind::ResolverOutbound,
    ),
    ty(
        "Microsoft.Network/dnsForwardingRulesets",
        &["azurerm_private_dns_resolver_dns_forwarding_ruleset"],
        Kind::Ruleset,
    ),
    ty(
        "Microsoft.ContainerService/managedClusters",
        &["azurerm_kubernetes_cluster"],
        Kind::Aks,
    ),
    ty(
        "Microsoft.ManagedIdentity/userAssignedIdentities",
        &["azurerm_user_assigned_identity"],
        Kind::Identity,
    ),
];

/// The type an ARM type names (compared without case).
pub fn of_azure(rtype: &str) -> Option<&'static ResourceType> {
    TYPES.iter().find(|t| t.azure.eq_ignore_ascii_case(rtype))
}

/// The type an azurerm resource type declares.
pub fn of_azurerm(rtype: &str) -> Option<&'static ResourceType> {
    TYPES.iter().find(|t| t.azurerm.contains(&rtype))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_type_is_written_once() {
        for (i, a) in TYPES.iter().enumerate() {
            for b in &TYPES[i + 1..] {
                assert!(!a.azure.eq_ignore_ascii_case(b.azure), "{}", a.azure);
                for r in a.azurerm {
                    assert!(!b.azurerm.contains(r), "{r}");
                }
            }
        }
        assert_eq!(
            of_azure("microsoft.network/virtualnetworks/SUBNETS").map(|t| t.kind),
            Some(Kind::Subnet)
        );
        assert_eq!(
            of_azurerm("azurerm_windows_virtual_machine").map(|t| t.azure),
            Some("Microsoft.Compute/virtualMachines")
        );
    }
}
