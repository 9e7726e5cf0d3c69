//! `azapi_update_resource`: properties written onto a resource declared elsewhere in the
//! configuration (an azurerm storage account made private, a managed network added to an
//! azurerm workspace), as Azure applies them: the resource read, the body merged into it,
//! the result written back.
//!
//! The body is ARM's property shape, so the ARM importer's mapper reads it: as written, empty,
//! and with every value it writes made unknown. The settings the third reading leaves open are
//! the ones the body writes, also where it writes what an empty body gives (a key vault opened
//! with `publicNetworkAccess = "Enabled"` over an azurerm declaration that disabled it); so do
//! those in which the first two differ. They replace the settings of the model element the
//! declaration made; everything else the declaration says stands. An update whose target the
//! configuration does not declare stays unmodelled.

use super::azapi::{Wanted, bare_stand_in, body_json, is_stand_in};
use super::azapi_update_lists::ListKind;
use super::{Mapper, at, get};
use crate::ids;
use crate::value::{ResObj, Value};
use moat_arm::map::{ArmResource, MapContext, finish, map_resource};
use moat_model::Topology;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value as Json;
use std::collections::HashSet;

impl Mapper<'_> {
    /// Applies every `azapi_update_resource` whose target the configuration declares.
    pub(super) fn azapi_updates(&mut self) {
        let updates = self.managed_of("azapi_update_resource");
        if updates.is_empty() {
            return;
        }
        let stand_ins: Vec<ArmResource> = self.stand_ins().collect();
        let mut lists = HashSet::new();
        for i in updates {
            let o = self.recs[i].obj.clone();
            if self.azapi_update(&o, &stand_ins, &mut lists) {
                self.consumed[i] = true;
            }
        }
    }

    /// The id an update targets, as the configuration gives it: `resource_id`, or its
    /// `parent_id` and `name`.
    fn target_value(&self, o: &ResObj) -> Option<Value> {
        Some(match get(o, "resource_id") {
            Some(v) => self.resolve(v),
            None => match ids::name_ref(o.attrs.get("name")) {
                // `name = azurerm_key_vault.kv.name`, unknown until apply: the resource the
                // model names by that address, not one named after the update's own.
                Some(n) => {
                    let mut named = o.clone();
                    named.attrs.insert("name".into(), Value::String(n));
                    ids::synth("azapi_resource", &named)?
                }
                None => ids::synth("azapi_resource", o)?,
            },
        })
    }

    /// The declared id an update targets.
    pub(super) fn update_target(&self, o: &ResObj) -> Option<String> {
        let v = self.target_value(o)?;
        let text = match &v {
            Value::String(id) => id.as_str(),
            Value::Unknown(u) => u.partial.as_deref()?,
            _ => return None,
        };
        if let Some(id) = self.declared_id(text) {
            return Some(id);
        }
        // A rule (route) written inline in its NSG (route table) has no id of its own in the
        // configuration: it is the one of its name in the declared parent.
        let parsed = ids::parse(text)?;
        ListKind::child_of(&parsed.full_type())?;
        let (parent, name) = text.trim_end_matches('/').rsplit_once('/')?;
        let (parent, segment) = parent.rsplit_once('/')?;
        if moat_arm::idmatch::has_unknown(name) {
            return None;
        }
        self.declared_id(parent)
            .map(|p| format!("{p}/{segment}/{name}"))
    }

    fn azapi_update(
        &mut self,
        o: &ResObj,
        stand_ins: &[ArmResource],
        lists: &mut HashSet<String>,
    ) -> bool {
        let Some(id) = self.update_target(o) else {
            let target = self.target_value(o);
            self.open_unknown_targets(o, target.as_ref());
            return false;
        };
        let Some(parsed) = ids::parse(&id) else {
            return false;
        };
        // As the model names it: a namesake in another resource group carries its group.
        let name = self.arm_name(&id, parsed.names.join("/"));
        let names: Vec<String> = name.split('/').map(str::to_string).collect();
        let rtype = parsed.full_type();
        // What the declaration gives the ARM mapper (a subnet's prefixes, without which it
        // keeps no subnet): the provider merges the body into the resource as it is.
        let declared = stand_ins
            .iter()
            .find(|s| s.id.eq_ignore_ascii_case(&id))
            .map(|s| s.properties.clone())
            .unwrap_or_else(|| Json::Object(Default::default()));
        let body = match body_json(o) {
            Ok(mut b) => {
                self.link_json(&mut b);
                b
            }
            Err(why) => {
                self.warn(
                    "unmodelled",
                    format!("`{}` is not applied: {why}", o.addr),
                    &o.loc,
                    None,
                );
                self.open_written_list(&parsed.full_type(), &names, o, why);
                return false;
            }
        };
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
        let written = with_body(&empty, &body);
        let child = ListKind::child_of(&parsed.full_type()).filter(|_| parsed.names.len() == 2);
        let reach = reach(stand_ins, &written, &names, child, &o.addr);
        let (base, base_warnings) = alone(&reach, &id, &empty);
        let (set, warnings) = alone(&reach, &id, &written);
        let probed = written_unknowns(&reach, &empty, &body);
        let own: Vec<&moat_model::Unknown> = probed
            .iter()
            .filter(|u| u.resource.split_once('/').map(|(_, n)| n) == Some(name.as_str()))
            .collect();
        let fields: Vec<String> = own.iter().map(|u| u.field.clone()).collect();
        // The subnets as they were, for an update that writes them as many as they may be.
        let vnet_before = (parsed.names.len() == 1
            && parsed
                .full_type()
                .eq_ignore_ascii_case("Microsoft.Network/virtualNetworks"))
        .then(|| {
            self.t
                .virtual_networks
                .iter()
                .find(|v| v.name == name && !is_stand_in(&v.at))
                .map(|v| v.subnets.clone())
        })
        .flatten();
        let applied = match (ListKind::of(&parsed.full_type()), child) {
            (Some(kind), _) if parsed.names.len() == 1 => {
                self.update_list(kind, o, &name, &body, &set, lists)
            }
            (_, Some(kind)) => self.update_child(kind, o, &names, &body, &set, lists),
            _ => self.apply_update(&names, &base, &set, &fields),
        };
        if !applied {
            // Not applied (a kind of resource moat does not patch): what the body writes is
            // open, never the declaration's value it replaces.
            let reason = format!(
                "`{}` writes it after the resource is created; moat does not apply that update",
                o.addr
            );
            for u in &own {
                self.unknown_at(&u.resource, &u.field, reason.clone(), &o.loc);
            }
            return false;
        }
        if let Some(old) = vnet_before {
            self.merge_subnets_in_order(&name, &old, &body, o);
            self.left_out_subnets(&name, &old, &body, o);
            self.subnets_written_twice(&name, &old, &body, o);
        }
        if child.is_some() {
            // The rule's own unknowns are settled field by field (`update_child`).
            self.warnings.extend(
                warnings
                    .into_iter()
                    .filter(|w| !base_warnings.iter().any(|b| b.message == w.message)),
            );
            return true;
        }
        // A setting the declaration leaves open and the body writes with a known value is
        // known once the update is applied.
        let known: Vec<(&str, &str)> = own
            .iter()
            .filter(|u| u.field != "name")
            .filter(|u| {
                !set.unknowns
                    .iter()
                    .any(|x| x.resource == u.resource && x.field == u.field)
            })
            .map(|u| (u.resource.as_str(), u.field.as_str()))
            .collect();
        self.t.unknowns.retain(|u| {
            !known.iter().any(|(r, f)| {
                u.resource == *r
                    && u.field
                        .strip_prefix(f)
                        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
            })
        });
        // What the body itself brings: warnings and unknown values the empty body does not.
        self.warnings.extend(
            warnings
                .into_iter()
                .filter(|w| !base_warnings.iter().any(|b| b.message == w.message)),
        );
        let opened: Vec<_> = set
            .unknowns
            .iter()
            .filter(|u| !is_stand_in(&u.at))
            .filter(|u| {
                !base
                    .unknowns
                    .iter()
                    .any(|b| b.resource == u.resource && b.field == u.field)
            })
            .cloned()
            .collect();
        self.t.unknowns.extend(opened);
        true
    }

    /// Writes onto the element `names` names (a resource, or a VNet and its subnet) what `set`
    /// says and `base` does not, and the `written` fields (dotted, as unknowns name them)
    /// whatever `base` says.
    fn apply_update(
        &mut self,
        names: &[String],
        base: &Topology,
        set: &Topology,
        written: &[String],
    ) -> bool {
        if let [vnet, subnet] = names {
            let find = |t: &Topology| {
                t.virtual_networks.iter().enumerate().find_map(|(v, x)| {
                    let s = x
                        .subnets
                        .iter()
                        .position(|s| s.name == *subnet && !is_stand_in(&s.at))?;
                    (x.name == *vnet).then_some((v, s))
                })
            };
            let target = self
                .t
                .virtual_networks
                .iter()
                .enumerate()
                .find_map(|(v, x)| {
                    let s = x.subnets.iter().position(|s| s.name == *subnet)?;
                    (x.name == *vnet).then_some((v, s))
                });
            return match (find(base), find(set), target) {
                (Some((bv, bs)), Some((sv, ss)), Some((tv, ts))) => patch(
                    &mut self.t.virtual_networks[tv].subnets[ts],
                    &base.virtual_networks[bv].subnets[bs],
                    &set.virtual_networks[sv].subnets[ss],
                    written,
                ),
                _ => false,
            };
        }
        let [name] = names else {
            return false;
        };
        let mut applied = false;
        macro_rules! lists {
            ($($list:ident),*) => { $(
                let own = |l: &'_ [_]| -> Option<usize> {
                    l.iter().position(|x: &_| named(x, name))
                };
                if let (Some(b), Some(s), Some(t)) =
                    (own(&base.$list), own(&set.$list), own(&self.t.$list))
                {
                    applied |= patch(&mut self.t.$list[t], &base.$list[b], &set.$list[s], written);
                }
            )* };
        }
        lists!(
            virtual_networks,
            workspaces,
            registries,
            storage_accounts,
            key_vaults,
            container_registries
        );
        applied
    }
}

/// Whether a model element (with a `name` and an `at`) is the update's, not a stand-in.
fn named<T: HasName>(x: &T, name: &str) -> bool {
    x.name() == name && !is_stand_in(x.at())
}

trait HasName {
    fn name(&self) -> &str;
    fn at(&self) -> &moat_model::Provenance;
}

macro_rules! has_name {
    ($($t:ty),*) => { $(
        impl HasName for $t {
            fn name(&self) -> &str { &self.name }
            fn at(&self) -> &moat_model::Provenance { &self.at }
        }
    )* };
}
has_name!(
    moat_model::network::VirtualNetwork,
    moat_model::ml::Workspace,
    moat_model::ml::Registry,
    moat_model::deps::StorageAccount,
    moat_model::deps::KeyVault,
    moat_model::deps::ContainerRegistry
);

/// `empty` (a resource as its declaration gives it) with what an update's `body` writes over
/// it: its SKU, kind and identity, and its properties key by key.
pub(super) fn with_body(empty: &ArmResource, body: &Json) -> ArmResource {
    let field = |k: &str| body.get(k).cloned().filter(|v| !v.is_null());
    ArmResource {
        sku: field("sku"),
        kind: field("kind").and_then(|v| v.as_str().map(str::to_string)),
        identity: field("identity"),
        properties: over(&empty.properties, field("properties")),
        ..empty.clone()
    }
}

/// The stand-ins a write of `written` (its resource `names`, a rule or route of kind `child`)
/// can reach: its target's parents and the ids its body writes. Mapping every declared
/// resource for each update made many updates quadratic.
pub(super) fn reach(
    stand_ins: &[ArmResource],
    written: &ArmResource,
    names: &[String],
    child: Option<ListKind>,
    addr: &str,
) -> Vec<ArmResource> {
    let wanted = Wanted::of(std::iter::once(written));
    let mut reach: Vec<ArmResource> = stand_ins
        .iter()
        .filter(|s| wanted.admits(&s.id))
        .cloned()
        .collect();
    // A rule (route) is read into its NSG (route table): one the configuration writes as an
    // azapi resource stands in as well.
    if let (Some(kind), Some((parent_id, _))) = (child, written.id.rsplit_once('/'))
        && let Some((parent_id, _)) = parent_id.rsplit_once('/')
        && !reach.iter().any(|s| s.id.eq_ignore_ascii_case(parent_id))
    {
        reach.push(bare_stand_in(
            kind.parent_type(),
            &names[0],
            parent_id,
            addr,
        ));
    }
    reach
}

/// The settings `body` writes onto `empty`, as the ARM mapper records them when every value
/// the body writes is unknown ([`probe`]): the resource's own, not the stand-ins'.
pub(super) fn written_unknowns(
    reach: &[ArmResource],
    empty: &ArmResource,
    body: &Json,
) -> Vec<moat_model::Unknown> {
    let (probed, _) = alone(reach, &empty.id, &with_body(empty, &probe(body)));
    probed
        .unknowns
        .into_iter()
        .filter(|u| !is_stand_in(&u.at))
        .collect()
}

/// `declared` properties with the `body`'s over them, key by key.
fn over(declared: &Json, body: Option<Json>) -> Json {
    match (declared, body) {
        (Json::Object(d), Some(Json::Object(b))) => {
            let mut out = d.clone();
            out.extend(b);
            Json::Object(out)
        }
        (_, Some(b)) => b,
        (d, None) => d.clone(),
    }
}

/// Maps `res` with the stand-ins of everything else declared (its own left out, so it is the
/// one resource of its name); returns the topology and the warnings located at `res`.
pub(super) fn alone(
    stand_ins: &[ArmResource],
    id: &str,
    res: &ArmResource,
) -> (Topology, Vec<moat_model::Diagnostic>) {
    let mut t = Topology::default();
    let mut ctx = MapContext::new();
    ctx.terraform();
    for s in stand_ins.iter().filter(|s| !s.id.eq_ignore_ascii_case(id)) {
        map_resource(&mut t, s, &mut ctx);
    }
    map_resource(&mut t, res, &mut ctx);
    finish(&mut t, &mut ctx);
    let warnings = ctx
        .warnings
        .into_iter()
        .filter(|d| d.location.file == res.at.file)
        .collect();
    (t, warnings)
}

/// The value every leaf of an update's body is replaced by in the reading that finds what the
/// body writes.
const PROBE: &str = "the value the update writes";

/// `body` with every value it writes unknown (an empty list is a value: it clears the list),
/// but the names of list elements, which say which element the values are of.
fn probe(body: &Json) -> Json {
    match body {
        Json::Object(o) if o.contains_key("$unknown") => body.clone(),
        Json::Object(o) => Json::Object(
            o.iter()
                .map(|(k, v)| match (k.as_str(), v) {
                    ("name", Json::String(_)) => (k.clone(), v.clone()),
                    _ => (k.clone(), probe(v)),
                })
                .collect(),
        ),
        Json::Array(a) if !a.is_empty() => Json::Array(a.iter().map(probe).collect()),
        _ => serde_json::json!({ "$unknown": PROBE }),
    }
}

/// Writes onto `target` the settings in which `set` differs from `base`, and those `written`
/// names; whether it could.
fn patch<T: Serialize + DeserializeOwned>(
    target: &mut T,
    base: &T,
    set: &T,
    written: &[String],
) -> bool {
    let (Ok(mut t), Ok(b), Ok(s)) = (
        serde_json::to_value(&*target),
        serde_json::to_value(base),
        serde_json::to_value(set),
    ) else {
        return false;
    };
    merge(
        &mut t,
        &b,
        &s,
        &Written {
            fields: written,
            path: String::new(),
        },
    );
    match serde_json::from_value(t) {
        Ok(v) => {
            *target = v;
            true
        }
        Err(_) => false,
    }
}

/// The fields an update's body writes, and where in the element a merge is.
struct Written<'a> {
    fields: &'a [String],
    path: String,
}

impl Written<'_> {
    fn at(&self, key: &str) -> Written<'_> {
        let path = if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        };
        Written {
            fields: self.fields,
            path,
        }
    }

    /// Whether the body writes the value here: it, a part of it, or a block holding it.
    fn here(&self) -> bool {
        self.fields.iter().any(|f| {
            let (long, short) = if f.len() >= self.path.len() {
                (f.as_str(), self.path.as_str())
            } else {
                (self.path.as_str(), f.as_str())
            };
            long.strip_prefix(short)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
        })
    }
}

/// `t` takes every value `s` has that `b` has not, and every value the body writes (`w`) even
/// where `b` has it too: objects key by key, lists of named elements element by element (an
/// outbound rule the update adds joins the declared ones), other values whole (an empty list
/// the body writes clears the declared one, as IP rules written `[]` do). Where the
/// element comes from (`$at`) and its name stay the target's.
fn merge(t: &mut Json, b: &Json, s: &Json, w: &Written) {
    let (Json::Object(t), Json::Object(b), Json::Object(s)) = (t, b, s) else {
        return;
    };
    for (k, sv) in s {
        let w = w.at(k);
        if k == "$at" || k == "name" || (b.get(k) == Some(sv) && !w.here()) {
            continue;
        }
        match (t.get_mut(k), b.get(k), sv) {
            (Some(tv @ Json::Object(_)), Some(bv @ Json::Object(_)), Json::Object(_)) => {
                merge(tv, bv, sv, &w)
            }
            (Some(Json::Array(tv)), _, Json::Array(sa))
                if !sa.is_empty() && sa.iter().all(|x| x.get("name").is_some()) =>
            {
                for x in sa {
                    let n = x.get("name");
                    match tv.iter_mut().find(|y| y.get("name") == n) {
                        Some(y) => *y = x.clone(),
                        None => tv.push(x.clone()),
                    }
                }
            }
            _ => {
                t.insert(k.clone(), sv.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Written, merge, probe};
    use serde_json::json;

    fn none() -> Written<'static> {
        Written {
            fields: &[],
            path: String::new(),
        }
    }

    /// azapi merges the body into the resource it reads ("if overlaps, use new value"): a
    /// value the body writes replaces the declared one even when it is what an empty body
    /// gives.
    #[test]
    fn a_written_value_equal_to_the_empty_reading_still_replaces_the_declared_one() {
        let mut t = json!({"public_network_access": "Disabled",
            "network_acls": {"default_action": "Deny", "bypass": "None"}});
        let b = json!({"public_network_access": "Enabled",
            "network_acls": {"default_action": "Allow", "bypass": "AzureServices"}});
        let s = json!({"public_network_access": "Enabled",
            "network_acls": {"default_action": "Deny", "bypass": "AzureServices"}});
        let fields = [
            "public_network_access".to_string(),
            "network_acls.default_action".to_string(),
        ];
        let w = Written {
            fields: &fields,
            path: String::new(),
        };
        merge(&mut t, &b, &s, &w);
        // bypass is not written: the declaration's stands.
        assert_eq!(
            t,
            json!({"public_network_access": "Enabled",
                "network_acls": {"default_action": "Deny", "bypass": "None"}})
        );
    }

    #[test]
    fn the_probe_opens_every_written_value_and_keeps_open_ones() {
        let open = json!({"$unknown": "var.x"});
        let p = probe(
            &json!({"a": "x", "b": {"c": 1, "d": []}, "e": [{"name": "r", "f": true}], "g": open}),
        );
        let u = json!({"$unknown": super::PROBE});
        assert_eq!(
            p,
            json!({"a": u, "b": {"c": u, "d": u}, "e": [{"name": "r", "f": u}], "g": {"$unknown": "var.x"}})
        );
    }

    #[test]
    fn only_what_the_body_sets_is_written() {
        let mut t = json!({"name": "st", "public_network_access": "Enabled", "sku": "Standard_LRS",
            "network_rules": {"default_action": "Allow", "bypass": ["AzureServices"]}, "$at": {"line": 3}});
        let b = json!({"name": "st", "public_network_access": "Enabled",
            "network_rules": {"default_action": "Allow", "bypass": ["AzureServices"]}, "$at": {"line": 9}});
        let s = json!({"name": "st", "public_network_access": "Disabled",
            "network_rules": {"default_action": "Deny", "bypass": ["AzureServices"]}, "$at": {"line": 9}});
        merge(&mut t, &b, &s, &none());
        assert_eq!(
            t,
            json!({"name": "st", "public_network_access": "Disabled", "sku": "Standard_LRS",
                "network_rules": {"default_action": "Deny", "bypass": ["AzureServices"]}, "$at": {"line": 3}})
        );
    }

    #[test]
    fn named_elements_join_the_declared_ones() {
        let mut t = json!({"rules": [{"name": "a", "v": 1}]});
        let b = json!({"rules": []});
        let s = json!({"rules": [{"name": "b", "v": 2}]});
        merge(&mut t, &b, &s, &none());
        assert_eq!(
            t,
            json!({"rules": [{"name": "a", "v": 1}, {"name": "b", "v": 2}]})
        );
    }
}
