//! `azapi_resource`: an ARM resource written in Terraform (`type = "Microsoft.X/y@version"`,
//! `body = { properties = ... }`), mapped by the ARM importer's mapper.
//!
//! The ARM mapper links references by id among the resources it is given. So that an azapi
//! resource can refer to what azurerm blocks declare (a workspace's storage account, an
//! outbound rule of an azurerm workspace), every declared azurerm resource is also handed to
//! it as a *stand-in*: its type, name and id, no properties. After linking, stand-ins are
//! dropped; what the ARM mapper attached to one (outbound rules, subnets, rules, records) moves
//! to the model element the azurerm mapping made of that resource.

use super::{Mapper, at};
use crate::config::Mode;
use crate::eval::Record;
use crate::ids;
use crate::value::{ResObj, Value};
use moat_arm::map::{ArmResource, MapContext, finish, kind_of, map_resource, resource_label};
use moat_model::{Provenance, Topology};
use serde_json::Value as Json;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

/// The file name marking stand-ins, so their traces can be removed.
const STAND_IN: &str = "\u{0}terraform-stand-in";

pub(super) fn is_stand_in(p: &Provenance) -> bool {
    p.file == STAND_IN
}

/// The body of an azapi resource as JSON: an object (azapi 2.x) or a JSON string (1.x).
pub(super) fn body_json(o: &ResObj) -> Result<Json, String> {
    match o.attrs.get("body") {
        None | Some(Value::Null) => Ok(Json::Object(Default::default())),
        Some(Value::String(s)) => {
            serde_json::from_str(s).map_err(|e| format!("its body is not valid JSON: {e}"))
        }
        // jsonencode() of a value with unknown parts: its shape with the unknowns marked.
        Some(Value::Unknown(u)) => match u
            .partial
            .as_deref()
            .and_then(|p| serde_json::from_str::<Json>(p).ok())
        {
            Some(j @ Json::Object(_)) => Ok(j),
            _ => Err(format!("its body is unknown: {}", u.reason)),
        },
        Some(v) => Ok(v.to_json()),
    }
}

/// The model's label of an azapi VNet (NSG, route table) whose body writes its subnets
/// (security rules, routes) as a list, even empty, and what writes it: Azure's PUT of the
/// resource then sets the list to that one.
fn inline_list_of(res: &ArmResource) -> Option<(&'static str, &'static str)> {
    const LISTS: [(&str, &str, &str, &str); 3] = [
        (
            "Microsoft.Network/virtualNetworks",
            "subnets",
            "vnet",
            "body.properties.subnets",
        ),
        (
            "Microsoft.Network/networkSecurityGroups",
            "securityRules",
            "nsg",
            "body.properties.securityRules",
        ),
        (
            "Microsoft.Network/routeTables",
            "routes",
            "route-table",
            "body.properties.routes",
        ),
    ];
    LISTS
        .iter()
        .find(|(ty, key, _, _)| {
            res.rtype.eq_ignore_ascii_case(ty)
                && res.properties.get(*key).is_some_and(|s| !s.is_null())
        })
        .map(|(_, _, label, written)| (*label, *written))
}

/// Whether an azapi resource declares a subnet of a VNet, a security rule of an NSG or a route
/// of a route table.
fn is_child(o: &ResObj) -> bool {
    const CHILDREN: [&str; 3] = [
        "Microsoft.Network/virtualNetworks/subnets",
        "Microsoft.Network/networkSecurityGroups/securityRules",
        "Microsoft.Network/routeTables/routes",
    ];
    matches!(o.attrs.get("type"), Some(Value::String(t))
        if t.split('@').next().is_some_and(|t| CHILDREN.iter().any(|c| t.eq_ignore_ascii_case(c))))
}

/// `identity { type = ..., identity_ids = [...] }` as ARM writes it.
fn identity_json(o: &ResObj) -> Option<Json> {
    let first = match o.attrs.get("identity")? {
        Value::List(l) => l.first()?.clone(),
        other => other.clone(),
    };
    let m = first.as_map()?;
    let mut out = serde_json::Map::new();
    if let Some(t) = m.get("type") {
        out.insert("type".into(), t.to_json());
    }
    if let Some(Value::List(ids)) = m.get("identity_ids") {
        let mut uai = serde_json::Map::new();
        for id in ids.iter().filter_map(Value::to_tf_string) {
            uai.insert(id, Json::Object(Default::default()));
        }
        out.insert("userAssignedIdentities".into(), Json::Object(uai));
    }
    Some(Json::Object(out))
}

impl Mapper<'_> {
    /// Maps every `azapi_resource` through the ARM mapper and takes what it made; returns the
    /// stand-ins, whose attachments [`Mapper::merge_stand_ins`] moves once the azurerm
    /// resources are mapped.
    pub(super) fn azapi(&mut self) -> Topology {
        let recs: Vec<(usize, &Record)> = self
            .managed_of("azapi_resource")
            .into_iter()
            .map(|i| (i, &self.recs[i]))
            .collect();
        if recs.is_empty() {
            return Topology::default();
        }
        let mut arm = Vec::new();
        for (i, r) in recs {
            match self.arm_resource(&r.obj) {
                Ok(res) => arm.push((i, res)),
                Err(why) => {
                    self.warn(
                        "unmodelled",
                        format!("`{}` is not mapped: {why}", r.addr),
                        &r.obj.loc,
                        None,
                    );
                }
            }
        }
        for (i, res) in &arm {
            if let Some((label, written)) = inline_list_of(res) {
                let owner = self.recs[*i].addr.clone();
                self.inline_lists
                    .insert(format!("{label}/{}", res.name), (owner, written));
            }
        }
        let wanted = Wanted::of(arm.iter().map(|(_, res)| res));
        let mut scratch = Topology::default();
        let mut ctx = MapContext::new();
        ctx.terraform();
        for s in self.stand_ins().filter(|s| wanted.admits(&s.id)) {
            map_resource(&mut scratch, &s, &mut ctx);
        }
        for (i, res) in arm {
            map_resource(&mut scratch, &res, &mut ctx);
            self.consumed[i] = true;
        }
        finish(&mut scratch, &mut ctx);
        self.warnings.extend(
            ctx.warnings
                .into_iter()
                .filter(|d| d.location.file != STAND_IN),
        );
        self.take_own(&mut scratch);
        scratch
    }

    /// The records of the managed resources (not data sources) of type `rtype`, by index.
    pub(super) fn managed_of(&self, rtype: &str) -> Vec<usize> {
        (0..self.recs.len())
            .filter(|&i| {
                let r = &self.recs[i];
                r.mode == Mode::Managed && r.rtype == rtype
            })
            .collect()
    }

    /// Every declared azurerm resource (and inline subnet) as a stand-in, made as it is read
    /// (a large configuration's stand-ins, all at once, are a peak of their own).
    pub(super) fn stand_ins(&self) -> impl Iterator<Item = ArmResource> + '_ {
        self.recs
            .iter()
            .filter(|r| {
                r.mode == Mode::Managed
                    && !matches!(r.rtype.as_str(), "azapi_resource" | "azapi_update_resource")
            })
            .flat_map(|r| {
                // Inline subnets of a VNet are resources of their own to ARM.
                let subnets = if r.rtype == "azurerm_virtual_network" {
                    super::blocks_of(&r.obj, "subnet")
                } else {
                    Vec::new()
                };
                self.stand_in(&r.obj)
                    .into_iter()
                    .chain(subnets.into_iter().filter_map(|b| self.stand_in(&b)))
            })
    }

    fn arm_resource(&mut self, o: &ResObj) -> Result<ArmResource, String> {
        let ty = match o.attrs.get("type") {
            Some(Value::String(t)) => t.clone(),
            Some(Value::Unknown(u)) => return Err(format!("its type is unknown ({})", u.reason)),
            _ => return Err("it has no type".into()),
        };
        let rtype = ty.split('@').next().unwrap_or(&ty).to_string();
        let name = ids::name_or_addr(o);
        if let Some(Value::Unknown(u)) = o.attrs.get("name") {
            // The model names the resource by its address; its Azure name stays unknown.
            let u = u.clone();
            self.unknown(&resource_label(&rtype, &name), "name", &u);
        }
        let id = match o.attrs.get("id") {
            Some(Value::String(s)) => s.clone(),
            _ => String::new(),
        };
        // A child's ARM name carries its parents' names (`ws/rule`).
        let depth = rtype.split('/').count().saturating_sub(2);
        let full_name = match (
            depth,
            o.attrs
                .get("parent_id")
                .and_then(Value::as_str)
                .and_then(ids::parse),
        ) {
            (d, Some(p)) if d > 0 && p.names.len() >= d => {
                let parents = &p.names[p.names.len() - d..];
                format!("{}/{name}", parents.join("/"))
            }
            _ => name,
        };
        let full_name = self.arm_name(&id, full_name);
        let mut body = body_json(o)?;
        self.link_json(&mut body);
        let field = |k: &str| body.get(k).cloned().filter(|v| !v.is_null());
        let location = match o.attrs.get("location") {
            Some(Value::String(l)) => Some(l.clone()),
            _ => field("location").and_then(|v| v.as_str().map(str::to_string)),
        };
        Ok(ArmResource {
            rtype,
            name: full_name,
            id,
            location,
            sku: field("sku"),
            kind: field("kind").and_then(|v| v.as_str().map(str::to_string)),
            identity: identity_json(o).or_else(|| field("identity")),
            properties: field("properties").unwrap_or_else(|| Json::Object(Default::default())),
            api_version: ty.split_once('@').map(|(_, v)| v.to_string()),
            at: at(o),
        })
    }

    /// Replaces each id with unknown parts that names a declared resource by that resource's
    /// id, so the ARM mapper links it as written beside it.
    pub(super) fn link_json(&self, j: &mut Json) {
        match j {
            Json::Object(o) => {
                let id = o
                    .get("$partial")
                    .and_then(Json::as_str)
                    .filter(|p| p.starts_with('/'))
                    .and_then(|p| self.declared_id(p));
                match id {
                    Some(id) => *j = Json::String(id),
                    None => o.values_mut().for_each(|v| self.link_json(v)),
                }
            }
            Json::Array(a) => a.iter_mut().for_each(|v| self.link_json(v)),
            _ => {}
        }
    }

    /// Takes every element the azapi resources made; stand-ins stay in `s`.
    fn take_own(&mut self, s: &mut Topology) {
        let t = &mut self.t;
        macro_rules! own {
            ($($list:ident),* $(,)?) => { $(
                let (stand, own): (Vec<_>, Vec<_>) = std::mem::take(&mut s.$list).into_iter().partition(|x| is_stand_in(&x.at));
                t.$list.extend(own);
                s.$list = stand;
            )* };
        }
        // Every list; the one-value fields are the configuration's, no resource sets them.
        macro_rules! lists {
            (scalars: [$($_s:ident),*], lists: [$($l:ident),*], inferred: [$($i:ident),*] $(,)?) => {
                own!($($l,)* $($i,)*)
            };
        }
        moat_model::topology_fields!(lists);
    }

    /// Subnets (security rules, routes) written as azapi resources
    /// (`Microsoft.Network/virtualNetworks/subnets`, `networkSecurityGroups/securityRules`,
    /// `routeTables/routes`) in a VNet (NSG, route table) that writes its subnets (rules,
    /// routes) inline (azurerm blocks, or an azapi body that lists them) are overwritten by it
    /// as a separate `azurerm_subnet` (`azurerm_network_security_rule`, `azurerm_route`) is:
    /// a PUT of the parent sets its list to the one it gives, removing the others.
    pub(super) fn azapi_children_beside_inline(&mut self) {
        if self.inline_lists.is_empty() {
            return;
        }
        // Each element's parent by where the element is written, looked up once per azapi
        // child rather than searched for (elements × azapi children on a large configuration).
        let t = &self.t;
        let elements = t
            .virtual_networks
            .iter()
            .flat_map(|v| {
                v.subnets
                    .iter()
                    .map(move |s| (&s.at, "vnet", &v.name, "subnets"))
            })
            .chain(t.network_security_groups.iter().flat_map(|n| {
                n.rules
                    .iter()
                    .map(move |r| (&r.at, "nsg", &n.name, "rules"))
            }))
            .chain(t.route_tables.iter().flat_map(|n| {
                n.routes
                    .iter()
                    .map(move |r| (&r.at, "route-table", &n.name, "routes"))
            }));
        let mut parent_of: HashMap<(&str, usize, &str), (String, &'static str)> = HashMap::new();
        for (p, label, name, what) in elements {
            let key = (p.file.as_str(), p.offset, p.pointer.as_str());
            parent_of
                .entry(key)
                .or_insert_with(|| (format!("{label}/{name}"), what));
        }
        let recs = self.recs;
        let separate: Vec<(usize, String, &'static str)> = recs
            .iter()
            .enumerate()
            .filter(|&(i, r)| self.consumed[i] && r.rtype == "azapi_resource" && is_child(&r.obj))
            .filter_map(|(i, r)| {
                let p = at(&r.obj);
                let key = (p.file.as_str(), p.offset, p.pointer.as_str());
                parent_of
                    .get(&key)
                    .map(|(parent, what)| (i, parent.clone(), *what))
            })
            .collect();
        for (i, parent, what) in separate {
            self.overwritten_by_inline(&recs[i].obj, &parent, what);
        }
    }

    /// Moves what the ARM mapper attached to stand-ins (outbound rules of an azurerm
    /// workspace, subnets of an azurerm VNet, ...) to the elements the azurerm mapping made.
    pub(super) fn merge_stand_ins(&mut self, s: Topology) {
        let t = &mut self.t;
        // Each stand-in's element is looked up by name (the first declared, as the index
        // keeps it), not searched for: stand-ins × elements on a large configuration.
        let ix = t.index();
        let mut zones: HashMap<String, usize> = HashMap::new();
        for (i, z) in t.private_dns_zones.iter().enumerate() {
            zones.entry(z.name.clone()).or_insert(i);
        }
        for w in s.workspaces {
            if let Some(&i) = ix.workspaces.get(&w.name) {
                t.workspaces[i].managed_network.outbound_rules.extend(
                    w.managed_network
                        .outbound_rules
                        .into_iter()
                        .filter(|r| !is_stand_in(&r.at)),
                );
            }
        }
        for v in s.virtual_networks {
            if let Some(&i) = ix.virtual_networks.get(&v.name) {
                let m = &mut t.virtual_networks[i];
                m.subnets
                    .extend(v.subnets.into_iter().filter(|x| !is_stand_in(&x.at)));
                m.peerings
                    .extend(v.peerings.into_iter().filter(|x| !is_stand_in(&x.at)));
            }
        }
        for n in s.network_security_groups {
            if let Some(&i) = ix.network_security_groups.get(&n.name) {
                t.network_security_groups[i]
                    .rules
                    .extend(n.rules.into_iter().filter(|x| !is_stand_in(&x.at)));
            }
        }
        for r in s.route_tables {
            if let Some(&i) = ix.route_tables.get(&r.name) {
                t.route_tables[i]
                    .routes
                    .extend(r.routes.into_iter().filter(|x| !is_stand_in(&x.at)));
            }
        }
        for z in s.private_dns_zones {
            if let Some(&i) = zones.get(&z.name) {
                let m = &mut t.private_dns_zones[i];
                m.vnet_links.extend(z.vnet_links);
                m.records
                    .extend(z.records.into_iter().filter(|x| !is_stand_in(&x.at)));
            }
        }
        for p in s.firewall_policies {
            if let Some(&i) = ix.firewall_policies.get(&p.name) {
                t.firewall_policies[i].rule_collection_groups.extend(
                    p.rule_collection_groups
                        .into_iter()
                        .filter(|x| !is_stand_in(&x.at)),
                );
            }
        }
    }
}

/// The stand-ins the azapi resources can reach: those whose id an azapi resource writes (its
/// own id, its parent's, an id in its body) or begins with, and every declared resource of the
/// type and name of one of these, so that the ARM mapper tells namesakes in several resource
/// groups apart as the azurerm mapping does. The others link nothing and receive nothing;
/// handing every declared resource to the ARM mapper cost a large configuration a third of its
/// memory. An id with unknown parts may name any declared resource of its shape: then every
/// declared resource stands in.
pub(super) enum Wanted {
    All,
    Some {
        ids: HashSet<String>,
        type_names: HashSet<(String, String)>,
    },
}

impl Wanted {
    pub(super) fn of<'r>(resources: impl Iterator<Item = &'r ArmResource>) -> Wanted {
        let mut ids = HashSet::new();
        let mut open = false;
        for r in resources {
            open |= r.id.is_empty();
            let mut texts = vec![r.id.as_str()];
            for j in std::iter::once(&r.properties)
                .chain(&r.sku)
                .chain(&r.identity)
            {
                open |= json_texts(j, &mut texts);
            }
            for t in texts {
                open |= t.contains('⟨');
                // The id and every resource it is a part of (`.../vnets/v/subnets/s`: the VNet).
                let t = t.trim_end_matches('/').to_ascii_lowercase();
                for (i, _) in t.match_indices('/').skip(1) {
                    ids.insert(t[..i].to_string());
                }
                ids.insert(t);
            }
        }
        if open {
            return Wanted::All;
        }
        let type_names = ids.iter().filter_map(|id| type_name(id)).collect();
        Wanted::Some { ids, type_names }
    }

    pub(super) fn admits(&self, id: &str) -> bool {
        match self {
            Wanted::All => true,
            Wanted::Some { ids, type_names } => {
                ids.contains(&id.to_ascii_lowercase())
                    || type_name(id).is_some_and(|k| type_names.contains(&k))
            }
        }
    }
}

/// The type and name of the resource an id names, lower-cased.
fn type_name(id: &str) -> Option<(String, String)> {
    let p = ids::parse(id)?;
    Some((p.full_type().to_ascii_lowercase(), p.name().to_lowercase()))
}

/// Collects the strings of a JSON value that may be ids (hold a `/`); true when the value
/// holds an unknown (`$partial`, `$unknown`) that the mapping did not resolve to an id.
fn json_texts<'j>(j: &'j Json, out: &mut Vec<&'j str>) -> bool {
    match j {
        Json::String(s) => {
            if s.contains('/') {
                out.push(s);
            }
            false
        }
        Json::Array(a) => a.iter().fold(false, |open, v| json_texts(v, out) | open),
        Json::Object(o) => o.iter().fold(false, |open, (k, v)| {
            json_texts(v, out) | open | k.starts_with('$')
        }),
        _ => false,
    }
}

/// A stand-in of type `rtype`, name and id, with no properties, for the resource written at
/// `pointer`.
pub(super) fn bare_stand_in(rtype: &str, name: &str, id: &str, pointer: &str) -> ArmResource {
    ArmResource {
        rtype: rtype.to_string(),
        name: name.to_string(),
        id: id.to_string(),
        location: None,
        sku: None,
        kind: None,
        identity: None,
        properties: Json::Object(Default::default()),
        api_version: None,
        at: Provenance {
            file: STAND_IN.into(),
            pointer: pointer.to_string(),
            ..Default::default()
        },
    }
}

impl Mapper<'_> {
    /// A declared azurerm resource as the ARM mapper sees it: type, name (as the model names it)
    /// and id only.
    fn stand_in(&self, o: &Rc<ResObj>) -> Option<ArmResource> {
        let Some(Value::String(id)) = o.attrs.get("id") else {
            return None;
        };
        let p = ids::parse(id)?;
        let rtype = p.full_type();
        let child = rtype.to_ascii_lowercase().ends_with("/subnets");
        if kind_of(&rtype).is_none() && !child {
            return None;
        }
        // A subnet stands in with its prefixes: the ARM mapper keeps (and so links) only subnets
        // whose address is known.
        let mut properties = serde_json::Map::new();
        if child {
            let prefixes: Vec<Json> = ["address_prefixes", "address_prefix"]
                .iter()
                .flat_map(|k| super::strings_of(o, k))
                .map(Json::String)
                .collect();
            properties.insert("addressPrefixes".into(), Json::Array(prefixes));
        }
        Some(ArmResource {
            rtype,
            name: self.arm_name(id, p.names.join("/")),
            id: id.clone(),
            location: None,
            sku: None,
            kind: None,
            identity: None,
            properties: Json::Object(properties),
            api_version: None,
            at: Provenance {
                file: STAND_IN.into(),
                pointer: o.addr.clone(),
                ..Default::default()
            },
        })
    }
}
