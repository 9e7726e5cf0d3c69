//! Inbound from the internet through a public IP address of a network interface (a VM's).
//!
//! Azure's public IP addresses documentation: a Standard SKU address has a "secure by default
//! model and be closed to inbound traffic when used as a frontend", traffic admitted only by a
//! network security group; a Basic SKU address is "open by default", network security groups
//! "recommended but optional". What passes then meets the NSGs of the subnet and of the network
//! interface, as any inbound packet does, with an internet address as its source.

use super::{Walk, Walked, at};
use crate::place::Egress;
use crate::{Code, Step};
use moat_model::addressing::PrivateIp;
use moat_packets::AddrSet;

impl Walk<'_, '_> {
    /// The network interface holding `ip` when a public IP address is associated with it.
    pub(super) fn nic_with_public_ip(&self, ip: &PrivateIp) -> Option<usize> {
        let ni = match ip {
            PrivateIp::Static(a) => self.e.nic_at(*a)?,
            PrivateIp::Dynamic(a) => {
                let name = a.holder.strip_prefix("nic/")?;
                *self.e.ix.network_interfaces.get(name)?
            }
        };
        self.t().network_interfaces[ni]
            .public_ip
            .is_some()
            .then_some(ni)
    }

    /// A packet from the internet (`egress`: its source address, when known) arriving at the
    /// public IP address of network interface `ni`, towards its private address `ip`.
    pub(super) fn nic_public_arrival(
        &mut self,
        ni: usize,
        ip: &PrivateIp,
        egress: &Egress,
    ) -> Walked {
        let nic = self.t().network_interfaces[ni].clone();
        let Some(name) = nic.public_ip.clone() else {
            return Ok(());
        };
        let pip = self
            .e
            .ix
            .public_ips
            .get(&name)
            .map(|&i| self.t().public_ips[i].clone());
        let element = format!("public IP {name} of network interface {}", nic.name);
        let guarded =
            self.subnet_nsg(&nic.subnet).is_some() || nic.network_security_group.is_some();
        let sku = pip.as_ref().and_then(|p| p.sku.clone());
        let pat = pip.as_ref().map(|p| p.at.clone());
        if !guarded {
            match sku.as_deref() {
                Some(s) if s.eq_ignore_ascii_case("Standard") => {
                    return self.block(
                        Step::Destination,
                        element,
                        Code::PublicIpClosed,
                        format!(
                            "a Standard public IP is closed to inbound traffic until a network security group allows it, and neither network interface {} nor subnet {} has one",
                            nic.name, nic.subnet
                        ),
                        at_opt(&pat),
                        format!(
                            "associate a network security group that allows {} from the internet with network interface {} or subnet {}",
                            self.proto_port(),
                            nic.name,
                            nic.subnet
                        ),
                    );
                }
                Some(s) if s.eq_ignore_ascii_case("Basic") => {}
                _ => {
                    return self.unknown(
                        Step::Destination,
                        element,
                        Code::PublicIpSkuOpen,
                        format!(
                            "without a network security group on network interface {} or subnet {}, a Basic public IP admits the packet and a Standard one does not; its SKU is not known",
                            nic.name, nic.subnet
                        ),
                        at_opt(&pat),
                        format!("the SKU of public IP {name}"),
                    );
                }
            }
        }
        let detail = if guarded {
            "arrives from the internet; the network security groups before the interface decide"
        } else {
            "arrives from the internet: a Basic public IP is open to inbound traffic by default"
        };
        self.pass(
            Step::Route,
            element,
            Code::PublicIpInbound,
            detail,
            at_opt(&pat),
        );
        let src = match egress {
            Egress::Known(a, _) => AddrSet::host(*a),
            _ => moat_net::space::Space::external(),
        };
        let vnet = nic.subnet.split('/').next().unwrap_or_default().to_string();
        self.deliver_private(ip, &vnet, &src, None)
    }
}

fn at_opt(p: &Option<moat_model::Provenance>) -> Option<&moat_model::Provenance> {
    p.as_ref().and_then(at)
}
