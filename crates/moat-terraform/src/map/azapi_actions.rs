//! `azapi_resource_action` that writes a resource the configuration declares: a `PUT` or
//! `PATCH` sent to the resource itself (`action` left out or empty) once it exists.
//!
//! The action is not the resource's declaration: the declaration writes its settings, the
//! action writes some of them again after it, and a later apply of the declaration may set
//! them back (the action runs again only when its own arguments change). Which write stands
//! is not determined by the configuration, so every setting the action may write is open:
//! for a `PATCH`, what its body writes (the ARM mapper reads the body as an update's); for a
//! `PUT`, which replaces the resource with its body, also every setting the body leaves out;
//! for a method or body the configuration leaves open, every setting. A `DELETE` leaves the
//! resource one that may or may not exist. An action of another method (the default `POST`:
//! `listKeys`, a restart) or on a path below the resource stays unmodelled, as does one whose
//! target the configuration does not declare.

use super::azapi::body_json;
use super::azapi_update::{reach, with_body, written_unknowns};
use super::azapi_update_lists::ListKind;
use super::{Mapper, at, get};
use crate::ids;
use crate::value::{ResObj, Value};
use moat_arm::map::{ArmResource, kind_of};
use serde_json::Value as Json;

/// How an action writes its target.
#[derive(Clone, Copy, PartialEq)]
enum Write {
    /// Merges its body into the resource.
    Patch,
    /// Replaces the resource with its body.
    Put,
    /// A method the configuration leaves open.
    Open,
    /// Deletes the resource.
    Delete,
}

impl Write {
    fn of(o: &ResObj) -> Option<Write> {
        match get(o, "method") {
            // azapi's default method is POST.
            None | Some(Value::Null) => None,
            Some(Value::String(m)) if m.eq_ignore_ascii_case("PATCH") => Some(Write::Patch),
            Some(Value::String(m)) if m.eq_ignore_ascii_case("PUT") => Some(Write::Put),
            Some(Value::String(m)) if m.eq_ignore_ascii_case("DELETE") => Some(Write::Delete),
            Some(Value::Unknown(_)) => Some(Write::Open),
            Some(_) => None,
        }
    }

    fn what(self) -> &'static str {
        match self {
            Write::Patch => "a PATCH",
            Write::Put => "a PUT",
            Write::Open => "a request of an open method",
            Write::Delete => "a DELETE",
        }
    }
}

/// An element the model holds in a list of its parent's: a subnet of a VNet, a rule of an
/// NSG, a route of a route table.
#[derive(Clone, Copy)]
struct Element {
    /// How the model labels the parent.
    parent: &'static str,
    /// The parent's list, which prefixes the element's unknowns (`subnets/<name>/<field>`).
    list: &'static str,
}

impl Element {
    fn of(rtype: &str) -> Option<Element> {
        const ELEMENTS: [(&str, Element); 3] = [
            (
                "Microsoft.Network/virtualNetworks/subnets",
                Element {
                    parent: "vnet",
                    list: "subnets",
                },
            ),
            (
                "Microsoft.Network/networkSecurityGroups/securityRules",
                Element {
                    parent: "nsg",
                    list: "rules",
                },
            ),
            (
                "Microsoft.Network/routeTables/routes",
                Element {
                    parent: "route-table",
                    list: "routes",
                },
            ),
        ];
        ELEMENTS
            .iter()
            .find(|(t, _)| rtype.eq_ignore_ascii_case(t))
            .map(|(_, e)| *e)
    }
}

/// Whether `u`, read from an action's body, is a setting of its target: the resource `label`
/// names, or for an element of a list the fields under it in its parent.
fn owns(u: &moat_model::Unknown, label: &str, names: &[String], element: Option<Element>) -> bool {
    if u.resource != label || u.field == "name" {
        return false;
    }
    match element {
        Some(e) => {
            u.field.split('/').nth(1) == Some(names[1].as_str()) && u.field.starts_with(e.list)
        }
        None => true,
    }
}

/// Where the model records an open setting of an action's target read as `field` of
/// `resource`: a subnet's as the subnet's own (`subnet/<vnet>/<name>`, the field), as
/// analyses vary the values of open settings; anything else as read.
fn setting_of(
    resource: &str,
    field: &str,
    names: &[String],
    element: Option<Element>,
) -> (String, String) {
    if let Some(Element {
        list: "subnets", ..
    }) = element
        && let Some(rest) = field.strip_prefix(&format!("subnets/{}/", names[1]))
    {
        return (
            format!("subnet/{}/{}", names[0], names[1]),
            rest.to_string(),
        );
    }
    (resource.to_string(), field.to_string())
}

impl Mapper<'_> {
    /// Opens what every `azapi_resource_action` that writes a declared resource may write.
    pub(super) fn azapi_actions(&mut self) {
        let actions = self.managed_of("azapi_resource_action");
        if actions.is_empty() {
            return;
        }
        let stand_ins: Vec<ArmResource> = self.stand_ins().collect();
        for i in actions {
            let o = self.recs[i].obj.clone();
            self.azapi_action(&o, &stand_ins);
        }
    }

    fn azapi_action(&mut self, o: &ResObj, stand_ins: &[ArmResource]) {
        let Some(write) = Write::of(o) else {
            return;
        };
        // Sent on destroy, it leaves no setting behind; sent to a path below the resource,
        // it writes something else than the resource.
        if matches!(get(o, "when"), Some(Value::String(w)) if w == "destroy")
            || !matches!(get(o, "action"), None | Some(Value::Null))
                && !matches!(get(o, "action"), Some(Value::String(a)) if a.is_empty())
        {
            return;
        }
        let Some(id) = self.update_target(o) else {
            return;
        };
        let Some(parsed) = ids::parse(&id) else {
            return;
        };
        let name = self.arm_name(&id, parsed.names.join("/"));
        let names: Vec<String> = name.split('/').map(str::to_string).collect();
        let rtype = parsed.full_type();
        let declared = stand_ins
            .iter()
            .find(|s| s.id.eq_ignore_ascii_case(&id))
            .map(|s| s.properties.clone())
            .unwrap_or_else(|| Json::Object(Default::default()));
        let child = ListKind::child_of(&rtype).filter(|_| names.len() == 2);
        // A subnet (rule, route) is a setting of its VNet (NSG, route table) in the model.
        let element = Element::of(&rtype).filter(|_| names.len() == 2);
        let label = match (element, kind_of(&rtype)) {
            (Some(e), _) => format!("{}/{}", e.parent, names[0]),
            (None, Some(k)) if names.len() == 1 => format!("{}/{name}", k.label()),
            _ => return,
        };
        if write == Write::Delete {
            self.deleted(o, &label, &names, element);
            return;
        }
        let empty = ArmResource {
            rtype,
            name: name.clone(),
            id: id.clone(),
            location: None,
            sku: None,
            kind: None,
            identity: None,
            properties: declared,
            api_version: None,
            at: at(o),
        };
        let reason = |how: &str| {
            format!(
                "`{}` {how} with {} after the resource is created, and a later apply of its declaration may set it back: which write stands is not determined by the configuration",
                o.addr,
                write.what()
            )
        };
        let body = match body_json(o) {
            Ok(mut b) => {
                self.link_json(&mut b);
                Some(b)
            }
            Err(_) => None,
        };
        if let Some(body) = &body {
            let written = with_body(&empty, body);
            let reach = reach(stand_ins, &written, &names, child, &o.addr);
            for u in written_unknowns(&reach, &empty, body) {
                if owns(&u, &label, &names, element) {
                    let (r, f) = setting_of(&u.resource, &u.field, &names, element);
                    self.unknown_at(&r, &f, reason("writes it"), &o.loc);
                }
            }
        }
        if write == Write::Patch && body.is_some() {
            return;
        }
        // What a PUT's body leaves out is reset, and an open method or body may write
        // anything: every setting of the element.
        let how = match &body {
            Some(_) => "replaces the resource",
            None => "writes a body the configuration leaves open",
        };
        for field in self.settings(&label, &names, element) {
            let (r, f) = setting_of(&label, &field, &names, element);
            self.unknown_at(&r, &f, reason(how), &o.loc);
        }
    }

    /// The settings of the model element `label` names, as unknowns name them: the fields of
    /// a resource (or of its subnet, rule or route, `subnets/<name>/<field>`), but its name,
    /// region, tags and where it is written.
    fn settings(&self, label: &str, names: &[String], element: Option<Element>) -> Vec<String> {
        let child_of = element;
        let Some(element) = self.element_json(label, &names[0]) else {
            return Vec::new();
        };
        let fields = |o: &serde_json::Map<String, Json>| -> Vec<String> {
            o.keys()
                .filter(|k| !matches!(k.as_str(), "name" | "region" | "tags" | "$at" | "external"))
                .cloned()
                .collect()
        };
        match child_of {
            None => element.as_object().map(fields).unwrap_or_default(),
            Some(Element { list: key, .. }) => element
                .get(key)
                .and_then(Json::as_array)
                .and_then(|l| {
                    l.iter()
                        .find(|x| x.get("name").and_then(Json::as_str) == Some(&names[1]))
                })
                .and_then(Json::as_object)
                .map(|o| {
                    fields(o)
                        .into_iter()
                        .map(|f| format!("{key}/{}/{f}", names[1]))
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    /// A DELETE of the target after it is created: it may or may not exist, as a later apply
    /// of its declaration creates it again. A subnet (rule, route) written in its parent's
    /// declaration shares its parent's provenance, which would take the parent too: it is
    /// told apart first.
    fn deleted(&mut self, o: &ResObj, label: &str, names: &[String], element: Option<Element>) {
        let Some(parent) = self.element_json(label, &names[0]) else {
            return;
        };
        let own = |x: &Json| {
            x.get("$at")
                .and_then(|a| serde_json::from_value::<moat_model::Provenance>(a.clone()).ok())
        };
        let Some(parent_at) = own(&parent) else {
            return;
        };
        let at = match element {
            None => parent_at,
            Some(Element { list, .. }) => {
                let Some(child) = parent.get(list).and_then(Json::as_array).and_then(|l| {
                    l.iter()
                        .find(|x| x.get("name").and_then(Json::as_str) == Some(&names[1]))
                }) else {
                    return;
                };
                let Some(mut at) = own(child) else {
                    return;
                };
                if at.file == parent_at.file && at.pointer == parent_at.pointer {
                    at.pointer =
                        format!("{} ({} {})", at.pointer, &list[..list.len() - 1], names[1]);
                    if !self.retag(label, &names[0], list, &names[1], &at) {
                        return;
                    }
                }
                at
            }
        };
        let resource = if at.pointer.is_empty() {
            label.to_string()
        } else {
            at.pointer.clone()
        };
        self.t.may_exist.push(moat_model::presence::MayExist {
            resource,
            reason: format!(
                "`{}` sends a DELETE to it after it is created, and a later apply of its declaration creates it again",
                o.addr
            ),
            at,
            sets: Vec::new(),
        });
    }

    /// Gives the element `child` of list `list` of the model element `name` (of label
    /// `label`) the provenance `at`; whether it could.
    fn retag(
        &mut self,
        label: &str,
        name: &str,
        list: &str,
        child: &str,
        at: &moat_model::Provenance,
    ) -> bool {
        let t = &mut self.t;
        macro_rules! set {
            ($parents:ident, $children:ident) => {
                t.$parents
                    .iter_mut()
                    .find(|x| x.name == name)
                    .and_then(|x| x.$children.iter_mut().find(|c| c.name == child))
                    .map(|c| c.at = at.clone())
                    .is_some()
            };
        }
        match (label.split_once('/').map(|(k, _)| k), list) {
            (Some("vnet"), "subnets") => set!(virtual_networks, subnets),
            (Some("nsg"), "rules") => set!(network_security_groups, rules),
            (Some("route-table"), "routes") => set!(route_tables, routes),
            _ => false,
        }
    }

    /// The model element of label `label` (`storage/st`, `vnet/hub`) named `name`, as JSON.
    fn element_json(&self, label: &str, name: &str) -> Option<Json> {
        let t = &self.t;
        let kind = label.split_once('/').map(|(k, _)| k)?;
        macro_rules! find {
            ($list:ident) => {
                t.$list
                    .iter()
                    .find(|x| x.name == name)
                    .and_then(|x| serde_json::to_value(x).ok())
            };
        }
        match kind {
            "vnet" => find!(virtual_networks),
            "nsg" => find!(network_security_groups),
            "route-table" => find!(route_tables),
            "storage" => find!(storage_accounts),
            "keyvault" => find!(key_vaults),
            "acr" => find!(container_registries),
            "workspace" => find!(workspaces),
            "registry" => find!(registries),
            "nat-gateway" => find!(nat_gateways),
            "public-ip" => find!(public_ips),
            "firewall" => find!(firewalls),
            "firewall-policy" => find!(firewall_policies),
            _ => None,
        }
    }
}
