//! REG012 registry-per-registry-endpoints.

use crate::rules::sec::{PUBLIC_ACCESS, needs, secured_by_perimeter};
use crate::rules::util::{destination, name_of, workspace_at};
use crate::rules::util_core::{
    endpoints_open, maybe_reached_privately, reached_privately, subnet_address, vnet_at, vnet_part,
};
use crate::rules::util_endpoint::flow_endpoint;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity};
use moat_engine::OpId;
use moat_engine::ops::FlowResult;
use moat_model::address::{Address, Kind};
use moat_model::enums::PublicNetworkAccess;
use std::collections::BTreeMap;

/// The rule.
pub struct Reg012;
/// Its registration.
pub static RULE: Reg012 = Reg012;

static DOC: RuleDoc = RuleDoc {
    code: "REG012",
    name: "registry-per-registry-endpoints",
    severity: Severity::Error,
    what: "Computes that reach some of the registries they use through private endpoints do not reach every private registry they use — the registry, its storage and its container registry — through private endpoints.",
    why: "Each registry has its own API, its own managed storage account and its own managed container registry. Private endpoints for one registry do nothing for another: a network that uses several registries privately needs one complete set — registry, storage (blob) and container registry — per registry.",
    example: "workspaces: [{ name: ws, uses_registries: [rega, regb] }]\nregistries: [{ name: rega, public_network_access: Disabled }, { name: regb, public_network_access: Disabled }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: training, address_prefixes: [10.0.1.0/24] }, { name: pe, address_prefixes: [10.0.3.0/24] }] }]\ncomputes: [{ name: cpu-cluster, workspace: ws, type: AmlCompute, subnet: vnet/training }]\nprivate_endpoints:\n  - { name: rega-pe, subnet: vnet/pe, target: registry/rega, group_id: amlregistry, dns_zone_group: [privatelink.api.azureml.ms] }\n  - { name: rega-st, subnet: vnet/pe, target: \"registry/rega:storage\", group_id: blob, dns_zone_group: [privatelink.blob.core.windows.net] }\n  - { name: rega-acr, subnet: vnet/pe, target: \"registry/rega:acr\", group_id: registry, dns_zone_group: [privatelink.azurecr.io] }\nprivate_dns_zones:\n  - { name: privatelink.api.azureml.ms, vnet_links: [vnet] }\n  - { name: privatelink.blob.core.windows.net, vnet_links: [vnet] }\n  - { name: privatelink.azurecr.io, vnet_links: [vnet] }",
    fix: "Create a private endpoint to each registry used, and to its storage (blob) and container registry, in the network the computes use.",
    fix_form: FixForm::Code,
    sources: &[doc!(
        REG,
        "Use assets from registry in workspace (private registry scenario)"
    )],
    covers: &[],
    path: false,
};

const PARTS: [(Option<&str>, &str); 3] = [
    (None, "API"),
    (Some("storage"), "storage"),
    (Some("acr"), "container registry"),
];

impl Rule for Reg012 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        for r in cx.op(OpId::JobRegistryAsset) {
            let Some(ws) = r.subject.name_of(moat_model::address::Kind::Workspace) else {
                continue;
            };
            for (place, regs) in &places(cx, ws, &r.flows) {
                let any = |pick: fn(Reach) -> bool, but: &str| any(cx, regs, pick, but);
                if !any(|r| r != Reach::Public, "") {
                    continue;
                }
                for reg in regs.keys() {
                    out.extend(registry_finding(cx, ws, place, regs, reg));
                }
            }
        }
    }
}

/// The flows to registries of one place, by registry.
type Registries<'a> = BTreeMap<String, Vec<&'a FlowResult>>;

/// Place (a compute subnet, or the workspace's managed network) -> registry -> the flows to its
/// parts. Every node of one place meets the same rules.
fn places<'a>(cx: &Context, ws: &str, flows: &'a [FlowResult]) -> BTreeMap<String, Registries<'a>> {
    let mut places: BTreeMap<String, Registries> = BTreeMap::new();
    for f in flows {
        let Some(dst) = destination(f) else { continue };
        let Address::Resource {
            kind: Kind::Registry,
            ..
        } = &dst
        else {
            continue;
        };
        let compute = name_of(&f.trace.from);
        let managed =
            cx.e.ix
                .workspaces
                .get(ws)
                .is_some_and(|&i| cx.t.workspaces[i].managed_network.enabled());
        let place =
            cx.e.ix
                .computes
                .get(compute)
                .and_then(|&i| cx.t.computes[i].subnet.clone())
                .unwrap_or_else(|| {
                    if managed {
                        format!("the managed network of workspace {ws}")
                    } else {
                        format!("no VNet (workspace {ws})")
                    }
                });
        places
            .entry(place)
            .or_default()
            .entry(name_of(&dst).to_string())
            .or_default()
            .push(f);
    }
    places
}

/// How a flow to a part of registry `reg` goes.
fn reach(cx: &Context, reg: &str, f: &FlowResult) -> Reach {
    if reached_privately(&f.trace) {
        Reach::Private
    } else if maybe_reached_privately(&f.trace)
        || endpoints_open(cx.t, Kind::Registry, reg).is_some()
    {
        Reach::Open
    } else {
        Reach::Public
    }
}

/// Whether a flow to a registry other than `but` goes as `pick` accepts.
fn any(cx: &Context, regs: &Registries, pick: fn(Reach) -> bool, but: &str) -> bool {
    regs.iter()
        .filter(|(n, _)| n.as_str() != but)
        .any(|(n, fs)| fs.iter().any(|f| pick(reach(cx, n, f))))
}

/// The finding about registry `reg` from `place`, if its parts are not all reached privately
/// while others are.
fn registry_finding(
    cx: &Context,
    ws: &str,
    place: &str,
    regs: &Registries,
    reg: &String,
) -> Option<Finding> {
    let fs = &regs[reg];
    let any = |pick: fn(Reach) -> bool, but: &str| any(cx, regs, pick, but);
    let parts: Vec<(&str, &FlowResult, Reach)> = PARTS
        .iter()
        .filter_map(|(sub, label)| {
            let f = fs.iter().find(|f| {
                destination(f).is_some_and(
                    |d| matches!(&d, Address::Resource { sub: s, .. } if s.as_deref() == *sub),
                )
            })?;
            Some((*label, *f, reach(cx, reg, f)))
        })
        .collect();
    let missing: Vec<(&str, &FlowResult, Reach)> = parts
        .iter()
        .filter(|p| p.2 != Reach::Private)
        .copied()
        .collect();
    if missing.is_empty() {
        return None;
    }
    let public_registry = cx.e.ix.registries.get(reg).is_some_and(|&i| {
        let x = &cx.t.registries[i];
        x.public_network_access != PublicNetworkAccess::Disabled
            && x.storage.public_network_access != Some(PublicNetworkAccess::Disabled)
            && x.acr.public_network_access != Some(PublicNetworkAccess::Disabled)
    });
    // A part SecuredByPerimeter takes public traffic as its perimeter's rules say: the "public
    // registry" design may or may not hold, and the finding stands only where it does under
    // both.
    let perimeter: Vec<String> = ["", ":storage", ":acr"]
        .iter()
        .map(|p| format!("registry/{reg}{p}"))
        .filter(|r| secured_by_perimeter(cx, r))
        .collect();
    let fired = |public| {
        fires(
            &missing,
            parts.len() - missing.len(),
            public,
            any(|r| r == Reach::Private, reg),
            any(|r| r == Reach::Open, reg),
        )
    };
    let stands = if public_registry && !perimeter.is_empty() {
        match (fired(true), fired(false)) {
            (None, None) => None,
            (a, b) => Some(a == Some(true) && b == Some(true)),
        }
    } else {
        fired(public_registry)
    };
    let decided = stands?;
    let needs = if decided {
        Vec::new()
    } else {
        open_needs(cx, regs, &perimeter)
    };
    // Endpoints are proposed for the parts surely reached otherwise.
    let surely: Vec<&FlowResult> = missing
        .iter()
        .filter(|m| m.2 == Reach::Public)
        .map(|m| m.1)
        .collect();
    let missing: Vec<(&str, &FlowResult)> = missing.iter().map(|(l, f, _)| (*l, *f)).collect();
    let (resource, at) = match subnet_address(place) {
        Some(_) => (
            format!("vnet/{}", vnet_part(place)),
            vnet_at(cx, vnet_part(place)),
        ),
        None => (format!("workspace/{ws}"), workspace_at(cx, ws)),
    };
    let others: Vec<&str> = regs
        .iter()
        .filter(|(n, fs)| fs.iter().all(|f| reach(cx, n, f) == Reach::Private))
        .map(|(n, _)| n)
        .filter(|n| *n != reg)
        .map(|n| n.as_str())
        .collect();
    let labels: Vec<&str> = missing.iter().map(|(l, _)| *l).collect();
    let message = if needs.is_empty() {
        format!(
            "computes in {place} reach {} privately, but not registry {reg}'s {}",
            if others.is_empty() {
                "other parts of this registry".to_string()
            } else {
                format!("registry {}", others.join(", "))
            },
            labels.join(", ")
        )
    } else {
        format!(
            "cannot confirm that computes in {place}, which may reach registries privately, reach registry {reg}'s {} privately as well",
            labels.join(", ")
        )
    };
    let mut finding = Finding::new(
        &DOC,
        resource,
        message,
        format!(
            "create private endpoints for registry {reg}'s {} where {place} reaches them",
            labels.join(", ")
        ),
        &at,
    );
    finding = finding.with_trace(missing[0].1.trace.clone());
    if !needs.is_empty() {
        finding.severity = Severity::Warning.min(DOC.severity);
        finding.needs.extend(needs);
    }
    // One endpoint for each part the computes miss.
    for f in surely {
        if let Some(to) = destination(f) {
            finding = finding.with_changes(flow_endpoint(cx, Some(ws), &f.trace, &to));
        }
    }
    Some(finding)
}

/// What the open flows of a place lack, when a finding rests on them: each once.
fn open_needs(cx: &Context, regs: &Registries, perimeter: &[String]) -> Vec<String> {
    regs.iter()
        .flat_map(|(n, fs)| fs.iter().map(move |f| (n, f)))
        .filter(|(n, f)| reach(cx, n, f) == Reach::Open)
        .map(|(n, f)| {
            f.trace
                .missing
                .first()
                .cloned()
                .or_else(|| endpoints_open(cx.t, Kind::Registry, n))
                .unwrap_or_else(|| {
                    format!(
                        "whether {} reaches registry {n} privately",
                        name_of(&f.trace.from)
                    )
                })
        })
        .chain(perimeter.iter().filter_map(|r| needs(cx, r, PUBLIC_ACCESS)))
        .fold(Vec::new(), |mut v, m| {
            if !v.contains(&m) {
                v.push(m);
            }
            v
        })
}

/// How a flow to a part of a registry goes: through a private endpoint, not, or open (what the
/// input leaves open may take it either way).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reach {
    Private,
    Public,
    Open,
}

/// Whether the finding about one registry stands, over every way its open flows may go:
/// `None` when it stands in none, `Some(true)` in all, `Some(false)` in some. `missing`: its
/// parts not surely reached privately, `private`: how many are, `others_private` and
/// `others_open`: whether a flow of another registry from the same place surely, or perhaps,
/// is private.
fn fires(
    missing: &[(&str, &FlowResult, Reach)],
    private: usize,
    public_registry: bool,
    others_private: bool,
    others_open: bool,
) -> Option<bool> {
    let open = missing.iter().filter(|m| m.2 == Reach::Open).count();
    let (mut some, mut every) = (false, true);
    // At most the three parts of one registry: eight ways.
    for turned in 0..=open {
        let (now_private, now_missing) = (private + turned, missing.len() - turned);
        // A public registry used entirely over its public endpoints is the seeds' "public
        // registry" design, not an incomplete endpoint set.
        let incomplete = now_missing > 0 && !(public_registry && now_missing == PARTS.len());
        some |= incomplete && (others_private || others_open || now_private > 0);
        every &= incomplete && (others_private || now_private > 0);
    }
    some.then_some(every)
}
