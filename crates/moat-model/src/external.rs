//! Elements a deployment refers to but does not declare.
//!
//! Enterprise deployments place what they create into networks that exist already: a private
//! endpoint's subnet is a template parameter, a Terraform data source, an id in another
//! subscription. Such a VNet or subnet becomes an *external* element of the model: it exists,
//! so what the deployment puts into it (a private endpoint, a compute, a NIC) is kept and
//! analysed, but its properties (prefixes, NSG, route table, DNS servers, peerings) are
//! unknown, recorded once in [`Topology::unknowns`], and every decision that reads them is
//! unknown. Every importer creates them here, so they look the same whatever the input.

use crate::address::{Address, Kind};
use crate::network::{Subnet, VirtualNetwork};
use crate::privatelink::PrivateDnsZone;
use crate::topology::{Index, Topology, Unknown};
use crate::{Provenance, enums::PrivateEndpointNetworkPolicies};

/// The field recorded for an external element: all of its properties are unknown.
pub const ALL_FIELDS: &str = "*";

/// Whether an unknown recorded for `unknown` leaves `field` open: the same field, every
/// field ([`ALL_FIELDS`]), or a block that holds it (`managed_network` holds
/// `managed_network.isolation_mode`).
pub fn leaves_open(unknown: &str, field: &str) -> bool {
    unknown == field
        || unknown == ALL_FIELDS
        || field
            .strip_prefix(unknown)
            .is_some_and(|rest| rest.starts_with('.'))
}

/// The `(vnet, subnet)` names of a subnet a reference points at: the names its id gives
/// (`/subscriptions/…/virtualNetworks/hub/subnets/pe` → `hub`, `pe`) or its model key gives
/// (`hub/pe`), or, when neither is known, a stable placeholder derived from the reference
/// (see [`placeholder`]).
pub fn subnet_names(reference: &str) -> (String, String) {
    if let Some((v, s)) = subnet_of_id(reference) {
        return (v, s);
    }
    let r = reference.trim();
    if let Some((v, s)) = r.split_once('/')
        && !v.is_empty()
        && !s.is_empty()
        && !s.contains('/')
        && !r.contains(|c: char| c.is_whitespace() || c == '\'' || c == '(')
    {
        return (v.to_string(), s.to_string());
    }
    let p = placeholder(reference);
    (p.clone(), p)
}

/// The VNet and subnet names an ARM subnet id carries, when it is one.
pub fn subnet_of_id(id: &str) -> Option<(String, String)> {
    let segs: Vec<&str> = id.trim().trim_matches('/').split('/').collect();
    let i = segs
        .iter()
        .rposition(|s| s.eq_ignore_ascii_case("virtualNetworks"))?;
    match segs.get(i + 1..) {
        Some([v, s, n]) if s.eq_ignore_ascii_case("subnets") && !v.is_empty() && !n.is_empty() => {
            Some(((*v).to_string(), (*n).to_string()))
        }
        _ => None,
    }
}

/// A name for an element known only through a reference whose value is unknown: the name the
/// reference is made of, in angle brackets (`parameters('subnetId')` → `<subnetId>`,
/// ``variable `pe_subnet_id` has no value`` → `<pe_subnet_id>`). The same reference always
/// gives the same name, so two resources placed by one parameter share one external subnet.
pub fn placeholder(reference: &str) -> String {
    let r = reference.trim();
    // The first quoted name (`parameters('x')`, a reason that quotes its reference) is the root.
    let quoted = r.find(['\'', '`']).and_then(|i| {
        let q = r[i..].chars().next()?;
        let rest = &r[i + 1..];
        rest.find(q)
            .map(|j| &rest[..j])
            .filter(|x| !x.trim().is_empty())
    });
    let root = quoted.unwrap_or_else(|| {
        r.split(|c: char| c.is_whitespace() || c == ':' || c == ',' || c == '(')
            .find(|w| !w.is_empty())
            .unwrap_or("unknown")
    });
    // `parameters('net').peSubnetId` reads as `net.peSubnetId`.
    let root = ["parameters('", "variables('"]
        .iter()
        .find_map(|p| root.strip_prefix(p))
        .and_then(|r| r.split_once("')"))
        .map(|(name, rest)| format!("{name}{rest}"))
        .unwrap_or_else(|| root.to_string());
    let clean: String = root
        .trim()
        .chars()
        .map(|c| {
            if c == '/' || c.is_whitespace() {
                '-'
            } else {
                c
            }
        })
        .collect();
    format!("<{clean}>")
}

/// The index of the VNet named `vnet`, as declared (exact name first, then as Azure compares
/// names, ignoring case).
fn vnet_index(t: &Topology, vnet: &str) -> Option<usize> {
    t.virtual_networks
        .iter()
        .position(|v| v.name == vnet)
        .or_else(|| {
            t.virtual_networks
                .iter()
                .position(|v| v.name.eq_ignore_ascii_case(vnet))
        })
}

/// What an answer that depends on element `resource` (`subnet/hub/pe`, `keyvault/kv`), which
/// the input does not declare, needs: one line per element, whichever analysis asks, so that
/// the needs-input summary lists it once. The element is named by its address, as `--from`
/// and `--to` take it. Said alike for every input: a Terraform configuration is not a template.
pub fn properties_need(resource: &str) -> String {
    format!("the properties of {resource} (give the input that declares it, or a live export)")
}

/// Ensures VNet `vnet` is in the topology, adding it as external when not declared; returns
/// its index. `why` says where it is referred to from.
pub fn vnet(t: &mut Topology, vnet: &str, why: &str, at: &Provenance) -> usize {
    if let Some(i) = vnet_index(t, vnet) {
        return i;
    }
    t.unknowns.push(Unknown {
        resource: format!("vnet/{vnet}"),
        field: ALL_FIELDS.into(),
        reason: format!(
            "VNet `{vnet}` is not declared by the input ({why}): its address space, DNS servers and peerings are unknown"
        ),
        at: at.clone(),
    });
    let mut p = at.clone();
    p.pointer = format!("{} (VNet {vnet}, not declared)", at.pointer);
    t.virtual_networks.push(VirtualNetwork {
        name: vnet.to_string(),
        region: None,
        address_space: Vec::new(),
        dns_servers: Vec::new(),
        subnets: Vec::new(),
        peerings: Vec::new(),
        tags: Default::default(),
        external: true,
        at: p,
    });
    t.virtual_networks.len() - 1
}

/// Ensures subnet `vnet/subnet` is in the topology, adding it (and its VNet) as external when
/// not declared; returns its `vnet/subnet` key as the model writes it. `why` says where it is
/// referred to from (`private endpoint pe: parameters('subnetId')`).
pub fn subnet(t: &mut Topology, vnet: &str, subnet: &str, why: &str, at: &Provenance) -> String {
    let vi = self::vnet(t, vnet, why, at);
    let v = &t.virtual_networks[vi];
    let found = v.subnets.iter().position(|s| s.name == subnet).or_else(|| {
        v.subnets
            .iter()
            .position(|s| s.name.eq_ignore_ascii_case(subnet))
    });
    if let Some(si) = found {
        return format!("{}/{}", v.name, v.subnets[si].name);
    }
    let vname = v.name.clone();
    t.unknowns.push(Unknown {
        resource: format!("subnet/{vname}/{subnet}"),
        field: ALL_FIELDS.into(),
        reason: format!(
            "subnet `{vname}/{subnet}` is not declared by the input ({why}): its address prefixes, NSG, route table and the addresses of what it holds are unknown"
        ),
        at: at.clone(),
    });
    let mut p = at.clone();
    p.pointer = format!("{} (subnet {vname}/{subnet}, not declared)", at.pointer);
    t.virtual_networks[vi].subnets.push(Subnet {
        name: subnet.to_string(),
        address_prefixes: Vec::new(),
        network_security_group: None,
        route_table: None,
        nat_gateway: None,
        service_endpoints: Vec::new(),
        service_endpoint_policies: Vec::new(),
        delegations: Vec::new(),
        private_endpoint_network_policies: PrivateEndpointNetworkPolicies::Disabled,
        default_outbound_access: true,
        external: true,
        at: p,
    });
    format!("{vname}/{subnet}")
}

/// Ensures the subnet a reference points at is in the topology (see [`subnet_names`] and
/// [`subnet`]); returns its `vnet/subnet` key.
pub fn subnet_for(t: &mut Topology, reference: &str, why: &str, at: &Provenance) -> String {
    let (v, s) = subnet_names(reference);
    let key = subnet(t, &v, &s, why, at);
    if let Some((vnet, _)) = key.split_once('/')
        && t.virtual_networks
            .iter()
            .any(|x| x.name == vnet && x.external)
    {
        crate::placement::record_reference(t, &format!("vnet/{vnet}"), reference, at);
    }
    key
}

/// Ensures a private DNS zone named `zone` is in the topology, adding it as external when no
/// zone of that name is declared; returns the key references use. `None` when a zone of that
/// name is declared (in another resource group): the reference is then to a zone the input
/// does not declare beside one it does, and stays the importer's to judge.
///
/// `group` is the resource group the reference's id names (qualified by its subscription
/// where two subscriptions hold one of that name), when the id is known: zones of one name in
/// two groups are two zones, each with its own links and records, and each is kept apart
/// (`<group>/<zone>`). A reference that names no group is to the first zone of the name.
pub fn private_dns_zone(
    t: &mut Topology,
    zone: &str,
    group: Option<&str>,
    why: &str,
    at: &Provenance,
) -> Option<String> {
    let named: Vec<&PrivateDnsZone> = t
        .private_dns_zones
        .iter()
        .filter(|z| z.name.eq_ignore_ascii_case(zone))
        .collect();
    if named.iter().any(|z| !z.external) {
        return None;
    }
    let same = named
        .iter()
        .find(|z| match (group, z.resource_group.as_deref()) {
            (None, _) => true,
            (Some(g), Some(h)) => g.eq_ignore_ascii_case(h),
            (Some(_), None) => false,
        });
    if let Some(z) = same {
        return Some(z.key());
    }
    t.unknowns.push(Unknown {
        resource: format!("private-dns-zone/{zone}"),
        field: ALL_FIELDS.into(),
        reason: format!(
            "private DNS zone `{zone}` is not declared by the input ({why}): the VNets linked to it and its other records are unknown"
        ),
        at: at.clone(),
    });
    let mut p = at.clone();
    p.pointer = format!("{} (zone {zone}, not declared)", at.pointer);
    let z = PrivateDnsZone {
        name: zone.to_string(),
        resource_group: group.map(String::from),
        vnet_links: Vec::new(),
        records: Vec::new(),
        fallback_to_internet: false,
        tags: Default::default(),
        external: true,
        at: p,
    };
    let key = z.key();
    t.private_dns_zones.push(z);
    Some(key)
}

/// The model name of a resource the input does not declare but whose type and name a declared
/// one has, in another resource group (a private endpoint's target given by its full id):
/// `<name>@<resource group>`, so the two are never confused.
pub fn namesake(name: &str, resource_group: &str) -> String {
    format!("{name}@{resource_group}")
}

/// Whether the resource a private endpoint's target address names is declared by the input
/// (`ix` is its index). When it is, an id of that kind and name that is not the declared
/// resource's names a namesake in another resource group or subscription, and an address by
/// name alone would confuse the two.
pub fn target_declared(ix: &crate::topology::Index, a: &Address) -> bool {
    let Address::Resource { kind, name, .. } = a else {
        return true;
    };
    match kind {
        Kind::Workspace => ix.workspaces.contains_key(name),
        Kind::Registry => ix.registries.contains_key(name),
        Kind::Storage => ix.storage_accounts.contains_key(name),
        Kind::Keyvault => ix.key_vaults.contains_key(name),
        Kind::Acr => ix.container_registries.contains_key(name),
        Kind::Ampls => ix.monitor_private_link_scopes.contains_key(name),
        // Not a private link target: nothing to list.
        _ => true,
    }
}

/// Records that private endpoint `endpoint` connects to `target`, a resource the input does
/// not declare (a key vault in a shared subscription, given by its full id `id`): the
/// endpoint exists and is analysed; what Azure would decide from the target's own settings
/// (its public access, its network rules) is unknown.
pub fn target(t: &mut Topology, endpoint: &str, target: &Address, id: &str, at: &Provenance) {
    if let Address::Resource { kind, name, .. } = target {
        let resource = Address::resource(*kind, name).to_string();
        crate::placement::record_reference(t, &resource, id, at);
    }
    t.unknowns.push(Unknown {
        resource: format!("private-endpoint/{endpoint}"),
        field: "target".into(),
        reason: format!(
            "connects to {target} ({id}), which the input does not declare: its public access and network rules are unknown"
        ),
        at: at.clone(),
    });
}

/// Whether `vnet/subnet` names an external subnet, or a subnet of an external VNet. Asked per
/// endpoint and per NIC, so it looks both up in the index.
pub fn is_external_subnet(t: &Topology, ix: &Index, key: &str) -> bool {
    let Some((v, _)) = key.split_once('/') else {
        return false;
    };
    let Some(&vi) = ix.virtual_networks.get(v) else {
        return false;
    };
    let vnet = &t.virtual_networks[vi];
    vnet.external
        || ix
            .subnets
            .get(key)
            .is_some_and(|&(xi, si)| xi == vi && vnet.subnets[si].external)
}

/// Whether VNets `a` and `b` (model names) are one VNet: `Err(what is needed)` when either is
/// known only through a reference whose value is unknown (`<subnetId>`, an external VNet
/// whose name is a placeholder): such a VNet may be any VNet, the other one included.
pub fn same_vnet(t: &Topology, a: &str, b: &str) -> Result<bool, String> {
    if a.eq_ignore_ascii_case(b) {
        return Ok(true);
    }
    // `<subnetId>` stands for a whole unknown value, `vnet-⟨…⟩` for a name with unknown parts.
    let open = |v: &str| {
        (v.starts_with('<') || v.contains('⟨'))
            && vnet_index(t, v).is_some_and(|i| t.virtual_networks[i].external)
    };
    match [a, b].into_iter().find(|v| open(v)) {
        Some(v) => Err(properties_need(&format!("vnet/{v}"))),
        None => Ok(false),
    }
}

/// The field of the unknown recorded on a workspace whose `image_build_compute` names a
/// compute the input does not declare (see [`undeclared_build_computes`]).
pub const BUILD_COMPUTE_EXISTS: &str = "image_build_compute exists";

/// For an input that need not describe a workspace's computes (an Azure ML workspace spec, an
/// export of some resources: computes are commonly created apart, from the CLI or the studio),
/// records that the compute a workspace's `image_build_compute` names may exist although the
/// input does not declare it: whether it exists is unknown, not "no". An input that declares
/// computes of the workspace describes them, and a name missing among them is decided.
pub fn undeclared_build_computes(t: &mut Topology) {
    let ix = t.index();
    let mut found = Vec::new();
    for w in &t.workspaces {
        let Some(name) = &w.image_build_compute else {
            continue;
        };
        if ix.computes_of(t, &w.name).next().is_some() {
            continue;
        }
        found.push(Unknown {
            resource: format!("workspace/{}", w.name),
            field: BUILD_COMPUTE_EXISTS.into(),
            reason: format!(
                "whether compute {name} exists in workspace {}: image_build_compute names it and the input does not declare it (it may be created outside this deployment)",
                w.name
            ),
            at: w.at.clone(),
        });
    }
    t.unknowns.extend(found);
}

/// The settings of a project that its hub decides: a project is reached through its hub's
/// network (facts §6 item 99, "projects inherit the hub FQDNs"), and takes its hub's public
/// network access and managed network.
pub const HUB_SETTINGS: &[&str] = &["public_network_access", "managed_network.isolation_mode"];

/// For every project whose hub the input does not declare (a hub of another deployment, given
/// by id), records the settings its hub decides ([`HUB_SETTINGS`]) as unknown: the values the
/// project's own input gives (or the defaults) are not what Azure applies to it. A project
/// whose hub reference the input leaves unknown (a parameter without value), or does not give
/// at all, has one all the same (Azure requires it): it is named by [`placeholder`] of the
/// reference, and is as undeclared.
pub fn undeclared_hubs(t: &mut Topology) {
    let open: Vec<(usize, String)> = t
        .workspaces
        .iter()
        .enumerate()
        .filter(|(_, w)| w.kind == Some(crate::enums::WorkspaceKind::Project) && w.hub.is_none())
        .map(|(i, w)| {
            let why = t
                .is_unknown(&format!("workspace/{}", w.name), "hub")
                .map_or_else(|| format!("`hub of {}`", w.name), |u| u.reason.clone());
            (i, placeholder(&why))
        })
        .collect();
    for (i, hub) in open {
        t.workspaces[i].hub = Some(hub);
    }
    let ix = t.index();
    let mut found = Vec::new();
    for w in &t.workspaces {
        let Some(hub) = w.hub.as_deref().filter(|h| !ix.workspaces.contains_key(*h)) else {
            continue;
        };
        for field in HUB_SETTINGS {
            let resource = format!("workspace/{}", w.name);
            if t.is_unknown(&resource, field).is_some() {
                continue;
            }
            found.push(Unknown {
                resource,
                field: (*field).into(),
                reason: format!(
                    "project {} takes it from its hub {hub}, which the input does not declare",
                    w.name
                ),
                at: w.at.clone(),
            });
        }
    }
    t.unknowns.extend(found);
}

/// External elements as `show` lists them: `vnet/hub`, `subnet/hub/pe`.
pub fn list(t: &Topology) -> Vec<String> {
    let mut out = Vec::new();
    for v in &t.virtual_networks {
        if v.external {
            out.push(format!("vnet/{}", v.name));
        }
        for s in v.subnets.iter().filter(|s| s.external) {
            out.push(format!("subnet/{}/{}", v.name, s.name));
        }
    }
    for z in t.private_dns_zones.iter().filter(|z| z.external) {
        out.push(format!("private-dns-zone/{}", z.name));
    }
    // Resources private endpoints connect to without the input declaring them; a placeholder
    // (`workspace/<wsId>`) is a target left open, not an element.
    let ix = t.index();
    let mut seen = foldhash::HashSet::default();
    for pe in &t.private_endpoints {
        let open = matches!(&pe.target, Address::Resource { name, .. } if name.starts_with('<'));
        let a = match &pe.target {
            Address::Resource { kind, name, .. } => Address::resource(*kind, name),
            other => other.clone(),
        };
        let s = a.to_string();
        if !open && !target_declared(&ix, &a) && seen.insert(s.clone()) {
            out.push(s);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_id_or_from_the_reference() {
        let id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/hub/subnets/pe";
        assert_eq!(subnet_names(id), ("hub".into(), "pe".into()));
        assert_eq!(subnet_names("hub/pe"), ("hub".into(), "pe".into()));
        assert_eq!(
            subnet_names("<subnetId>/<subnetId>"),
            ("<subnetId>".into(), "<subnetId>".into())
        );
        assert_eq!(
            subnet_names("parameters('subnetId'): the parameter has no value"),
            ("<subnetId>".into(), "<subnetId>".into())
        );
        assert_eq!(placeholder("var.pe_subnet_id"), "<var.pe_subnet_id>");
        assert_eq!(
            placeholder("variable `pe_subnet_id` has no value"),
            "<pe_subnet_id>"
        );
        assert_eq!(placeholder("module.net/x"), "<module.net-x>");
        assert_eq!(placeholder(""), "<unknown>");
        // Two parts of one unknown object are two references.
        assert_eq!(
            placeholder("`parameters('net').peSubnetId`: parameters('net'): no value"),
            "<net.peSubnetId>"
        );
        assert_eq!(
            placeholder("`parameters('subnets')[1]`: parameters('subnets'): no value"),
            "<subnets[1]>"
        );
    }

    #[test]
    fn an_undeclared_subnet_is_added_once_and_recorded_as_unknown() {
        let mut t = Topology::default();
        let at = Provenance::default();
        let a = subnet(&mut t, "hub", "pe", "private endpoint a", &at);
        let b = subnet(&mut t, "HUB", "PE", "private endpoint b", &at);
        assert_eq!((a.as_str(), b.as_str()), ("hub/pe", "hub/pe"));
        assert_eq!(t.virtual_networks.len(), 1);
        assert!(t.virtual_networks[0].external && t.virtual_networks[0].subnets[0].external);
        assert!(
            t.is_unknown("subnet/hub/pe", "network_security_group")
                .is_some()
        );
        assert!(t.is_unknown("vnet/hub", "dns_servers").is_some());
        assert!(is_external_subnet(&t, &t.index(), "hub/pe"));
        assert_eq!(list(&t), vec!["vnet/hub", "subnet/hub/pe"]);
    }

    #[test]
    fn a_zone_is_external_only_when_no_zone_of_its_name_is_declared() {
        let mut t = Topology::default();
        let at = Provenance::default();
        let z = "privatelink.api.azureml.ms";
        assert_eq!(
            private_dns_zone(&mut t, z, None, "a", &at).as_deref(),
            Some(z)
        );
        assert_eq!(
            private_dns_zone(&mut t, z, None, "b", &at).as_deref(),
            Some(z)
        );
        assert_eq!(t.private_dns_zones.len(), 1);
        assert!(
            t.is_unknown(&format!("private-dns-zone/{z}"), "vnet_links")
                .is_some()
        );
        t.private_dns_zones[0].external = false;
        assert_eq!(private_dns_zone(&mut t, z, None, "c", &at), None);
    }

    /// "Naming rules and restrictions for Azure resources": a private DNS zone's name is
    /// unique within its resource group; zones of one name in two groups are two zones.
    #[test]
    fn external_zones_of_one_name_in_two_groups_are_two() {
        let mut t = Topology::default();
        let at = Provenance::default();
        let z = "privatelink.blob.core.windows.net";
        let a = private_dns_zone(&mut t, z, Some("rg-a"), "a", &at);
        let b = private_dns_zone(&mut t, z, Some("rg-b"), "b", &at);
        let again = private_dns_zone(&mut t, z, Some("RG-A"), "c", &at);
        assert_eq!(a.as_deref(), Some("rg-a/privatelink.blob.core.windows.net"));
        assert_eq!(b.as_deref(), Some("rg-b/privatelink.blob.core.windows.net"));
        assert_eq!(again, a);
        assert_eq!(t.private_dns_zones.len(), 2);
        let ix = t.index();
        assert_ne!(
            ix.private_dns_zones.get(a.as_deref().unwrap()),
            ix.private_dns_zones.get(b.as_deref().unwrap())
        );
    }

    #[test]
    fn a_vnet_known_only_through_an_unknown_reference_may_be_any_vnet() {
        let mut t = Topology::default();
        let at = Provenance::default();
        subnet(&mut t, "<peSubnetId>", "<peSubnetId>", "x", &at);
        subnet(&mut t, "<trainSubnetId>", "<trainSubnetId>", "y", &at);
        subnet(&mut t, "hub", "pe", "z", &at);
        subnet(&mut t, "spoke", "train", "w", &at);
        assert_eq!(
            same_vnet(&t, "<peSubnetId>", "<trainSubnetId>"),
            Err(properties_need("vnet/<peSubnetId>"))
        );
        assert!(same_vnet(&t, "hub", "<trainSubnetId>").is_err());
        assert_eq!(same_vnet(&t, "<peSubnetId>", "<peSubnetId>"), Ok(true));
        // Two VNets the input names differently are two VNets, declared or not.
        assert_eq!(same_vnet(&t, "hub", "spoke"), Ok(false));
        assert_eq!(same_vnet(&t, "hub", "HUB"), Ok(true));
        // A name with an unknown part (`vnet-${var.env}`) may be another VNet's.
        subnet(&mut t, "vnet-⟨0a1b⟩", "pe", "v", &at);
        assert!(same_vnet(&t, "vnet-⟨0a1b⟩", "spoke").is_err());
    }

    #[test]
    fn a_declared_subnet_is_not_made_external() {
        let mut t = Topology::default();
        let at = Provenance::default();
        let k = subnet(&mut t, "hub", "pe", "x", &at);
        t.virtual_networks[0].external = false;
        t.virtual_networks[0].subnets[0].external = false;
        t.unknowns.clear();
        assert_eq!(subnet(&mut t, "hub", "pe", "y", &at), k);
        assert!(t.unknowns.is_empty());
        assert!(!is_external_subnet(&t, &t.index(), "hub/pe"));
    }
}
