//! The workspace's dependencies: storage accounts, key vaults, container registries,
//! Application Insights and the Azure Monitor private link scope.

use crate::Provenance;
use crate::enums::*;
use crate::values::AddressPrefix;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

fn enabled() -> PublicNetworkAccess {
    PublicNetworkAccess::Enabled
}
fn allow() -> DefaultAction {
    DefaultAction::Allow
}

/// The firewall of a storage account (`networkAcls`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StorageNetworkRules {
    /// `Allow` = all networks; `Deny` = selected networks only.
    #[serde(default = "allow")]
    pub default_action: DefaultAction,
    /// Exceptions: `AzureServices` (trusted services), `Logging`, `Metrics`, `None`.
    #[serde(default = "azure_services")]
    pub bypass: Vec<String>,
    /// Public IP addresses or ranges allowed.
    #[serde(default)]
    pub ip_rules: Vec<AddressPrefix>,
    /// Subnets (`vnet/subnet`) allowed through the `Microsoft.Storage` service endpoint.
    #[serde(default)]
    pub virtual_network_rules: Vec<String>,
    /// Resource instances allowed (`Microsoft.MachineLearningServices/workspaces` + name).
    #[serde(default)]
    pub resource_access_rules: Vec<ResourceAccessRule>,
}

fn azure_services() -> Vec<String> {
    vec!["AzureServices".into()]
}

impl Default for StorageNetworkRules {
    fn default() -> Self {
        StorageNetworkRules {
            default_action: DefaultAction::Allow,
            bypass: azure_services(),
            ip_rules: Vec::new(),
            virtual_network_rules: Vec::new(),
            resource_access_rules: Vec::new(),
        }
    }
}

impl StorageNetworkRules {
    /// Whether trusted Azure services may bypass the firewall.
    pub fn trusted_services(&self) -> bool {
        self.bypass
            .iter()
            .any(|b| b.eq_ignore_ascii_case("AzureServices"))
    }
}

/// A resource-instance rule: a resource of a given type (and name) passes the firewall through
/// its managed identity.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceAccessRule {
    /// `Microsoft.MachineLearningServices/workspaces` or `.../registries`.
    pub resource_type: String,
    /// Resource name; `*` for every instance of the type in the tenant.
    pub name: String,
    #[serde(default)]
    pub tenant_id: Option<String>,
}

/// A storage account (`Microsoft.Storage/storageAccounts`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StorageAccount {
    pub name: String,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default = "enabled")]
    pub public_network_access: PublicNetworkAccess,
    #[serde(default)]
    pub network_rules: StorageNetworkRules,
    /// Hierarchical namespace (ADLS Gen2).
    #[serde(default)]
    pub is_hns_enabled: bool,
    /// SKU (`Standard_LRS`, `Premium_LRS`, ...).
    #[serde(default)]
    pub sku: Option<String>,
    /// Shared key (account key and SAS) authorization (`allowSharedKeyAccess`); Azure's default
    /// is true.
    #[serde(default = "yes", skip_serializing_if = "Clone::clone")]
    pub allow_shared_key_access: bool,
    /// Anonymous read access to containers and blobs permitted (`allowBlobPublicAccess`); a
    /// container then serves its blobs without authorization once its own access level allows
    /// it. Azure's default for a new account is false (azurerm's
    /// `allow_nested_items_to_be_public` defaults to true).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_blob_public_access: bool,
    /// Minimum TLS version accepted (`TLS1_0`, `TLS1_1`, `TLS1_2`); absent = Azure's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_tls_version: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(
        rename = "$at",
        default,
        skip_serializing_if = "Provenance::is_unknown"
    )]
    #[schemars(skip)]
    pub at: Provenance,
}

/// The firewall of a key vault or container registry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkRuleSet {
    #[serde(default = "allow")]
    pub default_action: DefaultAction,
    /// Trusted Azure services bypass (`AzureServices`) or none.
    #[serde(default = "bypass_azure")]
    pub bypass: Bypass,
    #[serde(default)]
    pub ip_rules: Vec<AddressPrefix>,
    /// Subnets (`vnet/subnet`) allowed through the service's service endpoint.
    #[serde(default)]
    pub virtual_network_rules: Vec<String>,
}

fn bypass_azure() -> Bypass {
    Bypass::AzureServices
}

impl Default for NetworkRuleSet {
    fn default() -> Self {
        NetworkRuleSet {
            default_action: DefaultAction::Allow,
            bypass: Bypass::AzureServices,
            ip_rules: Vec::new(),
            virtual_network_rules: Vec::new(),
        }
    }
}

/// A key vault (`Microsoft.KeyVault/vaults`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyVault {
    pub name: String,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default = "enabled")]
    pub public_network_access: PublicNetworkAccess,
    #[serde(default)]
    pub network_acls: NetworkRuleSet,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(
        rename = "$at",
        default,
        skip_serializing_if = "Provenance::is_unknown"
    )]
    #[schemars(skip)]
    pub at: Provenance,
}

/// A container registry (`Microsoft.ContainerRegistry/registries`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContainerRegistry {
    pub name: String,
    #[serde(default)]
    pub region: Option<String>,
    /// SKU (`Basic`, `Standard`, `Premium`); private endpoints need Premium.
    pub sku: AcrSku,
    #[serde(default = "enabled")]
    pub public_network_access: PublicNetworkAccess,
    /// Firewall (Premium only).
    #[serde(default)]
    pub network_rule_set: NetworkRuleSet,
    /// Dedicated data endpoints (`<name>.<region>.data.azurecr.io`).
    #[serde(default)]
    pub data_endpoint_enabled: bool,
    #[serde(default)]
    pub admin_user_enabled: bool,
    /// Anonymous (unauthenticated) pull (`anonymousPullEnabled`); Azure's default is false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub anonymous_pull_enabled: bool,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(
        rename = "$at",
        default,
        skip_serializing_if = "Provenance::is_unknown"
    )]
    #[schemars(skip)]
    pub at: Provenance,
}

impl ContainerRegistry {
    /// Whether trusted Azure services may bypass the firewall.
    pub fn trusted_services(&self) -> bool {
        self.network_rule_set.bypass == Bypass::AzureServices
    }
}

/// An Application Insights component (`Microsoft.Insights/components`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationInsights {
    pub name: String,
    #[serde(default)]
    pub region: Option<String>,
    /// Workspace-based (required before joining a private link scope).
    #[serde(default = "yes")]
    pub workspace_based: bool,
    #[serde(default = "enabled")]
    pub public_network_access_for_ingestion: PublicNetworkAccess,
    #[serde(default = "enabled")]
    pub public_network_access_for_query: PublicNetworkAccess,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(
        rename = "$at",
        default,
        skip_serializing_if = "Provenance::is_unknown"
    )]
    #[schemars(skip)]
    pub at: Provenance,
}

fn yes() -> bool {
    true
}

/// An Azure Monitor private link scope (`Microsoft.Insights/privateLinkScopes`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MonitorPrivateLinkScope {
    pub name: String,
    #[serde(default = "open")]
    pub ingestion_access_mode: AmplsAccessMode,
    #[serde(default = "open")]
    pub query_access_mode: AmplsAccessMode,
    /// Application Insights components and Log Analytics workspaces in the scope.
    #[serde(default)]
    pub scoped_resources: Vec<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(
        rename = "$at",
        default,
        skip_serializing_if = "Provenance::is_unknown"
    )]
    #[schemars(skip)]
    pub at: Provenance,
}

fn open() -> AmplsAccessMode {
    AmplsAccessMode::Open
}
