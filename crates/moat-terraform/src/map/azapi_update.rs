//! `azapi_update_resource`: properties written onto a resource declared elsewhere in the
//! configuration (an azurerm storage account made private, a managed network added to an
//! azurerm workspace), as Azure applies them: the resource read, the body merged into it,
//! the result written back.
//!
//! The body is ARM's property shape, so the ARM importer's mapper reads it: once as written and
//! once empty, and the settings that differ between the two are the ones the body sets. Those
//! replace the settings of the model element the declaration made; everything else the
//! declaration says stands. An update whose target the configuration does not declare stays
//! unmodelled.

use super::azapi::{body_json, is_stand_in};
use super::{Mapper, at, get};
use crate::config::Mode;
use crate::ids;
use crate::value::{ResObj, Value};
use moat_arm::map::{ArmResource, MapContext, finish, map_resource};
use moat_model::Topology;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value as Json;

impl Mapper<'_> {
    /// Applies every `azapi_update_resource` whose target the configuration declares.
    pub(super) fn azapi_updates(&mut self) {
        let updates: Vec<usize> = (0..self.recs.len())
            .filter(|&i| {
                let r = &self.recs[i];
                r.mode == Mode::Managed && r.rtype == "azapi_update_resource"
            })
            .collect();
        if updates.is_empty() {
            return;
        }
        let stand_ins: Vec<ArmResource> = self.stand_ins().collect();
        for i in updates {
            let o = self.recs[i].obj.clone();
            if self.azapi_update(&o, &stand_ins) {
                self.consumed[i] = true;
            }
        }
    }

    /// The declared id an update targets: `resource_id`, or its `parent_id` and `name`.
    fn update_target(&self, o: &ResObj) -> Option<String> {
        let v = match get(o, "resource_id") {
            Some(v) => self.resolve(v),
            None => ids::synth("azapi_resource", o)?,
        };
        match v {
            Value::String(id) => self.declared_id(&id),
            Value::Unknown(u) => u.partial.as_deref().and_then(|p| self.declared_id(p)),
            _ => None,
        }
    }

    fn azapi_update(&mut self, o: &ResObj, stand_ins: &[ArmResource]) -> bool {
        let Some(id) = self.update_target(o) else {
            return false;
        };
        let Some(parsed) = ids::parse(&id) else {
            return false;
        };
        let name = parsed.names.join("/");
        let rtype = parsed.full_type();
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
                return false;
            }
        };
        let field = |k: &str| body.get(k).cloned().filter(|v| !v.is_null());
        let empty = ArmResource {
            rtype,
            name,
            id: id.clone(),
            location: None,
            sku: None,
            kind: None,
            identity: None,
            properties: Json::Object(Default::default()),
            api_version: None,
            at: at(o),
        };
        let written = ArmResource {
            sku: field("sku"),
            kind: field("kind").and_then(|v| v.as_str().map(str::to_string)),
            identity: field("identity"),
            properties: field("properties").unwrap_or_else(|| Json::Object(Default::default())),
            ..empty.clone()
        };
        let (base, base_warnings) = alone(stand_ins, &id, &empty);
        let (set, warnings) = alone(stand_ins, &id, &written);
        let model_name = parsed.name().to_string();
        if !self.apply_update(&model_name, &base, &set) {
            return false;
        }
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

    /// Writes onto the element named `name` what `set` says and `base` does not.
    fn apply_update(&mut self, name: &str, base: &Topology, set: &Topology) -> bool {
        let mut applied = false;
        macro_rules! lists {
            ($($list:ident),*) => { $(
                let own = |l: &'_ [_]| -> Option<usize> {
                    l.iter().position(|x: &_| named(x, name))
                };
                if let (Some(b), Some(s), Some(t)) =
                    (own(&base.$list), own(&set.$list), own(&self.t.$list))
                {
                    applied |= patch(&mut self.t.$list[t], &base.$list[b], &set.$list[s]);
                }
            )* };
        }
        lists!(
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
    moat_model::ml::Workspace,
    moat_model::ml::Registry,
    moat_model::deps::StorageAccount,
    moat_model::deps::KeyVault,
    moat_model::deps::ContainerRegistry
);

/// Maps `res` with the stand-ins of everything else declared (its own left out, so it is the
/// one resource of its name); returns the topology and the warnings located at `res`.
fn alone(
    stand_ins: &[ArmResource],
    id: &str,
    res: &ArmResource,
) -> (Topology, Vec<moat_model::Diagnostic>) {
    let mut t = Topology::default();
    let mut ctx = MapContext::new();
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

/// Writes onto `target` the settings in which `set` differs from `base`; whether it could.
fn patch<T: Serialize + DeserializeOwned>(target: &mut T, base: &T, set: &T) -> bool {
    let (Ok(mut t), Ok(b), Ok(s)) = (
        serde_json::to_value(&*target),
        serde_json::to_value(base),
        serde_json::to_value(set),
    ) else {
        return false;
    };
    merge(&mut t, &b, &s);
    match serde_json::from_value(t) {
        Ok(v) => {
            *target = v;
            true
        }
        Err(_) => false,
    }
}

/// `t` takes every value `s` has that `b` has not: objects key by key, lists of named elements
/// element by element (an outbound rule the update adds joins the declared ones), other values
/// whole. Where the element comes from (`$at`) and its name stay the target's.
fn merge(t: &mut Json, b: &Json, s: &Json) {
    let (Json::Object(t), Json::Object(b), Json::Object(s)) = (t, b, s) else {
        return;
    };
    for (k, sv) in s {
        if k == "$at" || k == "name" || b.get(k) == Some(sv) {
            continue;
        }
        match (t.get_mut(k), b.get(k), sv) {
            (Some(tv @ Json::Object(_)), Some(bv @ Json::Object(_)), Json::Object(_)) => {
                merge(tv, bv, sv)
            }
            (Some(Json::Array(tv)), _, Json::Array(sa))
                if sa.iter().all(|x| x.get("name").is_some()) =>
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
    use super::merge;
    use serde_json::json;

    #[test]
    fn only_what_the_body_sets_is_written() {
        let mut t = json!({"name": "st", "public_network_access": "Enabled", "sku": "Standard_LRS",
            "network_rules": {"default_action": "Allow", "bypass": ["AzureServices"]}, "$at": {"line": 3}});
        let b = json!({"name": "st", "public_network_access": "Enabled",
            "network_rules": {"default_action": "Allow", "bypass": ["AzureServices"]}, "$at": {"line": 9}});
        let s = json!({"name": "st", "public_network_access": "Disabled",
            "network_rules": {"default_action": "Deny", "bypass": ["AzureServices"]}, "$at": {"line": 9}});
        merge(&mut t, &b, &s);
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
        merge(&mut t, &b, &s);
        assert_eq!(
            t,
            json!({"rules": [{"name": "a", "v": 1}, {"name": "b", "v": 2}]})
        );
    }
}
