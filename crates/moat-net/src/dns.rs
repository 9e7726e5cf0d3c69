//! Name resolution as Azure does it, from a given place.
//!
//! Azure DNS (168.63.129.16) seen from a VNet answers from the private DNS zones linked to that
//! VNet, after DNS forwarding ruleset rules linked to it; otherwise it resolves publicly, where
//! resource names are CNAMEd to their privatelink names, which land back in the linked zones.
//! Custom DNS servers answer from their conditional forwarders and hosted zones, and resolve
//! the rest recursively (public answers only). On-premises clients use the servers they are
//! declared to use. A server moat knows nothing about makes the answer unknown, never a guess.

use crate::code::Code;
use crate::names::{self, ResourceName};
use foldhash::HashMap;
use moat_model::address::Address;
use moat_model::enums::{RecordType, RuleState};
use moat_model::{Index, PrivateIp, Topology};
use std::net::{IpAddr, Ipv4Addr};

mod build;
mod server;

/// Azure's virtual DNS server address, reachable only from inside a VNet.
pub const AZURE_DNS: IpAddr = IpAddr::V4(Ipv4Addr::new(168, 63, 129, 16));

/// Where a query starts.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Resolver {
    /// Azure-provided DNS as seen from a VNet (private zones linked to it apply).
    AzureDns { vnet: String },
    /// A DNS server at an address (custom server, resolver inbound endpoint, firewall DNS proxy).
    Server(IpAddr),
    /// Public DNS on the internet.
    Public,
    /// The DNS of a workspace managed network (its private endpoints answer privately).
    Managed { workspace: String },
    /// A resolver the model does not describe (on-premises DNS of a site or client that
    /// declares none, a VNet whose DNS servers the input leaves open), named for the trace;
    /// `open` is what the input leaves open, when that is why (the need a finding names).
    Undescribed { what: String, open: Option<String> },
    /// Several resolvers, any of which may answer a query: a VNet's DNS servers (a VM is
    /// given them all and falls back on the next when one does not answer, in an order of its
    /// operating system's), a firewall's ("If you configure multiple DNS servers, the server
    /// used is chosen randomly", Azure Firewall DNS settings). An answer is decided only when
    /// every one of them gives it. Built with [`Resolver::any_of`]: two or more, no repeats.
    AnyOf(Vec<Resolver>),
}

impl Resolver {
    /// The resolver that asks any of `list`: the one, when there is one; [`Resolver::AnyOf`]
    /// of them otherwise, each once, in order. `None` for an empty list.
    pub fn any_of(list: impl IntoIterator<Item = Resolver>) -> Option<Resolver> {
        let mut out: Vec<Resolver> = Vec::new();
        for r in list {
            match r {
                Resolver::AnyOf(inner) => {
                    for x in inner {
                        if !out.contains(&x) {
                            out.push(x);
                        }
                    }
                }
                r if !out.contains(&r) => out.push(r),
                _ => {}
            }
        }
        match out.len() {
            0 => None,
            1 => out.pop(),
            _ => Some(Resolver::AnyOf(out)),
        }
    }

    /// The resolver of a list of DNS server addresses, Azure DNS's own address read as Azure
    /// DNS seen from `vnet`: any of them may answer.
    pub fn servers(ips: &[IpAddr], vnet: &str) -> Option<Resolver> {
        Resolver::any_of(ips.iter().map(|&ip| {
            if ip == AZURE_DNS {
                Resolver::AzureDns {
                    vnet: vnet.to_string(),
                }
            } else {
                Resolver::Server(ip)
            }
        }))
    }
}

impl std::fmt::Display for Resolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Resolver::AzureDns { vnet } => write!(f, "Azure DNS (168.63.129.16) from VNet {vnet}"),
            Resolver::Server(ip) => write!(f, "DNS server {ip}"),
            Resolver::Public => f.write_str("public DNS"),
            Resolver::Managed { workspace } => {
                write!(f, "managed network DNS of workspace {workspace}")
            }
            Resolver::Undescribed { what, .. } => f.write_str(what),
            Resolver::AnyOf(list) => {
                let names: Vec<String> = list.iter().map(|r| r.to_string()).collect();
                write!(f, "any of {}", names.join(", "))
            }
        }
    }
}

/// The final answer to a query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// A private address from a private zone (or a hosted zone).
    Private {
        /// The address: a static one, or the one Azure assigns a private endpoint (some free
        /// address of its subnet, never one picked here).
        ip: PrivateIp,
        zone: String,
        record: String,
    },
    /// A private endpoint inside a workspace managed network (outbound rule `rule`).
    ManagedPrivate { workspace: String, rule: String },
    /// The public address of the service behind `fqdn`.
    Public { fqdn: String },
    /// The name does not exist from here.
    NxDomain { why: String },
    /// Resolution fails or cannot be known from the model.
    Unknown { why: String },
}

/// One step of a resolution, for the trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DnsStep {
    pub server: String,
    pub query: String,
    pub result: String,
    /// Stable explanation code.
    pub code: Code,
    /// What this step takes for granted that the model does not describe (an undescribed
    /// server answering public names publicly, a firewall at the address it is assumed to
    /// have). `--strict` makes it unknown.
    pub assumption: Option<String>,
}

/// A resolution: the steps taken and the answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolution {
    pub steps: Vec<DnsStep>,
    pub answer: Answer,
}

/// A record with its value, from a hand-written record or a private endpoint's zone group.
#[derive(Clone, Debug)]
struct Record {
    name: String,
    kind: RecordType,
    values: Vec<String>,
    /// A private endpoint's record without a static address: it holds whatever address Azure
    /// assigns the endpoint (`values` is empty).
    assigned: Option<moat_model::Assigned>,
    source: String,
}

/// The name space of a topology: every resource name, zone records, links.
pub struct Dns<'t> {
    t: &'t Topology,
    ix: Index,
    /// Public FQDN and privatelink names -> the resource name entry.
    names: HashMap<String, ResourceName>,
    /// Public FQDN and privatelink names -> the resource (with sub-resource) they belong to.
    owners: HashMap<String, Address>,
    /// Zone index -> records.
    records: Vec<Vec<Record>>,
    /// VNet -> linked zone indexes.
    links: HashMap<String, Vec<usize>>,
    /// VNet -> a linked zone whose name the input leaves unknown (the first one).
    unnamed_links: HashMap<String, String>,
    /// (resource, group id) pairs with a private endpoint connection anywhere (customer or
    /// managed): only their names are CNAMEd to privatelink names by Azure's public DNS.
    connected: foldhash::HashSet<(String, String)>,
    /// Compute instance host names -> (instance, the API host of the workspace whose network
    /// serves it).
    instances: HashMap<String, (String, String)>,
    /// Names (lower case) of the zones the input refers to but does not declare: looked up
    /// per suffix of a name, not scanned per resolution.
    external_zones: foldhash::HashSet<String>,
    /// Declared zones (lower case) whose VNet links the input leaves open, with what that
    /// needs: a VNet their known links leave out may still be linked.
    open_links: HashMap<String, String>,
    /// Records (zone, relative name; lower case) a private endpoint may write through a zone
    /// group the input leaves open, with what that needs.
    open_records: HashMap<(String, String), String>,
    /// Declared zones (by index) holding record sets the input does not give (a deployed
    /// zone's count says so), with what that needs: a name without a known record may have one.
    open_zone_records: HashMap<usize, String>,
    /// Firewalls whose proxy forwards to servers the input leaves open (their own, or their
    /// policy's), with what that needs.
    open_upstreams: HashMap<String, String>,
    /// Where the private addresses come from (static, or assigned at deployment).
    addressing: moat_model::Addressing,
}

/// The key a resource's private endpoint connections are recorded under: storage and workspace
/// connections belong to the resource, registry ones to the registry or its managed resource;
/// a project's to its hub, an online endpoint's to its workspace's network (scoring goes
/// through the workspace private endpoint, seed 004).
fn connection_key(t: &Topology, ix: &Index, a: &Address) -> String {
    let network = |ws: &str| {
        names::network_workspace(t, ix, ws)
            .map(|w| format!("workspace/{}", w.name))
            .unwrap_or_else(|| format!("workspace/{ws}"))
    };
    match a {
        Address::Resource {
            kind: moat_model::Kind::Workspace,
            name,
            ..
        } => network(name),
        Address::Resource {
            kind: moat_model::Kind::OnlineEndpoint,
            name,
            ..
        } => match ix.online_endpoints.get(name) {
            Some(&i) => network(&t.online_endpoints[i].workspace),
            None => a.to_string(),
        },
        Address::Resource {
            kind: moat_model::Kind::Registry,
            ..
        } => a.to_string(),
        Address::Resource { kind, name, .. } => format!("{kind}/{name}"),
        other => other.to_string(),
    }
}

fn lower(s: &str) -> String {
    s.trim_end_matches('.').to_ascii_lowercase()
}

/// Whether `name` is `zone` or under it.
fn under(name: &str, zone: &str) -> bool {
    name == zone || name.ends_with(&format!(".{zone}"))
}

impl<'t> Dns<'t> {
    /// Where the topology's private addresses come from (built once, with the name space).
    pub fn addressing(&self) -> &moat_model::Addressing {
        &self.addressing
    }

    /// The compute instance a host name belongs to, with its workspace's API host.
    pub fn instance(&self, fqdn: &str) -> Option<(&str, &str)> {
        self.instances
            .get(&lower(fqdn))
            .map(|(c, api)| (c.as_str(), api.as_str()))
    }

    /// The resource name entry for a public or privatelink FQDN, if it is a modelled resource.
    pub fn resource_name(&self, fqdn: &str) -> Option<&ResourceName> {
        self.names.get(&lower(fqdn))
    }

    /// The resource (with sub-resource) a public or privatelink FQDN belongs to.
    pub fn owner(&self, fqdn: &str) -> Option<&Address> {
        self.owners.get(&lower(fqdn))
    }

    /// Resolves `name` starting at `from`.
    pub fn resolve(&self, name: &str, from: &Resolver) -> Resolution {
        let mut steps = Vec::new();
        let answer = self.resolve_in(&lower(name), from, &mut steps, 0);
        Resolution { steps, answer }
    }

    fn resolve_in(
        &self,
        name: &str,
        from: &Resolver,
        steps: &mut Vec<DnsStep>,
        depth: usize,
    ) -> Answer {
        if depth > 12 {
            return Answer::Unknown {
                why: format!("resolution of {name} loops between servers or CNAMEs"),
            };
        }
        match from {
            Resolver::AzureDns { vnet } => self.azure_dns(name, vnet, steps, depth),
            Resolver::Server(ip) => self.server(name, *ip, steps, depth),
            Resolver::Public => self.public(name, from, steps, depth),
            Resolver::Managed { workspace } => self.managed(name, workspace, steps, depth),
            Resolver::Undescribed { what, open } => {
                self.undescribed(name, what, open.as_deref(), steps)
            }
            Resolver::AnyOf(list) => self.any_of(name, from, list, steps, depth),
        }
    }

    /// A query any of `list` may answer: their answer when every one gives the same, unknown
    /// otherwise (which one a client or a firewall asks is not fixed). Every resolver's steps
    /// are kept, so the trace shows each path.
    fn any_of(
        &self,
        name: &str,
        from: &Resolver,
        list: &[Resolver],
        steps: &mut Vec<DnsStep>,
        depth: usize,
    ) -> Answer {
        let mut answers: Vec<(&Resolver, Answer)> = Vec::new();
        for r in list {
            let a = self.resolve_in(name, r, steps, depth + 1);
            answers.push((r, a));
        }
        let Some((_, first)) = answers.first() else {
            return Answer::Unknown {
                why: format!("{from} lists no DNS server"),
            };
        };
        if answers.iter().all(|(_, a)| a == first) {
            return first.clone();
        }
        let each: Vec<String> = answers
            .iter()
            .map(|(r, a)| format!("{r} gives {}", answer_words(a)))
            .collect();
        Self::step(
            steps,
            from,
            name,
            format!(
                "unknown: the servers answer differently ({})",
                each.join("; ")
            ),
            Code::DnsServersDisagree,
        );
        // A server whose answer is unknown needs what it needs (one line per missing input);
        // servers whose answers are all known differ in how they are set up.
        let mut needs: Vec<&str> = Vec::new();
        for (_, a) in &answers {
            if let Answer::Unknown { why } = a
                && !needs.contains(&why.as_str())
            {
                needs.push(why);
            }
        }
        Answer::Unknown {
            why: if needs.is_empty() {
                format!(
                    "{from} may answer {name}, and they answer differently: {} (give every server the same forwarders, or list one)",
                    each.join("; ")
                )
            } else {
                needs.join("; ")
            },
        }
    }

    fn step(
        steps: &mut Vec<DnsStep>,
        server: impl ToString,
        query: &str,
        result: impl Into<String>,
        code: Code,
    ) {
        steps.push(DnsStep {
            server: server.to_string(),
            query: query.to_string(),
            result: result.into(),
            code,
            assumption: None,
        });
    }

    fn azure_dns(&self, name: &str, vnet: &str, steps: &mut Vec<DnsStep>, depth: usize) -> Answer {
        let here = Resolver::AzureDns {
            vnet: vnet.to_string(),
        };
        // Forwarding ruleset rules linked to the VNet are consulted first.
        let mut best: Option<(&str, &moat_model::privatelink::ForwardingRule)> = None;
        for rs in &self.t.dns_forwarding_rulesets {
            if !rs.vnet_links.iter().any(|v| v == vnet) {
                continue;
            }
            for r in rs.rules.iter().filter(|r| r.state == RuleState::Enabled) {
                let d = lower(&r.domain_name);
                if (d.is_empty() || under(name, &d)) && best.is_none_or(|(b, _)| d.len() > b.len())
                {
                    best = Some((&rs.name, r));
                }
            }
        }
        // A rule with several target servers may send a query to any of them.
        if let Some((rs, rule)) = best
            && let Some(target) = Resolver::any_of(
                rule.target_dns_servers
                    .iter()
                    .map(|&ip| Resolver::Server(ip)),
            )
        {
            let to = match &target {
                Resolver::Server(ip) => ip.to_string(),
                other => other.to_string(),
            };
            Self::step(
                steps,
                &here,
                name,
                format!("forwarded to {to} by rule {} of ruleset {rs}", rule.name),
                Code::DnsRulesetForward,
            );
            return self.resolve_in(name, &target, steps, depth + 1);
        }
        // A linked zone of unknown name may be the most specific one for any name.
        if let Some(z) = self.unnamed_links.get(vnet) {
            return Answer::Unknown {
                why: format!(
                    "a private DNS zone linked to VNet {vnet} ({z}) has an unknown name: it may hold {name}"
                ),
            };
        }
        // The most specific linked zone that contains the name answers it.
        let linked = self.links.get(vnet).map(Vec::as_slice).unwrap_or(&[]);
        let zone = linked
            .iter()
            .map(|&i| (i, lower(&self.t.private_dns_zones[i].name)))
            .filter(|(_, z)| under(name, z))
            .max_by_key(|(_, z)| z.len());
        if let Some(why) = self.external_zone(name, vnet, linked, zone.as_ref()) {
            Self::step(steps, &here, name, why.clone(), Code::DnsZoneExternal);
            return Answer::Unknown { why };
        }
        if let Some((z, why)) = self.open_link(name, linked, zone.as_ref()) {
            Self::step(
                steps,
                &here,
                name,
                format!(
                    "unknown: whether zone {z}, which would answer, is linked to VNet {vnet} is left open"
                ),
                Code::DnsZoneLinksOpen,
            );
            return Answer::Unknown { why };
        }
        if let Some((z, why)) = self.open_group_zone(name, zone.as_ref()) {
            Self::step(
                steps,
                &here,
                name,
                format!(
                    "unknown: a zone group left open may write {name} into a zone {z} the input does not show linked to VNet {vnet}"
                ),
                Code::DnsRecordOpen,
            );
            return Answer::Unknown { why };
        }
        if let Some((zi, zname)) = zone {
            let rel = if name == zname {
                "@".to_string()
            } else {
                name[..name.len() - zname.len() - 1].to_string()
            };
            let zkey = self.t.private_dns_zones[zi].key();
            match self.lookup(zi, &rel) {
                Some(r) if r.kind == RecordType::Cname => {
                    let target = lower(r.values.first().map(String::as_str).unwrap_or_default());
                    Self::step(
                        steps,
                        &here,
                        name,
                        format!("CNAME {target} in linked zone {zkey} ({})", r.source),
                        Code::DnsPrivateCname,
                    );
                    return self.resolve_in(&target, &here, steps, depth + 1);
                }
                Some(r) => match r
                    .values
                    .first()
                    .and_then(|v| v.parse::<IpAddr>().ok())
                    .map(PrivateIp::Static)
                    .or_else(|| r.assigned.clone().map(PrivateIp::Dynamic))
                {
                    Some(ip) => {
                        Self::step(
                            steps,
                            &here,
                            name,
                            format!("{ip} from linked zone {zkey} ({})", r.source),
                            Code::DnsPrivateZone,
                        );
                        return Answer::Private {
                            ip,
                            zone: zkey,
                            record: r.name.clone(),
                        };
                    }
                    None => {
                        Self::step(
                            steps,
                            &here,
                            name,
                            format!("unknown address in linked zone {zkey} ({})", r.source),
                            Code::DnsPrivateUnknown,
                        );
                        return Answer::Unknown {
                            why: format!(
                                "record {} in zone {zkey} holds no known address ({})",
                                r.name, r.source
                            ),
                        };
                    }
                },
                None if self
                    .open_records
                    .contains_key(&(zname.clone(), rel.clone())) =>
                {
                    let why = self.open_records[&(zname.clone(), rel.clone())].clone();
                    Self::step(
                        steps,
                        &here,
                        name,
                        format!(
                            "unknown: linked zone {zkey} holds no record {rel}, but a zone group left open may write it"
                        ),
                        Code::DnsRecordOpen,
                    );
                    return Answer::Unknown { why };
                }
                None if self.open_zone_records.contains_key(&zi) => {
                    Self::step(
                        steps,
                        &here,
                        name,
                        format!(
                            "unknown: linked zone {zkey} holds record sets the input does not give, which may hold {rel}"
                        ),
                        Code::DnsRecordOpen,
                    );
                    return Answer::Unknown {
                        why: self.open_zone_records[&zi].clone(),
                    };
                }
                None if self.t.private_dns_zones[zi].fallback_to_internet => {
                    Self::step(
                        steps,
                        &here,
                        name,
                        format!("no record in linked zone {zkey}; falls back to the internet"),
                        Code::DnsZoneFallback,
                    );
                    return self.public(name, &here, steps, depth);
                }
                None => {
                    Self::step(
                        steps,
                        &here,
                        name,
                        format!("NXDOMAIN: linked zone {zkey} has no record {rel}"),
                        Code::DnsZoneNoRecord,
                    );
                    return Answer::NxDomain {
                        why: format!(
                            "zone {zkey} is linked to VNet {vnet} but holds no record for {rel}"
                        ),
                    };
                }
            }
        }
        if let Some(api) = self.instance_api(name, &here, steps) {
            return self.resolve_in(&api, &here, steps, depth + 1);
        }
        self.public(name, &here, steps, depth)
    }

    /// A zone the input refers to but does not declare, containing `name` and more specific
    /// than the linked zone that would answer: whether it is linked to `vnet` is unknown, so
    /// is the answer. A VNet links one zone of a name, so a declared linked zone of the same
    /// name rules it out.
    fn external_zone(
        &self,
        name: &str,
        vnet: &str,
        linked: &[usize],
        answering: Option<&(usize, String)>,
    ) -> Option<String> {
        if self.external_zones.is_empty() {
            return None;
        }
        let zones = &self.t.private_dns_zones;
        // The zones `name` is under are its suffixes at a label boundary, longest first: the
        // first external one not linked by name is the most specific.
        let ez = std::iter::once(name)
            .chain(name.match_indices('.').map(|(i, _)| &name[i + 1..]))
            .find(|z| {
                self.external_zones.contains(*z)
                    && !linked.iter().any(|&i| lower(&zones[i].name) == *z)
            })?;
        if answering.is_some_and(|(_, z)| z.len() >= ez.len()) {
            return None;
        }
        Some(format!(
            "zone {ez} is not declared by the input (a private endpoint writes its record there): whether it is linked to VNet {vnet} is unknown"
        ))
    }

    /// A declared zone whose links the input leaves open, containing `name`, more specific than
    /// the linked zone that would answer and not itself linked to the VNet: with its
    /// name and what it needs. A VNet links one zone of a name, so a linked zone of the same
    /// name rules it out.
    fn open_link(
        &self,
        name: &str,
        linked: &[usize],
        answering: Option<&(usize, String)>,
    ) -> Option<(String, String)> {
        if self.open_links.is_empty() {
            return None;
        }
        let zones = &self.t.private_dns_zones;
        let z = std::iter::once(name)
            .chain(name.match_indices('.').map(|(i, _)| &name[i + 1..]))
            .find(|z| {
                self.open_links.contains_key(*z)
                    && !linked.iter().any(|&i| lower(&zones[i].name) == *z)
            })?;
        if answering.is_some_and(|(_, a)| a.len() >= z.len()) {
            return None;
        }
        Some((z.to_string(), self.open_links[z].clone()))
    }

    /// A zone that a zone group left open may write `name` into, more specific than the
    /// linked zone that would answer, of a name no zone of the input has: the group then
    /// names a zone the input does not declare (a central one), which may be linked to the
    /// VNet, so the answer is unknown. With its name and what it needs. (Where the input
    /// declares a zone of that name, the group is taken to name it, as rules such as DNS006
    /// read it.)
    fn open_group_zone(
        &self,
        name: &str,
        answering: Option<&(usize, String)>,
    ) -> Option<(String, String)> {
        if self.open_records.is_empty() {
            return None;
        }
        let zones = &self.t.private_dns_zones;
        let (z, why) = name
            .match_indices('.')
            .map(|(i, _)| (&name[i + 1..], &name[..i]))
            .find_map(|(z, rel)| {
                let why = self.open_records.get(&(z.to_string(), rel.to_string()))?;
                (!zones.iter().any(|x| lower(&x.name) == z)).then_some((z, why))
            })?;
        if answering.is_some_and(|(_, a)| a.len() >= z.len()) {
            return None;
        }
        Some((z.to_string(), why.clone()))
    }

    fn lookup(&self, zone: usize, rel: &str) -> Option<&Record> {
        let recs = &self.records[zone];
        recs.iter().find(|r| r.name == rel).or_else(|| {
            // Wildcards match one or more leading labels (`*.guid.inference.eastus`).
            recs.iter().find(|r| {
                r.name
                    .strip_prefix("*.")
                    .is_some_and(|suffix| rel.ends_with(&format!(".{suffix}")))
            })
        })
    }

    /// Public resolution (also what Azure DNS does for names no linked zone covers): resource
    /// names CNAME to their privatelink names, which resolve again from the same place.
    fn public(
        &self,
        name: &str,
        from: &Resolver,
        steps: &mut Vec<DnsStep>,
        depth: usize,
    ) -> Answer {
        if let Some((instance, _)) = self.instances.get(name) {
            Self::step(
                steps,
                from,
                name,
                format!(
                    "public address of compute instance {instance} (the workspace's public endpoint)"
                ),
                Code::DnsPublicEndpoint,
            );
            return Answer::Public {
                fqdn: name.to_string(),
            };
        }
        let Some(n) = self.names.get(name) else {
            Self::step(
                steps,
                from,
                name,
                "public answer (a host on the internet)",
                Code::DnsPublic,
            );
            return Answer::Public {
                fqdn: name.to_string(),
            };
        };
        let connected = self.owners.get(name).is_some_and(|o| {
            self.connected
                .contains(&(connection_key(self.t, &self.ix, o), n.group_id.to_string()))
        });
        if lower(&n.fqdn) == name && !connected {
            // Without any private endpoint connection Azure publishes the plain public record.
            Self::step(
                steps,
                from,
                name,
                format!(
                    "public address of {} (no private endpoint connection, no privatelink CNAME)",
                    n.fqdn
                ),
                Code::DnsPublicEndpoint,
            );
            return Answer::Public {
                fqdn: n.fqdn.clone(),
            };
        }
        if lower(&n.fqdn) == name {
            Self::step(
                steps,
                from,
                name,
                format!("CNAME {}", n.privatelink),
                Code::DnsCnamePrivatelink,
            );
            let target = lower(&n.privatelink);
            if matches!(from, Resolver::Public) {
                return self.public(&target, from, steps, depth + 1);
            }
            return self.resolve_in(&target, from, steps, depth + 1);
        }
        if n.publicly_resolvable {
            Self::step(
                steps,
                from,
                name,
                format!("public address of {}", n.fqdn),
                Code::DnsPublicEndpoint,
            );
            Answer::Public {
                fqdn: n.fqdn.clone(),
            }
        } else {
            Self::step(
                steps,
                from,
                name,
                "NXDOMAIN: no public record (only a private zone answers this name)",
                Code::DnsNoPublicRecord,
            );
            Answer::NxDomain {
                why: format!(
                    "{name} has no public record; only the {} zone answers it",
                    n.zone
                ),
            }
        }
    }

    /// A server the model does not describe. Any recursive resolver answers public names
    /// publicly, so those are answered under that assumption (a step marked `assumed`). What
    /// such a server cannot be assumed to do is forward privatelink names to Azure DNS: a name
    /// that public DNS sends into a privatelink zone stays unknown (rule DNS001 reports it).
    fn undescribed(
        &self,
        name: &str,
        server: &str,
        open: Option<&str>,
        steps: &mut Vec<DnsStep>,
    ) -> Answer {
        let privatelink_zone = self.privatelink_zone_of(name);
        if let Some(zone) = privatelink_zone {
            Self::step(
                steps,
                server,
                name,
                match open {
                    Some(_) => format!(
                        "unknown: Azure DNS answers from the privatelink zones, a custom server only if it forwards {} to Azure DNS",
                        names::public_zone_of(&zone)
                    ),
                    None => format!(
                        "unknown: the model does not describe this server, nor whether it forwards {} to Azure DNS",
                        names::public_zone_of(&zone)
                    ),
                },
                Code::DnsServerUndescribed,
            );
            // Left open by the input, the need is that input (one line per missing input).
            let why = open.map(str::to_string).unwrap_or_else(|| {
                format!(
                    "{server} is not described: whether it forwards {} to Azure DNS (168.63.129.16) decides the answer (add it under dns_servers with its forwarders)",
                    names::public_zone_of(&zone)
                )
            });
            return Answer::Unknown { why };
        }
        steps.push(DnsStep {
            server: server.to_string(),
            query: name.to_string(),
            result: "not described by the model; assumed to resolve public names recursively, as any DNS server does".into(),
            code: Code::DnsAssumedRecursive,
            assumption: Some(format!(
                "{server} resolves public names like any recursive resolver"
            )),
        });
        self.public(name, &Resolver::Public, steps, 1)
    }

    /// The privatelink zone a name lands in through public DNS: the name itself is in one, or
    /// it is a resource name Azure's public DNS CNAMEs to its privatelink name.
    fn privatelink_zone_of(&self, name: &str) -> Option<String> {
        let label_zone = name
            .split('.')
            .position(|l| l == "privatelink")
            .map(|i| name.split('.').skip(i).collect::<Vec<_>>().join("."));
        if label_zone.is_some() {
            return label_zone;
        }
        let n = self.names.get(name)?;
        let connected = self.owners.get(name).is_some_and(|o| {
            self.connected
                .contains(&(connection_key(self.t, &self.ix, o), n.group_id.to_string()))
        });
        (connected || !n.publicly_resolvable).then(|| n.zone.to_string())
    }

    fn managed(
        &self,
        name: &str,
        workspace: &str,
        steps: &mut Vec<DnsStep>,
        depth: usize,
    ) -> Answer {
        let here = Resolver::Managed {
            workspace: workspace.to_string(),
        };
        if let Some(n) = self.names.get(name)
            && let Some(rule) = crate::managed::private_endpoint_rule_for(
                self.t,
                &self.ix,
                workspace,
                &lower(&n.fqdn),
            )
        {
            Self::step(
                steps,
                &here,
                name,
                format!("private endpoint of outbound rule {rule}"),
                Code::DnsManagedPe,
            );
            return Answer::ManagedPrivate {
                workspace: workspace.to_string(),
                rule,
            };
        }
        if let Some(api) = self.instance_api(name, &here, steps) {
            return self.resolve_in(&api, &here, steps, depth + 1);
        }
        self.public(name, &here, steps, depth)
    }

    /// For a compute instance's host name, the step that answers it as its workspace's API
    /// name (what a resolver inside Azure does), and that API name.
    fn instance_api(
        &self,
        name: &str,
        here: &Resolver,
        steps: &mut Vec<DnsStep>,
    ) -> Option<String> {
        let (instance, api) = self.instances.get(name)?;
        Self::step(
            steps,
            here,
            name,
            format!("compute instance {instance}: answered as workspace API name {api}"),
            Code::DnsInstanceWorkspace,
        );
        Some(api.clone())
    }

    /// The VNet an address sits in (a NIC, a resolver endpoint, or just a subnet range).
    pub fn vnet_of(&self, ip: IpAddr) -> Option<String> {
        self.t
            .virtual_networks
            .iter()
            .find(|v| {
                v.subnets.iter().any(|s| s.contains(ip))
                    || v.address_space.iter().any(|a| a.contains(&ip))
            })
            .map(|v| v.name.clone())
    }
}

/// An answer in words, for a step or a reason: "10.0.3.4 (zone privatelink.api.azureml.ms)".
fn answer_words(a: &Answer) -> String {
    match a {
        Answer::Private { ip, zone, .. } => format!("{ip} (zone {zone})"),
        Answer::ManagedPrivate { rule, .. } => format!("the managed private endpoint {rule}"),
        Answer::Public { fqdn } => format!("the public address of {fqdn}"),
        Answer::NxDomain { .. } => "no address (NXDOMAIN)".to_string(),
        Answer::Unknown { .. } => "an answer the model cannot tell".to_string(),
    }
}
