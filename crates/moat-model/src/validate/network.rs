//! Network consistency: a VNet's subnets lie inside its address space and do not overlap, and
//! every reference between network resources (NSGs, route tables, gateways, interfaces,
//! firewalls, policies) names a declared resource. Kept apart from the ML checks because it reads
//! only the network half of the topology.

use super::{Ctx, check_prefix, ip_in_subnet};
use crate::network::{Subnet, VirtualNetwork};
use crate::topology::Index;
use ipnet::IpNet;

/// Runs the network checks, in input order: VNets first, then each kind of network resource.
pub(super) fn network(c: &mut Ctx) {
    let ix = c.ix.clone_names();
    vnets(c, &ix);
    nsg_rules(c, &ix);
    routes(c);
    gateways(c, &ix);
    interfaces(c, &ix);
    firewalls(c, &ix);
    endpoint_policies(c, &ix);
}

/// Each VNet's address space and subnets, and the resources its subnets and peerings name.
fn vnets(c: &mut Ctx, ix: &Index) {
    let t = c.t;

    for v in &t.virtual_networks {
        for (i, n) in v.address_space.iter().enumerate() {
            check_prefix(c, n, &v.at, format!("address_space/{i}"));
        }
        let mut placed: Vec<(IpNet, &str)> = Vec::new();
        for (si, s) in v.subnets.iter().enumerate() {
            for (pi, p) in s.prefixes().enumerate() {
                let field = format!("subnets/{si}/address_prefixes/{pi}");
                check_prefix(c, &p, &v.at, field.clone());
                // An external VNet's address space is unknown, not empty.
                // So is a space the input leaves partly open: the subnet may be in the rest.
                if !v.external
                    && !v.address_space.iter().any(|a| a.contains(&p))
                    && t.is_unknown(&format!("vnet/{}", v.name), "address_space")
                        .is_none()
                {
                    let space: Vec<String> =
                        v.address_space.iter().map(|a| a.to_string()).collect();
                    c.push(
                        "subnet-outside-vnet",
                        &v.at,
                        Some(field.clone()),
                        format!(
                            "subnet `{}` ({p}) is outside the address space of VNet `{}`",
                            s.name, v.name
                        ),
                        Some(if space.is_empty() {
                            "the VNet declares no address space".to_string()
                        } else {
                            format!("the address space is {}", space.join(", "))
                        }),
                    );
                }
                for (q, other) in &placed {
                    if q.contains(&p.network()) || p.contains(&q.network()) {
                        c.push(
                            "overlapping-subnets",
                            &v.at,
                            Some(field.clone()),
                            format!(
                                "subnet `{}` ({p}) overlaps subnet `{other}` ({q}) in VNet `{}`",
                                s.name, v.name
                            ),
                            Some("subnets of a VNet must not overlap".into()),
                        );
                    }
                }
                placed.push((p, &s.name));
            }
            subnet_refs(c, ix, v, si, s);
        }
        for (i, p) in v.peerings.iter().enumerate() {
            c.reference(
                "virtual network",
                &p.remote_vnet,
                &ix.virtual_networks,
                &p.at,
                format!("peerings/{i}/remote_vnet"),
            );
        }
    }
}

/// The NSG, route table, NAT gateway and service endpoint policies subnet `si` of `v` names.
fn subnet_refs(c: &mut Ctx, ix: &Index, v: &VirtualNetwork, si: usize, s: &Subnet) {
    let base = format!("subnets/{si}");
    if let Some(n) = &s.network_security_group {
        c.reference(
            "network security group",
            n,
            &ix.network_security_groups,
            &v.at,
            format!("{base}/network_security_group"),
        );
    }
    if let Some(n) = &s.route_table {
        c.reference(
            "route table",
            n,
            &ix.route_tables,
            &v.at,
            format!("{base}/route_table"),
        );
    }
    if let Some(n) = &s.nat_gateway {
        c.reference(
            "nat gateway",
            n,
            &ix.nat_gateways,
            &v.at,
            format!("{base}/nat_gateway"),
        );
    }
    for (i, p) in s.service_endpoint_policies.iter().enumerate() {
        c.reference(
            "service endpoint policy",
            p,
            &ix.service_endpoint_policies,
            &v.at,
            format!("{base}/service_endpoint_policies/{i}"),
        );
    }
}

/// The ASGs NSG rules name, and their prefixes have no host bits set.
fn nsg_rules(c: &mut Ctx, ix: &Index) {
    let t = c.t;
    for n in &t.network_security_groups {
        for r in &n.rules {
            for (i, a) in r.source_asgs.iter().enumerate() {
                c.reference(
                    "application security group",
                    a,
                    &ix.application_security_groups,
                    &r.at,
                    format!("source_asgs/{i}"),
                );
            }
            for (i, a) in r.destination_asgs.iter().enumerate() {
                c.reference(
                    "application security group",
                    a,
                    &ix.application_security_groups,
                    &r.at,
                    format!("destination_asgs/{i}"),
                );
            }
            for (i, p) in r.source.iter().chain(&r.destination).enumerate() {
                if let crate::values::AddressPrefix::Net(n) = p
                    && n.trunc() != *n
                {
                    c.push(
                        "invalid-prefix",
                        &r.at,
                        Some(if i < r.source.len() {
                            format!("source/{i}")
                        } else {
                            format!("destination/{}", i - r.source.len())
                        }),
                        format!("`{n}` has host bits set"),
                        Some(format!("write {}", n.trunc())),
                    );
                }
            }
        }
    }
}

/// A route to a virtual appliance gives the appliance's address.
fn routes(c: &mut Ctx) {
    let t = c.t;
    for r in &t.route_tables {
        for rt in &r.routes {
            if rt.next_hop_type == crate::enums::NextHopType::VirtualAppliance
                && rt.next_hop_ip_address.is_none()
            {
                c.push(
                    "missing-field",
                    &rt.at,
                    Some("next_hop_ip_address".into()),
                    format!(
                        "route `{}` goes to a VirtualAppliance but names no next_hop_ip_address",
                        rt.name
                    ),
                    Some("give the appliance's (firewall's) private IP".into()),
                );
            }
        }
    }
}

/// NAT gateways' public IPs, VNet gateways' VNets, connections' gateways and bastions' VNets
/// and public IPs.
fn gateways(c: &mut Ctx, ix: &Index) {
    let t = c.t;
    for n in &t.nat_gateways {
        for (i, p) in n.public_ips.iter().enumerate() {
            c.reference(
                "public ip",
                p,
                &ix.public_ips,
                &n.at,
                format!("public_ips/{i}"),
            );
        }
    }
    for g in &t.virtual_network_gateways {
        c.reference(
            "virtual network",
            &g.vnet,
            &ix.virtual_networks,
            &g.at,
            "vnet".into(),
        );
    }
    for cn in &t.connections {
        c.reference(
            "virtual network gateway",
            &cn.virtual_network_gateway,
            &ix.virtual_network_gateways,
            &cn.at,
            "virtual_network_gateway".into(),
        );
        if let Some(l) = &cn.local_network_gateway {
            c.reference(
                "local network gateway",
                l,
                &ix.local_network_gateways,
                &cn.at,
                "local_network_gateway".into(),
            );
        }
    }
    for b in &t.bastion_hosts {
        c.reference(
            "virtual network",
            &b.vnet,
            &ix.virtual_networks,
            &b.at,
            "vnet".into(),
        );
        if let Some(p) = &b.public_ip {
            c.reference("public ip", p, &ix.public_ips, &b.at, "public_ip".into());
        }
    }
}

/// VMs' interfaces, and each interface's subnet, address, public IP, NSG and ASGs.
fn interfaces(c: &mut Ctx, ix: &Index) {
    let t = c.t;
    for vm in &t.virtual_machines {
        for (i, n) in vm.network_interfaces.iter().enumerate() {
            c.reference(
                "network interface",
                n,
                &ix.network_interfaces,
                &vm.at,
                format!("network_interfaces/{i}"),
            );
        }
    }
    for nic in &t.network_interfaces {
        if c.subnet_ref(&nic.subnet, &nic.at, "subnet".into())
            && let Some(ip) = nic.private_ip_address
        {
            ip_in_subnet(
                c,
                ip,
                &nic.subnet,
                &nic.at,
                "private_ip_address",
                "network interface",
                &nic.name,
            );
        }
        if let Some(p) = &nic.public_ip {
            c.reference("public ip", p, &ix.public_ips, &nic.at, "public_ip".into());
        }
        if let Some(p) = &nic.network_security_group {
            c.reference(
                "network security group",
                p,
                &ix.network_security_groups,
                &nic.at,
                "network_security_group".into(),
            );
        }
        for (i, a) in nic.application_security_groups.iter().enumerate() {
            c.reference(
                "application security group",
                a,
                &ix.application_security_groups,
                &nic.at,
                format!("application_security_groups/{i}"),
            );
        }
    }
}

/// Firewalls' VNets, addresses, public IPs and policies, and policies' base policies.
fn firewalls(c: &mut Ctx, ix: &Index) {
    let t = c.t;
    for f in &t.firewalls {
        if c.reference(
            "virtual network",
            &f.vnet,
            &ix.virtual_networks,
            &f.at,
            "vnet".into(),
        ) {
            let v = &t.virtual_networks[ix.virtual_networks[&f.vnet]];
            match f.private_ip_address {
                Some(ip) if !v.external && !v.address_space.iter().any(|a| a.contains(&ip)) => {
                    c.push(
                        "ip-outside-subnet",
                        &f.at,
                        Some("private_ip_address".into()),
                        format!(
                            "firewall `{}` address {ip} is outside VNet `{}`",
                            f.name, v.name
                        ),
                        None,
                    );
                }
                // Only an importer that records why may leave the address open.
                None if t
                    .is_unknown(&format!("firewall/{}", f.name), "private_ip_address")
                    .is_none() =>
                {
                    c.push(
                        "missing-value",
                        &f.at,
                        Some("private_ip_address".into()),
                        format!("firewall `{}` has no private_ip_address", f.name),
                        Some("give the first usable address of its AzureFirewallSubnet".into()),
                    );
                }
                _ => {}
            }
        }
        for (i, p) in f.public_ips.iter().enumerate() {
            c.reference(
                "public ip",
                p,
                &ix.public_ips,
                &f.at,
                format!("public_ips/{i}"),
            );
        }
        if let Some(p) = &f.firewall_policy {
            c.reference(
                "firewall policy",
                p,
                &ix.firewall_policies,
                &f.at,
                "firewall_policy".into(),
            );
        }
    }
    for p in &t.firewall_policies {
        if let Some(b) = &p.base_policy {
            c.reference(
                "firewall policy",
                b,
                &ix.firewall_policies,
                &p.at,
                "base_policy".into(),
            );
        }
    }
}

/// The storage accounts service endpoint policies name.
fn endpoint_policies(c: &mut Ctx, ix: &Index) {
    let t = c.t;
    for s in &t.service_endpoint_policies {
        for (i, d) in s.definitions.iter().enumerate() {
            for (j, r) in d.service_resources.iter().enumerate() {
                if !r.starts_with('/') && !ix.storage_accounts.contains_key(r) {
                    c.reference(
                        "storage account",
                        r,
                        &ix.storage_accounts,
                        &s.at,
                        format!("definitions/{i}/service_resources/{j}"),
                    );
                }
            }
        }
    }
}
