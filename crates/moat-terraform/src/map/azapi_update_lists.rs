//! `azapi_update_resource` bodies that write an NSG's security rules or a route table's
//! routes (`properties.securityRules`, `properties.routes`).
//!
//! The provider reads the resource, merges the body into what it read and writes the result
//! back with a PUT, which sets the rules to the list it is given. Its merge ("if overlaps, use
//! new value") takes a list of the body whole when its length differs from the list read, and
//! merges two lists of one length element by element, in the order Azure returns them. So a
//! list whose length differs from every number of rules the NSG may hold when the update reads
//! it leaves exactly the body's rules; one that may be as long as that list leaves each rule a
//! mix of the body's and one of the old rules, and the list is open.
//!
//! A rule (route) written as a resource of its own is added by its own PUT, before or after
//! the update's, in no order the configuration fixes: it may be in the list the update
//! replaces, so whether it is deployed is open, and so is how many rules the update reads.

use super::Mapper;
use super::azapi::is_stand_in;
use crate::config::Mode;
use crate::eval::Record;
use crate::value::{ResObj, Value};
use moat_model::Provenance;
use moat_model::Topology;
use serde_json::Value as Json;
use std::collections::HashSet;

/// The list an update on an NSG (route table) may write.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum ListKind {
    Rules,
    Routes,
}

impl ListKind {
    /// The list the resources of ARM type `rtype` hold, if it is one of these.
    pub(super) fn of(rtype: &str) -> Option<ListKind> {
        if rtype.eq_ignore_ascii_case("Microsoft.Network/networkSecurityGroups") {
            Some(ListKind::Rules)
        } else if rtype.eq_ignore_ascii_case("Microsoft.Network/routeTables") {
            Some(ListKind::Routes)
        } else {
            None
        }
    }

    /// The list's ARM property.
    pub(super) fn key(self) -> &'static str {
        match self {
            ListKind::Rules => "securityRules",
            ListKind::Routes => "routes",
        }
    }

    /// How the model labels the parent (`nsg/<name>`).
    pub(super) fn label(self) -> &'static str {
        match self {
            ListKind::Rules => "nsg",
            ListKind::Routes => "route-table",
        }
    }

    /// What the model calls the list, and the prefix of an element's unknowns.
    pub(super) fn what(self) -> &'static str {
        match self {
            ListKind::Rules => "rules",
            ListKind::Routes => "routes",
        }
    }

    /// The azurerm blocks that write the list inline.
    fn block(self) -> &'static str {
        match self {
            ListKind::Rules => "security_rule",
            ListKind::Routes => "route",
        }
    }

    /// The list whose elements, written as resources of their own, are of ARM type `rtype`.
    pub(super) fn child_of(rtype: &str) -> Option<ListKind> {
        [ListKind::Rules, ListKind::Routes]
            .into_iter()
            .find(|k| rtype.eq_ignore_ascii_case(k.child_type()))
    }

    /// The ARM type of the resource holding the list.
    pub(super) fn parent_type(self) -> &'static str {
        match self {
            ListKind::Rules => "Microsoft.Network/networkSecurityGroups",
            ListKind::Routes => "Microsoft.Network/routeTables",
        }
    }

    /// The ARM type of an element written as a resource of its own.
    pub(super) fn child_type(self) -> &'static str {
        match self {
            ListKind::Rules => "Microsoft.Network/networkSecurityGroups/securityRules",
            ListKind::Routes => "Microsoft.Network/routeTables/routes",
        }
    }

    /// Whether a record writes an element of the list as a resource of its own.
    fn is_separate(self, r: &Record) -> bool {
        let azurerm = match self {
            ListKind::Rules => "azurerm_network_security_rule",
            ListKind::Routes => "azurerm_route",
        };
        r.rtype == azurerm
            || (r.rtype == "azapi_resource"
                && matches!(r.obj.attrs.get("type"), Some(Value::String(t))
                    if t.split('@').next().is_some_and(|t| t.eq_ignore_ascii_case(self.child_type()))))
    }
}

/// The names and provenances of the elements of one NSG's rules (route table's routes).
fn elements(t: &Topology, kind: ListKind, i: usize) -> Vec<(&str, &Provenance)> {
    match kind {
        ListKind::Rules => t.network_security_groups[i]
            .rules
            .iter()
            .map(|r| (r.name.as_str(), &r.at))
            .collect(),
        ListKind::Routes => t.route_tables[i]
            .routes
            .iter()
            .map(|r| (r.name.as_str(), &r.at))
            .collect(),
    }
}

/// The first element of the model of `name` (not a stand-in) holding the list.
fn position(t: &Topology, kind: ListKind, name: &str) -> Option<usize> {
    match kind {
        ListKind::Rules => t
            .network_security_groups
            .iter()
            .position(|n| n.name == name && !is_stand_in(&n.at)),
        ListKind::Routes => t
            .route_tables
            .iter()
            .position(|n| n.name == name && !is_stand_in(&n.at)),
    }
}

impl Mapper<'_> {
    /// Applies what an update's `body` writes in the list of the NSG (route table) `name`,
    /// `set` being the target mapped with the body alone (the rules exactly as the body writes
    /// them). `written` holds the lists earlier updates wrote. False when the model has no
    /// such element.
    pub(super) fn update_list(
        &mut self,
        kind: ListKind,
        o: &ResObj,
        name: &str,
        body: &Json,
        set: &Topology,
        written: &mut HashSet<String>,
    ) -> bool {
        let Some(ti) = position(&self.t, kind, name) else {
            return false;
        };
        let res = format!("{}/{name}", kind.label());
        let props = body.get("properties");
        if kind == ListKind::Routes
            && props
                .and_then(|p| p.get("disableBgpRoutePropagation"))
                .is_some_and(|v| !v.is_null())
            && let Some(s) = position(set, kind, name)
        {
            self.t.route_tables[ti].disable_bgp_route_propagation =
                set.route_tables[s].disable_bgp_route_propagation;
        }
        let list = match props.and_then(|p| p.get(kind.key())) {
            None | Some(Json::Null) => return true,
            Some(Json::Array(a)) => a,
            Some(_) => {
                let why = format!(
                    "`{}` writes its {} with a value the configuration leaves open",
                    o.addr,
                    kind.what()
                );
                self.open_list(&res, kind, why, o);
                return true;
            }
        };
        let child_written = format!("{res}/");
        if written.iter().any(|k| k.starts_with(&child_written)) || !written.insert(res.clone()) {
            let why = format!(
                "`{}` and another update write its {} one after the other, in no order the configuration fixes, and the second merges its list into the first's",
                o.addr,
                kind.what()
            );
            self.open_list(&res, kind, why, o);
            return true;
        }
        let mut names = HashSet::new();
        for x in list {
            match x.get("name").and_then(Json::as_str) {
                Some(n) => {
                    names.insert(n.to_ascii_lowercase());
                }
                None => {
                    let why = format!(
                        "`{}` writes an element of its {} whose name the configuration leaves open or does not write",
                        o.addr,
                        kind.what()
                    );
                    self.open_list(&res, kind, why, o);
                    return true;
                }
            }
        }
        let separate: HashSet<&str> = self
            .recs
            .iter()
            .filter(|r| r.mode == Mode::Managed && kind.is_separate(r))
            .map(|r| r.addr.as_str())
            .collect();
        let old = elements(&self.t, kind, ti);
        let is_separate = |p: &Provenance| separate.contains(p.pointer.as_str());
        // Where the resources that may not exist are written, looked up per element.
        let mut by_pointer = HashSet::new();
        let mut by_line = HashSet::new();
        for m in &self.t.may_exist {
            let a = &m.at;
            if a.pointer.is_empty() {
                by_line.insert((a.file.as_str(), a.line, a.column));
            } else {
                by_pointer.insert((a.file.as_str(), a.pointer.as_str()));
            }
        }
        let maybe = |p: &Provenance| {
            by_pointer.contains(&(p.file.as_str(), p.pointer.as_str()))
                || (p.line != 0 && by_line.contains(&(p.file.as_str(), p.line, p.column)))
        };
        let uncertain = |p: &Provenance| is_separate(p) || maybe(p);
        let open_count = self
            .t
            .unknowns
            .iter()
            .any(|u| u.resource == res && (u.field == kind.block() || u.field == kind.what()));
        let min = old.iter().filter(|(_, p)| !uncertain(p)).count();
        let max = (!open_count).then_some(old.len());
        let n = list.len();
        if n > 0 && n >= min && max.is_none_or(|m| n <= m) {
            let held = match max {
                Some(m) if m == min => format!("the {m} it holds"),
                Some(m) => format!("the {min} to {m} it may hold"),
                None => format!(
                    "the {} it holds, a number the configuration leaves open",
                    kind.what()
                ),
            };
            let why = format!(
                "`{}` writes {n} {} where Azure may return as many ({held}): the provider then merges each into the one Azure returns at its place, an order Azure does not document",
                o.addr,
                kind.what()
            );
            self.open_list(&res, kind, why, o);
            return true;
        }
        // A separate element of a name the body writes replaces the body's when added after it.
        if old
            .iter()
            .any(|(n, p)| is_separate(p) && names.contains(&n.to_ascii_lowercase()))
        {
            let why = format!(
                "`{}` writes one of its {} that a resource of its own also writes, before or after the update, in no order the configuration fixes",
                o.addr,
                kind.what()
            );
            self.open_list(&res, kind, why, o);
            return true;
        }
        // Separate elements stay, each one open; the others are replaced by the body's.
        let kept: Vec<(String, Provenance, bool)> = old
            .iter()
            .filter(|(_, p)| is_separate(p))
            .map(|(n, p)| (n.to_string(), (*p).clone(), maybe(p)))
            .collect();
        let keep = |p: &Provenance| kept.iter().any(|(_, k, _)| k == p);
        let from_set = position(set, kind, name);
        match kind {
            ListKind::Rules => {
                let l = &mut self.t.network_security_groups[ti].rules;
                l.retain(|r| keep(&r.at));
                if let Some(s) = from_set {
                    l.extend(set.network_security_groups[s].rules.iter().cloned());
                }
            }
            ListKind::Routes => {
                let l = &mut self.t.route_tables[ti].routes;
                l.retain(|r| keep(&r.at));
                if let Some(s) = from_set {
                    l.extend(set.route_tables[s].routes.iter().cloned());
                }
            }
        }
        // What was open about the replaced elements (or their number) is gone with them.
        let prefix = format!("{}/", kind.what());
        self.t.unknowns.retain(|u| {
            if u.resource != res {
                return true;
            }
            if u.field == kind.block() || u.field == kind.what() {
                return false;
            }
            match u.field.strip_prefix(&prefix) {
                Some(rest) => kept
                    .iter()
                    .any(|(n, _, _)| rest == n || rest.starts_with(&format!("{n}/"))),
                None => true,
            }
        });
        for (_, p, open) in kept {
            if open {
                continue;
            }
            let Some(r) = self.recs.iter().find(|r| r.addr == p.pointer) else {
                continue;
            };
            let conflict = moat_model::presence::InlineConflict {
                resource: &r.addr,
                parent: &res,
                owner: &o.addr,
                what: kind.what(),
                written_as: if kind == ListKind::Rules {
                    "body.properties.securityRules"
                } else {
                    "body.properties.routes"
                },
                run: "apply",
                how: moat_model::presence::ListWrite::Inline,
            };
            self.warn(
                moat_model::presence::INLINE_CONFLICT,
                conflict.message(),
                &r.obj.loc,
                Some(conflict.hint()),
            );
            self.t.may_exist.push(conflict.may_exist(p));
        }
        true
    }

    /// An update of an NSG or a route table (or of one of their rules or routes) whose target
    /// the configuration leaves open (`target`, as given): the list of every declared one it
    /// may name is open. A known id the configuration does not declare names one outside it.
    pub(super) fn open_unknown_targets(&mut self, o: &ResObj, target: Option<&Value>) {
        let Some(Value::String(ty)) = o.attrs.get("type") else {
            return;
        };
        let ty = ty.split('@').next().unwrap_or(ty);
        let (kind, child) = match ListKind::of(ty) {
            Some(k) => (k, false),
            None => match ListKind::child_of(ty) {
                Some(k) => (k, true),
                None => return,
            },
        };
        let (query, reason) = match target {
            Some(Value::Unknown(u)) => (u.partial.as_deref().map(str::to_string), u.reason.clone()),
            None => (None, "its target is not written".to_string()),
            Some(_) => return,
        };
        // A rule's id names its NSG up to the rule's type segment.
        let query = match (query, child) {
            (Some(q), true) => {
                let seg = format!("/{}/", kind.key()).to_ascii_lowercase();
                q.to_ascii_lowercase()
                    .find(&seg)
                    .map(|i| q[..i].to_string())
            }
            (q, _) => q,
        };
        let parent_type = kind.parent_type();
        let mut names = Vec::new();
        for r in self.recs.iter().filter(|r| r.mode == Mode::Managed) {
            let Some(Value::String(id)) = r.obj.attrs.get("id") else {
                continue;
            };
            let Some(p) = crate::ids::parse(id) else {
                continue;
            };
            if !p.full_type().eq_ignore_ascii_case(parent_type) {
                continue;
            }
            if query
                .as_deref()
                .is_some_and(|q| !moat_arm::idmatch::may_name(q, id))
            {
                continue;
            }
            names.push(self.arm_name(id, p.names.join("/")));
        }
        let what = match kind {
            ListKind::Rules => "network security group",
            ListKind::Routes => "route table",
        };
        for name in names {
            let why = format!(
                "`{}` may write its {}: which {what} it updates is open ({reason})",
                o.addr,
                kind.what()
            );
            self.open_list(&format!("{}/{name}", kind.label()), kind, why, o);
        }
    }

    /// An update of an NSG or route table (or of one of their rules or routes), of ARM type
    /// `ty` and the model names `names`, whose body cannot be read (`why`): the list it may
    /// write is open.
    pub(super) fn open_written_list(
        &mut self,
        ty: &str,
        names: &[String],
        o: &ResObj,
        why: String,
    ) {
        let kind = match (ListKind::of(ty), names) {
            (Some(k), [_]) => k,
            (None, [_, _]) => match ListKind::child_of(ty) {
                Some(k) => k,
                None => return,
            },
            _ => return,
        };
        let res = format!("{}/{}", kind.label(), names[0]);
        let why = format!("`{}` writes its {}: {why}", o.addr, kind.what());
        self.open_list(&res, kind, why, o);
    }

    /// Records the NSG's rules (route table's routes) as open, for `why`.
    fn open_list(&mut self, res: &str, kind: ListKind, why: String, o: &ResObj) {
        self.unknown_at(res, kind.what(), why, &o.loc);
    }
}
