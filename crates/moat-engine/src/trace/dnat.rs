//! Inbound through an Azure Firewall's public address: its DNAT rules.
//!
//! Azure Firewall rule processing: NAT rules are applied before network rules; a packet a DNAT
//! rule matches is translated and allowed, without further network rule processing. What no
//! rule translates is denied, the firewall's default. The translated packet leaves from the
//! AzureFirewallSubnet with one of that subnet's addresses as its source, towards the
//! translated address and port, and meets what lies beyond (routes, NSGs).

use super::{Dst, Via, Walk, Walked, at};
use crate::place::Egress;
use crate::{Code, Step};
use moat_net::firewall::{self, DnatOutcome, Translated};
use moat_packets::AddrSet;
use std::net::IpAddr;

impl Walk<'_, '_> {
    /// The firewall whose public IP `dst` is, with that address.
    pub(super) fn firewall_public_ip(&self, dst: &Dst) -> Option<(usize, IpAddr)> {
        let Dst::Public {
            set, owner: None, ..
        } = dst
        else {
            return None;
        };
        let t = self.t();
        t.firewalls.iter().enumerate().find_map(|(fi, fw)| {
            fw.public_ips.iter().find_map(|p| {
                let ip = self
                    .e
                    .ix
                    .public_ips
                    .get(p)
                    .and_then(|&i| t.public_ips[i].ip_address)?;
                (*set == AddrSet::host(ip)).then_some((fi, ip))
            })
        })
    }

    /// A packet arriving at public address `ip` of firewall `fi`.
    pub(super) fn dnat(&mut self, fi: usize, ip: IpAddr, via: &Via) -> Walked {
        let fw = self.t().firewalls[fi].clone();
        self.touch_fmt(format_args!("firewall/{}", fw.name));
        if let Some(p) = &fw.firewall_policy {
            self.touch_fmt(format_args!("firewall-policy/{p}"));
        }
        let element = format!("firewall {} ({ip})", fw.name);
        // The source as the firewall sees it: a known public address, or any.
        let src = match via {
            Via::Internet(Egress::Known(a, _)) => AddrSet::host(*a),
            _ => moat_net::space::Space::external(),
        };
        let rules = firewall::rules(self.t(), &self.e.ix, &fw);
        let ctx = self.e.context(&fw.vnet);
        let outcome = firewall::dnat(
            self.t(),
            &rules,
            &self.e.space,
            &ctx,
            &src,
            ip,
            self.q.protocol,
            self.port,
        );
        let d = match outcome {
            DnatOutcome::NoMatch => {
                let fix = format!(
                    "add a DNAT rule for {} to {ip} on firewall {}",
                    self.proto_port(),
                    fw.name
                );
                return self.block(
                    Step::Firewall,
                    element,
                    Code::FwDnatNoRule,
                    format!(
                        "no DNAT rule translates {} to {ip}: Azure Firewall denies by default",
                        self.proto_port()
                    ),
                    at(&fw.at),
                    fix,
                );
            }
            DnatOutcome::Unknown(r) => {
                let missing = self
                    .open_rule_values(&fw, &r)
                    .unwrap_or_else(|| "the source's public address".into());
                return self.unknown(
                    Step::Firewall,
                    element,
                    Code::FwUndecided,
                    format!("cannot decide DNAT rule {} ({})", r.rule, r.filter),
                    at(&r.at),
                    missing,
                );
            }
            DnatOutcome::Translated(d) => d,
        };
        let r = d.rule.clone();
        let (to, port) = match (&d.to, d.port) {
            (Translated::Address(a), Some(p)) => (*a, p),
            (Translated::Fqdn(f), _) => {
                return self.unknown(
                    Step::Firewall,
                    element,
                    Code::FwDnatFqdn,
                    format!(
                        "DNAT rule {} ({}) translates to {f}, which the firewall resolves",
                        r.rule, r.filter
                    ),
                    at(&r.at),
                    format!("the address {f} resolves to from firewall {}", fw.name),
                );
            }
            _ => {
                return self.unknown(
                    Step::Firewall,
                    element,
                    Code::FwDnatOpen,
                    format!(
                        "DNAT rule {} ({}) matches; its translated address or port is not known",
                        r.rule, r.filter
                    ),
                    at(&r.at),
                    self.open_rule_values(&fw, &r).unwrap_or_else(|| {
                        format!("the translated address and port of DNAT rule {}", r.rule)
                    }),
                );
            }
        };
        let before = self.proto_port();
        self.port = port;
        self.pass(
            Step::Firewall,
            element,
            Code::FwDnat,
            format!(
                "{before} to {ip} translated to {to} {} by DNAT rule {} ({}); DNAT rules come before network rules and allow what they translate",
                self.proto_port(),
                r.rule,
                r.filter
            ),
            at(&r.at),
        );
        let fw_subnet = format!("{}/AzureFirewallSubnet", fw.vnet);
        let Some((vi, si)) = self.e.subnet_at(&fw_subnet) else {
            return self.unknown(
                Step::Route,
                format!("firewall {}", fw.name),
                Code::FwSubnetMissing,
                format!("{} has no AzureFirewallSubnet", fw.vnet),
                at(&fw.at),
                format!("the AzureFirewallSubnet of {}", fw.vnet),
            );
        };
        // The firewall sends the translated packet from one of its subnet's addresses.
        let src = self.t().virtual_networks[vi].subnets[si]
            .prefixes()
            .fold(AddrSet::none(), |s, p| s.union(&AddrSet::net(p)));
        let private = match to {
            IpAddr::V4(v) => v.is_private(),
            IpAddr::V6(_) => true,
        };
        let dst = if private {
            self.private(moat_model::PrivateIp::Static(to))
        } else {
            Dst::Public {
                set: AddrSet::host(to),
                owner: None,
                fqdn: None,
                label: None,
            }
        };
        // Towards a public translated address the firewall sends from its public address.
        let egress = Egress::Known(ip, format!("firewall {}", fw.name));
        let vnet = fw.vnet.clone();
        // The translated packet comes from the firewall, no longer from the source's NIC.
        self.src_nic = None;
        self.route(&fw_subnet, &src, &egress, &dst, Some(&vnet), 1)
    }
}
