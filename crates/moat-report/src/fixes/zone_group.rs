//! Fixes that change a private endpoint's DNS zone group: the zones it lacks added, the zones
//! that do not belong removed, and the zones and VNet links the model lacks written beside —
//! as the endpoint's native entry, its Terraform `private_dns_zone_group`, the template's
//! `privateDnsZoneGroups` resource (with Bicep beside it) or `az` commands.
//!
//! The zone group's entries are matched to the model's by position: an edit is made only where
//! the input writes one entry for each zone the model reads.

use super::endpoint::{self, Written, Zone};
use super::{
    Edit, Input, Lang, Snippet, Target, Trees, edit, language, resolve, resolve_zone, target,
};
use moat_doc::tree::Node;
use moat_model::Provenance;
use moat_model::privatelink::PrivateEndpoint;
use moat_rules::change::Change;
use serde_json::{Value, json};

/// What the renderers read of the change.
struct Group<'a> {
    pe: &'a PrivateEndpoint,
    vnet: &'a str,
    /// For each entry of the endpoint's group, whether it stays.
    keep: Vec<bool>,
    zones: Vec<Zone<'a>>,
}

/// Where the resources the change names are written (for [`Trees::want`]).
pub(super) fn ats<'t>(input: &Input<'t>, c: &Change) -> Vec<&'t Provenance> {
    let Change::EditZoneGroup {
        endpoint,
        vnet,
        add,
        ..
    } = c
    else {
        return Vec::new();
    };
    let t = input.topology;
    let mut out: Vec<&Provenance> = [
        resolve(t, &format!("private-endpoint/{endpoint}")),
        resolve(t, &format!("vnet/{vnet}")),
    ]
    .into_iter()
    .flatten()
    .map(|r| r.at)
    .collect();
    out.extend(
        add.iter()
            .filter_map(|z| resolve_zone(t, &z.name, z.resource_group.as_deref()))
            .map(|r| r.at),
    );
    out
}

/// Renders a [`Change::EditZoneGroup`] in the language of the file that declares the endpoint
/// (its VNet written in the same language).
pub(super) fn render<'c>(
    input: &Input,
    trees: &mut Trees,
    c: &'c Change,
    w: &mut Written<'c>,
) -> Vec<Snippet> {
    let Change::EditZoneGroup {
        endpoint,
        vnet,
        add,
        remove,
    } = c
    else {
        return Vec::new();
    };
    let t = input.topology;
    let Some(pe) = t.private_endpoints.iter().find(|p| &p.name == endpoint) else {
        return Vec::new();
    };
    let (Some(r), Some(v)) = (
        resolve(t, &format!("private-endpoint/{endpoint}")),
        resolve(t, &format!("vnet/{vnet}")),
    ) else {
        return Vec::new();
    };
    let lang = language(input.format, &r.at.file);
    if language(input.format, &v.at.file) != lang {
        return Vec::new();
    }
    let declared: Vec<Option<super::Resolved>> = add
        .iter()
        .map(|z| resolve_zone(t, &z.name, z.resource_group.as_deref()))
        .collect();
    let files = [r.at, v.at]
        .into_iter()
        .chain(declared.iter().flatten().map(|d| d.at));
    for at in files {
        if let Some(src) = input.sources.iter().find(|x| x.name == at.file)
            && lang != Lang::Terraform
        {
            trees.load(src);
        }
    }
    let trees = &*trees;
    let g = Group {
        pe,
        vnet,
        keep: pe
            .dns_zone_group
            .iter()
            .map(|z| !remove.contains(z))
            .collect(),
        zones: add
            .iter()
            .zip(declared)
            .map(|(z, d)| Zone {
                z,
                at: d.map(|d| target(d, input, trees)),
            })
            .collect(),
    };
    let (r, v) = (target(r, input, trees), target(v, input, trees));
    let snippet = match lang {
        Lang::Native => native(&g, &r, w),
        Lang::Terraform => terraform(&g, &r, &v, w),
        Lang::Arm => return arm(&g, &r, &v, w),
        Lang::Az => az(&g, &r, &v, trees),
    };
    snippet.into_iter().collect()
}

/// The endpoint's `dns_zone_group` with the kept entries and the zones added; the zones it
/// creates as entries of `private_dns_zones`; the VNet appended to the links of the zones not
/// linked to it.
fn native(g: &Group, r: &Target, w: &mut Written) -> Option<Snippet> {
    use super::native::scalar;
    let mut group: Vec<String> =
        g.pe.dns_zone_group
            .iter()
            .zip(&g.keep)
            .filter(|(_, k)| **k)
            .map(|(z, _)| scalar(z))
            .collect();
    group.extend(g.zones.iter().map(|z| scalar(&endpoint::zone_ref(z.z))));
    let list = format!("[{}]", group.join(", "));
    let mut text = format!(
        "private_endpoints:\n  - name: {}\n    dns_zone_group: {list}\n",
        scalar(&g.pe.name)
    );
    let mut zone_items = Vec::new();
    for z in g.zones.iter().filter(|z| z.z.create || z.z.link) {
        // A side file replaces a zone's list of links: the whole list, the VNet added.
        let mut links: Vec<String> =
            z.at.as_ref()
                .and_then(|t| t.tree.map(|root| root.pointer(&t.at.pointer)))
                .filter(|(_, found)| *found)
                .and_then(|(n, _)| n.get("vnet_links"))
                .map(|l| {
                    l.items()
                        .iter()
                        .filter_map(|i| i.text().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
        links.push(g.vnet.to_string());
        zone_items.push(endpoint::native_zone(z.z, &links.join(", ")));
    }
    if !zone_items.is_empty() {
        text += "private_dns_zones:\n";
        for i in &zone_items {
            text += &format!("  - {i}\n");
        }
    }
    let edits = (|| {
        let (src, root) = (r.src?, r.tree?);
        let mut all = edit::tree_edit(
            src,
            root,
            &r.at.pointer,
            &[(vec!["dns_zone_group"], list.clone())],
            edit::Syntax::Yaml,
        )?;
        let own: Vec<String> = g
            .zones
            .iter()
            .filter(|z| w.zone(z.z))
            .map(|z| endpoint::native_zone(z.z, g.vnet))
            .collect();
        let pending = w.all.clone();
        let mut created = std::mem::take(&mut w.zones);
        let zones = endpoint::native_list(
            src,
            root,
            "private_dns_zones",
            own,
            || endpoint::pending_zones(&pending, &mut created),
            &mut w.lists,
        );
        w.zones = created;
        all.extend(zones?);
        for z in &g.zones {
            if !z.z.create && w.link(z.z, g.vnet) {
                let t = z.at.as_ref()?;
                all.extend(edit::tree_append(
                    t.src?,
                    t.tree?,
                    &t.at.pointer,
                    &["vnet_links"],
                    g.vnet,
                )?);
            }
        }
        endpoint::merge(all)
    })();
    Some(Snippet {
        input: "native",
        language: "yaml",
        text,
        edits: edits.unwrap_or_default(),
    })
}

/// The endpoint's `private_dns_zone_ids` with the kept references and those of the zones added
/// (its `private_dns_zone_group` written where it has none), and the zones and links it adds
/// as blocks after the endpoint's. Every resource is named by reference, so the zones and the
/// VNet must be declared in the endpoint's module.
fn terraform(g: &Group, r: &Target, v: &Target, w: &mut Written) -> Option<Snippet> {
    use endpoint::{label, tf_link_block, tf_ref, tf_zone_block};
    // A block of several instances (`count`, `for_each`) would change them all.
    if r.at.pointer.contains('[') {
        return None;
    }
    let (module, pe_ref) = tf_ref(&r.at.pointer)?;
    let (vm, net) = tf_ref(&v.at.pointer)?;
    if vm != module {
        return None;
    }
    let mut blocks: Vec<(String, bool)> = Vec::new();
    let mut new_ids = Vec::new();
    for z in &g.zones {
        let zone = match (&z.at, z.z.create) {
            (_, true) => {
                blocks.push((tf_zone_block(&z.z.name, net), w.zone(z.z)));
                format!("azurerm_private_dns_zone.{}", label(&z.z.name))
            }
            (Some(t), false) => {
                let (zm, zr) = tf_ref(&t.at.pointer)?;
                if zm != module {
                    return None;
                }
                zr.to_string()
            }
            (None, false) => return None,
        };
        if z.z.link {
            blocks.push((
                tf_link_block(&z.z.name, &zone, g.vnet, net),
                w.link(z.z, g.vnet),
            ));
        }
        new_ids.push(format!("{zone}.id"));
    }
    let src = r.src.filter(|s| s.name.ends_with(".tf"));
    let written = src.and_then(|s| {
        edit::hcl_nested_attribute(
            s,
            r.at.offset,
            r.at.len,
            "private_dns_zone_group",
            "private_dns_zone_ids",
        )
    });
    // The kept references as written, matched to the model's entries by position.
    let kept: Vec<String> = match (src, written) {
        (Some(s), Some((off, len))) => {
            let items = edit::hcl_list_items(&s.text[off..off + len])?;
            if items.len() != g.keep.len() {
                return None;
            }
            items
                .into_iter()
                .zip(&g.keep)
                .filter(|(_, k)| **k)
                .map(|(i, _)| i.to_string())
                .collect()
        }
        _ if g.pe.dns_zone_group.is_empty() => Vec::new(),
        _ => return None,
    };
    let ids: Vec<String> = kept.into_iter().chain(new_ids).collect();
    let list = |indent: &str| match ids.as_slice() {
        [one] => format!("[{one}]"),
        _ => format!(
            "[\n{}{indent}]",
            ids.iter()
                .map(|i| format!("{indent}  {i},\n"))
                .collect::<String>()
        ),
    };
    let group = format!(
        "private_dns_zone_group {{\n  name                 = \"default\"\n  private_dns_zone_ids = {}\n}}\n",
        list("  ")
    );
    let mut text = match written {
        Some(_) => format!(
            "# {pe_ref}, in its private_dns_zone_group\nprivate_dns_zone_ids = {}\n",
            list("")
        ),
        None => format!("# {pe_ref}\n{group}"),
    };
    for (b, _) in &blocks {
        text += &format!("\n{b}");
    }
    let edits = (|| {
        let src = src?;
        let mut all = match written {
            Some((off, len)) => {
                let ls = src.text[..off].rfind('\n').map_or(0, |i| i + 1);
                let indent: String = src.text[ls..off]
                    .chars()
                    .take_while(|c| *c == ' ')
                    .collect();
                vec![Edit::new(src, off, len, list(&indent))]
            }
            None => edit::hcl_into_block(src, r.at.offset, r.at.len, &group)?,
        };
        let new: Vec<&str> = blocks
            .iter()
            .filter(|(_, new)| *new)
            .map(|(b, _)| b.as_str())
            .collect();
        if !new.is_empty() {
            all.extend(edit::hcl_after_block(
                src,
                r.at.offset,
                r.at.len,
                &new.join("\n"),
            )?);
        }
        endpoint::merge(all)
    })();
    Some(Snippet {
        input: "terraform",
        language: "hcl",
        text,
        edits: edits.unwrap_or_default(),
    })
}

/// The template's zone group of the endpoint: its pointer and node, a top-level
/// `privateDnsZoneGroups` resource named after the endpoint as the template writes it, or a
/// child in the endpoint's `resources`.
fn arm_group<'a>(r: &Target<'a>) -> Option<(String, &'a Node)> {
    let root = r.tree?;
    let (node, found) = root.pointer(&r.at.pointer);
    // An endpoint of a copy loop is every copy.
    if !found || node.get("copy").is_some() {
        return None;
    }
    let is_group = |n: &Node, short: bool| {
        n.get("type").and_then(Node::text).is_some_and(|t| {
            t.eq_ignore_ascii_case("Microsoft.Network/privateEndpoints/privateDnsZoneGroups")
                || (short && t.eq_ignore_ascii_case("privateDnsZoneGroups"))
        })
    };
    if let Some(children) = node.get("resources") {
        for (i, c) in children.items().iter().enumerate() {
            if is_group(c, true) {
                return Some((format!("{}/resources/{i}", r.at.pointer), c));
            }
        }
    }
    let pe_name = node.get("name")?.text()?;
    if pe_name.starts_with('[') {
        return None;
    }
    let prefix = format!("{pe_name}/");
    let items = root.get("resources")?.items();
    items.iter().enumerate().find_map(|(i, c)| {
        let named = c
            .get("name")
            .and_then(Node::text)
            .is_some_and(|n| n.starts_with(&prefix));
        (is_group(c, false) && named).then(|| (format!("/resources/{i}"), c))
    })
}

/// `text` (pretty JSON) re-indented to start at `indent`.
fn indented(text: &str, indent: &str) -> String {
    text.replace('\n', &format!("\n{indent}"))
}

/// The endpoint's zone group in a template: its `privateDnsZoneConfigs` with the kept configs
/// and one for each zone added (and its `dependsOn` on the zones the template deploys), or a
/// `privateDnsZoneGroups` resource where it has none; the zones and links it adds after the
/// endpoint's resource. Bicep beside it: the zone group, zones and links declared.
fn arm(g: &Group, r: &Target, v: &Target, w: &mut Written) -> Vec<Snippet> {
    arm_snippets(g, r, v, w).unwrap_or_default()
}

fn arm_snippets(g: &Group, r: &Target, v: &Target, w: &mut Written) -> Option<Vec<Snippet>> {
    use super::arm::name_expression;
    if r.at.file != v.at.file {
        return None;
    }
    let src = r.src?;
    let pe = name_expression(r)?;
    let net = name_expression(v)?;
    let net_id = format!("[resourceId('Microsoft.Network/virtualNetworks', {net})]");
    let ArmZones {
        configs,
        depends,
        depend_symbols,
        extra,
    } = arm_zones(g, r, &net, &net_id, w)?;
    let mut edits: Vec<Edit> = Vec::new();
    let mut after: Vec<Value> = Vec::new();
    let root = r.tree?;
    // The group resource as it will be, for the snippet and Bicep.
    let group_json = match arm_group(r) {
        Some((pointer, node)) => {
            let list = node.get("properties")?.get("privateDnsZoneConfigs")?;
            let items = list.items();
            if !matches!(list.value, moat_doc::tree::Value::Seq(_)) || items.len() != g.keep.len() {
                return None;
            }
            let kept: Vec<&Node> = items
                .iter()
                .zip(&g.keep)
                .filter(|(_, k)| **k)
                .map(|(i, _)| i)
                .collect();
            let ls = src.text[..list.span.offset]
                .rfind('\n')
                .map_or(0, |i| i + 1);
            let base: String = src.text[ls..list.span.offset]
                .chars()
                .take_while(|c| c.is_whitespace())
                .collect();
            let inner = format!("{base}  ");
            let mut parts: Vec<String> = kept
                .iter()
                .map(|n| src.text[n.span.offset..n.span.offset + n.span.len].to_string())
                .collect();
            for c in &configs {
                parts.push(indented(&serde_json::to_string_pretty(c).ok()?, &inner));
            }
            let text = if parts.is_empty() {
                "[]".to_string()
            } else {
                format!("[\n{inner}{}\n{base}]", parts.join(&format!(",\n{inner}")))
            };
            edits.push(Edit::new(src, list.span.offset, list.span.len, text));
            // The configs that stay, as the template writes them; the group's dependsOn on
            // the zones it now names that the template deploys.
            let mut all: Vec<Value> = kept
                .iter()
                .map(|n| {
                    serde_json::from_str(&src.text[n.span.offset..n.span.offset + n.span.len]).ok()
                })
                .collect::<Option<_>>()
                .unwrap_or_default();
            all.extend(configs.iter().cloned());
            if !depends.is_empty() {
                let quoted: Vec<String> = depends.iter().map(|d| json!(d).to_string()).collect();
                let e = match node.get("dependsOn") {
                    Some(_) => {
                        let mut out = Vec::new();
                        for q in &quoted {
                            out.extend(edit::tree_append(src, root, &pointer, &["dependsOn"], q)?);
                        }
                        out
                    }
                    None => edit::tree_edit(
                        src,
                        root,
                        &pointer,
                        &[(vec!["dependsOn"], format!("[{}]", quoted.join(", ")))],
                        edit::Syntax::Json,
                    )?,
                };
                edits.extend(e);
            }
            let mut shown_depends: Vec<String> = node
                .get("dependsOn")
                .map(|d| {
                    d.items()
                        .iter()
                        .filter_map(|i| i.text().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            shown_depends.extend(depends.iter().cloned());
            let name = node.get("name")?.text()?.to_string();
            let api = node
                .get("apiVersion")
                .and_then(Node::text)
                .unwrap_or("2023-09-01")
                .to_string();
            json!({
                "type": "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
                "apiVersion": api,
                "name": name,
                "dependsOn": shown_depends,
                "properties": { "privateDnsZoneConfigs": all }
            })
        }
        None if g.pe.dns_zone_group.is_empty() => {
            let mut d = vec![format!(
                "[resourceId('Microsoft.Network/privateEndpoints', {pe})]"
            )];
            d.extend(depends.iter().cloned());
            let group = json!({
                "type": "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
                "apiVersion": "2023-09-01",
                "name": format!("[format('{{0}}/default', {pe})]"),
                "dependsOn": d,
                "properties": { "privateDnsZoneConfigs": configs }
            });
            after.push(group.clone());
            group
        }
        None => return None,
    };
    after.extend(extra.iter().filter(|x| x.0).map(|x| x.3.clone()));
    if !after.is_empty() {
        let items: Vec<String> = after
            .iter()
            .map(serde_json::to_string_pretty)
            .collect::<Result<_, _>>()
            .ok()?;
        edits.extend(edit::json_after_item(
            src,
            root,
            &r.at.pointer,
            &items.join(",\n"),
        )?);
    }
    let mut shown = vec![&group_json];
    shown.extend(extra.iter().map(|x| &x.3));
    let text = serde_json::to_string_pretty(&shown).ok()? + "\n";
    let bicep = arm_bicep(g, &group_json, &extra, &depend_symbols);
    let mut snippets = vec![Snippet {
        input: "arm",
        language: "json",
        text,
        edits: endpoint::merge(edits).unwrap_or_default(),
    }];
    if let Some(b) = bicep {
        snippets.push(Snippet {
            input: "bicep",
            language: "bicep",
            text: b,
            edits: Vec::new(),
        });
    }
    Some(snippets)
}

/// What the zones of a template's zone group add: each zone's config, the group's dependsOn
/// on the zones the template deploys (and their Bicep symbols), and the zones and links to
/// write.
struct ArmZones {
    configs: Vec<Value>,
    depends: Vec<String>,
    depend_symbols: Vec<String>,
    extra: Vec<ArmNew>,
}

/// A zone or link a fix adds to a template: whether the edit writes it, its Bicep symbol,
/// those of the new resources it waits for, and the resource.
type ArmNew = (bool, String, Vec<String>, Value);

/// The configs, dependencies, zones and links the zones of `g` add to the zone group of
/// endpoint `r` in a template, its VNet named by `net` (`net_id`).
fn arm_zones(g: &Group, r: &Target, net: &str, net_id: &str, w: &mut Written) -> Option<ArmZones> {
    use super::arm::name_expression;
    let mut configs = Vec::new();
    let mut depends = Vec::new();
    let mut depend_symbols = Vec::new();
    let mut extra: Vec<ArmNew> = Vec::new();
    for z in &g.zones {
        let zone = match (&z.at, z.z.create) {
            (Some(t), false) if t.at.file == r.at.file => name_expression(t)?,
            _ => format!("'{}'", z.z.name),
        };
        let zone_id = match (&z.z.resource_group, z.z.create) {
            (Some(rg), false) => {
                format!("[resourceId('{rg}', 'Microsoft.Network/privateDnsZones', {zone})]")
            }
            _ => format!("[resourceId('Microsoft.Network/privateDnsZones', {zone})]"),
        };
        let dependency = endpoint::arm_zone_dependency(z, &r.at.file, &zone_id);
        if z.z.create {
            extra.push((
                w.zone(z.z),
                z.z.name.clone(),
                Vec::new(),
                endpoint::arm_zone(&z.z.name),
            ));
            depend_symbols.push(z.z.name.clone());
        }
        depends.extend(dependency.clone());
        if z.z.link {
            extra.push((
                w.link(z.z, g.vnet),
                format!("{}-{}-link", z.z.name, g.vnet),
                if z.z.create {
                    vec![z.z.name.clone()]
                } else {
                    Vec::new()
                },
                endpoint::arm_link(&zone, dependency.as_deref(), net, net_id),
            ));
        }
        configs.push(json!({
            "name": z.z.name.replace('.', "-"),
            "properties": { "privateDnsZoneId": zone_id }
        }));
    }
    Some(ArmZones {
        configs,
        depends,
        depend_symbols,
        extra,
    })
}

/// The zone group, zones and links in Bicep: the group by its full name, as the endpoint's
/// symbol in a Bicep file is not known.
fn arm_bicep(
    g: &Group,
    group_json: &Value,
    extra: &[ArmNew],
    depend_symbols: &[String],
) -> Option<String> {
    let mut out = vec![super::bicep::declaration(
        &format!("{}-zones", g.pe.name),
        group_json,
        None,
        depend_symbols,
    )?];
    for (_, symbol, depends, json) in extra {
        out.push(super::bicep::declaration(symbol, json, None, depends)?);
    }
    Some(out.join("\n"))
}

/// The zone group of an endpoint read from Azure: its name and its configs (name, zone id).
fn exported_group<'a>(trees: &'a Trees, r: &Target) -> Option<(&'a str, Vec<(&'a str, &'a str)>)> {
    let pe_id = super::az::id(r)?.to_ascii_lowercase();
    let src = r.src?;
    let root = trees.get(src)?;
    let items = root.get("data").unwrap_or(root).items();
    items.iter().find_map(|n| {
        let id = n.get("id")?.text()?;
        let (head, name) = id.rsplit_once('/')?;
        if !head
            .to_ascii_lowercase()
            .eq(&format!("{pe_id}/privatednszonegroups"))
        {
            return None;
        }
        let configs = n
            .get("properties")?
            .get("privateDnsZoneConfigs")?
            .items()
            .iter()
            .filter_map(|c| {
                Some((
                    c.get("name")?.text()?,
                    c.get("properties")?.get("privateDnsZoneId")?.text()?,
                ))
            })
            .collect();
        Some((name, configs))
    })
}

/// The zone group with `az network private-endpoint dns-zone-group`: `remove` for each zone
/// that goes, `add` (or `create` for a group the endpoint lacks) for each zone added, after
/// the zones and links it lacks. Zones are named by id, as the export gives them.
fn az(g: &Group, r: &Target, v: &Target, trees: &Trees) -> Option<Snippet> {
    use super::az::{id, resource_group};
    let rg = resource_group(r)?;
    let net_id = id(v)?;
    let n = g.pe.name.as_str();
    let mut lines = Vec::new();
    let (mut group, configs) = match exported_group(trees, r) {
        Some((name, configs)) => (Some(name.to_string()), configs),
        None if g.pe.dns_zone_group.is_empty() => (None, Vec::new()),
        None => return None,
    };
    if configs.len() != g.keep.len() {
        return None;
    }
    for ((config, _), keep) in configs.iter().zip(&g.keep) {
        if !keep {
            lines.push(format!(
                "az network private-endpoint dns-zone-group remove --resource-group {rg} --endpoint-name {n} --name {} --zone-name {config}",
                group.as_deref()?
            ));
        }
    }
    let mut zone_lines = Vec::new();
    let mut group_lines = Vec::new();
    for z in &g.zones {
        let zone = endpoint::az_zone(z, rg, net_id, g.vnet, &mut zone_lines);
        let verb = if group.is_some() { "add" } else { "create" };
        let name = group.get_or_insert_with(|| "default".to_string());
        group_lines.push(format!(
            "az network private-endpoint dns-zone-group {verb} --resource-group {rg} --endpoint-name {n} --name {name} --private-dns-zone {zone} --zone-name {}",
            z.z.name.replace('.', "-")
        ));
    }
    let lines: Vec<String> = zone_lines
        .into_iter()
        .chain(lines)
        .chain(group_lines)
        .collect();
    Some(Snippet {
        input: "az",
        language: "sh",
        text: lines.join("\n") + "\n",
        edits: Vec::new(),
    })
}
