//! Fixes that add a private endpoint: the endpoint in its subnet, its DNS zone group naming the
//! privatelink zones of its sub-resource, and the zones and VNet links the model lacks — as a
//! native YAML entry, Terraform blocks, ARM resources (with Bicep beside them) or `az`
//! commands. The edit writes them all at once, next to the resource the endpoint targets.

use super::{Edit, Input, Kind, Lang, Snippet, Target, Trees, edit, language, resolve, target};
use moat_rules::change::{Change, EndpointZone};
use serde_json::{Value, json};
use std::collections::HashSet;

/// What the edits of the endpoints rendered so far write, so that the next ones write neither
/// an endpoint, a zone nor a link twice (two findings need one endpoint; two endpoints need one
/// zone), nor a native list twice where it is missing: the first edit that writes the list
/// writes every entry the others need in it.
#[derive(Default)]
pub(super) struct Written<'c> {
    /// Every endpoint the shown findings add.
    pub(super) all: Vec<&'c Change>,
    names: HashSet<String>,
    pub(super) zones: HashSet<String>,
    links: HashSet<(String, String)>,
    /// The native lists written where they were missing: (file, key).
    pub(super) lists: HashSet<(String, &'static str)>,
    /// The registry parts read by a Terraform data source.
    parts: HashSet<String>,
}

impl<'c> Written<'c> {
    /// The state for rendering `all`.
    pub fn new(all: Vec<&'c Change>) -> Written<'c> {
        Written {
            all,
            ..Default::default()
        }
    }

    /// Whether the endpoint is to be written (the first time it is asked).
    fn endpoint(&mut self, name: &str) -> bool {
        self.names.insert(name.to_string())
    }

    /// Whether the zone is to be created.
    pub(super) fn zone(&mut self, z: &EndpointZone) -> bool {
        z.create && self.zones.insert(z.name.clone())
    }

    /// Whether the zone is to be linked to `vnet`.
    pub(super) fn link(&mut self, z: &EndpointZone, vnet: &str) -> bool {
        z.link && self.links.insert((z.name.clone(), vnet.to_string()))
    }
}

/// The endpoint a change adds, as the renderers read it.
struct Endpoint<'a> {
    name: &'a str,
    /// The part of a registry the endpoint targets (`storage`, `acr`).
    part: Option<&'a str>,
    /// That part, where the model determines its id.
    managed: Option<super::registry_part::Part<'a>>,
    group_id: &'a str,
    vnet: &'a str,
    subnet: &'a str,
}

/// A zone of an endpoint's zone group, with the zone itself where the input declares it.
pub(super) struct Zone<'a> {
    pub(super) z: &'a EndpointZone,
    pub(super) at: Option<Target<'a>>,
}

/// The `az` commands that create and link zone `z` where the change asks (onto `lines`), and
/// the zone as the endpoint's zone group names it: its id where the input declares it.
pub(super) fn az_zone(
    z: &Zone,
    rg: &str,
    net_id: &str,
    vnet: &str,
    lines: &mut Vec<String>,
) -> String {
    use super::az::{id, resource_group};
    let zone_rg = match &z.at {
        Some(t) if !z.z.create => resource_group(t).unwrap_or(rg),
        _ => rg,
    };
    if z.z.create {
        lines.push(format!(
            "az network private-dns zone create --resource-group {rg} --name {}",
            z.z.name
        ));
    }
    if z.z.link {
        lines.push(format!(
            "az network private-dns link vnet create --resource-group {zone_rg} --zone-name {} --name {} --virtual-network {net_id} --registration-enabled false",
            z.z.name, vnet
        ));
    }
    z.at.as_ref()
        .and_then(|t| id(t))
        .map_or_else(|| z.z.name.clone(), str::to_string)
}

/// Renders an [`Change::AddPrivateEndpoint`] in the language of the file that declares its
/// target (the VNet must be written in the same language).
pub(super) fn render<'c>(
    input: &Input,
    trees: &mut Trees,
    c: &'c Change,
    w: &mut Written<'c>,
) -> Vec<Snippet> {
    let Change::AddPrivateEndpoint {
        name,
        target: address,
        group_id,
        subnet,
        zones,
    } = c
    else {
        return Vec::new();
    };
    let Some((vnet, sn)) = subnet.split_once('/') else {
        return Vec::new();
    };
    let t = input.topology;
    let (Some(r), Some(v), Some(s)) = (
        resolve(t, address),
        resolve(t, &format!("vnet/{vnet}")),
        resolve(t, &format!("subnet/{subnet}")),
    ) else {
        return Vec::new();
    };
    let lang = language(input.format, &r.at.file);
    if language(input.format, &v.at.file) != lang {
        return Vec::new();
    }
    let declared: Vec<Option<super::Resolved>> = zones
        .iter()
        .map(|z| super::resolve_zone(t, &z.name, z.resource_group.as_deref()))
        .collect();
    let files = [r.at, v.at, s.at]
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
    let part = address.split_once(':').map(|(_, p)| p);
    let e = Endpoint {
        name,
        part,
        managed: part.and_then(|p| super::registry_part::part(t, r.name, p)),
        group_id,
        vnet,
        subnet: sn,
    };
    let zones: Vec<Zone> = zones
        .iter()
        .zip(declared)
        .map(|(z, d)| Zone {
            z,
            at: d.map(|d| target(d, input, trees)),
        })
        .collect();
    let (r, v, s) = (
        target(r, input, trees),
        target(v, input, trees),
        target(s, input, trees),
    );
    let snippet = match lang {
        Lang::Native => native(c, &e, &r, &zones, w),
        Lang::Terraform => terraform(&e, (&r, &v, &s), &zones, w),
        Lang::Arm => return arm(&e, &r, &v, &zones, w),
        Lang::Az => az(&e, &r, &v, &zones),
    };
    snippet.into_iter().collect()
}

/// The edits of several renderers as one change: sorted, insertions at one place joined in
/// order, `None` when two overlap.
pub(super) fn merge(mut edits: Vec<Edit>) -> Option<Vec<Edit>> {
    edits.sort_by(|a, b| (&a.file, a.offset).cmp(&(&b.file, b.offset)));
    let mut out: Vec<Edit> = Vec::new();
    for e in edits {
        match out.last_mut() {
            Some(l) if l.file == e.file && l.offset == e.offset && l.len == 0 && e.len == 0 => {
                l.text += &e.text;
            }
            Some(l) if l.file == e.file && e.offset < l.offset + l.len.max(1) => return None,
            _ => out.push(e),
        }
    }
    Some(out)
}

/// A zone as a zone group names it in the native format (`<resource group>/<zone>`).
pub(super) fn zone_ref(z: &EndpointZone) -> String {
    match &z.resource_group {
        Some(rg) => format!("{rg}/{}", z.name),
        None => z.name.clone(),
    }
}

/// The native entry of the endpoint a change adds.
fn native_entry(c: &Change) -> Option<(&str, String)> {
    use super::native::scalar;
    let Change::AddPrivateEndpoint {
        name,
        target,
        group_id,
        subnet,
        zones,
    } = c
    else {
        return None;
    };
    let group: Vec<String> = zones.iter().map(|z| scalar(&zone_ref(z))).collect();
    Some((
        name,
        format!(
            "{{ name: {}, subnet: {subnet}, target: {}, group_id: {group_id}, dns_zone_group: [{}] }}",
            scalar(name),
            scalar(target),
            group.join(", ")
        ),
    ))
}

/// A zone the endpoint creates, as a native entry linked to its VNet.
pub(super) fn native_zone(z: &EndpointZone, vnet: &str) -> String {
    let rg = z
        .resource_group
        .as_ref()
        .map(|g| format!(", resource_group: {}", super::native::scalar(g)))
        .unwrap_or_default();
    format!("{{ name: {}{rg}, vnet_links: [{vnet}] }}", z.name)
}

/// The edit that appends `own` to the root list `key` of a native file. Where the list is
/// missing, the first edit writes it with `others` too (what the other endpoints need in it),
/// and later ones write nothing, as two edits would each write the key.
pub(super) fn native_list(
    src: &moat_doc::SourceFile,
    root: &moat_doc::Node,
    key: &'static str,
    own: Vec<String>,
    others: impl FnOnce() -> Vec<String>,
    lists: &mut HashSet<(String, &'static str)>,
) -> Option<Vec<Edit>> {
    let written = root.get(key).is_some_and(|l| !l.items().is_empty());
    if written {
        let mut all = Vec::new();
        for item in &own {
            all.extend(edit::tree_append(src, root, "", &[key], item)?);
        }
        return Some(all);
    }
    if own.is_empty() || !lists.insert((src.name.clone(), key)) {
        return Some(Vec::new());
    }
    let items: Vec<String> = own.into_iter().chain(others()).collect();
    edit::tree_append(src, root, "", &[key], &items.join(", "))
}

/// The native entries of the zones the changes of `all` create that are not `created` yet
/// (now they are).
pub(super) fn pending_zones(all: &[&Change], created: &mut HashSet<String>) -> Vec<String> {
    let mut out = Vec::new();
    for c in all {
        let (vnet, zones) = match c {
            Change::AddPrivateEndpoint { subnet, zones, .. } => {
                (subnet.split('/').next().unwrap_or(subnet), zones)
            }
            Change::EditZoneGroup { vnet, add, .. } => (vnet.as_str(), add),
            _ => continue,
        };
        for z in zones.iter().filter(|z| z.create) {
            if created.insert(z.name.clone()) {
                out.push(native_zone(z, vnet));
            }
        }
    }
    out
}

/// The endpoint as a native entry of `private_endpoints`, the zones it creates as entries of
/// `private_dns_zones`, and the VNet appended to the links of the zones not linked to it.
fn native(
    c: &Change,
    e: &Endpoint,
    r: &Target,
    zones: &[Zone],
    w: &mut Written,
) -> Option<Snippet> {
    let (_, item) = native_entry(c)?;
    let mut text = format!("private_endpoints:\n  - {item}\n");
    let mut zone_items = Vec::new();
    for z in zones.iter().filter(|z| z.z.create || z.z.link) {
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
        links.push(e.vnet.to_string());
        zone_items.push(native_zone(z.z, &links.join(", ")));
    }
    if !zone_items.is_empty() {
        text += "private_dns_zones:\n";
        for i in &zone_items {
            text += &format!("  - {i}\n");
        }
    }
    let edits = (|| {
        let (src, root) = (r.src?, r.tree?);
        let own = if w.endpoint(e.name) {
            vec![item.clone()]
        } else {
            Vec::new()
        };
        let all = w.all.clone();
        let mut names = std::mem::take(&mut w.names);
        let mut edits = native_list(
            src,
            root,
            "private_endpoints",
            own,
            || {
                all.iter()
                    .filter_map(|c| native_entry(c))
                    .filter(|(n, _)| names.insert(n.to_string()))
                    .map(|(_, i)| i)
                    .collect()
            },
            &mut w.lists,
        );
        w.names = names;
        let own: Vec<String> = zones
            .iter()
            .filter(|z| w.zone(z.z))
            .map(|z| native_zone(z.z, e.vnet))
            .collect();
        let mut created = std::mem::take(&mut w.zones);
        let zone_edits = native_list(
            src,
            root,
            "private_dns_zones",
            own,
            || pending_zones(&all, &mut created),
            &mut w.lists,
        );
        w.zones = created;
        edits.as_mut()?.extend(zone_edits?);
        let mut all_edits = edits?;
        for z in zones {
            if !z.z.create && w.link(z.z, e.vnet) {
                let t = z.at.as_ref()?;
                all_edits.extend(edit::tree_append(
                    t.src?,
                    t.tree?,
                    &t.at.pointer,
                    &["vnet_links"],
                    e.vnet,
                )?);
            }
        }
        merge(all_edits)
    })();
    Some(Snippet {
        input: "native",
        language: "yaml",
        text,
        edits: edits.unwrap_or_default(),
    })
}

/// `module.m.azurerm_key_vault.kv["a"]` → (`module.m.`, `azurerm_key_vault.kv["a"]`): the
/// module a resource is declared in, and the resource as a reference inside it (a data source
/// with its `data.`).
pub(super) fn tf_ref(address: &str) -> Option<(&str, &str)> {
    let i = ["azurerm_", "azapi_"]
        .iter()
        .filter_map(|p| address.find(p))
        .min()?;
    let i = if address[..i].ends_with("data.") {
        i - 5
    } else {
        i
    };
    Some((&address[..i], &address[i..]))
}

/// A Terraform identifier from a name (`wskv-vault-pe` → `wskv_vault_pe`).
pub(super) fn label(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// The endpoint as an `azurerm_private_endpoint` with its `private_dns_zone_group`, the zones it
/// creates (`azurerm_private_dns_zone`) and the links it adds, after the target's block. Every
/// resource is named by reference, so all must be declared in one module; a subnet written
/// inside its VNet's block has no reference of its own, nor has a registry's part.
fn terraform(
    e: &Endpoint,
    (r, v, s): (&Target, &Target, &Target),
    zones: &[Zone],
    w: &mut Written,
) -> Option<Snippet> {
    let (module, target) = tf_ref(&r.at.pointer)?;
    // A registry's part is read by a data source, after the registry.
    let part = match (e.part, &e.managed) {
        (None, _) => None,
        (Some(p), Some(m)) => {
            let l = label(&format!("{}_{p}", r.name));
            let new = w.parts.insert(format!("{module}{l}"));
            Some((m.terraform(&l, target), new))
        }
        (Some(_), None) => return None,
    };
    let target = part.as_ref().map_or_else(
        || target.to_string(),
        |((_, reference), _)| reference.clone(),
    );
    let (vm, net) = tf_ref(&v.at.pointer)?;
    let (sm, subnet) = tf_ref(&s.at.pointer)?;
    if vm != module || sm != module || !subnet.contains("azurerm_subnet.") {
        return None;
    }
    // Each block, and whether the edit writes it (not written by an earlier one).
    let mut blocks: Vec<(String, bool)> = Vec::new();
    let mut ids = Vec::new();
    for z in zones {
        let zone = match (&z.at, z.z.create) {
            (_, true) => {
                let l = format!("azurerm_private_dns_zone.{}", label(&z.z.name));
                let new = w.zone(z.z);
                blocks.push((tf_zone_block(&z.z.name, net), new));
                l
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
            let new = w.link(z.z, e.vnet);
            blocks.push((tf_link_block(&z.z.name, &zone, e.vnet, net), new));
        }
        ids.push(format!("{zone}.id"));
    }
    let ids = match ids.as_slice() {
        [one] => format!("[{one}]"),
        _ => format!(
            "[\n{}    ]",
            ids.iter()
                .map(|i| format!("      {i},\n"))
                .collect::<String>()
        ),
    };
    let n = e.name;
    let pe = format!(
        "resource \"azurerm_private_endpoint\" \"{}\" {{
  name                = \"{n}\"
  location            = {net}.location
  resource_group_name = {net}.resource_group_name
  subnet_id           = {subnet}.id

  private_service_connection {{
    name                           = \"{n}\"
    private_connection_resource_id = {target}.id
    subresource_names              = [\"{}\"]
    is_manual_connection           = false
  }}

  private_dns_zone_group {{
    name                 = \"default\"
    private_dns_zone_ids = {ids}
  }}
}}
",
        label(n),
        e.group_id
    );
    blocks.insert(0, (pe, w.endpoint(e.name)));
    if let Some(((data, _), new)) = part {
        blocks.insert(0, (data, new));
    }
    let text = blocks
        .iter()
        .map(|(b, _)| b.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let new: Vec<&str> = blocks
        .iter()
        .filter(|(_, new)| *new)
        .map(|(b, _)| b.as_str())
        .collect();
    let edits = r
        .src
        .filter(|s| s.name.ends_with(".tf") && !new.is_empty())
        .and_then(|src| edit::hcl_after_block(src, r.at.offset, r.at.len, &new.join("\n")));
    Some(Snippet {
        input: "terraform",
        language: "hcl",
        text,
        edits: edits.unwrap_or_default(),
    })
}

/// A private DNS zone as an `azurerm_private_dns_zone`, in the resource group of the VNet
/// `net` (a reference).
pub(super) fn tf_zone_block(name: &str, net: &str) -> String {
    format!(
        "resource \"azurerm_private_dns_zone\" \"{}\" {{\n  name                = \"{name}\"\n  resource_group_name = {net}.resource_group_name\n}}\n",
        label(name)
    )
}

/// The link of the zone `zone` (a reference) to the VNet `vnet` (`net`, a reference), without
/// auto-registration.
pub(super) fn tf_link_block(name: &str, zone: &str, vnet: &str, net: &str) -> String {
    format!(
        "resource \"azurerm_private_dns_zone_virtual_network_link\" \"{}_{}\" {{\n  name                  = \"{vnet}\"\n  resource_group_name   = {zone}.resource_group_name\n  private_dns_zone_name = {zone}.name\n  virtual_network_id    = {net}.id\n  registration_enabled  = false\n}}\n",
        label(name),
        label(vnet)
    )
}

/// A private DNS zone in a template.
pub(super) fn arm_zone(name: &str) -> Value {
    json!({
        "type": "Microsoft.Network/privateDnsZones",
        "apiVersion": "2020-06-01",
        "name": name,
        "location": "global"
    })
}

/// What a new resource of template `file` waits for to have zone `z` (its id `zone_id`): the
/// zone where the change creates it or the template deploys it, the nested deployment that
/// deploys it there, and nothing for a zone deployed elsewhere (`dependsOn` names resources of
/// the template only).
pub(super) fn arm_zone_dependency(z: &Zone, file: &str, zone_id: &str) -> Option<String> {
    if z.z.create {
        return Some(zone_id.to_string());
    }
    let t = z.at.as_ref().filter(|t| t.at.file == file)?;
    let Some((outer, _)) = t.at.pointer.split_once("/properties/template/") else {
        return Some(zone_id.to_string());
    };
    let (node, found) = t.tree?.pointer(outer);
    let name = node.get("name").filter(|_| found)?.text()?;
    Some(format!(
        "[resourceId('Microsoft.Resources/deployments', {})]",
        super::arm::expression(name)
    ))
}

/// The link of a zone (its name expression, and what the template waits for to have it) to a
/// VNet (its name expression and id) in a template, without auto-registration.
pub(super) fn arm_link(
    zone: &str,
    zone_dependency: Option<&str>,
    net: &str,
    net_id: &str,
) -> Value {
    let depends: Vec<&str> = zone_dependency.into_iter().chain([net_id]).collect();
    json!({
        "type": "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
        "apiVersion": "2020-06-01",
        "name": format!("[format('{{0}}/{{1}}', {zone}, {net})]"),
        "location": "global",
        "dependsOn": depends,
        "properties": {
            "registrationEnabled": false,
            "virtualNetwork": { "id": net_id }
        }
    })
}

/// The resources of the endpoint in a template, each with the symbol Bicep names it by, its
/// parent's and the symbols of the new resources it waits for.
struct ArmResource {
    /// Whether the edit writes it (not written by an earlier one).
    new: bool,
    symbol: String,
    parent: Option<String>,
    depends: Vec<String>,
    json: Value,
}

/// The endpoint as ARM resources after the target's (its zone group a child resource, the zones
/// and links it adds beside it), named as the template names its target and VNet; and the same
/// resources as Bicep declarations.
fn arm(e: &Endpoint, r: &Target, v: &Target, zones: &[Zone], w: &mut Written) -> Vec<Snippet> {
    let Some(resources) = arm_resources(e, r, v, zones, w) else {
        return Vec::new();
    };
    let objects: Vec<&Value> = resources.iter().map(|x| &x.json).collect();
    let Ok(text) = serde_json::to_string_pretty(&objects) else {
        return Vec::new();
    };
    let edits = (|| {
        let items: Vec<String> = resources
            .iter()
            .filter(|x| x.new)
            .map(|x| serde_json::to_string_pretty(&x.json).ok())
            .collect::<Option<_>>()?;
        if items.is_empty() {
            return None;
        }
        edit::json_after_item(r.src?, r.tree?, &r.at.pointer, &items.join(",\n"))
    })();
    let bicep: Option<Vec<String>> = resources
        .iter()
        .map(|x| super::bicep::declaration(&x.symbol, &x.json, x.parent.as_deref(), &x.depends))
        .collect();
    let mut out = vec![Snippet {
        input: "arm",
        language: "json",
        text: text + "\n",
        edits: edits.unwrap_or_default(),
    }];
    if let Some(b) = bicep {
        out.push(Snippet {
            input: "bicep",
            language: "bicep",
            text: b.join("\n"),
            edits: Vec::new(),
        });
    }
    out
}

fn arm_resources(
    e: &Endpoint,
    r: &Target,
    v: &Target,
    zones: &[Zone],
    w: &mut Written,
) -> Option<Vec<ArmResource>> {
    use super::arm::{field, name_expression};
    if r.at.file != v.at.file {
        return None;
    }
    let ty = field(r, "type")?;
    let own_id = format!("[resourceId('{ty}', {})]", name_expression(r)?);
    // A registry's part, in the registry's managed group, exists once the registry does.
    let target_id = match (e.part, &e.managed) {
        (None, _) => own_id.clone(),
        (Some(_), Some(m)) => m.arm_id(),
        (Some(_), None) => return None,
    };
    let net = name_expression(v)?;
    let net_id = format!("[resourceId('Microsoft.Network/virtualNetworks', {net})]");
    let location = field(v, "location").or_else(|| field(r, "location"))?;
    let pe_id = format!(
        "[resourceId('Microsoft.Network/privateEndpoints', '{}')]",
        e.name
    );
    let symbol = e.name.to_string();
    let pe_new = w.endpoint(e.name);
    let mut out = vec![ArmResource {
        new: pe_new,
        symbol: symbol.clone(),
        parent: None,
        depends: Vec::new(),
        json: json!({
            "type": "Microsoft.Network/privateEndpoints",
            "apiVersion": "2023-09-01",
            "name": e.name,
            "location": location,
            "dependsOn": [own_id, net_id],
            "properties": {
                "subnet": {
                    "id": format!("[resourceId('Microsoft.Network/virtualNetworks/subnets', {net}, '{}')]", e.subnet)
                },
                "privateLinkServiceConnections": [{
                    "name": e.name,
                    "properties": { "privateLinkServiceId": target_id, "groupIds": [e.group_id] }
                }]
            }
        }),
    }];
    let mut configs = Vec::new();
    let mut group_depends = vec![pe_id];
    let mut group_symbols = Vec::new();
    let mut extra = Vec::new();
    for z in zones {
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
        let zone_symbol = z.z.name.clone();
        let dependency = arm_zone_dependency(z, &r.at.file, &zone_id);
        if z.z.create {
            extra.push(ArmResource {
                new: w.zone(z.z),
                symbol: zone_symbol.clone(),
                parent: None,
                depends: Vec::new(),
                json: arm_zone(&z.z.name),
            });
            group_symbols.push(zone_symbol.clone());
        }
        group_depends.extend(dependency.clone());
        if z.z.link {
            extra.push(ArmResource {
                new: w.link(z.z, e.vnet),
                symbol: format!("{}-{}-link", z.z.name, e.vnet),
                parent: None,
                depends: if z.z.create {
                    vec![zone_symbol.clone()]
                } else {
                    Vec::new()
                },
                json: arm_link(&zone, dependency.as_deref(), &net, &net_id),
            });
        }
        configs.push(json!({
            "name": z.z.name.replace('.', "-"),
            "properties": { "privateDnsZoneId": zone_id }
        }));
    }
    out.push(ArmResource {
        new: pe_new,
        symbol: format!("{}-default", e.name),
        parent: Some(symbol),
        depends: group_symbols,
        json: json!({
            "type": "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
            "apiVersion": "2023-09-01",
            "name": format!("{}/default", e.name),
            "dependsOn": group_depends,
            "properties": { "privateDnsZoneConfigs": configs }
        }),
    });
    out.extend(extra);
    Some(out)
}

/// The endpoint with `az network private-endpoint create` in the VNet's resource group, its
/// zone group with `dns-zone-group create` (and `add` for each further zone), after the zones
/// and links it lacks. The target and the subnet are named by id, as the export gives them.
fn az(e: &Endpoint, r: &Target, v: &Target, zones: &[Zone]) -> Option<Snippet> {
    use super::az::{id, resource_group};
    if !matches!(
        r.kind,
        Kind::Workspace | Kind::Registry | Kind::Storage | Kind::KeyVault | Kind::Acr
    ) {
        return None;
    }
    // A registry's part is a resource of its own, in the registry's subscription.
    let target_id = match (e.part, &e.managed) {
        (None, _) => id(r)?.to_string(),
        (Some(_), Some(m)) => m.id_beside(id(r)?)?,
        (Some(_), None) => return None,
    };
    let net_id = id(v)?;
    let rg = resource_group(v)?;
    let n = e.name;
    let mut lines = Vec::new();
    let mut zone_args = Vec::new();
    for z in zones {
        let zone = az_zone(z, rg, net_id, e.vnet, &mut lines);
        zone_args.push(format!(
            "--private-dns-zone {zone} --zone-name {}",
            z.z.name.replace('.', "-")
        ));
    }
    lines.push(format!(
        "az network private-endpoint create --resource-group {rg} --name {n} --subnet {net_id}/subnets/{} --private-connection-resource-id {target_id} --group-id {} --connection-name {n}",
        e.subnet, e.group_id
    ));
    for (i, a) in zone_args.iter().enumerate() {
        let verb = if i == 0 { "create" } else { "add" };
        lines.push(format!(
            "az network private-endpoint dns-zone-group {verb} --resource-group {rg} --endpoint-name {n} --name default {a}"
        ));
    }
    Some(Snippet {
        input: "az",
        language: "sh",
        text: lines.join("\n") + "\n",
        edits: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn references_keep_their_module_and_data_prefix() {
        assert_eq!(
            super::tf_ref("module.ml.azurerm_key_vault.kv[\"a\"]"),
            Some(("module.ml.", "azurerm_key_vault.kv[\"a\"]"))
        );
        assert_eq!(
            super::tf_ref("data.azurerm_subnet.pe"),
            Some(("", "data.azurerm_subnet.pe"))
        );
        assert_eq!(
            super::tf_ref("azapi_resource.ws"),
            Some(("", "azapi_resource.ws"))
        );
        assert_eq!(super::label("wskv-vault-pe"), "wskv_vault_pe");
    }
}
