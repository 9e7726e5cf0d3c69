//! Fixes that add an address to a workspace's IP allow list (public access enabled from selected
//! IP addresses), keeping the entries it has: appended to the native `network_acls.ip_rules`,
//! after the last entry of the template's `networkAcls.ipRules` (or of `ipAllowlist`, where the
//! template writes that list instead), or `az ml workspace network-rule add`. Not in Terraform:
//! moat reads no workspace IP rule from a configuration.

use super::{Snippet, Target, edit};
use moat_model::Topology;

/// The address as a native entry: the workspace's entry with its whole list (a side file
/// replaces the list), and the address appended to the list in the topology. Where the list is
/// not written (or empty), the first address's edit writes it with `together` (every address
/// the run adds) and the others' none, as two edits would each write the key.
pub(super) fn native(
    t: &Topology,
    ws: &Target,
    address: &str,
    together: &[&str],
) -> Option<Snippet> {
    let w = t.workspaces.iter().find(|w| w.name == ws.name)?;
    let mut all: Vec<String> = w
        .network_acls
        .iter()
        .flat_map(|a| &a.ip_rules)
        .map(|n| {
            // A host prefix as the address it is written as.
            if n.prefix_len() == n.max_prefix_len() {
                n.addr().to_string()
            } else {
                n.to_string()
            }
        })
        .collect();
    all.push(address.to_string());
    let text = format!(
        "workspaces:\n  - name: {}\n    network_acls:\n      ip_rules: [{}]\n",
        ws.name,
        all.join(", ")
    );
    let path = ["network_acls", "ip_rules"];
    let edits = ws.src.zip(ws.tree).and_then(|(src, root)| {
        let (node, found) = root.pointer(&ws.at.pointer);
        let written = found
            && node
                .get(path[0])
                .and_then(|m| m.get(path[1]))
                .is_some_and(|l| !l.items().is_empty());
        let items = if written {
            address.to_string()
        } else if together.is_empty() {
            return None;
        } else {
            together.join(", ")
        };
        edit::tree_append(src, root, &ws.at.pointer, &path, &items)
    });
    Some(Snippet {
        input: "native",
        language: "yaml",
        text,
        edits: edits.unwrap_or_default(),
    })
}

/// The address after the last entry of the workspace's `networkAcls.ipRules` (`{ "value": … }`)
/// or, where the template writes only that list, of `ipAllowlist` (plain strings); the
/// `ipRules` list written where neither is (by the first address's edit, with `together`, as
/// for [`native`]). Not for a workspace of a copy loop, which is every copy.
pub(super) fn arm(ws: &Target, address: &str, together: &[&str]) -> Option<Snippet> {
    let (src, root) = (ws.src?, ws.tree?);
    let (node, found) = root.pointer(&ws.at.pointer);
    if !found || node.get("copy").is_some() {
        return None;
    }
    let props = node.get("properties");
    let rules = props
        .and_then(|p| p.get("networkAcls"))
        .and_then(|a| a.get("ipRules"));
    let allow = props.and_then(|p| p.get("ipAllowlist"));
    let written = |l: Option<&moat_doc::Node>| l.map_or(0, |l| l.items().len());
    // The list the template writes its addresses in, its path, and the entry added.
    let (list, path, item) = if written(rules) == 0 && written(allow) > 0 {
        (allow, "ipAllowlist", serde_json::json!(address))
    } else {
        (
            rules,
            "networkAcls/ipRules",
            serde_json::json!({ "value": address }),
        )
    };
    let mut all: Vec<serde_json::Value> = list
        .map(|l| super::arm::written_items(l, &src.text))
        .unwrap_or_default();
    all.push(item.clone());
    let field = |k: &str| node.get(k).and_then(|v| v.text()).map(str::to_string);
    let mut properties = serde_json::Map::new();
    match path.split_once('/') {
        Some((outer, inner)) => {
            properties.insert(outer.into(), serde_json::json!({ inner: all }));
        }
        None => {
            properties.insert(path.into(), serde_json::Value::Array(all));
        }
    }
    let fragment = serde_json::json!({
        "type": field("type")?,
        "name": field("name")?,
        "properties": properties
    });
    let text = serde_json::to_string_pretty(&fragment).ok()? + "\n";
    let n = written(list);
    let edits = if n > 0 {
        edit::json_after_item(
            src,
            root,
            &format!("{}/properties/{path}/{}", ws.at.pointer, n - 1),
            &item.to_string(),
        )
    } else if !together.is_empty()
        && list.is_none_or(|l| matches!(l.value, moat_doc::tree::Value::Seq(_)))
    {
        let items: Vec<String> = together
            .iter()
            .map(|a| serde_json::json!({ "value": a }).to_string())
            .collect();
        edit::tree_edit(
            src,
            root,
            &ws.at.pointer,
            &[(
                vec!["properties", "networkAcls", "ipRules"],
                format!("[{}]", items.join(", ")),
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

/// `az ml workspace network-rule add`, which keeps the workspace's rules.
pub(super) fn az(ws: &Target, address: &str) -> Option<Snippet> {
    let rg = super::az::resource_group(ws).unwrap_or("<resource-group>");
    Some(Snippet {
        input: "az",
        language: "sh",
        text: format!(
            "az ml workspace network-rule add --resource-group {rg} --workspace-name {} --ip-address {address}\n",
            ws.name
        ),
        edits: Vec::new(),
    })
}
