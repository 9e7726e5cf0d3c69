//! Subnets a configuration places resources in without declaring them: read through a data
//! source, given as a variable, or written as an id. They become external elements of the
//! model ([`moat_model::external`]), shared with the other importers: what the configuration
//! puts into them is kept and analysed, and what depends on their unknown properties is
//! unknown.

use super::{Link, Mapper, get};
use crate::ids::Ref;
use crate::value::ResObj;
use moat_model::external;

impl Mapper<'_> {
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

    /// Whether an unknown value stands for an attribute of a resource the configuration
    /// declares (its id is then the declared resource's, known after apply).
    fn declared_origin(&self, origin: &Option<(String, String)>) -> bool {
        origin.as_ref().is_some_and(|(addr, _)| {
            self.recs.iter().any(|r| {
                r.mode == crate::config::Mode::Managed && (r.addr == *addr || r.obj.addr == *addr)
            })
        })
    }
}
