//! Routing: a subnet's effective routes, service endpoints and their policies, peering, and delivery to a private address.

use super::{Code, Dst, Step, Via, Walk, Walked, at, subnet_address};
use crate::place::Egress;
use moat_model::PrivateIp;
use moat_model::address::{Address, Kind};
use moat_model::enums::Direction;
use moat_net::routing::{Lookup, NextHop};
use moat_packets::AddrSet;

/// The route a packet takes out of a subnet, as the hops that follow it name it.
struct Taken<'t> {
    route: moat_net::routing::Route,
    /// The route in words (none for a walk that writes no words).
    described: String,
    /// The element the hop names: the subnet's routes.
    element: String,
    /// Where the route is written, if in a route table.
    at: Option<&'t moat_model::Provenance>,
}

impl<'t> Walk<'_, 't> {
    /// Routes from a subnet onwards. `via_appliance` names the appliance that forwarded the
    /// packet, if any (peerings must then allow forwarded traffic).
    pub(super) fn route(
        &mut self,
        subnet: &str,
        src: &AddrSet,
        egress: &Egress,
        dst: &Dst,
        via_appliance: Option<&str>,
        depth: usize,
    ) -> Walked {
        if depth > 6 {
            return self.unknown(
                Step::Route,
                format!("subnet {subnet}"),
                Code::RouteLoop,
                "the path loops between appliances",
                None,
                "a loop-free route to the destination",
            );
        }
        let taken = match self.effective_route(subnet, dst) {
            Ok(t) => t,
            Err(walked) => return walked,
        };
        let Taken {
            route,
            described,
            element,
            at: route_at,
        } = &taken;
        match &route.next_hop {
            NextHop::None => self.block(
                Step::Route,
                element,
                Code::RouteDrop,
                format!("{described} drops the packet"),
                *route_at,
                "change the route's next hop",
            ),
            NextHop::VnetLocal | NextHop::Peering { .. } => {
                let Dst::Private { ip, .. } = dst else {
                    return self.block(
                        Step::Route,
                        element,
                        Code::RouteNoPath,
                        format!("{described} cannot carry a public destination"),
                        *route_at,
                        "route public destinations to the internet or a firewall",
                    );
                };
                self.pass(Step::Route, element, Code::RouteVnet, described, *route_at);
                let from_vnet = subnet.split('/').next().unwrap_or_default().to_string();
                self.deliver_private(ip, &from_vnet, src, via_appliance)
            }
            NextHop::VirtualAppliance { ip } => {
                self.pass(
                    Step::Route,
                    element,
                    Code::RouteAppliance,
                    described,
                    *route_at,
                );
                self.appliance(*ip, subnet, src, dst, depth)
            }
            NextHop::Internet => self.route_to_internet(subnet, egress, dst, &taken),
            NextHop::ServiceEndpoint { service } => {
                self.about(subnet_address(subnet));
                self.service = Some(service.clone());
                self.pass(
                    Step::Route,
                    element,
                    Code::RouteServiceEndpoint,
                    described,
                    *route_at,
                );
                let service = service.clone();
                self.service_endpoint_policy(subnet, dst, &service)?;
                self.public_arrival(dst, &Via::ServiceEndpoint(subnet.to_string()))
            }
            NextHop::Gateway { gateway } => {
                self.pass(
                    Step::Route,
                    element,
                    Code::RouteGateway,
                    described,
                    *route_at,
                );
                self.assume(
                    Step::Destination,
                    format!("gateway {gateway}"),
                    Code::DestOnprem,
                    "handed to the on-premises network",
                    format!("the on-premises network behind gateway {gateway} accepts the traffic"),
                )
            }
        }
    }

    /// The route a subnet's effective routes pick for the destination, noting what they read;
    /// the walk's end when none does or the destination may match several.
    fn effective_route(&mut self, subnet: &str, dst: &Dst) -> Result<Taken<'t>, Walked> {
        let routes = self.e.routes(subnet);
        self.touch_fmt(format_args!("subnet/{subnet}"));
        if let Some((vi, si)) = self.e.subnet_at(subnet) {
            let v = &self.t().virtual_networks[vi];
            self.touch_fmt(format_args!("vnet/{}", v.name));
            if let Some(rt) = &v.subnets[si].route_table {
                self.touch_fmt(format_args!("route-table/{rt}"));
            }
            if let Some(nat) = &v.subnets[si].nat_gateway {
                self.touch_fmt(format_args!("nat-gateway/{nat}"));
            }
        }
        let set = Self::dst_set(dst);
        let route = match moat_net::routing::lookup(&routes, &set) {
            Lookup::Route(r) => r.clone(),
            Lookup::NoRoute => {
                return Err(self.block(
                    Step::Route,
                    format!("subnet {subnet}"),
                    Code::RouteNone,
                    "no route covers the destination",
                    None,
                    "add a route",
                ));
            }
            Lookup::Unknown { candidates } => {
                let names: Vec<String> = candidates.iter().map(|r| r.describe()).collect();
                let missing = match dst {
                    Dst::Private {
                        ip: PrivateIp::Dynamic(a),
                        ..
                    } => a.need(),
                    _ => "the addresses of the destination (pass --service-tags) to pick the route"
                        .into(),
                };
                return Err(self.unknown(
                    Step::Route,
                    format!("routes of subnet {subnet}"),
                    Code::RouteUndecided,
                    format!("the destination may match {}", names.join(" or ")),
                    None,
                    missing,
                ));
            }
        };
        // A walk for its verdict alone (the sweep's) writes no words and cites no places:
        // its hops drop them (see `Walk::hop`), so they are not worked out.
        if self.quiet {
            return Ok(Taken {
                route,
                described: String::new(),
                element: String::new(),
                at: None,
            });
        }
        let at = match &route.source {
            moat_net::routing::RouteSource::User { table, route: name } => self
                .e
                .ix
                .route_tables
                .get(table)
                .and_then(|&i| {
                    self.t().route_tables[i]
                        .routes
                        .iter()
                        .find(|r| &r.name == name)
                })
                .and_then(|r| at(&r.at)),
            _ => None,
        };
        Ok(Taken {
            described: route.describe(),
            element: format!("routes of subnet {subnet}"),
            at,
            route,
        })
    }

    /// A route to the internet: a private destination is dropped there; a public one leaves
    /// through the subnet's way out.
    fn route_to_internet(
        &mut self,
        subnet: &str,
        egress: &Egress,
        dst: &Dst,
        taken: &Taken<'t>,
    ) -> Walked {
        let Taken {
            described,
            element,
            at: route_at,
            ..
        } = taken;
        if let Dst::Private { ip, .. } = dst {
            // A private address in a VNet two peerings away: name the real cause.
            let src_vnet = subnet.split('/').next().unwrap_or_default().to_string();
            let dst_vnet = self
                .e
                .subnet_of_private(ip)
                .map(|s| s.split('/').next().unwrap_or_default().to_string());
            self.touch_peers(&src_vnet, dst_vnet.as_deref());
            if let Some(dv) = dst_vnet.filter(|dv| {
                self.t().virtual_networks.iter().any(|hub| {
                    moat_net::routing::peered(self.t(), &self.e.ix, &src_vnet, &hub.name)
                        && moat_net::routing::peered(self.t(), &self.e.ix, &hub.name, dv)
                })
            }) {
                return self.block(
                    Step::Route,
                    element,
                    Code::PeeringNotTransitive,
                    format!("{ip} is in {dv}, two peerings away from {src_vnet}: peering is not transitive, and {described} sends it to the internet, where Azure drops it"),
                    *route_at,
                    format!("peer {src_vnet} with {dv}, or route {src_vnet}'s traffic through a firewall in the hub (next hop VirtualAppliance)"),
                );
            }
            return self.block(
                Step::Route,
                element,
                Code::RoutePrivateToInternet,
                format!(
                    "{described} sends private address {ip} to the internet, where Azure drops it"
                ),
                *route_at,
                "peer the VNets, or route through a gateway or firewall that reaches the address",
            );
        }
        self.pass(
            Step::Route,
            element,
            Code::RouteInternet,
            described,
            *route_at,
        );
        self.about(subnet_address(subnet));
        match egress {
            Egress::None(why) => {
                let why = why.clone();
                return self.block(
                    Step::Egress,
                    format!("subnet {subnet}"),
                    Code::EgressNone,
                    format!("no way to the internet: {why}"),
                    None,
                    "add a NAT gateway to the subnet, or route 0.0.0.0/0 through a firewall",
                );
            }
            Egress::Known(ip, how) => {
                let d = format!("leaves as {ip} ({how})");
                self.pass(
                    Step::Egress,
                    format!("subnet {subnet}"),
                    Code::EgressSnat,
                    d,
                    None,
                );
            }
            Egress::Unknown(how) => {
                let d = format!("leaves through {how}");
                self.pass(
                    Step::Egress,
                    format!("subnet {subnet}"),
                    Code::EgressSnat,
                    d,
                    None,
                );
            }
        }
        self.public_arrival(dst, &Via::Internet(egress.clone()))
    }

    /// A service endpoint policy on the subnet filters which accounts the endpoint reaches.
    pub(super) fn service_endpoint_policy(
        &mut self,
        subnet: &str,
        dst: &Dst,
        service: &str,
    ) -> Walked {
        let Some((vi, si)) = self.e.subnet_at(subnet) else {
            return Ok(());
        };
        let s = &self.t().virtual_networks[vi].subnets[si];
        if s.service_endpoint_policies.is_empty()
            || !moat_model::network::is_storage_service(service)
        {
            return Ok(());
        }
        let (owner, by_tag) = match dst {
            Dst::Public { owner, label, .. } => (
                owner.clone(),
                label
                    .as_deref()
                    .is_some_and(|l| l.starts_with("service tag ")),
            ),
            _ => (None, false),
        };
        // An address alone does not say which account it serves (accounts share the addresses
        // of their storage stamp), and the policy admits accounts, not addresses.
        if owner.is_none() && self.fqdn.is_none() && !by_tag {
            let p = &s.service_endpoint_policies[0];
            let pat = self
                .e
                .ix
                .service_endpoint_policies
                .get(p)
                .and_then(|&pi| at(&self.t().service_endpoint_policies[pi].at));
            return self.unknown(
                Step::ServiceEndpointPolicy,
                format!("service endpoint policy {p}"),
                Code::SepAccountUnknown,
                format!(
                    "{} may serve any storage account, and the policy admits only the accounts it lists",
                    Self::describe_dst(dst)
                ),
                pat,
                "the storage account the traffic is for (trace to storage/<name> or its host name)",
            );
        }
        // The /services/Azure/MachineLearning alias covers the storage Azure ML itself manages
        // (reached by its service tag; a system registry's storage among it, seed 000 "Data
        // exfiltration protection"). A registry the deployment names is a user-created one,
        // whose storage is an account in its owner's subscription (seed 000, "How to find the
        // Azure Storage Account ... used by your registry"): the policy admits it by name only.
        let account = match &owner {
            Some(Address::Resource {
                kind: Kind::Storage,
                name,
                ..
            }) => Some((name.clone(), false)),
            Some(Address::Resource {
                kind: Kind::Registry,
                name,
                sub: Some(s),
            }) if s == "storage" => {
                let known = self
                    .e
                    .ix
                    .registries
                    .get(name)
                    .and_then(|&i| self.t().registries[i].storage.name.clone());
                match known {
                    Some(account) => Some((account, false)),
                    None => return self.registry_storage_policy(subnet, name),
                }
            }
            // A storage host no modelled account owns is somebody else's account; only the
            // storage Azure ML manages, reached by its service tag, is what the alias covers.
            None if self.fqdn.is_none() => Some((String::new(), true)),
            None => Some((self.fqdn.clone().unwrap_or_default(), false)),
            _ => None,
        };
        for p in &s.service_endpoint_policies {
            let Some(&pi) = self.e.ix.service_endpoint_policies.get(p) else {
                continue;
            };
            let pol = &self.t().service_endpoint_policies[pi];
            let allowed = pol
                .definitions
                .iter()
                .flat_map(|d| d.service_resources.iter())
                .any(|r| match &account {
                    Some((name, false)) => {
                        r == name
                            || r.to_ascii_lowercase().ends_with(&format!(
                                "/storageaccounts/{}",
                                name.to_ascii_lowercase()
                            ))
                    }
                    Some((_, true)) => r.eq_ignore_ascii_case("/services/Azure/MachineLearning"),
                    None => false,
                });
            if !allowed {
                let what = owner
                    .as_ref()
                    .map(|o| o.to_string())
                    .unwrap_or_else(|| "this storage account".into());
                return self.block(
                    Step::ServiceEndpointPolicy,
                    format!("service endpoint policy {p}"),
                    Code::SepDeny,
                    format!("{what} is not listed in the policy"),
                    at(&pol.at),
                    format!("add {what} to service endpoint policy {p}"),
                );
            }
            self.pass(
                Step::ServiceEndpointPolicy,
                format!("service endpoint policy {p}"),
                Code::SepAllow,
                "the account is listed",
                at(&pol.at),
            );
        }
        Ok(())
    }

    /// A policy on `subnet` and the storage of registry `registry`, whose account name the
    /// input does not give: denied when every policy lists only the alias and accounts of the
    /// deployment (none of which is a registry's managed storage), unknown when some policy
    /// lists an account that might be it.
    fn registry_storage_policy(&mut self, subnet: &str, registry: &str) -> Walked {
        let Some((vi, si)) = self.e.subnet_at(subnet) else {
            return Ok(());
        };
        let t = self.t();
        let ours = |r: &str| {
            let r = r.to_ascii_lowercase();
            r == "/services/azure/machinelearning"
                || t.storage_accounts.iter().any(|a| {
                    let n = a.name.to_ascii_lowercase();
                    r == n || r.ends_with(&format!("/storageaccounts/{n}"))
                })
        };
        let policies = t.virtual_networks[vi].subnets[si]
            .service_endpoint_policies
            .clone();
        for p in &policies {
            let Some(&pi) = self.e.ix.service_endpoint_policies.get(p) else {
                continue;
            };
            let pol = &self.t().service_endpoint_policies[pi];
            let pat = at(&pol.at);
            let open = pol
                .definitions
                .iter()
                .flat_map(|d| d.service_resources.iter())
                .any(|r| !ours(r));
            if open {
                return self.unknown(
                    Step::ServiceEndpointPolicy,
                    format!("service endpoint policy {p}"),
                    Code::SepAccountUnknown,
                    format!(
                        "registry {registry}'s storage account is not named, and the policy lists accounts outside the deployment's that might be it"
                    ),
                    pat,
                    format!("the name of registry {registry}'s managed storage account (registries[].storage.name)"),
                );
            }
            return self.block(
                Step::ServiceEndpointPolicy,
                format!("service endpoint policy {p}"),
                Code::SepDeny,
                format!(
                    "registry/{registry}:storage is not listed in the policy: the /services/Azure/MachineLearning alias admits the storage Azure ML manages, not a user registry's"
                ),
                pat,
                format!(
                    "add registry {registry}'s managed storage account to service endpoint policy {p}, or reach it through a private endpoint"
                ),
            );
        }
        Ok(())
    }

    /// A private address reached inside Azure.
    pub(super) fn deliver_private(
        &mut self,
        ip: &PrivateIp,
        from_vnet: &str,
        src: &AddrSet,
        via_appliance: Option<&str>,
    ) -> Walked {
        let Some(subnet) = self.e.subnet_of_private(ip) else {
            return self.block(
                Step::Destination,
                format!("address {ip}"),
                Code::DestNoSubnet,
                "no subnet holds this address",
                None,
                "fix the address or the DNS record that gave it",
            );
        };
        let dst_vnet = subnet.split('/').next().unwrap_or_default().to_string();
        if let Some(appliance_vnet) = via_appliance {
            if dst_vnet != appliance_vnet {
                let Some(&vi) = self.e.ix.virtual_networks.get(&dst_vnet) else {
                    return Ok(());
                };
                let v = &self.t().virtual_networks[vi];
                let p = v.peerings.iter().find(|p| p.remote_vnet == appliance_vnet);
                match p {
                    Some(p) if p.allow_forwarded_traffic => {
                        // A walk for its verdict alone writes no words (see `Walk::hop`).
                        let (element, d) = if self.quiet {
                            (String::new(), String::new())
                        } else {
                            (
                                format!("VNet {dst_vnet}"),
                                // A peering need not be named: one without a name is
                                // told by its two ends, as the blocking hop tells it.
                                match &p.name {
                                    Some(name) => format!(
                                        "peering {name} of {dst_vnet} allows forwarded traffic"
                                    ),
                                    None => format!(
                                        "the peering from {dst_vnet} to {appliance_vnet} allows forwarded traffic"
                                    ),
                                },
                            )
                        };
                        self.pass(
                            Step::Peering,
                            element,
                            Code::PeeringForwardedOk,
                            d,
                            at(&p.at),
                        );
                    }
                    Some(p) => {
                        let pat = at(&p.at);
                        return self.block(
                            Step::Peering,
                            format!("VNet {dst_vnet}"),
                            Code::PeeringForwardedBlocked,
                            format!("the peering from {dst_vnet} to {appliance_vnet} does not allow forwarded traffic"),
                            pat,
                            format!("set allow_forwarded_traffic on the peering from {dst_vnet} to {appliance_vnet}"),
                        );
                    }
                    None => {}
                }
            }
        } else if dst_vnet != from_vnet
            && !moat_net::routing::peered(self.t(), &self.e.ix, from_vnet, &dst_vnet)
        {
            self.touch_peers(from_vnet, Some(&dst_vnet));
            return self.block(
                Step::Route,
                format!("VNet {from_vnet}"),
                Code::PeeringNotTransitive,
                format!("{dst_vnet} is not peered with {from_vnet}; peering is not transitive"),
                None,
                format!("peer {from_vnet} with {dst_vnet}, or route through a hub firewall"),
            );
        }
        let ip = match ip {
            PrivateIp::Dynamic(a) => return self.deliver_assigned(a, &subnet, &dst_vnet, src),
            PrivateIp::Static(ip) => *ip,
        };
        // A private endpoint?
        if let Some(pi) = self.e.endpoint_at(ip) {
            return self.private_endpoint(pi, &subnet, src);
        }
        // An address no endpoint declares, that Azure may have given one.
        if let Some(h) = self.e.may_hold(ip).first() {
            let (h, n) = (h.clone(), self.e.may_hold(ip).len());
            self.touch(h.clone());
            let others = if n > 1 {
                format!(" (or one of {} others)", n - 1)
            } else {
                String::new()
            };
            return self.unknown(
                Step::Destination,
                format!("address {ip}"),
                Code::DestMayBeAssigned,
                format!(
                    "{ip} is a free address of subnet {subnet}: Azure may assign it to {}{others} at deployment",
                    moat_model::addressing::holder_words(&h)
                ),
                None,
                format!(
                    "whether {ip} is the address Azure assigns {} (give it a static address)",
                    moat_model::addressing::holder_words(&h)
                ),
            );
        }
        let nsg_sub = self.subnet_nsg(&subnet);
        if let Some(n) = nsg_sub {
            self.nsg(
                &n,
                Direction::Inbound,
                &dst_vnet,
                src,
                &self.private(PrivateIp::Static(ip)),
                super::NsgScope::Subnet(subnet.to_string()),
            )?;
        }
        if let Some(nic) = self.e.nic_at(ip).map(|i| &self.t().network_interfaces[i]) {
            if let Some(n) = nic.network_security_group.clone() {
                let name = nic.name.clone();
                self.nsg(
                    &n,
                    Direction::Inbound,
                    &dst_vnet,
                    src,
                    &self.private(PrivateIp::Static(ip)),
                    super::NsgScope::Nic(name),
                )?;
            }
            let d = format!("network interface {} in {subnet}", nic.name);
            self.pass(
                Step::Destination,
                format!("address {ip}"),
                Code::DestReached,
                d,
                at(&nic.at),
            );
            return Ok(());
        }
        if let Some(fw) = self.e.firewall_at(ip).map(|i| &self.t().firewalls[i]) {
            let d = format!("firewall {}", fw.name);
            self.pass(
                Step::Destination,
                format!("address {ip}"),
                Code::DestReached,
                d,
                at(&fw.at),
            );
            return Ok(());
        }
        self.pass(
            Step::Destination,
            format!("address {ip}"),
            Code::DestReached,
            format!("an address of subnet {subnet}"),
            None,
        );
        Ok(())
    }

    /// An address Azure assigns an endpoint of the input at deployment: which endpoint is
    /// known, its address only as one of the free addresses of its subnet.
    fn deliver_assigned(
        &mut self,
        a: &moat_model::Assigned,
        subnet: &str,
        dst_vnet: &str,
        src: &AddrSet,
    ) -> Walked {
        let (kind, name) = a.holder.split_once('/').unwrap_or(("", ""));
        if kind == "private-endpoint"
            && let Some(&pi) = self.e.ix.private_endpoints.get(name)
        {
            return self.private_endpoint(pi, subnet, src);
        }
        let dst = self.private(PrivateIp::Dynamic(a.clone()));
        if let Some(n) = self.subnet_nsg(subnet) {
            self.nsg(
                &n,
                Direction::Inbound,
                dst_vnet,
                src,
                &dst,
                super::NsgScope::Subnet(subnet.to_string()),
            )?;
        }
        let nic = (kind == "nic")
            .then(|| self.e.ix.network_interfaces.get(name))
            .flatten()
            .map(|&i| self.t().network_interfaces[i].clone());
        if let Some(nic) = &nic
            && let Some(n) = nic.network_security_group.clone()
        {
            self.nsg(
                &n,
                Direction::Inbound,
                dst_vnet,
                src,
                &dst,
                super::NsgScope::Nic(nic.name.clone()),
            )?;
        }
        let what = moat_model::addressing::holder_words(&a.holder);
        let detail = if a.holder.starts_with("subnet/") {
            format!("an address of subnet {subnet}")
        } else {
            format!("{what} in {subnet}")
        };
        self.pass(
            Step::Destination,
            format!("{what} ({a})"),
            Code::DestReached,
            detail,
            nic.as_ref().and_then(|n| at(&n.at)),
        );
        Ok(())
    }

    /// Notes that the next hop, which finds a private address unreachable from `vnet`, read
    /// what peering makes reachable: the peerings of `vnet`'s peers (a peering holds only when
    /// both sides declare it) and the address spaces they bring, and the peerings of the
    /// destination's VNet.
    fn touch_peers(&mut self, vnet: &str, dst_vnet: Option<&str>) {
        let Some(&vi) = self.e.ix.virtual_networks.get(vnet) else {
            return;
        };
        let peers: Vec<String> = self.t().virtual_networks[vi]
            .peerings
            .iter()
            .map(|p| p.remote_vnet.clone())
            .collect();
        self.touch_fields(format!("vnet/{vnet}"), &["peerings"]);
        for p in peers {
            self.touch_fields(format!("vnet/{p}"), &["peerings", "address_space"]);
        }
        if let Some(d) = dst_vnet {
            self.touch_fields(format!("vnet/{d}"), &["peerings"]);
        }
    }

    pub(super) fn route_from_appliance(
        &mut self,
        subnet: &str,
        src: &AddrSet,
        egress: &Egress,
        dst: &Dst,
        appliance_vnet: &str,
        depth: usize,
    ) -> Walked {
        self.route(subnet, src, egress, dst, Some(appliance_vnet), depth)
    }
}
