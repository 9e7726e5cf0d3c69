//! Fixes that assign a role to a principal on a resource (a registry): an entry of the native
//! `role_assignments`, an `azurerm_role_assignment` after the registry's block, a
//! `Microsoft.Authorization/roleAssignments` extension of the registry in the template (and
//! Bicep), or `az role assignment create`.
//!
//! A native topology's list is the deployment's; a side file of a template or configuration
//! only tells moat what Azure holds, so there the assignment is written in the template or
//! configuration. These name the principal by its object id: only a principal the input names
//! by one gets an assignment there (`az` also takes a sign-in name), and a template names the
//! role by its built-in definition id.

use super::native::scalar;
use super::{Input, Snippet, Target, edit};
use moat_model::ml::role_definition_id;

/// The assignment as a native entry, and its edit of the scope's file.
pub(super) fn native(input: &Input, t: &Target, principal: &str, role: &str) -> Option<Snippet> {
    if input.format != "native" {
        return None;
    }
    let scope = match t.kind {
        super::Kind::Registry => format!("registry/{}", t.name),
        _ => return None,
    };
    let item = format!(
        "{{ principal: {}, role: {}, scope: {} }}",
        scalar(principal),
        scalar(role),
        scalar(&scope)
    );
    let edits = t
        .src
        .zip(t.tree)
        .and_then(|(src, root)| edit::tree_append(src, root, "", &["role_assignments"], &item));
    Some(Snippet {
        input: "native",
        language: "yaml",
        text: format!("role_assignments:\n  - {item}\n"),
        edits: edits.unwrap_or_default(),
    })
}

/// Whether `p` is an object id (a GUID), as templates, configurations and `az` name a
/// principal.
fn object_id(p: &str) -> bool {
    let parts: Vec<&str> = p.split('-').collect();
    parts.iter().map(|x| x.len()).eq([8, 4, 4, 4, 12])
        && parts
            .iter()
            .all(|x| x.chars().all(|c| c.is_ascii_hexdigit()))
}

/// A Terraform label or Bicep symbol stem: the role and the principal's first group
/// (`azureml_registry_user_0f3c2a1b`), so two principals' assignments differ.
fn stem(principal: &str, role: &str) -> String {
    let first = principal.split('-').next().unwrap_or(principal);
    super::endpoint::label(&format!("{role} {first}"))
}

/// An `azurerm_role_assignment` after the registry's block, the registry by reference (azurerm
/// names a role by name).
pub(super) fn terraform(t: &Target, principal: &str, role: &str) -> Option<Snippet> {
    if !object_id(principal) || t.kind != super::Kind::Registry {
        return None;
    }
    let (_, scope) = super::endpoint::tf_ref(&t.at.pointer)?;
    let text = format!(
        "resource \"azurerm_role_assignment\" \"{}\" {{\n  scope                = {scope}.id\n  role_definition_name = \"{role}\"\n  principal_id         = \"{principal}\"\n}}\n",
        stem(principal, role)
    );
    let edits = t
        .src
        .filter(|s| s.name.ends_with(".tf"))
        .and_then(|src| edit::hcl_after_block(src, t.at.offset, t.at.len, &text));
    Some(Snippet {
        input: "terraform",
        language: "hcl",
        text,
        edits: edits.unwrap_or_default(),
    })
}

/// The registry's type, its id, and its name as an extension's `scope` (the type and name,
/// as the template writes the name).
fn arm_scope(t: &Target) -> Option<(String, String, String)> {
    if t.kind != super::Kind::Registry {
        return None;
    }
    let ty = super::arm::field(t, "type")?;
    let name = super::arm::name_expression(t)?;
    let id = format!("resourceId('{ty}', {name})");
    let scope = format!("format('{ty}/{{0}}', {name})");
    Some((ty, id, scope))
}

/// A `Microsoft.Authorization/roleAssignments` resource extending the registry (its `scope`),
/// after the registry in the template, named by a GUID of the scope, principal and role as
/// Azure asks.
pub(super) fn arm(t: &Target, principal: &str, role: &str) -> Option<Snippet> {
    if !object_id(principal) {
        return None;
    }
    let definition = role_definition_id(role)?;
    let (_, id, scope) = arm_scope(t)?;
    let assignment = serde_json::json!({
        "type": "Microsoft.Authorization/roleAssignments",
        "apiVersion": "2022-04-01",
        "name": format!("[guid({id}, '{principal}', '{definition}')]"),
        "scope": format!("[{scope}]"),
        "dependsOn": [format!("[{id}]")],
        "properties": {
            "roleDefinitionId": format!("[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '{definition}')]"),
            "principalId": principal
        }
    });
    let text = serde_json::to_string_pretty(&assignment).ok()? + "\n";
    let edits = match (t.src, t.tree) {
        (Some(src), Some(root)) => edit::json_after_item(src, root, &t.at.pointer, &text),
        _ => None,
    };
    Some(Snippet {
        input: "arm",
        language: "json",
        text,
        edits: edits.unwrap_or_default(),
    })
}

/// The Bicep form of [`arm`]: Bicep scopes an extension resource by a symbol, so the registry
/// is referred to as an `existing` resource of the name the template gives it.
pub(super) fn bicep(t: &Target, principal: &str, role: &str) -> Option<Snippet> {
    if !object_id(principal) {
        return None;
    }
    let definition = role_definition_id(role)?;
    let (ty, ..) = arm_scope(t)?;
    let api = super::arm::field(t, "apiVersion")?;
    let name = super::arm::field(t, "name")?;
    let registry = super::bicep::identifier(&format!("{}-scope", t.name));
    let text = format!(
        "{}\nresource {} 'Microsoft.Authorization/roleAssignments@2022-04-01' = {{\n  name: guid({registry}.id, '{principal}', '{definition}')\n  scope: {registry}\n  properties: {{\n    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '{definition}')\n    principalId: '{principal}'\n  }}\n}}\n",
        super::bicep::existing(&registry, &ty, &api, &name)?,
        super::bicep::identifier(&stem(principal, role)),
    );
    Some(Snippet {
        input: "bicep",
        language: "bicep",
        text,
        edits: Vec::new(),
    })
}

/// `az role assignment create` on the registry's id from the export: the principal by object
/// id, or by sign-in name, which `az` looks up.
pub(super) fn az(t: &Target, principal: &str, role: &str) -> Option<Snippet> {
    let assignee = if object_id(principal) {
        format!("--assignee-object-id {principal}")
    } else if principal.contains('@') {
        format!("--assignee {principal}")
    } else {
        return None;
    };
    let id = super::az::id(t)?;
    Some(Snippet {
        input: "az",
        language: "sh",
        text: format!("az role assignment create {assignee} --role \"{role}\" --scope {id}\n"),
        edits: Vec::new(),
    })
}
