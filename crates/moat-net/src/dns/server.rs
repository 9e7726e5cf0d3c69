//! DNS servers by address: what a query sent to one gets. A declared server answers from its
//! hosted zones and conditional forwarders, a private resolver's inbound endpoint hands the
//! query to Azure DNS in its VNet, a firewall's DNS proxy forwards it upstream; any other
//! address is a server the model does not describe. Each kind answers by its own rules, kept
//! here apart from Azure DNS and public resolution.

use super::{AZURE_DNS, Answer, Dns, DnsStep, Resolver, lower, under};
use crate::code::Code;
use moat_model::PrivateIp;
use moat_model::enums::RecordType;
use moat_model::firewall::Firewall;
use moat_model::privatelink::{ConditionalForwarder, DnsServer, HostedZone};
use std::net::IpAddr;

impl Dns<'_> {
    /// What the DNS server at `ip` answers for `name`.
    pub(super) fn server(
        &self,
        name: &str,
        ip: IpAddr,
        steps: &mut Vec<DnsStep>,
        depth: usize,
    ) -> Answer {
        if let Some(s) = self.t.dns_servers.iter().find(|s| s.address == ip) {
            return self.declared_server(s, name, ip, steps, depth);
        }
        if let Some(a) = self.resolver_inbound(name, ip, steps, depth) {
            return a;
        }
        if let Some(a) = self.maybe_resolver_inbound(name, ip, steps) {
            return a;
        }
        if let Some(f) = self
            .t
            .firewalls
            .iter()
            .find(|f| f.private_ip_address == Some(ip))
        {
            return self.firewall_proxy(f, name, ip, steps, depth);
        }
        self.undescribed(name, &format!("DNS server {ip}"), None, steps)
    }

    /// A declared DNS server: the hosted zone or conditional forwarder for the name answers,
    /// else the server's default.
    fn declared_server(
        &self,
        s: &DnsServer,
        name: &str,
        ip: IpAddr,
        steps: &mut Vec<DnsStep>,
        depth: usize,
    ) -> Answer {
        let fw = s
            .forwarders
            .iter()
            .filter(|f| under(name, &lower(&f.zone)))
            .max_by_key(|f| f.zone.len());
        // The more specific of a hosted zone and a forwarder wins.
        let hosted = s
            .zones
            .iter()
            .filter(|z| under(name, &lower(&z.zone)))
            .max_by_key(|z| z.zone.len())
            .filter(|h| fw.is_none_or(|f| h.zone.len() >= f.zone.len()));
        if let Some(h) = hosted {
            return self.hosted_zone(s, h, name, ip, steps, depth);
        }
        if let Some(f) = fw {
            return self.forwarder(s, f, name, ip, steps, depth);
        }
        self.default_forward(s, name, ip, steps, depth)
    }

    /// A record of hosted zone `h` of server `s`, or NXDOMAIN.
    fn hosted_zone(
        &self,
        s: &DnsServer,
        h: &HostedZone,
        name: &str,
        ip: IpAddr,
        steps: &mut Vec<DnsStep>,
        depth: usize,
    ) -> Answer {
        let here = Resolver::Server(ip);

        let z = lower(&h.zone);
        let rel = if name == z {
            "@".to_string()
        } else {
            name[..name.len() - z.len() - 1].to_string()
        };
        match h.records.iter().find(|r| lower(&r.name) == rel) {
            Some(r) if r.record_type == RecordType::Cname => {
                let target = lower(r.values.first().map(String::as_str).unwrap_or_default());
                Self::step(
                    steps,
                    format!("{} ({ip})", s.name),
                    name,
                    format!("CNAME {target} from hosted zone {z}"),
                    Code::DnsHostedCname,
                );
                self.resolve_in(&target, &here, steps, depth + 1)
            }
            Some(r) => match r.values.first().and_then(|v| v.parse::<IpAddr>().ok()) {
                Some(a) => {
                    Self::step(
                        steps,
                        format!("{} ({ip})", s.name),
                        name,
                        format!("{a} from hosted zone {z}"),
                        Code::DnsHostedZone,
                    );
                    Answer::Private {
                        ip: PrivateIp::Static(a),
                        zone: z,
                        record: rel,
                    }
                }
                None => Answer::Unknown {
                    why: format!("record {rel} of hosted zone {z} holds no address"),
                },
            },
            None => {
                Self::step(
                    steps,
                    format!("{} ({ip})", s.name),
                    name,
                    format!("NXDOMAIN from hosted zone {z}"),
                    Code::DnsHostedNoRecord,
                );
                Answer::NxDomain {
                    why: format!("DNS server {} hosts {z} without a record for {rel}", s.name),
                }
            }
        }
    }

    /// Conditional forwarder `f` of server `s`: to Azure DNS in the server's VNet, or to
    /// another server.
    fn forwarder(
        &self,
        s: &DnsServer,
        f: &ConditionalForwarder,
        name: &str,
        ip: IpAddr,
        steps: &mut Vec<DnsStep>,
        depth: usize,
    ) -> Answer {
        let Some(&target) = f.to.first() else {
            return Answer::Unknown {
                why: format!("forwarder for {} on {} has no target", f.zone, s.name),
            };
        };
        if target == AZURE_DNS {
            let Some(vnet) = self.vnet_of(ip) else {
                Self::step(
                    steps,
                    format!("{} ({ip})", s.name),
                    name,
                    "forwards to 168.63.129.16, which is unreachable outside Azure",
                    Code::DnsAzureDnsUnreachable,
                );
                return Answer::Unknown {
                    why: format!(
                        "DNS server {} ({ip}) is not in a VNet, so it cannot reach Azure DNS at 168.63.129.16",
                        s.name
                    ),
                };
            };
            Self::step(
                steps,
                format!("{} ({ip})", s.name),
                name,
                format!("conditional forwarder {} -> Azure DNS", f.zone),
                Code::DnsForwardAzure,
            );
            return self.resolve_in(name, &Resolver::AzureDns { vnet }, steps, depth + 1);
        }
        Self::step(
            steps,
            format!("{} ({ip})", s.name),
            name,
            format!("conditional forwarder {} -> {target}", f.zone),
            Code::DnsForward,
        );
        self.resolve_in(name, &Resolver::Server(target), steps, depth + 1)
    }

    /// Server `s` has no zone or forwarder for the name: it resolves recursively or forwards.
    fn default_forward(
        &self,
        s: &DnsServer,
        name: &str,
        ip: IpAddr,
        steps: &mut Vec<DnsStep>,
        depth: usize,
    ) -> Answer {
        match &s.default {
            moat_model::privatelink::DnsDefault::Recursive => {
                Self::step(
                    steps,
                    format!("{} ({ip})", s.name),
                    name,
                    "no forwarder; resolved recursively on the internet",
                    Code::DnsRecursive,
                );
                self.public(name, &Resolver::Public, steps, depth + 1)
            }
            moat_model::privatelink::DnsDefault::Forward(to) => match to.first() {
                Some(&t) if t == AZURE_DNS => match self.vnet_of(ip) {
                    Some(vnet) => {
                        Self::step(
                            steps,
                            format!("{} ({ip})", s.name),
                            name,
                            "default forwarder -> Azure DNS",
                            Code::DnsForwardAzure,
                        );
                        self.resolve_in(name, &Resolver::AzureDns { vnet }, steps, depth + 1)
                    }
                    None => Answer::Unknown {
                        why: format!(
                            "DNS server {} is not in a VNet and cannot reach 168.63.129.16",
                            s.name
                        ),
                    },
                },
                Some(&t) => {
                    Self::step(
                        steps,
                        format!("{} ({ip})", s.name),
                        name,
                        format!("default forwarder -> {t}"),
                        Code::DnsForward,
                    );
                    self.resolve_in(name, &Resolver::Server(t), steps, depth + 1)
                }
                None => Answer::Unknown {
                    why: format!("DNS server {} forwards to no one", s.name),
                },
            },
        }
    }

    /// A private resolver's inbound endpoint at `ip`: Azure DNS in the resolver's VNet answers.
    fn resolver_inbound(
        &self,
        name: &str,
        ip: IpAddr,
        steps: &mut Vec<DnsStep>,
        depth: usize,
    ) -> Option<Answer> {
        for r in &self.t.dns_resolvers {
            if r.inbound_endpoints.iter().any(|e| e.ip_address == Some(ip)) {
                Self::step(
                    steps,
                    format!("private resolver {} inbound endpoint ({ip})", r.name),
                    name,
                    format!("resolved by Azure DNS in VNet {}", r.vnet),
                    Code::DnsResolverInbound,
                );
                return Some(self.resolve_in(
                    name,
                    &Resolver::AzureDns {
                        vnet: r.vnet.clone(),
                    },
                    steps,
                    depth + 1,
                ));
            }
        }
        None
    }

    /// An inbound endpoint without a static address may have been given `ip`: whether the
    /// server is the resolver is then open.
    fn maybe_resolver_inbound(
        &self,
        name: &str,
        ip: IpAddr,
        steps: &mut Vec<DnsStep>,
    ) -> Option<Answer> {
        for r in &self.t.dns_resolvers {
            for e in r
                .inbound_endpoints
                .iter()
                .filter(|e| e.ip_address.is_none())
            {
                let holder = format!("dns-resolver/{}/{}", r.name, e.name);
                let may = self
                    .addressing
                    .free(self.t, &e.subnet)
                    .is_some_and(|f| f.contains(ip));
                let Some(PrivateIp::Dynamic(a)) = self
                    .addressing
                    .address(self.t, &e.subnet, None, holder)
                    .filter(|_| may)
                else {
                    continue;
                };
                Self::step(
                    steps,
                    format!("DNS server {ip}"),
                    name,
                    format!(
                        "unknown: it may be the inbound endpoint {} of private resolver {}, whose address Azure assigns at deployment ({a})",
                        e.name, r.name
                    ),
                    Code::DnsResolverInbound,
                );
                return Some(Answer::Unknown {
                    why: format!(
                        "whether DNS server {ip} is {}: {}",
                        moat_model::addressing::holder_words(&a.holder),
                        a.need()
                    ),
                });
            }
        }
        None
    }

    /// Firewall `f` at the server's address: its DNS proxy forwards the query upstream, or,
    /// when off, the query is dropped.
    fn firewall_proxy(
        &self,
        f: &Firewall,
        name: &str,
        ip: IpAddr,
        steps: &mut Vec<DnsStep>,
        depth: usize,
    ) -> Answer {
        let policy = f
            .firewall_policy
            .as_ref()
            .and_then(|p| self.ix.firewall_policies.get(p))
            .map(|&i| &self.t.firewall_policies[i]);
        let proxy = f.dns_proxy || policy.is_some_and(|p| p.dns_proxy);
        // A firewall with a policy takes its DNS settings from it. Of several servers
        // it picks one at random ("the server used is chosen randomly", Azure Firewall
        // DNS settings): any of them may answer.
        let servers = match (f.dns_servers.is_empty(), policy) {
            (true, Some(p)) => p.dns_servers.as_slice(),
            _ => f.dns_servers.as_slice(),
        };
        let upstream = Resolver::any_of(servers.iter().map(|&s| Resolver::Server(s)));
        if !proxy {
            Self::step(
                steps,
                format!("firewall {} ({ip})", f.name),
                name,
                "not a DNS proxy: the query is dropped",
                Code::DnsFirewallNotProxy,
            );
            return Answer::Unknown {
                why: format!(
                    "firewall {} is used as DNS server but its DNS proxy is off",
                    f.name
                ),
            };
        }
        // Reached by an address the input does not state: the proxy answers only if
        // Azure gave the firewall that one.
        let proxy_step = |steps: &mut Vec<DnsStep>, result: String| {
            steps.push(DnsStep {
                server: format!("firewall {} DNS proxy", f.name),
                query: name.to_string(),
                result,
                code: Code::DnsFirewallProxy,
                assumption: f.address_assumption(),
            });
        };
        if let Some(need) = self.open_upstreams.get(&f.name) {
            proxy_step(
                steps,
                "forwarded to DNS servers the input leaves open".to_string(),
            );
            return self.undescribed(
                name,
                &format!(
                    "the DNS servers of firewall {} (left open by the input)",
                    f.name
                ),
                Some(need),
                steps,
            );
        }
        match upstream {
            Some(Resolver::Server(s)) => {
                proxy_step(steps, format!("forwarded to {s}"));
                self.resolve_in(name, &Resolver::Server(s), steps, depth + 1)
            }
            Some(any) => {
                proxy_step(steps, format!("forwarded to {any}"));
                self.resolve_in(name, &any, steps, depth + 1)
            }
            None => {
                proxy_step(steps, "forwarded to Azure DNS".to_string());
                self.resolve_in(
                    name,
                    &Resolver::AzureDns {
                        vnet: f.vnet.clone(),
                    },
                    steps,
                    depth + 1,
                )
            }
        }
    }
}
