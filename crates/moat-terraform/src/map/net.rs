//! Networks: VNets and subnets, NSGs, route tables, NAT, public IPs, gateways, Bastion, NICs,
//! VMs, service endpoint policies (Azure Firewall is in `firewall`).

use super::{Mapper, UNKNOWN, at, blocks_of, get};
use crate::ids::Ref;
use crate::value::{ResObj, Value};
use ipnet::IpNet;
use moat_model::Open;
use moat_model::enums::*;
use moat_model::firewall::*;
use moat_model::network::*;
use moat_model::values::{AddressPrefix, PortRange, widen_open_prefix};
use std::net::IpAddr;

fn nsg_of(r: &Ref) -> Option<String> {
    match r {
        Ref::Nsg(n) => Some(n.clone()),
        _ => None,
    }
}
fn asg_of(r: &Ref) -> Option<String> {
    match r {
        Ref::Asg(n) => Some(n.clone()),
        _ => None,
    }
}
fn rt_of(r: &Ref) -> Option<String> {
    match r {
        Ref::RouteTable(n) => Some(n.clone()),
        _ => None,
    }
}
fn nat_of(r: &Ref) -> Option<String> {
    match r {
        Ref::NatGateway(n) => Some(n.clone()),
        _ => None,
    }
}
pub(super) fn pip_of(r: &Ref) -> Option<String> {
    match r {
        Ref::PublicIp(n) => Some(n.clone()),
        _ => None,
    }
}
fn vnet_of(r: &Ref) -> Option<String> {
    match r {
        Ref::Vnet(n) => Some(n.clone()),
        _ => None,
    }
}
fn sep_of(r: &Ref) -> Option<String> {
    match r {
        Ref::ServiceEndpointPolicy(n) => Some(n.clone()),
        _ => None,
    }
}
fn nic_of(r: &Ref) -> Option<String> {
    match r {
        Ref::Nic(n) => Some(n.clone()),
        _ => None,
    }
}
fn vng_of(r: &Ref) -> Option<String> {
    match r {
        Ref::VnetGateway(n) => Some(n.clone()),
        _ => None,
    }
}
fn lng_of(r: &Ref) -> Option<String> {
    match r {
        Ref::LocalGateway(n) => Some(n.clone()),
        _ => None,
    }
}

impl Mapper<'_> {
    // ---- value helpers -------------------------------------------------------------------------

    pub(super) fn nets(&mut self, o: &ResObj, k: &str, res: &str, field: &str) -> Vec<IpNet> {
        let mut out = Vec::new();
        for s in self.strs(o, k, res, field) {
            match moat_model::values::parse_net(&s) {
                Ok(n) => out.push(n),
                Err(e) => self.invalid(
                    o,
                    k,
                    e,
                    Some("write a CIDR prefix such as 10.0.0.0/16".into()),
                ),
            }
        }
        out
    }

    pub(super) fn ips(&mut self, o: &ResObj, k: &str, res: &str, field: &str) -> Vec<IpAddr> {
        let mut out = Vec::new();
        for s in self.strs(o, k, res, field) {
            match s.trim().parse::<IpAddr>() {
                Ok(ip) => out.push(ip),
                Err(_) => self.invalid(o, k, format!("`{s}` is not an IP address"), None),
            }
        }
        out
    }

    pub(super) fn ip(&mut self, o: &ResObj, k: &str, res: &str, field: &str) -> Option<IpAddr> {
        let s = self.s(o, k, res, field)?;
        match s.trim().parse::<IpAddr>() {
            Ok(ip) => Some(ip),
            Err(_) => {
                self.invalid(o, k, format!("`{s}` is not an IP address"), None);
                None
            }
        }
    }

    pub(super) fn prefixes(
        &mut self,
        o: &ResObj,
        keys: &[&str],
        res: &str,
        field: &str,
    ) -> Vec<AddressPrefix> {
        let mut out = Vec::new();
        for k in keys {
            for item in self.str_items(o, k, res, field) {
                // An element the configuration leaves open reads as the widest it may be, as
                // the ARM importer reads it (recorded as unknown; a firewall rule marks it open).
                let s = match item {
                    Ok(s) => s,
                    Err(partial) => {
                        out.push(widen_open_prefix(partial.as_deref()));
                        continue;
                    }
                };
                match s.parse::<AddressPrefix>() {
                    Ok(p) => out.push(p),
                    Err(e) => self.invalid(o, k, e, None),
                }
            }
        }
        out
    }

    pub(super) fn ports(
        &mut self,
        o: &ResObj,
        keys: &[&str],
        res: &str,
        field: &str,
    ) -> Vec<PortRange> {
        let mut out = Vec::new();
        for k in keys {
            for item in self.str_items(o, k, res, field) {
                // An open element may be any port, as the ARM importer reads it.
                let Ok(s) = item else {
                    out.push(PortRange::ANY);
                    continue;
                };
                for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                    match part.parse::<PortRange>() {
                        Ok(p) => out.push(p),
                        Err(e) => self.invalid(o, k, e, None),
                    }
                }
            }
        }
        out
    }

    /// The index of the first VNet named `name`, looked up in an index that takes in the VNets
    /// pushed since the last lookup (VNets are only appended while mapping), so a configuration
    /// of many VNets, each with its subnets and associations, maps in linear time.
    fn vnet_index(&self, name: &str) -> Option<usize> {
        let vnets = &self.t.virtual_networks;
        let mut ix = self.vnets_by_name.borrow_mut();
        if ix.upto > vnets.len() {
            // Not only appended: start again.
            *ix = VnetIndex::default();
        }
        for (i, v) in vnets.iter().enumerate().skip(ix.upto) {
            ix.first.entry(v.name.clone()).or_insert(i);
        }
        ix.upto = vnets.len();
        let i = *ix.first.get(name)?;
        // An index whose VNet was replaced in place answers by a scan, as before.
        if vnets[i].name == name {
            Some(i)
        } else {
            *ix = VnetIndex::default();
            vnets.iter().position(|v| v.name == name)
        }
    }

    fn subnet_index(&self, path: &str) -> Option<(usize, usize)> {
        let (v, s) = path.split_once('/')?;
        let vi = self.vnet_index(v)?;
        let si = self.t.virtual_networks[vi]
            .subnets
            .iter()
            .position(|x| x.name == s)?;
        Some((vi, si))
    }

    // ---- VNets and subnets ----------------------------------------------------------------------

    pub(super) fn vnet(&mut self, o: &ResObj) -> bool {
        let name = self.name(o, "vnet");
        let res = format!("vnet/{name}");
        let address_space = self.nets(o, "address_space", &res, "address_space");
        let dns_servers = self.ips(o, "dns_servers", &res, "dns_servers");
        self.note_inline_list(o, "subnet", &res);
        let mut subnets = Vec::new();
        for b in self.blocks(o, "subnet", &res) {
            subnets.push(self.subnet_of(&b, &name, true));
        }
        let region = self.region(o, &res);
        let tags = self.tags(o);
        self.t.virtual_networks.push(VirtualNetwork {
            name,
            region,
            address_space,
            dns_servers,
            subnets,
            peerings: Vec::new(),
            tags,
            external: false,
            at: at(o),
        });
        true
    }

    fn subnet_of(&mut self, o: &ResObj, vnet: &str, inline: bool) -> Subnet {
        let name = self.name(o, &format!("subnet/{vnet}"));
        let res = format!("subnet/{vnet}/{name}");
        let mut address_prefixes: Vec<IpNetStr> = self
            .nets(o, "address_prefixes", &res, "address_prefixes")
            .into_iter()
            .map(IpNetStr)
            .collect();
        if address_prefixes.is_empty() {
            address_prefixes = self
                .nets(o, "address_prefix", &res, "address_prefixes")
                .into_iter()
                .map(IpNetStr)
                .collect();
        }
        let network_security_group = self.link_name(
            o,
            "security_group",
            &res,
            "network_security_group",
            "network security group",
            nsg_of,
        );
        let route_table = self.link_name(
            o,
            "route_table_id",
            &res,
            "route_table",
            "route table",
            rt_of,
        );
        let service_endpoints = self.strs(o, "service_endpoints", &res, "service_endpoints");
        let service_endpoint_policies = self.link_names(
            o,
            "service_endpoint_policy_ids",
            &res,
            "service_endpoint_policies",
            "service endpoint policy",
            sep_of,
        );
        let mut delegations = Vec::new();
        for d in self.blocks(o, "delegation", &res) {
            for sd in self.blocks(&d, "service_delegation", &res) {
                delegations.extend(self.s(&sd, "name", &res, "delegations"));
            }
        }
        let policies = if get(o, "private_endpoint_network_policies").is_some() {
            self.enum_of(
                o,
                "private_endpoint_network_policies",
                &res,
                "private_endpoint_network_policies",
                PrivateEndpointNetworkPolicies::parse,
                PrivateEndpointNetworkPolicies::NAMES,
            )
        } else if get(o, "private_endpoint_network_policies_enabled").is_some() {
            self.b(
                o,
                "private_endpoint_network_policies_enabled",
                &res,
                "private_endpoint_network_policies",
            )
            .map(|b| {
                if b {
                    PrivateEndpointNetworkPolicies::Enabled
                } else {
                    PrivateEndpointNetworkPolicies::Disabled
                }
            })
        } else if get(o, "enforce_private_link_endpoint_network_policies").is_some() {
            // azurerm 2.x/3.x: `true` *enforces* disabling the policies.
            self.b(
                o,
                "enforce_private_link_endpoint_network_policies",
                &res,
                "private_endpoint_network_policies",
            )
            .map(|b| {
                if b {
                    PrivateEndpointNetworkPolicies::Disabled
                } else {
                    PrivateEndpointNetworkPolicies::Enabled
                }
            })
        } else if !inline && self.major == Some(3) {
            // azurerm 3.x sends `private_endpoint_network_policies_enabled = true` by default.
            Some(PrivateEndpointNetworkPolicies::Enabled)
        } else {
            None
        };
        let default_outbound_access = self
            .b(
                o,
                "default_outbound_access_enabled",
                &res,
                "default_outbound_access",
            )
            .unwrap_or(true);
        Subnet {
            name,
            address_prefixes,
            network_security_group,
            route_table,
            nat_gateway: None,
            service_endpoints,
            service_endpoint_policies,
            delegations,
            private_endpoint_network_policies: policies
                .unwrap_or(PrivateEndpointNetworkPolicies::Disabled),
            default_outbound_access,
            external: false,
            at: at(o),
        }
    }

    pub(super) fn subnet(&mut self, o: &ResObj) -> bool {
        let vnet = match self.s(
            o,
            "virtual_network_name",
            &format!("subnet/{}", crate::ids::name_or_addr(o)),
            "vnet",
        ) {
            Some(v) => self.parent_name(o, v),
            None => self.placeholder(UNKNOWN),
        };
        let s = self.subnet_of(o, &vnet, false);
        let vi = match self.vnet_index(&vnet) {
            Some(i) => i,
            None => {
                // The subnet is declared in a VNet the configuration does not declare, or in
                // one of several of its name without saying which: keep it, in an external VNet.
                let msg = if self.parent_open(o) {
                    format!(
                        "subnet `{}` is declared in VNet `{vnet}` of a resource group whose name is unknown, and the configuration declares several VNets of that name: which one holds it is unknown",
                        s.name
                    )
                } else {
                    format!(
                        "subnet `{}` is declared in VNet `{vnet}`, which the configuration does not declare; its address space is unknown",
                        s.name
                    )
                };
                self.warn("external-reference", msg, &o.loc, None);
                moat_model::external::vnet(
                    &mut self.t,
                    &vnet,
                    &format!("subnet `{}` of `{}` is declared in it", s.name, o.addr),
                    &at(o),
                )
            }
        };
        self.t.virtual_networks[vi].subnets.push(s);
        self.overwritten_by_inline(o, &format!("vnet/{vnet}"), "subnets");
        true
    }

    pub(super) fn vnet_dns_servers(&mut self, o: &ResObj) -> bool {
        let res = format!("dns-servers/{}", o.addr);
        let Some(vnet) = self.link_name(
            o,
            "virtual_network_id",
            &res,
            "vnet",
            "virtual network",
            vnet_of,
        ) else {
            return false;
        };
        let Some(vi) = self.vnet_index(&vnet) else {
            return false;
        };
        let servers = self.ips(o, "dns_servers", &format!("vnet/{vnet}"), "dns_servers");
        self.t.virtual_networks[vi].dns_servers = servers;
        true
    }

    pub(super) fn subnet_association(&mut self, rtype: &str, o: &ResObj) -> bool {
        let res = format!("association/{}", o.addr);
        let Some(subnet) = self.subnet_ref(o, "subnet_id", &res, "subnet") else {
            return false;
        };
        let Some((vi, si)) = self.subnet_index(&subnet) else {
            self.warn(
                "external-reference",
                format!(
                    "`{}` associates subnet `{subnet}`, which the configuration does not declare",
                    o.addr
                ),
                &o.loc,
                None,
            );
            return false;
        };
        let sres = format!("subnet/{subnet}");
        let field = match rtype {
            "azurerm_subnet_network_security_group_association" => "network_security_group",
            "azurerm_subnet_route_table_association" => "route_table",
            _ => "nat_gateway",
        };
        self.sets.insert(
            o.addr.clone(),
            moat_model::presence::FieldSet {
                element: sres.clone(),
                field: field.into(),
            },
        );
        match rtype {
            "azurerm_subnet_network_security_group_association" => {
                let n = self.link_name(
                    o,
                    "network_security_group_id",
                    &sres,
                    "network_security_group",
                    "network security group",
                    nsg_of,
                );
                self.t.virtual_networks[vi].subnets[si].network_security_group = n;
            }
            "azurerm_subnet_route_table_association" => {
                let n = self.link_name(
                    o,
                    "route_table_id",
                    &sres,
                    "route_table",
                    "route table",
                    rt_of,
                );
                self.t.virtual_networks[vi].subnets[si].route_table = n;
            }
            _ => {
                let n = self.link_name(
                    o,
                    "nat_gateway_id",
                    &sres,
                    "nat_gateway",
                    "NAT gateway",
                    nat_of,
                );
                self.t.virtual_networks[vi].subnets[si].nat_gateway = n;
            }
        }
        true
    }

    pub(super) fn peering(&mut self, o: &ResObj) -> bool {
        let res = format!("peering/{}", o.addr);
        let Some(local) = self.s(o, "virtual_network_name", &res, "vnet") else {
            return false;
        };
        let local = self.parent_name(o, local);
        let Some(vi) = self.vnet_index(&local) else {
            self.warn("external-reference", format!("peering `{}` belongs to VNet `{local}`, which the configuration does not declare", o.addr), &o.loc, None);
            return false;
        };
        let vres = format!("vnet/{local}");
        let remote = match self.link_name(
            o,
            "remote_virtual_network_id",
            &vres,
            "peerings",
            "virtual network",
            vnet_of,
        ) {
            Some(r) => r,
            None => self.placeholder(UNKNOWN),
        };
        let name = self.s(o, "name", &vres, "peerings");
        let p = Peering {
            name,
            remote_vnet: remote,
            allow_virtual_network_access: self
                .b(o, "allow_virtual_network_access", &vres, "peerings")
                .unwrap_or(true),
            allow_forwarded_traffic: self
                .b(o, "allow_forwarded_traffic", &vres, "peerings")
                .unwrap_or(false),
            allow_gateway_transit: self
                .b(o, "allow_gateway_transit", &vres, "peerings")
                .unwrap_or(false),
            use_remote_gateways: self
                .b(o, "use_remote_gateways", &vres, "peerings")
                .unwrap_or(false),
            at: at(o),
        };
        self.t.virtual_networks[vi].peerings.push(p);
        true
    }

    // ---- NSGs and ASGs ---------------------------------------------------------------------------

    pub(super) fn nsg(&mut self, o: &ResObj) -> bool {
        let name = self.name(o, "nsg");
        let res = format!("nsg/{name}");
        self.note_inline_list(o, "security_rule", &res);
        let mut rules = Vec::new();
        for b in self.blocks(o, "security_rule", &res) {
            rules.push(self.security_rule(&b, &res));
        }
        let region = self.region(o, &res);
        let tags = self.tags(o);
        self.t.network_security_groups.push(NetworkSecurityGroup {
            name,
            region,
            rules,
            tags,
            at: at(o),
        });
        true
    }

    fn security_rule(&mut self, o: &ResObj, nsg_res: &str) -> SecurityRule {
        let name = crate::ids::name_or_addr(o);
        let field = format!("rules/{name}");
        // An unknown (or missing) priority, direction or access stays open in the rule, so the
        // NSG's evaluation considers every value it may take.
        let priority = {
            let f = SecurityRule::open_field(&name, "priority");
            let v = self.u32_of(o, "priority", nsg_res, &f);
            self.open_required(o, "priority", nsg_res, &f, v)
        };
        let direction = {
            let f = SecurityRule::open_field(&name, "direction");
            let v = self.enum_of(
                o,
                "direction",
                nsg_res,
                &f,
                Direction::parse,
                Direction::NAMES,
            );
            self.open_required(o, "direction", nsg_res, &f, v)
        };
        let access = {
            let f = SecurityRule::open_field(&name, "access");
            let v = self.enum_of(o, "access", nsg_res, &f, Access::parse, Access::NAMES);
            self.open_required(o, "access", nsg_res, &f, v)
        };
        // The match values the configuration leaves open, read as the widest they may be,
        // are marked open on the rule: its evaluation then decides the flows both ways.
        let mut open = Vec::new();
        let protocol = self
            .rule_value(&mut open, RuleValue::Ports, |m| {
                m.enum_of(
                    o,
                    "protocol",
                    nsg_res,
                    &field,
                    NsgProtocol::parse,
                    NsgProtocol::NAMES,
                )
            })
            .unwrap_or(NsgProtocol::Any);
        let source = self.rule_value(&mut open, RuleValue::Sources, |m| {
            m.prefixes(
                o,
                &["source_address_prefix", "source_address_prefixes"],
                nsg_res,
                &field,
            )
        });
        let destination = self.rule_value(&mut open, RuleValue::Destinations, |m| {
            m.prefixes(
                o,
                &["destination_address_prefix", "destination_address_prefixes"],
                nsg_res,
                &field,
            )
        });
        let source_asgs = self.rule_value(&mut open, RuleValue::Sources, |m| {
            m.link_names(
                o,
                "source_application_security_group_ids",
                nsg_res,
                &field,
                "application security group",
                asg_of,
            )
        });
        let destination_asgs = self.rule_value(&mut open, RuleValue::Destinations, |m| {
            m.link_names(
                o,
                "destination_application_security_group_ids",
                nsg_res,
                &field,
                "application security group",
                asg_of,
            )
        });
        let mut source_ports = self.rule_value(&mut open, RuleValue::Ports, |m| {
            m.ports(
                o,
                &["source_port_range", "source_port_ranges"],
                nsg_res,
                &field,
            )
        });
        let mut destination_ports = self.rule_value(&mut open, RuleValue::Ports, |m| {
            m.ports(
                o,
                &["destination_port_range", "destination_port_ranges"],
                nsg_res,
                &field,
            )
        });
        for p in [&mut source_ports, &mut destination_ports] {
            if p.is_empty() {
                p.push(PortRange::ANY);
            }
        }
        let description = self.s(o, "description", nsg_res, &field);
        SecurityRule {
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
            description,
            open,
            at: at(o),
        }
    }

    /// A required attribute read as `v`: open when it is unknown (already recorded), not
    /// written (recorded here) or invalid (already an error).
    pub(super) fn open_required<T>(
        &mut self,
        o: &ResObj,
        k: &str,
        res: &str,
        field: &str,
        v: Option<T>,
    ) -> Open<T> {
        if v.is_none() && get(o, k).is_none() {
            self.unknown_at(
                res,
                field,
                format!("`{k}` is not written (the provider requires it)"),
                &o.loc,
            );
        }
        v.into()
    }

    pub(super) fn nsg_rule(&mut self, o: &ResObj) -> bool {
        let res = format!("nsg-rule/{}", o.addr);
        let Some(nsg) = self.s(o, "network_security_group_name", &res, "nsg") else {
            return false;
        };
        let nsg = self.parent_name(o, nsg);
        let Some(i) = self
            .t
            .network_security_groups
            .iter()
            .position(|n| n.name == nsg)
        else {
            self.warn(
                "external-reference",
                format!(
                    "rule `{}` belongs to NSG `{nsg}`, which the configuration does not declare",
                    o.addr
                ),
                &o.loc,
                None,
            );
            return false;
        };
        let r = self.security_rule(o, &format!("nsg/{nsg}"));
        self.t.network_security_groups[i].rules.push(r);
        self.overwritten_by_inline(o, &format!("nsg/{nsg}"), "rules");
        true
    }

    /// Notes that a resource writes the list `k` inline (blocks, `k = [...]` even empty, or a
    /// `dynamic` block whose count is open): the provider then sets the whole list on each
    /// apply. A `dynamic` block that makes no block writes nothing.
    fn note_inline_list(&mut self, o: &ResObj, k: &'static str, res: &str) {
        if get(o, k).is_some() {
            self.inline_lists
                .insert(res.to_string(), (o.addr.clone(), k));
        }
    }

    /// A rule (route, subnet) resource added to an NSG (route table, VNet) that also writes
    /// its rules (routes, subnets) inline: azurerm documents that the two cannot be used
    /// together, as each apply of the parent sets its list to the inline one and removes what
    /// the separate resources added, which the next apply adds back ("you cannot use a Virtual
    /// Network with in-line Subnets in conjunction with any Subnet resources. Doing so will
    /// cause a conflict of Subnet configurations and will overwrite Subnets"). Whether the
    /// resource's element is deployed at a given time is therefore open: it may or may not
    /// exist, with the others of the same parent, and so may what is placed in it. A VNet
    /// written as an azapi resource whose body lists its subnets, and a subnet written as one,
    /// are the same case: Azure's PUT of a VNet sets its subnets to the list the body gives
    /// (see `Mapper::azapi_children_beside_inline`).
    pub(super) fn overwritten_by_inline(&mut self, o: &ResObj, parent: &str, what: &str) {
        let Some((owner, k)) = self.inline_lists.get(parent).cloned() else {
            return;
        };
        let conflict = moat_model::presence::InlineConflict {
            resource: &o.addr,
            parent,
            owner: &owner,
            what,
            written_as: k,
            run: "apply",
            how: moat_model::presence::ListWrite::Inline,
        };
        self.warn(
            moat_model::presence::INLINE_CONFLICT,
            conflict.message(),
            &o.loc,
            Some(conflict.hint()),
        );
        let may = conflict.may_exist(at(o));
        self.t.may_exist.push(may);
    }

    pub(super) fn asg(&mut self, o: &ResObj) -> bool {
        let name = self.name(o, "asg");
        let region = self.region(o, &format!("asg/{name}"));
        self.t
            .application_security_groups
            .push(ApplicationSecurityGroup {
                name,
                region,
                at: at(o),
            });
        true
    }

    // ---- routes, NAT, public IPs, IP groups ----------------------------------------------------

    pub(super) fn route_table(&mut self, o: &ResObj) -> bool {
        let name = self.name(o, "route-table");
        let res = format!("route-table/{name}");
        self.note_inline_list(o, "route", &res);
        let mut routes = Vec::new();
        // Routes the configuration leaves open (a `dynamic` block over a value without one)
        // are recorded as the model's list, which the rules about routes read.
        if let Some(Value::Unknown(u)) = get(o, "route") {
            let u = u.clone();
            self.unknown(&res, "routes", &u);
        }
        for b in blocks_of(o, "route") {
            routes.extend(self.route_of(&b, &res));
        }
        let disable = match self.b(
            o,
            "bgp_route_propagation_enabled",
            &res,
            "disable_bgp_route_propagation",
        ) {
            Some(enabled) => !enabled,
            None => self
                .b(
                    o,
                    "disable_bgp_route_propagation",
                    &res,
                    "disable_bgp_route_propagation",
                )
                .unwrap_or(false),
        };
        let region = self.region(o, &res);
        let tags = self.tags(o);
        self.t.route_tables.push(RouteTable {
            name,
            region,
            routes,
            disable_bgp_route_propagation: disable,
            tags,
            at: at(o),
        });
        true
    }

    fn route_of(&mut self, o: &ResObj, res: &str) -> Option<Route> {
        let name = crate::ids::name_or_addr(o);
        let field = format!("routes/{name}");
        let address_prefix = match self
            .s(o, "address_prefix", res, &field)?
            .parse::<AddressPrefix>()
        {
            Ok(p) => p,
            Err(e) => {
                self.invalid(o, "address_prefix", e, None);
                return None;
            }
        };
        let next_hop_type = self.enum_of(
            o,
            "next_hop_type",
            res,
            &field,
            NextHopType::parse,
            NextHopType::NAMES,
        )?;
        let next_hop_ip_address = self.ip(
            o,
            "next_hop_in_ip_address",
            res,
            &format!("{field}/next_hop_ip_address"),
        );
        if next_hop_ip_address.is_none()
            && matches!(get(o, "next_hop_in_ip_address"), Some(v) if self.resolve(v).is_unknown())
        {
            self.soft.insert(o.addr.clone());
        }
        Some(Route {
            name,
            address_prefix,
            next_hop_type,
            next_hop_ip_address,
            at: at(o),
        })
    }

    pub(super) fn route(&mut self, o: &ResObj) -> bool {
        let res = format!("route/{}", o.addr);
        let Some(table) = self.s(o, "route_table_name", &res, "route_table") else {
            return false;
        };
        let table = self.parent_name(o, table);
        let Some(i) = self.t.route_tables.iter().position(|r| r.name == table) else {
            self.warn("external-reference", format!("route `{}` belongs to route table `{table}`, which the configuration does not declare", o.addr), &o.loc, None);
            return false;
        };
        let Some(r) = self.route_of(o, &format!("route-table/{table}")) else {
            return false;
        };
        self.t.route_tables[i].routes.push(r);
        self.overwritten_by_inline(o, &format!("route-table/{table}"), "routes");
        true
    }

    pub(super) fn nat_gateway(&mut self, o: &ResObj) -> bool {
        let name = self.name(o, "nat-gateway");
        let region = self.region(o, &format!("nat-gateway/{name}"));
        self.t.nat_gateways.push(NatGateway {
            name,
            region,
            public_ips: Vec::new(),
            at: at(o),
        });
        true
    }

    pub(super) fn nat_pip(&mut self, o: &ResObj) -> bool {
        let res = format!("association/{}", o.addr);
        let Some(nat) = self.link_name(
            o,
            "nat_gateway_id",
            &res,
            "nat_gateway",
            "NAT gateway",
            nat_of,
        ) else {
            return false;
        };
        let Some(i) = self.t.nat_gateways.iter().position(|n| n.name == nat) else {
            return false;
        };
        let nres = format!("nat-gateway/{nat}");
        if let Some(p) = self.link_name(
            o,
            "public_ip_address_id",
            &nres,
            "public_ips",
            "public IP",
            pip_of,
        ) {
            self.t.nat_gateways[i].public_ips.push(p);
        }
        true
    }

    pub(super) fn public_ip(&mut self, o: &ResObj) -> bool {
        let name = self.name(o, "public-ip");
        let res = format!("public-ip/{name}");
        let ip_address = match get(o, "ip_address") {
            Some(_) => self.ip(o, "ip_address", &res, "ip_address"),
            None => None,
        };
        let sku = self.s(o, "sku", &res, "sku");
        let region = self.region(o, &res);
        self.t.public_ips.push(PublicIp {
            name,
            region,
            ip_address,
            sku,
            at: at(o),
        });
        true
    }

    pub(super) fn ip_group(&mut self, o: &ResObj) -> bool {
        let name = self.name(o, "ip-group");
        let res = format!("ip-group/{name}");
        // An address the configuration leaves open (recorded) opens the group, as in ARM.
        let mut ip_addresses = Vec::new();
        let before = self.unknown_reads;
        for c in self.strs(o, "cidrs", &res, "ip_addresses") {
            match IpGroup::entry(&c) {
                Ok(p) => ip_addresses.extend(p),
                Err(e) => self.invalid(o, "cidrs", e, None),
            }
        }
        let open = self.unknown_reads > before;
        let region = self.region(o, &res);
        self.t
            .ip_groups
            .push(IpGroup::new(name, region, ip_addresses, open, at(o)));
        true
    }

    // ---- gateways, Bastion, NICs, VMs ----------------------------------------------------------

    pub(super) fn local_gateway(&mut self, o: &ResObj) -> bool {
        let name = self.name(o, "local-gateway");
        let res = format!("local-gateway/{name}");
        let address_prefixes = self.nets(o, "address_space", &res, "address_prefixes");
        let gateway_ip_address = self.ip(o, "gateway_address", &res, "gateway_ip_address");
        let region = self.region(o, &res);
        self.t.local_network_gateways.push(LocalNetworkGateway {
            name,
            region,
            address_prefixes,
            gateway_ip_address,
            at: at(o),
        });
        true
    }

    /// The VNet holding the subnet of a resource's first `ip_configuration`: a subnet the
    /// configuration does not declare is an external one, whose VNet then holds the resource.
    pub(super) fn vnet_of_ipconfig(&mut self, o: &ResObj, res: &str) -> String {
        let vnet = self
            .block(o, "ip_configuration", res)
            .and_then(|ipc| self.placement_subnet(&ipc, "subnet_id", res, "vnet"))
            .and_then(|s| s.split_once('/').map(|(v, _)| v.to_string()));
        match vnet {
            Some(v) => v,
            None => self.placeholder(UNKNOWN),
        }
    }

    pub(super) fn vnet_gateway(&mut self, o: &ResObj) -> bool {
        let name = self.name(o, "vnet-gateway");
        let res = format!("vnet-gateway/{name}");
        let gateway_type = self
            .enum_of(
                o,
                "type",
                &res,
                "gateway_type",
                GatewayType::parse,
                GatewayType::NAMES,
            )
            .unwrap_or(GatewayType::Vpn);
        let vnet = self.vnet_of_ipconfig(o, &res);
        let pool = match self.block(o, "vpn_client_configuration", &res) {
            Some(v) => self.nets(&v, "address_space", &res, "vpn_client_address_pool"),
            None => Vec::new(),
        };
        let region = self.region(o, &res);
        self.t.virtual_network_gateways.push(VirtualNetworkGateway {
            name,
            region,
            vnet,
            gateway_type,
            vpn_client_address_pool: pool,
            at: at(o),
        });
        true
    }

    pub(super) fn connection(&mut self, o: &ResObj) -> bool {
        let name = self.name(o, "connection");
        let res = format!("connection/{name}");
        let Some(connection_type) = self.enum_of(
            o,
            "type",
            &res,
            "connection_type",
            ConnectionType::parse,
            ConnectionType::NAMES,
        ) else {
            return false;
        };
        let gw = match self.link_name(
            o,
            "virtual_network_gateway_id",
            &res,
            "virtual_network_gateway",
            "virtual network gateway",
            vng_of,
        ) {
            Some(g) => g,
            None => self.placeholder(UNKNOWN),
        };
        let local_network_gateway = self.link_name(
            o,
            "local_network_gateway_id",
            &res,
            "local_network_gateway",
            "local network gateway",
            lng_of,
        );
        self.t.connections.push(GatewayConnection {
            name,
            connection_type,
            virtual_network_gateway: gw,
            local_network_gateway,
            remote_address_prefixes: Vec::new(),
            at: at(o),
        });
        true
    }

    pub(super) fn bastion(&mut self, o: &ResObj) -> bool {
        let name = self.name(o, "bastion");
        let res = format!("bastion/{name}");
        let vnet = self.vnet_of_ipconfig(o, &res);
        let public_ip = self.block(o, "ip_configuration", &res).and_then(|ipc| {
            self.link_name(
                &ipc,
                "public_ip_address_id",
                &res,
                "public_ip",
                "public IP",
                pip_of,
            )
        });
        let region = self.region(o, &res);
        self.t.bastion_hosts.push(BastionHost {
            name,
            region,
            vnet,
            public_ip,
            at: at(o),
        });
        true
    }

    pub(super) fn nic(&mut self, o: &ResObj) -> bool {
        let name = self.name(o, "nic");
        let res = format!("nic/{name}");
        let ipcs = self.blocks(o, "ip_configuration", &res);
        let primary = ipcs
            .iter()
            .find(|c| matches!(get(c, "primary"), Some(Value::Bool(true))))
            .or(ipcs.first())
            .cloned();
        let (subnet, private_ip_address, public_ip) = match primary {
            Some(ipc) => {
                let subnet = self.placement_subnet(&ipc, "subnet_id", &res, "subnet");
                let stat = self
                    .s(
                        &ipc,
                        "private_ip_address_allocation",
                        &res,
                        "private_ip_address",
                    )
                    .is_some_and(|a| a.eq_ignore_ascii_case("static"));
                let ip = if stat {
                    self.ip(&ipc, "private_ip_address", &res, "private_ip_address")
                } else {
                    None
                };
                let pip = self.link_name(
                    &ipc,
                    "public_ip_address_id",
                    &res,
                    "public_ip",
                    "public IP",
                    pip_of,
                );
                (subnet, ip, pip)
            }
            None => (None, None, None),
        };
        let subnet = match subnet {
            Some(s) => s,
            None => self.placeholder(&format!("{UNKNOWN}/{UNKNOWN}")),
        };
        let forwarding = match self.b(o, "ip_forwarding_enabled", &res, "enable_ip_forwarding") {
            Some(b) => b,
            None => self
                .b(o, "enable_ip_forwarding", &res, "enable_ip_forwarding")
                .unwrap_or(false),
        };
        let region = self.region(o, &res);
        self.t.network_interfaces.push(NetworkInterface {
            name,
            region,
            subnet,
            private_ip_address,
            public_ip,
            network_security_group: None,
            application_security_groups: Vec::new(),
            enable_ip_forwarding: forwarding,
            at: at(o),
        });
        true
    }

    pub(super) fn nic_association(&mut self, rtype: &str, o: &ResObj) -> bool {
        let res = format!("association/{}", o.addr);
        let Some(nic) = self.link_name(
            o,
            "network_interface_id",
            &res,
            "network_interface",
            "network interface",
            nic_of,
        ) else {
            return false;
        };
        let Some(i) = self.t.network_interfaces.iter().position(|n| n.name == nic) else {
            return false;
        };
        let nres = format!("nic/{nic}");
        if rtype == "azurerm_network_interface_security_group_association" {
            let n = self.link_name(
                o,
                "network_security_group_id",
                &nres,
                "network_security_group",
                "network security group",
                nsg_of,
            );
            self.t.network_interfaces[i].network_security_group = n;
        } else if let Some(a) = self.link_name(
            o,
            "application_security_group_id",
            &nres,
            "application_security_groups",
            "application security group",
            asg_of,
        ) {
            self.t.network_interfaces[i]
                .application_security_groups
                .push(a);
        }
        true
    }

    pub(super) fn vm(&mut self, o: &ResObj) -> bool {
        let name = self.name(o, "vm");
        let res = format!("vm/{name}");
        let nics = self.link_names(
            o,
            "network_interface_ids",
            &res,
            "network_interfaces",
            "network interface",
            nic_of,
        );
        let region = self.region(o, &res);
        let tags = self.tags(o);
        self.t.virtual_machines.push(VirtualMachine {
            name,
            region,
            network_interfaces: nics,
            attached_to: None,
            tags,
            at: at(o),
        });
        true
    }

    pub(super) fn service_endpoint_policy(&mut self, o: &ResObj) -> bool {
        let name = self.name(o, "service-endpoint-policy");
        let res = format!("service-endpoint-policy/{name}");
        let mut definitions = Vec::new();
        for d in self.blocks(o, "definition", &res) {
            let mut resources = Vec::new();
            for r in self.strs(&d, "service_resources", &res, "definitions") {
                // Declared storage accounts go by name; anything else (an id outside the
                // configuration, a resource group, an alias) stays as written.
                let declared_storage = crate::ids::parse(&r)
                    .filter(|_| self.is_declared(&r))
                    .and_then(|p| match crate::ids::model_ref(&p) {
                        Ref::Storage(n) => Some(n),
                        _ => None,
                    });
                resources.push(declared_storage.unwrap_or(r));
            }
            definitions.push(ServiceEndpointPolicyDefinition {
                name: self.s(&d, "name", &res, "definitions"),
                service: self
                    .s(&d, "service", &res, "definitions")
                    .unwrap_or_else(|| "Microsoft.Storage".into()),
                service_resources: resources,
            });
        }
        let region = self.region(o, &res);
        self.t
            .service_endpoint_policies
            .push(ServiceEndpointPolicy {
                name,
                region,
                definitions,
                at: at(o),
            });
        true
    }

    fn is_declared(&self, id: &str) -> bool {
        self.declared.contains_key(&id.to_ascii_lowercase())
    }
}

/// VNets by name, built as VNets are appended to the topology.
#[derive(Default)]
pub(super) struct VnetIndex {
    first: std::collections::HashMap<String, usize>,
    upto: usize,
}
