//! Resources of one type and name in several resource groups.
//!
//! Azure identifies a resource by subscription, resource group, type and name, and scopes the
//! names of network resources to their resource group ("Naming rules and restrictions for
//! Azure resources": a virtual network's, NSG's or route table's name is unique within its
//! resource group). A deployment that stamps one network into two resource groups (nested
//! deployments, or Terraform resources in two groups) declares two VNets of one name. The
//! model names elements by kind and name: each of them is named `<name>@<resource group>`, as
//! a namesake the input does not declare is ([`moat_model::external::namesake`]), and every id
//! that names one of them, or a child of one, reads that name. Only resource groups the input
//! determines tell resources apart; where one is open, the importers read the resources as
//! before.

use crate::map::Kind;
use std::collections::HashMap;

/// Whether Azure scopes names of `kind` to a resource group and the model could confuse two
/// of them: network resources. Storage accounts, key vaults and container registries have
/// globally unique names (their host names); private DNS zones are told apart on their own
/// (`<resource group>/<zone>`); children follow their parents.
pub fn scoped_to_group(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Vnet
            | Kind::Nsg
            | Kind::Asg
            | Kind::RouteTable
            | Kind::NatGateway
            | Kind::PublicIp
            | Kind::Firewall
            | Kind::FirewallPolicy
            | Kind::IpGroup
            | Kind::VnetGateway
            | Kind::LocalGateway
            | Kind::Connection
            | Kind::Bastion
            | Kind::Vm
            | Kind::Nic
            | Kind::ServiceEndpointPolicy
            | Kind::PrivateEndpoint
            | Kind::DnsResolver
            | Kind::Ruleset
    )
}

/// The id of the top-level resource an id names or starts with
/// (`…/virtualNetworks/v/subnets/s` → `…/virtualNetworks/v`), lower-cased.
pub fn top_id(id: &str) -> Option<String> {
    let segs: Vec<&str> = id.trim().trim_matches('/').split('/').collect();
    let p = segs
        .iter()
        .position(|s| s.eq_ignore_ascii_case("providers"))?;
    // `providers/<namespace>/<type>/<name>`
    let end = p + 4;
    (segs.len() >= end).then(|| format!("/{}", segs[..end].join("/")).to_ascii_lowercase())
}

/// The id of the top-level resource `id` names, lower-cased; `None` for a child's id.
fn own_top(id: &str) -> Option<String> {
    let top = top_id(id)?;
    let own = id.trim().trim_end_matches('/').to_ascii_lowercase();
    (top.trim_start_matches('/') == own.trim_start_matches('/')).then_some(top)
}

/// The code of the warning for two resources of one name whose resource groups the input
/// leaves open to be one (see [`GroupNames::may_share`]).
pub const MAY_SHARE: &str = "possible-duplicate-name";

/// The message of that warning: `this` and `other` are the resources as the model names them.
pub fn may_share_message(this: &str, other: &str) -> String {
    format!(
        "`{this}` has the name of `{other}`, and the input leaves open whether their resource groups are one: Azure scopes the name to its resource group, so in one group they would be one resource declared twice; they are read as two"
    )
}

/// The texts that label unknown values by what they stand for: each mark (as ids write it)
/// with the expression its unknown value stands for ([`crate::value::text_of`]:
/// `parameters('rg')`, `tolower(parameters('rg'))`). A mark keeps its own text where that
/// expression is missing, long, or holds a character names and addresses use (`/`, `:`, `@`,
/// a mark, a space), and where two distinct unknown values stand for one expression (the
/// parameter `rg` of two nested deployments that give it no value): labels stay one per
/// unknown value. A label depends only on its own value's expression, not on which other
/// values an input holds, so one name reads alike in two versions of a template.
pub fn readable_marks<'a>(
    marks: impl IntoIterator<Item = (String, &'a str)>,
) -> HashMap<String, String> {
    let mut by_text: HashMap<String, Vec<String>> = HashMap::new();
    for (mark, text) in marks {
        let root = text.trim();
        let plain = !root.is_empty()
            && root.chars().count() <= 48
            && !root.contains(['/', ':', '@', '⟨', '⟩'])
            && !root.chars().any(char::is_whitespace);
        if !plain {
            continue;
        }
        let text = format!("⟨{root}⟩");
        let marks = by_text.entry(text).or_default();
        if !marks.contains(&mark) {
            marks.push(mark);
        }
    }
    by_text
        .into_iter()
        .filter(|(_, marks)| marks.len() == 1)
        .map(|(text, mut marks)| (marks.remove(0), text))
        .collect()
}

/// Replaces, in `text`, each mark `labels` holds by its label; `None` when none is there.
fn relabel(text: &str, labels: &HashMap<String, String>) -> Option<String> {
    if !text.contains('⟨') {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut changed = false;
    while let Some(open) = rest.find('⟨') {
        let Some(len) = rest[open..].find('⟩') else {
            break;
        };
        let mark = &rest[open..open + len + '⟩'.len_utf8()];
        out.push_str(&rest[..open]);
        match labels.get(mark) {
            Some(label) => {
                out.push_str(label);
                changed = true;
            }
            None => out.push_str(mark),
        }
        rest = &rest[open + mark.len()..];
    }
    out.push_str(rest);
    changed.then_some(out)
}

/// The `⟨…⟩` parts of `text` (marks, and the labels that replaced some).
fn marked(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        let open = rest.find('⟨')?;
        let len = rest[open..].find('⟩')? + '⟩'.len_utf8();
        let part = &rest[open..open + len];
        rest = &rest[open + len..];
        Some(part)
    })
}

/// Every string of `v`, map keys included.
fn strings<'v>(v: &'v serde_json::Value, out: &mut Vec<&'v str>) {
    match v {
        serde_json::Value::String(s) => out.push(s),
        serde_json::Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        serde_json::Value::Object(o) => {
            for (k, x) in o {
                out.push(k);
                strings(x, out);
            }
        }
        _ => {}
    }
}

/// Labels the unknown parts of every text of an import by what they stand for: each mark
/// `marks` records (with the text of its unknown value) is replaced, in the model and in the
/// warnings, by the label [`readable_marks`] gives it among the marks the import's texts
/// hold, unless a text already holds that label. Labels stand one for one for marks, so what
/// was one name is one name and what was two is two; an unknown value no text shows merges
/// with none.
pub fn label_marks(
    t: &mut moat_model::Topology,
    warnings: &mut [moat_model::Diagnostic],
    marks: &[(String, std::rc::Rc<str>)],
) {
    if marks.is_empty() {
        return;
    }
    // Through the model's own serialised form, which every field of it has.
    let Ok(mut v) = serde_json::to_value(&*t) else {
        return;
    };
    let mut texts = Vec::new();
    strings(&v, &mut texts);
    texts.extend(warnings.iter().map(|w| w.message.as_str()));
    texts.extend(warnings.iter().filter_map(|w| w.hint.as_deref()));
    let shown: std::collections::HashSet<&str> = texts.iter().flat_map(|s| marked(s)).collect();
    let mut labels = readable_marks(
        marks
            .iter()
            .filter(|(m, _)| shown.contains(m.as_str()))
            .map(|(m, r)| (m.clone(), &**r)),
    );
    // A label already in a text (a resource group's, see [`GroupNames::with_marks`]) stands
    // for its own value.
    labels.retain(|_, label| !shown.contains(label.as_str()));
    if labels.is_empty() {
        return;
    }
    fn walk(v: &mut serde_json::Value, labels: &HashMap<String, String>) {
        match v {
            serde_json::Value::String(s) => {
                if let Some(l) = relabel(s, labels) {
                    *s = l;
                }
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(|x| walk(x, labels)),
            serde_json::Value::Object(o) => {
                let keyed = o.keys().any(|k| k.contains('⟨'));
                if keyed {
                    let old = std::mem::take(o);
                    for (k, x) in old {
                        o.insert(relabel(&k, labels).unwrap_or(k), x);
                    }
                }
                o.values_mut().for_each(|x| walk(x, labels));
            }
            _ => {}
        }
    }
    walk(&mut v, &labels);
    if let Ok(labelled) = serde_json::from_value(v) {
        *t = labelled;
    }
    for w in warnings {
        if let Some(m) = relabel(&w.message, &labels) {
            w.message = m;
        }
        if let Some(h) = w.hint.as_deref().and_then(|h| relabel(h, &labels)) {
            w.hint = Some(h);
        }
    }
}

/// The resource group of a declared resource, as the model tells groups apart.
#[derive(Clone, Debug)]
pub struct Group {
    /// The group as its id writes it, each unknown part marked `⟨…⟩`: equal text (ignoring
    /// ASCII case) is one group; a whole `⟨=…⟩` stands for a resource group resource of the
    /// input whose name is unknown, never the group another such stands for; otherwise two
    /// texts are two groups only when their known parts tell them apart.
    pub key: String,
    /// What the model name says after `@`.
    pub label: String,
}

/// How two resource groups relate.
#[derive(Debug, PartialEq)]
enum Relation {
    Same,
    Different,
    /// The input does not say whether they are one.
    Open,
}

fn stand_in(key: &str) -> bool {
    key.starts_with("⟨=") && key.ends_with('⟩') && key.matches('⟨').count() == 1
}

fn relation(a: &str, b: &str) -> Relation {
    if a.eq_ignore_ascii_case(b) {
        Relation::Same
    } else if stand_in(a) && stand_in(b) {
        Relation::Different
    } else if crate::idmatch::segments_may_equal(a, b) {
        Relation::Open
    } else {
        Relation::Different
    }
}

/// Whether the groups of keys `a` and `b` (as [`Group::key`] writes them) may be one and may
/// be two: the input leaves it open.
pub fn may_be_one(a: &str, b: &str) -> bool {
    relation(a, b) == Relation::Open
}

/// Whether a group key is one unknown value and no known text: it may be any group.
fn any_group(key: &str) -> bool {
    !stand_in(key) && key.starts_with('⟨') && key.ends_with('⟩') && key.matches('⟨').count() == 1
}

/// How many earlier resources of a name a resource's group is compared with, beyond the first
/// whose group may be any: the comparison only chooses which one a warning names.
const COMPARED: usize = 32;

/// The model names of the declared resources that share their type and name with another in
/// another resource group, by top-level id.
#[derive(Debug, Default)]
pub struct GroupNames {
    by_id: HashMap<String, String>,
    /// For a renamed resource whose group may be an earlier one's of its name: that one's
    /// model name.
    open: HashMap<String, String>,
}

impl GroupNames {
    /// From every declared top-level resource of a template: its kind, name and id. One id
    /// declared twice is one resource. A resource group segment with unknown parts is kept as
    /// it reads (its markers say which unknown value it is); `open` says whether a known
    /// segment is a placeholder for a group the input leaves open (the deployment's), which
    /// is one group of unknown name.
    pub fn new(
        resources: impl IntoIterator<Item = (Kind, String, String)>,
        open: &dyn Fn(&str) -> bool,
    ) -> GroupNames {
        GroupNames::with_marks(resources, open, &HashMap::new())
    }

    /// [`GroupNames::new`], with the label of a group reading each unknown part by what it
    /// stands for: `marks` maps a mark as ids write it (`⟨0439af301f22⟩`) to the text that
    /// replaces it in labels (`⟨parameters('rg')⟩`). Groups are still told apart by their
    /// marks; `marks` must give distinct unknowns distinct texts (see [`readable_marks`]).
    pub fn with_marks(
        resources: impl IntoIterator<Item = (Kind, String, String)>,
        open: &dyn Fn(&str) -> bool,
        marks: &HashMap<String, String>,
    ) -> GroupNames {
        let relabel = |rg: &str| {
            let mut label = rg.to_string();
            for (mark, text) in marks {
                if label.contains(mark.as_str()) {
                    label = label.replace(mark.as_str(), text);
                }
            }
            label
        };
        let mut seen = std::collections::HashSet::new();
        let labelled: Vec<_> = resources
            .into_iter()
            .filter(|(_, _, id)| top_id(id).is_some_and(|t| seen.insert(t)))
            .map(|(kind, name, id)| {
                let group = crate::map::resource_group_of(id.trim())
                    .filter(|rg| !rg.is_empty() && rg != crate::idmatch::UNKNOWN_SEGMENT)
                    .map(|rg| Group {
                        key: if open(&rg) {
                            format!("⟨{rg}⟩")
                        } else {
                            rg.clone()
                        },
                        label: relabel(&rg),
                    });
                (kind, name, id, group)
            })
            .collect();
        GroupNames::labelled(labelled)
    }

    /// From resources that are each distinct (a Terraform resource each), with the resource
    /// group that tells them apart, `None` when nothing does. Resources of one name whose ids
    /// differ, whose groups are given and no two of them the same, and whose labels differ,
    /// are each named `<name>@<label>`; where two are in one group, or ids are alike, they
    /// are read as before (one name declared twice). Two whose groups the input leaves open
    /// may be in one: they are told apart all the same (each keeps what names it), and
    /// [`GroupNames::may_share`] says so.
    pub fn labelled(
        resources: impl IntoIterator<Item = (Kind, String, String, Option<Group>)>,
    ) -> GroupNames {
        type Member = (String, String, Option<Group>);
        let mut groups: HashMap<(Kind, String), Vec<Member>> = HashMap::new();
        for (kind, name, id, group) in resources {
            if !scoped_to_group(kind) || name.is_empty() || name.contains(['/', '@']) {
                continue;
            }
            let Some(top) = top_id(&id) else {
                continue;
            };
            groups
                .entry((kind, name.to_ascii_lowercase()))
                .or_default()
                .push((top, name, group));
        }
        let mut out = GroupNames::default();
        for g in groups.into_values().filter(|g| g.len() > 1) {
            let mut keys = std::collections::HashSet::new();
            let mut labels = std::collections::HashSet::new();
            let mut ids = std::collections::HashSet::new();
            let distinct = g.iter().all(|(id, _, group)| {
                ids.insert(id.clone())
                    && group.as_ref().is_some_and(|gr| {
                        keys.insert(gr.key.to_ascii_lowercase())
                            && labels.insert(gr.label.to_ascii_lowercase())
                    })
            });
            // One group holding two of a name, or ids alike, is one name declared twice;
            // the same group in two subscriptions is not told apart by its name either.
            if !distinct {
                continue;
            }
            let names: Vec<String> = g
                .iter()
                .map(|(_, name, group)| {
                    let label = &group.as_ref().expect("given above").label;
                    moat_model::external::namesake(name, label)
                })
                .collect();
            let key = |i: usize| g[i].2.as_ref().map_or("", |gr| gr.key.as_str());
            let mut first_any = None;
            for (j, (id, _, _)) in g.iter().enumerate() {
                let earlier = if any_group(key(j)) && j > 0 {
                    Some(0)
                } else {
                    first_any.or_else(|| {
                        (0..j)
                            .rev()
                            .take(COMPARED)
                            .find(|&i| relation(key(i), key(j)) == Relation::Open)
                    })
                };
                if let Some(i) = earlier {
                    out.open.insert(id.clone(), names[i].clone());
                }
                if first_any.is_none() && any_group(key(j)) {
                    first_any = Some(j);
                }
            }
            for ((id, _, _), name) in g.into_iter().zip(names) {
                out.by_id.insert(id, name);
            }
        }
        out
    }

    /// The model name of an earlier resource of the type and name of the resource id `id`
    /// names, whose resource group the input leaves open to be the same as this one's: if it
    /// is, the two are one name declared twice.
    pub fn may_share(&self, id: &str) -> Option<&str> {
        self.open.get(&own_top(id)?).map(String::as_str)
    }

    /// Whether no resource is renamed.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// The model name of the top-level resource id `id` names or starts with, when it is one
    /// of several of its name.
    pub fn top_name(&self, id: &str) -> Option<&str> {
        self.by_id.get(&top_id(id)?).map(String::as_str)
    }

    /// The model name of the top-level resource id `id` names, when it is one of several of
    /// its name; `None` for a child's id.
    pub fn own_name(&self, id: &str) -> Option<&str> {
        self.by_id.get(&own_top(id)?).map(String::as_str)
    }

    /// `name` (the ARM name of the resource id `id` names: `vnet` or `vnet/subnet`) with its
    /// first segment, the top-level resource's name, as the model names it.
    pub fn rename(&self, id: &str, name: &str) -> Option<String> {
        let new = self.top_name(id)?;
        let (first, rest) = match name.split_once('/') {
            Some((f, r)) => (f, Some(r)),
            None => (name, None),
        };
        let old = new.rsplit_once('@').map_or(new, |(n, _)| n);
        if !first.eq_ignore_ascii_case(old) {
            return None;
        }
        Some(match rest {
            Some(r) => format!("{new}/{r}"),
            None => new.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {

    /// A mark whose unknown value alone stands for an expression reads as it; two values of
    /// one expression that texts both show keep their marks, so two names never become one. A
    /// value no text shows takes no label from one that is shown, and a label a text already
    /// holds (a resource group's) is not given again.
    #[test]
    fn marks_are_labelled_only_where_their_label_is_their_own() {
        let reason = |p: &str| std::rc::Rc::from(format!("parameters('{p}')"));
        let marks = vec![
            ("⟨000000000001⟩".to_string(), reason("vnetName")),
            ("⟨000000000002⟩".to_string(), reason("rg")),
            ("⟨000000000003⟩".to_string(), reason("rg")),
            ("⟨000000000004⟩".to_string(), reason("prefix")),
            ("⟨000000000005⟩".to_string(), reason("prefix")),
            ("⟨000000000006⟩".to_string(), reason("hub")),
        ];
        let mut t = moat_model::Topology::default();
        for name in [
            "⟨000000000001⟩",
            "⟨000000000004⟩-kv",
            "⟨000000000006⟩",
            "net@⟨parameters('hub')⟩",
        ] {
            t.virtual_networks.push(
                serde_json::from_value(serde_json::json!({ "name": name, "address_space": [] }))
                    .unwrap(),
            );
        }
        let mut w = vec![moat_model::Diagnostic::error(
            "external-vnet",
            "/resourceGroups/⟨000000000002⟩/providers/Microsoft.Network/virtualNetworks/⟨000000000001⟩ and ⟨000000000003⟩",
            Default::default(),
        )];
        label_marks(&mut t, &mut w, &marks);
        let names: Vec<&str> = t.virtual_networks.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "⟨parameters('vnetName')⟩",
                "⟨parameters('prefix')⟩-kv",
                "⟨000000000006⟩",
                "net@⟨parameters('hub')⟩"
            ]
        );
        assert_eq!(
            w[0].message,
            "/resourceGroups/⟨000000000002⟩/providers/Microsoft.Network/virtualNetworks/⟨parameters('vnetName')⟩ and ⟨000000000003⟩"
        );
    }

    use super::*;

    fn vnet(rg: &str) -> (Kind, String, String) {
        (
            Kind::Vnet,
            "vnet".into(),
            format!(
                "/subscriptions/s/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/vnet"
            ),
        )
    }

    #[test]
    fn two_known_groups_name_two_vnets() {
        let g = GroupNames::new([vnet("rg-a"), vnet("rg-b")], &|_| false);
        let sub = "/subscriptions/s/resourceGroups/rg-b/providers/Microsoft.Network/virtualNetworks/vnet/subnets/x";
        assert_eq!(g.rename(sub, "vnet/x").as_deref(), Some("vnet@rg-b/x"));
        assert_eq!(g.top_name(&vnet("rg-a").2), Some("vnet@rg-a"));
    }

    /// A group the input leaves open may be another's: the two are told apart all the same,
    /// and the later one says which it may be one name with.
    #[test]
    fn an_open_group_is_told_apart_and_may_be_shared() {
        let g = GroupNames::new([vnet("rg-a"), vnet("resource-group")], &|s| {
            s == "resource-group"
        });
        assert_eq!(g.top_name(&vnet("rg-a").2), Some("vnet@rg-a"));
        let open = vnet("resource-group").2;
        assert_eq!(g.top_name(&open), Some("vnet@resource-group"));
        assert_eq!(g.may_share(&open), Some("vnet@rg-a"));
        assert_eq!(g.may_share(&vnet("rg-a").2), None);
        let g = GroupNames::new([vnet("rg-a"), vnet("⟨0000000000ab⟩")], &|_| false);
        assert_eq!(g.may_share(&vnet("⟨0000000000ab⟩").2), Some("vnet@rg-a"));
    }

    /// Known text around unknown parts can tell two groups apart (`⟨p⟩-east`, `⟨p⟩-west`,
    /// `⟨q⟩-hub` end differently); the same unknown value twice is one group, and one name declared
    /// twice there is read as before.
    #[test]
    fn known_text_tells_open_groups_apart_and_one_unknown_is_one_group() {
        let g = GroupNames::new(
            [vnet("⟨01⟩-east"), vnet("⟨01⟩-west"), vnet("⟨03⟩-hub")],
            &|_| false,
        );
        assert_eq!(g.top_name(&vnet("⟨01⟩-west").2), Some("vnet@⟨01⟩-west"));
        assert_eq!(g.may_share(&vnet("⟨01⟩-west").2), None);
        assert_eq!(g.may_share(&vnet("⟨03⟩-hub").2), None);
        let g = GroupNames::new([vnet("⟨01⟩"), vnet("⟨02⟩"), vnet("⟨01⟩")], &|_| false);
        assert_eq!(g.may_share(&vnet("⟨02⟩").2), Some("vnet@⟨01⟩"));
        let stand_in = |a: &str| Group {
            key: format!("⟨={a}⟩"),
            label: a.into(),
        };
        let g = GroupNames::labelled([
            (Kind::Vnet, "v".into(), vnet("a").2, Some(stand_in("rg.a"))),
            (Kind::Vnet, "v".into(), vnet("b").2, Some(stand_in("rg.b"))),
        ]);
        assert_eq!(g.top_name(&vnet("b").2), Some("v@rg.b"));
        assert_eq!(g.may_share(&vnet("b").2), None);
    }

    #[test]
    fn one_id_declared_twice_is_one_resource() {
        let g = GroupNames::new([vnet("rg-a"), vnet("RG-A")], &|_| false);
        assert!(g.is_empty());
    }
}
