//! Azure's names for things: the public FQDNs of each resource, the privatelink names they are
//! CNAMEd to, the zones private endpoints register in, and the service tags of each public
//! endpoint (facts §2.1–2.2).

use moat_model::Topology;
use moat_model::address::{Address, Kind};

/// A public endpoint of a resource: the FQDN clients use, and where Azure's public DNS sends it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceName {
    /// The FQDN clients connect to (`wsstorage.blob.core.windows.net`).
    pub fqdn: String,
    /// The privatelink name it is CNAMEd to (`wsstorage.privatelink.blob.core.windows.net`).
    pub privatelink: String,
    /// The privatelink zone holding the record (`privatelink.blob.core.windows.net`).
    pub zone: &'static str,
    /// The record name inside the zone (`wsstorage`).
    pub record: String,
    /// Whether Azure's public DNS answers the name (registries have no public resource name).
    pub publicly_resolvable: bool,
    /// Service tag base of the public endpoint (`Storage`), if known.
    pub tag: Option<&'static str>,
    /// The group id (private endpoint sub-resource) that serves this name.
    pub group_id: &'static str,
}

/// The workspace API host (`<guid>.workspace.<region>.api.azureml.ms`).
pub fn workspace_api(guid: &str, region: &str) -> ResourceName {
    ResourceName {
        fqdn: format!("{guid}.workspace.{region}.api.azureml.ms"),
        privatelink: format!("{guid}.workspace.{region}.privatelink.api.azureml.ms"),
        zone: "privatelink.api.azureml.ms",
        record: format!("{guid}.workspace.{region}"),
        publicly_resolvable: true,
        tag: Some("AzureMachineLearning"),
        group_id: "amlworkspace",
    }
}

/// The workspace's integrated notebooks host; the first label is kept within 63 characters by
/// truncating the workspace name, as Azure does.
pub fn workspace_notebooks(name: &str, guid: &str, region: &str) -> ResourceName {
    let fixed = format!("ml--{region}-{guid}").len();
    let room = 63usize.saturating_sub(fixed);
    let short: String = name.to_ascii_lowercase().chars().take(room).collect();
    let label = format!("ml-{short}-{region}-{guid}");
    ResourceName {
        fqdn: format!("{label}.{region}.notebooks.azure.net"),
        privatelink: format!("{label}.{region}.privatelink.notebooks.azure.net"),
        zone: "privatelink.notebooks.azure.net",
        record: format!("{label}.{region}"),
        publicly_resolvable: true,
        tag: None,
        group_id: "amlworkspace",
    }
}

/// A registry's host. There is no public resource-specific name that Azure DNS resolves
/// recursively (seed 000): only the privatelink record answers it.
pub fn registry_api(guid: &str, region: &str) -> ResourceName {
    ResourceName {
        fqdn: format!("{guid}.registry.{region}.api.azureml.ms"),
        privatelink: format!("{guid}.registry.{region}.privatelink.api.azureml.ms"),
        zone: "privatelink.api.azureml.ms",
        record: format!("{guid}.registry.{region}"),
        publicly_resolvable: false,
        tag: Some("AzureMachineLearning"),
        group_id: "amlregistry",
    }
}

/// A compute instance's host (`<instance>.<region>.instances.azureml.ms`, the region the
/// workspace was created in). It has no privatelink name of its own: inside Azure it answers
/// with the workspace private endpoint's API address (see `dns`).
pub fn compute_instance(instance: &str, region: &str) -> String {
    format!(
        "{}.{region}.instances.azureml.ms",
        instance.to_ascii_lowercase()
    )
}

/// The label a host name carries for a region the input leaves unknown: one label, the same in
/// every name built from it, so that names built from one unknown region still match each other
/// and a wildcard (`*.batch.azure.com`) matches them as it matches every region's; never an empty
/// label (`node..batch.azure.com`).
pub const UNKNOWN_REGION: &str = "unknown";

/// The region to build host names with: the known one, or [`UNKNOWN_REGION`].
pub fn region_label(region: Option<&str>) -> &str {
    region.filter(|r| !r.is_empty()).unwrap_or(UNKNOWN_REGION)
}

/// The regional Azure ML API host public registries and discovery are served from.
pub fn regional_api(region: &str) -> String {
    format!("{region}.api.azureml.ms")
}

/// A managed online endpoint's scoring host.
pub fn online_endpoint(endpoint: &str, ws_guid: &str, region: &str) -> ResourceName {
    ResourceName {
        fqdn: format!("{endpoint}.{region}.inference.ml.azure.com"),
        privatelink: format!("{endpoint}.{ws_guid}.inference.{region}.privatelink.api.azureml.ms"),
        zone: "privatelink.api.azureml.ms",
        record: format!("*.{ws_guid}.inference.{region}"),
        publicly_resolvable: true,
        tag: Some("AzureMachineLearning"),
        group_id: "amlworkspace",
    }
}

/// The DNS label of a resource's model name: a namesake the input does not declare is named
/// `<name>@<resource group>` ([`moat_model::external::namesake`]); its host is its name's.
fn host_label(name: &str) -> &str {
    name.split_once('@').map_or(name, |(n, _)| n)
}

/// A storage account's host for a sub-resource (`blob`, `file`, `queue`, `table`, `dfs`, `web`).
pub fn storage(account: &str, sub: &str) -> ResourceName {
    let account = host_label(account);
    let zone: &'static str = match sub {
        "file" => "privatelink.file.core.windows.net",
        "queue" => "privatelink.queue.core.windows.net",
        "table" => "privatelink.table.core.windows.net",
        "dfs" => "privatelink.dfs.core.windows.net",
        "web" => "privatelink.web.core.windows.net",
        _ => "privatelink.blob.core.windows.net",
    };
    let group: &'static str = match sub {
        "file" => "file",
        "queue" => "queue",
        "table" => "table",
        "dfs" => "dfs",
        "web" => "web",
        _ => "blob",
    };
    let suffix = zone.trim_start_matches("privatelink.");
    ResourceName {
        fqdn: format!("{account}.{suffix}"),
        privatelink: format!("{account}.{zone}"),
        zone,
        record: account.to_string(),
        publicly_resolvable: true,
        tag: Some("Storage"),
        group_id: group,
    }
}

/// A key vault's host.
pub fn key_vault(name: &str) -> ResourceName {
    let name = host_label(name);
    ResourceName {
        fqdn: format!("{name}.vault.azure.net"),
        privatelink: format!("{name}.privatelink.vaultcore.azure.net"),
        zone: "privatelink.vaultcore.azure.net",
        record: name.to_string(),
        publicly_resolvable: true,
        tag: Some("AzureKeyVault"),
        group_id: "vault",
    }
}

/// A container registry's login host.
pub fn acr(name: &str) -> ResourceName {
    let name = host_label(name);
    ResourceName {
        fqdn: format!("{name}.azurecr.io"),
        privatelink: format!("{name}.privatelink.azurecr.io"),
        zone: "privatelink.azurecr.io",
        record: name.to_string(),
        publicly_resolvable: true,
        tag: Some("AzureContainerRegistry"),
        group_id: "registry",
    }
}

/// A container registry's regional data endpoint (image layers are pulled from it).
pub fn acr_data(name: &str, region: &str) -> ResourceName {
    let name = host_label(name);
    ResourceName {
        fqdn: format!("{name}.{region}.data.azurecr.io"),
        privatelink: format!("{name}.{region}.data.privatelink.azurecr.io"),
        zone: "privatelink.azurecr.io",
        record: format!("{name}.{region}.data"),
        publicly_resolvable: true,
        tag: Some("AzureContainerRegistry"),
        group_id: "registry",
    }
}

/// The private DNS zone recommended for a group id (the zone a zone group should name).
pub fn zones_for_group(group_id: &str) -> &'static [&'static str] {
    match group_id.to_ascii_lowercase().as_str() {
        "amlworkspace" => &[
            "privatelink.api.azureml.ms",
            "privatelink.notebooks.azure.net",
        ],
        "amlregistry" => &["privatelink.api.azureml.ms"],
        "blob" | "blob_secondary" => &["privatelink.blob.core.windows.net"],
        "file" => &["privatelink.file.core.windows.net"],
        "queue" | "queue_secondary" => &["privatelink.queue.core.windows.net"],
        "table" | "table_secondary" => &["privatelink.table.core.windows.net"],
        "dfs" | "dfs_secondary" => &["privatelink.dfs.core.windows.net"],
        "web" | "web_secondary" => &["privatelink.web.core.windows.net"],
        "vault" => &["privatelink.vaultcore.azure.net"],
        "registry" => &["privatelink.azurecr.io"],
        "azuremonitor" => &[
            "privatelink.monitor.azure.com",
            "privatelink.oms.opinsights.azure.com",
            "privatelink.ods.opinsights.azure.com",
            "privatelink.agentsvc.azure-automation.net",
            "privatelink.blob.core.windows.net",
        ],
        _ => &[],
    }
}

/// The public zones whose names CNAME into a privatelink zone (the zones a custom DNS server
/// must forward to Azure DNS).
pub fn public_zone_of(privatelink_zone: &str) -> &str {
    privatelink_zone
        .strip_prefix("privatelink.")
        .unwrap_or(privatelink_zone)
}

/// The name of a registry's managed storage account or ACR: the declared name, or one derived
/// from the registry name (Azure generates it; it lives in `azureml-rg-<name>_<guid>`).
pub fn registry_managed_name(r: &moat_model::ml::Registry, sub: &str) -> String {
    let registry = r.name.as_str();
    let declared = match sub {
        "storage" => r.storage.name.clone(),
        "acr" => r.acr.name.clone(),
        _ => None,
    };
    declared.unwrap_or_else(|| {
        let base: String = registry
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        let guid = r.registry_id.clone().unwrap_or_default().replace('-', "");
        format!(
            "{}{}{}",
            base.chars().take(14).collect::<String>(),
            if sub == "acr" { "acr" } else { "st" },
            &guid[..guid.len().min(6)]
        )
    })
}

/// The workspace whose network a workspace uses: a project shares its hub's private
/// endpoints, public network access, managed network and host names (facts §6 item 99,
/// "projects inherit the hub FQDNs"); any other workspace is its own.
pub fn network_workspace<'t>(
    t: &'t Topology,
    ix: &moat_model::Index,
    name: &str,
) -> Option<&'t moat_model::ml::Workspace> {
    let w = &t.workspaces[*ix.workspaces.get(name)?];
    Some(
        w.hub
            .as_ref()
            .and_then(|h| ix.workspaces.get(h))
            .map(|&i| &t.workspaces[i])
            .unwrap_or(w),
    )
}

/// The hub a project names that the input does not declare (a hub of another deployment,
/// given by id): the project's network is that hub's (facts §6 item 99), whose private
/// endpoints, public network access and managed network the input does not give, so the
/// project is not reached, nor its computes placed, on its own settings.
pub fn hub_outside<'t>(t: &'t Topology, ix: &moat_model::Index, name: &str) -> Option<&'t str> {
    let w = &t.workspaces[*ix.workspaces.get(name)?];
    w.hub.as_deref().filter(|h| !ix.workspaces.contains_key(*h))
}

/// The scoring host of an online endpoint, served by the private endpoint of the workspace
/// whose network the endpoint's workspace uses (seed 004, "Managed online endpoints").
pub fn endpoint_scoring(
    t: &Topology,
    ix: &moat_model::Index,
    endpoint: &moat_model::ml::OnlineEndpoint,
) -> Option<ResourceName> {
    let w = network_workspace(t, ix, &endpoint.workspace)?;
    Some(online_endpoint(
        &endpoint.name,
        w.workspace_id.as_deref().unwrap_or_default(),
        region_label(w.region.as_deref()),
    ))
}

/// Every name a private endpoint serves, with the zone it belongs in. Azure writes a record for
/// each into the matching zone of the endpoint's zone group. The target is found through `ix`
/// (the topology's index): callers ask this once per endpoint, and a scan per call grows with
/// endpoints × resources.
pub fn endpoint_names(
    t: &Topology,
    ix: &moat_model::Index,
    target: &Address,
    group_id: &str,
) -> Vec<ResourceName> {
    let Address::Resource { kind, name, sub } = target else {
        return vec![];
    };
    let region_of = |r: &Option<String>| region_label(r.as_deref()).to_string();
    match kind {
        Kind::Workspace => {
            let Some(w) = ix.workspaces.get(name).map(|&i| &t.workspaces[i]) else {
                return vec![];
            };
            let guid = w.workspace_id.clone().unwrap_or_default();
            let region = region_of(&w.region);
            let mut cert = workspace_api(&guid, &region);
            cert.fqdn = format!("{guid}.workspace.{region}.cert.api.azureml.ms");
            cert.privatelink = format!("{guid}.workspace.{region}.cert.privatelink.api.azureml.ms");
            cert.record = format!("{guid}.workspace.{region}.cert");
            // One wildcard inference record serves every online endpoint of the workspace.
            vec![
                workspace_api(&guid, &region),
                cert,
                workspace_notebooks(&w.name, &guid, &region),
                online_endpoint("*", &guid, &region),
            ]
        }
        Kind::Registry => {
            let Some(r) = ix.registries.get(name).map(|&i| &t.registries[i]) else {
                return vec![];
            };
            match sub.as_deref() {
                None => {
                    let guid = r.registry_id.clone().unwrap_or_default();
                    r.regions
                        .iter()
                        .cloned()
                        .chain(std::iter::once(region_of(&r.region)))
                        .collect::<std::collections::BTreeSet<_>>()
                        .into_iter()
                        .map(|reg| registry_api(&guid, &reg))
                        .collect()
                }
                Some("storage") => vec![storage(&registry_managed_name(r, "storage"), group_id)],
                Some("acr") => {
                    let n = registry_managed_name(r, "acr");
                    let mut v = vec![acr(&n)];
                    v.extend(r.regions.iter().map(|reg| acr_data(&n, reg)));
                    if r.regions.is_empty() {
                        v.push(acr_data(&n, &region_of(&r.region)));
                    }
                    v
                }
                _ => vec![],
            }
        }
        Kind::Storage => vec![storage(name, group_id)],
        Kind::Keyvault => vec![key_vault(name)],
        Kind::Acr => {
            let region = ix
                .container_registries
                .get(name)
                .and_then(|&i| t.container_registries[i].region.as_deref());
            vec![acr(name), acr_data(name, region_label(region))]
        }
        _ => vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A region the input leaves open still gives every regional host a label, and one that
    /// a wildcard of the service's domain matches as it matches every region's.
    #[test]
    fn an_unknown_region_is_a_label_not_an_empty_one() {
        assert_eq!(region_label(Some("westeurope")), "westeurope");
        for open in [None, Some("")] {
            let host = regional_api(region_label(open));
            assert!(!host.starts_with('.'), "{host}");
            assert!(host.ends_with(".api.azureml.ms"), "{host}");
        }
    }

    #[test]
    fn notebook_label_stays_within_63_characters() {
        let guid = "fb7e20a0-8891-458b-b969-55ddb3382f51";
        let n = workspace_notebooks(
            "a-very-long-workspace-name-that-goes-on-and-on",
            guid,
            "eastus",
        );
        let label = n.fqdn.split('.').next().unwrap();
        assert!(label.len() <= 63, "{label}");
        assert!(label.starts_with("ml-a-very"));
        assert!(label.ends_with(guid));
        let short = workspace_notebooks("myworkspace", guid, "eastus");
        assert_eq!(
            short.fqdn,
            format!("ml-myworkspace-eastus-{guid}.eastus.notebooks.azure.net")
        );
    }

    #[test]
    fn storage_names_follow_the_sub_resource() {
        let n = storage("data", "file");
        assert_eq!(n.fqdn, "data.file.core.windows.net");
        assert_eq!(n.privatelink, "data.privatelink.file.core.windows.net");
        assert_eq!(n.zone, "privatelink.file.core.windows.net");
        assert_eq!(public_zone_of(n.zone), "file.core.windows.net");
    }
}
