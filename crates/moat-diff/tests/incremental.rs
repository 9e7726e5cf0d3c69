//! HEAD's subnet sweep taking BASE's recorded verdicts ([`moat_diff::changed`]) gives, pair by
//! pair, the verdicts a full sweep of HEAD gives: on every example, for changes of every kind
//! a pull request makes, and for many single-field changes drawn at random (seeded). A verdict
//! kept where the change mattered would hide a flow it opened.

use moat_diff::changed::touched;
use moat_diff::flows::{reachability, reachability_with};
use moat_engine::Engine;
use moat_engine::sweep::{Memo, Recorded};
use moat_engine::trace::Verdict;
use moat_model::Topology;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Every example's model, as read and as written back through the model's own format (the
/// changes below are made on that form, so BASE takes the same way).
fn examples() -> Vec<(String, Value)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut out: Vec<(String, Value)> = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(|d| {
            let dir = d.ok()?.path();
            let p = dir.join("topology.yaml");
            p.exists().then_some((dir, p))
        })
        .map(|(dir, p)| {
            let t = moat_ingest::load(&p, None).unwrap().topology;
            let name = dir.file_name().unwrap().to_string_lossy().to_string();
            (name, serde_json::to_value(&t).unwrap())
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(out.len() >= 5, "the examples are found");
    out
}

fn model(v: &Value) -> Option<Topology> {
    serde_json::from_value(v.clone()).ok()
}

/// Every swept pair and its verdict.
fn swept(r: &moat_diff::Reachability) -> Vec<(String, String, Verdict)> {
    r.swept
        .iter()
        .map(|(f, t, v)| (f.to_string(), t.to_string(), v))
        .collect()
}

/// What the comparison of one change found.
struct Outcome {
    /// Whether the change was bounded (HEAD took recorded verdicts).
    bounded: bool,
    /// Traces the incremental sweep did not run.
    saved: u64,
    /// Full traces HEAD took from BASE's record instead of walking them.
    taken: u64,
}

/// Everything an analysis says, as data: findings and operation results in full (their
/// traces, positions and the data rules read of hops), and the traced pairs.
fn said(judged: &(Vec<moat_rules::Finding>, Vec<moat_engine::ops::OpResult>)) -> Vec<String> {
    let (findings, operations) = judged;
    findings
        .iter()
        .map(|f| format!("{f:?}"))
        .chain(operations.iter().map(|r| format!("{r:?}")))
        .collect()
}

fn pairs(r: &moat_diff::Reachability) -> Vec<String> {
    r.pairs
        .iter()
        .map(|(k, x)| format!("{k:?} {x:?}"))
        .collect()
}

/// Analyses HEAD in full and incrementally from BASE's record (its traces, then its sweep,
/// as `moat diff` does), and holds them equal: finding by finding, operation by operation,
/// trace by trace and swept pair by swept pair.
fn same_verdicts(what: &str, base: &Topology, head: &Topology) -> Outcome {
    let (vb, vh) = (
        moat_model::presence::variants(base),
        moat_model::presence::variants(head),
    );
    let sel = moat_rules::check::Selection::default();
    let eb = Engine::for_topology(base, None).unwrap();
    let (_, _, traces) = moat_diff::judge_recording(&eb, &vb, &sel, Vec::new());
    let mut rec = Recorded::default();
    reachability_with(&eb, &vb, Memo::Record(&mut rec));
    let ef = Engine::for_topology(head, None).unwrap();
    let full_judged = moat_diff::judge(&ef, &vh, &sel, Vec::new());
    let full = reachability(&ef, &vh);
    let ei = Engine::for_topology(head, None).unwrap();
    let keys = moat_diff::changed::reuse(&ei, base, std::sync::Arc::new(traces));
    assert_eq!(keys, touched(base, head), "{what}: the keys touched");
    let judged = moat_diff::judge(&ei, &vh, &sel, Vec::new());
    let memo = match &keys {
        Some(touched) => Memo::Reuse {
            base: &rec,
            touched,
        },
        None => Memo::Off,
    };
    let incremental = reachability_with(&ei, &vh, memo);
    let (a, b) = (said(&judged), said(&full_judged));
    assert_eq!(a.len(), b.len(), "{what}: findings and operations");
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x, y, "{what}: HEAD's analysis from BASE's traces differs");
    }
    assert_eq!(
        pairs(&incremental),
        pairs(&full),
        "{what}: a traced pair differs"
    );
    assert_eq!(
        swept(&incremental),
        swept(&full),
        "{what}: the incremental sweep differs from the full sweep"
    );
    Outcome {
        bounded: keys.is_some(),
        saved: full.traces - incremental.traces,
        taken: ei.traces_taken(),
    }
}

/// The first element of a list field of any resource of `kind`.
fn first<'a>(v: &'a mut Value, kind: &str) -> Option<&'a mut Value> {
    v.get_mut(kind)?.as_array_mut()?.first_mut()
}

/// Every subnet of the model, mutable.
fn subnets(v: &mut Value) -> Vec<&mut Value> {
    v.get_mut("virtual_networks")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
        .flat_map(|n| {
            n.get_mut("subnets")
                .and_then(Value::as_array_mut)
                .into_iter()
                .flatten()
        })
        .collect()
}

fn names(v: &Value, kind: &str) -> Vec<String> {
    v.get(kind)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|x| Some(x.get("name")?.as_str()?.to_string()))
        .collect()
}

/// A change of one kind; `None` where the example has nothing to change of that kind.
type Change = fn(&mut Value) -> Option<()>;

/// A user-defined route's next hop: none (the route drops what it matches) instead of what
/// it was, or the internet instead of none.
fn route_next_hop(v: &mut Value) -> Option<()> {
    let r = v
        .get_mut("route_tables")?
        .as_array_mut()?
        .iter_mut()
        .find_map(|t| t.get_mut("routes")?.as_array_mut()?.first_mut())?;
    let none = r.get("next_hop_type")? == "None";
    r["next_hop_type"] = json!(if none { "Internet" } else { "None" });
    r.as_object_mut()?.remove("next_hop_ip_address");
    Some(())
}

/// An NSG rule added: deny TCP 443 outbound to 10.0.0.0/8, early.
fn nsg_rule_added(v: &mut Value) -> Option<()> {
    let rules = first(v, "network_security_groups")?
        .get_mut("rules")?
        .as_array_mut()?;
    let mut r = rules.first()?.clone();
    r["name"] = json!("deny-https-private");
    r["priority"] = json!(105);
    r["direction"] = json!("Outbound");
    r["access"] = json!("Deny");
    r["protocol"] = json!("Tcp");
    r["destination"] = json!(["10.0.0.0/8"]);
    r["destination_ports"] = json!(["443"]);
    rules.push(r);
    Some(())
}

/// An NSG rule changed: the first rule's access the other way.
fn nsg_rule_changed(v: &mut Value) -> Option<()> {
    let r = first(v, "network_security_groups")?
        .get_mut("rules")?
        .as_array_mut()?
        .first_mut()?;
    let allow = r.get("access")? == "Allow";
    r["access"] = json!(if allow { "Deny" } else { "Allow" });
    Some(())
}

/// A firewall rule removed (a policy's, or a classic firewall's).
fn firewall_rule(v: &mut Value) -> Option<()> {
    let obj = v.as_object_mut()?;
    let mut collections: Vec<&mut Value> = Vec::new();
    for (k, x) in obj.iter_mut() {
        let list = x.as_array_mut().into_iter().flatten();
        match k.as_str() {
            "firewall_policies" => {
                for p in list {
                    let groups = p
                        .get_mut("rule_collection_groups")
                        .and_then(Value::as_array_mut);
                    for g in groups.into_iter().flatten() {
                        let c = g
                            .get_mut("network_rule_collections")
                            .and_then(Value::as_array_mut);
                        collections.extend(c.into_iter().flatten());
                    }
                }
            }
            "firewalls" => {
                for f in list {
                    let c = f
                        .get_mut("network_rule_collections")
                        .and_then(Value::as_array_mut);
                    collections.extend(c.into_iter().flatten());
                }
            }
            _ => {}
        }
    }
    let rules = collections
        .into_iter()
        .find_map(|c| c.get_mut("rules")?.as_array_mut().filter(|r| !r.is_empty()))?;
    rules.remove(rules.len() - 1);
    Some(())
}

/// A private DNS zone linked to one more VNet.
fn dns_link_added(v: &mut Value) -> Option<()> {
    let vnets = names(v, "virtual_networks");
    let z = first(v, "private_dns_zones")?;
    let links = z.get_mut("vnet_links")?.as_array_mut()?;
    let new = vnets.iter().find(|n| !links.iter().any(|l| l == *n))?;
    links.push(json!(new));
    Some(())
}

/// A private DNS zone's link to a VNet removed.
fn dns_link_removed(v: &mut Value) -> Option<()> {
    first(v, "private_dns_zones")?
        .get_mut("vnet_links")?
        .as_array_mut()?
        .pop()
        .map(|_| ())
}

fn pe_removed(v: &mut Value) -> Option<()> {
    let pes = v.get_mut("private_endpoints")?.as_array_mut()?;
    (!pes.is_empty()).then(|| pes.remove(0)).map(|_| ())
}

/// A second private endpoint to the first one's target, at the next address.
fn pe_added(v: &mut Value) -> Option<()> {
    let pes = v.get_mut("private_endpoints")?.as_array_mut()?;
    let mut pe = pes.first()?.clone();
    pe["name"] = json!("added-pe");
    if let Some(ip) = pe.get("ip_address").and_then(Value::as_str) {
        let ip: std::net::Ipv4Addr = ip.parse().ok()?;
        let next = std::net::Ipv4Addr::from(u32::from(ip) + 100);
        pe["ip_address"] = json!(next.to_string());
    }
    pes.push(pe);
    Some(())
}

/// Public network access of the first storage account (else workspace) the other way.
fn public_access(v: &mut Value) -> Option<()> {
    let kind = if names(v, "storage_accounts").is_empty() {
        "workspaces"
    } else {
        "storage_accounts"
    };
    let r = first(v, kind)?;
    let on = r
        .get("public_network_access")
        .is_some_and(|x| x == "Enabled");
    r["public_network_access"] = json!(if on { "Disabled" } else { "Enabled" });
    Some(())
}

/// A peering from the first VNet to the last.
fn peering_added(v: &mut Value) -> Option<()> {
    let vnets = names(v, "virtual_networks");
    let last = vnets.last()?.clone();
    if vnets.len() < 2 {
        return None;
    }
    let n = first(v, "virtual_networks")?;
    let p = n.as_object_mut()?.entry("peerings").or_insert(json!([]));
    let p = p.as_array_mut()?;
    p.retain(|x| x.get("remote_vnet").is_none_or(|r| *r != json!(last)));
    p.push(json!({"name": "added-peering", "remote_vnet": last, "allow_forwarded_traffic": true}));
    Some(())
}

/// A subnet moved to another NSG (or given one).
fn subnet_nsg_moved(v: &mut Value) -> Option<()> {
    moved(v, "network_security_groups", "network_security_group")
}

/// A subnet moved to another route table (or given one).
fn subnet_route_table_moved(v: &mut Value) -> Option<()> {
    moved(v, "route_tables", "route_table")
}

fn moved(v: &mut Value, kind: &str, field: &str) -> Option<()> {
    let all = names(v, kind);
    let s = subnets(v).into_iter().find(|s| {
        let now = s.get(field).and_then(Value::as_str);
        all.iter().any(|n| Some(n.as_str()) != now)
    })?;
    let now = s.get(field).and_then(Value::as_str).map(str::to_string);
    let to = all.iter().find(|n| Some(n.as_str()) != now.as_deref())?;
    s[field] = json!(to);
    Some(())
}

#[test]
fn incremental_sweeps_give_the_full_sweeps_verdicts_on_every_kind_of_change() {
    let changes: &[(&str, Change, bool)] = &[
        ("route next hop", route_next_hop, true),
        ("NSG rule added", nsg_rule_added, true),
        ("NSG rule changed", nsg_rule_changed, true),
        ("firewall rule", firewall_rule, false),
        ("DNS zone link added", dns_link_added, false),
        ("DNS zone link removed", dns_link_removed, false),
        ("private endpoint added", pe_added, false),
        ("private endpoint removed", pe_removed, false),
        ("public network access", public_access, false),
        ("peering added", peering_added, false),
        ("subnet moved to another NSG", subnet_nsg_moved, true),
        (
            "subnet moved to another route table",
            subnet_route_table_moved,
            true,
        ),
    ];
    let mut applied = vec![0; changes.len()];
    let (mut saved, mut taken) = (0, 0);
    for (example, v) in examples() {
        let base = model(&v).expect("an example reads back");
        for (i, (kind, change, bounded)) in changes.iter().enumerate() {
            let mut h = v.clone();
            if change(&mut h).is_none() {
                continue;
            }
            let head = model(&h).unwrap_or_else(|| panic!("{example}: {kind} reads back"));
            let what = format!("{example}: {kind}");
            let o = same_verdicts(&what, &base, &head);
            // The kinds the sweep can bound are swept incrementally: the test exercises the
            // recorded verdicts, not only the fallback.
            assert_eq!(o.bounded, *bounded, "{what}: bounded");
            saved += o.saved;
            taken += o.taken;
            applied[i] += 1;
        }
    }
    for ((kind, _, _), n) in changes.iter().zip(&applied) {
        assert!(*n > 0, "{kind}: applied to no example");
    }
    assert!(saved > 0, "recorded verdicts were taken");
    assert!(taken > 0, "recorded traces were taken");
}

/// A small seeded generator (xorshift64*): the same changes on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// A step into a JSON value.
#[derive(Clone, Debug)]
enum Step {
    Key(String),
    Index(usize),
}

/// The paths of every field (leaves, and lists as a whole) under `v`, positions left out.
fn fields(v: &Value, at: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == "$at" {
                    continue;
                }
                at.push(Step::Key(k.clone()));
                fields(x, at, out);
                at.pop();
            }
        }
        Value::Array(a) => {
            out.push(at.clone());
            for (i, x) in a.iter().enumerate() {
                at.push(Step::Index(i));
                fields(x, at, out);
                at.pop();
            }
        }
        _ => out.push(at.clone()),
    }
}

fn at_path<'a>(v: &'a mut Value, path: &[Step]) -> Option<&'a mut Value> {
    path.iter().try_fold(v, |v, s| match s {
        Step::Key(k) => v.get_mut(k),
        Step::Index(i) => v.get_mut(*i),
    })
}

/// The field a path ends in (the list's, for an element of a list).
fn field_of(path: &[Step]) -> &str {
    path.iter()
        .rev()
        .find_map(|s| match s {
            Step::Key(k) => Some(k.as_str()),
            Step::Index(_) => None,
        })
        .unwrap_or("")
}

/// Every string of the examples by the field it is in (names, references, prefixes, kinds
/// of next hop): a changed field takes another value seen in that field, so references move
/// rather than dangle and settings take values the reader accepts.
fn strings(v: &Value, at: &mut Vec<Step>, out: &mut BTreeMap<String, BTreeSet<String>>) {
    match v {
        Value::String(s) => {
            out.entry(field_of(at).to_string())
                .or_default()
                .insert(s.clone());
        }
        Value::Array(a) => a.iter().for_each(|x| strings(x, at, out)),
        Value::Object(m) => {
            for (k, x) in m.iter().filter(|(k, _)| *k != "$at") {
                at.push(Step::Key(k.clone()));
                strings(x, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

/// One field of `v` changed: a flag flipped, a number moved, a string replaced by another
/// value of its field, a list losing an element, an empty choice filled. `None` when nothing
/// changed.
fn mutate(
    v: &mut Value,
    path: &[Step],
    rng: &mut Rng,
    pool: &BTreeMap<String, BTreeSet<String>>,
) -> Option<()> {
    let seen: Vec<&String> = pool.get(field_of(path)).into_iter().flatten().collect();
    let x = at_path(v, path)?;
    let new = match x {
        Value::Bool(b) => json!(!*b),
        Value::Number(n) => {
            let n = n.as_u64()?;
            json!([n + 1, n.saturating_sub(1), 100, 4096, 65000][rng.below(5)])
        }
        Value::String(s) => {
            let others: Vec<&&String> = seen.iter().filter(|o| **o != s).collect();
            if others.is_empty() || rng.below(5) == 0 {
                json!(format!("{s}-changed"))
            } else {
                json!(others[rng.below(others.len())])
            }
        }
        Value::Array(a) if !a.is_empty() => {
            a.remove(rng.below(a.len()));
            return Some(());
        }
        Value::Null if !seen.is_empty() => json!(seen[rng.below(seen.len())]),
        _ => return None,
    };
    *x = new;
    Some(())
}

/// Whether a field lies where a change can be bounded (NSGs, route tables, a subnet's choice
/// of them): half the changes are drawn there, so the recorded verdicts are put to the test.
fn boundable(path: &[Step]) -> bool {
    match path.first() {
        Some(Step::Key(k)) if k == "network_security_groups" || k == "route_tables" => true,
        Some(Step::Key(k)) if k == "virtual_networks" => path.iter().any(
            |s| matches!(s, Step::Key(k) if k == "network_security_group" || k == "route_table"),
        ),
        _ => false,
    }
}

#[test]
fn incremental_sweeps_give_the_full_sweeps_verdicts_on_random_single_field_changes() {
    const PER_EXAMPLE: usize = 80;
    let started = std::time::Instant::now();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut compared, mut bounded, mut saved, mut taken) = (0, 0, 0, 0);
    let examples = examples();
    let mut pool = BTreeMap::new();
    for (_, v) in &examples {
        strings(v, &mut Vec::new(), &mut pool);
    }
    // The kinds of next hop Azure has, whether or not an example uses them.
    pool.entry("next_hop_type".to_string()).or_default().extend(
        [
            "Internet",
            "None",
            "VirtualAppliance",
            "VnetLocal",
            "VirtualNetworkGateway",
        ]
        .map(str::to_string),
    );
    for (example, v) in examples {
        let base = model(&v).expect("an example reads back");
        let known = moat_model::validate(&base).len();
        let mut all = Vec::new();
        fields(&v, &mut Vec::new(), &mut all);
        let near: Vec<&Vec<Step>> = all.iter().filter(|p| boundable(p)).collect();
        for _ in 0..PER_EXAMPLE {
            // Bounded in time as well as in number, on a slow machine.
            if started.elapsed() > std::time::Duration::from_secs(120) {
                break;
            }
            let path = if !near.is_empty() && rng.below(2) == 0 {
                near[rng.below(near.len())]
            } else {
                &all[rng.below(all.len())]
            };
            let mut h = v.clone();
            if mutate(&mut h, path, &mut rng, &pool).is_none() {
                continue;
            }
            // A change the reader would refuse is not a deployment.
            let Some(head) = model(&h) else { continue };
            if moat_model::validate(&head).len() > known {
                continue;
            }
            let o = same_verdicts(&format!("{example}: {path:?} changed"), &base, &head);
            compared += 1;
            bounded += usize::from(o.bounded);
            saved += o.saved;
            taken += o.taken;
        }
    }
    assert!(compared >= 200, "{compared} changes compared");
    assert!(bounded >= 60, "{bounded} of them bounded");
    assert!(saved > 0, "recorded verdicts were taken");
    assert!(taken > 0, "recorded traces were taken");
}

/// Lines moved down and another file's name: where a resource is written is not a change.
fn moved_in_file(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if k == "$at" {
                    if let Some(l) = x.get("line").and_then(Value::as_u64) {
                        x["line"] = json!(l + 3);
                    }
                    if let Some(f) = x.get("file").and_then(Value::as_str) {
                        x["file"] = json!(format!("after/{f}"));
                    }
                } else {
                    moved_in_file(x);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(moved_in_file),
        _ => {}
    }
}

#[test]
fn a_model_read_from_another_place_touches_nothing() {
    for (example, v) in examples() {
        let base = model(&v).unwrap();
        let mut h = v.clone();
        moved_in_file(&mut h);
        let head = model(&h).unwrap();
        assert_ne!(base, head, "{example}: the positions moved");
        assert_eq!(touched(&base, &head), Some(Default::default()), "{example}");
        let o = same_verdicts(&example, &base, &head);
        // Every trace of the analysis is taken from the record, its positions moved.
        assert!(o.taken > 0, "{example}: traces taken");
        // Every trace of the sweep is taken from the record (an example without computes in
        // subnets has no sweep).
        let swept = head.computes.iter().any(|c| c.subnet.is_some())
            || head.aks_clusters.iter().any(|a| a.subnet.is_some());
        assert_eq!(o.saved > 0, swept, "{example}: verdicts taken");
    }
}
