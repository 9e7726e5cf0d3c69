//! Values a firewall policy's rule collection groups leave open, seen from the firewall.
//!
//! A rule collection group is a child of its policy; a rule field the template leaves open
//! (`sourceAddresses`, `destinationAddresses` or `destinationPorts` from a parameter without
//! value) is recorded on the group. A trace through a firewall reads the policy, so the open
//! value is recorded on the policy as well: a flow such a rule may allow or refuse is
//! unknown, never allowed by a rule read as `*`.

use moat_model::{Topology, Unknown};

/// Records each unknown of a rule collection group (`rule-collection-group/<policy>/<group>`)
/// on its policy (`firewall-policy/<policy>`), field `rule_collection_groups/<group>/<field>`.
pub(super) fn lift_to_policies(t: &mut Topology) {
    let lifted: Vec<Unknown> = t
        .unknowns
        .iter()
        .filter_map(|u| {
            let rest = u.resource.strip_prefix("rule-collection-group/")?;
            let (policy, group) = rest.split_once('/')?;
            Some(Unknown {
                resource: format!("firewall-policy/{policy}"),
                field: format!("rule_collection_groups/{group}/{}", u.field),
                reason: u.reason.clone(),
                at: u.at.clone(),
            })
        })
        .collect();
    for u in lifted {
        if !t
            .unknowns
            .iter()
            .any(|x| x.resource == u.resource && x.field == u.field)
        {
            t.unknowns.push(u);
        }
    }
}
