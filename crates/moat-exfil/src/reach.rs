//! What a place reaches of one destination, over every class of its packets.

use crate::classes::representative;
use crate::probe::Oracle;
use moat_engine::trace::{Hop, HopDecision, Query, Trace};
use moat_engine::{Code, Step, Verdict};
use moat_model::Provenance;
use moat_model::address::Address;
use moat_packets::{AddrSet, L4Set};
use serde::Serialize;
use std::net::IpAddr;

/// Where a place's packets start: the place as a whole, or one class of its addresses.
#[derive(Clone, Debug)]
pub struct Source {
    /// The address traced from.
    pub from: Address,
    /// The class of source addresses it stands for, when the place is split.
    pub class: Option<AddrSet>,
}

/// A concrete flow with its trace: the evidence for a verdict.
#[derive(Clone, Debug, Serialize)]
pub struct Witness {
    /// The source as traced (`subnet/spoke-vnet/training`, `ip:10.0.1.0`).
    pub from: String,
    /// A source address, when the place has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_ip: Option<IpAddr>,
    /// The destination, with stand-ins named by what they stand for.
    pub to: String,
    pub protocol: String,
    pub port: u16,
    pub verdict: Verdict,
    pub trace: Trace,
    /// The query, as the engine (with stand-ins) answers it.
    #[serde(skip)]
    pub query: Query,
}

/// An element of the deployment that lets a flow through.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Element {
    /// The kind of hop (`nsg`, `firewall`, `managed-network`, `service-endpoint-policy`).
    pub step: Step,
    pub element: String,
    pub detail: String,
    pub code: Code,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<Provenance>,
}

/// What a place reaches of one destination.
#[derive(Clone, Debug, Serialize)]
pub struct Reach {
    /// Allowed if some packet surely gets through; denied if every packet surely does not;
    /// unknown otherwise.
    pub verdict: Verdict,
    /// The protocols and ports that surely get through (`tcp/443`).
    pub allowed: String,
    /// The protocols and ports whose fate the model cannot decide.
    pub unknown: String,
    #[serde(skip)]
    pub allowed_set: L4Set,
    #[serde(skip)]
    pub unknown_set: L4Set,
    /// The elements that let the witness through (and, where a service endpoint carries
    /// storage traffic without a policy, the missing policy).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub permitted_by: Vec<Element>,
    /// For unknown parts: what the model lacks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
    /// One flow with the verdict (for a denied destination, the one closest to passing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub witness: Option<Witness>,
    /// Traces this answer took (one per class of sources × transports).
    pub classes: usize,
}

/// Hops that let a flow through and that a user can change.
fn permitting(t: &Trace, subnet_has_policy: impl Fn(&str) -> bool) -> Vec<Element> {
    let mut out = Vec::new();
    for h in &t.hops {
        if h.decision != HopDecision::Pass && h.decision != HopDecision::Assumed {
            continue;
        }
        let keep = matches!(
            h.step,
            Step::Nsg
                | Step::Firewall
                | Step::ManagedNetwork
                | Step::ServiceEndpointPolicy
                | Step::Egress
        ) || (h.step == Step::Route
            && matches!(
                h.code,
                Code::RouteInternet | Code::RouteServiceEndpoint | Code::RouteAppliance
            ));
        if keep {
            out.push(element(h));
        }
        // Storage through a service endpoint with no policy: the missing policy is what
        // lets any account through (seed 004, "Data exfiltration protection").
        if h.code == Code::RouteServiceEndpoint
            && h.service
                .as_deref()
                .is_some_and(moat_model::network::is_storage_service)
            && let Some(Address::Subnet { vnet, subnet }) = h.subject.as_deref()
        {
            let subnet = format!("{vnet}/{subnet}");
            if !subnet_has_policy(&subnet) {
                out.push(Element {
                    step: Step::ServiceEndpointPolicy,
                    element: format!("subnet {subnet}"),
                    detail: "no service endpoint policy: the Microsoft.Storage service endpoint admits every storage account".into(),
                    code: Code::SepMissing,
                    at: None,
                });
            }
        }
    }
    out
}

fn element(h: &Hop) -> Element {
    Element {
        step: h.step,
        element: h.element.to_string(),
        detail: h.detail.to_string(),
        code: h.code,
        at: h.at.as_deref().cloned(),
    }
}

/// Which witness best shows a verdict: allowed first, then unknown, then denied; among
/// equals, the first in class order (HTTPS classes sort first).
fn rank(v: Verdict) -> u8 {
    match v {
        Verdict::Allowed => 0,
        Verdict::Unknown => 1,
        Verdict::Denied => 2,
    }
}

/// Whether the source class holds a node with a public IP of its own that a trace from a bare
/// address does not see.
pub struct Context<'a> {
    pub sources: &'a [Source],
    pub l4: &'a [L4Set],
    /// A compute of the place has node public IPs: a bare-address trace denied for want of
    /// egress is not the place's answer.
    pub node_public_ip: bool,
}

/// What the sources reach of `to` over every transport class (restricted to `scope`).
pub fn reach(o: &Oracle, cx: &Context, to: &Address, scope: Option<&L4Set>) -> Reach {
    let mut allowed = L4Set::none();
    let mut unknown = L4Set::none();
    let mut best: Option<(u8, Witness)> = None;
    let mut missing: Vec<String> = Vec::new();
    let mut classes = 0;
    // HTTPS first, so witnesses show the flow people recognise.
    let mut l4: Vec<(L4Set, (moat_packets::Protocol, u16))> = cx
        .l4
        .iter()
        .filter_map(|c| {
            let c = match scope {
                Some(s) => c.intersect(s),
                None => c.clone(),
            };
            if c.is_empty() {
                return None;
            }
            let rep = representative(&c)?;
            Some((c, rep))
        })
        .collect();
    l4.sort_by_key(|(_, (p, port))| (*port != 443, *port != 80, p.number(), *port));
    for s in cx.sources {
        for (class, (protocol, port)) in &l4 {
            classes += 1;
            let q = Query {
                from: s.from.clone(),
                to: to.clone(),
                protocol: *protocol,
                port: *port,
            };
            let Some(mut t) = o.trace(&q) else {
                unknown = unknown.union(class);
                if missing.is_empty() {
                    missing.push(format!("the engine cannot place {} or {}", q.from, q.to));
                }
                continue;
            };
            let mut v = t.verdict;
            if v == Verdict::Denied
                && s.class.is_some()
                && cx.node_public_ip
                && t.blocked_by().is_some_and(|h| h.step == Step::Egress)
            {
                v = Verdict::Unknown;
                t.missing.push(format!(
                    "whether the nodes at {} leave through their own public IPs",
                    s.class.as_ref().map(|c| c.to_string()).unwrap_or_default()
                ));
            }
            match v {
                Verdict::Allowed => allowed = allowed.union(class),
                Verdict::Unknown => {
                    unknown = unknown.union(class);
                    for m in &t.missing {
                        if missing.len() < 8 && !missing.contains(m) {
                            missing.push(m.clone());
                        }
                    }
                }
                Verdict::Denied => {}
            }
            let r = rank(v);
            if best.as_ref().is_none_or(|(b, _)| r < *b) {
                let source_ip = s.class.as_ref().and_then(AddrSet::min);
                best = Some((
                    r,
                    Witness {
                        from: q.from.to_string(),
                        source_ip,
                        to: o.unname_text(&q.to.to_string()),
                        protocol: q.protocol.to_string(),
                        port: q.port,
                        verdict: v,
                        trace: t,
                        query: q,
                    },
                ));
            }
        }
    }
    let verdict = if !allowed.is_empty() {
        Verdict::Allowed
    } else if !unknown.is_empty() {
        Verdict::Unknown
    } else {
        Verdict::Denied
    };
    let witness = best.map(|(_, w)| w);
    let permitted_by = match &witness {
        Some(w) if w.verdict == Verdict::Allowed => permitting(&w.trace, |subnet| {
            o.e.ix.subnets.get(subnet).is_some_and(|&(vi, si)| {
                !o.e.t.virtual_networks[vi].subnets[si]
                    .service_endpoint_policies
                    .is_empty()
            })
        }),
        _ => Vec::new(),
    };
    Reach {
        verdict,
        allowed: describe(&allowed),
        unknown: describe(&unknown),
        allowed_set: allowed,
        unknown_set: unknown,
        permitted_by,
        missing: if verdict == Verdict::Allowed {
            Vec::new()
        } else {
            missing
        },
        witness,
        classes,
    }
}

/// A transport set in words: empty is `none`.
pub fn describe(s: &L4Set) -> String {
    if s.is_empty() {
        "none".into()
    } else {
        s.to_string()
    }
}
