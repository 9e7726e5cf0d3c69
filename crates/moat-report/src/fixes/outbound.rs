//! A managed network's FQDN outbound rule to a storage host replaced by a private endpoint
//! rule of the same name to the account: the rule's native entry, the template's entry of
//! `managedNetwork.outboundRules` (the account by `resourceId`), or the `az` commands that
//! remove the one and set the other.

use super::{Snippet, Target};
use moat_model::ml::OutboundRule;

/// The rule replaced, as the renderers read it.
pub(super) struct Replace<'a> {
    pub name: &'a str,
    pub subresource: &'a str,
}

/// The rule of the workspace that the change replaces.
fn rule<'a>(
    ws: &Target<'a>,
    topology: &'a moat_model::Topology,
    name: &str,
) -> Option<&'a OutboundRule> {
    topology
        .workspaces
        .iter()
        .find(|w| w.name == ws.name)?
        .managed_network
        .outbound_rules
        .iter()
        .find(|r| r.name == name)
}

/// Replaces the text of the node at `pointer` (trailing space kept) by `text`.
fn replace_node(t: &Target, pointer: &str, text: &str) -> Option<Vec<super::Edit>> {
    let (src, root) = (t.src?, t.tree?);
    let (node, found) = root.pointer(pointer);
    if !found {
        return None;
    }
    let start = node.span.offset;
    let len = src.text.get(start..start + node.span.len)?.trim_end().len();
    Some(vec![super::Edit::new(src, start, len, text.to_string())])
}

pub(super) fn native(
    ws: &Target,
    storage: &Target,
    topology: &moat_model::Topology,
    r: &Replace,
) -> Option<Snippet> {
    let item = format!(
        "{{ name: {}, type: PrivateEndpoint, destination: {{ service_resource: storage/{}, subresource_target: {} }} }}",
        r.name, storage.name, r.subresource
    );
    let text = format!(
        "workspaces:\n  - name: {}\n    managed_network:\n      outbound_rules:\n        - {item}\n",
        ws.name
    );
    let at = &rule(ws, topology, r.name)?.at;
    let edits = (at.file == ws.at.file && !at.pointer.is_empty())
        .then(|| replace_node(ws, &at.pointer, &item))
        .flatten();
    Some(Snippet {
        input: "native",
        language: "yaml",
        text,
        edits: edits.unwrap_or_default(),
    })
}

/// JSON pointer escaping of one reference token.
fn token(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

pub(super) fn arm(ws: &Target, storage: &Target, r: &Replace) -> Option<Snippet> {
    if ws.at.file != storage.at.file {
        return None;
    }
    let id = format!(
        "[resourceId('Microsoft.Storage/storageAccounts', {})]",
        super::arm::name_expression(storage)?
    );
    let value = serde_json::json!({
        "type": "PrivateEndpoint",
        "destination": { "serviceResourceId": id, "subresourceTarget": r.subresource },
    });
    let fragment = serde_json::json!({
        "type": super::arm::field(ws, "type")?,
        "name": super::arm::field(ws, "name")?,
        "properties": { "managedNetwork": { "outboundRules": { r.name: value } } },
    });
    let text = serde_json::to_string_pretty(&fragment).ok()? + "\n";
    let pointer = format!(
        "{}/properties/managedNetwork/outboundRules/{}",
        ws.at.pointer,
        token(r.name)
    );
    let edits = replace_node(ws, &pointer, &serde_json::to_string(&value).ok()?);
    Some(Snippet {
        input: "arm",
        language: "json",
        text,
        edits: edits.unwrap_or_default(),
    })
}

pub(super) fn az(ws: &Target, storage: &Target, r: &Replace) -> Option<Snippet> {
    let rg = super::az::resource_group(ws).unwrap_or("<resource-group>");
    let id = super::az::id(storage)?;
    Some(Snippet {
        input: "az",
        language: "sh",
        text: format!(
            "az ml workspace outbound-rule remove --resource-group {rg} --workspace-name {ws} --rule {name} --yes\naz ml workspace outbound-rule set --resource-group {rg} --workspace-name {ws} --rule {name} --type private_endpoint --service-resource-id {id} --subresource-target {sub}\n",
            ws = ws.name,
            name = r.name,
            sub = r.subresource
        ),
        edits: Vec::new(),
    })
}

/// `module.m.azurerm_storage_account.st[0]` → (`module.m.`, `azurerm_storage_account.st[0]`).
fn tf_split(address: &str) -> Option<(&str, &str)> {
    let i = address.rfind("azurerm_")?;
    Some((&address[..i], &address[i..]))
}

/// The rule's `azurerm_machine_learning_workspace_network_outbound_rule_fqdn` block replaced
/// by a `..._private_endpoint` block of the same label: the workspace and the account by
/// reference, all three declared in one module.
pub(super) fn terraform(
    ws: &Target,
    storage: &Target,
    topology: &moat_model::Topology,
    r: &Replace,
) -> Option<Snippet> {
    const FQDN: &str = "azurerm_machine_learning_workspace_network_outbound_rule_fqdn";
    let at = &rule(ws, topology, r.name)?.at;
    let (rm, rule_ref) = tf_split(&at.pointer)?;
    let (wm, ws_ref) = tf_split(&ws.at.pointer)?;
    let (sm, st_ref) = tf_split(&storage.at.pointer)?;
    let label = rule_ref.strip_prefix(FQDN)?.strip_prefix('.')?;
    if rm != wm || wm != sm || label.contains(['[', '.']) {
        return None;
    }
    let text = format!(
        "resource \"azurerm_machine_learning_workspace_network_outbound_rule_private_endpoint\" \"{label}\" {{\n  name                = \"{}\"\n  workspace_id        = {ws_ref}.id\n  service_resource_id = {st_ref}.id\n  sub_resource_target = \"{}\"\n}}\n",
        r.name, r.subresource
    );
    let edits = (|| {
        let src = topology_source(ws, at)?;
        let block = src.text.get(at.offset..at.offset + at.len)?.trim_end();
        (block.starts_with("resource") && block.ends_with('}')).then_some(())?;
        Some(vec![super::Edit::new(
            src,
            at.offset,
            block.len(),
            text.trim_end().to_string(),
        )])
    })();
    Some(Snippet {
        input: "terraform",
        language: "hcl",
        text,
        edits: edits.unwrap_or_default(),
    })
}

/// The source of `at` when it is the file the workspace is written in.
fn topology_source<'a>(
    ws: &Target<'a>,
    at: &moat_model::Provenance,
) -> Option<&'a moat_doc::SourceFile> {
    ws.src
        .filter(|s| s.name == at.file && s.name.ends_with(".tf"))
}
