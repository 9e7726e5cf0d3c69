//! Azure's naming rules for the resources users name, as Azure checks them at deployment
//! ("Naming rules and restrictions for Azure resources"). Only rules the documentation states
//! without exception are here; a name the input leaves open is never checked.

use crate::topology::Topology;
use crate::validate::Problem;

/// Why Azure rejects a storage account name, if it does.
fn storage_account(name: &str) -> Option<String> {
    // Microsoft.Storage/storageAccounts: 3-24 characters, lowercase letters and numbers.
    let n = name.chars().count();
    if !(3..=24).contains(&n) {
        return Some(format!("is {n} characters long; Azure requires 3 to 24"));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit()))
    {
        return Some(format!(
            "contains `{c}`; Azure allows only lowercase letters and numbers"
        ));
    }
    None
}

fn key_vault(name: &str) -> Option<String> {
    // Microsoft.KeyVault/vaults: 3-24 characters, alphanumerics and hyphens; starts with a
    // letter, ends with a letter or digit, no consecutive hyphens.
    let n = name.chars().count();
    if !(3..=24).contains(&n) {
        return Some(format!("is {n} characters long; Azure requires 3 to 24"));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
    {
        return Some(format!(
            "contains `{c}`; Azure allows only letters, digits and hyphens"
        ));
    }
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Some("must start with a letter".into());
    }
    if name.ends_with('-') {
        return Some("must end with a letter or digit".into());
    }
    if name.contains("--") {
        return Some("must not contain consecutive hyphens".into());
    }
    None
}

fn container_registry(name: &str) -> Option<String> {
    // Microsoft.ContainerRegistry/registries: 5-50 characters, alphanumerics.
    let n = name.chars().count();
    if !(5..=50).contains(&n) {
        return Some(format!("is {n} characters long; Azure requires 5 to 50"));
    }
    if let Some(c) = name.chars().find(|c| !c.is_ascii_alphanumeric()) {
        return Some(format!(
            "contains `{c}`; Azure allows only letters and digits"
        ));
    }
    None
}

/// Whether the input leaves `name` open: an importer recorded the name as unknown, or it
/// carries an unknown part.
fn name_is_open(t: &Topology, name: &str) -> bool {
    name.contains('\u{27e8}')
        || name.contains("<unknown>")
        || t.unknowns.iter().any(|u| {
            u.field == "name" && u.resource.rsplit_once('/').is_some_and(|(_, n)| n == name)
        })
}

/// Names Azure would reject at deployment, for the imported formats that deploy (ARM,
/// Terraform). A name the input leaves open is never checked, nor one `placeholder` says was
/// built from a stand-in value (an ARM resource group name the template does not know).
pub fn deployment_names(t: &Topology, placeholder: impl Fn(&str) -> bool) -> Vec<Problem> {
    type Rule = fn(&str) -> Option<String>;
    let mut out = Vec::new();
    let named = t
        .storage_accounts
        .iter()
        .map(|s| ("storage account", &s.name, &s.at, storage_account as Rule))
        .chain(
            t.key_vaults
                .iter()
                .map(|k| ("key vault", &k.name, &k.at, key_vault as Rule)),
        )
        .chain(t.container_registries.iter().map(|a| {
            (
                "container registry",
                &a.name,
                &a.at,
                container_registry as Rule,
            )
        }));
    for (what, name, at, rule) in named {
        if name_is_open(t, name) || placeholder(name) {
            continue;
        }
        if let Some(why) = rule(name) {
            out.push(Problem {
                code: "invalid-name",
                message: format!("{what} name `{name}` {why}; the deployment would fail"),
                hint: Some(format!(
                    "rename the {what} to meet Azure's naming rules for {what}s"
                )),
                at: at.clone(),
                field: Some("name".into()),
            });
        }
    }
    out
}
