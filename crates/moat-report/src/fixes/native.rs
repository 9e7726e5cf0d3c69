//! Fixes in the native format: a side file that completes the resource by name — the same text
//! can be merged with `--with` or written into the topology — and the edit of the topology.

use super::{Kind, NsgRule, Snippet, Target, V, edit};
use moat_rules::change::Setting;

/// The list a resource kind is written in.
fn list(kind: Kind) -> &'static str {
    match kind {
        Kind::Workspace => "workspaces",
        Kind::Registry => "registries",
        Kind::Storage => "storage_accounts",
        Kind::KeyVault => "key_vaults",
        Kind::Acr => "container_registries",
        Kind::Compute { .. } => "computes",
        Kind::PrivateDnsZone => "private_dns_zones",
        Kind::Vnet => "virtual_networks",
        Kind::OnlineEndpoint => "online_endpoints",
        Kind::Nsg => "network_security_groups",
        Kind::Subnet => "virtual_networks",
        Kind::OnlineDeployment => "online_endpoints",
        Kind::FirewallRules => "firewall_policies",
        Kind::Ampls => "monitor_private_link_scopes",
        Kind::ServiceEndpointPolicy => "service_endpoint_policies",
        Kind::PrivateEndpoint => "private_endpoints",
    }
}

/// The native field path of a setting and its value.
fn spell(kind: Kind, s: Setting) -> Option<(Vec<&'static str>, V)> {
    use Kind::*;
    use Setting::*;
    Some(match (kind, s) {
        (
            Workspace | Registry | Storage | KeyVault | Acr | OnlineEndpoint,
            PublicNetworkAccessDisabled,
        ) => (vec!["public_network_access"], V::Str("Disabled")),
        (Acr, AdminUserDisabled) => (vec!["admin_user_enabled"], V::Bool(false)),
        (Acr, AnonymousPullDisabled) => (vec!["anonymous_pull_enabled"], V::Bool(false)),
        (Acr, SkuPremium) => (vec!["sku"], V::Str("Premium")),
        (Acr, TrustedServicesAllowed) => {
            (vec!["network_rule_set", "bypass"], V::Str("AzureServices"))
        }
        (Storage, TrustedServicesAllowed) => {
            (vec!["network_rules", "bypass"], V::List("AzureServices"))
        }
        (KeyVault, TrustedServicesAllowed) => {
            (vec!["network_acls", "bypass"], V::Str("AzureServices"))
        }
        (Compute { .. }, LocalAuthDisabled) => (vec!["disable_local_auth"], V::Bool(true)),
        (Compute { instance: false }, MinNodesZero) => (vec!["min_nodes"], V::Int(0)),
        (Compute { instance: true }, IdleShutdown30Minutes) => {
            (vec!["idle_time_before_shutdown"], V::Str("PT30M"))
        }
        (Compute { .. }, NodePublicIpDisabled) => (vec!["enable_node_public_ip"], V::Bool(false)),
        (Compute { instance: false }, ComputeIdentityNone) => (vec!["identity"], V::Str("None")),
        (Storage, SharedKeyAccessDisabled) => (vec!["allow_shared_key_access"], V::Bool(false)),
        (Workspace, ManagedFirewallStandard) => {
            (vec!["managed_network", "firewall_sku"], V::Str("Standard"))
        }
        (Storage, BlobPublicAccessDisabled) => (vec!["allow_blob_public_access"], V::Bool(false)),
        (Acr, DataEndpointEnabled) => (vec!["data_endpoint_enabled"], V::Bool(true)),
        (Subnet, PrivateEndpointPoliciesDisabled) => (
            vec!["private_endpoint_network_policies"],
            V::Str("Disabled"),
        ),
        (Workspace, V1LegacyModeDisabled) => (vec!["v1_legacy_mode"], V::Bool(false)),
        (OnlineDeployment, EgressPublicNetworkAccessDisabled) => {
            (vec!["egress_public_network_access"], V::Str("Disabled"))
        }
        (Workspace, ManagedNetworkInternetOutbound) => (
            vec!["managed_network", "isolation_mode"],
            V::Str("AllowInternetOutbound"),
        ),
        (Ampls, IngestionAccessModeOpen) => (vec!["ingestion_access_mode"], V::Str("Open")),
        (Ampls, QueryAccessModeOpen) => (vec!["query_access_mode"], V::Str("Open")),
        (Registry, ManagedStoragePublicNetworkAccessDisabled) => {
            (vec!["storage", "public_network_access"], V::Str("Disabled"))
        }
        (Registry, ManagedAcrPublicNetworkAccessDisabled) => {
            (vec!["acr", "public_network_access"], V::Str("Disabled"))
        }
        (OnlineDeployment, EgressPublicNetworkAccessEnabled) => {
            (vec!["egress_public_network_access"], V::Str("Enabled"))
        }
        (Workspace, ManagedNetworkProvisioned) => {
            (vec!["managed_network", "provisioned"], V::Bool(true))
        }
        _ => return None,
    })
}

/// The settings as a side file, and their edit of the file that declares the resource.
pub(super) fn set(t: &Target, settings: &[Setting]) -> Option<Snippet> {
    let spelled: Vec<(Vec<&str>, String)> = settings
        .iter()
        .map(|s| spell(t.kind, *s).map(|(p, v)| (p, v.yaml())))
        .collect::<Option<_>>()?;
    values(t, &spelled)
}

/// A workspace's image build compute, by name.
pub(super) fn image_build_compute(t: &Target, compute: &str) -> Option<Snippet> {
    (t.kind == Kind::Workspace).then_some(())?;
    values(t, &[(vec!["image_build_compute"], scalar(compute))])
}

/// Fields (paths and YAML values) as a side file, and their edit of the file that declares
/// the resource.
pub(super) fn values(t: &Target, spelled: &[(Vec<&str>, String)]) -> Option<Snippet> {
    // A subnet is written in its VNet's entry, a deployment in its endpoint's.
    let (mut text, base) = match (t.kind, t.workspace) {
        (Kind::OnlineDeployment, Some(ep)) => (
            format!(
                "online_endpoints:\n  - name: {ep}\n    deployments:\n      - name: {}\n",
                t.name
            ),
            4,
        ),
        (Kind::Subnet, Some(vnet)) => (
            format!(
                "virtual_networks:\n  - name: {vnet}\n    subnets:\n      - name: {}\n",
                t.name
            ),
            4,
        ),
        _ => (format!("{}:\n  - name: {}\n", list(t.kind), t.name), 2),
    };
    for (path, v) in spelled {
        for (depth, key) in path.iter().enumerate() {
            let indent = "  ".repeat(depth + base);
            if depth + 1 == path.len() {
                text += &format!("{indent}{key}: {}\n", v);
            } else {
                text += &format!("{indent}{key}:\n");
            }
        }
    }
    let edit = match (t.src, t.tree) {
        (Some(src), Some(root)) => {
            edit::tree_edit(src, root, &t.at.pointer, spelled, edit::Syntax::Yaml)
        }
        _ => None,
    };
    Some(Snippet {
        input: "native",
        language: "yaml",
        text,
        edits: edit.unwrap_or_default(),
    })
}

/// An FQDN outbound rule as a flow mapping.
fn fqdn_item(name: &str, destination: &str) -> String {
    format!("{{ name: {name}, type: FQDN, destination: \"{destination}\" }}")
}

/// An FQDN outbound rule: the workspace's entry with the rule (outbound rules merge by name),
/// and the rule appended to its list. Where the workspace has no outbound rules written, the
/// first rule added (`together` not empty) writes the list with every rule added to it, and
/// the others make no edit.
pub(super) fn fqdn_rule(
    t: &Target,
    name: &str,
    destination: &str,
    together: &[(&str, &str)],
) -> Option<Snippet> {
    let item = fqdn_item(name, destination);
    let text = format!(
        "workspaces:\n  - name: {}\n    managed_network:\n      outbound_rules:\n        - {item}\n",
        t.name
    );
    let path = ["managed_network", "outbound_rules"];
    let edits = match (t.src, t.tree) {
        (Some(src), Some(root)) => {
            let (node, found) = root.pointer(&t.at.pointer);
            let written = found
                && node
                    .get(path[0])
                    .and_then(|m| m.get(path[1]))
                    .is_some_and(|l| !l.items().is_empty());
            if written {
                edit::tree_append(src, root, &t.at.pointer, &path, &item)
            } else if together.is_empty() {
                None
            } else {
                let all: Vec<String> = together.iter().map(|(n, d)| fqdn_item(n, d)).collect();
                edit::tree_append(src, root, &t.at.pointer, &path, &all.join(", "))
            }
        }
        _ => None,
    };
    Some(Snippet {
        input: "native",
        language: "yaml",
        text,
        edits: edits.unwrap_or_default(),
    })
}

/// A zone link: the zone's entry with its whole list of links (a side file replaces the list),
/// and the VNet appended to the list in the topology.
pub(super) fn link_zone(t: &Target, vnet: &Target) -> Option<Snippet> {
    let node = t
        .tree
        .map(|r| r.pointer(&t.at.pointer))
        .filter(|(_, found)| *found)
        .map(|(n, _)| n);
    let mut links: Vec<String> = node
        .and_then(|n| n.get("vnet_links"))
        .map(|l| {
            l.items()
                .iter()
                .filter_map(|i| i.text().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    links.push(vnet.name.to_string());
    let text = format!(
        "private_dns_zones:\n  - name: {}\n    vnet_links: [{}]\n",
        t.name,
        links.join(", ")
    );
    let edits = match (t.src, t.tree) {
        (Some(src), Some(root)) => {
            edit::tree_append(src, root, &t.at.pointer, &["vnet_links"], vnet.name)
        }
        _ => None,
    };
    Some(Snippet {
        input: "native",
        language: "yaml",
        text,
        edits: edits.unwrap_or_default(),
    })
}

/// A YAML scalar, quoted when it would not read as a plain one (`*`).
pub(super) fn scalar(s: &str) -> String {
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "-._/".contains(c))
    {
        s.to_string()
    } else {
        format!("\"{s}\"")
    }
}

/// A security rule as a flow mapping.
fn nsg_item(r: &NsgRule) -> String {
    format!(
        "{{ name: {}, priority: {}, direction: {}, access: Allow, protocol: {}, source: {}, destination: {}, destination_ports: {} }}",
        scalar(r.name),
        r.priority,
        r.direction,
        scalar(r.protocol),
        scalar(r.source),
        scalar(r.destination),
        scalar(r.ports)
    )
}

/// A security rule: the NSG's entry with the rule, and the rule appended to its list. Where
/// the NSG has no rules written, the first rule added (`together` not empty) writes the list
/// with every rule added to it, and the others make no edit.
pub(super) fn nsg_rule(t: &Target, r: &NsgRule, together: &[NsgRule]) -> Option<Snippet> {
    let item = nsg_item(r);
    let text = format!(
        "network_security_groups:\n  - name: {}\n    rules:\n      - {item}\n",
        t.name
    );
    let edits = match (t.src, t.tree) {
        (Some(src), Some(root)) => {
            let node = root.pointer(&t.at.pointer);
            let written = node.1 && node.0.get("rules").is_some_and(|l| !l.items().is_empty());
            if written {
                edit::tree_append(src, root, &t.at.pointer, &["rules"], &item)
            } else if together.is_empty() {
                None
            } else {
                let all: Vec<String> = together.iter().map(nsg_item).collect();
                edit::tree_append(src, root, &t.at.pointer, &["rules"], &all.join(", "))
            }
        }
        _ => None,
    };
    Some(Snippet {
        input: "native",
        language: "yaml",
        text,
        edits: edits.unwrap_or_default(),
    })
}

/// A service endpoint: the subnet in its VNet's entry with its whole list of endpoints (a side
/// file replaces the list), and the service appended to the list in the topology.
pub(super) fn service_endpoint(t: &Target, service: &str, model: &[&str]) -> Option<Snippet> {
    let vnet = t.workspace?;
    let node = t
        .tree
        .map(|r| r.pointer(&t.at.pointer))
        .filter(|(_, found)| *found)
        .map(|(n, _)| n);
    let mut services: Vec<String> = match node {
        Some(n) => n
            .get("service_endpoints")
            .map(|l| {
                l.items()
                    .iter()
                    .filter_map(|i| i.text().map(scalar))
                    .collect()
            })
            .unwrap_or_default(),
        None => model.iter().map(|s| scalar(s)).collect(),
    };
    services.push(scalar(service));
    let text = format!(
        "virtual_networks:\n  - name: {vnet}\n    subnets:\n      - name: {}\n        service_endpoints: [{}]\n",
        t.name,
        services.join(", ")
    );
    let edits = match (t.src, t.tree) {
        (Some(src), Some(root)) => edit::tree_append(
            src,
            root,
            &t.at.pointer,
            &["service_endpoints"],
            &scalar(service),
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

/// A virtual network rule: the storage account's entry with its whole list of rules (a side
/// file replaces the list), and the subnet appended to the list in the topology.
pub(super) fn vnet_rule(t: &Target, subnet: &Target) -> Option<Snippet> {
    let rule = scalar(&format!("{}/{}", subnet.workspace?, subnet.name));
    let path = ["network_rules", "virtual_network_rules"];
    let node = t
        .tree
        .map(|r| r.pointer(&t.at.pointer))
        .filter(|(_, found)| *found)
        .map(|(n, _)| n);
    let mut rules: Vec<String> = node
        .and_then(|n| n.get(path[0])?.get(path[1]))
        .map(|l| {
            l.items()
                .iter()
                .filter_map(|i| i.text().map(scalar))
                .collect()
        })
        .unwrap_or_default();
    rules.push(rule.clone());
    let text = format!(
        "storage_accounts:\n  - name: {}\n    network_rules:\n      virtual_network_rules: [{}]\n",
        t.name,
        rules.join(", ")
    );
    append(t, &path, &rule, text)
}

/// A side file `text`, and the edit that appends `item` (flow style) to the list at `path` of
/// the resource's entry.
pub(super) fn append(t: &Target, path: &[&str], item: &str, text: String) -> Option<Snippet> {
    let edits = match (t.src, t.tree) {
        (Some(src), Some(root)) => edit::tree_append(src, root, &t.at.pointer, path, item),
        _ => None,
    };
    Some(Snippet {
        input: "native",
        language: "yaml",
        text,
        edits: edits.unwrap_or_default(),
    })
}
