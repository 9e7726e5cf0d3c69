//! Which declared resource an id with unknown parts names.
//!
//! An id is often built from values the input does not determine: the subscription read at
//! deployment, a resource group or name with a random suffix, a parameter. Such an id keeps
//! its known text with each unknown part marked, either `⟨…⟩` (the evaluators' marker; equal
//! markers are the same unknown value) or a whole `<unknown>` segment (the Terraform
//! importer's placeholder for a subscription or resource group the configuration leaves open).
//!
//! Both importers resolve ids here, so the rule is written once: an id with unknown parts
//! names a declared resource when the two could be the same id and no other declared resource
//! could. They could be the same when their segments pair up one to one (an unknown part
//! stands for a name and never spans a `/`), the provider namespace and resource types are
//! known and equal, every name segment of the resource and its parents is determined on both
//! sides (it has known text, or both sides hold the very same unknown), and the remaining
//! segments (subscription, resource group) may be equal. Anything else stays unknown: a guess
//! would invent a link.

use std::collections::HashMap;

/// The segment the Terraform importer writes for a subscription or resource group it does not
/// know.
pub const UNKNOWN_SEGMENT: &str = "<unknown>";

/// Whether an id has unknown parts.
pub fn has_unknown(id: &str) -> bool {
    id.contains('⟨') || id.split('/').any(|s| s == UNKNOWN_SEGMENT)
}

/// A segment as known text and holes, lower-cased (ids compare case-insensitively).
#[derive(Debug, PartialEq)]
enum Piece {
    Lit(String),
    Hole,
}

fn pieces(seg: &str) -> Vec<Piece> {
    if seg == UNKNOWN_SEGMENT {
        return vec![Piece::Hole];
    }
    let mut out = Vec::new();
    let mut rest = seg;
    while let Some(open) = rest.find('⟨') {
        if open > 0 {
            out.push(Piece::Lit(rest[..open].to_lowercase()));
        }
        out.push(Piece::Hole);
        match rest[open..].find('⟩') {
            Some(close) => rest = &rest[open + close + '⟩'.len_utf8()..],
            None => {
                rest = "";
                break;
            }
        }
    }
    if !rest.is_empty() {
        out.push(Piece::Lit(rest.to_lowercase()));
    }
    out
}

fn has_text(p: &[Piece]) -> bool {
    p.iter().any(|x| matches!(x, Piece::Lit(_)))
}

fn is_literal(p: &[Piece]) -> bool {
    p.iter().all(|x| matches!(x, Piece::Lit(_)))
}

/// Whether the literal `s` can be written by the pattern `p` (holes stand for any text).
fn glob(p: &[Piece], s: &str) -> bool {
    let Some((first, rest)) = p.split_first() else {
        return s.is_empty();
    };
    match first {
        Piece::Lit(l) => s.strip_prefix(l.as_str()).is_some_and(|t| glob(rest, t)),
        Piece::Hole => (0..=s.len())
            .filter(|i| s.is_char_boundary(*i))
            .any(|i| glob(rest, &s[i..])),
    }
}

/// Whether two segments may hold the same text. Two patterns are compared by their known
/// beginnings and ends, which may over-approximate: callers only accept a unique candidate.
fn may_equal(a: &[Piece], b: &[Piece]) -> bool {
    let lit = |p: &[Piece]| -> String {
        p.iter()
            .map(|x| match x {
                Piece::Lit(l) => l.as_str(),
                Piece::Hole => "",
            })
            .collect()
    };
    match (is_literal(a), is_literal(b)) {
        (true, true) => lit(a) == lit(b),
        (true, false) => glob(b, &lit(a)),
        (false, true) => glob(a, &lit(b)),
        (false, false) => {
            let edge = |p: &[Piece], front: bool| -> String {
                let x = if front { p.first() } else { p.last() };
                match x {
                    Some(Piece::Lit(l)) => l.clone(),
                    _ => String::new(),
                }
            };
            let (fa, fb) = (edge(a, true), edge(b, true));
            let (ea, eb) = (edge(a, false), edge(b, false));
            (fa.starts_with(&fb) || fb.starts_with(&fa)) && (ea.ends_with(&eb) || eb.ends_with(&ea))
        }
    }
}

/// Whether two id segments (a resource group, a name), each with unknown parts marked, may
/// hold the same text; `false` only when their known text tells them apart.
pub fn segments_may_equal(a: &str, b: &str) -> bool {
    may_equal(&pieces(a), &pieces(b))
}

/// Whether `query` (an id with unknown parts) may name the resource whose id is `declared`.
pub fn may_name(query: &str, declared: &str) -> bool {
    let q: Vec<&str> = query.trim().trim_matches('/').split('/').collect();
    let d: Vec<&str> = declared.trim().trim_matches('/').split('/').collect();
    if q.len() != d.len() {
        return false;
    }
    let Some(p) = q.iter().rposition(|s| s.eq_ignore_ascii_case("providers")) else {
        return false;
    };
    if !d[p].eq_ignore_ascii_case("providers") {
        return false;
    }
    for (i, (qs, ds)) in q.iter().zip(&d).enumerate() {
        let (qp, dp) = (pieces(qs), pieces(ds));
        if i > p {
            // After `providers`: the namespace, then type and name in turn.
            let is_name = i - p > 1 && !(i - p).is_multiple_of(2);
            if !is_name {
                if !(is_literal(&qp) && is_literal(&dp) && qs.eq_ignore_ascii_case(ds)) {
                    return false;
                }
                continue;
            }
            let determined = qs.eq_ignore_ascii_case(ds)
                || (has_text(&qp) && has_text(&dp) && may_equal(&qp, &dp));
            if !determined {
                return false;
            }
        } else if !may_equal(&qp, &dp) {
            return false;
        }
    }
    true
}

/// The one declared resource `query` may name, if exactly one may. `declared` gives each
/// declared resource's id with what the caller wants back (equal values are one resource
/// written in more than one form).
pub fn unique<'a, T: PartialEq>(
    query: &str,
    declared: impl IntoIterator<Item = (&'a str, T)>,
) -> Option<T> {
    let mut found = None;
    for (id, t) in declared {
        if may_name(query, id) {
            match &found {
                Some(f) if *f != t => return None,
                Some(_) => {}
                None => found = Some(t),
            }
        }
    }
    found
}

/// What of an id must be written alike, and known, for it to name a declared resource (see
/// [`may_name`]): how many segments it has, where its last `providers` segment is, and the
/// provider namespace and resource types after it, ASCII lower-cased.
type Shape = (usize, usize, String);

/// The shapes a declared id can be matched under: one per `providers` segment whose namespace
/// and types are known (a query's last `providers` may fall on any of them).
fn declared_shapes(id: &str) -> Vec<Shape> {
    let d: Vec<&str> = id.trim().trim_matches('/').split('/').collect();
    (0..d.len())
        .filter(|&p| d[p].eq_ignore_ascii_case("providers"))
        .filter_map(|p| shape_at(&d, p))
        .collect()
}

/// The shape of a query id; `None` when it can name no declared resource.
fn query_shape(id: &str) -> Option<Shape> {
    let q: Vec<&str> = id.trim().trim_matches('/').split('/').collect();
    let p = q
        .iter()
        .rposition(|s| s.eq_ignore_ascii_case("providers"))?;
    shape_at(&q, p)
}

fn shape_at(segs: &[&str], p: usize) -> Option<Shape> {
    let mut types = String::new();
    for (i, s) in segs.iter().enumerate().skip(p + 1) {
        let is_name = i - p > 1 && !(i - p).is_multiple_of(2);
        if is_name {
            continue;
        }
        if !is_literal(&pieces(s)) {
            return None;
        }
        types.push_str(&s.to_ascii_lowercase());
        types.push('/');
    }
    Some((segs.len(), p, types))
}

/// Declared ids by shape and last name, each with what the caller wants back, for ids with
/// unknown parts to be matched against: [`may_name`] is tried only on the declared ids that
/// could pass it (same shape; the same last name when both are known text), not on every
/// declared id, since a pass per reference grows with references × resources. The answer is
/// [`unique`]'s over every declared id.
#[derive(Debug)]
pub struct ByShape<T> {
    by_shape: HashMap<Shape, Bucket<T>>,
}

/// The declared ids of one shape: by last name (lower-cased) when it is known text, and the
/// ids whose last name has unknown parts, which any name may match.
#[derive(Debug)]
struct Bucket<T> {
    by_leaf: HashMap<String, Vec<(String, T)>>,
    patterned: Vec<(String, T)>,
}

impl<T> Default for Bucket<T> {
    fn default() -> Self {
        Bucket {
            by_leaf: HashMap::new(),
            patterned: Vec::new(),
        }
    }
}

impl<T> Default for ByShape<T> {
    fn default() -> Self {
        ByShape {
            by_shape: HashMap::new(),
        }
    }
}

/// The last segment of an id, lower-cased, when it is known text.
fn literal_leaf(id: &str) -> Option<String> {
    let leaf = id.trim().trim_matches('/').rsplit('/').next()?;
    is_literal(&pieces(leaf)).then(|| leaf.to_lowercase())
}

impl<T: PartialEq + Clone> ByShape<T> {
    /// The resources `declared` gives, in order.
    pub fn new(declared: impl IntoIterator<Item = (String, T)>) -> Self {
        let mut b = ByShape::default();
        for (id, t) in declared {
            b.push(id, t);
        }
        b
    }

    /// Declares the resource of id `id`.
    pub fn push(&mut self, id: String, t: T) {
        let leaf = literal_leaf(&id);
        for shape in declared_shapes(&id) {
            let b = self.by_shape.entry(shape).or_default();
            let entry = (id.clone(), t.clone());
            match &leaf {
                Some(l) => b.by_leaf.entry(l.clone()).or_default().push(entry),
                None => b.patterned.push(entry),
            }
        }
    }

    /// The one declared resource `query` may name, if exactly one may.
    pub fn unique(&self, query: &str) -> Option<&T> {
        let b = self.by_shape.get(&query_shape(query)?)?;
        match literal_leaf(query) {
            Some(l) => unique(
                query,
                b.by_leaf
                    .get(&l)
                    .into_iter()
                    .flatten()
                    .chain(&b.patterned)
                    .map(|(id, t)| (id.as_str(), t)),
            ),
            None => unique(
                query,
                b.by_leaf
                    .values()
                    .flatten()
                    .chain(&b.patterned)
                    .map(|(id, t)| (id.as_str(), t)),
            ),
        }
    }
}

/// The type (lower-cased, ASCII) and name (lower-cased) of the resource `id` names: two ids
/// name resources of the same type and name, whatever their subscription and resource group,
/// when these are equal.
fn type_and_name(id: &str) -> Option<(String, String)> {
    let ty = crate::map::type_of_id(id)?.to_ascii_lowercase();
    let leaf = id.trim_end_matches('/').rsplit('/').next()?.to_lowercase();
    Some((ty, leaf))
}

/// Whether ids `a` and `b` name resources of the same type and name, whatever their
/// subscription and resource group (compared without case).
pub fn same_type_and_name(a: &str, b: &str) -> bool {
    match (type_and_name(a), type_and_name(b)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

/// The segment of `id` after `key` (`subscriptions`, `resourceGroups`).
fn scope_segment<'a>(id: &'a str, key: &str) -> Option<&'a str> {
    let mut segs = id.trim_matches('/').split('/');
    segs.by_ref().find(|s| s.eq_ignore_ascii_case(key))?;
    segs.next()
}

/// Whether the subscription and resource group of ids `a` and `b` may be the same: each is
/// equal, or unknown on either side (a part left open, or known text `open` says stands for
/// an unknown scope, such as the placeholder of a deployment's own resource group).
pub fn same_scope_possible(a: &str, b: &str, open: &dyn Fn(&str) -> bool) -> bool {
    ["subscriptions", "resourceGroups"].iter().all(|key| {
        match (scope_segment(a, key), scope_segment(b, key)) {
            (Some(x), Some(y)) => {
                x.eq_ignore_ascii_case(y) || has_unknown(x) || has_unknown(y) || open(x) || open(y)
            }
            _ => true,
        }
    })
}

/// Declared resources by type and name, each with its id and what the caller wants back
/// (equal values are one resource written in more than one form): built as resources are
/// declared, so that finding the namesake of each target id is one lookup, not a pass over
/// every declared resource.
#[derive(Debug)]
pub struct Namesakes<T> {
    by_type_and_name: HashMap<(String, String), Vec<(String, T)>>,
}

impl<T> Default for Namesakes<T> {
    fn default() -> Self {
        Namesakes {
            by_type_and_name: HashMap::new(),
        }
    }
}

impl<T: PartialEq> Namesakes<T> {
    /// The resources `declared` gives, in order.
    pub fn new(declared: impl IntoIterator<Item = (String, T)>) -> Self {
        let mut n = Namesakes::default();
        for (id, t) in declared {
            n.push(id, t);
        }
        n
    }

    /// The entries of the type and name of `id`; `None` for an id that names no resource
    /// type (never a namesake).
    fn same(&mut self, id: &str) -> Option<&mut Vec<(String, T)>> {
        Some(self.by_type_and_name.entry(type_and_name(id)?).or_default())
    }

    /// Declares the resource of id `id`.
    pub fn push(&mut self, id: String, t: T) {
        if let Some(same) = self.same(&id) {
            same.push((id, t));
        }
    }

    /// Declares that id `id`, declared once or not yet, now stands for `t`.
    pub fn set(&mut self, id: String, t: T) {
        if let Some(same) = self.same(&id) {
            match same.iter_mut().find(|(i, _)| *i == id) {
                Some(e) => e.1 = t,
                None => same.push((id, t)),
            }
        }
    }

    /// The one declared resource with the type and name of `query`, whatever its scope, with
    /// its id; `None` when none is, or several are (in several resource groups). The caller
    /// decides by [`same_scope_possible`] whether it is the resource `query` names or a
    /// namesake.
    pub fn find(&self, query: &str) -> Option<(&str, &T)> {
        let name = query
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or_default();
        if name.is_empty() || has_unknown(name) {
            return None;
        }
        let mut found: Option<(&str, &T)> = None;
        for (id, t) in self.by_type_and_name.get(&type_and_name(query)?)? {
            match &found {
                Some((_, f)) if *f != t => return None,
                Some(_) => {}
                None => found = Some((id, t)),
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WS: &str = "/subscriptions/<unknown>/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws";

    #[test]
    fn unknown_subscription_and_group_still_name_the_resource() {
        assert!(may_name(
            "/subscriptions/⟨0001⟩/resourceGroups/rg/providers/microsoft.machinelearningservices/workspaces/WS",
            WS
        ));
        let q = "/subscriptions/⟨0001⟩/resourceGroups/rg-⟨0002⟩/providers/Microsoft.MachineLearningServices/workspaces/ws";
        assert!(may_name(q, &WS.replace("/rg/", "/rg-ml/")));
        assert!(may_name(q, &WS.replace("/rg/", "/<unknown>/")));
        assert!(!may_name(q, WS));
    }

    #[test]
    fn the_type_and_every_name_must_be_determined() {
        // Another type, another name, or a name with no known text: not this resource.
        assert!(!may_name(
            "/subscriptions/⟨1⟩/resourceGroups/rg/providers/Microsoft.MachineLearningServices/registries/ws",
            WS
        ));
        assert!(!may_name(
            "/subscriptions/⟨1⟩/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws2",
            WS
        ));
        assert!(!may_name(
            "/subscriptions/⟨1⟩/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/⟨2⟩",
            WS
        ));
        // The very same unknown name on both sides is determined.
        let d =
            "/subscriptions/⟨1⟩/resourceGroups/⟨2⟩/providers/Microsoft.Storage/storageAccounts/⟨3⟩";
        let q =
            "/subscriptions/⟨4⟩/resourceGroups/⟨2⟩/providers/Microsoft.Storage/storageAccounts/⟨3⟩";
        assert!(may_name(q, d));
        // A name with a random suffix matches the known prefix.
        let d = "/subscriptions/⟨1⟩/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st⟨9⟩";
        assert!(may_name(
            "/subscriptions/⟨1⟩/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/stabc12",
            d
        ));
        assert!(!may_name(
            "/subscriptions/⟨1⟩/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/xabc12",
            d
        ));
    }

    #[test]
    fn ambiguity_stays_unknown() {
        let a = "/subscriptions/<unknown>/resourceGroups/rg-a/providers/Microsoft.Network/virtualNetworks/hub";
        let b = "/subscriptions/<unknown>/resourceGroups/rg-b/providers/Microsoft.Network/virtualNetworks/hub";
        let q =
            "/subscriptions/⟨1⟩/resourceGroups/⟨2⟩/providers/Microsoft.Network/virtualNetworks/hub";
        assert_eq!(unique(q, [(a, 1), (b, 2)]), None);
        let q = "/subscriptions/⟨1⟩/resourceGroups/rg-b/providers/Microsoft.Network/virtualNetworks/hub";
        assert_eq!(unique(q, [(a, 1), (b, 2)]), Some(2));
    }

    #[test]
    fn namesakes_by_type_and_name_and_their_scopes() {
        let main = "/subscriptions/s/resourceGroups/rg-main/providers/Microsoft.KeyVault/vaults/kv";
        let shared =
            "/subscriptions/s/resourceGroups/rg-shared/providers/Microsoft.KeyVault/vaults/KV";
        let open =
            "/subscriptions/s/resourceGroups/<unknown>/providers/Microsoft.KeyVault/vaults/kv";
        let placeholder =
            "/subscriptions/s/resourceGroups/resource-group/providers/Microsoft.KeyVault/vaults/kv";
        let never = |_: &str| false;
        assert!(same_type_and_name(main, shared));
        assert!(!same_type_and_name(main, &main.replace("vaults", "other")));
        assert!(!same_scope_possible(main, shared, &never));
        assert!(same_scope_possible(open, shared, &never));
        assert!(!same_scope_possible(placeholder, shared, &never));
        assert!(same_scope_possible(placeholder, shared, &|s: &str| s == "resource-group"));
        let declared =
            |ids: &[(&str, i32)]| Namesakes::new(ids.iter().map(|(id, n)| (id.to_string(), *n)));
        assert_eq!(declared(&[(main, 1)]).find(shared), Some((main, &1)));
        // One resource written in two forms is one namesake.
        assert_eq!(
            declared(&[(main, 1), (&main.to_uppercase()[..], 1)]).find(shared),
            Some((main, &1))
        );
        // Two declared namesakes: which one is open.
        assert_eq!(declared(&[(main, 1), (open, 2)]).find(shared), None);
        assert_eq!(
            declared(&[(&main.replace("kv", "kv2")[..], 1)]).find(shared),
            None
        );
        // A later declaration of an id stands for it.
        let mut d = declared(&[(main, 1), (open, 2)]);
        d.set(open.to_string(), 1);
        assert_eq!(d.find(shared), Some((main, &1)));
    }

    #[test]
    fn by_shape_answers_as_every_declared_id_does() {
        let declared = [
            WS.to_string(),
            WS.replace("/rg/", "/rg-b/"),
            WS.replace("workspaces/ws", "workspaces/other"),
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/a".into(),
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/b".into(),
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v".into(),
            // A type not known: it can be named by no id with unknown parts.
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/⟨1⟩/v".into(),
            // Two `providers` segments (an extension resource).
            format!("{WS}/providers/Microsoft.Insights/diagnosticSettings/d"),
            // A name with a random suffix.
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st⟨9⟩".into(),
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/logs".into(),
        ];
        let by = ByShape::new(declared.iter().cloned().enumerate().map(|(i, d)| (d, i)));
        let queries = [
            "/subscriptions/⟨1⟩/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws",
            "/subscriptions/⟨1⟩/resourceGroups/rg-⟨2⟩/providers/Microsoft.MachineLearningServices/workspaces/ws",
            "/subscriptions/⟨1⟩/resourceGroups/⟨2⟩/providers/microsoft.machinelearningservices/WORKSPACES/other",
            "/subscriptions/⟨1⟩/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/⟨2⟩",
            "/subscriptions/⟨1⟩/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/⟨3⟩/subnets/a",
            "/subscriptions/<unknown>/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v",
            "/subscriptions/⟨1⟩/resourceGroups/rg/providers/Microsoft.Network/⟨1⟩/v",
            "/subscriptions/⟨1⟩/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/providers/Microsoft.Insights/diagnosticSettings/d",
            "⟨1⟩/providers/Microsoft.MachineLearningServices/workspaces/ws",
            "no providers at all",
            "/subscriptions/⟨1⟩/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/stabc",
            "/subscriptions/⟨1⟩/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/LOGS",
            "/subscriptions/⟨1⟩/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st⟨9⟩",
            "/subscriptions/⟨1⟩/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/⟨9⟩",
        ];
        for q in queries {
            let every = unique(q, declared.iter().enumerate().map(|(i, d)| (d.as_str(), i)));
            assert_eq!(by.unique(q).copied(), every, "{q}");
        }
        assert_eq!(by.unique(queries[0]), Some(&0));
        assert_eq!(by.unique(queries[5]), Some(&5));
        assert_eq!(by.unique(queries[7]), Some(&7));
        assert_eq!(by.unique(queries[10]), Some(&8));
        assert_eq!(by.unique(queries[11]), Some(&9));
        assert_eq!(by.unique(queries[12]), Some(&8));
    }

    #[test]
    fn an_unknown_part_never_spans_segments() {
        assert!(!may_name(
            "⟨1⟩/providers/Microsoft.MachineLearningServices/workspaces/ws",
            WS
        ));
        assert_eq!(
            pieces("a⟨x⟩b"),
            vec![Piece::Lit("a".into()), Piece::Hole, Piece::Lit("b".into())]
        );
    }
}
