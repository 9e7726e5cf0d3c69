//! NSG security rules and user-defined routes, from ARM properties to the model.
//!
//! A security rule whose priority, direction or access is unknown (or missing, which Azure
//! would reject) is imported with that field open ([`Open::Unknown`]) and recorded under
//! [`SecurityRule::open_field`], so the NSG's evaluation considers every value the field may
//! take; the Terraform importer does the same for azurerm rules.

use super::firewall::value;
use super::{F, FirewallUse, Rec, UsedBy, at, get, json_text};
use moat_model::Open;
use moat_model::Provenance;
use moat_model::enums::{Access, Direction, NextHopType, NsgProtocol};
use moat_model::firewall::RuleValue;
use moat_model::network::{Route, SecurityRule};
use moat_model::values::{AddressPrefix, PortRange};
use serde_json::Value as Json;

/// A field of a rule that may be open: a value when known and valid, otherwise open and
/// recorded (unknown, missing or invalid: the rule may hold any value there).
fn open_field<T>(
    p: &Json,
    key: &str,
    rule: &str,
    which: &str,
    parse: impl Fn(&Json) -> Option<T>,
    rec: &mut Rec,
) -> Open<T> {
    let field = SecurityRule::open_field(rule, which);
    match at(p, &[key]) {
        F::Known(v) => match parse(v) {
            Some(x) => Open::Known(x),
            None => {
                rec.warn(format!(
                    "{}: rule `{rule}` has an invalid {key} {v}; read as unknown",
                    rec.resource
                ));
                rec.unknown(&field, &format!("{key} {v} is not valid"));
                Open::Unknown
            }
        },
        F::Unknown(r) => {
            rec.unknown(&field, &r);
            Open::Unknown
        }
        F::Absent => {
            rec.unknown(
                &field,
                &format!("`{key}` is not written (Azure requires it)"),
            );
            Open::Unknown
        }
    }
}

/// A security rule (`securityRules` element, or a child resource when `props` is given).
pub(super) fn map_rule(
    r: &Json,
    props: Option<&Json>,
    at_: &Provenance,
    rec: &mut Rec,
) -> Option<SecurityRule> {
    let (name, p) = match props {
        Some(p) => (r.as_str().map(String::from), p.clone()),
        None => (
            get(r, "name").and_then(json_text),
            get(r, "properties").cloned().unwrap_or(Json::Null),
        ),
    };
    let name = name?;
    let field = format!("rules/{name}");
    let priority = open_field(
        &p,
        "priority",
        &name,
        "priority",
        |v| {
            v.as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .or_else(|| json_text(v).and_then(|s| s.trim().parse().ok()))
        },
        rec,
    );
    let direction = open_field(
        &p,
        "direction",
        &name,
        "direction",
        |v| json_text(v).as_deref().and_then(Direction::parse),
        rec,
    );
    let access = open_field(
        &p,
        "access",
        &name,
        "access",
        |v| json_text(v).as_deref().and_then(Access::parse),
        rec,
    );
    // The match values the template leaves open, read as the widest they may be, are marked
    // open on the rule: its evaluation then decides the flows both ways.
    let mut open = Vec::new();
    let o = &mut open;
    let mut source_ports = value(rec, o, RuleValue::Ports, |rec| {
        rec.ports(&p, "sourcePortRange", "sourcePortRanges", &field)
    });
    if source_ports.is_empty() {
        source_ports.push(PortRange::ANY);
    }
    let mut destination_ports = value(rec, o, RuleValue::Ports, |rec| {
        rec.ports(&p, "destinationPortRange", "destinationPortRanges", &field)
    });
    if destination_ports.is_empty() {
        destination_ports.push(PortRange::ANY);
    }
    let protocol = value(rec, o, RuleValue::Ports, |rec| {
        rec.enm(
            &p,
            &["protocol"],
            &field,
            NsgProtocol::parse,
            NsgProtocol::Any,
            NsgProtocol::Any,
        )
    });
    let source = value(rec, o, RuleValue::Sources, |rec| {
        rec.prefixes(&p, "sourceAddressPrefix", "sourceAddressPrefixes", &field)
    });
    let source_asgs = value(rec, o, RuleValue::Sources, |rec| {
        rec.ids(&p, &["sourceApplicationSecurityGroups"], &field)
    });
    let destination = value(rec, o, RuleValue::Destinations, |rec| {
        rec.prefixes(
            &p,
            "destinationAddressPrefix",
            "destinationAddressPrefixes",
            &field,
        )
    });
    let destination_asgs = value(rec, o, RuleValue::Destinations, |rec| {
        rec.ids(&p, &["destinationApplicationSecurityGroups"], &field)
    });
    Some(SecurityRule {
        name,
        priority,
        direction,
        access,
        protocol,
        source,
        source_asgs,
        source_ports,
        destination,
        destination_asgs,
        destination_ports,
        description: rec.str(&p, &["description"], &field),
        open,
        at: at_.clone(),
    })
}

/// A user-defined route. A route whose prefix or next hop is unknown is recorded against its
/// route table (any path through that table is then undecided) and not imported.
pub(super) fn map_route(
    r: &Json,
    props: Option<&Json>,
    at_: &Provenance,
    rec: &mut Rec,
) -> Option<Route> {
    let (name, p) = match props {
        Some(p) => (r.as_str().map(String::from), p.clone()),
        None => (
            get(r, "name").and_then(json_text),
            get(r, "properties").cloned().unwrap_or(Json::Null),
        ),
    };
    let name = name?;
    let field = format!("routes/{name}");
    let prefix = match at(&p, &["addressPrefix"]) {
        F::Known(v) => json_text(v).and_then(|s| match s.parse::<AddressPrefix>() {
            Ok(a) => Some(a),
            Err(e) => {
                // `10.0.0.300/32` is one Azure rejects: an error, not a route left out.
                rec.bad_address(
                    s.trim(),
                    format!("route `{name}`: {e}"),
                    format!(
                        "{}: route `{name}` has no valid address prefix; not imported",
                        rec.resource
                    ),
                );
                None
            }
        }),
        F::Unknown(r) => {
            rec.unknown(&field, &format!("{r}; the route is not imported"));
            return None;
        }
        F::Absent => None,
    };
    let Some(address_prefix) = prefix else {
        if matches!(at(&p, &["addressPrefix"]), F::Absent) {
            rec.warn(format!(
                "{}: route `{name}` has no address prefix; not imported",
                rec.resource
            ));
        }
        return None;
    };
    let hop = match at(&p, &["nextHopType"]) {
        F::Known(v) => json_text(v).as_deref().and_then(NextHopType::parse),
        F::Unknown(r) => {
            rec.unknown(&field, &format!("{r}; the route is not imported"));
            return None;
        }
        F::Absent => None,
    };
    let Some(next_hop_type) = hop else {
        rec.warn(format!(
            "{}: route `{name}` has no valid next hop type; not imported",
            rec.resource
        ));
        return None;
    };
    let next_hop_ip_address = match at(&p, &["nextHopIpAddress"]) {
        F::Known(v) => json_text(v).and_then(|s| match s.trim().parse() {
            Ok(ip) => Some(ip),
            Err(e) => {
                rec.bad_address(
                    s.trim(),
                    format!("route `{name}`: next hop {e}"),
                    format!(
                        "{}: route `{name}` has an unreadable next hop address `{s}`",
                        rec.resource
                    ),
                );
                None
            }
        }),
        F::Unknown(r) => {
            // The firewall's own address, as `reference()` gives it: the route goes to that
            // firewall, whose address is known once every resource is mapped.
            let named = get(&p, "nextHopIpAddress").and_then(super::firewall::firewall_of);
            match named {
                Some(id) if next_hop_type == NextHopType::VirtualAppliance => {
                    rec.firewall_uses.push(FirewallUse {
                        at: at_.clone(),
                        id: id.to_string(),
                        by: UsedBy::Route(name.clone()),
                    });
                    return Some(Route {
                        name,
                        address_prefix,
                        next_hop_type,
                        next_hop_ip_address: None,
                        at: at_.clone(),
                    });
                }
                _ => {
                    rec.unknown(&field, &format!("{r}; the route is not imported"));
                    return None;
                }
            }
        }
        F::Absent => None,
    };
    if next_hop_type == NextHopType::VirtualAppliance && next_hop_ip_address.is_none() {
        // An unreadable address was reported above.
        if matches!(at(&p, &["nextHopIpAddress"]), F::Absent) {
            rec.warn(format!(
                "{}: route `{name}` goes to an appliance without an address; not imported",
                rec.resource
            ));
        }
        return None;
    }
    Some(Route {
        name,
        address_prefix,
        next_hop_type,
        next_hop_ip_address,
        at: at_.clone(),
    })
}
