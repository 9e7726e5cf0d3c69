//! Names: resolving the destination from the source's place, and the public addresses a name stands for.

use super::{Code, Dst, Hop, HopDecision, Step, Target, Verdict, Walk, region_of_place};
use crate::engine::Engine;
use crate::place::Place;
use moat_model::PrivateIp;
use moat_model::address::{Address, Kind};
use moat_net::dns::{Answer, Resolver};
use moat_net::names;
use moat_packets::AddrSet;

/// The destination as the source's place resolves it: a private address (recorded as the
/// `DEST_ADDRESS` hop), a managed private endpoint, or public addresses with the resource
/// behind them; a name that does not resolve ends the walk.
pub(super) fn resolve(w: &mut Walk, place: &Place, tg: &Target) -> Result<Dst, Verdict> {
    let dst = match (&tg.fqdn, tg.ip.clone(), &tg.tag) {
        (Some(f), _, _) => {
            let resolver = w.e.resolver_of(place);
            let r = w.e.dns.resolve(f, &resolver);
            w.public_dns = resolver == Resolver::Public;
            for s in &r.steps {
                if let Some(assumption) = &s.assumption {
                    w.assume(
                        Step::Dns,
                        s.server.clone(),
                        s.code,
                        format!("{}: {}", s.query, s.result),
                        assumption.clone(),
                    )?;
                    continue;
                }
                w.hops.push(Hop {
                    step: Step::Dns,
                    element: w.e.text(&s.server),
                    decision: HopDecision::Pass,
                    code: s.code,
                    detail: w.e.text(&format!("{}: {}", s.query, s.result)),
                    at: None,
                    resources: Box::default(),
                    subject: None,
                    address: None,
                    service: None,
                    source_address: None,
                    nsg_rule: None,
                    only: None,
                });
            }
            match r.answer {
                Answer::Private { ip, zone, .. } => {
                    w.touch_fmt(format_args!(
                        "private-dns-zone/{}",
                        zone.rsplit('/').next().unwrap_or(&zone)
                    ));
                    w.private(ip)
                }
                Answer::ManagedPrivate { rule, .. } => Dst::ManagedPe { rule },
                Answer::Public { fqdn } => {
                    let owner = w.e.dns.owner(&fqdn).cloned().or_else(|| tg.owner.clone());
                    // A managed network's rule the input leaves open may be a private endpoint
                    // to this resource, which its DNS would answer privately instead.
                    if let (Resolver::Managed { workspace }, Some(_)) = (&resolver, &owner)
                        && let Some(u) = w.e.open_list(
                            &format!("workspace/{workspace}"),
                            "managed_network.outbound_rules",
                        )
                    {
                        w.other_way = Some(u.need());
                    }
                    let near = region_of_place(w.e, place);
                    let set = public_set(w.e, owner.as_ref(), &fqdn, near.as_deref());
                    Dst::Public {
                        set,
                        owner,
                        fqdn: Some(f.clone()),
                        label: None,
                    }
                }
                Answer::NxDomain { why } => {
                    let fix = dns_fix(w.e, &resolver, f);
                    return w
                        .block(
                            Step::Dns,
                            resolver.to_string(),
                            Code::DnsNxdomain,
                            why,
                            None,
                            fix,
                        )
                        .and(Err(Verdict::Denied));
                }
                Answer::Unknown { why } => {
                    return w
                        .unknown(
                            Step::Dns,
                            resolver.to_string(),
                            Code::DnsUnknown,
                            why.clone(),
                            None,
                            why,
                        )
                        .and(Err(Verdict::Unknown));
                }
            }
        }
        (None, Some(PrivateIp::Dynamic(a)), _) => w.private(PrivateIp::Dynamic(a)),
        (None, Some(PrivateIp::Static(ip)), _) => {
            if moat_net::space::PRIVATE_V4
                .iter()
                .any(|p| p.parse::<ipnet::IpNet>().is_ok_and(|n| n.contains(&ip)))
                || ip.is_ipv6()
            {
                w.private(PrivateIp::Static(ip))
            } else {
                Dst::Public {
                    set: AddrSet::host(ip),
                    owner: None,
                    fqdn: None,
                    label: None,
                }
            }
        }
        (None, None, Some(tag)) => {
            let c = w.e.space.cover(
                &moat_model::values::AddressPrefix::Tag(tag.clone()),
                &Default::default(),
            );
            if c.sure.is_empty() {
                return w
                    .unknown(
                        Step::Destination,
                        tg.label.clone(),
                        Code::TagUnknown,
                        format!("{tag} is not a known service tag"),
                        None,
                        format!("the addresses of {tag} (pass --service-tags)"),
                    )
                    .and(Err(Verdict::Unknown));
            }
            Dst::Public {
                set: c.sure,
                owner: None,
                fqdn: None,
                label: Some(format!("service tag {tag}")),
            }
        }
        (None, None, None) => Dst::Public {
            set: moat_net::space::Space::external(),
            owner: None,
            fqdn: None,
            label: Some("the internet".into()),
        },
    };
    if let Dst::Private { ip, .. } = &dst {
        w.address = Some(ip.clone());
        // A walk for its verdict alone writes no words (see `Walk::hop`).
        let (label, what) = match ip {
            _ if w.quiet => (String::new(), String::new()),
            PrivateIp::Static(ip) => (tg.label.clone(), format!("destination address {ip}")),
            PrivateIp::Dynamic(a) => (
                tg.label.clone(),
                format!(
                    "destination address: the one Azure assigns {} at deployment, {a}",
                    moat_model::addressing::holder_words(&a.holder)
                ),
            ),
        };
        w.info(Step::Dns, label, Code::DestAddress, what);
    }
    Ok(dst)
}

/// The address set of a public endpoint.
pub(super) fn public_set(
    e: &Engine,
    owner: Option<&Address>,
    fqdn: &str,
    near: Option<&str>,
) -> AddrSet {
    let t = e.t;
    let ix = &e.ix;
    let Some(Address::Resource { kind, name, sub }) = owner else {
        return e.space.host(fqdn, near);
    };
    let (tag, region): (Option<&str>, Option<String>) = match kind {
        Kind::Workspace | Kind::OnlineEndpoint => (
            Some("AzureMachineLearning"),
            ix.workspaces
                .get(name)
                .and_then(|&i| t.workspaces[i].region.clone())
                .or_else(|| {
                    ix.online_endpoints
                        .get(name)
                        .and_then(|&i| ix.workspaces.get(&t.online_endpoints[i].workspace))
                        .and_then(|&w| t.workspaces[w].region.clone())
                }),
        ),
        Kind::Registry => {
            let r = ix
                .registries
                .get(name)
                .and_then(|&i| t.registries[i].region.clone());
            match sub.as_deref() {
                Some("storage") => (Some("Storage"), r),
                Some("acr") => (Some("AzureContainerRegistry"), r),
                _ => (Some("AzureMachineLearning"), r),
            }
        }
        Kind::Storage => (
            Some("Storage"),
            ix.storage_accounts
                .get(name)
                .and_then(|&i| t.storage_accounts[i].region.clone()),
        ),
        Kind::Keyvault => (
            Some("AzureKeyVault"),
            ix.key_vaults
                .get(name)
                .and_then(|&i| t.key_vaults[i].region.clone()),
        ),
        Kind::Acr => (
            Some("AzureContainerRegistry"),
            ix.container_registries
                .get(name)
                .and_then(|&i| t.container_registries[i].region.clone()),
        ),
        _ => (None, None),
    };
    // The notebooks host is served by the Azure ML service's front end; its tag is not documented.
    let tag = if sub.as_deref() == Some("notebooks") {
        None
    } else {
        tag
    };
    e.space.endpoint(tag, region.as_deref(), fqdn)
}

/// How to fix a name that does not resolve from a place.
pub(super) fn dns_fix(e: &Engine, resolver: &Resolver, fqdn: &str) -> String {
    let zone = e.dns.resource_name(fqdn).map(|n| n.zone);
    match (resolver, zone) {
        (Resolver::AzureDns { vnet }, Some(z)) => format!(
            "link private DNS zone {z} to VNet {vnet} (and give the endpoint a zone group), or create the missing record"
        ),
        (Resolver::Server(ip), Some(z)) => format!(
            "on DNS server {ip}, forward {} to Azure DNS (168.63.129.16) from a VNet linked to {z}",
            names::public_zone_of(z)
        ),
        // Any of several servers may answer: each must answer from the zone.
        (Resolver::AnyOf(list), Some(z)) => {
            let names: Vec<String> = list.iter().map(|r| r.to_string()).collect();
            format!(
                "make each of {} answer {fqdn} from private zone {z} (a custom server forwards {} to Azure DNS, 168.63.129.16, from a VNet linked to {z})",
                names.join(", "),
                names::public_zone_of(z)
            )
        }
        (_, Some(z)) => {
            format!("resolve {fqdn} through a DNS server that can see private zone {z}")
        }
        _ => format!("make {fqdn} resolvable from the source"),
    }
}
