//! IP rules at public endpoints where the documents qualify them: a storage account's IP rules
//! do not apply to requests from its own region, and a managed online endpoint open to public
//! scoring honours its workspace's IP allow list.
//!
//! Azure Storage network security limitations: IP network rules have no effect on requests
//! that originate from the same Azure region as the storage account (those requests come from
//! private Azure addresses); virtual network rules admit them. Configure a private endpoint for
//! an Azure Machine Learning workspace, "Enabled from selected IP addresses": with the
//! workspace in that mode, an endpoint whose public network access is enabled honours the
//! workspace's IP rules.

use super::{Via, Walk, Walked, at, region_of_place};
use crate::{Code, Step};
use moat_model::address::Address;
use moat_model::deps::StorageAccount;
use moat_model::enums::DefaultAction;
use moat_model::ml::{OnlineEndpoint, Workspace};
use moat_model::values::AddressPrefix;

/// Where a request to a public endpoint comes from, against the destination's region.
enum Origin {
    /// From Azure, in the destination's region.
    SameRegion(String),
    /// From elsewhere (another region, on premises, the internet).
    Elsewhere,
    /// From Azure, in a region the input does not give (or the destination's is not given).
    Unknown(String),
}

impl Walk<'_, '_> {
    /// The region a request leaving for a public endpoint comes from: the subnet it last left
    /// for the internet through, or the place of a source outside customer VNets.
    fn origin(&self, via: &Via, region: Option<&str>) -> Origin {
        let from_subnet =
            self.hops
                .iter()
                .rev()
                .find_map(|h| match (&h.step, h.subject.as_deref()) {
                    (Step::Egress, Some(Address::Subnet { vnet, subnet })) => {
                        Some(format!("{vnet}/{subnet}"))
                    }
                    _ => None,
                });
        let source = match (via, from_subnet) {
            (Via::Internet(_), Some(subnet)) => {
                let vnet = subnet.split('/').next().unwrap_or_default();
                Some(
                    self.e
                        .ix
                        .virtual_networks
                        .get(vnet)
                        .and_then(|&i| self.t().virtual_networks[i].region.clone()),
                )
            }
            (Via::Internet(_) | Via::ManagedNetwork, None) => match self.e.place(&self.q.from) {
                Ok(
                    p @ (crate::place::Place::Managed { .. }
                    | crate::place::Place::NoVnet { .. }
                    | crate::place::Place::LegacyDeployment { .. }),
                ) => Some(region_of_place(self.e, &p)),
                _ => None,
            },
            _ => None,
        };
        match (source, region) {
            // Not from Azure: on premises, a point-to-site client, the internet.
            (None, _) => Origin::Elsewhere,
            (Some(Some(s)), Some(r)) if s.eq_ignore_ascii_case(r) => Origin::SameRegion(r.into()),
            (Some(Some(_)), Some(_)) => Origin::Elsewhere,
            (Some(None), _) => Origin::Unknown("the region of the source's network".into()),
            (Some(Some(_)), None) => Origin::Unknown("the region of the destination".into()),
        }
    }

    /// A storage account's IP rules, which requests from its own region never match.
    pub(super) fn storage_ip_rules(&mut self, s: &StorageAccount, via: &Via) -> Walked {
        let element = format!("storage {}", s.name);
        let rules = &s.network_rules.ip_rules;
        match self.origin(via, s.region.as_deref()) {
            Origin::Elsewhere => self.ip_rules(&element, rules, via, at(&s.at), "the storage firewall"),
            Origin::SameRegion(r) => self.block(
                Step::ResourceFirewall,
                element,
                Code::RfSameRegion,
                format!(
                    "the request comes from {r}, the account's own region, where storage IP network rules do not apply (Azure sends it from a private address)"
                ),
                at(&s.at),
                format!(
                    "admit the source subnet with a virtual network rule (Microsoft.Storage service endpoint) or reach storage {} through a private endpoint",
                    s.name
                ),
            ),
            Origin::Unknown(what) => {
                self.ip_rules(&element, rules, via, at(&s.at), "the storage firewall")?;
                // An IP rule admits it, unless the request comes from the account's region.
                if let Some(h) = self.hops.pop() {
                    self.touched.extend(h.resources);
                }
                self.unknown(
                    Step::ResourceFirewall,
                    element,
                    Code::RfSameRegionUndecided,
                    format!(
                        "an IP rule admits the source's address, but IP rules do not apply to requests from the account's own region, and {what} is not given"
                    ),
                    at(&s.at),
                    format!("{what} (storage {})", s.name),
                )
            }
        }
    }

    /// Public scoring of an online endpoint whose public network access is enabled, in a
    /// workspace whose public access is not Disabled: the workspace's IP allow list applies.
    pub(super) fn endpoint_public(
        &mut self,
        e: &OnlineEndpoint,
        w: &Workspace,
        element: String,
        via: &Via,
    ) -> Walked {
        match &w.network_acls {
            Some(acl) if acl.default_action == DefaultAction::Deny => {
                let rules: Vec<AddressPrefix> = acl
                    .ip_rules
                    .iter()
                    .map(|n| AddressPrefix::Net(*n))
                    .collect();
                let what = format!(
                    "the IP allow list of workspace {}, which the endpoint honours",
                    w.name
                );
                self.ip_rules(&element, &rules, via, at(&e.at), &what)
            }
            _ => {
                self.pass(
                    Step::ResourceFirewall,
                    element,
                    Code::RfPublicAll,
                    "public scoring enabled",
                    at(&e.at),
                );
                Ok(())
            }
        }
    }
}
