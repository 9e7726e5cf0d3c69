//! Fixes in Terraform: the attributes of the resource's block (azurerm), and their edit of the
//! `.tf` file that declares it.

use super::endpoint::label;
use super::{Kind, NsgRule, Snippet, Target, V, edit};
use moat_rules::change::Setting;

/// The azurerm attribute path of a setting and its value, on a resource of type `ty`.
fn spell(ty: &str, kind: Kind, s: Setting) -> Option<(Vec<&'static str>, V)> {
    use Kind::*;
    use Setting::*;
    Some(match (kind, s) {
        // An AI Foundry hub writes its public access as the API's word and has no v1 legacy
        // mode; a project has no network settings of its own (its hub's apply).
        (Workspace, _) if ty == "azurerm_ai_foundry_project" => return None,
        (Workspace, PublicNetworkAccessDisabled) if ty == "azurerm_ai_foundry" => {
            (vec!["public_network_access"], V::Str("Disabled"))
        }
        (Workspace, V1LegacyModeDisabled) if ty == "azurerm_ai_foundry" => return None,
        (Workspace | Storage | KeyVault | Acr, PublicNetworkAccessDisabled) => {
            (vec!["public_network_access_enabled"], V::Bool(false))
        }
        (Acr, AdminUserDisabled) => (vec!["admin_enabled"], V::Bool(false)),
        (Acr, AnonymousPullDisabled) => (vec!["anonymous_pull_enabled"], V::Bool(false)),
        (Acr, SkuPremium) => (vec!["sku"], V::Str("Premium")),
        (Acr, TrustedServicesAllowed) => {
            (vec!["network_rule_bypass_option"], V::Str("AzureServices"))
        }
        (Storage, TrustedServicesAllowed) => {
            (vec!["network_rules", "bypass"], V::List("AzureServices"))
        }
        (KeyVault, TrustedServicesAllowed) => {
            (vec!["network_acls", "bypass"], V::Str("AzureServices"))
        }
        (Compute { .. }, LocalAuthDisabled) => (vec!["local_auth_enabled"], V::Bool(false)),
        (Compute { instance: false }, MinNodesZero) => {
            (vec!["scale_settings", "min_node_count"], V::Int(0))
        }
        (Compute { .. }, NodePublicIpDisabled) => (vec!["node_public_ip_enabled"], V::Bool(false)),
        (Storage, SharedKeyAccessDisabled) => (vec!["shared_access_key_enabled"], V::Bool(false)),
        (Subnet, PrivateEndpointPoliciesDisabled) => (
            vec!["private_endpoint_network_policies"],
            V::Str("Disabled"),
        ),
        (Storage, BlobPublicAccessDisabled) => {
            (vec!["allow_nested_items_to_be_public"], V::Bool(false))
        }
        (Acr, DataEndpointEnabled) => (vec!["data_endpoint_enabled"], V::Bool(true)),
        (Workspace, V1LegacyModeDisabled) => (vec!["v1_legacy_mode_enabled"], V::Bool(false)),
        (Workspace, ManagedNetworkInternetOutbound) => (
            vec!["managed_network", "isolation_mode"],
            V::Str("AllowInternetOutbound"),
        ),
        (Ampls, IngestionAccessModeOpen) => (vec!["ingestion_access_mode"], V::Str("Open")),
        (Ampls, QueryAccessModeOpen) => (vec!["query_access_mode"], V::Str("Open")),
        // azurerm has no attribute for a compute instance's idle shutdown, nor a registry
        // resource.
        _ => return None,
    })
}

/// `module.m.azurerm_storage_account.st[0]` → (`azurerm_storage_account`, `st`).
pub(super) fn type_and_name(address: &str) -> Option<(&str, &str)> {
    let parts: Vec<&str> = address
        .split('.')
        .map(|p| p.split('[').next().unwrap_or(p))
        .collect();
    match parts.as_slice() {
        [.., ty, name] if ty.starts_with("azurerm_") => Some((ty, name)),
        _ => None,
    }
}

/// The attributes as a block of the resource, and their edit of its file.
pub(super) fn set(t: &Target, settings: &[Setting]) -> Option<Snippet> {
    let (ty, name) = type_and_name(&t.at.pointer)?;
    // A subnet written inside its VNet's block is not an `azurerm_subnet`.
    if t.kind == Kind::Subnet && ty != "azurerm_subnet" {
        return None;
    }
    if settings == [Setting::ComputeIdentityNone] {
        return identity_removed(t, ty, name);
    }
    let spelled: Vec<(Vec<&str>, String)> = settings
        .iter()
        .map(|s| spell(ty, t.kind, *s).map(|(p, v)| (p, v.json())))
        .collect::<Option<_>>()?;
    values(t, ty, name, &spelled)
}

/// A compute cluster without managed identity: its `identity` block removed, as azurerm has no
/// identity type None.
fn identity_removed(t: &Target, ty: &str, name: &str) -> Option<Snippet> {
    // A block of several instances (`count`, `for_each`) would change them all.
    if ty != "azurerm_machine_learning_compute_cluster" || t.at.pointer.contains('[') {
        return None;
    }
    let edit = t
        .src
        .filter(|s| s.name.ends_with(".tf"))
        .and_then(|src| edit::hcl_remove_nested(src, t.at.offset, t.at.len, "identity"));
    Some(Snippet {
        input: "terraform",
        language: "hcl",
        text: format!("resource \"{ty}\" \"{name}\" {{\n  # no identity block\n}}\n"),
        edits: edit.unwrap_or_default(),
    })
}

/// A workspace's image build compute, by name (`image_build_compute_name`).
pub(super) fn image_build_compute(t: &Target, compute: &str) -> Option<Snippet> {
    let (ty, name) = type_and_name(&t.at.pointer)?;
    if ty != "azurerm_machine_learning_workspace" {
        return None;
    }
    let value = serde_json::to_string(compute).ok()?;
    values(t, ty, name, &[(vec!["image_build_compute_name"], value)])
}

/// Attributes (paths and HCL values) as a block of the resource, and their edit of its file.
pub(super) fn values(
    t: &Target,
    ty: &str,
    name: &str,
    spelled: &[(Vec<&str>, String)],
) -> Option<Snippet> {
    // azurerm takes a storage firewall inline or as a resource of its own, not both.
    let separate = t
        .src
        .is_some_and(|s| s.text.contains("\"azurerm_storage_account_network_rules\""));
    if t.kind == Kind::Storage && separate && spelled.iter().any(|(p, _)| p[0] == "network_rules") {
        return None;
    }
    let mut text = format!("resource \"{ty}\" \"{name}\" {{\n");
    for (path, v) in spelled {
        text += &format!("  {}\n", edit::hcl_nested(path, v, "  "));
    }
    text += "}\n";
    let edit = t
        .src
        .filter(|s| s.name.ends_with(".tf"))
        .and_then(|src| edit::hcl_edit(src, t.at.offset, t.at.len, spelled));
    Some(Snippet {
        input: "terraform",
        language: "hcl",
        text,
        edits: edit.unwrap_or_default(),
    })
}

/// An FQDN outbound rule: a resource of its own, placed after the workspace's block.
pub(super) fn fqdn_rule(t: &Target, name: &str, destination: &str) -> Option<Snippet> {
    let (ty, ws) = type_and_name(&t.at.pointer)?;
    if ty != "azurerm_machine_learning_workspace" {
        return None;
    }
    let local = name.replace('-', "_");
    let text = format!(
        "resource \"azurerm_machine_learning_workspace_network_outbound_rule_fqdn\" \"{local}\" {{\n  name             = \"{name}\"\n  workspace_id     = {ty}.{ws}.id\n  destination_fqdn = \"{destination}\"\n}}\n"
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

/// `module.m.azurerm_storage_account.st[0]` → `module.m.` (empty at the root): a reference
/// written in one module names only that module's resources.
fn module_of(address: &str) -> &str {
    address.rfind("azurerm_").map_or(address, |i| &address[..i])
}

/// `module.m.azurerm_private_dns_zone.z["a"]` → `azurerm_private_dns_zone.z["a"]`: the
/// resource as a reference inside its module, instance key included.
fn reference(address: &str) -> Option<&str> {
    address.rfind("azurerm_").map(|i| &address[i..])
}

/// A zone link: an `azurerm_private_dns_zone_virtual_network_link` after the zone's block,
/// naming the zone and the VNet by reference (both declared in the same module).
pub(super) fn link_zone(t: &Target, vnet: &Target) -> Option<Snippet> {
    let (zty, _) = type_and_name(&t.at.pointer)?;
    let (vty, _) = type_and_name(&vnet.at.pointer)?;
    if zty != "azurerm_private_dns_zone"
        || vty != "azurerm_virtual_network"
        || module_of(&t.at.pointer) != module_of(&vnet.at.pointer)
    {
        return None;
    }
    let (zone, net) = (reference(&t.at.pointer)?, reference(&vnet.at.pointer)?);
    let text = format!(
        "resource \"azurerm_private_dns_zone_virtual_network_link\" \"{}_{}\" {{\n  name                  = \"{}\"\n  resource_group_name   = {zone}.resource_group_name\n  private_dns_zone_name = {zone}.name\n  virtual_network_id    = {net}.id\n  registration_enabled  = false\n}}\n",
        label(t.name),
        label(vnet.name),
        vnet.name
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

/// The attributes of a security rule, aligned as `terraform fmt` writes them (`extra`: the
/// attributes that name the NSG, for a rule of its own).
fn rule_body(r: &NsgRule, extra: &[(&str, String)], indent: &str) -> String {
    let q = |s: &str| format!("\"{s}\"");
    let mut attrs: Vec<(&str, String)> = vec![
        ("name", q(r.name)),
        ("priority", r.priority.to_string()),
        ("direction", q(r.direction)),
        ("access", q("Allow")),
        ("protocol", q(r.protocol)),
        ("source_port_range", q("*")),
        ("destination_port_range", q(r.ports)),
        ("source_address_prefix", q(r.source)),
        ("destination_address_prefix", q(r.destination)),
    ];
    attrs.extend(extra.iter().cloned());
    let width = attrs.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    attrs
        .iter()
        .map(|(k, v)| format!("{indent}{k:<width$} = {v}\n"))
        .collect()
}

/// A security rule: a `security_rule` block in the NSG's block when its rules are written
/// inline (azurerm lets a group's rules be inline or resources, not both), else an
/// `azurerm_network_security_rule` after the NSG's block.
pub(super) fn nsg_rule(t: &Target, r: &NsgRule) -> Option<Snippet> {
    let (ty, nsg) = type_and_name(&t.at.pointer)?;
    if ty != "azurerm_network_security_group" {
        return None;
    }
    let src = t.src.filter(|s| s.name.ends_with(".tf"));
    let inline = src
        .and_then(|s| s.text.get(t.at.offset..t.at.offset + t.at.len))
        .is_some_and(|block| block.contains("security_rule"));
    if inline {
        let text = format!(
            "resource \"{ty}\" \"{nsg}\" {{\n  security_rule {{\n{}  }}\n}}\n",
            rule_body(r, &[], "    ")
        );
        let edits = src.and_then(|src| {
            edit::hcl_into_block(
                src,
                t.at.offset,
                t.at.len,
                &format!("security_rule {{\n{}}}", rule_body(r, &[], "  ")),
            )
        });
        return Some(Snippet {
            input: "terraform",
            language: "hcl",
            text,
            edits: edits.unwrap_or_default(),
        });
    }
    let reference = reference(&t.at.pointer)?;
    let text = format!(
        "resource \"azurerm_network_security_rule\" \"{}\" {{\n{}}}\n",
        label(r.name),
        rule_body(
            r,
            &[
                (
                    "resource_group_name",
                    format!("{reference}.resource_group_name")
                ),
                ("network_security_group_name", format!("{reference}.name")),
            ],
            "  "
        )
    );
    let edits = src.and_then(|src| edit::hcl_after_block(src, t.at.offset, t.at.len, &text));
    Some(Snippet {
        input: "terraform",
        language: "hcl",
        text,
        edits: edits.unwrap_or_default(),
    })
}

/// A service endpoint on an `azurerm_subnet`: its `service_endpoints` as the block writes them
/// with the service added (appended to a written list, `concat` of an expression), and that
/// value's edit of the file.
pub(super) fn service_endpoint(t: &Target, service: &str, model: &[&str]) -> Option<Snippet> {
    let (ty, name) = type_and_name(&t.at.pointer)?;
    // A subnet written inside its VNet's block is not an `azurerm_subnet`.
    if ty != "azurerm_subnet" {
        return None;
    }
    let src = t.src.filter(|s| s.name.ends_with(".tf"));
    let written =
        src.and_then(|s| edit::hcl_attribute(s, t.at.offset, t.at.len, "service_endpoints"));
    // A comment on the value's lines would swallow what follows it: the snippet alone.
    let commented =
        written.is_some_and(|w| w.contains('#') || w.contains("//") || w.contains("/*"));
    let written = written.filter(|_| !commented);
    let added = format!("\"{service}\"");
    let value = match written {
        Some(w) => match w.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            Some(inner) => {
                let inner = inner.trim().trim_end_matches(',').trim_end();
                if inner.is_empty() {
                    format!("[{added}]")
                } else {
                    format!("[{inner}, {added}]")
                }
            }
            None => format!("concat({w}, [{added}])"),
        },
        None => {
            let all: Vec<String> = model
                .iter()
                .map(|s| format!("\"{s}\""))
                .chain(std::iter::once(added))
                .collect();
            format!("[{}]", all.join(", "))
        }
    };
    let text = format!("resource \"{ty}\" \"{name}\" {{\n  service_endpoints = {value}\n}}\n");
    let edits = src.filter(|_| !commented).and_then(|src| {
        edit::hcl_edit(
            src,
            t.at.offset,
            t.at.len,
            &[(vec!["service_endpoints"], value.clone())],
        )
    });
    Some(Snippet {
        input: "terraform",
        language: "hcl",
        text,
        edits: edits.unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::{Kind, V, spell};
    use moat_rules::change::Setting;

    /// azurerm_ai_foundry: "`public_network_access` - (Optional) Whether public network
    /// access for this AI Service Hub should be enabled. Possible values include `Enabled`
    /// and `Disabled`." A project has no such argument: its hub's applies.
    #[test]
    fn foundry_hubs_spell_public_access_as_the_api_word() {
        let hub = spell(
            "azurerm_ai_foundry",
            Kind::Workspace,
            Setting::PublicNetworkAccessDisabled,
        );
        assert_eq!(
            hub,
            Some((vec!["public_network_access"], V::Str("Disabled")))
        );
        let project = spell(
            "azurerm_ai_foundry_project",
            Kind::Workspace,
            Setting::PublicNetworkAccessDisabled,
        );
        assert_eq!(project, None);
        let classic = spell(
            "azurerm_machine_learning_workspace",
            Kind::Workspace,
            Setting::PublicNetworkAccessDisabled,
        );
        assert_eq!(
            classic,
            Some((vec!["public_network_access_enabled"], V::Bool(false)))
        );
    }

    #[test]
    fn addresses_name_the_block() {
        assert_eq!(
            super::type_and_name("module.ml.azurerm_storage_account.st[0]"),
            Some(("azurerm_storage_account", "st"))
        );
        assert_eq!(super::type_and_name("azapi_resource.ws"), None);
    }

    #[test]
    fn modules_prefix_the_type() {
        assert_eq!(
            super::module_of("module.net.azurerm_virtual_network.hub"),
            "module.net."
        );
        assert_eq!(super::module_of("azurerm_private_dns_zone.api[0]"), "");
        assert_eq!(
            super::reference("module.dns.azurerm_private_dns_zone.z[\"a.b\"]"),
            Some("azurerm_private_dns_zone.z[\"a.b\"]")
        );
        assert_eq!(
            super::label("privatelink.api.azureml.ms"),
            "privatelink_api_azureml_ms"
        );
    }
}
