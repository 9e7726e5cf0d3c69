//! Fixes that add a rule to an Azure Firewall: the rule appended to the first collection of
//! its kind that allows — of the firewall's policy (its rule collection groups by priority),
//! else the firewall's own classic collections — where that collection is written: native
//! YAML, ARM JSON (with Bicep beside it), a `rule` block of the Terraform collection (of the
//! policy's rule collection group, or the classic collection resource), or the `az` command.

use super::{Input, Kind, Lang, Snippet, Target, Trees, edit, language};
use moat_model::enums::Access;
use moat_model::firewall::{ApplicationRuleCollection, NetworkRuleCollection};
use moat_model::{Open, Provenance};
use moat_rules::change::FirewallAllow;

/// The collection a rule goes in: its name and where it is written, the policy and group it
/// is in (none for a classic collection).
pub(super) struct Collection<'t> {
    name: &'t str,
    pub(super) at: &'t Provenance,
    policy: Option<(&'t str, &'t str)>,
}

pub(super) fn collection<'t>(
    input: &Input<'t>,
    fw: &str,
    application: bool,
) -> Option<Collection<'t>> {
    let t = input.topology;
    let f = t.firewalls.iter().find(|f| f.name == fw)?;
    if let Some(p) = &f.firewall_policy {
        let policy = t.firewall_policies.iter().find(|x| &x.name == p)?;
        let mut groups: Vec<_> = policy.rule_collection_groups.iter().collect();
        groups.sort_by_key(|g| g.priority);
        return groups.into_iter().find_map(|g| {
            let (name, at) = first_allowing(
                &g.application_rule_collections,
                &g.network_rule_collections,
                application,
            )?;
            Some(Collection {
                name,
                at,
                policy: Some((&policy.name, &g.name)),
            })
        });
    }
    let (name, at) = first_allowing(
        &f.application_rule_collections,
        &f.network_rule_collections,
        application,
    )?;
    Some(Collection {
        name,
        at,
        policy: None,
    })
}

/// The name and place of the first collection of the kind asked for whose action is known to
/// be Allow (a collection that may deny takes no rule: the rule would fix nothing there).
fn first_allowing<'t>(
    app: &'t [ApplicationRuleCollection],
    net: &'t [NetworkRuleCollection],
    application: bool,
) -> Option<(&'t str, &'t Provenance)> {
    let allowing = |action: &Open<Access>| action.known() == Some(&Access::Allow);
    if application {
        app.iter()
            .filter(|c| allowing(&c.action))
            .min_by_key(|c| c.priority)
            .map(|c| (c.name.as_str(), &c.at))
    } else {
        net.iter()
            .filter(|c| allowing(&c.action))
            .min_by_key(|c| c.priority)
            .map(|c| (c.name.as_str(), &c.at))
    }
}

/// The rule in the native format, as a flow mapping.
fn native_item(name: &str, r: &FirewallAllow) -> String {
    match r {
        FirewallAllow::Network {
            protocol,
            source,
            destination,
            port,
        } => format!(
            "{{ name: {name}, protocols: [{protocol}], source_addresses: [{source}], destination_addresses: [{destination}], destination_ports: [{port}] }}"
        ),
        FirewallAllow::Application {
            source,
            fqdn,
            protocol,
            port,
        } => format!(
            "{{ name: {name}, source_addresses: [{source}], protocols: [\"{protocol}:{port}\"], target_fqdns: [\"{fqdn}\"] }}"
        ),
    }
}

/// The rule as an element of a policy's (`policy`) or a classic collection's `rules`.
fn arm_rule(name: &str, r: &FirewallAllow, policy: bool) -> serde_json::Value {
    use serde_json::json;
    match (r, policy) {
        (
            FirewallAllow::Network {
                protocol,
                source,
                destination,
                port,
            },
            true,
        ) => json!({
            "ruleType": "NetworkRule",
            "name": name,
            "ipProtocols": [protocol],
            "sourceAddresses": [source],
            "destinationAddresses": [destination],
            "destinationPorts": [port],
        }),
        (
            FirewallAllow::Network {
                protocol,
                source,
                destination,
                port,
            },
            false,
        ) => json!({
            "name": name,
            "protocols": [protocol],
            "sourceAddresses": [source],
            "destinationAddresses": [destination],
            "destinationPorts": [port],
        }),
        (
            FirewallAllow::Application {
                source,
                fqdn,
                protocol,
                port,
            },
            true,
        ) => json!({
            "ruleType": "ApplicationRule",
            "name": name,
            "protocols": [{ "protocolType": protocol, "port": port }],
            "sourceAddresses": [source],
            "targetFqdns": [fqdn],
        }),
        (
            FirewallAllow::Application {
                source,
                fqdn,
                protocol,
                port,
            },
            false,
        ) => json!({
            "name": name,
            "protocols": [{ "protocolType": protocol, "port": port }],
            "sourceAddresses": [source],
            "targetFqdns": [fqdn],
        }),
    }
}

/// The rule that allows a flow, in the language of the file its collection is written in.
pub(super) fn render(
    input: &Input,
    trees: &mut Trees,
    firewall: &str,
    name: &str,
    rule: &FirewallAllow,
) -> Vec<Snippet> {
    let application = matches!(rule, FirewallAllow::Application { .. });
    let Some(c) = collection(input, firewall, application) else {
        return Vec::new();
    };
    let lang = language(input.format, &c.at.file);
    let src = input.sources.iter().find(|s| s.name == c.at.file);
    if let Some(src) = src {
        trees.load(src);
    }
    let tree = src.and_then(|s| trees.get(s));
    match lang {
        Lang::Native => native(&c, src, tree, firewall, name, rule)
            .into_iter()
            .collect(),
        Lang::Arm => {
            let Some(arm) = arm(&c, src, tree, name, rule) else {
                return Vec::new();
            };
            // The resource that holds the collection, for Bicep's declaration.
            let pointer = resource_of(&c.at.pointer);
            let at = Provenance {
                pointer: pointer.to_string(),
                ..c.at.clone()
            };
            let target = Target {
                kind: Kind::FirewallRules,
                name: c.policy.map_or(firewall, |(p, _)| p),
                workspace: None,
                at: &at,
                src,
                tree,
            };
            let bicep = super::bicep::from_arm(&arm, &target);
            std::iter::once(arm).chain(bicep).collect()
        }
        Lang::Terraform => terraform(&c, src, name, rule).into_iter().collect(),
        Lang::Az => az(&c, tree, firewall, name, rule).into_iter().collect(),
    }
}

/// A `rule` block of a collection, aligned as `terraform fmt` writes it: of a policy's rule
/// collection group (`policy`), else of a classic collection resource, whose application
/// rules write `target_fqdns` and one `protocol` block.
fn hcl_rule(name: &str, r: &FirewallAllow, policy: bool) -> String {
    let q = |s: &str| format!("\"{s}\"");
    let list = |s: &str| format!("[\"{s}\"]");
    let (attrs, protocols): (Vec<(&str, String)>, Option<String>) = match r {
        FirewallAllow::Network {
            protocol,
            source,
            destination,
            port,
        } => (
            vec![
                ("name", q(name)),
                ("protocols", list(protocol)),
                ("source_addresses", list(source)),
                ("destination_addresses", list(destination)),
                ("destination_ports", list(port)),
            ],
            None,
        ),
        FirewallAllow::Application {
            source,
            fqdn,
            protocol,
            port,
        } => {
            let (fqdns, block) = if policy {
                ("destination_fqdns", "protocols")
            } else {
                ("target_fqdns", "protocol")
            };
            (
                vec![
                    ("name", q(name)),
                    ("source_addresses", list(source)),
                    (fqdns, list(fqdn)),
                ],
                Some(format!(
                    "  {block} {{\n    type = \"{protocol}\"\n    port = {port}\n  }}\n"
                )),
            )
        }
    };
    let width = attrs.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let mut out = "rule {\n".to_string();
    for (k, v) in attrs {
        out += &format!("  {k:<width$} = {v}\n");
    }
    out += &protocols.unwrap_or_default();
    out + "}\n"
}

/// The label of the resource of type `ty` at a Terraform address
/// (`module.hub.azurerm_firewall_network_rule_collection.tags[0]` → `tags`).
fn label<'a>(address: &'a str, ty: &str) -> Option<&'a str> {
    let label = address.rsplit_once(&format!("{ty}."))?.1;
    label.split(['[', '.']).next()
}

/// In Terraform: a `rule` block in the collection's block of the policy's rule collection
/// group, or in the classic collection resource (`azurerm_firewall_network_rule_collection`,
/// `azurerm_firewall_application_rule_collection`).
fn terraform(
    c: &Collection,
    src: Option<&moat_doc::SourceFile>,
    name: &str,
    rule: &FirewallAllow,
) -> Option<Snippet> {
    let kind = match rule {
        FirewallAllow::Network { .. } => "network_rule_collection",
        FirewallAllow::Application { .. } => "application_rule_collection",
    };
    let body = hcl_rule(name, rule, c.policy.is_some());
    let src = src.filter(|s| s.name.ends_with(".tf"));
    let (text, edits) = if c.policy.is_some() {
        let ty = "azurerm_firewall_policy_rule_collection_group";
        let label = label(&c.at.pointer, ty)?;
        let indented: String = body.lines().map(|l| format!("    {l}\n")).collect();
        let text = format!(
            "resource \"{ty}\" \"{label}\" {{\n  {kind} {{\n    name = \"{}\"\n\n{indented}  }}\n}}\n",
            c.name
        );
        // The collection's own block, or the group's block that holds it.
        let edits = src.and_then(|src| {
            let own = src.text.get(c.at.offset..)?.starts_with(kind);
            if own {
                edit::hcl_into_block(src, c.at.offset, c.at.len, &body)
            } else {
                edit::hcl_into_named_block(src, c.at.offset, c.at.len, kind, c.name, &body)
            }
        });
        (text, edits)
    } else {
        // The classic collection is a resource of its own: the rule goes in its block.
        let ty = format!("azurerm_firewall_{kind}");
        let label = label(&c.at.pointer, &ty)?;
        let indented: String = body.lines().map(|l| format!("  {l}\n")).collect();
        let text = format!(
            "resource \"{ty}\" \"{label}\" {{\n  name = \"{}\"\n\n{indented}}}\n",
            c.name
        );
        let edits = src.and_then(|src| edit::hcl_into_block(src, c.at.offset, c.at.len, &body));
        (text, edits)
    };
    Some(Snippet {
        input: "terraform",
        language: "hcl",
        text,
        edits: edits.unwrap_or_default(),
    })
}

/// With `az network firewall policy rule-collection-group collection rule add` for a policy
/// read from Azure, `az network firewall network-rule create` or `application-rule create`
/// for a firewall's classic collection.
fn az(
    c: &Collection,
    tree: Option<&moat_doc::Node>,
    firewall: &str,
    name: &str,
    rule: &FirewallAllow,
) -> Option<Snippet> {
    // The resource group in the id of the resource that holds the collection.
    let rg = tree
        .map(|root| root.pointer(resource_of(&c.at.pointer)))
        .filter(|(_, found)| *found)
        .and_then(|(n, _)| n.get("id")?.text().map(str::to_string))
        .and_then(|id| {
            let mut parts = id.split('/');
            parts.find(|p| p.eq_ignore_ascii_case("resourceGroups"))?;
            parts.next().map(str::to_string)
        })
        .unwrap_or_else(|| "<resource-group>".into());
    let policy = c.policy.is_some();
    let what = match rule {
        FirewallAllow::Network {
            protocol,
            source,
            destination,
            port,
        } => format!(
            "{}--{}protocols {protocol} --source-addresses {source} --destination-addresses {destination} --destination-ports {port}",
            if policy {
                "--rule-type NetworkRule "
            } else {
                ""
            },
            if policy { "ip-" } else { "" },
        ),
        FirewallAllow::Application {
            source,
            fqdn,
            protocol,
            port,
        } => format!(
            "{}--protocols {protocol}={port} --source-addresses {source} --target-fqdns '{fqdn}'",
            if policy {
                "--rule-type ApplicationRule "
            } else {
                ""
            },
        ),
    };
    let command = match (c.policy, rule) {
        (Some((policy, group)), _) => format!(
            "policy rule-collection-group collection rule add --resource-group {rg} --policy-name {policy} --rcg-name {group}"
        ),
        (None, FirewallAllow::Network { .. }) => {
            format!("network-rule create --resource-group {rg} --firewall-name {firewall}")
        }
        (None, FirewallAllow::Application { .. }) => {
            format!("application-rule create --resource-group {rg} --firewall-name {firewall}")
        }
    };
    Some(Snippet {
        input: "az",
        language: "sh",
        text: format!(
            "az network firewall {command} --collection-name {} --name {name} {what}\n",
            c.name
        ),
        edits: Vec::new(),
    })
}

/// Where the collection named `name` is written, and whether it is a policy's (else a
/// classic collection of the firewall): the object at `at`, or its element of the resource's
/// `ruleCollections` (a rule collection group) or classic collections, found by name.
fn collection_pointer(
    root: &moat_doc::Node,
    at: &str,
    name: &str,
    application: bool,
) -> Option<(String, bool)> {
    let (node, found) = root.pointer(at);
    found.then_some(())?;
    if node.get("ruleCollectionType").is_some() {
        return Some((at.to_string(), true));
    }
    let classic = if application {
        "applicationRuleCollections"
    } else {
        "networkRuleCollections"
    };
    for (list, policy) in [("ruleCollections", true), (classic, false)] {
        let Some(items) = node.get("properties").and_then(|p| p.get(list)) else {
            continue;
        };
        let i = items
            .items()
            .iter()
            .position(|c| c.get("name").and_then(|n| n.text()) == Some(name));
        if let Some(i) = i {
            return Some((format!("{at}/properties/{list}/{i}"), policy));
        }
    }
    None
}

/// `/resources/3/properties/ruleCollections/0` → `/resources/3`.
fn resource_of(pointer: &str) -> &str {
    match pointer.find("/properties/") {
        Some(i) => &pointer[..i],
        None => pointer,
    }
}

fn native(
    c: &Collection,
    src: Option<&moat_doc::SourceFile>,
    tree: Option<&moat_doc::Node>,
    firewall: &str,
    name: &str,
    rule: &FirewallAllow,
) -> Option<Snippet> {
    let item = native_item(name, rule);
    let kind = match rule {
        FirewallAllow::Network { .. } => "network_rule_collections",
        FirewallAllow::Application { .. } => "application_rule_collections",
    };
    // A side file that completes the collection by name.
    let text = match c.policy {
        Some((policy, group)) => format!(
            "firewall_policies:\n  - name: {policy}\n    rule_collection_groups:\n      - name: {group}\n        {kind}:\n          - name: {}\n            rules:\n              - {item}\n",
            c.name
        ),
        None => format!(
            "firewalls:\n  - name: {firewall}\n    {kind}:\n      - name: {}\n        rules:\n          - {item}\n",
            c.name
        ),
    };
    let edits = match (src, tree) {
        (Some(src), Some(root)) => edit::tree_append(src, root, &c.at.pointer, &["rules"], &item),
        _ => None,
    };
    Some(Snippet {
        input: "native",
        language: "yaml",
        text,
        edits: edits.unwrap_or_default(),
    })
}

fn arm(
    c: &Collection,
    src: Option<&moat_doc::SourceFile>,
    tree: Option<&moat_doc::Node>,
    name: &str,
    rule: &FirewallAllow,
) -> Option<Snippet> {
    let root = tree?;
    let application = matches!(rule, FirewallAllow::Application { .. });
    let (pointer, policy) = collection_pointer(root, &c.at.pointer, c.name, application)?;
    let (node, _) = root.pointer(&pointer);
    let r = arm_rule(name, rule, policy);
    // The collection's rules: `rules` of a policy's collection, `properties.rules` of a
    // classic one.
    let (rules, path) = if policy {
        (node.get("rules"), "rules")
    } else {
        (
            node.get("properties").and_then(|p| p.get("rules")),
            "properties/rules",
        )
    };
    let n = rules.map_or(0, |l| l.items().len());
    let edits = match src {
        Some(src) if n > 0 => edit::json_after_item(
            src,
            root,
            &format!("{pointer}/{path}/{}", n - 1),
            &serde_json::to_string_pretty(&r).ok()?,
        ),
        _ => None,
    };
    // The fragment: the resource (type and name as written), the collection by name.
    let (res, _) = root.pointer(resource_of(&pointer));
    let field = |k: &str| res.get(k).and_then(|v| v.text()).map(str::to_string);
    let collection = if policy {
        serde_json::json!({ "name": c.name, "rules": [r] })
    } else {
        serde_json::json!({ "name": c.name, "properties": { "rules": [r] } })
    };
    let list = match (policy, &rule) {
        (true, _) => "ruleCollections",
        (false, FirewallAllow::Network { .. }) => "networkRuleCollections",
        (false, FirewallAllow::Application { .. }) => "applicationRuleCollections",
    };
    let fragment = serde_json::json!({
        "type": field("type")?,
        "name": field("name")?,
        "properties": { list: [collection] },
    });
    Some(Snippet {
        input: "arm",
        language: "json",
        text: serde_json::to_string_pretty(&fragment).ok()? + "\n",
        edits: edits.unwrap_or_default(),
    })
}
