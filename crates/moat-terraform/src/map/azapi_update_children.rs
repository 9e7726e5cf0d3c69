//! `azapi_update_resource` on one security rule of an NSG
//! (`Microsoft.Network/networkSecurityGroups/securityRules`) or one route of a route table
//! (`Microsoft.Network/routeTables/routes`).
//!
//! The provider reads the rule, merges the body's properties into what it read key by key
//! ("if overlaps, use new value") and writes the result back: what the body writes replaces
//! the rule's value, what it leaves out stays. A rule property written in two forms (a source
//! address prefix, or a list of them) keeps the form the body leaves out: where the declared
//! rule writes the other form, both are sent, and what Azure makes of them is open.

use super::azapi::{body_json, is_stand_in};
use super::azapi_update_lists::ListKind;
use super::{Mapper, blocks_of, get};
use crate::value::{ResObj, Value};
use moat_model::firewall::RuleValue;
use moat_model::network::{Route, SecurityRule};
use moat_model::{Provenance, Topology, Unknown};
use serde_json::Value as Json;
use std::collections::HashSet;

/// The rule properties written in a singular and a plural form, with their azurerm arguments,
/// and the rule value each decides.
const PAIRS: [([(&str, &str); 2], RuleValue); 4] = [
    (
        [
            ("sourceAddressPrefix", "source_address_prefix"),
            ("sourceAddressPrefixes", "source_address_prefixes"),
        ],
        RuleValue::Sources,
    ),
    (
        [
            ("destinationAddressPrefix", "destination_address_prefix"),
            ("destinationAddressPrefixes", "destination_address_prefixes"),
        ],
        RuleValue::Destinations,
    ),
    (
        [
            ("sourcePortRange", "source_port_range"),
            ("sourcePortRanges", "source_port_ranges"),
        ],
        RuleValue::Ports,
    ),
    (
        [
            ("destinationPortRange", "destination_port_range"),
            ("destinationPortRanges", "destination_port_ranges"),
        ],
        RuleValue::Ports,
    ),
];

/// The properties that decide each rule value a rule may leave open.
fn groups(v: RuleValue) -> &'static [&'static [&'static str]] {
    match v {
        RuleValue::Sources => &[
            &["sourceAddressPrefix", "sourceAddressPrefixes"],
            &["sourceApplicationSecurityGroups"],
        ],
        RuleValue::Destinations => &[
            &["destinationAddressPrefix", "destinationAddressPrefixes"],
            &["destinationApplicationSecurityGroups"],
        ],
        RuleValue::Ports => &[
            &["protocol"],
            &["sourcePortRange", "sourcePortRanges"],
            &["destinationPortRange", "destinationPortRanges"],
        ],
        RuleValue::Translation => &[],
    }
}

/// Whether a JSON value is one the configuration leaves open.
fn is_open(j: &Json) -> bool {
    matches!(j, Json::Object(o) if o.keys().any(|k| k.starts_with('$')))
}

/// Whether an azurerm object writes `k` with a value: a non-empty string or list.
fn writes(o: &ResObj, k: &str) -> bool {
    match get(o, k) {
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::List(l)) => !l.is_empty(),
        Some(_) => true,
        None => false,
    }
}

/// Whether ARM properties write `k` with a value: a non-empty string or list.
fn writes_json(p: &Json, k: &str) -> bool {
    match p.get(k) {
        Some(Json::String(s)) => !s.is_empty(),
        Some(Json::Array(l)) => !l.is_empty(),
        Some(Json::Null) | None => false,
        Some(_) => true,
    }
}

impl Mapper<'_> {
    /// Applies an update of rule (route) `names[1]` of NSG (route table) `names[0]`; `set` is
    /// the rule mapped from the body alone. `written` holds the lists and elements earlier
    /// updates wrote. False when the model has no such NSG (route table).
    pub(super) fn update_child(
        &mut self,
        kind: ListKind,
        o: &ResObj,
        names: &[String],
        body: &Json,
        set: &Topology,
        written: &mut HashSet<String>,
    ) -> bool {
        let [parent, child] = names else {
            return false;
        };
        let res = format!("{}/{parent}", kind.label());
        let exists = match kind {
            ListKind::Rules => self
                .t
                .network_security_groups
                .iter()
                .any(|n| n.name == *parent && !is_stand_in(&n.at)),
            ListKind::Routes => self
                .t
                .route_tables
                .iter()
                .any(|n| n.name == *parent && !is_stand_in(&n.at)),
        };
        if !exists {
            return false;
        }
        let one = match kind {
            ListKind::Rules => "rule",
            ListKind::Routes => "route",
        };
        if written.contains(&res) || !written.insert(format!("{res}/{}", child.to_lowercase())) {
            let why = format!(
                "`{}` and another update write its {one} `{child}` one after the other, in no order the configuration fixes",
                o.addr
            );
            self.unknown_at(&res, kind.what(), why, &o.loc);
            return true;
        }
        let props = match body.get("properties") {
            None | Some(Json::Null) => return true,
            Some(p @ Json::Object(_)) if !is_open(p) => p,
            Some(_) => {
                let why = format!(
                    "`{}` writes its {one} `{child}` with properties the configuration leaves open",
                    o.addr
                );
                self.unknown_at(&res, kind.what(), why, &o.loc);
                return true;
            }
        };
        let done = match kind {
            ListKind::Rules => self.update_rule(o, &res, parent, child, props, set),
            ListKind::Routes => self.update_route(o, &res, parent, child, props),
        };
        if !done {
            let why = format!(
                "`{}` updates its {one} `{child}`, which the configuration does not give it, or not with values moat reads",
                o.addr
            );
            self.unknown_at(&res, kind.what(), why, &o.loc);
        }
        true
    }

    /// The rule `child` of NSG `parent` with the properties `props` writes merged into it.
    fn update_rule(
        &mut self,
        o: &ResObj,
        res: &str,
        parent: &str,
        child: &str,
        props: &Json,
        set: &Topology,
    ) -> bool {
        let Some(ni) = self
            .t
            .network_security_groups
            .iter()
            .position(|n| n.name == parent && !is_stand_in(&n.at))
        else {
            return false;
        };
        let Some(ri) = self.t.network_security_groups[ni]
            .rules
            .iter()
            .position(|r| r.name.eq_ignore_ascii_case(child))
        else {
            return false;
        };
        let Some(new) = set
            .network_security_groups
            .iter()
            .filter(|n| n.name == parent)
            .flat_map(|n| &n.rules)
            .find(|r| r.name.eq_ignore_ascii_case(child) && !is_stand_in(&r.at))
            .cloned()
        else {
            return false;
        };
        let old = self.t.network_security_groups[ni].rules[ri].clone();
        let has = |k: &str| props.get(k).is_some();
        let mut r = old.clone();
        if has("priority") {
            r.priority = new.priority;
        }
        if has("direction") {
            r.direction = new.direction;
        }
        if has("access") {
            r.access = new.access;
        }
        if has("protocol") {
            r.protocol = new.protocol;
        }
        if has("description") {
            r.description = new.description.clone();
        }
        if has("sourceApplicationSecurityGroups") {
            r.source_asgs = new.source_asgs.clone();
        }
        if has("destinationApplicationSecurityGroups") {
            r.destination_asgs = new.destination_asgs.clone();
        }
        let forms = self.rule_forms(&old.at, &old.name);
        let mut conflicts: Vec<(RuleValue, String)> = Vec::new();
        for (i, ([(single, _), (plural, _)], value)) in PAIRS.iter().enumerate() {
            let (ws, wp) = (has(single), has(plural));
            if !ws && !wp {
                continue;
            }
            match i {
                0 => r.source = new.source.clone(),
                1 => r.destination = new.destination.clone(),
                2 => r.source_ports = new.source_ports.clone(),
                _ => r.destination_ports = new.destination_ports.clone(),
            }
            let (key, other) = match (ws, wp) {
                (true, false) => (single, plural),
                (false, true) => (plural, single),
                _ => continue,
            };
            let lingers = forms.as_ref().is_none_or(|f| f.contains(other));
            if lingers {
                conflicts.push((
                    *value,
                    format!(
                        "`{}` writes `{key}` of rule `{child}`, whose `{other}` the provider's merge keeps beside it",
                        o.addr
                    ),
                ));
            }
        }
        let mut open = Vec::new();
        for v in [
            RuleValue::Sources,
            RuleValue::Destinations,
            RuleValue::Ports,
        ] {
            let g = groups(v);
            let all = g.iter().all(|keys| keys.iter().any(|k| has(k)));
            let any = g.iter().any(|keys| keys.iter().any(|k| has(k)));
            if conflicts.iter().any(|(c, _)| *c == v)
                || (any && new.open.contains(&v))
                || (!all && old.open.contains(&v))
            {
                open.push(v);
            }
        }
        r.open = open;
        self.rule_unknowns(res, &old, &r, &new, props, set, &conflicts, o);
        self.t.network_security_groups[ni].rules[ri] = r;
        true
    }

    /// The unknowns of rule `old` of `res` once it is `r`: those of the fields the body
    /// writes are the body's (`set`), the others stay.
    #[allow(clippy::too_many_arguments)]
    fn rule_unknowns(
        &mut self,
        res: &str,
        old: &SecurityRule,
        r: &SecurityRule,
        new: &SecurityRule,
        props: &Json,
        set: &Topology,
        conflicts: &[(RuleValue, String)],
        o: &ResObj,
    ) {
        let whole = format!("rules/{}", old.name);
        let from_set = |f: &str| {
            set.unknowns
                .iter()
                .find(|u| u.resource == res && u.field.eq_ignore_ascii_case(f))
                .map(|u| u.reason.clone())
        };
        let mut add: Vec<(String, String)> = Vec::new();
        for which in ["priority", "direction", "access"] {
            if props.get(which).is_none() {
                continue;
            }
            let field = SecurityRule::open_field(&old.name, which);
            self.t
                .unknowns
                .retain(|u| !(u.resource == res && u.field == field));
            let open = match which {
                "priority" => new.priority.is_unknown(),
                "direction" => new.direction.is_unknown(),
                _ => new.access.is_unknown(),
            };
            if open {
                let why = from_set(&SecurityRule::open_field(&new.name, which))
                    .unwrap_or_else(|| format!("`{}` writes it open", o.addr));
                add.push((field, why));
            }
        }
        let kept = self
            .t
            .unknowns
            .iter()
            .find(|u| u.resource == res && u.field == whole)
            .map(|u| u.reason.clone());
        self.t
            .unknowns
            .retain(|u| !(u.resource == res && u.field == whole));
        if !r.open.is_empty() {
            let why = conflicts
                .first()
                .map(|(_, w)| w.clone())
                .or_else(|| from_set(&format!("rules/{}", new.name)))
                .or(kept)
                .unwrap_or_else(|| format!("`{}` writes it open", o.addr));
            add.push((whole, why));
        }
        for (field, reason) in add {
            self.t.unknowns.push(Unknown {
                resource: res.to_string(),
                field,
                reason,
                at: o.loc.provenance(&o.addr),
            });
        }
    }

    /// The route `child` of route table `parent` with the properties `props` writes merged
    /// into it, read by the ARM mapper.
    fn update_route(
        &mut self,
        o: &ResObj,
        res: &str,
        parent: &str,
        child: &str,
        props: &Json,
    ) -> bool {
        let Some(ti) = self
            .t
            .route_tables
            .iter()
            .position(|n| n.name == parent && !is_stand_in(&n.at))
        else {
            return false;
        };
        let Some(ri) = self.t.route_tables[ti]
            .routes
            .iter()
            .position(|r| r.name.eq_ignore_ascii_case(child))
        else {
            return false;
        };
        let old: &Route = &self.t.route_tables[ti].routes[ri];
        let mut merged = serde_json::Map::new();
        merged.insert(
            "addressPrefix".into(),
            Json::String(old.address_prefix.to_string()),
        );
        merged.insert(
            "nextHopType".into(),
            Json::String(old.next_hop_type.as_str().into()),
        );
        if let Some(ip) = old.next_hop_ip_address {
            merged.insert("nextHopIpAddress".into(), Json::String(ip.to_string()));
        }
        if let Json::Object(p) = props {
            for (k, v) in p {
                merged.insert(k.clone(), v.clone());
            }
        }
        let name = old.name.clone();
        let field = format!("routes/{name}");
        let mapped = self.map_child_route(parent, child, Json::Object(merged), o);
        self.t
            .unknowns
            .retain(|u| !(u.resource == res && u.field.eq_ignore_ascii_case(&field)));
        let routes = &mut self.t.route_tables[ti].routes;
        match mapped {
            (Some(route), _) => routes[ri] = route,
            (None, reason) => {
                routes.remove(ri);
                let why = reason.unwrap_or_else(|| {
                    format!(
                        "`{}` writes route `{child}` with values moat does not read",
                        o.addr
                    )
                });
                self.t.unknowns.push(Unknown {
                    resource: res.to_string(),
                    field,
                    reason: why,
                    at: o.loc.provenance(&o.addr),
                });
            }
        }
        true
    }

    /// The route of properties `props` as the ARM mapper reads it, written by `o`; or the
    /// reason it is open.
    fn map_child_route(
        &self,
        parent: &str,
        child: &str,
        props: Json,
        o: &ResObj,
    ) -> (Option<Route>, Option<String>) {
        let parent_id = format!(
            "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Network/routeTables/{parent}"
        );
        let stand_in = super::azapi::bare_stand_in(
            "Microsoft.Network/routeTables",
            parent,
            &parent_id,
            &o.addr,
        );
        let res = moat_arm::map::ArmResource {
            rtype: ListKind::Routes.child_type().into(),
            name: format!("{parent}/{child}"),
            id: format!("{parent_id}/routes/{child}"),
            location: None,
            sku: None,
            kind: None,
            identity: None,
            properties: props,
            api_version: None,
            at: super::at(o),
        };
        let (t, _) = super::azapi_update::alone(&[stand_in], &res.id, &res);
        let route = t
            .route_tables
            .iter()
            .flat_map(|r| &r.routes)
            .find(|r| !is_stand_in(&r.at))
            .cloned();
        let reason = t
            .unknowns
            .iter()
            .find(|u| !is_stand_in(&u.at))
            .map(|u| u.reason.clone());
        (route, reason)
    }

    /// The properties among [`PAIRS`] that the declaration of rule `rule` (written at `p`)
    /// gives a value; `None` when it cannot be read (every form may then hold one).
    fn rule_forms(&self, p: &Provenance, rule: &str) -> Option<HashSet<&'static str>> {
        // An inline rule is written at its block (`<nsg>.security_rule[0]`).
        let addr = match p.pointer.rsplit_once(".security_rule[") {
            Some((nsg, _)) => nsg,
            None => p.pointer.as_str(),
        };
        let r = self.recs.iter().find(|r| r.addr == addr)?;
        let keys = || PAIRS.iter().flat_map(|(pair, _)| pair.iter());
        let same = |n: &str| n.eq_ignore_ascii_case(rule);
        match r.rtype.as_str() {
            "azurerm_network_security_rule" => Some(
                keys()
                    .filter(|(_, a)| writes(&r.obj, a))
                    .map(|(k, _)| *k)
                    .collect(),
            ),
            "azurerm_network_security_group" => {
                let b = blocks_of(&r.obj, "security_rule")
                    .into_iter()
                    .find(|b| matches!(get(b, "name"), Some(Value::String(n)) if same(n)))?;
                Some(
                    keys()
                        .filter(|(_, a)| writes(&b, a))
                        .map(|(k, _)| *k)
                        .collect(),
                )
            }
            "azapi_resource" | "azapi_update_resource" => {
                let body = body_json(&r.obj).ok()?;
                let props = body.get("properties")?;
                let rule_props = match props.get("securityRules") {
                    Some(Json::Array(a)) => a
                        .iter()
                        .find(|x| x.get("name").and_then(Json::as_str).is_some_and(same))?
                        .get("properties")?,
                    _ => props,
                };
                Some(
                    keys()
                        .filter(|(k, _)| writes_json(rule_props, k))
                        .map(|(k, _)| *k)
                        .collect(),
                )
            }
            _ => None,
        }
    }
}
