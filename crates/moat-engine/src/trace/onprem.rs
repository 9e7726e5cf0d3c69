//! Gateways and on-premises sites: VPN and ExpressRoute gateways, local network address spaces, transit.

use super::{Code, Dst, Step, Via, Walk, Walked, at};
use crate::place::Egress;
use moat_packets::AddrSet;
use std::net::IpAddr;

impl Walk<'_, '_> {
    pub(super) fn onprem(
        &mut self,
        addr: IpAddr,
        gateway: Option<String>,
        egress: &Egress,
        dst: &Dst,
    ) -> Walked {
        match dst {
            Dst::Public { .. } => {
                self.info(
                    Step::Egress,
                    "on-premises network",
                    Code::OnpremInternet,
                    "public destinations are reached over the internet",
                );
                self.public_arrival(dst, &Via::Internet(egress.clone()))
            }
            Dst::ManagedPe { .. } => self.block(
                Step::Destination,
                "managed network",
                Code::MvnNoInbound,
                "managed private endpoints are not reachable from outside",
                None,
                "use a private endpoint in a customer VNet",
            ),
            Dst::Private { ip, .. } => {
                let gw = gateway.or_else(|| self.gateway_for_onprem(addr));
                let Some(gw) = gw else {
                    // A connected site whose address space is unknown may cover the address.
                    if let Some(site) = self.onprem_site_unknown() {
                        return self.unknown(
                            Step::Route,
                            "on-premises network",
                            Code::OnpremSpaceUnknown,
                            format!("the address space of local network gateway {site} is unknown: it may cover {addr}"),
                            None,
                            format!("the address space of local network gateway {site}"),
                        );
                    }
                    return self.block(Step::Route, "on-premises network", Code::OnpremNoGateway, format!("no VPN or ExpressRoute connection covers {addr}"), None, "connect the on-premises network with a site-to-site VPN or ExpressRoute, or use a point-to-site VPN");
                };
                let Some(&gi) = self.e.ix.virtual_network_gateways.get(&gw) else {
                    return Ok(());
                };
                let gvnet = self.t().virtual_network_gateways[gi].vnet.clone();
                self.pass(
                    Step::Route,
                    format!("gateway {gw}"),
                    Code::OnpremGateway,
                    format!("enters VNet {gvnet} through gateway {gw}"),
                    at(&self.t().virtual_network_gateways[gi].at),
                );
                let Some(dst_subnet) = self.e.subnet_of_private(ip) else {
                    return self.block(
                        Step::Destination,
                        format!("address {ip}"),
                        Code::DestNoSubnet,
                        "no subnet holds this address",
                        None,
                        "fix the address or the DNS record that gave it",
                    );
                };
                let dst_vnet = dst_subnet.split('/').next().unwrap_or_default().to_string();
                if dst_vnet != gvnet {
                    // On-premises learns a spoke's routes only when the spoke uses the hub's gateway.
                    let uses =
                        self.e.ix.virtual_networks.get(&dst_vnet).is_some_and(|&i| {
                            self.t().virtual_networks[i]
                                .peerings
                                .iter()
                                .any(|p| p.remote_vnet == gvnet && p.use_remote_gateways)
                        }) && moat_net::routing::gateway_for(self.t(), &self.e.ix, &dst_vnet)
                            .as_deref()
                            == Some(gw.as_str());
                    if !uses {
                        return self.block(
                            Step::Route,
                            format!("gateway {gw}"),
                            Code::OnpremNoTransit,
                            format!("{dst_vnet} does not use gateway {gw} (peering with use_remote_gateways and gateway transit)"),
                            None,
                            format!("peer {dst_vnet} with {gvnet} using the remote gateway, or place a private endpoint in {gvnet}"),
                        );
                    }
                    self.pass(
                        Step::Route,
                        format!("VNet {gvnet}"),
                        Code::OnpremTransit,
                        format!("{dst_vnet} uses gateway {gw} through its peering"),
                        None,
                    );
                }
                let src = AddrSet::host(addr);
                self.deliver_private(ip, &dst_vnet, &src, None)
            }
        }
    }

    /// A local network gateway with a connection whose address space the input leaves
    /// unknown.
    pub(super) fn onprem_site_unknown(&self) -> Option<String> {
        let t = self.t();
        t.connections
            .iter()
            .filter_map(|c| c.local_network_gateway.as_ref())
            .find(|l| {
                t.is_unknown(&format!("local-gateway/{l}"), "address_prefixes")
                    .is_some()
            })
            .cloned()
    }

    pub(super) fn gateway_for_onprem(&self, addr: IpAddr) -> Option<String> {
        let t = self.t();
        for c in &t.connections {
            let covered = c.remote_address_prefixes.iter().any(|p| p.contains(&addr))
                || c.local_network_gateway
                    .as_ref()
                    .and_then(|l| t.local_network_gateways.iter().find(|g| &g.name == l))
                    .is_some_and(|g| g.address_prefixes.iter().any(|p| p.contains(&addr)));
            if covered {
                return Some(c.virtual_network_gateway.clone());
            }
        }
        None
    }
}
