//! CMP007 compute-ip-shortage.

use crate::rules::util_items::undecided;
use crate::{Context, Finding, FixForm, Rule, RuleDoc, Severity, prose};
use ipnet::IpNet;
use moat_model::ml::{AksCluster, Compute};
use moat_model::privatelink::PrivateEndpoint;
use std::collections::HashMap;

/// Usable addresses of the smallest subnet Azure allows (a /29, less the 5 it reserves).
const SMALLEST_USABLE: u64 = 3;

/// The rule.
pub struct Cmp007;
/// Its registration.
pub static RULE: Cmp007 = Cmp007;

static DOC: RuleDoc = RuleDoc {
    code: "CMP007",
    name: "compute-ip-shortage",
    severity: Severity::Error,
    what: "A subnet has fewer usable private addresses than its tenants need: one per compute instance, one per compute cluster node at maximum scale, one per AKS node, one per private endpoint (a workspace's takes three: API, notebooks, inference; a container registry's two: registry and data endpoint) and network interface, after the 5 addresses Azure reserves in every subnet.",
    why: "Every compute node, private endpoint and NIC takes a private IP of its subnet, and Azure keeps the first four addresses and the last one of each subnet. A cluster that cannot get addresses stops scaling out, and new computes or endpoints fail to create.",
    example: "workspaces: [{ name: ws }]\ncomputes: [{ name: cpu, workspace: ws, type: AmlCompute, max_nodes: 20, subnet: vnet/training }]\nvirtual_networks: [{ name: vnet, address_space: [10.0.0.0/16], subnets: [{ name: training, address_prefixes: [10.0.1.0/28] }] }]",
    fix: "Give the subnet a larger prefix, lower the cluster's maximum node count, or move Azure ML into a separate VNet with its own address space.",
    fix_form: FixForm::Prose(prose::DESIGN),
    sources: &[
        doc!(PLAN, "Private IP address shortage in your main network"),
        doc!(
            DNS,
            "Find the IP addresses and FQDNs of the workspace private endpoint"
        ),
        doc!(
            ACRPL,
            "DNS configuration (registry and data endpoint records)"
        ),
    ],
    covers: &["§9.compute-ips", "§9.reserved", "§9.workspace-pe-ips"],
    path: false,
};

/// Usable IPv4 addresses of a prefix (Azure reserves 5 per subnet prefix).
/// The private addresses a private endpoint of a group takes in its subnet: a workspace's
/// endpoint shows three (the API and certificate host, the integrated notebooks, the managed
/// online endpoints' inference host), a container registry's two (the registry and its
/// regional data endpoint); other endpoints one.
fn endpoint_addresses(group_id: &str) -> u64 {
    match group_id.to_ascii_lowercase().as_str() {
        "amlworkspace" => 3,
        "registry" => 2,
        _ => 1,
    }
}

/// What takes addresses in one subnet.
#[derive(Default)]
struct Tenants<'t> {
    computes: Vec<&'t Compute>,
    aks: Vec<&'t AksCluster>,
    endpoints: Vec<&'t PrivateEndpoint>,
    nics: u64,
}

fn usable(p: &IpNet) -> u64 {
    match p {
        IpNet::V4(n) => (1u64 << (32 - u32::from(n.prefix_len()))).saturating_sub(5),
        // IPv6 subnets are /64: never short.
        IpNet::V6(_) => u64::MAX / 2,
    }
}

impl Rule for Cmp007 {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) {
        let t = cx.t;
        // The tenants of each subnet, gathered in one pass over each kind (in declaration
        // order) rather than a scan of every compute, endpoint and NIC per subnet.
        let mut tenants: HashMap<&str, Tenants> = HashMap::new();
        for c in &t.computes {
            if let Some(s) = &c.subnet {
                tenants.entry(s).or_default().computes.push(c);
            }
        }
        for k in &t.aks_clusters {
            if let Some(s) = &k.subnet {
                tenants.entry(s).or_default().aks.push(k);
            }
        }
        for p in &t.private_endpoints {
            tenants.entry(&p.subnet).or_default().endpoints.push(p);
        }
        for n in &t.network_interfaces {
            tenants.entry(&n.subnet).or_default().nics += 1;
        }
        let none = Tenants::default();
        for v in &t.virtual_networks {
            for s in &v.subnets {
                let key = format!("{}/{}", v.name, s.name);
                let here = tenants.get(key.as_str()).unwrap_or(&none);
                let mut parts: Vec<String> = Vec::new();
                let mut need: u64 = 0;
                for c in &here.computes {
                    let n = u64::from(c.ips_needed());
                    need += n;
                    parts.push(format!("{} {}", c.name, n));
                }
                for k in &here.aks {
                    let n = u64::from(k.node_count.unwrap_or(0));
                    need += n;
                    parts.push(format!("AKS {} {n} nodes", k.name));
                }
                let here_pes = &here.endpoints;
                let pes = here_pes.len() as u64;
                let pe_ips: u64 = here_pes
                    .iter()
                    .map(|p| endpoint_addresses(&p.group_id))
                    .sum();
                if pes > 0 {
                    need += pe_ips;
                    parts.push(if pe_ips == pes {
                        format!("{pes} private endpoints")
                    } else {
                        format!("{pes} private endpoints ({pe_ips} addresses)")
                    });
                }
                let nics = here.nics;
                if nics > 0 {
                    need += nics;
                    parts.push(format!("{nics} network interfaces"));
                }
                if need == 0 {
                    continue;
                }
                if s.address_prefixes.is_empty() {
                    // The prefixes are unknown (an external subnet, or a prefix the input
                    // leaves open). The smallest subnet Azure allows (/29) has 3 usable
                    // addresses: up to 3 tenants fit whatever the prefix is.
                    let resource = format!("subnet/{key}");
                    let u = t
                        .is_unknown(&resource, "address_prefixes")
                        .filter(|_| need > SMALLEST_USABLE);
                    if let Some(u) = u {
                        let what = format!("subnet {key} has room for {}", parts.join(", "));
                        out.push(undecided(&DOC, resource, &what, u, &s.at));
                    }
                    continue;
                }
                let have: u64 = s
                    .prefixes()
                    .map(|p| usable(&p))
                    .fold(0, u64::saturating_add);
                if need <= have {
                    continue;
                }
                let prefixes: Vec<String> = s.prefixes().map(|p| p.to_string()).collect();
                out.push(Finding::new(
                    &DOC,
                    format!("subnet/{key}"),
                    format!(
                        "subnet {key} ({}) has {have} usable addresses (5 reserved by Azure) but needs {need}: {}",
                        prefixes.join(", "),
                        parts.join(", ")
                    ),
                    DOC.fix,
                    &s.at,
                ));
            }
        }
    }
}
