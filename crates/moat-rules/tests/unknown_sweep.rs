//! "Unknown is never absent and never a default", checked on every rule's own example.
//!
//! For each rule, its documented example (which triggers it) is loaded, and each setting of each
//! resource in it — a string naming one of Azure's values, or a flag — is given every other value
//! it can take. Where some other value changes what the rule decides about a resource (a finding
//! appears or disappears), the rule reads that setting. The example is then loaded again with the
//! setting's value as written but marked unknown, as an importer marks a parameter without value:
//! the rule must then report that resource's finding as undecided (it needs that input), never as
//! established and never not at all — whichever value the input leaves open could be the one
//! deployed.
//!
//! Lists are swept the same way, as an importer leaves them open: the part it reads is
//! known to be there, the rest may hold anything. Where the list's part (the example's list
//! with none or one of its elements left out) decides otherwise than the whole, a rule given
//! only that part and the rest open must not decide.
//!
//! The few rules whose example is not a deployment (see `rule_examples.rs`) are left out here;
//! the count of rules swept is checked so that it cannot silently shrink.

use moat_engine::Engine;
use moat_model::{Topology, Unknown};
use moat_rules::check::{Selection, run_variants};
use moat_rules::{Context, Finding, all};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The address prefix importers give each top-level resource kind in their unknowns.
const KINDS: &[(&str, &str)] = &[
    ("workspaces", "workspace"),
    ("registries", "registry"),
    ("computes", "compute"),
    ("storage_accounts", "storage"),
    ("key_vaults", "keyvault"),
    ("container_registries", "acr"),
    ("monitor_private_link_scopes", "ampls"),
    ("firewalls", "firewall"),
    ("firewall_policies", "firewall-policy"),
    ("private_endpoints", "private-endpoint"),
    ("network_security_groups", "nsg"),
    ("route_tables", "route-table"),
    ("private_dns_zones", "private-dns-zone"),
    ("virtual_networks", "vnet"),
    ("aks_clusters", "aks"),
    ("online_endpoints", "online-endpoint"),
    ("virtual_machines", "vm"),
    ("nat_gateways", "nat-gateway"),
    ("dns_resolvers", "dns-resolver"),
    ("application_insights", "appinsights"),
];

fn load(yaml: &str) -> Option<Topology> {
    moat_ingest::parse_native_str("example.yaml", yaml).ok()
}

/// Per resource, whether the rule reports it and whether that report is established.
fn decide(code: &str, t: &Topology) -> BTreeMap<String, bool> {
    let Ok(e) = Engine::for_topology(t, None) else {
        return BTreeMap::new();
    };
    let cx = Context::new(&e);
    let sel = Selection {
        select: vec![code.to_string()],
        ..Default::default()
    };
    // As `check` runs: on the deployment and on each variant of what it leaves open.
    let v: Vec<Finding> = run_variants(&cx, &moat_model::presence::variants(t), &sel);
    let mut out = BTreeMap::new();
    for f in v {
        let decided = f.needs.is_empty()
            && f.trace
                .as_ref()
                .is_none_or(|t| t.verdict != moat_engine::Verdict::Unknown);
        // One established report of a resource is enough to call it reported.
        *out.entry(f.resource).or_insert(false) |= decided;
    }
    out
}

/// The resources reported as established.
fn established(m: &BTreeMap<String, bool>) -> BTreeSet<&String> {
    m.iter().filter(|(_, d)| **d).map(|(r, _)| r).collect()
}

/// The settings of one resource: dotted paths to scalar values, not entering lists.
fn settings(v: &Value, prefix: &str, out: &mut Vec<(String, Value)>) {
    walk(v, prefix, out, &["name"], |x| {
        matches!(x, Value::Bool(_) | Value::String(_))
    });
}

/// The lists of one resource (not entering lists, nor a VNet's subnets): dotted paths.
fn lists(v: &Value, prefix: &str, out: &mut Vec<(String, Value)>) {
    walk(v, prefix, out, &["subnets"], Value::is_array);
}

/// The values `keep` picks in the objects of `v`, by dotted path; `skip` keys and `$` keys
/// (provenance) are not entered.
fn walk(
    v: &Value,
    prefix: &str,
    out: &mut Vec<(String, Value)>,
    skip: &[&str],
    keep: fn(&Value) -> bool,
) {
    let Value::Object(o) = v else { return };
    for (k, x) in o {
        if k.starts_with('$') || skip.contains(&k.as_str()) {
            continue;
        }
        let path = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        if keep(x) {
            out.push((path, x.clone()));
        } else if x.is_object() {
            walk(x, &path, out, skip, keep);
        }
    }
}

/// One field of one resource in the model's JSON form: its list key, kind, index, name, path
/// and value.
type Field = (&'static str, &'static str, usize, String, String, Value);

/// Each field `pick` finds in each named resource of the model's JSON form.
fn each_field(json: &Value, pick: fn(&Value, &str, &mut Vec<(String, Value)>)) -> Vec<Field> {
    let mut out = Vec::new();
    for &(key, kind) in KINDS {
        let Some(Value::Array(items)) = json.get(key) else {
            continue;
        };
        for (i, item) in items.iter().enumerate() {
            let Some(name) = item.get("name").and_then(Value::as_str) else {
                continue;
            };
            let mut fields = Vec::new();
            pick(item, "", &mut fields);
            out.extend(
                fields
                    .into_iter()
                    .map(|(path, value)| (key, kind, i, name.to_string(), path, value)),
            );
        }
    }
    out
}

fn set_path(v: &mut Value, path: &str, to: Value) {
    let mut cur = v;
    let parts: Vec<&str> = path.split('.').collect();
    for p in &parts[..parts.len() - 1] {
        cur = cur.get_mut(*p).unwrap();
    }
    cur[parts[parts.len() - 1]] = to;
}

/// Other contents of a list: empty, and each with one element left out.
fn list_alternatives(v: &Value) -> Vec<Value> {
    let Value::Array(a) = v else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if !a.is_empty() {
        out.push(Value::Array(Vec::new()));
    }
    if a.len() > 1 {
        for i in 0..a.len() {
            let mut b = a.clone();
            b.remove(i);
            out.push(Value::Array(b));
        }
    }
    out
}

/// One violation: the rule, the setting, what one value decides and what the unknown gave.
struct Gap {
    code: &'static str,
    setting: String,
    resource: String,
    with_unknown: &'static str,
}

#[test]
fn a_setting_the_input_leaves_open_leaves_the_rules_that_read_it_undecided() {
    let mut gaps: Vec<Gap> = Vec::new();
    let mut swept = 0usize;
    let mut rules = 0usize;
    for rule in all() {
        let doc = rule.doc();
        let Some(t) = load(doc.example) else { continue };
        rules += 1;
        let base = decide(doc.code, &t);
        let json = serde_json::to_value(&t).unwrap();
        for (key, kind, i, name, path, value) in each_field(&json, settings) {
            // What the rule decides with each other value of the setting.
            let mut read = BTreeSet::new();
            for alt in moat_model::open_settings::alternatives(&value) {
                let mut j = json.clone();
                set_path(&mut j[key][i], &path, alt);
                let Ok(t2) = serde_json::from_value::<Topology>(j) else {
                    continue;
                };
                let other = decide(doc.code, &t2);
                let (a, b) = (established(&base), established(&other));
                read.extend(a.symmetric_difference(&b).map(|r| r.to_string()));
            }
            if read.is_empty() {
                continue;
            }
            swept += 1;
            // The same example, the value marked unknown.
            let mut t3 = t.clone();
            t3.unknowns.push(Unknown {
                resource: format!("{kind}/{name}"),
                field: path.clone(),
                reason: "a parameter without value".into(),
                at: Default::default(),
            });
            let open = decide(doc.code, &t3);
            for r in read {
                let with_unknown = match open.get(&r) {
                    Some(false) => continue,
                    Some(true) => "established",
                    None => "not reported",
                };
                gaps.push(Gap {
                    code: doc.code,
                    setting: format!("{kind}/{name} {path}"),
                    resource: r,
                    with_unknown,
                });
            }
        }
    }
    assert!(rules >= 152, "only {rules} rules' examples load");
    assert!(
        swept > 50,
        "the sweep found only {swept} settings rules read"
    );
    let report: Vec<String> = gaps
        .iter()
        .map(|g| {
            format!(
                "{}: {} decides {}, yet with it unknown the finding is {}",
                g.code, g.setting, g.resource, g.with_unknown
            )
        })
        .collect();
    assert!(
        report.is_empty(),
        "{} rules decide on a setting the input leaves open:\n{}",
        report.len(),
        report.join("\n")
    );
}

/// Lists of the native format that no importer leaves open: Azure gives them as resources of
/// their own (an online endpoint's deployments) or the native format alone has them (the
/// registries a workspace uses or shares to, its registry connections, what a compute's jobs
/// use). An input can still
/// write them under `unknowns:`; rules reading them do not look.
const NEVER_OPEN: &[&str] = &[
    "deployments",
    "shares_to",
    "uses_registries",
    "container_registry_connections",
    "uses",
];

/// Gaps known and not yet closed: (rule, list). This list may only shrink; none is left, so a
/// rule the sweep finds deciding on a list left open fails the test.
const KNOWN_GAPS: &[(&str, &str)] = &[];

#[test]
fn a_list_the_input_leaves_open_leaves_the_rules_that_read_it_undecided() {
    let mut gaps: Vec<Gap> = Vec::new();
    let mut still: BTreeSet<(&str, String)> = BTreeSet::new();
    let mut swept = 0usize;
    for rule in all() {
        let doc = rule.doc();
        let Some(t) = load(doc.example) else { continue };
        let base = decide(doc.code, &t);
        let json = serde_json::to_value(&t).unwrap();
        for (key, kind, i, name, path, value) in each_field(&json, lists) {
            if NEVER_OPEN.contains(&path.as_str()) {
                continue;
            }
            let known = KNOWN_GAPS.contains(&(doc.code, path.as_str()));
            for part in list_alternatives(&value) {
                // The list as an input may give it: `part` for sure, the rest open.
                let mut j = json.clone();
                set_path(&mut j[key][i], &path, part);
                let Ok(mut t2) = serde_json::from_value::<Topology>(j) else {
                    continue;
                };
                let other = decide(doc.code, &t2);
                let (a, b) = (established(&base), established(&other));
                let read: BTreeSet<String> =
                    a.symmetric_difference(&b).map(|r| r.to_string()).collect();
                if read.is_empty() {
                    continue;
                }
                swept += 1;
                t2.unknowns.push(Unknown {
                    resource: format!("{kind}/{name}"),
                    field: path.clone(),
                    reason: "a parameter without value".into(),
                    at: Default::default(),
                });
                let open = decide(doc.code, &t2);
                for r in read {
                    let with_unknown = match open.get(&r) {
                        Some(false) => continue,
                        Some(true) => "established",
                        None => "not reported",
                    };
                    if known {
                        still.insert((doc.code, path.clone()));
                        continue;
                    }
                    gaps.push(Gap {
                        code: doc.code,
                        setting: format!("{kind}/{name} {path}"),
                        resource: r,
                        with_unknown,
                    });
                }
            }
        }
    }
    assert!(swept >= 15, "the sweep found only {swept} lists rules read");
    let closed: Vec<_> = KNOWN_GAPS
        .iter()
        .filter(|(c, f)| !still.contains(&(*c, f.to_string())))
        .collect();
    assert!(
        closed.is_empty(),
        "closed, remove from KNOWN_GAPS: {closed:?}"
    );
    let mut report: Vec<String> = gaps
        .iter()
        .map(|g| {
            format!(
                "{}: {} decides {}, yet with part of it open the finding is {}",
                g.code, g.setting, g.resource, g.with_unknown
            )
        })
        .collect();
    report.dedup();
    assert!(
        report.is_empty(),
        "{} rules decide on a list the input leaves open:\n{}",
        report.len(),
        report.join("\n")
    );
}
