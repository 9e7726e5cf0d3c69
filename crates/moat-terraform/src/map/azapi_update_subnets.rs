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
//!
//! Azure's PUT of a VNet sets its subnets to the list it is given (Azure Networking Blog, "Azure
//! Virtual Network now supports updates without subnet property": "If any of the existing
//! resources are omitted from the JSON for the PUT operation, those resources are removed from
//! the Azure deployment"), and refuses to remove a subnet something is placed in, failing the
//! apply. A subnet the VNet holds that the body's list does not name is therefore removed, or
//! the update fails and it stays: whether it is deployed is open, whether the VNet's
//! declaration writes it inline or a resource of its own adds it, which each apply of that
//! resource adds back.
//!
//! A subnet the body names that a resource of its own also writes is written by two PUTs in
//! no order the configuration fixes: each property the two write differently is open.

use super::Mapper;
use super::azapi::is_stand_in;
use crate::config::Mode;
use crate::value::{ResObj, Value};
use moat_model::Unknown;
use moat_model::network::Subnet;
use moat_model::presence::{INLINE_CONFLICT, InlineConflict, ListWrite};
use serde_json::Value as Json;
use std::collections::{HashMap, HashSet};

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
            .filter(|r| r.mode == Mode::Managed && is_subnet(r))
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

    /// After an update whose `body` writes the subnets of VNet `vnet` (`old`: the subnets as
    /// they were), each subnet it does not name may or may not exist (see the module); an
    /// element whose name the configuration leaves open names none for certain. A subnet
    /// already open stays as it is.
    pub(super) fn left_out_subnets(&mut self, vnet: &str, old: &[Subnet], body: &Json, o: &ResObj) {
        let Some(Json::Array(list)) = body.get("properties").and_then(|p| p.get("subnets")) else {
            return;
        };
        let named: HashSet<String> = list
            .iter()
            .filter_map(|x| x.get("name").and_then(Json::as_str))
            .map(str::to_ascii_lowercase)
            .collect();
        let Some(vi) = self
            .t
            .virtual_networks
            .iter()
            .position(|v| v.name == vnet && !is_stand_in(&v.at))
        else {
            return;
        };
        let vnet_at = self.t.virtual_networks[vi].at.clone();
        let open: HashSet<(String, String)> = self
            .t
            .may_exist
            .iter()
            .filter(|m| !m.at.pointer.is_empty())
            .map(|m| (m.at.file.clone(), m.at.pointer.clone()))
            .collect();
        let parent = format!("vnet/{vnet}");
        // Subnets written as resources of their own, by address: looked up per subnet.
        let recs = self.recs;
        let separate: HashMap<&str, &crate::eval::Record> = recs
            .iter()
            .filter(|r| r.mode == Mode::Managed && is_subnet(r))
            .map(|r| (r.addr.as_str(), r))
            .collect();
        for s in old {
            if is_stand_in(&s.at)
                || named.contains(&s.name.to_ascii_lowercase())
                || open.contains(&(s.at.file.clone(), s.at.pointer.clone()))
            {
                continue;
            }
            let Some(si) = self.t.virtual_networks[vi]
                .subnets
                .iter()
                .position(|x| x.name == s.name && x.at == s.at)
            else {
                continue;
            };
            let separate = separate.get(s.at.pointer.as_str());
            // A subnet written in its VNet's body shares the VNet's provenance: it is told
            // apart, so that only it, not its VNet, may be missing.
            let at = if s.at.file == vnet_at.file && s.at.pointer == vnet_at.pointer {
                let mut p = s.at.clone();
                p.pointer = format!("{} (subnet {})", p.pointer, s.name);
                p
            } else {
                s.at.clone()
            };
            let (resource, loc) = match separate {
                Some(r) => (r.addr.clone(), r.obj.loc.clone()),
                None if at.pointer.is_empty() => {
                    (format!("subnet/{vnet}/{}", s.name), o.loc.clone())
                }
                None => (at.pointer.clone(), o.loc.clone()),
            };
            let conflict = InlineConflict {
                resource: &resource,
                parent: &parent,
                owner: &o.addr,
                what: "subnets",
                written_as: "body.properties.subnets",
                run: "apply",
                how: ListWrite::Inline,
            };
            self.warn(
                INLINE_CONFLICT,
                conflict.message(),
                &loc,
                Some(conflict.hint()),
            );
            let may = conflict.may_exist(at.clone());
            self.t.virtual_networks[vi].subnets[si].at = at;
            self.t.may_exist.push(may);
        }
    }
}

impl Mapper<'_> {
    /// After an update whose `body` writes the subnets of VNet `vnet` (`old`: the subnets as
    /// they were), each subnet the body names that a resource of its own also writes is
    /// written twice, by two PUTs in no order the configuration fixes (each apply of either
    /// writes it again): every property in which the two writes differ is open.
    pub(super) fn subnets_written_twice(
        &mut self,
        vnet: &str,
        old: &[Subnet],
        body: &Json,
        o: &ResObj,
    ) {
        let Some(Json::Array(list)) = body.get("properties").and_then(|p| p.get("subnets")) else {
            return;
        };
        let named: HashSet<String> = list
            .iter()
            .filter_map(|x| x.get("name").and_then(Json::as_str))
            .map(str::to_ascii_lowercase)
            .collect();
        let Some(vi) = self
            .t
            .virtual_networks
            .iter()
            .position(|v| v.name == vnet && !is_stand_in(&v.at))
        else {
            return;
        };
        let separate: HashSet<&str> = self
            .recs
            .iter()
            .filter(|r| r.mode == Mode::Managed && is_subnet(r))
            .map(|r| r.addr.as_str())
            .collect();
        let mut opened = Vec::new();
        for s in old {
            if !separate.contains(s.at.pointer.as_str())
                || !named.contains(&s.name.to_ascii_lowercase())
            {
                continue;
            }
            let Some(now) = self.t.virtual_networks[vi]
                .subnets
                .iter()
                .find(|x| x.name.eq_ignore_ascii_case(&s.name))
            else {
                continue;
            };
            let (Ok(own), Ok(body)) = (serde_json::to_value(s), serde_json::to_value(now)) else {
                continue;
            };
            for (_, field) in FIELDS {
                if own.get(field) != body.get(field) {
                    opened.push((s.name.clone(), s.at.pointer.clone(), field));
                }
            }
        }
        for (name, by, field) in opened {
            let resource = format!("subnet/{vnet}/{name}");
            // Already open (the merge of the update's list leaves it so): one reason is enough.
            if self
                .t
                .unknowns
                .iter()
                .any(|u| u.resource == resource && u.field == field)
            {
                continue;
            }
            self.t.unknowns.push(Unknown {
                resource,
                field: field.to_string(),
                reason: format!(
                    "`{by}` and `{}` both write subnet `{name}`, with different `{field}`, in no order the configuration fixes: the one applied last sets it",
                    o.addr
                ),
                at: o.loc.provenance(&o.addr),
            });
        }
    }
}

/// Whether a record writes a subnet as a resource of its own.
fn is_subnet(r: &crate::eval::Record) -> bool {
    r.rtype == "azurerm_subnet"
        || (r.rtype == "azapi_resource"
            && matches!(r.obj.attrs.get("type"), Some(Value::String(t))
                if t.to_ascii_lowercase().starts_with("microsoft.network/virtualnetworks/subnets")))
}
