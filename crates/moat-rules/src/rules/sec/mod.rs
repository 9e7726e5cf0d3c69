//! SEC: security posture, the settings checkov and PSRule for Azure check on Azure ML
//! deployments, decided with the model (a workspace's private endpoints, IP allow list and
//! managed network; a storage account's firewall). Each rule names its peer checks in its
//! sources, so a team can map its suppressions.

use crate::context::Context;
use crate::rule::Rule;
use moat_model::deps::{NetworkRuleSet, StorageAccount};
use moat_model::enums::{DefaultAction, PublicNetworkAccess};
use moat_model::ml::Compute;

pub mod sec001;
pub mod sec002;
pub mod sec003;
pub mod sec004;
pub mod sec005;
pub mod sec006;
pub mod sec007;
pub mod sec008;
pub mod sec009;
pub mod sec010;
pub mod sec011;
pub mod sec012;
pub mod sec013;
pub mod sec014;
pub mod sec015;
pub mod sec016;
pub mod sec017;
pub mod sec018;
pub mod sec019;

/// The SEC rules.
pub fn rules() -> Vec<&'static dyn Rule> {
    vec![
        &sec001::RULE,
        &sec002::RULE,
        &sec003::RULE,
        &sec004::RULE,
        &sec005::RULE,
        &sec006::RULE,
        &sec007::RULE,
        &sec008::RULE,
        &sec009::RULE,
        &sec010::RULE,
        &sec011::RULE,
        &sec012::RULE,
        &sec013::RULE,
        &sec014::RULE,
        &sec015::RULE,
        &sec016::RULE,
        &sec017::RULE,
        &sec018::RULE,
        &sec019::RULE,
    ]
}

/// What a finding adds when the setting it reads is a located unknown: the finding is then
/// not decided, and says why.
pub(crate) fn undecided(cx: &Context, resource: &str, field: &str) -> String {
    match cx.e.is_unknown(resource, field) {
        Some(u) => format!(
            " (not decided: {field} of {resource} is unknown: {}, {})",
            u.reason, u.at
        ),
        None if field == PUBLIC_ACCESS && secured_by_perimeter(cx, resource) => format!(
            " (not decided: {field} of {resource} is SecuredByPerimeter, so the access rules of its network security perimeter decide)"
        ),
        None => String::new(),
    }
}

/// The located unknown a finding depends on, in the words of a trace's `missing`; for public
/// network access `SecuredByPerimeter`, the perimeter's access rules.
pub(crate) fn needs(cx: &Context, resource: &str, field: &str) -> Option<String> {
    match cx.e.is_unknown(resource, field) {
        Some(u) => Some(format!("{field} of {resource}: {} ({})", u.reason, u.at)),
        None if field == PUBLIC_ACCESS && secured_by_perimeter(cx, resource) => Some(format!(
            "the access rules (and access mode) of the network security perimeter {resource} is associated with: its {field} is SecuredByPerimeter"
        )),
        None => None,
    }
}

/// What a finding about a resource open to every network needs when a network security
/// perimeter, not its firewall, decides that (see [`secured_by_perimeter`]).
pub(crate) fn perimeter_needs(cx: &Context, resource: &str) -> Option<String> {
    if cx.e.is_unknown(resource, PUBLIC_ACCESS).is_some() {
        return None;
    }
    needs(cx, resource, PUBLIC_ACCESS)
}

/// The field that says whether a resource takes public traffic.
pub(crate) const PUBLIC_ACCESS: &str = "public_network_access";

/// Whether `resource` (`workspace/w`, `registry/r`, `registry/r:storage`, `registry/r:acr`,
/// `online-endpoint/e`, `storage/st`, `keyvault/kv`, `acr/cr`) has public network access
/// `SecuredByPerimeter`: a network security perimeter, which the model does not describe,
/// decides who reaches it publicly (the perimeter's rules, or in Transition mode those and
/// then the resource's own settings), so neither "open to every network" nor "closed" is
/// established.
pub(crate) fn secured_by_perimeter(cx: &Context, resource: &str) -> bool {
    let secured = |p: PublicNetworkAccess| p == PublicNetworkAccess::SecuredByPerimeter;
    let (t, ix) = (cx.t, &cx.e.ix);
    let Some((kind, n)) = resource.split_once('/') else {
        return false;
    };
    match kind {
        "workspace" => ix
            .workspaces
            .get(n)
            .is_some_and(|&i| secured(t.workspaces[i].public_network_access)),
        "registry" => {
            let (name, part) = n.split_once(':').unwrap_or((n, ""));
            ix.registries.get(name).is_some_and(|&i| {
                let r = &t.registries[i];
                match part {
                    "storage" => r.storage.public_network_access.is_some_and(secured),
                    "acr" => r.acr.public_network_access.is_some_and(secured),
                    _ => secured(r.public_network_access),
                }
            })
        }
        "online-endpoint" => ix
            .online_endpoints
            .get(n)
            .is_some_and(|&i| secured(t.online_endpoints[i].public_network_access)),
        "storage" => ix
            .storage_accounts
            .get(n)
            .is_some_and(|&i| secured(t.storage_accounts[i].public_network_access)),
        "keyvault" => ix
            .key_vaults
            .get(n)
            .is_some_and(|&i| secured(t.key_vaults[i].public_network_access)),
        "acr" => ix
            .container_registries
            .get(n)
            .is_some_and(|&i| secured(t.container_registries[i].public_network_access)),
        _ => false,
    }
}

/// Whether a resource's public endpoint answers every network: public access not Disabled
/// (Azure's default is Enabled) and a firewall that allows by default.
pub(crate) fn open(pna: PublicNetworkAccess, default_action: DefaultAction) -> bool {
    pna != PublicNetworkAccess::Disabled && default_action == DefaultAction::Allow
}

/// Whether a storage account's public endpoint answers every network.
pub(crate) fn storage_open(s: &StorageAccount) -> bool {
    open(s.public_network_access, s.network_rules.default_action)
}

/// Whether a key vault's or container registry's public endpoint answers every network.
pub(crate) fn rule_set_open(pna: PublicNetworkAccess, set: &NetworkRuleSet) -> bool {
    open(pna, set.default_action)
}

/// Whether a compute has an address on the internet: its nodes get a public IP (Azure's
/// default), or it is in no network the deployment controls (no subnet of a customer VNet and
/// no managed network), where Azure gives it one. A compute in a subnet or a managed network
/// without public IP is reached only from inside that network.
pub(crate) fn compute_exposed(cx: &Context, c: &Compute) -> bool {
    if c.enable_node_public_ip {
        return true;
    }
    // A project's compute runs in its hub's managed network (see `ops::managed_network`).
    c.subnet.is_none()
        && !cx.e.ix.workspaces.get(&c.workspace).is_some_and(|&i| {
            moat_engine::ops::managed_network(cx.t, &cx.t.workspaces[i]) == Ok(true)
        })
}

/// What an exposure finding needs when the compute's public IP setting is a located unknown,
/// or, for a compute without public IP outside a subnet, its workspace is one the input does
/// not contain (whether that workspace has a managed network is then unknown).
pub(crate) fn exposure_needs(cx: &Context, c: &Compute, resource: &str) -> Option<String> {
    needs(cx, resource, "enable_node_public_ip").or_else(|| {
        (!c.enable_node_public_ip && c.subnet.is_none())
            .then(|| {
                needs(cx, resource, "workspace").or_else(|| {
                    outside_hub(cx, c).map(|hub| {
                        moat_model::external::properties_need(&format!("workspace/{hub}"))
                    })
                })
            })
            .flatten()
    })
}

/// The hub a compute without public IP outside a subnet runs in the network of, when the input
/// does not declare it: a project's compute sits in its hub's network (facts §6 item 99), a
/// managed network (no public address) or none (a public one).
fn outside_hub<'t>(cx: &Context<'_, 't>, c: &Compute) -> Option<&'t str> {
    moat_net::names::hub_outside(cx.t, &cx.e.ix, &c.workspace)
}

/// What an exposure finding's message adds when only the network of an undeclared hub says
/// whether the compute has a public address (see [`exposure_needs`]).
pub(crate) fn exposure_undecided(cx: &Context, c: &Compute, resource: &str) -> String {
    let open_hub = !c.enable_node_public_ip
        && c.subnet.is_none()
        && needs(cx, resource, "enable_node_public_ip").is_none()
        && needs(cx, resource, "workspace").is_none();
    match outside_hub(cx, c).filter(|_| open_hub) {
        Some(hub) => format!(
            " (not decided: it runs in the network of hub {hub}, which the input does not declare: in a managed network it has no public address)"
        ),
        None => String::new(),
    }
}
