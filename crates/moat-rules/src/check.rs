//! Running the catalog: selection, severity, suppressions.

use crate::{Context, Finding, Rule, Severity, all};
use moat_model::Topology;
use std::collections::BTreeMap;

/// Which rules run.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Codes or prefixes to run (`REG`, `WS001`); all when empty.
    pub select: Vec<String>,
    /// Codes or prefixes to skip.
    pub ignore: Vec<String>,
}

fn matches(code: &str, patterns: &[String]) -> bool {
    patterns.iter().any(|p| {
        code.to_ascii_uppercase()
            .starts_with(&p.to_ascii_uppercase())
    })
}

impl Selection {
    /// Whether a rule runs.
    pub fn includes(&self, code: &str) -> bool {
        (self.select.is_empty() || matches(code, &self.select)) && !matches(code, &self.ignore)
    }
}

/// The findings of [`run`] on the deployment and on each of its `variants` (without some
/// may-exist resources: [`moat_model::presence`]). A finding that some variants give and
/// others do not is kept, undecided, and says which resources it depends on.
pub fn run_variants(
    cx: &Context,
    variants: &[moat_model::presence::Variant],
    sel: &Selection,
) -> Vec<Finding> {
    let mut out = run(cx, sel);
    if variants.is_empty() {
        return out;
    }
    // A finding about a flow is that flow's: several findings of one rule on one resource
    // (OPS001 on a workspace, one per blocked flow) are told apart by their flows, so that
    // one of them holding in a variant does not vouch for another.
    let key = |f: &Finding| {
        let flow = f.trace.as_ref().map(|t| {
            (
                t.from.to_string(),
                t.to.to_string(),
                t.protocol.clone(),
                t.port,
            )
        });
        (f.code, f.resource.clone(), flow)
    };
    // Every finding reported so far, the deployment's own and those only variants give.
    let mut seen: std::collections::HashSet<_> = out.iter().map(key).collect();
    // A finding's subject is gone from a variant only if the deployment has it and the
    // variant does not; a subject of any other kind is never taken for gone.
    let base: std::collections::HashSet<String> = elements(cx.t).into_iter().collect();
    // Per finding, the variants its needs already name: one that refines them adds nothing
    // to say (the finding is undecided either way).
    let mut named: Vec<Vec<&moat_model::presence::Variant>> = vec![Vec::new(); out.len()];
    // "Only if" is what one variant shows only when it is the one way to differ.
    let only = moat_model::presence::one_dimension(variants);
    for v in variants {
        let e = cx.e.variant(&v.topology);
        let vcx = Context::new(&e)
            .with_invariants(cx.invariants.clone())
            .variant_of(cx);
        let found = run(&vcx, sel);
        let mut by_key: std::collections::HashMap<_, Vec<&Finding>> =
            std::collections::HashMap::new();
        for x in &found {
            by_key.entry(key(x)).or_default().push(x);
        }
        let present: std::collections::HashSet<String> =
            elements(&v.topology).into_iter().collect();
        let question = v.question();
        named.resize(out.len(), Vec::new());
        for (f, named) in out.iter_mut().zip(named.iter_mut()) {
            // A finding about a resource the variant lacks is about that resource, if it is
            // deployed; the finding is decided for it.
            let subject = f.resource.split(':').next().unwrap_or(&f.resource);
            let subject_gone = base.contains(subject) && !present.contains(subject);
            if !by_key.contains_key(&key(f)) && !subject_gone {
                if !named.iter().any(|u| v.refines(u)) && !already_waits(f, v) {
                    f.needs.push(if only {
                        format!("{question}: the finding holds only if {}", v.holds_if(true))
                    } else {
                        format!(
                            "{question}: the finding does not hold if {}, the rest as written",
                            v.stated()
                        )
                    });
                    named.push(v);
                }
            } else if f.decided()
                && by_key
                    .get(&key(f))
                    .is_some_and(|xs| xs.iter().any(|x| !x.decided() || x.severity != f.severity))
            {
                // The variant gives it too, but not as established: it is not decided.
                f.needs.push(format!(
                    "{question}: {} it is not established",
                    v.condition()
                ));
            }
        }
        for f in found {
            if seen.insert(key(&f)) {
                let mut f = f;
                f.needs.push(if only {
                    format!(
                        "{question}: the finding holds only if {}",
                        v.holds_if(false)
                    )
                } else {
                    format!(
                        "{question}: the finding holds if {}, the rest as written",
                        v.stated()
                    )
                });
                out.push(f);
                named.push(vec![v]);
            }
        }
    }
    // Past the combinations analysed one by one, another may give or remove any finding.
    if let Some(question) = moat_model::presence::unexplored(variants) {
        for f in out.iter_mut().filter(|f| f.decided()) {
            f.needs
                .push(format!("{question}: the finding holds in those analysed"));
        }
    }
    out.sort_by(|a, b| (b.severity, a.code, &a.resource).cmp(&(a.severity, b.code, &b.resource)));
    crate::rules::util_fix::allow_rules_only_where_decided(&mut out);
    crate::rules::util_fix::distinct_priorities(cx.t, &mut out);
    crate::rules::util_fix::no_storage_fqdn_rules(&mut out);
    out
}

/// Whether `f` already waits for what leaves every value `v` fixes open, by the same reason: a
/// note on `v` would repeat that reason, and what settles it is the same.
fn already_waits(f: &Finding, v: &moat_model::presence::Variant) -> bool {
    let reasons: Vec<&str> = v
        .choices
        .iter()
        .map(|c| c.reason.as_str())
        .chain(if v.absent.is_empty() {
            None
        } else {
            Some(v.reason.as_deref().unwrap_or_default())
        })
        .collect();
    !reasons.is_empty()
        && reasons
            .iter()
            .all(|r| !r.is_empty() && f.needs.iter().any(|n| n.contains(r)))
}

/// Runs the selected rules on one deployment and marks suppressed findings.
pub fn run(cx: &Context, sel: &Selection) -> Vec<Finding> {
    let rules: Vec<&dyn Rule> = all()
        .into_iter()
        .filter(|r| sel.includes(r.doc().code))
        .collect();
    // EXF001 traces on a model and engine of its own (the deployment plus a probe account):
    // it runs before any rule evaluates the shared operation results, so that copy and those
    // results are never in memory at once. Its findings keep their place in code order.
    let exf001 = crate::rules::exf::exf001::RULE.doc().code;
    let mut early: Vec<Finding> = Vec::new();
    if let Some(r) = rules.iter().find(|r| r.doc().code == exf001) {
        r.check(cx, &mut early);
    }
    let mut out = Vec::new();
    let ops001 = crate::rules::ops::ops001::RULE.doc().code;
    let mut operations = false;
    for r in rules {
        if r.doc().code == ops001 {
            operations = true;
        } else if r.doc().code == exf001 {
            out.append(&mut early);
        } else {
            r.check(cx, &mut out);
        }
    }
    // Operation findings only for causes no other finding reports: check never says less
    // than ops, and says each cause once. They are built after the other rules ran, only
    // for the flows those leave uncovered.
    if operations {
        let kept: Vec<Finding> = {
            let mut covered = crate::rules::ops::ops001::Covered::default();
            out.iter().for_each(|x| covered.add(x));
            crate::rules::ops::ops001::uncovered(cx, &mut covered)
        };
        out.extend(kept);
    }
    suppress(cx.t, &mut out);
    crate::cause::link(&mut out);
    out.sort_by(|a, b| (b.severity, a.code, &a.resource).cmp(&(a.severity, b.code, &b.resource)));
    crate::rules::util_fix::allow_rules_only_where_decided(&mut out);
    crate::rules::util_fix::distinct_priorities(cx.t, &mut out);
    crate::rules::util_fix::no_storage_fqdn_rules(&mut out);
    out
}

/// A resource that carries tags: the kind a finding names it by (`workspace`, `vnet`, ...), its
/// name, its tags and where it is written.
type Tagged<'t> = (
    &'static str,
    &'t str,
    &'t BTreeMap<String, String>,
    &'t moat_model::Provenance,
);

/// Every resource of a kind that carries tags (each kind once: a new kind with tags belongs
/// here), for suppressions and for checking the codes they name.
fn tagged(t: &Topology) -> Vec<Tagged<'_>> {
    let mut v: Vec<Tagged> = Vec::new();
    macro_rules! add {
        ($($kind:literal $list:ident),* $(,)?) => {
            $(v.extend(t.$list.iter().map(|x| ($kind, x.name.as_str(), &x.tags, &x.at)));)*
        };
    }
    add!(
        "workspace" workspaces,
        "registry" registries,
        "storage" storage_accounts,
        "keyvault" key_vaults,
        "acr" container_registries,
        "appinsights" application_insights,
        "ampls" monitor_private_link_scopes,
        "compute" computes,
        "aks" aks_clusters,
        "aci" aci_deployments,
        "online-endpoint" online_endpoints,
        "client" clients,
        "vm" virtual_machines,
        "private-endpoint" private_endpoints,
        "vnet" virtual_networks,
        "nsg" network_security_groups,
        "route-table" route_tables,
        "firewall" firewalls,
        "firewall-policy" firewall_policies,
        "private-dns-zone" private_dns_zones,
    );
    v
}

/// The kind and name whose tags apply to a finding's resource: a subnet carries its VNet's.
fn tag_owner(resource: &str) -> Option<(&str, &str)> {
    let (kind, rest) = resource.split_once('/')?;
    let name = rest.split(':').next().unwrap_or(rest);
    match kind {
        "vnet" | "subnet" => Some(("vnet", name.split('/').next().unwrap_or(name))),
        _ => Some((kind, name)),
    }
}

/// The addresses of the resources a flow can start or end at (`compute/cpu-cluster`,
/// `subnet/vnet/training`), for suggesting one when an address is misspelt.
pub fn addresses(t: &Topology) -> Vec<String> {
    let mut v = Vec::new();
    let mut add = |kind: &str, names: Vec<&str>| {
        v.extend(names.into_iter().map(|n| format!("{kind}/{n}")));
    };
    add(
        "workspace",
        t.workspaces.iter().map(|x| x.name.as_str()).collect(),
    );
    add(
        "registry",
        t.registries.iter().map(|x| x.name.as_str()).collect(),
    );
    add(
        "storage",
        t.storage_accounts.iter().map(|x| x.name.as_str()).collect(),
    );
    add(
        "keyvault",
        t.key_vaults.iter().map(|x| x.name.as_str()).collect(),
    );
    add(
        "acr",
        t.container_registries
            .iter()
            .map(|x| x.name.as_str())
            .collect(),
    );
    add(
        "compute",
        t.computes.iter().map(|x| x.name.as_str()).collect(),
    );
    add(
        "aks",
        t.aks_clusters.iter().map(|x| x.name.as_str()).collect(),
    );
    add(
        "online-endpoint",
        t.online_endpoints.iter().map(|x| x.name.as_str()).collect(),
    );
    add(
        "client",
        t.clients.iter().map(|x| x.name.as_str()).collect(),
    );
    add(
        "vm",
        t.virtual_machines.iter().map(|x| x.name.as_str()).collect(),
    );
    for n in &t.virtual_networks {
        for s in &n.subnets {
            v.push(format!("subnet/{}/{}", n.name, s.name));
        }
    }
    v
}

/// The addresses of the deployment's elements findings are about: those of [`addresses`],
/// and the network and monitoring elements a finding can name (`nsg/x`, `ampls/x`).
fn elements(t: &Topology) -> Vec<String> {
    let mut v = addresses(t);
    let mut add = |kind: &str, names: &mut dyn Iterator<Item = &str>| {
        v.extend(names.map(|n| format!("{kind}/{n}")));
    };
    add(
        "vnet",
        &mut t.virtual_networks.iter().map(|x| x.name.as_str()),
    );
    add(
        "nsg",
        &mut t.network_security_groups.iter().map(|x| x.name.as_str()),
    );
    add(
        "route-table",
        &mut t.route_tables.iter().map(|x| x.name.as_str()),
    );
    add(
        "nat-gateway",
        &mut t.nat_gateways.iter().map(|x| x.name.as_str()),
    );
    add("firewall", &mut t.firewalls.iter().map(|x| x.name.as_str()));
    add(
        "firewall-policy",
        &mut t.firewall_policies.iter().map(|x| x.name.as_str()),
    );
    add(
        "private-endpoint",
        &mut t.private_endpoints.iter().map(|x| x.name.as_str()),
    );
    add(
        "private-dns-zone",
        &mut t.private_dns_zones.iter().map(|x| x.name.as_str()),
    );
    add(
        "ampls",
        &mut t
            .monitor_private_link_scopes
            .iter()
            .map(|x| x.name.as_str()),
    );
    add(
        "appinsights",
        &mut t.application_insights.iter().map(|x| x.name.as_str()),
    );
    v
}

/// The reason a resource's tags give for ignoring `code`, if they do. Two spellings:
/// `moat:ignore: "REG009, EXF001: reason"` and `moat:ignore:REG009: reason`.
pub fn ignore_reason(tags: &BTreeMap<String, String>, code: &str) -> Option<String> {
    for (k, v) in tags {
        let k = k.trim();
        if let Some(c) = k.strip_prefix("moat:ignore:") {
            if c.trim().eq_ignore_ascii_case(code) {
                return Some(non_empty(v));
            }
        } else if k == "moat:ignore" {
            let (codes, reason) = v.split_once(':').unwrap_or((v.as_str(), ""));
            if codes
                .split([',', ' '])
                .map(str::trim)
                .any(|c| c.eq_ignore_ascii_case(code))
            {
                return Some(non_empty(reason));
            }
        }
    }
    None
}

/// The codes a `moat:ignore` tag names, in either spelling; empty for other tags.
pub fn codes_in_tag(key: &str, value: &str) -> Vec<String> {
    let key = key.trim();
    if let Some(c) = key.strip_prefix("moat:ignore:") {
        return vec![c.trim().to_string()];
    }
    if key != "moat:ignore" {
        return Vec::new();
    }
    let codes = value.split_once(':').map_or(value, |(c, _)| c);
    codes
        .split([',', ' '])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect()
}

/// Every `moat:ignore` tag that names a code no rule has, as located errors: a misspelt code
/// would otherwise suppress nothing without a word. Walks the model as data, so every kind of
/// resource with tags is covered; `"$at"` of the tagged resource gives the position.
pub fn unknown_suppressions(t: &Topology) -> Vec<moat_model::Diagnostic> {
    let known: Vec<&str> = all().iter().map(|r| r.doc().code).collect();
    let mut out = Vec::new();
    // The tags of every kind of resource that carries them, read in place: neither the model's
    // JSON nor its text is built (a cost that grew with the estate).
    for (_, name, tags, at) in tagged(t) {
        for (k, val) in tags {
            for code in codes_in_tag(k, val) {
                if known.iter().any(|c| c.eq_ignore_ascii_case(&code)) {
                    continue;
                }
                let hint = moat_model::suggest::did_you_mean(&code, known.iter().copied())
                    .map(|s| format!("did you mean {s}? `moat rule` lists the codes"))
                    .unwrap_or_else(|| "`moat rule` lists the codes".to_string());
                out.push(
                    moat_model::Diagnostic::error(
                        "unknown-rule-code",
                        format!("the {k} tag of {name} names {code}, which is not a rule code"),
                        moat_model::Location {
                            file: at.file.clone(),
                            line: at.line,
                            column: at.column,
                            offset: at.offset,
                            len: at.len,
                        },
                    )
                    .with_hint(Some(hint)),
                );
            }
        }
    }
    out.sort_by(|a, b| {
        (&a.location.file, a.location.offset).cmp(&(&b.location.file, b.location.offset))
    });
    out
}

fn non_empty(r: &str) -> String {
    let r = r.trim();
    if r.is_empty() {
        "no reason given".into()
    } else {
        r.to_string()
    }
}

fn suppress(t: &Topology, findings: &mut [Finding]) {
    // Only resources whose tags ignore something matter; index those once.
    let ignoring: std::collections::HashMap<(&str, &str), &BTreeMap<String, String>> = tagged(t)
        .into_iter()
        .filter(|(_, _, tags, _)| tags.keys().any(|k| k.trim().starts_with("moat:ignore")))
        .map(|(k, n, tags, _)| ((k, n), tags))
        .collect();
    if ignoring.is_empty() {
        return;
    }
    for f in findings.iter_mut() {
        let reason = tag_owner(&f.resource)
            .and_then(|o| ignoring.get(&o))
            .and_then(|tags| ignore_reason(tags, f.code));
        if let Some(reason) = reason {
            f.suppressed = Some(reason);
        }
    }
}

/// Counts per severity of the findings that are not suppressed.
pub fn summary(findings: &[Finding]) -> serde_json::Value {
    // A finding that repeats another's cause counts once, with its cause.
    let causes: std::collections::HashSet<String> = findings
        .iter()
        .filter(|f| f.suppressed.is_none() && !f.related.is_empty())
        .map(|f| f.fingerprint())
        .collect();
    let repeats = |f: &Finding| f.caused_by.as_ref().is_some_and(|c| causes.contains(c));
    let count = |s: Severity| {
        findings
            .iter()
            .filter(|f| f.suppressed.is_none() && f.severity == s && !repeats(f))
            .count()
    };
    let mut v = serde_json::json!({
        "error": count(Severity::Error),
        "warning": count(Severity::Warning),
        "info": count(Severity::Info),
        "suppressed": findings.iter().filter(|f| f.suppressed.is_some()).count(),
        "total": findings.len(),
    });
    let repeated = findings.iter().filter(|f| repeats(f)).count();
    if repeated > 0 {
        v["repeated"] = serde_json::json!(repeated);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A finding about a private DNS zone (DNS006 reports the zone) is suppressed by the zone's
    /// own tag, as the README says of every resource's tags.
    #[test]
    fn a_zone_tag_suppresses_a_finding_about_the_zone() {
        let t: Topology = serde_json::from_value(serde_json::json!({
            "private_dns_zones": [{
                "name": "privatelink.api.azureml.ms",
                "tags": { "moat:ignore:DNS006": "spokes resolve through the hub" }
            }],
        }))
        .unwrap();
        let doc = all()
            .iter()
            .find(|r| r.doc().code == "DNS006")
            .unwrap()
            .doc();
        let mut f = vec![Finding::new(
            doc,
            "private-dns-zone/privatelink.api.azureml.ms",
            "a spoke is not linked",
            doc.fix,
            &Default::default(),
        )];
        suppress(&t, &mut f);
        assert_eq!(
            f[0].suppressed.as_deref(),
            Some("spokes resolve through the hub")
        );
    }

    #[test]
    fn both_annotation_spellings() {
        let mut t = BTreeMap::new();
        t.insert(
            "moat:ignore".to_string(),
            "REG009, EXF001: public registry by design".to_string(),
        );
        assert_eq!(
            ignore_reason(&t, "EXF001").as_deref(),
            Some("public registry by design")
        );
        assert_eq!(ignore_reason(&t, "REG001"), None);
        let mut t = BTreeMap::new();
        t.insert("moat:ignore:CMP004".to_string(), "".to_string());
        assert_eq!(
            ignore_reason(&t, "cmp004").as_deref(),
            Some("no reason given")
        );
    }

    #[test]
    fn selection_by_code_and_prefix() {
        let s = Selection {
            select: vec!["REG".into()],
            ignore: vec!["REG009".into()],
        };
        assert!(s.includes("REG001"));
        assert!(!s.includes("REG009"));
        assert!(!s.includes("WS001"));
    }
}
