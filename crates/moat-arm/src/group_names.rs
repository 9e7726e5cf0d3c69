//! Resources of one type and name in several resource groups.
//!
//! Azure identifies a resource by subscription, resource group, type and name, and scopes the
//! names of network resources to their resource group ("Naming rules and restrictions for
//! Azure resources": a virtual network's, NSG's or route table's name is unique within its
//! resource group). A deployment that stamps one network into two resource groups (nested
//! deployments, or Terraform resources in two groups) declares two VNets of one name. The
//! model names elements by kind and name: each of them is named `<name>@<resource group>`, as
//! a namesake the input does not declare is ([`moat_model::external::namesake`]), and every id
//! that names one of them, or a child of one, reads that name. Only resource groups the input
//! determines tell resources apart; where one is open, the importers read the resources as
//! before.

use crate::map::Kind;
use std::collections::HashMap;

/// Whether Azure scopes names of `kind` to a resource group and the model could confuse two
/// of them: network resources. Storage accounts, key vaults and container registries have
/// globally unique names (their host names); private DNS zones are told apart on their own
/// (`<resource group>/<zone>`); children follow their parents.
pub fn scoped_to_group(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Vnet
            | Kind::Nsg
            | Kind::Asg
            | Kind::RouteTable
            | Kind::NatGateway
            | Kind::PublicIp
            | Kind::Firewall
            | Kind::FirewallPolicy
            | Kind::IpGroup
            | Kind::VnetGateway
            | Kind::LocalGateway
            | Kind::Connection
            | Kind::Bastion
            | Kind::Vm
            | Kind::Nic
            | Kind::ServiceEndpointPolicy
            | Kind::PrivateEndpoint
            | Kind::DnsResolver
            | Kind::Ruleset
    )
}

/// The id of the top-level resource an id names or starts with
/// (`…/virtualNetworks/v/subnets/s` → `…/virtualNetworks/v`), lower-cased.
pub fn top_id(id: &str) -> Option<String> {
    let segs: Vec<&str> = id.trim().trim_matches('/').split('/').collect();
    let p = segs
        .iter()
        .position(|s| s.eq_ignore_ascii_case("providers"))?;
    // `providers/<namespace>/<type>/<name>`
    let end = p + 4;
    (segs.len() >= end).then(|| format!("/{}", segs[..end].join("/")).to_ascii_lowercase())
}

/// The resource group an id names, when it is known text.
fn known_group(id: &str, open: &dyn Fn(&str) -> bool) -> Option<String> {
    let rg = crate::map::resource_group_of(id.trim())?;
    (!rg.is_empty() && !crate::idmatch::has_unknown(&rg) && !rg.contains('<') && !open(&rg))
        .then_some(rg)
}

/// The model names of the declared resources that share their type and name with another in
/// another resource group, by top-level id.
#[derive(Debug, Default)]
pub struct GroupNames {
    by_id: HashMap<String, String>,
}

impl GroupNames {
    /// From every declared top-level resource of a template: its kind, name and id. One id
    /// declared twice is one resource; `open` says whether a resource group segment stands for
    /// a group the input leaves open (a placeholder), which may be another's: resources of one
    /// name there are read as before.
    pub fn new(
        resources: impl IntoIterator<Item = (Kind, String, String)>,
        open: &dyn Fn(&str) -> bool,
    ) -> GroupNames {
        let mut seen = std::collections::HashSet::new();
        let labelled: Vec<_> = resources
            .into_iter()
            .filter(|(_, _, id)| top_id(id).is_some_and(|t| seen.insert(t)))
            .map(|(kind, name, id)| {
                let rg = known_group(&id, open);
                (kind, name, id, rg)
            })
            .collect();
        GroupNames::labelled(labelled)
    }

    /// From resources that are each distinct (a Terraform resource each), with the label of
    /// the resource group that tells them apart (its name, or what stands for it), `None` when
    /// nothing does. A name shared by resources whose labels are all given and distinct, and
    /// whose ids are distinct, names each `<name>@<label>`; any other is read as before.
    pub fn labelled(
        resources: impl IntoIterator<Item = (Kind, String, String, Option<String>)>,
    ) -> GroupNames {
        type Member = (String, String, Option<String>);
        let mut groups: HashMap<(Kind, String), Vec<Member>> = HashMap::new();
        for (kind, name, id, label) in resources {
            if !scoped_to_group(kind) || name.is_empty() || name.contains(['/', '@']) {
                continue;
            }
            let Some(top) = top_id(&id) else {
                continue;
            };
            groups
                .entry((kind, name.to_ascii_lowercase()))
                .or_default()
                .push((top, name, label));
        }
        let mut by_id = HashMap::new();
        for g in groups.into_values().filter(|g| g.len() > 1) {
            let mut labels = std::collections::HashSet::new();
            let mut ids = std::collections::HashSet::new();
            let distinct = g.iter().all(|(id, _, label)| {
                ids.insert(id.clone())
                    && label
                        .as_ref()
                        .is_some_and(|l| labels.insert(l.to_ascii_lowercase()))
            });
            // A group the input leaves open may be another's, and one id names one resource:
            // which are one is open, and the importer reads them as before. The same group in
            // two subscriptions is not told apart by its name either.
            if !distinct {
                continue;
            }
            for (id, name, label) in g {
                let label = label.expect("given above");
                by_id.insert(id, moat_model::external::namesake(&name, &label));
            }
        }
        GroupNames { by_id }
    }

    /// Whether no resource is renamed.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// The model name of the top-level resource id `id` names or starts with, when it is one
    /// of several of its name.
    pub fn top_name(&self, id: &str) -> Option<&str> {
        self.by_id.get(&top_id(id)?).map(String::as_str)
    }

    /// The model name of the top-level resource id `id` names, when it is one of several of
    /// its name; `None` for a child's id.
    pub fn own_name(&self, id: &str) -> Option<&str> {
        let top = top_id(id)?;
        let own = id.trim().trim_end_matches('/').to_ascii_lowercase();
        let own = if own.starts_with('/') {
            own
        } else {
            format!("/{own}")
        };
        (top == own)
            .then(|| self.by_id.get(&top).map(String::as_str))
            .flatten()
    }

    /// `name` (the ARM name of the resource id `id` names: `vnet` or `vnet/subnet`) with its
    /// first segment, the top-level resource's name, as the model names it.
    pub fn rename(&self, id: &str, name: &str) -> Option<String> {
        let new = self.top_name(id)?;
        let (first, rest) = match name.split_once('/') {
            Some((f, r)) => (f, Some(r)),
            None => (name, None),
        };
        let old = new.rsplit_once('@').map_or(new, |(n, _)| n);
        if !first.eq_ignore_ascii_case(old) {
            return None;
        }
        Some(match rest {
            Some(r) => format!("{new}/{r}"),
            None => new.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vnet(rg: &str) -> (Kind, String, String) {
        (
            Kind::Vnet,
            "vnet".into(),
            format!(
                "/subscriptions/s/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/vnet"
            ),
        )
    }

    #[test]
    fn two_known_groups_name_two_vnets() {
        let g = GroupNames::new([vnet("rg-a"), vnet("rg-b")], &|_| false);
        let sub = "/subscriptions/s/resourceGroups/rg-b/providers/Microsoft.Network/virtualNetworks/vnet/subnets/x";
        assert_eq!(g.rename(sub, "vnet/x").as_deref(), Some("vnet@rg-b/x"));
        assert_eq!(g.top_name(&vnet("rg-a").2), Some("vnet@rg-a"));
    }

    #[test]
    fn an_open_group_leaves_them_as_they_are() {
        let g = GroupNames::new([vnet("rg-a"), vnet("resource-group")], &|s| {
            s == "resource-group"
        });
        assert!(g.is_empty());
        let g = GroupNames::new([vnet("rg-a"), vnet("⟨0000000000ab⟩")], &|_| false);
        assert!(g.is_empty());
    }

    #[test]
    fn one_id_declared_twice_is_one_resource() {
        let g = GroupNames::new([vnet("rg-a"), vnet("RG-A")], &|_| false);
        assert!(g.is_empty());
    }
}
