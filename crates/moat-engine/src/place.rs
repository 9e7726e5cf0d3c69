//! Where a flow starts: a principal at a place.

use crate::engine::Engine;
use moat_model::address::{Address, Kind};
use moat_model::clients::ClientPlace;
use moat_model::enums::IsolationMode;
use moat_net::dns::Resolver;
use moat_packets::AddrSet;
use std::net::IpAddr;

/// How a source appears on the internet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Egress {
    /// A known public address.
    Known(IpAddr, String),
    /// A public address the model cannot pin down (assigned at deployment).
    Unknown(String),
    /// No way out to the internet.
    None(String),
}

/// A principal at a place.
#[derive(Clone, Debug)]
pub enum Place {
    /// Inside a VNet subnet (a VM, a compute, an AKS node, or any address of the subnet).
    Subnet {
        subnet: String,
        src: AddrSet,
        nic: Option<usize>,
        egress: Egress,
        label: String,
    },
    /// On premises, connected through a site-to-site VPN or ExpressRoute gateway.
    OnPremises {
        addr: IpAddr,
        egress: Egress,
        /// The DNS servers it uses, any of which may answer (none: not described).
        dns: Vec<IpAddr>,
        label: String,
    },
    /// A point-to-site VPN client of a gateway.
    PointToSite {
        addr: IpAddr,
        gateway: String,
        /// The DNS servers it is declared to use, any of which may answer (none: those its
        /// gateway's VNet gives).
        dns: Vec<IpAddr>,
        label: String,
    },
    /// On the internet.
    Internet { egress: Egress, label: String },
    /// A managed compute or deployment inside a workspace managed network.
    Managed { workspace: String, label: String },
    /// A compute of a workspace without VNet or managed network (Azure's shared network).
    NoVnet { workspace: String, label: String },
    /// A legacy-isolated managed online deployment (its own managed VNet).
    LegacyDeployment {
        workspace: String,
        egress_enabled: bool,
        label: String,
    },
    /// An Azure service acting with a resource's identity (the workspace, a registry back end).
    Service { principal: Address, label: String },
    /// Azure infrastructure sending from a service tag's addresses (Batch node management,
    /// the Azure ML control plane, the load balancer probe).
    Infrastructure { tag: String, label: String },
}

impl Place {
    /// A readable name for the trace.
    pub fn label(&self) -> &str {
        match self {
            Place::Subnet { label, .. }
            | Place::OnPremises { label, .. }
            | Place::PointToSite { label, .. }
            | Place::Internet { label, .. }
            | Place::Managed { label, .. }
            | Place::NoVnet { label, .. }
            | Place::LegacyDeployment { label, .. }
            | Place::Service { label, .. }
            | Place::Infrastructure { label, .. } => label,
        }
    }
}

/// Why a source could not be placed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlaceError(pub String);

impl Engine<'_> {
    /// The egress of a subnet source: NIC public IP, compute public IP, NAT gateway, default
    /// outbound access, or none.
    pub fn egress(&self, subnet: &str, nic: Option<usize>, node_public_ip: bool) -> Egress {
        let t = self.t;
        if let Some(n) = nic.map(|i| &t.network_interfaces[i])
            && let Some(p) = &n.public_ip
        {
            return match self
                .ix
                .public_ips
                .get(p)
                .and_then(|&i| t.public_ips[i].ip_address)
            {
                Some(ip) => Egress::Known(ip, format!("public IP {p}")),
                None => Egress::Unknown(format!("public IP {p} (address assigned at deployment)")),
            };
        }
        if node_public_ip {
            return Egress::Unknown("the node's own public IP (assigned at creation)".into());
        }
        let Some((vi, si)) = self.subnet_at(subnet) else {
            return Egress::None(format!("subnet {subnet} is unknown"));
        };
        let s = &t.virtual_networks[vi].subnets[si];
        if let Some(nat) = &s.nat_gateway {
            let ip = self
                .ix
                .nat_gateways
                .get(nat)
                .and_then(|&i| t.nat_gateways[i].public_ips.first())
                .and_then(|p| {
                    self.ix
                        .public_ips
                        .get(p)
                        .and_then(|&i| t.public_ips[i].ip_address)
                        .map(|ip| (ip, p.clone()))
                });
            return match ip {
                Some((ip, p)) => Egress::Known(ip, format!("NAT gateway {nat} ({p})")),
                None => Egress::Unknown(format!(
                    "NAT gateway {nat} (address assigned at deployment)"
                )),
            };
        }
        if s.default_outbound_access {
            return Egress::Unknown(
                "Azure default outbound access (an address Azure picks; not recommended)".into(),
            );
        }
        Egress::None(format!(
            "subnet {subnet} is private: no public IP, no NAT gateway, default outbound access off"
        ))
    }

    /// A VM (or a client on one) whose network interfaces the input leaves open, or a managed
    /// compute or online deployment of a project whose hub the input does not declare: where
    /// it sits is unknown, so is every hop of its flows, from it (or to the VM). Its name for
    /// a trace, why it is open, and what it needs.
    pub fn open_place(&self, from: &Address) -> Option<(String, String, String)> {
        let Address::Resource { kind, name, .. } = from else {
            return None;
        };
        // A project's managed computes and deployments sit in its hub's network (facts §6
        // item 99); a hub the input does not declare leaves it open.
        let in_project = |workspace: &str, label: String| {
            let hub = moat_net::names::hub_outside(self.t, &self.ix, workspace)?;
            let need = moat_model::external::properties_need(&format!("workspace/{hub}"));
            let why = format!(
                "it sits in the network of hub {hub}, which the input does not declare: whether that is a managed network, and what it lets out, is unknown"
            );
            Some((format!("{label} of project {workspace}"), why, need))
        };
        let vm = match kind {
            Kind::Compute => {
                let c = &self.t.computes[*self.ix.computes.get(name)?];
                return match c.subnet {
                    Some(_) => None,
                    None => in_project(&c.workspace, format!("compute {name}")),
                };
            }
            Kind::OnlineEndpoint => {
                let e = &self.t.online_endpoints[*self.ix.online_endpoints.get(name)?];
                return in_project(&e.workspace, format!("deployments of {name}"));
            }
            Kind::Vm => name.as_str(),
            Kind::Client => {
                let c = &self.t.clients[*self.ix.clients.get(name)?];
                match &c.location {
                    moat_model::clients::ClientPlace::Vm(vm) => vm.as_str(),
                    _ => return None,
                }
            }
            _ => return None,
        };
        self.ix.virtual_machines.get(vm)?;
        let u = self.is_unknown(&format!("vm/{vm}"), "network_interfaces")?;
        let label = match kind {
            Kind::Client => format!("client {name} on VM {vm}"),
            _ => format!("VM {vm}"),
        };
        let why = "its network interfaces are left open by the input: the subnet it sits in, and so every hop of its flows, is unknown";
        Some((label, why.to_string(), u.need()))
    }

    /// Places the source of a flow.
    pub fn place(&self, from: &Address) -> Result<Place, PlaceError> {
        let t = self.t;
        let ix = &self.ix;
        match from {
            Address::Internet => Ok(Place::Internet {
                egress: Egress::Unknown("an internet address".into()),
                label: "the internet".into(),
            }),
            Address::Ip(ip) => Ok(self.place_ip(*ip, format!("ip:{ip}"))),
            Address::Fqdn(_) => Err(PlaceError(
                "a host name cannot be a source; use ip:, a client, a VM or a compute".into(),
            )),
            Address::Tag(tag) => Ok(Place::Infrastructure {
                tag: tag.clone(),
                label: format!("Azure infrastructure ({tag})"),
            }),
            Address::Subnet { vnet, subnet } => {
                let key = format!("{vnet}/{subnet}");
                let (vi, si) = self
                    .subnet_at(&key)
                    .ok_or_else(|| missing("subnet", &key))?;
                let s = &t.virtual_networks[vi].subnets[si];
                Ok(Place::Subnet {
                    subnet: key.clone(),
                    src: AddrSet::from_nets(s.prefixes()),
                    nic: None,
                    egress: self.egress(&key, None, false),
                    label: format!("subnet {key}"),
                })
            }
            Address::Resource { kind, name, .. } => match kind {
                Kind::Vm => self.place_vm(name),
                Kind::Compute => self.place_compute(name),
                Kind::Aks => self.place_aks(name),
                Kind::Client => self.place_client(name),
                Kind::Workspace | Kind::Registry => {
                    let exists = if *kind == Kind::Workspace {
                        ix.workspaces.contains_key(name)
                    } else {
                        ix.registries.contains_key(name)
                    };
                    if !exists {
                        return Err(missing(kind.as_str(), name));
                    }
                    Ok(Place::Service {
                        principal: Address::resource(*kind, name),
                        label: format!("the Azure ML service acting as {kind} {name}"),
                    })
                }
                Kind::OnlineEndpoint => self.place_endpoint(name),
                other => Err(PlaceError(format!(
                    "{other} cannot be the source of a flow"
                ))),
            },
        }
    }

    /// A VM: its first interface's address in its subnet (unknown in an external subnet).
    fn place_vm(&self, name: &str) -> Result<Place, PlaceError> {
        let t = self.t;
        let ix = &self.ix;
        let vm = &t.virtual_machines[*ix
            .virtual_machines
            .get(name)
            .ok_or_else(|| missing("virtual machine", name))?];
        let nic_name = vm
            .network_interfaces
            .first()
            .ok_or_else(|| PlaceError(format!("VM {name} has no network interface")))?;
        let ni = *ix
            .network_interfaces
            .get(nic_name)
            .ok_or_else(|| missing("network interface", nic_name))?;
        let nic = &t.network_interfaces[ni];
        if nic.private_ip_address.is_none()
            && moat_model::external::is_external_subnet(t, ix, &nic.subnet)
        {
            // In an external subnet: placed there, its address unknown.
            return Ok(Place::Subnet {
                subnet: nic.subnet.clone(),
                src: AddrSet::none(),
                nic: Some(ni),
                egress: Egress::Unknown(format!("the egress of external subnet {}", nic.subnet)),
                label: format!("VM {name} (in external subnet {})", nic.subnet),
            });
        }
        let ip = t
            .nic_address(self.dns.addressing(), nic)
            .ok_or_else(|| PlaceError(format!("NIC {nic_name} has no address")))?;
        Ok(Place::Subnet {
            subnet: nic.subnet.clone(),
            src: self.addresses(&ip),
            nic: Some(ni),
            egress: self.egress(&nic.subnet, Some(ni), false),
            label: format!("VM {name} ({ip})"),
        })
    }

    /// A compute: any node of its subnet, or its (hub's) managed network, or no VNet.
    fn place_compute(&self, name: &str) -> Result<Place, PlaceError> {
        let t = self.t;
        let ix = &self.ix;
        let c = &t.computes[*ix
            .computes
            .get(name)
            .ok_or_else(|| missing("compute", name))?];
        // A project's computes live in its hub's managed network (facts §6 item 99).
        let w = moat_net::names::network_workspace(t, ix, &c.workspace);
        match &c.subnet {
            Some(s) => {
                let (vi, si) = self.subnet_at(s).ok_or_else(|| missing("subnet", s))?;
                let sn = &t.virtual_networks[vi].subnets[si];
                Ok(Place::Subnet {
                    subnet: s.clone(),
                    src: AddrSet::from_nets(sn.prefixes()),
                    nic: None,
                    egress: self.egress(s, None, c.enable_node_public_ip),
                    label: format!("compute {name} (any node in {s})"),
                })
            }
            None if w
                .is_some_and(|w| w.managed_network.isolation_mode != IsolationMode::Disabled) =>
            {
                let network = w.map_or(c.workspace.as_str(), |w| w.name.as_str());
                Ok(Place::Managed {
                    workspace: network.to_string(),
                    label: format!("compute {name} in the managed network of {network}"),
                })
            }
            None => Ok(Place::NoVnet {
                workspace: c.workspace.clone(),
                label: format!("compute {name} (no VNet)"),
            }),
        }
    }

    /// An AKS cluster: any node of its subnet.
    fn place_aks(&self, name: &str) -> Result<Place, PlaceError> {
        let t = self.t;
        let ix = &self.ix;
        let a = &t.aks_clusters[*ix
            .aks_clusters
            .get(name)
            .ok_or_else(|| missing("aks cluster", name))?];
        let s = a
            .subnet
            .as_ref()
            .ok_or_else(|| PlaceError(format!("AKS cluster {name} names no subnet")))?;
        let (vi, si) = self.subnet_at(s).ok_or_else(|| missing("subnet", s))?;
        let sn = &t.virtual_networks[vi].subnets[si];
        Ok(Place::Subnet {
            subnet: s.clone(),
            src: AddrSet::from_nets(sn.prefixes()),
            nic: None,
            egress: self.egress(s, None, false),
            label: format!("AKS cluster {name} (any node in {s})"),
        })
    }

    /// A client: where it works from (a VM, the internet, on premises, a point-to-site VPN).
    fn place_client(&self, name: &str) -> Result<Place, PlaceError> {
        let t = self.t;
        let ix = &self.ix;
        let c = &t.clients[*ix
            .clients
            .get(name)
            .ok_or_else(|| missing("client", name))?];
        let label = format!("client {name}");
        match &c.location {
            ClientPlace::Vm(vm) => {
                let mut p = self.place(&Address::resource(Kind::Vm, vm))?;
                if let Place::Subnet { label: l, .. } = &mut p {
                    *l = format!("client {name} on {l}");
                }
                Ok(p)
            }
            ClientPlace::Internet => {
                let egress = match c.public_address.or(c.address) {
                    Some(ip) => Egress::Known(ip, "the client's public address".into()),
                    None => Egress::Unknown("the client's public address is not declared".into()),
                };
                Ok(Place::Internet { egress, label })
            }
            ClientPlace::OnPremises => {
                let addr = c.address.ok_or_else(|| {
                    PlaceError(format!("on-premises client {name} needs an address"))
                })?;
                let egress = match c.public_address {
                    Some(ip) => Egress::Known(ip, "the client's public address".into()),
                    None => {
                        Egress::Unknown("the on-premises internet address is not declared".into())
                    }
                };
                Ok(Place::OnPremises {
                    addr,
                    egress,
                    dns: c.dns_servers.clone(),
                    label: format!("{label} ({addr}, on premises)"),
                })
            }
            ClientPlace::PointToSite(gw) => {
                let g = &t.virtual_network_gateways[*ix
                    .virtual_network_gateways
                    .get(gw)
                    .ok_or_else(|| missing("gateway", gw))?];
                let addr = c
                    .address
                    .or_else(|| g.vpn_client_address_pool.first().map(|p| first_host(*p)))
                    .ok_or_else(|| {
                        PlaceError(format!(
                            "point-to-site client {name} needs an address or a gateway client pool"
                        ))
                    })?;
                Ok(Place::PointToSite {
                    addr,
                    gateway: gw.clone(),
                    dns: c.dns_servers.clone(),
                    label: format!("{label} ({addr}, point-to-site via {gw})"),
                })
            }
        }
    }

    /// An online endpoint's deployments: in the managed network, or in legacy isolation.
    fn place_endpoint(&self, name: &str) -> Result<Place, PlaceError> {
        let t = self.t;
        let ix = &self.ix;
        let e = &t.online_endpoints[*ix
            .online_endpoints
            .get(name)
            .ok_or_else(|| missing("online endpoint", name))?];
        let network = moat_net::names::network_workspace(t, ix, &e.workspace);
        if let Some(w) = network.filter(|w| w.managed_network.enabled()) {
            return Ok(Place::Managed {
                workspace: w.name.clone(),
                label: format!("deployments of {name} in the managed network of {}", w.name),
            });
        }
        let egress_enabled = e.deployments.first().is_none_or(|d| {
            d.egress_public_network_access != moat_model::enums::PublicNetworkAccess::Disabled
        });
        Ok(Place::LegacyDeployment {
            workspace: e.workspace.clone(),
            egress_enabled,
            label: format!("deployments of {name} (legacy isolation)"),
        })
    }

    /// On-premises sites people work from: each gateway connection's remote network (its
    /// local network gateway's address space, or the prefixes it declares), with the site's
    /// name and an address inside it. A site is a client location like a jump box (seed 002,
    /// "Securely connect to your workspace": VPN gateway, ExpressRoute).
    pub fn onprem_sites(&self) -> Vec<(String, IpAddr)> {
        let mut out: Vec<(String, IpAddr)> = Vec::new();
        for c in &self.t.connections {
            let lng = c
                .local_network_gateway
                .as_ref()
                .and_then(|g| self.ix.local_network_gateways.get(g))
                .map(|&i| &self.t.local_network_gateways[i]);
            let (name, prefixes) = match lng {
                Some(g) if !g.address_prefixes.is_empty() => (g.name.clone(), &g.address_prefixes),
                _ => (c.name.clone(), &c.remote_address_prefixes),
            };
            let Some(p) = prefixes.first() else { continue };
            if !out.iter().any(|(n, _)| n == &name) {
                out.push((name, first_host(*p)));
            }
        }
        out
    }

    /// Places a bare address: in a subnet, on premises behind a gateway, or on the internet.
    pub fn place_ip(&self, ip: IpAddr, label: String) -> Place {
        if let Some(s) = self.subnet_of(ip) {
            let nic = self.nic_at(ip);
            return Place::Subnet {
                egress: self.egress(&s, nic, false),
                subnet: s,
                src: AddrSet::host(ip),
                nic,
                label,
            };
        }
        let site: Option<&[ipnet::IpNet]> = self
            .t
            .local_network_gateways
            .iter()
            .map(|g| g.address_prefixes.as_slice())
            .chain(
                self.t
                    .connections
                    .iter()
                    .map(|c| c.remote_address_prefixes.as_slice()),
            )
            .find(|ps| ps.iter().any(|p| p.contains(&ip)));
        if let Some(site) = site {
            // The site's DNS is a described server inside its address space, if there is one.
            let dns = self
                .t
                .dns_servers
                .iter()
                .find(|s| site.iter().any(|p| p.contains(&s.address)))
                .map(|s| s.address)
                .into_iter()
                .collect();
            return Place::OnPremises {
                addr: ip,
                egress: Egress::Unknown("the on-premises internet address is not declared".into()),
                dns,
                label,
            };
        }
        Place::Internet {
            egress: Egress::Known(ip, "its own address".into()),
            label,
        }
    }

    /// The resolver a place uses.
    pub fn resolver_of(&self, place: &Place) -> Resolver {
        match place {
            Place::Subnet { subnet, .. } => {
                let vnet = subnet.split('/').next().unwrap_or_default().to_string();
                let v = self
                    .ix
                    .virtual_networks
                    .get(&vnet)
                    .map(|&i| &self.t.virtual_networks[i]);
                // Servers the input leaves open (or a VNet it does not declare) may be Azure
                // DNS or any custom server: the servers it does give do not decide (their
                // order is lost with the rest). What it needs is that input.
                let external = v.is_some_and(|v| v.external);
                let open = self.is_unknown(&format!("vnet/{vnet}"), "dns_servers");
                if external || open.is_some() {
                    return Resolver::Undescribed {
                        what: if external {
                            format!("the DNS of VNet {vnet} (not declared by the input)")
                        } else {
                            format!("the DNS servers of VNet {vnet} (left open by the input)")
                        },
                        open: open.map(|u| u.need()),
                    };
                }
                // A VM is given every server and falls back on the next when one does not
                // answer, in an order of its operating system's: any of them may answer.
                let servers = v.map(|v| v.dns_servers.as_slice()).unwrap_or_default();
                Resolver::servers(servers, &vnet).unwrap_or(Resolver::AzureDns { vnet })
            }
            // On-premises DNS that is not described is not a public resolver by default: it
            // answers public names under an assumption, privatelink names not at all.
            Place::OnPremises { dns, addr, .. } => {
                Resolver::any_of(dns.iter().map(|&ip| Resolver::Server(ip))).unwrap_or_else(|| {
                    Resolver::Undescribed {
                        what: format!("the on-premises DNS of {addr}"),
                        open: None,
                    }
                })
            }
            Place::PointToSite { dns, gateway, .. } => {
                match Resolver::any_of(dns.iter().map(|&ip| Resolver::Server(ip))) {
                    Some(r) => r,
                    None => {
                        // Point-to-site clients receive the VNet's custom DNS servers; Azure DNS is
                        // not reachable from them.
                        let vnet = self
                            .ix
                            .virtual_network_gateways
                            .get(gateway)
                            .map(|&i| self.t.virtual_network_gateways[i].vnet.clone());
                        if let Some(u) = vnet
                            .as_deref()
                            .and_then(|v| self.is_unknown(&format!("vnet/{v}"), "dns_servers"))
                        {
                            return Resolver::Undescribed {
                                what: format!(
                                    "the DNS servers point-to-site clients of gateway {gateway} receive (left open by the input)"
                                ),
                                open: Some(u.need()),
                            };
                        }
                        let custom = vnet.and_then(|v| {
                            let &i = self.ix.virtual_networks.get(&v)?;
                            Resolver::any_of(
                                self.t.virtual_networks[i]
                                    .dns_servers
                                    .iter()
                                    .map(|&ip| Resolver::Server(ip)),
                            )
                        });
                        custom.unwrap_or(Resolver::Public)
                    }
                }
            }
            Place::Internet { .. }
            | Place::NoVnet { .. }
            | Place::LegacyDeployment { .. }
            | Place::Service { .. }
            | Place::Infrastructure { .. } => Resolver::Public,
            Place::Managed { workspace, .. } => Resolver::Managed {
                workspace: workspace.clone(),
            },
        }
    }
}

/// The error for a resource the topology does not hold.
fn missing(what: &str, name: &str) -> PlaceError {
    PlaceError(format!("{what} `{name}` is not in the topology"))
}

fn first_host(p: ipnet::IpNet) -> IpAddr {
    match p {
        ipnet::IpNet::V4(n) => IpAddr::V4(std::net::Ipv4Addr::from(
            u32::from(n.network()).saturating_add(1),
        )),
        ipnet::IpNet::V6(n) => IpAddr::V6(std::net::Ipv6Addr::from(
            u128::from(n.network()).saturating_add(1),
        )),
    }
}
