//! `moat show`: what a deployment holds, and each workspace's isolation posture at a glance.

use crate::style::Style;
use moat_model::address::{Address, Kind};
use moat_model::enums::{DefaultAction, IsolationMode, PublicNetworkAccess};
use moat_model::{Index, Topology, Unknown, Unmodelled};
use serde::Serialize;
use std::fmt::Write;

/// The inventory of a deployment.
#[derive(Debug, Serialize)]
pub struct Inventory<'a> {
    pub name: Option<&'a str>,
    pub format: &'a str,
    /// Resource counts per kind.
    pub counts: Vec<Count>,
    pub workspaces: Vec<WorkspacePosture>,
    pub registries: Vec<RegistryPosture>,
    /// Elements the input refers to but does not declare (`vnet/hub`, `subnet/hub/pe`): they
    /// exist, their properties are unknown.
    pub external: Vec<String>,
    /// Values the importer could not resolve.
    pub unknowns: &'a [Unknown],
    /// Resources that may or may not be deployed (counted in `counts` as present).
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub may_exist: &'a [moat_model::presence::MayExist],
    /// Resource types present but not modelled, with how many of each.
    pub unmodelled: Vec<Count>,
}

/// A count of one kind.
#[derive(Debug, Serialize)]
pub struct Count {
    pub kind: String,
    pub count: usize,
}

/// One workspace's isolation posture.
#[derive(Debug, Serialize)]
pub struct WorkspacePosture {
    pub name: String,
    pub region: Option<String>,
    /// `Enabled (all networks)`, `Enabled (selected IPs: n)` or `Disabled`.
    pub public_access: String,
    /// Private endpoints to the workspace: `name in vnet/subnet (state)`.
    pub private_endpoints: Vec<String>,
    /// Where the input leaves the workspace's private endpoints open, or a project takes its
    /// hub's: what to say instead of "no private endpoint".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_endpoints_note: Option<String>,
    /// `managed network: AllowOnlyApprovedOutbound (3 user rules)`, `custom VNet`, `no VNet`.
    pub outbound: String,
    pub computes: Vec<String>,
    /// One line per dependency: storage, key vault, container registry.
    pub dependencies: Vec<String>,
    pub image_build_compute: Option<String>,
    /// Where the input leaves `image_build_compute` open (it names none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_build_open: Option<String>,
    pub registries: Vec<String>,
}

/// One registry's posture.
#[derive(Debug, Serialize)]
pub struct RegistryPosture {
    pub name: String,
    pub public_access: String,
    pub private_endpoints: Vec<String>,
    /// Where the input leaves the registry's private endpoints open.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_endpoints_note: Option<String>,
    pub managed_storage: String,
    pub managed_acr: String,
}

fn pna(p: PublicNetworkAccess) -> &'static str {
    match p {
        PublicNetworkAccess::Enabled => "Enabled",
        PublicNetworkAccess::Disabled => "Disabled",
        PublicNetworkAccess::SecuredByPerimeter => "SecuredByPerimeter",
    }
}

/// The private endpoints that connect to resource `kind`/`name` (sub-resource `sub`, for a
/// registry's managed storage or ACR), found through the model's index of endpoint targets.
fn endpoints_to(
    t: &Topology,
    ix: &Index,
    kind: Kind,
    name: &str,
    sub: Option<&str>,
) -> Vec<String> {
    ix.endpoints_of(t, kind, name)
        .filter(|p| is_resource(&p.target, kind, name, sub))
        .map(|p| {
            let external = if moat_model::external::is_external_subnet(t, ix, &p.subnet) {
                " (external subnet, address unknown)"
            } else {
                ""
            };
            format!(
                "{} [{}] in {}{external} ({})",
                p.name, p.group_id, p.subnet, p.connection_state
            )
        })
        .collect()
}

fn is_resource(a: &Address, kind: Kind, name: &str, sub: Option<&str>) -> bool {
    matches!(a, Address::Resource { kind: k, name: n, sub: s } if *k == kind && n == name && s.as_deref() == sub)
}

/// Builds the inventory of a topology.
pub fn inventory<'a>(t: &'a Topology, format: &'a str) -> Inventory<'a> {
    let counts = t
        .counts()
        .into_iter()
        .map(|(k, n)| Count {
            kind: k.to_string(),
            count: n,
        })
        .collect();
    let ix = t.index();
    let mut workspaces = Vec::new();
    for w in &t.workspaces {
        let public_access = match (w.public_network_access, &w.network_acls) {
            (PublicNetworkAccess::Disabled, _) => "Disabled".to_string(),
            (_, Some(acl)) if acl.default_action == DefaultAction::Deny => {
                let n = acl.ip_rules.len();
                format!(
                    "Enabled from selected IP addresses ({n} range{})",
                    if n == 1 { "" } else { "s" }
                )
            }
            _ => "Enabled from all networks".to_string(),
        };
        let resource = format!("workspace/{}", w.name);
        // A setting the input leaves open is never shown as a value (an `az ml workspace
        // update` spec keeps what it does not set): it is not decided, with its worst case.
        // An IP allow list the input leaves open matters only while public access may be on.
        let open_access = t
            .is_unknown(&resource, "public_network_access")
            .or_else(|| {
                (w.public_network_access != PublicNetworkAccess::Disabled)
                    .then(|| t.is_unknown(&resource, "network_acls"))
                    .flatten()
            });
        let public_access = match open_access {
            Some(u) => format!(
                "not decided (at worst {}): {}",
                if w.public_network_access == PublicNetworkAccess::Disabled {
                    "Enabled from all networks"
                } else {
                    public_access.as_str()
                },
                u.reason
            ),
            None => public_access,
        };
        let private_endpoints = endpoints_to(t, &ix, Kind::Workspace, &w.name, None);
        // A project is reached through its hub's private endpoints (facts §6 item 99).
        let private_endpoints_note = match (&w.hub, t.is_unknown(&resource, "private_endpoints")) {
            (Some(hub), _) if private_endpoints.is_empty() => {
                Some(format!("private endpoints: those of hub {hub}"))
            }
            (_, Some(u)) if u.field == "private_endpoints" => Some(format!(
                "private endpoints{}: unknown ({})",
                if private_endpoints.is_empty() {
                    ""
                } else {
                    " beyond these"
                },
                u.reason
            )),
            _ => None,
        };
        let computes: Vec<_> = ix.computes_of(t, &w.name).collect();
        let rules_open = t
            .is_unknown(&resource, "managed_network.outbound_rules")
            .is_some();
        let outbound = match w.managed_network.isolation_mode {
            IsolationMode::Disabled => {
                if computes.iter().any(|c| c.subnet.is_some()) {
                    "custom VNet".to_string()
                } else if computes.is_empty() {
                    "no computes declared".to_string()
                } else {
                    "no VNet (computes on Azure's network)".to_string()
                }
            }
            mode => {
                // A deployed workspace lists the rules Azure adds itself (category Required)
                // beside the user's.
                let rules = &w.managed_network.outbound_rules;
                let required = rules
                    .iter()
                    .filter(|r| {
                        r.category == Some(moat_model::enums::OutboundRuleCategory::Required)
                    })
                    .count();
                let n = rules.len() - required;
                let azure = if required > 0 {
                    format!(", {required} Azure requires")
                } else {
                    String::new()
                };
                // An update spec keeps the rules it does not name.
                let others = if rules_open { ", others unknown" } else { "" };
                format!(
                    "managed network {mode} ({n} user rule{}{azure}{others})",
                    if n == 1 { "" } else { "s" }
                )
            }
        };
        let computes = computes
            .iter()
            .map(|c| {
                let place = match (&c.subnet, w.managed_network.enabled()) {
                    (Some(s), _) => s.clone(),
                    (None, true) => "managed network".into(),
                    (None, false) => "no VNet".into(),
                };
                format!(
                    "{} {} in {}, {}",
                    c.compute_type,
                    c.name,
                    place,
                    if c.enable_node_public_ip {
                        "public IP"
                    } else {
                        "no public IP"
                    }
                )
            })
            .collect();
        let mut dependencies = Vec::new();
        if let Some(s) = &w.storage_account {
            let line = match ix.storage_accounts.get(s).map(|&i| &t.storage_accounts[i]) {
                Some(sa) => {
                    let pes: Vec<String> = ix
                        .endpoints_of(t, Kind::Storage, s)
                        .filter(|p| is_resource(&p.target, Kind::Storage, s, None))
                        .map(|p| p.group_id.clone())
                        .collect();
                    format!(
                        "storage {s}: public {}, default action {}, private endpoints {}",
                        pna(sa.public_network_access),
                        sa.network_rules.default_action,
                        if pes.is_empty() {
                            "0".to_string()
                        } else {
                            format!("[{}]", pes.join(", "))
                        }
                    )
                }
                None => format!("storage {s}: not in the input"),
            };
            dependencies.push(line);
        }
        if let Some(k) = &w.key_vault {
            let line = match ix.key_vaults.get(k).map(|&i| &t.key_vaults[i]) {
                // The firewall's default action while public access is on: "public Enabled"
                // alone reads as open where the vault admits only its network rules.
                Some(kv) => format!(
                    "key vault {k}: public {}{}, private endpoints {}",
                    pna(kv.public_network_access),
                    if kv.public_network_access == PublicNetworkAccess::Disabled {
                        String::new()
                    } else {
                        format!(", default action {}", kv.network_acls.default_action)
                    },
                    endpoints_to(t, &ix, Kind::Keyvault, k, None).len()
                ),
                None => format!("key vault {k}: not in the input"),
            };
            dependencies.push(line);
        }
        match &w.container_registry {
            Some(a) => {
                let line = match ix
                    .container_registries
                    .get(a)
                    .map(|&i| &t.container_registries[i])
                {
                    Some(acr) => format!(
                        "container registry {a}: {}, public {}, private endpoints {}",
                        acr.sku,
                        pna(acr.public_network_access),
                        endpoints_to(t, &ix, Kind::Acr, a, None).len()
                    ),
                    None => format!("container registry {a}: not in the input"),
                };
                dependencies.push(line);
            }
            // A project uses its hub's dependent resources (Manage, collaborate, and organize
            // with hubs: "set up once per hub and associated projects").
            None => dependencies.push(
                match (&w.hub, t.is_unknown(&resource, "container_registry")) {
                    (Some(hub), _) => format!("container registry: that of hub {hub}"),
                    (None, Some(u)) => format!("container registry: unknown ({})", u.reason),
                    (None, None) => {
                        "container registry: none yet (Azure creates one on first use)".into()
                    }
                },
            ),
        }
        // An image build compute the input leaves open is not serverless: say so.
        let image_build_open = match (
            &w.image_build_compute,
            t.is_unknown(&resource, "image_build_compute"),
        ) {
            (None, Some(u)) => Some(format!("unknown ({})", u.reason)),
            _ => None,
        };
        workspaces.push(WorkspacePosture {
            name: w.name.clone(),
            region: w.region.clone(),
            public_access,
            private_endpoints,
            private_endpoints_note,
            outbound,
            computes,
            dependencies,
            image_build_compute: w.image_build_compute.clone(),
            image_build_open,
            registries: w.uses_registries.clone(),
        });
    }
    let registries = t
        .registries
        .iter()
        .map(|r| {
            let open = t
                .is_unknown(&format!("registry/{}", r.name), "private_endpoints")
                .filter(|u| u.field == "private_endpoints");
            // Those to the managed storage and container registry are open with the rest.
            let managed = |m: &moat_model::ml::RegistryManagedResource, sub: &str| {
                let n = endpoints_to(t, &ix, Kind::Registry, &r.name, Some(sub)).len();
                format!(
                    "public {}, private endpoints {}",
                    m.public_network_access.map(pna).unwrap_or("Enabled"),
                    match (open, n) {
                        (Some(_), 0) => "unknown".to_string(),
                        (Some(_), n) => format!("{n} and others unknown"),
                        (None, n) => n.to_string(),
                    }
                )
            };
            RegistryPosture {
                name: r.name.clone(),
                public_access: pna(r.public_network_access).to_string(),
                private_endpoints: endpoints_to(t, &ix, Kind::Registry, &r.name, None),
                private_endpoints_note: open
                    .map(|u| format!("private endpoints: unknown ({})", u.reason)),
                managed_storage: managed(&r.storage, "storage"),
                managed_acr: managed(&r.acr, "acr"),
            }
        })
        .collect();
    let mut unmodelled: Vec<Count> = Vec::new();
    for u in &t.unmodelled {
        let u: &Unmodelled = u;
        match unmodelled.iter_mut().find(|c| c.kind == u.resource_type) {
            Some(c) => c.count += 1,
            None => unmodelled.push(Count {
                kind: u.resource_type.clone(),
                count: 1,
            }),
        }
    }
    unmodelled.sort_by(|a, b| a.kind.cmp(&b.kind));
    Inventory {
        name: t.name.as_deref(),
        format,
        counts,
        workspaces,
        registries,
        external: moat_model::external::list(t),
        unknowns: &t.unknowns,
        may_exist: &t.may_exist,
        unmodelled,
    }
}

/// Renders the inventory for a terminal.
pub fn render_text(inv: &Inventory, style: Style) -> String {
    let mut o = String::new();
    let title = inv.name.unwrap_or("deployment");
    let _ = writeln!(o, "{} ({} input)", style.bold(title), inv.format);
    let _ = writeln!(o);
    let _ = writeln!(o, "{}", style.bold("Resources"));
    let width = inv.counts.iter().map(|c| c.kind.len()).max().unwrap_or(0);
    for c in &inv.counts {
        let _ = writeln!(o, "  {:<width$}  {:>6}", c.kind, c.count);
    }
    for w in &inv.workspaces {
        let _ = writeln!(o);
        let region = w
            .region
            .as_deref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default();
        let _ = writeln!(
            o,
            "{}{region}",
            style.bold(&format!("Workspace {}", w.name))
        );
        let access = if w.public_access == "Disabled" {
            style.good(&w.public_access)
        } else {
            style.warn(&w.public_access)
        };
        let _ = writeln!(o, "  inbound     public network access {access}");
        if w.private_endpoints.is_empty() && w.private_endpoints_note.is_none() {
            let _ = writeln!(o, "              no private endpoint");
        }
        for p in &w.private_endpoints {
            let _ = writeln!(o, "              private endpoint {p}");
        }
        if let Some(n) = &w.private_endpoints_note {
            let _ = writeln!(o, "              {n}");
        }
        let _ = writeln!(o, "  outbound    {}", w.outbound);
        for c in &w.computes {
            let _ = writeln!(o, "  compute     {c}");
        }
        for d in &w.dependencies {
            let _ = writeln!(o, "  depends on  {d}");
        }
        match &w.image_build_compute {
            Some(c) => {
                let _ = writeln!(o, "  image build {c}");
            }
            None => match &w.image_build_open {
                Some(open) => {
                    let _ = writeln!(o, "  image build {open}");
                }
                None => {
                    let _ = writeln!(o, "  image build serverless (image_build_compute not set)");
                }
            },
        }
        if !w.registries.is_empty() {
            let _ = writeln!(o, "  registries  {}", w.registries.join(", "));
        }
    }
    for r in &inv.registries {
        let _ = writeln!(o);
        let _ = writeln!(o, "{}", style.bold(&format!("Registry {}", r.name)));
        let _ = writeln!(o, "  inbound     public network access {}", r.public_access);
        for p in &r.private_endpoints {
            let _ = writeln!(o, "              private endpoint {p}");
        }
        if let Some(n) = &r.private_endpoints_note {
            let _ = writeln!(o, "              {n}");
        }
        let _ = writeln!(o, "  storage     {}", r.managed_storage);
        let _ = writeln!(o, "  acr         {}", r.managed_acr);
    }
    if !inv.external.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "{}",
            style.warn(&format!(
                "External: referred to, not declared ({}); their properties are unknown",
                inv.external.len()
            ))
        );
        for e in &inv.external {
            let _ = writeln!(o, "  {e}");
        }
    }
    if !inv.unknowns.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "{}",
            style.warn(&format!("Unknown values ({})", inv.unknowns.len()))
        );
        for u in inv.unknowns {
            let _ = writeln!(
                o,
                "  {} {}: {}  {}",
                u.resource,
                u.field,
                u.reason,
                style.dim(&u.at.to_string())
            );
        }
    }
    if !inv.may_exist.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "{}",
            style.warn(&format!(
                "May or may not be deployed ({}; analysed both ways)",
                inv.may_exist.len()
            ))
        );
        for m in inv.may_exist {
            let _ = writeln!(
                o,
                "  {}: {}  {}",
                m.resource,
                m.reason,
                style.dim(&m.at.to_string())
            );
        }
    }
    if !inv.unmodelled.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(o, "{}", style.warn("Present but not modelled"));
        for c in &inv.unmodelled {
            let _ = writeln!(o, "  {} ×{}", c.kind, c.count);
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Manage, collaborate, and organize with hubs: "Dependent Azure resources are set up once
    /// per hub and associated projects". A project naming no container registry uses its hub's;
    /// Azure creates none for it.
    #[test]
    fn a_project_depends_on_its_hubs_registry() {
        let t: Topology = serde_json::from_str(
            r#"{"workspaces": [
                {"name": "hub", "kind": "Hub", "container_registry": "acr"},
                {"name": "proj", "kind": "Project", "hub": "hub"},
                {"name": "alone"}
            ]}"#,
        )
        .unwrap();
        let inv = inventory(&t, "native");
        let deps = |n: &str| {
            inv.workspaces
                .iter()
                .find(|w| w.name == n)
                .unwrap()
                .dependencies
                .clone()
        };
        assert!(
            deps("proj").iter().any(|d| d.contains("hub hub")),
            "{:?}",
            deps("proj")
        );
        assert!(deps("proj").iter().all(|d| !d.contains("none yet")));
        assert!(deps("alone").iter().any(|d| d.contains("none yet")));
    }
}
