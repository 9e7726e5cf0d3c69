//! `moat graph`: the topology as a diagram. VNets are clusters holding their subnets and what
//! sits in them; private endpoints are edges to their targets; peerings and gateway
//! connections join VNets.

use moat_model::Topology;
use moat_model::address::Address;
use std::collections::BTreeMap;
use std::fmt::Write;

/// A node of the diagram.
struct NodeInfo {
    id: String,
    label: String,
    shape: &'static str,
}

struct Diagram {
    /// VNet -> subnet -> nodes placed in the subnet.
    vnets: BTreeMap<String, BTreeMap<String, Vec<NodeInfo>>>,
    /// Nodes outside any VNet (PaaS resources, on-premises networks, the managed network).
    outside: Vec<NodeInfo>,
    /// (from, to, label, dashed)
    edges: Vec<(String, String, String, bool)>,
}

fn id(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

fn target_id(a: &Address) -> String {
    match a {
        Address::Resource {
            kind,
            name,
            sub: Some(s),
        } if *kind == moat_model::Kind::Registry => id(&format!("registry_{name}_{s}")),
        Address::Resource { kind, name, .. } => id(&format!("{kind}_{name}")),
        other => id(&other.to_string()),
    }
}

/// The diagram of a topology: what sits in each subnet, the resources outside any VNet, and
/// the lines between them.
fn build(t: &Topology) -> Diagram {
    let mut d = Diagram {
        vnets: BTreeMap::new(),
        outside: Vec::new(),
        edges: Vec::new(),
    };
    for v in &t.virtual_networks {
        let subnets = d.vnets.entry(v.name.clone()).or_default();
        for s in &v.subnets {
            subnets.entry(s.name.clone()).or_default();
        }
    }
    placed(t, &mut d);
    paas(t, &mut d);
    links(t, &mut d);
    d
}

/// Adds node `n` to `subnet` (`vnet/subnet`), declared or not.
fn place(subnet: &str, n: NodeInfo, d: &mut Diagram) {
    let (v, s) = subnet.split_once('/').unwrap_or((subnet, ""));
    d.vnets
        .entry(v.to_string())
        .or_default()
        .entry(s.to_string())
        .or_default()
        .push(n);
}

/// What sits in subnets (private endpoints, with their edges to their targets, computes, AKS
/// clusters, VMs, firewalls, bastions, gateways); computes in no subnet go outside.
fn placed(t: &Topology, d: &mut Diagram) {
    let ix = t.index();
    // An address Azure assigns shows as the range it comes from.
    let addressing = moat_model::Addressing::new(t, &ix);
    for pe in &t.private_endpoints {
        let n = NodeInfo {
            id: id(&format!("pe_{}", pe.name)),
            label: format!(
                "PE {}\\n{}",
                pe.name,
                t.endpoint_address(&addressing, pe)
                    .map(|i| i.to_string())
                    .unwrap_or_default()
            ),
            shape: "diamond",
        };
        let from = n.id.clone();
        place(&pe.subnet, n, d);
        d.edges.push((
            from,
            target_id(&pe.target),
            format!("{} ({})", pe.group_id, pe.connection_state),
            false,
        ));
    }
    for c in &t.computes {
        let n = NodeInfo {
            id: id(&format!("compute_{}", c.name)),
            label: format!("{} {}", c.compute_type, c.name),
            shape: "box",
        };
        match &c.subnet {
            Some(s) => place(s, n, d),
            None => d.outside.push(n),
        }
    }
    for a in &t.aks_clusters {
        let n = NodeInfo {
            id: id(&format!("aks_{}", a.name)),
            label: format!("AKS {}", a.name),
            shape: "box",
        };
        match &a.subnet {
            Some(s) => place(s, n, d),
            None => d.outside.push(n),
        }
    }
    for vm in &t.virtual_machines {
        if let Some(nic) = vm
            .network_interfaces
            .first()
            .and_then(|n| ix.network_interfaces.get(n))
            .map(|&i| &t.network_interfaces[i])
        {
            let ip = t
                .nic_address(&addressing, nic)
                .map(|i| i.to_string())
                .unwrap_or_default();
            place(
                &nic.subnet,
                NodeInfo {
                    id: id(&format!("vm_{}", vm.name)),
                    label: format!("VM {}\\n{ip}", vm.name),
                    shape: "box",
                },
                d,
            );
        }
    }
    for f in &t.firewalls {
        let n = NodeInfo {
            id: id(&format!("firewall_{}", f.name)),
            label: match f.private_ip_address {
                Some(ip) => format!("Firewall {}\\n{ip}", f.name),
                None => format!("Firewall {}\\naddress unknown", f.name),
            },
            shape: "octagon",
        };
        place(&format!("{}/AzureFirewallSubnet", f.vnet), n, d);
    }
    for b in &t.bastion_hosts {
        place(
            &format!("{}/AzureBastionSubnet", b.vnet),
            NodeInfo {
                id: id(&format!("bastion_{}", b.name)),
                label: format!("Bastion {}", b.name),
                shape: "box",
            },
            d,
        );
    }
    for g in &t.virtual_network_gateways {
        place(
            &format!("{}/GatewaySubnet", g.vnet),
            NodeInfo {
                id: id(&format!("gw_{}", g.name)),
                label: format!("{} gateway {}", g.gateway_type, g.name),
                shape: "box",
            },
            d,
        );
    }
}

/// The workspaces (with their dependencies), registries, storage accounts, key vaults and
/// container registries, outside any VNet.
fn paas(t: &Topology, d: &mut Diagram) {
    for w in &t.workspaces {
        d.outside.push(NodeInfo {
            id: id(&format!("workspace_{}", w.name)),
            label: format!("Workspace {}\\npublic {}", w.name, w.public_network_access),
            shape: "ellipse",
        });
        for (dep, kind) in [
            (&w.storage_account, "storage"),
            (&w.key_vault, "keyvault"),
            (&w.container_registry, "acr"),
        ] {
            if let Some(n) = dep {
                d.edges.push((
                    id(&format!("workspace_{}", w.name)),
                    id(&format!("{kind}_{n}")),
                    "uses".into(),
                    true,
                ));
            }
        }
    }
    for r in &t.registries {
        d.outside.push(NodeInfo {
            id: id(&format!("registry_{}", r.name)),
            label: format!("Registry {}\\npublic {}", r.name, r.public_network_access),
            shape: "ellipse",
        });
        d.outside.push(NodeInfo {
            id: id(&format!("registry_{}_storage", r.name)),
            label: format!("{} managed storage", r.name),
            shape: "cylinder",
        });
        d.outside.push(NodeInfo {
            id: id(&format!("registry_{}_acr", r.name)),
            label: format!("{} managed ACR", r.name),
            shape: "cylinder",
        });
    }
    for s in &t.storage_accounts {
        d.outside.push(NodeInfo {
            id: id(&format!("storage_{}", s.name)),
            label: format!("Storage {}\\npublic {}", s.name, s.public_network_access),
            shape: "cylinder",
        });
    }
    for k in &t.key_vaults {
        d.outside.push(NodeInfo {
            id: id(&format!("keyvault_{}", k.name)),
            label: format!("Key vault {}\\npublic {}", k.name, k.public_network_access),
            shape: "cylinder",
        });
    }
    for a in &t.container_registries {
        d.outside.push(NodeInfo {
            id: id(&format!("acr_{}", a.name)),
            label: format!(
                "ACR {} ({})\\npublic {}",
                a.name, a.sku, a.public_network_access
            ),
            shape: "cylinder",
        });
    }
}

/// Peerings between VNets, and gateway connections to on-premises sites.
fn links(t: &Topology, d: &mut Diagram) {
    for v in &t.virtual_networks {
        for p in &v.peerings {
            // Draw each peering once, from the side that sorts first.
            if v.name < p.remote_vnet
                || !t.virtual_networks.iter().any(|o| {
                    o.name == p.remote_vnet && o.peerings.iter().any(|q| q.remote_vnet == v.name)
                })
            {
                d.edges.push((
                    id(&format!("vnet_{}", v.name)),
                    id(&format!("vnet_{}", p.remote_vnet)),
                    "peering".into(),
                    true,
                ));
            }
        }
    }
    for c in &t.connections {
        if let Some(l) = &c.local_network_gateway {
            d.outside.push(NodeInfo {
                id: id(&format!("onprem_{l}")),
                label: format!("On-premises {l}"),
                shape: "house",
            });
            d.edges.push((
                id(&format!("gw_{}", c.virtual_network_gateway)),
                id(&format!("onprem_{l}")),
                c.connection_type.to_string(),
                true,
            ));
        }
    }
}

/// The topology in Graphviz DOT.
pub fn dot(t: &Topology) -> String {
    let d = build(t);
    let mut o = String::new();
    let _ = writeln!(o, "digraph moat {{");
    let _ = writeln!(
        o,
        "  compound=true; rankdir=LR; node [fontname=\"Helvetica\", fontsize=10]; edge [fontsize=9];"
    );
    for (v, subnets) in &d.vnets {
        let _ = writeln!(o, "  subgraph cluster_{} {{", id(v));
        let _ = writeln!(o, "    label=\"VNet {v}\"; style=rounded;");
        // An invisible anchor lets edges attach to the VNet as a whole (peerings).
        let _ = writeln!(o, "    vnet_{} [shape=point, style=invis];", id(v));
        for (s, nodes) in subnets {
            let _ = writeln!(o, "    subgraph cluster_{}_{} {{", id(v), id(s));
            let _ = writeln!(o, "      label=\"{s}\"; style=dashed;");
            let _ = writeln!(
                o,
                "      subnet_{}_{} [shape=point, style=invis];",
                id(v),
                id(s)
            );
            for n in nodes {
                let _ = writeln!(
                    o,
                    "      {} [label=\"{}\", shape={}];",
                    n.id, n.label, n.shape
                );
            }
            let _ = writeln!(o, "    }}");
        }
        let _ = writeln!(o, "  }}");
    }
    for n in &d.outside {
        let _ = writeln!(o, "  {} [label=\"{}\", shape={}];", n.id, n.label, n.shape);
    }
    for (a, b, label, dashed) in &d.edges {
        let style = if *dashed { ", style=dashed" } else { "" };
        let _ = writeln!(o, "  {a} -> {b} [label=\"{label}\"{style}];");
    }
    let _ = writeln!(o, "}}");
    o
}

/// The topology as a Mermaid flowchart.
pub fn mermaid(t: &Topology) -> String {
    let d = build(t);
    let mut o = String::new();
    let _ = writeln!(o, "flowchart LR");
    let shape = |n: &NodeInfo| {
        let label = n.label.replace("\\n", "<br/>");
        match n.shape {
            "cylinder" => format!("{}[(\"{label}\")]", n.id),
            "diamond" => format!("{}{{\"{label}\"}}", n.id),
            "ellipse" => format!("{}([\"{label}\"])", n.id),
            "octagon" => format!("{}{{{{\"{label}\"}}}}", n.id),
            _ => format!("{}[\"{label}\"]", n.id),
        }
    };
    for (v, subnets) in &d.vnets {
        let _ = writeln!(o, "  subgraph vnet_{}[\"VNet {v}\"]", id(v));
        for (s, nodes) in subnets {
            let _ = writeln!(o, "    subgraph subnet_{}_{}[\"{s}\"]", id(v), id(s));
            if nodes.is_empty() {
                let _ = writeln!(o, "      empty_{}_{}[\" \"]", id(v), id(s));
            }
            for n in nodes {
                let _ = writeln!(o, "      {}", shape(n));
            }
            let _ = writeln!(o, "    end");
        }
        let _ = writeln!(o, "  end");
    }
    for n in &d.outside {
        let _ = writeln!(o, "  {}", shape(n));
    }
    for (a, b, label, dashed) in &d.edges {
        let arrow = if *dashed { "-.->" } else { "-->" };
        let _ = writeln!(o, "  {a} {arrow}|\"{label}\"| {b}");
    }
    o
}
