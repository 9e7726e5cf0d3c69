//! Subnets and VNets a template refers to but does not deploy: an existing subnet passed as
//! a parameter, an id into another resource group, a subnet added to an existing VNet. They
//! become external elements of the model ([`moat_model::external`]): what the template puts
//! into them is kept, and what depends on their unknown properties is unknown.

use super::privatelink::{namesake, subscription_of};
use super::{
    F, Kind, MapContext, Payload, Pending, Rec, at, dangling, last_segment, parent_id, partial_of,
    resource_group_of, resource_label, type_of_id, warning,
};
use crate::idmatch::has_unknown;
use moat_model::address::Address;
use moat_model::privatelink::PrivateEndpoint;
use moat_model::{Provenance, Topology, external};
use serde_json::Value as Json;

impl Rec {
    /// A subnet reference (an ARM id). A wholly unknown one (`parameters('subnetId')` without
    /// a value) is recorded and named by a placeholder key derived from the reference
    /// (`<subnetId>/<subnetId>`), so the resource placed in it is kept.
    pub(super) fn subnet_id(&mut self, v: &Json, keys: &[&str], field: &str) -> Option<String> {
        if let F::Unknown(reason) = at(v, keys)
            && partial(v, keys).is_none()
        {
            self.unknown(field, &reason);
            let (vnet, subnet) = external::subnet_names(&reason);
            return Some(format!("{vnet}/{subnet}"));
        }
        self.id(v, keys, field)
    }
}

/// The partly known text of an unknown id, if it has one.
fn partial<'a>(v: &'a Json, keys: &[&str]) -> Option<&'a str> {
    let mut cur = v;
    for k in keys {
        cur = super::get(cur, k)?;
    }
    partial_of(cur)
}

/// The model key of the subnet `raw` (an id or a `vnet/subnet` key) refers to: the subnet
/// the template deploys, or else an external subnet, with a warning saying so.
pub(super) fn subnet(
    t: &mut Topology,
    ctx: &mut MapContext,
    raw: &str,
    resource: &str,
    at: &Provenance,
) -> String {
    match ctx.resolve(raw, &[Kind::Subnet]) {
        Ok(tg) => tg.name,
        Err(e) => {
            let key = external::subnet_for(t, raw, &format!("{resource} is placed in it"), at);
            ctx.warnings.push(warning(
                "external-subnet",
                format!("{resource}: subnet: {e}; it is read as the external subnet `{key}`, whose prefixes, NSG, routes and DNS are unknown"),
                at,
                Some(ctx.input.give("subnet")),
            ));
            key
        }
    }
}

/// The subnets a resource firewall admits (`virtualNetworkRules`): each one the template
/// deploys, or else the external subnet its id names ([`admitted_external_subnet`]); any
/// other entry is left out, recorded as unknown.
pub(super) fn admitted_subnets(
    t: &mut Topology,
    ctx: &mut MapContext,
    v: &mut Vec<String>,
    resource: &str,
    field: &str,
    at: &Provenance,
) {
    for raw in std::mem::take(v) {
        let key = match ctx.resolve(&raw, &[Kind::Subnet]) {
            Ok(tg) => tg.name,
            Err(e) => match external::subnet_of_id(&raw)
                .and_then(|(vn, sn)| admitted_external_subnet(t, &vn, &sn, resource, at))
            {
                Some((key, read)) => {
                    ctx.warnings.push(warning(
                        "external-subnet",
                        format!("{resource}: {field}: {e}; {read}"),
                        at,
                        Some(ctx.input.give("subnet")),
                    ));
                    key
                }
                None => {
                    dangling(
                        t,
                        ctx,
                        resource.to_string(),
                        field,
                        e,
                        at,
                        "the entry is left out",
                    );
                    continue;
                }
            },
        };
        if !v.contains(&key) {
            v.push(key);
        }
    }
}

/// The subnet a resource firewall's rule admits when it names one the input does not declare
/// (an existing subnet, in another resource group or read by a data source), by its VNet's and
/// its own name: when neither holds an unknown part (a placeholder the same value always
/// gives, `<vnet_name>`, is one name), that external subnet, whose service endpoints are
/// unknown. The rule is what the input writes whether it declares the subnet or not, as a
/// compute or an endpoint it places there is. Returns the subnet's key and what the warning
/// says of it; `None` when a name is open, and the entry says nothing definite. Every
/// importer reads such an entry here.
pub fn admitted_external_subnet(
    t: &mut Topology,
    vnet: &str,
    subnet: &str,
    resource: &str,
    at: &Provenance,
) -> Option<(String, String)> {
    if has_unknown(vnet) || has_unknown(subnet) {
        return None;
    }
    let key = external::subnet(t, vnet, subnet, &format!("{resource} admits it"), at);
    let read =
        format!("it is read as the external subnet `{key}`, whose service endpoints are unknown");
    Some((key, read))
}

/// A subnet declared in a VNet the template does not deploy (a subnet added to an existing
/// VNet): kept, in an external VNet. Returns the pending child back when it is not one.
pub(super) fn subnet_of_existing_vnet(
    t: &mut Topology,
    ctx: &mut MapContext,
    pd: Pending,
) -> Option<Pending> {
    let Payload::Subnet(mut s) = pd.payload else {
        return Some(pd);
    };
    let vnet = parent_id(&pd.res.id)
        .and_then(|p| p.rsplit('/').next().map(str::to_string))
        .filter(|v| !v.is_empty())
        .or_else(|| pd.res.name.rsplit_once('/').map(|(v, _)| v.to_string()))
        .unwrap_or_default();
    if vnet.is_empty() || vnet.contains('⟨') {
        // Its VNet's name is unknown: it may be a VNet the template declares under a name it
        // cannot resolve, not one outside it.
        return Some(Pending {
            payload: Payload::Subnet(s),
            ..pd
        });
    }
    let why = format!("subnet `{}` is declared in it", s.name);
    let vi = external::vnet(t, &vnet, &why, &pd.res.at);
    let vname = t.virtual_networks[vi].name.clone();
    super::network::open_outbound_in_existing_vnet(t, &pd.res, ctx.deployed, &vname, &mut s);
    let v = &mut t.virtual_networks[vi];
    let full = format!("{}/{}", v.name, s.name);
    ctx.warnings.push(warning(
        "external-vnet",
        format!(
            "subnet `{full}` is declared in VNet `{}`, which {} does not {}; the VNet is external: its address space, DNS servers and peerings are unknown",
            v.name,
            ctx.input.the(),
            ctx.input.deploy()
        ),
        &pd.res.at,
        None,
    ));
    match v
        .subnets
        .iter()
        .position(|x| x.name.eq_ignore_ascii_case(&s.name))
    {
        Some(j) => v.subnets[j] = s,
        None => v.subnets.push(s),
    }
    ctx.register(&pd.res.id, Kind::Subnet, &full);
    None
}

/// For each external private DNS zone and resource group met (lower case), the subscription of
/// the first id naming them ([`zone_scope`]).
pub type ZoneScopes = std::collections::HashMap<(String, String), Option<String>>;

/// The resource group the id of an external zone names, as the model tells zones of one name
/// apart (`<group>/<zone>`): Azure scopes a zone's name to its resource group, so two zones
/// of one name in two groups are two, each with its own links and records. A group of the
/// same name in another subscription than the first one met is `<group>@<subscription>`.
/// `None` when the id leaves the group open. `seen` holds, for each zone and group met so far
/// (lower case), the subscription of the first id naming them.
pub fn zone_scope(seen: &mut ZoneScopes, zone: &str, id: &str) -> Option<String> {
    let rg = resource_group_of(id).filter(|g| !g.is_empty() && !has_unknown(g))?;
    let sub = subscription_of(id).filter(|s| !has_unknown(s));
    let first = seen
        .entry((zone.to_ascii_lowercase(), rg.to_ascii_lowercase()))
        .or_insert_with(|| sub.map(str::to_ascii_lowercase));
    match (first.as_deref(), sub) {
        (Some(f), Some(s)) if !f.eq_ignore_ascii_case(s) => Some(external::namesake(&rg, s)),
        _ => Some(rg),
    }
}

/// External zones were told apart by resource group as they were met; one whose name no other
/// zone has is named by its name alone again, as a zone the input declares is, and the zone
/// groups that write into it follow.
pub fn plain_zone_keys(t: &mut Topology) {
    let mut count: std::collections::HashMap<String, usize> = Default::default();
    for z in &t.private_dns_zones {
        *count.entry(z.name.to_ascii_lowercase()).or_default() += 1;
    }
    let mut renamed: std::collections::HashMap<String, String> = Default::default();
    for z in t.private_dns_zones.iter_mut().filter(|z| z.external) {
        if z.resource_group.is_some() && count[&z.name.to_ascii_lowercase()] == 1 {
            let key = z.key();
            z.resource_group = None;
            renamed.insert(key, z.name.clone());
        }
    }
    if renamed.is_empty() {
        return;
    }
    for e in t
        .private_endpoints
        .iter_mut()
        .flat_map(|pe| pe.dns_zone_group.iter_mut())
    {
        if let Some(n) = renamed.get(e.as_str()) {
            *e = n.clone();
        }
    }
}

/// A VNet link declared on a private DNS zone the template does not deploy (a central zone in
/// another resource group, which a spoke template links its VNet to): kept, on the external
/// zone of that name, whose other links and records stay unknown. The link is as declared as
/// any, so a VNet it names is linked. Returns the pending child back when it is not one, or
/// when the zone's name is unknown or a zone of that name is declared (in another group).
pub(super) fn link_to_existing_zone(
    t: &mut Topology,
    ctx: &mut MapContext,
    pd: Pending,
) -> Option<Pending> {
    let Payload::VnetLink(vnet, fallback) = pd.payload else {
        return Some(pd);
    };
    let pid = parent_id(&pd.res.id).unwrap_or_default();
    let zone = pid.rsplit('/').next().unwrap_or_default().to_string();
    let is_zone = type_of_id(&pid)
        .is_some_and(|ty| ty.eq_ignore_ascii_case("Microsoft.Network/privateDnsZones"));
    let why = format!(
        "{} links a VNet to it",
        resource_label(&pd.res.rtype, &pd.res.name)
    );
    let key = (is_zone && !zone.is_empty() && !zone.contains('⟨'))
        .then(|| {
            let group = zone_scope(&mut ctx.external_zones, &zone, &pid);
            external::private_dns_zone(t, &zone, group.as_deref(), &why, &pd.res.at)
        })
        .flatten();
    let Some(z) = key.and_then(|k| t.private_dns_zones.iter_mut().find(|z| z.key() == k)) else {
        return Some(Pending {
            payload: Payload::VnetLink(vnet, fallback),
            ..pd
        });
    };
    ctx.warnings.push(warning(
        "external-zone",
        format!(
            "{}: parent: `{pid}` is not {}; the link is read on the external private DNS zone `{}`, whose other VNet links and records are unknown",
            resource_label(&pd.res.rtype, &pd.res.name),
            ctx.input.deployed_by(),
            z.name
        ),
        &pd.res.at,
        Some(ctx.input.give("zone")),
    ));
    z.fallback_to_internet |= fallback;
    z.vnet_links.extend(vnet);
    None
}

/// A private endpoint's zone group: each entry names a zone the template deploys, or else,
/// when no zone of its name is deployed, an external zone (a central zone in another
/// subscription) whose links are unknown; any other entry is left out, with a warning.
pub(super) fn zone_group(
    t: &mut Topology,
    ctx: &mut MapContext,
    entries: &mut Vec<String>,
    resource: &str,
    at: &Provenance,
) {
    for raw in std::mem::take(entries) {
        let key = match ctx.resolve(&raw, &[Kind::DnsZone]) {
            Ok(tg) => Some(tg.name),
            Err(e) => {
                let zone = raw
                    .trim_end_matches('/')
                    .rsplit('/')
                    .next()
                    .unwrap_or_default();
                let is_zone = type_of_id(&raw)
                    .is_some_and(|ty| ty.eq_ignore_ascii_case("Microsoft.Network/privateDnsZones"));
                let why = format!("{resource} writes its records there");
                let key = (is_zone && !zone.is_empty() && !zone.contains('⟨'))
                    .then(|| {
                        let group = zone_scope(&mut ctx.external_zones, zone, &raw);
                        external::private_dns_zone(t, zone, group.as_deref(), &why, at)
                    })
                    .flatten();
                match &key {
                    Some(k) => ctx.warnings.push(warning(
                        "external-zone",
                        format!("{resource}: dns_zone_group: {e}; it is read as the external private DNS zone `{k}`, whose VNet links are unknown"),
                        at,
                        Some(ctx.input.give("zone")),
                    )),
                    None => dangling(
                        t,
                        ctx,
                        resource.to_string(),
                        "dns_zone_group",
                        e,
                        at,
                        "the entry is left out",
                    ),
                }
                key
            }
        };
        if let Some(k) = key
            && !entries.contains(&k)
        {
            entries.push(k);
        }
    }
}

/// Keeps an endpoint whose target is a fully known id of a resource the template does not
/// deploy (a key vault in a shared subscription): its target becomes that resource, by name,
/// external, whose properties are unknown. When the template deploys a resource of that type
/// and name in another, known, resource group, the target is that namesake, named with its
/// resource group ([`external::namesake`]). `false` when the id has unknown parts. `declared`
/// indexes the template's resources.
pub(super) fn endpoint_target(
    t: &mut Topology,
    ctx: &mut MapContext,
    declared: &moat_model::Index,
    pe: &mut PrivateEndpoint,
    raw: &str,
) -> bool {
    let name = last_segment(raw);
    let Address::Resource { kind, .. } = &pe.target else {
        return false;
    };
    if raw.contains('⟨') || name.is_empty() || type_of_id(raw).is_none() {
        return false;
    }
    let mut target = Address::resource(*kind, name.clone());
    if external::target_declared(declared, &target) {
        let Some(rg) = resource_group_of(raw).filter(|_| namesake(ctx, raw).is_some()) else {
            return false;
        };
        target = Address::resource(*kind, external::namesake(&name, &rg));
        if external::target_declared(declared, &target) {
            return false;
        }
    }
    external::target(t, &pe.name, &target, raw, &pe.at);
    ctx.warnings.push(warning(
        "external-target",
        format!(
            "private-endpoint/{}: target: `{raw}` is not {}; it is read as the external {target}, whose public access and network rules are unknown; the endpoint is kept and analysed",
            pe.name,
            ctx.input.deployed_by()
        ),
        &pe.at,
        Some(ctx.input.give("target")),
    ));
    pe.target = target;
    true
}

/// The model name of the VNet `raw` (an id) refers to: the VNet the template deploys, or
/// else an external VNet (the customer's VNet, given by id), with a warning saying so. The
/// VNet's name must be known text, or the very unknown value an external VNet already has
/// (the same parameter); a VNet of that name the template deploys, or a name of unknown text,
/// leaves the reference unresolved (`Err`): it may be a namesake elsewhere, or any VNet.
pub(super) fn vnet(
    t: &mut Topology,
    ctx: &mut MapContext,
    raw: &str,
    resource: &str,
    field: &str,
    at: &Provenance,
) -> Result<String, String> {
    let e = match ctx.resolve(raw, &[Kind::Vnet]) {
        Ok(tg) => return Ok(tg.name),
        Err(e) => e,
    };
    let is_vnet = type_of_id(raw)
        .is_some_and(|ty| ty.eq_ignore_ascii_case("Microsoft.Network/virtualNetworks"));
    let name = last_segment(raw);
    let existing = t
        .virtual_networks
        .iter()
        .find(|v| v.name.eq_ignore_ascii_case(&name));
    let fits = match existing {
        Some(v) => v.external,
        None => !name.contains('⟨'),
    };
    if !(is_vnet && !name.is_empty() && fits) {
        return Err(e);
    }
    let why = format!("{resource} refers to it");
    let vi = external::vnet(t, &name, &why, at);
    let v = t.virtual_networks[vi].name.clone();
    ctx.warnings.push(warning(
        "external-vnet",
        format!("{resource}: {field}: {e}; it is read as the external VNet `{v}`, whose address space, DNS servers and peerings are unknown"),
        at,
        Some(ctx.input.give("VNet")),
    ));
    Ok(v)
}

/// A private DNS zone's links: each to a VNet the template deploys or to an external one
/// (see [`vnet`]); any other entry is left out, recorded as unknown.
pub(super) fn vnet_links(
    t: &mut Topology,
    ctx: &mut MapContext,
    links: &mut Vec<String>,
    resource: &str,
    at: &Provenance,
) {
    for raw in std::mem::take(links) {
        match vnet(t, ctx, &raw, resource, "vnet_links", at) {
            Ok(k) => {
                if !links.contains(&k) {
                    links.push(k);
                }
            }
            Err(e) => dangling(
                t,
                ctx,
                resource.to_string(),
                "vnet_links",
                e,
                at,
                "the entry is left out",
            ),
        }
    }
}

/// The VNet of what sits in the subnet `raw` (a gateway, a bastion host, a firewall): that of
/// the subnet the template deploys, or else of an external subnet (see [`subnet`]).
pub(super) fn vnet_of_subnet(
    t: &mut Topology,
    ctx: &mut MapContext,
    raw: &str,
    resource: &str,
    at: &Provenance,
) -> String {
    let key = subnet(t, ctx, raw, resource, at);
    key.split_once('/')
        .map_or(key.clone(), |(v, _)| v.to_string())
}
