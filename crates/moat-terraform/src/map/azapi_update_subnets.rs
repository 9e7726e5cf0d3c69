//! `azapi_update_resource` bodies that write a VNet's subnets (`properties.subnets`).
//!
//! The provider merges the body into the VNet it reads ("if overlaps, use new value"): a list
//! of another length than the one read is taken whole, but two lists of one length are merged
//! element by element, in the order Azure returns the subnets. Each subnet the body writes then
//! keeps, for every property it leaves out, the value of the subnet Azure returned at its
//! place: one subnet's NSG survives an update that only adds service endpoints to it. Where the
//! lists may be of one length, a property the body leaves out is the value every subnet it may
//! have merged into holds (and, when the lengths may also differ, Azure's default as the body
//! alone gives it), or else open.

use super::Mapper;
use super::azapi::is_stand_in;
use crate::config::Mode;
use crate::value::{ResObj, Value};
use moat_model::Unknown;
use moat_model::network::Subnet;
use serde_json::Value as Json;
use std::collections::HashSet;

/// The subnet properties of ARM, each with the model field it decides.
const FIELDS: [(&[&str], &str); 9] = [
    (&["addressPrefix", "addressPrefixes"], "address_prefixes"),
    (&["networkSecurityGroup"], "network_security_group"),
    (&["routeTable"], "route_table"),
    (&["natGateway"], "nat_gateway"),
    (&["serviceEndpoints"], "service_endpoints"),
    (&["serviceEndpointPolicies"], "service_endpoint_policies"),
    (&["delegations"], "delegations"),
    (
        &["privateEndpointNetworkPolicies"],
        "private_endpoint_network_policies",
    ),
    (&["defaultOutboundAccess"], "default_outbound_access"),
];

impl Mapper<'_> {
    /// After an update whose `body` writes the subnets of VNet `vnet` was applied (each subnet
    /// it writes replaced whole by the body's, `set`), gives each property the body leaves
    /// out the value the provider's merge may give it, from the subnets as they were (`old`),
    /// or makes it open.
    pub(super) fn merge_subnets_in_order(
        &mut self,
        vnet: &str,
        old: &[Subnet],
        body: &Json,
        o: &ResObj,
    ) {
        let Some(Json::Array(list)) = body.get("properties").and_then(|p| p.get("subnets")) else {
            return;
        };
        let Some(vi) = self
            .t
            .virtual_networks
            .iter()
            .position(|v| v.name == vnet && !is_stand_in(&v.at))
        else {
            return;
        };
        let res = format!("vnet/{vnet}");
        // Subnets written as resources of their own, and those that may not exist, by where
        // they are written: looked up, not searched for, per subnet.
        let separate: HashSet<&str> = self
            .recs
            .iter()
            .filter(|r| {
                r.mode == Mode::Managed
                    && (r.rtype == "azurerm_subnet"
                        || (r.rtype == "azapi_resource"
                            && matches!(r.obj.attrs.get("type"), Some(Value::String(t))
                                if t.to_ascii_lowercase().starts_with("microsoft.network/virtualnetworks/subnets"))))
            })
            .map(|r| r.addr.as_str())
            .collect();
        let may_exist: HashSet<(&str, &str)> = self
            .t
            .may_exist
            .iter()
            .map(|m| (m.at.file.as_str(), m.at.pointer.as_str()))
            .collect();
        let uncertain = |s: &Subnet| {
            separate.contains(s.at.pointer.as_str())
                || may_exist.contains(&(s.at.file.as_str(), s.at.pointer.as_str()))
        };
        let open_count = self
            .t
            .unknowns
            .iter()
            .any(|u| u.resource == res && (u.field == "subnet" || u.field == "subnets"));
        let min = old.iter().filter(|s| !uncertain(s)).count();
        let max = (!open_count).then_some(old.len());
        let n = list.len();
        let same = n > 0 && n >= min && max.is_none_or(|m| n <= m);
        if !same {
            return;
        }
        // Lengths that may differ: the body's subnet alone, with Azure's defaults, may be it.
        let other = min != n || max != Some(n);
        // The fields left open in the subnets as they were.
        let prefix = format!("subnet/{vnet}/");
        let open_before: HashSet<(&str, &str)> = self
            .t
            .unknowns
            .iter()
            .filter_map(|u| Some((u.resource.strip_prefix(&prefix)?, u.field.as_str())))
            .collect();
        let olds: Vec<Json> = old
            .iter()
            .filter_map(|s| serde_json::to_value(s).ok())
            .collect();
        let mut opened = Vec::new();
        for x in list {
            let Some(name) = x.get("name").and_then(Json::as_str) else {
                continue;
            };
            let props = x.get("properties");
            let Some(si) = self.t.virtual_networks[vi]
                .subnets
                .iter()
                .position(|s| s.name.eq_ignore_ascii_case(name))
            else {
                continue;
            };
            let Ok(mut now) = serde_json::to_value(&self.t.virtual_networks[vi].subnets[si]) else {
                continue;
            };
            for (keys, field) in FIELDS {
                if keys
                    .iter()
                    .any(|k| props.is_some_and(|p| p.get(*k).is_some()))
                {
                    continue;
                }
                let mut values: Vec<Option<&Json>> = olds.iter().map(|s| s.get(field)).collect();
                if other {
                    values.push(now.get(field));
                }
                let first = values.first().copied().flatten().cloned();
                // A value the configuration leaves open in one of them is open here too.
                let open = old
                    .iter()
                    .any(|s| open_before.contains(&(s.name.as_str(), field)));
                if !open && values.iter().all(|v| v.cloned() == first) {
                    if let (Some(v), Json::Object(m)) = (first, &mut now) {
                        m.insert(field.to_string(), v);
                    }
                } else {
                    opened.push((format!("subnet/{vnet}/{name}"), field));
                }
            }
            if let Ok(s) = serde_json::from_value::<Subnet>(now) {
                self.t.virtual_networks[vi].subnets[si] = s;
            }
        }
        for (resource, field) in opened {
            self.t.unknowns.push(Unknown {
                resource,
                field: field.to_string(),
                reason: format!(
                    "`{}` writes as many subnets as the VNet may hold, and leaves `{field}` out: the provider merges each into the subnet Azure returns at its place, an order Azure does not document",
                    o.addr
                ),
                at: o.loc.provenance(&o.addr),
            });
        }
    }
}
