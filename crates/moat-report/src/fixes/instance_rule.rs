//! Fixes that admit a registry to a storage account's firewall by a resource instance rule
//! (`Microsoft.MachineLearningServices/registries`), keeping the rules the account has: appended
//! to the native `network_rules.resource_access_rules`, or to the template's
//! `networkAcls.resourceAccessRules` (the registry by the template's own name for it, in the
//! deployment's tenant), or added with `az storage account network-rule add`.

use super::native::scalar;
use super::{Snippet, Target, edit};
use moat_model::Topology;

const REGISTRIES: &str = "Microsoft.MachineLearningServices/registries";

/// The rule as a native entry: the account's entry with its whole list (a side file replaces
/// the list), and the rule appended to the list in the topology.
pub(super) fn native(t: &Topology, st: &Target, registry: &str) -> Option<Snippet> {
    let item = |ty: &str, name: &str| {
        format!(
            "{{ resource_type: {}, name: {} }}",
            scalar(ty),
            scalar(name)
        )
    };
    let account = t.storage_accounts.iter().find(|s| s.name == st.name)?;
    let mut rules: Vec<String> = account
        .network_rules
        .resource_access_rules
        .iter()
        .map(|r| item(&r.resource_type, &r.name))
        .collect();
    // A rule with a tenant is not one the list above can write back whole.
    if account
        .network_rules
        .resource_access_rules
        .iter()
        .any(|r| r.tenant_id.is_some())
    {
        return None;
    }
    let new = item(REGISTRIES, registry);
    rules.push(new.clone());
    let mut text = format!(
        "storage_accounts:\n  - name: {}\n    network_rules:\n      resource_access_rules:\n",
        st.name
    );
    for r in &rules {
        text += &format!("        - {r}\n");
    }
    let edits = match (st.src, st.tree) {
        (Some(src), Some(root)) => edit::tree_append(
            src,
            root,
            &st.at.pointer,
            &["network_rules", "resource_access_rules"],
            &new,
        ),
        _ => None,
    };
    Some(Snippet {
        input: "native",
        language: "yaml",
        text,
        edits: edits.unwrap_or_default(),
    })
}

/// The rule as an element of the account's `networkAcls.resourceAccessRules`, the registry
/// declared in the same template.
pub(super) fn arm(st: &Target, registry: &Target) -> Option<Snippet> {
    if st.at.file != registry.at.file {
        return None;
    }
    let item = serde_json::json!({
        "tenantId": "[subscription().tenantId]",
        "resourceId": format!(
            "[resourceId('{REGISTRIES}', {})]",
            super::arm::name_expression(registry)?
        ),
    });
    let node = st
        .tree
        .map(|r| r.pointer(&st.at.pointer))
        .filter(|(_, found)| *found)
        .map(|(n, _)| n)?;
    let list = node
        .get("properties")
        .and_then(|p| p.get("networkAcls"))
        .and_then(|a| a.get("resourceAccessRules"));
    let src = st.src?;
    let mut all: Vec<serde_json::Value> = list
        .map(|l| super::arm::written_items(l, &src.text))
        .unwrap_or_default();
    all.push(item.clone());
    let field = |k: &str| node.get(k).and_then(|v| v.text()).map(str::to_string);
    let fragment = serde_json::json!({
        "type": field("type").unwrap_or_else(|| "Microsoft.Storage/storageAccounts".into()),
        "name": field("name").unwrap_or_else(|| st.name.to_string()),
        "properties": { "networkAcls": { "resourceAccessRules": all } }
    });
    let text = serde_json::to_string_pretty(&fragment).ok()? + "\n";
    let n = list.map_or(0, |l| l.items().len());
    let root = st.tree?;
    let edits = if n > 0 {
        edit::json_after_item(
            src,
            root,
            &format!(
                "{}/properties/networkAcls/resourceAccessRules/{}",
                st.at.pointer,
                n - 1
            ),
            &item.to_string(),
        )
    } else if list.is_none_or(|l| matches!(l.value, moat_doc::tree::Value::Seq(_))) {
        edit::tree_edit(
            src,
            root,
            &st.at.pointer,
            &[(
                vec!["properties", "networkAcls", "resourceAccessRules"],
                format!("[{item}]"),
            )],
            edit::Syntax::Json,
        )
    } else {
        None
    };
    Some(Snippet {
        input: "arm",
        language: "json",
        text,
        edits: edits.unwrap_or_default(),
    })
}

/// The rule as a `private_link_access` block (the registry by reference, in the deployment's
/// tenant, azurerm's default), in the account's inline `network_rules` or in the
/// `azurerm_storage_account_network_rules` of the account, both in the registry's module.
pub(super) fn terraform(st: &Target, registry: &Target) -> Option<Snippet> {
    use super::endpoint::tf_ref;
    let (module, account) = tf_ref(&st.at.pointer)?;
    let (rm, reg) = tf_ref(&registry.at.pointer)?;
    if rm != module || account.contains('[') {
        return None;
    }
    let body = format!("private_link_access {{\n  endpoint_resource_id = {reg}.id\n}}\n");
    let src = st.src.filter(|s| s.name.ends_with(".tf"))?;
    let rules = edit::hcl_block_with(
        src,
        "azurerm_storage_account_network_rules",
        "storage_account_id",
        &format!("{account}.id"),
    );
    let (text, edits) = match rules {
        Some((offset, len)) => {
            let label = src.text[offset..]
                .split('"')
                .nth(3)
                .unwrap_or_default()
                .to_string();
            (
                format!(
                    "resource \"azurerm_storage_account_network_rules\" \"{label}\" {{\n  {}\n}}\n",
                    body.trim_end().replace('\n', "\n  ")
                ),
                edit::hcl_into_block(src, offset, len, &body),
            )
        }
        None => {
            let (ty, name) = account.split_once('.')?;
            (
                format!(
                    "resource \"{ty}\" \"{name}\" {{\n  network_rules {{\n    {}\n  }}\n}}\n",
                    body.trim_end().replace('\n', "\n    ")
                ),
                edit::hcl_into_nested(src, st.at.offset, st.at.len, "network_rules", &body),
            )
        }
    };
    Some(Snippet {
        input: "terraform",
        language: "hcl",
        text,
        edits: edits?,
    })
}

/// The rule with `az storage account network-rule add`, which keeps the account's rules: the
/// registry by its id in the export, in the signed-in account's tenant (the deployment's, as
/// the template form says).
pub(super) fn az(st: &Target, registry: &Target) -> Option<Snippet> {
    let rg = super::az::resource_group(st).unwrap_or("<resource-group>");
    let id = super::az::id(registry)?;
    Some(Snippet {
        input: "az",
        language: "sh",
        text: format!(
            "az storage account network-rule add --resource-group {rg} --account-name {} --resource-id {id} --tenant-id \"$(az account show --query tenantId --output tsv)\"\n",
            st.name
        ),
        edits: Vec::new(),
    })
}
