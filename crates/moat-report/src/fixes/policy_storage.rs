//! Fixes that admit a storage account through a service endpoint policy: a definition of
//! service Microsoft.Storage naming the account, beside the policy's definitions — an entry of
//! the native `definitions`, a `definition` block of the
//! `azurerm_subnet_service_endpoint_storage_policy` (the account by reference), an element of
//! the template's `serviceEndpointPolicyDefinitions` (the account by `resourceId`; Bicep beside
//! it), or `az network service-endpoint policy-definition create`.

use super::{Snippet, Target, arm, az, edit, endpoint, native, terraform};

/// The definition's name, from the account's.
fn name(storage: &Target) -> String {
    moat_rules::change::Change::rule_name(&["allow", storage.name])
}

/// An entry of the policy's native `definitions`, the account by name. As a side file the
/// snippet completes the policy by name, and a list merges entry by entry only when every entry
/// is named: otherwise it replaces the list, so the side file then restates the definitions the
/// policy has (an alias such as `/services/Azure/MachineLearning` must not fall out of it).
pub(super) fn native(t: &Target, storage: &Target) -> Option<Snippet> {
    let item = format!(
        "{{ name: {}, service: Microsoft.Storage, service_resources: [{}] }}",
        native::scalar(&name(storage)),
        native::scalar(storage.name)
    );
    let written: Vec<serde_json::Value> = t
        .tree
        .map(|r| r.pointer(&t.at.pointer))
        .filter(|(_, found)| *found)
        .and_then(|(n, _)| n.get("definitions"))
        .map(|l| l.items().iter().map(|i| i.to_json()).collect())
        .unwrap_or_default();
    let named = written
        .iter()
        .all(|d| d.get("name").and_then(|n| n.as_str()).is_some());
    let mut text = format!(
        "service_endpoint_policies:\n  - name: {}\n    definitions:\n",
        t.name
    );
    if !named {
        // JSON is YAML's flow style.
        for d in &written {
            text.push_str(&format!("      - {d}\n"));
        }
    }
    text.push_str(&format!("      - {item}\n"));
    native::append(t, &["definitions"], &item, text)
}

/// A `definition` block in the policy's block, the account's `id` by reference (both in one
/// module).
pub(super) fn terraform(t: &Target, storage: &Target) -> Option<Snippet> {
    let (ty, label) = terraform::type_and_name(&t.at.pointer)?;
    // A block of several instances (`count`, `for_each`) would change them all.
    if ty != "azurerm_subnet_service_endpoint_storage_policy" || t.at.pointer.contains('[') {
        return None;
    }
    let (module, _) = endpoint::tf_ref(&t.at.pointer)?;
    let (st_module, account) = endpoint::tf_ref(&storage.at.pointer)?;
    if module != st_module || !account.starts_with("azurerm_storage_account.") {
        return None;
    }
    let body = format!(
        "definition {{\n  name              = \"{}\"\n  service           = \"Microsoft.Storage\"\n  service_resources = [{account}.id]\n}}\n",
        name(storage)
    );
    let indented: String = body.lines().map(|l| format!("  {l}\n")).collect();
    let edits = t
        .src
        .filter(|s| s.name.ends_with(".tf"))
        .and_then(|src| edit::hcl_into_block(src, t.at.offset, t.at.len, &body));
    Some(Snippet {
        input: "terraform",
        language: "hcl",
        text: format!("resource \"{ty}\" \"{label}\" {{\n{indented}}}\n"),
        edits: edits.unwrap_or_default(),
    })
}

/// An element of the policy's `serviceEndpointPolicyDefinitions`, the account by `resourceId`
/// (both in one template).
pub(super) fn arm(t: &Target, storage: &Target) -> Option<Snippet> {
    // A resource of a copy loop is every copy.
    if t.at.file != storage.at.file || arm::copied(t) {
        return None;
    }
    let account = arm::name_expression(storage)?;
    let item = serde_json::json!({
        "name": name(storage),
        "properties": {
            "service": "Microsoft.Storage",
            "serviceResources": [
                format!("[resourceId('Microsoft.Storage/storageAccounts', {account})]")
            ],
        },
    });
    arm::append(
        t,
        &["properties", "serviceEndpointPolicyDefinitions"],
        item,
        "Microsoft.Network/serviceEndpointPolicies",
    )
}

/// `az network service-endpoint policy-definition create` with the account's id.
pub(super) fn az(t: &Target, storage: &Target) -> Option<Snippet> {
    let id = az::id(storage)?;
    let rg = az::resource_group(t).unwrap_or("<resource-group>");
    Some(Snippet {
        input: "az",
        language: "sh",
        text: format!(
            "az network service-endpoint policy-definition create --resource-group {rg} --policy-name {} --name {} --service Microsoft.Storage --service-resources {id}\n",
            t.name,
            name(storage)
        ),
        edits: Vec::new(),
    })
}
