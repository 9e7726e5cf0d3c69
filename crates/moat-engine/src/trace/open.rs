//! The ways a flow may go that its trace could not follow, because the input leaves open the
//! answer of the name it resolves.
//!
//! A trace stops, unknown, at a name whose record a zone group left open may write, or whose
//! zone may be linked by a link list left open. In the completions where the name resolves to
//! the destination's private endpoint, the flow goes on from there: through routes, firewalls
//! and NSGs the trace never reached. What stops it there may be what a rule reports; the
//! report is then undecided, as the name is.

use super::{Code, Hop, HopDecision, Query, Step, Trace, Verdict, strip_sub, target, walk};
use crate::engine::Engine;
use moat_model::PrivateIp;

/// The flow of `t` as it goes where its name resolves to each private endpoint that may serve
/// its destination, when `t` stopped at a name the input leaves open; each trace is unknown
/// and needs what the name needs. Empty for any other trace.
pub fn past_open_names(e: &Engine, t: &Trace) -> Vec<Trace> {
    if t.verdict != Verdict::Unknown
        || !t
            .blocked_by()
            .is_some_and(|h| h.step == Step::Dns && h.code == Code::DnsUnknown)
        || !t
            .hops
            .iter()
            .any(|h| matches!(h.code, Code::DnsRecordOpen | Code::DnsZoneLinksOpen))
    {
        return Vec::new();
    }
    let Ok(protocol) = t.protocol.parse() else {
        return Vec::new();
    };
    let q = Query {
        from: t.from.clone(),
        to: t.to.clone(),
        protocol,
        port: t.port,
    };
    endpoint_addresses(e, &q)
        .into_iter()
        .filter_map(|ip| walk(e, &q, false, Some(ip)).ok())
        .map(|mut c| {
            left_open(
                &mut c,
                t,
                "the path as it goes if the name resolves to the private endpoint",
            );
            c
        })
        .collect()
}

/// The addresses of the private endpoints that serve `q`'s destination (its resource and
/// sub-resource), in declaration order.
fn endpoint_addresses(e: &Engine, q: &Query) -> Vec<PrivateIp> {
    let Ok(tg) = target(e, &q.to) else {
        return Vec::new();
    };
    let Some(serving) = tg.served_by.as_ref().or(tg.owner.as_ref()).map(strip_sub) else {
        return Vec::new();
    };
    let mut out: Vec<PrivateIp> =
        e.t.private_endpoints
            .iter()
            .filter(|p| {
                strip_sub(&p.target) == serving
                    && tg
                        .group
                        .as_deref()
                        .is_none_or(|g| p.group_id.eq_ignore_ascii_case(g))
            })
            .filter_map(|p| e.t.endpoint_address(e.dns.addressing(), p))
            .collect();
    out.dedup();
    out
}

/// Makes `c` unknown as `t` is, where `c` holds only if `t` goes one of the ways it leaves
/// open (`what` says which): `c` needs what `t` needs. A verdict of `c`'s own walk (allowed,
/// denied) ends in a hop saying so, as a value the input leaves open does: its stopping hop
/// stays the one its walk recorded.
pub fn left_open(c: &mut Trace, t: &Trace, what: &str) {
    for m in &t.missing {
        if !c.missing.contains(m) {
            c.missing.push(m.clone());
        }
    }
    if c.verdict == Verdict::Unknown {
        return;
    }
    c.verdict = Verdict::Unknown;
    c.fix = None;
    c.hops.push(Hop {
        step: Step::Import,
        element: "values the input leaves open".into(),
        decision: HopDecision::Unknown,
        code: Code::InputUnknown,
        detail: format!(
            "{what}; whether it does is left open ({})",
            t.missing.join("; ")
        )
        .into(),
        at: None,
        resources: Box::default(),
        subject: None,
        address: None,
        service: None,
        source_address: None,
        nsg_rule: None,
        only: None,
    });
    c.blocked = Some(c.hops.len() - 1);
}
