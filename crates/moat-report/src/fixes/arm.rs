//! Fixes in ARM templates: the properties of the resource, and their edit of the template.

use super::{Kind, NsgRule, Snippet, Target, V, edit};
use moat_rules::change::Setting;

/// The JSON path of a setting in the resource object, and its value.
fn spell(kind: Kind, s: Setting) -> Option<(Vec<&'static str>, V)> {
    use Kind::*;
    use Setting::*;
    Some(match (kind, s) {
        (
            Workspace | Registry | Storage | KeyVault | Acr | OnlineEndpoint,
            PublicNetworkAccessDisabled,
        ) => (
            vec!["properties", "publicNetworkAccess"],
            V::Str("Disabled"),
        ),
        (Acr, AdminUserDisabled) => (vec!["properties", "adminUserEnabled"], V::Bool(false)),
        (Acr, AnonymousPullDisabled) => {
            (vec!["properties", "anonymousPullEnabled"], V::Bool(false))
        }
        (Acr, SkuPremium) => (vec!["sku", "name"], V::Str("Premium")),
        (Acr, TrustedServicesAllowed) => (
            vec!["properties", "networkRuleBypassOptions"],
            V::Str("AzureServices"),
        ),
        (KeyVault | Storage, TrustedServicesAllowed) => (
            vec!["properties", "networkAcls", "bypass"],
            V::Str("AzureServices"),
        ),
        (Compute { .. }, LocalAuthDisabled) => {
            (vec!["properties", "disableLocalAuth"], V::Bool(true))
        }
        (Compute { instance: false }, MinNodesZero) => (
            vec!["properties", "properties", "scaleSettings", "minNodeCount"],
            V::Int(0),
        ),
        (Compute { instance: true }, IdleShutdown30Minutes) => (
            vec!["properties", "properties", "idleTimeBeforeShutdown"],
            V::Str("PT30M"),
        ),
        (Compute { .. }, NodePublicIpDisabled) => (
            vec!["properties", "properties", "enableNodePublicIp"],
            V::Bool(false),
        ),
        // The whole object: Azure rejects user-assigned identities beside the type None.
        (Compute { instance: false }, ComputeIdentityNone) => {
            (vec!["identity"], V::Map("type", "None"))
        }
        (Storage, SharedKeyAccessDisabled) => {
            (vec!["properties", "allowSharedKeyAccess"], V::Bool(false))
        }
        (Workspace, ManagedFirewallStandard) => (
            vec!["properties", "managedNetwork", "firewallSku"],
            V::Str("Standard"),
        ),
        (Subnet, PrivateEndpointPoliciesDisabled) => (
            vec!["properties", "privateEndpointNetworkPolicies"],
            V::Str("Disabled"),
        ),
        (Storage, BlobPublicAccessDisabled) => {
            (vec!["properties", "allowBlobPublicAccess"], V::Bool(false))
        }
        (Acr, DataEndpointEnabled) => (vec!["properties", "dataEndpointEnabled"], V::Bool(true)),
        (Workspace, V1LegacyModeDisabled) => (vec!["properties", "v1LegacyMode"], V::Bool(false)),
        (Workspace, ManagedNetworkInternetOutbound) => (
            vec!["properties", "managedNetwork", "isolationMode"],
            V::Str("AllowInternetOutbound"),
        ),
        (Ampls, IngestionAccessModeOpen) => (
            vec!["properties", "accessModeSettings", "ingestionAccessMode"],
            V::Str("Open"),
        ),
        (Ampls, QueryAccessModeOpen) => (
            vec!["properties", "accessModeSettings", "queryAccessMode"],
            V::Str("Open"),
        ),
        (OnlineDeployment, EgressPublicNetworkAccessEnabled) => (
            vec!["properties", "egressPublicNetworkAccess"],
            V::Str("Enabled"),
        ),
        (Workspace, ManagedNetworkProvisioned) => {
            (vec!["properties", "provisionNetworkNow"], V::Bool(true))
        }
        _ => return None,
    })
}

/// The properties as a fragment of the resource (its type and name as the template writes
/// them), and their edit of the template.
pub(super) fn set(t: &Target, settings: &[Setting]) -> Option<Snippet> {
    // Removing one compute's identity is not a change to every copy of a loop.
    if settings.contains(&Setting::ComputeIdentityNone) && copied(t) {
        return None;
    }
    let spelled: Vec<(Vec<&str>, String)> = settings
        .iter()
        .map(|s| spell(t.kind, *s).map(|(p, v)| (p, v.json())))
        .collect::<Option<_>>()?;
    values(t, &spelled)
}

/// A workspace's image build compute, by name (`properties.imageBuildCompute`).
pub(super) fn image_build_compute(t: &Target, compute: &str) -> Option<Snippet> {
    (t.kind == Kind::Workspace).then_some(())?;
    let value = serde_json::to_string(compute).ok()?;
    values(t, &[(vec!["properties", "imageBuildCompute"], value)])
}

/// Properties (paths and JSON values) as a fragment of the resource, and their edit of the
/// template.
pub(super) fn values(t: &Target, spelled: &[(Vec<&str>, String)]) -> Option<Snippet> {
    let pointer = resource_pointer(t)?;
    let node = t
        .tree
        .map(|r| r.pointer(&pointer))
        .filter(|(_, found)| *found);
    let field = |k: &str| {
        node.and_then(|(n, _)| n.get(k))
            .and_then(|v| v.text())
            .map(str::to_string)
    };
    // The fragment: type and name to find the resource, then the settings, nested.
    let mut fragment = serde_json::Map::new();
    if let Some(ty) = field("type") {
        fragment.insert("type".into(), ty.into());
    }
    fragment.insert(
        "name".into(),
        field("name").unwrap_or_else(|| t.name.to_string()).into(),
    );
    for (path, v) in spelled {
        let mut slot = &mut fragment;
        for (i, k) in path.iter().enumerate() {
            if i + 1 == path.len() {
                slot.insert(
                    (*k).into(),
                    serde_json::from_str(v).unwrap_or(serde_json::Value::Null),
                );
            } else {
                slot = slot
                    .entry(k.to_string())
                    .or_insert_with(|| serde_json::json!({}))
                    .as_object_mut()?;
            }
        }
    }
    let text = serde_json::to_string_pretty(&serde_json::Value::Object(fragment)).ok()? + "\n";
    let edit = match (t.src, t.tree) {
        (Some(src), Some(root)) => {
            edit::tree_edit(src, root, &pointer, spelled, edit::Syntax::Json)
        }
        _ => None,
    };
    Some(Snippet {
        input: "arm",
        language: "json",
        text,
        edits: edit.unwrap_or_default(),
    })
}

/// Where the resource's object is: its provenance, except for a subnet written inside its
/// VNet (the provenance is the VNet's), whose element of `properties.subnets` is found by name.
fn resource_pointer(t: &Target) -> Option<String> {
    if t.kind != Kind::Subnet {
        return Some(t.at.pointer.clone());
    }
    let (node, found) = t.tree?.pointer(&t.at.pointer);
    found.then_some(())?;
    // A subnet resource of its own (named `pe` or `vnet/pe`).
    let own = node
        .get("name")?
        .text()
        .is_some_and(|n| n == t.name || n.ends_with(&format!("/{}", t.name)));
    if own {
        return Some(t.at.pointer.clone());
    }
    let subnets = node.get("properties")?.get("subnets")?;
    let i = subnets
        .items()
        .iter()
        .position(|s| s.get("name").and_then(|n| n.text()) == Some(t.name))?;
    Some(format!("{}/properties/subnets/{i}", t.at.pointer))
}

/// An FQDN outbound rule as a value of `outboundRules`.
fn fqdn_json(destination: &str) -> serde_json::Value {
    serde_json::json!({
        "type": "FQDN",
        "category": "UserDefined",
        "destination": destination,
    })
}

/// An FQDN outbound rule in the workspace's `managedNetwork.outboundRules`. Where the
/// workspace has none written, the first rule added (`together` not empty) writes them all,
/// and the others make no edit.
pub(super) fn fqdn_rule(
    t: &Target,
    name: &str,
    destination: &str,
    together: &[(&str, &str)],
) -> Option<Snippet> {
    let rule = fqdn_json(destination);
    let node = t
        .tree
        .map(|r| r.pointer(&t.at.pointer))
        .filter(|(_, found)| *found);
    let field = |k: &str| {
        node.and_then(|(n, _)| n.get(k))
            .and_then(|v| v.text())
            .map(str::to_string)
    };
    let fragment = serde_json::json!({
        "type": field("type").unwrap_or_else(|| "Microsoft.MachineLearningServices/workspaces".into()),
        "name": field("name").unwrap_or_else(|| t.name.to_string()),
        "properties": { "managedNetwork": { "outboundRules": { name: rule.clone() } } }
    });
    let text = serde_json::to_string_pretty(&fragment).ok()? + "\n";
    let rules = node.and_then(|(n, _)| {
        n.get("properties")?
            .get("managedNetwork")?
            .get("outboundRules")
    });
    let written = rules.is_some_and(|r| !r.entries().is_empty());
    // Not written, or `{}` (never an expression that computes the rules).
    let missing = rules.is_none_or(|r| matches!(r.value, moat_doc::tree::Value::Map(_)));
    let edits = match (t.src, t.tree) {
        (Some(src), Some(root)) if written => edit::tree_edit(
            src,
            root,
            &t.at.pointer,
            &[(
                vec!["properties", "managedNetwork", "outboundRules", name],
                rule.to_string(),
            )],
            edit::Syntax::Json,
        ),
        (Some(src), Some(root)) if missing && !together.is_empty() => {
            let all: serde_json::Map<String, serde_json::Value> = together
                .iter()
                .map(|(n, d)| (n.to_string(), fqdn_json(d)))
                .collect();
            edit::tree_edit(
                src,
                root,
                &t.at.pointer,
                &[(
                    vec!["properties", "managedNetwork", "outboundRules"],
                    serde_json::Value::Object(all).to_string(),
                )],
                edit::Syntax::Json,
            )
        }
        _ => None,
    };
    Some(Snippet {
        input: "arm",
        language: "json",
        text,
        edits: edits.unwrap_or_default(),
    })
}

/// A template string as an expression: `[expr]` gives `expr`, a literal gives `'literal'`.
pub(super) fn expression(s: &str) -> String {
    // `[[` escapes a literal that starts with `[`.
    let literal = |l: &str| format!("'{}'", l.replace('\'', "''"));
    if let Some(rest) = s.strip_prefix("[[") {
        return literal(&format!("[{rest}"));
    }
    match s.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
        Some(inner) => inner.trim().to_string(),
        None => literal(s),
    }
}

/// Whether the resource is of a copy loop (or its name is not written): a change to it would
/// be to every copy.
pub(super) fn copied(t: &Target) -> bool {
    let looped = t
        .tree
        .map(|r| r.pointer(&t.at.pointer))
        .is_some_and(|(n, found)| found && n.get("copy").is_some());
    looped || field(t, "name").is_none_or(|n| n.contains("copyIndex"))
}

/// A field of the resource's object as the template writes it (`name`, `type`, `location`).
pub(super) fn field(t: &Target, key: &str) -> Option<String> {
    let (node, found) = t.tree?.pointer(&t.at.pointer);
    found.then_some(())?;
    node.get(key)?.text().map(str::to_string)
}

/// The resource's name as an expression (`parameters('vnetName')`, `'hub'`). A name computed
/// in a copy loop means nothing outside it: the resolved name instead.
pub(super) fn name_expression(t: &Target) -> Option<String> {
    let written = field(t, "name")?;
    Some(if written.contains("copyIndex") {
        expression(t.name)
    } else {
        expression(&written)
    })
}

/// The template (root or nested) that declares the resource at `pointer`: the pointer up to
/// its last `resources` list.
fn template_of(pointer: &str) -> &str {
    pointer.rfind("/resources/").map_or("", |i| &pointer[..i])
}

/// A zone link: a `virtualNetworkLinks` resource after the zone's, naming the zone and the
/// VNet as the template names them (both declared in the same template: a zone in a nested
/// deployment may sit in another resource group, where `resourceId()` of the VNet, or of
/// the zone from the parent's scope, would name another resource).
pub(super) fn link_zone(t: &Target, vnet: &Target) -> Option<Snippet> {
    if t.at.file != vnet.at.file || template_of(&t.at.pointer) != template_of(&vnet.at.pointer) {
        return None;
    }
    let zone = name_expression(t)?;
    let net = name_expression(vnet)?;
    let zone_id = format!("[resourceId('Microsoft.Network/privateDnsZones', {zone})]");
    let net_id = format!("[resourceId('Microsoft.Network/virtualNetworks', {net})]");
    let link = serde_json::json!({
        "type": "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
        "apiVersion": "2020-06-01",
        "name": format!("[format('{{0}}/{{1}}', {zone}, {net})]"),
        "location": "global",
        "dependsOn": [zone_id, net_id],
        "properties": {
            "registrationEnabled": false,
            "virtualNetwork": { "id": net_id }
        }
    });
    let text = serde_json::to_string_pretty(&link).ok()? + "\n";
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

/// A security rule as an element of `securityRules`.
fn rule_json(r: &NsgRule) -> serde_json::Value {
    serde_json::json!({
        "name": r.name,
        "properties": {
            "priority": r.priority,
            "direction": r.direction,
            "access": "Allow",
            "protocol": r.protocol,
            "sourcePortRange": "*",
            "destinationPortRange": r.ports,
            "sourceAddressPrefix": r.source,
            "destinationAddressPrefix": r.destination,
        }
    })
}

/// A security rule appended to the NSG's `properties.securityRules`. Where the NSG has no
/// rules written, the first rule added (`together` not empty) writes the list with every rule
/// added to it, and the others make no edit.
pub(super) fn nsg_rule(t: &Target, r: &NsgRule, together: &[NsgRule]) -> Option<Snippet> {
    let rule = rule_json(r);
    let node = t
        .tree
        .map(|root| root.pointer(&t.at.pointer))
        .filter(|(_, found)| *found)
        .map(|(n, _)| n);
    let field = |k: &str| {
        node.and_then(|n| n.get(k))
            .and_then(|v| v.text())
            .map(str::to_string)
    };
    let fragment = serde_json::json!({
        "type": field("type").unwrap_or_else(|| "Microsoft.Network/networkSecurityGroups".into()),
        "name": field("name").unwrap_or_else(|| t.name.to_string()),
        "properties": { "securityRules": [rule.clone()] }
    });
    let text = serde_json::to_string_pretty(&fragment).ok()? + "\n";
    let rules = node
        .and_then(|n| n.get("properties"))
        .and_then(|p| p.get("securityRules"));
    let written = rules.map_or(0, |l| l.items().len());
    let edits = match (t.src, t.tree) {
        // The rule after the list's last, indented like it.
        (Some(src), Some(root)) if written > 0 => edit::json_after_item(
            src,
            root,
            &format!("{}/properties/securityRules/{}", t.at.pointer, written - 1),
            &serde_json::to_string_pretty(&rule).ok()?,
        ),
        // Not written, or `[]` (never an expression that computes the list).
        (Some(src), Some(root))
            if !together.is_empty()
                && rules.is_none_or(|l| matches!(l.value, moat_doc::tree::Value::Seq(_))) =>
        {
            let all: Vec<String> = together.iter().map(|r| rule_json(r).to_string()).collect();
            edit::tree_edit(
                src,
                root,
                &t.at.pointer,
                &[(
                    vec!["properties", "securityRules"],
                    format!("[{}]", all.join(", ")),
                )],
                edit::Syntax::Json,
            )
        }
        _ => None,
    };
    Some(Snippet {
        input: "arm",
        language: "json",
        text,
        edits: edits.unwrap_or_default(),
    })
}

/// A service endpoint in the subnet's `properties.serviceEndpoints`: the fragment with the
/// endpoints the template writes and the service after them (the subnet's element of its
/// VNet's `subnets`, for a subnet written inside its VNet), and the element appended to the
/// list (the list written where it is not, or is `[]`; never over an expression).
pub(super) fn service_endpoint(t: &Target, service: &str, model: &[&str]) -> Option<Snippet> {
    let pointer = resource_pointer(t)?;
    let node = t
        .tree
        .map(|r| r.pointer(&pointer))
        .filter(|(_, found)| *found)
        .map(|(n, _)| n);
    let field = |k: &str| {
        node.and_then(|n| n.get(k))
            .and_then(|v| v.text())
            .map(str::to_string)
    };
    let list = node
        .and_then(|n| n.get("properties"))
        .and_then(|p| p.get("serviceEndpoints"));
    let item = serde_json::json!({ "service": service });
    // The elements as written (their `locations` kept), else as the model reads them.
    let written: Option<Vec<serde_json::Value>> = match (list, t.src) {
        (Some(l), Some(src)) => l
            .items()
            .iter()
            .map(|i| {
                let text = src.text.get(i.span.offset..i.span.offset + i.span.len)?;
                serde_json::from_str(text).ok()
            })
            .collect(),
        _ => None,
    };
    let mut all = written.unwrap_or_else(|| {
        model
            .iter()
            .map(|s| serde_json::json!({ "service": s }))
            .collect()
    });
    all.push(item.clone());
    let mut fragment = serde_json::Map::new();
    if let Some(ty) = field("type") {
        fragment.insert("type".into(), ty.into());
    }
    fragment.insert(
        "name".into(),
        field("name").unwrap_or_else(|| t.name.to_string()).into(),
    );
    fragment.insert(
        "properties".into(),
        serde_json::json!({ "serviceEndpoints": all }),
    );
    let text = serde_json::to_string_pretty(&serde_json::Value::Object(fragment)).ok()? + "\n";
    let n = list.map_or(0, |l| l.items().len());
    let edits = match (t.src, t.tree) {
        (Some(src), Some(root)) if n > 0 => edit::json_after_item(
            src,
            root,
            &format!("{pointer}/properties/serviceEndpoints/{}", n - 1),
            &item.to_string(),
        ),
        (Some(src), Some(root))
            if list.is_none_or(|l| matches!(l.value, moat_doc::tree::Value::Seq(_))) =>
        {
            edit::tree_edit(
                src,
                root,
                &pointer,
                &[(vec!["properties", "serviceEndpoints"], format!("[{item}]"))],
                edit::Syntax::Json,
            )
        }
        _ => None,
    };
    Some(Snippet {
        input: "arm",
        language: "json",
        text,
        edits: edits.unwrap_or_default(),
    })
}

/// A virtual network rule in the storage account's `properties.networkAcls.virtualNetworkRules`
/// (the subnet by `resourceId`, both declared in the template): the fragment with the rules
/// the template writes and the new one after them, and the element appended to the list (the
/// list written where it is not, or is `[]`; never over an expression).
pub(super) fn vnet_rule(t: &Target, subnet: &Target) -> Option<Snippet> {
    if t.at.file != subnet.at.file {
        return None;
    }
    let literal = |s: &str| format!("'{}'", s.replace('\'', "''"));
    let item = serde_json::json!({
        "id": format!(
            "[resourceId('Microsoft.Network/virtualNetworks/subnets', {}, {})]",
            literal(subnet.workspace?),
            literal(subnet.name)
        ),
        "action": "Allow",
    });
    append(
        t,
        &["properties", "networkAcls", "virtualNetworkRules"],
        item,
        "Microsoft.Storage/storageAccounts",
    )
}

/// The elements of a template list as the template writes them, each read as JSON (an element
/// that does not read so is left out).
pub(super) fn written_items(list: &moat_doc::Node, text: &str) -> Vec<serde_json::Value> {
    list.items()
        .iter()
        .filter_map(|i| {
            let t = text.get(i.span.offset..i.span.offset + i.span.len)?;
            serde_json::from_str(t).ok()
        })
        .collect()
}

/// `item` appended to the list at `path` of the resource's object: a fragment of the resource
/// with the whole list (its elements as the template writes them, then `item`; `ty` where the
/// template's type is not at hand), and the edit that inserts `item` after the list's last
/// element, or writes the list where the resource has none.
pub(super) fn append(
    t: &Target,
    path: &[&str],
    item: serde_json::Value,
    ty: &str,
) -> Option<Snippet> {
    let node = t
        .tree
        .map(|r| r.pointer(&t.at.pointer))
        .filter(|(_, found)| *found)
        .map(|(n, _)| n);
    let field = |k: &str| {
        node.and_then(|n| n.get(k))
            .and_then(|v| v.text())
            .map(str::to_string)
    };
    let list = node.and_then(|n| path.iter().try_fold(n, |n, k| n.get(k)));
    let mut all: Vec<serde_json::Value> = match (list, t.src) {
        (Some(l), Some(src)) => written_items(l, &src.text),
        _ => Vec::new(),
    };
    all.push(item.clone());
    let mut nested = serde_json::Value::Array(all);
    for k in path.iter().rev() {
        nested = serde_json::Value::Object([(k.to_string(), nested)].into_iter().collect());
    }
    let mut fragment = serde_json::json!({
        "type": field("type").unwrap_or_else(|| ty.into()),
        "name": field("name").unwrap_or_else(|| t.name.to_string()),
    });
    let (obj, add) = (fragment.as_object_mut()?, nested.as_object()?);
    obj.extend(add.clone());
    let text = serde_json::to_string_pretty(&fragment).ok()? + "\n";
    let n = list.map_or(0, |l| l.items().len());
    let edits = match (t.src, t.tree) {
        (Some(src), Some(root)) if n > 0 => edit::json_after_item(
            src,
            root,
            &format!("{}/{}/{}", t.at.pointer, path.join("/"), n - 1),
            &item.to_string(),
        ),
        (Some(src), Some(root))
            if list.is_none_or(|l| matches!(l.value, moat_doc::tree::Value::Seq(_))) =>
        {
            edit::tree_edit(
                src,
                root,
                &t.at.pointer,
                &[(path.to_vec(), format!("[{item}]"))],
                edit::Syntax::Json,
            )
        }
        _ => None,
    };
    Some(Snippet {
        input: "arm",
        language: "json",
        text,
        edits: edits.unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_become_expressions() {
        assert_eq!(
            super::expression("[variables('zone')]"),
            "variables('zone')"
        );
        assert_eq!(super::expression("hub"), "'hub'");
        assert_eq!(super::expression("it's"), "'it''s'");
        assert_eq!(super::expression("[[literal]"), "'[literal]'");
    }
}
