//! A concrete packet header.

use crate::l4::{Protocol, key};
use std::fmt;
use std::net::IpAddr;

/// One concrete packet: source, destination, protocol, destination port.
///
/// `dport` is only meaningful for TCP and UDP; for every other protocol it is ignored (all
/// operations treat such packets as having no port, and witnesses report 0).
/// A packet whose source and destination are of different families is not a real packet: no
/// [`PacketSet`](crate::PacketSet) contains it and policies give it their default action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Packet {
    /// Source address.
    pub src: IpAddr,
    /// Destination address.
    pub dst: IpAddr,
    /// IP protocol.
    pub proto: Protocol,
    /// Destination port (TCP/UDP only).
    pub dport: u16,
}

impl Packet {
    /// A packet; `dport` is normalised to 0 for protocols without ports.
    pub fn new(src: IpAddr, dst: IpAddr, proto: Protocol, dport: u16) -> Self {
        Packet {
            src,
            dst,
            proto,
            dport: if proto.has_ports() { dport } else { 0 },
        }
    }

    /// A TCP packet.
    pub fn tcp(src: IpAddr, dst: IpAddr, dport: u16) -> Self {
        Packet::new(src, dst, Protocol::TCP, dport)
    }

    /// A UDP packet.
    pub fn udp(src: IpAddr, dst: IpAddr, dport: u16) -> Self {
        Packet::new(src, dst, Protocol::UDP, dport)
    }

    /// An ICMP packet.
    pub fn icmp(src: IpAddr, dst: IpAddr) -> Self {
        Packet::new(src, dst, Protocol::ICMP, 0)
    }

    /// The transport key (`protocol << 16 | port`, port 0 for port-less protocols).
    pub(crate) fn l4_key(&self) -> u32 {
        key(self.proto, self.dport)
    }
}

/// `10.0.1.4 → 10.0.2.4 tcp/443`, `10.0.1.4 → 10.0.2.4 icmp`.
impl fmt::Display for Packet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} → {} {}", self.src, self.dst, self.proto)?;
        if self.proto.has_ports() {
            write!(f, "/{}", self.dport)?;
        }
        Ok(())
    }
}
