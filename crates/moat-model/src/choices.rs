//! Values the input leaves open among the deployment's own elements.
//!
//! A private endpoint whose target id is a variable or parameter without value exists: its
//! subnet, its address and its DNS records are known, only what it connects to is not. It is
//! neither dropped nor taken to connect to nothing. It may connect to any resource of the
//! deployment that accepts its group id, or to one outside the deployment. The deployment as
//! written (its target a placeholder outside the deployment) is the second case; each
//! [`Variant`] here is the first case for one candidate. Analyses agree on all of them or
//! answer unknown, as for [`crate::presence`] — so a workspace whose only private endpoint
//! has an unknown target is never "without a private endpoint", nor reached for sure.

use crate::address::{Address, Kind};
use crate::presence::{Choice, Variant};
use crate::topology::Topology;
use crate::validate::valid_group_ids;

/// Most candidate targets analysed one by one (over every private endpoint of unknown
/// target) when [`crate::presence::variants`] cannot vary them together with the rest of what
/// is open; beyond, the first ones in input order, and nothing is decided.
pub const MAX_CHOICES: usize = 24;

/// The group ids tried for a candidate when the endpoint's own is unknown as well.
const PRIMARY_GROUPS: &[&str] = &[
    "amlworkspace",
    "amlregistry",
    "blob",
    "file",
    "dfs",
    "vault",
    "registry",
    "azuremonitor",
];

/// The kind of resource a private endpoint of group id `group` connects to (`amlworkspace` →
/// workspace, `blob` → storage account), when the group id names one kind.
pub fn target_kind(group: &str) -> Option<Kind> {
    Some(match group.to_ascii_lowercase().as_str() {
        "amlworkspace" => Kind::Workspace,
        "amlregistry" => Kind::Registry,
        "vault" => Kind::Keyvault,
        "registry" => Kind::Acr,
        "azuremonitor" => Kind::Ampls,
        g if ["blob", "file", "queue", "table", "dfs", "web"]
            .iter()
            .any(|p| g.starts_with(p)) =>
        {
            Kind::Storage
        }
        _ => return None,
    })
}

/// Every resource of the deployment a private endpoint can connect to.
fn targets(t: &Topology) -> Vec<Address> {
    let r = |kind: Kind, name: &str, sub: Option<&str>| Address::Resource {
        kind,
        name: name.to_string(),
        sub: sub.map(str::to_string),
    };
    let mut out = Vec::new();
    out.extend(
        t.workspaces
            .iter()
            .map(|x| r(Kind::Workspace, &x.name, None)),
    );
    for x in &t.registries {
        out.push(r(Kind::Registry, &x.name, None));
        out.push(r(Kind::Registry, &x.name, Some("storage")));
        out.push(r(Kind::Registry, &x.name, Some("acr")));
    }
    out.extend(
        t.storage_accounts
            .iter()
            .map(|x| r(Kind::Storage, &x.name, None)),
    );
    out.extend(
        t.key_vaults
            .iter()
            .map(|x| r(Kind::Keyvault, &x.name, None)),
    );
    out.extend(
        t.container_registries
            .iter()
            .map(|x| r(Kind::Acr, &x.name, None)),
    );
    out.extend(
        t.monitor_private_link_scopes
            .iter()
            .map(|x| r(Kind::Ampls, &x.name, None)),
    );
    out
}

/// The possible `(target, group id)` of private endpoint `i` among the deployment's
/// resources, when the input leaves its target unknown; empty otherwise.
pub fn endpoint_candidates(t: &Topology, i: usize) -> Vec<(Address, String)> {
    let pe = &t.private_endpoints[i];
    if t.is_unknown(&format!("private-endpoint/{}", pe.name), "target")
        .is_none()
    {
        return Vec::new();
    }
    candidates(t, &pe.target, &pe.group_id)
}

/// Whether `a` is a placeholder for a resource the input leaves open (`workspace/<wsId>`).
fn is_placeholder(a: &Address) -> bool {
    matches!(a, Address::Resource { name, .. } if name.starts_with('<'))
}

/// The resources of the deployment a placeholder target of group `group` may be, with the
/// group each is reached by: those accepting the group, or, when the group is unknown too,
/// each resource with each of its primary groups.
fn candidates(t: &Topology, target: &Address, group: &str) -> Vec<(Address, String)> {
    if !is_placeholder(target) {
        return Vec::new();
    }
    let all = targets(t);
    let known_group = all.iter().any(|a| {
        valid_group_ids(a)
            .iter()
            .any(|g| g.eq_ignore_ascii_case(group))
    });
    let mut out = Vec::new();
    for a in all {
        let valid = valid_group_ids(&a);
        if known_group {
            if valid.iter().any(|g| g.eq_ignore_ascii_case(group)) {
                out.push((a, group.to_string()));
            }
        } else {
            for g in PRIMARY_GROUPS.iter().filter(|g| valid.contains(g)) {
                out.push((a.clone(), g.to_string()));
            }
        }
    }
    out
}

/// The variants with each managed network private endpoint rule of unknown destination
/// pointed at each resource of the deployment it may be.
fn outbound_variants(t: &Topology, cap: usize, out: &mut Vec<Variant>) -> Result<(), Cut> {
    use crate::ml::OutboundDestination;
    for (wi, w) in t.workspaces.iter().enumerate() {
        for (ri, r) in w.managed_network.outbound_rules.iter().enumerate() {
            let OutboundDestination::PrivateEndpoint(d) = &r.destination else {
                continue;
            };
            let resource = format!("workspace/{}", w.name);
            let field = format!("managed_network/outbound_rules/{}", r.name);
            let Some(u) = t.is_unknown(&resource, &field) else {
                continue;
            };
            let Ok(target) = d.service_resource.parse::<Address>() else {
                continue;
            };
            for (a, group) in candidates(t, &target, &d.subresource_target) {
                if out.len() >= cap {
                    return Err(Cut);
                }
                let mut v = t.clone();
                let value = a.to_string();
                if let OutboundDestination::PrivateEndpoint(x) =
                    &mut v.workspaces[wi].managed_network.outbound_rules[ri].destination
                {
                    x.service_resource = value.clone();
                    x.subresource_target = group;
                }
                v.unknowns
                    .retain(|x| !(x.resource == resource && x.field == field));
                out.push(Variant {
                    topology: v,
                    absent: Vec::new(),
                    dependents: 0,
                    reason: None,
                    unexplored: None,
                    choices: vec![Choice {
                        element: format!(
                            "private endpoint rule `{}` of workspace `{}`",
                            r.name, w.name
                        ),
                        relation: "connects to".into(),
                        value,
                        reason: format!("its destination is unknown: {}", u.reason),
                    }],
                });
            }
        }
    }
    Ok(())
}

/// The variants with each private endpoint (or managed network private endpoint rule) of
/// unknown target connected to each of its candidates (at most [`MAX_CHOICES`]).
pub fn variants(t: &Topology) -> Vec<Variant> {
    let mut out = Vec::new();
    // Past the cap, the candidates analysed are the first ones.
    let _ = within(t, MAX_CHOICES, &mut out);
    out
}

/// More candidates than a cap: those past it are not among the variants.
#[derive(Debug)]
pub struct Cut;

/// [`variants`] up to `cap` of them, in `out`; `Err` when there are more.
pub fn within(t: &Topology, cap: usize, out: &mut Vec<Variant>) -> Result<(), Cut> {
    outbound_variants(t, cap, out)?;
    for i in 0..t.private_endpoints.len() {
        let candidates = endpoint_candidates(t, i);
        if candidates.is_empty() {
            continue;
        }
        let pe = &t.private_endpoints[i];
        let reason = t
            .is_unknown(&format!("private-endpoint/{}", pe.name), "target")
            .map(|u| format!("its target is unknown: {}", u.reason))
            .unwrap_or_default();
        for (target, group) in candidates {
            if out.len() >= cap {
                return Err(Cut);
            }
            let mut v = t.clone();
            let value = if group.eq_ignore_ascii_case(&pe.group_id) {
                target.to_string()
            } else {
                format!("{target} ({group})")
            };
            v.private_endpoints[i].target = target;
            v.private_endpoints[i].group_id = group;
            // The variant fixes the value: it is no longer open there.
            let key = format!("private-endpoint/{}", pe.name);
            v.unknowns
                .retain(|u| !(u.resource == key && u.field == "target"));
            out.push(Variant {
                topology: v,
                absent: Vec::new(),
                dependents: 0,
                reason: None,
                unexplored: None,
                choices: vec![Choice {
                    element: format!("private endpoint `{}`", pe.name),
                    relation: "connects to".into(),
                    value,
                    reason: reason.clone(),
                }],
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::privatelink::PrivateEndpoint;
    use crate::topology::Unknown;

    fn pe(target: &str, group: &str) -> PrivateEndpoint {
        serde_json::from_value(serde_json::json!({
            "name": "pe", "subnet": "vnet/pe", "target": target, "group_id": group,
        }))
        .unwrap()
    }

    fn with(pes: Vec<PrivateEndpoint>, unknown: bool) -> Topology {
        let mut t: Topology = serde_json::from_value(serde_json::json!({
            "workspaces": [{"name": "ws", "storage_account": "st", "key_vault": "kv"}],
            "storage_accounts": [{"name": "st"}],
            "key_vaults": [{"name": "kv"}],
        }))
        .unwrap();
        t.private_endpoints = pes;
        if unknown {
            t.unknowns.push(Unknown {
                resource: "private-endpoint/pe".into(),
                field: "target".into(),
                reason: "variable `id` has no value".into(),
                at: Default::default(),
            });
        }
        t
    }

    #[test]
    fn an_unknown_target_may_be_any_resource_accepting_the_group() {
        let t = with(vec![pe("workspace/<unknown>", "amlworkspace")], true);
        let vs = variants(&t);
        assert_eq!(vs.len(), 1);
        assert_eq!(
            vs[0].topology.private_endpoints[0].target.to_string(),
            "workspace/ws"
        );
        assert_eq!(
            vs[0].question(),
            "what private endpoint `pe` connects to (its target is unknown: variable `id` has no value)"
        );
        assert_eq!(vs[0].condition(), "if it connects to workspace/ws");
    }

    #[test]
    fn an_unknown_group_tries_each_resource_with_its_groups() {
        let t = with(vec![pe("storage/<unknown>", "<unknown>")], true);
        let got: Vec<String> = variants(&t)
            .iter()
            .map(|v| v.choices[0].value.clone())
            .collect();
        assert_eq!(
            got,
            vec![
                "workspace/ws (amlworkspace)",
                "storage/st (blob)",
                "storage/st (file)",
                "storage/st (dfs)",
                "keyvault/kv (vault)"
            ]
        );
    }

    #[test]
    fn a_known_target_gives_no_variant() {
        assert!(variants(&with(vec![pe("workspace/ws", "amlworkspace")], true)).is_empty());
        assert!(variants(&with(vec![pe("workspace/<x>", "amlworkspace")], false)).is_empty());
        // A name the input gives, outside the deployment, is not open.
        assert!(variants(&with(vec![pe("workspace/other", "amlworkspace")], true)).is_empty());
    }
}
