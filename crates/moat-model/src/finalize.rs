//! What Azure decides at deployment time, decided the same way here: default regions, the
//! GUIDs in workspace and registry FQDNs, and dynamically allocated private IPs.

use crate::topology::Topology;
use crate::validate::Problem;
use ipnet::IpNet;
use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr};

/// A stable GUID-shaped id derived from a name, for FQDNs of resources whose real id is only
/// known after deployment. It never collides with real ids in practice and keeps traces
/// reproducible.
pub fn derived_guid(seed: &str) -> String {
    fn fnv(seed: &str, basis: u64) -> u64 {
        let mut h = basis;
        for b in seed.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x100_0000_01b3);
        }
        h
    }
    let a = fnv(seed, 0xcbf2_9ce4_8422_2325);
    let b = fnv(seed, 0x8422_2325_cbf2_9ce4);
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xffff,
        b >> 48,
        b & 0xffff_ffff_ffff
    )
}

fn fill(region: &mut Option<String>, default: &Option<String>) {
    if region.is_none() {
        region.clone_from(default);
    }
    if let Some(r) = region {
        // Azure normalises display names ("East US") to programmatic names ("eastus").
        *r = r
            .chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_lowercase)
            .collect();
    }
}

/// Fills what Azure would decide. Run after [`crate::validate`] found no problem; returns the
/// problems allocation meets (a subnet without a free address).
pub fn finalize(t: &mut Topology) -> Vec<Problem> {
    let d = t.region.clone();
    macro_rules! regions {
        ($($list:ident),*) => { $( for x in &mut t.$list { fill(&mut x.region, &d); } )* };
    }
    regions!(
        workspaces,
        registries,
        computes,
        aks_clusters,
        aci_deployments,
        online_endpoints,
        storage_accounts,
        key_vaults,
        container_registries,
        application_insights,
        virtual_networks,
        network_security_groups,
        application_security_groups,
        route_tables,
        nat_gateways,
        public_ips,
        firewalls,
        firewall_policies,
        ip_groups,
        virtual_network_gateways,
        local_network_gateways,
        bastion_hosts,
        virtual_machines,
        network_interfaces,
        service_endpoint_policies,
        private_endpoints,
        dns_resolvers,
        dns_forwarding_rulesets
    );
    for w in &mut t.workspaces {
        if w.workspace_id.is_none() {
            w.workspace_id = Some(derived_guid(&format!("workspace/{}", w.name)));
        }
    }
    for r in &mut t.registries {
        if r.registry_id.is_none() {
            r.registry_id = Some(derived_guid(&format!("registry/{}", r.name)));
        }
        if r.regions.is_empty() {
            r.regions.extend(r.region.clone());
        }
    }
    // Resources without a region of their own sit in their VNet's region.
    let vnet_region: HashMap<String, Option<String>> = t
        .virtual_networks
        .iter()
        .map(|v| (v.name.clone(), v.region.clone()))
        .collect();
    let subnet_vnet = |s: &str| s.split('/').next().unwrap_or("").to_string();
    for pe in &mut t.private_endpoints {
        if pe.region.is_none() {
            pe.region = vnet_region.get(&subnet_vnet(&pe.subnet)).cloned().flatten();
        }
    }
    for n in &mut t.network_interfaces {
        if n.region.is_none() {
            n.region = vnet_region.get(&subnet_vnet(&n.subnet)).cloned().flatten();
        }
    }
    // A rule reading a group whose address is open is open on it, from every input alike.
    t.open_rules_of_open_ip_groups();
    allocate(t)
}

/// Allocates private IPs as Azure does: the first free address of the subnet after the four
/// Azure reserves, static addresses first, then NICs and private endpoints in declaration order.
fn allocate(t: &mut Topology) -> Vec<Problem> {
    let ix = t.index();
    let mut used: HashMap<String, HashSet<IpAddr>> = HashMap::new();
    for n in &t.network_interfaces {
        if let Some(ip) = n.private_ip_address {
            used.entry(n.subnet.clone()).or_default().insert(ip);
        }
    }
    for p in &t.private_endpoints {
        if let Some(ip) = p.ip_address {
            used.entry(p.subnet.clone()).or_default().insert(ip);
        }
    }
    for r in &t.dns_resolvers {
        for e in &r.inbound_endpoints {
            if let Some(ip) = e.ip_address {
                used.entry(e.subnet.clone()).or_default().insert(ip);
            }
        }
    }
    let mut problems = Vec::new();
    // What sits in an external subnet has an address Azure picked from prefixes the input
    // does not give: it stays unknown.
    let known = |subnet: &str| -> bool {
        ix.subnets
            .get(subnet)
            .is_some_and(|&(v, s)| !t.virtual_networks[v].subnets[s].external)
    };
    let prefixes = |subnet: &str| -> Vec<IpNet> {
        ix.subnets
            .get(subnet)
            .map(|&(v, s)| t.virtual_networks[v].subnets[s].prefixes().collect())
            .unwrap_or_default()
    };
    let next = |subnet: &str, used: &mut HashMap<String, HashSet<IpAddr>>| -> Option<IpAddr> {
        let taken = used.entry(subnet.to_string()).or_default();
        for p in prefixes(subnet) {
            if let IpNet::V4(p4) = p {
                let base = u32::from(p4.network());
                let last = u32::from(p4.broadcast());
                let mut a = base.saturating_add(4);
                while a < last {
                    let ip = IpAddr::V4(Ipv4Addr::from(a));
                    if taken.insert(ip) {
                        return Some(ip);
                    }
                    a += 1;
                }
            }
        }
        None
    };
    let full = |what: &str, name: &str, subnet: &str, at: &crate::Provenance| Problem {
        code: "subnet-full",
        message: format!("no free address left in subnet `{subnet}` for {what} `{name}`"),
        hint: Some("use a larger subnet".into()),
        at: at.clone(),
        field: Some("subnet".into()),
    };
    let mut open = Vec::new();
    let unknown_ip = |resource: String, field: &str, subnet: &str, at: &crate::Provenance| {
        crate::topology::Unknown {
            resource,
            field: field.into(),
            reason: format!(
                "it sits in subnet `{subnet}`, which the input does not declare: Azure picks the address from prefixes moat does not know"
            ),
            at: at.clone(),
        }
    };
    let mut nics = std::mem::take(&mut t.network_interfaces);
    for n in nics.iter_mut().filter(|n| n.private_ip_address.is_none()) {
        if !known(&n.subnet) && ix.subnets.contains_key(&n.subnet) {
            let r = format!("nic/{}", n.name);
            open.push(unknown_ip(r, "private_ip_address", &n.subnet, &n.at));
        } else if known(&n.subnet) {
            n.private_ip_address = next(&n.subnet, &mut used);
            if n.private_ip_address.is_none() {
                problems.push(full("network interface", &n.name, &n.subnet, &n.at));
            }
        }
    }
    t.network_interfaces = nics;
    let mut pes = std::mem::take(&mut t.private_endpoints);
    for p in pes.iter_mut().filter(|p| p.ip_address.is_none()) {
        if !known(&p.subnet) && ix.subnets.contains_key(&p.subnet) {
            let r = format!("private-endpoint/{}", p.name);
            open.push(unknown_ip(r, "ip_address", &p.subnet, &p.at));
        } else if known(&p.subnet) {
            p.ip_address = next(&p.subnet, &mut used);
            if p.ip_address.is_none() {
                problems.push(full("private endpoint", &p.name, &p.subnet, &p.at));
            }
        }
    }
    t.private_endpoints = pes;
    let mut resolvers = std::mem::take(&mut t.dns_resolvers);
    for r in &mut resolvers {
        for e in r
            .inbound_endpoints
            .iter_mut()
            .filter(|e| e.ip_address.is_none())
        {
            if known(&e.subnet) {
                e.ip_address = next(&e.subnet, &mut used);
            }
        }
    }
    t.dns_resolvers = resolvers;
    t.unknowns.extend(open);
    problems
}

#[cfg(test)]
mod tests {
    use super::derived_guid;

    #[test]
    fn derived_guids_are_stable_and_shaped() {
        let g = derived_guid("workspace/ws");
        assert_eq!(g, derived_guid("workspace/ws"));
        assert_ne!(g, derived_guid("workspace/ws2"));
        let parts: Vec<usize> = g.split('-').map(str::len).collect();
        assert_eq!(parts, vec![8, 4, 4, 4, 12]);
    }
}
