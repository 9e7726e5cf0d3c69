//! Changes to a private endpoint's DNS zone group: the privatelink zones of its sub-resource
//! added (created or linked where the model shows them missing, as for a new endpoint), and
//! zones that do not belong there removed.

use crate::change::Change;
use crate::context::Context;
use crate::rules::util_core::vnet_part;
use crate::rules::util_endpoint::zone;
use moat_model::privatelink::PrivateEndpoint;

/// Most zones one zone group holds.
pub const MAX_ZONES: usize = 5;

/// The zone a zone group entry names (`zone` or `resource-group/zone`), lower case, without a
/// trailing dot.
pub fn zone_name(written: &str) -> String {
    let name = written.rsplit('/').next().unwrap_or(written);
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// The edit of `pe`'s zone group that adds the zones named `add` it does not name yet and
/// removes the entries `remove` (as written). `None` when nothing changes, the endpoint's VNet
/// is not declared, a zone to add cannot be chosen (see [`zone`]) or is one the input only
/// refers to (its links are unknown), or the group would hold more than [`MAX_ZONES`].
pub fn edit_zone_group(
    cx: &Context,
    pe: &PrivateEndpoint,
    add: &[&str],
    remove: &[String],
) -> Option<Change> {
    edit_zone_group_of(cx, pe, &pe.group_id, add, remove)
}

/// [`edit_zone_group`] for the endpoint once its sub-resource is `group_id`.
pub fn edit_zone_group_of(
    cx: &Context,
    pe: &PrivateEndpoint,
    group_id: &str,
    add: &[&str],
    remove: &[String],
) -> Option<Change> {
    let vnet = vnet_part(&pe.subnet);
    if !cx.e.ix.virtual_networks.contains_key(vnet) {
        return None;
    }
    let kept: Vec<String> = pe
        .dns_zone_group
        .iter()
        .filter(|z| !remove.contains(z))
        .map(|z| zone_name(z))
        .collect();
    let mut zones = Vec::new();
    for name in add {
        let lower = name.to_ascii_lowercase();
        if kept.contains(&lower)
            || zones
                .iter()
                .any(|z: &crate::change::EndpointZone| z.name.eq_ignore_ascii_case(name))
        {
            continue;
        }
        let z = zone(cx, &pe.target, group_id, name, vnet)?;
        // The zone chosen (by name and resource group): one the input only refers to.
        let external = cx.t.private_dns_zones.iter().any(|d| {
            d.external
                && d.name.eq_ignore_ascii_case(&z.name)
                && d.resource_group == z.resource_group
        });
        if external {
            return None;
        }
        zones.push(z);
    }
    if (zones.is_empty() && remove.is_empty()) || kept.len() + zones.len() > MAX_ZONES {
        return None;
    }
    Some(Change::EditZoneGroup {
        endpoint: pe.name.clone(),
        vnet: vnet.to_string(),
        add: zones,
        remove: remove.to_vec(),
    })
}
