//! A private endpoint's sub-resource (group id) changed, which replaces the endpoint: the
//! native `group_id`, the `subresource_names` of its `private_service_connection` (and the
//! `subresource_name` and `member_name` of its `ip_configuration`, where written), or the
//! `groupIds` of the template's one connection. Azure has no command that changes it in place,
//! so there is no `az` form.

use super::{Snippet, Target, edit};

/// The native entry's `group_id`.
pub(super) fn native(t: &Target, group_id: &str) -> Option<Snippet> {
    let text = format!(
        "private_endpoints:\n  - name: {}\n    group_id: {group_id}\n",
        super::native::scalar(t.name)
    );
    let edits = match (t.src, t.tree) {
        (Some(src), Some(root)) => edit::tree_edit(
            src,
            root,
            &t.at.pointer,
            &[(vec!["group_id"], group_id.to_string())],
            edit::Syntax::Yaml,
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

/// The `azurerm_private_endpoint`'s sub-resource, wherever the block names it.
pub(super) fn terraform(t: &Target, group_id: &str) -> Option<Snippet> {
    let (_, pe) = super::endpoint::tf_ref(&t.at.pointer)?;
    // A block of several instances (`count`, `for_each`) would change them all.
    if !pe.starts_with("azurerm_private_endpoint.") || pe.contains('[') {
        return None;
    }
    let value = format!("\"{group_id}\"");
    let mut settings = vec![(
        vec!["private_service_connection", "subresource_names"],
        format!("[{value}]"),
    )];
    let src = t.src.filter(|s| s.name.ends_with(".tf"));
    // An ip_configuration names the sub-resource too: what it writes follows.
    for attr in ["subresource_name", "member_name"] {
        let written = src.and_then(|s| {
            edit::hcl_nested_attribute(s, t.at.offset, t.at.len, "ip_configuration", attr)
        });
        if written.is_some() {
            settings.push((vec!["ip_configuration", attr], value.clone()));
        }
    }
    let mut text = format!(
        "resource \"azurerm_private_endpoint\" \"{}\" {{\n",
        label(pe)
    );
    for block in ["private_service_connection", "ip_configuration"] {
        let attrs: Vec<String> = settings
            .iter()
            .filter(|(p, _)| p[0] == block)
            .map(|(p, v)| format!("    {} = {v}\n", p[1]))
            .collect();
        if !attrs.is_empty() {
            text += &format!("  {block} {{\n{}  }}\n", attrs.concat());
        }
    }
    text += "}\n";
    let edits = src.and_then(|s| edit::hcl_edit(s, t.at.offset, t.at.len, &settings));
    Some(Snippet {
        input: "terraform",
        language: "hcl",
        text,
        edits: edits.unwrap_or_default(),
    })
}

/// `azurerm_private_endpoint.reg_storage["a"]` → `reg_storage`.
fn label(reference: &str) -> &str {
    let name = reference.split('.').nth(1).unwrap_or(reference);
    name.split('[').next().unwrap_or(name)
}

/// The `groupIds` of the endpoint's one connection in a template (one with its own
/// `ipConfigurations` names the group there too: not rendered).
pub(super) fn arm(t: &Target, group_id: &str) -> Option<Snippet> {
    let root = t.tree?;
    let (node, found) = root.pointer(&t.at.pointer);
    // An endpoint of a copy loop is every copy.
    if !found || node.get("copy").is_some() {
        return None;
    }
    let props = node.get("properties")?;
    if props.get("ipConfigurations").is_some() {
        return None;
    }
    let connections = props.get("privateLinkServiceConnections")?.items();
    let [connection] = connections else {
        return None;
    };
    let field = |n: &moat_doc::Node, k: &str| n.get(k).and_then(|v| v.text()).map(str::to_string);
    let fragment = serde_json::json!({
        "type": field(node, "type")?,
        "name": field(node, "name")?,
        "properties": {
            "privateLinkServiceConnections": [{
                "name": field(connection, "name")?,
                "properties": {
                    "privateLinkServiceId": field(connection.get("properties")?, "privateLinkServiceId")?,
                    "groupIds": [group_id]
                }
            }]
        }
    });
    let text = serde_json::to_string_pretty(&fragment).ok()? + "\n";
    let pointer = format!(
        "{}/properties/privateLinkServiceConnections/0",
        t.at.pointer
    );
    let edits = edit::tree_edit(
        t.src?,
        root,
        &pointer,
        &[(vec!["properties", "groupIds"], format!("[\"{group_id}\"]"))],
        edit::Syntax::Json,
    );
    Some(Snippet {
        input: "arm",
        language: "json",
        text,
        edits: edits.unwrap_or_default(),
    })
}
