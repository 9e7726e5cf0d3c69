//! What a destination address points at: the host name a trace resolves, the resource whose
//! private endpoints and firewall serve it, or the address it stands for.

use super::Target;
use crate::engine::Engine;
use moat_model::PrivateIp;
use moat_model::Topology;
use moat_model::address::{Address, Kind};
use moat_net::names;

impl Target {
    /// A destination known only by its label; the other fields are set by the caller.
    fn bare(label: impl Into<String>) -> Target {
        Target {
            label: label.into(),
            fqdn: None,
            owner: None,
            group: None,
            ip: None,
            tag: None,
            served_by: None,
            external_subnet: None,
            external_target: None,
        }
    }

    /// A resource reached by its host name `n`.
    fn named(n: names::ResourceName, owner: Address) -> Target {
        Target {
            fqdn: Some(n.fqdn),
            group: Some(n.group_id.to_string()),
            owner: Some(owner.clone()),
            ..Target::bare(owner.to_string())
        }
    }
}

fn missing(what: &str, name: &str) -> String {
    format!("{what} `{name}` is not in the topology")
}

fn region(r: &Option<String>) -> String {
    names::region_label(r.as_deref()).to_string()
}

/// What destination `to` points at.
pub(super) fn target(e: &Engine, to: &Address) -> Result<Target, String> {
    Ok(match to {
        Address::Internet => Target::bare("the internet"),
        Address::Ip(ip) => Target {
            ip: Some(PrivateIp::Static(*ip)),
            ..Target::bare(ip.to_string())
        },
        Address::Tag(tag) => Target {
            tag: Some(tag.clone()),
            ..Target::bare(format!("service tag {tag}"))
        },
        Address::Fqdn(f) => Target {
            fqdn: Some(f.clone()),
            owner: e.dns.owner(f).cloned(),
            group: e.dns.resource_name(f).map(|n| n.group_id.to_string()),
            external_target: e
                .dns
                .owner(f)
                .is_none()
                .then(|| e.external_targets.get(&f.to_ascii_lowercase()).cloned())
                .flatten(),
            ..Target::bare(f.clone())
        },
        Address::Subnet { vnet, subnet } => subnet_target(e.t, e, &format!("{vnet}/{subnet}"))?,
        Address::Resource { kind, name, sub } => {
            resource_target(e, to, *kind, name, sub.as_deref())?
        }
    })
}

/// A subnet: a node in it, at whichever of its free addresses Azure gives the node (a
/// compute's nodes get theirs as any endpoint without a static address does). An external
/// subnet's addresses are unknown.
fn subnet_target(t: &Topology, e: &Engine, key: &str) -> Result<Target, String> {
    let (vi, si) = e.subnet_at(key).ok_or_else(|| missing("subnet", key))?;
    let s = &t.virtual_networks[vi].subnets[si];
    let ip = e
        .dns
        .addressing()
        .address(t, key, None, format!("subnet/{key}"));
    Ok(Target {
        ip,
        external_subnet: s.external.then(|| key.to_string()),
        ..Target::bare(format!("subnet {key}"))
    })
}

/// A resource of the deployment, by kind.
fn resource_target(
    e: &Engine,
    to: &Address,
    kind: Kind,
    name: &str,
    sub: Option<&str>,
) -> Result<Target, String> {
    let t = e.t;
    let ix = &e.ix;
    Ok(match kind {
        Kind::Workspace => {
            if let Some(hub) = names::hub_outside(t, ix, name) {
                return Ok(outside_hub(to, name, hub));
            }
            // A project is reached by its hub's names and endpoints (facts §6 item 99).
            let w =
                names::network_workspace(t, ix, name).ok_or_else(|| missing("workspace", name))?;
            let guid = w.workspace_id.clone().unwrap_or_default();
            let n = if sub == Some("notebooks") {
                names::workspace_notebooks(&w.name, &guid, &region(&w.region))
            } else {
                names::workspace_api(&guid, &region(&w.region))
            };
            let mut tg = Target::named(n, to.clone());
            if w.name != name {
                tg.served_by = Some(Address::resource(Kind::Workspace, &w.name));
            }
            tg
        }
        Kind::Registry => {
            let r = &t.registries[*ix
                .registries
                .get(name)
                .ok_or_else(|| missing("registry", name))?];
            let n = match sub {
                Some("storage") => {
                    names::storage(&names::registry_managed_name(r, "storage"), "blob")
                }
                Some("acr") => names::acr(&names::registry_managed_name(r, "acr")),
                _ => names::registry_api(
                    r.registry_id.as_deref().unwrap_or_default(),
                    &region(&r.region),
                ),
            };
            Target::named(n, to.clone())
        }
        Kind::Storage => {
            ix.storage_accounts
                .get(name)
                .ok_or_else(|| missing("storage account", name))?;
            let sub = sub.unwrap_or("blob");
            Target::named(
                names::storage(name, sub),
                Address::resource(Kind::Storage, name).with_sub(sub),
            )
        }
        Kind::Keyvault => {
            ix.key_vaults
                .get(name)
                .ok_or_else(|| missing("key vault", name))?;
            Target::named(names::key_vault(name), to.clone())
        }
        Kind::Acr => {
            ix.container_registries
                .get(name)
                .ok_or_else(|| missing("container registry", name))?;
            Target::named(names::acr(name), to.clone())
        }
        Kind::OnlineEndpoint => {
            // Scoring enters through the workspace private endpoint (seed 004).
            let ep = &t.online_endpoints[*ix
                .online_endpoints
                .get(name)
                .ok_or_else(|| missing("online endpoint", name))?];
            if let Some(hub) = names::hub_outside(t, ix, &ep.workspace) {
                return Ok(outside_hub(to, &ep.workspace, hub));
            }
            let w = names::network_workspace(t, ix, &ep.workspace)
                .ok_or_else(|| missing("workspace", &ep.workspace))?;
            let n = names::endpoint_scoring(t, ix, ep)
                .ok_or_else(|| missing("workspace", &ep.workspace))?;
            let mut tg = Target::named(n, to.clone());
            tg.served_by = Some(Address::resource(Kind::Workspace, &w.name));
            tg
        }
        Kind::Vm => vm_target(t, e, name)?,
        Kind::PrivateEndpoint => {
            // Reached at its address, whatever serves behind it (a sweep asks so).
            let pe = &t.private_endpoints[*ix
                .private_endpoints
                .get(name)
                .ok_or_else(|| missing("private endpoint", name))?];
            let ip = t
                .endpoint_address(e.dns.addressing(), pe)
                .ok_or_else(|| format!("private endpoint {name} has no known address"))?;
            Target {
                label: format!("private endpoint {name} ({ip})"),
                ip: Some(ip),
                ..Target::bare("")
            }
        }
        Kind::Compute | Kind::Aks => node_target(t, e, kind, name)?,
        other => return Err(format!("{other} cannot be a destination")),
    })
}

/// A target reached through the network of `hub`, the hub of project `project` that the
/// input does not declare: what it accepts is unknown (the walk stops at the destination).
fn outside_hub(to: &Address, project: &str, hub: &str) -> Target {
    let a = Address::resource(Kind::Workspace, hub);
    Target {
        label: format!("{to} (through hub {hub} of project {project})"),
        owner: Some(to.clone()),
        external_target: Some(a),
        ..Target::bare(String::new())
    }
}

/// A virtual machine, by the private address of its first network interface.
fn vm_target(t: &Topology, e: &Engine, name: &str) -> Result<Target, String> {
    let ix = &e.ix;
    let vm = &t.virtual_machines[*ix
        .virtual_machines
        .get(name)
        .ok_or_else(|| missing("virtual machine", name))?];
    let ip = vm
        .network_interfaces
        .first()
        .and_then(|n| ix.network_interfaces.get(n))
        .and_then(|&i| t.nic_address(e.dns.addressing(), &t.network_interfaces[i]))
        .ok_or_else(|| format!("VM {name} has no private address"))?;
    Ok(Target {
        label: format!("VM {name} ({ip})"),
        ip: Some(ip),
        ..Target::bare("")
    })
}

/// A compute or AKS cluster: a node of the subnet it runs in.
fn node_target(t: &Topology, e: &Engine, kind: Kind, name: &str) -> Result<Target, String> {
    let ix = &e.ix;
    let subnet = if kind == Kind::Compute {
        let i = *ix
            .computes
            .get(name)
            .ok_or_else(|| missing("compute", name))?;
        t.computes.get(i).and_then(|c| c.subnet.clone())
    } else {
        let i = *ix
            .aks_clusters
            .get(name)
            .ok_or_else(|| missing("aks cluster", name))?;
        t.aks_clusters.get(i).and_then(|c| c.subnet.clone())
    };
    let subnet = subnet.ok_or_else(|| format!("{kind} {name} is not in a customer subnet"))?;
    let mut tg = subnet_target(t, e, &subnet)?;
    tg.label = format!("{kind} {name} (a node in {subnet})");
    Ok(tg)
}
