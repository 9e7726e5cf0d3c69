//! Private addresses Azure assigns at deployment.
//!
//! An endpoint without a static address (a private endpoint, a network interface, a DNS
//! resolver's inbound endpoint) gets one when it is deployed, from the free addresses of its
//! subnet. Which one depends on the order Azure deploys resources in (ARM deploys in parallel)
//! and on what else already holds addresses there; the input gives neither. What the input
//! determines is the set: the subnet's prefixes without the five addresses Azure reserves in
//! each and without the static addresses the input gives. The model keeps that, never one
//! address picked from it; a decision that depends on which address it is stays undecided.

use crate::topology::{Index, Topology};
use foldhash::{HashMap, HashSet};
use ipnet::IpNet;
use std::fmt;
use std::net::IpAddr;

/// A private address as the input determines it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PrivateIp {
    /// Written in the input.
    Static(IpAddr),
    /// Assigned by Azure at deployment: one of the free addresses of a declared subnet.
    Dynamic(Assigned),
}

/// The endpoint an assigned address belongs to, and where Azure takes it from.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Assigned {
    /// The endpoint (`private-endpoint/ws-pe`, `nic/vm-nic`, `dns-resolver/r/inbound`), or
    /// `subnet/vnet/s` for a node of a subnet (a compute's).
    pub holder: String,
    /// Its subnet (`vnet/subnet`).
    pub subnet: String,
    /// The subnet's prefixes, for messages.
    pub prefixes: Vec<IpNet>,
}

impl PrivateIp {
    /// The address, when the input gives it.
    pub fn exact(&self) -> Option<IpAddr> {
        match self {
            PrivateIp::Static(ip) => Some(*ip),
            PrivateIp::Dynamic(_) => None,
        }
    }

    /// The assignment, when Azure picks the address.
    pub fn assigned(&self) -> Option<&Assigned> {
        match self {
            PrivateIp::Static(_) => None,
            PrivateIp::Dynamic(a) => Some(a),
        }
    }
}

impl fmt::Display for PrivateIp {
    /// An assigned address reads as the range it is taken from, never as one address of it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PrivateIp::Static(ip) => write!(f, "{ip}"),
            PrivateIp::Dynamic(a) => write!(f, "{a}"),
        }
    }
}

impl fmt::Display for Assigned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p: Vec<String> = self.prefixes.iter().map(IpNet::to_string).collect();
        write!(f, "an address of {}", p.join(", "))
    }
}

impl Assigned {
    /// What a decision that depends on the address needs, as traces and findings name it.
    pub fn need(&self) -> String {
        format!(
            "the address Azure assigns {} at deployment ({self} that no other resource holds; the input gives no static address)",
            holder_words(&self.holder)
        )
    }
}

/// `private-endpoint/x` as words (`private endpoint x`).
pub fn holder_words(holder: &str) -> String {
    let (kind, name) = holder.split_once('/').unwrap_or(("", holder));
    match kind {
        "private-endpoint" => format!("private endpoint {name}"),
        "nic" => format!("network interface {name}"),
        "subnet" => format!("a node in subnet {name}"),
        "dns-resolver" => {
            let (r, e) = name.split_once('/').unwrap_or((name, ""));
            format!("inbound endpoint {e} of DNS resolver {r}")
        }
        _ => holder.to_string(),
    }
}

/// How many addresses Azure reserves at the start of every subnet prefix (network address,
/// default gateway, two for Azure DNS); the last address is reserved too.
const RESERVED_LOW: u128 = 4;

/// The first and last address of a prefix, as integers (IPv4 widened).
fn span(p: &IpNet) -> (u128, u128) {
    match p {
        IpNet::V4(n) => (
            u128::from(u32::from(n.network())),
            u128::from(u32::from(n.broadcast())),
        ),
        IpNet::V6(n) => (u128::from(n.network()), u128::from(n.broadcast())),
    }
}

fn key(ip: IpAddr) -> (bool, u128) {
    match ip {
        IpAddr::V4(a) => (false, u128::from(u32::from(a))),
        IpAddr::V6(a) => (true, u128::from(a)),
    }
}

/// The addresses of one subnet Azure may assign: its prefixes, without the reserved ones and
/// the static addresses the input gives there.
#[derive(Clone, Debug)]
pub struct FreeSpace {
    pub prefixes: Vec<IpNet>,
    /// Static addresses inside the prefixes (not reserved), without repeats.
    pub taken: Vec<IpAddr>,
}

impl FreeSpace {
    /// The usable range of each prefix (first and last address), none for a prefix too small
    /// to hold one.
    pub fn ranges(&self) -> impl Iterator<Item = (IpAddr, IpAddr)> + '_ {
        self.prefixes.iter().filter_map(|p| {
            let (lo, hi) = span(p);
            let (lo, hi) = (lo.checked_add(RESERVED_LOW)?, hi.checked_sub(1)?);
            (lo <= hi).then(|| match p {
                IpNet::V4(_) => (
                    IpAddr::V4((lo as u32).into()),
                    IpAddr::V4((hi as u32).into()),
                ),
                IpNet::V6(_) => (IpAddr::V6(lo.into()), IpAddr::V6(hi.into())),
            })
        })
    }

    /// Whether Azure may assign `ip` here.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let (v6, k) = key(ip);
        !self.taken.contains(&ip)
            && self.ranges().any(|(lo, hi)| {
                let ((l6, l), (_, h)) = (key(lo), key(hi));
                l6 == v6 && l <= k && k <= h
            })
    }

    /// How many addresses Azure may assign here.
    pub fn count(&self) -> u128 {
        let all: u128 = self
            .ranges()
            .map(|(lo, hi)| key(hi).1 - key(lo).1 + 1)
            .fold(0, u128::saturating_add);
        all.saturating_sub(self.taken.len() as u128)
    }
}

/// Where the addresses of a topology come from: the static addresses by subnet, and the
/// endpoints Azure assigns one to, by subnet. Built once; lookups by subnet key.
#[derive(Clone, Debug, Default)]
pub struct Addressing {
    /// Subnet (`vnet/subnet`) -> the static addresses the input gives there.
    statics: HashMap<String, Vec<IpAddr>>,
    /// Subnet -> the endpoints without a static address there, in declaration order (network
    /// interfaces, private endpoints, resolver inbound endpoints).
    dynamic: HashMap<String, Vec<String>>,
    /// Subnet -> (vnet index, subnet index), declared subnets only.
    subnets: HashMap<String, (usize, usize)>,
}

impl Addressing {
    pub fn new(t: &Topology, ix: &Index) -> Addressing {
        let mut a = Addressing {
            subnets: ix
                .subnets
                .iter()
                .filter(|&(_, &(v, s))| !t.virtual_networks[v].subnets[s].external)
                .map(|(k, &at)| (k.clone(), at))
                .collect(),
            ..Addressing::default()
        };
        let mut add = |subnet: &str, ip: Option<IpAddr>, holder: String| match ip {
            Some(ip) => a.statics.entry(subnet.to_string()).or_default().push(ip),
            None => a
                .dynamic
                .entry(subnet.to_string())
                .or_default()
                .push(holder),
        };
        for n in &t.network_interfaces {
            add(&n.subnet, n.private_ip_address, format!("nic/{}", n.name));
        }
        for p in &t.private_endpoints {
            add(
                &p.subnet,
                p.ip_address,
                format!("private-endpoint/{}", p.name),
            );
            for ip in &p.member_addresses {
                add(&p.subnet, Some(*ip), format!("private-endpoint/{}", p.name));
            }
        }
        for r in &t.dns_resolvers {
            for e in &r.inbound_endpoints {
                let holder = format!("dns-resolver/{}/{}", r.name, e.name);
                add(&e.subnet, e.ip_address, holder);
            }
        }
        // A firewall holds a static address of its AzureFirewallSubnet; it takes none here
        // when the input leaves it open (its subnet is then unknown).
        for f in &t.firewalls {
            if let Some(ip) = f.private_ip_address {
                a.statics
                    .entry(format!("{}/AzureFirewallSubnet", f.vnet))
                    .or_default()
                    .push(ip);
            }
        }
        a
    }

    /// The free addresses of a declared subnet (`None`: undeclared or external, whose
    /// prefixes the input does not give).
    pub fn free(&self, t: &Topology, subnet: &str) -> Option<FreeSpace> {
        let &(v, s) = self.subnets.get(subnet)?;
        let prefixes: Vec<IpNet> = t.virtual_networks[v].subnets[s].prefixes().collect();
        let mut seen = HashSet::default();
        let taken = self
            .statics
            .get(subnet)
            .into_iter()
            .flatten()
            .copied()
            .filter(|ip| seen.insert(*ip))
            .collect();
        let mut f = FreeSpace { prefixes, taken };
        // Static addresses outside the usable ranges (validation reports them) take nothing.
        let usable = FreeSpace {
            prefixes: f.prefixes.clone(),
            taken: Vec::new(),
        };
        f.taken.retain(|ip| usable.contains(*ip));
        Some(f)
    }

    /// The address of an endpoint in `subnet` with static address `ip`, held by `holder`
    /// (`private-endpoint/x`): `None` when it has none and its subnet is not declared (the
    /// prefixes Azure picks from are unknown).
    pub fn address(
        &self,
        t: &Topology,
        subnet: &str,
        ip: Option<IpAddr>,
        holder: String,
    ) -> Option<PrivateIp> {
        if let Some(ip) = ip {
            return Some(PrivateIp::Static(ip));
        }
        let &(v, s) = self.subnets.get(subnet)?;
        Some(PrivateIp::Dynamic(Assigned {
            holder,
            subnet: subnet.to_string(),
            prefixes: t.virtual_networks[v].subnets[s].prefixes().collect(),
        }))
    }

    /// The endpoints of `subnet` Azure assigns an address to, in declaration order.
    pub fn dynamic_in(&self, subnet: &str) -> &[String] {
        self.dynamic.get(subnet).map_or(&[], Vec::as_slice)
    }

    /// The endpoints Azure may have given `ip`: those without a static address in a declared
    /// subnet whose free addresses hold it. `subnet` is the subnet holding `ip`.
    pub fn may_hold(&self, t: &Topology, subnet: &str, ip: IpAddr) -> &[String] {
        let holders = self.dynamic_in(subnet);
        if holders.is_empty() {
            return holders;
        }
        match self.free(t, subnet) {
            Some(f) if f.contains(ip) => holders,
            _ => &[],
        }
    }

    /// Subnets with more endpoints to assign than free addresses: (subnet, free count, the
    /// endpoints to assign).
    pub fn overfull<'a>(
        &'a self,
        t: &'a Topology,
    ) -> impl Iterator<Item = (&'a str, u128, &'a [String])> + 'a {
        self.dynamic.iter().filter_map(move |(s, holders)| {
            let free = self.free(t, s)?.count();
            (holders.len() as u128 > free).then_some((s.as_str(), free, holders.as_slice()))
        })
    }
}

impl Topology {
    /// The address of private endpoint `pe` as the input determines it (see [`Addressing`]).
    pub fn endpoint_address(
        &self,
        a: &Addressing,
        pe: &crate::privatelink::PrivateEndpoint,
    ) -> Option<PrivateIp> {
        a.address(
            self,
            &pe.subnet,
            pe.ip_address,
            format!("private-endpoint/{}", pe.name),
        )
    }

    /// The address of network interface `n` as the input determines it.
    pub fn nic_address(
        &self,
        a: &Addressing,
        n: &crate::network::NetworkInterface,
    ) -> Option<PrivateIp> {
        a.address(
            self,
            &n.subnet,
            n.private_ip_address,
            format!("nic/{}", n.name),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn space(prefixes: &[&str], taken: &[&str]) -> FreeSpace {
        FreeSpace {
            prefixes: prefixes.iter().map(|p| p.parse().unwrap()).collect(),
            taken: taken.iter().map(|p| p.parse().unwrap()).collect(),
        }
    }

    // "Azure reserves the first four and last IP address for a total of five IP addresses
    // within each subnet." (Azure Virtual Network FAQ)
    #[test]
    fn reserved_addresses_are_never_free() {
        let f = space(&["10.0.1.0/29"], &[]);
        let ips = ["10.0.1.0", "10.0.1.3", "10.0.1.4", "10.0.1.6", "10.0.1.7"];
        let got: Vec<bool> = ips.iter().map(|i| f.contains(i.parse().unwrap())).collect();
        assert_eq!(got, vec![false, false, true, true, false]);
        assert_eq!(f.count(), 3);
    }

    #[test]
    fn static_addresses_are_taken() {
        let f = space(&["10.0.1.0/29"], &["10.0.1.5"]);
        assert!(!f.contains("10.0.1.5".parse().unwrap()));
        assert_eq!(f.count(), 2);
        assert_eq!(space(&["10.0.1.0/30"], &[]).count(), 0);
    }
}
