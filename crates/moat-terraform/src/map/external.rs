//! Subnets a configuration places resources in without declaring them: read through a data
//! source, given as a variable, or written as an id. They become external elements of the
//! model ([`moat_model::external`]), shared with the other importers: what the configuration
//! puts into them is kept and analysed, and what depends on their unknown properties is
//! unknown.

use super::{Link, Mapper, UNKNOWN, get};
use crate::config::Mode;
use crate::ids::Ref;
use crate::value::{ResObj, Unk, Value};
use moat_model::external;
use std::collections::HashMap;

/// What a private endpoint's target id, not the id of a declared resource, names when the
/// configuration declares a resource of its type and name (identity by reference).
pub enum Namesake {
    /// That resource: the subscription or resource group that would tell them apart is
    /// unknown on one side.
    Same(Ref),
    /// A namesake in another, known, resource group (the one given): an external element.
    Elsewhere(String),
}

/// The model key of a subnet reference.
fn subnet_key(r: &Ref) -> Option<String> {
    match r {
        Ref::Subnet(v, s) => Some(format!("{v}/{s}")),
        _ => None,
    }
}

impl Mapper<'_> {
    /// Whether target id `id` names the one declared resource of its type and name (see
    /// [`Namesake`]); `None` when no declared resource, or several, have them.
    pub fn namesake(&self, id: &str) -> Option<Namesake> {
        let (written, declared) = self.id_indexes().namesakes.find(id)?;
        let open = |seg: &str| self.open_groups.contains(&seg.to_ascii_lowercase());
        if moat_arm::idmatch::same_scope_possible(id, written, &open) {
            return crate::ids::parse(declared).map(|p| Namesake::Same(crate::ids::model_ref(&p)));
        }
        crate::ids::parse(id)
            .and_then(|p| p.resource_group)
            .map(Namesake::Elsewhere)
    }

    /// The subnet (`vnet/subnet`) a resource is placed in (a private endpoint's, a NIC's, a
    /// compute's). Absent is `None` (no VNet); a subnet the configuration does not declare,
    /// or whose id is unknown, is an external subnet, never a dangling name or an absence.
    pub fn placement_subnet(
        &mut self,
        o: &ResObj,
        k: &str,
        res: &str,
        field: &str,
    ) -> Option<String> {
        let v = get(o, k)?.clone();
        let loc = Self::attr_loc(o, k);
        let at = loc.provenance(&o.addr);
        match self.link(&v) {
            Link::External(Ref::Subnet(vnet, subnet), id) => {
                self.warn(
                    "external-reference",
                    format!(
                        "`{res}` is placed in subnet `{vnet}/{subnet}` ({id}), which the configuration does not declare; it is analysed as an external subnet whose prefixes, NSG, routes and DNS are unknown"
                    ),
                    &loc,
                    Some(
                        "include the subnet in the configuration (or a plan) to have it analysed"
                            .into(),
                    ),
                );
                let why = format!("`{res}` is placed in it");
                Some(external::subnet(&mut self.t, &vnet, &subnet, &why, &at))
            }
            Link::Unknown(u) if !self.declared_origin(&u.origin) => {
                // A variable without a value, a data source attribute: the subnet exists but
                // which one is unknown. One placeholder per reference.
                self.unknown(res, field, &u);
                let why = format!("`{res}` is placed in it; {}", u.reason);
                Some(external::subnet_for(&mut self.t, &u.reason, &why, &at))
            }
            _ => self.subnet_ref(o, k, res, field),
        }
    }

    /// The subnets a resource firewall admits (`virtual_network_subnet_ids`, or a rule
    /// block's `subnet_id`): each one the configuration declares, or else the external subnet
    /// the id of an undeclared one names (read by a data source, written as an id), read as
    /// the ARM importer reads it ([`moat_arm::map::admitted_external_subnet`]): the rule is
    /// what the configuration writes whether it declares the subnet or not. Any other entry is
    /// left out, recorded as unknown.
    pub fn admitted_subnets(&mut self, o: &ResObj, k: &str, res: &str, field: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for v in self.id_items(o, k, res, field) {
            let key = match self.link(&v) {
                Link::External(Ref::Subnet(vnet, subnet), id) => {
                    let loc = Self::attr_loc(o, k);
                    let at = loc.provenance(&o.addr);
                    match moat_arm::map::admitted_external_subnet(
                        &mut self.t,
                        &vnet,
                        &subnet,
                        res,
                        &at,
                    ) {
                        Some((key, read)) => {
                            self.warn(
                                "external-subnet",
                                format!(
                                    "`{res}`: {field}: subnet `{vnet}/{subnet}` ({id}) is not declared by the configuration; {read}"
                                ),
                                &loc,
                                Some(
                                    "include the subnet in the configuration (or a plan) to have it analysed"
                                        .into(),
                                ),
                            );
                            Some(key)
                        }
                        None => {
                            // A name with unknown parts: which subnet the entry admits is
                            // unknown, recorded there; the entry is left out.
                            self.link_value(o, k, &v, res, field, "subnet", subnet_key);
                            None
                        }
                    }
                }
                _ => self.link_value(o, k, &v, res, field, "subnet", subnet_key),
            };
            if let Some(key) = key
                && !out.contains(&key)
            {
                out.push(key);
            }
        }
        out
    }

    /// Zones private endpoints write into that the configuration does not declare (a central
    /// zone read through a data source or given by id) become external zones, whose links
    /// are unknown. Azure scopes a zone's name to its resource group: zones of one name the
    /// ids of two groups name are two, told apart by group as the ARM importer tells them
    /// ([`moat_arm::map::zone_scope`]). An entry naming a zone beside a declared one of the
    /// same name in another group names neither: it is left out, its reference having left
    /// the endpoint's zone group open.
    pub fn external_zones(&mut self) {
        let ix = self.t.index();
        let mut missing = Vec::new();
        for (pi, pe) in self.t.private_endpoints.iter().enumerate() {
            for (zi, z) in pe.dns_zone_group.iter().enumerate() {
                if !ix.private_dns_zones.contains_key(z) {
                    missing.push((pi, zi));
                }
            }
        }
        if missing.is_empty() {
            return;
        }
        let ids: HashMap<usize, &[Option<String>]> = self
            .pe_zone_ids
            .iter()
            .map(|(pi, ids)| (*pi, ids.as_slice()))
            .collect();
        let mut scopes = moat_arm::map::ZoneScopes::default();
        let mut gone = Vec::new();
        for (pi, zi) in missing {
            let pe = &self.t.private_endpoints[pi];
            let entry = pe.dns_zone_group[zi].clone();
            let zone = entry.rsplit('/').next().unwrap_or_default().to_string();
            if zone.is_empty() || zone == UNKNOWN || zone.contains(['<', '⟨']) {
                continue;
            }
            let why = format!("private endpoint `{}` writes its records there", pe.name);
            let at = pe.at.clone();
            let group = ids
                .get(&pi)
                .and_then(|v| v.get(zi))
                .and_then(Option::as_deref)
                .and_then(|id| moat_arm::map::zone_scope(&mut scopes, &zone, id));
            match external::private_dns_zone(&mut self.t, &zone, group.as_deref(), &why, &at) {
                Some(k) => self.t.private_endpoints[pi].dns_zone_group[zi] = k,
                None if entry != zone => gone.push((pi, zi)),
                None => {}
            }
        }
        // Latest first, so the earlier indices of an endpoint still hold.
        for (pi, zi) in gone.into_iter().rev() {
            self.t.private_endpoints[pi].dns_zone_group.remove(zi);
        }
        moat_arm::map::plain_zone_keys(&mut self.t);
    }

    /// The VNet and subnet names an `azurerm_subnet` data source whose id is unknown is given,
    /// with the data source's address: each known name as written, an unknown one as the
    /// placeholder of its value (a variable without a value, `<spoke_vnet>`), which the same
    /// value always gives, so two data sources given one VNet name read subnets of one VNet.
    pub fn data_subnet_names(&self, u: &Unk) -> Option<(String, String, String)> {
        let (addr, attr) = u.origin.as_ref()?;
        if attr != "id" {
            return None;
        }
        let r = self
            .recs
            .iter()
            .find(|r| r.mode == Mode::Data && r.rtype == "azurerm_subnet" && &r.obj.addr == addr)?;
        let part = |k: &str| match r.obj.attrs.get(k)? {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::Unknown(x) => Some(crate::ids::open_name(x)),
            _ => None,
        };
        let (v, s) = (part("virtual_network_name")?, part("name")?);
        // Names with `/` would not read back as one VNet and one subnet.
        (!v.contains('/') && !s.contains('/')).then(|| (v, s, addr.clone()))
    }

    /// Whether an unknown value stands for an attribute of a resource the configuration
    /// declares (its id is then the declared resource's, known after apply). One lookup: it
    /// is asked per placement. A part of a computed attribute (`subnet[0].id`) is not the
    /// resource's own attribute: which resource it names is not known.
    fn declared_origin(&self, origin: &Option<(String, String)>) -> bool {
        origin.as_ref().is_some_and(|(addr, attr)| {
            !attr.contains(['[', '.']) && self.origins.contains(addr.as_str())
        })
    }
}

impl Mapper<'_> {
    /// The VNet a reference names (a private DNS zone link's, a DNS resolver's) when it is one
    /// the configuration does not declare (the customer's VNet, given by id or read through a
    /// data source of known name): an external VNet, referred to for sure, whose own
    /// properties are unknown. `None` for any other reference, which the caller resolves as
    /// before.
    pub fn linked_external_vnet(&mut self, o: &ResObj, k: &str, res: &str) -> Option<String> {
        let v = get(o, k)?.clone();
        let Link::External(Ref::Vnet(vnet), id) = self.link(&v) else {
            return None;
        };
        // A VNet of that name declared here: the id names a namesake elsewhere, which an
        // element by name would confuse with it.
        if self
            .t
            .virtual_networks
            .iter()
            .any(|x| !x.external && x.name.eq_ignore_ascii_case(&vnet))
        {
            return None;
        }
        let loc = Self::attr_loc(o, k);
        self.warn(
            "external-reference",
            format!(
                "`{res}` refers to VNet `{vnet}` ({id}), which the configuration does not declare; it is kept, as an external VNet whose address space, DNS servers and peerings are unknown"
            ),
            &loc,
            Some("include the VNet in the configuration (or a plan) to have it analysed".into()),
        );
        let why = format!("`{res}` refers to it");
        let vi = external::vnet(&mut self.t, &vnet, &why, &loc.provenance(&o.addr));
        Some(self.t.virtual_networks[vi].name.clone())
    }
}
