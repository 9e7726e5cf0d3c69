//! Azure Firewall DNAT rule collections: classic `azurerm_firewall_nat_rule_collection` and
//! the `nat_rule_collection` blocks of a policy's rule collection group.

use super::Mapper;
use crate::value::ResObj;
use moat_model::firewall::{NatRule, NatRuleCollection, RuleValue, open_rule_field};

impl Mapper<'_> {
    /// A DNAT collection; its action is always `Dnat`, so only the priority heads it.
    pub(super) fn nat_collection(&mut self, c: &ResObj, res: &str) -> NatRuleCollection {
        let name = crate::ids::name_or_addr(c);
        let field = format!("collections/{name}");
        let priority = self.u32_of(c, "priority", res, &field);
        let priority = self.open_required(c, "priority", res, &field, priority);
        let mut rules = Vec::new();
        for r in self.blocks(c, "rule", res) {
            rules.push(self.nat_rule(&r, res, &name));
        }
        // Rules the configuration leaves open may match anything.
        if super::blocks_open(c, "rule") {
            rules.push(NatRule::unknown_rules(super::at(c)));
        }
        NatRuleCollection {
            name,
            priority,
            rules,
            at: super::at(c),
        }
    }

    fn nat_rule(&mut self, r: &ResObj, res: &str, collection: &str) -> NatRule {
        // The match side is a network rule's; a policy names one `destination_address`.
        let net = self.network_rule(r, res, collection);
        let field = open_rule_field(&format!("collections/{collection}"), &net.name);
        let field = field.as_str();
        let mut open = net.open;
        let o = &mut open;
        let mut destination_addresses = net.destination_addresses;
        destination_addresses.extend(self.rule_value(o, RuleValue::Destinations, |m| {
            m.prefixes(r, &["destination_address"], res, field)
        }));
        let translated = self.rule_value(o, RuleValue::Translation, |m| {
            m.s(r, "translated_port", res, field)
        });
        let translated_port = match translated {
            Some(p) => match p.trim().parse::<u16>() {
                Ok(n) => Some(n),
                Err(_) => {
                    self.invalid(
                        r,
                        "translated_port",
                        format!("`{p}` is not a port"),
                        Some("write a port number such as 8080".into()),
                    );
                    None
                }
            },
            None => None,
        };
        NatRule {
            name: net.name,
            protocols: net.protocols,
            source_addresses: net.source_addresses,
            source_ip_groups: net.source_ip_groups,
            destination_addresses,
            destination_ports: net.destination_ports,
            translated_address: self.rule_value(o, RuleValue::Translation, |m| {
                m.ip(r, "translated_address", res, field)
            }),
            translated_fqdn: self.rule_value(o, RuleValue::Translation, |m| {
                m.s(r, "translated_fqdn", res, field)
            }),
            translated_port,
            open,
            at: super::at(r),
        }
    }
}
