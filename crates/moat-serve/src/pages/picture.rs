//! The topology as a picture: VNets as containers holding their subnets and what sits in
//! them (private endpoints, computes, VMs, firewalls, gateways, bastions), on-premises sites
//! on the left, the PaaS resources on the right; private endpoints joined to their targets,
//! peerings between VNets, gateway connections to their sites. Every element carries its
//! address (the names traces use) and its properties with the file and line that declare it.

use super::esc;
use crate::cache::Model;
use moat_model::address::Address;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

const NODE_W: i64 = 140;
const NODE_H: i64 = 40;
const GAP: i64 = 10;
const VNET_W: i64 = 620;
const SIDE_W: i64 = 170;

/// One drawn element.
#[derive(Clone, Debug, Serialize)]
pub struct Element {
    /// Its address (`subnet/hub/pe`, `private-endpoint/ws-pe`, `storage/data`).
    pub key: String,
    /// Other addresses a trace may name it by (a subnet's NSG and route table).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    pub kind: &'static str,
    pub label: String,
    pub detail: String,
    pub x: i64,
    pub y: i64,
    pub w: i64,
    pub h: i64,
    /// The model's properties, with `$at`: where it is declared.
    pub props: Value,
}

/// A line between two elements.
#[derive(Clone, Debug, Serialize)]
pub struct Edge {
    pub from: String,
    pub to: String,
    /// `private-link`, `peering`, `connection`.
    pub kind: &'static str,
    pub label: String,
}

/// The whole picture.
#[derive(Clone, Debug, Serialize)]
pub struct Picture {
    pub width: i64,
    pub height: i64,
    pub elements: Vec<Element>,
    pub edges: Vec<Edge>,
}

/// What a trace marks on the picture.
#[derive(Default)]
pub struct Marks {
    /// Elements the flow goes through.
    pub path: BTreeSet<String>,
    /// Elements where it stopped (or could not be decided).
    pub blocked: BTreeSet<String>,
}

fn props<T: Serialize>(m: &Model, v: &T) -> Value {
    let text = serde_json::to_string(v).unwrap_or_default();
    serde_json::from_str(&m.relative(&text)).unwrap_or(Value::Null)
}

/// A label cut to what fits a width at the picture's font size (about 6.6 pixels a
/// character at 12 px), ending in an ellipsis when cut; the element's title keeps the whole.
fn fit(label: &str, width: i64) -> String {
    let max = ((width - 14) * 10 / 66).max(4) as usize;
    if label.chars().count() <= max {
        label.to_string()
    } else {
        let cut: String = label.chars().take(max - 1).collect();
        format!("{cut}…")
    }
}

/// The key of what a private endpoint serves (a registry's storage is the registry).
fn target_key(a: &Address) -> Option<String> {
    match a {
        Address::Resource { kind, name, .. } => Some(format!("{kind}/{name}")),
        _ => None,
    }
}

struct Node {
    key: String,
    kind: &'static str,
    label: String,
    detail: String,
    props: Value,
}

impl Picture {
    /// Lays out a deployment.
    pub fn of(m: &Model) -> Picture {
        let t = &m.loaded.topology;
        // The left column holds on-premises sites; without them the VNets move left, keeping
        // room for the bows of their peerings.
        let vnet_x: i64 = if t.local_network_gateways.is_empty() {
            90
        } else {
            230
        };
        let right_x = vnet_x + VNET_W + 90;
        let mut elements = Vec::new();
        let mut edges = Vec::new();
        let (mut inside, mut outside) = placed(m, &mut edges);
        let vnets_bottom = vnets(m, vnet_x, &mut inside, &mut elements, &mut edges);
        // Elements in subnets of VNets the input does not declare.
        for (subnet, nodes) in inside {
            outside.extend(nodes.into_iter().map(|mut n| {
                n.detail = format!("in {subnet}");
                n
            }));
        }
        let ry = paas(m, right_x, outside, &mut elements);
        let ly = sites(m, &mut elements, &mut edges);
        let height = vnets_bottom.max(ry).max(ly) + 20;
        Picture {
            width: right_x + SIDE_W + 60,
            height,
            elements,
            edges,
        }
    }

    fn find(&self, key: &str) -> Option<&Element> {
        self.elements.iter().find(|e| e.key == key)
    }

    /// The elements a trace names: its ends and the resources each hop read; the blocking
    /// hop's are marked blocked.
    pub fn marks(&self, trace: &Value) -> Marks {
        let mut m = Marks::default();
        let base = |a: &str| a.split(':').next().unwrap_or(a).to_string();
        let keys = |names: Vec<String>, into: &mut BTreeSet<String>| {
            for n in names {
                for e in &self.elements {
                    if e.key == n || e.aliases.contains(&n) {
                        into.insert(e.key.clone());
                    }
                }
            }
        };
        let list = |h: &Value| -> Vec<String> {
            h["resources"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(base)
                .collect()
        };
        let mut path = vec![
            base(trace["from"].as_str().unwrap_or("")),
            base(trace["to"].as_str().unwrap_or("")),
        ];
        for h in trace["hops"].as_array().into_iter().flatten() {
            path.extend(list(h));
        }
        keys(path, &mut m.path);
        if !trace["blocked_by"].is_null() {
            keys(list(&trace["blocked_by"]), &mut m.blocked);
        }
        m
    }

    /// The picture as SVG, with a trace's marks.
    pub fn svg(&self, marks: &Marks) -> String {
        let mut o = String::new();
        let _ = write!(
            o,
            "<svg id=\"topology\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" \
viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"topology\">\
<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"6\" \
markerHeight=\"6\" orient=\"auto-start-reverse\"><path d=\"M0,0L10,5L0,10z\" fill=\"#555\"/></marker></defs>\
<style>g.el{{cursor:pointer}}g.el.selected>rect{{stroke:#1f6feb;stroke-width:3}}\
g.el.path>rect{{stroke:#1e7d32;stroke-width:3}}g.el.blocked>rect{{stroke:#d0021b;stroke-width:4;fill:#fde8e6}}</style>",
            w = self.width,
            h = self.height
        );
        let fill = |kind: &str| match kind {
            "vnet" => "#eef4fb",
            "subnet" => "#ffffff",
            "private-endpoint" => "#e8f1ff",
            "firewall" => "#fff0e0",
            "gateway" | "bastion" => "#f0e8ff",
            "onprem" => "#f3f3f3",
            "compute" | "aks" | "vm" => "#eaf7ea",
            _ => "#fffbe6",
        };
        for e in &self.elements {
            let mut class = String::from("el");
            if marks.blocked.contains(&e.key) {
                class += " blocked";
            } else if marks.path.contains(&e.key) {
                class += " path";
            }
            let container = matches!(e.kind, "vnet" | "subnet");
            let (ty, dy) = if container {
                (e.y + 16, 0)
            } else {
                (e.y + 17, 15)
            };
            let _ = write!(
                o,
                "<g class=\"{class}\" id=\"el-{id}\" data-key=\"{key}\" data-kind=\"{kind}\">\
<title>{key}: {full}</title><rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" rx=\"{r}\" \
fill=\"{f}\" stroke=\"#7a8699\" stroke-width=\"1\"/>\
<text x=\"{tx}\" y=\"{ty}\" font-size=\"{fs}\" font-weight=\"{fw}\">{label}</text>",
                id = esc(&e.key.replace(['/', ':'], "_")),
                key = esc(&e.key),
                kind = e.kind,
                x = e.x,
                y = e.y,
                w = e.w,
                h = e.h,
                r = if container { 6 } else { 4 },
                f = fill(e.kind),
                tx = e.x + 8,
                fs = if e.kind == "vnet" { 14 } else { 12 },
                fw = if container { 600 } else { 400 },
                full = esc(&e.label),
                label = esc(&if container {
                    e.label.clone()
                } else {
                    fit(&e.label, e.w)
                }),
            );
            if !e.detail.is_empty() {
                let (dx, dyy) = if container {
                    (e.x + e.w - 8, ty)
                } else {
                    (e.x + 8, ty + dy)
                };
                let _ = write!(
                    o,
                    "<text x=\"{dx}\" y=\"{dyy}\" font-size=\"11\" fill=\"#555\"{}>{}</text>",
                    if container {
                        " text-anchor=\"end\""
                    } else {
                        ""
                    },
                    esc(&e.detail)
                );
            }
            o += "</g>";
        }
        for edge in &self.edges {
            let (Some(a), Some(b)) = (self.find(&edge.from), self.find(&edge.to)) else {
                continue;
            };
            let marked = marks.path.contains(&edge.from) && marks.path.contains(&edge.to);
            let stroke = if marked { "#1e7d32" } else { "#555" };
            let width = if marked { 2.5 } else { 1.2 };
            match edge.kind {
                "peering" => {
                    // A bow on the VNets' left side.
                    let (y1, y2) = (a.y + 20, b.y + 20);
                    let bend = a.x - 40 - ((y2 - y1).abs() / 20).min(60);
                    let _ = write!(
                        o,
                        "<path class=\"edge peering\" d=\"M{x},{y1} C{bend},{y1} {bend},{y2} {x},{y2}\" \
fill=\"none\" stroke=\"{stroke}\" stroke-width=\"{width}\" stroke-dasharray=\"6 4\">\
<title>peering {} ↔ {}</title></path>",
                        esc(&edge.from),
                        esc(&edge.to),
                        x = a.x
                    );
                }
                _ => {
                    let (x1, y1, x2, y2) = if a.x < b.x {
                        (a.x + a.w, a.y + a.h / 2, b.x, b.y + b.h / 2)
                    } else {
                        (a.x, a.y + a.h / 2, b.x + b.w, b.y + b.h / 2)
                    };
                    let _ = write!(
                        o,
                        "<line class=\"edge {}\" x1=\"{x1}\" y1=\"{y1}\" x2=\"{x2}\" y2=\"{y2}\" \
stroke=\"{stroke}\" stroke-width=\"{width}\" marker-end=\"url(#arrow)\"{}>\
<title>{} → {}: {}</title></line>",
                        edge.kind,
                        if edge.kind == "connection" {
                            " stroke-dasharray=\"4 3\""
                        } else {
                            ""
                        },
                        esc(&edge.from),
                        esc(&edge.to),
                        esc(&edge.label)
                    );
                }
            }
        }
        o + "</svg>"
    }

    /// The properties of every element, by key, as a JSON text safe inside a `<script>`.
    pub fn props_json(&self) -> String {
        let map: BTreeMap<&str, &Value> = self
            .elements
            .iter()
            .map(|e| (e.key.as_str(), &e.props))
            .collect();
        serde_json::to_string(&map)
            .unwrap_or_else(|_| "{}".into())
            .replace("</", "<\\/")
    }
}

/// What sits in each subnet (by `vnet/subnet`), and what in no subnet; each private endpoint
/// is joined to its target.
fn placed(m: &Model, edges: &mut Vec<Edge>) -> (BTreeMap<String, Vec<Node>>, Vec<Node>) {
    let t = &m.loaded.topology;
    let mut inside: BTreeMap<String, Vec<Node>> = BTreeMap::new();
    let mut outside: Vec<Node> = Vec::new();
    let ix = t.index();
    // An address Azure assigns shows as the range it comes from.
    let addressing = moat_model::Addressing::new(t, &ix);
    for pe in &t.private_endpoints {
        inside.entry(pe.subnet.clone()).or_default().push(Node {
            key: format!("private-endpoint/{}", pe.name),
            kind: "private-endpoint",
            label: format!("PE {}", pe.name),
            detail: t
                .endpoint_address(&addressing, pe)
                .map(|i| i.to_string())
                .unwrap_or_default(),
            props: props(m, pe),
        });
        if let Some(to) = target_key(&pe.target) {
            edges.push(Edge {
                from: format!("private-endpoint/{}", pe.name),
                to,
                kind: "private-link",
                label: format!("{} ({})", pe.group_id, pe.connection_state),
            });
        }
    }
    for c in &t.computes {
        let n = Node {
            key: format!("compute/{}", c.name),
            kind: "compute",
            label: format!("{} {}", c.compute_type, c.name),
            detail: String::new(),
            props: props(m, c),
        };
        match &c.subnet {
            Some(s) => inside.entry(s.clone()).or_default().push(n),
            None => outside.push(n),
        }
    }
    for a in &t.aks_clusters {
        let n = Node {
            key: format!("aks/{}", a.name),
            kind: "aks",
            label: format!("AKS {}", a.name),
            detail: String::new(),
            props: props(m, a),
        };
        match &a.subnet {
            Some(s) => inside.entry(s.clone()).or_default().push(n),
            None => outside.push(n),
        }
    }
    for vm in &t.virtual_machines {
        if let Some(nic) = vm
            .network_interfaces
            .first()
            .and_then(|n| ix.network_interfaces.get(n))
            .map(|&i| &t.network_interfaces[i])
        {
            inside.entry(nic.subnet.clone()).or_default().push(Node {
                key: format!("vm/{}", vm.name),
                kind: "vm",
                label: format!("VM {}", vm.name),
                detail: t
                    .nic_address(&addressing, nic)
                    .map(|i| i.to_string())
                    .unwrap_or_default(),
                props: props(m, vm),
            });
        }
    }
    for f in &t.firewalls {
        inside
            .entry(format!("{}/AzureFirewallSubnet", f.vnet))
            .or_default()
            .push(Node {
                key: format!("firewall/{}", f.name),
                kind: "firewall",
                label: format!("Firewall {}", f.name),
                detail: f
                    .private_ip_address
                    .map(|i| i.to_string())
                    .unwrap_or_default(),
                props: props(m, f),
            });
    }
    for b in &t.bastion_hosts {
        inside
            .entry(format!("{}/AzureBastionSubnet", b.vnet))
            .or_default()
            .push(Node {
                key: format!("bastion/{}", b.name),
                kind: "bastion",
                label: format!("Bastion {}", b.name),
                detail: String::new(),
                props: props(m, b),
            });
    }
    for g in &t.virtual_network_gateways {
        inside
            .entry(format!("{}/GatewaySubnet", g.vnet))
            .or_default()
            .push(Node {
                key: format!("gateway/{}", g.name),
                kind: "gateway",
                label: format!("{} gateway {}", g.gateway_type, g.name),
                detail: String::new(),
                props: props(m, g),
            });
    }
    (inside, outside)
}

/// The VNets, one under another, each with its subnets and what sits in them, and the peerings
/// between them; returns where they end. What is left in `inside` sits in VNets the input
/// does not declare.
fn vnets(
    m: &Model,
    vnet_x: i64,
    inside: &mut BTreeMap<String, Vec<Node>>,
    elements: &mut Vec<Element>,
    edges: &mut Vec<Edge>,
) -> i64 {
    let t = &m.loaded.topology;
    // The VNets, one under another, each with its subnets.
    let per_row = ((VNET_W - 40 + GAP) / (NODE_W + GAP)).max(1) as usize;
    let mut y = 20;
    for v in &t.virtual_networks {
        let mut names: Vec<String> = v.subnets.iter().map(|s| s.name.clone()).collect();
        // Subnets that only the placed elements name (a firewall's, a gateway's).
        for k in inside.keys() {
            if let Some((vn, sn)) = k.split_once('/')
                && vn == v.name
                && !names.iter().any(|n| n == sn)
            {
                names.push(sn.to_string());
            }
        }
        let top = y;
        y += 30;
        let mut subnet_elems = Vec::new();
        for sn in &names {
            let key = format!("{}/{sn}", v.name);
            let nodes = inside.remove(&key).unwrap_or_default();
            let rows = nodes.len().div_ceil(per_row).max(1) as i64;
            let h = 24 + rows * (NODE_H + GAP);
            let subnet = v.subnets.iter().find(|s| &s.name == sn);
            let mut aliases = Vec::new();
            if let Some(s) = subnet {
                if let Some(n) = &s.network_security_group {
                    aliases.push(format!("nsg/{n}"));
                }
                if let Some(r) = &s.route_table {
                    aliases.push(format!("route-table/{r}"));
                }
                if let Some(n) = &s.nat_gateway {
                    aliases.push(format!("nat-gateway/{n}"));
                }
            }
            subnet_elems.push(Element {
                key: format!("subnet/{key}"),
                aliases,
                kind: "subnet",
                label: sn.clone(),
                detail: subnet
                    .map(|s| {
                        s.address_prefixes
                            .iter()
                            .map(|p| p.0.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_default(),
                x: vnet_x + 10,
                y,
                w: VNET_W - 20,
                h,
                props: subnet.map(|s| props(m, s)).unwrap_or(Value::Null),
            });
            for (i, n) in nodes.into_iter().enumerate() {
                let (row, col) = ((i / per_row) as i64, (i % per_row) as i64);
                subnet_elems.push(Element {
                    key: n.key,
                    aliases: Vec::new(),
                    kind: n.kind,
                    label: n.label,
                    detail: n.detail,
                    x: vnet_x + 20 + col * (NODE_W + GAP),
                    y: y + 22 + row * (NODE_H + GAP),
                    w: NODE_W,
                    h: NODE_H,
                    props: n.props,
                });
            }
            y += h + GAP;
        }
        let mut vnet_props = props(m, v);
        // The subnets are elements of their own.
        if let Some(o) = vnet_props.as_object_mut() {
            o.remove("subnets");
        }
        elements.push(Element {
            key: format!("vnet/{}", v.name),
            aliases: Vec::new(),
            kind: "vnet",
            label: format!("VNet {}", v.name),
            detail: v
                .address_space
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            x: vnet_x,
            y: top,
            w: VNET_W,
            h: y - top,
            props: vnet_props,
        });
        elements.extend(subnet_elems);
        y += 30;
        for p in &v.peerings {
            // Each peering once, from the side that sorts first (or the only side).
            let both = t.virtual_networks.iter().any(|o| {
                o.name == p.remote_vnet && o.peerings.iter().any(|q| q.remote_vnet == v.name)
            });
            if v.name < p.remote_vnet || !both {
                edges.push(Edge {
                    from: format!("vnet/{}", v.name),
                    to: format!("vnet/{}", p.remote_vnet),
                    kind: "peering",
                    label: "peering".into(),
                });
            }
        }
    }
    y
}

/// The PaaS resources, then what sits in no declared VNet, down the right column; returns
/// where the column ends.
fn paas(m: &Model, right_x: i64, outside: Vec<Node>, elements: &mut Vec<Element>) -> i64 {
    let t = &m.loaded.topology;
    let mut right: Vec<Node> = Vec::new();
    for w in &t.workspaces {
        right.push(Node {
            key: format!("workspace/{}", w.name),
            kind: "workspace",
            label: format!("Workspace {}", w.name),
            detail: format!("public {}", w.public_network_access),
            props: props(m, w),
        });
    }
    for r in &t.registries {
        right.push(Node {
            key: format!("registry/{}", r.name),
            kind: "registry",
            label: format!("Registry {}", r.name),
            detail: format!("public {}", r.public_network_access),
            props: props(m, r),
        });
    }
    for s in &t.storage_accounts {
        right.push(Node {
            key: format!("storage/{}", s.name),
            kind: "storage",
            label: format!("Storage {}", s.name),
            detail: format!("public {}", s.public_network_access),
            props: props(m, s),
        });
    }
    for k in &t.key_vaults {
        right.push(Node {
            key: format!("keyvault/{}", k.name),
            kind: "keyvault",
            label: format!("Key vault {}", k.name),
            detail: format!("public {}", k.public_network_access),
            props: props(m, k),
        });
    }
    for a in &t.container_registries {
        right.push(Node {
            key: format!("acr/{}", a.name),
            kind: "acr",
            label: format!("ACR {}", a.name),
            detail: format!("public {}", a.public_network_access),
            props: props(m, a),
        });
    }
    right.extend(outside);
    let mut ry = 20;
    for n in right {
        elements.push(Element {
            key: n.key,
            aliases: Vec::new(),
            kind: n.kind,
            label: n.label,
            detail: n.detail,
            x: right_x,
            y: ry,
            w: SIDE_W + 30,
            h: NODE_H,
            props: n.props,
        });
        ry += NODE_H + GAP + 4;
    }
    ry
}

/// On-premises sites, by their local network gateways, down the left column, joined to the
/// gateways connected to them; returns where the column ends.
fn sites(m: &Model, elements: &mut Vec<Element>, edges: &mut Vec<Edge>) -> i64 {
    let t = &m.loaded.topology;
    // On-premises sites, by their local network gateways.
    let mut ly = 20;
    for l in &t.local_network_gateways {
        elements.push(Element {
            key: format!("onprem/{}", l.name),
            aliases: vec![format!("local-network-gateway/{}", l.name)],
            kind: "onprem",
            label: format!("On-premises {}", l.name),
            detail: String::new(),
            x: 20,
            y: ly,
            w: SIDE_W,
            h: NODE_H,
            props: props(m, l),
        });
        ly += NODE_H + GAP + 4;
    }
    for c in &t.connections {
        if let Some(l) = &c.local_network_gateway {
            edges.push(Edge {
                from: format!("gateway/{}", c.virtual_network_gateway),
                to: format!("onprem/{l}"),
                kind: "connection",
                label: c.connection_type.to_string(),
            });
        }
    }
    ly
}

#[cfg(test)]
mod tests {
    use super::fit;

    #[test]
    fn long_labels_are_cut_to_their_box() {
        assert_eq!(fit("PE ws-pe", 140), "PE ws-pe");
        let cut = fit("PE contosoreg-storage-pe-with-a-long-name", 140);
        assert!(cut.ends_with('…') && cut.chars().count() == 19, "{cut}");
    }
}
