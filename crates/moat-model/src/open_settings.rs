//! Settings the input leaves open.
//!
//! A workspace whose `public_network_access` is a parameter without value, or an Azure Monitor
//! private link scope whose access mode is a variable without value, is imported with a value
//! (the importer's conservative reading) and the value is marked unknown. A rule or an
//! operation that reads the setting directly would decide on that reading as if the input had
//! given it. Here each open setting of an Azure value (one of a fixed list, or a flag) is
//! given, in turn, each of its other values: analyses run on every such [`Variant`] as they do
//! on the variants of [`crate::presence`], and a result that differs between them is not
//! decided. "Unknown is never absent and never a default" then holds for every rule, whether
//! or not it looks at the unknown itself.
//!
//! Settings left open by the same cause (one parameter read by several resources) take each
//! value together. With more than [`MAX_SETTING_CHOICES`] variants, the settings beyond are
//! varied all at once, their first other value in one variant, their second in the next, so
//! that a result that depends on any of them still differs somewhere. (These one-by-one
//! variants are what [`crate::presence::variants`] falls back on when the combinations of
//! everything open are too many; otherwise it varies the settings together with the rest.)

use crate::presence::{Choice, Variant};
use crate::topology::Topology;
use foldhash::{HashMap, HashSet};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// Most variants of open settings analysed one cause and one value at a time.
pub const MAX_SETTING_CHOICES: usize = 24;

/// The top-level list of each kind of element an unknown names (`workspace/ws`), with the
/// words a sentence names it by.
const KINDS: &[(&str, &str, &str)] = &[
    ("workspace", "workspaces", "workspace"),
    ("registry", "registries", "registry"),
    ("compute", "computes", "compute"),
    ("aks", "aks_clusters", "AKS cluster"),
    ("online-endpoint", "online_endpoints", "online endpoint"),
    ("storage", "storage_accounts", "storage account"),
    ("keyvault", "key_vaults", "key vault"),
    ("acr", "container_registries", "container registry"),
    (
        "appinsights",
        "application_insights",
        "Application Insights",
    ),
    ("ampls", "monitor_private_link_scopes", "private link scope"),
    ("vnet", "virtual_networks", "VNet"),
    ("nsg", "network_security_groups", "NSG"),
    ("route-table", "route_tables", "route table"),
    ("nat-gateway", "nat_gateways", "NAT gateway"),
    ("firewall", "firewalls", "firewall"),
    ("firewall-policy", "firewall_policies", "firewall policy"),
    ("vm", "virtual_machines", "virtual machine"),
    ("private-endpoint", "private_endpoints", "private endpoint"),
    ("private-dns-zone", "private_dns_zones", "private DNS zone"),
    ("dns-resolver", "dns_resolvers", "DNS resolver"),
];

/// One open setting: where it sits in the model's JSON form and what it holds.
#[derive(Clone)]
struct Open {
    /// The element: its list and index (and, for a subnet, its index in its VNet).
    list: &'static str,
    index: usize,
    subnet: Option<usize>,
    /// The element as the unknown names it (`workspace/ws`) and for a sentence
    /// (`` workspace `ws` ``).
    resource: String,
    element: String,
    /// The dotted path of the setting in the element (`managed_network.isolation_mode`).
    path: String,
    value: Value,
}

/// Every value list of Azure's enumerations in the model, from its schema.
fn enumerations() -> &'static [Vec<String>] {
    static ENUMS: OnceLock<Vec<Vec<String>>> = OnceLock::new();
    ENUMS.get_or_init(|| {
        let schema = serde_json::to_value(schemars::schema_for!(Topology)).unwrap_or(Value::Null);
        let mut out = Vec::new();
        collect_enums(&schema, &mut out);
        out.sort();
        out.dedup();
        out
    })
}

fn collect_enums(v: &Value, out: &mut Vec<Vec<String>>) {
    match v {
        Value::Object(o) => {
            if let Some(Value::Array(a)) = o.get("enum") {
                let names: Vec<String> = a
                    .iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect();
                if names.len() > 1 {
                    out.push(names);
                }
            }
            o.values().for_each(|x| collect_enums(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| collect_enums(x, out)),
        _ => {}
    }
}

/// The values a setting holding `v` may take besides `v`: the other flag, or the other values
/// of each of Azure's value lists that holds `v` (those the model does not accept for a given
/// setting are dropped when the variant is built).
pub fn alternatives(v: &Value) -> Vec<Value> {
    match v {
        Value::Bool(b) => vec![Value::Bool(!b)],
        Value::String(s) => {
            let mut out: Vec<Value> = Vec::new();
            for e in enumerations()
                .iter()
                .filter(|e| e.iter().any(|n| n.eq_ignore_ascii_case(s)))
            {
                for n in e.iter().filter(|n| !n.eq_ignore_ascii_case(s)) {
                    let n = Value::String(n.clone());
                    if !out.contains(&n) {
                        out.push(n);
                    }
                }
            }
            out
        }
        _ => Vec::new(),
    }
}

/// The settings (flags and strings, not inside lists) at `path` of `v`: `v` itself when it
/// is one, every one under it when it is an object (a whole block left open).
fn leaves(v: &Value, path: &str, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Bool(_) | Value::String(_) => out.push((path.to_string(), v.clone())),
        Value::Object(o) => {
            for (k, x) in o {
                if k.starts_with('$') || k == "name" {
                    continue;
                }
                leaves(x, &format!("{path}.{k}"), out);
            }
        }
        _ => {}
    }
}

fn get<'v>(v: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(v, |cur, k| cur.get(k))
}

fn get_mut<'v>(v: &'v mut Value, path: &str) -> Option<&'v mut Value> {
    path.split('.').try_fold(v, |cur, k| cur.get_mut(k))
}

/// The elements of the model's JSON form by the resource an unknown names (`workspace/ws`,
/// `subnet/vnet/pe`): list, index, subnet index and words. Built once, so that finding the
/// element of each unknown is a lookup, not a scan.
type Located = (&'static str, usize, Option<usize>, String);

fn element_index(json: &Value) -> HashMap<String, Located> {
    let mut out = HashMap::default();
    let name = |x: &Value| x.get("name").and_then(Value::as_str).map(str::to_string);
    for &(kind, list, words) in KINDS {
        let Some(items) = json.get(list).and_then(Value::as_array) else {
            continue;
        };
        for (i, x) in items.iter().enumerate() {
            let Some(n) = name(x) else { continue };
            if list == "virtual_networks" {
                let subnets = x.get("subnets").and_then(Value::as_array);
                for (s, sub) in subnets.into_iter().flatten().enumerate() {
                    if let Some(sn) = name(sub) {
                        let key = format!("{n}/{sn}");
                        let words = format!("subnet `{key}`");
                        out.entry(format!("subnet/{key}"))
                            .or_insert((list, i, Some(s), words));
                    }
                }
            }
            out.entry(format!("{kind}/{n}"))
                .or_insert((list, i, None, format!("{words} `{n}`")));
        }
    }
    out
}

fn element_mut<'v>(json: &'v mut Value, o: &Open) -> Option<&'v mut Value> {
    let e = json.get_mut(o.list)?.get_mut(o.index)?;
    match o.subnet {
        Some(s) => e.get_mut("subnets")?.get_mut(s),
        None => Some(e),
    }
}

/// The open settings of `t`, grouped by what leaves them open (the setting's path and the
/// unknown's reason), in input order.
fn open_settings(t: &Topology, json: &Value) -> Vec<(String, Vec<Open>)> {
    let mut groups: Vec<(String, Vec<Open>)> = Vec::new();
    let mut by_cause: BTreeMap<(String, String), usize> = BTreeMap::new();
    let index_of = element_index(json);
    let mut seen = HashSet::default();
    for u in &t.unknowns {
        let Some((list, index, subnet, element)) = index_of.get(&u.resource).cloned() else {
            continue;
        };
        let e = &json[list][index];
        let e = match subnet {
            Some(s) => &e["subnets"][s],
            None => e,
        };
        let Some(v) = get(e, &u.field) else { continue };
        let mut found = Vec::new();
        leaves(v, &u.field, &mut found);
        for (path, value) in found {
            if alternatives(&value).is_empty() {
                continue;
            }
            let key = (path.clone(), u.reason.clone());
            let g = *by_cause.entry(key).or_insert_with(|| {
                groups.push((u.reason.clone(), Vec::new()));
                groups.len() - 1
            });
            let open = Open {
                list,
                index,
                subnet,
                resource: u.resource.clone(),
                element: element.clone(),
                path,
                value,
            };
            if seen.insert((g, list, index, subnet, open.path.clone())) {
                groups[g].1.push(open);
            }
        }
    }
    groups
}

/// Whether the model accepts `value` for the setting `o` (the element alone, read back).
fn accepts(json: &Value, o: &Open, value: &Value) -> bool {
    let mut e = json[o.list][o.index].clone();
    let target = match o.subnet {
        Some(s) => &mut e["subnets"][s],
        None => &mut e,
    };
    match get_mut(target, &o.path) {
        Some(slot) => *slot = value.clone(),
        None => return false,
    }
    serde_json::from_value::<Topology>(serde_json::json!({ o.list: [e] })).is_ok()
}

/// `t` with each of `settings` given its value, and the unknowns it fixes removed.
fn with_values(json: &Value, settings: &[(&Open, Value)]) -> Option<Topology> {
    let mut j = json.clone();
    for (o, value) in settings {
        let slot = get_mut(element_mut(&mut j, o)?, &o.path)?;
        *slot = value.clone();
    }
    let mut v: Topology = serde_json::from_value(j).ok()?;
    v.unknowns.retain(|u| {
        // A whole block left open stays open: only one of its settings is fixed here.
        !settings
            .iter()
            .any(|(o, _)| o.resource == u.resource && o.path == u.field)
    });
    Some(v)
}

/// One list of the model in its JSON form.
fn list_json(t: &Topology, list: &str) -> Option<Value> {
    let v = match list {
        "workspaces" => serde_json::to_value(&t.workspaces),
        "registries" => serde_json::to_value(&t.registries),
        "computes" => serde_json::to_value(&t.computes),
        "aks_clusters" => serde_json::to_value(&t.aks_clusters),
        "online_endpoints" => serde_json::to_value(&t.online_endpoints),
        "storage_accounts" => serde_json::to_value(&t.storage_accounts),
        "key_vaults" => serde_json::to_value(&t.key_vaults),
        "container_registries" => serde_json::to_value(&t.container_registries),
        "application_insights" => serde_json::to_value(&t.application_insights),
        "monitor_private_link_scopes" => serde_json::to_value(&t.monitor_private_link_scopes),
        "virtual_networks" => serde_json::to_value(&t.virtual_networks),
        "network_security_groups" => serde_json::to_value(&t.network_security_groups),
        "route_tables" => serde_json::to_value(&t.route_tables),
        "nat_gateways" => serde_json::to_value(&t.nat_gateways),
        "firewalls" => serde_json::to_value(&t.firewalls),
        "firewall_policies" => serde_json::to_value(&t.firewall_policies),
        "virtual_machines" => serde_json::to_value(&t.virtual_machines),
        "private_endpoints" => serde_json::to_value(&t.private_endpoints),
        "private_dns_zones" => serde_json::to_value(&t.private_dns_zones),
        "dns_resolvers" => serde_json::to_value(&t.dns_resolvers),
        _ => return None,
    };
    v.ok()
}

/// The members of a group of open settings, each with the other values the model accepts
/// for it.
type Accepted<'a> = Vec<(&'a Open, Vec<Value>)>;

/// The sentence parts of a group's variant.
fn choice(members: &[&Open], value: &Value, reason: &str) -> Choice {
    let path = &members[0].path;
    let element = match members.len() {
        1 => members[0].element.clone(),
        2 => format!("{} and {}", members[0].element, members[1].element),
        n => format!("{} and {} more", members[0].element, n - 1),
    };
    let verb = if members.len() == 1 { "sets" } else { "set" };
    let value = match value {
        Value::String(s) => s.clone(),
        v => v.to_string(),
    };
    Choice {
        element,
        relation: format!("{verb} `{path}` to"),
        value,
        reason: reason.to_string(),
    }
}

/// The variants with each open setting given each of its other values (see the module's
/// documentation). Empty when no setting of an Azure value is open.
pub fn variants(t: &Topology) -> Vec<Variant> {
    generate(t, MAX_SETTING_CHOICES, true).unwrap_or_default()
}

/// [`variants`] when there are at most `cap` of them one by one; `None` when there are
/// more.
pub fn within(t: &Topology, cap: usize) -> Option<Vec<Variant>> {
    generate(t, cap, false)
}

/// The variants one by one up to `cap`, and the settings past it varied all at once when
/// `joint` (else `None`).
fn generate(t: &Topology, cap: usize, joint: bool) -> Option<Vec<Variant>> {
    // Only an unknown of one field of a named element can be a setting to vary.
    let kinds = |r: &str| {
        let kind = r.split('/').next().unwrap_or("");
        kind == "subnet" || KINDS.iter().any(|(k, _, _)| *k == kind)
    };
    if !t
        .unknowns
        .iter()
        .any(|u| u.field != crate::external::ALL_FIELDS && u.field != "name" && kinds(&u.resource))
    {
        return Some(Vec::new());
    }
    // The lists unknowns name, alone first: most unknowns of a large input are of values that
    // are no setting, and the whole model is serialised only when some is.
    let mut named = std::collections::BTreeSet::new();
    for u in &t.unknowns {
        let kind = u.resource.split('/').next().unwrap_or("");
        if kind == "subnet" {
            named.insert("virtual_networks");
        } else if let Some(&(_, list, _)) = KINDS.iter().find(|(k, _, _)| *k == kind) {
            named.insert(list);
        }
    }
    let mut partial = serde_json::Map::new();
    for list in named {
        if let Some(v) = list_json(t, list) {
            partial.insert(list.to_string(), v);
        }
    }
    let groups = open_settings(t, &Value::Object(partial));
    if groups.is_empty() {
        return Some(Vec::new());
    }
    let Ok(json) = serde_json::to_value(t) else {
        return Some(Vec::new());
    };
    let mut out = Vec::new();
    // Each group's accepted values, per member.
    let mut rest: Vec<(&str, Accepted)> = Vec::new();
    for (reason, members) in &groups {
        let values: Accepted = members
            .iter()
            .map(|m| {
                let vs = alternatives(&m.value)
                    .into_iter()
                    .filter(|v| accepts(&json, m, v))
                    .collect();
                (m, vs)
            })
            .collect();
        let first: Vec<Value> = values[0].1.clone();
        if out.len() + first.len() > cap {
            if !joint {
                return None;
            }
            rest.push((reason, values));
            continue;
        }
        for value in first {
            // Every member takes the value, those that accept it.
            let settings: Vec<(&Open, Value)> = values
                .iter()
                .filter(|(_, vs)| vs.contains(&value))
                .map(|(m, _)| (*m, value.clone()))
                .collect();
            let Some(topology) = with_values(&json, &settings) else {
                continue;
            };
            let members: Vec<&Open> = settings.iter().map(|(m, _)| *m).collect();
            out.push(Variant {
                topology,
                absent: Vec::new(),
                dependents: 0,
                reason: None,
                unexplored: None,
                choices: vec![choice(&members, &value, reason)],
            });
        }
    }
    if !rest.is_empty() {
        joint_variants(&json, &rest, &mut out);
    }
    Some(out)
}

/// The settings beyond the cap varied all at once: the k-th variant gives each its k-th other
/// value (or its last, when it has fewer).
fn joint_variants(json: &Value, rest: &[(&str, Accepted)], out: &mut Vec<Variant>) {
    let widest = rest
        .iter()
        .flat_map(|(_, ms)| ms.iter().map(|(_, vs)| vs.len()))
        .max()
        .unwrap_or(0);
    let count: usize = rest.iter().map(|(_, ms)| ms.len()).sum();
    for k in 0..widest {
        let settings: Vec<(&Open, Value)> = rest
            .iter()
            .flat_map(|(_, ms)| ms.iter())
            .filter_map(|(m, vs)| vs.get(k).or(vs.last()).map(|v| (*m, v.clone())))
            .collect();
        let Some(topology) = with_values(json, &settings) else {
            continue;
        };
        out.push(Variant {
            topology,
            absent: Vec::new(),
            dependents: 0,
            reason: None,
            unexplored: None,
            choices: vec![Choice {
                element: format!("each of {count} settings left open"),
                relation: "is given".into(),
                value: format!("another of its values (combination {})", k + 1),
                reason: "too many open settings to try one by one".into(),
            }],
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::Unknown;

    fn open(t: &mut Topology, resource: &str, field: &str) {
        t.unknowns.push(Unknown {
            resource: resource.into(),
            field: field.into(),
            reason: "parameter `mode` has no value".into(),
            at: Default::default(),
        });
    }

    #[test]
    fn an_open_access_mode_takes_its_other_value() {
        let mut t: Topology = serde_json::from_value(serde_json::json!({
            "monitor_private_link_scopes": [{"name": "ampls"}],
        }))
        .unwrap();
        open(&mut t, "ampls/ampls", "ingestion_access_mode");
        let vs = variants(&t);
        assert_eq!(vs.len(), 1);
        let c = &vs[0].choices[0];
        assert_eq!(c.value, "PrivateOnly");
        assert_eq!(
            vs[0].question(),
            "what private link scope `ampls` sets `ingestion_access_mode` to (parameter `mode` has no value)"
        );
        // The variant fixes the value: it is no longer open there.
        assert!(vs[0].topology.unknowns.is_empty());
    }

    #[test]
    fn settings_of_one_cause_take_each_value_together() {
        let mut t: Topology = serde_json::from_value(serde_json::json!({
            "workspaces": [{"name": "a"}, {"name": "b"}],
        }))
        .unwrap();
        open(&mut t, "workspace/a", "public_network_access");
        open(&mut t, "workspace/b", "public_network_access");
        let vs = variants(&t);
        assert!(!vs.is_empty());
        for v in &vs {
            let (a, b) = (&v.topology.workspaces[0], &v.topology.workspaces[1]);
            assert_eq!(a.public_network_access, b.public_network_access);
        }
        assert_eq!(vs[0].choices[0].element, "workspace `a` and workspace `b`");
    }

    #[test]
    fn beyond_the_cap_the_remaining_settings_are_varied_at_once() {
        let names: Vec<String> = (0..40).map(|i| format!("ws{i}")).collect();
        let mut t: Topology = serde_json::from_value(serde_json::json!({
            "workspaces": names.iter().map(|n| serde_json::json!({"name": n})).collect::<Vec<_>>(),
        }))
        .unwrap();
        for (i, n) in names.iter().enumerate() {
            t.unknowns.push(Unknown {
                resource: format!("workspace/{n}"),
                field: "public_network_access".into(),
                reason: format!("parameter `access{i}` has no value"),
                at: Default::default(),
            });
        }
        let vs = variants(&t);
        let single = vs
            .iter()
            .filter(|v| v.choices[0].element.starts_with("workspace "))
            .count();
        assert!(single <= MAX_SETTING_CHOICES && single > 0, "{single}");
        let joint: Vec<_> = vs[single..].iter().collect();
        assert!(!joint.is_empty());
        // Every workspace beyond the cap has another value in the joint variants.
        let last = &joint[0].topology.workspaces[39];
        assert_ne!(
            last.public_network_access,
            t.workspaces[39].public_network_access
        );
        assert!(
            joint[0].question().starts_with("what each of "),
            "{}",
            joint[0].question()
        );
    }

    #[test]
    fn a_known_setting_or_a_free_value_gives_no_variant() {
        let t: Topology = serde_json::from_value(serde_json::json!({
            "workspaces": [{"name": "ws"}],
        }))
        .unwrap();
        assert!(variants(&t).is_empty());
        let mut t = t;
        // A region is not one of a fixed list of values: the engine decides what it reads.
        open(&mut t, "workspace/ws", "region");
        assert!(variants(&t).is_empty());
    }
}
