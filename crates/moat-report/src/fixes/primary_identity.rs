//! Fixes that name a workspace's primary user-assigned identity, its one attached identity
//! written as the input writes it in the identity list (a Terraform reference, a template's
//! expression): the native `primary_user_assigned_identity`, `primary_user_assigned_identity` on
//! the `azurerm_machine_learning_workspace`, the template's `properties.primaryUserAssignedIdentity`
//! (Bicep beside it), or `az resource update` of the property.

use super::{Kind, Snippet, Target, arm, az, edit, native, terraform};

/// `primary_user_assigned_identity` in the workspace's native entry.
pub(super) fn native(t: &Target, identity: &str) -> Option<Snippet> {
    (t.kind == Kind::Workspace).then_some(())?;
    let value = native::scalar(identity);
    native::values(t, &[(vec!["primary_user_assigned_identity"], value)])
}

/// `primary_user_assigned_identity` of the workspace's block: the element of the `identity`
/// block's `identity_ids` as written (a reference), else the id.
pub(super) fn terraform(t: &Target, identity: &str) -> Option<Snippet> {
    let (ty, name) = terraform::type_and_name(&t.at.pointer)?;
    // A block of several instances (`count`, `for_each`) would name one identity for them all.
    if ty != "azurerm_machine_learning_workspace" || t.at.pointer.contains('[') {
        return None;
    }
    let written = t.src.and_then(|src| {
        let (v, len) =
            edit::hcl_nested_attribute(src, t.at.offset, t.at.len, "identity", "identity_ids")?;
        match edit::hcl_list_items(&src.text[v..v + len])?.as_slice() {
            [one] => Some(one.to_string()),
            _ => None,
        }
    });
    let value = match written {
        Some(w) => w,
        None => serde_json::to_string(identity).ok()?,
    };
    terraform::values(
        t,
        ty,
        name,
        &[(vec!["primary_user_assigned_identity"], value)],
    )
}

/// `properties.primaryUserAssignedIdentity` of the workspace's resource: the key of
/// `identity.userAssignedIdentities` as the template writes it, else the id.
pub(super) fn arm(t: &Target, identity: &str) -> Option<Snippet> {
    // A resource of a copy loop is every copy.
    if t.kind != Kind::Workspace || arm::copied(t) {
        return None;
    }
    let written = t.tree.and_then(|root| {
        let (node, found) = root.pointer(&t.at.pointer);
        found.then_some(())?;
        let ids = node.get("identity")?.get("userAssignedIdentities")?;
        match ids.entries() {
            [(key, _)] => key.text().map(str::to_string),
            _ => None,
        }
    });
    let value = serde_json::to_string(written.as_deref().unwrap_or(identity)).ok()?;
    arm::values(
        t,
        &[(vec!["properties", "primaryUserAssignedIdentity"], value)],
    )
}

/// The property set with `az resource update`.
pub(super) fn az(t: &Target, identity: &str) -> Option<Snippet> {
    (t.kind == Kind::Workspace).then_some(())?;
    let rg = az::resource_group(t).unwrap_or("<resource-group>");
    Some(Snippet {
        input: "az",
        language: "sh",
        text: format!(
            "az resource update --resource-group {rg} --name {} --resource-type Microsoft.MachineLearningServices/workspaces --set properties.primaryUserAssignedIdentity={identity}\n",
            t.name
        ),
        edits: Vec::new(),
    })
}
