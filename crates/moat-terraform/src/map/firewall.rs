//! Azure Firewall: the firewall, its policy and rule collection groups, and the rule
//! collections written on the firewall itself (classic rules).

use super::net::pip_of;
use super::{Mapper, at, blocks_of, blocks_open, get};
use crate::ids::Ref;
use crate::value::ResObj;
use moat_model::Open;
use moat_model::enums::*;
use moat_model::firewall::*;

fn ipg_of(r: &Ref) -> Option<String> {
    match r {
        Ref::IpGroup(n) => Some(n.clone()),
        _ => None,
    }
}
fn policy_of(r: &Ref) -> Option<String> {
    match r {
        Ref::FirewallPolicy(n) => Some(n.clone()),
        _ => None,
    }
}

impl Mapper<'_> {
    pub(super) fn firewall(&mut self, o: &ResObj) -> bool {
        let name = self.name(o, "firewall");
        let res = format!("firewall/{name}");
        let ipcs = self.blocks(o, "ip_configuration", &res);
        if ipcs.is_empty() {
            self.warn(
                "unmodelled",
                format!("firewall `{name}` has no ip_configuration (a virtual hub firewall); moat models firewalls in a VNet only"),
                &o.loc,
                None,
            );
            return false;
        }
        let vnet = self.vnet_of_ipconfig(o, &res);
        // Azure gives the firewall the first usable address of its AzureFirewallSubnet; when
        // that subnet's prefix is unknown, so is the address, and the firewall stays.
        let (ip, private_ip_assumed) = match self.fw_ips.get(&o.addr) {
            Some(&(ip, assumed)) => (Some(ip), assumed),
            None => (None, false),
        };
        if ip.is_none() {
            self.unknown_at(
                &res,
                "private_ip_address",
                "Azure gives it the first usable address of its AzureFirewallSubnet, whose IPv4 prefix is unknown".into(),
                &o.loc,
            );
        }
        let mut public_ips = Vec::new();
        for c in &ipcs {
            public_ips.extend(self.link_name(
                c,
                "public_ip_address_id",
                &res,
                "public_ips",
                "public IP",
                pip_of,
            ));
        }
        let sku = self.enum_of(
            o,
            "sku_tier",
            &res,
            "sku",
            FirewallSku::parse,
            FirewallSku::NAMES,
        );
        let firewall_policy = self.link_name(
            o,
            "firewall_policy_id",
            &res,
            "firewall_policy",
            "firewall policy",
            policy_of,
        );
        let dns_proxy = self
            .b(o, "dns_proxy_enabled", &res, "dns_proxy")
            .unwrap_or(false);
        let dns_servers = self.ips(o, "dns_servers", &res, "dns_servers");
        let region = self.region(o, &res);
        let tags = self.tags(o);
        self.t.firewalls.push(Firewall {
            name,
            region,
            vnet,
            private_ip_address: ip,
            private_ip_assumed,
            public_ips,
            sku,
            firewall_policy,
            dns_proxy,
            dns_servers,
            network_rule_collections: Vec::new(),
            application_rule_collections: Vec::new(),
            nat_rule_collections: Vec::new(),
            tags,
            at: at(o),
        });
        true
    }

    pub(super) fn firewall_policy(&mut self, o: &ResObj) -> bool {
        let name = self.name(o, "firewall-policy");
        let res = format!("firewall-policy/{name}");
        let base_policy = self.link_name(
            o,
            "base_policy_id",
            &res,
            "base_policy",
            "firewall policy",
            policy_of,
        );
        let (dns_proxy, servers) = match self.block(o, "dns", &res) {
            Some(d) => (
                self.b(&d, "proxy_enabled", &res, "dns_proxy")
                    .unwrap_or(false),
                self.ips(&d, "servers", &res, "dns_servers"),
            ),
            None => (false, Vec::new()),
        };

        let region = self.region(o, &res);
        let tags = self.tags(o);
        self.t.firewall_policies.push(FirewallPolicy {
            name,
            region,
            base_policy,
            dns_proxy,
            dns_servers: servers,
            rule_collection_groups: Vec::new(),
            tags,
            at: at(o),
        });
        true
    }

    pub(super) fn rule_collection_group(&mut self, o: &ResObj) -> bool {
        let res = format!("rule-collection-group/{}", o.addr);
        let Some(policy) = self.link_name(
            o,
            "firewall_policy_id",
            &res,
            "firewall_policy",
            "firewall policy",
            policy_of,
        ) else {
            return false;
        };
        let Some(pi) = self
            .t
            .firewall_policies
            .iter()
            .position(|p| p.name == policy)
        else {
            return false;
        };
        let pres = format!("firewall-policy/{policy}");
        let name = crate::ids::name_or_addr(o);
        let field = format!("rule_collection_groups/{name}/priority");
        let priority = self.u32_of(o, "priority", &pres, &field);
        let priority = self.open_required(o, "priority", &pres, &field, priority);
        let mut network_rule_collections = Vec::new();
        for c in self.blocks(o, "network_rule_collection", &pres) {
            network_rule_collections.push(self.network_collection(&c, &pres));
        }
        let mut application_rule_collections = Vec::new();
        for c in self.blocks(o, "application_rule_collection", &pres) {
            application_rule_collections.push(self.application_collection(&c, &pres));
        }
        let mut nat_rule_collections = Vec::new();
        for c in self.blocks(o, "nat_rule_collection", &pres) {
            nat_rule_collections.push(self.nat_collection(&c, &pres));
        }
        // Collections the configuration leaves open may hold any rule.
        if blocks_open(o, "network_rule_collection") {
            network_rule_collections.push(NetworkRuleCollection::unknown(at(o)));
        }
        if blocks_open(o, "application_rule_collection") {
            application_rule_collections.push(ApplicationRuleCollection::unknown(at(o)));
        }
        if blocks_open(o, "nat_rule_collection") {
            nat_rule_collections.push(NatRuleCollection::unknown(at(o)));
        }
        self.t.firewall_policies[pi]
            .rule_collection_groups
            .push(RuleCollectionGroup {
                name,
                priority,
                network_rule_collections,
                application_rule_collections,
                nat_rule_collections,
                at: at(o),
            });
        true
    }

    /// A collection's name, priority and action; the priority and action open when the
    /// configuration leaves them so (the collection is then decided both ways).
    fn collection_head(&mut self, c: &ResObj, res: &str) -> (String, Open<u32>, Open<Access>) {
        let name = crate::ids::name_or_addr(c);
        let field = format!("collections/{name}");
        let priority = self.u32_of(c, "priority", res, &field);
        let priority = self.open_required(c, "priority", res, &field, priority);
        let action = self.enum_of(c, "action", res, &field, Access::parse, Access::NAMES);
        let action = self.open_required(c, "action", res, &field, action);
        (name, priority, action)
    }

    fn network_collection(&mut self, c: &ResObj, res: &str) -> NetworkRuleCollection {
        let (name, priority, action) = self.collection_head(c, res);
        let mut rules = Vec::new();
        for r in self.blocks(c, "rule", res) {
            rules.push(self.network_rule(&r, res, &name));
        }
        // Rules the configuration leaves open may match anything.
        if blocks_open(c, "rule") {
            rules.push(NetworkRule::unknown_rules(at(c)));
        }
        NetworkRuleCollection {
            name,
            priority,
            action,
            rules,
            at: at(c),
        }
    }

    /// Reads one value of a rule with `read`, noting in `open` that the input leaves it open
    /// when the read meets an unknown.
    pub(super) fn rule_value<T>(
        &mut self,
        open: &mut Vec<RuleValue>,
        which: RuleValue,
        read: impl FnOnce(&mut Self) -> T,
    ) -> T {
        let before = self.unknown_reads;
        let v = read(self);
        if self.unknown_reads > before && !open.contains(&which) {
            open.push(which);
        }
        v
    }

    /// A network rule of collection `collection`.
    pub(super) fn network_rule(&mut self, r: &ResObj, res: &str, collection: &str) -> NetworkRule {
        let name = crate::ids::name_or_addr(r);
        let field = open_rule_field(&format!("collections/{collection}"), &name);
        let field = field.as_str();
        let mut open = Vec::new();
        let o = &mut open;
        let mut protocols = Vec::new();
        let names = self.rule_value(o, RuleValue::Ports, |m| m.strs(r, "protocols", res, field));
        for p in names {
            match FirewallProtocol::parse(&p) {
                Some(x) => protocols.push(x),
                None => self.invalid(
                    r,
                    "protocols",
                    format!("`{p}` is not a firewall protocol"),
                    Some(FirewallProtocol::NAMES.join(", ")),
                ),
            }
        }
        let mut destination_addresses = self.rule_value(o, RuleValue::Destinations, |m| {
            m.prefixes(r, &["destination_addresses"], res, field)
        });
        let dest_groups = self.rule_value(o, RuleValue::Destinations, |m| {
            m.link_names(r, "destination_ip_groups", res, field, "IP group", ipg_of)
        });
        for g in dest_groups {
            // The model's network rule has no destination IP groups: expand them.
            match self.t.ip_groups.iter().find(|x| x.name == g) {
                Some(ig) => ig.read_into(&mut destination_addresses, o, RuleValue::Destinations),
                None => self.rule_value(o, RuleValue::Destinations, |m| {
                    m.unknown_at(
                        res,
                        field,
                        format!("destination IP group `{g}` is not declared"),
                        &r.loc,
                    )
                }),
            }
        }
        let source_addresses = self.rule_value(o, RuleValue::Sources, |m| {
            m.prefixes(r, &["source_addresses"], res, field)
        });
        let source_ip_groups = self.rule_value(o, RuleValue::Sources, |m| {
            m.link_names(r, "source_ip_groups", res, field, "IP group", ipg_of)
        });
        let destination_fqdns = self.rule_value(o, RuleValue::Destinations, |m| {
            m.strs(r, "destination_fqdns", res, field)
        });
        let destination_ports = self.rule_value(o, RuleValue::Ports, |m| {
            m.ports(r, &["destination_ports"], res, field)
        });
        NetworkRule {
            protocols: if protocols.is_empty() {
                vec![FirewallProtocol::Any]
            } else {
                protocols
            },
            source_addresses,
            source_ip_groups,
            destination_addresses,
            destination_fqdns,
            destination_ports,
            name,
            open,
            at: at(r),
        }
    }

    fn application_collection(&mut self, c: &ResObj, res: &str) -> ApplicationRuleCollection {
        let (name, priority, action) = self.collection_head(c, res);
        let mut rules = Vec::new();
        for r in self.blocks(c, "rule", res) {
            rules.push(self.application_rule(&r, res, &name));
        }
        if blocks_open(c, "rule") {
            rules.push(ApplicationRule::unknown_rules(at(c)));
        }
        ApplicationRuleCollection {
            name,
            priority,
            action,
            rules,
            at: at(c),
        }
    }

    fn application_rule(&mut self, r: &ResObj, res: &str, collection: &str) -> ApplicationRule {
        let name = crate::ids::name_or_addr(r);
        let field = open_rule_field(&format!("collections/{collection}"), &name);
        let field = field.as_str();
        let mut open = Vec::new();
        let o = &mut open;
        let mut protocols = Vec::new();
        // Policies write `protocols { type, port }`; classic collections `protocol { type, port }`.
        for key in ["protocols", "protocol"] {
            // Protocol blocks the configuration leaves open may name any port.
            if blocks_open(r, key) {
                self.rule_value(o, RuleValue::Ports, |m| {
                    m.unknown_at(
                        res,
                        field,
                        format!("`{key}` of application rule `{name}` is known only after apply"),
                        &r.loc,
                    )
                });
            }
            for p in blocks_of(r, key) {
                let ty = self.rule_value(o, RuleValue::Ports, |m| m.s(&p, "type", res, field));
                let port =
                    self.rule_value(o, RuleValue::Ports, |m| m.u32_of(&p, "port", res, field));
                if let Some(ty) = ty {
                    let text = match port {
                        Some(n) => format!("{ty}:{n}"),
                        None => ty,
                    };
                    match text.parse::<AppProtocolPort>() {
                        Ok(x) => protocols.push(x),
                        Err(e) => self.invalid(&p, "type", e, None),
                    }
                }
            }
        }
        for lacking in [
            "destination_addresses",
            "destination_urls",
            "web_categories",
        ] {
            if get(r, lacking).is_some() {
                self.rule_value(o, RuleValue::Destinations, |m| {
                    m.unknown_at(
                        res,
                        field,
                        format!("application rules by `{lacking}` are not modelled"),
                        &r.loc,
                    )
                });
                self.warn(
                    "unmodelled",
                    format!("`{lacking}` of application rule `{name}` is not modelled"),
                    &r.loc,
                    None,
                );
            }
        }
        let mut target_fqdns = self.rule_value(o, RuleValue::Destinations, |m| {
            m.strs(r, "destination_fqdns", res, field)
        });
        target_fqdns.extend(self.rule_value(o, RuleValue::Destinations, |m| {
            m.strs(r, "target_fqdns", res, field)
        }));
        let mut fqdn_tags = self.rule_value(o, RuleValue::Destinations, |m| {
            m.strs(r, "destination_fqdn_tags", res, field)
        });
        fqdn_tags.extend(self.rule_value(o, RuleValue::Destinations, |m| {
            m.strs(r, "fqdn_tags", res, field)
        }));
        let source_addresses = self.rule_value(o, RuleValue::Sources, |m| {
            m.prefixes(r, &["source_addresses"], res, field)
        });
        let source_ip_groups = self.rule_value(o, RuleValue::Sources, |m| {
            m.link_names(r, "source_ip_groups", res, field, "IP group", ipg_of)
        });
        ApplicationRule {
            source_addresses,
            source_ip_groups,
            protocols: if protocols.is_empty() {
                vec![
                    AppProtocolPort {
                        protocol: ApplicationProtocol::Http,
                        port: 80,
                    },
                    AppProtocolPort {
                        protocol: ApplicationProtocol::Https,
                        port: 443,
                    },
                ]
            } else {
                protocols
            },
            target_fqdns,
            fqdn_tags,
            name,
            open,
            at: at(r),
        }
    }

    pub(super) fn classic_collection(&mut self, rtype: &str, o: &ResObj) -> bool {
        let res = format!("collection/{}", o.addr);
        let Some(fw) = self.s(o, "azure_firewall_name", &res, "firewall") else {
            return false;
        };
        let Some(fi) = self.t.firewalls.iter().position(|f| f.name == fw) else {
            self.warn(
                "external-reference",
                format!(
                    "`{}` belongs to firewall `{fw}`, which is not modelled",
                    o.addr
                ),
                &o.loc,
                None,
            );
            return false;
        };
        let fres = format!("firewall/{fw}");
        if rtype == "azurerm_firewall_nat_rule_collection" {
            let c = self.nat_collection(o, &fres);
            self.t.firewalls[fi].nat_rule_collections.push(c);
        } else if rtype == "azurerm_firewall_network_rule_collection" {
            let c = self.network_collection(o, &fres);
            self.t.firewalls[fi].network_rule_collections.push(c);
        } else {
            let c = self.application_collection(o, &fres);
            self.t.firewalls[fi].application_rule_collections.push(c);
        }
        true
    }
}
