//! The storage account or container registry Azure creates for a registry, as a private
//! endpoint's target: named by the registry's managed resource group (`azureml-rg-<registry>_<GUID>`,
//! the GUID Azure's own) and the part's name. Only the model can say both: when it does not,
//! no snippet names the part.

use super::Snippet;
use moat_model::Topology;
use moat_rules::change::Setting;

/// A registry's part, where the model determines its id.
pub(super) struct Part<'a> {
    /// The ARM type (`Microsoft.Storage/storageAccounts`).
    pub arm_type: &'static str,
    /// The azurerm data source that reads it (`azurerm_storage_account`).
    pub tf_data: &'static str,
    /// Its name (`contosoregsa`).
    pub name: &'a str,
    /// The registry's managed resource group, by name.
    pub group: &'a str,
}

/// The part `part` (`storage`, `acr`) of the registry `registry`, when the model gives its name
/// and the registry's managed group, and that group is named as Azure names it (another name
/// points at some other group: REG016).
pub(super) fn part<'a>(t: &'a Topology, registry: &str, part: &str) -> Option<Part<'a>> {
    let r = t.registries.iter().find(|r| r.name == registry)?;
    let (managed, arm_type, tf_data) = match part {
        "storage" => (
            &r.storage,
            "Microsoft.Storage/storageAccounts",
            "azurerm_storage_account",
        ),
        "acr" => (
            &r.acr,
            "Microsoft.ContainerRegistry/registries",
            "azurerm_container_registry",
        ),
        _ => return None,
    };
    let group = r.managed_resource_group.as_deref()?;
    let group = group.trim_end_matches('/').rsplit('/').next()?;
    let prefix = format!("azureml-rg-{}_", r.name).to_ascii_lowercase();
    let lower = group.to_ascii_lowercase();
    if !lower.starts_with(&prefix) || lower.len() == prefix.len() {
        return None;
    }
    Some(Part {
        arm_type,
        tf_data,
        name: managed.name.as_deref()?,
        group,
    })
}

impl Part<'_> {
    /// Its id in the subscription of `sibling`, the id of a resource there.
    pub fn id_beside(&self, sibling: &str) -> Option<String> {
        let mut parts = sibling.split('/');
        parts.find(|p| p.eq_ignore_ascii_case("subscriptions"))?;
        let sub = parts.next().filter(|s| !s.is_empty())?;
        Some(format!(
            "/subscriptions/{sub}/resourceGroups/{}/providers/{}/{}",
            self.group, self.arm_type, self.name
        ))
    }

    /// The ARM expression of its id (the template's subscription).
    pub fn arm_id(&self) -> String {
        format!(
            "[resourceId('{}', '{}', '{}')]",
            self.group, self.arm_type, self.name
        )
    }

    /// The data source that reads it, after the registry (`depends_on`, by reference), and
    /// the reference to that data source.
    pub fn terraform(&self, label: &str, registry: &str) -> (String, String) {
        (
            format!(
                "data \"{}\" \"{label}\" {{\n  name                = \"{}\"\n  resource_group_name = \"{}\"\n  depends_on          = [{registry}]\n}}\n",
                self.tf_data, self.name, self.group
            ),
            format!("data.{}.{label}", self.tf_data),
        )
    }
}

/// Settings of a registry's parts with `az`: the part's public network access Disabled, the
/// part named in the registry's managed group. `None` for other settings, or when the model
/// does not determine the part.
pub(super) fn az_set(t: &Topology, registry: &str, settings: &[Setting]) -> Option<Snippet> {
    let lines: Vec<String> = settings
        .iter()
        .map(|s| match s {
            Setting::ManagedStoragePublicNetworkAccessDisabled => {
                let p = part(t, registry, "storage")?;
                Some(format!(
                    "az storage account update --name {} --resource-group {} --public-network-access Disabled",
                    p.name, p.group
                ))
            }
            Setting::ManagedAcrPublicNetworkAccessDisabled => {
                let p = part(t, registry, "acr")?;
                Some(format!(
                    "az acr update --name {} --resource-group {} --public-network-enabled false",
                    p.name, p.group
                ))
            }
            _ => None,
        })
        .collect::<Option<_>>()?;
    Some(Snippet {
        input: "az",
        language: "sh",
        text: lines.join("\n") + "\n",
        edits: Vec::new(),
    })
}
