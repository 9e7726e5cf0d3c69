//! What Azure decides at deployment time, decided the same way here: default regions and the
//! GUIDs in workspace and registry FQDNs. Dynamically assigned private IPs are not decided:
//! only whether every endpoint can get one (see [`crate::addressing`]).

use crate::topology::Topology;
use crate::validate::Problem;
use foldhash::HashMap;

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
    let open_region: foldhash::HashSet<String> = t
        .unknowns
        .iter()
        .filter(|u| crate::external::leaves_open(&u.field, "region"))
        .map(|u| u.resource.clone())
        .collect();
    let vnet_region: HashMap<String, Option<String>> = t
        .virtual_networks
        .iter()
        .map(|v| {
            // A region the input leaves open is no region to give another resource.
            let open = open_region.contains(&format!("vnet/{}", v.name));
            (v.name.clone(), v.region.clone().filter(|_| !open))
        })
        .collect();
    let subnet_vnet = |s: &str| s.split('/').next().unwrap_or("").to_string();
    // A private endpoint is created in its VNet's region ("For the Region field, select the
    // same region as your Azure Virtual Network", registries document, "How to create a
    // private endpoint"; one in another region fails to deploy, PE006): where the input
    // leaves the endpoint's region open and gives its VNet's, the endpoint's is known.
    let mut settled = foldhash::HashSet::default();
    for pe in &mut t.private_endpoints {
        let resource = format!("private-endpoint/{}", pe.name);
        let vnet = vnet_region.get(&subnet_vnet(&pe.subnet)).cloned().flatten();
        if vnet.is_some() && open_region.contains(&resource) {
            pe.region = vnet;
            settled.insert(resource);
        } else if pe.region.is_none() {
            pe.region = vnet;
        }
    }
    t.unknowns
        .retain(|u| !(u.field == "region" && settled.contains(&u.resource)));
    for n in &mut t.network_interfaces {
        if n.region.is_none() {
            n.region = vnet_region.get(&subnet_vnet(&n.subnet)).cloned().flatten();
        }
    }
    // A rule reading a group whose address is open is open on it, from every input alike.
    t.open_rules_of_open_ip_groups();
    allocate(t)
}

/// Checks that Azure can give every endpoint without a static address one: a subnet needs a
/// free address for each. Which address each gets is not decided here (see
/// [`crate::addressing`]); endpoints in a subnet the input does not declare get an address
/// from prefixes it does not give, recorded as unknown.
fn allocate(t: &mut Topology) -> Vec<Problem> {
    let ix = t.index();
    let a = crate::addressing::Addressing::new(t, &ix);
    let mut problems = Vec::new();
    let mut over: Vec<(&str, u128, &[String])> = a.overfull(t).collect();
    over.sort_unstable_by_key(|(s, ..)| *s);
    for (subnet, free, holders) in over {
        // Which endpoints go without is up to deployment order: the problem is the subnet's,
        // located at the first endpoint that cannot be served.
        let first = usize::try_from(free).unwrap_or(usize::MAX);
        let Some(h) = holders.get(first) else {
            continue;
        };
        let at = holder_at(t, &ix, h).unwrap_or_default();
        problems.push(Problem {
            code: "subnet-full",
            message: format!(
                "subnet `{subnet}` has {free} free address(es) for the {} endpoints without a static address in it ({}): {} of them get no address",
                holders.len(),
                holders
                    .iter()
                    .map(|h| crate::addressing::holder_words(h))
                    .collect::<Vec<_>>()
                    .join(", "),
                holders.len() - first
            ),
            hint: Some("use a larger subnet".into()),
            at,
            field: Some("subnet".into()),
        });
    }
    // What sits in an external subnet has an address Azure picked from prefixes the input
    // does not give: it stays unknown.
    let external = |subnet: &str| {
        ix.subnets
            .get(subnet)
            .is_some_and(|&(v, s)| t.virtual_networks[v].subnets[s].external)
    };
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
    let mut open = Vec::new();
    for n in &t.network_interfaces {
        if n.private_ip_address.is_none() && external(&n.subnet) {
            let r = format!("nic/{}", n.name);
            open.push(unknown_ip(r, "private_ip_address", &n.subnet, &n.at));
        }
    }
    for p in &t.private_endpoints {
        if p.ip_address.is_none() && external(&p.subnet) {
            let r = format!("private-endpoint/{}", p.name);
            open.push(unknown_ip(r, "ip_address", &p.subnet, &p.at));
        }
    }
    // A deployment finalised again (after native files are merged over it) keeps one entry
    // per open address.
    open.retain(|u| {
        !t.unknowns
            .iter()
            .any(|x| x.resource == u.resource && x.field == u.field)
    });
    t.unknowns.extend(open);
    problems
}

/// Where an endpoint (`nic/x`, `private-endpoint/x`, `dns-resolver/r/e`) is written.
fn holder_at(t: &Topology, ix: &crate::Index, holder: &str) -> Option<crate::Provenance> {
    let (kind, name) = holder.split_once('/')?;
    match kind {
        "nic" => Some(
            t.network_interfaces[*ix.network_interfaces.get(name)?]
                .at
                .clone(),
        ),
        "private-endpoint" => Some(
            t.private_endpoints[*ix.private_endpoints.get(name)?]
                .at
                .clone(),
        ),
        "dns-resolver" => {
            let r = name.split('/').next()?;
            Some(t.dns_resolvers[*ix.dns_resolvers.get(r)?].at.clone())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::{derived_guid, finalize};
    use crate::topology::Topology;

    /// An endpoint in a subnet the input does not declare has an address Azure picks from
    /// prefixes no one gave: unknown, once, however often the deployment is finalised.
    #[test]
    fn external_subnet_addresses_are_open_once() {
        let mut t: Topology = serde_json::from_value(serde_json::json!({
            "storage_accounts": [{"name": "st"}],
            "private_endpoints": [{
                "name": "pe", "subnet": "lz/pe", "target": "storage/st", "group_id": "blob"
            }]
        }))
        .unwrap();
        crate::external::subnet(
            &mut t,
            "lz",
            "pe",
            "`private-endpoint/pe` is placed in it",
            &Default::default(),
        );
        finalize(&mut t);
        finalize(&mut t);
        let open: Vec<_> = t
            .unknowns
            .iter()
            .filter(|u| u.resource == "private-endpoint/pe" && u.field == "ip_address")
            .collect();
        assert_eq!(open.len(), 1, "{:#?}", t.unknowns);
    }

    #[test]
    fn derived_guids_are_stable_and_shaped() {
        let g = derived_guid("workspace/ws");
        assert_eq!(g, derived_guid("workspace/ws"));
        assert_ne!(g, derived_guid("workspace/ws2"));
        let parts: Vec<usize> = g.split('-').map(str::len).collect();
        assert_eq!(parts, vec![8, 4, 4, 4, 12]);
    }
}
