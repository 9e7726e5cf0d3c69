//! Role assignments to a workspace's managed identity: an entry of the native
//! `role_assignments`, an `azurerm_role_assignment` after the workspace's block, or
//! `az role assignment create`. Not in an ARM template: a template names a role by its
//! definition id, which moat does not hold for every role.

use super::endpoint::label;
use super::{Snippet, Target, edit};

/// A role assignment to add, as the renderers read it.
pub(super) struct Assign<'a> {
    pub name: &'a str,
    pub principal: &'a str,
    pub role: &'a str,
    pub scope: &'a str,
}

fn item(a: &Assign) -> String {
    format!(
        "{{ principal: {}, role: {}, scope: {} }}",
        a.principal, a.role, a.scope
    )
}

/// The entry in the root `role_assignments` of the workspace's file. Where the list is not
/// written, the first assignment's edit writes it with `together` (every assignment the run
/// adds) and the others' none, as two edits would each write the key.
pub(super) fn native(ws: &Target, a: &Assign, together: &[Assign]) -> Option<Snippet> {
    let text = format!("role_assignments:\n  - {}\n", item(a));
    let edits = (|| {
        let (src, root) = (ws.src?, ws.tree?);
        let written = root
            .get("role_assignments")
            .is_some_and(|l| !l.items().is_empty());
        if written {
            return edit::tree_append(src, root, "", &["role_assignments"], &item(a));
        }
        if together.is_empty() {
            return None;
        }
        let all: Vec<String> = together.iter().map(item).collect();
        edit::tree_append(src, root, "", &["role_assignments"], &all.join(", "))
    })();
    Some(Snippet {
        input: "native",
        language: "yaml",
        text,
        edits: edits.unwrap_or_default(),
    })
}

/// `module.m.azurerm_storage_account.st[0]` → (`module.m.`, `azurerm_storage_account.st[0]`,
/// `azurerm_storage_account`).
fn split(address: &str) -> Option<(&str, &str, &str)> {
    let i = address.rfind("azurerm_")?;
    let reference = &address[i..];
    let ty = reference.split('.').next()?;
    Some((&address[..i], reference, ty))
}

/// An `azurerm_role_assignment` after the workspace's block: the scope and the identity by
/// reference, both declared in the workspace's module (azurerm names a role by name).
pub(super) fn terraform(ws: &Target, scope: &Target, a: &Assign) -> Option<Snippet> {
    let (wm, wref, wty) = split(&ws.at.pointer)?;
    let (sm, sref, _) = split(&scope.at.pointer)?;
    if wty != "azurerm_machine_learning_workspace" || wm != sm {
        return None;
    }
    let text = format!(
        "resource \"azurerm_role_assignment\" \"{}\" {{\n  scope                = {sref}.id\n  role_definition_name = \"{}\"\n  principal_id         = {wref}.identity[0].principal_id\n}}\n",
        label(a.name),
        a.role
    );
    let edits = ws
        .src
        .filter(|s| s.name.ends_with(".tf"))
        .and_then(|src| edit::hcl_after_block(src, ws.at.offset, ws.at.len, &text));
    Some(Snippet {
        input: "terraform",
        language: "hcl",
        text,
        edits: edits.unwrap_or_default(),
    })
}

/// `az role assignment create` for the workspace's identity (its principal id read with `az ml
/// workspace show`) on the scope's id from the export.
pub(super) fn az(ws: &Target, scope: &Target, a: &Assign) -> Option<Snippet> {
    let rg = super::az::resource_group(ws).unwrap_or("<resource-group>");
    let id = super::az::id(scope)?;
    Some(Snippet {
        input: "az",
        language: "sh",
        text: format!(
            "az role assignment create --assignee-object-id \"$(az ml workspace show --name {} --resource-group {rg} --query identity.principal_id --output tsv)\" --assignee-principal-type ServicePrincipal --role \"{}\" --scope {id}\n",
            ws.name, a.role
        ),
        edits: Vec::new(),
    })
}
