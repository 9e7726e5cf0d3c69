//! `route_hosts` gives every host of a set the route `lookup` gives it alone: the sweep
//! decides "routing alone drops this endpoint" from the set version, so the two must agree
//! on every address, including those whose route is unknown.

use ipnet::IpNet;
use moat_model::values::AddressPrefix;
use moat_net::routing::{Lookup, NextHop, Route, RouteSource, lookup, route_hosts};
use moat_packets::AddrSet;
use proptest::prelude::*;
use std::net::{IpAddr, Ipv4Addr};

/// What a host's lookup amounts to for the sweep.
#[derive(Debug, PartialEq)]
enum Fate {
    Dropped,
    Appliance(IpAddr),
    Elsewhere,
}

fn fate(routes: &[Route], ip: IpAddr) -> Fate {
    match lookup(routes, &AddrSet::host(ip)) {
        Lookup::NoRoute => Fate::Dropped,
        Lookup::Route(r) => match r.next_hop {
            NextHop::Internet | NextHop::None => Fate::Dropped,
            NextHop::VirtualAppliance { ip } => Fate::Appliance(ip),
            _ => Fate::Elsewhere,
        },
        Lookup::Unknown { .. } => Fate::Elsewhere,
    }
}

fn host(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(10, 0, 0, last))
}

fn net(last: u8, len: u8) -> IpNet {
    IpNet::new(host(last), len).expect("prefix").trunc()
}

fn hop(k: u8) -> NextHop {
    match k % 6 {
        0 => NextHop::Internet,
        1 => NextHop::None,
        2 => NextHop::VirtualAppliance { ip: host(4) },
        3 => NextHop::VirtualAppliance { ip: host(5) },
        4 => NextHop::VnetLocal,
        _ => NextHop::ServiceEndpoint {
            service: "Microsoft.Storage".into(),
        },
    }
}

/// A route over one prefix of 10.0.0.0/24 (or the whole space), surely covering it, or only
/// perhaps (a prefix the input leaves open: surely covering a part, perhaps a wider one).
fn route((last, len, k, open, default): (u8, u8, u8, bool, bool)) -> Route {
    let n = if default {
        "0.0.0.0/0".parse().expect("prefix")
    } else {
        net(last, 24 + len % 9)
    };
    let (sure, maybe) = if open {
        let wider = net(last, 24 + (len % 9).saturating_sub(2));
        (AddrSet::none(), AddrSet::net(wider))
    } else {
        (AddrSet::net(n), AddrSet::net(n))
    };
    Route {
        prefix: AddressPrefix::Net(n),
        next_hop: hop(k),
        source: RouteSource::System,
        sure,
        maybe,
        len: n.prefix_len(),
    }
}

proptest! {
    #[test]
    fn every_host_takes_its_own_lookup(
        specs in prop::collection::vec((any::<u8>(), any::<u8>(), any::<u8>(), prop::bool::weighted(0.2), prop::bool::weighted(0.1)), 0..8),
        hosts in prop::collection::vec(any::<u8>(), 1..40),
    ) {
        let routes: Vec<Route> = specs.into_iter().map(route).collect();
        let set = AddrSet::from_nets(hosts.iter().map(|&h| IpNet::from(host(h))));
        let parts = route_hosts(&routes, &set);
        for &h in &hosts {
            let ip = host(h);
            let got = if parts.dropped.contains(ip) {
                Fate::Dropped
            } else if let Some((a, _)) = parts.appliances.iter().find(|(_, s)| s.contains(ip)) {
                Fate::Appliance(*a)
            } else {
                Fate::Elsewhere
            };
            prop_assert_eq!(got, fate(&routes, ip), "host {}", ip);
        }
        // Nothing outside the hosts is placed anywhere.
        let placed = parts.appliances.iter().fold(parts.dropped.clone(), |a, (_, s)| a.union(s));
        prop_assert!(placed.is_subset(&set));
    }
}
