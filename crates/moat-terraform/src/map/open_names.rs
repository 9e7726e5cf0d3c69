//! Data sources whose name the configuration leaves unknown (`name = var.acr_name`, the
//! variable without value). The resource they read exists, of a known type; which one it is,
//! is unknown. A reference to it is neither a dangling reference (an error) nor a definite
//! "resource outside the configuration": where it is the target of a private endpoint or of a
//! managed network's private endpoint rule, the target is recorded as unknown, and analyses
//! try each resource of the deployment it may be ([`moat_model::choices`]) — a registry's own
//! storage account read through `data.azurerm_storage_account` by an unknown name may be that
//! account or another.

use super::Mapper;
use crate::config::Mode;
use crate::ids;
use moat_model::ml::OutboundDestination;
use moat_model::{Address, Unknown};
use std::collections::HashMap;

impl Mapper<'_> {
    /// The model names the configuration gives data sources of unknown name (their
    /// addresses), with why the name is unknown.
    fn open_data_names(&self) -> HashMap<String, String> {
        self.recs
            .iter()
            .filter(|r| r.mode == Mode::Data)
            .filter_map(|r| match r.obj.attrs.get("name") {
                Some(crate::value::Value::Unknown(u)) => Some((
                    ids::fallback_name(&r.addr),
                    format!(
                        "`{}` is read by a name that is unknown: {}",
                        r.addr, u.reason
                    ),
                )),
                _ => None,
            })
            .collect()
    }

    /// A reference from `res` (its `field`) to `name`, when `name` is a data source read by a
    /// name that is unknown: says so, once per data source, instead of calling it a resource
    /// the configuration does not declare (it may be one it declares), and records why the
    /// reference is unknown. `false` for any other name.
    pub(super) fn open_reference(
        &mut self,
        res: &str,
        field: &str,
        name: &str,
        at: &crate::value::Loc,
    ) -> bool {
        let Some(why) = self.open_data_names().remove(name) else {
            return false;
        };
        self.unknown_at(res, field, why.clone(), at);
        let said = self
            .warnings
            .iter()
            .any(|w| w.code == "open-name" && w.message.starts_with(&format!("`{name}` ")));
        if !said {
            self.warn(
                "open-name",
                format!("{why}; what refers to it may refer to any resource of its type, declared here or not"),
                at,
                Some("give the values its name is built from (a .tfvars file or -var) to have the reference resolved".into()),
            );
        }
        true
    }

    /// Records as unknown the targets that are data sources of unknown name, named by a
    /// placeholder (`storage/<data.azurerm_storage_account.x>`), never a dangling reference.
    pub(super) fn open_data_targets(&mut self) {
        let open = self.open_data_names();
        if open.is_empty() {
            return;
        }
        // The placeholder address of a target, and why it is open, when it is such a source.
        let opened = |s: &str| -> Option<(Address, String)> {
            let a = s
                .parse::<Address>()
                .ok()
                .or_else(|| Address::from_arm_id(s))?;
            let Address::Resource { kind, name, sub } = a else {
                return None;
            };
            let why = open.get(&name)?;
            let placeholder = Address::Resource {
                kind,
                name: format!("<{name}>"),
                sub,
            };
            Some((placeholder, why.clone()))
        };
        let mut found: Vec<Unknown> = Vec::new();
        for pe in &mut self.t.private_endpoints {
            if let Some((a, why)) = opened(&pe.target.to_string()) {
                pe.target = a;
                found.push(Unknown {
                    resource: format!("private-endpoint/{}", pe.name),
                    field: "target".into(),
                    reason: why,
                    at: pe.at.clone(),
                });
            }
        }
        for w in &mut self.t.workspaces {
            for r in &mut w.managed_network.outbound_rules {
                if let OutboundDestination::PrivateEndpoint(d) = &mut r.destination
                    && let Some((a, why)) = opened(&d.service_resource)
                {
                    d.service_resource = a.to_string();
                    found.push(Unknown {
                        resource: format!("workspace/{}", w.name),
                        field: format!("managed_network/outbound_rules/{}", r.name),
                        reason: why,
                        at: r.at.clone(),
                    });
                }
            }
        }
        for u in found {
            // What was recorded for the reference (a resource outside the configuration) is
            // replaced: the name is unknown, not another resource's.
            self.t
                .unknowns
                .retain(|x| !(x.resource == u.resource && x.field == u.field));
            self.t.unknowns.push(u);
        }
    }
}
