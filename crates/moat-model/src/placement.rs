//! Which subscription and tenant a resource lives in.
//!
//! Several documented requirements compare them: a compute's VNet in the workspace's
//! subscription, a managed network's private endpoint targets in the workspace's tenant, an
//! online endpoint's associated resources in its workspace's subscription and tenant. A
//! resource the input declares is deployed into the deployment's subscription (whatever its id
//! is, which the input often leaves open) unless a [`Placement`] says otherwise: a resource
//! named by a full id carries that id's subscription, a resource reached through an unknown
//! reference (a parameter, a variable) has an unknown one, and a user can declare either in
//! the native overlay. Comparisons answer yes, no, or what they would need to know.

use crate::Provenance;
use crate::external::ALL_FIELDS;
use crate::topology::Topology;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Where one resource lives, when it is not simply the deployment's subscription.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Placement {
    /// The resource, as an address (`vnet/hub`, `storage/data`, `workspace/ws`).
    pub resource: String,
    /// Its subscription id; absent when the input leaves it open (`reason` says why).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription: Option<String>,
    /// Its tenant id, when the input gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// Why the subscription is unknown, when it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(
        rename = "$at",
        default,
        skip_serializing_if = "Provenance::is_unknown"
    )]
    #[schemars(skip)]
    pub at: Provenance,
}

/// A resource's subscription as the input determines it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subscription {
    /// The subscription the deployment is deployed into (its id is `Topology::subscription`,
    /// when given).
    Deployment,
    /// A subscription id the input states (an id's `/subscriptions/<id>/`, a declaration).
    Id(String),
    /// The input leaves it open: what would be needed to know it.
    Unknown(String),
}

/// The all-zero subscription id: no real subscription has it; the template evaluator writes it
/// for `subscription()` when not told the deployment's subscription, so an id holding it is in
/// the deployment's subscription.
pub const DEPLOYMENT_PLACEHOLDER: &str = "00000000-0000-0000-0000-000000000000";

/// The subscription id a full ARM id names (`/subscriptions/<id>/...`).
pub fn subscription_of_id(id: &str) -> Option<&str> {
    let rest = id
        .trim()
        .strip_prefix('/')
        .unwrap_or(id.trim())
        .split_once('/')
        .filter(|(head, _)| head.eq_ignore_ascii_case("subscriptions"))?
        .1;
    let sub = rest.split('/').next()?;
    (!sub.is_empty() && !sub.contains(['[', '(', '$', '<'])).then_some(sub)
}

/// The subscription a reference to a resource states: the id's for a full id, unknown for an
/// id whose subscription is not a literal (`/subscriptions/<sub>/...` from a parameter); `None`
/// for a reference by name, which stays in the deployment's subscription.
pub fn subscription_of_reference(reference: &str) -> Option<Subscription> {
    let r = reference.trim();
    if let Some(sub) = subscription_of_id(r) {
        if sub == DEPLOYMENT_PLACEHOLDER {
            return None;
        }
        return Some(Subscription::Id(sub.to_string()));
    }
    r.to_ascii_lowercase()
        .starts_with("/subscriptions/")
        .then(|| {
            Subscription::Unknown(format!(
                "the subscription in {r}: the input does not give its value"
            ))
        })
}

/// The placement recorded for `resource`, if any (addresses compare ignoring case).
pub fn placement<'t>(t: &'t Topology, resource: &str) -> Option<&'t Placement> {
    t.placements
        .iter()
        .rev()
        .find(|p| p.resource.eq_ignore_ascii_case(resource))
}

/// Records where `resource` lives, unless a placement for it exists already.
pub fn record(t: &mut Topology, p: Placement) {
    if placement(t, &p.resource).is_none() {
        t.placements.push(p);
    }
}

/// Records the subscription of a resource the input reaches through `reference`: the id's
/// subscription when the reference is a full id, unknown when it is a placeholder for an
/// unknown value (`<subnetId>`). A reference by name stays in the deployment's subscription.
pub fn record_reference(t: &mut Topology, resource: &str, reference: &str, at: &Provenance) {
    let r = reference.trim();
    let (subscription, reason) = match subscription_of_reference(r) {
        Some(Subscription::Id(s)) => (Some(s), None),
        Some(Subscription::Unknown(why)) => (None, Some(why)),
        Some(Subscription::Deployment) => return,
        // A reference by name: the deployment's, unless the element itself is a placeholder.
        None if is_placeholder_of(resource) => (
            None,
            Some(format!(
                "the subscription of {resource}: the input refers to it through {r}, whose value is unknown"
            )),
        ),
        None => return,
    };
    record(
        t,
        Placement {
            resource: resource.to_string(),
            subscription,
            tenant: None,
            reason,
            at: at.clone(),
        },
    );
}

/// Whether the address names an element known only through an unknown reference
/// (`vnet/<subnetId>`, `subnet/<subnetId>/<subnetId>`).
fn is_placeholder_of(resource: &str) -> bool {
    resource
        .split('/')
        .skip(1)
        .any(|part| part.starts_with('<'))
}

/// The subscription of `resource` (an address such as `vnet/hub` or `storage/data`).
pub fn subscription(t: &Topology, resource: &str) -> Subscription {
    if let Some(p) = placement(t, resource) {
        return match (&p.subscription, &p.reason) {
            (Some(s), _) => Subscription::Id(s.clone()),
            (None, Some(r)) => Subscription::Unknown(r.clone()),
            (None, None) => Subscription::Unknown(format!("the subscription of {resource}")),
        };
    }
    // A VNet known only through an unknown reference: its subscription is as open as the rest.
    if is_placeholder_of(resource)
        && let Some(u) = t.is_unknown(resource, ALL_FIELDS)
    {
        return Subscription::Unknown(format!("the subscription of {resource}: {}", u.reason));
    }
    Subscription::Deployment
}

/// Whether two resources are in one subscription: `Ok(answer)`, or `Err(what is needed)`.
pub fn same_subscription(t: &Topology, a: &str, b: &str) -> Result<bool, String> {
    compare_subscriptions(t, &subscription(t, a), &subscription(t, b))
}

/// Whether two subscriptions, as the input determines them, are one.
pub fn compare_subscriptions(
    t: &Topology,
    a: &Subscription,
    b: &Subscription,
) -> Result<bool, String> {
    match (a, b) {
        (Subscription::Unknown(n), _) | (_, Subscription::Unknown(n)) => Err(n.clone()),
        (Subscription::Deployment, Subscription::Deployment) => Ok(true),
        (Subscription::Id(x), Subscription::Id(y)) => Ok(x.eq_ignore_ascii_case(y)),
        (Subscription::Id(x), Subscription::Deployment)
        | (Subscription::Deployment, Subscription::Id(x)) => match &t.subscription {
            Some(d) => Ok(d.eq_ignore_ascii_case(x)),
            None => Err(format!(
                "the deployment's subscription id (to compare with subscription {x}): the input does not give it"
            )),
        },
    }
}

/// The tenant of a resource in subscription `sub` with the declared tenant `declared`: the
/// declared one, or the deployment's for a resource in the deployment's subscription.
fn tenant_in(t: &Topology, sub: &Subscription, declared: Option<&str>) -> Option<String> {
    if let Some(d) = declared {
        return Some(d.to_string());
    }
    match sub {
        Subscription::Deployment => t.tenant.clone(),
        Subscription::Id(s)
            if t.subscription
                .as_deref()
                .is_some_and(|d| d.eq_ignore_ascii_case(s)) =>
        {
            t.tenant.clone()
        }
        _ => None,
    }
}

/// Whether two resources are in one tenant: resources of one subscription are; otherwise both
/// tenants must be known. `Ok(answer)`, or `Err(what is needed)`.
pub fn same_tenant(t: &Topology, a: &str, b: &str) -> Result<bool, String> {
    let tenant_of = |r: &str| placement(t, r).and_then(|p| p.tenant.as_deref());
    compare_tenants(
        t,
        (a, &subscription(t, a), tenant_of(a)),
        (b, &subscription(t, b), tenant_of(b)),
    )
}

/// Whether two resources, each given as (address, subscription, declared tenant), are in one
/// tenant.
pub fn compare_tenants(
    t: &Topology,
    a: (&str, &Subscription, Option<&str>),
    b: (&str, &Subscription, Option<&str>),
) -> Result<bool, String> {
    if compare_subscriptions(t, a.1, b.1) == Ok(true) {
        return Ok(true);
    }
    match (tenant_in(t, a.1, a.2), tenant_in(t, b.1, b.2)) {
        (Some(x), Some(y)) => Ok(x.eq_ignore_ascii_case(&y)),
        (None, _) => Err(format!("the tenant of {}", a.0)),
        (_, None) => Err(format!("the tenant of {}", b.0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placed(resource: &str, subscription: Option<&str>, tenant: Option<&str>) -> Placement {
        Placement {
            resource: resource.into(),
            subscription: subscription.map(str::to_string),
            tenant: tenant.map(str::to_string),
            reason: None,
            at: Provenance::default(),
        }
    }

    #[test]
    fn an_id_gives_its_subscription() {
        assert_eq!(
            subscription_of_id(
                "/subscriptions/1111/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/hub"
            ),
            Some("1111")
        );
        assert_eq!(subscription_of_id("hub/pe"), None);
        // The evaluator's stand-in for the deployment's own subscription.
        assert_eq!(
            subscription_of_reference(&format!(
                "/subscriptions/{DEPLOYMENT_PLACEHOLDER}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/hub"
            )),
            None
        );
        assert!(matches!(
            subscription_of_reference("/subscriptions/<unknown>/resourceGroups/rg"),
            Some(Subscription::Unknown(_))
        ));
        assert_eq!(
            subscription_of_id("/subscriptions/[parameters('sub')]/resourceGroups/rg"),
            None
        );
    }

    #[test]
    fn declared_resources_share_the_deployment_subscription() {
        let mut t = Topology::default();
        assert_eq!(same_subscription(&t, "workspace/ws", "vnet/v"), Ok(true));
        assert_eq!(same_tenant(&t, "workspace/ws", "vnet/v"), Ok(true));
        // Another subscription by id: undecided until the deployment's own id is known.
        t.placements.push(placed("vnet/v", Some("2222"), None));
        assert!(same_subscription(&t, "workspace/ws", "vnet/v").is_err());
        t.subscription = Some("1111".into());
        assert_eq!(same_subscription(&t, "workspace/ws", "vnet/v"), Ok(false));
        // Its tenant is not said: undecided; said, decided.
        assert!(same_tenant(&t, "workspace/ws", "vnet/v").is_err());
        t.tenant = Some("aaaa".into());
        t.placements[0].tenant = Some("AAAA".into());
        assert_eq!(same_tenant(&t, "workspace/ws", "vnet/v"), Ok(true));
        t.placements[0].tenant = Some("bbbb".into());
        assert_eq!(same_tenant(&t, "workspace/ws", "vnet/v"), Ok(false));
    }

    #[test]
    fn an_unknown_reference_leaves_the_subscription_open() {
        let mut t = Topology::default();
        record_reference(
            &mut t,
            "vnet/<subnetId>",
            "parameters('subnetId')",
            &Provenance::default(),
        );
        let e = same_subscription(&t, "workspace/ws", "vnet/<subnetId>").unwrap_err();
        assert!(e.contains("parameters('subnetId')"), "{e}");
        // A reference by name stays in the deployment's subscription.
        record_reference(&mut t, "vnet/hub", "hub/pe", &Provenance::default());
        assert_eq!(same_subscription(&t, "workspace/ws", "vnet/hub"), Ok(true));
    }
}
